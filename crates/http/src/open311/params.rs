//! The arguments of GeoReport v2 requests: form-encoded pairs from the
//! query string and the body, where (as the spec says of optional
//! arguments) an empty value is the same as none; and W3C date-times.

use super::format::Open311Error;
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Named arguments, in the order given.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The pairs of a query string or a form-encoded body.
    pub fn form(encoded: &[u8]) -> Params {
        Params(
            url::form_urlencoded::parse(encoded)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The fields of a JSON object body; numbers and booleans as written.
    pub fn json(body: &[u8]) -> Result<Params, Open311Error> {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|e| {
                Open311Error::bad_request(format!("the JSON body is not an object: {e}"))
            })?;
        Ok(Params(
            object
                .into_iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) => Some((k, s)),
                    serde_json::Value::Null => None,
                    other => Some((k, other.to_string())),
                })
                .collect(),
        ))
    }

    /// These arguments, then `later`'s: a name given in both takes
    /// `later`'s value.
    pub fn then(mut self, later: Params) -> Params {
        self.0.extend(later.0);
        self
    }

    /// The value of `name`, trimmed; `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The comma-separated values of `name`.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A whole number from `range`, `default` when absent.
    pub fn number(
        &self,
        name: &str,
        default: u32,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<u32, Open311Error> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        raw.parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                Open311Error::bad_request(format!(
                    "{name} {raw:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ))
            })
    }

    /// `true` or `false` (any case), `false` when absent.
    pub fn flag(&self, name: &str) -> Result<bool, Open311Error> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(Open311Error::bad_request(format!(
                "{name} {other:?} is not true or false"
            ))),
        }
    }

    /// A W3C date-time as China local time, the clock of every event.
    pub fn instant(&self, name: &str) -> Result<Option<NaiveDateTime>, Open311Error> {
        self.get(name)
            .map(|raw| {
                china_time(raw).ok_or_else(|| {
                    Open311Error::bad_request(format!(
                        "{name} {raw:?} is not a W3C date-time such as 2026-03-01T00:00:00Z \
                         or 2026-03-01T08:00:00+08:00"
                    ))
                })
            })
            .transpose()
    }
}

/// `raw` in China local time: a date-time with seconds (and fraction) or
/// minutes and an offset (`Z` or `±hh:mm`), or a bare date, taken as
/// midnight in China.
fn china_time(raw: &str) -> Option<NaiveDateTime> {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is an offset");
    let with_offset = DateTime::parse_from_rfc3339(raw).ok().or_else(|| {
        let raw = raw.replace('Z', "+00:00");
        DateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M%:z").ok()
    });
    match with_offset {
        Some(t) => Some(t.with_timezone(&china).naive_local()),
        None => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(chrono::NaiveTime::MIN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn w3c_times_become_china_time() {
        assert_eq!(
            china_time("2026-03-02T01:00:00Z"),
            Some(at("2026-03-02 09:00:00"))
        );
        assert_eq!(
            china_time("2026-03-02T09:00:00.5+08:00"),
            Some(at("2026-03-02 09:00:00") + chrono::Duration::milliseconds(500))
        );
        assert_eq!(
            china_time("2026-03-01T20:30-05:00"),
            Some(at("2026-03-02 09:30:00"))
        );
        assert_eq!(china_time("2026-03-02"), Some(at("2026-03-02 00:00:00")));
        assert_eq!(china_time("2026-03-02T09:00:00"), None, "no offset");
        assert_eq!(china_time("yesterday"), None);
    }

    #[test]
    fn empty_values_are_absent_and_the_body_overrides_the_query() {
        let p = Params::form(b"api_key=from-query&status=&service_code=01,%200102")
            .then(Params::form(b"api_key=from-body"));
        assert_eq!(p.get("api_key"), Some("from-body"));
        assert_eq!(p.get("status"), None);
        assert_eq!(p.list("service_code"), ["01", "0102"]);
        assert!(p.flag("extensions").is_ok_and(|f| !f));
        assert!(p.number("page", 1, 1..=10).is_ok_and(|n| n == 1));
        assert!(Params::form(b"page=0").number("page", 1, 1..=10).is_err());
    }

    #[test]
    fn a_json_body_gives_its_fields_as_text() {
        let p = Params::json(br#"{"lat": 23.365, "service_code": "0102", "email": null}"#).unwrap();
        assert_eq!(p.get("lat"), Some("23.365"));
        assert_eq!(p.get("service_code"), Some("0102"));
        assert_eq!(p.get("email"), None);
        assert!(Params::json(b"[1]").is_err());
    }
}
