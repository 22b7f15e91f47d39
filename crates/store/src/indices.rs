//! Storage of composite indices ([`IndexStore`]): definitions kept in every
//! version, the values loaded for each period, and each period's result.
//! Definitions and results are JSON text here; their meaning is the index
//! engine's.

use crate::backend::{SqlBackend, StoreRow, fetch};
use crate::{StoreError, StoreResult, audit, sql};
use async_trait::async_trait;
use gongzhi_domain::audit::AuditRecord;
use sqlx::{Database, Encode, Executor, IntoArguments, Type};

/// One stored version of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDefinitionRecord {
    /// The index's code.
    pub code: String,
    /// 1 for the first version, one more for each after.
    pub version: i64,
    /// The definition as JSON.
    pub body: String,
    /// Who saved it.
    pub created_by: String,
    /// When, in seconds since the Unix epoch.
    pub created_at: i64,
}

/// One loaded value.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexValue {
    /// The period, e.g. `2026Q3`.
    pub period: String,
    /// The unit (a region code).
    pub unit: String,
    /// An indicator or denominator code.
    pub series: String,
    /// The value.
    pub value: f64,
}

/// One period's stored result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexResultRecord {
    /// The period.
    pub period: String,
    /// The definition version that produced it.
    pub version: i64,
    /// The result as JSON.
    pub body: String,
    /// Its warnings alone, as JSON, for readers that need nothing else.
    pub warnings: String,
    /// When it was computed, in seconds since the Unix epoch.
    pub computed_at: i64,
}

/// Composite indices' definitions, data and results.
#[async_trait]
pub trait IndexStore {
    /// Saves a new version of a definition (one more than the newest, or 1)
    /// and audits it, in one transaction; returns the version.
    async fn put_index_definition(
        &self,
        code: &str,
        body: &str,
        created_by: &str,
        created_at: i64,
        audit: &[AuditRecord],
    ) -> StoreResult<i64>;

