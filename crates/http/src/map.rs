//! What the map draws: the children of a region with their boundaries and
//! the state of their open work, coloured by warning level; and the located
//! events as compact points. Boundaries are public reference data; every
//! count and point is limited to the caller's scope.

use crate::events::FilterParams;
use crate::extract::Query;
use crate::regions::{RegionRef, StaffItem, parse_code};
use crate::views::instant;
use crate::{ApiError, AppState};
use axum::{Json, Router, extract::State, routing::get};
use gongzhi_domain::access::{Principal, Scope};
use gongzhi_domain::sla::SlaColour;
use gongzhi_domain::warning::{OpenWork, WarningLevel};
use gongzhi_domain::{Level, RegionCode};
use gongzhi_store::{EventPoint, Store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/map/regions", get(regions))
        .route("/map/events", get(events))
        .route("/map/settings", get(settings))
}

/// How the map is drawn on this installation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapSettings {
    /// An XYZ raster tile URL template, or null: the map then draws
    /// regions and grids alone (an intranet without a tile server).
    pub basemap: Option<String>,
    /// The basemap's credit.
    pub attribution: Option<String>,
}

/// The map's settings: public, so the sign-in page could show the map too.
#[utoipa::path(get, path = "/api/v1/map/settings", tag = "map",
    responses((status = 200, body = MapSettings)))]
pub async fn settings(State(state): State<AppState>) -> Json<MapSettings> {
    Json(MapSettings {
        basemap: state.basemap.as_ref().map(|b| b.tiles.clone()),
        attribution: state.basemap.as_ref().map(|b| b.attribution.clone()),
    })
}

/// Parameters of the map's regions.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RegionParams {
    /// The region whose children to draw; without it, the top of the
    /// caller's jurisdiction.
    pub under: Option<String>,
    /// Count events reported at or after (`2026-03-01`).
    pub from: Option<String>,
    /// Count events reported before.
    pub to: Option<String>,
}

/// A child region on the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapRegionProperties {
    /// Code, name and level.
    #[serde(flatten)]
    pub region: RegionRef,
    /// Open events now.
    pub open: u64,
    /// Of them, due soon.
    pub yellow: u64,
    /// Of them, overdue.
    pub red: u64,
    /// Events reported in the period.
    pub reported: u64,
    /// `green`, `yellow` or `red`: the most severe of the open-work rule
    /// and the newest warnings of the composite indices.
    pub warning: &'static str,
    /// Why, most severe first.
    pub reasons: Vec<MapReason>,
    /// Number of child regions.
    pub children: usize,
    /// Grid leader and workers (grids only).
    pub staff: Vec<StaffItem>,
}

/// One reason for a region's warning.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MapReason {
    /// `yellow` or `red`.
    pub level: &'static str,
    /// The rule: `open_work`, or an index's `score`, `drop`, `target`,
    /// `surge`.
    pub rule: String,
    /// In Chinese.
    pub text: String,
    /// In English.
    pub text_en: String,
}

/// The open-work rule's reason, when it warns.
fn open_work_reason(open: &OpenWork) -> Option<MapReason> {
    let level = open.warning();
    (level != WarningLevel::Green).then(|| MapReason {
        level: level.as_str(),
        rule: "open_work".into(),
        text: format!(
            "在办 {} 件，其中超期 {} 件、临期 {} 件",
            open.open, open.red, open.yellow
        ),
        text_en: format!(
            "{} open, {} overdue, {} due soon",
            open.open, open.red, open.yellow
        ),
    })
}

/// A child region as a GeoJSON Feature (WGS-84).
#[derive(Debug, Serialize, ToSchema)]
pub struct MapRegion {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The region's code.
    pub id: String,
    /// Its boundary, or null when none is stored.
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<geojson::Geometry>,
    /// Name, level, open work and warning.
    pub properties: MapRegionProperties,
}

/// The children of a region as a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapRegions {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The region whose children these are.
    pub region: Option<RegionRef>,
    /// Its ancestors from the top down.
    pub ancestors: Vec<RegionRef>,
    /// The children.
    pub features: Vec<MapRegion>,
}

/// The region a caller's map opens on: their jurisdiction, a grid worker's
/// community, or else the top of the tree down to where it first branches.
async fn home_region(
    store: &dyn Store,
    caller: &Principal,
) -> Result<Option<RegionCode>, ApiError> {
    match &caller.scope {
        Scope::Region(region) | Scope::Department { region, .. } => Ok(Some(region.clone())),
        Scope::Grids(grids) if !grids.is_empty() => Ok(grids[0].parent()),
        _ => {
            let mut at = None;
            loop {
                let children = store.children(at.as_ref()).await?;
                match children.as_slice() {
                    [only] => at = Some(only.region.code.clone()),
                    _ => return Ok(at),
                }
            }
        }
    }
}

