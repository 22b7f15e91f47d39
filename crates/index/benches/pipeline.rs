//! The whole index pipeline at the scale of a large city: 132 indicators
//! under 29 second-level indicators and 5 dimensions, 3,000 communities,
//! 12 periods; denominate, impute within the parent region, treat
//! outliers, normalise with pooled bounds, weight, aggregate, rank, change,
//! warn every period, and the rank stability of the newest period (200
//! Monte Carlo runs).
//!
//! The reference, in the same run, is one pass over the same values
//! computing a plain weighted mean per unit and period: the arithmetic no
//! index can do without. Run with
//! `cargo bench -p gongzhi-index --bench pipeline`; `GONGZHI_BENCH_UNITS`
//! and `GONGZHI_BENCH_PERIODS` change the scale.

use gongzhi_index::definition::{
    Aggregate, Bounds, Definition, Impute, ImputeGroup, Indicator, Periodicity, Pipeline, Source,
    WarningRules, WeightMethod,
};
use gongzhi_index::{PeriodInput, Tree, compute, stability, warn};
use std::hint::black_box;
use std::time::{Duration, Instant};

const DIMENSIONS: usize = 5;
const SECONDS: usize = 29;
const LEAVES: usize = 132;

fn node(code: String, level: u32, parent: Option<String>, direction: i8) -> Indicator {
    Indicator {
        name: code.clone(),
        code,
        name_en: None,
        level,
        parent,
        direction,
        weight: 1.0,
        unit: None,
        target: (level == 1 && direction > 0).then_some(70.0),
        goal_low: None,
        goal_high: None,
        denominator: None,
        scale: None,
        source: Source::Manual,
        builtin: None,
        category: None,
    }
}

fn definition() -> Definition {
    let mut indicators = vec![node("I".into(), 4, None, 1)];
    for d in 0..DIMENSIONS {
        indicators.push(node(format!("D{d}"), 3, Some("I".into()), 1));
    }
    for s in 0..SECONDS {
        indicators.push(node(
            format!("S{s}"),
            2,
            Some(format!("D{}", s % DIMENSIONS)),
            1,
        ));
    }
    for l in 0..LEAVES {
        let direction = if l % 4 == 0 { -1 } else { 1 };
        indicators.push(node(
            format!("L{l}"),
            1,
            Some(format!("S{}", l % SECONDS)),
            direction,
        ));
    }
    Definition {
        code: "bench".into(),
        name: "bench".into(),
        name_en: None,
        periodicity: Periodicity::Month,
        pipeline: Pipeline {
            impute: Impute::Mean,
            impute_within: Some(ImputeGroup::Parent),
            treat: true,
            bounds: Bounds::Pooled,
            weights: WeightMethod::Fixed,
            aggregate: Aggregate::Arithmetic,
            ..Pipeline::default()
        },
        denominators: Vec::new(),
        indicators,
        ahp: Vec::new(),
        warnings: WarningRules {
            red_below: Some(30.0),
            yellow_below: Some(45.0),
            drop_yellow: Some(3.0),
            drop_red: Some(6.0),
            target_yellow: Some(0.1),
            target_red: Some(0.3),
            surge: None,
        },
    }
}

/// A deterministic number in 0..1.
fn noise(i: u64) -> f64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn inputs(tree: &Tree, units: usize, periods: usize) -> Vec<PeriodInput> {
    (0..periods)
        .map(|p| {
            let mut input = PeriodInput {
                period: format!("2026-{:02}", p + 1),
                units: (0..units)
                    .map(|u| format!("{:012}", 440_507_001_001u64 + u as u64))
                    .collect(),
                groups: (0..units).map(|u| Some(format!("g{}", u / 30))).collect(),
                ..PeriodInput::default()
            };
            for (k, &leaf) in tree.leaves().iter().enumerate() {
                let column = (0..units)
                    .map(|u| {
                        let h = noise((p * 1_000_003 + k * 10_007 + u) as u64);
                        // 2% missing, a long right tail on some indicators.
                        (h > 0.02).then(|| {
                            if k % 7 == 0 {
                                h.powi(6) * 1e4
                            } else {
                                40.0 + 60.0 * h
                            }
                        })
                    })
                    .collect();
                input.indicators.insert(tree.code(leaf).to_owned(), column);
            }
            input
        })
        .collect()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (units, periods) = (
        env("GONGZHI_BENCH_UNITS", 3000),
        env("GONGZHI_BENCH_PERIODS", 12),
    );
    let tree = Tree::build(definition()).expect("a valid tree");
    let data = inputs(&tree, units, periods);
    let values = units * periods * LEAVES;
    let mut pipeline = Vec::new();
    let mut parts = [Vec::new(), Vec::new(), Vec::new()];
    let mut reference = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let results = compute(&tree, 1, &data).expect("computes");
        let computed = started.elapsed();
        let mut warned = 0;
        for r in &results {
            warned += warn::warn(&tree, r, &[])
                .iter()
                .filter(|w| !w.reasons.is_empty())
                .count();
        }
        let warned_at = started.elapsed();
        let newest = results.last().expect("a period");
        let stable = stability::perturbed_weights(&tree, newest, 200, 0.2, 1).expect("stability");
        black_box((warned, stable));
        pipeline.push(started.elapsed());
        parts[0].push(computed);
        parts[1].push(warned_at - computed);
        parts[2].push(started.elapsed() - warned_at);

        let started = Instant::now();
        let weights = tree.weights();
        let mut total = 0.0;
        for input in &data {
            let mut sums = vec![0.0; units];
            for &leaf in tree.leaves() {
                let w = weights[leaf];
                for (s, x) in sums.iter_mut().zip(&input.indicators[tree.code(leaf)]) {
                    *s += w * x.unwrap_or(0.0);
                }
            }
            total += sums.iter().sum::<f64>();
        }
        black_box(total);
        reference.push(started.elapsed());
    }
    let (p, r) = (median(pipeline), median(reference));
    let [c, w, st] = parts.map(median);
    println!(
        "index pipeline, {LEAVES} indicators x {units} units x {periods} periods ({values} values), 5 runs:"
    );
    println!(
        "  whole pipeline with warnings and stability: median {:.3} s",
        p.as_secs_f64()
    );
    println!(
        "    of which compute {:.3} s, warnings {:.3} s, stability {:.3} s",
        c.as_secs_f64(),
        w.as_secs_f64(),
        st.as_secs_f64()
    );
    println!(
        "  reference, one weighted pass over the same values: median {:.4} s",
        r.as_secs_f64()
    );
    println!(
        "  ratio: {:.1}x the reference",
        p.as_secs_f64() / r.as_secs_f64()
    );
}
