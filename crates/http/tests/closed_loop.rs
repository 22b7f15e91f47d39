//! The closed loop over HTTP, story by story, on SQLite and on PostgreSQL:
//! a real server on a random port, a real database, a clock the test moves.

mod common;

use common::{COMMUNITY, Server, WEST, WEST_GRID, at, token_of};
use gongzhi_domain::audit::AuditKind;
use serde_json::{Value, json};

on_both_backends!(
    a_grid_workers_finding_is_resolved_on_the_spot,
    a_citizen_complaint_goes_round_the_whole_loop,
    an_escalation_climbs_from_community_to_county,
    a_duplicate_is_merged_and_learns_when_its_master_closes,
    an_overdue_event_is_marked_and_supervised,
    bad_input_gets_a_precise_error,
    retries_and_races_never_double_anything,
);

fn number(v: &Value) -> String {
    v["event"]["number"].as_str().unwrap().to_owned()
}

fn actions(v: &Value) -> Vec<&str> {
    v["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

async fn a_grid_workers_finding_is_resolved_on_the_spot(s: Server) {
    let reported = s.report("grid_worker", "0102", WEST, "路边暴露垃圾").await;
    let event = &reported["event"];
    assert_eq!(event["channel"], "grid_patrol");
    assert_eq!(event["grid"], WEST_GRID);
    assert_eq!(event["centre"], COMMUNITY);
    assert_eq!(event["state"], "reported");
    assert_eq!(event["colour"], "green");
    assert_eq!(event["suggested_department"], "440507-chengguan");
    assert_eq!(
        event["reporter"],
        json!({"name": "王**", "phone": "138****5678"})
    );
    assert!(actions(event).contains(&"resolve_on_spot"), "{event}");
    let n = number(&reported);
    s.set_time(at(2, 9, 20));
    let done = s
        .step(
            &n,
            "grid_worker",
            None,
            json!({"action": "resolve_on_spot", "note": "已清理完毕"}),
        )
        .await;
    assert_eq!(
        (done["state"].as_str(), done["resolved_level"].as_str()),
        (Some("closed"), Some("grid"))
    );
    assert_eq!(done["closed_at"], "2026-03-02T09:20:00+08:00");
    let rated = s
        .step(
            &n,
            "citizen",
            None,
            json!({"action": "evaluate", "satisfaction": 5, "note": "很快"}),
        )
        .await;
    assert_eq!(
        (rated["state"].as_str(), rated["satisfaction"].as_u64()),
        (Some("evaluated"), Some(5))
    );
    assert_eq!(
        s.timeline(&n).await,
        ["report", "resolve_on_spot", "evaluate"]
    );
    let (status, stats) = s
        .get("/api/v1/stats/events?group=region:community", "leader")
        .await;
    assert_eq!(status, 200, "{stats}");
    let row = &stats["rows"][0];
    assert_eq!(row["keys"]["region"], COMMUNITY);
    assert_eq!(row["rates"]["closure_rate"], 100.0);
    assert_eq!(row["rates"]["satisfaction_rate"], 100.0);
    assert_eq!(row["resolved_share"]["grid"], 100.0);
    assert_eq!(row["mean_handling_hours"], 0.33);
}

async fn a_citizen_complaint_goes_round_the_whole_loop(s: Server) {
    let reported = s.report("citizen", "0102", WEST, "小区门口垃圾堆积").await;
    let n = number(&reported);
    assert_eq!(reported["event"]["channel"], "citizen");
    let (op, cg, zj) = (None, Some("440507-chengguan"), Some("440507-zhujian"));
    let handler = "department_handler";
    let e = s
        .step(&n, "operator", op, json!({"action": "accept"}))
        .await;
    assert_eq!(
        e["reporter"]["phone"], "138****5678",
        "contacts are masked in every view"
    );
    let reveal = format!("/api/v1/events/{n}/reporter");
    let (status, full) = s.get(&reveal, "operator").await;
    assert_eq!((status, &full["phone"]), (200, &json!("13812345678")));
    let (status, refused) = s.get(&reveal, "grid_worker").await;
    assert_eq!((status, &refused["code"]), (403, &json!("forbidden")));
    let head = s.store.audit_head().await.unwrap();
    let reveals: Vec<_> = s
        .store
        .audit_entries(0, head.seq as u32)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.record.kind == AuditKind::Reveal)
        .collect();
    assert_eq!(reveals.len(), 1, "one reveal, one audit entry");
    assert_eq!(
        (
            reveals[0].record.actor.as_str(),
            reveals[0].record.subject.as_str()
        ),
        ("operator-1", n.as_str())
    );
    assert_eq!(e["phase"], "dispatch");
    let e = s
        .step(&n, "operator", op, json!({"action": "dispatch"}))
        .await;
    assert_eq!(
        e["department"], "440507-chengguan",
        "routed by the responsibility list"
    );
    let returned = json!({"action": "return", "note": "属建筑垃圾，归住建"});
    let e = s
        .walk(
            &n,
            &[
                (handler, cg, json!({"action": "sign"})),
                (handler, cg, returned),
            ],
        )
        .await;
    assert_eq!(e["state"], "accepted");
    let redispatch = json!({"action": "dispatch", "department": "440507-zhujian"});
    let e = s.step(&n, "operator", op, redispatch).await;
    assert_eq!(e["department"], "440507-zhujian");
    let before = s
        .walk(
            &n,
            &[
                (handler, zj, json!({"action": "sign"})),
                (handler, zj, json!({"action": "start"})),
            ],
        )
        .await;
    let ask = json!({"action": "request_extension", "extension": 2, "note": "需联系产权方"});
    let asked = s.step(&n, handler, zj, ask).await;
    assert_eq!(asked["extension_pending"], true);
    let decide = json!({"action": "decide_extension", "approved": true});
    let granted = s.step(&n, "supervisor", op, decide).await;
    let due = |e: &Value| e["due_at"].as_str().unwrap().to_owned();
    assert!(due(&granted) > due(&before), "{granted}");
    s.set_time(at(3, 10, 0));
    let closed = s
        .walk(
            &n,
            &[
                (handler, zj, json!({"action": "handle", "note": "已清运"})),
                (
                    "grid_worker",
                    op,
                    json!({"action": "verify", "passed": true}),
                ),
                ("operator", op, json!({"action": "close"})),
            ],
        )
        .await;
    let level = (closed["state"].as_str(), closed["resolved_level"].as_str());
    assert_eq!(level, (Some("closed"), Some("community")));
    let rate = json!({"action": "evaluate", "satisfaction": 4, "note": "满意"});
    let rated = s.step(&n, "citizen", op, rate).await;
    assert_eq!(
        rated["reporter"]["phone"], "138****5678",
        "a citizen's view is masked"
    );
    assert_eq!(
        s.timeline(&n).await,
        [
            "report",
            "accept",
            "dispatch",
            "sign",
            "return",
            "dispatch",
            "sign",
            "start",
            "request_extension",
            "decide_extension",
            "handle",
            "verify",
            "close",
            "evaluate"
        ]
    );
    let (_, timeline) = s
        .get(&format!("/api/v1/events/{n}/timeline"), "citizen")
        .await;
    assert_eq!(timeline["items"][4]["note"], "属建筑垃圾，归住建");
    assert_eq!(timeline["items"][4]["role"], "department_handler");
    assert_eq!(
        timeline["items"][5]["details"]["department"],
        "440507-zhujian"
    );
}

async fn an_escalation_climbs_from_community_to_county(s: Server) {
    let n = number(&s.report("citizen", "0102", WEST, "跨社区占道").await);
    let escalate = json!({"action": "escalate", "note": "社区无法协调"});
    let e = s.step(&n, "operator", None, escalate.clone()).await;
    assert_eq!(e["centre"], "440507001");
    let e = s.step(&n, "operator", None, escalate).await;
    assert_eq!(e["centre"], "440507");
    let cg = Some("440507-chengguan");
    let closed = s
        .walk(
            &n,
            &[
                ("operator", None, json!({"action": "accept"})),
                ("operator", None, json!({"action": "dispatch"})),
                ("department_handler", cg, json!({"action": "sign"})),
                (
                    "department_handler",
                    cg,
                    json!({"action": "handle", "note": "已处置"}),
                ),
                (
                    "operator",
                    None,
                    json!({"action": "verify", "passed": true}),
                ),
                ("operator", None, json!({"action": "close"})),
            ],
        )
        .await;
    assert_eq!(closed["resolved_level"], "county");
    let (_, stats) = s.get("/api/v1/stats/events?group=class", "leader").await;
    assert_eq!(stats["rows"][0]["resolved_share"]["county"], 100.0);
    let (_, list) = s
        .get("/api/v1/events?state=closed&region=440507", "leader")
        .await;
    assert_eq!(list["total"], 1);
}

async fn a_duplicate_is_merged_and_learns_when_its_master_closes(s: Server) {
    let master = number(&s.report("citizen", "0102", WEST, "垃圾").await);
    s.set_time(at(2, 10, 0));
    let second = s
        .report("citizen", "0102", (WEST.0 + 0.0005, WEST.1), "又见垃圾")
        .await;
    let dup = number(&second);
    let suggested = &second["duplicates"];
    assert_eq!(suggested[0]["number"], master.as_str(), "{second}");
    let metres = suggested[0]["distance_m"].as_f64().unwrap();
    assert!((50.0..52.0).contains(&metres), "{metres}");
    let (_, for_operator) = s
        .get(&format!("/api/v1/events/{dup}/duplicates"), "operator")
        .await;
    assert_eq!(for_operator["items"][0]["number"], master.as_str());
    let version = second["event"]["version"].clone();
    let merged = s
        .step(
            &dup,
            "operator",
            None,
            json!({"action": "merge", "into": master, "expected_version": version}),
        )
        .await;
    assert_eq!(
        (merged["state"].as_str(), merged["master"].as_str()),
        (Some("merged"), Some(master.as_str()))
    );
    s.step(
        &master,
        "grid_worker",
        None,
        json!({"action": "resolve_on_spot", "note": "已清理"}),
    )
    .await;
    assert_eq!(s.timeline(&dup).await, ["report", "merge", "master_closed"]);
    assert_eq!(
        s.timeline(&master).await,
        ["report", "merged_in", "resolve_on_spot"]
    );
}

async fn an_overdue_event_is_marked_and_supervised(s: Server) {
    let reported = s.report("citizen", "0102", WEST, "垃圾无人理").await;
    let n = number(&reported);
    let due = reported["event"]["due_at"].as_str().unwrap().to_owned();
    let due = chrono::NaiveDateTime::parse_from_str(&due[..19], "%Y-%m-%dT%H:%M:%S").unwrap();
    s.set_time(due + chrono::Duration::minutes(1));
    assert_eq!(
        s.service
            .sweep_overdue(due + chrono::Duration::minutes(1))
            .await
            .unwrap(),
        1
    );
    let (_, red) = s.get("/api/v1/events?colour=red", "supervisor").await;
    assert_eq!(red["total"], 1, "{red}");
    assert_eq!(red["items"][0]["overdue"], true);
    assert_eq!(red["items"][0]["colour"], "red");
    let (status, refused) = s
        .post(
            &format!("/api/v1/events/{n}/actions"),
            "supervisor",
            None,
            &json!({"action": "supervise"}),
        )
        .await;
    assert_eq!(
        (status, refused["details"]["field"].as_str()),
        (422, Some("note")),
        "{refused}"
    );
    s.step(
        &n,
        "supervisor",
        None,
        json!({"action": "supervise", "note": "请立即受理"}),
    )
    .await;
    assert_eq!(s.timeline(&n).await, ["report", "overdue", "supervise"]);
    let (_, stats) = s.get("/api/v1/stats/events", "leader").await;
    assert_eq!(stats["rows"][0]["rates"]["due"], 1);
    assert_eq!(stats["rows"][0]["rates"]["closure_rate"], 0.0);
}

async fn bad_input_gets_a_precise_error(s: Server) {
    let body = |category: &str, lng: f64, lat: f64| json!({"category": category, "title": "t", "location": {"lng": lng, "lat": lat}});
    let (status, e) = s
        .post(
            "/api/v1/events",
            "citizen",
            None,
            &body("0999", WEST.0, WEST.1),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str(), e["details"]["field"].as_str()),
        (422, Some("invalid_field"), Some("category")),
        "{e}"
    );
    let (status, e) = s
        .post(
            "/api/v1/events",
            "citizen",
            None,
            &body("0102", 200.0, WEST.1),
        )
        .await;
    assert_eq!(
        (status, e["details"]["parameter"].as_str()),
        (400, Some("location")),
        "{e}"
    );
    let (status, e) = s
        .post(
            "/api/v1/events",
            "citizen",
            None,
            &json!({"category": "0102"}),
        )
        .await;
    assert_eq!(status, 400, "{e}");
    assert!(e["message_en"].as_str().unwrap().contains("title"), "{e}");

    let (status, outside) = s
        .post(
            "/api/v1/events",
            "citizen",
            None,
            &body("0102", 100.0, 30.0),
        )
        .await;
    assert_eq!(
        status, 201,
        "outside the jurisdiction is accepted: {outside}"
    );
    assert_eq!(
        (
            outside["event"]["outside"].as_bool(),
            outside["event"]["grid"].as_str()
        ),
        (Some(true), None)
    );
    let (_, flagged) = s.get("/api/v1/events?outside=true", "operator").await;
    assert_eq!(flagged["total"], 1);

    let n = number(&s.report("citizen", "0102", WEST, "垃圾").await);
    let path = format!("/api/v1/events/{n}/actions");
    let (status, e) = s
        .post(&path, "citizen", None, &json!({"action": "accept"}))
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (403, Some("forbidden")),
        "{e}"
    );
    let (status, e) = s
        .post(&path, "operator", None, &json!({"action": "close"}))
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("illegal_transition")),
        "{e}"
    );
    assert!(
        e["details"]["allowed"]
            .as_array()
            .unwrap()
            .contains(&json!("accept")),
        "{e}"
    );
    let (status, e) = s
        .post(&path, "operator", None, &json!({"action": "reject"}))
        .await;
    assert_eq!(
        (status, e["details"]["field"].as_str()),
        (422, Some("note")),
        "{e}"
    );
    let (status, e) = s
        .post(&path, "operator", None, &json!({"action": "fly"}))
        .await;
    assert_eq!(status, 400, "{e}");
    let (status, _) = s.get("/api/v1/events/20990101-000001", "operator").await;
    assert_eq!(status, 404);
    s.step(&n, "operator", None, json!({"action": "accept"}))
        .await;
    let (status, e) = s
        .post(
            &path,
            "operator",
            None,
            &json!({"action": "dispatch", "department": "nowhere"}),
        )
        .await;
    assert_eq!(
        (status, e["details"]["field"].as_str()),
        (422, Some("department")),
        "{e}"
    );

    let upload = |bytes: Vec<u8>| {
        s.client
            .post(format!("{}/api/v1/attachments", s.base))
            .bearer_auth(token_of("citizen", None))
            .body(bytes)
            .send()
    };
    let svg = upload(b"<svg onload=alert(1)>".to_vec()).await.unwrap();
    assert_eq!(svg.status().as_u16(), 415);
    let mut huge = vec![0xFF, 0xD8, 0xFF];
    huge.resize(9 * 1024 * 1024, 0);
    let big = upload(huge).await.unwrap();
    assert_eq!(big.status().as_u16(), 413);
    let png = b"\x89PNG\r\n\x1a\n-a-tiny-photo".to_vec();
    let stored: Value = upload(png.clone()).await.unwrap().json().await.unwrap();
    let id = stored["id"].as_str().unwrap();
    let back = s
        .client
        .get(format!("{}/api/v1/attachments/{id}", s.base))
        .bearer_auth(token_of("operator", None))
        .send()
        .await
        .unwrap();
    assert_eq!(back.headers()["content-type"], "image/png");
    assert_eq!(back.bytes().await.unwrap().to_vec(), png);
    let with_photo =
        json!({"category": "0102", "title": "t", "address": "金砂路", "attachments": [id]});
    let (status, e) = s.post("/api/v1/events", "citizen", None, &with_photo).await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(e["event"]["attachments"][0], id);
    assert_eq!(e["event"]["outside"], true, "no location: placed by hand");
    let unknown = json!({"category": "0102", "title": "t", "address": "x", "attachments": ["00"]});
    let (status, _) = s.post("/api/v1/events", "citizen", None, &unknown).await;
    assert_eq!(status, 404);

    let (status, e) = s
        .put(
            "/api/v1/catalogue",
            "operator",
            &json!({"based_on": 1, "document": {}}),
        )
        .await;
    assert_eq!(status, 403, "{e}");
}

async fn retries_and_races_never_double_anything(s: Server) {
    let body =
        json!({"category": "0102", "title": "重试", "location": {"lng": WEST.0, "lat": WEST.1}});
    let send = |body: Value| {
        s.client
            .post(format!("{}/api/v1/events", s.base))
            .bearer_auth(token_of("citizen", None))
            .header("idempotency-key", "phone-7-report-1")
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(body.clone()).await.unwrap();
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["event"]["number"], first["event"]["number"]);
    let other = send(json!({"category": "0102", "title": "另一件", "address": "x"}))
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 409);
    let (_, all) = s.get("/api/v1/events", "operator").await;
    assert_eq!(all["total"], 1);

    let n = number(&first);
    let version = first["event"]["version"].clone();
    let path = format!("/api/v1/events/{n}/actions");
    let accept = json!({"action": "accept", "expected_version": version});
    let reject = json!({"action": "reject", "note": "不属实", "expected_version": version});
    let (a, b) = tokio::join!(
        s.post(&path, "operator", None, &accept),
        s.post(&path, "supervisor", None, &reject)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} {}", a.1, b.1);
    assert_eq!(s.timeline(&n).await.len(), 2, "exactly one step recorded");
}
