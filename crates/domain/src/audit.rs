//! The audit log (审计日志): logins and their failures, permission changes,
//! reveals of personal data, exports and every state change, each entry
//! sealed with the SM3 hash of its content and of the entry before it. An
//! entry changed, removed or moved breaks the chain where it was, and
//! [`Verifier`] says where.
//!
//! Entries older than the retention period may be purged from the front;
//! the store then keeps the last purged entry's number and hash as the
//! chain's anchor, so what remains still verifies.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use std::fmt;

use crate::calendar::epoch_of_local;
use crate::event::TimelineEntry;

/// The hash before the first entry of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A sign-in.
    Login,
    /// A sign-in refused.
    LoginFailed,
    /// A user's roles, scope or permissions changed.
    Permission,
    /// Personal data shown in full.
    Reveal,
    /// Data exported.
    Export,
    /// An event changed state (a step on its timeline).
    StateChange,
    /// An index definition saved, or data loaded into an index.
    IndexChange,
}

impl AuditKind {
    /// Every kind.
    pub const ALL: [AuditKind; 7] = [
        AuditKind::Login,
        AuditKind::LoginFailed,
        AuditKind::Permission,
        AuditKind::Reveal,
        AuditKind::Export,
        AuditKind::StateChange,
        AuditKind::IndexChange,
    ];

    /// Stable machine name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Login => "login",
            AuditKind::LoginFailed => "login_failed",
            AuditKind::Permission => "permission",
            AuditKind::Reveal => "reveal",
            AuditKind::Export => "export",
            AuditKind::StateChange => "state_change",
            AuditKind::IndexChange => "index_change",
        }
    }

    /// The kind with a stored name.
    pub fn parse(name: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// What happened, by whom, to what: an entry before it is sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When (China time, to the second).
    pub at: NaiveDateTime,
    /// Who (identifier; `system` for the server's own jobs).
    pub actor: String,
    /// In which role.
    pub role: String,
    /// What kind of thing happened.
    pub kind: AuditKind,
    /// What it happened to: an event number, a user, an export's name.
    pub subject: String,
    /// What else there is to know, as JSON text (the action and states of
    /// a step, the field revealed, the filter exported).
    pub detail: String,
}

impl AuditRecord {
    /// The record of a step on the timeline of event `number`: who took
    /// it, in which role, and the action and states (not the note, which
    /// may hold personal data and stays on the timeline).
    pub fn state_change(number: &str, entry: &TimelineEntry) -> AuditRecord {
        let detail = serde_json::json!({
            "action": entry.action,
            "from": entry.from.map(|s| s.as_str()),
            "to": entry.to.as_str(),
        });
        AuditRecord {
            at: entry.at,
            actor: entry.actor.clone(),
            role: entry.role.as_str().to_owned(),
            kind: AuditKind::StateChange,
            subject: number.to_owned(),
            detail: detail.to_string(),
        }
    }
}

/// A sealed entry of the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its number, from 1, without gaps.
    pub seq: i64,
    /// What it records.
    #[serde(flatten)]
    pub record: AuditRecord,
    /// The hash of the entry before (or of the anchor, or [`GENESIS`]).
    pub prev_hash: String,
    /// SM3 of this entry's number, record and `prev_hash`, hex.
    pub hash: String,
}

impl AuditEntry {
    /// Seals `record` as entry `seq` after the entry hashed `prev_hash`.
    pub fn seal(seq: i64, record: AuditRecord, prev_hash: &str) -> AuditEntry {
        let hash = content_hash(seq, &record, prev_hash);
        AuditEntry {
            seq,
            record,
            prev_hash: prev_hash.to_owned(),
            hash,
        }
    }
}

/// SM3 over every field, each prefixed by its length so that no two
/// different entries read as the same bytes.
fn content_hash(seq: i64, record: &AuditRecord, prev_hash: &str) -> String {
    let mut sm3 = Sm3::new();
    let seq = seq.to_string();
    let at = epoch_of_local(record.at).to_string();
    for field in [
        seq.as_str(),
        at.as_str(),
        record.actor.as_str(),
        record.role.as_str(),
        record.kind.as_str(),
        record.subject.as_str(),
        record.detail.as_str(),
        prev_hash,
    ] {
        sm3.update((field.len() as u64).to_be_bytes());
        sm3.update(field.as_bytes());
    }
    hex::encode(sm3.finalize())
}

