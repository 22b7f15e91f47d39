//! The closed loop of an event as a state machine (受理 → 分拨 → 处置 →
//! 反馈 → 核查 → 办结 → 回访评价), with its side roads: rejection, return
//! (退回), re-dispatch, extension (延期), suspension (挂起, the clock stops),
//! escalation up the tree (上报), supervision (督办), joint summons (吹哨),
//! merge of duplicates (并单) and reopening.
//!
//! The machine knows states and actions only. Who may act, on which event and
//! in which jurisdiction is decided by the layers above; what it guarantees is
//! that no event ever takes a step the loop does not have, and that a refused
//! step says which steps were open.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventState {
    /// 上报: received, not yet looked at.
    Reported,
    /// 受理: accepted by a centre, waiting to be dispatched.
    Accepted,
    /// 不予受理: refused with a reason. Final.
    Rejected,
    /// 已分拨: sent to a department, not yet signed for.
    Dispatched,
    /// 已签收: the department took it.
    Signed,
    /// 处置中: being handled.
    InProgress,
    /// 已处置: the department reported back.
    Handled,
    /// 已核查: the result was checked on the ground.
    Verified,
    /// 已办结: closed.
    Closed,
    /// 已评价: the reporter rated the result.
    Evaluated,
    /// 已并单: merged into another event, which carries it on. Final.
    Merged,
}

impl EventState {
    /// Every state, in loop order.
    pub const ALL: [EventState; 11] = [
        EventState::Reported,
        EventState::Accepted,
        EventState::Rejected,
        EventState::Dispatched,
        EventState::Signed,
        EventState::InProgress,
        EventState::Handled,
        EventState::Verified,
        EventState::Closed,
        EventState::Evaluated,
        EventState::Merged,
    ];

    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Reported => "reported",
            EventState::Accepted => "accepted",
            EventState::Rejected => "rejected",
            EventState::Dispatched => "dispatched",
            EventState::Signed => "signed",
            EventState::InProgress => "in_progress",
            EventState::Handled => "handled",
            EventState::Verified => "verified",
            EventState::Closed => "closed",
            EventState::Evaluated => "evaluated",
            EventState::Merged => "merged",
        }
    }

    /// Whether the work is over: nothing but reopening can follow.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            EventState::Rejected | EventState::Closed | EventState::Evaluated | EventState::Merged
        )
    }
}

impl fmt::Display for EventState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step an actor asks for. Payloads (reasons, departments, feedback) are
/// carried by the layer above; the machine needs only what decides the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// 受理.
    Accept,
    /// 不予受理, with a reason.
    Reject,
    /// 分拨 to a department (or, jointly, to several with one lead: 吹哨).
    Dispatch,
    /// 改派: send to another department before or after signing.
    Redispatch,
    /// 就地解决: the grid worker solved it on the spot.
    ResolveOnSpot,
    /// 签收.
    Sign,
    /// Start handling.
    Start,
    /// 处置反馈: report back with feedback and photos.
    Handle,
    /// 退回: the department hands it back to the dispatcher with a reason.
    Return,
    /// 核查: check the result; a failed check sends it back to handling.
    Verify {
        /// Whether the result holds.
        passed: bool,
    },
    /// 办结.
    Close,
    /// 回访评价: satisfaction 1–5.
    Evaluate {
        /// 1 (very unsatisfied) to 5 (very satisfied).
        satisfaction: u8,
    },
    /// 重启: reopen a closed event; an evaluated one only when its reporter
    /// was unsatisfied (satisfaction 1 or 2).
    Reopen,
    /// 申请延期.
    RequestExtension,
    /// 审批延期: approve or refuse the pending request.
    DecideExtension {
        /// Whether the extension is granted.
        approved: bool,
    },
    /// 挂起: stop the clock.
    Suspend,
    /// 恢复: restart the clock.
    Resume,
    /// 上报: pass the event to the parent level's centre.
    Escalate,
    /// 督办: a supervisor's note on open work.
    Supervise,
    /// 并单: merge into a master event.
    Merge,
}

