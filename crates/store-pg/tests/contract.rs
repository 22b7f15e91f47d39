//! The store contract on PostgreSQL, each case in a fresh database created
//! for it and dropped after it, and what is particular to PostgreSQL.
//!
//! Set `GONGZHI_TEST_PG_URL` to a server where the user may create
//! databases, such as `postgres://postgres@127.0.0.1:5432/postgres`;
//! without it every test says it is skipped and passes.

use gongzhi_store::Store;
use gongzhi_store::contract::assert_connect_fails;
use gongzhi_store_pg::PgStore;
use gongzhi_testkit::pg::{TestDatabase, server_url, with_database};
use sqlx::{Connection, PgConnection};

/// A fresh store on a database of its own, or `None` when no server is set.
async fn fresh_pg() -> Option<(PgStore, TestDatabase)> {
    let server = server_url()?;
    let database = TestDatabase::create(&server).await;
    Some((connect(&database).await, database))
}

/// A store on the test database; each call opens one more, as another
/// process would.
async fn connect(database: &TestDatabase) -> PgStore {
    PgStore::connect(&database.url(), gongzhi_testkit::keyring())
        .await
        .expect("connecting to the test database")
}

async fn fresh_store() -> Option<(Box<dyn Store>, TestDatabase)> {
    let (store, database) = fresh_pg().await?;
    Some((Box::new(store), database))
}

async fn open(database: &TestDatabase) -> Box<dyn Store> {
    Box::new(connect(database).await)
}

gongzhi_store::store_contract_tests!(fresh_store, open);

#[tokio::test]
async fn names_itself_postgres() {
    let Some((store, _database)) = fresh_pg().await else {
        return;
    };
    assert_eq!(store.backend(), "postgres");
}

#[tokio::test]
async fn path_index_serves_prefix_queries() {
    let Some((store, database)) = fresh_pg().await else {
        return;
    };
    store.migrate().await.unwrap();
    let mut conn = PgConnection::connect(&database.url()).await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    for query in [
        "EXPLAIN SELECT code FROM regions WHERE path LIKE '/44/4405/%'",
        "EXPLAIN SELECT code FROM regions WHERE path >= '/44/4405/' AND path < '/44/44050'",
    ] {
        let plan: Vec<String> = sqlx::query_scalar(query)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(
            plan.iter().any(|line| line.contains("regions_path")),
            "{query} should use regions_path: {plan:#?}"
        );
    }
}

#[tokio::test]
async fn connect_errors_say_why_without_the_password() {
    let refused = PgStore::connect(
        "postgres://gongzhi:hunter2@127.0.0.1:1/gongzhi",
        gongzhi_testkit::keyring(),
    )
    .await;
    assert_connect_fails(refused, "refused", &["hunter2"]);
    let unparsable = PgStore::connect(
        "postgres://gongzhi:hunter2@[bad/gongzhi",
        gongzhi_testkit::keyring(),
    )
    .await;
    assert_connect_fails(unparsable, "cannot be parsed", &["hunter2"]);
    let Some(server) = server_url() else {
        return;
    };
    let missing = PgStore::connect(
        &with_database(&server, "gongzhi_test_missing"),
        gongzhi_testkit::keyring(),
    )
    .await;
    assert_connect_fails(missing, "does not exist", &[]);
}
