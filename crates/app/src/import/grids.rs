//! Grid polygons a city has drawn, from GeoJSON or Shapefile, with the code,
//! name and parent community taken from named properties.

use super::{Report, feature_problem, read_polygons};
use crate::cli::SourceArgs;
use gongzhi_domain::{Level, Region, RegionCode};
use gongzhi_store::{RegionBatch, Store};
use std::{collections::HashSet, path::PathBuf};

/// Which properties hold what.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// The grid code (15 digits, 18 for a micro-grid).
    pub code: &'a str,
    /// The grid name.
    pub name: &'a str,
    /// The parent community's (or grid's) code.
    pub parent: &'a str,
}

/// Imports grids from `files`: all of them, or nothing when any feature is
/// refused (unless skipping).
pub async fn import(
    store: &dyn Store,
    files: &[PathBuf],
    source: SourceArgs,
    fields: Fields<'_>,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mut batch = RegionBatch::default();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for path in files {
        let (features, refused) = read_polygons(path, source, &mut report)?;
        problems.extend(refused);
        for f in features {
            let required = |name: &str| {
                f.field(name)
                    .ok_or_else(|| feature_problem(path, &f, Some(name), "missing or empty".into()))
            };
            let parsed = |name: &str| {
                required(name).and_then(|raw| {
                    RegionCode::parse(&raw)
                        .map_err(|e| feature_problem(path, &f, Some(name), e.to_string()))
                })
            };
            let checked = (|| {
                let code = parsed(fields.code)?;
                let name = required(fields.name)?;
                let parent = parsed(fields.parent)?;
                if code.level() < Level::Grid {
                    return Err(feature_problem(
                        path,
                        &f,
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
                        &f,
                        Some(fields.parent),
                        format!(
                            "grid {code} does not fit under its parent {parent}: a grid code starts with its parent's code"
                        ),
                    ));
                }
                if !seen.insert(code.clone()) {
                    return Err(feature_problem(
                        path,
                        &f,
                        Some(fields.code),
                        format!("grid {code} appears twice in the files"),
                    ));
                }
                Ok((code, name, parent))
            })();
            match checked {
                Ok((code, name, parent)) => {
                    let parent_known =
                        seen.contains(&parent) || store.region(&parent).await?.is_some();
                    if !parent_known {
                        problems.push(feature_problem(path, &f, Some(fields.parent), format!(
                            "parent {parent} of grid {code} is not stored; import the divisions first"
                        )));
                        continue;
                    }
                    batch.regions.push(Region::new(code.clone(), name));
                    batch.boundaries.push((code, f.geometry));
                }
                Err(p) => problems.push(p),
            }
        }
    }
    report.gate(problems, source.skip_invalid)?;
    report.outcome = store.apply(&batch).await?;
    Ok(report)
}
