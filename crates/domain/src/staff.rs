//! People assigned to a grid: the grid leader (网格长) and grid workers (网格员).

use crate::RegionCode;
use serde::{Deserialize, Serialize};

/// What a person does for their grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// 网格长: answers for the grid; usually a community cadre.
    Leader,
    /// 网格员: patrols the grid, reports and resolves.
    Worker,
}

impl StaffRole {
    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Leader => "leader",
            StaffRole::Worker => "worker",
        }
    }

    /// Parses the machine name.
    pub fn parse(s: &str) -> Option<StaffRole> {
        match s {
            "leader" => Some(StaffRole::Leader),
            "worker" => Some(StaffRole::Worker),
            _ => None,
        }
    }
}

/// A person assigned to a grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridStaff {
    /// The grid this person serves.
    pub grid: RegionCode,
    /// Their name.
    pub name: String,
    /// Leader or worker.
    pub role: StaffRole,
}
