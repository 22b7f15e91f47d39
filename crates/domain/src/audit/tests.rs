use super::*;
use proptest::prelude::*;

fn record(i: usize) -> AuditRecord {
    AuditRecord {
        at: chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
            + chrono::Duration::seconds(i as i64 * 37),
        actor: format!("operator-{}", i % 3),
        role: "operator".into(),
        kind: AuditKind::ALL[i % AuditKind::ALL.len()],
        subject: format!("20260302-{i:06}"),
        detail: format!(r#"{{"action":"accept","n":{i}}}"#),
    }
}

/// A sealed chain of `n` entries.
fn chain(n: usize) -> Vec<AuditEntry> {
    let mut out: Vec<AuditEntry> = Vec::with_capacity(n);
    for i in 0..n {
        let prev = out.last().map_or(GENESIS.to_owned(), |e| e.hash.clone());
        out.push(AuditEntry::seal(i as i64 + 1, record(i), &prev));
    }
    out
}

/// The faults of `entries` checked from genesis against the head of the
/// untouched chain `original`.
fn faults(entries: &[AuditEntry], original: &[AuditEntry]) -> Vec<AuditFault> {
    let mut verifier = Verifier::new(0, GENESIS);
    for e in entries {
        verifier.check(e);
    }
    let head = original
        .last()
        .map_or((0, GENESIS.to_owned()), |e| (e.seq, e.hash.clone()));
    verifier.finish(head.0, &head.1).1
}

#[test]
fn an_empty_log_verifies() {
    assert_eq!(faults(&[], &[]), []);
}

#[test]
fn the_hash_is_sm3_of_the_length_prefixed_fields() {
    // The same entry always seals to the same hash, and any field moves it.
    let a = AuditEntry::seal(1, record(0), GENESIS);
    assert_eq!(a.hash, AuditEntry::seal(1, record(0), GENESIS).hash);
    assert_eq!(a.hash.len(), 64);
    let mut moved = record(0);
    moved.actor.push('x');
    assert_ne!(a.hash, AuditEntry::seal(1, moved, GENESIS).hash);
    // Length prefixes: shifting a character between fields changes the hash.
    let (mut left, mut right) = (record(0), record(0));
    left.actor = "ab".into();
    left.role = "c".into();
    right.actor = "a".into();
    right.role = "bc".into();
    assert_ne!(
        AuditEntry::seal(1, left, GENESIS).hash,
        AuditEntry::seal(1, right, GENESIS).hash
    );
}

proptest! {
    #[test]
    fn a_sealed_chain_verifies(n in 0usize..40) {
        let log = chain(n);
        prop_assert_eq!(faults(&log, &log), vec![]);
    }

    #[test]
    fn a_changed_field_is_found_at_its_entry(n in 1usize..30, at in any::<prop::sample::Index>(), field in 0usize..6) {
        let log = chain(n);
        let mut edited = log.clone();
        let i = at.index(n);
        let r = &mut edited[i].record;
        match field {
            0 => r.at += chrono::Duration::seconds(1),
            1 => r.actor = "intruder".into(),
            2 => r.role = "admin".into(),
            3 => r.kind = if r.kind == AuditKind::Export { AuditKind::Login } else { AuditKind::Export },
            4 => r.subject.push('0'),
            _ => r.detail = "{}".into(),
        }
        let found = faults(&edited, &log);
        prop_assert_eq!(found, vec![AuditFault::Changed { seq: i as i64 + 1 }]);
    }

    #[test]
    fn a_removed_entry_is_found(n in 1usize..30, at in any::<prop::sample::Index>()) {
        let log = chain(n);
        let i = at.index(n);
        let mut cut = log.clone();
        cut.remove(i);
        let found = faults(&cut, &log);
        let expected = if i + 1 == n {
            AuditFault::Truncated { last: i as i64, head: n as i64 }
        } else {
            AuditFault::Missing { after: i as i64, next: i as i64 + 2 }
        };
        prop_assert_eq!(found, vec![expected]);
    }

    #[test]
    fn swapped_entries_are_found(n in 2usize..30, at in any::<prop::sample::Index>()) {
        let log = chain(n);
        let i = at.index(n - 1);
        // Moved with their numbers rewritten to look in order.
        let mut swapped = log.clone();
        swapped.swap(i, i + 1);
        swapped[i].seq = i as i64 + 1;
        swapped[i + 1].seq = i as i64 + 2;
        let found = faults(&swapped, &log);
        prop_assert!(found.contains(&AuditFault::Changed { seq: i as i64 + 1 }), "{:?}", found);
        prop_assert!(found.contains(&AuditFault::Unlinked { seq: i as i64 + 1 }), "{:?}", found);
    }

    #[test]
    fn a_chain_resealed_after_an_edit_still_fails_at_the_head(n in 1usize..30, at in any::<prop::sample::Index>()) {
        let log = chain(n);
        let i = at.index(n);
        let mut forged = log.clone();
        forged[i].record.actor = "intruder".into();
        for k in i..n {
            let prev = if k == 0 { GENESIS.to_owned() } else { forged[k - 1].hash.clone() };
            forged[k] = AuditEntry::seal(k as i64 + 1, forged[k].record.clone(), &prev);
        }
        let found = faults(&forged, &log);
        prop_assert_eq!(found, vec![AuditFault::Changed { seq: n as i64 }]);
    }
}

#[test]
fn a_purged_front_verifies_from_its_anchor() {
    let log = chain(10);
    let mut verifier = Verifier::new(log[3].seq, &log[3].hash);
    for e in &log[4..] {
        verifier.check(e);
    }
    let last = log.last().unwrap();
    assert_eq!(verifier.finish(last.seq, &last.hash), (6, vec![]));
}

#[test]
fn faults_say_what_happened() {
    assert_eq!(
        AuditFault::Missing { after: 4, next: 7 }.to_string(),
        "entries 5 to 6 are missing: entry 7 follows entry 4"
    );
    assert_eq!(
        AuditFault::Missing { after: 4, next: 6 }.to_string(),
        "entry 5 is missing: entry 6 follows entry 4"
    );
}
