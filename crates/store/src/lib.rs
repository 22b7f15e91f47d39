//! Storage for gongzhi: one [`Store`] trait, implemented by the SQLite
//! backend (`gongzhi-store-sqlite`, the embedded default) and the PostgreSQL
//! backend (`gongzhi-store-pg`). Both pass the same contract suite
//! ([`contract`], behind the `contract` feature).
//!
//! Both are built on sqlx and share what is the same in them ([`backend`],
//! [`batch`], [`sql`]).
//!
//! Boundaries are kept in WGS-84 as GeoJSON geometry text ([`boundary`]), so
//! that neither backend needs a spatial extension: point lookups are served
//! by the in-memory index of `gongzhi-geo`.

pub mod accounts;
pub mod audit;
pub mod backend;
pub mod batch;
pub mod boundary;
#[cfg(feature = "contract")]
pub mod contract;
mod error;
pub mod event_query;
pub mod events;
mod facts;
pub mod indices;
mod model;
pub mod personal;
pub mod sql;

pub use accounts::{AccountStore, CodeRecord, SessionRecord, TokenRecord, UserRecord};
pub use audit::{AuditHead, AuditStore};
pub use error::{StoreError, StoreResult};
pub use event_query::{EventFilter, EventPage, EventPoint, EventSort, StatsGroup, StatsRow};
pub use events::{
    Attachment, ConfigKind, ConfigVersion, DuplicateProbe, EventStore, IdempotencyKey, Intake,
    NewEvent,
};
pub use facts::EventFacts;
pub use indices::{IndexDefinitionRecord, IndexResultRecord, IndexStore, IndexValue};
pub use model::{BatchOutcome, LevelCount, RegionBatch, RegionInfo};

use async_trait::async_trait;
use geo::MultiPolygon;
use gongzhi_domain::{GridStaff, Level, Region, RegionCode};

/// Everything gongzhi keeps, behind one interface with one meaning on every
/// backend. Writes are atomic: a call either applies fully or not at all.
/// The regions are declared here; the closed loop's part is
/// [`EventStore`] and the audit log's [`AuditStore`], which every store is
/// too.
#[async_trait]
pub trait Store:
    EventStore + AuditStore + AccountStore + IndexStore + Send + Sync + 'static
{
    /// Which backend this is, for logs and `/readyz` (`sqlite` or `postgres`).
    fn backend(&self) -> &'static str;

    /// Applies the backend's pending migrations.
    async fn migrate(&self) -> StoreResult<()>;

    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// A number that grows whenever a batch is applied, by any process, so
    /// that a running server can tell that regions, boundaries or staff
    /// changed and rebuild its point index.
    ///
    /// It is 0 in a fresh store and grows by one with every batch that
    /// changes something: a region inserted, renamed or deleted, a boundary
    /// unlike the stored one, or the staff of a grid given (even the same
    /// staff).
    /// A batch that changes nothing, such as an import without staff
    /// applied again, or one that fails, leaves it.
    async fn revision(&self) -> StoreResult<i64>;

    /// Applies a batch of regions, boundaries and grid staff in one
    /// transaction. In every subtree of `replace`, the stored regions of its
    /// level or deeper that the batch does not list are deleted first, with
    /// their boundaries and staff. Then regions are inserted or renamed
    /// (never duplicated); boundaries replace the stored ones; the staff of
    /// every grid named in `staff` replaces that grid's staff.
    ///
    /// These fail the whole batch with [`StoreError::Invalid`]: a region
    /// whose parent is neither stored nor in the batch, or a boundary or
    /// staff member of an unknown region; a `replace` root neither stored
    /// nor in the batch, or a `replace` level not below its root's; a
    /// region whose parent the batch deletes, or a boundary or staff member
    /// of a region it deletes.
    async fn apply(&self, batch: &RegionBatch) -> StoreResult<BatchOutcome>;

    /// One region, or `None`.
    async fn region(&self, code: &RegionCode) -> StoreResult<Option<RegionInfo>>;

    /// The children of a region ordered by code; `None` lists the provinces.
    async fn children(&self, parent: Option<&RegionCode>) -> StoreResult<Vec<RegionInfo>>;

    /// A region's ancestors from the top of the tree down, without the region.
    async fn ancestors(&self, code: &RegionCode) -> StoreResult<Vec<Region>>;

    /// Every region in the subtree of `root` (the root included; `None` for
    /// the whole tree), optionally of one level only, ordered by code.
    async fn subtree(
        &self,
        root: Option<&RegionCode>,
        level: Option<Level>,
    ) -> StoreResult<Vec<Region>>;

    /// Regions whose name contains `text` or whose code starts with it,
    /// inside `root` when given, shallowest first, at most `limit`.
    async fn search_regions(
        &self,
        text: &str,
        root: Option<&RegionCode>,
        limit: u32,
    ) -> StoreResult<Vec<Region>>;

    /// A region's boundary in WGS-84, or `None` when it has none.
    async fn boundary(&self, code: &RegionCode) -> StoreResult<Option<MultiPolygon<f64>>>;

    /// Every region with a boundary in the subtree of `root` (whole tree for
    /// `None`), optionally of one level, with its boundary, ordered by code.
    async fn boundaries(
        &self,
        root: Option<&RegionCode>,
        level: Option<Level>,
    ) -> StoreResult<Vec<(Region, MultiPolygon<f64>)>>;

    /// The staff of a grid: leader first, then workers, each by name.
    async fn grid_staff(&self, grid: &RegionCode) -> StoreResult<Vec<GridStaff>>;

    /// How many regions of each level lie in the subtree of `root` (whole
    /// tree for `None`), how many of them have a boundary, and how many staff
    /// serve the grids there; levels with no region are left out.
    async fn count_by_level(&self, root: Option<&RegionCode>) -> StoreResult<Vec<LevelCount>>;
}
