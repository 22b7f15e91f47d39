//! The browser app, built into `web/dist` and embedded in the binary (read
//! from disk in debug builds, so a rebuilt app needs no recompile). Files
//! with a content hash in their name are cached for a year; every other
//! path that is not the API's is one of the app's pages and gets
//! `index.html`, whose router takes over.

use crate::error::ApiError;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// The built app.
#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct App;

/// Path prefixes that belong to the server, never to the app.
const SERVER_PATHS: [&str; 5] = ["/api", "/open311", "/healthz", "/readyz", "/metrics"];

/// Shown when the binary was built without the app.
const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>共治 gongzhi</title>\
<p>网页端尚未构建。The web app is not built: run <code>npm ci && npm run build</code> in <code>web/</code>.</p>";

fn file(path: &str) -> Option<Response> {
    let asset = App::get(path)?;
    let mime = asset.metadata.mimetype();
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (StatusCode::OK, asset.data.into_owned()).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Some(response)
}

/// Serves the app's files and pages; anything else is the API's 404.
pub async fn app(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let is_server_path = SERVER_PATHS.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if method != Method::GET || is_server_path {
        return ApiError::not_found("路径", "path", path).into_response();
    }
    let relative = path.trim_start_matches('/');
    if let Some(response) = file(relative) {
        return response;
    }
    // A missing file (an old hashed asset, a typo) is a 404; a path without
    // an extension is one of the app's pages.
    let is_page = !relative.rsplit('/').next().unwrap_or("").contains('.');
    if !is_page {
        return ApiError::not_found("文件", "file", path).into_response();
    }
    file("index.html").unwrap_or_else(|| {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            NOT_BUILT,
        )
            .into_response()
    })
}
