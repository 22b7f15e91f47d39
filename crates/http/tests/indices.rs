//! Composite indices over HTTP on both backends: a definition in TOML, values
//! in CSV, a computation mixing loaded and computed indicators, scores,
//! red and black lists, warnings with reasons, the map coloured by them,
//! an audited Excel export, and bad input refused with its place named.

mod common;

use common::{Server, WEST, token_of};
use gongzhi_domain::{Region, RegionCode};
use gongzhi_store::RegionBatch;
use serde_json::{Value, json};

const TOWN: &str = "440507001";

const DEFINITION: &str = r#"
code = "pa"
name = "平安指数"
name_en = "Safety Index"
periodicity = "quarter"

[pipeline]
normalise = "minmax"

[warnings]
red_below = 20.0
yellow_below = 60.0
target_yellow = 0.1
target_red = 0.5
[warnings.surge]
by = "category"
baseline_periods = 2
min_count = 5
alpha_yellow = 0.01
alpha_red = 0.001

[[denominators]]
code = "pop"
name = "常住人口"

[[indicators]]
code = "PA"
name = "平安指数"
level = 2

[[indicators]]
code = "cases"
name = "万人刑事案件数"
name_en = "Criminal cases per 10,000"
level = 1
parent = "PA"
direction = -1
denominator = "pop"
scale = 10000.0
target = 5.0
unit = "件/万人"

[[indicators]]
code = "reports"
name = "万人市容环境事件数"
level = 1
parent = "PA"
direction = -1
source = "computed"
builtin = "event_rate"
category = "01"
denominator = "pop"
scale = 10000.0
"#;

