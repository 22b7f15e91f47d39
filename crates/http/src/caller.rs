//! Who is calling: the [`Principal`] of an API token (`Authorization:
//! Bearer …`, for other systems) or of the session cookie (for people in a
//! browser), or an anonymous caller who may do nothing but sign in. A
//! request that changes something under a session cookie must carry the
//! session's CSRF token in `X-CSRF-Token`; a token in a header cannot be
//! sent by another site, so bearer requests need none.

use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use gongzhi_domain::access::Principal;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gongzhi_session";

/// The caller of a request.
pub struct Caller(pub Principal);

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The bearer token of the request, if any.
fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| Some(t.trim()))
        .ok_or_else(|| ApiError::invalid_parameter("authorization", "is not \"Bearer <token>\""))
}

/// Whether a request with this method may change something.
fn changes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(parts)? {
            return Ok(Caller(state.accounts.token(token).await?));
        }
        let Some(session) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(Caller(Principal::anonymous()));
        };
        let csrf = if changes(&parts.method) {
            Some(
                parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        ApiError::forbidden(
                            "缺少 X-CSRF-Token 请求头",
                            "a change under a session needs the X-CSRF-Token header",
                        )
                    })?,
            )
        } else {
            None
        };
        let now = (state.now)();
        Ok(Caller(state.accounts.session(session, csrf, now).await?))
    }
}
