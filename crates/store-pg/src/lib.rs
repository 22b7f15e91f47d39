//! The PostgreSQL backend of the gongzhi [`Store`], for a city's production
//! database.
//!
//! [`PgStore`] implements [`SqlBackend`], the SQL that is PostgreSQL's own,
//! and is a [`Store`] by the implementation `gongzhi-store` gives every such
//! backend.
//!
//! Batches are written with one statement per table and chunk, passing each
//! column as an array (`INSERT ... SELECT * FROM UNNEST($1, $2, ...)`), so a
//! batch of thousands of regions costs a few round trips. A batch takes a
//! `SHARE ROW EXCLUSIVE` lock on both tables: readers go on, and concurrent
//! batches apply one after the other, so the stored state each one checks
//! cannot change under it.
//!
//! [`Store`]: gongzhi_store::Store

use async_trait::async_trait;
use gongzhi_domain::crypto::Crypto;
use gongzhi_domain::{GridStaff, Region, RegionCode};
use gongzhi_store::backend::{self, SqlBackend};
use gongzhi_store::batch::{Boundary, Plan};
use gongzhi_store::sql::{self, db_error};
use gongzhi_store::{BatchOutcome, RegionBatch, StoreError, StoreResult};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::query::Query;
use sqlx::{Connection, Postgres, Transaction};
use std::str::FromStr;
use std::sync::Arc;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Rows per statement when writing a batch, which bounds the size of one
/// message (boundaries run to a few kilobytes each).
const CHUNK: usize = 1_000;

/// A gongzhi store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    crypto: Arc<dyn Crypto>,
}

impl PgStore {
    /// Connects to the database at `url`
    /// (`postgres://user:password@host:5432/database`), which must exist.
    /// Does not migrate: call [`Store::migrate`](gongzhi_store::Store::migrate).
    /// Errors never repeat the URL, which may hold a password. Personal
    /// data is sealed with `crypto`.
    pub async fn connect(url: &str, crypto: Arc<dyn Crypto>) -> StoreResult<PgStore> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Backend(
                "not a PostgreSQL URL: expected postgres://user@host:5432/database".into(),
            ));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::Backend("the PostgreSQL URL cannot be parsed".into()))?;
        // A first connection of our own fails at once with the cause
        // (refused, authentication, no such database), where the pool would
        // retry until its acquire timeout and report only the timeout.
        PgConnection::connect_with(&options)
            .await
            .map_err(db_error)?
            .close()
            .await
            .map_err(db_error)?;
        let pool = PgPoolOptions::new().connect_lazy_with(options);
        Ok(PgStore { pool, crypto })
    }
}

/// A statement on PostgreSQL with its parameters bound so far.
type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// One column of `rows`, bound as an array and read with `UNNEST`.
fn column<'a, T, U>(rows: &'a [T], value: impl FnMut(&'a T) -> U) -> Vec<U> {
    rows.iter().map(value).collect()
}

/// `query` with the next five parameters bound to the boundary columns of
/// `boundaries`, one array each: `boundary, min_lng, min_lat, max_lng,
/// max_lat`, NULL where a row has no boundary.
fn bind_boundaries<'q>(query: PgQuery<'q>, boundaries: &[Option<&Boundary>]) -> PgQuery<'q> {
    let query = query.bind(column(boundaries, |b| b.map(|b| b.geojson.as_str())));
    (0..4).fold(query, |query, i| {
        query.bind(column(boundaries, |b| b.map(|b| b.bbox[i])))
    })
}

/// Deletes the staff of the grids in the array `$1`
/// ([`backend::delete_listed`]).
const DELETE_STAFF: &str = "DELETE FROM grid_staff WHERE grid_code = ANY($1)";

/// Deletes the regions in the array `$1` ([`backend::delete_listed`]).
const DELETE_REGIONS: &str = "DELETE FROM regions WHERE code = ANY($1)";

#[async_trait]
impl SqlBackend for PgStore {
    type Db = Postgres;

    const NAME: &'static str = "postgres";

