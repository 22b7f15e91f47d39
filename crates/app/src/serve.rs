//! Opening the store, loading the point index and serving HTTP.

use crate::config::{Config, redact_url};
use anyhow::Context;
use gongzhi_domain::calendar::Calendar;
use gongzhi_geo::locator::Locator;
use gongzhi_http::{AppState, Limits};
use gongzhi_service::Service;
use gongzhi_store::Store;
use std::{sync::Arc, time::Duration};

/// Opens the database named by the URL: `sqlite://…` or `postgres://…`.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let shown = redact_url(url);
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(
            gongzhi_store_sqlite::SqliteStore::connect(url)
                .await
                .with_context(|| format!("cannot open {shown}"))?,
        )
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(
            gongzhi_store_pg::PgStore::connect(url)
                .await
                .with_context(|| format!("cannot connect to {shown}"))?,
        )
    } else {
        anyhow::bail!(
            "unsupported database URL {shown}: use sqlite://PATH or postgres://USER@HOST/DB"
        );
    };
    Ok(store)
}

/// Opens the store and applies pending migrations.
pub async fn open_migrated(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let store = open_store(url).await?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store)
}

/// Builds the point index from every stored boundary.
pub async fn load_locator(store: &dyn Store) -> anyhow::Result<Locator> {
    let regions = store.subtree(None, None).await?;
    let boundaries = store.boundaries(None, None).await?;
    Ok(Locator::build(
        regions,
        boundaries.into_iter().map(|(r, mp)| (r.code, mp)),
    ))
}

/// Opens the closed loop over `store`, on the built-in calendar.
pub async fn open_service(store: Arc<dyn Store>, cfg: &Config) -> anyhow::Result<Service> {
    Service::open(
        store,
        Calendar::china(),
        cfg.events.duplicate_window(),
        gongzhi_http::china_now(),
    )
    .await
    .context("cannot load the catalogue and the responsibility list")
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(cfg: &Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let revision = store.revision().await?;
    let locator = load_locator(store.as_ref()).await?;
    let indexed: usize = locator.counts().iter().map(|(_, n)| n).sum();
    let service = Arc::new(open_service(store.clone(), cfg).await?);
    let state = AppState::new(store, locator, service, gongzhi_http::metrics_handle())
        .with_open311_keys(cfg.open311.api_keys.clone());
    if cfg.server.index_refresh_secs > 0 {
        let every = Duration::from_secs(cfg.server.index_refresh_secs);
        tokio::spawn(keep_index_current(state.clone(), revision, every));
    }
    if cfg.events.overdue_sweep_secs > 0 {
        let every = Duration::from_secs(cfg.events.overdue_sweep_secs);
        tokio::spawn(sweep_overdue(state.clone(), every));
    }
    if cfg.events.stats_reload_secs > 0 {
        let every = Duration::from_secs(cfg.events.stats_reload_secs);
        tokio::spawn(reload_statistics(state.clone(), every));
    }
    let limits = Limits {
        body_bytes: cfg.server.body_limit_bytes,
        timeout: Duration::from_secs(cfg.server.request_timeout_secs),
    };
    let app = gongzhi_http::router(state, limits);
    let listener = tokio::net::TcpListener::bind(cfg.server.bind)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.server.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, indexed, elapsed_ms = started.elapsed().as_millis() as u64, "ready");
    println!("gongzhi 共治 listening on http://{addr} ({indexed} boundaries indexed)");
    println!("  API docs:  http://{addr}/api/docs");
    println!("  readiness: http://{addr}/readyz");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .context("server failed")
}

/// Marks overdue work as time passes, each mark on the event's timeline.
async fn sweep_overdue(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match state.service.sweep_overdue((state.now)()).await {
            Ok(0) => {}
            Ok(marked) => tracing::info!(marked, "events marked overdue"),
            Err(e) => tracing::warn!(error = %e, "cannot sweep for overdue events"),
        }
    }
}

/// Reads every event's counted facts again now and then, for statistics to
/// include what other processes wrote.
async fn reload_statistics(state: AppState, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match state.service.reload_statistics().await {
            Ok(counted) => tracing::debug!(counted, "statistics reloaded"),
            Err(e) => tracing::warn!(error = %e, "cannot reload the statistics"),
        }
    }
}

/// Rebuilds the point index whenever the store's revision moves, so that
/// imports made while the server runs (by the CLI, say) are found at once,
/// and picks up the catalogue and responsibility list edited by another
/// process. Readers keep the old index until the new one is swapped in
/// whole.
async fn keep_index_current(state: AppState, mut seen: i64, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.service.refresh().await {
            tracing::warn!(error = %e, "cannot reload the city's rules");
        }
        let now = match state.store.revision().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the store revision");
                continue;
            }
        };
        if now == seen {
            continue;
        }
        match load_locator(state.store.as_ref()).await {
            Ok(locator) => {
                let indexed: usize = locator.counts().iter().map(|(_, n)| n).sum();
                state.locator.store(Arc::new(locator));
                seen = now;
                tracing::info!(revision = now, indexed, "point index rebuilt");
            }
            Err(e) => tracing::warn!(error = %e, "cannot rebuild the point index"),
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
