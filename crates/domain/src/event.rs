//! An event (事件 / 诉求) from intake to evaluation: what was reported, where,
//! by whom, where it stands in the loop, who holds it and how its clock
//! runs; and the steps that move it, each producing the event's next record
//! and one entry of its timeline.
//!
//! Everything here is pure: the caller gives the time, the calendar, the
//! catalogue and the responsibility list, and stores what comes back.

use crate::actor::{Actor, Role};
use crate::calendar::Calendar;
use crate::catalogue::{Catalogue, Phase, PhaseLimits};
use crate::crs::LngLat;
use crate::event_flow::{Action, EventState, Flow, IllegalTransition};
use crate::region::{Level, RegionCode};
use crate::responsibility::Responsibility;
use crate::sla::{Clock, SlaColour};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How a matter reached the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 网格员巡查.
    GridPatrol,
    /// 群众随手拍 / app.
    Citizen,
    /// 12345 热线工单.
    Hotline,
    /// 窗口来访.
    Window,
    /// 物联感知告警.
    Iot,
    /// 视频智能分析.
    Video,
    /// Another system through Open311.
    Open311,
    /// 其他.
    Other,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 8] = [
        Channel::GridPatrol,
        Channel::Citizen,
        Channel::Hotline,
        Channel::Window,
        Channel::Iot,
        Channel::Video,
        Channel::Open311,
        Channel::Other,
    ];

    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::GridPatrol => "grid_patrol",
            Channel::Citizen => "citizen",
            Channel::Hotline => "hotline",
            Channel::Window => "window",
            Channel::Iot => "iot",
            Channel::Video => "video",
            Channel::Open311 => "open311",
            Channel::Other => "other",
        }
    }

    /// The channel of a machine name.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// How urgent a matter is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 一般.
    #[default]
    Normal,
    /// 紧急.
    Urgent,
    /// 特急.
    Critical,
}

impl Urgency {
    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::Critical => "critical",
        }
    }

    /// The urgency of a machine name.
    pub fn parse(name: &str) -> Option<Urgency> {
        [Urgency::Normal, Urgency::Urgent, Urgency::Critical]
            .into_iter()
            .find(|u| u.as_str() == name)
    }
}

/// Who reported a matter. Both fields empty: anonymous. Contact details
/// are never shown publicly ([`Reporter::masked`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporter {
    /// Name as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Identity card number, where a channel records it (hotline, window);
    /// checked when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
}

/// Keeps the first `head` and last `tail` characters of `text`, masking
/// the rest with `*`.
fn mask(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len().max(1));
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A phone number as shown to those who may not see it: 138****5678.
pub fn mask_phone(phone: &str) -> String {
    mask(phone, 3, 4)
}

impl Reporter {
    /// Whether the reporter gave neither name nor phone.
    pub fn is_anonymous(&self) -> bool {
        self.name.is_none() && self.phone.is_none() && self.id_number.is_none()
    }

    /// The reporter as shown to those who may not see personal data:
    /// 张**, 138****5678 and 440106********1235.
    pub fn masked(&self) -> Reporter {
        Reporter {
            name: self.name.as_deref().map(|n| mask(n, 1, 0)),
            phone: self.phone.as_deref().map(mask_phone),
            id_number: self.id_number.as_deref().map(|n| mask(n, 6, 4)),
        }
    }
}

/// What a caller submits to report a matter. The location is in WGS-84:
/// the edge converts other systems' coordinates before this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intake {
    /// How it came in.
    pub channel: Channel,
    /// The catalogue code it is filed under.
    pub category: String,
    /// A short title.
    pub title: String,
    /// What was seen or asked.
    pub description: String,
    /// Address as given.
    pub address: String,
    /// Where, in WGS-84, when known.
    pub location: Option<LngLat>,
    /// Who reported it.
    pub reporter: Reporter,
    /// How urgent.
    pub urgency: Urgency,
    /// Identifiers of photos already uploaded.
    pub attachments: Vec<String>,
}

/// Where the point index placed an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// The grid it lies in.
    pub grid: Option<RegionCode>,
    /// The deepest region it lies in (the grid when in one).
    pub region: Option<RegionCode>,
    /// Outside the jurisdiction, or without a location: accepted, flagged
    /// for the centre to place by hand.
    pub outside: bool,
}

