//! Intake throughput over HTTP, on SQLite and on PostgreSQL, beside the
//! raw insert rate of an equivalent row into the same database in the same
//! run.
//!
//! An intake is the whole of `POST /api/v1/events`: JSON parsing, point to
//! grid, the catalogue and routing, deadlines on the working calendar, the
//! event row, its first timeline entry, its number, its idempotency key and
//! the duplicate search. Reports are measured twice: spread over the
//! catalogue's categories, as a city's reports are, and all of one
//! category, a hotspot where every duplicate search weighs hundreds of open
//! reports. The reference inserts a copy of a stored event
//! row, one transaction per row, with the same number of concurrent
//! writers. Run with `cargo bench -p gongzhi-http --bench intake`; set
//! `GONGZHI_TEST_PG_URL` for PostgreSQL and `GONGZHI_BENCH_EVENTS` to
//! change the number of events (default 4,000).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Backend, Server};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Concurrent clients, as phones and hotline seats would be.
const CLIENTS: u64 = 16;

/// Runs `work(i)` for `i` in `0..n` on `CLIENTS` tasks; returns the rate per second.
async fn rate<F, Fut>(n: u64, work: F) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let work = Arc::new(work);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (work, next) = (work.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                work(i).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a client task");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// The `i`-th report's place: scattered over the test city's two grids
/// (2 km by 1 km), as a city's reports scatter over its streets.
fn spread(i: u64) -> serde_json::Value {
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let (x, y) = (
        (h >> 40) as f64 / (1u64 << 24) as f64,
        (h >> 16 & 0xFF_FFFF) as f64 / (1u64 << 24) as f64,
    );
    json!({"lng": 116.70 + 0.02 * x, "lat": 23.36 + 0.01 * y})
}

/// Reports `n` matters, the `i`-th of `categories[i % len]`, with
/// idempotency keys numbered from `offset`; returns the rate per second.
async fn intake(server: &Server, n: u64, offset: u64, categories: &[String]) -> f64 {
    let client = server.client.clone();
    let url = format!("{}/api/v1/events", server.base);
    let categories: Arc<[String]> = categories.into();
    rate(n, move |i| {
        let (client, url) = (client.clone(), url.clone());
        let category = categories[(i % categories.len() as u64) as usize].clone();
        async move {
            let body = json!({
                "category": category,
                "title": "路边暴露垃圾",
                "description": "垃圾堆放三天无人清理",
                "address": "金砂路 88 号",
                "location": spread(i),
                "reporter": {"name": "王小明", "phone": "13812345678"},
            });
            let response = client
                .post(&url)
                .bearer_auth(common::token_of("operator", None))
                .header("idempotency-key", format!("bench-{}", i + offset))
                .json(&body)
                .send()
                .await
                .expect("the server answers");
            assert_eq!(response.status().as_u16(), 201);
        }
    })
    .await
}

/// Copies of stored event row 1 under new numbers, one transaction each.
const COPY_ROW: &str = "INSERT INTO events (number, title, version, channel, category, state, urgency, \
     search_text, body, created_at, updated_at, suspended, region_code, region_path, grid_code, \
     outside, centre_code, department, master, lng, lat, closed_at, warn_at, due_at, overdue, \
     ever_overdue, satisfaction, resolved_level) \
     SELECT $1, title, version, channel, category, state, urgency, search_text, body, created_at, \
     updated_at, suspended, region_code, region_path, grid_code, outside, centre_code, department, \
     master, lng, lat, closed_at, warn_at, due_at, overdue, ever_overdue, satisfaction, \
     resolved_level FROM events WHERE id = 1";

async fn raw_sqlite(url: &str, n: u64) -> f64 {
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("an SQLite URL");
    // One writer connection, as the store writes: SQLite has one writer.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            options
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5)),
        )
        .await
        .expect("the bench database");
    rate(n, move |i| {
        let pool = pool.clone();
        async move {
            let mut tx = pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .expect("a transaction");
            sqlx::query(COPY_ROW)
                .bind(format!("raw-{i}"))
                .execute(&mut *tx)
                .await
                .expect("a raw insert");
            tx.commit().await.expect("a commit");
        }
    })
    .await
}

async fn raw_postgres(url: &str, n: u64) -> f64 {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(CLIENTS as u32)
        .connect(url)
        .await
        .expect("the bench database");
    rate(n, move |i| {
        let pool = pool.clone();
        async move {
            sqlx::query(COPY_ROW)
                .bind(format!("raw-{i}"))
                .execute(&pool)
                .await
                .expect("a raw insert");
        }
    })
    .await
}

async fn run(backend: Backend, n: u64) {
    let Some(server) = Server::start(backend).await else {
        return;
    };
    let all = server.categories();
    let hotspot = ["0102".to_owned()];
    intake(&server, n / 10, 0, &all).await;
    let spread = intake(&server, n, n, &all).await;
    let raw = match backend {
        Backend::Sqlite => raw_sqlite(&server.url, n).await,
        Backend::Postgres => raw_postgres(&server.url, n).await,
    };
    let hot = intake(&server, n, 2 * n, &hotspot).await;
    println!(
        "{backend:?}: intake over HTTP {spread:.0} events/s ({} categories), {hot:.0} events/s \
         (one category, a hotspot); raw insert {raw:.0} rows/s; intake is {:.0}% and {:.0}% of \
         the raw rate ({n} events each, {CLIENTS} clients)",
        all.len(),
        100.0 * spread / raw,
        100.0 * hot / raw
    );
}

fn main() {
    let n = std::env::var("GONGZHI_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        run(Backend::Sqlite, n).await;
        run(Backend::Postgres, n).await;
    });
}
