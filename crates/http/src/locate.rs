//! Point to grid over HTTP.

use crate::extract::Query;
use crate::{
    ApiError, AppState,
    regions::{RegionRef, parse_crs},
};
use axum::{Json, Router, extract::State, routing::get};
use gongzhi_domain::LngLat;
use gongzhi_geo::locator::Status;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/locate", get(locate))
}

/// Parameters of a point lookup. Numbers are taken as text so that a bad
/// value gets an error naming it.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LocateParams {
    /// Longitude in degrees.
    lng: Option<String>,
    /// Latitude in degrees.
    lat: Option<String>,
    /// Coordinate system of the point: wgs84 (default), gcj02 or bd09.
    crs: Option<String>,
}

/// Where a point lies.
#[derive(Debug, Serialize, ToSchema)]
pub struct Location {
    /// `grid` when a grid holds the point, `region` when only a larger
    /// region does, `outside` when the point is outside the jurisdiction.
    status: &'static str,
    /// The point in WGS-84, as stored.
    wgs84: Point,
    /// The grid holding the point, if any.
    grid: Option<RegionRef>,
    /// The deepest region holding the point, if any (the grid when there is one).
    region: Option<RegionRef>,
    /// That region and its ancestors, from the top of the tree down.
    chain: Vec<RegionRef>,
}

/// A point in degrees.
#[derive(Debug, Serialize, ToSchema)]
pub struct Point {
    /// Longitude.
    lng: f64,
    /// Latitude.
    lat: f64,
}

fn parse_degrees(name: &str, raw: Option<&str>) -> Result<f64, ApiError> {
    let raw = raw.ok_or_else(|| ApiError::invalid_parameter(name, "is required"))?;
    raw.trim()
        .parse::<f64>()
        .map_err(|_| ApiError::invalid_parameter(name, format!("{raw:?} is not a number")))
}

/// Which grid, and which chain of regions, holds a point.
#[utoipa::path(get, path = "/api/v1/locate", tag = "regions", params(LocateParams),
    responses((status = 200, body = Location), (status = 400, body = crate::error::ErrorBody)))]
pub async fn locate(
    State(state): State<AppState>,
    Query(params): Query<LocateParams>,
) -> Result<Json<Location>, ApiError> {
    let lng = parse_degrees("lng", params.lng.as_deref())?;
    let lat = parse_degrees("lat", params.lat.as_deref())?;
    let crs = parse_crs(params.crs.as_deref())?;
    let point = LngLat::new(lng, lat).map_err(|e| {
        let name = match e {
            gongzhi_domain::crs::CoordError::Longitude(_) => "lng",
            gongzhi_domain::crs::CoordError::Latitude(_) => "lat",
        };
        ApiError::invalid_parameter(name, e)
    })?;
    let wgs = crs.to_wgs84(point);
    let found = state.locator.load().resolve(wgs);
    metrics::counter!("gongzhi_locate_total", "status" => found.status.as_str()).increment(1);
    let deepest = found.chain.last();
    Ok(Json(Location {
        status: found.status.as_str(),
        grid: deepest
            .filter(|_| found.status == Status::Grid)
            .map(RegionRef::from),
        wgs84: Point {
            lng: wgs.lng,
            lat: wgs.lat,
        },
        region: deepest.map(RegionRef::from),
        chain: found.chain.iter().map(RegionRef::from).collect(),
    }))
}