/// The running clock of an event's current phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseClock {
    /// The phase.
    pub phase: Phase,
    /// Its clock.
    pub clock: Clock,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Store identity; 0 before the event is stored.
    pub id: i64,
    /// The human-readable number ([`number`]); empty before it is stored.
    pub number: String,
    /// How it came in.
    pub channel: Channel,
    /// Catalogue code.
    pub category: String,
    /// The catalogue version it was filed under.
    pub catalogue_version: i64,
    /// Short title.
    pub title: String,
    /// What was reported.
    pub description: String,
    /// Address as given.
    pub address: String,
    /// Where, in WGS-84.
    pub location: Option<LngLat>,
    /// Where the point index placed it.
    pub placement: Placement,
    /// Who reported it.
    pub reporter: Reporter,
    /// How urgent.
    pub urgency: Urgency,
    /// Photos given at intake.
    pub attachments: Vec<String>,
    /// Position in the loop.
    pub flow: Flow,
    /// The region of the centre that holds it; `None` is the city's centre.
    pub centre: Option<RegionCode>,
    /// The department suggested by the responsibility list at intake.
    pub suggested_department: Option<String>,
    /// The lead department it is dispatched to.
    pub department: Option<String>,
    /// Departments summoned with the lead (吹哨).
    pub co_departments: Vec<String>,
    /// A named handler in the department.
    pub handler: Option<String>,
    /// The time limits it was filed with.
    pub limits: PhaseLimits,
    /// Whether the category allows on-the-spot resolution.
    pub on_spot_allowed: bool,
    /// The clock of the current phase, if one runs.
    pub clock: Option<PhaseClock>,
    /// When the current phase turns yellow; `None` without a running clock.
    pub warn_at: Option<NaiveDateTime>,
    /// When the current phase is overdue; `None` without a running clock.
    pub due_at: Option<NaiveDateTime>,
    /// The current phase is overdue.
    pub overdue: bool,
    /// Some phase ran over: the event is not closed on time.
    pub ever_overdue: bool,
    /// Extra time asked for, in the handle limit's unit, while a request waits.
    pub extension_requested: Option<u32>,
    /// The master's number when merged.
    pub master: Option<String>,
    /// When it was reported.
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
    /// When it was closed.
    pub closed_at: Option<NaiveDateTime>,
    /// The level it was resolved at.
    pub resolved_level: Option<Level>,
    /// Grows by one with every step: two operators acting on the same
    /// version cannot both succeed.
    pub version: i64,
}

/// One record of an event's timeline. Append-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// The event's store identity.
    pub event_id: i64,
    /// Position in the timeline, from 1; 0 before stored.
    pub seq: i64,
    /// When.
    pub at: NaiveDateTime,
    /// Who (identifier).
    pub actor: String,
    /// Who (display name).
    pub actor_name: String,
    /// In which role.
    pub role: Role,
    /// What: an action's name, or `report`, `overdue`, `merged_in`, `master_closed`.
    pub action: String,
    /// The state before; `None` for the report.
    pub from: Option<EventState>,
    /// The state after.
    pub to: EventState,
    /// Reason, feedback, comment or note.
    pub note: String,
    /// Photos.
    pub attachments: Vec<String>,
    /// What else the step decided (department, rating, extension, …).
    pub details: serde_json::Value,
}

/// A step asked of the loop: the action with what it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The action.
    #[serde(flatten)]
    pub action: Action,
    /// Reason (reject, return, redispatch, suspend, reopen), feedback
    /// (handle), comment (evaluate) or note.
    #[serde(default)]
    pub note: String,
    /// The department to dispatch or redispatch to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Departments summoned with the lead (吹哨).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_departments: Vec<String>,
    /// A named handler in the department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Extra time asked for, in the handle limit's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<u32>,
    /// The master event's number, to merge into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub into: Option<String>,
    /// Photos.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

impl Step {
    /// A step with nothing but its action.
    pub fn new(action: Action) -> Step {
        Step {
            action,
            note: String::new(),
            department: None,
            co_departments: Vec::new(),
            handler: None,
            extension: None,
            into: None,
            attachments: Vec::new(),
        }
    }

    /// The step with a note.
    pub fn note(mut self, note: impl Into<String>) -> Step {
        self.note = note.into();
        self
    }
}