/// The children of a region with their boundaries, open work (open, due
/// soon, overdue), events reported in the period and warning level.
#[utoipa::path(get, path = "/api/v1/map/regions", tag = "map", params(RegionParams),
    responses((status = 200, body = MapRegions), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn regions(
    State(state): State<AppState>,
    crate::caller::Caller(caller): crate::caller::Caller,
    Query(params): Query<RegionParams>,
) -> Result<Json<MapRegions>, ApiError> {
    let now = (state.now)();
    let period = FilterParams {
        from: params.from,
        to: params.to,
        ..FilterParams::default()
    }
    .filter(now)?;
    let root = match params.under.as_deref() {
        Some(raw) => Some(parse_code("under", raw)?),
        None => home_region(state.store.as_ref(), &caller).await?,
    };
    let region = match &root {
        Some(code) => Some(
            state
                .store
                .region(code)
                .await?
                .ok_or_else(|| ApiError::not_found("区域", "region", code.as_str()))?,
        ),
        None => None,
    };
    let ancestors = match &root {
        Some(code) => state.store.ancestors(code).await?,
        None => Vec::new(),
    };
    let children = state.store.children(root.as_ref()).await?;
    let work = match (&root, children.first()) {
        (Some(under), Some(first)) => {
            state
                .service
                .region_work(&caller, under, first.region.level(), &period, now)
                .await?
        }
        _ => {
            caller
                .require(gongzhi_domain::access::Permission::ReadEvents)
                .map_err(gongzhi_service::ServiceError::from)?;
            Default::default()
        }
    };
    let index_warnings = state.service.index_warnings(&caller.scope).await?;
    let mut features = Vec::with_capacity(children.len());
    for child in &children {
        let code = &child.region.code;
        let counts = work.get(code.as_str()).copied().unwrap_or_default();
        let index = index_warnings.get(code.as_str());
        let warning = counts
            .open
            .warning()
            .max(index.map_or(WarningLevel::Green, |w| w.level));
        let mut reasons: Vec<MapReason> = open_work_reason(&counts.open).into_iter().collect();
        reasons.extend(
            index
                .into_iter()
                .flat_map(|w| &w.reasons)
                .map(|r| MapReason {
                    level: r.level.as_str(),
                    rule: r.rule.as_str().to_owned(),
                    text: r.text.clone(),
                    text_en: r.text_en.clone(),
                }),
        );
        reasons.sort_by_key(|r| std::cmp::Reverse(r.level == "red"));
        let geometry = match child.has_boundary {
            true => state.store.boundary(code).await?,
            false => None,
        };
        let staff = match child.region.level() {
            Level::Grid => state.store.grid_staff(code).await?,
            _ => Vec::new(),
        };
        features.push(MapRegion {
            kind: "Feature",
            id: code.to_string(),
            geometry: geometry.as_ref().map(geojson::Geometry::from),
            properties: MapRegionProperties {
                region: RegionRef::from(&child.region),
                open: counts.open.open,
                yellow: counts.open.yellow,
                red: counts.open.red,
                reported: counts.reported,
                warning: warning.as_str(),
                reasons,
                children: state.store.children(Some(code)).await?.len(),
                staff: staff.into_iter().map(StaffItem::from).collect(),
            },
        });
    }
    Ok(Json(MapRegions {
        kind: "FeatureCollection",
        region: region.as_ref().map(|r| RegionRef::from(&r.region)),
        ancestors: ancestors.iter().map(RegionRef::from).collect(),
        features,
    }))
}

/// Located events as rows of `fields`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapEvents {
    /// The columns of each row.
    pub fields: [&'static str; 7],
    /// One row per event, newest first.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<PointRow>,
    /// Number of rows.
    pub total: usize,
}

/// Number, longitude, latitude, SLA colour (null without a running clock),
/// state, category and when reported.
type PointRow = (
    String,
    f64,
    f64,
    Option<&'static str>,
    &'static str,
    String,
    String,
);

fn row(p: EventPoint, now: chrono::NaiveDateTime) -> PointRow {
    let colour = p
        .warn_at
        .zip(p.due_at)
        .map(|(warn, due)| SlaColour::at(warn, due, now).as_str());
    (
        p.number,
        p.location.lng,
        p.location.lat,
        colour,
        p.state.as_str(),
        p.category,
        instant(p.created_at),
    )
}

/// The located events the caller may see that match the filters, as
/// compact rows: a hundred thousand fit in a few megabytes.
#[utoipa::path(get, path = "/api/v1/map/events", tag = "map", params(FilterParams),
    responses((status = 200, body = MapEvents), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    crate::caller::Caller(caller): crate::caller::Caller,
    Query(params): Query<FilterParams>,
) -> Result<Json<MapEvents>, ApiError> {
    let now = (state.now)();
    let filter = params.filter(now)?;
    let points = state.service.event_points(&caller, &filter).await?;
    let rows: Vec<PointRow> = points.into_iter().map(|p| row(p, now)).collect();
    Ok(Json(MapEvents {
        fields: [
            "number",
            "lng",
            "lat",
            "colour",
            "state",
            "category",
            "reported_at",
        ],
        total: rows.len(),
        rows,
    }))
}
