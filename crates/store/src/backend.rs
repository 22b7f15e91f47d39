//! What the two sqlx backends share, written once: the [`Store`] itself,
//! for every [`SqlBackend`], with the queries whose SQL is the same on
//! SQLite and PostgreSQL; the reading of result rows into the store's
//! values ([`StoreRow`] and the readers beside it); and, for a batch, the
//! look-up of the subtrees it replaces ([`replaced_codes`]), its deletions
//! ([`delete_listed`]) and the end of its transaction ([`commit_batch`]).
//! A backend implements only what really differs: writing a batch, looking
//! up a list of codes, the search and the order of staff.
//!
//! Parameters are written `$1`, `$2`, …: PostgreSQL's own form, which
//! sqlx's SQLite driver accepts as well.

use crate::batch::Plan;
use crate::{
    BatchOutcome, LevelCount, RegionBatch, RegionInfo, Store, StoreError, StoreResult, boundary,
    sql,
};
use async_trait::async_trait;
use geo::MultiPolygon;
use gongzhi_domain::{GridStaff, Level, Region, RegionCode};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::query::Query;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type,
};
use std::collections::HashMap;

/// A result row read by column name into the types of the store's columns.
/// Every sqlx row whose database decodes those types has it, so that one
/// reader serves both backends.
pub trait StoreRow {
    /// A text column, such as a code, a name or a boundary.
    fn text(&self, column: &str) -> StoreResult<String>;
    /// A truth value, such as `boundary IS NOT NULL`.
    fn flag(&self, column: &str) -> StoreResult<bool>;
    /// A stored level ([`sql::level_number`]).
    fn level(&self, column: &str) -> StoreResult<i16>;
    /// A count, or the revision.
    fn count(&self, column: &str) -> StoreResult<i64>;
    /// A text column that may be NULL.
    fn maybe_text(&self, column: &str) -> StoreResult<Option<String>>;
    /// An integer column that may be NULL, such as an instant.
    fn maybe_count(&self, column: &str) -> StoreResult<Option<i64>>;
    /// A binary column.
    fn bytes(&self, column: &str) -> StoreResult<Vec<u8>>;
    /// A floating-point column, such as a longitude.
    fn real(&self, column: &str) -> StoreResult<f64>;
}

impl<R> StoreRow for R
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    bool: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i16: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    f64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> StoreResult<String> {
        self.try_get(column).map_err(sql::db_error)
    }

    fn flag(&self, column: &str) -> StoreResult<bool> {
        self.try_get(column).map_err(sql::db_error)
    }

    fn level(&self, column: &str) -> StoreResult<i16> {
        self.try_get(column).map_err(sql::db_error)
    }

    fn count(&self, column: &str) -> StoreResult<i64> {
        self.try_get(column).map_err(sql::db_error)
    }

    fn maybe_text(&self, column: &str) -> StoreResult<Option<String>> {
        self.try_get(column).map_err(sql::db_error)
    }

    fn maybe_count(&self, column: &str) -> StoreResult<Option<i64>> {
        self.try_get(column).map_err(sql::db_error)
    }

    fn bytes(&self, column: &str) -> StoreResult<Vec<u8>> {
        self.try_get(column).map_err(sql::db_error)
    }

    fn real(&self, column: &str) -> StoreResult<f64> {
        self.try_get(column).map_err(sql::db_error)
    }
}

/// The region of a row with `code` and `name` columns.
fn region_of(row: &impl StoreRow) -> StoreResult<Region> {
    sql::region(&row.text("code")?, row.text("name")?)
}

/// The regions of rows with `code` and `name` columns, in row order.
pub fn regions<R: StoreRow>(rows: &[R]) -> StoreResult<Vec<Region>> {
    rows.iter().map(region_of).collect()
}