impl Action {
    /// Stable machine name.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Dispatch => "dispatch",
            Action::Redispatch => "redispatch",
            Action::ResolveOnSpot => "resolve_on_spot",
            Action::Sign => "sign",
            Action::Start => "start",
            Action::Handle => "handle",
            Action::Return => "return",
            Action::Verify { .. } => "verify",
            Action::Close => "close",
            Action::Evaluate { .. } => "evaluate",
            Action::Reopen => "reopen",
            Action::RequestExtension => "request_extension",
            Action::DecideExtension { .. } => "decide_extension",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Escalate => "escalate",
            Action::Supervise => "supervise",
            Action::Merge => "merge",
        }
    }

    /// One representative of every action, for listing what is open.
    pub const KINDS: [Action; 20] = [
        Action::Accept,
        Action::Reject,
        Action::Dispatch,
        Action::Redispatch,
        Action::ResolveOnSpot,
        Action::Sign,
        Action::Start,
        Action::Handle,
        Action::Return,
        Action::Verify { passed: true },
        Action::Close,
        Action::Evaluate { satisfaction: 5 },
        Action::Reopen,
        Action::RequestExtension,
        Action::DecideExtension { approved: true },
        Action::Suspend,
        Action::Resume,
        Action::Escalate,
        Action::Supervise,
        Action::Merge,
    ];
}

/// An event's position in the loop: its state and the facts that gate steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// The state.
    pub state: EventState,
    /// Suspended: the clock is stopped and only resuming (or supervision) is open.
    pub suspended: bool,
    /// An extension request waits for a decision.
    pub extension_pending: bool,
    /// The reporter's rating, once evaluated.
    pub satisfaction: Option<u8>,
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            state: EventState::Reported,
            suspended: false,
            extension_pending: false,
            satisfaction: None,
        }
    }
}

/// A step the loop does not have from where the event stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} an event that is {state}{suspended}; allowed: {allowed}", suspended = if *suspended { " (suspended)" } else { "" }, allowed = if allowed.is_empty() { "nothing".to_owned() } else { allowed.join(", ") })]
pub struct IllegalTransition {
    /// The refused action.
    pub action: &'static str,
    /// The state the event is in.
    pub state: EventState,
    /// Whether it is suspended.
    pub suspended: bool,
    /// The actions that are open.
    pub allowed: Vec<&'static str>,
}

/// Work in the hands of a department: where return, extension and
/// suspension make sense.
fn with_department(s: EventState) -> bool {
    matches!(
        s,
        EventState::Dispatched | EventState::Signed | EventState::InProgress
    )
}

/// Open work: anything not finished.
fn open(s: EventState) -> bool {
    !s.is_finished()
}

impl Flow {
    /// The flow after `action`, or why the action is not open.
    pub fn apply(&self, action: Action) -> Result<Flow, IllegalTransition> {
        self.transition(action).ok_or_else(|| IllegalTransition {
            action: action.name(),
            state: self.state,
            suspended: self.suspended,
            allowed: self.allowed().iter().map(Action::name).collect(),
        })
    }

    /// The actions open from here, one representative per action (an
    /// evaluation stands for every valid rating).
    pub fn allowed(&self) -> Vec<Action> {
        Action::KINDS
            .into_iter()
            .filter(|a| self.transition(*a).is_some())
            .collect()
    }

