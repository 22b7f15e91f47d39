//! Opening the store, loading the point index and serving HTTP.

use crate::config::{Config, redact_url};
use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;
use gongzhi_domain::access::Roles;
use gongzhi_domain::calendar::Calendar;
use gongzhi_domain::crypto::Crypto;
use gongzhi_geo::locator::Locator;
use gongzhi_http::{AppState, Limits, RateLimits};
use gongzhi_service::Service;
use gongzhi_service::accounts::{Accounts, LogSms, SignInPolicy};
use gongzhi_store::Store;
use std::{sync::Arc, time::Duration};

/// Opens the database named by the URL, `sqlite://…` or `postgres://…`,
/// sealing personal data with `crypto`.
pub async fn open_store(url: &str, crypto: Arc<dyn Crypto>) -> anyhow::Result<Arc<dyn Store>> {
    let shown = redact_url(url);
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(
            gongzhi_store_sqlite::SqliteStore::connect(url, crypto)
                .await
                .with_context(|| format!("cannot open {shown}"))?,
        )
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(
            gongzhi_store_pg::PgStore::connect(url, crypto)
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

/// Opens the configured store with the keyring in force and applies
/// pending migrations.
pub async fn open_migrated(cfg: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let crypto = Arc::new(crate::keys::load(cfg)?);
    let store = open_store(&cfg.database.url, crypto).await?;
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

/// Accounts over `store` with the configured roles; the first start
/// creates the administrator and prints their one-time password once.
pub async fn open_accounts(store: Arc<dyn Store>, cfg: &Config) -> anyhow::Result<Accounts> {
    let roles = if cfg.security.roles_file.as_os_str().is_empty() {
        Roles::built_in()
    } else {
        let path = &cfg.security.roles_file;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the roles file {}", path.display()))?;
        Roles::parse(&text).with_context(|| format!("the roles file {}", path.display()))?
    };
    let policy = SignInPolicy {
        idle: chrono::Duration::minutes(cfg.security.session_idle_minutes),
        ..SignInPolicy::default()
    };
    let accounts = Accounts::new(store.clone(), roles, Box::new(LogSms), policy)?;
    let top = store.children(None).await?.into_iter().next();
    let root = match top {
        Some(province) => store
            .children(Some(&province.region.code))
            .await?
            .into_iter()
            .next()
            .map_or(province.region.code, |city| city.region.code),
        None => gongzhi_domain::RegionCode::parse("44").expect("a province code"),
    };
    if let Some((login, password)) = accounts
        .bootstrap_admin(root, gongzhi_http::china_now())
        .await?
    {
        println!(
            "首次启动 / first start: administrator {login:?}, one-time password {password}              (shown once; change it at first sign-in)"
        );
    }
    Ok(accounts)
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(cfg: &Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let revision = store.revision().await?;
    let locator = load_locator(store.as_ref()).await?;
    let indexed: usize = locator.counts().iter().map(|(_, n)| n).sum();
    let service = Arc::new(open_service(store.clone(), cfg).await?);
    let accounts = Arc::new(open_accounts(store.clone(), cfg).await?);
    let state = AppState::new(
        store,
        locator,
        service,
        accounts,
        gongzhi_http::metrics_handle(),
    )
    .with_open311_keys(cfg.open311.api_keys.clone())
    .with_secure_cookies(cfg.security.secure_cookies)
    .with_basemap(cfg.map.basemap()?)
    .with_rate_limits(RateLimits::per_minute(
        cfg.server.sign_in_per_minute,
        cfg.server.public_per_minute,
    ));
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
    let tls = tls_config(cfg).await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, indexed, elapsed_ms = started.elapsed().as_millis() as u64, "ready");
    println!("gongzhi 共治 listening on {scheme}://{addr} ({indexed} boundaries indexed)");
    println!("  API docs:  {scheme}://{addr}/api/docs");
    println!("  readiness: {scheme}://{addr}/readyz");
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .context("server failed"),
        Some(tls) => {
            let handle = axum_server::Handle::new();
            let stopping = handle.clone();
            tokio::spawn(async move {
                shutdown().await;
                stopping.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            axum_server::tls_rustls::from_tcp_rustls(listener.into_std()?, tls)?
                .handle(handle)
                .serve(app)
                .await
                .context("server failed")
        }
    }
}

/// The TLS settings when `server.tls_cert` and `server.tls_key` are both
/// set; none when neither is.
async fn tls_config(cfg: &Config) -> anyhow::Result<Option<RustlsConfig>> {
    let (cert, key) = (&cfg.server.tls_cert, &cfg.server.tls_key);
    match (cert.as_os_str().is_empty(), key.as_os_str().is_empty()) {
        (true, true) => Ok(None),
        (false, false) => {
            // Another part of the process may have chosen first; either is ring.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = RustlsConfig::from_pem_file(cert, key)
                .await
                .with_context(|| {
                    format!(
                        "cannot read the TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            Ok(Some(config))
        }
        _ => anyhow::bail!("server.tls_cert and server.tls_key go together: set both or neither"),
    }
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
