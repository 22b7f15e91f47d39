//! The city's rules over HTTP: the category catalogue and the
//! responsibility list, each read whole and edited in versions. An edit
//! names the version it was made on; an edit on an older one is a 409.

use crate::caller::Caller;
use crate::extract::Path;
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::{Json, Router, extract::State, routing::get, routing::put};
use gongzhi_domain::access::{Permission, Principal};
use gongzhi_domain::catalogue::{CatalogueDocument, Category, Entry};
use gongzhi_domain::responsibility::ResponsibilityDocument;
use gongzhi_service::ServiceError;
use gongzhi_store::ConfigKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalogue", get(catalogue).put(put_catalogue))
        .route("/catalogue/versions/{version}", get(catalogue_version))
        .route("/catalogue/entries/{code}", put(put_entry))
        .route(
            "/responsibility",
            get(responsibility).put(put_responsibility),
        )
}

/// The catalogue in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueView {
    /// Its version.
    pub version: i64,
    /// The document as written.
    #[schema(value_type = Object)]
    pub document: CatalogueDocument,
    /// Every class and category with what it inherits resolved.
    #[schema(value_type = Vec<Object>)]
    pub categories: Vec<Category>,
}

/// The responsibility list in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponsibilityView {
    /// Its version.
    pub version: i64,
    /// The departments and rules.
    #[schema(value_type = Object)]
    pub document: ResponsibilityDocument,
}

/// An edit of a document.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Edit<T> {
    /// The version the edit was made on.
    pub based_on: i64,
    /// The new document or entry.
    pub document: T,
}

/// Refuses a caller who may not edit the rules, before their edit is
/// even read.
fn may_edit(caller: &Principal) -> Result<(), ApiError> {
    caller
        .require(Permission::EditRules)
        .map_err(|denied| ServiceError::from(denied).into())
}

/// The version an edit saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Saved {
    /// The new version.
    pub version: i64,
}

fn parse_edit<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<Edit<T>, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid_parameter("body", e))
}

/// The catalogue in force.
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "rules",
    responses((status = 200, body = CatalogueView)))]
pub async fn catalogue(State(state): State<AppState>) -> Json<CatalogueView> {
    let rules = state.service.rules();
    Json(CatalogueView {
        version: rules.catalogue_version,
        document: rules.catalogue.document().clone(),
        categories: rules.catalogue.categories().cloned().collect(),
    })
}

/// An earlier version of the catalogue, as stored.
#[utoipa::path(get, path = "/api/v1/catalogue/versions/{version}", tag = "rules",
    params(("version" = i64, Path, description = "Version")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)))]
pub async fn catalogue_version(
    State(state): State<AppState>,
    Path(version): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let found = state
        .store
        .config_version(ConfigKind::Catalogue, version)
        .await?
        .ok_or_else(|| {
            ApiError::not_found("事项清单版本", "catalogue version", &version.to_string())
        })?;
    let document: serde_json::Value = serde_json::from_str(&found.document)
        .map_err(|e| ApiError::from(gongzhi_store::StoreError::Corrupt(e.to_string())))?;
    Ok(Json(serde_json::json!({
        "version": found.version,
        "author": found.author,
        "created_at": crate::views::instant(found.created_at),
        "document": document,
    })))
}

/// Replaces the whole catalogue (admin). Applies to events reported from
/// now on.
#[utoipa::path(put, path = "/api/v1/catalogue", tag = "rules", request_body = Object,
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_catalogue(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: Bytes,
) -> Result<Json<Saved>, ApiError> {
    may_edit(&caller)?;
    let edit: Edit<CatalogueDocument> = parse_edit(&body)?;
    let version = state
        .service
        .save_catalogue(edit.based_on, edit.document, &caller, (state.now)())
        .await?;
    Ok(Json(Saved { version }))
}

/// Replaces or adds one class or category (admin); a class keeps its
/// categories.
#[utoipa::path(put, path = "/api/v1/catalogue/entries/{code}", tag = "rules",
    params(("code" = String, Path, description = "Class or category code")), request_body = Object,
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_entry(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<Saved>, ApiError> {
    may_edit(&caller)?;
    let edit: Edit<Entry> = parse_edit(&body)?;
    let given = match &edit.document {
        Entry::Class(c) => &c.code,
        Entry::Category(c) => &c.code,
    };
    if *given != code {
        return Err(ApiError::invalid_parameter(
            "document.code",
            format!("{given:?} differs from the path's {code:?}"),
        ));
    }
    let edited = state
        .service
        .rules()
        .catalogue
        .with_entry(edit.document)
        .map_err(|e| ApiError::invalid_config(e.to_string()))?;
    let version = state
        .service
        .save_catalogue(
            edit.based_on,
            edited.document().clone(),
            &caller,
            (state.now)(),
        )
        .await?;
    Ok(Json(Saved { version }))
}

/// The departments and the responsibility list in force.
#[utoipa::path(get, path = "/api/v1/responsibility", tag = "rules",
    responses((status = 200, body = ResponsibilityView)))]
pub async fn responsibility(State(state): State<AppState>) -> Json<ResponsibilityView> {
    let rules = state.service.rules();
    Json(ResponsibilityView {
        version: rules.responsibility_version,
        document: rules.responsibility.document().clone(),
    })
}

/// Replaces the departments and the responsibility list (admin).
#[utoipa::path(put, path = "/api/v1/responsibility", tag = "rules", request_body = Object,
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_responsibility(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: Bytes,
) -> Result<Json<Saved>, ApiError> {
    may_edit(&caller)?;
    let edit: Edit<ResponsibilityDocument> = parse_edit(&body)?;
    let version = state
        .service
        .save_responsibility(edit.based_on, edit.document, &caller, (state.now)())
        .await?;
    Ok(Json(Saved { version }))
}
