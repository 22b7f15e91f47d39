//! Administrative divisions from CSV, in the layout of the national
//! statistical division codes (统计用区划代码) as the `china-division`
//! package publishes them: `provinces.csv`, `cities.csv`, `areas.csv`,
//! `streets*.csv` and `villages*.csv`, each with a code, a name and the code
//! of the parent. Headers may also be Chinese (代码, 名称, 上级代码).

use super::{Problem, Refused, Report};
use gongzhi_domain::{Level, Region, RegionCode};
use gongzhi_store::{RegionBatch, Store};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

/// One kind of division file.
struct FileKind {
    /// File name, or prefix when `several` (e.g. `streets-44.csv`).
    stem: &'static str,
    level: Level,
    /// Column holding the parent's code, absent for provinces.
    parent_column: Option<&'static str>,
    required: bool,
}

const KINDS: [FileKind; 5] = [
    FileKind {
        stem: "provinces",
        level: Level::Province,
        parent_column: None,
        required: true,
    },
    FileKind {
        stem: "cities",
        level: Level::City,
        parent_column: Some("provinceCode"),
        required: true,
    },
    FileKind {
        stem: "areas",
        level: Level::County,
        parent_column: Some("cityCode"),
        required: true,
    },
    FileKind {
        stem: "streets",
        level: Level::Town,
        parent_column: Some("areaCode"),
        required: false,
    },
    FileKind {
        stem: "villages",
        level: Level::Community,
        parent_column: Some("streetCode"),
        required: false,
    },
];

/// A division read from a file, with where it came from.
#[derive(Debug)]
pub struct SourceRow {
    /// The division.
    pub region: Region,
    /// The file.
    pub file: PathBuf,
    /// `row N`.
    pub at: String,
}

const CODE_COLUMNS: [&str; 3] = ["code", "代码", "区划代码"];
const NAME_COLUMNS: [&str; 2] = ["name", "名称"];
const PARENT_ALIASES: [&str; 2] = ["上级代码", "parentCode"];

/// Imports the divisions of `under`, its ancestors and everything below it.
pub async fn import(
    store: &dyn Store,
    dir: &Path,
    under: &RegionCode,
    skip_invalid: bool,
) -> anyhow::Result<Report> {
    if !dir.is_dir() {
        return Err(Refused {
            problems: vec![Problem {
                file: dir.to_owned(),
                at: "folder".into(),
                field: None,
                reason: "no such folder".into(),
            }],
        }
        .into());
    }
    let (regions, mut problems) = read_dir(dir, under);
    let mut report = Report::default();
    for kind in KINDS.iter().filter(|k| k.level > under.level()) {
        if !regions.iter().any(|r| r.region.level() == kind.level) {
            report.notices.push(format!(
                "no {} below {under} was found in {}/{}*.csv",
                kind.level,
                dir.display(),
                kind.stem
            ));
        }
    }
    let stored = |code: RegionCode| async move { store.region(&code).await.map(|r| r.is_some()) };
    let mut accepted: HashMap<RegionCode, (String, String)> = HashMap::new();
    let mut kept = Vec::with_capacity(regions.len());
    let mut sorted = regions;
    sorted.sort_by_key(|row| row.region.code.level());
    for SourceRow { region, file, at } in sorted {
        if let Some((first_name, first_at)) = accepted.get(&region.code) {
            if *first_name != region.name {
                problems.push(Problem {
                    file,
                    at,
                    field: Some("code".into()),
                    reason: format!(
                        "{} appears twice, as {:?} and, at {first_at}, as {first_name:?}",
                        region.code, region.name
                    ),
                });
            }
            continue;
        }
        if let Some(parent) = region.code.parent()
            && !accepted.contains_key(&parent)
            && !stored(parent.clone()).await?
        {
            problems.push(Problem {
                file,
                at,
                field: Some("code".into()),
                reason: format!(
                    "{} {}: its parent {parent} is neither in the files nor stored",
                    region.code, region.name
                ),
            });
            continue;
        }
        let origin = format!("{} {at}", file.display());
        accepted.insert(region.code.clone(), (region.name.clone(), origin));
        kept.push(region);
    }
    report
        .gate(problems, skip_invalid)
        .map_err(anyhow::Error::from)?;
    if kept.is_empty() {
        return Err(Refused {
            problems: vec![Problem {
                file: dir.to_owned(),
                at: "folder".into(),
                field: None,
                reason: format!("no division in or above {under} was found"),
            }],
        }
        .into());
    }
    report.outcome = store
        .apply(&RegionBatch {
            regions: kept,
            ..RegionBatch::default()
        })
        .await?;
    Ok(report)
}

