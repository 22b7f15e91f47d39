//! Signing in and who is asking: staff sign in with a password (Argon2id,
//! locked for [`LOCKOUT_SECS`] after [`MAX_FAILURES`] failures), citizens
//! with a one-time code sent to their phone, other systems with an API
//! token. Each way ends in a [`Principal`] whose scope comes from the
//! user's role and jurisdiction. Session tokens, CSRF tokens, API tokens
//! and codes are random and kept only as SHA-256 hashes; logins, failures
//! and changes to users and tokens are audited.

use crate::ServiceError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{Duration, NaiveDateTime};
use gongzhi_domain::RegionCode;
use gongzhi_domain::access::{
    LOCKOUT_SECS, MAX_FAILURES, MobileNumber, Permission, Principal, RoleDef, Roles, Scope,
    ScopeKind, check_password,
};
use gongzhi_domain::actor::Actor;
use gongzhi_domain::audit::{AuditKind, AuditRecord};
use gongzhi_store::{CodeRecord, SessionRecord, Store, StoreError, TokenRecord, UserRecord};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How one-time codes reach citizens' phones. A city plugs in its SMS
/// gateway; [`LogSms`] writes them to the log for development.
pub trait SmsSender: Send + Sync {
    /// Sends `code` to `phone`.
    fn send_code(&self, phone: &MobileNumber, code: &str) -> Result<(), String>;
}

/// An [`SmsSender`] that writes each code to the log: for development and
/// the demo only.
#[derive(Debug, Default)]
pub struct LogSms;

impl SmsSender for LogSms {
    fn send_code(&self, phone: &MobileNumber, code: &str) -> Result<(), String> {
        tracing::warn!(phone = %phone.masked(), code, "one-time code (development SMS sender)");
        Ok(())
    }
}

/// Settings of signing in.
#[derive(Debug, Clone, Copy)]
pub struct SignInPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A one-time code is good this long.
    pub code_life: Duration,
    /// Wrong guesses a code survives.
    pub code_attempts: u32,
    /// A new code is sent at most this often to one phone.
    pub code_interval: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            idle: Duration::minutes(30),
            code_life: Duration::minutes(5),
            code_attempts: 5,
            code_interval: Duration::seconds(60),
        }
    }
}

/// Why signing in or an account change failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Wrong login or password, or an unknown or disabled user; which of
    /// them is not said.
    #[error("the login name or password is wrong")]
    BadCredentials,
    /// Too many failures.
    #[error("the account is locked until {0} after {MAX_FAILURES} failed sign-ins")]
    Locked(NaiveDateTime),
    /// A wrong, expired or used-up one-time code.
    #[error("the code is wrong or has expired: ask for a new one")]
    BadCode,
    /// A code was asked for again too soon.
    #[error("a code was sent less than a minute ago")]
    TooSoon,
    /// A change under a session without the session's CSRF token.
    #[error("the X-CSRF-Token header does not match the session")]
    Csrf,
    /// The session or token is unknown, ended or expired.
    #[error("not signed in, or the session has expired")]
    Unauthenticated,
    /// A field of a request is wrong.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// A session just opened: the cookie's token and the CSRF token, shown
/// once.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    /// Goes in the session cookie.
    pub token: String,
    /// Sent back in `X-CSRF-Token` with every change.
    pub csrf: String,
    /// Who signed in.
    pub principal: Principal,
    /// The password must be changed before anything else.
    pub must_change: bool,
}

/// What a new or changed user is.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Login name.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role machine name.
    pub role: String,
    /// Jurisdiction.
    pub region: Option<RegionCode>,
    /// Department code.
    pub department: Option<String>,
    /// Grids of a grid worker.
    pub grids: Vec<RegionCode>,
    /// Mobile phone.
    pub phone: Option<String>,
}

/// Accounts over a store. See the module documentation.
pub struct Accounts {
    store: Arc<dyn Store>,
    roles: Roles,
    sms: Box<dyn SmsSender>,
    policy: SignInPolicy,
    /// A hash of a password nobody has, checked when a login is unknown so
    /// that an unknown login costs what a known one does.
    decoy: String,
    /// Principals of API tokens recently presented, by token hash, with
    /// when they were read: another system's every request would
    /// otherwise read its token and user again.
    tokens: Mutex<HashMap<String, (Principal, Instant)>>,
}

