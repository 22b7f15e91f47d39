//! Statistics from memory agree with the store's SQL, on SQLite and on
//! PostgreSQL, for every filter and grouping, over events reported through
//! every channel, taken to every kind of end, late and on time, rated,
//! and outside the city.

mod common;

use common::{COMMUNITY, Server, WEST, WEST_GRID, at};
use gongzhi_domain::access::{Principal, Scope};
use gongzhi_domain::event::Channel;
use gongzhi_domain::event_flow::EventState;
use gongzhi_domain::sla::SlaColour;
use gongzhi_domain::{Level, RegionCode};
use gongzhi_store::{EventFilter, StatsGroup, StatsRow};
use serde_json::{Value, json};

on_both_backends!(memory_and_sql_agree);

const CHENGGUAN: &str = "440507-chengguan";

type Step = (&'static str, Option<&'static str>, Value);

/// Handling, verification and closure of a signed event.
fn handled() -> [Step; 3] {
    let dept = Some(CHENGGUAN);
    [
        (
            "department_handler",
            dept,
            json!({"action": "handle", "note": "已处置"}),
        ),
        (
            "operator",
            None,
            json!({"action": "verify", "passed": true}),
        ),
        ("operator", None, json!({"action": "close"})),
    ]
}

/// The steps that take the `i`-th event to its end: left reported,
/// accepted, rejected, being handled, closed, or closed and rated.
fn steps(i: usize) -> Vec<Step> {
    let dept = Some(CHENGGUAN);
    let accept = ("operator", None, json!({"action": "accept"}));
    let dispatch = (
        "operator",
        None,
        json!({"action": "dispatch", "department": CHENGGUAN}),
    );
    let sign = ("department_handler", dept, json!({"action": "sign"}));
    let rate = (
        "citizen",
        None,
        json!({"action": "evaluate", "satisfaction": 1 + i % 5, "note": "评价"}),
    );
    let reject = (
        "operator",
        None,
        json!({"action": "reject", "note": "不属实"}),
    );
    match i % 6 {
        0 => vec![],
        1 => vec![accept],
        2 => vec![reject],
        3 => vec![accept, dispatch, sign],
        4 => [accept, dispatch, sign]
            .into_iter()
            .chain(handled())
            .collect(),
        _ => [accept, dispatch, sign]
            .into_iter()
            .chain(handled())
            .chain([rate])
            .collect(),
    }
}

/// Reports events `from..to` on days from `day`, each taken to its end
/// over the following hours; returns the numbers of those left signed.
async fn report(s: &Server, from: usize, to: usize, day: u32) -> Vec<String> {
    let mut signed = Vec::new();
    let categories = s.categories();
    let roles = ["citizen", "grid_worker", "operator"];
    for i in from..to {
        let day = day + (i % 3) as u32;
        s.set_time(at(day, 9, (i % 50) as u32));
        let point = if i % 8 == 7 {
            (113.0, 30.0)
        } else {
            (
                WEST.0 + 0.002 * (i % 7) as f64,
                WEST.1 + 0.001 * (i % 3) as f64,
            )
        };
        let category = &categories[(i * 7) % categories.len()];
        let reported = s.report(roles[i % 3], category, point, "样本").await;
        let number = reported["event"]["number"].as_str().unwrap().to_owned();
        for (k, step) in steps(i).into_iter().enumerate() {
            s.set_time(at(day, 10 + k as u32, (i % 50) as u32));
            s.walk(&number, &[step]).await;
        }
        if i % 6 == 3 {
            signed.push(number);
        }
    }
    signed
}

