//! The contract every [`Store`] backend must pass: one story of cases, each
//! run on a fresh, empty store, asserting the outcomes the trait promises.
//!
//! A backend runs the whole suite from its integration tests with
//! [`store_contract_tests!`](crate::store_contract_tests), naming an async
//! function that returns a fresh store, not yet migrated, and a guard that
//! removes its database when dropped, or `None` to skip (when the database
//! server is not configured, say), and an async function that opens a
//! second store on the guard's database, as another process would:
//!
//! ```ignore
//! async fn fresh_store() -> Option<(Box<dyn Store>, tempfile::TempDir)> {
//!     let dir = tempfile::tempdir().unwrap();
//!     Some((open(&dir).await, dir))
//! }
//!
//! async fn open(dir: &tempfile::TempDir) -> Box<dyn Store> {
//!     let url = format!("sqlite://{}/gongzhi.db", dir.path().display());
//!     Box::new(SqliteStore::connect(&url).await.unwrap())
//! }
//!
//! gongzhi_store::store_contract_tests!(fresh_store, open);
//! ```
//!
//! The macro expands to one `#[test]` per case, named after the case, each
//! driving [`runtime`]; the backend needs no test dependency of its own.

mod audit;
mod events;
mod indices;

pub use audit::*;
pub use events::*;
pub use indices::*;

use crate::{BatchOutcome, LevelCount, RegionBatch, RegionInfo, Store, StoreError};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use gongzhi_domain::{GridStaff, Level, Region, RegionCode, StaffRole};
use std::time::Instant;

/// Expands to one `#[test]` per contract case, each taking a fresh store
/// from `$fresh` (an async fn returning `Option<(Box<dyn Store>, Guard)>`),
/// migrating it with [`migrate`], running the case and dropping the store,
/// then the guard. `None` skips the case: the constructor says why. Cases
/// about two processes sharing a database also open a second store on it
/// with `$open` (an async fn from `&Guard` to `Box<dyn Store>`).
#[macro_export]
macro_rules! store_contract_tests {
    ($fresh:path, $open:path) => {
        $crate::store_contract_tests!(@cases $fresh;
            backend_answers,
            apply_inserts_then_reports_unchanged,
            apply_renames,
            batch_order_does_not_matter,
            orphan_region_fails_whole_batch,
            conflicting_names_fail_whole_batch,
            unknown_boundary_region_fails_whole_batch,
            unknown_staff_grid_fails_whole_batch,
            names_round_trip_exactly,
            subtree_follows_the_path,
            subtree_filters_by_level,
            children_are_ordered_by_code,
            ancestors_run_top_down,
            search_finds_names_and_code_prefixes,
            search_treats_wildcards_literally,
            boundary_round_trips_exactly,
            boundaries_list_a_subtree,
            staff_replaced_per_grid,
            count_by_level_counts_boundaries_and_staff,
            revision_starts_at_zero,
            revision_counts_the_batches_that_change_something,
            failed_batches_leave_the_revision,
            replace_keeps_only_the_regions_listed,
            replace_deletes_the_micro_grids_of_deleted_grids,
            replace_leaves_other_subtrees_alone,
            invalid_replace_fails_whole_batch,
            revision_grows_when_a_batch_deletes,
            concurrent_batches_all_apply,
            applies_a_demo_sized_batch,
            config_versions_grow_and_refuse_stale_edits,
            events_are_numbered_per_day_and_read_back,
            idempotency_replays_and_refuses_another_body,
            a_batch_numbers_keys_and_replays_in_one_go,
            of_two_saves_on_one_version_one_wins,
            concurrent_intake_numbers_every_event_once,
            events_filter_sort_and_page,
            event_points_follow_scope_and_filter,
            duplicates_are_near_open_and_alike,
            overdue_unmarked_lists_late_events_once,
            stats_count_closure_on_time_and_levels,
            attachments_round_trip,
            state_changes_are_audited_with_the_event,
            a_refused_save_audits_nothing,
            purge_keeps_an_anchor_and_the_chain,
            concurrent_appends_make_one_chain,
            index_definitions_are_versioned,
            index_values_replace_cells_and_round_trip,
            index_results_replace_per_period,
        );
        #[test]
        fn revision_is_shared_between_handles() {
            $crate::store_contract_tests!(@run $fresh, |store, guard| {
                let other = $open(&guard).await;
                $crate::contract::revision_is_shared_between_handles(store, &*other).await;
            });
        }
    };
    (@cases $fresh:path; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::store_contract_tests!(@run $fresh, |store, _guard| {
                    $crate::contract::$case(store).await;
                });
            }
        )+
    };
    (@run $fresh:path, |$store:ident, $guard:ident| $body:block) => {
        $crate::contract::runtime().block_on(async {
            let Some((store, $guard)) = $fresh().await else {
                return;
            };
            $crate::contract::migrate(&*store).await;
            {
                let $store: &dyn $crate::Store = &*store;
                $body
            }
            drop(store);
            drop($guard);
        })
    };
}

/// The runtime each case runs on: one thread, IO and timers enabled.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the contract suite")
}

/// Migrates a fresh store, twice: the second run must find nothing to do
/// and succeed.
pub async fn migrate(store: &dyn Store) {
    store.migrate().await.expect("migrating a fresh store");
    store.migrate().await.expect("migrating a second time");
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap_or_else(|e| panic!("test code {s}: {e}"))
}

fn region(c: &str, name: &str) -> Region {
    Region::new(code(c), name)
}

fn staff(grid: &str, name: &str, role: StaffRole) -> GridStaff {
    GridStaff {
        grid: code(grid),
        name: name.to_owned(),
        role,
    }
}

/// A batch of regions only.
fn regions_only(regions: Vec<Region>) -> RegionBatch {
    RegionBatch {
        regions,
        ..Default::default()
    }
}

fn codes(regions: &[Region]) -> Vec<&str> {
    regions.iter().map(|r| r.code.as_str()).collect()
}

fn info_codes(regions: &[RegionInfo]) -> Vec<&str> {
    regions.iter().map(|r| r.region.code.as_str()).collect()
}

/// A closed ring through `points`.
fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    LineString::from(points.to_vec())
}

/// A square of side `size` with its south-west corner at `(lng, lat)`.
fn square(lng: f64, lat: f64, size: f64) -> Polygon<f64> {
    Polygon::new(
        ring(&[
            (lng, lat),
            (lng + size, lat),
            (lng + size, lat + size),
            (lng, lat + size),
        ]),
        vec![],
    )
}

