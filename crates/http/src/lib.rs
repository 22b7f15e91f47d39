//! The HTTP edge of gongzhi. Handlers are thin: they parse the request, call
//! the domain, the store or the locator, and map the result; every failure
//! leaves through the one [`ApiError`].

mod attachments;
mod caller;
mod error;
mod events;
mod extract;
mod headers;
mod indices;
mod limits;
mod locate;
mod map;
mod open311;
mod openapi;
mod ops;
mod regions;
mod rules;
mod session;
mod state;
mod stats;
mod views;
mod web;

pub use error::ApiError;
pub use limits::RateLimits;
pub use openapi::ApiDoc;
pub use ops::metrics_handle;
pub use state::{AppState, Basemap, Clock, china_now};

use axum::Router;
use std::time::Duration;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub body_bytes: usize,
    /// Time after which a request is answered with 408.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 10 * 1024 * 1024,
            timeout: Duration::from_secs(30),
        }
    }
}

/// The URI as logged: the value of an `api_key` in the query string (where
/// some Open311 clients send it) is masked.
fn loggable(uri: &axum::http::Uri) -> String {
    let Some(query) = uri.query().filter(|q| q.contains("api_key")) else {
        return uri.to_string();
    };
    let mut masked = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = if name == "api_key" {
            "***".into()
        } else {
            value
        };
        masked.append_pair(&name, &value);
    }
    format!("{}?{}", uri.path(), masked.finish())
}

/// One span per request, carrying the request id that the response echoes
/// in `x-request-id`, so a logged server error can be matched to a report.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let uri = loggable(req.uri());
    tracing::info_span!("request", method = %req.method(), uri = %uri, request_id = %id)
}

/// The whole HTTP surface: `/healthz`, `/readyz`, `/metrics`, the JSON API
/// under `/api/v1`, Open311 GeoReport v2 under `/open311/v2`, the OpenAPI
/// document and Swagger UI.
pub fn router(state: AppState, limits: Limits) -> Router {
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    let csp = headers::content_security_policy(state.basemap.as_ref().map(|b| b.origin.as_str()))
        .parse::<axum::http::HeaderValue>()
        .expect("a policy of visible ASCII");
    Router::new()
        .merge(ops::routes())
        .nest(
            "/api/v1",
            regions::routes()
                .merge(locate::routes())
                .merge(events::routes())
                .merge(attachments::routes())
                .merge(stats::routes())
                .merge(rules::routes())
                .merge(session::routes())
                .merge(map::routes())
                .merge(indices::routes()),
        )
        .merge(open311::routes())
        .merge(openapi::routes())
        .fallback(web::app)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::limit,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(ops::record_metrics))
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ))
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(axum::middleware::map_response(move |r| {
            let csp = csp.clone();
            async move { headers::security_headers(&csp, r) }
        }))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn an_api_key_in_the_query_is_not_logged() {
        let uri = "/open311/v2/requests.xml?jurisdiction_id=&api_key=s3cret%21&x=1"
            .parse()
            .unwrap();
        assert_eq!(
            loggable(&uri),
            "/open311/v2/requests.xml?jurisdiction_id=&api_key=***&x=1"
        );
        let plain = "/api/v1/events?page=2".parse().unwrap();
        assert_eq!(loggable(&plain), "/api/v1/events?page=2");
    }
}
