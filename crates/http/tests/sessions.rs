//! Signing in through the API: an administrator creates a user, who signs
//! in with the one-time password, must change it, is locked out after five
//! failures, needs the CSRF token for changes, and is signed out after 30
//! idle minutes; a citizen signs in with a code; a revoked API token stops
//! working; bad tokens and cookies are refused.

mod common;

use chrono::Duration;
use common::{Server, at};
use gongzhi_domain::audit::AuditKind;
use serde_json::{Value, json};

async fn send(r: reqwest::RequestBuilder) -> (u16, Value, Option<String>) {
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        cookie,
    )
}

fn url(s: &Server, path: &str) -> String {
    format!("{}{path}", s.base)
}

async fn sign_in(s: &Server, login: &str, password: &str) -> (u16, Value, Option<String>) {
    send(
        s.client
            .post(url(s, "/api/v1/session"))
            .json(&json!({"login": login, "password": password})),
    )
    .await
}

/// Who the session `cookie` belongs to.
async fn me(s: &Server, cookie: &str) -> (u16, Value, Option<String>) {
    send(
        s.client
            .get(url(s, "/api/v1/session"))
            .header("cookie", cookie),
    )
    .await
}

async fn staff_sign_in_lockout_csrf_and_idle(s: Server) {
    for path in ["/api/v1/session", "/healthz", "/api/docs/", "/no/such/page"] {
        let r = s.client.get(url(&s, path)).send().await.unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("unsafe-eval")
                && !csp
                    .split("style-src")
                    .next()
                    .unwrap()
                    .contains("unsafe-inline")
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{path}");
    }
    let new_user = json!({"id": "li.na", "name": "李娜", "role": "operator", "region": "440507"});
    let (status, created) = s.post("/api/v1/users", "operator", None, &new_user).await;
    assert_eq!(status, 403, "only administrators create users: {created}");
    let (status, created) = s.post("/api/v1/users", "admin", None, &new_user).await;
    assert_eq!(status, 201, "{created}");
    let password = created["one_time_password"].as_str().unwrap().to_owned();
    let (status, again) = s.post("/api/v1/users", "admin", None, &new_user).await;
    assert_eq!(status, 409, "{again}");

    let (status, e, _) = sign_in(&s, "li.na", "wrong-password").await;
    assert_eq!((status, e["code"].as_str()), (401, Some("bad_credentials")));
    let (status, e, _) = sign_in(&s, "nobody", &password).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (401, Some("bad_credentials")),
        "an unknown login reads like a wrong password"
    );
    let (status, opened, cookie) = sign_in(&s, "li.na", &password).await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["must_change_password"], true);
    let cookie = cookie.unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let session = cookie.split(';').next().unwrap().to_owned();
    let csrf = opened["csrf_token"].as_str().unwrap().to_owned();

    let (status, who, _) = me(&s, &session).await;
    assert_eq!(
        (
            status,
            who["user"]["id"].as_str(),
            who["user"]["region"].as_str()
        ),
        (200, Some("li.na"), Some("440507"))
    );
    assert_eq!(
        (&who["csrf_token"], &who["must_change_password"]),
        (&json!(csrf), &json!(true)),
        "a reloaded page gets the session's CSRF token again"
    );

    let report = json!({"category": "0102", "title": "t", "address": "金砂路"});
    let (status, e, _) = send(
        s.client
            .post(url(&s, "/api/v1/events"))
            .header("cookie", &session)
            .json(&report),
    )
    .await;
    assert_eq!(status, 403, "a change without the CSRF token: {e}");
    let (status, e, _) = send(
        s.client
            .post(url(&s, "/api/v1/events"))
            .header("cookie", &session)
            .header("x-csrf-token", "forged")
            .json(&report),
    )
    .await;
    assert_eq!(status, 403, "a forged CSRF token: {e}");
    let (status, e, _) = send(
        s.client
            .post(url(&s, "/api/v1/events"))
            .header("cookie", &session)
            .header("x-csrf-token", &csrf)
            .json(&report),
    )
    .await;
    assert_eq!(status, 201, "{e}");

    let weak = json!({"old_password": password, "new_password": "short"});
    let (status, e, _) = send(
        s.client
            .put(url(&s, "/api/v1/session/password"))
            .header("cookie", &session)
            .header("x-csrf-token", &csrf)
            .json(&weak),
    )
    .await;
    assert_eq!(
        (status, e["details"]["field"].as_str()),
        (422, Some("new_password"))
    );
    let strong = json!({"old_password": password, "new_password": "Gongzhi-2026!"});
    let (status, e, _) = send(
        s.client
            .put(url(&s, "/api/v1/session/password"))
            .header("cookie", &session)
            .header("x-csrf-token", &csrf)
            .json(&strong),
    )
    .await;
    assert_eq!(status, 204, "{e}");
    let (status, _, _) = me(&s, &session).await;
    assert_eq!(status, 401, "a password change ends the sessions");

    let (status, opened, cookie) = sign_in(&s, "li.na", "Gongzhi-2026!").await;
    assert_eq!(
        (status, &opened["must_change_password"]),
        (200, &json!(false))
    );
    let session = cookie.unwrap().split(';').next().unwrap().to_owned();
    s.set_time(at(2, 9, 29));
    let (status, _, _) = me(&s, &session).await;
    assert_eq!(status, 200, "29 minutes idle");
    s.set_time(at(2, 9, 29) + Duration::minutes(31));
    let (status, e, _) = me(&s, &session).await;
    assert_eq!((status, e["code"].as_str()), (401, Some("unauthenticated")));

    for _ in 0..4 {
        let (status, _, _) = sign_in(&s, "li.na", "Wrong-password-1").await;
        assert_eq!(status, 401);
    }
    let (status, e, _) = sign_in(&s, "li.na", "Wrong-password-1").await;
    assert_eq!((status, e["code"].as_str()), (423, Some("account_locked")));
    let (status, _, _) = sign_in(&s, "li.na", "Gongzhi-2026!").await;
    assert_eq!(status, 423, "locked even with the right password");
    s.set_time(at(2, 10, 0) + Duration::minutes(16));
    let (status, _, cookie) = sign_in(&s, "li.na", "Gongzhi-2026!").await;
    assert_eq!(status, 200, "unlocked after 15 minutes");
    let session = cookie.unwrap().split(';').next().unwrap().to_owned();

    let change = json!({"name": "李娜", "role": "leader", "region": "440507"});
    let (status, e) = s.put("/api/v1/users/li.na", "operator", &change).await;
    assert_eq!(status, 403, "{e}");
    let (status, changed) = s.put("/api/v1/users/li.na", "admin", &change).await;
    assert_eq!(
        (status, &changed["role"]),
        (200, &json!("leader")),
        "{changed}"
    );
    let (status, _, _) = me(&s, &session).await;
    assert_eq!(status, 401, "a changed user signs in again");
    let (status, opened, _) = sign_in(&s, "li.na", "Gongzhi-2026!").await;
    assert_eq!((status, &opened["user"]["role"]), (200, &json!("leader")));
    let mut disable = change.clone();
    disable["disabled"] = json!(true);
    let (status, _) = s.put("/api/v1/users/li.na", "admin", &disable).await;
    assert_eq!(status, 200);
    let (status, _, _) = sign_in(&s, "li.na", "Gongzhi-2026!").await;
    assert_eq!(status, 401, "a disabled user cannot sign in");
    let head = s.store.audit_head().await.unwrap();
    let entries = s.store.audit_entries(0, head.seq as u32).await.unwrap();
    let kinds = |kind: AuditKind| {
        entries
            .iter()
            .filter(|e| e.record.kind == kind && e.record.subject == "li.na")
            .count()
    };
    assert_eq!(
        kinds(AuditKind::Permission),
        4,
        "created, password, role, disabled"
    );
    assert!(kinds(AuditKind::LoginFailed) >= 7 && kinds(AuditKind::Login) == 4);
    let role_change = entries
        .iter()
        .find(|e| e.record.detail.contains("\"leader\""))
        .unwrap();
    assert!(
        role_change.record.detail.contains("\"before\""),
        "{role_change:?}"
    );

    for (cookie, what) in [
        ("gongzhi_session=not-a-session", "an unknown session"),
        ("gongzhi_session=", "an empty session"),
    ] {
        let (status, _, _) = send(
            s.client
                .get(url(&s, "/api/v1/events"))
                .header("cookie", cookie),
        )
        .await;
        assert_eq!(status, 401, "{what}");
    }
}

