//! Definitions and values as people keep them in spreadsheets: rows of
//! cells, from an Excel sheet or CSV text. Every fault names the sheet, the
//! row and the column.
//!
//! Values come long (`period, unit, series, value`) or wide (`period,
//! unit`, then one column per indicator or denominator). A definition is
//! an `indicators` sheet with one column per [`Indicator`] field, an
//! optional `denominators` sheet likewise, and a `definition` sheet of
//! `key, value` rows for the rest (`code`, `name`, `periodicity`,
//! `pipeline.treat`, `warnings.red_below` …).

use crate::definition::{Definition, Denominator, Indicator};
use crate::{DataError, DefinitionError};
use calamine::{Data, Reader, open_workbook_auto_from_rs};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_owned(),
            Cell::Number(n) => n.to_string(),
        }
    }

    /// The cell as JSON: numbers stay numbers, text that reads as a number
    /// or a truth value becomes one (CSV has no types), other text stays
    /// text.
    fn json(&self) -> Option<Json> {
        match self {
            Cell::Empty => None,
            Cell::Number(n) => Some(number(*n)),
            Cell::Text(t) if t.trim().is_empty() => None,
            Cell::Text(t) => Some(match (t.trim(), t.trim().parse::<f64>()) {
                (_, Ok(n)) if n.is_finite() => number(n),
                ("true" | "TRUE", _) => Json::from(true),
                ("false" | "FALSE", _) => Json::from(false),
                (t, _) => Json::from(t),
            }),
        }
    }
}

/// A whole number as an integer (levels, directions), others as they are.
fn number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        Json::from(n as i64)
    } else {
        Json::from(n)
    }
}

/// One loaded value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The period.
    pub period: String,
    /// The unit (region code).
    pub unit: String,
    /// The indicator or denominator.
    pub series: String,
    /// The value.
    pub value: f64,
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Text(b.to_string()),
        other => Cell::Text(other.to_string()),
    }
}

/// A sheet: its name and its rows of cells.
pub type Sheet = (String, Vec<Vec<Cell>>);

/// Every sheet of an Excel (or OpenDocument) workbook, in the workbook's
/// order.
pub fn workbook(bytes: &[u8]) -> Result<Vec<Sheet>, DataError> {
    let unreadable = |e: String| DataError::at(None, None, format!("not a readable workbook: {e}"));
    let mut book = open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(e.to_string()))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| unreadable(format!("sheet {name}: {e}")))?;
        sheets.push((
            name,
            range.rows().map(|r| r.iter().map(cell).collect()).collect(),
        ));
    }
    Ok(sheets)
}

/// Rows of CSV text as cells.
pub fn csv_rows(text: &str) -> Result<Vec<Vec<Cell>>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.map_err(|e| DataError::at(Some(i + 1), None, e.to_string()))?;
            Ok(r.iter()
                .map(|c| {
                    if c.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(c.to_owned())
                    }
                })
                .collect())
        })
        .collect()
}

/// Values from rows whose first is the header. Empty value cells are
/// skipped (nothing to load); a cell that is not a number is refused with
/// its row (1-based, the header is row 1) and column.
pub fn values(rows: &[Vec<Cell>]) -> Result<Vec<Value>, DataError> {
    let Some((header, body)) = rows.split_first() else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = header.iter().map(Cell::text).collect();
    let long = names
        .iter()
        .map(String::as_str)
        .eq(["period", "unit", "series", "value"]);
    if names.len() < 3 || names[0] != "period" || names[1] != "unit" {
        return Err(DataError::at(
            Some(1),
            None,
            format!(
                "the header is `{}`; it starts with period, unit, then either series, value or one column per indicator",
                names.join(", ")
            ),
        ));
    }
    let mut out = Vec::new();
    for (i, row) in body.iter().enumerate() {
        let row_no = i + 2;
        let cell = |k: usize| row.get(k).map(Cell::text).unwrap_or_default();
        if row.iter().all(|c| c.text().is_empty()) {
            continue;
        }
        let (period, unit) = (cell(0), cell(1));
        for (field, text) in [("period", &period), ("unit", &unit)] {
            if text.is_empty() {
                return Err(DataError::at(Some(row_no), Some(field), "empty"));
            }
        }
        let columns: Vec<(String, usize)> = if long {
            vec![(cell(2), 3)]
        } else {
            names
                .iter()
                .enumerate()
                .skip(2)
                .map(|(k, n)| (n.clone(), k))
                .collect()
        };
        for (series, k) in columns {
            let column = if long { "value" } else { series.as_str() };
            let value = match row.get(k) {
                None | Some(Cell::Empty) => continue,
                Some(Cell::Number(n)) => *n,
                Some(Cell::Text(t)) => t.trim().parse::<f64>().map_err(|_| {
                    DataError::at(
                        Some(row_no),
                        Some(column),
                        format!("`{}` is not a number", t.trim()),
                    )
                })?,
            };
            if !value.is_finite() {
                return Err(DataError::at(
                    Some(row_no),
                    Some(column),
                    "not a finite number",
                ));
            }
            out.push(Value {
                period: period.clone(),
                unit: unit.clone(),
                series,
                value,
            });
        }
    }
    Ok(out)
}

