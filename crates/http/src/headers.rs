//! Security headers on every response: a Content-Security-Policy that
//! allows scripts only from gongzhi itself (no inline script, no other
//! origin) and no framing, `nosniff` so that an uploaded file is never
//! read as another type, and no referrer sent to other sites.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The Content-Security-Policy. Inline styles stay allowed for the API
/// documentation's and the web app's widgets; scripts never. The map runs
/// its tile decoding in a worker made from a blob.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    worker-src 'self' blob:; child-src 'self' blob:; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to `response`.
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
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