async fn citizens_sign_in_with_a_code_and_tokens_are_revocable(s: Server) {
    let phone = "13600001111";
    let code_request = json!({"phone": phone});
    let (status, e, _) = send(
        s.client
            .post(url(&s, "/api/v1/session/code"))
            .json(&json!({"phone": "12345"})),
    )
    .await;
    assert_eq!(
        (status, e["details"]["field"].as_str()),
        (422, Some("phone"))
    );
    let (status, _, _) = send(
        s.client
            .post(url(&s, "/api/v1/session/code"))
            .json(&code_request),
    )
    .await;
    assert_eq!(status, 202);
    let (status, _, _) = send(
        s.client
            .post(url(&s, "/api/v1/session/code"))
            .json(&code_request),
    )
    .await;
    assert_eq!(status, 429, "one code a minute");
    let (to, code) = s.outbox.lock().unwrap().last().cloned().unwrap();
    assert_eq!(to, phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, _, _) = send(
        s.client
            .post(url(&s, "/api/v1/session/citizen"))
            .json(&json!({"phone": phone, "code": wrong})),
    )
    .await;
    assert_eq!(status, 401);
    let (status, opened, cookie) = send(
        s.client
            .post(url(&s, "/api/v1/session/citizen"))
            .json(&json!({"phone": phone, "code": code})),
    )
    .await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["user"]["role"], "citizen");
    assert!(cookie.is_some());
    let (status, _, _) = send(
        s.client
            .post(url(&s, "/api/v1/session/citizen"))
            .json(&json!({"phone": phone, "code": code})),
    )
    .await;
    assert_eq!(status, 401, "a code is used once");

    let (status, issued) = s
        .post(
            "/api/v1/tokens",
            "admin",
            None,
            &json!({"user": "operator-1", "name": "12345 热线"}),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let token = issued["token"].as_str().unwrap();
    let list = |t: &str| {
        s.client
            .get(url(&s, "/api/v1/events"))
            .bearer_auth(t.to_owned())
    };
    assert_eq!(send(list(token)).await.0, 200);
    let (status, _) = s
        .post(
            &format!("/api/v1/tokens/{}/x", issued["id"].as_str().unwrap()),
            "admin",
            None,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let revoked = s
        .client
        .delete(url(
            &s,
            &format!("/api/v1/tokens/{}", issued["id"].as_str().unwrap()),
        ))
        .bearer_auth(common::token_of("admin", None))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 204);
    assert_eq!(send(list(token)).await.0, 401, "a revoked token");
    for bad in ["gz_forged", "' OR 1=1 --", "../../etc/passwd"] {
        assert_eq!(send(list(bad)).await.0, 401, "token {bad:?}");
    }
    assert_eq!(send(list("")).await.0, 400, "an empty bearer token");
    let (status, _, _) = send(
        s.client
            .get(url(&s, "/api/v1/events"))
            .header("authorization", "Basic YWRtaW46YWRtaW4="),
    )
    .await;
    assert_eq!(status, 400, "only bearer tokens are read");
}

async fn one_address_may_try_30_sign_ins_a_minute(s: Server) {
    for i in 0..30 {
        let (status, _, _) = sign_in(&s, &format!("nobody-{i}"), "Wrong-password-1").await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let resp = s
        .client
        .post(url(&s, "/api/v1/session"))
        .json(&json!({"login": "nobody", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    let (status, _) = s.get("/api/v1/events", "operator").await;
    assert_eq!(status, 200, "other endpoints are not limited");
}

on_both_backends!(
    staff_sign_in_lockout_csrf_and_idle,
    citizens_sign_in_with_a_code_and_tokens_are_revocable,
    one_address_may_try_30_sign_ins_a_minute
);
