//! The one error type at the HTTP edge. Its JSON body is stable:
//! `{"code": "...", "message": "<中文>", "message_en": "<English>", "details": ...}`.
//! Server errors are logged with the request id and never echo internals.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use gongzhi_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An API failure with its HTTP status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_parameter`, `not_found`.
    pub code: &'static str,
    /// What went wrong, in Chinese.
    pub message: String,
    /// What went wrong, in English.
    pub message_en: String,
    /// Specifics, such as the parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: zh.into(),
                message_en: en.into(),
                details: None,
            },
        }
    }

    /// A request parameter is missing or malformed; `why` says which and how.
    pub fn invalid_parameter(name: &str, why: impl std::fmt::Display) -> Self {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("参数 {name} 无效：{why}"),
            format!("invalid parameter {name}: {why}"),
        );
        e.body.details = Some(serde_json::json!({ "parameter": name }));
        e
    }

    /// The named thing does not exist.
    pub fn not_found(what_zh: &str, what_en: &str, key: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what_zh} {key} 不存在"),
            format!("{what_en} {key} not found"),
        )
    }

    /// The service cannot answer now (e.g. the database is down).
    pub fn unavailable(why: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %why, "service unavailable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "服务暂不可用，请稍后重试",
            "service unavailable, try again later",
        )
    }

    /// HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(msg) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_data",
                format!("数据无效：{msg}"),
                msg,
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误，已记录",
                    "internal error; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// The answer for a path no route serves.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found("路径", "path", uri.path())
}

/// The answer for a method a route does not serve.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} 不支持 {method} 方法", uri.path()),
        format!("{} does not accept {method}", uri.path()),
    )
}

/// Gives the responses made outside the handlers (a body over the limit, a
/// timeout) the same JSON error body as every other failure.
pub(crate) async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (code, zh, en) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload_too_large", "请求体过大", "request body too large")
        }
        StatusCode::REQUEST_TIMEOUT => ("timeout", "请求超时", "request timed out"),
        _ => ("http_error", "请求失败", "request failed"),
    };
    ApiError::new(status, code, zh, en).into_response()
}
