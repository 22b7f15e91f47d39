//! The SQLite backend of the gongzhi [`Store`]: the embedded default, one
//! file that needs no set-up.
//!
//! [`SqliteStore`] implements [`SqlBackend`], the SQL that is SQLite's own,
//! and is a [`Store`] by the implementation `gongzhi-store` gives every such
//! backend.
//!
//! Connections use WAL (readers never wait for the writer), a 5 s busy
//! timeout, foreign keys and `synchronous = NORMAL`; every write transaction
//! begins with `BEGIN IMMEDIATE`, so that two writers never fail each other
//! when one upgrades a read lock. Writes go through a pool of one
//! connection: SQLite has one writer at a time anyway, and writers of this
//! process then wait their turn in the pool's queue instead of in SQLite's
//! busy handler, which sleeps between retries. Writers in other processes
//! still queue on the busy timeout.
//!
//! [`Store`]: gongzhi_store::Store

use async_trait::async_trait;
use gongzhi_domain::crypto::Crypto;
use gongzhi_domain::{GridStaff, Region, RegionCode};
use gongzhi_store::backend::{self, SqlBackend};
use gongzhi_store::batch::Plan;
use gongzhi_store::sql::{self, db_error};
use gongzhi_store::{BatchOutcome, RegionBatch, StoreError, StoreResult};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, Transaction};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a connection waits for another's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A gongzhi store in an SQLite database file (or in memory).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: SqlitePool,
    crypto: Arc<dyn Crypto>,
}

impl SqliteStore {
    /// Opens the database at `url`, such as `sqlite://./data/gongzhi.db`,
    /// creating the file and its missing parent directories on first run;
    /// `sqlite::memory:` opens a private in-memory database (one connection,
    /// gone when the store is dropped). Does not migrate: call
    /// [`Store::migrate`](gongzhi_store::Store::migrate). Personal data is
    /// sealed with `crypto`.
    pub async fn connect(url: &str, crypto: Arc<dyn Crypto>) -> StoreResult<SqliteStore> {
        let Some(rest) = url.strip_prefix("sqlite:") else {
            return Err(StoreError::Backend(
                "not an SQLite URL: expected sqlite://path/to/file.db or sqlite::memory:".into(),
            ));
        };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(db_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal);
        if is_in_memory(rest) {
            // Each connection to `:memory:` would be its own database, and
            // the database lives only as long as its last connection.
            let pool = SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .map_err(db_error)?;
            return Ok(SqliteStore {
                writer: pool.clone(),
                pool,
                crypto,
            });
        }
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Backend(format!("cannot create the database's directory: {e}"))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .connect_with(options.clone())
            .await
            .map_err(db_error)?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(db_error)?;
        Ok(SqliteStore {
            pool,
            writer,
            crypto,
        })
    }
}

/// Whether the part of the URL after `sqlite:` names an in-memory database.
fn is_in_memory(rest: &str) -> bool {
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    matches!(database, ":memory:" | "//:memory:")
        || params.split('&').any(|param| param == "mode=memory")
}

/// Rows per multi-row statement when writing a batch. A statement costs a
/// round trip to the connection's worker thread, more than SQLite spends on
/// a row; 500 rows of at most 10 columns stay far below SQLite's limit of
/// 32,766 parameters.
const CHUNK: usize = 500;

/// The current time as stored in `created_at` and `updated_at`.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The stored names of those of `codes` that are stored.
async fn stored_names(
    conn: &mut SqliteConnection,
    codes: &[&str],
) -> StoreResult<HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT code, name FROM regions WHERE code IN (SELECT value FROM json_each($1))",
    )
    .bind(json_array(codes))
    .fetch_all(conn)
    .await
    .map_err(db_error)?;
    backend::names(&rows)
}

/// A JSON array of region codes, bound as one parameter and read with
/// `json_each`, so one static statement looks up any number of codes.
fn json_array<S: Clone + Into<serde_json::Value>>(codes: &[S]) -> String {
    serde_json::Value::from(codes).to_string()
}

/// Deletes the staff of the grids listed in `$1`, a [`json_array`]
/// ([`backend::delete_listed`]).
const DELETE_STAFF: &str =
    "DELETE FROM grid_staff WHERE grid_code IN (SELECT value FROM json_each($1))";

/// Deletes the regions listed in `$1`, a [`json_array`]
/// ([`backend::delete_listed`]).
const DELETE_REGIONS: &str = "DELETE FROM regions WHERE code IN (SELECT value FROM json_each($1))";

#[async_trait]
impl SqlBackend for SqliteStore {
    type Db = Sqlite;

    const NAME: &'static str = "sqlite";