    /// A definition's given version, or its newest.
    async fn index_definition(
        &self,
        code: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<IndexDefinitionRecord>>;

    /// The newest version of every definition, by code.
    async fn index_definitions(&self) -> StoreResult<Vec<IndexDefinitionRecord>>;

    /// Loads values of an index, replacing the ones stored for the same
    /// period, unit and series, all or none, and audits it.
    async fn put_index_values(
        &self,
        code: &str,
        values: &[IndexValue],
        audit: &[AuditRecord],
    ) -> StoreResult<()>;

    /// Every value loaded for an index, by period, unit and series.
    async fn index_values(&self, code: &str) -> StoreResult<Vec<IndexValue>>;

    /// Saves the results of periods, replacing the stored ones of the same
    /// periods, all or none.
    async fn put_index_results(&self, code: &str, results: &[IndexResultRecord])
    -> StoreResult<()>;

    /// A period's result.
    async fn index_result(
        &self,
        code: &str,
        period: &str,
    ) -> StoreResult<Option<IndexResultRecord>>;

    /// The periods with a result, in order.
    async fn index_periods(&self, code: &str) -> StoreResult<Vec<String>>;

    /// The warnings of an index's newest period with a result: the period
    /// and the warnings' JSON, without reading the rest of the result.
    async fn index_newest_warnings(&self, code: &str) -> StoreResult<Option<(String, String)>>;
}

/// Rows per multi-row insert: five parameters each stays well inside both
/// backends' limits.
const CHUNK: usize = 1000;

fn definition_of(row: &impl StoreRow) -> StoreResult<IndexDefinitionRecord> {
    Ok(IndexDefinitionRecord {
        code: row.text("code")?,
        version: row.count("version")?,
        body: row.text("body")?,
        created_by: row.text("created_by")?,
        created_at: row.count("created_at")?,
    })
}

fn result_of(row: &impl StoreRow) -> StoreResult<IndexResultRecord> {
    Ok(IndexResultRecord {
        period: row.text("period")?,
        version: row.count("version")?,
        body: row.text("body")?,
        warnings: row.text("warnings")?,
        computed_at: row.count("computed_at")?,
    })
}

#[async_trait]
impl<B> IndexStore for B
where
    B: SqlBackend,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    for<'q> &'q str: Encode<'q, B::Db> + Type<B::Db>,
    String: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    i64: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    f64: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    <B::Db as Database>::Row: StoreRow,
{
    async fn put_index_definition(
        &self,
        code: &str,
        body: &str,
        created_by: &str,
        created_at: i64,
        audit: &[AuditRecord],
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS version FROM index_definitions WHERE code = $1",
        )
        .bind(code)
        .fetch_all(&mut *tx)
        .await
        .map_err(sql::db_error)?;
        let version = rows
            .first()
            .ok_or_else(|| StoreError::Corrupt("no next version".into()))?
            .count("version")?;
        sqlx::query(
            "INSERT INTO index_definitions (code, version, body, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code)
        .bind(version)
        .bind(body)
        .bind(created_by)
        .bind(created_at)
        .execute(&mut *tx)
        .await
        .map_err(sql::db_error)?;
        audit::append_in(&mut tx, audit).await?;
        tx.commit().await.map_err(sql::db_error)?;
        Ok(version)
    }

    async fn index_definition(
        &self,
        code: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<IndexDefinitionRecord>> {
        const COLUMNS: &str = "SELECT code, version, body, created_by, created_at FROM index_definitions WHERE code = $1";
        let query = match version {
            Some(v) => sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} AND version = $2")))
                .bind(code)
                .bind(v),
            None => sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} ORDER BY version DESC LIMIT 1"
            )))
            .bind(code),
        };
        fetch(self.pool(), query)
            .await?
            .first()
            .map(definition_of)
            .transpose()
    }

    async fn index_definitions(&self) -> StoreResult<Vec<IndexDefinitionRecord>> {
        let query = sqlx::query(
            "SELECT d.code, d.version, d.body, d.created_by, d.created_at FROM index_definitions d \
             WHERE d.version = (SELECT MAX(version) FROM index_definitions n WHERE n.code = d.code) \
             ORDER BY d.code",
        );
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(definition_of)
            .collect()
    }

    async fn put_index_values(
        &self,
        code: &str,
        values: &[IndexValue],
        audit: &[AuditRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for chunk in values.chunks(CHUNK) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p = 4 * i + 2;
                    format!("($1, ${p}, ${}, ${}, ${})", p + 1, p + 2, p + 3)
                })
                .collect();
            let statement = format!(
                "INSERT INTO index_values (code, period, unit, series, value) VALUES {} \
                 ON CONFLICT (code, period, unit, series) DO UPDATE SET value = excluded.value",
                rows.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(statement)).bind(code);
            for v in chunk {
                query = query
                    .bind(v.period.as_str())
                    .bind(v.unit.as_str())
                    .bind(v.series.as_str())
                    .bind(v.value);
            }
            query.execute(&mut *tx).await.map_err(sql::db_error)?;
        }
        audit::append_in(&mut tx, audit).await?;
        tx.commit().await.map_err(sql::db_error)
    }

    async fn index_values(&self, code: &str) -> StoreResult<Vec<IndexValue>> {
        let query = sqlx::query(
            "SELECT period, unit, series, value FROM index_values WHERE code = $1 \
             ORDER BY period, unit, series",
        )
        .bind(code);
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(|row| {
                Ok(IndexValue {
                    period: row.text("period")?,
                    unit: row.text("unit")?,
                    series: row.text("series")?,
                    value: row.real("value")?,
                })
            })
            .collect()
    }

    async fn put_index_results(
        &self,
        code: &str,
        results: &[IndexResultRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for r in results {
            sqlx::query(
                "INSERT INTO index_results (code, period, version, body, warnings, computed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code, period) DO UPDATE SET \
                 version = excluded.version, body = excluded.body, warnings = excluded.warnings, \
                 computed_at = excluded.computed_at",
            )
            .bind(code)
            .bind(r.period.as_str())
            .bind(r.version)
            .bind(r.body.as_str())
            .bind(r.warnings.as_str())
            .bind(r.computed_at)
            .execute(&mut *tx)
            .await
            .map_err(sql::db_error)?;
        }
        tx.commit().await.map_err(sql::db_error)
    }

    async fn index_result(
        &self,
        code: &str,
        period: &str,
    ) -> StoreResult<Option<IndexResultRecord>> {
        let query = sqlx::query(
            "SELECT period, version, body, warnings, computed_at FROM index_results \
             WHERE code = $1 AND period = $2",
        )
        .bind(code)
        .bind(period);
        fetch(self.pool(), query)
            .await?
            .first()
            .map(result_of)
            .transpose()
    }

    async fn index_periods(&self, code: &str) -> StoreResult<Vec<String>> {
        let query = sqlx::query("SELECT period FROM index_results WHERE code = $1 ORDER BY period")
            .bind(code);
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(|row| row.text("period"))
            .collect()
    }

    async fn index_newest_warnings(&self, code: &str) -> StoreResult<Option<(String, String)>> {
        let query = sqlx::query(
            "SELECT period, warnings FROM index_results WHERE code = $1 \
             ORDER BY period DESC LIMIT 1",
        )
        .bind(code);
        fetch(self.pool(), query)
            .await?
            .first()
            .map(|row| Ok((row.text("period")?, row.text("warnings")?)))
            .transpose()
    }
}
