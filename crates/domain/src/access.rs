//! Who may do what, and where. Roles and their permissions are data
//! (`access/roles.toml` by default, a city's own file otherwise); a user's
//! [`Scope`] is formed from their role and jurisdiction and bounds every
//! read of governed data below the handlers.

use crate::RegionCode;
use crate::actor::{Actor, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[cfg(test)]
mod tests;

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Report matters.
    #[serde(rename = "events.report")]
    ReportEvents,
    /// Read events within the scope.
    #[serde(rename = "events.read")]
    ReadEvents,
    /// Take steps of the loop (the loop still checks each step).
    #[serde(rename = "events.act")]
    ActOnEvents,
    /// See reporters' and parties' personal data in full; every reveal is
    /// audited.
    #[serde(rename = "personal_data.reveal")]
    RevealPersonalData,
    /// Read statistics within the scope.
    #[serde(rename = "statistics.read")]
    ReadStatistics,
    /// Export data in bulk.
    #[serde(rename = "data.export")]
    Export,
    /// Edit the catalogue and the responsibility list.
    #[serde(rename = "rules.edit")]
    EditRules,
    /// Create users, change their roles and jurisdictions, issue API tokens.
    #[serde(rename = "users.manage")]
    ManageUsers,
    /// Read the audit log.
    #[serde(rename = "audit.read")]
    ReadAudit,
}

impl Permission {
    /// Stable machine name, as in the roles file.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReportEvents => "events.report",
            Permission::ReadEvents => "events.read",
            Permission::ActOnEvents => "events.act",
            Permission::RevealPersonalData => "personal_data.reveal",
            Permission::ReadStatistics => "statistics.read",
            Permission::Export => "data.export",
            Permission::EditRules => "rules.edit",
            Permission::ManageUsers => "users.manage",
            Permission::ReadAudit => "audit.read",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a user's jurisdiction bounds what a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// The subtree of the user's region.
    Jurisdiction,
    /// The work of the user's department within their region.
    Department,
    /// The user's grids.
    Grids,
    /// A citizen's own reports.
    Own,
}

/// A role as a city defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    /// Machine name, unique.
    pub name: String,
    /// Chinese title.
    pub title: String,
    /// English title.
    pub title_en: String,
    /// The part the role plays in the loop: which steps it may take.
    pub acts_as: Role,
    /// How a user's jurisdiction bounds what they see.
    pub scope: ScopeKind,
    /// What the role may do.
    pub permissions: BTreeSet<Permission>,
}

impl RoleDef {
    /// Whether the role has `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// Why a roles file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RolesError {
    /// Not TOML of the expected shape.
    #[error("roles file: {0}")]
    Syntax(String),
    /// Two roles with one name.
    #[error("roles file: role {0:?} is defined twice")]
    Duplicate(String),
    /// A name that is not a machine name.
    #[error("roles file: role name {0:?} must be 1 to 32 of a-z, 0-9 and _")]
    Name(String),
    /// A role the platform needs is missing.
    #[error("roles file: role {0:?} is required (citizens and the administrator sign in with it)")]
    Missing(&'static str),
    /// The platform itself cannot be a role of users.
    #[error("roles file: role {0:?} cannot act as the system")]
    ActsAsSystem(String),
}

/// Every role of a city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(Vec<RoleDef>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesFile {
    roles: Vec<RoleDef>,
}

impl Roles {
    /// The roles gongzhi ships with.
    pub fn built_in() -> Roles {
        Roles::parse(include_str!("access/roles.toml")).expect("the built-in roles are valid")
    }

    /// Reads a roles file (the form of `access/roles.toml`).
    pub fn parse(text: &str) -> Result<Roles, RolesError> {
        let file: RolesFile =
            toml::from_str(text).map_err(|e| RolesError::Syntax(e.message().to_owned()))?;
        let mut seen = BTreeSet::new();
        for role in &file.roles {
            let valid = (1..=32).contains(&role.name.len())
                && role
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                return Err(RolesError::Name(role.name.clone()));
            }
            if !seen.insert(role.name.as_str()) {
                return Err(RolesError::Duplicate(role.name.clone()));
            }
            if role.acts_as == Role::System {
                return Err(RolesError::ActsAsSystem(role.name.clone()));
            }
        }
        for required in ["citizen", "admin"] {
            if !seen.contains(required) {
                return Err(RolesError::Missing(required));
            }
        }
        Ok(Roles(file.roles))
    }

    /// The role named `name`.
    pub fn get(&self, name: &str) -> Option<&RoleDef> {
        self.0.iter().find(|r| r.name == name)
    }

    /// Every role, in file order.
    pub fn all(&self) -> &[RoleDef] {
        &self.0
    }
}

/// What a caller may see of governed data. Every store query that lists,
/// loads, counts or searches events takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything: the platform's own tasks and the command line.
    All,
    /// A region's subtree. A scope at city level or above also covers
    /// events placed nowhere, which the city's centre places by hand.
    Region(RegionCode),
    /// A department's lead work within a region's subtree.
    Department {
        /// The region.
        region: RegionCode,
        /// The department's code.
        department: String,
    },
    /// These grids.
    Grids(Vec<RegionCode>),
    /// The reports of one reporter, by the blind index of their phone.
    Reporter(String),
    /// Nothing (an anonymous caller).
    Nothing,
}

