//! The one error type at the HTTP edge. Its JSON body is stable:
//! `{"code": "...", "message": "<中文>", "message_en": "<English>", "details": ...}`.
//! Server errors are logged with the request id and never echo internals.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use gongzhi_domain::event::StepError;
use gongzhi_service::ServiceError;
use gongzhi_service::accounts::AccountError;
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
    pub(crate) fn new(
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

    /// A catalogue or responsibility list that does not validate.
    pub fn invalid_config(why: String) -> Self {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_config",
            format!("配置无效：{why}"),
            why,
        )
    }

    /// 401: not signed in, or the session ended.
    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "未登录或会话已过期，请重新登录",
            "not signed in, or the session has expired",
        )
    }

    /// 403: the caller may not do this.
    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", zh, en)
    }

    /// An upload that is not a photo of an accepted type.
    pub fn unsupported_media(why: impl std::fmt::Display) -> Self {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("仅接受 JPEG、PNG、WebP 图片：{why}"),
            format!("only JPEG, PNG and WebP photos are accepted: {why}"),
        )
    }

    /// An upload over the size limit.
    pub fn too_large(size: usize, limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("文件 {size} 字节，超过上限 {limit} 字节"),
            format!("the file is {size} bytes, over the limit of {limit}"),
        )
    }

    /// HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What went wrong, in English: for answers in other formats, such as
    /// Open311's error list.
    pub(crate) fn message_en(&self) -> &str {
        &self.body.message_en
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound { what, key } => {
                let zh = match what {
                    "event" => "事件",
                    "attachment" => "附件",
                    _ => what,
                };
                ApiError::not_found(zh, what, &key)
            }
            ServiceError::Step(StepError::Illegal(illegal)) => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    "illegal_transition",
                    format!(
                        "事件当前状态为 {}，不能执行 {}；可执行：{}",
                        illegal.state,
                        illegal.action,
                        if illegal.allowed.is_empty() {
                            "无".to_owned()
                        } else {
                            illegal.allowed.join("、")
                        }
                    ),
                    illegal.to_string(),
                );
                e.body.details = Some(serde_json::json!({
                    "state": illegal.state,
                    "suspended": illegal.suspended,
                    "action": illegal.action,
                    "allowed": illegal.allowed,
                }));
                e
            }
            ServiceError::Step(StepError::Forbidden {
                action,
                role,
                reason,
            }) => {
                let mut e = ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("角色 {role} 无权执行 {action}：{reason}"),
                    format!("a {role} may not {action}: {reason}"),
                );
                e.body.details = Some(serde_json::json!({ "action": action, "role": role }));
                e
            }
            ServiceError::Step(StepError::Invalid { field, reason }) => {
                let mut e = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_field",
                    format!("字段 {field} 无效：{reason}"),
                    format!("{field}: {reason}"),
                );
                e.body.details = Some(serde_json::json!({ "field": field }));
                e
            }
            ServiceError::Denied(denied) => {
                let mut e = ApiError::forbidden(
                    format!("角色 {} 没有权限 {}", denied.role, denied.permission),
                    denied.to_string(),
                );
                e.body.details = Some(serde_json::json!({ "permission": denied.permission }));
                e
            }
            ServiceError::Account(e) => account_error(e),
            ServiceError::Catalogue(e) => ApiError::invalid_config(e.to_string()),
            ServiceError::Responsibility(e) => ApiError::invalid_config(e.to_string()),
            ServiceError::Index(e) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_index",
                format!("指数定义或数据无效：{e}"),
                format!("invalid index definition or data: {e}"),
            ),
            ServiceError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(msg) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("操作冲突：{msg}"),
                msg,
            ),
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
/// timeout) the same JSON error body as every other failure. Errors a
/// handler already wrote as JSON or XML (Open311's error list) pass.
pub(crate) async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let written = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| {
            let v = v.as_bytes();
            v.starts_with(b"application/json") || v.starts_with(b"text/xml")
        });
    if written || !(status.is_client_error() || status.is_server_error()) {
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

/// The status and words of a failed sign-in or account change.
fn account_error(e: AccountError) -> ApiError {
    let en = e.to_string();
    match e {
        AccountError::BadCredentials => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "用户名或密码错误",
            en,
        ),
        AccountError::Locked(until) => ApiError::new(
            StatusCode::LOCKED,
            "account_locked",
            format!("登录失败次数过多，账号锁定至 {until}"),
            en,
        ),
        AccountError::BadCode => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_code",
            "验证码错误或已过期，请重新获取",
            en,
        ),
        AccountError::TooSoon => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_soon",
            "验证码发送过于频繁，请稍后再试",
            en,
        ),
        AccountError::Unauthenticated => ApiError::unauthenticated(),
        AccountError::Csrf => ApiError::forbidden("X-CSRF-Token 与会话不符", en),
        AccountError::Invalid { field, reason } => {
            let mut e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                format!("字段 {field} 无效：{reason}"),
                en,
            );
            e.body.details = Some(serde_json::json!({ "field": field }));
            e
        }
    }
}
