//! `gongzhi index ...`: composite indices from the command line: define
//! from TOML, JSON or an Excel workbook; load values from CSV or Excel;
//! compute; show scores and warnings; export a period to Excel.

use chrono::NaiveDateTime;
use gongzhi_domain::access::Principal;
use gongzhi_index::Definition;
use gongzhi_index::sheet::{self, Cell};
use gongzhi_service::Service;
use std::collections::HashMap;
use std::path::Path;

/// Input refused, naming the file and the place in it; nothing was
/// written. The command exits with 3, as a refused import does.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused, nothing was written: {}", self.0)
    }
}

impl std::error::Error for Refused {}

fn extension(file: &Path) -> String {
    file.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Every sheet of a workbook file, by name.
fn workbook(file: &Path) -> anyhow::Result<Vec<sheet::Sheet>> {
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    sheet::workbook(&bytes).map_err(|e| Refused(format!("{}: {e}", file.display())).into())
}

/// Reads a definition from `.toml`, `.json` or `.xlsx`; a fault names the
/// file, sheet, row and field.
pub fn read_definition(file: &Path) -> anyhow::Result<Definition> {
    let refused = |e: gongzhi_index::DefinitionError| Refused(format!("{}: {e}", file.display()));
    let text = || {
        std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))
    };
    Ok(match extension(file).as_str() {
        "toml" => Definition::from_toml(&text()?).map_err(refused)?,
        "json" => Definition::from_json(&text()?).map_err(refused)?,
        "xlsx" | "xls" | "ods" => {
            let sheets: HashMap<String, Vec<Vec<Cell>>> = workbook(file)?.into_iter().collect();
            sheet::definition(&sheets).map_err(refused)?
        }
        other => anyhow::bail!(
            "{}: `.{other}` is not a definition: use .toml, .json or .xlsx",
            file.display()
        ),
    })
}

/// Reads values from `.csv` or the first sheet of `.xlsx`, long or wide.
pub fn read_values(file: &Path) -> anyhow::Result<Vec<sheet::Value>> {
    let rows = match extension(file).as_str() {
        "csv" => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            sheet::csv_rows(&text).map_err(|e| Refused(format!("{}: {e}", file.display())))?
        }
        "xlsx" | "xls" | "ods" => workbook(file)?
            .into_iter()
            .next()
            .map(|(_, rows)| rows)
            .unwrap_or_default(),
        other => anyhow::bail!(
            "{}: `.{other}` is not a table of values: use .csv or .xlsx",
            file.display()
        ),
    };
    sheet::values(&rows).map_err(|e| Refused(format!("{}: {e}", file.display())).into())
}

/// Refuses what the service refused as bad input with exit code 3, as
/// every other import, naming `place` (the file, or the index).
fn refused(place: String) -> impl Fn(gongzhi_service::ServiceError) -> anyhow::Error {
    move |e| match e {
        gongzhi_service::ServiceError::Index(e) => Refused(format!("{place}: {e}")).into(),
        other => other.into(),
    }
}

/// `gongzhi index define FILE`.
pub async fn define(service: &Service, file: &Path, now: NaiveDateTime) -> anyhow::Result<()> {
    let definition = read_definition(file)?;
    let code = definition.code.clone();
    let leaves = definition
        .indicators
        .iter()
        .filter(|i| i.level == 1)
        .count();
    let version = service
        .define_index(&Principal::system(), definition, now)
        .await
        .map_err(refused(file.display().to_string()))?;
    println!("index {code}: version {version} saved ({leaves} indicators)");
    Ok(())
}

/// `gongzhi index load CODE FILE`.
pub async fn load(
    service: &Service,
    code: &str,
    file: &Path,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let values = read_values(file)?;
    let n = service
        .load_index_values(&Principal::system(), code, values, now)
        .await
        .map_err(refused(file.display().to_string()))?;
    println!("index {code}: {n} values loaded");
    Ok(())
}

/// `gongzhi index compute CODE`.
pub async fn compute(
    service: &Service,
    code: &str,
    through: Option<&str>,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let s = service
        .compute_index(&Principal::system(), code, through, now)
        .await
        .map_err(refused(format!("index {code}")))?;
    let units: Vec<String> = s.units.iter().map(|(l, n)| format!("{n} {l}")).collect();
    println!(
        "index {code} v{}: {} periods ({} … {}), {}; newest period: {} red, {} yellow",
        s.version,
        s.periods.len(),
        s.periods.first().map_or("", String::as_str),
        s.periods.last().map_or("", String::as_str),
        units.join(", "),
        s.red,
        s.yellow
    );
    Ok(())
}

/// `gongzhi index show CODE`: the ranking of a period with warnings.
pub async fn show(
    service: &Service,
    code: &str,
    period: Option<&str>,
    level: Option<&str>,
) -> anyhow::Result<()> {
    let level = level
        .map(|l| {
            gongzhi_domain::Level::parse(l).ok_or_else(|| anyhow::anyhow!("`{l}` is not a level"))
        })
        .transpose()?;
    let (period, rows) = service
        .index_scores(&Principal::system(), code, period, level, None)
        .await?;
    println!("index {code}, {period}:");
    for r in rows {
        let reason = r.reasons.first().map_or("", |x| x.text.as_str());
        println!(
            "  {:>3}/{:<3} {:<10} {:<7} {:>7} {:>+7} {:<6} {reason}",
            r.rank.map_or("-".into(), |x| x.to_string()),
            r.of,
            r.unit,
            r.level.as_str(),
            r.score.map_or("-".into(), |s| format!("{s:.2}")),
            r.change.map_or("".into(), |c| format!("{c:+.2}")),
            r.warning.as_str(),
        );
    }
    Ok(())
}

/// `gongzhi index export CODE FILE`.
pub async fn export(
    service: &Service,
    code: &str,
    period: Option<&str>,
    file: &Path,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let (period, bytes) = service
        .index_workbook(&Principal::system(), code, period, now)
        .await?;
    crate::export::write_whole(file, &bytes)?;
    println!("index {code}, {period}: written to {}", file.display());
    Ok(())
}