/// Where a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFault {
    /// The entry's content does not match its hash: it was changed.
    Changed {
        /// The entry.
        seq: i64,
    },
    /// Entries are missing between two that remain.
    Missing {
        /// The last entry before the gap (the anchor's number at the start).
        after: i64,
        /// The entry after the gap.
        next: i64,
    },
    /// The entry does not follow the one before it: entries were moved, or
    /// one before it was replaced.
    Unlinked {
        /// The entry.
        seq: i64,
    },
    /// The chain ends before the head the store recorded: entries were
    /// removed from the end.
    Truncated {
        /// The last entry found.
        last: i64,
        /// The last entry the head names.
        head: i64,
    },
    /// Entries follow the head the store recorded: they were added behind
    /// its back.
    BeyondHead {
        /// The last entry the head names.
        head: i64,
        /// The last entry found.
        last: i64,
    },
}

impl fmt::Display for AuditFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditFault::Changed { seq } => write!(
                f,
                "entry {seq} was changed: its content does not match its hash"
            ),
            AuditFault::Missing { after, next } if next - after == 2 => write!(
                f,
                "entry {} is missing: entry {next} follows entry {after}",
                after + 1
            ),
            AuditFault::Missing { after, next } => write!(
                f,
                "entries {} to {} are missing: entry {next} follows entry {after}",
                after + 1,
                next - 1
            ),
            AuditFault::Unlinked { seq } => write!(
                f,
                "entry {seq} does not follow the entry before it: entries were moved or replaced"
            ),
            AuditFault::Truncated { last, head } => write!(
                f,
                "the log ends at entry {last} but its head names entry {head}: entries were removed from the end"
            ),
            AuditFault::BeyondHead { head, last } => write!(
                f,
                "entries {} to {last} follow the head (entry {head}): they were added outside the log",
                head + 1
            ),
        }
    }
}

/// Checks a chain entry by entry, in the order of their numbers, from an
/// anchor; collects every fault.
#[derive(Debug, Clone)]
pub struct Verifier {
    last_seq: i64,
    last_hash: String,
    checked: u64,
    faults: Vec<AuditFault>,
}

impl Verifier {
    /// Starts after the anchor: entry `seq` hashed `hash` (`0` and
    /// [`GENESIS`] for a chain never purged).
    pub fn new(seq: i64, hash: &str) -> Verifier {
        Verifier {
            last_seq: seq,
            last_hash: hash.to_owned(),
            checked: 0,
            faults: Vec::new(),
        }
    }

    /// Checks the next entry found.
    pub fn check(&mut self, entry: &AuditEntry) {
        if content_hash(entry.seq, &entry.record, &entry.prev_hash) != entry.hash {
            self.faults.push(AuditFault::Changed { seq: entry.seq });
        }
        if entry.seq != self.last_seq + 1 {
            self.faults.push(AuditFault::Missing {
                after: self.last_seq,
                next: entry.seq,
            });
        } else if entry.prev_hash != self.last_hash {
            self.faults.push(AuditFault::Unlinked { seq: entry.seq });
        }
        self.last_seq = entry.seq;
        self.last_hash = entry.hash.clone();
        self.checked += 1;
    }

    /// Ends the check against the head the store recorded; returns how
    /// many entries were checked and the faults found.
    pub fn finish(mut self, head_seq: i64, head_hash: &str) -> (u64, Vec<AuditFault>) {
        match self.last_seq.cmp(&head_seq) {
            std::cmp::Ordering::Less => self.faults.push(AuditFault::Truncated {
                last: self.last_seq,
                head: head_seq,
            }),
            std::cmp::Ordering::Greater => self.faults.push(AuditFault::BeyondHead {
                head: head_seq,
                last: self.last_seq,
            }),
            std::cmp::Ordering::Equal if self.last_hash != head_hash => {
                self.faults.push(AuditFault::Changed { seq: head_seq });
            }
            std::cmp::Ordering::Equal => {}
        }
        (self.checked, self.faults)
    }
}

#[cfg(test)]
mod tests;