/// The stored names of rows with `code` and `name` columns, by code: what
/// [`Plan::resolve`](crate::batch::Plan::resolve) is given.
pub fn names<R: StoreRow>(rows: &[R]) -> StoreResult<HashMap<String, String>> {
    rows.iter()
        .map(|row| Ok((row.text("code")?, row.text("name")?)))
        .collect()
}

/// The staff of `grid` from rows with `name` and `role` columns, in row
/// order.
pub fn staff<R: StoreRow>(grid: &RegionCode, rows: &[R]) -> StoreResult<Vec<GridStaff>> {
    rows.iter()
        .map(|row| sql::staff_member(grid, row.text("name")?, &row.text("role")?))
        .collect()
}

/// The regions of rows with `code`, `name` and `has_boundary` columns.
fn infos<R: StoreRow>(rows: &[R]) -> StoreResult<Vec<RegionInfo>> {
    rows.iter()
        .map(|row| {
            Ok(RegionInfo {
                region: region_of(row)?,
                has_boundary: row.flag("has_boundary")?,
            })
        })
        .collect()
}

/// What a backend built on sqlx implements itself; the rest of [`Store`]
/// comes from the one implementation in this module, for every type that
/// implements this trait. The methods named after the [`Store`]'s mean what
/// they mean there.
#[async_trait]
pub trait SqlBackend: Send + Sync + 'static {
    /// The sqlx database, which decodes the store's columns.
    type Db: Database<Row: StoreRow, Connection: Migrate, Arguments: IntoArguments<Self::Db>>;

    /// [`Store::backend`].
    const NAME: &'static str;

    /// The pool the shared queries run on.
    fn pool(&self) -> &Pool<Self::Db>;

    /// What seals personal data before it reaches a row.
    fn crypto(&self) -> &dyn gongzhi_domain::crypto::Crypto;

    /// The backend's migrations, applied by [`Store::migrate`].
    fn migrator(&self) -> &'static Migrator;

    /// Begins a write transaction, in the way that keeps two writers from
    /// failing each other (SQLite takes the write lock at once).
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Self::Db>>;

    /// [`Store::apply`]: each backend writes rows its own way, and ends with
    /// [`commit_batch`].
    async fn apply(&self, batch: &RegionBatch) -> StoreResult<BatchOutcome>;

    /// [`Store::ancestors`]: each backend binds a list of codes its own way.
    async fn ancestors(&self, code: &RegionCode) -> StoreResult<Vec<Region>>;

    /// [`Store::search_regions`]: each backend matches a name its own way.
    async fn search_regions(
        &self,
        text: &str,
        root: Option<&RegionCode>,
        limit: u32,
    ) -> StoreResult<Vec<Region>>;

    /// [`Store::grid_staff`]: each backend orders names its own way.
    async fn grid_staff(&self, grid: &RegionCode) -> StoreResult<Vec<GridStaff>>;
}

