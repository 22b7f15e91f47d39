//! Checking a [`RegionBatch`] and turning it into rows, the same way on every
//! backend. A backend's `apply` does, inside one write transaction:
//!
//! 1. [`Plan::new`], which orders the regions parents first and rejects a
//!    batch that contradicts itself;
//! 2. a look-up of the stored names of [`Plan::codes_to_look_up`], and of
//!    the stored codes in the subtrees the batch replaces ([`Plan::replaced`],
//!    [`backend::replaced_codes`](crate::backend::replaced_codes));
//! 3. [`Plan::resolve`] with what it found, which rejects references to
//!    regions that exist neither in the store nor in the batch, or that the
//!    batch deletes, and yields the [`Writes`] and the [`BatchOutcome`];
//! 4. the writes, in the order given: the deletions (each region's staff,
//!    then the region, deepest first), the regions (with their boundaries
//!    when the batch gives them), the other boundaries, the staff.

use crate::{BatchOutcome, RegionBatch, StoreError, StoreResult, boundary, sql};
use geo::MultiPolygon;
use gongzhi_domain::{Level, Region, RegionCode};
use std::collections::{BTreeSet, HashMap, HashSet};

/// A batch whose regions are in write order (by level, then code), each
/// code once.
#[derive(Debug)]
pub struct Plan<'a> {
    batch: &'a RegionBatch,
    regions: Vec<&'a Region>,
}

/// The rows a batch writes, in write order, and what it changes.
#[derive(Debug)]
pub struct Writes<'a> {
    /// Stored regions that a subtree the batch replaces holds and the batch
    /// does not list, deepest first (then by code), so that children go
    /// before their parents; each goes with its staff, deleted before it.
    pub deleted: Vec<String>,
    /// Regions that are new or renamed, parents before children. Regions
    /// stored as given are left out, so re-applying a batch writes little.
    pub regions: Vec<RegionRow<'a>>,
    /// Boundaries of regions left out of `regions`, each replacing the
    /// stored one.
    pub boundaries: Vec<BoundaryRow<'a>>,
    /// Grids whose staff are replaced, each once, in batch order.
    pub staff_grids: Vec<&'a str>,
    /// The new staff of those grids.
    pub staff: Vec<StaffRow<'a>>,
    /// What the batch changes, for the caller.
    pub outcome: BatchOutcome,
}

/// One row of `regions` to insert, or to rename when the code is stored.
#[derive(Debug)]
pub struct RegionRow<'a> {
    /// The code.
    pub code: &'a str,
    /// The name, exactly as given.
    pub name: &'a str,
    /// Stored level ([`sql::level_number`]).
    pub level: i16,
    /// The parent's code; `None` for a province.
    pub parent: Option<&'a str>,
    /// Materialised path ([`RegionCode::path`]).
    pub path: String,
    /// The region's boundary when the batch gives one, written with the row
    /// rather than by a second statement; `None` keeps the stored one.
    pub boundary: Option<Boundary>,
}

/// A boundary as stored.
#[derive(Debug)]
pub struct Boundary {
    /// GeoJSON geometry text ([`boundary::encode`]).
    pub geojson: String,
    /// `[min_lng, min_lat, max_lng, max_lat]` ([`boundary::bbox`]).
    pub bbox: [f64; 4],
}

impl Boundary {
    fn of(shape: &MultiPolygon<f64>) -> Boundary {
        Boundary {
            geojson: boundary::encode(shape),
            bbox: boundary::bbox(shape),
        }
    }
}

/// A boundary to store on a region that [`Writes::regions`] does not write.
#[derive(Debug)]
pub struct BoundaryRow<'a> {
    /// The region.
    pub code: &'a str,
    /// Its new boundary.
    pub boundary: Boundary,
}

/// A row of `grid_staff`.
#[derive(Debug)]
pub struct StaffRow<'a> {
    /// The grid's code.
    pub grid: &'a str,
    /// The person's name, exactly as given.
    pub name: &'a str,
    /// `leader` or `worker`.
    pub role: &'static str,
    /// Position among the grid's staff in the batch, from 0, which keeps
    /// namesakes in the order given.
    pub ordinal: i32,
}

