//! A period of an index as an Excel workbook, for the reports a command
//! centre circulates: scores and ranks of every node, warnings with their
//! reasons, and how the numbers were produced.

use crate::indices::IndexRun;
use gongzhi_index::Definition;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashMap;

/// The workbook of one period: a sheet of scores (the index, then every
/// dimension and indicator, each with its rank), one of warnings, one of
/// the method. `names` gives region names by code.
pub fn workbook(
    definition: &Definition,
    run: &IndexRun,
    names: &HashMap<String, String>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let scores = book.add_worksheet().set_name("得分 Scores")?;
    let fixed = ["地区代码 Code", "地区 Region", "层级 Level", "预警 Warning"];
    for (c, title) in fixed.iter().enumerate() {
        scores.write_with_format(0, c as u16, *title, &bold)?;
    }
    let nodes: Vec<(usize, String)> = definition
        .indicators
        .iter()
        .enumerate()
        .map(|(i, n)| (i, n.name.clone()))
        .collect();
    for (k, (_, name)) in nodes.iter().enumerate() {
        let col = (fixed.len() + 2 * k) as u16;
        scores.write_with_format(0, col, name.as_str(), &bold)?;
        scores.write_with_format(0, col + 1, format!("{name} 排名"), &bold)?;
    }
    let mut row = 1u32;
    for level in &run.levels {
        let r = &level.result;
        let warnings: HashMap<&str, &str> = level
            .warnings
            .iter()
            .map(|w| (w.unit.as_str(), w.level.as_str()))
            .collect();
        let mut order: Vec<usize> = (0..r.units.len())
            .filter(|u| warnings.contains_key(r.units[*u].as_str()))
            .collect();
        order.sort_by_key(|u| r.ranks[r.root][*u].unwrap_or(u32::MAX));
        for u in order {
            let unit = &r.units[u];
            scores.write(row, 0, unit.as_str())?;
            scores.write(row, 1, names.get(unit).map_or("", String::as_str))?;
            scores.write(row, 2, level.level.as_str())?;
            scores.write(row, 3, warnings[unit.as_str()])?;
            for (k, (node, _)) in nodes.iter().enumerate() {
                let col = (fixed.len() + 2 * k) as u16;
                if let Some(s) = r.scores[*node][u] {
                    scores.write(row, col, s)?;
                }
                if let Some(rank) = r.ranks[*node][u] {
                    scores.write(row, col + 1, rank)?;
                }
            }
            row += 1;
        }
    }
    let sheet = book.add_worksheet().set_name("预警 Warnings")?;
    let titles = [
        "地区代码 Code",
        "地区 Region",
        "预警 Level",
        "规则 Rule",
        "原因",
        "Reason",
    ];
    for (c, title) in titles.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *title, &bold)?;
    }
    let mut row = 1u32;
    for w in run.levels.iter().flat_map(|l| &l.warnings) {
        for reason in &w.reasons {
            sheet.write(row, 0, w.unit.as_str())?;
            sheet.write(row, 1, names.get(&w.unit).map_or("", String::as_str))?;
            sheet.write(row, 2, reason.level.as_str())?;
            sheet.write(row, 3, reason.rule.as_str())?;
            sheet.write(row, 4, reason.text.as_str())?;
            sheet.write(row, 5, reason.text_en.as_str())?;
            row += 1;
        }
    }
    let sheet = book.add_worksheet().set_name("方法 Method")?;
    let method = run.levels.first().map(|l| &l.result.method);
    let lines = [
        (
            "指数 Index",
            format!("{} {}", definition.code, definition.name),
        ),
        ("期间 Period", run.period.clone()),
        (
            "版本 Version",
            method.map_or(String::new(), |m| m.version.to_string()),
        ),
        (
            "方法 Pipeline",
            method.map_or(String::new(), |m| {
                serde_json::to_string(&m.pipeline).unwrap_or_default()
            }),
        ),
    ];
    for (r, (k, v)) in lines.iter().enumerate() {
        sheet.write_with_format(r as u32, 0, *k, &bold)?;
        sheet.write(r as u32, 1, v.as_str())?;
    }
    book.save_to_buffer()
}
