//! Composite indices over HTTP: define a version (JSON or TOML), load
//! values (JSON or CSV), compute, and read scores, ranks, the red and black
//! lists (红黑榜) and warnings, or the whole period as Excel. Reads are
//! limited to the caller's scope.

use crate::caller::Caller;
use crate::extract::{Path, Query};
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, extract::State, routing::get, routing::post, routing::put};
use gongzhi_domain::Level;
use gongzhi_domain::access::Permission;
use gongzhi_index::warn::Warning;
use gongzhi_index::{Definition, sheet};
use gongzhi_service::ServiceError;
use gongzhi_service::indices::{ComputeSummary, ScoreRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/indices", get(list).post(define))
        .route("/indices/{code}", get(definition))
        .route("/indices/{code}/values", put(load))
        .route("/indices/{code}/compute", post(compute))
        .route("/indices/{code}/scores", get(scores))
        .route("/indices/{code}/lists", get(lists))
        .route("/indices/{code}/warnings", get(warnings))
        .route("/indices/{code}/export", get(export))
}

/// An index in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexItem {
    /// Code.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: Option<String>,
    /// Newest version.
    pub version: i64,
    /// `day`, `month`, `quarter` or `year`.
    #[schema(value_type = String)]
    pub periodicity: gongzhi_index::definition::Periodicity,
    /// Indicators with data.
    pub leaves: usize,
    /// The periods computed, oldest first.
    pub periods: Vec<String>,
}

/// Every index, newest versions.
#[utoipa::path(get, path = "/api/v1/indices", tag = "indices",
    responses((status = 200, body = Vec<IndexItem>)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<IndexItem>>, ApiError> {
    let all = state.service.index_definitions(&caller).await?;
    let mut items = Vec::with_capacity(all.len());
    for (version, d) in all {
        items.push(IndexItem {
            leaves: d.indicators.iter().filter(|i| i.level == 1).count(),
            periods: state.store.index_periods(&d.code).await?,
            code: d.code,
            name: d.name,
            name_en: d.name_en,
            version,
            periodicity: d.periodicity,
        });
    }
    Ok(Json(items))
}

/// How a request body is written, by its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Toml,
    Csv,
    Workbook,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if kind.contains("toml") {
        BodyKind::Toml
    } else if kind.starts_with("text/csv") {
        BodyKind::Csv
    } else if ["spreadsheet", "ms-excel", "opendocument"]
        .iter()
        .any(|k| kind.contains(k))
    {
        BodyKind::Workbook
    } else {
        BodyKind::Json
    }
}

fn text(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|e| ApiError::invalid_parameter("body", e))
}

fn refused_data(e: gongzhi_index::DataError) -> ApiError {
    ApiError::invalid_parameter("body", e)
}

fn refused_definition(e: gongzhi_index::DefinitionError) -> ApiError {
    ServiceError::Index(gongzhi_service::indices::IndexError::Definition(e)).into()
}

/// The version a definition was saved as.
#[derive(Debug, Serialize, ToSchema)]
pub struct Defined {
    /// Code.
    pub code: String,
    /// The new version.
    pub version: i64,
}

