//! The SQLite backend of the gongzhi [`Store`]: the embedded default, one
//! file that needs no set-up.
//!
//! Connections use WAL (readers never wait for the writer), a 5 s busy
//! timeout, foreign keys and `synchronous = NORMAL`; every write transaction
//! begins with `BEGIN IMMEDIATE`, so that two writers queue on the busy
//! timeout instead of failing when one upgrades a read lock.

use async_trait::async_trait;
use geo::MultiPolygon;
use gongzhi_domain::{GridStaff, Level, Region, RegionCode};
use gongzhi_store::batch::Plan;
use gongzhi_store::{
    BatchOutcome, LevelCount, RegionBatch, RegionInfo, Store, StoreError, StoreResult, boundary,
    sql,
};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a connection waits for another's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A gongzhi store in an SQLite database file (or in memory).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the database at `url`, such as `sqlite://./data/gongzhi.db`,
    /// creating the file and its missing parent directories on first run;
    /// `sqlite::memory:` opens a private in-memory database (one connection,
    /// gone when the store is dropped). Does not migrate: call
    /// [`Store::migrate`].
    pub async fn connect(url: &str) -> StoreResult<SqliteStore> {
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
        let pool = if is_in_memory(rest) {
            // Each connection to `:memory:` would be its own database, and
            // the database lives only as long as its last connection.
            SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
        } else {
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Backend(format!("cannot create the database's directory: {e}"))
                })?;
            }
            SqlitePoolOptions::new().connect_with(options).await
        }
        .map_err(db_error)?;
        Ok(SqliteStore { pool })
    }

    /// Begins a write transaction, taking the write lock at once.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)
    }
}

/// Whether the part of the URL after `sqlite:` names an in-memory database.
fn is_in_memory(rest: &str) -> bool {
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    matches!(database, ":memory:" | "//:memory:")
        || params.split('&').any(|param| param == "mode=memory")
}

/// Maps an sqlx error to the store's, naming no file or URL.
fn db_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        e => StoreError::Backend(e.to_string()),
    }
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
    let codes = json_array(codes);
    let rows = sqlx::query(
        "SELECT code, name FROM regions WHERE code IN (SELECT value FROM json_each(?1))",
    )
    .bind(codes)
    .fetch_all(conn)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(|row| Ok((get(row, "code")?, get(row, "name")?)))
        .collect()
}

/// A JSON array of region codes, bound as one parameter and read with
/// `json_each`, so one static statement looks up any number of codes.
fn json_array(codes: &[&str]) -> String {
    serde_json::Value::from(codes).to_string()
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(db_error)
}

fn region_of(row: &SqliteRow) -> StoreResult<Region> {
    sql::region(get(row, "code")?, get(row, "name")?)
}

fn regions_of(rows: &[SqliteRow]) -> StoreResult<Vec<Region>> {
    rows.iter().map(region_of).collect()
}

