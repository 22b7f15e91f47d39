//! Values passed to and returned by the store.

use geo::MultiPolygon;
use gongzhi_domain::{GridStaff, Level, Region, RegionCode};

/// A region as listed by the store.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInfo {
    /// Code and name.
    pub region: Region,
    /// Whether a boundary is stored for it.
    pub has_boundary: bool,
}

/// Regions, boundaries and grid staff written together in one transaction,
/// typically everything one import file yields.
#[derive(Debug, Clone, Default)]
pub struct RegionBatch {
    /// Regions to insert or rename. Order does not matter.
    pub regions: Vec<Region>,
    /// Boundaries in WGS-84 replacing the stored ones.
    pub boundaries: Vec<(RegionCode, MultiPolygon<f64>)>,
    /// Staff; each grid named here has its staff replaced by these entries.
    pub staff: Vec<GridStaff>,
}

/// What a batch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Regions that were new.
    pub inserted: u64,
    /// Regions whose name changed.
    pub renamed: u64,
    /// Regions already stored as given.
    pub unchanged: u64,
    /// Boundaries written.
    pub boundaries: u64,
    /// Staff entries written.
    pub staff: u64,
}

/// Counts for one level of a subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelCount {
    /// The level.
    pub level: Level,
    /// Regions of that level.
    pub regions: u64,
    /// Of those, how many have a boundary.
    pub with_boundary: u64,
    /// Staff assigned to regions of that level (grids only, in practice).
    pub staff: u64,
}
