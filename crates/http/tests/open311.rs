//! Open311 GeoReport v2 over HTTP, on SQLite and on PostgreSQL: discovery,
//! services from the catalogue, posting requests with an API key, reading
//! them back in JSON and XML, the spec's filters, pages and the timeline
//! as notes; and a real Open311 client library from PyPI talking to the
//! server.

mod common;

use chrono::Duration;
use common::{Backend, OPEN311_KEY, Server, WEST, WEST_GRID, at};
use gongzhi_domain::catalogue::Catalogue;
use serde_json::{Value, json};

on_both_backends!(
    discovery_names_the_endpoint_and_its_formats,
    services_are_the_catalogue_in_force,
    posting_needs_a_valid_key_and_a_known_service,
    a_posted_request_becomes_an_open311_event,
    a_request_reads_back_in_json_and_xml,
    a_finished_event_is_a_closed_request,
    requests_are_filtered_as_the_spec_says,
    pages_and_extensions_follow_the_common_conventions,
);

const POINT_LAT: &str = "23.365";
const POINT_LONG: &str = "116.705";

/// Every code of the built-in catalogue, classes before their categories.
fn catalogue_codes() -> Vec<String> {
    Catalogue::built_in()
        .categories()
        .map(|c| c.code.clone())
        .collect()
}

