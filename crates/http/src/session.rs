//! Signing in and out, and the accounts an administrator keeps: staff sign
//! in with a password, citizens with a code sent to their phone; both get
//! an HttpOnly, SameSite=Strict session cookie and a CSRF token to send
//! back in `X-CSRF-Token`. Users and API tokens are managed here too.

use crate::caller::{Caller, SESSION_COOKIE, cookie};
use crate::extract::Path;
use crate::regions::parse_code;
use crate::{ApiError, AppState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

use axum::{Json, Router, extract::State};
use gongzhi_domain::access::{Principal, Scope};
use gongzhi_service::accounts::{OpenedSession, UserSpec, csrf_token_of};
use gongzhi_store::UserRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(sign_in).get(me).delete(sign_out))
        .route("/session/code", post(send_code))
        .route("/session/citizen", post(sign_in_with_code))
        .route("/session/password", put(change_password))
        .route("/users", get(users).post(create_user))
        .route("/users/{id}", put(update_user))
        .route("/tokens", post(issue_token))
        .route("/tokens/{id}", delete(revoke_token))
}

/// A staff member's sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Login name.
    pub login: String,
    /// Password.
    pub password: String,
}

/// A citizen's request for a code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Mainland mobile number.
    pub phone: String,
}

/// A citizen's sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeSignIn {
    /// Mainland mobile number.
    pub phone: String,
    /// The six digits sent to it.
    pub code: String,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub old_password: String,
    /// The new one: at least 10 characters of three kinds.
    pub new_password: String,
}

/// Who is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Login.
    pub id: String,
    /// Name.
    pub name: String,
    /// The part they play in the loop.
    pub role: String,
    /// Their department.
    pub department: Option<String>,
    /// The region whose subtree they see (their jurisdiction), if bounded
    /// by one.
    pub region: Option<String>,
    /// The grids they work in (grid workers).
    pub grids: Vec<String>,
    /// What they may do.
    pub permissions: Vec<String>,
}

impl Me {
    fn of(p: &Principal) -> Me {
        Me {
            id: p.actor.id.clone(),
            name: p.actor.name.clone(),
            role: p.actor.role.as_str().into(),
            department: p.actor.department.clone(),
            region: match &p.scope {
                Scope::Region(region) | Scope::Department { region, .. } => {
                    Some(region.to_string())
                }
                _ => None,
            },
            grids: match &p.scope {
                Scope::Grids(grids) => grids.iter().map(ToString::to_string).collect(),
                _ => Vec::new(),
            },
            permissions: p.permissions.iter().map(|x| x.as_str().into()).collect(),
        }
    }
}

/// A session just opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct Opened {
    /// Who signed in.
    pub user: Me,
    /// Send it back in `X-CSRF-Token` with every change.
    pub csrf_token: String,
    /// The password was set by an administrator and must be changed first.
    pub must_change_password: bool,
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid_parameter("body", e))
}

/// The `Set-Cookie` value of a session cookie; an empty token clears it.
fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let max_age = if token.is_empty() { "; Max-Age=0" } else { "" };
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}{max_age}"
    ))
    .expect("a cookie of URL-safe characters")
}

fn opened(state: &AppState, session: OpenedSession) -> Response {
    let mut response = Json(Opened {
        user: Me::of(&session.principal),
        csrf_token: session.csrf,
        must_change_password: session.must_change,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, &session.token));
    response
}

/// Signs a staff member in with their password. Five failures in a row
/// lock the account for 15 minutes (423).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = Opened), (status = 401, body = crate::error::ErrorBody),
        (status = 423, body = crate::error::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let b: SignIn = parse(&body)?;
    let session = state
        .accounts
        .sign_in(&b.login, &b.password, (state.now)())
        .await?;
    Ok(opened(&state, session))
}

/// Sends a citizen a six-digit code by SMS, at most once a minute.
#[utoipa::path(post, path = "/api/v1/session/code", tag = "session", request_body = CodeRequest,
    responses((status = 202), (status = 422, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn send_code(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let b: CodeRequest = parse(&body)?;
    state.accounts.send_code(&b.phone, (state.now)()).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Signs a citizen in with the code sent to their phone.
#[utoipa::path(post, path = "/api/v1/session/citizen", tag = "session", request_body = CodeSignIn,
    responses((status = 200, body = Opened), (status = 401, body = crate::error::ErrorBody)))]
pub async fn sign_in_with_code(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let b: CodeSignIn = parse(&body)?;
    let session = state
        .accounts
        .sign_in_with_code(&b.phone, &b.code, (state.now)())
        .await?;
    Ok(opened(&state, session))
}

fn signed_in(caller: &Principal) -> Result<(), ApiError> {
    if caller.actor.id == Principal::anonymous().actor.id {
        return Err(ApiError::unauthenticated());
    }
    Ok(())
}

/// Who is signed in, with the session's CSRF token again (for a page
/// reloaded in the same browser; empty for an API token).
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = Opened), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
) -> Result<Json<Opened>, ApiError> {
    signed_in(&caller)?;
    let must_change_password = state
        .store
        .user(&caller.actor.id)
        .await?
        .is_some_and(|u| u.must_change);
    Ok(Json(Opened {
        user: Me::of(&caller),
        csrf_token: cookie(&headers, SESSION_COOKIE)
            .map(csrf_token_of)
            .unwrap_or_default(),
        must_change_password,
    }))
}