/// The store of every sqlx backend: the queries whose SQL is the same on
/// all, and [`SqlBackend`]'s own methods for the others.
#[async_trait]
impl<B> Store for B
where
    B: SqlBackend + crate::EventStore + crate::AuditStore + crate::AccountStore + crate::IndexStore,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    for<'q> &'q str: Encode<'q, B::Db> + Type<B::Db>,
    String: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    i16: for<'q> Encode<'q, B::Db> + Type<B::Db>,
{
    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.migrator()
            .run(self.pool())
            .await
            .map_err(|e| StoreError::Backend(format!("migrating: {e}")))
    }

    async fn ping(&self) -> StoreResult<()> {
        fetch(self.pool(), sqlx::query("SELECT 1")).await.map(drop)
    }

    async fn revision(&self) -> StoreResult<i64> {
        let query = sqlx::query("SELECT value FROM store_revision WHERE id = 1");
        match fetch(self.pool(), query).await?.first() {
            Some(row) => row.count("value"),
            None => Err(StoreError::Corrupt(
                "the store's revision is missing".into(),
            )),
        }
    }

    async fn apply(&self, batch: &RegionBatch) -> StoreResult<BatchOutcome> {
        SqlBackend::apply(self, batch).await
    }

    async fn region(&self, code: &RegionCode) -> StoreResult<Option<RegionInfo>> {
        let query = sqlx::query(
            "SELECT code, name, boundary IS NOT NULL AS has_boundary FROM regions WHERE code = $1",
        )
        .bind(code.as_str());
        Ok(infos(&fetch(self.pool(), query).await?)?.pop())
    }

    async fn children(&self, parent: Option<&RegionCode>) -> StoreResult<Vec<RegionInfo>> {
        let query = match parent {
            Some(parent) => sqlx::query(
                "SELECT code, name, boundary IS NOT NULL AS has_boundary FROM regions \
                 WHERE parent_code = $1 ORDER BY code",
            )
            .bind(parent.as_str()),
            None => sqlx::query(
                "SELECT code, name, boundary IS NOT NULL AS has_boundary FROM regions \
                 WHERE parent_code IS NULL ORDER BY code",
            ),
        };
        infos(&fetch(self.pool(), query).await?)
    }

    async fn ancestors(&self, code: &RegionCode) -> StoreResult<Vec<Region>> {
        SqlBackend::ancestors(self, code).await
    }

    async fn subtree(
        &self,
        root: Option<&RegionCode>,
        level: Option<Level>,
    ) -> StoreResult<Vec<Region>> {
        let query = bind_subtree(
            sqlx::query(
                "SELECT code, name FROM regions \
                 WHERE path >= $1 AND path < $2 AND level BETWEEN $3 AND $4 ORDER BY code",
            ),
            root,
            sql::level_bounds(level),
        );
        regions(&fetch(self.pool(), query).await?)
    }

    async fn search_regions(
        &self,
        text: &str,
        root: Option<&RegionCode>,
        limit: u32,
    ) -> StoreResult<Vec<Region>> {
        SqlBackend::search_regions(self, text, root, limit).await
    }

    async fn boundary(&self, code: &RegionCode) -> StoreResult<Option<MultiPolygon<f64>>> {
        let query =
            sqlx::query("SELECT boundary FROM regions WHERE code = $1 AND boundary IS NOT NULL")
                .bind(code.as_str());
        fetch(self.pool(), query)
            .await?
            .first()
            .map(|row| boundary::decode(code.as_str(), &row.text("boundary")?))
            .transpose()
    }

    async fn boundaries(
        &self,
        root: Option<&RegionCode>,
        level: Option<Level>,
    ) -> StoreResult<Vec<(Region, MultiPolygon<f64>)>> {
        let query = bind_subtree(
            sqlx::query(
                "SELECT code, name, boundary FROM regions \
                 WHERE boundary IS NOT NULL AND path >= $1 AND path < $2 \
                   AND level BETWEEN $3 AND $4 ORDER BY code",
            ),
            root,
            sql::level_bounds(level),
        );
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(|row| {
                let region = region_of(row)?;
                let shape = boundary::decode(region.code.as_str(), &row.text("boundary")?)?;
                Ok((region, shape))
            })
            .collect()
    }

    async fn grid_staff(&self, grid: &RegionCode) -> StoreResult<Vec<GridStaff>> {
        SqlBackend::grid_staff(self, grid).await
    }

    async fn count_by_level(&self, root: Option<&RegionCode>) -> StoreResult<Vec<LevelCount>> {
        let (lower, upper) = sql::subtree_bounds(root);
        // The cast: PostgreSQL sums BIGINTs into a NUMERIC.
        let query = sqlx::query(
            "SELECT r.level, COUNT(*) AS regions, COUNT(r.boundary) AS with_boundary, \
                    CAST(COALESCE(SUM(s.staff), 0) AS BIGINT) AS staff \
             FROM regions r \
             LEFT JOIN (SELECT grid_code, COUNT(*) AS staff FROM grid_staff GROUP BY grid_code) s \
               ON s.grid_code = r.code \
             WHERE r.path >= $1 AND r.path < $2 \
             GROUP BY r.level ORDER BY r.level",
        )
        .bind(lower)
        .bind(upper);
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(|row| {
                sql::level_count(
                    row.level("level")?,
                    row.count("regions")?,
                    row.count("with_boundary")?,
                    row.count("staff")?,
                )
            })
            .collect()
    }
}

