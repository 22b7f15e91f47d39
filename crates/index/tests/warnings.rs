//! Warnings from scores, falls, targets and event surges, each with its
//! reasons; and rank stability under perturbed weights.

use gongzhi_domain::warning::WarningLevel;
use gongzhi_index::definition::{SurgeMethod, SurgeRule};
use gongzhi_index::stability::perturbed_weights;
use gongzhi_index::warn::{EventCounts, Rule, baseline, warn};
use gongzhi_index::{Definition, PeriodInput, Tree, compute};
use proptest::prelude::*;

const INDEX: &str = r#"
code = "w"
name = "平安指数"
name_en = "Safety Index"
periodicity = "month"

[warnings]
red_below = 30.0
yellow_below = 50.0
drop_yellow = 5.0
drop_red = 20.0
target_yellow = 0.1
target_red = 0.5
[warnings.surge]
baseline_periods = 3
min_count = 5

[[indicators]]
code = "I"
name = "平安指数"
level = 2

[[indicators]]
code = "cases"
name = "万人案件数"
name_en = "Cases per 10,000"
level = 1
parent = "I"
direction = -1
target = 10.0
unit = "件"

[[indicators]]
code = "closed"
name = "结案率"
level = 1
parent = "I"
"#;

fn period(name: &str, cases: [f64; 3], closed: [f64; 3]) -> PeriodInput {
    let mut p = PeriodInput {
        period: name.into(),
        units: vec!["a".into(), "b".into(), "c".into()],
        ..PeriodInput::default()
    };
    p.indicators
        .insert("cases".into(), cases.iter().copied().map(Some).collect());
    p.indicators
        .insert("closed".into(), closed.iter().copied().map(Some).collect());
    p
}

fn rule(method: SurgeMethod) -> SurgeRule {
    let mut r = Definition::from_toml(INDEX)
        .unwrap()
        .warnings
        .surge
        .unwrap();
    r.method = method;
    r
}

#[test]
fn each_rule_gives_its_reason_and_the_worst_sets_the_level() {
    let tree = Tree::build(Definition::from_toml(INDEX).unwrap()).unwrap();
    let results = compute(
        &tree,
        3,
        &[
            period("2026-01", [10.0, 12.0, 30.0], [90.0, 80.0, 50.0]),
            period("2026-02", [10.0, 16.0, 12.0], [90.0, 70.0, 80.0]),
        ],
    )
    .unwrap();
    let now = &results[1];
    assert_eq!(now.method.version, 3);
    let events = vec![EventCounts {
        unit: "c".into(),
        category: "11".into(),
        name: "矛盾纠纷".into(),
        name_en: "Disputes".into(),
        counts: vec![3, 4, 2, 25],
        exposure: vec![1.0; 4],
    }];
    let w = warn(&tree, now, &events);
    let by = |u: &str| w.iter().find(|x| x.unit == u).unwrap();
    // a is best on both: 100, no fall, on target.
    assert_eq!(by("a").level, WarningLevel::Green);
    assert!(by("a").reasons.is_empty());
    // b is worst on both: 0 (red band), and 16 cases is 60% over target (red).
    let b = by("b");
    assert_eq!(b.level, WarningLevel::Red);
    let rules: Vec<Rule> = b.reasons.iter().map(|r| r.rule).collect();
    assert!(
        rules.contains(&Rule::Score) && rules.contains(&Rule::Target),
        "{rules:?}"
    );
    let target = b.reasons.iter().find(|r| r.rule == Rule::Target).unwrap();
    assert_eq!((target.value, target.threshold), (16.0, 10.0));
    assert!(
        target.text.contains("万人案件数") && target.text.contains("60.0%"),
        "{}",
        target.text
    );
    assert!(
        target.text_en.contains("Cases per 10,000"),
        "{}",
        target.text_en
    );
    // c rose from last (0) to 40+: no fall; 25 disputes on a baseline of 3 surge.
    let c = by("c");
    let surge = c
        .reasons
        .iter()
        .find(|r| r.rule == Rule::Surge)
        .expect("a surge");
    assert_eq!(surge.level, WarningLevel::Red);
    assert_eq!((surge.value, surge.threshold), (25.0, 3.0));
    assert!(surge.probability.unwrap() < 1e-10);
    assert!(surge.text.contains("矛盾纠纷本期 25 件"), "{}", surge.text);
    // The reasons come most severe first.
    assert!(c.reasons.windows(2).all(|p| p[0].level >= p[1].level));
}