/// Signs out: the session ends and its cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn sign_out(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    signed_in(&caller)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.accounts.sign_out(token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, ""));
    Ok(response)
}

/// Changes the signed-in user's password; every session of theirs ends.
#[utoipa::path(put, path = "/api/v1/session/password", tag = "session",
    request_body = PasswordChange,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    signed_in(&caller)?;
    let b: PasswordChange = parse(&body)?;
    state
        .accounts
        .change_password(&caller, &b.old_password, &b.new_password, (state.now)())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user as an administrator sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Login.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Jurisdiction.
    pub region: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Grids.
    pub grids: Vec<String>,
    /// Phone, masked.
    pub phone: Option<String>,
    /// Locked out or disabled.
    pub disabled: bool,
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> Self {
        UserView {
            id: u.id.clone(),
            name: u.name.clone(),
            role: u.role.clone(),
            region: u.region.as_ref().map(|r| r.as_str().into()),
            department: u.department.clone(),
            grids: u.grids.iter().map(|g| g.as_str().into()).collect(),
            phone: u.phone.as_deref().map(gongzhi_domain::event::mask_phone),
            disabled: u.disabled,
        }
    }
}

/// Every user.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let users = state.accounts.users(&caller).await?;
    Ok(Json(users.iter().map(UserView::from).collect()))
}

/// A user created, with their one-time password.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    /// The user.
    pub user: UserView,
    /// Shown once; they must change it at first sign-in.
    pub one_time_password: String,
}

/// Creates a user with a one-time password.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserBody,
    responses((status = 201, body = CreatedUser), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    let b: UserBody = parse(&body)?;
    if b.disabled {
        return Err(ApiError::invalid_parameter(
            "disabled",
            "a new user starts enabled",
        ));
    }
    let id =
        b.id.clone()
            .ok_or_else(|| ApiError::invalid_parameter("id", "a new user needs a login"))?;
    let spec = b.spec(id.clone())?;
    let password = state
        .accounts
        .create_user(&caller, spec, (state.now)())
        .await?;
    let user = stored_user(&state, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user: UserView::from(&user),
            one_time_password: password,
        }),
    ))
}

/// The user `id` as stored.
async fn stored_user(state: &AppState, id: &str) -> Result<UserRecord, ApiError> {
    state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found("用户", "user", id))
}

/// A user as an administrator writes them: with `id` to create one, at
/// `/users/{id}` to change one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    /// Login name (creation only).
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// Role machine name.
    pub role: String,
    /// Jurisdiction (region code).
    pub region: Option<String>,
    /// Department code.
    pub department: Option<String>,
    /// Grid codes.
    #[serde(default)]
    pub grids: Vec<String>,
    /// Mobile phone.
    pub phone: Option<String>,
    /// May not sign in (changes only).
    #[serde(default)]
    pub disabled: bool,
}

impl UserBody {
    /// The user `id` as this body describes them.
    fn spec(self, id: String) -> Result<UserSpec, ApiError> {
        Ok(UserSpec {
            id,
            name: self.name,
            role: self.role,
            region: self
                .region
                .as_deref()
                .map(|r| parse_code("region", r))
                .transpose()?,
            department: self.department,
            grids: self
                .grids
                .iter()
                .map(|g| parse_code("grids", g))
                .collect::<Result<_, _>>()?,
            phone: self.phone,
        })
    }
}

/// Changes a user's role, jurisdiction or details, or disables them;
/// their sessions end. Audited.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", request_body = UserBody,
    params(("id" = String, Path, description = "Login")),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<UserView>, ApiError> {
    let b: UserBody = parse(&body)?;
    if b.id.as_ref().is_some_and(|given| *given != id) {
        return Err(ApiError::invalid_parameter(
            "id",
            "differs from the path's: a login is never renamed",
        ));
    }
    let disabled = b.disabled;
    state
        .accounts
        .update_user(&caller, b.spec(id.clone())?, disabled, (state.now)())
        .await?;
    let user = stored_user(&state, &id).await?;
    Ok(Json(UserView::from(&user)))
}

/// A token to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The user whose role and jurisdiction it carries.
    pub user: String,
    /// What it is for.
    pub name: String,
}

/// A token issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// Its identifier, to revoke it.
    pub id: String,
    /// The token, shown once: `Authorization: Bearer <token>`.
    pub token: String,
}

/// Issues an API token for another system.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "users", request_body = NewToken,
    responses((status = 201, body = IssuedToken), (status = 403, body = crate::error::ErrorBody)))]
pub async fn issue_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let b: NewToken = parse(&body)?;
    let (record, token) = state
        .accounts
        .issue_token(&caller, &b.user, &b.name, (state.now)())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            id: record.id,
            token,
        }),
    ))
}

/// Revokes an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "users",
    params(("id" = String, Path, description = "Token identifier")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state
        .accounts
        .revoke_token(&caller, &id, (state.now)())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("令牌", "token", &id))
    }
}