/// Two parts, the first with a hole, on coordinates with every digit of an
/// `f64` in use.
fn two_parts_with_a_hole() -> MultiPolygon<f64> {
    let outer = ring(&[
        (116.397_428_123_456_78, 39.909_187_654_321_01),
        (116.407_428_987_654_32, 39.909_187_111_111_11),
        (116.407_428_987_654_32, 39.919_187_222_222_22),
        (116.397_428_123_456_78, 39.919_187_333_333_33),
    ]);
    let hole = ring(&[
        (116.400_000_000_000_1, 39.910_000_000_000_1),
        (116.401_234_567_890_1, 39.910_000_000_000_1),
        (116.401_234_567_890_1, 39.911_234_567_890_1),
    ]);
    let island = ring(&[
        (116.5, 40.0),
        (116.51, 40.0),
        (116.505, 40.01),
        (116.5, 40.0),
    ]);
    MultiPolygon(vec![
        Polygon::new(outer, vec![hole]),
        Polygon::new(island, vec![]),
    ])
}

const GRID_1: &str = "440507001001001";
const GRID_2: &str = "440507001001002";
/// The community of the sample's two grids.
const COMMUNITY: &str = "440507001001";

/// Thirteen regions in two provinces, given children first: 4401 and 4405
/// are sibling cities, 440507 and 440511 sibling counties. Three have a
/// boundary (4405, 440507 and grid 1) and the two grids have four staff.
fn sample() -> RegionBatch {
    RegionBatch {
        regions: vec![
            region(GRID_2, "第二网格"),
            region(GRID_1, "第一网格"),
            region("440507001001", "龙湖社区"),
            region("440511001", "石炮台街道"),
            region("440507002", "新津街道"),
            region("440507001", "珠池街道"),
            region("440511", "金平区"),
            region("440507", "龙湖区"),
            region("440106", "天河区"),
            region("4405", "汕头市"),
            region("4401", "广州市"),
            region("44", "广东省"),
            region("11", "北京市"),
        ],
        boundaries: vec![
            (code("4405"), MultiPolygon(vec![square(116.0, 23.0, 1.0)])),
            (code("440507"), MultiPolygon(vec![square(116.6, 23.3, 0.2)])),
            (code(GRID_1), MultiPolygon(vec![square(116.7, 23.4, 0.01)])),
        ],
        staff: vec![
            staff(GRID_1, "王五", StaffRole::Worker),
            staff(GRID_1, "张三", StaffRole::Leader),
            staff(GRID_1, "李四", StaffRole::Worker),
            staff(GRID_2, "赵六", StaffRole::Worker),
        ],
        replace: vec![],
    }
}

const SAMPLE_REGIONS: u64 = 13;

async fn apply_sample(store: &dyn Store) {
    store.apply(&sample()).await.expect("applying the sample");
}

/// Asserts that `result` is [`StoreError::Invalid`] naming every one of
/// `needles`.
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, StoreError>, needles: &[&str]) {
    match result {
        Err(StoreError::Invalid(message)) => {
            for needle in needles {
                assert!(message.contains(needle), "{message:?} should name {needle}");
            }
        }
        other => panic!("expected StoreError::Invalid naming {needles:?}, got {other:?}"),
    }
}

/// Asserts that `result`, a failed connect, is [`StoreError::Backend`]
/// naming its cause (`cause`, a part of the message) and repeating none of
/// `secrets`: a password, a file's name.
pub fn assert_connect_fails<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    cause: &str,
    secrets: &[&str],
) {
    let message = match result {
        Err(StoreError::Backend(message)) => message,
        other => panic!("expected StoreError::Backend naming {cause:?}, got {other:?}"),
    };
    assert!(message.contains(cause), "{message:?} should name {cause:?}");
    for secret in secrets {
        assert!(!message.contains(secret), "{message:?} repeats {secret:?}");
    }
}

/// The backend names itself, answers a ping and starts empty.
pub async fn backend_answers(store: &dyn Store) {
    assert!(
        matches!(store.backend(), "sqlite" | "postgres"),
        "unexpected backend name {:?}",
        store.backend()
    );
    store.ping().await.expect("ping");
    assert_eq!(store.children(None).await.unwrap(), vec![]);
    assert_eq!(store.subtree(None, None).await.unwrap(), vec![]);
    assert_eq!(store.count_by_level(None).await.unwrap(), vec![]);
    assert_eq!(store.region(&code("44")).await.unwrap(), None);
}

/// A batch inserts everything once; the same batch again changes no region
/// and duplicates nothing.
pub async fn apply_inserts_then_reports_unchanged(store: &dyn Store) {
    let batch = sample();
    let first = store.apply(&batch).await.unwrap();
    assert_eq!(
        first,
        BatchOutcome {
            inserted: SAMPLE_REGIONS,
            renamed: 0,
            unchanged: 0,
            boundaries: 3,
            staff: 4,
            deleted: 0,
        }
    );
    let second = store.apply(&batch).await.unwrap();
    assert_eq!(
        second,
        BatchOutcome {
            inserted: 0,
            renamed: 0,
            unchanged: SAMPLE_REGIONS,
            boundaries: 3,
            staff: 4,
            deleted: 0,
        }
    );
    let all = store.subtree(None, None).await.unwrap();
    assert_eq!(all.len() as u64, SAMPLE_REGIONS);
    assert_eq!(store.grid_staff(&code(GRID_1)).await.unwrap().len(), 3);
    assert_eq!(store.grid_staff(&code(GRID_2)).await.unwrap().len(), 1);
    assert_eq!(
        store.region(&code("440507")).await.unwrap(),
        Some(RegionInfo {
            region: region("440507", "龙湖区"),
            has_boundary: true,
        })
    );
    assert_eq!(
        store.region(&code("440511")).await.unwrap(),
        Some(RegionInfo {
            region: region("440511", "金平区"),
            has_boundary: false,
        })
    );
}

/// A stored region given with another name is renamed, everywhere it shows.
pub async fn apply_renames(store: &dyn Store) {
    apply_sample(store).await;
    let batch = regions_only(vec![region("440507", "龙湖新区"), region("4405", "汕头市")]);
    let outcome = store.apply(&batch).await.unwrap();
    assert_eq!(
        outcome,
        BatchOutcome {
            renamed: 1,
            unchanged: 1,
            ..Default::default()
        }
    );
    let renamed = store.region(&code("440507")).await.unwrap().unwrap();
    assert_eq!(renamed.region.name, "龙湖新区");
    assert!(renamed.has_boundary, "renaming keeps the boundary");
    let ancestors = store.ancestors(&code(GRID_1)).await.unwrap();
    assert_eq!(ancestors[2], region("440507", "龙湖新区"));
    let children = store.children(Some(&code("4405"))).await.unwrap();
    assert_eq!(children[0].region.name, "龙湖新区");
    assert_eq!(
        store.subtree(None, None).await.unwrap().len() as u64,
        SAMPLE_REGIONS
    );
}

