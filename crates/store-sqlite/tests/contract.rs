//! The store contract on SQLite, each case in its own temporary database
//! file, and what is particular to SQLite: the file and its directory are
//! created, the journal is WAL, errors name no path.

use gongzhi_store::contract::assert_connect_fails;
use gongzhi_store::{RegionBatch, Store};
use gongzhi_store_sqlite::SqliteStore;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};
use tempfile::TempDir;

/// A fresh store in a new temporary directory, removed with the guard.
async fn fresh_store() -> Option<(Box<dyn Store>, TempDir)> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    Some((open(&dir).await, dir))
}

/// A store on the database file in `dir`, one more for each call.
async fn open(dir: &TempDir) -> Box<dyn Store> {
    let url = format!("sqlite://{}/gongzhi.db", dir.path().display());
    Box::new(
        SqliteStore::connect(&url, gongzhi_testkit::keyring())
            .await
            .expect("connecting"),
    )
}

gongzhi_store::store_contract_tests!(fresh_store, open);

#[tokio::test]
async fn creates_the_file_and_its_missing_directories() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data/nested/gongzhi.db");
    let store = SqliteStore::connect(
        &format!("sqlite://{}", file.display()),
        gongzhi_testkit::keyring(),
    )
    .await
    .unwrap();
    assert!(file.is_file(), "{} should exist", file.display());
    store.migrate().await.unwrap();
    assert_eq!(store.backend(), "sqlite");
}

#[tokio::test]
async fn journal_mode_is_wal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gongzhi.db");
    let url = format!("sqlite://{}", file.display());
    let store = SqliteStore::connect(&url, gongzhi_testkit::keyring())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        mode, "wal",
        "WAL is a property of the file, seen by any connection"
    );
    let batch = RegionBatch {
        regions: vec![gongzhi_domain::Region::new(
            gongzhi_domain::RegionCode::parse("44").unwrap(),
            "广东省",
        )],
        ..Default::default()
    };
    store.apply(&batch).await.unwrap();
    assert!(dir.path().join("gongzhi.db-wal").exists());
}

#[tokio::test]
async fn path_index_serves_prefix_queries() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/gongzhi.db", dir.path().display());
    SqliteStore::connect(&url, gongzhi_testkit::keyring())
        .await
        .unwrap()
        .migrate()
        .await
        .unwrap();
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    for query in [
        "EXPLAIN QUERY PLAN SELECT code FROM regions WHERE path LIKE '/44/4405/%'",
        "EXPLAIN QUERY PLAN SELECT code FROM regions \
         WHERE path >= '/44/4405/' AND path < '/44/44050'",
    ] {
        let rows = sqlx::query(query).fetch_all(&mut conn).await.unwrap();
        let plan: Vec<String> = rows.iter().map(|row| row.get("detail")).collect();
        assert!(
            plan.iter()
                .any(|line| line.contains("USING INDEX regions_path")),
            "{query} should use regions_path: {plan:#?}"
        );
    }
}

#[tokio::test]
async fn in_memory_databases_work() {
    let store = SqliteStore::connect("sqlite::memory:", gongzhi_testkit::keyring())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let batch = RegionBatch {
        regions: vec![gongzhi_domain::Region::new(
            gongzhi_domain::RegionCode::parse("44").unwrap(),
            "广东省",
        )],
        ..Default::default()
    };
    assert_eq!(store.apply(&batch).await.unwrap().inserted, 1);
    assert_eq!(store.children(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn connect_errors_say_why_without_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("secret-name");
    std::fs::write(&blocker, "a file where a directory should be").unwrap();
    let under_a_file = SqliteStore::connect(
        &format!("sqlite://{}/gongzhi.db", blocker.display()),
        gongzhi_testkit::keyring(),
    )
    .await;
    assert_connect_fails(under_a_file, "cannot create", &["secret-name"]);

    let path = dir.path().display().to_string();
    let a_directory =
        SqliteStore::connect(&format!("sqlite://{path}"), gongzhi_testkit::keyring()).await;
    assert_connect_fails(a_directory, "unable to open", &[&path]);

    let not_sqlite = SqliteStore::connect(
        "postgres://user:secret@localhost/db",
        gongzhi_testkit::keyring(),
    )
    .await;
    assert_connect_fails(not_sqlite, "not an SQLite URL", &["secret"]);
}
