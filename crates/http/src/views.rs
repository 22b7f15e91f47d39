//! How events, timelines and statistics look over HTTP: instants in China
//! time with their offset, categories with their names, reporters masked.

use chrono::NaiveDateTime;
use gongzhi_domain::actor::Role;
use gongzhi_domain::catalogue::Catalogue;
use gongzhi_domain::event::{Event, Reporter, TimelineEntry};
use gongzhi_domain::event_flow::Action;
use serde::Serialize;
use utoipa::ToSchema;

/// An instant as `2026-03-02T09:00:00+08:00`.
pub fn instant(t: NaiveDateTime) -> String {
    format!("{}+08:00", t.format("%Y-%m-%dT%H:%M:%S"))
}

/// A point in WGS-84.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointView {
    /// Longitude.
    pub lng: f64,
    /// Latitude.
    pub lat: f64,
}

/// An event as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// 事件编号, e.g. `20261122-000042`.
    pub number: String,
    /// Grows with every step; send it back as `expected_version`.
    pub version: i64,
    /// How it came in.
    pub channel: String,
    /// Catalogue code.
    pub category: String,
    /// The category's name.
    pub category_name: String,
    /// The catalogue version it was filed under.
    pub catalogue_version: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Address.
    pub address: String,
    /// Location in WGS-84.
    pub location: Option<PointView>,
    /// The grid it lies in.
    pub grid: Option<String>,
    /// The deepest region it lies in.
    pub region: Option<String>,
    /// Outside the jurisdiction or unplaced: the centre places it by hand.
    pub outside: bool,
    /// The reporter, masked: the full details are revealed one event at a
    /// time, and audited (`/api/v1/events/{number}/reporter`).
    #[schema(value_type = Object)]
    pub reporter: Reporter,
    /// `normal`, `urgent` or `critical`.
    pub urgency: String,
    /// Photo identifiers (`/api/v1/attachments/{id}`).
    pub attachments: Vec<String>,
    /// State in the loop.
    pub state: String,
    /// Suspended: the clock is stopped.
    pub suspended: bool,
    /// An extension request waits for a decision.
    pub extension_pending: bool,
    /// The reporter's rating.
    pub satisfaction: Option<u8>,
    /// The region of the centre holding it; none is the city's centre.
    pub centre: Option<String>,
    /// The department the responsibility list suggests.
    pub suggested_department: Option<String>,
    /// The lead department.
    pub department: Option<String>,
    /// Departments summoned with the lead.
    pub co_departments: Vec<String>,
    /// The running phase: `accept`, `dispatch` or `handle`.
    pub phase: Option<String>,
    /// When the running phase turns yellow.
    pub warn_at: Option<String>,
    /// When the running phase is overdue.
    pub due_at: Option<String>,
    /// `green`, `yellow` or `red` now; none without a running clock.
    pub colour: Option<String>,
    /// The running phase is overdue.
    pub overdue: bool,
    /// Some phase ran over.
    pub ever_overdue: bool,
    /// The master it was merged into.
    pub master: Option<String>,
    /// Reported at.
    pub created_at: String,
    /// Last changed at.
    pub updated_at: String,
    /// Closed at.
    pub closed_at: Option<String>,
    /// The level it was resolved at.
    pub resolved_level: Option<String>,
    /// The actions the caller's role may take now.
    pub allowed_actions: Vec<&'static str>,
}

fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl EventView {
    /// The view of `event` for a caller of `role` at `now`.
    pub fn new(event: &Event, catalogue: &Catalogue, role: Role, now: NaiveDateTime) -> EventView {
        let allowed: Vec<&'static str> = event
            .flow
            .allowed()
            .iter()
            .filter(|a| role.may(a))
            .filter(|a| **a != Action::ResolveOnSpot || event.on_spot_allowed)
            .map(Action::name)
            .collect();
        EventView {
            number: event.number.clone(),
            version: event.version,
            channel: event.channel.as_str().into(),
            category: event.category.clone(),
            category_name: catalogue
                .get(&event.category)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            catalogue_version: event.catalogue_version,
            title: event.title.clone(),
            description: event.description.clone(),
            address: event.address.clone(),
            location: event.location.map(|p| PointView {
                lng: p.lng,
                lat: p.lat,
            }),
            grid: event.placement.grid.as_ref().map(ToString::to_string),
            region: event.placement.region.as_ref().map(ToString::to_string),
            outside: event.placement.outside,
            reporter: event.reporter.masked(),
            urgency: event.urgency.as_str().into(),
            attachments: event.attachments.clone(),
            state: event.flow.state.as_str().into(),
            suspended: event.flow.suspended,
            extension_pending: event.flow.extension_pending,
            satisfaction: event.flow.satisfaction,
            centre: event.centre.as_ref().map(ToString::to_string),
            suggested_department: event.suggested_department.clone(),
            department: event.department.clone(),
            co_departments: event.co_departments.clone(),
            phase: event.clock.as_ref().map(|c| c.phase.as_str().into()),
            warn_at: event.warn_at.map(instant),
            due_at: event.due_at.map(instant),
            colour: event.colour(now).map(|c| name(&c)),
            overdue: event.overdue,
            ever_overdue: event.ever_overdue,
            master: event.master.clone(),
            created_at: instant(event.created_at),
            updated_at: instant(event.updated_at),
            closed_at: event.closed_at.map(instant),
            resolved_level: event.resolved_level.map(|l| l.as_str().into()),
            allowed_actions: allowed,
        }
    }
}

/// One record of a timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    /// Position, from 1.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// In which role.
    pub role: String,
    /// What.
    pub action: String,
    /// State before.
    pub from: Option<String>,
    /// State after.
    pub to: String,
    /// Reason, feedback or note.
    pub note: String,
    /// Photos.
    pub attachments: Vec<String>,
    /// What else the step decided.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<&TimelineEntry> for TimelineView {
    fn from(e: &TimelineEntry) -> Self {
        TimelineView {
            seq: e.seq,
            at: instant(e.at),
            actor: e.actor_name.clone(),
            role: e.role.as_str().into(),
            action: e.action.clone(),
            from: e.from.map(|s| s.as_str().into()),
            to: e.to.as_str().into(),
            note: e.note.clone(),
            attachments: e.attachments.clone(),
            details: e.details.clone(),
        }
    }
}
