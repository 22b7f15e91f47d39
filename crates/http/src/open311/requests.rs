//! GeoReport v2 service requests are events, numbered as ours. Every
//! internal state is `open` or `closed` (finished: closed, evaluated,
//! rejected or merged). Reporters' contact details never appear. With
//! `extensions=true` (the Chicago convention) each request also carries
//! `extended_attributes` (channel and internal state) and `notes`, its
//! timeline.

use super::document::Doc;
use super::format::{Open311Error, Reply};
use super::params::Params;
use super::services::service_name;
use crate::AppState;
use crate::views::instant;
use chrono::{Duration, NaiveDateTime};
use gongzhi_domain::access::Scope;
use gongzhi_domain::catalogue::Phase;
use gongzhi_domain::event::{Event, TimelineEntry};
use gongzhi_domain::event_flow::EventState;
use gongzhi_service::CityRules;
use gongzhi_store::{EventFilter, EventSort};

/// The most requests one answer lists: the spec's default limit.
const MOST: u32 = 1000;

/// The longest span of `start_date` to `end_date`, and the span the spec
/// defaults to.
const SPAN_DAYS: i64 = 90;

/// `open` or `closed`.
fn status(state: EventState) -> &'static str {
    if state.is_finished() {
        "closed"
    } else {
        "open"
    }
}

/// `Resolve on spot` for `resolve_on_spot`: a timeline action as a note's
/// summary.
fn summary(action: &str) -> String {
    if action == "report" {
        return "Request opened".into();
    }
    let words = action.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A timeline entry as a note: `opened` for the report, `closed` for the
/// step that finished the event, `activity` for every other.
fn note(entry: &TimelineEntry) -> Doc {
    let kind = if entry.from.is_none() {
        "opened"
    } else if entry.to.is_finished() && !entry.from.is_some_and(EventState::is_finished) {
        "closed"
    } else {
        "activity"
    };
    Doc::Record(vec![
        ("datetime", Doc::Text(instant(entry.at))),
        ("summary", Doc::Text(summary(&entry.action))),
        (
            "description",
            Doc::text(Some(entry.note.trim()).filter(|n| !n.is_empty())),
        ),
        ("type", Doc::Text(kind.into())),
    ])
}

/// How one event shows in a GeoReport v2 answer.
struct View<'a> {
    rules: &'a CityRules,
    origin: &'a str,
    extensions: bool,
}

impl View<'_> {
    fn request(&self, event: &Event, timeline: &[TimelineEntry]) -> Doc {
        let finished = event.flow.state.is_finished();
        let status_notes = timeline
            .iter()
            .rev()
            .map(|e| e.note.trim())
            .find(|n| !n.is_empty());
        let agency = event.department.as_ref().map(|code| {
            self.rules
                .responsibility
                .department(code)
                .map_or_else(|| code.clone(), |d| d.name.clone())
        });
        // Only the handling phase's deadline is when the matter is expected
        // to be dealt with; the others are the centre's.
        let expected = event
            .clock
            .as_ref()
            .filter(|c| c.phase == Phase::Handle)
            .and(event.due_at);
        let updated = if finished {
            event.closed_at.unwrap_or(event.updated_at)
        } else {
            event.updated_at
        };
        let coordinate = |value: Option<f64>| value.map_or(Doc::Null, Doc::Float);
        let mut fields = vec![
            ("service_request_id", Doc::Text(event.number.clone())),
            ("status", Doc::Text(status(event.flow.state).into())),
            ("status_notes", Doc::text(status_notes)),
            (
                "service_name",
                Doc::Text(service_name(&self.rules.catalogue, &event.category)),
            ),
            ("service_code", Doc::Text(event.category.clone())),
            ("description", Doc::Text(event.description.clone())),
            ("agency_responsible", Doc::text(agency)),
            ("service_notice", Doc::Null),
            ("requested_datetime", Doc::Text(instant(event.created_at))),
            ("updated_datetime", Doc::Text(instant(updated))),
            ("expected_datetime", Doc::text(expected.map(instant))),
            ("address", Doc::Text(event.address.clone())),
            ("address_id", Doc::Null),
            ("zipcode", Doc::Null),
            ("lat", coordinate(event.location.map(|p| p.lat))),
            ("long", coordinate(event.location.map(|p| p.lng))),
            (
                "media_url",
                Doc::text(
                    event
                        .attachments
                        .first()
                        .map(|id| format!("{}/api/v1/attachments/{id}", self.origin)),
                ),
            ),
        ];
        if self.extensions {
            fields.push((
                "extended_attributes",
                Doc::Record(vec![
                    ("channel", Doc::Text(event.channel.as_str().into())),
                    ("state", Doc::Text(event.flow.state.as_str().into())),
                ]),
            ));
            fields.push((
                "notes",
                Doc::list("note", timeline.iter().map(note).collect()),
            ));
        }
        Doc::Record(fields)
    }

    async fn requests(&self, state: &AppState, events: &[Event]) -> Result<Reply, Open311Error> {
        let mut items = Vec::with_capacity(events.len());
        for event in events {
            let timeline = state.store.timeline(event.id).await?;
            items.push(self.request(event, &timeline));
        }
        Ok(Reply::ok("service_requests", Doc::list("request", items)))
    }
}