/// The rows `query` yields on `pool`; the backends run their own SQL
/// through this too.
pub async fn fetch<DB>(
    pool: &Pool<DB>,
    query: Query<'_, DB, DB::Arguments>,
) -> StoreResult<Vec<DB::Row>>
where
    DB: Database<Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    query.fetch_all(pool).await.map_err(sql::db_error)
}

/// `query`, whose `$1` to `$4` select the paths and levels of a subtree
/// ([`sql::subtree_bounds`]; `levels`, from [`sql::level_bounds`] or
/// [`sql::levels_from`]), with those bound.
fn bind_subtree<'q, DB>(
    query: Query<'q, DB, DB::Arguments>,
    root: Option<&RegionCode>,
    levels: (i16, i16),
) -> Query<'q, DB, DB::Arguments>
where
    DB: Database,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i16: for<'e> Encode<'e, DB> + Type<DB>,
{
    let (lower, upper) = sql::subtree_bounds(root);
    let (min_level, max_level) = levels;
    query
        .bind(lower)
        .bind(upper)
        .bind(min_level)
        .bind(max_level)
}

/// The stored codes in the subtrees `plan` replaces ([`Plan::replaced`]):
/// in each `(root, level)`, those of that level or deeper, read inside the
/// batch's transaction `tx`; what [`Plan::resolve`] is given beside the
/// stored names.
pub async fn replaced_codes<DB>(
    tx: &mut Transaction<'_, DB>,
    plan: &Plan<'_>,
) -> StoreResult<Vec<String>>
where
    DB: Database<Row: StoreRow, Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    String: for<'q> Encode<'q, DB> + Type<DB>,
    i16: for<'q> Encode<'q, DB> + Type<DB>,
{
    let mut codes = Vec::new();
    for (root, level) in plan.replaced() {
        let query = bind_subtree(
            sqlx::query(
                "SELECT code FROM regions \
                 WHERE path >= $1 AND path < $2 AND level BETWEEN $3 AND $4",
            ),
            Some(root),
            sql::levels_from(*level),
        );
        let rows = query.fetch_all(&mut **tx).await.map_err(sql::db_error)?;
        for row in &rows {
            codes.push(row.text("code")?);
        }
    }
    Ok(codes)
}

/// Runs `statement` in the batch's transaction `tx`: a deletion whose `$1`
/// is `codes`, a list of region codes in the form the backend binds lists
/// in (a JSON array on SQLite, an array on PostgreSQL).
pub async fn delete_listed<'t, DB, L>(
    tx: &mut Transaction<'_, DB>,
    statement: &'static str,
    codes: L,
) -> StoreResult<()>
where
    DB: Database<Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    L: Encode<'t, DB> + Type<DB> + Send,
{
    sqlx::query(statement)
        .bind(codes)
        .execute(&mut **tx)
        .await
        .map(drop)
        .map_err(sql::db_error)
}

/// Ends a batch's transaction: grows the store's revision when the batch
/// `changed` what is stored ([`Writes::change_anything`]), then commits, so
/// that the new revision and the writes become visible together.
///
/// [`Writes::change_anything`]: crate::batch::Writes::change_anything
pub async fn commit_batch<DB>(mut tx: Transaction<'_, DB>, changed: bool) -> StoreResult<()>
where
    DB: Database<Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    if changed {
        sqlx::query("UPDATE store_revision SET value = value + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await
            .map_err(sql::db_error)?;
    }
    tx.commit().await.map_err(sql::db_error)
}