fn filters() -> Vec<EventFilter> {
    let code = |c: &str| Some(RegionCode::parse(c).unwrap());
    let mut filters = vec![
        EventFilter::default(),
        EventFilter {
            states: vec![EventState::Closed, EventState::Evaluated],
            ..EventFilter::default()
        },
        EventFilter {
            categories: vec!["01".into(), "0102".into(), "1203".into()],
            ..EventFilter::default()
        },
        EventFilter {
            channels: vec![Channel::GridPatrol, Channel::Hotline],
            ..EventFilter::default()
        },
        EventFilter {
            region: code("440507"),
            ..EventFilter::default()
        },
        EventFilter {
            region: code(COMMUNITY),
            ..EventFilter::default()
        },
        EventFilter {
            region: code("440508"),
            ..EventFilter::default()
        },
        EventFilter {
            grid: code(WEST_GRID),
            ..EventFilter::default()
        },
        EventFilter {
            department: Some(CHENGGUAN.into()),
            ..EventFilter::default()
        },
        EventFilter {
            department: Some("nowhere".into()),
            ..EventFilter::default()
        },
        EventFilter {
            from: Some(at(3, 0, 0)),
            to: Some(at(12, 0, 0)),
            ..EventFilter::default()
        },
        EventFilter {
            outside: Some(true),
            ..EventFilter::default()
        },
        EventFilter {
            outside: Some(false),
            region: code("4405"),
            states: vec![EventState::Accepted, EventState::Signed],
            ..EventFilter::default()
        },
    ];
    for colour in [SlaColour::Green, SlaColour::Yellow, SlaColour::Red] {
        for now in [at(2, 10, 0), at(9, 17, 0), at(13, 11, 0)] {
            filters.push(EventFilter {
                colour: Some(colour),
                now: Some(now),
                ..EventFilter::default()
            });
        }
    }
    filters
}

fn groupings() -> Vec<Vec<StatsGroup>> {
    use StatsGroup::*;
    vec![
        vec![],
        vec![Region(Level::Town)],
        vec![Region(Level::Grid)],
        vec![Region(Level::Community), Category, State],
        vec![Class],
        vec![Channel, Department],
        vec![Day],
        vec![State, Day],
        // More possible keys than a dense table holds: hashed.
        vec![
            Region(Level::Grid),
            Class,
            Category,
            State,
            Channel,
            Department,
            Day,
        ],
    ]
}

/// Scopes of every kind memory answers, one of them empty.
fn scopes() -> Vec<Scope> {
    let code = |c: &str| RegionCode::parse(c).unwrap();
    vec![
        Scope::All,
        Scope::Region(code("4405")),
        Scope::Region(code(COMMUNITY)),
        Scope::Department {
            region: code("440507"),
            department: "440507-chengguan".into(),
        },
        Scope::Grids(vec![code(WEST_GRID)]),
        Scope::Region(code("440511")),
    ]
}

/// Rows in one order whatever the backend's collation and NULL order.
fn sorted(mut rows: Vec<StatsRow>) -> Vec<StatsRow> {
    rows.sort_by(|a, b| a.keys.cmp(&b.keys));
    rows
}

async fn memory_and_sql_agree(s: Server) {
    let signed = report(&s, 0, 30, 2).await;
    let marked = s.service.sweep_overdue(at(9, 17, 0)).await.unwrap();
    assert!(marked > 0, "some work ran late");
    s.set_time(at(9, 18, 0));
    for number in &signed[1..] {
        s.walk(number, &handled()).await;
    }
    report(&s, 30, 60, 10).await;
    let store = s.service.store();
    let mut admitted = Vec::new();
    for scope in scopes() {
        for filter in filters() {
            for groups in groupings() {
                let memory = s
                    .service
                    .statistics()
                    .stats(&scope, &filter, &groups)
                    .expect("memory answers");
                let sql = store.event_stats(&scope, &filter, &groups).await.unwrap();
                assert_eq!(
                    sorted(memory),
                    sorted(sql),
                    "{scope:?}: {filter:?} grouped by {groups:?}"
                );
            }
        }
        let all = store
            .event_stats(&scope, &EventFilter::default(), &[])
            .await
            .unwrap();
        admitted.push(all.first().map_or(0, |r| r.count));
    }
    assert_eq!(admitted[0], 60, "the whole city holds every report");
    assert!(
        admitted.iter().any(|n| *n > 0 && *n < 60) && admitted.contains(&0),
        "scopes narrow: {admitted:?}"
    );
    let all = s
        .service
        .stats(&Principal::system(), &EventFilter::default(), &[])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(all.count, 60);
    assert!(all.closed > 0 && all.rated > 0 && all.closed_on_time < all.closed);
    assert!(all.due > all.closed, "open late work is due too: {all:?}");
    let text = EventFilter {
        text: Some("样本".into()),
        ..EventFilter::default()
    };
    assert!(
        s.service
            .statistics()
            .stats(&Scope::All, &text, &[])
            .is_none(),
        "a text search is the store's"
    );
    assert_eq!(
        s.service
            .stats(&Principal::system(), &text, &[])
            .await
            .unwrap()[0]
            .count,
        60,
        "and the service asks it"
    );
}
