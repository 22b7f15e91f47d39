//! Events over HTTP: report (idempotent), list with filters, one event,
//! its timeline and suggested duplicates, and the steps of the loop.

use crate::caller::Caller;
use crate::extract::{Path, Query};
use crate::regions::{parse_code, parse_crs};
use crate::views::{EventView, TimelineView};
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, extract::State, routing::get, routing::post};
use chrono::{NaiveDate, NaiveDateTime};
use gongzhi_domain::event::{Channel, Intake, Reporter, Step, Urgency};
use gongzhi_domain::event_flow::EventState;
use gongzhi_domain::sla::SlaColour;
use gongzhi_domain::{LngLat, actor::Role};
use gongzhi_store::{EventFilter, EventSort, IdempotencyKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", post(report).get(list))
        .route("/events/{number}", get(one))
        .route("/events/{number}/timeline", get(timeline))
        .route("/events/{number}/duplicates", get(duplicates))
        .route("/events/{number}/reporter", get(reporter))
        .route("/events/{number}/actions", post(act))
}

/// A location as given, in any coordinate system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    /// Longitude in degrees.
    pub lng: f64,
    /// Latitude in degrees.
    pub lat: f64,
    /// `wgs84` (default), `gcj02` or `bd09`.
    pub crs: Option<String>,
}

/// A report of a matter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// `grid_patrol`, `citizen`, `hotline`, `window`, `iot`, `video`,
    /// `open311` or `other`; by default `grid_patrol` for a grid worker,
    /// `citizen` for anyone else.
    #[schema(value_type = Option<String>)]
    pub channel: Option<Channel>,
    /// Catalogue code.
    pub category: String,
    /// Short title.
    pub title: String,
    /// What was seen or asked.
    #[serde(default)]
    pub description: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// Where; without it an address is required and the centre places it.
    pub location: Option<LocationBody>,
    /// Who reports; omit to stay anonymous. Never shown publicly.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub reporter: Reporter,
    /// `normal` (default), `urgent` or `critical`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub urgency: Urgency,
    /// Identifiers of photos uploaded to `/api/v1/attachments`.
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// A suggested duplicate.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateView {
    /// Its number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// Its state.
    pub state: String,
    /// Metres from the event.
    pub distance_m: f64,
    /// Reported at.
    pub created_at: String,
}

/// A reported event with its suggested duplicates.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reported {
    /// The event.
    pub event: EventView,
    /// Open events of the same category within 200 m and 72 h.
    pub duplicates: Vec<DuplicateView>,
}

fn duplicate_views(found: &[(gongzhi_domain::event::Candidate, f64)]) -> Vec<DuplicateView> {
    found
        .iter()
        .map(|(e, d)| DuplicateView {
            number: e.number.clone(),
            title: e.title.clone(),
            state: e.state.as_str().into(),
            distance_m: (d * 10.0).round() / 10.0,
            created_at: crate::views::instant(e.created_at),
        })
        .collect()
}

/// The body of a JSON request as `T`, or an error naming what is wrong.
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid_parameter("body", e))
}

/// The idempotency key of a request: the caller's key with a hash of who
/// sent what, so the same key with another body is a conflict.
fn idempotency(
    headers: &HeaderMap,
    caller: &str,
    body: &[u8],
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "idempotency-key",
                "must be 1 to 200 visible ASCII characters",
            )
        })?;
    let mut hash = Sha256::new();
    hash.update(caller.as_bytes());
    hash.update([0]);
    hash.update(body);
    Ok(Some(IdempotencyKey {
        key: key.to_owned(),
        request_hash: hex::encode(hash.finalize()),
    }))
}

/// Reports a matter. With an `Idempotency-Key` header, retries of the same
/// request return the event first created (200, `Idempotent-Replayed:
/// true`) and never create another; the key with another body is a 409.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = ReportBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Reported), (status = 200, body = Reported, description = "A replayed key"),
        (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = &caller.actor;
    let key = idempotency(&headers, &actor.id, &body)?;
    let b: ReportBody = parse_body(&body)?;
    let location = b
        .location
        .map(|l| {
            let crs = parse_crs(l.crs.as_deref())?;
            let p = LngLat::new(l.lng, l.lat)
                .map_err(|e| ApiError::invalid_parameter("location", e))?;
            Ok::<_, ApiError>(crs.to_wgs84(p))
        })
        .transpose()?;
    let channel = b.channel.unwrap_or(match actor.role {
        Role::GridWorker => Channel::GridPatrol,
        _ => Channel::Citizen,
    });
    let intake = Intake {
        channel,
        category: b.category,
        title: b.title,
        description: b.description,
        address: b.address,
        location,
        reporter: b.reporter,
        urgency: b.urgency,
        attachments: b.attachments,
    };
    let placement = gongzhi_service::place(&state.locator.load(), location);
    let now = (state.now)();
    let done = state
        .service
        .report(intake, placement, &caller, now, key)
        .await?;
    let catalogue = &state.service.rules().catalogue;
    metrics::counter!("gongzhi_events_reported_total", "channel" => channel.as_str())
        .increment(u64::from(!done.replayed));
    let body = Json(Reported {
        event: EventView::new(&done.event, catalogue, actor.role, now),
        duplicates: duplicate_views(&done.duplicates),
    });
    Ok(if done.replayed {
        let mut response = (StatusCode::OK, body).into_response();
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        response
    } else {
        (StatusCode::CREATED, body).into_response()
    })
}