/// Children may precede their parents in a batch, and a region given twice
/// with one name counts once.
pub async fn batch_order_does_not_matter(store: &dyn Store) {
    let batch = regions_only(vec![
        region("440507001", "珠池街道"),
        region("440507", "龙湖区"),
        region("4405", "汕头市"),
        region("440507", "龙湖区"),
        region("44", "广东省"),
    ]);
    let outcome = store.apply(&batch).await.unwrap();
    assert_eq!(outcome.inserted, 4);
    assert_eq!(
        codes(&store.subtree(None, None).await.unwrap()),
        ["44", "4405", "440507", "440507001"]
    );
}

/// A region whose parent is neither stored nor in the batch fails the whole
/// batch, naming both codes; nothing of the batch is written.
pub async fn orphan_region_fails_whole_batch(store: &dyn Store) {
    assert_invalid(
        store
            .apply(&regions_only(vec![region("4405", "汕头市")]))
            .await,
        &["4405", "44"],
    );
    store
        .apply(&regions_only(vec![region("44", "广东省")]))
        .await
        .unwrap();
    let batch = RegionBatch {
        regions: vec![
            region("44", "广东"),
            region("4405", "汕头市"),
            region("440507", "龙湖区"),
            region("440599001", "无主街道"),
        ],
        boundaries: vec![(code("4405"), MultiPolygon(vec![square(116.0, 23.0, 1.0)]))],
        staff: vec![],
        replace: vec![],
    };
    assert_invalid(store.apply(&batch).await, &["440599001", "440599"]);
    assert_eq!(codes(&store.subtree(None, None).await.unwrap()), ["44"]);
    assert_eq!(
        store
            .region(&code("44"))
            .await
            .unwrap()
            .unwrap()
            .region
            .name,
        "广东省",
        "the rename in the failed batch must not be applied"
    );
    assert_eq!(store.region(&code("4405")).await.unwrap(), None);
    assert_eq!(store.boundary(&code("4405")).await.unwrap(), None);
}

/// One code given with two names in a batch fails it.
pub async fn conflicting_names_fail_whole_batch(store: &dyn Store) {
    let batch = regions_only(vec![
        region("44", "广东省"),
        region("4405", "汕头市"),
        region("4405", "汕头"),
    ]);
    assert_invalid(store.apply(&batch).await, &["4405"]);
    assert_eq!(store.subtree(None, None).await.unwrap(), vec![]);
}

/// A boundary for a region neither stored nor in the batch fails the batch.
pub async fn unknown_boundary_region_fails_whole_batch(store: &dyn Store) {
    let mut batch = sample();
    batch
        .boundaries
        .push((code("440599"), MultiPolygon(vec![square(116.0, 23.0, 1.0)])));
    assert_invalid(store.apply(&batch).await, &["440599"]);
    assert_eq!(store.subtree(None, None).await.unwrap(), vec![]);
    assert_eq!(store.grid_staff(&code(GRID_1)).await.unwrap(), vec![]);
}

/// A staff member of a region neither stored nor in the batch fails the
/// batch; the staff of other grids are left alone.
pub async fn unknown_staff_grid_fails_whole_batch(store: &dyn Store) {
    apply_sample(store).await;
    let batch = RegionBatch {
        regions: vec![region("440507001001003", "第三网格")],
        boundaries: vec![],
        staff: vec![
            staff(GRID_1, "钱七", StaffRole::Leader),
            staff("440507001001099", "孙八", StaffRole::Worker),
        ],
        replace: vec![],
    };
    assert_invalid(store.apply(&batch).await, &["440507001001099"]);
    assert_eq!(store.grid_staff(&code(GRID_1)).await.unwrap().len(), 3);
    assert_eq!(store.region(&code("440507001001003")).await.unwrap(), None);
}