async fn send(
    s: &Server,
    method: reqwest::Method,
    path: &str,
    role: &str,
    kind: &str,
    body: String,
) -> (u16, Value) {
    let r = s
        .client
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(token_of(role, None))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn define(s: &Server, role: &str, toml: String) -> (u16, Value) {
    send(
        s,
        reqwest::Method::POST,
        "/api/v1/indices",
        role,
        "application/toml",
        toml,
    )
    .await
}

async fn load(s: &Server, csv: String) -> (u16, Value) {
    let path = "/api/v1/indices/pa/values";
    send(s, reqwest::Method::PUT, path, "admin", "text/csv", csv).await
}

async fn indices_compute_rank_warn_and_colour_the_map(s: Server) {
    // Two more towns of the district, so that there is something to rank.
    let towns = [
        (TOWN, 10_000.0, 20.0),
        ("440507002", 20_000.0, 8.0),
        ("440507003", 40_000.0, 30.0),
    ];
    let batch = RegionBatch {
        regions: vec![
            Region::new(RegionCode::parse("440507002").unwrap(), "新津街道"),
            Region::new(RegionCode::parse("440507003").unwrap(), "鸥汀街道"),
        ],
        ..RegionBatch::default()
    };
    s.store.apply(&batch).await.unwrap();

    let (status, bad) = define(
        &s,
        "admin",
        DEFINITION.replace(
            "parent = \"PA\"\ndirection = -1\ndenominator",
            "parent = \"XX\"\ndirection = -1\ndenominator",
        ),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert!(
        bad["message_en"]
            .as_str()
            .unwrap()
            .contains("indicators row 2 (cases), field `parent`"),
        "{bad}"
    );

    let (status, defined) = define(&s, "admin", DEFINITION.into()).await;
    assert_eq!((status, &defined["version"]), (200, &json!(1)), "{defined}");
    let (status, _) = define(&s, "operator", DEFINITION.into()).await;
    assert_eq!(status, 403, "an operator does not define indices");

    let mut csv = String::from("period,unit,series,value\n");
    for period in ["2025Q4", "2026Q1"] {
        for (unit, pop, cases) in towns {
            csv += &format!("{period},{unit},pop,{pop}\n{period},{unit},cases,{cases}\n");
        }
    }
    let bad_cells = [
        (
            "cases,30",
            "cases,30",
            "440507009",
            422,
            "row 12, column unit: no region has the code `440507009`",
        ),
        (
            "cases,30",
            "reports,30",
            "440507003",
            422,
            "`reports` is computed from events",
        ),
        (
            "cases,30",
            "cases,thirty",
            "440507003",
            400,
            "row 13, column value: `thirty` is not a number",
        ),
    ];
    for (from, to, unit, want, message) in bad_cells {
        let body = csv.replace(
            &format!("2026Q1,440507003,{from}"),
            &format!("2026Q1,{unit},{to}"),
        );
        let (status, bad) = load(&s, body).await;
        assert_eq!(status, want, "{bad}");
        assert!(
            bad["message_en"].as_str().unwrap().contains(message),
            "{bad}"
        );
    }
    let (status, loaded) = load(&s, csv).await;
    let head = s.store.audit_head().await.unwrap();
    let last = s.store.audit_entries(head.seq - 2, 2).await.unwrap();
    let kinds: Vec<(&str, &str, &str)> = last
        .iter()
        .map(|e| {
            (
                e.record.kind.as_str(),
                e.record.subject.as_str(),
                e.record.role.as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("index_change", "index pa", "admin"),
            ("index_change", "index pa", "admin")
        ],
        "the definition and the load are audited, the refused loads not"
    );
    assert_eq!((status, &loaded["loaded"]), (200, &json!(12)), "{loaded}");

    // Two reports of one category in the first town on 1 December, the
    // first day with records; eighteen this quarter, to 2 March.
    s.set_time(
        chrono::NaiveDate::from_ymd_opt(2025, 12, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    );
    for _ in 0..2 {
        s.report("operator", "0102", WEST, "路边垃圾").await;
    }
    s.set_time(common::at(2, 9, 0));
    for _ in 0..18 {
        s.report("operator", "0102", WEST, "路边垃圾").await;
    }
    let (status, summary) = s
        .post("/api/v1/indices/pa/compute", "admin", None, &json!({}))
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["periods"], json!(["2025Q4", "2026Q1"]));
    assert_eq!(summary["units"], json!({"town": 3}));

    let (status, scores) = s
        .get("/api/v1/indices/pa/scores?level=town", "leader")
        .await;
    assert_eq!(
        (status, scores["period"].as_str()),
        (200, Some("2026Q1")),
        "{scores}"
    );
    let rows = scores["rows"].as_array().unwrap();
    let rank_of = |unit: &str| {
        rows.iter().find(|r| r["unit"] == unit).unwrap()["rank"]
            .as_u64()
            .unwrap()
    };
    // cases per 10k: 20, 4, 7.5; reports per 10k: 18, 0, 0.
    // First town is worst on both (0 and 0), second best on both.
    assert_eq!(
        (rank_of("440507002"), rank_of("440507003"), rank_of(TOWN)),
        (1, 2, 3),
        "{scores}"
    );
    assert!(rows.iter().all(|r| r["of"] == 3));
    let worst = rows.iter().find(|r| r["unit"] == TOWN).unwrap();
    assert_eq!(
        (&worst["score"], &worst["name"]),
        (&json!(0.0), &json!("珠池街道"))
    );
    assert_eq!(worst["warning"], "red", "{worst}");
    let texts: Vec<&str> = worst["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("万人刑事案件数 20.00件/万人，未达目标 5件/万人")),
        "{texts:?}"
    );
    assert!(worst["stability"]["nominal"] == 3, "{worst}");
    // The surge: 2 in the 31 days of December stand for 2·92/31 a quarter,
    // and so for 2·92/31·61/90 in the 61 days of this quarter so far.
    let surge = worst["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "surge")
        .unwrap_or_else(|| panic!("a surge: {worst}"));
    let expected = 2.0 * 92.0 / 31.0 * 61.0 / 90.0;
    assert_eq!(
        (&surge["level"], &surge["value"], &surge["category"]),
        (&json!("red"), &json!(18.0), &json!("0102")),
        "{surge}"
    );
    assert!(
        (surge["threshold"].as_f64().unwrap() - expected).abs() < 1e-9,
        "{surge}"
    );
    // The computed leaf came from the eighteen reports: the first town's
    // reports score is the worst, the others' the best.
    let (_, reports) = s
        .get(
            "/api/v1/indices/pa/scores?level=town&node=reports",
            "leader",
        )
        .await;
    let by = |unit: &str| {
        reports["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit"] == unit)
            .unwrap()["score"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        (by(TOWN), by("440507002"), by("440507003")),
        (0.0, 100.0, 100.0),
        "{reports}"
    );

    // A town's leader sees the town alone, ranked among all three.
    let token = common::add_user_with(
        s.store.as_ref(),
        "town-leader",
        "leader",
        Some("440507002"),
        None,
        &[],
        None,
    )
    .await;
    let mine: Value = s
        .client
        .get(format!("{}/api/v1/indices/pa/scores", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let units: Vec<(&str, u64, u64)> = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["unit"].as_str().unwrap(),
                r["rank"].as_u64().unwrap(),
                r["of"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(units, vec![("440507002", 1, 3)], "{mine}");

    let (status, _) = s.get("/api/v1/indices", "admin").await;
    assert_eq!(status, 200, "whoever edits definitions reads them");
    let (_, list) = s.get("/api/v1/indices", "leader").await;
    assert_eq!(list[0]["periods"], json!(["2025Q4", "2026Q1"]), "{list}");
    assert_eq!(list[0]["leaves"], 2);
    let (_, lists) = s
        .get("/api/v1/indices/pa/lists?level=town&n=1", "leader")
        .await;
    assert_eq!(
        (
            lists["red"][0]["unit"].as_str(),
            lists["black"][0]["unit"].as_str()
        ),
        (Some("440507002"), Some(TOWN)),
        "{lists}"
    );
    let (status, bad) = s.get("/api/v1/indices/pa/lists", "leader").await;
    assert_eq!(status, 400, "{bad}");

    let (_, warnings) = s.get("/api/v1/indices/pa/warnings", "leader").await;
    assert_eq!(
        warnings["warnings"][0]["unit"], TOWN,
        "red first: {warnings}"
    );

    let (_, map) = s.get("/api/v1/map/regions?under=440507", "operator").await;
    let town = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == TOWN)
        .unwrap();
    assert_eq!(town["properties"]["warning"], "red", "{town}");
    assert!(
        town["properties"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "target"),
        "{town}"
    );

    let r = s
        .client
        .get(format!("{}/api/v1/indices/pa/export", s.base))
        .bearer_auth(token_of("leader", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
    let head = s.store.audit_head().await.unwrap();
    let last = s.store.audit_entries(head.seq - 1, 1).await.unwrap();
    assert_eq!(last[0].record.subject, "index pa 2026Q1", "{:?}", last[0]);
    let (status, _) = s.get("/api/v1/indices/pa/export", "operator").await;
    assert_eq!(status, 403, "an operator may not export");
}

on_both_backends!(indices_compute_rank_warn_and_colour_the_map);
