//! Storage of accounts: users with their role and jurisdiction, sign-in
//! sessions, API tokens and citizens' one-time codes. Only hashes of
//! secrets reach a row; a user's phone is sealed and found by its keyed
//! hash ([`crate::personal`]). A change to who may do what is stored with
//! its audit entries in one transaction.

use crate::backend::{SqlBackend, StoreRow, fetch};
use crate::{StoreError, StoreResult, audit, personal, sql};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use gongzhi_domain::RegionCode;
use gongzhi_domain::audit::AuditRecord;
use gongzhi_domain::calendar::{epoch_of_local, local_of_epoch};
use sqlx::{Database, Encode, Executor, IntoArguments, Type};

/// A user as stored. The phone is plain here: the store seals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Login name, or `c-…` for a citizen.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The role's machine name ([`gongzhi_domain::access::Roles`]).
    pub role: String,
    /// Jurisdiction: the region whose subtree they work in.
    pub region: Option<RegionCode>,
    /// A department's code, for department staff.
    pub department: Option<String>,
    /// A grid worker's grids.
    pub grids: Vec<RegionCode>,
    /// Mobile phone.
    pub phone: Option<String>,
    /// Argon2id hash in PHC form; none for citizens, who sign in by code.
    pub password_hash: Option<String>,
    /// The password was set by someone else and must be changed.
    pub must_change: bool,
    /// Failed sign-ins in a row.
    pub failures: u32,
    /// Locked until, after too many failures.
    pub locked_until: Option<NaiveDateTime>,
    /// May not sign in.
    pub disabled: bool,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

/// A sign-in session, by the hash of the token its cookie holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the cookie's token, hex.
    pub token_hash: String,
    /// Whose.
    pub user_id: String,
    /// SHA-256 of the session's CSRF token, hex.
    pub csrf_hash: String,
    /// When signed in.
    pub created_at: NaiveDateTime,
    /// Last request.
    pub seen_at: NaiveDateTime,
}

/// An API token another system presents; it acts as its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Public identifier, shown in lists.
    pub id: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// What it is for.
    pub name: String,
    /// The user whose role and jurisdiction it carries.
    pub user_id: String,
    /// When issued.
    pub created_at: NaiveDateTime,
    /// When revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

/// A one-time code sent to a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// SHA-256 of the code with the phone's keyed hash, hex.
    pub code_hash: String,
    /// When sent.
    pub sent_at: NaiveDateTime,
    /// Wrong guesses so far.
    pub attempts: u32,
}

/// Accounts. See the module documentation.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Adds a user, with `audit` in the same transaction; a taken id is a
    /// [`StoreError::Conflict`].
    async fn insert_user(&self, user: &UserRecord, audit: &[AuditRecord]) -> StoreResult<()>;

    /// Replaces a user, with `audit` in the same transaction; an unknown id
    /// is a [`StoreError::Invalid`].
    async fn update_user(&self, user: &UserRecord, audit: &[AuditRecord]) -> StoreResult<()>;

    /// The user with `id`.
    async fn user(&self, id: &str) -> StoreResult<Option<UserRecord>>;

    /// Every user, by id.
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;

    /// The users with this phone number, by id.
    async fn users_by_phone(&self, phone: &str) -> StoreResult<Vec<UserRecord>>;

    /// Opens a session.
    async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()>;

    /// The session whose token hashes to `token_hash`.
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;

    /// Notes a request in a session.
    async fn touch_session(&self, token_hash: &str, seen_at: NaiveDateTime) -> StoreResult<()>;

    /// Ends one session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Ends every session of a user.
    async fn delete_sessions_of(&self, user_id: &str) -> StoreResult<()>;

    /// Issues a token, with `audit` in the same transaction.
    async fn insert_token(&self, token: &TokenRecord, audit: &[AuditRecord]) -> StoreResult<()>;

    /// The token that hashes to `token_hash`.
    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>>;

    /// Every token, newest first.
    async fn tokens(&self) -> StoreResult<Vec<TokenRecord>>;

    /// Revokes the token `id` at `at`, with `audit`; whether it was live.
    async fn revoke_token(
        &self,
        id: &str,
        at: NaiveDateTime,
        audit: &[AuditRecord],
    ) -> StoreResult<bool>;

    /// Keeps `code` as the one live code of `phone`, with no attempts.
    async fn put_code(&self, phone: &str, code: &CodeRecord) -> StoreResult<()>;

    /// The live code of `phone`.
    async fn code(&self, phone: &str) -> StoreResult<Option<CodeRecord>>;

    /// Counts a wrong guess at the code of `phone`.
    async fn code_missed(&self, phone: &str) -> StoreResult<()>;

    /// Removes the code of `phone` (used, or given up on).
    async fn delete_code(&self, phone: &str) -> StoreResult<()>;

    /// The keyed hash a phone number is found by.
    fn phone_key(&self, phone: &str) -> String;

    /// Seals again, under the primary key, every personal datum sealed
    /// under another key or still plain, and recomputes the keyed hashes;
    /// returns how many rows changed. Run after a key is added to the ring.
    async fn reseal(&self) -> StoreResult<u64>;
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("account {what}: {e}"))
}