    fn crypto(&self) -> &dyn Crypto {
        self.crypto.as_ref()
    }

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn migrator(&self) -> &'static Migrator {
        &MIGRATOR
    }

    /// Takes the write lock at once (`BEGIN IMMEDIATE`).
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)
    }

    async fn apply(&self, batch: &RegionBatch) -> StoreResult<BatchOutcome> {
        let plan = Plan::new(batch)?;
        let mut tx = self.begin_write().await?;
        let stored = stored_names(&mut tx, &plan.codes_to_look_up()).await?;
        let replaced = backend::replaced_codes(&mut tx, &plan).await?;
        let writes = plan.resolve(&stored, &replaced)?;

        // Deepest first, so children go before their parents.
        for chunk in writes.deleted.chunks(CHUNK) {
            let codes = json_array(chunk);
            backend::delete_listed(&mut tx, DELETE_STAFF, codes.as_str()).await?;
            backend::delete_listed(&mut tx, DELETE_REGIONS, codes.as_str()).await?;
        }

        // Chunks follow the write order, so parents precede children.
        for chunk in writes.regions.chunks(CHUNK) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO regions (code, name, level, parent_code, path, \
                 boundary, min_lng, min_lat, max_lng, max_lat) ",
            );
            insert.push_values(chunk, |mut values, row| {
                let boundary = row.boundary.as_ref();
                let corner = |i: usize| boundary.map(|b| b.bbox[i]);
                values
                    .push_bind(row.code)
                    .push_bind(row.name)
                    .push_bind(row.level)
                    .push_bind(row.parent)
                    .push_bind(row.path.as_str())
                    .push_bind(boundary.map(|b| b.geojson.as_str()))
                    .push_bind(corner(0))
                    .push_bind(corner(1))
                    .push_bind(corner(2))
                    .push_bind(corner(3));
            });
            insert.push(format!(
                " ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                   boundary = coalesce(excluded.boundary, regions.boundary), \
                   min_lng = coalesce(excluded.min_lng, regions.min_lng), \
                   min_lat = coalesce(excluded.min_lat, regions.min_lat), \
                   max_lng = coalesce(excluded.max_lng, regions.max_lng), \
                   max_lat = coalesce(excluded.max_lat, regions.max_lat), \
                   updated_at = {NOW}"
            ));
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        // An identical boundary is left untouched, which makes re-applying
        // an import cheap and leaves the revision.
        let mut boundaries_changed = 0;
        for chunk in writes.boundaries.chunks(CHUNK) {
            let mut update = QueryBuilder::<Sqlite>::new(
                "WITH b (code, boundary, min_lng, min_lat, max_lng, max_lat) AS (",
            );
            update.push_values(chunk, |mut values, row| {
                let [min_lng, min_lat, max_lng, max_lat] = row.boundary.bbox;
                values
                    .push_bind(row.code)
                    .push_bind(row.boundary.geojson.as_str())
                    .push_bind(min_lng)
                    .push_bind(min_lat)
                    .push_bind(max_lng)
                    .push_bind(max_lat);
            });
            update.push(format!(
                ") UPDATE regions SET boundary = b.boundary, \
                   min_lng = b.min_lng, min_lat = b.min_lat, \
                   max_lng = b.max_lng, max_lat = b.max_lat, updated_at = {NOW} \
                 FROM b WHERE regions.code = b.code AND regions.boundary IS NOT b.boundary"
            ));
            let done = update.build().execute(&mut *tx).await.map_err(db_error)?;
            boundaries_changed += done.rows_affected();
        }
        if !writes.staff_grids.is_empty() {
            let grids = json_array(&writes.staff_grids);
            backend::delete_listed(&mut tx, DELETE_STAFF, grids).await?;
        }
        for chunk in writes.staff.chunks(CHUNK) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO grid_staff (grid_code, name, role, ordinal) ",
            );
            insert.push_values(chunk, |mut values, row| {
                values
                    .push_bind(row.grid)
                    .push_bind(row.name)
                    .push_bind(row.role)
                    .push_bind(row.ordinal);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        backend::commit_batch(tx, writes.change_anything(boundaries_changed)).await?;
        Ok(writes.outcome)
    }

    async fn ancestors(&self, code: &RegionCode) -> StoreResult<Vec<Region>> {
        let ancestors = code.ancestors();
        let codes: Vec<&str> = ancestors.iter().map(RegionCode::as_str).collect();
        let query = sqlx::query(
            "SELECT code, name FROM regions WHERE code IN (SELECT value FROM json_each($1)) \
             ORDER BY level",
        )
        .bind(json_array(&codes));
        backend::regions(&backend::fetch(&self.pool, query).await?)
    }

    async fn search_regions(
        &self,
        text: &str,
        root: Option<&RegionCode>,
        limit: u32,
    ) -> StoreResult<Vec<Region>> {
        let (lower, upper) = sql::subtree_bounds(root);
        // `instr` rather than `LIKE` for the name: SQLite's LIKE ignores the
        // case of ASCII letters, PostgreSQL's does not.
        let query = sqlx::query(
            r"SELECT code, name FROM regions
              WHERE (instr(name, $1) > 0 OR code LIKE $2 ESCAPE '\')
                AND path >= $3 AND path < $4
              ORDER BY level, code LIMIT $5",
        )
        .bind(text)
        .bind(format!("{}%", sql::like_escape(text)))
        .bind(lower)
        .bind(upper)
        .bind(i64::from(limit));
        backend::regions(&backend::fetch(&self.pool, query).await?)
    }

    async fn grid_staff(&self, grid: &RegionCode) -> StoreResult<Vec<GridStaff>> {
        let query = sqlx::query(
            "SELECT name, role FROM grid_staff WHERE grid_code = $1 \
             ORDER BY CASE role WHEN 'leader' THEN 0 ELSE 1 END, name, ordinal",
        )
        .bind(grid.as_str());
        backend::staff(grid, &backend::fetch(&self.pool, query).await?)
    }
}