/// Why a step or a report was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    /// The loop has no such step from where the event stands.
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    /// The actor's role or department may not take it.
    #[error("a {role} may not {action}: {reason}")]
    Forbidden {
        /// The action.
        action: &'static str,
        /// The actor's role.
        role: Role,
        /// Why, naming who may.
        reason: String,
    },
    /// A field the step needs is missing or wrong.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> StepError {
    StepError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// What a step needs besides the event: the rules of the city at the time.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// The working calendar.
    pub calendar: &'a Calendar,
    /// The current catalogue.
    pub catalogue: &'a Catalogue,
    /// Its version.
    pub catalogue_version: i64,
    /// The current responsibility list.
    pub responsibility: &'a Responsibility,
}

/// The human-readable number of the `seq`-th event reported on `day`:
/// `20261122-000042`. Numbers sort as the events were reported.
pub fn number(day: NaiveDate, seq: u32) -> String {
    format!("{}-{seq:06}", day.format("%Y%m%d"))
}

/// Length limits of an intake's texts, in characters.
const TITLE_MAX: usize = 200;
const TEXT_MAX: usize = 5000;

fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    required: bool,
) -> Result<(), StepError> {
    if required && text.trim().is_empty() {
        return Err(invalid(field, "is required"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(field, "holds a control character"));
    }
    let len = text.chars().count();
    if len > max {
        return Err(invalid(
            field,
            format!("is {len} characters, over the limit of {max}"),
        ));
    }
    Ok(())
}

/// Checks what a reporter gave: short fields, a real identity card number.
fn check_reporter(reporter: &Reporter) -> Result<(), StepError> {
    check_text(
        "reporter.name",
        reporter.name.as_deref().unwrap_or(""),
        50,
        false,
    )?;
    check_text(
        "reporter.phone",
        reporter.phone.as_deref().unwrap_or(""),
        30,
        false,
    )?;
    if let Some(number) = &reporter.id_number {
        crate::identity::IdNumber::parse(number)
            .map_err(|e| invalid("reporter.id_number", e.to_string()))?;
    }
    Ok(())
}

/// The phase whose clock runs in `state`.
fn phase_of(state: EventState) -> Option<Phase> {
    match state {
        EventState::Reported => Some(Phase::Accept),
        EventState::Accepted => Some(Phase::Dispatch),
        EventState::Dispatched | EventState::Signed | EventState::InProgress => Some(Phase::Handle),
        _ => None,
    }
}

/// The centre that first holds an event placed at `region`: the
/// community's when it is in a community or a grid, else the deepest
/// region's, else the city's (`None`).
fn first_centre(placement: &Placement) -> Option<RegionCode> {
    let region = placement.region.as_ref()?;
    if region.level().depth() > Level::Community.depth() {
        region
            .ancestors()
            .into_iter()
            .find(|a| a.level() == Level::Community)
    } else {
        Some(region.clone())
    }
}

impl Event {
    /// A new event from an intake, reported by `actor` at `now`: checked
    /// against the catalogue, routed, its accept clock started. The store
    /// gives it its identity and number.
    pub fn report(
        intake: Intake,
        placement: Placement,
        actor: &Actor,
        now: NaiveDateTime,
        rules: Rules<'_>,
    ) -> Result<(Event, TimelineEntry), StepError> {
        let Some(category) = rules.catalogue.get(&intake.category) else {
            return Err(invalid(
                "category",
                format!("{:?} is not in the catalogue", intake.category),
            ));
        };
        check_text("title", &intake.title, TITLE_MAX, true)?;
        check_text("description", &intake.description, TEXT_MAX, false)?;
        check_text("address", &intake.address, TITLE_MAX, false)?;
        if intake.location.is_none() && intake.address.trim().is_empty() {
            return Err(invalid("location", "a location or an address is required"));
        }
        check_reporter(&intake.reporter)?;
        let suggested = placement
            .region
            .as_ref()
            .and_then(|place| rules.responsibility.route(category, place))
            .map(|(d, _)| d.code.clone());
        let clock = Clock::new(now, category.limits.accept);
        let mut event = Event {
            id: 0,
            number: String::new(),
            channel: intake.channel,
            category: category.code.clone(),
            catalogue_version: rules.catalogue_version,
            title: intake.title,
            description: intake.description,
            address: intake.address,
            location: intake.location,
            centre: first_centre(&placement),
            placement,
            reporter: intake.reporter,
            urgency: intake.urgency,
            attachments: intake.attachments,
            flow: Flow::default(),
            suggested_department: suggested,
            department: None,
            co_departments: Vec::new(),
            handler: None,
            limits: category.limits,
            on_spot_allowed: category.on_spot,
            clock: Some(PhaseClock {
                phase: Phase::Accept,
                clock,
            }),
            warn_at: None,
            due_at: None,
            overdue: false,
            ever_overdue: false,
            extension_requested: None,
            master: None,
            created_at: now,
            updated_at: now,
            closed_at: None,
            resolved_level: None,
            version: 1,
        };
        event.set_due(rules.calendar, now);
        let entry = TimelineEntry {
            event_id: 0,
            seq: 0,
            at: now,
            actor: actor.id.clone(),
            actor_name: actor.name.clone(),
            role: actor.role,
            action: "report".into(),
            from: None,
            to: EventState::Reported,
            note: String::new(),
            attachments: event.attachments.clone(),
            details: json!({
                "channel": event.channel,
                "category": event.category,
                "suggested_department": event.suggested_department,
                "outside": event.placement.outside,
            }),
        };
        Ok((event, entry))
    }

    /// The SLA colour of the running phase at `now`; `None` when no clock
    /// runs (suspended, or a phase without a limit).
    pub fn colour(&self, now: NaiveDateTime) -> Option<SlaColour> {
        Some(SlaColour::at(self.warn_at?, self.due_at?, now))
    }

    /// Recomputes the yellow and overdue instants from the running clock.
    fn set_due(&mut self, cal: &Calendar, now: NaiveDateTime) {
        let running = self.clock.as_ref().filter(|_| !self.flow.suspended);
        self.warn_at = running.map(|c| c.clock.warn_at(cal, now));
        self.due_at = running.map(|c| c.clock.deadline(cal, now));
    }

    /// The entry `action` by `actor` at `now` writes, without note or
    /// photos, recording `details`.
    fn entry(
        &self,
        actor: &Actor,
        now: NaiveDateTime,
        action: &str,
        details: serde_json::Value,
    ) -> TimelineEntry {
        TimelineEntry {
            event_id: self.id,
            seq: 0,
            at: now,
            actor: actor.id.clone(),
            actor_name: actor.name.clone(),
            role: actor.role,
            action: action.into(),
            from: Some(self.flow.state),
            to: self.flow.state,
            note: String::new(),
            attachments: Vec::new(),
            details,
        }
    }

    /// Checks that `actor` may take `action` on this event.
    fn authorise(&self, actor: &Actor, action: &Action) -> Result<(), StepError> {
        if !actor.role.may(action) {
            let roles: Vec<&str> = Role::allowed_for(action)
                .iter()
                .map(|r| r.as_str())
                .collect();
            return Err(StepError::Forbidden {
                action: action.name(),
                role: actor.role,
                reason: format!("only {} may", roles.join(", ")),
            });
        }
        let departmental = matches!(
            action,
            Action::Sign
                | Action::Start
                | Action::Handle
                | Action::Return
                | Action::RequestExtension
        );
        if departmental
            && actor
                .department
                .as_ref()
                .is_none_or(|d| self.department.as_ref() != Some(d))
        {
            return Err(StepError::Forbidden {
                action: action.name(),
                role: actor.role,
                reason: format!(
                    "the event is with department {}, not {}",
                    self.department.as_deref().unwrap_or("none"),
                    actor.department.as_deref().unwrap_or("none")
                ),
            });
        }
        Ok(())
    }

    /// Checks that a merge into `master` makes sense: another open event of
    /// the same category.
    pub fn check_master(&self, master: &Event) -> Result<(), StepError> {
        if master.id == self.id {
            return Err(invalid("into", "an event cannot be merged into itself"));
        }
        if master.flow.state.is_finished() {
            return Err(invalid(
                "into",
                format!("{} is {}, not open", master.number, master.flow.state),
            ));
        }
        if master.category != self.category {
            return Err(invalid(
                "into",
                format!(
                    "{} is of category {}, this event of {}",
                    master.number, master.category, self.category
                ),
            ));
        }
        Ok(())
    }

    /// The event after `step` by `actor` at `now`, with its timeline entry;
    /// or why the step is refused. A merge must first pass
    /// [`Event::check_master`].
    pub fn act(
        &self,
        step: &Step,
        actor: &Actor,
        now: NaiveDateTime,
        rules: Rules<'_>,
    ) -> Result<(Event, TimelineEntry), StepError> {
        self.authorise(actor, &step.action)?;
        let flow = self.flow.apply(step.action)?;
        let mut next = self.clone();
        let mut entry = self.entry(actor, now, step.action.name(), json!({}));
        entry.note = step.note.clone();
        entry.attachments = step.attachments.clone();
        let mut details = serde_json::Map::new();
        let needs_note = |what: &str| {
            if step.note.trim().is_empty() {
                Err(invalid(
                    "note",
                    format!("{what} is required to {}", step.action.name()),
                ))
            } else {
                Ok(())
            }
        };
        match step.action {
            Action::Reject | Action::Return | Action::Suspend | Action::Reopen => {
                needs_note("a reason")?
            }
            Action::Handle => needs_note("feedback")?,
            Action::Supervise => needs_note("a note")?,
            Action::ResolveOnSpot if !self.on_spot_allowed => {
                return Err(invalid(
                    "action",
                    format!("category {} may not be resolved on the spot", self.category),
                ));
            }
            Action::Dispatch | Action::Redispatch => {
                if step.action == Action::Redispatch {
                    needs_note("a reason")?;
                }
                let lead = match (&step.department, step.action) {
                    (Some(d), _) => d.clone(),
                    (None, Action::Dispatch) => self.suggested_department.clone().ok_or_else(|| {
                        invalid(
                            "department",
                            "no rule of the responsibility list routes this event: name the department",
                        )
                    })?,
                    (None, _) => return Err(invalid("department", "is required to redispatch")),
                };
                for d in std::iter::once(&lead).chain(&step.co_departments) {
                    if rules.responsibility.department(d).is_none() {
                        return Err(invalid(
                            "department",
                            format!("{d:?} is not a listed department"),
                        ));
                    }
                }
                if step.co_departments.contains(&lead) {
                    return Err(invalid(
                        "co_departments",
                        "the lead department is listed again",
                    ));
                }
                details.insert("department".into(), json!(lead));
                if !step.co_departments.is_empty() {
                    details.insert("co_departments".into(), json!(step.co_departments));
                }
                next.department = Some(lead);
                next.co_departments = step.co_departments.clone();
                next.handler = step.handler.clone();
            }
            Action::RequestExtension => {
                let Some(value) = step.extension.filter(|v| *v > 0) else {
                    return Err(invalid("extension", "the extra time asked for is required"));
                };
                needs_note("a reason")?;
                next.extension_requested = Some(value);
                details.insert(
                    "extension".into(),
                    json!({"value": value, "unit": self.limits.handle.unit}),
                );
            }
            Action::DecideExtension { approved } => {
                let value = self.extension_requested.unwrap_or(0);
                if approved && let Some(c) = next.clock.as_mut() {
                    c.clock.extensions.push(value);
                }
                next.extension_requested = None;
                details.insert("approved".into(), json!(approved));
                details.insert("extension".into(), json!(value));
            }
            Action::Escalate => {
                let parent = match &self.centre {
                    Some(c) if c.level().depth() > Level::City.depth() => c.parent(),
                    _ => None,
                };
                let Some(parent) = parent else {
                    return Err(invalid(
                        "action",
                        "the event is already with the city's centre",
                    ));
                };
                details.insert("from_centre".into(), json!(self.centre));
                details.insert("to_centre".into(), json!(parent));
                next.centre = Some(parent);
            }
            Action::Merge => {
                let Some(into) = &step.into else {
                    return Err(invalid("into", "the master event's number is required"));
                };
                details.insert("into".into(), json!(into));
                next.master = Some(into.clone());
            }
            Action::Evaluate { satisfaction } => {
                details.insert("satisfaction".into(), json!(satisfaction));
            }
            Action::Verify { passed } => {
                details.insert("passed".into(), json!(passed));
            }
            _ => {}
        }
        if !flow.extension_pending {
            next.extension_requested = None;
        }
        // A phase that ran over before this step stays on record.
        if self.due_at.is_some_and(|due| now > due) {
            next.ever_overdue = true;
        }
        let restart = phase_of(flow.state) != phase_of(self.flow.state)
            || matches!(step.action, Action::Escalate | Action::Redispatch);
        if restart {
            next.overdue = false;
            next.clock = phase_of(flow.state).map(|phase| PhaseClock {
                phase,
                clock: Clock::new(now, self.limits.of(phase)),
            });
        }
        if let Some(c) = next.clock.as_mut() {
            match step.action {
                Action::Suspend => c.clock.pauses.push((now, None)),
                Action::Resume => {
                    if let Some(open) = c.clock.pauses.iter_mut().find(|p| p.1.is_none()) {
                        open.1 = Some(now);
                    }
                }
                _ => {}
            }
        }
        match flow.state {
            EventState::Closed if self.flow.state != EventState::Closed => {
                next.closed_at = Some(now);
                next.resolved_level = Some(if step.action == Action::ResolveOnSpot {
                    Level::Grid
                } else {
                    self.centre.as_ref().map_or(Level::City, RegionCode::level)
                });
            }
            EventState::Closed | EventState::Evaluated => {}
            _ => {
                next.closed_at = None;
                next.resolved_level = None;
            }
        }
        next.flow = flow;
        next.updated_at = now;
        next.version = self.version + 1;
        next.set_due(rules.calendar, now);
        entry.to = flow.state;
        entry.details = serde_json::Value::Object(details);
        Ok((next, entry))
    }

    /// The event marked overdue at `now`, with the timeline entry that
    /// records it; `None` when its running phase is not overdue or is
    /// already marked.
    pub fn mark_overdue(&self, now: NaiveDateTime) -> Option<(Event, TimelineEntry)> {
        let due = self.due_at?;
        if self.overdue || now <= due {
            return None;
        }
        let mut next = self.clone();
        next.overdue = true;
        next.ever_overdue = true;
        next.version = self.version + 1;
        let phase = self.clock.as_ref().map(|c| c.phase.as_str());
        let details = json!({"phase": phase, "due_at": due});
        Some((next, self.entry(&Actor::system(), now, "overdue", details)))
    }

    /// The entry that tells a merged duplicate's timeline (and so its
    /// reporter) that its master was closed.
    pub fn master_closed_notice(&self, master: &Event, now: NaiveDateTime) -> TimelineEntry {
        let details = json!({"master": master.number});
        self.entry(&Actor::system(), now, "master_closed", details)
    }

    /// The entry that records on a master's timeline that `duplicate` was
    /// merged into it, keeping the duplicate's reporter with the master.
    pub fn merged_in_notice(
        &self,
        duplicate: &Event,
        actor: &Actor,
        now: NaiveDateTime,
    ) -> TimelineEntry {
        let details = json!({"duplicate": duplicate.number});
        self.entry(actor, now, "merged_in", details)
    }
}

/// Great-circle distance in metres between two WGS-84 points.
pub fn distance_m(a: LngLat, b: LngLat) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlng = (b.lng - a.lng).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// How near and how recent an open event of the same category must be to
/// be suggested as a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DuplicateWindow {
    /// Radius in metres (default 200).
    pub radius_m: f64,
    /// Hours back from the new report (default 72).
    pub hours: i64,
}

