//! Contract cases of the audit log ([`AuditStore`](crate::AuditStore)).

use super::events::{City, RUBBISH, at, create};
use crate::Store;
use gongzhi_domain::audit::{AuditEntry, AuditKind, AuditRecord, GENESIS, Verifier};
use gongzhi_domain::event::{Event, TimelineEntry};
use gongzhi_domain::event_flow::Action;

/// Every entry of the log, in order.
async fn all_entries(store: &dyn Store) -> Vec<AuditEntry> {
    store.audit_entries(0, u32::MAX).await.unwrap()
}

/// The faults of the stored chain, checked from its anchor to its head.
async fn faults(store: &dyn Store) -> Vec<String> {
    let head = store.audit_head().await.unwrap();
    let mut verifier = Verifier::new(head.anchor_seq, &head.anchor_hash);
    for e in store
        .audit_entries(head.anchor_seq, u32::MAX)
        .await
        .unwrap()
    {
        verifier.check(&e);
    }
    let (_, found) = verifier.finish(head.seq, &head.hash);
    found.iter().map(ToString::to_string).collect()
}

fn record(day: u32, actor: &str) -> AuditRecord {
    AuditRecord {
        at: at(day, 9, 0),
        actor: actor.into(),
        role: "admin".into(),
        kind: AuditKind::Permission,
        subject: "user:7".into(),
        detail: r#"{"granted":"supervisor"}"#.into(),
    }
}

/// An event reported and then accepted: the event as reported, and the
/// accepted event with its step's entry.
async fn reported_and_accepted(store: &dyn Store) -> (Event, (Event, TimelineEntry)) {
    let city = City::new();
    let event = create(
        store,
        &city.report(RUBBISH, "440507001001001", 116.70, "垃圾", at(2, 9, 0)),
    )
    .await;
    let step = city.step(&event, Action::Accept, at(2, 9, 30));
    store
        .save_event(&step.0, std::slice::from_ref(&step.1))
        .await
        .unwrap();
    (event, step)
}

/// A report and a step are audited with the event, in order, by who
/// took them, and the chain verifies.
pub async fn state_changes_are_audited_with_the_event(store: &dyn Store) {
    assert_eq!(store.audit_head().await.unwrap().hash, GENESIS);
    let (event, _) = reported_and_accepted(store).await;
    let log = all_entries(store).await;
    let seen: Vec<(i64, AuditKind, &str, &str, &str)> = log
        .iter()
        .map(|e| {
            (
                e.seq,
                e.record.kind,
                e.record.subject.as_str(),
                e.record.role.as_str(),
                e.record.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                1,
                AuditKind::StateChange,
                event.number.as_str(),
                "operator",
                r#"{"action":"report","from":null,"to":"reported"}"#
            ),
            (
                2,
                AuditKind::StateChange,
                event.number.as_str(),
                "operator",
                r#"{"action":"accept","from":"reported","to":"accepted"}"#
            ),
        ]
    );
    assert_eq!(log[1].prev_hash, log[0].hash);
    let head = store.audit_head().await.unwrap();
    assert_eq!((head.seq, head.hash.as_str()), (2, log[1].hash.as_str()));
    assert_eq!(faults(store).await, Vec::<String>::new());
}

/// A failed save leaves no audit entry behind.
pub async fn a_refused_save_audits_nothing(store: &dyn Store) {
    let (_, (accepted, entry)) = reported_and_accepted(store).await;
    // The same step again on the version it was taken from: a conflict.
    assert!(store.save_event(&accepted, &[entry]).await.is_err());
    assert_eq!(store.audit_head().await.unwrap().seq, 2);
    assert_eq!(all_entries(store).await.len(), 2);
}

/// Purging keeps the last entry removed as the anchor; what remains
/// verifies, and the log goes on from its head.
pub async fn purge_keeps_an_anchor_and_the_chain(store: &dyn Store) {
    let records: Vec<AuditRecord> = (1..=5).map(|d| record(d, "admin-1")).collect();
    let sealed = store.append_audit(&records).await.unwrap();
    assert_eq!(
        sealed.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(store.purge_audit(at(3, 0, 0)).await.unwrap(), 2);
    assert_eq!(store.purge_audit(at(3, 0, 0)).await.unwrap(), 0);
    let head = store.audit_head().await.unwrap();
    assert_eq!(
        (head.anchor_seq, head.anchor_hash.as_str()),
        (2, sealed[1].hash.as_str())
    );
    let left: Vec<i64> = all_entries(store).await.iter().map(|e| e.seq).collect();
    assert_eq!(left, [3, 4, 5]);
    store.append_audit(&[record(6, "admin-2")]).await.unwrap();
    assert_eq!(store.audit_head().await.unwrap().seq, 6);
    assert_eq!(faults(store).await, Vec::<String>::new());
}

/// Writers appending at once never fork the chain: every entry once, in
/// one line.
pub async fn concurrent_appends_make_one_chain(store: &dyn Store) {
    let writers = (0..8).map(|w| async move {
        for i in 0..5 {
            let actor = format!("writer-{w}-{i}");
            store.append_audit(&[record(1, &actor)]).await.unwrap();
        }
    });
    futures_util::future::join_all(writers).await;
    let log = all_entries(store).await;
    assert_eq!(log.len(), 40);
    assert!(log.iter().enumerate().all(|(i, e)| e.seq == i as i64 + 1));
    let mut actors: Vec<&str> = log.iter().map(|e| e.record.actor.as_str()).collect();
    actors.sort_unstable();
    actors.dedup();
    assert_eq!(actors.len(), 40);
    assert_eq!(faults(store).await, Vec::<String>::new());
}
