//! The whole pipeline over a series of periods: denominate, impute, treat,
//! normalise (per period or pooled), weight, aggregate level by level, rank,
//! and the change against the previous period.

use crate::DataError;
use crate::definition::{Aggregate, Bounds, ImputeGroup, Pipeline, WeightMethod};
use crate::steps::{self, Scale, Span, TreatLimits, Treatment};
use crate::tree::{AhpResult, Tree};
use crate::weights::entropy;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One period's data, as loaded: raw values per leaf and denominator, one
/// entry per unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeriodInput {
    /// The period, e.g. `2026Q3`.
    pub period: String,
    /// The units compared (region codes).
    pub units: Vec<String>,
    /// Each unit's group for imputation (its parent region), if any.
    pub groups: Vec<Option<String>>,
    /// Raw values by leaf code. A leaf left out has no data this period.
    pub indicators: HashMap<String, Vec<Option<f64>>>,
    /// Denominator values by denominator code.
    pub denominators: HashMap<String, Vec<Option<f64>>>,
}

/// How a result was produced: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// The definition's code.
    pub definition: String,
    /// The definition's version.
    pub version: i64,
    /// The methods and parameters of every step.
    pub pipeline: Pipeline,
    /// What the AHP matrices gave, when weights came from them.
    pub ahp: Vec<AhpResult>,
    /// The periods computed together (pooled bounds span all of them).
    pub periods: Vec<String>,
}

/// One period's results, by node and unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodResult {
    /// The period.
    pub period: String,
    /// The units, in input order.
    pub units: Vec<String>,
    /// Node codes, in definition order; the tables below follow it.
    pub nodes: Vec<String>,
    /// The position of the index itself among the nodes.
    pub root: usize,
    /// Leaves' values after denominating (raw units), aggregates' none.
    pub raw: Vec<Vec<Option<f64>>>,
    /// Leaves' normalised values and aggregates' scores.
    pub scores: Vec<Vec<Option<f64>>>,
    /// Ranks of the scores rounded to `rank_decimals`: 1 is best, ties
    /// share the best rank of the tie.
    pub ranks: Vec<Vec<Option<u32>>>,
    /// Score minus the same unit's score in the previous period.
    pub change: Vec<Vec<Option<f64>>>,
    /// The weight each node had among its siblings.
    pub weights: Vec<f64>,
    /// What outlier treatment did, by leaf code (leaves treated only).
    pub treatments: Vec<(String, Treatment)>,
    /// How it was produced.
    pub method: Method,
}

/// The intermediate columns of one period, for checking each step.
#[derive(Debug, Clone, PartialEq)]
pub struct Stages {
    /// Leaves after denominating, in leaf order.
    pub denominated: Vec<Vec<Option<f64>>>,
    /// After imputing.
    pub imputed: Vec<Vec<Option<f64>>>,
    /// After treating outliers.
    pub treated: Vec<Vec<Option<f64>>>,
    /// What treatment did to each leaf.
    pub treatments: Vec<Treatment>,
}

/// Computes every period of a series with one definition version. Periods
/// are taken in the order given; the change is against the one before.
pub fn compute(
    tree: &Tree,
    version: i64,
    periods: &[PeriodInput],
) -> Result<Vec<PeriodResult>, DataError> {
    compute_with_stages(tree, version, periods).map(|r| r.into_iter().map(|(p, _)| p).collect())
}

/// [`compute`], keeping each period's intermediate columns.
pub fn compute_with_stages(
    tree: &Tree,
    version: i64,
    periods: &[PeriodInput],
) -> Result<Vec<(PeriodResult, Stages)>, DataError> {
    let pipeline = &tree.definition().pipeline;
    let stages: Vec<Stages> = periods
        .iter()
        .map(|p| prepare(tree, p))
        .collect::<Result<_, _>>()?;
    let leaves = tree.leaves();
    let direction = |leaf: usize| f64::from(tree.definition().indicators[leaf].direction);
    let spans: Vec<Vec<Span>> = match pipeline.bounds {
        Bounds::Period => stages
            .iter()
            .map(|s| {
                leaves
                    .iter()
                    .zip(&s.treated)
                    .map(|(l, c)| {
                        let mut span = Span::default();
                        span.include(c, direction(*l));
                        span
                    })
                    .collect()
            })
            .collect(),
        Bounds::Pooled => {
            let pooled: Vec<Span> = leaves
                .iter()
                .enumerate()
                .map(|(k, l)| {
                    let mut span = Span::default();
                    for s in &stages {
                        span.include(&s.treated[k], direction(*l));
                    }
                    span
                })
                .collect();
            vec![pooled; stages.len()]
        }
    };
    let method = Method {
        definition: tree.definition().code.clone(),
        version,
        pipeline: pipeline.clone(),
        ahp: if pipeline.weights == WeightMethod::Ahp {
            tree.ahp().to_vec()
        } else {
            Vec::new()
        },
        periods: periods.iter().map(|p| p.period.clone()).collect(),
    };
    let mut out: Vec<(PeriodResult, Stages)> = Vec::with_capacity(periods.len());
    for ((input, stage), spans) in periods.iter().zip(stages).zip(spans) {
        let mut result = score(tree, input, &stage, &spans, method.clone())?;
        if let Some((previous, _)) = out.last() {
            result.change = change(&result, previous);
        }
        out.push((result, stage));
    }
    Ok(out)
}