impl<'a> Plan<'a> {
    /// Orders the batch's regions parents first. A code given twice with the
    /// same name counts once; given with two names, or a region's boundary
    /// given twice, or a subtree replaced from a level that is not below its
    /// root, the batch is invalid.
    pub fn new(batch: &'a RegionBatch) -> StoreResult<Plan<'a>> {
        for (root, level) in &batch.replace {
            if *level <= root.level() {
                return Err(StoreError::Invalid(format!(
                    "replace under {root}: {level} is not a level below {root}, a {}",
                    root.level()
                )));
            }
        }
        let mut sorted: Vec<&Region> = batch.regions.iter().collect();
        sorted.sort_by(|a, b| (a.level(), &a.code).cmp(&(b.level(), &b.code)));
        let mut regions: Vec<&Region> = Vec::with_capacity(sorted.len());
        for region in sorted {
            match regions.last() {
                Some(previous) if previous.code == region.code => {
                    if previous.name != region.name {
                        return Err(StoreError::Invalid(format!(
                            "region {}: given twice, as {:?} and as {:?}",
                            region.code, previous.name, region.name
                        )));
                    }
                }
                _ => regions.push(region),
            }
        }
        let mut with_boundary = HashSet::new();
        for (code, _) in &batch.boundaries {
            if !with_boundary.insert(code) {
                return Err(StoreError::Invalid(format!(
                    "boundary of {code}: given twice"
                )));
            }
        }
        Ok(Plan { batch, regions })
    }

    /// The subtrees the batch replaces ([`RegionBatch::replace`]): in each
    /// `(root, level)`, the stored codes of that level or deeper are what
    /// [`Plan::resolve`] needs beside the stored names.
    pub fn replaced(&self) -> &'a [(RegionCode, Level)] {
        &self.batch.replace
    }

