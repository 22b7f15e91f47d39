//! Hostile input, on both backends: SQL metacharacters in every text
//! field and filter are data, never SQL; script is kept and returned as
//! text; attachment ids that walk paths, malformed event numbers and codes,
//! and oversized bodies get precise errors. Malformed tokens and expired
//! sessions are in `sessions.rs`.

mod common;

use common::{Server, WEST};
use serde_json::{Value, json};

const SQL: &[&str] = &[
    "'; DROP TABLE events; --",
    "\" OR 1=1 --",
    "x' OR 'a'='a",
    "100%_\\ 完成",
    "$1; SELECT * FROM users",
];

const SCRIPT: &str = "<script>alert('共治')</script><img src=x onerror=alert(1)>";

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn metacharacters_are_data(s: Server) {
    let mut numbers = Vec::new();
    for (i, text) in SQL.iter().chain([&SCRIPT]).enumerate() {
        let body = json!({
            "category": "0102",
            "title": format!("{text} #{i}"),
            "description": text,
            "address": text,
            "location": {"lng": WEST.0, "lat": WEST.1},
            "reporter": {"name": text.chars().take(50).collect::<String>()},
        });
        let (status, e) = s.post("/api/v1/events", "operator", None, &body).await;
        assert_eq!(status, 201, "{e}");
        let number = e["event"]["number"].as_str().unwrap().to_owned();
        let (status, back) = s.get(&format!("/api/v1/events/{number}"), "operator").await;
        assert_eq!(status, 200);
        assert_eq!(back["title"], format!("{text} #{i}"), "kept as given");
        assert_eq!(back["description"], *text);
        assert_eq!(back["address"], *text);
        let (_, reporter) = s
            .get(&format!("/api/v1/events/{number}/reporter"), "operator")
            .await;
        assert_eq!(
            reporter["name"],
            text.chars().take(50).collect::<String>(),
            "sealed and opened intact"
        );
        numbers.push(number);
    }
    for (i, text) in SQL.iter().chain([&SCRIPT]).enumerate() {
        let (status, found) = s
            .get(&format!("/api/v1/events?q={}", encode(text)), "operator")
            .await;
        assert_eq!(status, 200, "{found}");
        let titles: Vec<&str> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        assert!(
            titles.contains(&format!("{text} #{i}").as_str()),
            "{text}: {titles:?}"
        );
        assert!(
            titles.len() <= 2,
            "a search is not a wildcard: {text}: {titles:?}"
        );
    }
    for text in SQL {
        let quoted = encode(text);
        for filter in [
            "state", "colour", "category", "channel", "region", "grid", "from", "sort",
        ] {
            let (status, e) = s
                .get(&format!("/api/v1/events?{filter}={quoted}"), "operator")
                .await;
            assert_eq!(status, 400, "{filter}={text}: {e}");
            assert_eq!(e["details"]["parameter"], filter, "{e}");
        }
        let (status, none) = s
            .get(&format!("/api/v1/events?department={quoted}"), "operator")
            .await;
        assert_eq!((status, &none["total"]), (200, &json!(0)), "{none}");
        let (status, e) = s.get(&format!("/api/v1/events/{quoted}"), "operator").await;
        assert_eq!(status, 404, "{e}");
    }
    let (_, all) = s.get("/api/v1/events?page_size=200", "operator").await;
    assert_eq!(
        all["total"],
        numbers.len(),
        "nothing dropped, nothing added"
    );
}

async fn script_is_returned_as_json_text(s: Server) {
    let body = json!({"category": "0102", "title": SCRIPT, "address": SCRIPT});
    let (status, e) = s.post("/api/v1/events", "operator", None, &body).await;
    assert_eq!(status, 201, "{e}");
    let number = e["event"]["number"].as_str().unwrap();
    let r = s
        .client
        .get(format!("{}/api/v1/events/{number}", s.base))
        .bearer_auth(common::token_of("operator", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["title"], SCRIPT);
}

async fn paths_ids_and_sizes_get_precise_errors(s: Server) {
    for id in [
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "..%5C..%5Cwindows%5Cwin.ini",
        "%2Fetc%2Fshadow",
        "....%2F%2F....%2F%2Fetc",
    ] {
        let (status, e) = s
            .get(&format!("/api/v1/attachments/{id}"), "operator")
            .await;
        assert_eq!(status, 404, "{id}: {e}");
        assert_eq!(e["code"], "not_found");
    }
    let long = "9".repeat(10_000);
    for number in ["20260302-", "-1", "%00", long.as_str()] {
        let (status, e) = s.get(&format!("/api/v1/events/{number}"), "operator").await;
        assert_eq!(status, 404, "{number}: {e}");
    }
    for code in ["4405x", "12345", "", "44050700100100100100"] {
        let (status, e) = s
            .get(&format!("/api/v1/events?region={code}"), "operator")
            .await;
        assert!(
            status == 400 || (code.is_empty() && status == 200),
            "{code}: {e}"
        );
    }
    for field in ["title", "description", "address"] {
        let mut body = json!({"category": "0102", "title": "t", "address": "金砂路"});
        body[field] = json!("before\u{0}after");
        let (status, e) = s.post("/api/v1/events", "operator", None, &body).await;
        assert_eq!(
            (status, &e["details"]["field"]),
            (422, &json!(field)),
            "{e}"
        );
    }
    let (status, e) = s.get("/api/v1/events?q=%00", "operator").await;
    assert!(status == 200 || status == 422, "a NUL in a search: {e}");
    let huge = vec![b'{'; 11 * 1024 * 1024];
    let r = s
        .client
        .post(format!("{}/api/v1/events", s.base))
        .bearer_auth(common::token_of("operator", None))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "payload_too_large");
    let (status, e) = s
        .post(
            "/api/v1/events",
            "operator",
            None,
            &json!({"category": "0102", "title": "t".repeat(201), "address": "金砂路"}),
        )
        .await;
    assert_eq!(
        (status, &e["details"]["field"]),
        (422, &json!("title")),
        "{e}"
    );
}

on_both_backends!(
    metacharacters_are_data,
    script_is_returned_as_json_text,
    paths_ids_and_sizes_get_precise_errors
);
