//! What every handler can reach.

use arc_swap::ArcSwap;
use gongzhi_geo::locator::Locator;
use gongzhi_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared state of the server: the store, the point-to-grid index (swapped
/// whole when regions change, so readers never wait) and the metrics handle.
#[derive(Clone)]
pub struct AppState {
    /// The database behind the [`Store`] trait.
    pub store: Arc<dyn Store>,
    /// The current point-to-grid index.
    pub locator: Arc<ArcSwap<Locator>>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
}

impl AppState {
    /// State over a store and an already built index.
    pub fn new(store: Arc<dyn Store>, locator: Locator, metrics: PrometheusHandle) -> Self {
        AppState {
            store,
            locator: Arc::new(ArcSwap::from_pointee(locator)),
            metrics,
        }
    }
}
