//! Boundaries of stored divisions from GeoJSON or Shapefile. A feature whose
//! code matches no stored division is a problem, and a division left without
//! a polygon among its imported siblings is reported: neither is dropped
//! silently.

use super::{Report, feature_problem, read_polygons};
use crate::cli::SourceArgs;
use gongzhi_domain::{Level, RegionCode};
use gongzhi_store::{RegionBatch, Store};
use std::{
    collections::{BTreeSet, HashMap},
    path::PathBuf,
};

/// Imports the boundaries in `files`: all of them, or nothing when any
/// feature is refused (unless skipping).
pub async fn import(
    store: &dyn Store,
    files: &[PathBuf],
    source: SourceArgs,
    code_field: Option<&str>,
    under: Option<&RegionCode>,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mut parents: BTreeSet<(RegionCode, Level)> = BTreeSet::new();
    let mut batch = RegionBatch::default();
    let mut problems = Vec::new();
    let mut seen: HashMap<RegionCode, String> = HashMap::new();
    for path in files {
        let (features, refused) = read_polygons(path, source, &mut report);
        problems.extend(refused);
        for f in features {
            let field = code_field.unwrap_or("id");
            let Some(raw) = f.code_from(code_field) else {
                problems.push(feature_problem(
                    path,
                    &f,
                    Some(field),
                    "the feature has no code".into(),
                ));
                continue;
            };
            let code = match RegionCode::parse(&raw) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(feature_problem(path, &f, Some(field), e.to_string()));
                    continue;
                }
            };
            if under.is_some_and(|u| !code.is_within(u)) {
                continue;
            }
            if store.region(&code).await?.is_none() {
                let name = f.field("name").unwrap_or_default();
                problems.push(feature_problem(path, &f, Some(field), format!(
                    "no division {code} {name} is stored; import the divisions first, or check the code"
                )));
                continue;
            }
            let here = format!("{} feature {}", path.display(), f.number);
            if let Some(first) = seen.insert(code.clone(), here) {
                problems.push(feature_problem(
                    path,
                    &f,
                    Some(field),
                    format!("{code} appears twice: {first} has the same code"),
                ));
                continue;
            }
            if let Some(parent) = code.parent() {
                parents.insert((parent, code.level()));
            }
            batch.boundaries.push((code, f.geometry));
        }
    }
    report.gate(problems, source.skip_invalid)?;
    if batch.boundaries.is_empty() {
        report.notices.push(
            "no boundary was imported: the files hold no feature inside the chosen region".into(),
        );
    }
    report.outcome = store.apply(&batch).await?;
    for (parent, level) in parents {
        for child in store.children(Some(&parent)).await? {
            if !child.has_boundary && child.region.level() == level {
                report.notices.push(format!(
                    "{} {} has no boundary: no feature in the files carries its code",
                    child.region.code, child.region.name
                ));
            }
        }
    }
    Ok(report)
}
