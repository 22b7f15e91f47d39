//! `POST requests`: another system reports a matter. The spec's arguments
//! come form-encoded (a JSON object is accepted too), from the body or the
//! query string; the `api_key` must be one the configuration lists. The
//! matter becomes an event of the `open311` channel, reported as a citizen
//! by the key's holder.

use super::document::Doc;
use super::format::{Open311Error, Reply};
use super::params::Params;
use crate::AppState;
use crate::views::instant;
use gongzhi_domain::LngLat;
use gongzhi_domain::access::{Permission, Principal, Scope};
use gongzhi_domain::actor::{Actor, Role};
use gongzhi_domain::event::{Channel, Intake, Reporter, Urgency};
use sha2::{Digest, Sha256};

/// Characters of the description that make the event's title.
const TITLE_CHARS: usize = 40;

/// The caller of a request with a valid key. Keys are compared by their
/// hashes, and the actor is named by a hash prefix, so no key is logged,
/// stored or echoed.
fn holder(state: &AppState, params: &Params) -> Result<Principal, Open311Error> {
    let key = params.get("api_key").ok_or_else(|| {
        Open311Error::forbidden("api_key was not provided -- can't proceed with create_request.")
    })?;
    let hash = Sha256::digest(key.as_bytes());
    if !state
        .open311_keys
        .iter()
        .any(|k| Sha256::digest(k.as_bytes()) == hash)
    {
        return Err(Open311Error::forbidden(
            "Invalid api_key received -- can't proceed with create_request.",
        ));
    }
    let id = format!("open311:{}", &hex::encode(hash)[..8]);
    Ok(Principal {
        actor: Actor {
            name: id.clone(),
            id,
            role: Role::Citizen,
            department: None,
        },
        scope: Scope::Nothing,
        permissions: [Permission::ReportEvents].into_iter().collect(),
        phone: None,
    })
}

/// `lat` and `long` in WGS-84, both or neither.
fn location(params: &Params) -> Result<Option<LngLat>, Open311Error> {
    let degrees = |name: &str| {
        params
            .get(name)
            .map(|raw| {
                raw.parse::<f64>().map_err(|_| {
                    Open311Error::bad_request(format!("{name} {raw:?} is not a number"))
                })
            })
            .transpose()
    };
    match (degrees("lat")?, degrees("long")?) {
        (Some(lat), Some(lng)) => LngLat::new(lng, lat)
            .map(Some)
            .map_err(|e| Open311Error::bad_request(format!("lat and long: {e}"))),
        (None, None) => Ok(None),
        _ => Err(Open311Error::bad_request(
            "lat and long must be sent together",
        )),
    }
}

/// The reporter's name as people write it: a Chinese name family name
/// first and unspaced (`王` `小明` → `王小明`), any other given name first.
fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let western = |s: &str| s.chars().any(|c| c.is_ascii_alphabetic());
    match (first, last) {
        (Some(first), Some(last)) if !western(first) && !western(last) => {
            Some(format!("{last}{first}"))
        }
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (one, other) => one.or(other).map(str::to_owned),
    }
}

/// The first characters of the description's first line, or the
/// service's name when there is no description.
fn title(description: &str, service_name: &str) -> String {
    let line = description.lines().map(str::trim).find(|l| !l.is_empty());
    match line {
        Some(line) if line.chars().count() > TITLE_CHARS => {
            let head: String = line.chars().take(TITLE_CHARS).collect();
            format!("{}…", head.trim_end())
        }
        Some(line) => line.to_owned(),
        None => service_name.to_owned(),
    }
}

/// Reports the matter; answers its number, a notice of what happens next
/// and the caller's `account_id`. A missing or unknown key is a 403, an
/// unknown `service_code` a 404 (as the spec lists), anything else amiss
/// a 400. The `email`, `device_id` and `attribute[…]` arguments are not
/// kept: no service defines attributes, and a reporter is a name and a
/// phone. A `media_url` is kept at the end of the description.
pub async fn post(state: &AppState, params: &Params) -> Result<Reply, Open311Error> {
    let actor = holder(state, params)?;
    let code = params
        .get("service_code")
        .ok_or_else(|| Open311Error::bad_request("service_code was not provided"))?;
    let rules = state.service.rules();
    let category = rules
        .catalogue
        .get(code)
        .ok_or_else(|| Open311Error::not_found(format!("service_code {code} was not found")))?;
    let location = location(params)?;
    let address = params
        .get("address_string")
        .or_else(|| params.get("address_id"))
        .unwrap_or_default();
    if location.is_none() && address.is_empty() {
        return Err(Open311Error::bad_request(
            "a location is required: lat and long, or address_string",
        ));
    }
    let mut description = params.get("description").unwrap_or_default().to_owned();
    if let Some(url) = params.get("media_url") {
        description = format!("{description}\n\nmedia_url: {url}")
            .trim_start()
            .to_owned();
    }
    let intake = Intake {
        channel: Channel::Open311,
        category: category.code.clone(),
        title: title(
            params.get("description").unwrap_or_default(),
            &category.name,
        ),
        description,
        address: address.to_owned(),
        location,
        reporter: Reporter {
            name: full_name(params.get("first_name"), params.get("last_name")),
            phone: params.get("phone").map(str::to_owned),
            id_number: None,
        },
        urgency: Urgency::Normal,
        attachments: Vec::new(),
    };
    let placement = gongzhi_service::place(&state.locator.load(), location);
    let done = state
        .service
        .report(intake, placement, &actor, (state.now)(), None)
        .await?;
    metrics::counter!("gongzhi_events_reported_total", "channel" => Channel::Open311.as_str())
        .increment(1);
    let event = done.event;
    let notice = if event.placement.outside {
        "Received: the command centre places it on the map by hand.".to_owned()
    } else {
        event.due_at.map_or_else(
            || "Received by the command centre.".to_owned(),
            |due| {
                format!(
                    "Received: the command centre accepts it by {}.",
                    instant(due)
                )
            },
        )
    };
    Ok(Reply::ok(
        "service_requests",
        Doc::list(
            "request",
            vec![Doc::Record(vec![
                ("service_request_id", Doc::Text(event.number)),
                ("service_notice", Doc::Text(notice)),
                ("account_id", Doc::text(params.get("account_id"))),
            ])],
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_written_as_their_language_writes_them() {
        assert_eq!(
            full_name(Some("小明"), Some("王")).as_deref(),
            Some("王小明")
        );
        assert_eq!(
            full_name(Some("John"), Some("Smith")).as_deref(),
            Some("John Smith")
        );
        assert_eq!(full_name(None, Some("Smith")).as_deref(), Some("Smith"));
        assert_eq!(full_name(None, None), None);
    }

    #[test]
    fn the_title_is_the_head_of_the_first_line_or_the_service() {
        assert_eq!(title("\n 垃圾满了 \n详情", "暴露垃圾"), "垃圾满了");
        assert_eq!(title("", "暴露垃圾"), "暴露垃圾");
        let long = "路".repeat(50);
        assert_eq!(title(&long, "x"), format!("{}…", "路".repeat(40)));
    }

    #[test]
    fn a_point_needs_both_coordinates() {
        let p = |s: &str| location(&Params::form(s.as_bytes()));
        assert!(p("lat=23.365&long=116.705").is_ok_and(|l| l.is_some()));
        assert!(p("").is_ok_and(|l| l.is_none()));
        assert!(p("lat=23.365").is_err());
        assert!(p("lat=north&long=116.705").is_err());
        assert!(p("lat=123&long=116.705").is_err());
    }
}