/// A sheet of records (header row, then one record per row) as JSON
/// objects, each with its 1-based row.
fn records(rows: &[Vec<Cell>]) -> Vec<(usize, Map<String, Json>)> {
    let Some((header, body)) = rows.split_first() else {
        return Vec::new();
    };
    let names: Vec<String> = header.iter().map(Cell::text).collect();
    body.iter()
        .enumerate()
        .filter(|(_, row)| row.iter().any(|c| !c.text().is_empty()))
        .map(|(i, row)| {
            let mut map = Map::new();
            for (name, cell) in names.iter().zip(row) {
                let value = match (name.as_str(), cell) {
                    // Codes are text even when they look like numbers.
                    ("code" | "parent" | "denominator" | "category", c) => {
                        Some(c.text()).filter(|t| !t.is_empty()).map(Json::from)
                    }
                    (_, c) => c.json(),
                };
                if let (false, Some(v)) = (name.is_empty(), value) {
                    map.insert(name.clone(), v);
                }
            }
            (i + 2, map)
        })
        .collect()
}

fn row_of<T: serde::de::DeserializeOwned>(
    sheet: &'static str,
    row: usize,
    map: Map<String, Json>,
) -> Result<T, DefinitionError> {
    let code = map
        .get("code")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    serde_json::from_value(Json::Object(map)).map_err(|e| DefinitionError {
        table: sheet,
        row: Some(row),
        code: (!code.is_empty()).then_some(code),
        field: None,
        reason: e.to_string(),
    })
}