/// Denominates, imputes and treats one period's leaves.
fn prepare(tree: &Tree, input: &PeriodInput) -> Result<Stages, DataError> {
    let definition = tree.definition();
    let n = input.units.len();
    check_input(tree, input)?;
    let mut denominated = Vec::with_capacity(tree.leaves().len());
    for &leaf in tree.leaves() {
        let ind = &definition.indicators[leaf];
        let mut column = input
            .indicators
            .get(&ind.code)
            .cloned()
            .unwrap_or_else(|| vec![None; n]);
        if let Some(d) = &ind.denominator {
            let empty = vec![None; n];
            let denominator = input.denominators.get(d).unwrap_or(&empty);
            steps::denominate(&mut column, denominator, ind.scale.unwrap_or(1.0));
        } else if let Some(scale) = ind.scale {
            column.iter_mut().flatten().for_each(|x| *x *= scale);
        }
        denominated.push(column);
    }
    let pipeline = &definition.pipeline;
    let groups = pipeline
        .impute_within
        .map(|ImputeGroup::Parent| input.groups.as_slice());
    let mut imputed = denominated.clone();
    for column in &mut imputed {
        steps::impute(column, pipeline.impute, groups);
    }
    let mut treated = imputed.clone();
    let limits = TreatLimits {
        winmax: pipeline.treat_winmax,
        skew: pipeline.treat_skew,
        kurtosis: pipeline.treat_kurtosis,
    };
    let treatments = treated
        .iter_mut()
        .map(|column| {
            if pipeline.treat {
                steps::treat(column, limits)
            } else {
                Treatment::default()
            }
        })
        .collect();
    Ok(Stages {
        denominated,
        imputed,
        treated,
        treatments,
    })
}

fn check_input(tree: &Tree, input: &PeriodInput) -> Result<(), DataError> {
    let n = input.units.len();
    let fault = |column: &str, reason: String| Err(DataError::at(None, Some(column), reason));
    if input.groups.len() != n && !input.groups.is_empty() {
        return fault(
            "group",
            format!("{} groups for {n} units", input.groups.len()),
        );
    }
    for (code, values) in &input.indicators {
        match tree.position(code) {
            Some(p) if tree.definition().indicators[p].level == 1 => {}
            Some(_) => return fault(code, "an aggregate is computed, not loaded".into()),
            None => return fault(code, "no indicator of this definition has this code".into()),
        }
        if values.len() != n {
            return fault(code, format!("{} values for {n} units", values.len()));
        }
        if let Some(i) = values
            .iter()
            .position(|v| v.is_some_and(|v| !v.is_finite()))
        {
            return Err(DataError::at(
                Some(i + 1),
                Some(code),
                format!(
                    "unit {} has a value that is not a finite number",
                    input.units[i]
                ),
            ));
        }
    }
    for (code, values) in &input.denominators {
        if !tree
            .definition()
            .denominators
            .iter()
            .any(|d| &d.code == code)
        {
            return fault(
                code,
                "no denominator of this definition has this code".into(),
            );
        }
        if values.len() != n {
            return fault(code, format!("{} values for {n} units", values.len()));
        }
    }
    Ok(())
}