/// Filters of event lists and statistics; lists take several values
/// separated by commas.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FilterParams {
    /// States, e.g. `reported,accepted`.
    pub state: Option<String>,
    /// `green`, `yellow` or `red` now.
    pub colour: Option<String>,
    /// Class or category codes, e.g. `01,1302`.
    pub category: Option<String>,
    /// Channels.
    pub channel: Option<String>,
    /// A region code: its whole subtree.
    pub region: Option<String>,
    /// A grid code.
    pub grid: Option<String>,
    /// A lead department's code.
    pub department: Option<String>,
    /// Reported at or after: `2026-03-01` or `2026-03-01T08:30:00` (China time).
    pub from: Option<String>,
    /// Reported before.
    pub to: Option<String>,
    /// Text in the number, title, description or address.
    pub q: Option<String>,
    /// `true`: only events flagged outside the jurisdiction.
    pub outside: Option<String>,
    /// Lists: `newest` (default), `oldest` or `due`.
    pub sort: Option<String>,
    /// Lists: page number from 1.
    pub page: Option<String>,
    /// Lists: events per page, 1 to 200 (default 20).
    pub page_size: Option<String>,
    /// Statistics: groups, e.g. `region:town,class` (region:county|town|
    /// community|grid, class, category, state, channel, department, day).
    pub group: Option<String>,
}