/// Saves a definition as the index's next version: JSON, TOML
/// (`Content-Type: application/toml`) or an Excel workbook (sheets
/// `definition`, `indicators`, `denominators`). A fault names its row and
/// field.
#[utoipa::path(post, path = "/api/v1/indices", tag = "indices", request_body = Object,
    responses((status = 200, body = Defined), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn define(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Defined>, ApiError> {
    caller
        .require(Permission::EditRules)
        .map_err(ServiceError::from)?;
    let definition = match body_kind(&headers) {
        BodyKind::Toml => Definition::from_toml(text(&body)?).map_err(refused_definition)?,
        BodyKind::Workbook => {
            let sheets = sheet::workbook(&body).map_err(refused_data)?;
            sheet::definition(&sheets.into_iter().collect()).map_err(refused_definition)?
        }
        _ => Definition::from_json(text(&body)?).map_err(refused_definition)?,
    };
    let code = definition.code.clone();
    let version = state
        .service
        .define_index(&caller, definition, (state.now)())
        .await?;
    Ok(Json(Defined { code, version }))
}

/// Which version of a definition.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct VersionParams {
    /// A version; the newest without it.
    pub version: Option<i64>,
}

/// A definition with its version.
#[derive(Debug, Serialize, ToSchema)]
pub struct DefinitionView {
    /// The version.
    pub version: i64,
    /// The definition as written.
    #[schema(value_type = Object)]
    pub definition: Definition,
}

/// A definition, the newest version or the one asked for.
#[utoipa::path(get, path = "/api/v1/indices/{code}", tag = "indices", params(VersionParams,
    ("code" = String, Path, description = "Index code")),
    responses((status = 200, body = DefinitionView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn definition(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    Query(params): Query<VersionParams>,
) -> Result<Json<DefinitionView>, ApiError> {
    let (version, definition) = state
        .service
        .index_definition(&caller, &code, params.version)
        .await?;
    Ok(Json(DefinitionView {
        version,
        definition,
    }))
}

/// Values to load.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Values {
    /// One row per cell.
    pub values: Vec<ValueRow>,
}

/// One loaded value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueRow {
    /// Period, e.g. `2026Q3`.
    pub period: String,
    /// Region code.
    pub unit: String,
    /// Indicator or denominator code.
    pub series: String,
    /// The value.
    pub value: f64,
}

/// How many values were loaded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Loaded {
    /// Rows loaded.
    pub loaded: usize,
}

/// Loads values, all or none: JSON `{"values": [...]}`, or CSV
/// (`text/csv`) or an Excel workbook's first sheet, long or wide.
#[utoipa::path(put, path = "/api/v1/indices/{code}/values", tag = "indices",
    params(("code" = String, Path, description = "Index code")), request_body = Values,
    responses((status = 200, body = Loaded), (status = 400, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn load(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Loaded>, ApiError> {
    caller
        .require(Permission::EditRules)
        .map_err(ServiceError::from)?;
    let values = match body_kind(&headers) {
        BodyKind::Csv => {
            let rows = sheet::csv_rows(text(&body)?).map_err(refused_data)?;
            sheet::values(&rows).map_err(refused_data)?
        }
        BodyKind::Workbook => {
            let sheets = sheet::workbook(&body).map_err(refused_data)?;
            let first = sheets
                .into_iter()
                .next()
                .map(|(_, rows)| rows)
                .unwrap_or_default();
            sheet::values(&first).map_err(refused_data)?
        }
        _ => {
            let parsed: Values = serde_json::from_slice(&body)
                .map_err(|e| ApiError::invalid_parameter("body", e))?;
            parsed
                .values
                .into_iter()
                .map(|v| sheet::Value {
                    period: v.period,
                    unit: v.unit,
                    series: v.series,
                    value: v.value,
                })
                .collect()
        }
    };
    let loaded = state
        .service
        .load_index_values(&caller, &code, values, (state.now)())
        .await?;
    Ok(Json(Loaded { loaded }))
}

/// Through which period to compute.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ComputeParams {
    /// The last period computed; every period with values without it.
    pub through: Option<String>,
}

/// Computes every period with values and stores the results.
#[utoipa::path(post, path = "/api/v1/indices/{code}/compute", tag = "indices", params(ComputeParams,
    ("code" = String, Path, description = "Index code")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn compute(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    Query(params): Query<ComputeParams>,
) -> Result<Json<ComputeSummary>, ApiError> {
    let summary = state
        .service
        .compute_index(&caller, &code, params.through.as_deref(), (state.now)())
        .await?;
    Ok(Json(summary))
}

/// Which results to read.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ReadParams {
    /// The period; the newest without it.
    pub period: Option<String>,
    /// Units of this level only (`county`, `town` …).
    pub level: Option<String>,
    /// The node (dimension or indicator); the index itself without it.
    pub node: Option<String>,
    /// How many units on each list (default 5).
    pub n: Option<usize>,
}

fn level_param(raw: Option<&str>) -> Result<Option<Level>, ApiError> {
    raw.map(|l| {
        Level::parse(l)
            .ok_or_else(|| ApiError::invalid_parameter("level", format!("`{l}` is not a level")))
    })
    .transpose()
}

/// A table of scores.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scores {
    /// The period.
    pub period: String,
    /// Best first, per level.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<ScoreRow>,
}

