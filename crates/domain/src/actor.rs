//! Who acts on an event, and which steps of the loop each role may take.

use crate::event_flow::Action;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The part a person plays in the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 群众: reports, follows and rates their own matters.
    Citizen,
    /// 网格员: reports what they find, resolves on the spot, checks results.
    GridWorker,
    /// 指挥中心坐席: accepts, dispatches, closes.
    Operator,
    /// 指挥中心值班长: everything an operator does, plus extensions and 督办.
    Supervisor,
    /// 职能部门处置人员: signs for, handles or returns what is dispatched to
    /// their department.
    DepartmentHandler,
    /// 调解员: signs for, handles or returns disputes dispatched to their
    /// mediation committee, as a department handler does for a department.
    Mediator,
    /// 领导: supervises.
    Leader,
    /// 系统管理员: edits the catalogue, the responsibility list and
    /// accounts; takes no step of the loop.
    Admin,
    /// The platform itself: intake from other systems, overdue marks.
    System,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 9] = [
        Role::Citizen,
        Role::GridWorker,
        Role::Operator,
        Role::Supervisor,
        Role::DepartmentHandler,
        Role::Mediator,
        Role::Leader,
        Role::Admin,
        Role::System,
    ];

    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::GridWorker => "grid_worker",
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::DepartmentHandler => "department_handler",
            Role::Mediator => "mediator",
            Role::Leader => "leader",
            Role::Admin => "admin",
            Role::System => "system",
        }
    }

    /// The role of a machine name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether this role may take `action` at all (the event's state and
    /// the actor's department are checked elsewhere).
    pub fn may(self, action: &Action) -> bool {
        use Role::*;
        let centre = matches!(self, Operator | Supervisor);
        match action {
            Action::Accept
            | Action::Reject
            | Action::Dispatch
            | Action::Redispatch
            | Action::Close
            | Action::Suspend
            | Action::Resume
            | Action::Escalate
            | Action::Merge => centre,
            Action::ResolveOnSpot => self == GridWorker,
            Action::Sign
            | Action::Start
            | Action::Handle
            | Action::Return
            | Action::RequestExtension => matches!(self, DepartmentHandler | Mediator),
            Action::Verify { .. } => centre || self == GridWorker,
            Action::Evaluate { .. } | Action::Reopen => centre || self == Citizen,
            Action::DecideExtension { .. } => self == Supervisor,
            Action::Supervise => matches!(self, Supervisor | Leader),
        }
    }

    /// The roles that may take `action`.
    pub fn allowed_for(action: &Action) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| r.may(action)).collect()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person or system acting on events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable identifier (account, staff number or system name).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The role acted in.
    pub role: Role,
    /// The department of a department handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

impl Actor {
    /// The platform itself.
    pub fn system() -> Actor {
        Actor {
            id: "system".into(),
            name: "系统".into(),
            role: Role::System,
            department: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_role_and_system_takes_none() {
        for action in Action::KINDS {
            assert!(
                !Role::allowed_for(&action).is_empty(),
                "nobody may {}",
                action.name()
            );
            assert!(!Role::System.may(&action));
            assert!(!Role::Admin.may(&action));
        }
        assert_eq!(
            Role::allowed_for(&Action::Sign),
            vec![Role::DepartmentHandler, Role::Mediator]
        );
        assert!(!Role::Citizen.may(&Action::Close));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