/// How long a token's principal is reused before it is read again: the
/// longest a revocation or a change made by another process takes to
/// hold here (this process's own take effect at once).
const TOKEN_CACHE: std::time::Duration = std::time::Duration::from_secs(30);

/// 32 random bytes as URL-safe text: session, CSRF and API tokens.
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of `text`, hex: how random tokens are kept.
pub fn token_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The CSRF token of a session: bound to the session token, so the session
/// can hand it again to a page reloaded in the same browser, and useless
/// without the cookie, which another site can neither read nor send.
pub fn csrf_token_of(session_token: &str) -> String {
    token_hash(&format!("csrf:{session_token}"))
}

/// A password of 16 random characters meeting the policy, for a first
/// administrator or a reset.
pub fn one_time_password() -> String {
    let token = random_token();
    format!("Gz-{}7", &token[..12])
}

/// An Argon2id hash (PHC form) of `password` under a random salt.
fn hash_password(password: &str) -> Result<String, ServiceError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Store(StoreError::Backend(format!("password hash: {e}"))))
}

fn password_matches(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Runs Argon2 off the threads that answer requests.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServiceError::Store(StoreError::Backend(format!("password work: {e}"))))
}

fn audit(
    actor: &str,
    role: &str,
    kind: AuditKind,
    subject: &str,
    detail: serde_json::Value,
    at: NaiveDateTime,
) -> AuditRecord {
    AuditRecord {
        at,
        actor: actor.to_owned(),
        role: role.to_owned(),
        kind,
        subject: subject.to_owned(),
        detail: detail.to_string(),
    }
}

