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
    /// Subtrees whose regions of the given level and below are replaced by
    /// this batch: within each `(root, level)`, stored regions of that level
    /// or deeper that the batch does not list are deleted, with their
    /// boundaries and staff. Empty: nothing is deleted.
    pub replace: Vec<(RegionCode, Level)>,
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
    /// Regions deleted because a subtree the batch replaces
    /// ([`RegionBatch::replace`]) held them and the batch did not list them.
    pub deleted: u64,
}

impl std::ops::AddAssign for BatchOutcome {
    /// Totals the outcomes of several batches, as an import of several counties reports.
    fn add_assign(&mut self, other: BatchOutcome) {
        self.inserted += other.inserted;
        self.renamed += other.renamed;
        self.unchanged += other.unchanged;
        self.boundaries += other.boundaries;
        self.staff += other.staff;
        self.deleted += other.deleted;
    }
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
