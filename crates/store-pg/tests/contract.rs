//! The store contract on PostgreSQL, each case in a fresh database created
//! for it and dropped after it, and what is particular to PostgreSQL.
//!
//! Set `GONGZHI_TEST_PG_URL` to a server where the user may create
//! databases, such as `postgres://postgres@127.0.0.1:5432/postgres`;
//! without it every test says it is skipped and passes.

use gongzhi_store::Store;
use gongzhi_store::contract::assert_connect_fails;
use gongzhi_store_pg::PgStore;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

const URL_VAR: &str = "GONGZHI_TEST_PG_URL";

/// The server to test against, or `None` after saying loudly why not.
fn server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            gongzhi_testkit::skip(&format!(
                "{URL_VAR} is not set, so the PostgreSQL store is NOT tested. \
                 Set it, e.g. {URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres"
            ));
            None
        }
    }
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{database}{query}", &base[..path_start])
}

/// A database created for one test, dropped (with its connections) when
/// the guard is.
struct TestDatabase {
    server: String,
    name: String,
}

impl TestDatabase {
    async fn create(server: &str) -> TestDatabase {
        let name = format!("gongzhi_test_{:016x}", rand::random::<u64>());
        let mut conn = PgConnection::connect(server)
            .await
            .expect("connecting to the test server");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("creating the test database");
        TestDatabase {
            server: server.to_owned(),
            name,
        }
    }

    fn url(&self) -> String {
        with_database(&self.server, &self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server = self.server.clone();
        let drop_sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime, which cannot be blocked on:
        // drop the database from a thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            gongzhi_store::contract::runtime().block_on(async {
                let mut conn = PgConnection::connect(&server).await?;
                sqlx::query(AssertSqlSafe(drop_sql))
                    .execute(&mut conn)
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("could not drop test database {}: {dropped:?}", self.name);
        }
    }
}

/// A fresh store on a database of its own, or `None` when no server is set.
async fn fresh_pg() -> Option<(PgStore, TestDatabase)> {
    let server = server_url()?;
    let database = TestDatabase::create(&server).await;
    Some((connect(&database).await, database))
}

/// A store on the test database; each call opens one more, as another
/// process would.
async fn connect(database: &TestDatabase) -> PgStore {
    PgStore::connect(&database.url())
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
    let refused = PgStore::connect("postgres://gongzhi:hunter2@127.0.0.1:1/gongzhi").await;
    assert_connect_fails(refused, "refused", &["hunter2"]);
    let unparsable = PgStore::connect("postgres://gongzhi:hunter2@[bad/gongzhi").await;
    assert_connect_fails(unparsable, "cannot be parsed", &["hunter2"]);
    let Some(server) = server_url() else {
        return;
    };
    let missing = PgStore::connect(&with_database(&server, "gongzhi_test_missing")).await;
    assert_connect_fails(missing, "does not exist", &[]);
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t"),
        "postgres://postgres@127.0.0.1:5432/t"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t"),
        "postgres://u:p@h/t?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "t"),
        "postgres://h:5432/t"
    );
}
