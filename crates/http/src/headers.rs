//! Security headers on every response: a Content-Security-Policy that
//! allows scripts only from gongzhi itself (no inline script, no other
//! origin) and no framing, `nosniff` so that an uploaded file is never
//! read as another type, and no referrer sent to other sites.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The Content-Security-Policy, admitting `extra_origin` (the basemap's
/// tile server) for images and fetches. Inline styles stay allowed for the
/// API documentation's and the web app's widgets; scripts never. The map
/// decodes tiles in a worker made from a blob.
pub(crate) fn content_security_policy(extra_origin: Option<&str>) -> String {
    let extra = extra_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{extra}; connect-src 'self'{extra}; font-src 'self'; \
         object-src 'none'; worker-src 'self' blob:; child-src 'self' blob:; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the security headers, with the policy `csp`, to `response`.
pub(crate) fn security_headers(csp: &HeaderValue, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