/// GET `path`: status, content type and body.
async fn fetch(s: &Server, path: &str) -> (u16, String, String) {
    let response = s
        .client
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

/// GET a `.json` path.
async fn get_json(s: &Server, path: &str) -> (u16, Value) {
    let (status, content_type, body) = fetch(s, path).await;
    assert_eq!(content_type, "application/json; charset=utf-8", "{path}");
    (status, serde_json::from_str(&body).unwrap())
}

/// GET a `.xml` path; the body must be well-formed XML.
async fn get_xml(s: &Server, path: &str) -> (u16, String) {
    let (status, content_type, body) = fetch(s, path).await;
    assert_eq!(content_type, "text/xml; charset=utf-8", "{path}");
    assert!(
        body.starts_with(r#"<?xml version="1.0" encoding="utf-8"?>"#),
        "{body}"
    );
    roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, body)
}

/// POST `form`, form-encoded, to a `.json` path.
async fn post_form(s: &Server, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = s
        .client
        .post(format!("{}{path}", s.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The texts of every element named `name`, in document order (empty
/// elements give "").
fn texts(xml: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name(name))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

/// The root element's name.
fn root(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.root_element().tag_name().name().to_owned()
}

/// A valid request for rubbish at the west grid's point, with `extra`.
fn rubbish<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("api_key", OPEN311_KEY),
        ("service_code", "0102"),
        ("lat", POINT_LAT),
        ("long", POINT_LONG),
        ("address_string", "金砂路 88 号"),
        ("first_name", "小明"),
        ("last_name", "王"),
        ("phone", "13812345678"),
        ("email", "wang@example.com"),
        ("description", "小区门口垃圾堆积，无人清理\n已持续三天"),
    ];
    form.extend_from_slice(extra);
    form
}

/// Posts `form`, expecting success; returns the request's number.
async fn post_request(s: &Server, form: &[(&str, &str)]) -> String {
    let (status, v) = post_form(s, "/open311/v2/requests.json", form).await;
    assert_eq!(status, 200, "{v}");
    v[0]["service_request_id"].as_str().unwrap().to_owned()
}

/// The numbers a `requests.json` query lists.
async fn listed(s: &Server, query: &str) -> Vec<String> {
    let (status, v) = get_json(s, &format!("/open311/v2/requests.json{query}")).await;
    assert_eq!(status, 200, "{query}: {v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The error list of a failed JSON request, which must have `status`.
async fn json_error(s: &Server, path: &str, status: u16) -> String {
    let (got, v) = get_json(s, path).await;
    assert_eq!(got, status, "{path}: {v}");
    assert_eq!(v[0]["code"], status, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    v[0]["description"].as_str().unwrap().to_owned()
}

async fn discovery_names_the_endpoint_and_its_formats(s: Server) {
    let (status, d) = get_json(&s, "/open311/v2/discovery.json").await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        d["changeset"], "2026-03-01T09:00:00+08:00",
        "when the catalogue in force was saved"
    );
    assert_eq!(
        d["endpoints"],
        json!([{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{}/open311/v2", s.base),
            "changeset": "2026-03-01T09:00:00+08:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }])
    );
    assert!(d["contact"].as_str().is_some_and(|c| !c.is_empty()), "{d}");
    assert!(
        d["key_service"].as_str().is_some_and(|k| !k.is_empty()),
        "{d}"
    );

    let (status, xml) = get_xml(&s, "/open311/v2/discovery.xml").await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(root(&xml), "discovery");
    assert_eq!(texts(&xml, "format"), ["application/json", "text/xml"]);
    assert_eq!(texts(&xml, "url"), [format!("{}/open311/v2", s.base)]);
    assert_eq!(texts(&xml, "type"), ["production"]);
}

async fn services_are_the_catalogue_in_force(s: Server) {
    let (status, list) = get_json(&s, "/open311/v2/services.json").await;
    assert_eq!(status, 200, "{list}");
    let services = list.as_array().unwrap();
    let codes: Vec<&str> = services
        .iter()
        .map(|x| x["service_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, catalogue_codes());
    let rubbish = services
        .iter()
        .find(|x| x["service_code"] == "0102")
        .unwrap();
    assert_eq!(rubbish["service_name"], "暴露垃圾");
    assert_eq!(rubbish["group"], "市容环境", "the class's name");
    assert_eq!(rubbish["keywords"], "Exposed rubbish");
    assert_eq!(rubbish["metadata"], false);
    assert_eq!(rubbish["type"], "realtime");
    assert!(
        rubbish["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    let class = &services[0];
    assert_eq!(
        (&class["service_code"], &class["group"]),
        (&json!("01"), &json!("市容环境"))
    );

    let (status, xml) = get_xml(&s, "/open311/v2/services.xml").await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(root(&xml), "services");
    assert_eq!(texts(&xml, "service_code"), catalogue_codes());
    assert_eq!(texts(&xml, "service").len(), catalogue_codes().len());
    assert_eq!(texts(&xml, "group")[2], "市容环境");

    let (status, definition) = get_json(&s, "/open311/v2/services/0102.json").await;
    assert_eq!(status, 200, "{definition}");
    assert_eq!(
        definition,
        json!({"service_code": "0102", "attributes": []})
    );
    let (status, xml) = get_xml(&s, "/open311/v2/services/0102.xml").await;
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.ends_with(
            "<service_definition><service_code>0102</service_code><attributes/></service_definition>"
        ),
        "{xml}"
    );

    let why = json_error(&s, "/open311/v2/services/9999.json", 404).await;
    assert_eq!(why, "service_code 9999 was not found");
    let (status, xml) = get_xml(&s, "/open311/v2/services/9999.xml").await;
    assert_eq!(status, 404);
    assert_eq!(root(&xml), "errors");
    assert_eq!(texts(&xml, "code"), ["404"]);
    assert_eq!(
        texts(&xml, "description"),
        ["service_code 9999 was not found"]
    );

    let (status, xml) = get_xml(&s, "/open311/v2/services.yaml").await;
    assert_eq!(status, 400, "{xml}");
    assert_eq!(texts(&xml, "code"), ["400"]);
    assert_eq!(
        texts(&xml, "description"),
        ["format yaml is not supported: use json or xml"]
    );
    let why = json_error(&s, "/open311/v2/nothing.json", 404).await;
    assert_eq!(why, "nothing is not a GeoReport v2 resource");
}

async fn posting_needs_a_valid_key_and_a_known_service(s: Server) {
    let path = "/open311/v2/requests.json";
    let without_key: Vec<_> = rubbish(&[]).into_iter().skip(1).collect();
    let (status, v) = post_form(&s, path, &without_key).await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(
        v,
        json!([{"code": 403, "description": "api_key was not provided -- can't proceed with create_request."}])
    );
    let mut wrong_key = without_key.clone();
    wrong_key.push(("api_key", "guessed"));
    let (status, v) = post_form(&s, path, &wrong_key).await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(
        v,
        json!([{"code": 403, "description": "Invalid api_key received -- can't proceed with create_request."}])
    );
    assert!(!v.to_string().contains("guessed"), "the key is not echoed");
    let response = s
        .client
        .post(format!("{}/open311/v2/requests.xml", s.base))
        .form(&wrong_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let xml = response.text().await.unwrap();
    assert_eq!(root(&xml), "errors");
    assert_eq!(texts(&xml, "code"), ["403"]);

    let mut unknown = rubbish(&[]);
    unknown[1] = ("service_code", "9999");
    let (status, v) = post_form(&s, path, &unknown).await;
    assert_eq!(status, 404, "{v}");
    assert_eq!(
        v,
        json!([{"code": 404, "description": "service_code 9999 was not found"}])
    );
    let cases: [(Vec<(&str, &str)>, &str); 4] = [
        (
            rubbish(&[])
                .into_iter()
                .filter(|(k, _)| *k != "service_code")
                .collect(),
            "service_code was not provided",
        ),
        (
            rubbish(&[])
                .into_iter()
                .filter(|(k, _)| *k != "long")
                .collect(),
            "lat and long must be sent together",
        ),
        (
            rubbish(&[])
                .into_iter()
                .filter(|(k, _)| !["lat", "long", "address_string"].contains(k))
                .collect(),
            "a location is required: lat and long, or address_string",
        ),
        (
            rubbish(&[("lat", "north")]),
            "lat \"north\" is not a number",
        ),
    ];
    for (form, why) in cases {
        let (status, v) = post_form(&s, path, &form).await;
        assert_eq!(
            (status, v),
            (400, json!([{"code": 400, "description": why}]))
        );
    }
    let (status, v) = s.get("/api/v1/events", "operator").await;
    assert_eq!(
        (status, &v["total"]),
        (200, &json!(0)),
        "nothing was created: {v}"
    );
}

async fn a_posted_request_becomes_an_open311_event(s: Server) {
    let (status, v) = post_form(
        &s,
        "/open311/v2/requests.json",
        &rubbish(&[("account_id", "acct-7"), ("device_id", "d-1")]),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let created = &v[0];
    let number = created["service_request_id"].as_str().unwrap();
    assert_eq!(created["account_id"], "acct-7");
    assert!(
        created["service_notice"]
            .as_str()
            .unwrap()
            .starts_with("Received: the command centre accepts it by 2026-03-02T"),
        "{created}"
    );
    assert!(
        created.get("token").is_none(),
        "a realtime service returns the id, no token"
    );

    let (status, event) = s.get(&format!("/api/v1/events/{number}"), "operator").await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["channel"], "open311");
    assert_eq!(event["grid"], WEST_GRID);
    assert_eq!(event["category"], "0102");
    assert_eq!(event["title"], "小区门口垃圾堆积，无人清理");
    assert_eq!(
        event["description"],
        "小区门口垃圾堆积，无人清理\n已持续三天"
    );
    assert_eq!(event["address"], "金砂路 88 号");
    assert_eq!(event["location"], json!({"lng": 116.705, "lat": 23.365}));
    assert_eq!(
        event["reporter"],
        json!({"name": "王**", "phone": "138****5678"})
    );
    assert_eq!(
        s.reveal(number).await,
        json!({"name": "王小明", "phone": "13812345678"})
    );
    let (status, timeline) = s
        .get(&format!("/api/v1/events/{number}/timeline"), "operator")
        .await;
    assert_eq!(status, 200);
    let actor = timeline["items"][0]["actor"].as_str().unwrap();
    assert!(actor.starts_with("open311:"), "{actor}");
    assert!(!actor.contains(OPEN311_KEY), "{actor}");
    assert_eq!(timeline["items"][0]["role"], "citizen");

    let (status, token) = get_json(&s, &format!("/open311/v2/tokens/{number}.json")).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(
        token,
        json!([{"service_request_id": number, "token": number}])
    );
    let (status, xml) = get_xml(&s, &format!("/open311/v2/tokens/{number}.xml")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&xml, "service_request_id"), [number]);
    let why = json_error(&s, "/open311/v2/tokens/nope.json", 404).await;
    assert_eq!(why, "service_request_id nope was not found");

    // A JSON body, the key in the query string (as older clients send
    // it), and an address without a point.
    let response = s
        .client
        .post(format!(
            "{}/open311/v2/requests.xml?api_key={OPEN311_KEY}",
            s.base
        ))
        .json(&json!({
            "service_code": "0201",
            "address_string": "金砂路口",
            "description": "",
            "media_url": "https://example.com/a.jpg",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let xml = response.text().await.unwrap();
    assert_eq!(root(&xml), "service_requests");
    assert_eq!(texts(&xml, "account_id"), [""]);
    assert_eq!(
        texts(&xml, "service_notice"),
        ["Received: the command centre places it on the map by hand."]
    );
    let second = texts(&xml, "service_request_id").remove(0);
    let (_, event) = s.get(&format!("/api/v1/events/{second}"), "operator").await;
    assert_eq!(event["channel"], "open311");
    assert_eq!(event["outside"], true, "{event}");
    assert_eq!(event["title"], "非法小广告", "the service's name");
    assert_eq!(event["description"], "media_url: https://example.com/a.jpg");
    assert_eq!(event["reporter"], json!({}), "anonymous");
}

async fn a_request_reads_back_in_json_and_xml(s: Server) {
    let number = post_request(&s, &rubbish(&[])).await;
    let (status, v) = get_json(&s, &format!("/open311/v2/requests/{number}.json")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v,
        json!([{
            "service_request_id": number,
            "status": "open",
            "status_notes": null,
            "service_name": "暴露垃圾",
            "service_code": "0102",
            "description": "小区门口垃圾堆积，无人清理\n已持续三天",
            "agency_responsible": null,
            "service_notice": null,
            "requested_datetime": "2026-03-02T09:00:00+08:00",
            "updated_datetime": "2026-03-02T09:00:00+08:00",
            "expected_datetime": null,
            "address": "金砂路 88 号",
            "address_id": null,
            "zipcode": null,
            "lat": 23.365,
            "long": 116.705,
            "media_url": null,
        }])
    );
    let (status, xml) = get_xml(&s, &format!("/open311/v2/requests/{number}.xml")).await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(root(&xml), "service_requests");
    assert_eq!(texts(&xml, "request").len(), 1);
    assert_eq!(texts(&xml, "service_request_id"), [number.as_str()]);
    assert_eq!(texts(&xml, "status"), ["open"]);
    assert_eq!(texts(&xml, "status_notes"), [""]);
    assert_eq!(texts(&xml, "service_name"), ["暴露垃圾"]);
    assert_eq!(texts(&xml, "service_code"), ["0102"]);
    assert_eq!(
        texts(&xml, "description"),
        ["小区门口垃圾堆积，无人清理\n已持续三天"]
    );
    assert_eq!(
        texts(&xml, "requested_datetime"),
        ["2026-03-02T09:00:00+08:00"]
    );
    assert_eq!(texts(&xml, "address"), ["金砂路 88 号"]);
    assert_eq!(texts(&xml, "lat"), [POINT_LAT]);
    assert_eq!(texts(&xml, "long"), [POINT_LONG]);
    for body in [v.to_string(), xml] {
        for private in ["13812345678", "王小明", "wang@example.com"] {
            assert!(!body.contains(private), "{private} leaked: {body}");
        }
    }
    let why = json_error(&s, "/open311/v2/requests/20260302-999999.json", 404).await;
    assert_eq!(why, "service_request_id 20260302-999999 was not found");
    let (status, xml) = get_xml(&s, "/open311/v2/requests/20260302-999999.xml").await;
    assert_eq!((status, texts(&xml, "code")), (404, vec!["404".to_owned()]));
}

async fn a_finished_event_is_a_closed_request(s: Server) {
    let number = post_request(&s, &rubbish(&[])).await;
    s.set_time(at(2, 9, 20));
    s.step(
        &number,
        "grid_worker",
        None,
        json!({"action": "resolve_on_spot", "note": "已清理完毕"}),
    )
    .await;
    s.set_time(at(2, 10, 0));
    s.step(
        &number,
        "citizen",
        None,
        json!({"action": "evaluate", "satisfaction": 5}),
    )
    .await;
    let (status, v) = get_json(&s, &format!("/open311/v2/requests/{number}.json")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["status"], "closed");
    assert_eq!(v[0]["status_notes"], "已清理完毕", "the last note given");
    assert_eq!(
        v[0]["updated_datetime"], "2026-03-02T09:20:00+08:00",
        "a closed request's update is its closing"
    );

    // Dispatched: the department answers for it, by the handling deadline.
    let reported = s.report("citizen", "0102", WEST, "垃圾").await;
    let dispatched = reported["event"]["number"].as_str().unwrap();
    let e = s
        .walk(
            dispatched,
            &[
                ("operator", None, json!({"action": "accept"})),
                ("operator", None, json!({"action": "dispatch"})),
            ],
        )
        .await;
    let (_, v) = get_json(&s, &format!("/open311/v2/requests/{dispatched}.json")).await;
    assert_eq!(v[0]["status"], "open");
    assert_eq!(v[0]["agency_responsible"], "龙湖区城市管理和综合执法局");
    assert_eq!(v[0]["expected_datetime"], e["due_at"], "{e}");
    assert_eq!(v[0]["updated_datetime"], "2026-03-02T10:00:00+08:00");

    // A photo is the request's media.
    let png = b"\x89PNG\r\n\x1a\n-a-tiny-photo".to_vec();
    let stored: Value = s
        .client
        .post(format!("{}/api/v1/attachments", s.base))
        .bearer_auth(common::token_of("citizen", None))
        .body(png)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = stored["id"].as_str().unwrap();
    let with_photo =
        json!({"category": "0102", "title": "t", "address": "金砂路", "attachments": [id]});
    let (status, e) = s.post("/api/v1/events", "citizen", None, &with_photo).await;
    assert_eq!(status, 201, "{e}");
    let photographed = e["event"]["number"].as_str().unwrap();
    let (_, v) = get_json(&s, &format!("/open311/v2/requests/{photographed}.json")).await;
    assert_eq!(
        v[0]["media_url"],
        format!("{}/api/v1/attachments/{id}", s.base)
    );
    assert_eq!((&v[0]["lat"], &v[0]["long"]), (&Value::Null, &Value::Null));
}

async fn requests_are_filtered_as_the_spec_says(s: Server) {
    let first = post_request(&s, &rubbish(&[])).await;
    s.set_time(at(2, 10, 0));
    let adverts = post_request(&s, &rubbish(&[("service_code", "0201")])).await;
    s.set_time(at(2, 11, 0));
    let closed = post_request(&s, &rubbish(&[])).await;
    s.step(
        &closed,
        "grid_worker",
        None,
        json!({"action": "resolve_on_spot", "note": "已清理"}),
    )
    .await;
    s.set_time(at(3, 9, 0));
    let all = vec![closed.clone(), adverts.clone(), first.clone()];

    assert_eq!(listed(&s, "").await, all, "newest first");
    assert_eq!(
        listed(&s, "?service_code=0102").await,
        [closed.as_str(), first.as_str()]
    );
    assert_eq!(
        listed(&s, "?service_code=02").await,
        [adverts.as_str()],
        "a class covers its categories"
    );
    assert_eq!(listed(&s, "?service_code=0102,0201").await, all);
    assert_eq!(listed(&s, "?status=closed").await, [closed.as_str()]);
    assert_eq!(
        listed(&s, "?status=open").await,
        [adverts.as_str(), first.as_str()]
    );
    assert_eq!(
        listed(&s, "?status=open,closed&jurisdiction_id=").await,
        all
    );
    assert_eq!(
        listed(&s, "?start_date=2026-03-02T01:30:00Z").await,
        [closed.as_str(), adverts.as_str()],
        "09:30 in China"
    );
    assert_eq!(
        listed(
            &s,
            "?start_date=2026-03-02T00:00:00%2B08:00&end_date=2026-03-02T02:00:00Z"
        )
        .await,
        [adverts.as_str(), first.as_str()],
        "the end is included"
    );
    assert_eq!(
        listed(
            &s,
            &format!("?service_request_id={first},nope,{closed}&status=closed")
        )
        .await,
        [first.as_str(), closed.as_str()],
        "ids override every other argument"
    );
    let (status, xml) = get_xml(&s, "/open311/v2/requests.xml?status=closed").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&xml, "service_request_id"), [closed.as_str()]);
    assert_eq!(texts(&xml, "status"), ["closed"]);

    // By default only the last 90 days.
    s.set_time(at(2, 10, 30) + Duration::days(90));
    assert_eq!(listed(&s, "").await, [closed.as_str()]);
    assert_eq!(listed(&s, "?start_date=2026-03-02").await, all);

    for (query, why) in [
        ("status=pending", "status \"pending\" is not open or closed"),
        (
            "start_date=yesterday",
            "start_date \"yesterday\" is not a W3C date-time such as 2026-03-01T00:00:00Z or 2026-03-01T08:00:00+08:00",
        ),
        (
            "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            "start_date to end_date spans more than 90 days",
        ),
        (
            "start_date=2026-03-02T00:00:00Z&end_date=2026-03-01T00:00:00Z",
            "end_date is before start_date",
        ),
        (
            "service_code=01%25",
            "service_code \"01%\" is not a service code such as 01 or 0102",
        ),
    ] {
        let got = json_error(&s, &format!("/open311/v2/requests.json?{query}"), 400).await;
        assert_eq!(got, why, "{query}");
    }
}

async fn pages_and_extensions_follow_the_common_conventions(s: Server) {
    let first = post_request(&s, &rubbish(&[])).await;
    s.set_time(at(2, 10, 0));
    let second = post_request(&s, &rubbish(&[])).await;
    s.set_time(at(2, 11, 0));
    let third = post_request(&s, &rubbish(&[])).await;
    s.set_time(at(2, 11, 30));
    s.step(
        &third,
        "grid_worker",
        None,
        json!({"action": "resolve_on_spot", "note": "已清理 <完毕> & 拍照"}),
    )
    .await;

    assert_eq!(
        listed(&s, "?page_size=2").await,
        [third.as_str(), second.as_str()]
    );
    assert_eq!(listed(&s, "?page_size=2&page=2").await, [first.as_str()]);
    assert!(listed(&s, "?page_size=2&page=3").await.is_empty());
    let why = json_error(&s, "/open311/v2/requests.json?page=0", 400).await;
    assert_eq!(why, "page \"0\" is not a whole number from 1 to 1000000");
    let why = json_error(&s, "/open311/v2/requests.json?page_size=1001", 400).await;
    assert_eq!(
        why,
        "page_size \"1001\" is not a whole number from 1 to 1000"
    );

    let (_, plain) = get_json(&s, "/open311/v2/requests.json?page_size=1").await;
    assert!(plain[0].get("notes").is_none(), "{plain}");
    assert!(plain[0].get("extended_attributes").is_none(), "{plain}");
    let (status, v) = get_json(&s, "/open311/v2/requests.json?extensions=true&page_size=1").await;
    assert_eq!(status, 200, "{v}");
    let request = &v[0];
    assert_eq!(request["service_request_id"], third.as_str());
    assert_eq!(
        request["extended_attributes"],
        json!({"channel": "open311", "state": "closed"})
    );
    assert_eq!(
        request["notes"],
        json!([
            {"datetime": "2026-03-02T11:00:00+08:00", "summary": "Request opened",
             "description": null, "type": "opened"},
            {"datetime": "2026-03-02T11:30:00+08:00", "summary": "Resolve on spot",
             "description": "已清理 <完毕> & 拍照", "type": "closed"},
        ])
    );
    let (status, xml) = get_xml(&s, "/open311/v2/requests.xml?extensions=true&page_size=1").await;
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains("已清理 &lt;完毕&gt; &amp; 拍照"),
        "escaped: {xml}"
    );
    assert_eq!(texts(&xml, "type"), ["opened", "closed"]);
    assert_eq!(texts(&xml, "channel"), ["open311"]);
    assert_eq!(
        texts(&xml, "description")[1..],
        ["", "已清理 <完毕> & 拍照"],
        "after the request's own description"
    );
}

/// The Python interpreter that has the Open311 client library, from
/// `GONGZHI_OPEN311_CLIENT` (see `.ci/run`).
fn client_python() -> Option<String> {
    let python = std::env::var("GONGZHI_OPEN311_CLIENT").ok();
    if python.is_none() {
        gongzhi_testkit::skip(
            "GONGZHI_OPEN311_CLIENT is not set (a Python with georeport from PyPI, \
             as .ci/run installs it); the real Open311 client did not run",
        );
    }
    python
}

#[tokio::test]
async fn a_real_open311_client_lists_posts_and_reads_back() {
    let Some(python) = client_python() else {
        return;
    };
    let s = Server::start(Backend::Sqlite).await.unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/open311_client/client.py");
    let out = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(format!("{}/open311/v2", s.base))
        .arg(OPEN311_KEY)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{python} did not run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(seen["library"], "georeport 0.3.1");
    assert_eq!(seen["service_codes"], json!(catalogue_codes()));
    assert_eq!(seen["xml_service_codes"], json!(catalogue_codes()));
    assert_eq!(
        seen["definition"],
        json!({"service_code": "0102", "attributes": []})
    );
    assert_eq!(
        seen["xml_definition"],
        json!({"service_code": "0102", "attributes": null})
    );
    let number = seen["created"][0]["service_request_id"].as_str().unwrap();
    let request = &seen["request"];
    assert_eq!(request["service_request_id"], number);
    assert_eq!(request["status"], "open");
    assert_eq!(request["service_code"], "0102");
    assert_eq!(request["service_name"], "暴露垃圾");
    assert_eq!(
        request["description"],
        "Rubbish left at the gate of the estate"
    );
    assert_eq!(
        (&request["lat"], &request["long"]),
        (&json!(23.365), &json!(116.705))
    );
    let xml_request = &seen["xml_request"];
    assert_eq!(xml_request["service_request_id"], number);
    assert_eq!(xml_request["status"], "open");
    assert_eq!(xml_request["lat"], POINT_LAT);
    assert_eq!(xml_request["long"], POINT_LONG);
    assert_eq!(seen["listed"], json!([number]));
    let (status, event) = s.get(&format!("/api/v1/events/{number}"), "operator").await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["channel"], "open311");
    assert_eq!(event["grid"], WEST_GRID);
    assert_eq!(
        event["reporter"],
        json!({"name": "王**", "phone": "138****5678"})
    );
    assert_eq!(
        s.reveal(number).await,
        json!({"name": "王小明", "phone": "13812345678"})
    );
}