/// Reads every division file of `dir` and keeps the rows of `under`, its
/// ancestors and its descendants, each with where it came from; rows that
/// are wrong become problems.
pub fn read_dir(dir: &Path, under: &RegionCode) -> (Vec<SourceRow>, Vec<Problem>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for kind in &KINDS {
        let files = files_of(dir, kind.stem);
        if files.is_empty() && kind.required && under.level() >= kind.level {
            problems.push(Problem {
                file: dir.join(format!("{}.csv", kind.stem)),
                at: "file".into(),
                field: None,
                reason: "the file is missing".into(),
            });
        }
        for file in files {
            read_file(&file, kind, under, &mut rows, &mut problems);
        }
    }
    (rows, problems)
}

/// `stem.csv` and `stem-*.csv` in `dir`, sorted.
fn files_of(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n == format!("{stem}.csv")
                    || (n.starts_with(&format!("{stem}-")) && n.ends_with(".csv"))
            })
        })
        .collect();
    files.sort();
    files
}

fn read_file(
    file: &Path,
    kind: &FileKind,
    under: &RegionCode,
    rows: &mut Vec<SourceRow>,
    problems: &mut Vec<Problem>,
) {
    let problem = |at: String, field: Option<&str>, reason: String| Problem {
        file: file.to_owned(),
        at,
        field: field.map(str::to_owned),
        reason,
    };
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return problems.push(problem("file".into(), None, format!("cannot read: {e}"))),
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            return problems.push(problem(
                format!("line {line}"),
                None,
                "the file is not UTF-8 text (GBK, perhaps); convert it, e.g. iconv -f GBK -t UTF-8"
                    .into(),
            ));
        }
    };
    if text.trim().is_empty() {
        return problems.push(problem("file".into(), None, "the file is empty".into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return problems.push(problem(
                "header".into(),
                None,
                format!("unreadable header: {e}"),
            ));
        }
    };
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
    let parent_names: Vec<&str> = kind
        .parent_column
        .into_iter()
        .chain(PARENT_ALIASES)
        .collect();
    let (Some(code_col), Some(name_col)) = (column(&CODE_COLUMNS), column(&NAME_COLUMNS)) else {
        let missing = if column(&CODE_COLUMNS).is_none() {
            "code"
        } else {
            "name"
        };
        return problems.push(problem(
            "header".into(),
            Some(missing),
            format!("missing column {missing:?}"),
        ));
    };
    let parent_col = column(&parent_names);
    if let (Some(expected), None) = (kind.parent_column, parent_col) {
        return problems.push(problem(
            "header".into(),
            Some(expected),
            format!("missing column {expected:?}"),
        ));
    }
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let at = format!("row {}", i + 2);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(at, None, format!("unreadable row: {e}")));
                continue;
            }
        };
        let raw = record.get(code_col).unwrap_or("").trim();
        if !(raw.starts_with(under.as_str()) || under.as_str().starts_with(raw)) || raw.is_empty() {
            continue;
        }
        let code =
            match RegionCode::parse(raw) {
                Ok(c) if c.level() == kind.level => c,
                Ok(c) => {
                    problems.push(problem(at, Some("code"), format!(
                    "{raw} is a {} code ({} digits) but this file holds {} codes ({} digits)",
                    c.level(), raw.len(), kind.level, kind.level.code_len()
                )));
                    continue;
                }
                Err(e) => {
                    problems.push(problem(at, Some("code"), e.to_string()));
                    continue;
                }
            };
        let name = record.get(name_col).unwrap_or("").trim();
        if name.is_empty() {
            problems.push(problem(at, Some("name"), format!("{code} has no name")));
            continue;
        }
        if let Some(col) = parent_col {
            let given = record.get(col).unwrap_or("").trim();
            let expected = code.parent().map(|p| p.to_string()).unwrap_or_default();
            if given != expected {
                problems.push(problem(at, Some(headers.get(col).unwrap_or("parent")), format!(
                    "{code} {name} does not fit under its parent {given:?}: a code extends its parent's code, so its parent is {expected}"
                )));
                continue;
            }
        }
        rows.push(SourceRow {
            region: Region::new(code, name),
            file: file.to_owned(),
            at,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        dir
    }

    const PROVINCES: &[u8] = "code,name\n44,\"广东省\"\n11,北京市\n".as_bytes();
    const CITIES: &[u8] = "code,name,provinceCode\n4405,\"汕头市\",44\n1101,市辖区,11\n".as_bytes();
    const AREAS: &[u8] = "code,name,cityCode,provinceCode\n440507,龙湖区,4405,44\n".as_bytes();

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn keeps_the_chain_above_and_everything_below() {
        let streets =
            "code,name,areaCode,provinceCode,cityCode\n440507001,珠池街道,440507,44,4405\n"
                .as_bytes();
        let dir = dir_with(&[
            ("provinces.csv", PROVINCES),
            ("cities.csv", CITIES),
            ("areas.csv", AREAS),
            ("streets-44.csv", streets),
        ]);
        let (rows, problems) = read_dir(dir.path(), &code("4405"));
        assert!(problems.is_empty(), "{problems:?}");
        let codes: Vec<&str> = rows.iter().map(|r| r.region.code.as_str()).collect();
        assert_eq!(codes, ["44", "4405", "440507", "440507001"]);
        assert_eq!(rows[1].region.name, "汕头市");
        assert_eq!(rows[1].at, "row 2");
    }

    #[test]
    fn a_missing_column_names_the_file_and_column() {
        let areas = "code,name,provinceCode\n440507,龙湖区,44\n".as_bytes();
        let dir = dir_with(&[
            ("provinces.csv", PROVINCES),
            ("cities.csv", CITIES),
            ("areas.csv", areas),
        ]);
        let (_, problems) = read_dir(dir.path(), &code("4405"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].file.ends_with("areas.csv"));
        assert_eq!(problems[0].field.as_deref(), Some("cityCode"));
        assert!(
            problems[0]
                .to_string()
                .contains("missing column \"cityCode\"")
        );
    }

    #[test]
    fn an_empty_file_is_a_problem_of_its_own() {
        let dir = dir_with(&[
            ("provinces.csv", PROVINCES),
            ("cities.csv", b" \n"),
            ("areas.csv", AREAS),
        ]);
        let (_, problems) = read_dir(dir.path(), &code("4405"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].file.ends_with("cities.csv"));
        assert_eq!(problems[0].reason, "the file is empty");
    }

    #[test]
    fn gbk_text_is_refused_with_the_line() {
        // "汕头市" in GBK on line 2.
        let mut cities = b"code,name,provinceCode\n4405,".to_vec();
        cities.extend_from_slice(&[0xc9, 0xc7, 0xcd, 0xb7, 0xca, 0xd0]);
        cities.extend_from_slice(b",44\n");
        let dir = dir_with(&[
            ("provinces.csv", PROVINCES),
            ("cities.csv", &cities),
            ("areas.csv", AREAS),
        ]);
        let (_, problems) = read_dir(dir.path(), &code("4405"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].at, "line 2");
        assert!(problems[0].reason.contains("not UTF-8"));
    }

    #[test]
    fn a_code_that_does_not_fit_under_its_parent_is_named() {
        let areas = "code,name,cityCode,provinceCode\n440507,龙湖区,4405,44\n440511,金平区,4401,44\n4405x1,坏,4405,44\n".as_bytes();
        let dir = dir_with(&[
            ("provinces.csv", PROVINCES),
            ("cities.csv", CITIES),
            ("areas.csv", areas),
        ]);
        let (rows, problems) = read_dir(dir.path(), &code("4405"));
        assert_eq!(rows.len(), 3);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].at, "row 3");
        assert!(
            problems[0]
                .reason
                .contains("does not fit under its parent \"4401\""),
            "{}",
            problems[0]
        );
        assert_eq!(problems[1].at, "row 4");
        assert!(problems[1].reason.contains("not a digit"));
    }

    #[test]
    fn rows_outside_the_chosen_region_are_ignored_even_when_malformed() {
        let cities = "code,name,provinceCode\n4405,汕头市,44\n11x1,坏,11\n".as_bytes();
        let dir = dir_with(&[
            ("provinces.csv", PROVINCES),
            ("cities.csv", cities),
            ("areas.csv", AREAS),
        ]);
        let (rows, problems) = read_dir(dir.path(), &code("4405"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 3);
    }
}