/// A definition from its sheets, by name.
pub fn definition(sheets: &HashMap<String, Vec<Vec<Cell>>>) -> Result<Definition, DefinitionError> {
    let missing =
        |name: &str| DefinitionError::syntax(format!("the workbook has no `{name}` sheet"));
    let mut top = Map::new();
    for (row, record) in records(
        sheets
            .get("definition")
            .ok_or_else(|| missing("definition"))?,
    ) {
        let (Some(Json::String(key)), value) = (record.get("key"), record.get("value")) else {
            return Err(DefinitionError {
                table: "definition",
                row: Some(row),
                code: None,
                field: None,
                reason: "each row is a key and a value".into(),
            });
        };
        // A key left without a value keeps its default.
        let Some(value) = value else { continue };
        match key.split_once('.') {
            Some((section, field)) => {
                let entry = top
                    .entry(section.to_owned())
                    .or_insert_with(|| Json::Object(Map::new()));
                if let Json::Object(m) = entry {
                    m.insert(field.to_owned(), value.clone());
                }
            }
            None => {
                top.insert(key.clone(), value.clone());
            }
        }
    }
    top.insert("indicators".into(), Json::Array(Vec::new()));
    let mut definition: Definition = row_of("definition", 0, top).map_err(|mut e| {
        e.row = None;
        e
    })?;
    for (row, record) in records(
        sheets
            .get("indicators")
            .ok_or_else(|| missing("indicators"))?,
    ) {
        definition
            .indicators
            .push(row_of::<Indicator>("indicators", row, record)?);
    }
    if let Some(rows) = sheets.get("denominators") {
        for (row, record) in records(rows) {
            definition
                .denominators
                .push(row_of::<Denominator>("denominators", row, record)?);
        }
    }
    Ok(definition)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rows: &[&[&str]]) -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|c| {
                        if c.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(c.to_string())
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn wide_and_long_values_read_the_same() {
        let long = text(&[
            &["period", "unit", "series", "value"],
            &["2026Q1", "440507001", "a", "1.5"],
            &["2026Q1", "440507001", "b", "2"],
        ]);
        let wide = text(&[
            &["period", "unit", "a", "b"],
            &["2026Q1", "440507001", "1.5", "2"],
        ]);
        assert_eq!(values(&long).unwrap(), values(&wide).unwrap());
        assert_eq!(values(&wide).unwrap().len(), 2);
    }

    #[test]
    fn text_in_a_number_cell_is_named_by_row_and_column() {
        let wide = text(&[
            &["period", "unit", "a", "b"],
            &["2026Q1", "440507001", "1", "n/a"],
        ]);
        let e = values(&wide).unwrap_err();
        assert_eq!(e.to_string(), "row 2, column b: `n/a` is not a number");
        let bad = text(&[&["when", "unit", "a"]]);
        assert!(
            values(&bad)
                .unwrap_err()
                .to_string()
                .starts_with("row 1: the header")
        );
    }

    #[test]
    fn a_definition_reads_from_its_sheets_and_names_a_bad_cell() {
        let mut sheets = HashMap::new();
        sheets.insert(
            "definition".to_string(),
            text(&[
                &["key", "value"],
                &["code", "t"],
                &["name", "测试"],
                &["periodicity", "month"],
                &["pipeline.treat", "true"],
                &["pipeline.rank_decimals", "two"],
                &["warnings.red_below", "40"],
            ]),
        );
        sheets.insert(
            "indicators".to_string(),
            text(&[
                &["code", "name", "level", "parent", "weight", "direction"],
                &["I", "指数", "2", "", "", ""],
                &["01", "甲", "1", "I", "2", "-1"],
            ]),
        );
        let e = definition(&sheets).unwrap_err();
        assert_eq!(e.table, "definition");
        assert!(e.reason.contains("two"), "{e}");
        sheets.get_mut("definition").unwrap()[5][1] = Cell::Empty;
        let d = definition(&sheets).unwrap();
        assert_eq!(d.indicators[1].code, "01", "a code stays text");
        assert_eq!(
            (d.indicators[1].weight, d.indicators[1].direction),
            (2.0, -1)
        );
        assert_eq!(d.warnings.red_below, Some(40.0));
        assert!(d.pipeline.treat);
        sheets.get_mut("indicators").unwrap()[2][4] = Cell::Text("heavy".into());
        let e = definition(&sheets).unwrap_err();
        assert_eq!(
            (e.table, e.row, e.code.as_deref()),
            ("indicators", Some(3), Some("01"))
        );
        assert!(e.reason.contains("heavy"), "{e}");
    }

    #[test]
    fn a_workbook_gives_its_sheets_typed_and_a_bad_cell_its_place() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let def = book.add_worksheet().set_name("definition").unwrap();
        for (r, (k, v)) in [
            ("key", "value"),
            ("code", "t"),
            ("name", "测试"),
            ("periodicity", "quarter"),
        ]
        .iter()
        .enumerate()
        {
            def.write(r as u32, 0, *k).unwrap();
            def.write(r as u32, 1, *v).unwrap();
        }
        let ind = book.add_worksheet().set_name("indicators").unwrap();
        for (c, h) in ["code", "name", "level", "parent", "weight"]
            .iter()
            .enumerate()
        {
            ind.write(0, c as u16, *h).unwrap();
        }
        ind.write(1, 0, "I").unwrap();
        ind.write(1, 1, "指数").unwrap();
        ind.write(1, 2, 2).unwrap();
        ind.write(2, 0, "a").unwrap();
        ind.write(2, 1, "甲").unwrap();
        ind.write(2, 2, 1).unwrap();
        ind.write(2, 3, "I").unwrap();
        ind.write(2, 4, 1.5).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let sheets: HashMap<String, Vec<Vec<Cell>>> =
            workbook(&bytes).unwrap().into_iter().collect();
        let d = definition(&sheets).unwrap();
        assert_eq!(
            (
                d.indicators.len(),
                d.indicators[1].weight,
                d.indicators[0].level
            ),
            (2, 1.5, 2)
        );

        let mut book = rust_xlsxwriter::Workbook::new();
        let v = book.add_worksheet();
        for (c, h) in ["period", "unit", "a"].iter().enumerate() {
            v.write(0, c as u16, *h).unwrap();
        }
        v.write(1, 0, "2026Q1").unwrap();
        v.write(1, 1, "440507001").unwrap();
        v.write(1, 2, "多").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let rows = workbook(&bytes).unwrap().remove(0).1;
        assert_eq!(
            values(&rows).unwrap_err().to_string(),
            "row 2, column a: `多` is not a number"
        );
        assert!(
            workbook(b"not a workbook")
                .unwrap_err()
                .to_string()
                .contains("not a readable workbook")
        );
    }
}