    /// The transition table.
    fn transition(&self, action: Action) -> Option<Flow> {
        use EventState as S;
        let mut next = *self;
        if self.suspended {
            return match action {
                Action::Resume => Some(Flow {
                    suspended: false,
                    ..next
                }),
                Action::Supervise => Some(next),
                _ => None,
            };
        }
        next.state = match (self.state, action) {
            (S::Reported, Action::Accept) => S::Accepted,
            (S::Reported | S::Accepted, Action::Reject) => S::Rejected,
            (S::Reported | S::Accepted, Action::ResolveOnSpot) => S::Closed,
            (S::Reported | S::Accepted, Action::Escalate) => S::Reported,
            (S::Reported | S::Accepted, Action::Merge) => S::Merged,
            (S::Accepted, Action::Dispatch) => S::Dispatched,
            (s, Action::Redispatch) if with_department(s) => S::Dispatched,
            (S::Dispatched, Action::Sign) => S::Signed,
            (S::Signed, Action::Start) => S::InProgress,
            (S::Signed | S::InProgress, Action::Handle) => S::Handled,
            (s, Action::Return) if with_department(s) => S::Accepted,
            (S::Handled, Action::Verify { passed: true }) => S::Verified,
            (S::Handled, Action::Verify { passed: false }) => S::InProgress,
            (S::Verified, Action::Close) => S::Closed,
            (S::Closed, Action::Evaluate { satisfaction }) if (1..=5).contains(&satisfaction) => {
                next.satisfaction = Some(satisfaction);
                S::Evaluated
            }
            (S::Closed, Action::Reopen) => S::Accepted,
            (S::Evaluated, Action::Reopen) if self.satisfaction.is_some_and(|s| s <= 2) => {
                next.satisfaction = None;
                S::Accepted
            }
            (s, Action::RequestExtension) if with_department(s) && !self.extension_pending => {
                next.extension_pending = true;
                s
            }
            (s, Action::DecideExtension { .. }) if self.extension_pending => {
                next.extension_pending = false;
                s
            }
            (s, Action::Suspend) if open(s) => {
                next.suspended = true;
                s
            }
            (s, Action::Supervise) if open(s) => s,
            _ => return None,
        };
        if !with_department(next.state) {
            // A pending request lapses when the work leaves the department.
            next.extension_pending = false;
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(actions: &[Action]) -> Result<Flow, IllegalTransition> {
        actions.iter().try_fold(Flow::default(), |f, a| f.apply(*a))
    }

    #[test]
    fn the_whole_loop_from_report_to_rating() {
        use Action::*;
        let f = run(&[
            Accept,
            Dispatch,
            Sign,
            Start,
            Handle,
            Verify { passed: true },
            Close,
            Evaluate { satisfaction: 4 },
        ])
        .unwrap();
        assert_eq!((f.state, f.satisfaction), (EventState::Evaluated, Some(4)));
    }

    #[test]
    fn an_illegal_step_says_what_is_allowed() {
        let err = Flow::default().apply(Action::Close).unwrap_err();
        assert_eq!(err.state, EventState::Reported);
        assert_eq!(
            err.to_string(),
            "cannot close an event that is reported; allowed: accept, reject, resolve_on_spot, suspend, escalate, supervise, merge"
        );
        let suspended = run(&[Action::Accept, Action::Suspend]).unwrap();
        let err = suspended.apply(Action::Dispatch).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot dispatch an event that is accepted (suspended); allowed: resume, supervise"
        );
    }

    #[test]
    fn side_roads_return_where_they_should() {
        use Action::*;
        let returned = run(&[Accept, Dispatch, Sign, Return]).unwrap();
        assert_eq!(returned.state, EventState::Accepted);
        let failed_check =
            run(&[Accept, Dispatch, Sign, Handle, Verify { passed: false }]).unwrap();
        assert_eq!(failed_check.state, EventState::InProgress);
        let paused = run(&[Accept, Dispatch, Sign, Suspend, Resume]).unwrap();
        assert_eq!(
            (paused.state, paused.suspended),
            (EventState::Signed, false)
        );
        let extension = run(&[Accept, Dispatch, RequestExtension]).unwrap();
        assert!(extension.extension_pending);
        assert!(
            extension.apply(RequestExtension).is_err(),
            "one request at a time"
        );
        assert!(
            !extension
                .apply(DecideExtension { approved: false })
                .unwrap()
                .extension_pending
        );
        assert!(
            !extension.apply(Return).unwrap().extension_pending,
            "lapses on return"
        );
    }

    #[test]
    fn only_an_unsatisfied_reporter_reopens_a_rated_event() {
        use Action::*;
        let happy = run(&[ResolveOnSpot, Evaluate { satisfaction: 5 }]).unwrap();
        assert!(happy.apply(Reopen).is_err());
        let unhappy = run(&[ResolveOnSpot, Evaluate { satisfaction: 2 }]).unwrap();
        let reopened = unhappy.apply(Reopen).unwrap();
        assert_eq!(
            (reopened.state, reopened.satisfaction),
            (EventState::Accepted, None)
        );
        assert!(run(&[ResolveOnSpot, Evaluate { satisfaction: 0 }]).is_err());
        assert!(run(&[ResolveOnSpot, Evaluate { satisfaction: 6 }]).is_err());
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            (0..Action::KINDS.len()).prop_map(|i| Action::KINDS[i]),
            any::<bool>().prop_map(|passed| Action::Verify { passed }),
            (0u8..8).prop_map(|satisfaction| Action::Evaluate { satisfaction }),
            any::<bool>().prop_map(|approved| Action::DecideExtension { approved }),
        ]
    }

    proptest! {
        #[test]
        fn every_run_obeys_the_invariants(actions in prop::collection::vec(action(), 0..60)) {
            let mut flow = Flow::default();
            for a in actions {
                let allowed: Vec<&str> = flow.allowed().iter().map(Action::name).collect();
                match flow.apply(a) {
                    Ok(next) => {
                        prop_assert!(allowed.contains(&a.name()), "{a:?} applied but not listed from {flow:?}");
                        prop_assert!(!matches!(flow.state, EventState::Rejected | EventState::Merged), "left a final state");
                        prop_assert!(!next.extension_pending || with_department(next.state));
                        prop_assert_eq!(next.satisfaction.is_some(), next.state == EventState::Evaluated);
                        flow = next;
                    }
                    Err(e) => {
                        prop_assert_eq!(e.allowed, allowed);
                        prop_assert_eq!(e.state, flow.state);
                    }
                }
            }
        }
    }
}
