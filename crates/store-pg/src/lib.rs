//! The PostgreSQL backend of the gongzhi [`Store`], for a city's production
//! database.
//!
//! Batches are written with one statement per table and chunk, passing each
//! column as an array (`INSERT ... SELECT * FROM UNNEST($1, $2, ...)`), so a
//! batch of thousands of regions costs a few round trips. A batch takes a
//! `SHARE ROW EXCLUSIVE` lock on both tables: readers go on, and concurrent
//! batches apply one after the other, so the stored state each one checks
//! cannot change under it.

use async_trait::async_trait;
use geo::MultiPolygon;
use gongzhi_domain::{GridStaff, Level, Region, RegionCode};
use gongzhi_store::batch::Plan;
use gongzhi_store::{
    BatchOutcome, LevelCount, RegionBatch, RegionInfo, Store, StoreError, StoreResult, boundary,
    sql,
};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, Row};
use std::collections::HashMap;
use std::str::FromStr;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Rows per statement when writing a batch, which bounds the size of one
/// message (boundaries run to a few kilobytes each).
const CHUNK: usize = 1_000;

/// A gongzhi store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url`
    /// (`postgres://user:password@host:5432/database`), which must exist.
    /// Does not migrate: call [`Store::migrate`]. Errors never repeat the
    /// URL, which may hold a password.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
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
        Ok(PgStore { pool })
    }
}

/// Maps an sqlx error to the store's. sqlx's messages for errors after the
/// URL is parsed carry no part of it.
fn db_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        e => StoreError::Backend(e.to_string()),
    }
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(db_error)
}

fn region_of(row: &PgRow) -> StoreResult<Region> {
    sql::region(get(row, "code")?, get(row, "name")?)
}

fn regions_of(rows: &[PgRow]) -> StoreResult<Vec<Region>> {
    rows.iter().map(region_of).collect()
}

fn infos_of(rows: &[PgRow]) -> StoreResult<Vec<RegionInfo>> {
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
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
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
        let stored: HashMap<String, String> = rows
            .iter()
            .map(|row| Ok((get(row, "code")?, get(row, "name")?)))
            .collect::<StoreResult<_>>()?;
        let writes = plan.resolve(&stored)?;

        // Chunks follow the write order, so parents precede children.
        for chunk in writes.regions.chunks(CHUNK) {
            let corner = |i: usize| {
                chunk
                    .iter()
                    .map(|r| r.boundary.as_ref().map(|b| b.bbox[i]))
                    .collect::<Vec<_>>()
            };
            sqlx::query(
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
            .bind(chunk.iter().map(|r| r.code).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.name).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.level).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.parent).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.path.as_str()).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|r| r.boundary.as_ref().map(|b| b.geojson.as_str()))
                    .collect::<Vec<_>>(),
            )
            .bind(corner(0))
            .bind(corner(1))
            .bind(corner(2))
            .bind(corner(3))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        // An identical boundary is left untouched, which makes re-applying an
        // import cheap.
        for chunk in writes.boundaries.chunks(CHUNK) {
            let corner = |i: usize| {
                chunk
                    .iter()
                    .map(|b| b.boundary.bbox[i])
                    .collect::<Vec<f64>>()
            };
            sqlx::query(
                "UPDATE regions r SET boundary = b.boundary, \
                    min_lng = b.min_lng, min_lat = b.min_lat, \
                    max_lng = b.max_lng, max_lat = b.max_lat, updated_at = now() \
                 FROM UNNEST($1::text[], $2::text[], \
                             $3::float8[], $4::float8[], $5::float8[], $6::float8[]) \
                      AS b (code, boundary, min_lng, min_lat, max_lng, max_lat) \
                 WHERE r.code = b.code AND r.boundary IS DISTINCT FROM b.boundary",
            )
            .bind(chunk.iter().map(|b| b.code).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|b| b.boundary.geojson.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(corner(0))
            .bind(corner(1))
            .bind(corner(2))
            .bind(corner(3))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        for grids in writes.staff_grids.chunks(CHUNK) {
            sqlx::query("DELETE FROM grid_staff WHERE grid_code = ANY($1)")
                .bind(grids)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for chunk in writes.staff.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO grid_staff (grid_code, name, role, ordinal) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int[])",
            )
            .bind(chunk.iter().map(|s| s.grid).collect::<Vec<_>>())
            .bind(chunk.iter().map(|s| s.name).collect::<Vec<_>>())
            .bind(chunk.iter().map(|s| s.role).collect::<Vec<_>>())
            .bind(chunk.iter().map(|s| s.ordinal).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(writes.outcome)
    }

    async fn region(&self, code: &RegionCode) -> StoreResult<Option<RegionInfo>> {
        let rows = sqlx::query(
            "SELECT code, name, boundary IS NOT NULL AS has_boundary FROM regions WHERE code = $1",
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
                     WHERE parent_code = $1 ORDER BY code",
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
        let rows =
            sqlx::query("SELECT code, name FROM regions WHERE code = ANY($1) ORDER BY level")
                .bind(codes)
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
             WHERE path >= $1 AND path < $2 AND level BETWEEN $3 AND $4 ORDER BY code",
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
        let rows = sqlx::query(
            r"SELECT code, name FROM regions
              WHERE (name LIKE '%' || $1 || '%' ESCAPE '\' OR code LIKE $1 || '%' ESCAPE '\')
                AND path >= $2 AND path < $3
              ORDER BY level, code LIMIT $4",
        )
        .bind(sql::like_escape(text))
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
            sqlx::query_scalar("SELECT boundary FROM regions WHERE code = $1")
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
             WHERE boundary IS NOT NULL AND path >= $1 AND path < $2 \
               AND level BETWEEN $3 AND $4 ORDER BY code",
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
            r#"SELECT name, role FROM grid_staff WHERE grid_code = $1
               ORDER BY CASE role WHEN 'leader' THEN 0 ELSE 1 END, name COLLATE "C", ordinal"#,
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
                    COALESCE(SUM(s.staff), 0)::BIGINT AS staff \
             FROM regions r \
             LEFT JOIN (SELECT grid_code, COUNT(*) AS staff FROM grid_staff GROUP BY grid_code) s \
               ON s.grid_code = r.code \
             WHERE r.path >= $1 AND r.path < $2 \
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
