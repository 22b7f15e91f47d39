//! The map's reads on both backends: a region's children with their
//! boundaries, open work and warning level as time passes, and the located
//! events as points coloured by their clocks.

mod common;

use common::{COMMUNITY, Server, WEST, WEST_GRID, at};
use serde_json::Value;

fn feature<'a>(map: &'a Value, code: &str) -> &'a Value {
    map["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == code)
        .unwrap_or_else(|| panic!("no feature {code} in {map}"))
}

async fn regions_and_points_follow_the_clock(s: Server) {
    let (status, home) = s.get("/api/v1/map/regions", "operator").await;
    assert_eq!(status, 200, "{home}");
    assert_eq!(
        (
            home["region"]["code"].as_str(),
            home["features"][0]["id"].as_str()
        ),
        (Some("4405"), Some("440507")),
        "an operator of the city opens on the city's districts: {home}"
    );

    let reported = s.report("operator", "0102", WEST, "路边垃圾").await;
    let number = reported["event"]["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/map/regions?under={COMMUNITY}&from=2026-03-02&to=2026-03-03");
    let (_, fresh) = s.get(&path, "operator").await;
    let grid = feature(&fresh, WEST_GRID);
    assert_eq!(
        (&grid["properties"]["open"], &grid["properties"]["red"]),
        (&Value::from(1), &Value::from(0))
    );
    assert_eq!(grid["properties"]["reported"], 1, "reported on 2 March");
    assert_eq!(grid["properties"]["warning"], "green", "{grid}");
    assert_eq!(grid["properties"]["level"], "grid");
    assert_eq!(grid["geometry"]["type"], "MultiPolygon", "{grid}");
    let other = feature(&fresh, "440507001001002");
    assert_eq!(
        (
            &other["properties"]["open"],
            &other["properties"]["warning"]
        ),
        (&Value::from(0), &Value::from("green"))
    );
    assert_eq!(
        fresh["ancestors"].as_array().unwrap().len(),
        4,
        "province, city, district and town above the community: {fresh}"
    );

    let (_, points) = s.get("/api/v1/map/events", "operator").await;
    assert_eq!(points["total"], 1);
    let row = &points["rows"][0];
    assert_eq!(
        (row[0].as_str(), row[1].as_f64(), row[2].as_f64()),
        (Some(number.as_str()), Some(WEST.0), Some(WEST.1))
    );
    assert_eq!(
        (&row[3], &row[4], &row[5]),
        (&"green".into(), &"reported".into(), &"0102".into())
    );

    // The accept limit runs out within the working day: a week later the
    // event is overdue, its grid red, its point red.
    s.set_time(at(9, 9, 0));
    let (_, late) = s.get(&path, "operator").await;
    let grid = feature(&late, WEST_GRID);
    assert_eq!(
        (&grid["properties"]["red"], &grid["properties"]["warning"]),
        (&Value::from(1), &Value::from("red")),
        "{grid}"
    );
    let (_, points) = s.get("/api/v1/map/events?colour=red", "operator").await;
    assert_eq!(points["rows"][0][3], "red", "{points}");
    let (_, none) = s
        .get("/api/v1/map/events?from=2026-03-03", "operator")
        .await;
    assert_eq!(none["total"], 0, "the time filter applies: {none}");

    let (status, e) = s.get("/api/v1/map/regions?under=44x", "operator").await;
    assert_eq!(
        (status, e["details"]["parameter"].as_str()),
        (400, Some("under")),
        "{e}"
    );
    let (status, _) = s.get("/api/v1/map/regions?under=449999", "operator").await;
    assert_eq!(status, 404);
    let (status, _) = s.get("/api/v1/map/events", "anonymous").await;
    assert_eq!(status, 403);
}

on_both_backends!(regions_and_points_follow_the_clock);
