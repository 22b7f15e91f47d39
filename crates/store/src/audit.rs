//! Storage of the audit log ([`gongzhi_domain::audit`]). Entries are
//! sealed and appended inside the transaction of what they record, so a
//! state change and its audit entry are stored together or not at all;
//! the head row is updated first, which in PostgreSQL also holds off any
//! other writer of the log until the transaction ends, so the chain never
//! forks.

use crate::backend::{SqlBackend, StoreRow, fetch};
use crate::{StoreError, StoreResult, sql};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use gongzhi_domain::audit::{AuditEntry, AuditKind, AuditRecord};
use gongzhi_domain::calendar::{epoch_of_local, local_of_epoch};
use sqlx::{AssertSqlSafe, Database, Encode, Executor, IntoArguments, Transaction, Type};

/// The ends of the chain as the store recorded them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    /// The last entry's number (0 for an empty log).
    pub seq: i64,
    /// The last entry's hash.
    pub hash: String,
    /// The last entry purged by retention (0 when none was).
    pub anchor_seq: i64,
    /// Its hash, which the first remaining entry follows.
    pub anchor_hash: String,
}

/// The audit log. See the module documentation.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Seals and appends `records` in order, in one transaction.
    async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<Vec<AuditEntry>>;

    /// The head and the anchor of the chain.
    async fn audit_head(&self) -> StoreResult<AuditHead>;

    /// At most `limit` entries numbered after `after`, in order.
    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    /// Removes the entries recorded before `before`, from the front of the
    /// chain, keeping the last one removed as the anchor; returns how many
    /// were removed.
    async fn purge_audit(&self, before: NaiveDateTime) -> StoreResult<u64>;
}

/// Rows per multi-row insert of entries: 9 values each, far below either
/// backend's limit on parameters.
const CHUNK: usize = 1_000;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("audit log {what}: {e}"))
}

fn head_of(row: &impl StoreRow) -> StoreResult<AuditHead> {
    Ok(AuditHead {
        seq: row.count("seq")?,
        hash: row.text("hash")?,
        anchor_seq: row.count("anchor_seq")?,
        anchor_hash: row.text("anchor_hash")?,
    })
}

fn entry_of(row: &impl StoreRow) -> StoreResult<AuditEntry> {
    let kind = row.text("kind")?;
    let at = row.count("at")?;
    Ok(AuditEntry {
        seq: row.count("seq")?,
        record: AuditRecord {
            at: local_of_epoch(at).ok_or_else(|| corrupt("instant", at))?,
            actor: row.text("actor")?,
            role: row.text("role")?,
            kind: AuditKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
            subject: row.text("subject")?,
            detail: row.text("detail")?,
        },
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

/// Seals and appends `records` inside `tx`.
pub(crate) async fn append_in<DB>(
    tx: &mut Transaction<'_, DB>,
    records: &[AuditRecord],
) -> StoreResult<Vec<AuditEntry>>
where
    DB: Database<Row: StoreRow, Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
{
    if records.is_empty() {
        return Ok(Vec::new());
    }
    // Writing the head row first takes its lock for the transaction.
    let rows = sqlx::query(
        "UPDATE audit_head SET seq = seq WHERE id = 1 \
         RETURNING seq, hash, anchor_seq, anchor_hash",
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(sql::db_error)?;
    let head = head_of(rows.first().ok_or_else(|| corrupt("head", "missing"))?)?;
    let mut sealed = Vec::with_capacity(records.len());
    let (mut seq, mut hash) = (head.seq, head.hash);
    for record in records {
        seq += 1;
        let entry = AuditEntry::seal(seq, record.clone(), &hash);
        hash = entry.hash.clone();
        sealed.push(entry);
    }
    for chunk in sealed.chunks(CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| {
                let params: Vec<String> = (1..=9).map(|c| format!("${}", r * 9 + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let statement = format!(
            "INSERT INTO audit_log (seq, at, actor, role, kind, subject, detail, prev_hash, hash) \
             VALUES {}",
            rows.join(", ")
        );
        let mut insert = sqlx::query(AssertSqlSafe(statement));
        for e in chunk {
            insert = insert
                .bind(e.seq)
                .bind(epoch_of_local(e.record.at))
                .bind(e.record.actor.clone())
                .bind(e.record.role.clone())
                .bind(e.record.kind.as_str().to_owned())
                .bind(e.record.subject.clone())
                .bind(e.record.detail.clone())
                .bind(e.prev_hash.clone())
                .bind(e.hash.clone());
        }
        insert.execute(&mut **tx).await.map_err(sql::db_error)?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(hash)
        .execute(&mut **tx)
        .await
        .map_err(sql::db_error)?;
    Ok(sealed)
}

#[async_trait]
impl<B> AuditStore for B
where
    B: SqlBackend,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    String: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    i64: for<'q> Encode<'q, B::Db> + Type<B::Db>,
{
    async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<Vec<AuditEntry>> {
        let mut tx = self.begin_write().await?;
        let sealed = append_in(&mut tx, records).await?;
        tx.commit().await.map_err(sql::db_error)?;
        Ok(sealed)
    }

    async fn audit_head(&self) -> StoreResult<AuditHead> {
        let query =
            sqlx::query("SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1");
        let rows = fetch(self.pool(), query).await?;
        head_of(rows.first().ok_or_else(|| corrupt("head", "missing"))?)
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let query = sqlx::query(
            "SELECT seq, at, actor, role, kind, subject, detail, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit));
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(entry_of)
            .collect()
    }

    async fn purge_audit(&self, before: NaiveDateTime) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        // The front of the chain up to the last entry older than `before`.
        let rows = sqlx::query(
            "SELECT seq, hash, (SELECT COUNT(*) FROM audit_log WHERE seq <= l.seq) AS n \
             FROM audit_log AS l WHERE seq = (SELECT MAX(seq) FROM audit_log WHERE at < $1)",
        )
        .bind(epoch_of_local(before))
        .fetch_all(&mut *tx)
        .await
        .map_err(sql::db_error)?;
        let Some(last) = rows.first() else {
            return Ok(0);
        };
        let (seq, hash, removed) = (last.count("seq")?, last.text("hash")?, last.count("n")?);
        sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(sql::db_error)?;
        sqlx::query("UPDATE audit_head SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(hash)
            .execute(&mut *tx)
            .await
            .map_err(sql::db_error)?;
        tx.commit().await.map_err(sql::db_error)?;
        Ok(u64::try_from(removed).unwrap_or(0))
    }
}