fn instant(secs: i64) -> StoreResult<NaiveDateTime> {
    local_of_epoch(secs).ok_or_else(|| corrupt("instant", secs))
}

fn user_of(
    crypto: &dyn gongzhi_domain::crypto::Crypto,
    row: &impl StoreRow,
) -> StoreResult<UserRecord> {
    let code = |c: Option<String>| {
        c.map(|c| RegionCode::parse(&c).map_err(|e| corrupt("region", e)))
            .transpose()
    };
    let grids: Vec<String> =
        serde_json::from_str(&row.text("grids")?).map_err(|e| corrupt("grids", e))?;
    Ok(UserRecord {
        id: row.text("id")?,
        name: row.text("name")?,
        role: row.text("role")?,
        region: code(row.maybe_text("region_code")?)?,
        department: row.maybe_text("department")?,
        grids: grids
            .iter()
            .map(|g| RegionCode::parse(g).map_err(|e| corrupt("grid", e)))
            .collect::<StoreResult<_>>()?,
        phone: personal::open(crypto, row.maybe_text("phone_sealed")?)?,
        password_hash: row.maybe_text("password_hash")?,
        must_change: row.flag("must_change")?,
        failures: u32::try_from(row.count("failures")?).map_err(|e| corrupt("failures", e))?,
        locked_until: row.maybe_count("locked_until")?.map(instant).transpose()?,
        disabled: row.flag("disabled")?,
        created_at: instant(row.count("created_at")?)?,
        updated_at: instant(row.count("updated_at")?)?,
    })
}

fn session_of(row: &impl StoreRow) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        token_hash: row.text("token_hash")?,
        user_id: row.text("user_id")?,
        csrf_hash: row.text("csrf_hash")?,
        created_at: instant(row.count("created_at")?)?,
        seen_at: instant(row.count("seen_at")?)?,
    })
}

fn token_of(row: &impl StoreRow) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: row.text("id")?,
        token_hash: row.text("token_hash")?,
        name: row.text("name")?,
        user_id: row.text("user_id")?,
        created_at: instant(row.count("created_at")?)?,
        revoked_at: row.maybe_count("revoked_at")?.map(instant).transpose()?,
    })
}

/// The user columns, in the order [`bind_user`] binds them.
const USER_COLUMNS: &str = "id, name, role, region_code, department, grids, phone_sealed, \
     phone_key, password_hash, must_change, failures, locked_until, disabled, created_at, \
     updated_at";

const USER_PARAMS: &str = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15";

const SESSION_COLUMNS: &str = "token_hash, user_id, csrf_hash, created_at, seen_at";

const TOKEN_COLUMNS: &str = "id, token_hash, name, user_id, created_at, revoked_at";

