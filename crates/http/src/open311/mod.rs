//! Open311 GeoReport v2 at `/open311/v2/`, so that existing 311 clients and
//! tools work unchanged: `discovery`, `services`, `services/{service_code}`,
//! `requests` (GET and POST), `requests/{service_request_id}` and
//! `tokens/{token}`, each in `.json` or `.xml`. Answers and errors follow
//! <http://wiki.open311.org/GeoReport_v2>; the handlers here only route,
//! the files beside this one do the work.

mod discovery;
mod document;
mod format;
mod intake;
mod params;
mod requests;
mod services;

use crate::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;
use format::{Open311Error, Resource};
use params::Params;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(read).post(post))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(request))
        .route("/open311/v2/tokens/{file}", get(token))
}

/// Where this server is reached, for the links it gives: the request's
/// `Host`, over `X-Forwarded-Proto` when a proxy in front says HTTPS.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = match headers.get("x-forwarded-proto").map(|v| v.as_bytes()) {
        Some(b"https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn query(raw: Option<String>) -> Params {
    Params::form(raw.unwrap_or_default().as_bytes())
}

/// `GET discovery`, `GET services` and `GET requests`.
async fn read(
    State(state): State<AppState>,
    resource: Resource,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let origin = origin(&headers);
    let result = match resource.name.as_str() {
        "discovery" => discovery::document(&state, &origin).await,
        "services" => services::list(&state),
        "requests" => requests::list(&state, &query(raw), &origin).await,
        other => Err(Open311Error::not_found(format!(
            "{other} is not a GeoReport v2 resource"
        ))),
    };
    resource.format.answer(result)
}

/// `POST requests`, form-encoded as the spec says, or a JSON object;
/// arguments in the body override those of the query string.
async fn post(
    State(state): State<AppState>,
    resource: Resource,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    if resource.name != "requests" {
        return resource
            .format
            .answer(Err(Open311Error::bad_request(format!(
                "only requests can be posted, not {}",
                resource.name
            ))));
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let body = if is_json {
        Params::json(&body)
    } else {
        Ok(Params::form(&body))
    };
    let result = match body {
        Ok(body) => intake::post(&state, &query(raw).then(body)).await,
        Err(e) => Err(e),
    };
    resource.format.answer(result)
}

/// `GET services/{service_code}`.
async fn service_definition(State(state): State<AppState>, resource: Resource) -> Response {
    resource
        .format
        .answer(services::definition(&state, &resource.name))
}

/// `GET requests/{service_request_id}`.
async fn request(
    State(state): State<AppState>,
    resource: Resource,
    headers: HeaderMap,
) -> Response {
    let result = requests::one(&state, &resource.name, &origin(&headers)).await;
    resource.format.answer(result)
}

/// `GET tokens/{token}`.
async fn token(State(state): State<AppState>, resource: Resource) -> Response {
    resource
        .format
        .answer(requests::token(&state, &resource.name).await)
}