fn infos_of(rows: &[SqliteRow]) -> StoreResult<Vec<RegionInfo>> {
    rows.iter()
        .map(|row| {
            Ok(RegionInfo {
                region: region_of(row)?,
                has_boundary: get(row, "has_boundary")?,
            })
        })
        .collect()
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrating: {e}")))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn apply(&self, batch: &RegionBatch) -> StoreResult<BatchOutcome> {
        let plan = Plan::new(batch)?;
        let mut tx = self.begin_write().await?;
        let stored = stored_names(&mut tx, &plan.codes_to_look_up()).await?;
        let writes = plan.resolve(&stored)?;

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
        // an import cheap.
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
            update.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        if !writes.staff_grids.is_empty() {
            sqlx::query(
                "DELETE FROM grid_staff WHERE grid_code IN (SELECT value FROM json_each(?1))",
            )
            .bind(json_array(&writes.staff_grids))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
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
        tx.commit().await.map_err(db_error)?;
        Ok(writes.outcome)
    }

    async fn region(&self, code: &RegionCode) -> StoreResult<Option<RegionInfo>> {
        let rows = sqlx::query(
            "SELECT code, name, boundary IS NOT NULL AS has_boundary FROM regions WHERE code = ?1",
        )
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(infos_of(&rows)?.pop())
    }

    async fn children(&self, parent: Option<&RegionCode>) -> StoreResult<Vec<RegionInfo>> {
        let rows = match parent {
            Some(parent) => {
                sqlx::query(
                    "SELECT code, name, boundary IS NOT NULL AS has_boundary FROM regions \
                     WHERE parent_code = ?1 ORDER BY code",
                )
                .bind(parent.as_str())
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(
                    "SELECT code, name, boundary IS NOT NULL AS has_boundary FROM regions \
                     WHERE parent_code IS NULL ORDER BY code",
                )
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(db_error)?;
        infos_of(&rows)
    }

    async fn ancestors(&self, code: &RegionCode) -> StoreResult<Vec<Region>> {
        let ancestors = code.ancestors();
        let codes: Vec<&str> = ancestors.iter().map(RegionCode::as_str).collect();
        let rows = sqlx::query(
            "SELECT code, name FROM regions WHERE code IN (SELECT value FROM json_each(?1)) \
             ORDER BY level",
        )
        .bind(json_array(&codes))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        regions_of(&rows)
    }

    async fn subtree(
        &self,
        root: Option<&RegionCode>,
        level: Option<Level>,
    ) -> StoreResult<Vec<Region>> {
        let (lower, upper) = sql::subtree_bounds(root);
        let (min_level, max_level) = sql::level_bounds(level);
        let rows = sqlx::query(
            "SELECT code, name FROM regions \
             WHERE path >= ?1 AND path < ?2 AND level BETWEEN ?3 AND ?4 ORDER BY code",
        )
        .bind(lower)
        .bind(upper)
        .bind(min_level)
        .bind(max_level)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        regions_of(&rows)
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
        let rows = sqlx::query(
            r"SELECT code, name FROM regions
              WHERE (instr(name, ?1) > 0 OR code LIKE ?2 ESCAPE '\')
                AND path >= ?3 AND path < ?4
              ORDER BY level, code LIMIT ?5",
        )
        .bind(text)
        .bind(format!("{}%", sql::like_escape(text)))
        .bind(lower)
        .bind(upper)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        regions_of(&rows)
    }

    async fn boundary(&self, code: &RegionCode) -> StoreResult<Option<MultiPolygon<f64>>> {
        let text: Option<Option<String>> =
            sqlx::query_scalar("SELECT boundary FROM regions WHERE code = ?1")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
        text.flatten()
            .map(|text| boundary::decode(code.as_str(), &text))
            .transpose()
    }

    async fn boundaries(
        &self,
        root: Option<&RegionCode>,
        level: Option<Level>,
    ) -> StoreResult<Vec<(Region, MultiPolygon<f64>)>> {
        let (lower, upper) = sql::subtree_bounds(root);
        let (min_level, max_level) = sql::level_bounds(level);
        let rows = sqlx::query(
            "SELECT code, name, boundary FROM regions \
             WHERE boundary IS NOT NULL AND path >= ?1 AND path < ?2 \
               AND level BETWEEN ?3 AND ?4 ORDER BY code",
        )
        .bind(lower)
        .bind(upper)
        .bind(min_level)
        .bind(max_level)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                let region = region_of(row)?;
                let shape = boundary::decode(region.code.as_str(), get(row, "boundary")?)?;
                Ok((region, shape))
            })
            .collect()
    }

    async fn grid_staff(&self, grid: &RegionCode) -> StoreResult<Vec<GridStaff>> {
        let rows = sqlx::query(
            "SELECT name, role FROM grid_staff WHERE grid_code = ?1 \
             ORDER BY CASE role WHEN 'leader' THEN 0 ELSE 1 END, name, ordinal",
        )
        .bind(grid.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| sql::staff_member(grid, get(row, "name")?, get(row, "role")?))
            .collect()
    }

    async fn count_by_level(&self, root: Option<&RegionCode>) -> StoreResult<Vec<LevelCount>> {
        let (lower, upper) = sql::subtree_bounds(root);
        let rows = sqlx::query(
            "SELECT r.level, COUNT(*) AS regions, COUNT(r.boundary) AS with_boundary, \
                    COALESCE(SUM(s.staff), 0) AS staff \
             FROM regions r \
             LEFT JOIN (SELECT grid_code, COUNT(*) AS staff FROM grid_staff GROUP BY grid_code) s \
               ON s.grid_code = r.code \
             WHERE r.path >= ?1 AND r.path < ?2 \
             GROUP BY r.level ORDER BY r.level",
        )
        .bind(lower)
        .bind(upper)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                sql::level_count(
                    get(row, "level")?,
                    get(row, "regions")?,
                    get(row, "with_boundary")?,
                    get(row, "staff")?,
                )
            })
            .collect()
    }
}
