//! `gongzhi audit …`: checking the audit log's hash chain, and removing
//! what is past the retention period.

use anyhow::bail;
use gongzhi_domain::audit::Verifier;
use gongzhi_store::Store;

/// Entries read per page while verifying.
const PAGE: u32 = 10_000;

/// Checks every entry from the anchor to the head; prints what was
/// checked, or fails naming each fault.
pub async fn verify(store: &dyn Store) -> anyhow::Result<()> {
    let head = store.audit_head().await?;
    let mut verifier = Verifier::new(head.anchor_seq, &head.anchor_hash);
    let mut after = head.anchor_seq;
    loop {
        let page = store.audit_entries(after, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.seq;
        for entry in &page {
            verifier.check(entry);
        }
    }
    let (checked, faults) = verifier.finish(head.seq, &head.hash);
    if !faults.is_empty() {
        let listed: Vec<String> = faults.iter().map(|f| format!("  {f}")).collect();
        bail!(
            "the audit log has been tampered with ({} faults in {checked} entries):\n{}",
            faults.len(),
            listed.join("\n")
        );
    }
    println!(
        "audit log verified: {checked} entries, {} to {}; head hash {}",
        head.anchor_seq + 1,
        head.seq,
        head.hash
    );
    println!("keep the head hash elsewhere: a log rewritten whole can only be caught against it");
    Ok(())
}

/// Removes the entries older than `retention_days`.
pub async fn purge(
    store: &dyn Store,
    retention_days: u32,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<()> {
    let before = now - chrono::Duration::days(i64::from(retention_days));
    let removed = store.purge_audit(before).await?;
    println!(
        "removed {removed} audit entries recorded before {before} ({retention_days} days kept)"
    );
    Ok(())
}