/// Normalises, weights, aggregates and ranks one prepared period.
fn score(
    tree: &Tree,
    input: &PeriodInput,
    stage: &Stages,
    spans: &[Span],
    method: Method,
) -> Result<PeriodResult, DataError> {
    let definition = tree.definition();
    let pipeline = &definition.pipeline;
    let (n, nodes) = (input.units.len(), tree.len());
    let mut raw = vec![Vec::new(); nodes];
    let mut scores = vec![vec![None; n]; nodes];
    let mut treatments = Vec::new();
    for (k, &leaf) in tree.leaves().iter().enumerate() {
        let ind = &definition.indicators[leaf];
        raw[leaf] = stage.denominated[k].clone();
        let mut column = stage.treated[k].clone();
        let scale = Scale {
            method: pipeline.normalise,
            low: pipeline.normalise_low,
            high: pipeline.normalise_high,
            direction: f64::from(ind.direction),
            target: ind.target,
            goalposts: ind.goal_low.zip(ind.goal_high),
        };
        steps::normalise(&mut column, &scale, &spans[k]);
        scores[leaf] = column;
    }
    for (&leaf, t) in tree.leaves().iter().zip(&stage.treatments) {
        if *t != Treatment::default() {
            treatments.push((tree.code(leaf).to_owned(), *t));
        }
    }
    let mut weights = tree.weights().to_vec();
    let entropy = pipeline.weights == WeightMethod::Entropy;
    aggregate_tree(tree, &mut scores, &mut weights, entropy, &input.units)?;
    let ranks = scores
        .iter()
        .map(|s| rank(s, pipeline.rank_decimals))
        .collect();
    Ok(PeriodResult {
        period: input.period.clone(),
        units: input.units.clone(),
        nodes: definition
            .indicators
            .iter()
            .map(|i| i.code.clone())
            .collect(),
        root: tree.root(),
        raw,
        scores,
        ranks,
        change: vec![vec![None; n]; nodes],
        weights,
        treatments,
        method,
    })
}

/// Scores every aggregate from its children, lowest level first; with
/// `entropy`, each node's children are first weighted by entropy.
pub(crate) fn aggregate_tree(
    tree: &Tree,
    scores: &mut [Vec<Option<f64>>],
    weights: &mut [f64],
    entropy: bool,
    units: &[String],
) -> Result<(), DataError> {
    let how = tree.definition().pipeline.aggregate;
    for &node in tree.bottom_up() {
        let children = tree.children(node);
        if entropy {
            let columns: Vec<&[Option<f64>]> =
                children.iter().map(|c| scores[*c].as_slice()).collect();
            for (c, w) in children.iter().zip(entropy::weights(&columns)) {
                weights[*c] = w;
            }
        }
        scores[node] = aggregate(tree, node, scores, weights, how, units)?;
    }
    Ok(())
}

/// A node's score per unit from its children's, over the children present.
fn aggregate(
    tree: &Tree,
    node: usize,
    scores: &[Vec<Option<f64>>],
    weights: &[f64],
    how: Aggregate,
    units: &[String],
) -> Result<Vec<Option<f64>>, DataError> {
    // Child by child over all units: one pass per column, in memory order.
    let mut total = vec![0.0; units.len()];
    let mut weight = vec![0.0; units.len()];
    for &c in tree.children(node) {
        let w = weights[c];
        for (u, x) in scores[c].iter().enumerate() {
            let Some(x) = *x else { continue };
            total[u] += match how {
                Aggregate::Arithmetic => w * x,
                Aggregate::Geometric if x < 0.0 => {
                    return Err(DataError::at(
                        None,
                        Some(tree.code(c)),
                        format!(
                            "unit {} scores {x}: a geometric mean needs scores of at least zero",
                            units[u]
                        ),
                    ));
                }
                Aggregate::Geometric => w * x.ln(),
            };
            weight[u] += w;
        }
    }
    Ok(total
        .into_iter()
        .zip(weight)
        .map(|(t, w)| {
            (w > 0.0).then(|| match how {
                Aggregate::Arithmetic => t / w,
                Aggregate::Geometric => (t / w).exp(),
            })
        })
        .collect())
}

/// Ranks scores rounded to `decimals`, best first; ties take the best rank
/// of the tie ("min"), so 1, 2, 2, 4.
pub fn rank(scores: &[Option<f64>], decimals: u32) -> Vec<Option<u32>> {
    let factor = 10f64.powi(decimals as i32);
    let rounded: Vec<Option<f64>> = scores
        .iter()
        .map(|s| s.map(|s| (s * factor).round() / factor))
        .collect();
    let mut order: Vec<(usize, f64)> = rounded
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s)))
        .collect();
    order.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
    let mut ranks = vec![None; scores.len()];
    let mut current = 0;
    for (pos, (i, s)) in order.iter().enumerate() {
        if pos == 0 || *s != order[pos - 1].1 {
            current = pos as u32 + 1;
        }
        ranks[*i] = Some(current);
    }
    ranks
}

fn change(result: &PeriodResult, previous: &PeriodResult) -> Vec<Vec<Option<f64>>> {
    let before: HashMap<&str, usize> = previous
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    result
        .scores
        .iter()
        .zip(&previous.scores)
        .map(|(now, then)| {
            result
                .units
                .iter()
                .zip(now)
                .map(|(u, s)| {
                    let p = then[*before.get(u.as_str())?]?;
                    Some(s.as_ref()? - p)
                })
                .collect()
        })
        .collect()
}