    fn crypto(&self) -> &dyn Crypto {
        self.crypto.as_ref()
    }

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn migrator(&self) -> &'static Migrator {
        &MIGRATOR
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db_error)
    }

    async fn apply(&self, batch: &RegionBatch) -> StoreResult<BatchOutcome> {
        let plan = Plan::new(batch)?;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query("LOCK TABLE regions, grid_staff IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let rows = sqlx::query("SELECT code, name FROM regions WHERE code = ANY($1)")
            .bind(plan.codes_to_look_up())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?;
        let replaced = backend::replaced_codes(&mut tx, &plan).await?;
        let writes = plan.resolve(&backend::names(&rows)?, &replaced)?;

        // Deepest first, so children go before their parents.
        for chunk in writes.deleted.chunks(CHUNK) {
            backend::delete_listed(&mut tx, DELETE_STAFF, chunk).await?;
            backend::delete_listed(&mut tx, DELETE_REGIONS, chunk).await?;
        }

        // Chunks follow the write order, so parents precede children.
        for chunk in writes.regions.chunks(CHUNK) {
            let insert = sqlx::query(
                "INSERT INTO regions (code, name, level, parent_code, path, \
                    boundary, min_lng, min_lat, max_lng, max_lat) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::smallint[], $4::text[], \
                    $5::text[], $6::text[], $7::float8[], $8::float8[], $9::float8[], $10::float8[]) \
                 ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, \
                    boundary = COALESCE(EXCLUDED.boundary, regions.boundary), \
                    min_lng = COALESCE(EXCLUDED.min_lng, regions.min_lng), \
                    min_lat = COALESCE(EXCLUDED.min_lat, regions.min_lat), \
                    max_lng = COALESCE(EXCLUDED.max_lng, regions.max_lng), \
                    max_lat = COALESCE(EXCLUDED.max_lat, regions.max_lat), \
                    updated_at = now()",
            )
            .bind(column(chunk, |r| r.code))
            .bind(column(chunk, |r| r.name))
            .bind(column(chunk, |r| r.level))
            .bind(column(chunk, |r| r.parent))
            .bind(column(chunk, |r| r.path.as_str()));
            bind_boundaries(insert, &column(chunk, |r| r.boundary.as_ref()))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        // An identical boundary is left untouched, which makes re-applying an
        // import cheap and leaves the revision.
        let mut boundaries_changed = 0;
        for chunk in writes.boundaries.chunks(CHUNK) {
            let update = sqlx::query(
                "UPDATE regions r SET boundary = b.boundary, \
                    min_lng = b.min_lng, min_lat = b.min_lat, \
                    max_lng = b.max_lng, max_lat = b.max_lat, updated_at = now() \
                 FROM UNNEST($1::text[], $2::text[], \
                             $3::float8[], $4::float8[], $5::float8[], $6::float8[]) \
                      AS b (code, boundary, min_lng, min_lat, max_lng, max_lat) \
                 WHERE r.code = b.code AND r.boundary IS DISTINCT FROM b.boundary",
            )
            .bind(column(chunk, |b| b.code));
            let done = bind_boundaries(update, &column(chunk, |b| Some(&b.boundary)))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            boundaries_changed += done.rows_affected();
        }
        for grids in writes.staff_grids.chunks(CHUNK) {
            backend::delete_listed(&mut tx, DELETE_STAFF, grids).await?;
        }
        for chunk in writes.staff.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO grid_staff (grid_code, name, role, ordinal) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int[])",
            )
            .bind(column(chunk, |s| s.grid))
            .bind(column(chunk, |s| s.name))
            .bind(column(chunk, |s| s.role))
            .bind(column(chunk, |s| s.ordinal))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        backend::commit_batch(tx, writes.change_anything(boundaries_changed)).await?;
        Ok(writes.outcome)
    }

    async fn ancestors(&self, code: &RegionCode) -> StoreResult<Vec<Region>> {
        let ancestors = code.ancestors();
        let codes: Vec<&str> = ancestors.iter().map(RegionCode::as_str).collect();
        let query =
            sqlx::query("SELECT code, name FROM regions WHERE code = ANY($1) ORDER BY level")
                .bind(codes);
        backend::regions(&backend::fetch(&self.pool, query).await?)
    }

    async fn search_regions(
        &self,
        text: &str,
        root: Option<&RegionCode>,
        limit: u32,
    ) -> StoreResult<Vec<Region>> {
        let (lower, upper) = sql::subtree_bounds(root);
        let query = sqlx::query(
            r"SELECT code, name FROM regions
              WHERE (name LIKE '%' || $1 || '%' ESCAPE '\' OR code LIKE $1 || '%' ESCAPE '\')
                AND path >= $2 AND path < $3
              ORDER BY level, code LIMIT $4",
        )
        .bind(sql::like_escape(text))
        .bind(lower)
        .bind(upper)
        .bind(i64::from(limit));
        backend::regions(&backend::fetch(&self.pool, query).await?)
    }

    async fn grid_staff(&self, grid: &RegionCode) -> StoreResult<Vec<GridStaff>> {
        let query = sqlx::query(
            r#"SELECT name, role FROM grid_staff WHERE grid_code = $1
               ORDER BY CASE role WHEN 'leader' THEN 0 ELSE 1 END, name COLLATE "C", ordinal"#,
        )
        .bind(grid.as_str());
        backend::staff(grid, &backend::fetch(&self.pool, query).await?)
    }
}
