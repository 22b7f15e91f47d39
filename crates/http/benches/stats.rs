//! Event statistics over 1,000,000 events, on SQLite and on PostgreSQL:
//! the latency of `Service::stats` (served from memory) grouped by town ×
//! category × state inside a county and across the city, beside the same
//! statistic from the database (`Store::event_stats`) in the same run, and
//! the time to read every event's facts into memory.
//!
//! The events are spread over a Shantou-sized tree (7 counties, 70 towns,
//! 1,120 communities, 8,960 grids), 110 categories and 90 days, each row a
//! copy of a real event record under its own number and place. Run with
//! `cargo bench -p gongzhi-http --bench stats`; set `GONGZHI_TEST_PG_URL`
//! for PostgreSQL and `GONGZHI_BENCH_STATS_EVENTS` to change the count.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Backend, Server};
use gongzhi_domain::access::{Principal, Scope};
use gongzhi_domain::{Level, RegionCode};
use gongzhi_store::{EventFilter, StatsGroup, Store};
use std::time::Instant;

/// Rows per insert transaction while loading.
const LOAD_CHUNK: u64 = 10_000;
/// Measured runs of each statistic from memory.
const RUNS: usize = 40;
/// Measured runs of each statistic from the database, the reference.
const SQL_RUNS: usize = 5;

const STATES: [&str; 8] = [
    "evaluated",
    "closed",
    "closed",
    "closed",
    "in_progress",
    "dispatched",
    "accepted",
    "rejected",
];

/// The insert of one synthetic event: the stored row 1 copied under
/// another number, place, category, state and time.
const INSERT: &str = "INSERT INTO events (number, title, version, channel, category, state, urgency, \
     search_text, body, created_at, updated_at, suspended, region_code, region_path, grid_code, \
     outside, centre_code, department, master, lng, lat, closed_at, warn_at, due_at, overdue, \
     ever_overdue, satisfaction, resolved_level) \
     SELECT $1, title, version, channel, $2, $3, urgency, search_text, body, $4, $4, suspended, $5, $6, $5, \
     outside, centre_code, department, master, lng, lat, \
     CASE WHEN $3 IN ('closed', 'evaluated') THEN $4 + 86400 ELSE NULL END, warn_at, due_at, overdue, \
     $7, CASE WHEN $3 = 'evaluated' THEN 4 ELSE NULL END, \
     CASE WHEN $3 IN ('closed', 'evaluated') THEN 4 ELSE NULL END FROM events WHERE id = 1";

/// The grid of the `i`-th synthetic event.
fn grid(i: u64) -> RegionCode {
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20;
    let county = 1 + h % 7;
    let town = 1 + (h / 7) % 10;
    let community = 1 + (h / 70) % 16;
    let grid = 1 + (h / 1_120) % 8;
    RegionCode::parse(&format!("44050{county}{town:03}{community:03}{grid:03}"))
        .expect("a grid code")
}

fn row(i: u64, categories: &[String]) -> (String, String, &'static str, i64, String, String, bool) {
    let g = grid(i);
    let start = 1_788_000_000_i64;
    (
        format!("bench-{i:08}"),
        categories[(i % categories.len() as u64) as usize].clone(),
        STATES[(i / 3 % STATES.len() as u64) as usize],
        start + (i as i64 * 7_777) % (90 * 86_400),
        g.as_str().to_owned(),
        g.path(),
        i.is_multiple_of(9),
    )
}

/// Loads `n` synthetic events into the database at `url` in chunks, then
/// runs `analyze` so the planner knows the table.
async fn load<DB>(url: &str, n: u64, categories: &[String], analyze: &'static str)
where
    DB: sqlx::Database,
    DB::Connection: sqlx::Connection<Database = DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments: sqlx::IntoArguments<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'static str: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut conn = <DB::Connection as sqlx::Connection>::connect(url)
        .await
        .expect("the bench database");
    for chunk in 0..n.div_ceil(LOAD_CHUNK) {
        let mut tx = sqlx::Connection::begin(&mut conn)
            .await
            .expect("a transaction");
        for i in chunk * LOAD_CHUNK..((chunk + 1) * LOAD_CHUNK).min(n) {
            let r = row(i, categories);
            sqlx::query(INSERT)
                .bind(r.0)
                .bind(r.1)
                .bind(r.2)
                .bind(r.3)
                .bind(r.4)
                .bind(r.5)
                .bind(r.6)
                .execute(&mut *tx)
                .await
                .expect("a synthetic event");
        }
        tx.commit().await.expect("a commit");
    }
    sqlx::query(analyze)
        .execute(&mut conn)
        .await
        .expect("analyze");
}

/// Median and 95th percentile of `runs` timings of `query`, in
/// milliseconds.
async fn timings<F, Fut>(runs: usize, query: F) -> (f64, f64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ms = Vec::with_capacity(runs);
    query().await;
    for _ in 0..runs {
        let started = Instant::now();
        query().await;
        ms.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    ms.sort_by(f64::total_cmp);
    (ms[runs / 2], ms[(runs * 95).div_ceil(100) - 1])
}

async fn run(backend: Backend, n: u64) {
    let Some(server) = Server::start(backend).await else {
        return;
    };
    server.report("citizen", "0102", common::WEST, "样本").await;
    let categories = server.categories();
    let started = Instant::now();
    match backend {
        Backend::Sqlite => load::<sqlx::Sqlite>(&server.url, n, &categories, "ANALYZE").await,
        Backend::Postgres => {
            load::<sqlx::Postgres>(&server.url, n, &categories, "VACUUM ANALYZE events").await
        }
    }
    println!(
        "{backend:?}: loaded {n} events in {:.1?}",
        started.elapsed()
    );
    let started = Instant::now();
    let counted = server.service.reload_statistics().await.expect("the facts");
    println!(
        "{backend:?}: read the facts of {counted} events into memory in {:.1?}",
        started.elapsed()
    );
    let service = &server.service;
    let store: &dyn Store = service.store().as_ref();
    let groups = [
        StatsGroup::Region(Level::Town),
        StatsGroup::Category,
        StatsGroup::State,
    ];
    for (label, root) in [("a county", "440507"), ("the city", "4405")] {
        let filter = EventFilter {
            region: Some(RegionCode::parse(root).expect("a code")),
            ..EventFilter::default()
        };
        let memory = service
            .stats(&Principal::system(), &filter, &groups)
            .await
            .expect("statistics");
        assert_eq!(
            memory,
            store
                .event_stats(&Scope::All, &filter, &groups)
                .await
                .expect("statistics"),
            "memory and the database agree"
        );
        let counted: u64 = memory.iter().map(|r| r.count).sum();
        let (p50, p95) = timings(RUNS, || async {
            service
                .stats(&Principal::system(), &filter, &groups)
                .await
                .expect("statistics");
        })
        .await;
        let (s50, s95) = timings(SQL_RUNS, || async {
            store
                .event_stats(&Scope::All, &filter, &groups)
                .await
                .expect("statistics");
        })
        .await;
        println!(
            "{backend:?}: town × category × state in {label} ({counted} events, {} groups): \
             from memory p50 {p50:.1} ms, p95 {p95:.1} ms; from the database p50 {s50:.0} ms, \
             p95 {s95:.0} ms ({:.0}× the memory p95)",
            memory.len(),
            s95 / p95
        );
    }
}

fn main() {
    let n = std::env::var("GONGZHI_BENCH_STATS_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        run(Backend::Sqlite, n).await;
        run(Backend::Postgres, n).await;
    });
}