/// The facts of an event a scope is judged on.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    /// The deepest region it lies in.
    pub region: Option<&'a RegionCode>,
    /// Its grid.
    pub grid: Option<&'a RegionCode>,
    /// Its lead department.
    pub department: Option<&'a str>,
    /// The blind index of its reporter's phone.
    pub reporter: Option<&'a str>,
}

impl Scope {
    /// Whether a region scope rooted at `root` covers events placed
    /// nowhere.
    pub fn covers_unplaced(root: &RegionCode) -> bool {
        root.level() <= crate::Level::City
    }

    /// Whether an event with these facts lies within the scope.
    pub fn admits(&self, event: Placed<'_>) -> bool {
        let within = |root: &RegionCode| match event.region {
            Some(region) => region.is_within(root),
            None => Scope::covers_unplaced(root),
        };
        match self {
            Scope::All => true,
            Scope::Region(root) => within(root),
            Scope::Department { region, department } => {
                within(region) && event.department == Some(department.as_str())
            }
            Scope::Grids(grids) => event.grid.is_some_and(|g| grids.contains(g)),
            Scope::Reporter(key) => event.reporter == Some(key.as_str()),
            Scope::Nothing => false,
        }
    }
}

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short.
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters, not {0}")]
    TooShort(usize),
    /// Too few kinds of character.
    #[error(
        "a password needs three of: lower-case letters, upper-case letters, digits, other characters"
    )]
    TooSimple,
    /// Contains the login name.
    #[error("a password must not contain the login name")]
    ContainsLogin,
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a new password against the policy: at least
/// [`MIN_PASSWORD_CHARS`] characters of three kinds, without the login.
pub fn check_password(password: &str, login: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort(chars));
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() || (c.is_alphabetic() && !c.is_ascii())),
    ];
    if kinds.iter().filter(|k| **k).count() < 3 {
        return Err(PasswordError::TooSimple);
    }
    if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
        return Err(PasswordError::ContainsLogin);
    }
    Ok(())
}

/// Failed sign-ins in a row that lock an account.
pub const MAX_FAILURES: u32 = 5;

/// How long a locked account stays locked, in seconds.
pub const LOCKOUT_SECS: i64 = 15 * 60;

/// A mainland mobile number, 11 digits from `1[3-9]`, as citizens sign in
/// with; shown masked as `138****5678`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber(String);

impl MobileNumber {
    /// Reads a mobile number, ignoring spaces, dashes and a `+86` prefix.
    pub fn parse(text: &str) -> Option<MobileNumber> {
        let digits: String = text
            .trim()
            .trim_start_matches("+86")
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let b = digits.as_bytes();
        (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]))
            .then_some(())
            .filter(|_| b.iter().all(u8::is_ascii_digit))
            .map(|_| MobileNumber(digits))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Who is asking, with what they may do and see: formed once per request
/// from a session or a token, and handed to every use case, which checks
/// it below the handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The person or system, as recorded on timelines and in the audit log.
    pub actor: Actor,
    /// What they may see.
    pub scope: Scope,
    /// What they may do.
    pub permissions: BTreeSet<Permission>,
    /// A citizen's verified mobile number: their reports are filed under it.
    pub phone: Option<MobileNumber>,
}

/// A use case the caller's role does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role {role} lacks the permission {permission}")]
pub struct Denied {
    /// The caller's role.
    pub role: String,
    /// The permission missing.
    pub permission: Permission,
}

impl Principal {
    /// The platform itself: sees everything, may do everything.
    pub fn system() -> Principal {
        Principal {
            actor: Actor::system(),
            scope: Scope::All,
            permissions: PERMISSIONS.into_iter().collect(),
            phone: None,
        }
    }

    /// The platform replaying what `actor` did (the demo's history, imports):
    /// recorded as theirs, bounded by nothing. Never the principal of a
    /// request.
    pub fn replaying(actor: Actor) -> Principal {
        Principal {
            actor,
            ..Principal::system()
        }
    }

    /// Someone not signed in: sees nothing, may do nothing.
    pub fn anonymous() -> Principal {
        Principal {
            actor: Actor {
                id: "anonymous".into(),
                name: "匿名".into(),
                role: Role::Citizen,
                department: None,
            },
            scope: Scope::Nothing,
            permissions: BTreeSet::new(),
            phone: None,
        }
    }

    /// Whether they have `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// `Ok` where they have `permission`, else why not.
    pub fn require(&self, permission: Permission) -> Result<(), Denied> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(Denied {
                role: self.actor.role.as_str().into(),
                permission,
            })
        }
    }
}

/// Every permission.
pub const PERMISSIONS: [Permission; 9] = [
    Permission::ReportEvents,
    Permission::ReadEvents,
    Permission::ActOnEvents,
    Permission::RevealPersonalData,
    Permission::ReadStatistics,
    Permission::Export,
    Permission::EditRules,
    Permission::ManageUsers,
    Permission::ReadAudit,
];