impl Accounts {
    /// Accounts over `store` with these roles, sending codes through `sms`.
    pub fn new(
        store: Arc<dyn Store>,
        roles: Roles,
        sms: Box<dyn SmsSender>,
        policy: SignInPolicy,
    ) -> Result<Accounts, ServiceError> {
        Ok(Accounts {
            store,
            roles,
            sms,
            policy,
            decoy: hash_password(&random_token())?,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// The roles in force.
    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    fn role(&self, name: &str) -> Result<&RoleDef, ServiceError> {
        self.roles.get(name).ok_or_else(|| {
            ServiceError::Account(AccountError::Invalid {
                field: "role",
                reason: format!("{name:?} is not a role"),
            })
        })
    }

    /// The principal of a stored user.
    pub fn principal(&self, user: &UserRecord) -> Result<Principal, ServiceError> {
        let role = self.role(&user.role)?;
        let region = || {
            user.region.clone().ok_or_else(|| {
                ServiceError::Store(StoreError::Corrupt(format!(
                    "user {:?} has no jurisdiction",
                    user.id
                )))
            })
        };
        let phone = user.phone.as_deref().and_then(MobileNumber::parse);
        let scope = match role.scope {
            ScopeKind::Jurisdiction => Scope::Region(region()?),
            ScopeKind::Department => Scope::Department {
                region: region()?,
                department: user.department.clone().unwrap_or_default(),
            },
            ScopeKind::Grids => Scope::Grids(user.grids.clone()),
            ScopeKind::Own => match &phone {
                Some(p) => Scope::Reporter(self.store.phone_key(p.as_str())),
                None => Scope::Nothing,
            },
        };
        Ok(Principal {
            actor: Actor {
                id: user.id.clone(),
                name: user.name.clone(),
                role: role.acts_as,
                department: user.department.clone(),
            },
            scope,
            permissions: role.permissions.clone(),
            phone: phone.filter(|_| role.scope == ScopeKind::Own),
        })
    }

    /// Checks a user against the role's needs: a jurisdiction for staff,
    /// a department for department scopes, grids for grid scopes.
    fn check_spec(&self, spec: &UserSpec) -> Result<(), ServiceError> {
        let invalid = |field, reason: &str| {
            Err(ServiceError::Account(AccountError::Invalid {
                field,
                reason: reason.into(),
            }))
        };
        let valid_id = (2..=64).contains(&spec.id.len())
            && spec
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !valid_id {
            return invalid("id", "must be 2 to 64 of A-Z, a-z, 0-9, _, - and .");
        }
        if spec.name.trim().is_empty() || spec.name.chars().count() > 50 {
            return invalid("name", "must be 1 to 50 characters");
        }
        let role = self.role(&spec.role)?;
        match role.scope {
            ScopeKind::Jurisdiction | ScopeKind::Department if spec.region.is_none() => {
                return invalid("region", "staff need a jurisdiction");
            }
            ScopeKind::Department if spec.department.is_none() => {
                return invalid("department", "this role works for a department");
            }
            ScopeKind::Grids if spec.grids.is_empty() => {
                return invalid("grids", "a grid worker needs their grids");
            }
            _ => {}
        }
        if let Some(phone) = &spec.phone
            && MobileNumber::parse(phone).is_none()
        {
            return invalid("phone", "is not a mainland mobile number");
        }
        Ok(())
    }

    /// The record of a new user `spec` with a fresh one-time password, and
    /// the password.
    async fn new_user(
        &self,
        spec: UserSpec,
        must_change: bool,
        now: NaiveDateTime,
    ) -> Result<(UserRecord, String), ServiceError> {
        self.check_spec(&spec)?;
        let password = one_time_password();
        let hash = {
            let p = password.clone();
            blocking(move || hash_password(&p)).await??
        };
        let record = UserRecord {
            id: spec.id,
            name: spec.name,
            role: spec.role,
            region: spec.region,
            department: spec.department,
            grids: spec.grids,
            phone: spec.phone,
            password_hash: Some(hash),
            must_change,
            failures: 0,
            locked_until: None,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        Ok((record, password))
    }

    /// Creates a staff user with a one-time password they must change;
    /// returns the password, shown once.
    pub async fn create_user(
        &self,
        caller: &Principal,
        spec: UserSpec,
        now: NaiveDateTime,
    ) -> Result<String, ServiceError> {
        caller.require(Permission::ManageUsers)?;
        let detail = serde_json::json!({
            "created": true,
            "role": spec.role,
            "region": spec.region.as_ref().map(RegionCode::as_str),
            "department": spec.department,
        });
        let (record, password) = self.new_user(spec, true, now).await?;
        let entry = audit(
            &caller.actor.id,
            caller.actor.role.as_str(),
            AuditKind::Permission,
            &record.id,
            detail,
            now,
        );
        self.store.insert_user(&record, &[entry]).await?;
        Ok(password)
    }

    /// Changes a user's name, role, jurisdiction, grids or phone, or
    /// disables them; audited as a permission change, and their sessions
    /// end so that the change holds at once.
    pub async fn update_user(
        &self,
        caller: &Principal,
        spec: UserSpec,
        disabled: bool,
        now: NaiveDateTime,
    ) -> Result<(), ServiceError> {
        caller.require(Permission::ManageUsers)?;
        self.check_spec(&spec)?;
        let mut user = self
            .store
            .user(&spec.id)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                what: "user",
                key: spec.id.clone(),
            })?;
        let before = serde_json::json!({
            "role": user.role,
            "region": user.region.as_ref().map(RegionCode::as_str),
            "department": user.department,
            "grids": user.grids.iter().map(RegionCode::as_str).collect::<Vec<_>>(),
            "disabled": user.disabled,
        });
        let after = serde_json::json!({
            "role": spec.role,
            "region": spec.region.as_ref().map(RegionCode::as_str),
            "department": spec.department,
            "grids": spec.grids.iter().map(RegionCode::as_str).collect::<Vec<_>>(),
            "disabled": disabled,
        });
        user.name = spec.name;
        user.role = spec.role;
        user.region = spec.region;
        user.department = spec.department;
        user.grids = spec.grids;
        user.phone = spec.phone;
        user.disabled = disabled;
        user.updated_at = now;
        let entry = audit(
            &caller.actor.id,
            caller.actor.role.as_str(),
            AuditKind::Permission,
            &user.id,
            serde_json::json!({"before": before, "after": after}),
            now,
        );
        self.store.update_user(&user, &[entry]).await?;
        self.store.delete_sessions_of(&user.id).await?;
        self.forget_tokens();
        Ok(())
    }

    /// Creates a demo user, or gives an existing one a fresh password;
    /// returns the password (demo mode only: nobody must change it).
    pub async fn demo_user(
        &self,
        spec: UserSpec,
        now: NaiveDateTime,
    ) -> Result<String, ServiceError> {
        let (record, password) = self.new_user(spec, false, now).await?;
        if self.store.user(&record.id).await?.is_some() {
            self.store.update_user(&record, &[]).await?;
        } else {
            self.store.insert_user(&record, &[]).await?;
        }
        Ok(password)
    }

    /// Creates the first administrator when there is no user at all;
    /// returns their login and one-time password, to be printed once.
    pub async fn bootstrap_admin(
        &self,
        region: RegionCode,
        now: NaiveDateTime,
    ) -> Result<Option<(String, String)>, ServiceError> {
        if !self.store.users().await?.is_empty() {
            return Ok(None);
        }
        let spec = UserSpec {
            id: "admin".into(),
            name: "系统管理员".into(),
            role: "admin".into(),
            region: Some(region),
            department: None,
            grids: Vec::new(),
            phone: None,
        };
        let password = self.create_user(&Principal::system(), spec, now).await?;
        Ok(Some(("admin".into(), password)))
    }

    /// Signs a staff user in with their password.
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<OpenedSession, ServiceError> {
        let Some(mut user) = self.store.user(login).await? else {
            // The same work as for a real user, so timing does not tell.
            let (p, decoy) = (password.to_owned(), self.decoy.clone());
            blocking(move || password_matches(&p, &decoy)).await?;
            return Err(AccountError::BadCredentials.into());
        };
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Err(AccountError::Locked(until).into());
        }
        let matches = match user.password_hash.clone() {
            Some(hash) => {
                let p = password.to_owned();
                blocking(move || password_matches(&p, &hash)).await?
            }
            None => false,
        };
        if !matches || user.disabled {
            user.failures += 1;
            if user.failures >= MAX_FAILURES {
                user.failures = 0;
                user.locked_until = Some(now + Duration::seconds(LOCKOUT_SECS));
            }
            user.updated_at = now;
            let entry = audit(
                login,
                &user.role,
                AuditKind::LoginFailed,
                login,
                serde_json::json!({"locked": user.locked_until.is_some_and(|u| u > now)}),
                now,
            );
            self.store.update_user(&user, &[entry]).await?;
            return Err(match user.locked_until.filter(|u| *u > now) {
                Some(until) => AccountError::Locked(until),
                None => AccountError::BadCredentials,
            }
            .into());
        }
        user.failures = 0;
        user.locked_until = None;
        user.updated_at = now;
        let entry = audit(
            login,
            &user.role,
            AuditKind::Login,
            login,
            serde_json::json!({"by": "password"}),
            now,
        );
        self.store.update_user(&user, &[entry]).await?;
        self.open_session(&user, now).await
    }

    async fn open_session(
        &self,
        user: &UserRecord,
        now: NaiveDateTime,
    ) -> Result<OpenedSession, ServiceError> {
        let token = random_token();
        let csrf = csrf_token_of(&token);
        self.store
            .insert_session(&SessionRecord {
                token_hash: token_hash(&token),
                user_id: user.id.clone(),
                csrf_hash: token_hash(&csrf),
                created_at: now,
                seen_at: now,
            })
            .await?;
        Ok(OpenedSession {
            token,
            csrf,
            principal: self.principal(user)?,
            must_change: user.must_change,
        })
    }

    /// Sends a one-time code to a citizen's phone.
    pub async fn send_code(&self, phone: &str, now: NaiveDateTime) -> Result<(), ServiceError> {
        let mobile = MobileNumber::parse(phone).ok_or(AccountError::Invalid {
            field: "phone",
            reason: "is not a mainland mobile number".into(),
        })?;
        if let Some(last) = self.store.code(mobile.as_str()).await?
            && now - last.sent_at < self.policy.code_interval
        {
            return Err(AccountError::TooSoon.into());
        }
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).expect("the operating system's random source");
        let code = format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000);
        self.store
            .put_code(
                mobile.as_str(),
                &CodeRecord {
                    code_hash: token_hash(&format!("{}:{code}", mobile.as_str())),
                    sent_at: now,
                    attempts: 0,
                },
            )
            .await?;
        self.sms.send_code(&mobile, &code).map_err(|e| {
            ServiceError::Store(StoreError::Backend(format!("the SMS sender failed: {e}")))
        })
    }

    /// Signs a citizen in with the code sent to their phone, creating their
    /// account on first sign-in.
    pub async fn sign_in_with_code(
        &self,
        phone: &str,
        code: &str,
        now: NaiveDateTime,
    ) -> Result<OpenedSession, ServiceError> {
        let mobile = MobileNumber::parse(phone).ok_or(AccountError::Invalid {
            field: "phone",
            reason: "is not a mainland mobile number".into(),
        })?;
        let Some(sent) = self.store.code(mobile.as_str()).await? else {
            return Err(AccountError::BadCode.into());
        };
        let expired = now - sent.sent_at > self.policy.code_life
            || sent.attempts >= self.policy.code_attempts;
        if expired {
            self.store.delete_code(mobile.as_str()).await?;
            return Err(AccountError::BadCode.into());
        }
        if token_hash(&format!("{}:{code}", mobile.as_str())) != sent.code_hash {
            self.store.code_missed(mobile.as_str()).await?;
            return Err(AccountError::BadCode.into());
        }
        self.store.delete_code(mobile.as_str()).await?;
        let citizen = self
            .store
            .users_by_phone(mobile.as_str())
            .await?
            .into_iter()
            .find(|u| {
                self.roles
                    .get(&u.role)
                    .is_some_and(|r| r.scope == ScopeKind::Own)
            });
        let user = match citizen {
            Some(user) => user,
            None => {
                let user = UserRecord {
                    id: format!("c-{}", &self.store.phone_key(mobile.as_str())[..16]),
                    name: mobile.masked(),
                    role: "citizen".into(),
                    region: None,
                    department: None,
                    grids: Vec::new(),
                    phone: Some(mobile.as_str().to_owned()),
                    password_hash: None,
                    must_change: false,
                    failures: 0,
                    locked_until: None,
                    disabled: false,
                    created_at: now,
                    updated_at: now,
                };
                self.store.insert_user(&user, &[]).await?;
                user
            }
        };
        if user.disabled {
            return Err(AccountError::BadCredentials.into());
        }
        let entry = audit(
            &user.id,
            &user.role,
            AuditKind::Login,
            &user.id,
            serde_json::json!({"by": "one_time_code"}),
            now,
        );
        self.store.append_audit(&[entry]).await?;
        self.open_session(&user, now).await
    }

    /// The principal of a session token, if the session is live; notes the
    /// request so the session stays open. With `csrf`, the CSRF token must
    /// match too (requests that change something).
    pub async fn session(
        &self,
        token: &str,
        csrf: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Principal, ServiceError> {
        let hash = token_hash(token);
        let Some(session) = self.store.session(&hash).await? else {
            return Err(AccountError::Unauthenticated.into());
        };
        if now - session.seen_at > self.policy.idle {
            self.store.delete_session(&hash).await?;
            return Err(AccountError::Unauthenticated.into());
        }
        if let Some(csrf) = csrf
            && token_hash(csrf) != session.csrf_hash
        {
            return Err(AccountError::Csrf.into());
        }
        let user = self
            .store
            .user(&session.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AccountError::Unauthenticated)?;
        if now - session.seen_at > Duration::seconds(30) {
            self.store.touch_session(&hash, now).await?;
        }
        self.principal(&user)
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<(), ServiceError> {
        Ok(self.store.delete_session(&token_hash(token)).await?)
    }

    /// Changes the signed-in user's password, checking the old one; ends
    /// their other sessions.
    pub async fn change_password(
        &self,
        caller: &Principal,
        old: &str,
        new: &str,
        now: NaiveDateTime,
    ) -> Result<(), ServiceError> {
        let mut user = self
            .store
            .user(&caller.actor.id)
            .await?
            .ok_or(AccountError::Unauthenticated)?;
        let hash = user.password_hash.clone().unwrap_or_default();
        let old_owned = old.to_owned();
        if !blocking(move || password_matches(&old_owned, &hash)).await? {
            return Err(AccountError::BadCredentials.into());
        }
        check_password(new, &user.id).map_err(|e| AccountError::Invalid {
            field: "new_password",
            reason: e.to_string(),
        })?;
        let new_owned = new.to_owned();
        user.password_hash = Some(blocking(move || hash_password(&new_owned)).await??);
        user.must_change = false;
        user.updated_at = now;
        let entry = audit(
            &user.id,
            &user.role,
            AuditKind::Permission,
            &user.id,
            serde_json::json!({"password_changed": true}),
            now,
        );
        self.store.update_user(&user, &[entry]).await?;
        self.store.delete_sessions_of(&user.id).await?;
        Ok(())
    }

    /// Issues an API token acting as `user_id`; returns it, shown once.
    pub async fn issue_token(
        &self,
        caller: &Principal,
        user_id: &str,
        name: &str,
        now: NaiveDateTime,
    ) -> Result<(TokenRecord, String), ServiceError> {
        caller.require(Permission::ManageUsers)?;
        let user = self
            .store
            .user(user_id)
            .await?
            .ok_or(ServiceError::NotFound {
                what: "user",
                key: user_id.to_owned(),
            })?;
        let token = format!("gz_{}", random_token());
        let record = TokenRecord {
            id: random_token()[..12].to_owned(),
            token_hash: token_hash(&token),
            name: name.to_owned(),
            user_id: user.id.clone(),
            created_at: now,
            revoked_at: None,
        };
        let entry = audit(
            &caller.actor.id,
            caller.actor.role.as_str(),
            AuditKind::Permission,
            &user.id,
            serde_json::json!({"token_issued": record.id, "name": name}),
            now,
        );
        self.store.insert_token(&record, &[entry]).await?;
        Ok((record, token))
    }

    /// Revokes an API token; whether it was live.
    pub async fn revoke_token(
        &self,
        caller: &Principal,
        id: &str,
        now: NaiveDateTime,
    ) -> Result<bool, ServiceError> {
        caller.require(Permission::ManageUsers)?;
        let entry = audit(
            &caller.actor.id,
            caller.actor.role.as_str(),
            AuditKind::Permission,
            id,
            serde_json::json!({"token_revoked": id}),
            now,
        );
        let revoked = self.store.revoke_token(id, now, &[entry]).await?;
        self.forget_tokens();
        Ok(revoked)
    }

    /// The principal of an API token, if it is live and its user enabled.
    pub async fn token(&self, token: &str) -> Result<Principal, ServiceError> {
        let hash = token_hash(token);
        if let Some((principal, _)) = self
            .cached_tokens()
            .get(&hash)
            .filter(|(_, read)| read.elapsed() < TOKEN_CACHE)
        {
            return Ok(principal.clone());
        }
        let principal = self.read_token(&hash).await?;
        let mut cached = self.cached_tokens();
        cached.retain(|_, (_, read)| read.elapsed() < TOKEN_CACHE);
        cached.insert(hash, (principal.clone(), Instant::now()));
        Ok(principal)
    }

    fn cached_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Principal, Instant)>> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets every token's principal: after a change to users or tokens.
    fn forget_tokens(&self) {
        self.cached_tokens().clear();
    }

    async fn read_token(&self, hash: &str) -> Result<Principal, ServiceError> {
        let record = self
            .store
            .token(hash)
            .await?
            .filter(|t| t.revoked_at.is_none())
            .ok_or(AccountError::Unauthenticated)?;
        let user = self
            .store
            .user(&record.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AccountError::Unauthenticated)?;
        self.principal(&user)
    }

    /// Every user.
    pub async fn users(&self, caller: &Principal) -> Result<Vec<UserRecord>, ServiceError> {
        caller.require(Permission::ManageUsers)?;
        Ok(self.store.users().await?)
    }
}
