//! Three-colour warnings per unit and period from the definition's rules:
//! the index's score against its bands, its fall against the previous
//! period, each leaf's shortfall from its target, and event surges against
//! the unit's own baseline. Every warning carries the reasons that raised
//! it, in words a leader reads (Chinese and English).

use crate::definition::{SurgeMethod, SurgeRule, WarningRules};
use crate::{PeriodResult, Tree};
use gongzhi_domain::warning::WarningLevel;
use serde::{Deserialize, Serialize};
use statrs::distribution::{DiscreteCDF, Poisson};

/// A unit's warning for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The unit (region code).
    pub unit: String,
    /// The most severe of the reasons, green without any.
    pub level: WarningLevel,
    /// Why, most severe first.
    pub reasons: Vec<Reason>,
}

/// Which rule raised a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The index's score is below a band.
    Score,
    /// The index's score fell against the previous period.
    Drop,
    /// A leaf falls short of its target.
    Target,
    /// A category's events surged against the unit's baseline.
    Surge,
}

impl Rule {
    /// Stable machine name: `score`, `drop`, `target` or `surge`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Score => "score",
            Rule::Drop => "drop",
            Rule::Target => "target",
            Rule::Surge => "surge",
        }
    }
}

/// One reason for a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Yellow or red.
    pub level: WarningLevel,
    /// The rule.
    pub rule: Rule,
    /// The indicator concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// The event category concerned, for a surge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The observed value: a score, a fall, a raw value or a count.
    pub value: f64,
    /// The threshold crossed: a band, a fall, a target or a baseline.
    pub threshold: f64,
    /// For a surge, the tail probability of the count under the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// In Chinese.
    pub text: String,
    /// In English.
    pub text_en: String,
}

/// One unit's event counts in one category, oldest period first, the last
/// being the period warned about.
#[derive(Debug, Clone, PartialEq)]
pub struct EventCounts {
    /// The unit.
    pub unit: String,
    /// The category code.
    pub category: String,
    /// The category's name in Chinese.
    pub name: String,
    /// The category's name in English.
    pub name_en: String,
    /// Counts per period.
    pub counts: Vec<u64>,
    /// The share of each period the counts cover (1 for a whole period;
    /// less for the period under way, or one the records start in), so
    /// that part of a period is compared with the same part of the
    /// baseline.
    pub exposure: Vec<f64>,
}

/// The warnings of every unit of a period's result, with `events` for the
/// surge rule.
pub fn warn(tree: &Tree, result: &PeriodResult, events: &[EventCounts]) -> Vec<Warning> {
    let rules = &tree.definition().warnings;
    result
        .units
        .iter()
        .enumerate()
        .map(|(u, unit)| {
            let mut reasons = Vec::new();
            score_reasons(tree, rules, result, u, &mut reasons);
            target_reasons(tree, rules, result, u, &mut reasons);
            if let Some(rule) = &rules.surge {
                reasons.extend(
                    events
                        .iter()
                        .filter(|e| &e.unit == unit)
                        .filter_map(|e| surge(rule, e)),
                );
            }
            reasons.sort_by_key(|r| std::cmp::Reverse(r.level));
            Warning {
                unit: unit.clone(),
                level: reasons.first().map_or(WarningLevel::Green, |r| r.level),
                reasons,
            }
        })
        .collect()
}

/// The level of a value against a yellow and a red threshold, where
/// `worse(value, threshold)` says the value is past it.
fn level_of(
    value: f64,
    yellow: Option<f64>,
    red: Option<f64>,
    worse: impl Fn(f64, f64) -> bool,
) -> Option<(WarningLevel, f64)> {
    match (red, yellow) {
        (Some(r), _) if worse(value, r) => Some((WarningLevel::Red, r)),
        (_, Some(y)) if worse(value, y) => Some((WarningLevel::Yellow, y)),
        _ => None,
    }
}

fn colour(level: WarningLevel) -> (&'static str, &'static str) {
    match level {
        WarningLevel::Red => ("红色", "red"),
        _ => ("黄色", "yellow"),
    }
}

fn score_reasons(
    tree: &Tree,
    rules: &WarningRules,
    result: &PeriodResult,
    u: usize,
    out: &mut Vec<Reason>,
) {
    let root = tree.root();
    let ind = &tree.definition().indicators[root];
    let name_en = ind.name_en.as_deref().unwrap_or(&ind.name);
    if let Some(score) = result.scores[root][u]
        && let Some((level, line)) =
            level_of(score, rules.yellow_below, rules.red_below, |v, t| v < t)
    {
        let (zh, en) = colour(level);
        out.push(Reason {
            level,
            rule: Rule::Score,
            indicator: Some(ind.code.clone()),
            category: None,
            value: score,
            threshold: line,
            probability: None,
            text: format!("{}得分 {score:.2}，低于{zh}警戒线 {line}", ind.name),
            text_en: format!("{name_en} scores {score:.2}, below the {en} line of {line}"),
        });
    }
    if let Some(change) = result.change[root][u]
        && let Some((level, line)) =
            level_of(-change, rules.drop_yellow, rules.drop_red, |v, t| v >= t)
    {
        let (zh, en) = colour(level);
        let fall = -change;
        out.push(Reason {
            level,
            rule: Rule::Drop,
            indicator: Some(ind.code.clone()),
            category: None,
            value: fall,
            threshold: line,
            probability: None,
            text: format!("{}较上期下降 {fall:.2} 分，达到{zh}阈值 {line} 分", ind.name),
            text_en: format!("{name_en} fell {fall:.2} points on the previous period, past the {en} threshold of {line}"),
        });
    }
}