/// Scores, ranks, changes, warnings and rank stability of the units the
/// caller may see.
#[utoipa::path(get, path = "/api/v1/indices/{code}/scores", tag = "indices", params(ReadParams,
    ("code" = String, Path, description = "Index code")),
    responses((status = 200, body = Scores), (status = 404, body = crate::error::ErrorBody)))]
pub async fn scores(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Json<Scores>, ApiError> {
    let level = level_param(params.level.as_deref())?;
    let (period, rows) = state
        .service
        .index_scores(
            &caller,
            &code,
            params.period.as_deref(),
            level,
            params.node.as_deref(),
        )
        .await?;
    Ok(Json(Scores { period, rows }))
}

/// The red list (best) and black list (worst) of one level.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lists {
    /// The period.
    pub period: String,
    /// Best first.
    #[schema(value_type = Vec<Object>)]
    pub red: Vec<ScoreRow>,
    /// Worst first.
    #[schema(value_type = Vec<Object>)]
    pub black: Vec<ScoreRow>,
}

/// The red and black lists (红黑榜): the `n` best and `n` worst units of a
/// level on a node (the index by default).
#[utoipa::path(get, path = "/api/v1/indices/{code}/lists", tag = "indices", params(ReadParams,
    ("code" = String, Path, description = "Index code")),
    responses((status = 200, body = Lists), (status = 400, body = crate::error::ErrorBody)))]
pub async fn lists(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Json<Lists>, ApiError> {
    let level = level_param(params.level.as_deref())?.ok_or_else(|| {
        ApiError::invalid_parameter("level", "a list ranks the units of one level")
    })?;
    let n = params.n.unwrap_or(5);
    let (period, rows) = state
        .service
        .index_scores(
            &caller,
            &code,
            params.period.as_deref(),
            Some(level),
            params.node.as_deref(),
        )
        .await?;
    let ranked: Vec<ScoreRow> = rows.into_iter().filter(|r| r.rank.is_some()).collect();
    let red = ranked.iter().take(n).cloned().collect();
    let black = ranked.iter().rev().take(n).cloned().collect();
    Ok(Json(Lists { period, red, black }))
}

/// The yellow and red warnings of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct Warnings {
    /// The period.
    pub period: String,
    /// Red first, each with its reasons.
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Warning>,
}

/// The units warned yellow or red in a period, with their reasons.
#[utoipa::path(get, path = "/api/v1/indices/{code}/warnings", tag = "indices", params(ReadParams,
    ("code" = String, Path, description = "Index code")),
    responses((status = 200, body = Warnings), (status = 404, body = crate::error::ErrorBody)))]
pub async fn warnings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Json<Warnings>, ApiError> {
    let run = state
        .service
        .index_run(&caller, &code, params.period.as_deref())
        .await?;
    let mut warnings: Vec<Warning> = run
        .levels
        .into_iter()
        .flat_map(|l| l.warnings)
        .filter(|w| !w.reasons.is_empty())
        .collect();
    warnings.sort_by_key(|w| std::cmp::Reverse(w.level));
    Ok(Json(Warnings {
        period: run.period,
        warnings,
    }))
}

/// A period as an Excel workbook: scores and ranks of every node, the
/// warnings with reasons, and the method. Needs the export permission and
/// is audited.
#[utoipa::path(get, path = "/api/v1/indices/{code}/export", tag = "indices", params(ReadParams,
    ("code" = String, Path, description = "Index code")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Response, ApiError> {
    let (period, bytes) = state
        .service
        .index_workbook(&caller, &code, params.period.as_deref(), (state.now)())
        .await?;
    let file = format!("attachment; filename=\"{code}-{period}.xlsx\"");
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&file) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