#[async_trait]
impl<B> AccountStore for B
where
    B: SqlBackend,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    for<'q> &'q str: Encode<'q, B::Db> + Type<B::Db>,
    String: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    i64: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    bool: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Option<String>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Option<i64>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    <B::Db as Database>::Arguments: IntoArguments<B::Db>,
{
    async fn insert_user(&self, user: &UserRecord, audit: &[AuditRecord]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let statement = format!("INSERT INTO users ({USER_COLUMNS}) VALUES ({USER_PARAMS})");
        let query = sqlx::query(sqlx::AssertSqlSafe(statement));
        bind_user(query, self.crypto(), user)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if e.as_database_error()
                    .is_some_and(|d| d.is_unique_violation())
                {
                    StoreError::Conflict(format!("user {:?} exists already", user.id))
                } else {
                    sql::db_error(e)
                }
            })?;
        audit::append_in(&mut tx, audit).await?;
        tx.commit().await.map_err(sql::db_error)
    }

    async fn update_user(&self, user: &UserRecord, audit: &[AuditRecord]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let assignments: Vec<String> = USER_COLUMNS
            .split(',')
            .enumerate()
            .skip(1)
            .map(|(i, c)| format!("{} = ${}", c.trim(), i + 1))
            .collect();
        let statement = format!(
            "UPDATE users SET {} WHERE id = $1 RETURNING id",
            assignments.join(", ")
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(statement));
        let done = bind_user(query, self.crypto(), user)
            .fetch_all(&mut *tx)
            .await
            .map_err(sql::db_error)?;
        if done.is_empty() {
            return Err(StoreError::Invalid(format!("no user {:?}", user.id)));
        }
        audit::append_in(&mut tx, audit).await?;
        tx.commit().await.map_err(sql::db_error)
    }

    async fn user(&self, id: &str) -> StoreResult<Option<UserRecord>> {
        let statement = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let query = sqlx::query(sqlx::AssertSqlSafe(statement)).bind(id);
        fetch(self.pool(), query)
            .await?
            .first()
            .map(|row| user_of(self.crypto(), row))
            .transpose()
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let statement = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        let query = sqlx::query(sqlx::AssertSqlSafe(statement));
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(|row| user_of(self.crypto(), row))
            .collect()
    }

    async fn users_by_phone(&self, phone: &str) -> StoreResult<Vec<UserRecord>> {
        let statement =
            format!("SELECT {USER_COLUMNS} FROM users WHERE phone_key = $1 ORDER BY id");
        let key = personal::phone_key(self.crypto(), phone);
        let query = sqlx::query(sqlx::AssertSqlSafe(statement)).bind(key);
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(|row| user_of(self.crypto(), row))
            .collect()
    }

    async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let statement =
            format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        let query = sqlx::query(sqlx::AssertSqlSafe(statement))
            .bind(session.token_hash.clone())
            .bind(session.user_id.clone())
            .bind(session.csrf_hash.clone())
            .bind(epoch_of_local(session.created_at))
            .bind(epoch_of_local(session.seen_at));
        fetch(self.pool(), query).await.map(drop)
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let statement = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1");
        let query = sqlx::query(sqlx::AssertSqlSafe(statement)).bind(token_hash);
        fetch(self.pool(), query)
            .await?
            .first()
            .map(session_of)
            .transpose()
    }

    async fn touch_session(&self, token_hash: &str, seen_at: NaiveDateTime) -> StoreResult<()> {
        let query = sqlx::query("UPDATE sessions SET seen_at = $1 WHERE token_hash = $2")
            .bind(epoch_of_local(seen_at))
            .bind(token_hash);
        fetch(self.pool(), query).await.map(drop)
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let query = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash);
        fetch(self.pool(), query).await.map(drop)
    }

    async fn delete_sessions_of(&self, user_id: &str) -> StoreResult<()> {
        let query = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id);
        fetch(self.pool(), query).await.map(drop)
    }

    async fn insert_token(&self, token: &TokenRecord, audit: &[AuditRecord]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let statement =
            format!("INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .bind(token.id.clone())
            .bind(token.token_hash.clone())
            .bind(token.name.clone())
            .bind(token.user_id.clone())
            .bind(epoch_of_local(token.created_at))
            .bind(token.revoked_at.map(epoch_of_local))
            .execute(&mut *tx)
            .await
            .map_err(sql::db_error)?;
        audit::append_in(&mut tx, audit).await?;
        tx.commit().await.map_err(sql::db_error)
    }

    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let statement = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
        let query = sqlx::query(sqlx::AssertSqlSafe(statement)).bind(token_hash);
        fetch(self.pool(), query)
            .await?
            .first()
            .map(token_of)
            .transpose()
    }

    async fn tokens(&self) -> StoreResult<Vec<TokenRecord>> {
        let statement =
            format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id");
        let query = sqlx::query(sqlx::AssertSqlSafe(statement));
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(token_of)
            .collect()
    }

    async fn revoke_token(
        &self,
        id: &str,
        at: NaiveDateTime,
        audit: &[AuditRecord],
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
             RETURNING id",
        )
        .bind(epoch_of_local(at))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(sql::db_error)?;
        if rows.is_empty() {
            return Ok(false);
        }
        audit::append_in(&mut tx, audit).await?;
        tx.commit().await.map_err(sql::db_error)?;
        Ok(true)
    }

    async fn put_code(&self, phone: &str, code: &CodeRecord) -> StoreResult<()> {
        let query = sqlx::query(
            "INSERT INTO one_time_codes (phone_key, code_hash, sent_at, attempts) \
             VALUES ($1, $2, $3, 0) ON CONFLICT (phone_key) DO UPDATE \
             SET code_hash = $2, sent_at = $3, attempts = 0",
        )
        .bind(personal::phone_key(self.crypto(), phone))
        .bind(code.code_hash.clone())
        .bind(epoch_of_local(code.sent_at));
        fetch(self.pool(), query).await.map(drop)
    }

    async fn code(&self, phone: &str) -> StoreResult<Option<CodeRecord>> {
        let query = sqlx::query(
            "SELECT code_hash, sent_at, attempts FROM one_time_codes WHERE phone_key = $1",
        )
        .bind(personal::phone_key(self.crypto(), phone));
        fetch(self.pool(), query)
            .await?
            .first()
            .map(|row| {
                Ok(CodeRecord {
                    code_hash: row.text("code_hash")?,
                    sent_at: instant(row.count("sent_at")?)?,
                    attempts: u32::try_from(row.count("attempts")?)
                        .map_err(|e| corrupt("attempts", e))?,
                })
            })
            .transpose()
    }

    async fn code_missed(&self, phone: &str) -> StoreResult<()> {
        let query =
            sqlx::query("UPDATE one_time_codes SET attempts = attempts + 1 WHERE phone_key = $1")
                .bind(personal::phone_key(self.crypto(), phone));
        fetch(self.pool(), query).await.map(drop)
    }

    async fn delete_code(&self, phone: &str) -> StoreResult<()> {
        let query = sqlx::query("DELETE FROM one_time_codes WHERE phone_key = $1")
            .bind(personal::phone_key(self.crypto(), phone));
        fetch(self.pool(), query).await.map(drop)
    }

    fn phone_key(&self, phone: &str) -> String {
        personal::phone_key(self.crypto(), phone)
    }

    async fn reseal(&self) -> StoreResult<u64> {
        let mut changed = 0;
        for user in self.users().await? {
            self.update_user(&user, &[]).await?;
            changed += 1;
        }
        changed += crate::events::reseal_events(self).await?;
        Ok(changed)
    }
}