impl Default for DuplicateWindow {
    fn default() -> Self {
        DuplicateWindow {
            radius_m: 200.0,
            hours: 72,
        }
    }
}

impl DuplicateWindow {
    /// The degrees of latitude and longitude around `at` that hold the
    /// radius: the box a store searches before [`DuplicateWindow::matches`].
    pub fn bbox(&self, at: LngLat) -> (LngLat, LngLat) {
        let dlat = self.radius_m / 111_000.0 * 1.01;
        let dlng = dlat / at.lat.to_radians().cos().max(0.01);
        (
            LngLat {
                lng: at.lng - dlng,
                lat: at.lat - dlat,
            },
            LngLat {
                lng: at.lng + dlng,
                lat: at.lat + dlat,
            },
        )
    }

    /// Whether `other` is a duplicate candidate for a new report of
    /// `category` at `at` and `now`, and how far it is.
    pub fn matches(
        &self,
        category: &str,
        at: LngLat,
        now: NaiveDateTime,
        other: &Candidate,
    ) -> Option<f64> {
        let recent = other.created_at <= now
            && now - other.created_at <= chrono::Duration::hours(self.hours);
        let distance = distance_m(at, other.location);
        (other.category == category
            && !other.state.is_finished()
            && recent
            && distance <= self.radius_m)
            .then_some(distance)
    }
}

/// What a duplicate search weighs of an event, and shows of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Its number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// Its category.
    pub category: String,
    /// Its state.
    pub state: EventState,
    /// When it was reported.
    pub created_at: NaiveDateTime,
    /// Where.
    pub location: LngLat,
}

impl Event {
    /// The event as a duplicate candidate; `None` without a location.
    pub fn candidate(&self) -> Option<Candidate> {
        Some(Candidate {
            number: self.number.clone(),
            title: self.title.clone(),
            category: self.category.clone(),
            state: self.flow.state,
            created_at: self.created_at,
            location: self.location?,
        })
    }
}

#[cfg(test)]
mod tests;