#[test]
fn a_fall_against_the_previous_period_warns() {
    let tree = Tree::build(Definition::from_toml(INDEX).unwrap()).unwrap();
    let results = compute(
        &tree,
        1,
        &[
            period("2026-01", [10.0, 11.0, 30.0], [90.0, 89.0, 50.0]),
            period("2026-02", [10.0, 11.0, 12.0], [90.0, 50.0, 89.0]),
        ],
    )
    .unwrap();
    let w = warn(&tree, &results[1], &[]);
    let b = w.iter().find(|x| x.unit == "b").unwrap();
    let fall = b
        .reasons
        .iter()
        .find(|r| r.rule == Rule::Drop)
        .expect("a fall");
    let change = results[1].change[tree.root()][1].unwrap();
    assert_eq!(fall.value, -change);
    assert!(
        fall.value >= 20.0 && fall.level == WarningLevel::Red,
        "{fall:?}"
    );
}

#[test]
fn the_baselines_are_the_mean_and_the_ewma_of_the_earlier_periods() {
    let counts = [100.0, 4.0, 6.0, 8.0, 30.0];
    // Only the last 3 earlier periods count.
    assert_eq!(baseline(&rule(SurgeMethod::Poisson), &counts), Some(6.0));
    let ewma = 0.3 * 8.0 + 0.7 * (0.3 * 6.0 + 0.7 * 4.0);
    assert!((baseline(&rule(SurgeMethod::Ewma), &counts).unwrap() - ewma).abs() < 1e-12);
    assert_eq!(baseline(&rule(SurgeMethod::Poisson), &[7.0]), None);
}

proptest! {
    /// A higher count on the same history never gives a milder warning,
    /// and counts below the minimum never warn.
    #[test]
    fn surges_are_monotone_in_the_count(history in proptest::collection::vec(0u64..30, 1..6), a in 0u64..80, b in 0u64..80) {
        let tree = Tree::build(Definition::from_toml(INDEX).unwrap()).unwrap();
        let results = compute(&tree, 1, &[period("p", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])]).unwrap();
        let level = |n: u64| {
            let mut counts = history.clone();
            counts.push(n);
            let e = EventCounts { unit: "a".into(), category: "x".into(), name: "x".into(), name_en: "x".into(), counts, exposure: vec![1.0; history.len() + 1] };
            warn(&tree, &results[0], &[e])[0]
                .reasons
                .iter()
                .filter(|r| r.rule == Rule::Surge)
                .map(|r| r.level)
                .max()
        };
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert!(level(lo) <= level(hi));
        if lo < 5 { prop_assert_eq!(level(lo), None); }
    }
}

#[test]
fn a_period_under_way_is_compared_with_the_same_share_of_the_baseline() {
    let tree = Tree::build(Definition::from_toml(INDEX).unwrap()).unwrap();
    let results = compute(&tree, 1, &[period("p", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])]).unwrap();
    let surge = |counts: Vec<u64>, exposure: Vec<f64>| {
        let e = EventCounts {
            unit: "a".into(),
            category: "x".into(),
            name: "x".into(),
            name_en: "x".into(),
            counts,
            exposure,
        };
        warn(&tree, &results[0], &[e])[0]
            .reasons
            .iter()
            .find(|r| r.rule == Rule::Surge)
            .cloned()
    };
    // 30 in a third of a period after 30 a period: a threefold rate.
    let r = surge(vec![30, 30, 30, 30], vec![1.0, 1.0, 1.0, 1.0 / 3.0]).expect("a surge");
    assert!((r.threshold - 10.0).abs() < 1e-9, "{r:?}");
    // The same 30 over a whole period is no surge; nor is a baseline
    // counted over a tenth of its period, once scaled up.
    assert!(surge(vec![30, 30, 30, 30], vec![1.0; 4]).is_none());
    assert!(surge(vec![30, 30, 3, 30], vec![1.0, 1.0, 0.1, 1.0]).is_none());
}

#[test]
fn ranks_hold_without_perturbation_and_spread_with_it() {
    let tree = Tree::build(Definition::from_toml(INDEX).unwrap()).unwrap();
    let results = compute(
        &tree,
        1,
        &[period("p", [10.0, 11.0, 30.0], [50.0, 90.0, 95.0])],
    )
    .unwrap();
    let still = perturbed_weights(&tree, &results[0], 50, 0.0, 7).unwrap();
    assert!(
        still
            .iter()
            .all(|s| s.mean_shift == 0.0 && s.same_rank == 1.0)
    );
    let moved = perturbed_weights(&tree, &results[0], 400, 0.9, 7).unwrap();
    assert_eq!(moved.len(), 3);
    // a and b are close (a 100/2 + 0 vs b 95/2 + 88.9/2): their ranks swap sometimes.
    assert!(moved.iter().any(|s| s.same_rank < 1.0), "{moved:?}");
    assert!(moved.iter().all(|s| s.q5 <= s.median && s.median <= s.q95));
    // The same seed gives the same report.
    assert_eq!(
        moved,
        perturbed_weights(&tree, &results[0], 400, 0.9, 7).unwrap()
    );
}
