//! The region tree over HTTP: children, one region with its boundary as a
//! GeoJSON Feature, and search by name or code.

use crate::extract::{Path, Query};
use crate::{ApiError, AppState};
use axum::{Json, Router, extract::State, routing::get};
use gongzhi_domain::{Crs, Region, RegionCode};
use gongzhi_store::RegionInfo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/regions", get(list))
        .route("/regions/search", get(search))
        .route("/regions/{code}", get(one))
        .route("/regions/{code}/children", get(children))
}

/// A region named by code, with its level.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionRef {
    /// Official or derived code.
    pub code: String,
    /// Name as published.
    pub name: String,
    /// `province`, `city`, `county`, `town`, `community`, `grid` or `micro_grid`.
    pub level: String,
    /// The level in Chinese.
    pub level_name: String,
}

impl From<&Region> for RegionRef {
    fn from(r: &Region) -> Self {
        RegionRef {
            code: r.code.to_string(),
            name: r.name.clone(),
            level: r.level().to_string(),
            level_name: r.level().name_zh().to_owned(),
        }
    }
}

/// A region in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionItem {
    /// Code, name and level.
    #[serde(flatten)]
    pub region: RegionRef,
    /// Whether a boundary is stored.
    pub has_boundary: bool,
}

impl From<&RegionInfo> for RegionItem {
    fn from(r: &RegionInfo) -> Self {
        RegionItem {
            region: RegionRef::from(&r.region),
            has_boundary: r.has_boundary,
        }
    }
}

/// A list of regions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionList {
    /// The regions, by code.
    pub items: Vec<RegionItem>,
}

/// Parameters of the region listing.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// List the children of this region; without it, the top of the tree.
    parent: Option<String>,
}

pub(crate) fn parse_code(name: &str, raw: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(raw).map_err(|e| ApiError::invalid_parameter(name, e))
}

pub(crate) fn parse_crs(raw: Option<&str>) -> Result<Crs, ApiError> {
    raw.map_or(Ok(Crs::Wgs84), |s| {
        s.parse().map_err(|e| ApiError::invalid_parameter("crs", e))
    })
}

/// Children of a region, or the top-level regions.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(ListParams),
    responses((status = 200, body = RegionList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<RegionList>, ApiError> {
    let parent = params
        .parent
        .as_deref()
        .map(|p| parse_code("parent", p))
        .transpose()?;
    list_children(&state, parent.as_ref()).await
}

/// Children of a region.
#[utoipa::path(get, path = "/api/v1/regions/{code}/children", tag = "regions",
    params(("code" = String, Path, description = "Region code")),
    responses((status = 200, body = RegionList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn children(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<RegionList>, ApiError> {
    let code = parse_code("code", &code)?;
    if state.store.region(&code).await?.is_none() {
        return Err(ApiError::not_found("区域", "region", code.as_str()));
    }
    list_children(&state, Some(&code)).await
}

async fn list_children(
    state: &AppState,
    parent: Option<&RegionCode>,
) -> Result<Json<RegionList>, ApiError> {
    let items = state.store.children(parent).await?;
    Ok(Json(RegionList {
        items: items.iter().map(RegionItem::from).collect(),
    }))
}

/// Parameters of the region search.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Part of a name, or the start of a code.
    q: String,
    /// Search only inside this region.
    under: Option<String>,
    /// At most this many results (1-200, default 20).
    limit: Option<u32>,
}

/// Regions found by a search, shallowest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// The regions found.
    pub items: Vec<RegionRef>,
}

/// Finds regions by name or code.
#[utoipa::path(get, path = "/api/v1/regions/search", tag = "regions", params(SearchParams),
    responses((status = 200, body = SearchResult), (status = 400, body = crate::error::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResult>, ApiError> {
    let text = params.q.trim();
    if text.is_empty() {
        return Err(ApiError::invalid_parameter("q", "must not be empty"));
    }
    let limit = params.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            "must be between 1 and 200",
        ));
    }
    let under = params
        .under
        .as_deref()
        .map(|u| parse_code("under", u))
        .transpose()?;
    let found = state
        .store
        .search_regions(text, under.as_ref(), limit)
        .await?;
    Ok(Json(SearchResult {
        items: found.iter().map(RegionRef::from).collect(),
    }))
}

/// Parameters for reading one region.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OneParams {
    /// Coordinate system of the returned boundary: wgs84 (default), gcj02 or bd09.
    crs: Option<String>,
}

/// A region as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The region's code.
    id: String,
    /// Name, level, ancestors and, for grids, staff.
    properties: RegionProperties,
    /// The boundary in the requested CRS, or null when none is stored.
    #[schema(value_type = Object)]
    geometry: Option<geojson::Geometry>,
}

/// Properties of a region feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionProperties {
    /// Code, name and level.
    #[serde(flatten)]
    region: RegionRef,
    /// Ancestors from the top of the tree down.
    ancestors: Vec<RegionRef>,
    /// Number of child regions.
    children: usize,
    /// Grid leader and workers (grids only).
    staff: Vec<StaffItem>,
    /// CRS of the geometry.
    crs: String,
}

/// A person assigned to a grid.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffItem {
    /// Their name.
    name: String,
    /// `leader` (网格长) or `worker` (网格员).
    role: String,
}

impl From<gongzhi_domain::staff::GridStaff> for StaffItem {
    fn from(s: gongzhi_domain::staff::GridStaff) -> Self {
        StaffItem {
            name: s.name,
            role: s.role.as_str().to_owned(),
        }
    }
}

/// One region with its ancestors and its boundary, as a GeoJSON Feature.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "Region code"), OneParams),
    responses((status = 200, body = RegionFeature), (status = 404, body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(params): Query<OneParams>,
) -> Result<Json<RegionFeature>, ApiError> {
    let code = parse_code("code", &code)?;
    let crs = parse_crs(params.crs.as_deref())?;
    let info = state
        .store
        .region(&code)
        .await?
        .ok_or_else(|| ApiError::not_found("区域", "region", code.as_str()))?;
    let ancestors = state.store.ancestors(&code).await?;
    let children = state.store.children(Some(&code)).await?.len();
    let staff = state.store.grid_staff(&code).await?;
    let geometry = match info.has_boundary {
        true => state.store.boundary(&code).await?,
        false => None,
    }
    .map(|mp| {
        let mp = gongzhi_geo::convert::from_wgs84(&mp, crs);
        geojson::Geometry::from(&mp)
    });
    Ok(Json(RegionFeature {
        kind: "Feature",
        id: code.to_string(),
        properties: RegionProperties {
            region: RegionRef::from(&info.region),
            ancestors: ancestors.iter().map(RegionRef::from).collect(),
            children,
            staff: staff.into_iter().map(StaffItem::from).collect(),
            crs: crs.to_string(),
        },
        geometry,
    }))
}
