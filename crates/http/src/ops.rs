//! Operations endpoints: liveness, readiness and Prometheus metrics.

use crate::AppState;
use axum::{
    Json, Router,
    extract::{MatchedPath, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use std::{sync::OnceLock, time::Instant};
use utoipa::ToSchema;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process-wide metrics recorder, installed on first use so that several
/// servers in one process (as in tests) share it.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only when another recorder was installed first; the
            // handle then renders nothing, which is the honest answer.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Liveness.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the process answers.
    status: &'static str,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers and the point index is loaded.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    status: &'static str,
    /// Database backend: `sqlite` or `postgres`.
    backend: &'static str,
    /// Whether the database answered.
    database: bool,
    /// Boundaries in the point-to-grid index, per level.
    indexed: std::collections::BTreeMap<String, usize>,
}

/// The server can take traffic.
#[utoipa::path(get, path = "/readyz", tag = "ops", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await.is_ok();
    let indexed = state
        .locator
        .load()
        .counts()
        .into_iter()
        .map(|(level, n)| (level.to_string(), n))
        .collect();
    let body = Readiness {
        status: if database { "ready" } else { "not_ready" },
        backend: state.store.backend(),
        database,
        indexed,
    };
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// Counts requests and times them per route and status.
pub(crate) async fn record_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let start = Instant::now();
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("gongzhi_http_requests_total", &labels).increment(1);
    metrics::histogram!("gongzhi_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}