/// Binds a user's columns in the order of [`USER_COLUMNS`], the phone
/// sealed.
fn bind_user<'q, DB>(
    query: sqlx::query::Query<'q, DB, DB::Arguments>,
    crypto: &dyn gongzhi_domain::crypto::Crypto,
    user: &UserRecord,
) -> sqlx::query::Query<'q, DB, DB::Arguments>
where
    DB: Database,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
    bool: for<'e> Encode<'e, DB> + Type<DB>,
    Option<String>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<i64>: for<'e> Encode<'e, DB> + Type<DB>,
{
    let grids: Vec<&str> = user.grids.iter().map(RegionCode::as_str).collect();
    query
        .bind(user.id.clone())
        .bind(user.name.clone())
        .bind(user.role.clone())
        .bind(user.region.as_ref().map(|r| r.as_str().to_owned()))
        .bind(user.department.clone())
        .bind(serde_json::to_string(&grids).unwrap_or_else(|_| "[]".into()))
        .bind(user.phone.as_deref().map(|p| crypto.seal(p)))
        .bind(
            user.phone
                .as_deref()
                .map(|p| personal::phone_key(crypto, p)),
        )
        .bind(user.password_hash.clone())
        .bind(user.must_change)
        .bind(i64::from(user.failures))
        .bind(user.locked_until.map(epoch_of_local))
        .bind(user.disabled)
        .bind(epoch_of_local(user.created_at))
        .bind(epoch_of_local(user.updated_at))
}
