//! The engine against COINr's ASEM example (`coinr-asem` in the shared
//! reference data): each step fed the reference's previous stage, the whole
//! pipeline from the raw data, the published scores and ranks, and the rank
//! statistics of the stored uncertainty and sensitivity runs. Rows are
//! joined on unit codes, never on order.

use gongzhi_index::compute::{compute_with_stages, rank};
use gongzhi_index::definition::{
    Definition, Denominator, Impute, ImputeGroup, Indicator, Periodicity, Pipeline, Source,
};
use gongzhi_index::stability::rank_stats;
use gongzhi_index::steps::{self, Scale, Span, TreatLimits};
use gongzhi_index::{PeriodInput, Tree};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A CSV as unit code → column → cell text.
struct Table {
    units: Vec<String>,
    cells: HashMap<String, HashMap<String, String>>,
}

impl Table {
    fn read(path: &Path, key: &str) -> Table {
        let mut reader =
            csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let headers = reader.headers().unwrap().clone();
        let mut units = Vec::new();
        let mut cells = HashMap::new();
        for row in reader.records() {
            let row = row.unwrap();
            let map: HashMap<String, String> = headers
                .iter()
                .zip(row.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect();
            let unit = map[key].clone();
            units.push(unit.clone());
            cells.insert(unit, map);
        }
        Table { units, cells }
    }

    fn num(&self, unit: &str, column: &str) -> Option<f64> {
        let text = self.cells[unit]
            .get(column)
            .unwrap_or_else(|| panic!("no column {column}"));
        (!text.is_empty() && text != "NA").then(|| text.parse().unwrap())
    }

    fn column(&self, units: &[String], column: &str) -> Vec<Option<f64>> {
        units.iter().map(|u| self.num(u, column)).collect()
    }

    fn text(&self, unit: &str, column: &str) -> String {
        self.cells[unit][column].clone()
    }
}

struct Asem {
    dir: PathBuf,
    tree: Tree,
    input: PeriodInput,
}

fn asem() -> Option<Asem> {
    let dir = gongzhi_testkit::shared_data()?.join("coinr-asem");
    let mut reader = csv::Reader::from_path(dir.join("ASEM_iMeta.csv")).unwrap();
    let mut indicators = Vec::new();
    let mut denominators = Vec::new();
    for row in reader.deserialize::<HashMap<String, String>>() {
        let row = row.unwrap();
        let opt = |k: &str| Some(row[k].clone()).filter(|v| !v.is_empty());
        let num = |k: &str| opt(k).map(|v| v.parse::<f64>().unwrap());
        match row["Type"].as_str() {
            "Indicator" | "Aggregate" => indicators.push(Indicator {
                code: row["iCode"].clone(),
                name: row["iName"].clone(),
                name_en: None,
                level: row["Level"].parse().unwrap(),
                parent: opt("Parent"),
                direction: row["Direction"].parse().unwrap(),
                weight: num("Weight").unwrap(),
                unit: opt("Unit"),
                target: num("Target"),
                goal_low: None,
                goal_high: None,
                denominator: opt("Denominator"),
                scale: None,
                source: Source::Imported,
                builtin: None,
                category: None,
            }),
            "Denominator" => denominators.push(Denominator {
                code: row["iCode"].clone(),
                name: row["iName"].clone(),
                name_en: None,
                unit: opt("Unit"),
            }),
            _ => {}
        }
    }
    let definition = Definition {
        code: "asem".into(),
        name: "ASEM Sustainable Connectivity".into(),
        name_en: None,
        periodicity: Periodicity::Year,
        pipeline: Pipeline {
            impute: Impute::Mean,
            impute_within: Some(ImputeGroup::Parent),
            treat: true,
            ..Pipeline::default()
        },
        denominators,
        indicators,
        ahp: Vec::new(),
        warnings: Default::default(),
    };
    let tree = Tree::build(definition).expect("the ASEM tree is valid");
    // Indicators as the reference run saw them; denominators and groups
    // from the example's data, which alone has them.
    let data = Table::read(&dir.join("ASEM_iData.csv"), "uCode");
    let raw = Table::read(&dir.join("ASEM_COIN_Raw.csv"), "UnitCode");
    let units = data.units.clone();
    let mut input = PeriodInput {
        period: "2018".into(),
        groups: units
            .iter()
            .map(|u| Some(data.text(u, "EurAsia_group")))
            .collect(),
        units: units.clone(),
        ..PeriodInput::default()
    };
    for &leaf in tree.leaves() {
        let code = tree.code(leaf);
        input
            .indicators
            .insert(code.to_owned(), raw.column(&units, code));
    }
    for d in &tree.definition().denominators {
        input
            .denominators
            .insert(d.code.clone(), data.column(&units, &d.code));
    }
    Some(Asem { dir, tree, input })
}

/// Asserts two columns agree to a relative tolerance, naming the cell.
fn assert_close(
    what: &str,
    code: &str,
    units: &[String],
    got: &[Option<f64>],
    want: &[Option<f64>],
    tol: f64,
) {
    for ((u, g), w) in units.iter().zip(got).zip(want) {
        match (g, w) {
            (Some(g), Some(w)) => assert!(
                (g - w).abs() <= tol * w.abs().max(1.0),
                "{what} {code} {u}: got {g}, COINr {w}"
            ),
            (None, None) => {}
            _ => panic!("{what} {code} {u}: got {g:?}, COINr {w:?}"),
        }
    }
}

#[test]
fn each_step_matches_coinr_from_the_previous_reference_stage() {
    let Some(a) = asem() else { return };
    let units = &a.input.units;
    let read = |name: &str| Table::read(&a.dir.join(name), "UnitCode");
    let (raw, den, imp, tre, norm) = (
        read("ASEM_COIN_Raw.csv"),
        read("ASEM_COIN_Denominated.csv"),
        read("ASEM_COIN_Imputed.csv"),
        read("ASEM_COIN_Treated.csv"),
        read("ASEM_COIN_Normalised.csv"),
    );
    let groups: Vec<Option<String>> = units
        .iter()
        .map(|u| Some(raw.text(u, "Group_EurAsia")))
        .collect();
    let limits = TreatLimits {
        winmax: 5,
        skew: 2.0,
        kurtosis: 3.5,
    };
    for &leaf in a.tree.leaves() {
        let ind = &a.tree.definition().indicators[leaf];
        let code = ind.code.as_str();

        let mut x = raw.column(units, code);
        if let Some(d) = &ind.denominator {
            steps::denominate(&mut x, &a.input.denominators[d], 1.0);
        }
        // The reference run read its data at ten significant digits (its
        // Raw differs from iData by up to 5e-10), denominators included.
        assert_close(
            "denominated",
            code,
            units,
            &x,
            &den.column(units, code),
            1e-9,
        );

        let mut x = den.column(units, code);
        steps::impute(&mut x, Impute::Mean, Some(&groups));
        assert_close("imputed", code, units, &x, &imp.column(units, code), 1e-12);

        let mut x = imp.column(units, code);
        steps::treat(&mut x, limits);
        assert_close("treated", code, units, &x, &tre.column(units, code), 1e-12);

        let mut x = tre.column(units, code);
        let dir = f64::from(ind.direction);
        let mut span = Span::default();
        span.include(&x, dir);
        let scale = Scale {
            method: gongzhi_index::definition::Normalise::Minmax,
            low: 0.0,
            high: 100.0,
            direction: dir,
            target: None,
            goalposts: None,
        };
        steps::normalise(&mut x, &scale, &span);
        assert_close(
            "normalised",
            code,
            units,
            &x,
            &norm.column(units, code),
            1e-12,
        );
    }
}

#[test]
fn treatment_winsorises_the_points_coinr_did() {
    let Some(a) = asem() else { return };
    let summary = Table::read(&a.dir.join("ASEM_COIN_TreatSummary.csv"), "IndCode");
    let results = compute_with_stages(&a.tree, 1, std::slice::from_ref(&a.input)).unwrap();
    let (result, _) = &results[0];
    let ours: HashMap<&str, _> = result
        .treatments
        .iter()
        .map(|(c, t)| (c.as_str(), t))
        .collect();

    let mut treated = 0;
    for code in &summary.units {
        let (low, high) = (
            summary.num(code, "Low").unwrap(),
            summary.num(code, "High").unwrap(),
        );
        let t = ours.get(code.as_str());
        assert_eq!(
            (
                t.map_or(0, |t| t.winsorised_low) as f64,
                t.map_or(0, |t| t.winsorised_high) as f64
            ),
            (low, high),
            "points winsorised in {code}"
        );
        assert!(
            t.is_none_or(|t| !t.log),
            "{code} was logged; COINr winsorised it"
        );
        treated += usize::from(low + high > 0.0);
    }
    assert_eq!(
        treated,
        ours.len(),
        "we treated an indicator COINr left alone"
    );
    assert_eq!(treated, 15);
}

#[test]
fn the_whole_pipeline_reproduces_coinr_scores_and_ranks() {
    let Some(a) = asem() else { return };
    let results = compute_with_stages(&a.tree, 1, std::slice::from_ref(&a.input)).unwrap();
    let (result, _) = &results[0];
    let aggregated = Table::read(&a.dir.join("ASEM_COIN_Aggregated.csv"), "UnitCode");
    let scores = Table::read(&a.dir.join("ASEM_COIN_AggregatesScore.csv"), "UnitCode");
    let ranks = Table::read(&a.dir.join("ASEM_COIN_AggregatesRank.csv"), "UnitCode");
    let units = &result.units;
    assert_eq!(units.len(), 51);
    for (node, code) in result.nodes.iter().enumerate() {
        assert_close(
            "aggregated",
            code,
            units,
            &result.scores[node],
            &aggregated.column(units, code),
            1e-8,
        );
        if a.tree.definition().indicators[node].level > 1 {
            let published: Vec<Option<f64>> = result.scores[node]
                .iter()
                .map(|s| s.map(|s| (s * 100.0).round() / 100.0))
                .collect();
            assert_close(
                "published score",
                code,
                units,
                &published,
                &scores.column(units, code),
                1e-12,
            );
            let want: Vec<Option<u32>> = ranks
                .column(units, code)
                .iter()
                .map(|r| r.map(|r| r as u32))
                .collect();
            assert_eq!(result.ranks[node], want, "ranks of {code}");
        }
    }
    // The published table has ties (ConEcFin and Instit): ranking the
    // unrounded scores instead would break them.
    for code in ["ConEcFin", "Instit"] {
        let node = a.tree.position(code).unwrap();
        let published = &result.ranks[node];
        let distinct: std::collections::HashSet<_> = published.iter().collect();
        assert!(distinct.len() < 51, "{code} has a tie at 2 decimals");
        assert_ne!(
            &rank(&result.scores[node], 12),
            published,
            "{code} unrounded"
        );
    }
}

#[test]
fn rank_statistics_match_the_stored_uncertainty_and_sensitivity_runs() {
    let Some(dir) = gongzhi_testkit::shared_data().map(|d| d.join("coinr-asem")) else {
        return;
    };
    // A sensitivity run's statistics are over its 2N base samples (the A
    // and B matrices, N = 100), not the mixed runs after them.
    for (runs_file, stats_file, base_runs) in [
        ("UA_results_Ranks.csv", "UA_results_RankStats.csv", 100),
        ("SA_results_Ranks.csv", "SA_results_RankStats.csv", 200),
    ] {
        let runs = Table::read(&dir.join(runs_file), "uCode");
        let want = Table::read(&dir.join(stats_file), "uCode");
        let units = runs.units.clone();
        let nominal: Vec<Option<u32>> = units
            .iter()
            .map(|u| runs.num(u, "Nominal").map(|r| r as u32))
            .collect();
        let columns: Vec<String> = (1..=base_runs).map(|r| format!("r_{r}")).collect();
        let all: Vec<Vec<Option<u32>>> = columns
            .iter()
            .map(|c| {
                units
                    .iter()
                    .map(|u| runs.num(u, c).map(|r| r as u32))
                    .collect()
            })
            .collect();
        let stats = rank_stats(&units, &nominal, &all);
        assert_eq!(stats.len(), 51);
        for s in stats {
            for (field, got) in [
                ("Mean", s.mean),
                ("Median", s.median),
                ("Q5", s.q5),
                ("Q95", s.q95),
            ] {
                let w = want.num(&s.unit, field).unwrap();
                assert!(
                    (got - w).abs() < 1e-9,
                    "{stats_file} {} {field}: got {got}, COINr {w}",
                    s.unit
                );
            }
        }
    }
}

/// The example's five-year panel: with bounds per period every year spans
/// the whole scale on every indicator; pooled over the years, only the
/// panel as a whole does, so that a year's scores compare with another's;
/// and the change is the difference from the year before.
#[test]
fn the_panel_normalises_per_year_or_pooled_over_the_years() {
    let Some(a) = asem() else { return };
    let mut reader = csv::Reader::from_path(a.dir.join("ASEM_iData_p.csv")).unwrap();
    let rows: Vec<HashMap<String, String>> = reader.deserialize().map(Result::unwrap).collect();
    let years: Vec<String> = {
        let mut y: Vec<String> = rows.iter().map(|r| r["Time"].clone()).collect();
        y.sort();
        y.dedup();
        y
    };
    assert_eq!(years.len(), 5);
    let inputs: Vec<PeriodInput> = years
        .iter()
        .map(|year| {
            let of_year: Vec<&HashMap<String, String>> =
                rows.iter().filter(|r| &r["Time"] == year).collect();
            let cell = |r: &HashMap<String, String>, c: &str| r[c].parse::<f64>().ok();
            let mut input = PeriodInput {
                period: year.clone(),
                units: of_year.iter().map(|r| r["uCode"].clone()).collect(),
                groups: of_year
                    .iter()
                    .map(|r| Some(r["EurAsia_group"].clone()))
                    .collect(),
                ..PeriodInput::default()
            };
            for &leaf in a.tree.leaves() {
                let code = a.tree.code(leaf);
                input
                    .indicators
                    .insert(code.into(), of_year.iter().map(|r| cell(r, code)).collect());
            }
            for d in &a.tree.definition().denominators {
                input.denominators.insert(
                    d.code.clone(),
                    of_year.iter().map(|r| cell(r, &d.code)).collect(),
                );
            }
            input
        })
        .collect();
    let span = |results: &[gongzhi_index::PeriodResult], leaf: usize| {
        let all = results
            .iter()
            .flat_map(|r| r.scores[leaf].iter().flatten().copied());
        all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        })
    };
    let per_year = gongzhi_index::compute(&a.tree, 1, &inputs).unwrap();
    let mut pooled_definition = a.tree.definition().clone();
    pooled_definition.pipeline.bounds = gongzhi_index::definition::Bounds::Pooled;
    let pooled_tree = Tree::build(pooled_definition).unwrap();
    let pooled = gongzhi_index::compute(&pooled_tree, 1, &inputs).unwrap();
    let mut narrower = 0;
    for &leaf in a.tree.leaves() {
        for year in 0..5 {
            let (lo, hi) = span(&per_year[year..=year], leaf);
            assert!(
                lo.abs() < 1e-9 && (hi - 100.0).abs() < 1e-9,
                "{} in {}: {lo}..{hi}",
                a.tree.code(leaf),
                years[year]
            );
            let (plo, phi) = span(&pooled[year..=year], leaf);
            narrower += usize::from(plo > 1e-9 || phi < 100.0 - 1e-9);
        }
        let (lo, hi) = span(&pooled, leaf);
        assert!(
            lo.abs() < 1e-9 && (hi - 100.0).abs() < 1e-9,
            "{} pooled: {lo}..{hi}",
            a.tree.code(leaf)
        );
    }
    assert!(narrower > 0, "some year spans less than the pooled scale");
    let root = a.tree.root();
    let (now, before) = (&pooled[4], &pooled[3]);
    let u = now.units.iter().position(|u| u == "AUT").unwrap();
    let v = before.units.iter().position(|u| u == "AUT").unwrap();
    let want = now.scores[root][u].unwrap() - before.scores[root][v].unwrap();
    assert!((now.change[root][u].unwrap() - want).abs() < 1e-12);
}
