//! What every handler can reach.

use crate::RateLimits;
use arc_swap::ArcSwap;
use chrono::NaiveDateTime;
use gongzhi_geo::locator::Locator;
use gongzhi_service::{Accounts, Service};
use gongzhi_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// The clock handlers read: local time in China. Tests give their own.
pub type Clock = Arc<dyn Fn() -> NaiveDateTime + Send + Sync>;

/// The current local time in China (UTC+8).
pub fn china_now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc() + chrono::Duration::hours(8)
}

/// Shared state of the server: the store, the point-to-grid index (swapped
/// whole when regions change, so readers never wait), the closed loop, the
/// clock and the metrics handle.
#[derive(Clone)]
pub struct AppState {
    /// The database behind the [`Store`] trait.
    pub store: Arc<dyn Store>,
    /// The current point-to-grid index.
    pub locator: Arc<ArcSwap<Locator>>,
    /// The closed loop's use cases.
    pub service: Arc<Service>,
    /// Signing in and who is asking.
    pub accounts: Arc<Accounts>,
    /// Requests a minute per client address on sign-in and public
    /// endpoints.
    pub rate_limits: Arc<RateLimits>,
    /// Whether cookies are marked `Secure` (served over TLS, directly or
    /// behind a proxy).
    pub secure_cookies: bool,
    /// What time it is.
    pub now: Clock,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Keys other systems present to post requests through Open311.
    pub open311_keys: Arc<Vec<String>>,
    /// The map's optional raster basemap: an XYZ tile URL template on the
    /// city's own tile server; without it the map draws regions alone.
    pub basemap: Option<Arc<Basemap>>,
}

/// A raster basemap the browser loads tiles from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basemap {
    /// `https://tiles.example.gov.cn/{z}/{x}/{y}.png`.
    pub tiles: String,
    /// Its origin (`https://tiles.example.gov.cn`), which the
    /// Content-Security-Policy admits for images and fetches.
    pub origin: String,
    /// The credit the map shows.
    pub attribution: String,
}

impl Basemap {
    /// A basemap from its tile URL template; refused unless it is an
    /// absolute http(s) URL with `{z}`, `{x}` and `{y}`.
    pub fn new(tiles: &str, attribution: &str) -> Result<Basemap, String> {
        let url = url::Url::parse(tiles).map_err(|e| format!("{tiles:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("{tiles:?} is not an http or https URL"));
        }
        if !["{z}", "{x}", "{y}"].iter().all(|p| tiles.contains(p)) {
            return Err(format!("{tiles:?} lacks one of {{z}}, {{x}}, {{y}}"));
        }
        Ok(Basemap {
            tiles: tiles.to_owned(),
            origin: url.origin().ascii_serialization(),
            attribution: attribution.to_owned(),
        })
    }
}

impl AppState {
    /// State over a store, an already built index and the loop, on the
    /// system clock.
    pub fn new(
        store: Arc<dyn Store>,
        locator: Locator,
        service: Arc<Service>,
        accounts: Arc<Accounts>,
        metrics: PrometheusHandle,
    ) -> Self {
        AppState {
            store,
            locator: Arc::new(ArcSwap::from_pointee(locator)),
            service,
            accounts,
            rate_limits: Arc::new(RateLimits::default()),
            secure_cookies: false,
            now: Arc::new(china_now),
            metrics,
            open311_keys: Arc::new(Vec::new()),
            basemap: None,
        }
    }

    /// The same state with a basemap for the map.
    pub fn with_basemap(self, basemap: Option<Basemap>) -> Self {
        AppState {
            basemap: basemap.map(Arc::new),
            ..self
        }
    }

    /// The same state accepting these Open311 API keys.
    pub fn with_open311_keys(self, keys: Vec<String>) -> Self {
        AppState {
            open311_keys: Arc::new(keys),
            ..self
        }
    }

    /// The same state marking cookies `Secure` or not.
    pub fn with_secure_cookies(self, secure_cookies: bool) -> Self {
        AppState {
            secure_cookies,
            ..self
        }
    }

    /// The same state with these rate limits.
    pub fn with_rate_limits(self, limits: RateLimits) -> Self {
        AppState {
            rate_limits: Arc::new(limits),
            ..self
        }
    }

    /// The same state on another clock.
    pub fn with_clock(self, now: Clock) -> Self {
        AppState { now, ..self }
    }
}
