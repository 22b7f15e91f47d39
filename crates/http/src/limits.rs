//! Rate limits per client address: signing in (and asking for a code) and
//! the public Open311 endpoints answer at most so many requests a minute
//! from one address, then 429 with `Retry-After`. Lock-out guards each
//! account; this guards against one address trying many.

use crate::{ApiError, AppState};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

/// The limiters of a server.
pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    public: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimits {
    /// At most `sign_in` sign-in requests and `public` Open311 requests a
    /// minute from one address.
    pub fn per_minute(sign_in: NonZeroU32, public: NonZeroU32) -> RateLimits {
        RateLimits {
            sign_in: RateLimiter::keyed(Quota::per_minute(sign_in)),
            public: RateLimiter::keyed(Quota::per_minute(public)),
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::per_minute(
            NonZeroU32::new(30).expect("non-zero"),
            NonZeroU32::new(300).expect("non-zero"),
        )
    }
}

/// Refuses a request over its address's limit.
pub(crate) async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let limiter = if req.method() == Method::POST && path.starts_with("/api/v1/session") {
        &state.rate_limits.sign_in
    } else if path.starts_with("/open311/") {
        &state.rate_limits.public
    } else {
        return next.run(req).await;
    };
    let address = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    match limiter.check_key(&address) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1);
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("请求过于频繁，请 {wait} 秒后再试"),
                format!("too many requests: try again in {wait} s"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            response
        }
    }
}