/// Target shortfalls named one by one, worst first; the rest are counted
/// in one more reason, so that a leader reads what matters most.
pub const TARGET_REASONS: usize = 5;

fn target_reasons(
    tree: &Tree,
    rules: &WarningRules,
    result: &PeriodResult,
    u: usize,
    out: &mut Vec<Reason>,
) {
    if rules.target_yellow.is_none() && rules.target_red.is_none() {
        return;
    }
    let mut short: Vec<(f64, WarningLevel, usize, f64, f64)> = Vec::new();
    for &leaf in tree.leaves() {
        let ind = &tree.definition().indicators[leaf];
        let (Some(target), Some(value)) = (ind.target, result.raw[leaf][u]) else {
            continue;
        };
        if target == 0.0 {
            continue;
        }
        let shortfall = f64::from(ind.direction) * (target - value) / target.abs();
        if let Some((level, _)) =
            level_of(shortfall, rules.target_yellow, rules.target_red, |v, t| {
                v >= t
            })
        {
            short.push((shortfall, level, leaf, value, target));
        }
    }
    short.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    for &(shortfall, level, leaf, value, target) in short.iter().take(TARGET_REASONS) {
        let ind = &tree.definition().indicators[leaf];
        let unit = ind.unit.as_deref().unwrap_or("");
        let name_en = ind.name_en.as_deref().unwrap_or(&ind.name);
        let pct = shortfall * 100.0;
        out.push(Reason {
            level,
            rule: Rule::Target,
            indicator: Some(ind.code.clone()),
            category: None,
            value,
            threshold: target,
            probability: None,
            text: format!(
                "{} {value:.2}{unit}，未达目标 {target}{unit}（差 {pct:.1}%）",
                ind.name
            ),
            text_en: format!(
                "{name_en} is {value:.2} {unit}, short of the target {target} by {pct:.1}%"
            ),
        });
    }
    if let Some(rest) = short.get(TARGET_REASONS..).filter(|r| !r.is_empty()) {
        let level = rest
            .iter()
            .map(|r| r.1)
            .max()
            .unwrap_or(WarningLevel::Yellow);
        let n = rest.len();
        out.push(Reason {
            level,
            rule: Rule::Target,
            indicator: None,
            category: None,
            value: n as f64,
            threshold: 0.0,
            probability: None,
            text: format!("另有 {n} 项指标未达目标"),
            text_en: format!("{n} more indicators short of their targets"),
        });
    }
}

/// The baseline of a series of counts per whole period: the mean, or the
/// EWMA, of up to `baseline_periods` periods before the last.
pub fn baseline(rule: &SurgeRule, rates: &[f64]) -> Option<f64> {
    let (_, history) = rates.split_last()?;
    let history = &history[history.len().saturating_sub(rule.baseline_periods)..];
    let (first, rest) = history.split_first()?;
    Some(match rule.method {
        SurgeMethod::Poisson => history.iter().sum::<f64>() / history.len() as f64,
        SurgeMethod::Ewma => rest.iter().fold(*first, |s, c| {
            rule.smoothing * c + (1.0 - rule.smoothing) * s
        }),
    })
}

/// A baseline of no events is taken as this many, so that a category
/// appearing from nothing is judged by its count rather than refused.
const EMPTY_BASELINE: f64 = 0.1;

fn surge(rule: &SurgeRule, events: &EventCounts) -> Option<Reason> {
    let count = *events.counts.last()?;
    let exposure = |i: usize| events.exposure.get(i).copied().unwrap_or(1.0);
    let rates: Vec<f64> = (0..events.counts.len())
        .filter(|i| exposure(*i) > 0.0)
        .map(|i| events.counts[i] as f64 / exposure(i))
        .collect();
    // The baseline per whole period, over the part of a period counted.
    let expected = baseline(rule, &rates)? * exposure(events.counts.len() - 1);
    if count < rule.min_count || (count as f64) <= expected {
        return None;
    }
    let lambda = expected.max(EMPTY_BASELINE);
    let p = Poisson::new(lambda).ok()?.sf(count - 1);
    let level = if p < rule.alpha_red {
        WarningLevel::Red
    } else if p < rule.alpha_yellow {
        WarningLevel::Yellow
    } else {
        return None;
    };
    let times = count as f64 / lambda;
    Some(Reason {
        level,
        rule: Rule::Surge,
        indicator: None,
        category: Some(events.category.clone()),
        value: count as f64,
        threshold: expected,
        probability: Some(p),
        text: format!(
            "{}本期 {count} 件，为基线 {expected:.1} 件的 {times:.1} 倍（P={p:.2e}）",
            events.name
        ),
        text_en: format!(
            "{}: {count} this period, {times:.1} times the baseline of {expected:.1} (P={p:.2e})",
            events.name_en
        ),
    })
}