    /// The codes whose stored names [`Plan::resolve`] needs, sorted: every
    /// region of the batch, every parent, every region given a boundary or
    /// staff, and every root of a replaced subtree.
    pub fn codes_to_look_up(&self) -> Vec<&'a str> {
        let mut codes = BTreeSet::new();
        for region in &self.regions {
            codes.insert(region.code.as_str());
            if let Some(parent) = parent_of(&region.code) {
                codes.insert(parent);
            }
        }
        codes.extend(self.batch.boundaries.iter().map(|(code, _)| code.as_str()));
        codes.extend(self.batch.staff.iter().map(|s| s.grid.as_str()));
        codes.extend(self.batch.replace.iter().map(|(root, _)| root.as_str()));
        codes.into_iter().collect()
    }

    /// Checks the batch against `stored`, the names found for
    /// [`Plan::codes_to_look_up`] (codes not found left out), and
    /// `replaced`, the stored codes in the subtrees of [`Plan::replaced`]
    /// (in any order), and yields the writes. Fails when the root of a
    /// replaced subtree is neither stored nor in the batch, or when a
    /// parent, or the region of a boundary or staff member, is neither
    /// stored nor in the batch or is deleted by the batch, naming the first
    /// such record (replaced roots first, then regions parents first, then
    /// boundaries, then staff) and counting the others.
    pub fn resolve(
        &self,
        stored: &HashMap<String, String>,
        replaced: &[String],
    ) -> StoreResult<Writes<'a>> {
        let in_batch: HashSet<&str> = self.regions.iter().map(|r| r.code.as_str()).collect();
        let doomed: BTreeSet<&str> = replaced
            .iter()
            .map(String::as_str)
            .filter(|code| !in_batch.contains(code))
            .collect();
        // Why a region the batch refers to will not be there, if it won't.
        let missing = |code: &str| -> Option<String> {
            if in_batch.contains(code) {
                None
            } else if doomed.contains(code) {
                let replacing = self.batch.replace.iter().find(|(root, level)| {
                    code.starts_with(root.as_str()) && code.len() >= level.code_len()
                });
                Some(match replacing {
                    Some((root, _)) => format!("is deleted by the replace under {root}"),
                    None => "is deleted by the batch".to_owned(),
                })
            } else if stored.contains_key(code) {
                None
            } else {
                Some("is not stored".to_owned())
            }
        };
        let mut problems = Vec::new();
        for (root, _) in &self.batch.replace {
            if !in_batch.contains(root.as_str()) && !stored.contains_key(root.as_str()) {
                problems.push(format!("replace under {root}: region {root} is not stored"));
            }
        }
        for region in &self.regions {
            if let Some(parent) = parent_of(&region.code)
                && let Some(why) = missing(parent)
            {
                problems.push(format!("region {}: parent {parent} {why}", region.code));
            }
        }
        for (code, _) in &self.batch.boundaries {
            if let Some(why) = missing(code.as_str()) {
                problems.push(format!("boundary of {code}: region {code} {why}"));
            }
        }
        for staff in &self.batch.staff {
            if let Some(why) = missing(staff.grid.as_str()) {
                problems.push(format!(
                    "staff {:?} of {}: region {} {why}",
                    staff.name, staff.grid, staff.grid
                ));
            }
        }
        if let Some(first) = problems.first() {
            return Err(StoreError::Invalid(match problems.len() {
                1 => first.clone(),
                n => format!("{first} (and {} more problems)", n - 1),
            }));
        }

        let shapes: HashMap<&str, &MultiPolygon<f64>> = self
            .batch
            .boundaries
            .iter()
            .map(|(code, shape)| (code.as_str(), shape))
            .collect();
        let mut deleted: Vec<String> = doomed.into_iter().map(str::to_owned).collect();
        deleted.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let mut outcome = BatchOutcome {
            deleted: deleted.len() as u64,
            ..BatchOutcome::default()
        };
        let mut regions = Vec::new();
        for region in &self.regions {
            match stored.get(region.code.as_str()) {
                Some(name) if *name == region.name => {
                    outcome.unchanged += 1;
                    continue;
                }
                Some(_) => outcome.renamed += 1,
                None => outcome.inserted += 1,
            }
            let code = region.code.as_str();
            regions.push(RegionRow {
                code,
                name: &region.name,
                level: sql::level_number(region.level()),
                parent: parent_of(&region.code),
                path: region.code.path(),
                boundary: shapes.get(code).map(|shape| Boundary::of(shape)),
            });
        }
        let written: HashSet<&str> = regions.iter().map(|r| r.code).collect();
        let boundaries: Vec<BoundaryRow> = self
            .batch
            .boundaries
            .iter()
            .filter(|(code, _)| !written.contains(code.as_str()))
            .map(|(code, shape)| BoundaryRow {
                code: code.as_str(),
                boundary: Boundary::of(shape),
            })
            .collect();

        let mut staff_grids: Vec<&str> = Vec::new();
        let mut per_grid: HashMap<&str, i32> = HashMap::new();
        let mut staff = Vec::with_capacity(self.batch.staff.len());
        for member in &self.batch.staff {
            let grid = member.grid.as_str();
            let ordinal = per_grid.entry(grid).or_insert_with(|| {
                staff_grids.push(grid);
                0
            });
            staff.push(StaffRow {
                grid,
                name: &member.name,
                role: member.role.as_str(),
                ordinal: *ordinal,
            });
            *ordinal += 1;
        }

        outcome.boundaries = self.batch.boundaries.len() as u64;
        outcome.staff = staff.len() as u64;
        Ok(Writes {
            deleted,
            regions,
            boundaries,
            staff_grids,
            staff,
            outcome,
        })
    }
}

impl Writes<'_> {
    /// Whether these writes change what is stored, given how many of
    /// [`Writes::boundaries`] differed from the stored ones (the rows their
    /// update touched): every region of [`Writes::deleted`] is a change,
    /// every row of [`Writes::regions`] is new or renamed, and staff given
    /// for a grid count as a change even when they are the ones stored. A
    /// backend grows the store's revision only when this holds, so that
    /// re-applying an import without staff leaves it.
    pub fn change_anything(&self, boundaries_changed: u64) -> bool {
        !self.deleted.is_empty()
            || !self.regions.is_empty()
            || boundaries_changed > 0
            || !self.staff_grids.is_empty()
    }
}

