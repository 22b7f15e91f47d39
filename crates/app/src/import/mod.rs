//! Imports: divisions from CSV, boundaries and grids from GeoJSON or
//! Shapefile. Each import validates everything first and writes in one
//! transaction: a file with any invalid row or feature changes nothing,
//! unless `--skip-invalid` is given, which applies the valid rest and lists
//! what was skipped. Every problem names the file, the row or feature, the
//! field where there is one, and the reason.

use gongzhi_geo::read::ReadError;

pub mod boundaries;
pub mod divisions;
pub mod grids;

use gongzhi_store::BatchOutcome;
use std::{fmt, path::PathBuf};

/// One problem with an input, located precisely.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// Where in the file: `row 12`, `feature 3 (440507)`.
    pub at: String,
    /// The column or property at fault, when one is.
    pub field: Option<String>,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.at)?;
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// An import refused because its input has problems; nothing was written.
#[derive(Debug)]
pub struct Refused {
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "import refused, nothing was written: {} problem(s); fix them or pass --skip-invalid to apply the rest",
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// What the store changed.
    pub outcome: BatchOutcome,
    /// Rows or features skipped under `--skip-invalid`.
    pub skipped: Vec<Problem>,
    /// Things a person should know that did not stop the import, such as a
    /// division left without a boundary or a polygon that was repaired.
    pub notices: Vec<String>,
}

impl Report {
    /// Refuses when there are problems and skipping was not asked for;
    /// otherwise keeps them as skipped.
    pub fn gate(&mut self, problems: Vec<Problem>, skip_invalid: bool) -> Result<(), Refused> {
        if problems.is_empty() {
            return Ok(());
        }
        if !skip_invalid {
            return Err(Refused { problems });
        }
        self.skipped.extend(problems);
        Ok(())
    }

    /// Prints the report for a person.
    pub fn print(&self, what: &str) {
        let o = &self.outcome;
        println!(
            "{what}: {} new, {} renamed, {} unchanged, {} deleted; {} boundaries, {} staff written",
            o.inserted, o.renamed, o.unchanged, o.deleted, o.boundaries, o.staff
        );
        for n in &self.notices {
            println!("  note: {n}");
        }
        if !self.skipped.is_empty() {
            println!("  skipped {}:", self.skipped.len());
            for p in &self.skipped {
                println!("    {p}");
            }
        }
    }
}

/// Reads a polygon file. The features it refused become problems, and so
/// does the whole file when it cannot be read; the ones it repaired become
/// notices of `report`.
pub(crate) fn read_polygons(
    path: &std::path::Path,
    source: crate::cli::SourceArgs,
    report: &mut Report,
) -> (Vec<gongzhi_geo::read::Feature>, Vec<Problem>) {
    let opts = gongzhi_geo::read::ReadOptions {
        crs: source.crs,
        repair: source.repair,
    };
    let file = match gongzhi_geo::read::read_features(path, opts) {
        Ok(file) => file,
        Err(e) => {
            let problem = Problem {
                file: path.to_owned(),
                at: "file".into(),
                field: None,
                reason: match e {
                    ReadError::Io { reason, .. } => format!("cannot read the file: {reason}"),
                    ReadError::Malformed { reason, .. } => reason,
                },
            };
            return (Vec::new(), vec![problem]);
        }
    };
    for r in &file.repaired {
        report.notices.push(format!(
            "{}: {} was repaired: {}",
            path.display(),
            feature_at(r.number, r.label.as_deref()),
            r.reason
        ));
    }
    let problems = file
        .rejected
        .iter()
        .map(|r| Problem {
            file: path.to_owned(),
            at: feature_at(r.number, r.label.as_deref()),
            field: None,
            reason: r.reason.clone(),
        })
        .collect();
    (file.features, problems)
}

/// `feature 3 (440507)`: where a feature is, for people.
fn feature_at(number: usize, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("feature {number} ({l})"),
        None => format!("feature {number}"),
    }
}

/// A problem with one feature of a polygon file.
pub(crate) fn feature_problem(
    path: &std::path::Path,
    feature: &gongzhi_geo::read::Feature,
    field: Option<&str>,
    reason: String,
) -> Problem {
    let label = feature.id.clone().or_else(|| feature.field("name"));
    Problem {
        file: path.to_owned(),
        at: feature_at(feature.number, label.as_deref()),
        field: field.map(str::to_owned),
        reason,
    }
}