fn split(raw: &Option<String>) -> Vec<&str> {
    raw.as_deref()
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn parse_each<T>(
    name: &str,
    raw: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Result<Vec<T>, ApiError> {
    split(raw)
        .into_iter()
        .map(|s| {
            parse(s).ok_or_else(|| {
                ApiError::invalid_parameter(name, format!("{s:?} is not {expected}"))
            })
        })
        .collect()
}

fn parse_instant(name: &str, raw: &Option<String>) -> Result<Option<NaiveDateTime>, ApiError> {
    let Some(s) = raw.as_deref().map(str::trim) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map(Some)
        .map_err(|_| {
            ApiError::invalid_parameter(
                name,
                format!("{s:?} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"),
            )
        })
}

fn parse_number(
    name: &str,
    raw: &Option<String>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ApiError> {
    let Some(s) = raw.as_deref() else {
        return Ok(default);
    };
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                name,
                format!(
                    "{s:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

impl FilterParams {
    /// The store's filter, judged at `now`.
    pub fn filter(&self, now: NaiveDateTime) -> Result<EventFilter, ApiError> {
        let state_names: Vec<&str> = EventState::ALL.iter().map(|s| s.as_str()).collect();
        let states = parse_each(
            "state",
            &self.state,
            |s| EventState::ALL.into_iter().find(|x| x.as_str() == s),
            &format!("one of {}", state_names.join(", ")),
        )?;
        let colour = match self.colour.as_deref() {
            None => None,
            Some("green") => Some(SlaColour::Green),
            Some("yellow") => Some(SlaColour::Yellow),
            Some("red") => Some(SlaColour::Red),
            Some(other) => {
                return Err(ApiError::invalid_parameter(
                    "colour",
                    format!("{other:?} is not green, yellow or red"),
                ));
            }
        };
        let categories = parse_each(
            "category",
            &self.category,
            |c| (c.len() <= 4 && c.bytes().all(|b| b.is_ascii_digit())).then(|| c.to_owned()),
            "a class or category code",
        )?;
        let channels = parse_each("channel", &self.channel, Channel::parse, "a channel")?;
        let outside = match self.outside.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(ApiError::invalid_parameter(
                    "outside",
                    format!("{other:?} is not true or false"),
                ));
            }
        };
        Ok(EventFilter {
            states,
            colour,
            now: Some(now),
            categories,
            channels,
            region: self
                .region
                .as_deref()
                .map(|r| parse_code("region", r))
                .transpose()?,
            grid: self
                .grid
                .as_deref()
                .map(|g| parse_code("grid", g))
                .transpose()?,
            department: self.department.clone(),
            from: parse_instant("from", &self.from)?,
            to: parse_instant("to", &self.to)?,
            text: self.q.clone(),
            outside,
            master: None,
        })
    }
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    /// The events of the page.
    pub items: Vec<EventView>,
    /// Events matching the filter in all.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    /// Events per page.
    pub page_size: u32,
}

/// Events matching the filters, sorted and paginated.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(FilterParams),
    responses((status = 200, body = EventList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<FilterParams>,
) -> Result<Json<EventList>, ApiError> {
    let now = (state.now)();
    let filter = params.filter(now)?;
    let sort = match params.sort.as_deref() {
        None | Some("newest") => EventSort::Newest,
        Some("oldest") => EventSort::Oldest,
        Some("due") => EventSort::Due,
        Some(other) => {
            return Err(ApiError::invalid_parameter(
                "sort",
                format!("{other:?} is not newest, oldest or due"),
            ));
        }
    };
    let page = parse_number("page", &params.page, 1, 1..=1_000_000)?;
    let page_size = parse_number("page_size", &params.page_size, 20, 1..=200)?;
    let offset = u64::from(page - 1) * u64::from(page_size);
    let found = state
        .service
        .events(&caller, &filter, sort, offset, page_size)
        .await?;
    let catalogue = &state.service.rules().catalogue;
    Ok(Json(EventList {
        items: found
            .events
            .iter()
            .map(|e| EventView::new(e, catalogue, caller.actor.role, now))
            .collect(),
        total: found.total,
        page,
        page_size,
    }))
}

/// One event, with the actions the caller may take.
#[utoipa::path(get, path = "/api/v1/events/{number}", tag = "events",
    params(("number" = String, Path, description = "Event number")),
    responses((status = 200, body = EventView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
) -> Result<Json<EventView>, ApiError> {
    let event = state.service.event(&caller, &number).await?;
    Ok(Json(EventView::new(
        &event,
        &state.service.rules().catalogue,
        caller.actor.role,
        (state.now)(),
    )))
}

/// A timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// Every step, oldest first.
    pub items: Vec<TimelineView>,
}

/// Every step of an event, oldest first.
#[utoipa::path(get, path = "/api/v1/events/{number}/timeline", tag = "events",
    params(("number" = String, Path, description = "Event number")),
    responses((status = 200, body = Timeline), (status = 404, body = crate::error::ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
) -> Result<Json<Timeline>, ApiError> {
    let event = state.service.event(&caller, &number).await?;
    let entries = state.store.timeline(event.id).await?;
    Ok(Json(Timeline {
        items: entries.iter().map(TimelineView::from).collect(),
    }))
}

/// Suggested duplicates.
#[derive(Debug, Serialize, ToSchema)]
pub struct Duplicates {
    /// Open events of the same category nearby and recent, nearest first.
    pub items: Vec<DuplicateView>,
}

/// Open events that may report the same matter, for the operator.
#[utoipa::path(get, path = "/api/v1/events/{number}/duplicates", tag = "events",
    params(("number" = String, Path, description = "Event number")),
    responses((status = 200, body = Duplicates), (status = 404, body = crate::error::ErrorBody)))]
pub async fn duplicates(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
) -> Result<Json<Duplicates>, ApiError> {
    let event = state.service.event(&caller, &number).await?;
    let found = state.service.duplicates_of(&caller, &event).await?;
    Ok(Json(Duplicates {
        items: duplicate_views(&found),
    }))
}

/// A step of the loop.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionBody {
    /// The step: `{"action": "dispatch", "department": "440507-chengguan"}`,
    /// `{"action": "verify", "passed": true}`, `{"action": "evaluate",
    /// "satisfaction": 5, "note": "很满意"}` …
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub step: Step,
    /// The version the caller saw; a step on any other is a 409.
    pub expected_version: Option<i64>,
}

/// Takes a step of the loop. An illegal step is a 409 listing the allowed
/// actions; a step the caller's role may not take, a 403.
#[utoipa::path(post, path = "/api/v1/events/{number}/actions", tag = "events",
    params(("number" = String, Path, description = "Event number")), request_body = ActionBody,
    responses((status = 200, body = EventView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Json<EventView>, ApiError> {
    let b: ActionBody = parse_body(&body)?;
    let now = (state.now)();
    let event = state
        .service
        .act(&number, &b.step, &caller, now, b.expected_version)
        .await?;
    metrics::counter!("gongzhi_event_steps_total", "action" => b.step.action.name()).increment(1);
    Ok(Json(EventView::new(
        &event,
        &state.service.rules().catalogue,
        caller.actor.role,
        now,
    )))
}

/// Reveals an event's reporter in full, to a caller whose role may see
/// personal data; every reveal is written to the audit log.
#[utoipa::path(get, path = "/api/v1/events/{number}/reporter", tag = "events",
    params(("number" = String, Path, description = "Event number")),
    responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn reporter(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
) -> Result<Json<Reporter>, ApiError> {
    let reporter = state
        .service
        .reveal_reporter(&caller, &number, (state.now)())
        .await?;
    Ok(Json(reporter))
}