async fn find(state: &AppState, number: &str) -> Result<Event, Open311Error> {
    state
        .store
        .event(&Scope::All, number)
        .await?
        .ok_or_else(|| {
            Open311Error::not_found(format!("service_request_id {number} was not found"))
        })
}

/// `GET requests/{service_request_id}`: a list of the one request.
pub async fn one(state: &AppState, number: &str, origin: &str) -> Result<Reply, Open311Error> {
    let event = find(state, number).await?;
    let rules = state.service.rules();
    let view = View {
        rules: &rules,
        origin,
        extensions: false,
    };
    view.requests(state, &[event]).await
}

/// `GET tokens/{token}`: requests are numbered as they are made, so a
/// token is the request's number.
pub async fn token(state: &AppState, token: &str) -> Result<Reply, Open311Error> {
    let event = find(state, token).await?;
    Ok(Reply::ok(
        "service_requests",
        Doc::list(
            "request",
            vec![Doc::Record(vec![
                ("service_request_id", Doc::Text(event.number)),
                ("token", Doc::Text(token.to_owned())),
            ])],
        ),
    ))
}

/// The reporting window, `[from, to)`: `start_date` to `end_date`
/// inclusive, at most 90 days; either alone spans 90 days from or to it;
/// neither, the last 90 days.
fn window(
    start: Option<NaiveDateTime>,
    end: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(NaiveDateTime, Option<NaiveDateTime>), Open311Error> {
    let span = Duration::days(SPAN_DAYS);
    let after = |end: NaiveDateTime| end + Duration::seconds(1);
    match (start, end) {
        (None, None) => Ok((now - span, None)),
        (Some(start), None) => Ok((start, Some(start + span))),
        (None, Some(end)) => Ok((end - span, Some(after(end)))),
        (Some(start), Some(end)) if end < start => {
            Err(Open311Error::bad_request("end_date is before start_date"))
        }
        (Some(start), Some(end)) if end - start > span => Err(Open311Error::bad_request(format!(
            "start_date to end_date spans more than {SPAN_DAYS} days"
        ))),
        (Some(start), Some(end)) => Ok((start, Some(after(end)))),
    }
}

/// The internal states of the statuses asked for; none means every state.
fn states(params: &Params) -> Result<Vec<EventState>, Open311Error> {
    let (mut open, mut closed) = (false, false);
    for s in params.list("status") {
        match s {
            "open" => open = true,
            "closed" => closed = true,
            other => {
                return Err(Open311Error::bad_request(format!(
                    "status {other:?} is not open or closed"
                )));
            }
        }
    }
    Ok(if open == closed {
        Vec::new()
    } else {
        EventState::ALL
            .into_iter()
            .filter(|s| s.is_finished() == closed)
            .collect()
    })
}

/// The service codes asked for. A class's code also matches the
/// categories of the class, its group.
fn service_codes(params: &Params) -> Result<Vec<String>, Open311Error> {
    params
        .list("service_code")
        .into_iter()
        .map(|code| {
            if matches!(code.len(), 2 | 4) && code.bytes().all(|b| b.is_ascii_digit()) {
                Ok(code.to_owned())
            } else {
                Err(Open311Error::bad_request(format!(
                    "service_code {code:?} is not a service code such as 01 or 0102"
                )))
            }
        })
        .collect()
}

/// The events a `GET requests` asks for, newest first.
async fn matching(state: &AppState, params: &Params) -> Result<Vec<Event>, Open311Error> {
    let numbers = params.list("service_request_id");
    if !numbers.is_empty() {
        if numbers.len() > MOST as usize {
            return Err(Open311Error::bad_request(format!(
                "at most {MOST} service_request_id at once"
            )));
        }
        let mut found = Vec::new();
        for number in numbers {
            found.extend(state.store.event(&Scope::All, number).await?);
        }
        return Ok(found);
    }
    let (from, to) = window(
        params.instant("start_date")?,
        params.instant("end_date")?,
        (state.now)(),
    )?;
    let filter = EventFilter {
        states: states(params)?,
        categories: service_codes(params)?,
        from: Some(from),
        to,
        ..EventFilter::default()
    };
    let page = params.number("page", 1, 1..=1_000_000)?;
    let page_size = params.number("page_size", MOST, 1..=MOST)?;
    let offset = u64::from(page - 1) * u64::from(page_size);
    let found = state
        .store
        .events(&Scope::All, &filter, EventSort::Newest, offset, page_size)
        .await?;
    Ok(found.events)
}

/// `GET requests`: `service_request_id` (comma-separated, overriding every
/// other argument), or `service_code`, `status` (`open`, `closed`),
/// `start_date` and `end_date`, with the common extensions `page` (from 1)
/// and `page_size` (at most and by default 1000) and `extensions=true`.
pub async fn list(state: &AppState, params: &Params, origin: &str) -> Result<Reply, Open311Error> {
    let extensions = params.flag("extensions")?;
    let events = matching(state, params).await?;
    let rules = state.service.rules();
    let view = View {
        rules: &rules,
        origin,
        extensions,
    };
    view.requests(state, &events).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn the_window_defaults_to_ninety_days_and_refuses_more() {
        let now = at(31, 12);
        assert_eq!(
            window(None, None, now).unwrap(),
            (now - Duration::days(90), None)
        );
        assert_eq!(
            window(Some(at(2, 0)), None, now).unwrap(),
            (at(2, 0), Some(at(2, 0) + Duration::days(90)))
        );
        assert_eq!(
            window(Some(at(2, 0)), Some(at(3, 0)), now).unwrap(),
            (at(2, 0), Some(at(3, 0) + Duration::seconds(1)))
        );
        assert!(window(Some(at(3, 0)), Some(at(2, 0)), now).is_err());
        assert!(window(Some(at(1, 0)), Some(at(1, 0) + Duration::days(91)), now).is_err());
    }

    #[test]
    fn statuses_select_finished_or_unfinished_states() {
        let closed = states(&Params::form(b"status=closed")).unwrap();
        assert!(closed.contains(&EventState::Closed) && closed.contains(&EventState::Rejected));
        assert!(!closed.contains(&EventState::Reported));
        let open = states(&Params::form(b"status=open")).unwrap();
        assert!(open.contains(&EventState::Dispatched) && !open.contains(&EventState::Evaluated));
        assert!(
            states(&Params::form(b"status=open,closed"))
                .unwrap()
                .is_empty()
        );
        assert!(states(&Params::form(b"status=pending")).is_err());
    }

    #[test]
    fn actions_read_as_summaries() {
        assert_eq!(summary("report"), "Request opened");
        assert_eq!(summary("resolve_on_spot"), "Resolve on spot");
        assert_eq!(summary("dispatch"), "Dispatch");
    }
}