/// The parent's code as a prefix of `code`, borrowed from it.
fn parent_of(code: &RegionCode) -> Option<&str> {
    let parent_len = code.parent()?.as_str().len();
    Some(&code.as_str()[..parent_len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongzhi_domain::{GridStaff, StaffRole};

    fn region(code: &str, name: &str) -> Region {
        Region::new(RegionCode::parse(code).unwrap(), name)
    }

    /// The message of the error `batch` resolves to against `stored` and
    /// `replaced`.
    fn refusal(
        batch: &RegionBatch,
        stored: &HashMap<String, String>,
        replaced: &[String],
    ) -> String {
        match Plan::new(batch).unwrap().resolve(stored, replaced) {
            Err(e) => e.to_string(),
            Ok(writes) => panic!("expected a refusal, got {writes:?}"),
        }
    }

    fn stored(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn parents_come_first_and_are_looked_up() {
        let batch = RegionBatch {
            regions: vec![
                region("440507001", "珠池街道"),
                region("4405", "汕头市"),
                region("440507", "龙湖区"),
                region("4405", "汕头市"),
            ],
            ..Default::default()
        };
        let plan = Plan::new(&batch).unwrap();
        assert_eq!(
            plan.codes_to_look_up(),
            ["44", "4405", "440507", "440507001"]
        );
        let writes = plan
            .resolve(&stored(&[("44", "广东省"), ("4405", "汕头")]), &[])
            .unwrap();
        let codes: Vec<_> = writes.regions.iter().map(|r| r.code).collect();
        assert_eq!(codes, ["4405", "440507", "440507001"]);
        assert_eq!(writes.regions[2].parent, Some("440507"));
        assert_eq!(writes.regions[2].path, "/44/4405/440507/440507001/");
        assert_eq!(writes.regions[2].level, 3);
        assert_eq!(
            writes.outcome,
            BatchOutcome {
                inserted: 2,
                renamed: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn every_missing_reference_is_counted() {
        let grid = RegionCode::parse("440507001001001").unwrap();
        let batch = RegionBatch {
            regions: vec![region("440507001", "珠池街道")],
            boundaries: vec![(grid.clone(), geo::MultiPolygon(vec![]))],
            staff: vec![GridStaff {
                grid,
                name: "张三".into(),
                role: StaffRole::Leader,
            }],
            replace: vec![],
        };
        assert_eq!(
            refusal(&batch, &HashMap::new(), &[]),
            "region 440507001: parent 440507 is not stored (and 2 more problems)"
        );
    }

    #[test]
    fn boundaries_ride_with_the_regions_written() {
        let shape = geo::MultiPolygon(vec![geo::Polygon::new(
            geo::LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]),
            vec![],
        )]);
        let batch = RegionBatch {
            regions: vec![region("44", "广东省"), region("4405", "汕头市")],
            boundaries: vec![
                (RegionCode::parse("4405").unwrap(), shape.clone()),
                (RegionCode::parse("44").unwrap(), shape),
            ],
            staff: vec![],
            replace: vec![],
        };
        let writes = Plan::new(&batch)
            .unwrap()
            .resolve(&stored(&[("44", "广东省")]), &[])
            .unwrap();
        assert_eq!(writes.regions.len(), 1);
        let folded = writes.regions[0].boundary.as_ref().unwrap();
        assert_eq!(folded.bbox, [0.0, 0.0, 1.0, 1.0]);
        let separate: Vec<_> = writes.boundaries.iter().map(|b| b.code).collect();
        assert_eq!(separate, ["44"]);
        assert_eq!(writes.outcome.boundaries, 2);
    }

    #[test]
    fn only_writes_that_change_something_count() {
        let shape = geo::MultiPolygon(vec![]);
        let batch = RegionBatch {
            regions: vec![region("44", "广东省")],
            boundaries: vec![(RegionCode::parse("44").unwrap(), shape)],
            staff: vec![],
            replace: vec![],
        };
        let plan = Plan::new(&batch).unwrap();
        let unchanged = plan.resolve(&stored(&[("44", "广东省")]), &[]).unwrap();
        assert!(!unchanged.change_anything(0), "the boundary was the same");
        assert!(unchanged.change_anything(1), "the boundary differed");
        let renamed = plan.resolve(&stored(&[("44", "广东")]), &[]).unwrap();
        assert!(renamed.change_anything(0));
        let staffed = RegionBatch {
            staff: vec![GridStaff {
                grid: RegionCode::parse("44").unwrap(),
                name: "张三".into(),
                role: StaffRole::Leader,
            }],
            ..Default::default()
        };
        let writes = Plan::new(&staffed)
            .unwrap()
            .resolve(&stored(&[("44", "广东省")]), &[])
            .unwrap();
        assert!(writes.change_anything(0), "staff given count as a change");
    }

    #[test]
    fn replaced_regions_not_listed_are_deleted_deepest_first() {
        let batch = RegionBatch {
            regions: vec![
                region("440507001001001", "一"),
                region("440507001001002", "二"),
            ],
            replace: vec![(RegionCode::parse("440507").unwrap(), Level::Grid)],
            ..Default::default()
        };
        let plan = Plan::new(&batch).unwrap();
        assert_eq!(
            plan.codes_to_look_up(),
            [
                "440507",
                "440507001001",
                "440507001001001",
                "440507001001002"
            ]
        );
        let replaced: Vec<String> = [
            "440507001001003",
            "440507001001001",
            "440507001001003001",
            "440507001001002",
            "440507001001004",
        ]
        .map(String::from)
        .to_vec();
        let writes = plan
            .resolve(
                &stored(&[
                    ("440507", "龙湖区"),
                    ("440507001001", "社区"),
                    ("440507001001001", "一"),
                ]),
                &replaced,
            )
            .unwrap();
        assert_eq!(
            writes.deleted,
            ["440507001001003001", "440507001001003", "440507001001004"]
        );
        assert_eq!(writes.outcome.deleted, 3);
        assert_eq!(writes.outcome.inserted, 1);
        assert!(writes.change_anything(0));

        let nothing_left = plan
            .resolve(
                &stored(&[("440507", "龙湖区"), ("440507001001", "社区")]),
                &replaced[1..2],
            )
            .unwrap();
        assert_eq!(nothing_left.deleted, Vec::<String>::new());
    }

    #[test]
    fn replacing_refuses_unknown_roots_shallow_levels_and_deleted_references() {
        let county = RegionCode::parse("440507").unwrap();
        let shallow = RegionBatch {
            replace: vec![(county.clone(), Level::County)],
            ..Default::default()
        };
        assert!(matches!(
            Plan::new(&shallow),
            Err(StoreError::Invalid(m)) if m.contains("440507") && m.contains("county")
        ));

        let unknown = RegionBatch {
            replace: vec![(county.clone(), Level::Grid)],
            ..Default::default()
        };
        assert_eq!(
            refusal(&unknown, &HashMap::new(), &[]),
            "replace under 440507: region 440507 is not stored"
        );

        let doomed_grid = RegionCode::parse("440507001001003").unwrap();
        let referring = RegionBatch {
            regions: vec![region("440507001001003001", "微网格")],
            staff: vec![GridStaff {
                grid: doomed_grid,
                name: "张三".into(),
                role: StaffRole::Leader,
            }],
            replace: vec![(county, Level::Grid)],
            ..Default::default()
        };
        assert_eq!(
            refusal(
                &referring,
                &stored(&[("440507", "龙湖区"), ("440507001001003", "三")]),
                &["440507001001003".to_owned()],
            ),
            "region 440507001001003001: parent 440507001001003 is deleted by the \
             replace under 440507 (and 1 more problems)"
        );
    }

    #[test]
    fn contradictions_are_invalid() {
        let batch = RegionBatch {
            regions: vec![region("44", "广东省"), region("44", "广东")],
            ..Default::default()
        };
        assert!(matches!(Plan::new(&batch), Err(StoreError::Invalid(m)) if m.contains("44")));
    }

    #[test]
    fn staff_are_numbered_per_grid() {
        let member = |grid: &str, name: &str| GridStaff {
            grid: RegionCode::parse(grid).unwrap(),
            name: name.into(),
            role: StaffRole::Worker,
        };
        let batch = RegionBatch {
            staff: vec![
                member("440507001001001", "甲"),
                member("440507001001002", "乙"),
                member("440507001001001", "丙"),
            ],
            ..Default::default()
        };
        let writes = Plan::new(&batch)
            .unwrap()
            .resolve(
                &stored(&[("440507001001001", "一"), ("440507001001002", "二")]),
                &[],
            )
            .unwrap();
        assert_eq!(writes.staff_grids, ["440507001001001", "440507001001002"]);
        let ordinals: Vec<_> = writes.staff.iter().map(|s| (s.name, s.ordinal)).collect();
        assert_eq!(ordinals, [("甲", 0), ("乙", 0), ("丙", 1)]);
        assert_eq!(writes.outcome.staff, 3);
    }
}
