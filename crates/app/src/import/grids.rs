//! Grid polygons a city has drawn, from GeoJSON or Shapefile, with the code,
//! name and parent community taken from named properties.

use super::{Problem, Report, feature_problem, read_polygons};
use crate::cli::SourceArgs;
use gongzhi_domain::{GridStaff, Level, Region, RegionCode, StaffRole};
use gongzhi_geo::read::Feature;
use gongzhi_store::{RegionBatch, Store};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

/// Which properties hold what.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// The grid code (15 digits, 18 for a micro-grid).
    pub code: &'a str,
    /// The grid name.
    pub name: &'a str,
    /// The parent community's (or grid's) code.
    pub parent: &'a str,
    /// The grid leader's name, when the files carry it.
    pub leader: Option<&'a str>,
    /// The grid workers' names, separated by commas or 、, when the files carry them.
    pub workers: Option<&'a str>,
}

/// A grid read from a file, checked on its own.
struct Candidate {
    code: RegionCode,
    parent: RegionCode,
    name: String,
    staff: Vec<GridStaff>,
    geometry: geo::MultiPolygon<f64>,
    /// Where it came from, for problems found later.
    origin: Problem,
}

/// Imports grids from `files`: all of them, or nothing when any feature is
/// refused (unless skipping). Parents may be stored or be grids in the files
/// (for micro-grids), in any order.
pub async fn import(
    store: &dyn Store,
    files: &[PathBuf],
    source: SourceArgs,
    fields: Fields<'_>,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mut problems = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    for path in files {
        let (features, refused) = read_polygons(path, source, &mut report);
        problems.extend(refused);
        for f in features {
            match check(path, &f, fields) {
                Ok(c) => candidates.push(c),
                Err(p) => problems.push(p),
            }
        }
    }
    // Shallowest first, so a micro-grid's parent is settled before it.
    candidates.sort_by_key(|c| c.code.level());
    let mut accepted: HashMap<RegionCode, String> = HashMap::new();
    let mut batch = RegionBatch::default();
    for c in candidates {
        let problem = |reason: String| Problem {
            reason,
            ..c.origin.clone()
        };
        if let Some(first) = accepted.get(&c.code) {
            problems.push(problem(format!(
                "grid {} appears twice: {first} has the same code",
                c.code
            )));
            continue;
        }
        let parent_known =
            accepted.contains_key(&c.parent) || store.region(&c.parent).await?.is_some();
        if !parent_known {
            problems.push(Problem {
                field: Some(fields.parent.to_owned()),
                ..problem(format!(
                    "parent {} of grid {} is neither stored nor an accepted grid in the files; import the divisions first",
                    c.parent, c.code
                ))
            });
            continue;
        }
        accepted.insert(
            c.code.clone(),
            format!("{} {}", c.origin.file.display(), c.origin.at),
        );
        batch.staff.extend(c.staff);
        batch.regions.push(Region::new(c.code.clone(), c.name));
        batch.boundaries.push((c.code, c.geometry));
    }
    report.gate(problems, source.skip_invalid)?;
    report.outcome = store.apply(&batch).await?;
    Ok(report)
}

/// Reads and checks one feature's properties.
fn check(path: &Path, f: &Feature, fields: Fields<'_>) -> Result<Candidate, Problem> {
    let required = |name: &str| {
        f.field(name)
            .ok_or_else(|| feature_problem(path, f, Some(name), "missing or empty".into()))
    };
    let parsed = |name: &str| {
        required(name).and_then(|raw| {
            RegionCode::parse(&raw).map_err(|e| feature_problem(path, f, Some(name), e.to_string()))
        })
    };
    let code = parsed(fields.code)?;
    let name = required(fields.name)?;
    let parent = parsed(fields.parent)?;
    if code.level() < Level::Grid {
        return Err(feature_problem(
            path,
            f,
            Some(fields.code),
            format!(
                "{code} is a {} code; a grid code extends its community's 12 digits by 3 (micro-grid: 3 more)",
                code.level()
            ),
        ));
    }
    if code.parent().as_ref() != Some(&parent) {
        return Err(feature_problem(
            path,
            f,
            Some(fields.parent),
            format!(
                "grid {code} does not fit under its parent {parent}: a grid code starts with its parent's code"
            ),
        ));
    }
    let person = |name: &str, role| GridStaff {
        grid: code.clone(),
        name: name.trim().to_owned(),
        role,
    };
    let mut staff: Vec<GridStaff> = Vec::new();
    if let Some(leader) = fields.leader.and_then(|field| f.field(field)) {
        staff.push(person(&leader, StaffRole::Leader));
    }
    if let Some(workers) = fields.workers.and_then(|field| f.field(field)) {
        staff.extend(
            workers
                .split([',', '，', '、', ';', '；'])
                .filter(|w| !w.trim().is_empty())
                .map(|w| person(w, StaffRole::Worker)),
        );
    }
    Ok(Candidate {
        code,
        parent,
        name,
        staff,
        geometry: f.geometry.clone(),
        origin: feature_problem(path, f, None, String::new()),
    })
}
