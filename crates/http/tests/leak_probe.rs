//! The leak probe: users at every level of the test city ask every endpoint
//! that reads events about every event, and no answer holds an event
//! outside the asker's scope: not its number, not its title, not a count.

mod common;

use common::{CITIZEN_PHONE, COMMUNITY, Server, WEST, WEST_GRID, add_user_with, token_of};
use serde_json::{Value, json};

/// An event of the probe: where it is, whose, and to whom it went.
struct Probe {
    number: String,
    title: String,
    grid: Option<&'static str>,
    department: Option<&'static str>,
    citizen: Option<&'static str>,
}

/// A user of the probe and what they should see.
struct Asker {
    token: String,
    sees: fn(&Probe) -> bool,
    reads: bool,
    counts: bool,
}

const EAST_GRID: &str = "440507001001002";
const EAST: (f64, f64) = (116.715, 23.365);
const OTHER_CITIZEN: &str = "13900000002";

async fn report(s: &Server, token: &str, title: &str, at: Option<(f64, f64)>) -> String {
    let mut body = json!({"category": "0102", "title": title, "address": "金砂路"});
    if let Some((lng, lat)) = at {
        body["location"] = json!({"lng": lng, "lat": lat});
    }
    let r = s
        .client
        .post(format!("{}/api/v1/events", s.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: Value = r.json().await.unwrap();
    v["event"]["number"].as_str().unwrap().to_owned()
}

async fn get(s: &Server, token: &str, path: &str) -> (u16, String) {
    let r = s
        .client
        .get(format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn no_answer_leaks(s: Server) {
    let citizen = token_of("citizen", None);
    let other = add_user_with(
        s.store.as_ref(),
        "citizen-2",
        "citizen",
        None,
        None,
        &[],
        Some(OTHER_CITIZEN),
    )
    .await;
    let mut probes = Vec::new();
    for (title, token, point, grid, who) in [
        (
            "西网格甲",
            &citizen,
            Some(WEST),
            Some(WEST_GRID),
            CITIZEN_PHONE,
        ),
        (
            "东网格乙",
            &other,
            Some(EAST),
            Some(EAST_GRID),
            OTHER_CITIZEN,
        ),
        ("无位置丙", &other, None, None, OTHER_CITIZEN),
    ] {
        let number = report(&s, token, title, point).await;
        probes.push(Probe {
            number,
            title: title.into(),
            grid,
            department: None,
            citizen: Some(if who == CITIZEN_PHONE { "one" } else { "two" }),
        });
    }
    let dispatched = &probes[1].number.clone();
    s.walk(
        dispatched,
        &[
            ("operator", None, json!({"action": "accept"})),
            (
                "operator",
                None,
                json!({"action": "dispatch", "department": "440507-chengguan"}),
            ),
        ],
    )
    .await;
    probes[1].department = Some("440507-chengguan");

    let scoped = |login, role, region, department, grids: &'static [&'static str]| {
        add_user_with(
            s.store.as_ref(),
            login,
            role,
            region,
            department,
            grids,
            None,
        )
    };
    let community_operator =
        scoped("operator-community", "operator", Some(COMMUNITY), None, &[]).await;
    let far_operator = scoped("operator-far", "operator", Some("440511"), None, &[]).await;
    let west_worker = scoped("worker-west", "grid_worker", None, None, &[WEST_GRID]).await;
    let zhujian = scoped(
        "handler-zhujian",
        "department_handler",
        Some("4405"),
        Some("440507-zhujian"),
        &[],
    )
    .await;
    let askers = [
        Asker {
            token: token_of("operator", None),
            sees: |_| true,
            reads: true,
            counts: true,
        },
        Asker {
            token: community_operator,
            sees: |p| p.grid.is_some(),
            reads: true,
            counts: true,
        },
        Asker {
            token: far_operator,
            sees: |_| false,
            reads: true,
            counts: true,
        },
        Asker {
            token: west_worker,
            sees: |p| p.grid == Some(WEST_GRID),
            reads: true,
            counts: true,
        },
        Asker {
            token: token_of("department_handler", Some("440507-chengguan")),
            sees: |p| p.department == Some("440507-chengguan"),
            reads: true,
            counts: true,
        },
        Asker {
            token: zhujian,
            sees: |_| false,
            reads: true,
            counts: true,
        },
        Asker {
            token: citizen.clone(),
            sees: |p| p.citizen == Some("one"),
            reads: true,
            counts: false,
        },
        Asker {
            token: other.clone(),
            sees: |p| p.citizen == Some("two"),
            reads: true,
            counts: false,
        },
        Asker {
            token: token_of("admin", None),
            sees: |_| false,
            reads: false,
            counts: false,
        },
    ];
    for asker in &askers {
        let seen: Vec<&Probe> = probes.iter().filter(|p| (asker.sees)(p)).collect();
        let hidden: Vec<&Probe> = probes.iter().filter(|p| !(asker.sees)(p)).collect();
        let mut answers = Vec::new();
        let (status, list) = get(&s, &asker.token, "/api/v1/events?page_size=200").await;
        if asker.reads {
            assert_eq!(status, 200, "{list}");
            let list: Value = serde_json::from_str(&list).unwrap();
            assert_eq!(list["total"], seen.len(), "{list}");
        } else {
            assert_eq!(status, 403, "{list}");
        }
        answers.push((None, list.to_string()));
        let (status, stats) = get(&s, &asker.token, "/api/v1/stats/events?group=state").await;
        answers.push((None, stats.clone()));
        if asker.counts {
            assert_eq!(status, 200, "{stats}");
            let rows: Value = serde_json::from_str(&stats).unwrap();
            let counted: u64 = rows["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["count"].as_u64().unwrap())
                .sum();
            assert_eq!(counted, seen.len() as u64, "{stats}");
        } else {
            assert_eq!(status, 403, "{stats}");
        }
        let located: Vec<&str> = seen
            .iter()
            .filter(|p| p.grid.is_some())
            .map(|p| p.number.as_str())
            .collect();
        let (status, points) = get(&s, &asker.token, "/api/v1/map/events").await;
        let (map_status, map) = get(&s, &asker.token, "/api/v1/map/regions?under=440507").await;
        if asker.reads {
            assert_eq!((status, map_status), (200, 200), "{points} {map}");
            let points: Value = serde_json::from_str(&points).unwrap();
            let mut numbers: Vec<&str> = points["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r[0].as_str().unwrap())
                .collect();
            numbers.sort_unstable();
            let mut expected = located.clone();
            expected.sort_unstable();
            assert_eq!(numbers, expected, "map points");
            let map: Value = serde_json::from_str(&map).unwrap();
            let open: u64 = map["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["properties"]["open"].as_u64().unwrap())
                .sum();
            assert_eq!(open, located.len() as u64, "open work on the map: {map}");
        } else {
            assert_eq!((status, map_status), (403, 403), "{points} {map}");
        }
        answers.push((None, points));
        answers.push((None, map));
        for probe in &probes {
            let base = format!("/api/v1/events/{}", probe.number);
            for path in [
                base.clone(),
                format!("{base}/timeline"),
                format!("{base}/duplicates"),
            ] {
                let (status, body) = get(&s, &asker.token, &path).await;
                let expected = match (asker.reads, (asker.sees)(probe)) {
                    (false, _) => 403,
                    (true, true) => 200,
                    (true, false) => 404,
                };
                assert_eq!(status, expected, "{path}: {body}");
                answers.push((Some(&probe.number), body));
            }
            let (status, body) = get(&s, &asker.token, &format!("{base}/reporter")).await;
            assert!(
                status == 403 || (status == 200 && (asker.sees)(probe)) || status == 404,
                "{status} {body}"
            );
            answers.push((Some(&probe.number), body));
        }
        // A refusal names the number it was asked about, and nothing else.
        for (asked, answer) in &answers {
            for probe in &hidden {
                let named = *asked != Some(&probe.number) && answer.contains(&probe.number);
                assert!(
                    !named && !answer.contains(&probe.title),
                    "an answer holds {} outside the asker's scope: {answer}",
                    probe.number
                );
            }
        }
    }
}

on_both_backends!(no_answer_leaks);
