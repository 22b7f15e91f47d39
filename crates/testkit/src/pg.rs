//! Fresh PostgreSQL databases for tests, on the server named by
//! `GONGZHI_TEST_PG_URL`, each dropped with its guard.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The variable naming the PostgreSQL server tests may use.
pub const URL_VAR: &str = "GONGZHI_TEST_PG_URL";

/// The server to test against, or `None` after saying loudly why not.
pub fn server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            crate::skip(&format!(
                "{URL_VAR} is not set, so the PostgreSQL store is NOT tested. \
                 Set it, e.g. {URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres"
            ));
            None
        }
    }
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
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
pub struct TestDatabase {
    server: String,
    name: String,
}

impl TestDatabase {
    /// Creates a database with a random name on `server`.
    pub async fn create(server: &str) -> TestDatabase {
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

    /// The URL of the database.
    pub fn url(&self) -> String {
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
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(sqlx::Error::Io)?;
            runtime.block_on(async {
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

/// A fresh database on the test server, or `None` (after a loud skip
/// message) when no server is configured.
pub async fn fresh_database() -> Option<TestDatabase> {
    Some(TestDatabase::create(&server_url()?).await)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