/// Rare characters, characters outside the Basic Multilingual Plane and SQL
/// metacharacters are stored and read back exactly, through every query.
pub async fn names_round_trip_exactly(store: &dyn Store) {
    let names = [
        ("440501", "䢺镇"),
        ("440502", "𬒈村"),
        ("440503", "㙟社区"),
        ("440504", "O'Brien's 100% _test_ ;-- DROP TABLE regions;"),
        ("440505", r#"back\slash "quoted" \% \_"#),
        ("440506", "  spaces kept  "),
    ];
    let mut regions = vec![region("44", "广东省"), region("4405", "汕头市")];
    regions.extend(names.iter().map(|(c, n)| region(c, n)));
    let leader = "欧阳𬒈'; DELETE FROM grid_staff; --";
    store
        .apply(&RegionBatch {
            regions,
            boundaries: vec![],
            staff: vec![staff("440504", leader, StaffRole::Leader)],
            replace: vec![],
        })
        .await
        .unwrap();
    for (c, name) in names {
        let info = store.region(&code(c)).await.unwrap().unwrap();
        assert_eq!(info.region.name, name);
    }
    let children = store.children(Some(&code("4405"))).await.unwrap();
    let read: Vec<(&str, &str)> = children
        .iter()
        .map(|r| (r.region.code.as_str(), r.region.name.as_str()))
        .collect();
    assert_eq!(read, names);
    let subtree = store
        .subtree(Some(&code("4405")), Some(Level::County))
        .await
        .unwrap();
    assert_eq!(subtree, names.map(|(c, n)| region(c, n)).to_vec());
    for (c, name) in names {
        let found = store.search_regions(name, None, 10).await.unwrap();
        assert_eq!(found, vec![region(c, name)], "searching {name:?}");
    }
    assert_eq!(
        store.search_regions("𬒈", None, 10).await.unwrap(),
        vec![region("440502", "𬒈村")]
    );
    assert_eq!(
        store.grid_staff(&code("440504")).await.unwrap(),
        vec![staff("440504", leader, StaffRole::Leader)]
    );
    assert_eq!(store.subtree(None, None).await.unwrap().len(), 8);
}

/// A subtree holds its root and every descendant, never a sibling's
/// (4405 against 4401, 440507 against 440511), in code order.
pub async fn subtree_follows_the_path(store: &dyn Store) {
    apply_sample(store).await;
    assert_eq!(
        codes(&store.subtree(Some(&code("4405")), None).await.unwrap()),
        [
            "4405",
            "440507",
            "440507001",
            "440507001001",
            GRID_1,
            GRID_2,
            "440507002",
            "440511",
            "440511001",
        ]
    );
    assert_eq!(
        codes(&store.subtree(Some(&code("440507")), None).await.unwrap()),
        [
            "440507",
            "440507001",
            "440507001001",
            GRID_1,
            GRID_2,
            "440507002"
        ]
    );
    assert_eq!(
        codes(&store.subtree(Some(&code("4401")), None).await.unwrap()),
        ["4401", "440106"]
    );
    assert_eq!(
        codes(&store.subtree(Some(&code(GRID_1)), None).await.unwrap()),
        [GRID_1]
    );
    assert_eq!(
        store.subtree(Some(&code("4406")), None).await.unwrap(),
        vec![]
    );
    let all = store.subtree(None, None).await.unwrap();
    assert_eq!(all.len() as u64, SAMPLE_REGIONS);
    assert_eq!(all[0], region("11", "北京市"));
    assert!(
        all.windows(2).all(|w| w[0].code < w[1].code),
        "ordered by code"
    );
}

/// A subtree can be cut to one level.
pub async fn subtree_filters_by_level(store: &dyn Store) {
    apply_sample(store).await;
    assert_eq!(
        codes(
            &store
                .subtree(Some(&code("44")), Some(Level::Town))
                .await
                .unwrap()
        ),
        ["440507001", "440507002", "440511001"]
    );
    assert_eq!(
        codes(
            &store
                .subtree(Some(&code("4405")), Some(Level::County))
                .await
                .unwrap()
        ),
        ["440507", "440511"]
    );
    assert_eq!(
        codes(&store.subtree(None, Some(Level::County)).await.unwrap()),
        ["440106", "440507", "440511"]
    );
    assert_eq!(
        codes(
            &store
                .subtree(Some(&code("4405")), Some(Level::City))
                .await
                .unwrap()
        ),
        ["4405"]
    );
    assert_eq!(
        store
            .subtree(Some(&code("4405")), Some(Level::Province))
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store.subtree(None, Some(Level::MicroGrid)).await.unwrap(),
        vec![]
    );
}

/// Children come in code order whatever the order of insertion, with their
/// boundary flag; no parent lists the provinces.
pub async fn children_are_ordered_by_code(store: &dyn Store) {
    apply_sample(store).await;
    let provinces = store.children(None).await.unwrap();
    assert_eq!(
        provinces,
        vec![
            RegionInfo {
                region: region("11", "北京市"),
                has_boundary: false,
            },
            RegionInfo {
                region: region("44", "广东省"),
                has_boundary: false,
            },
        ]
    );
    assert_eq!(
        info_codes(&store.children(Some(&code("44"))).await.unwrap()),
        ["4401", "4405"]
    );
    let counties = store.children(Some(&code("4405"))).await.unwrap();
    assert_eq!(info_codes(&counties), ["440507", "440511"]);
    assert!(counties[0].has_boundary);
    assert!(!counties[1].has_boundary);
    assert_eq!(
        info_codes(&store.children(Some(&code("440507"))).await.unwrap()),
        ["440507001", "440507002"]
    );
    assert_eq!(store.children(Some(&code(GRID_1))).await.unwrap(), vec![]);
    assert_eq!(store.children(Some(&code("4406"))).await.unwrap(), vec![]);
}

/// Ancestors run from the province down, without the region itself.
pub async fn ancestors_run_top_down(store: &dyn Store) {
    apply_sample(store).await;
    assert_eq!(
        store.ancestors(&code(GRID_2)).await.unwrap(),
        vec![
            region("44", "广东省"),
            region("4405", "汕头市"),
            region("440507", "龙湖区"),
            region("440507001", "珠池街道"),
            region("440507001001", "龙湖社区"),
        ]
    );
    assert_eq!(
        store.ancestors(&code("440106")).await.unwrap(),
        vec![region("44", "广东省"), region("4401", "广州市")]
    );
    assert_eq!(store.ancestors(&code("44")).await.unwrap(), vec![]);
}

/// Search matches a name substring or a code prefix, inside a root when
/// given, shallowest first, at most `limit`.
pub async fn search_finds_names_and_code_prefixes(store: &dyn Store) {
    apply_sample(store).await;
    assert_eq!(
        store.search_regions("龙湖", None, 10).await.unwrap(),
        vec![
            region("440507", "龙湖区"),
            region("440507001001", "龙湖社区")
        ]
    );
    assert_eq!(
        codes(&store.search_regions("4405", None, 10).await.unwrap()),
        [
            "4405",
            "440507",
            "440511",
            "440507001",
            "440507002",
            "440511001",
            "440507001001",
            GRID_1,
            GRID_2,
        ]
    );
    assert_eq!(
        codes(&store.search_regions("4405", None, 3).await.unwrap()),
        ["4405", "440507", "440511"]
    );
    assert_eq!(
        codes(&store.search_regions("街道", None, 10).await.unwrap()),
        ["440507001", "440507002", "440511001"]
    );
    assert_eq!(
        codes(
            &store
                .search_regions("街道", Some(&code("440511")), 10)
                .await
                .unwrap()
        ),
        ["440511001"]
    );
    assert_eq!(
        codes(
            &store
                .search_regions("区", Some(&code("4405")), 10)
                .await
                .unwrap()
        ),
        ["440507", "440511", "440507001001"]
    );
    assert_eq!(
        codes(
            &store
                .search_regions("44", Some(&code("4401")), 10)
                .await
                .unwrap()
        ),
        ["4401", "440106"]
    );
    assert_eq!(
        store
            .search_regions("4405", Some(&code("4401")), 10)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store.search_regions("上海", None, 10).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .search_regions("龙湖", Some(&code("4406")), 10)
            .await
            .unwrap(),
        vec![]
    );
}

/// `%`, `_` and `\` in search text match themselves only, and letters match
/// their own case only.
pub async fn search_treats_wildcards_literally(store: &dyn Store) {
    store
        .apply(&regions_only(vec![
            region("44", "广东省"),
            region("4405", "汕头市"),
            region("440501", "100%园区"),
            region("440502", "A_B社区"),
            region("440503", "AxB社区"),
            region("440504", r"C\D园区"),
            region("440505", "Abc产业园"),
        ]))
        .await
        .unwrap();
    let search = |text: &'static str| async move {
        let found = store.search_regions(text, None, 10).await.unwrap();
        found
            .into_iter()
            .map(|r| r.code.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(search("%").await, ["440501"]);
    assert_eq!(search("0%园").await, ["440501"]);
    assert_eq!(search("_").await, ["440502"]);
    assert_eq!(search("A_B").await, ["440502"]);
    assert_eq!(search(r"\").await, ["440504"]);
    assert_eq!(search(r"C\D").await, ["440504"]);
    assert_eq!(search("Abc").await, ["440505"]);
    assert_eq!(search("abc").await, Vec::<String>::new());
    assert_eq!(search("4405%").await, Vec::<String>::new());
    assert_eq!(search("440_01").await, Vec::<String>::new());
}

/// A boundary with a hole and two parts reads back exactly equal; a new one
/// replaces it, alone or with a rename; a region without one, or an unknown
/// region, has none.
pub async fn boundary_round_trips_exactly(store: &dyn Store) {
    let shape = two_parts_with_a_hole();
    store
        .apply(&RegionBatch {
            regions: vec![
                region("11", "北京市"),
                region("1101", "北京市市辖区"),
                region("110101", "东城区"),
            ],
            boundaries: vec![(code("110101"), shape.clone())],
            staff: vec![],
            replace: vec![],
        })
        .await
        .unwrap();
    assert_eq!(store.boundary(&code("110101")).await.unwrap(), Some(shape));
    assert_eq!(store.boundary(&code("1101")).await.unwrap(), None);
    assert_eq!(store.boundary(&code("110102")).await.unwrap(), None);
    assert!(
        store
            .region(&code("110101"))
            .await
            .unwrap()
            .unwrap()
            .has_boundary
    );

    let replacement = MultiPolygon(vec![square(116.41, 39.91, 0.02)]);
    let outcome = store
        .apply(&RegionBatch {
            regions: vec![],
            boundaries: vec![(code("110101"), replacement.clone())],
            staff: vec![],
            replace: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        outcome,
        BatchOutcome {
            boundaries: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        store.boundary(&code("110101")).await.unwrap(),
        Some(replacement)
    );

    let renamed_and_reshaped = MultiPolygon(vec![square(116.42, 39.92, 0.03)]);
    let outcome = store
        .apply(&RegionBatch {
            regions: vec![region("110101", "东城新区")],
            boundaries: vec![(code("110101"), renamed_and_reshaped.clone())],
            staff: vec![],
            replace: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        outcome,
        BatchOutcome {
            renamed: 1,
            boundaries: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        store.boundary(&code("110101")).await.unwrap(),
        Some(renamed_and_reshaped)
    );
    assert_eq!(
        store
            .region(&code("110101"))
            .await
            .unwrap()
            .unwrap()
            .region
            .name,
        "东城新区"
    );
}

/// Boundaries of a subtree, optionally of one level, in code order; regions
/// without one are left out.
pub async fn boundaries_list_a_subtree(store: &dyn Store) {
    let mut batch = sample();
    batch
        .boundaries
        .push((code("440106"), two_parts_with_a_hole()));
    store.apply(&batch).await.unwrap();
    let listed = |pairs: Vec<(Region, MultiPolygon<f64>)>| {
        pairs
            .into_iter()
            .map(|(r, shape)| (r.code.to_string(), shape))
            .collect::<Vec<_>>()
    };
    let shape_of = |c: &str| {
        batch
            .boundaries
            .iter()
            .find(|(code, _)| code.as_str() == c)
            .map(|(_, shape)| shape.clone())
            .unwrap()
    };
    let expect = |cs: &[&str]| {
        cs.iter()
            .map(|c| (c.to_string(), shape_of(c)))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(store.boundaries(Some(&code("4405")), None).await.unwrap()),
        expect(&["4405", "440507", GRID_1])
    );
    assert_eq!(
        listed(store.boundaries(None, None).await.unwrap()),
        expect(&["440106", "4405", "440507", GRID_1])
    );
    assert_eq!(
        listed(store.boundaries(None, Some(Level::County)).await.unwrap()),
        expect(&["440106", "440507"])
    );
    assert_eq!(
        listed(
            store
                .boundaries(Some(&code("4405")), Some(Level::Grid))
                .await
                .unwrap()
        ),
        expect(&[GRID_1])
    );
    let named = store.boundaries(Some(&code("4401")), None).await.unwrap();
    assert_eq!(named[0].0, region("440106", "天河区"));
    assert_eq!(
        store.boundaries(Some(&code("440511")), None).await.unwrap(),
        vec![]
    );
}

/// Staff come leader first, then workers, each by name; a batch replaces the
/// staff of the grids it names and leaves the others alone.
pub async fn staff_replaced_per_grid(store: &dyn Store) {
    apply_sample(store).await;
    assert_eq!(
        store.grid_staff(&code(GRID_1)).await.unwrap(),
        vec![
            staff(GRID_1, "张三", StaffRole::Leader),
            staff(GRID_1, "李四", StaffRole::Worker),
            staff(GRID_1, "王五", StaffRole::Worker),
        ]
    );
    let outcome = store
        .apply(&RegionBatch {
            regions: vec![],
            boundaries: vec![],
            staff: vec![
                staff(GRID_1, "孙八", StaffRole::Worker),
                staff(GRID_1, "钱七", StaffRole::Leader),
            ],
            replace: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        outcome,
        BatchOutcome {
            staff: 2,
            ..Default::default()
        }
    );
    assert_eq!(
        store.grid_staff(&code(GRID_1)).await.unwrap(),
        vec![
            staff(GRID_1, "钱七", StaffRole::Leader),
            staff(GRID_1, "孙八", StaffRole::Worker),
        ]
    );
    assert_eq!(
        store.grid_staff(&code(GRID_2)).await.unwrap(),
        vec![staff(GRID_2, "赵六", StaffRole::Worker)]
    );
    assert_eq!(
        store.grid_staff(&code("440507001001")).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store.grid_staff(&code("440507001001099")).await.unwrap(),
        vec![]
    );
}

/// The counts of one level, as [`Store::count_by_level`] gives them.
fn count(level: Level, regions: u64, with_boundary: u64, staff: u64) -> LevelCount {
    LevelCount {
        level,
        regions,
        with_boundary,
        staff,
    }
}

/// Counts per level of a subtree, with boundaries and staff; empty levels
/// are left out.
pub async fn count_by_level_counts_boundaries_and_staff(store: &dyn Store) {
    apply_sample(store).await;
    assert_eq!(
        store.count_by_level(Some(&code("4405"))).await.unwrap(),
        vec![
            count(Level::City, 1, 1, 0),
            count(Level::County, 2, 1, 0),
            count(Level::Town, 3, 0, 0),
            count(Level::Community, 1, 0, 0),
            count(Level::Grid, 2, 1, 4),
        ]
    );
    assert_eq!(
        store.count_by_level(None).await.unwrap(),
        vec![
            count(Level::Province, 2, 0, 0),
            count(Level::City, 2, 1, 0),
            count(Level::County, 3, 1, 0),
            count(Level::Town, 3, 0, 0),
            count(Level::Community, 1, 0, 0),
            count(Level::Grid, 2, 1, 4),
        ]
    );
    assert_eq!(
        store.count_by_level(Some(&code("440511"))).await.unwrap(),
        vec![count(Level::County, 1, 0, 0), count(Level::Town, 1, 0, 0)]
    );
    assert_eq!(
        store.count_by_level(Some(&code("4406"))).await.unwrap(),
        vec![]
    );
}

/// A fresh store is at revision 0, and reading it changes nothing.
pub async fn revision_starts_at_zero(store: &dyn Store) {
    assert_eq!(store.revision().await.unwrap(), 0);
    assert_eq!(store.revision().await.unwrap(), 0);
}

/// Every batch that changes something grows the revision by one: new or
/// renamed regions, a new boundary, staff given (even the same staff). A
/// batch that changes nothing leaves it.
pub async fn revision_counts_the_batches_that_change_something(store: &dyn Store) {
    let revision = || async move { store.revision().await.unwrap() };
    let without_staff = RegionBatch {
        staff: vec![],
        ..sample()
    };
    store.apply(&without_staff).await.unwrap();
    assert_eq!(revision().await, 1, "regions and boundaries inserted");
    store.apply(&without_staff).await.unwrap();
    assert_eq!(revision().await, 1, "the same batch again changes nothing");
    store.apply(&RegionBatch::default()).await.unwrap();
    assert_eq!(revision().await, 1, "an empty batch changes nothing");

    let rename = regions_only(vec![region("440507", "龙湖新区")]);
    store.apply(&rename).await.unwrap();
    assert_eq!(revision().await, 2, "a rename");

    let reshape = RegionBatch {
        boundaries: vec![(code("4405"), MultiPolygon(vec![square(116.1, 23.1, 0.5)]))],
        ..Default::default()
    };
    store.apply(&reshape).await.unwrap();
    assert_eq!(revision().await, 3, "a new boundary");
    store.apply(&reshape).await.unwrap();
    assert_eq!(revision().await, 3, "the same boundary again");

    let staffing = RegionBatch {
        staff: vec![staff(GRID_2, "赵六", StaffRole::Leader)],
        ..Default::default()
    };
    store.apply(&staffing).await.unwrap();
    assert_eq!(revision().await, 4, "new staff");
    store.apply(&staffing).await.unwrap();
    assert_eq!(revision().await, 5, "staff given again count as a change");
}

/// A batch that fails, however far it got, leaves the revision.
pub async fn failed_batches_leave_the_revision(store: &dyn Store) {
    apply_sample(store).await;
    let before = store.revision().await.unwrap();
    let orphan = regions_only(vec![
        region("440508", "新区"),
        region("440599001", "无主街道"),
    ]);
    assert_invalid(store.apply(&orphan).await, &["440599001"]);
    let conflicting = regions_only(vec![region("440508", "新区"), region("440508", "新新区")]);
    assert_invalid(store.apply(&conflicting).await, &["440508"]);
    let unknown_grid = RegionBatch {
        boundaries: vec![(code("4405"), MultiPolygon(vec![square(116.1, 23.1, 0.5)]))],
        staff: vec![staff("440507001001099", "孙八", StaffRole::Worker)],
        ..Default::default()
    };
    assert_invalid(store.apply(&unknown_grid).await, &["440507001001099"]);
    assert_eq!(store.revision().await.unwrap(), before);
    assert_eq!(store.region(&code("440508")).await.unwrap(), None);
}

/// `n` grids of `community`, numbered from 1 and named after `round`, as
/// `gongzhi grids generate` writes them: each with a boundary, a leader and
/// a worker.
fn grids_of(community: &str, n: u32, round: &str) -> RegionBatch {
    let community = code(community);
    let mut batch = RegionBatch::default();
    for g in 1..=n {
        let grid = community.child(g).expect("grid code");
        let lng = 116.7 + f64::from(g) * 0.01;
        batch
            .regions
            .push(Region::new(grid.clone(), format!("{round}第{g}网格")));
        batch
            .boundaries
            .push((grid.clone(), MultiPolygon(vec![square(lng, 23.4, 0.01)])));
        for (name, role) in [("网格长", StaffRole::Leader), ("网格员", StaffRole::Worker)] {
            batch.staff.push(GridStaff {
                grid: grid.clone(),
                name: format!("{round}{name}{g}"),
                role,
            });
        }
    }
    batch
}

/// `batch`, replacing the grids and micro-grids of `root`.
fn replacing_grids(root: &str, batch: RegionBatch) -> RegionBatch {
    RegionBatch {
        replace: vec![(code(root), Level::Grid)],
        ..batch
    }
}

/// The codes of the subtree of `root`, optionally of one level.
async fn subtree_codes(store: &dyn Store, root: &str, level: Option<Level>) -> Vec<String> {
    let regions = store.subtree(Some(&code(root)), level).await.unwrap();
    regions.into_iter().map(|r| r.code.into()).collect()
}

/// Asserts that `grid` is gone, with its boundary and staff.
async fn assert_gone(store: &dyn Store, grid: &str) {
    assert_eq!(store.region(&code(grid)).await.unwrap(), None, "{grid}");
    assert_eq!(store.boundary(&code(grid)).await.unwrap(), None, "{grid}");
    assert_eq!(
        store.grid_staff(&code(grid)).await.unwrap(),
        vec![],
        "{grid}"
    );
}

/// Five generated grids replaced by two leave exactly the two, with the
/// staff and boundaries the batch gives them; the other three go with their
/// boundaries and staff, and the levels above are left alone.
pub async fn replace_keeps_only_the_regions_listed(store: &dyn Store) {
    apply_sample(store).await;
    store.apply(&grids_of(COMMUNITY, 5, "旧")).await.unwrap();
    let before = store.revision().await.unwrap();
    let outcome = store
        .apply(&replacing_grids("440507", grids_of(COMMUNITY, 2, "新")))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        BatchOutcome {
            renamed: 2,
            boundaries: 2,
            staff: 4,
            deleted: 3,
            ..Default::default()
        }
    );
    assert_eq!(store.revision().await.unwrap(), before + 1);
    assert_eq!(
        store
            .subtree(Some(&code("440507")), Some(Level::Grid))
            .await
            .unwrap(),
        vec![region(GRID_1, "新第1网格"), region(GRID_2, "新第2网格")]
    );
    assert_eq!(
        store.grid_staff(&code(GRID_2)).await.unwrap(),
        vec![
            staff(GRID_2, "新网格长2", StaffRole::Leader),
            staff(GRID_2, "新网格员2", StaffRole::Worker),
        ]
    );
    for gone in ["440507001001003", "440507001001004", "440507001001005"] {
        assert_gone(store, gone).await;
    }
    let kept: Vec<_> = store
        .boundaries(Some(&code("440507")), Some(Level::Grid))
        .await
        .unwrap()
        .into_iter()
        .map(|(r, _)| r.code.to_string())
        .collect();
    assert_eq!(kept, [GRID_1, GRID_2]);
    assert_eq!(
        store.count_by_level(Some(&code("440507"))).await.unwrap(),
        vec![
            count(Level::County, 1, 1, 0),
            count(Level::Town, 2, 0, 0),
            count(Level::Community, 1, 0, 0),
            count(Level::Grid, 2, 2, 4),
        ]
    );
}

/// Micro-grids are deeper than grids: replacing grids deletes the
/// micro-grids of the grids deleted, and those of the grids kept that the
/// batch does not list; replacing the micro-grids of one grid leaves its
/// sibling grids.
pub async fn replace_deletes_the_micro_grids_of_deleted_grids(store: &dyn Store) {
    apply_sample(store).await;
    let micro = |grid: &str, n: &str| format!("{grid}{n}");
    let grid_3 = "440507001001003";
    let (kept, doomed_1, doomed_2) = (
        micro(GRID_1, "001"),
        micro(grid_3, "001"),
        micro(grid_3, "002"),
    );
    let mut first = grids_of(COMMUNITY, 3, "旧");
    for c in [&kept, &doomed_1, &doomed_2] {
        first.regions.push(region(c, "微网格"));
    }
    first.boundaries.push((
        code(&doomed_1),
        MultiPolygon(vec![square(116.73, 23.4, 0.001)]),
    ));
    first
        .staff
        .push(staff(&doomed_1, "微网格员", StaffRole::Worker));
    store.apply(&first).await.unwrap();

    let mut second = grids_of(COMMUNITY, 2, "新");
    second.regions.push(region(&kept, "微网格"));
    let outcome = store
        .apply(&replacing_grids("440507", second))
        .await
        .unwrap();
    assert_eq!(outcome.deleted, 3);
    assert_eq!(outcome.unchanged, 1);
    assert_eq!(
        subtree_codes(store, "440507", None).await,
        [
            "440507",
            "440507001",
            COMMUNITY,
            GRID_1,
            &kept,
            GRID_2,
            "440507002"
        ]
    );
    for gone in [grid_3, &doomed_1, &doomed_2] {
        assert_gone(store, gone).await;
    }

    let newer = micro(GRID_1, "002");
    let outcome = store
        .apply(&RegionBatch {
            regions: vec![region(&newer, "新微网格")],
            replace: vec![(code(GRID_1), Level::MicroGrid)],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((outcome.inserted, outcome.deleted), (1, 1));
    assert_gone(store, &kept).await;
    assert_eq!(
        subtree_codes(store, COMMUNITY, None).await,
        [COMMUNITY, GRID_1, &newer, GRID_2]
    );
    assert_eq!(
        store.count_by_level(Some(&code(COMMUNITY))).await.unwrap(),
        vec![
            count(Level::Community, 1, 0, 0),
            count(Level::Grid, 2, 2, 4),
            count(Level::MicroGrid, 1, 0, 0),
        ]
    );
}

/// Replacing the grids of one county leaves its sibling's grids, their
/// boundaries and their staff.
pub async fn replace_leaves_other_subtrees_alone(store: &dyn Store) {
    apply_sample(store).await;
    let sibling = "440511001001";
    store
        .apply(&regions_only(vec![region(sibling, "金平社区")]))
        .await
        .unwrap();
    store.apply(&grids_of(COMMUNITY, 5, "旧")).await.unwrap();
    store.apply(&grids_of(sibling, 3, "金平")).await.unwrap();
    let outcome = store
        .apply(&replacing_grids("440507", grids_of(COMMUNITY, 2, "新")))
        .await
        .unwrap();
    assert_eq!(outcome.deleted, 3);
    assert_eq!(
        subtree_codes(store, "440511", Some(Level::Grid)).await,
        ["440511001001001", "440511001001002", "440511001001003"]
    );
    assert_eq!(
        store.grid_staff(&code("440511001001003")).await.unwrap(),
        vec![
            staff("440511001001003", "金平网格长3", StaffRole::Leader),
            staff("440511001001003", "金平网格员3", StaffRole::Worker),
        ]
    );
    let grids = |counts: Vec<LevelCount>| counts.into_iter().find(|c| c.level == Level::Grid);
    assert_eq!(
        grids(store.count_by_level(Some(&code("440511"))).await.unwrap()),
        Some(count(Level::Grid, 3, 3, 6))
    );
    assert_eq!(
        grids(store.count_by_level(None).await.unwrap()),
        Some(count(Level::Grid, 5, 5, 10))
    );
}

/// A replaced subtree whose root is neither stored nor in the batch, a
/// replaced level not below its root, a region whose parent the batch
/// deletes, or staff or a boundary of a region it deletes, fail the whole
/// batch: nothing is written or deleted, and the revision stays. A root
/// that only the batch holds is fine.
pub async fn invalid_replace_fails_whole_batch(store: &dyn Store) {
    apply_sample(store).await;
    let before = store.revision().await.unwrap();
    let with = |replace: Vec<(RegionCode, Level)>| {
        let mut batch = grids_of(COMMUNITY, 1, "新");
        batch.regions.push(region("440508", "新区"));
        RegionBatch { replace, ..batch }
    };
    let grid_level = |root: &str| vec![(code(root), Level::Grid)];
    assert_invalid(store.apply(&with(grid_level("440599"))).await, &["440599"]);
    assert_invalid(
        store
            .apply(&with(vec![(code("440507"), Level::County)]))
            .await,
        &["440507", "county"],
    );
    assert_invalid(
        store
            .apply(&with(vec![(code("440507"), Level::City)]))
            .await,
        &["440507", "city"],
    );
    let mut orphaned = with(grid_level("440507"));
    orphaned
        .regions
        .push(region(&format!("{GRID_2}001"), "微网格"));
    assert_invalid(store.apply(&orphaned).await, &[GRID_2, "440507"]);
    let mut staffed = with(grid_level("440507"));
    staffed.staff.push(staff(GRID_2, "赵六", StaffRole::Leader));
    assert_invalid(store.apply(&staffed).await, &[GRID_2]);
    let mut shaped = with(grid_level("440507"));
    shaped
        .boundaries
        .push((code(GRID_2), MultiPolygon(vec![square(116.7, 23.4, 0.01)])));
    assert_invalid(store.apply(&shaped).await, &[GRID_2]);

    assert_eq!(store.revision().await.unwrap(), before);
    assert_eq!(store.region(&code("440508")).await.unwrap(), None);
    assert_eq!(
        store.subtree(None, Some(Level::Grid)).await.unwrap(),
        vec![region(GRID_1, "第一网格"), region(GRID_2, "第二网格")]
    );
    assert_eq!(store.grid_staff(&code(GRID_2)).await.unwrap().len(), 1);

    let outcome = store
        .apply(&RegionBatch {
            regions: vec![region("440508", "新区")],
            replace: vec![(code("440508"), Level::Town)],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((outcome.inserted, outcome.deleted), (1, 0));
}

/// A batch that only deletes changes the store and grows the revision; the
/// same batch again finds nothing to delete and leaves it.
pub async fn revision_grows_when_a_batch_deletes(store: &dyn Store) {
    apply_sample(store).await;
    let before = store.revision().await.unwrap();
    let only_grid_1 = RegionBatch {
        regions: vec![region(GRID_1, "第一网格")],
        replace: vec![(code(COMMUNITY), Level::Grid)],
        ..Default::default()
    };
    assert_eq!(
        store.apply(&only_grid_1).await.unwrap(),
        BatchOutcome {
            unchanged: 1,
            deleted: 1,
            ..Default::default()
        }
    );
    assert_eq!(store.revision().await.unwrap(), before + 1);
    assert_gone(store, GRID_2).await;
    assert_eq!(
        store.apply(&only_grid_1).await.unwrap(),
        BatchOutcome {
            unchanged: 1,
            ..Default::default()
        }
    );
    let nothing_below = RegionBatch {
        replace: vec![(code("440511"), Level::Grid)],
        ..Default::default()
    };
    assert_eq!(
        store.apply(&nothing_below).await.unwrap(),
        BatchOutcome::default()
    );
    assert_eq!(store.revision().await.unwrap(), before + 1);
}

/// Two stores on one database, as two processes would open them, see each
/// other's batches in the revision.
pub async fn revision_is_shared_between_handles(store: &dyn Store, other: &dyn Store) {
    assert_eq!(other.revision().await.unwrap(), 0);
    apply_sample(store).await;
    assert_eq!(other.revision().await.unwrap(), 1);
    other
        .apply(&regions_only(vec![region("440507", "龙湖新区")]))
        .await
        .unwrap();
    assert_eq!(store.revision().await.unwrap(), 2);
    assert_eq!(
        store.region(&code("440507")).await.unwrap().unwrap().region,
        region("440507", "龙湖新区")
    );
}

/// Batches applied at the same time all succeed, one after the other: a
/// writer waits for another instead of failing, and each counts once in the
/// revision.
pub async fn concurrent_batches_all_apply(store: &dyn Store) {
    store
        .apply(&regions_only(vec![region("44", "广东省")]))
        .await
        .unwrap();
    let city = |n: u32| {
        let city = code("44").child(n).expect("city code");
        let mut regions = vec![Region::new(city.clone(), format!("第{n}市"))];
        for c in 1..=50 {
            let county = city.child(c).expect("county code");
            regions.push(Region::new(county.clone(), format!("第{n}市第{c}区")));
            regions.push(Region::new(county.child(1).expect("town code"), "街道"));
        }
        regions_only(regions)
    };
    let (a, b, c, d) = (city(1), city(2), city(3), city(4));
    let outcomes = tokio::join!(
        store.apply(&a),
        store.apply(&b),
        store.apply(&c),
        store.apply(&d)
    );
    for outcome in [outcomes.0, outcomes.1, outcomes.2, outcomes.3] {
        assert_eq!(outcome.expect("a concurrent batch").inserted, 101);
    }
    assert_eq!(store.subtree(None, None).await.unwrap().len(), 1 + 4 * 101);
    assert_eq!(store.revision().await.unwrap(), 5);
}

/// How many regions [`demo_sized_batch`] holds.
const DEMO_REGIONS: u64 = 10_023;

/// A batch the size of the demo: one county with 20 towns, 500 communities
/// and 9,500 grids (10,023 regions), every one with a 50-vertex boundary on
/// irregular coordinates, and a leader for every grid.
fn demo_sized_batch() -> RegionBatch {
    let mut batch = RegionBatch::default();
    let mut add = |c: RegionCode, name: String, lng: f64, lat: f64, radius: f64| {
        let vertices: Vec<Coord<f64>> = (0..50)
            .map(|i| {
                let angle = f64::from(i) * std::f64::consts::TAU / 50.0;
                let wobble = 1.0 + 0.1 * (f64::from(i) * 1.7).sin();
                Coord {
                    x: lng + radius * wobble * angle.cos(),
                    y: lat + radius * wobble * angle.sin(),
                }
            })
            .collect();
        let shape = MultiPolygon(vec![Polygon::new(LineString(vertices), vec![])]);
        batch.boundaries.push((c.clone(), shape));
        batch.regions.push(Region::new(c, name));
    };
    add(code("44"), "广东省".into(), 113.3, 23.1, 3.0);
    add(code("4405"), "汕头市".into(), 116.7, 23.4, 0.5);
    let county = code("440507");
    add(county.clone(), "龙湖区".into(), 116.7, 23.4, 0.1);
    let mut grids = Vec::new();
    for t in 1..=20 {
        let town = county.child(t).expect("town code");
        let (tx, ty) = (116.6 + f64::from(t) * 0.01, 23.35);
        add(town.clone(), format!("第{t}街道"), tx, ty, 0.005);
        for c in 1..=25 {
            let community = town.child(c).expect("community code");
            let (cx, cy) = (tx + f64::from(c) * 0.0003, ty + 0.001);
            add(
                community.clone(),
                format!("第{t}街道第{c}社区"),
                cx,
                cy,
                0.0002,
            );
            for g in 1..=19 {
                let grid = community.child(g).expect("grid code");
                let (gx, gy) = (cx + f64::from(g) * 0.000_01, cy + 0.000_01);
                add(grid.clone(), format!("第{g}网格"), gx, gy, 0.000_005);
                grids.push(grid);
            }
        }
    }
    batch.staff = grids
        .into_iter()
        .map(|grid| GridStaff {
            name: format!("网格长{grid}"),
            grid,
            role: StaffRole::Leader,
        })
        .collect();
    batch
}

/// The demo's batch of about 10,000 regions with boundaries applies in one
/// go, reads back exactly, and re-applies as all unchanged. Prints the time
/// each apply took (see it with `--nocapture`).
pub async fn applies_a_demo_sized_batch(store: &dyn Store) {
    let batch = demo_sized_batch();
    let started = Instant::now();
    let first = store.apply(&batch).await.unwrap();
    let took = started.elapsed();
    assert_eq!(
        first,
        BatchOutcome {
            inserted: DEMO_REGIONS,
            renamed: 0,
            unchanged: 0,
            boundaries: DEMO_REGIONS,
            staff: 9_500,
            deleted: 0,
        }
    );
    let started = Instant::now();
    let second = store.apply(&batch).await.unwrap();
    let again = started.elapsed();
    assert_eq!(second.unchanged, DEMO_REGIONS);
    assert_eq!(second.inserted + second.renamed, 0);
    eprintln!(
        "{}: applied {DEMO_REGIONS} regions with 50-vertex boundaries in {took:.2?}, again in {again:.2?}",
        store.backend()
    );

    let counts = store.count_by_level(None).await.unwrap();
    let grids = counts.iter().find(|c| c.level == Level::Grid).unwrap();
    assert_eq!(
        *grids,
        LevelCount {
            level: Level::Grid,
            regions: 9_500,
            with_boundary: 9_500,
            staff: 9_500,
        }
    );
    let stored = store.boundaries(None, None).await.unwrap();
    assert_eq!(stored.len() as u64, DEMO_REGIONS);
    let mut given: Vec<_> = batch.boundaries.iter().collect();
    given.sort_by(|a, b| a.0.cmp(&b.0));
    for ((region, shape), (c, expected)) in stored.iter().zip(given) {
        assert_eq!(&region.code, c);
        assert_eq!(shape, expected, "boundary of {c} reads back exactly");
    }
}
