//! Personal data at rest: after reports with names, phone numbers and
//! identity card numbers, and a staff user with a phone, the raw database
//! (every byte of the SQLite files, every row of every PostgreSQL table as
//! text) holds none of them in plain text, while the API, to a role that
//! may, still reveals them.

mod common;

use common::{CITIZEN_PHONE, Server, WEST, add_user_with};
use serde_json::json;
use sqlx::Row;

const NAME: &str = "欧阳明远";
const ID_NUMBER: &str = "11010519491231002X";
const STAFF_PHONE: &str = "13712345678";

/// Everything the database holds, as text.
async fn raw_database(s: &Server) -> String {
    if let Some(path) = s.url.strip_prefix("sqlite://") {
        // Flush the write-ahead log into the file, then read both.
        let pool = sqlx::SqlitePool::connect(&s.url).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let pool = sqlx::PgPool::connect(&s.url).await.unwrap();
    let tables: Vec<String> =
        sqlx::query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    assert!(tables.contains(&"events".to_owned()), "{tables:?}");
    let mut text = String::new();
    for table in tables {
        let statement = format!("SELECT t::text FROM \"{table}\" AS t");
        for row in sqlx::query(sqlx::AssertSqlSafe(statement))
            .fetch_all(&pool)
            .await
            .unwrap()
        {
            text.push_str(&row.get::<String, _>(0));
            text.push('\n');
        }
    }
    text
}

async fn no_plain_personal_data_at_rest(s: Server) {
    add_user_with(
        s.store.as_ref(),
        "staff-with-phone",
        "operator",
        Some("4405"),
        None,
        &[],
        Some(STAFF_PHONE),
    )
    .await;
    let body = json!({
        "category": "0102",
        "title": "楼道堆放杂物",
        "address": "金砂路 88 号",
        "location": {"lng": WEST.0, "lat": WEST.1},
        "reporter": {"name": NAME, "phone": "13800000000", "id_number": ID_NUMBER},
    });
    let (status, reported) = s.post("/api/v1/events", "operator", None, &body).await;
    assert_eq!(status, 201, "{reported}");
    assert_eq!(
        reported["event"]["reporter"]["id_number"],
        "110105********002X"
    );
    let number = reported["event"]["number"].as_str().unwrap().to_owned();
    let (status, mine) = s
        .post(
            "/api/v1/events",
            "citizen",
            None,
            &json!({"category": "0102", "title": "路灯不亮", "address": "金砂路",
                    "reporter": {"name": NAME}}),
        )
        .await;
    assert_eq!(status, 201, "{mine}");

    let raw = raw_database(&s).await;
    assert!(
        raw.contains("楼道堆放杂物"),
        "the probe reads the data it should"
    );
    for secret in [NAME, "13800000000", CITIZEN_PHONE, STAFF_PHONE, ID_NUMBER] {
        assert!(
            !raw.contains(secret),
            "{secret} is stored in plain text ({} backend)",
            s.store.backend()
        );
    }

    assert_eq!(
        s.reveal(&number).await,
        json!({"name": NAME, "phone": "13800000000", "id_number": ID_NUMBER})
    );
    let (status, list) = s.get("/api/v1/events", "citizen").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["total"], 1,
        "the citizen finds their own report by phone: {list}"
    );
    assert_eq!(list["items"][0]["title"], "路灯不亮");
}

async fn a_wrong_identity_number_is_refused(s: Server) {
    let body = json!({
        "category": "0102", "title": "t", "address": "金砂路",
        "reporter": {"id_number": "110105194912310021"},
    });
    let (status, e) = s.post("/api/v1/events", "operator", None, &body).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["details"]["field"], "reporter.id_number");
    assert!(
        e["message_en"]
            .as_str()
            .unwrap()
            .contains("check character"),
        "{e}"
    );
}

on_both_backends!(
    no_plain_personal_data_at_rest,
    a_wrong_identity_number_is_refused
);
