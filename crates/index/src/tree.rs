//! A checked definition: the indicator tree with its links resolved, the
//! weights the pipeline uses, and the AHP results that set them.

use crate::DefinitionError;
use crate::definition::{Aggregate, Definition, Normalise, Source, WeightMethod};
use crate::weights::ahp::{self, AhpWeights, SAATY_RANDOM_INDEX};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A definition that has passed every check, ready to compute.
#[derive(Debug, Clone)]
pub struct Tree {
    definition: Definition,
    index: HashMap<String, usize>,
    parents: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    weights: Vec<f64>,
    root: usize,
    leaves: Vec<usize>,
    bottom_up: Vec<usize>,
    ahp: Vec<AhpResult>,
}

/// The weights one AHP matrix gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AhpResult {
    /// The node whose children were compared.
    pub parent: String,
    /// The children, in row order.
    pub children: Vec<String>,
    /// The weights, the eigenvalue and the consistency ratio.
    #[serde(flatten)]
    pub result: AhpWeights,
}

impl Tree {
    /// Checks a definition: codes unique and well formed, one root, every
    /// parent present and exactly one level up, no cycle, weights not
    /// negative and not all zero among siblings, denominators declared,
    /// AHP matrices reciprocal and consistent enough, and the settings in
    /// range. The first fault is returned, naming its row and field.
    pub fn build(definition: Definition) -> Result<Tree, DefinitionError> {
        check_code("", 0, "code", &definition.code)?;
        check_pipeline(&definition)?;
        check_warnings(&definition)?;
        let rows = &definition.indicators;
        let mut index = HashMap::with_capacity(rows.len());
        for (i, ind) in rows.iter().enumerate() {
            check_code("indicators", i, "code", &ind.code)?;
            if index.insert(ind.code.clone(), i).is_some() {
                return Err(at(
                    i,
                    &ind.code,
                    "code",
                    "the code is used by an earlier row",
                ));
            }
        }
        let mut denominators = HashMap::new();
        for (i, d) in definition.denominators.iter().enumerate() {
            check_code("denominators", i, "code", &d.code)?;
            if index.contains_key(&d.code) || denominators.insert(d.code.clone(), i).is_some() {
                return Err(DefinitionError::at(
                    "denominators",
                    i,
                    &d.code,
                    "code",
                    "the code is used by an earlier row",
                ));
            }
        }
        let parents = resolve_parents(&definition, &index)?;
        check_cycles(&definition, &parents)?;
        let root = find_root(&definition, &parents)?;
        let mut children = vec![Vec::new(); rows.len()];
        for (i, p) in parents.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i);
            }
        }
        for (i, ind) in rows.iter().enumerate() {
            check_row(&definition, i, &children[i], &denominators)?;
            if let Some(p) = parents[i] {
                let parent = &rows[p];
                if parent.level != ind.level + 1 {
                    return Err(at(
                        i,
                        &ind.code,
                        "level",
                        format!(
                            "level {} under `{}` of level {}: a child is exactly one level below its parent",
                            ind.level, parent.code, parent.level
                        ),
                    ));
                }
            }
        }
        let mut weights: Vec<f64> = match definition.pipeline.weights {
            WeightMethod::Equal => vec![1.0; rows.len()],
            _ => rows.iter().map(|r| r.weight).collect(),
        };
        for (p, kids) in children.iter().enumerate() {
            if !kids.is_empty() && kids.iter().map(|k| weights[*k]).sum::<f64>() <= 0.0 {
                return Err(at(
                    p,
                    &rows[p].code,
                    "weight",
                    "the weights of its children sum to zero",
                ));
            }
        }
        let ahp = ahp_weights(&definition, &index, &parents, &children)?;
        if definition.pipeline.weights == WeightMethod::Ahp {
            for result in &ahp {
                for (child, w) in result.children.iter().zip(&result.result.weights) {
                    weights[index[child]] = *w;
                }
            }
        }
        let leaves: Vec<usize> = (0..rows.len()).filter(|i| rows[*i].level == 1).collect();
        let mut bottom_up: Vec<usize> = (0..rows.len()).filter(|i| rows[*i].level > 1).collect();
        bottom_up.sort_by_key(|i| rows[*i].level);
        Ok(Tree {
            definition,
            index,
            parents,
            children,
            weights,
            root,
            leaves,
            bottom_up,
            ahp,
        })
    }

    /// The definition as written.
    pub fn definition(&self) -> &Definition {
        &self.definition
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.definition.indicators.len()
    }

    /// Whether the tree has no nodes (never, once built).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position of a node by its code.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    /// A node's code.
    pub fn code(&self, node: usize) -> &str {
        &self.definition.indicators[node].code
    }

    /// A node's parent.
    pub fn parent(&self, node: usize) -> Option<usize> {
        self.parents[node]
    }

    /// A node's children, in definition order.
    pub fn children(&self, node: usize) -> &[usize] {
        &self.children[node]
    }

    /// The weight the pipeline gives a node among its siblings (before
    /// entropy weighting, which depends on the data).
    pub fn weight(&self, node: usize) -> f64 {
        self.weights[node]
    }

    /// Every node's weight, by position.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The index itself.
    pub fn root(&self) -> usize {
        self.root
    }

    /// The indicators with data (level 1), in definition order.
    pub fn leaves(&self) -> &[usize] {
        &self.leaves
    }

    /// The aggregates, lowest level first: the order they are computed in.
    pub fn bottom_up(&self) -> &[usize] {
        &self.bottom_up
    }

    /// What each AHP matrix gave.
    pub fn ahp(&self) -> &[AhpResult] {
        &self.ahp
    }
}

fn at(row: usize, code: &str, field: &'static str, reason: impl Into<String>) -> DefinitionError {
    DefinitionError::at("indicators", row, code, field, reason)
}

fn check_code(
    table: &'static str,
    row: usize,
    field: &'static str,
    code: &str,
) -> Result<(), DefinitionError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else if table.is_empty() {
        Err(DefinitionError::setting(
            "definition",
            field,
            format!("`{code}` is not a code: use 1 to 64 ASCII letters, digits, `-`, `_` or `.`"),
        ))
    } else {
        Err(DefinitionError::at(
            table,
            row,
            code,
            field,
            format!("`{code}` is not a code: use 1 to 64 ASCII letters, digits, `-`, `_` or `.`"),
        ))
    }
}

fn resolve_parents(
    definition: &Definition,
    index: &HashMap<String, usize>,
) -> Result<Vec<Option<usize>>, DefinitionError> {
    definition
        .indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| match &ind.parent {
            None => Ok(None),
            Some(p) => index.get(p).copied().map(Some).ok_or_else(|| {
                at(
                    i,
                    &ind.code,
                    "parent",
                    format!("no indicator has the code `{p}`"),
                )
            }),
        })
        .collect()
}

fn check_cycles(definition: &Definition, parents: &[Option<usize>]) -> Result<(), DefinitionError> {
    let rows = &definition.indicators;
    for start in 0..rows.len() {
        let mut path = vec![start];
        let mut node = start;
        while let Some(p) = parents[node] {
            if let Some(pos) = path.iter().position(|n| *n == p) {
                let cycle: Vec<&str> = path[pos..]
                    .iter()
                    .chain(std::iter::once(&p))
                    .map(|n| rows[*n].code.as_str())
                    .collect();
                return Err(at(
                    start,
                    &rows[start].code,
                    "parent",
                    format!("the parents form a cycle: {}", cycle.join(" → ")),
                ));
            }
            path.push(p);
            node = p;
        }
    }
    Ok(())
}

fn find_root(definition: &Definition, parents: &[Option<usize>]) -> Result<usize, DefinitionError> {
    let rows = &definition.indicators;
    let roots: Vec<usize> = (0..rows.len()).filter(|i| parents[*i].is_none()).collect();
    match roots.as_slice() {
        [root] => Ok(*root),
        [] => Err(DefinitionError::setting(
            "indicators",
            "parent",
            "no indicator is the root (the one without a parent)",
        )),
        [_, second, ..] => Err(at(
            *second,
            &rows[*second].code,
            "parent",
            format!(
                "a second root: only the index itself (`{}`) has no parent",
                rows[roots[0]].code
            ),
        )),
    }
}

fn check_row(
    definition: &Definition,
    i: usize,
    children: &[usize],
    denominators: &HashMap<String, usize>,
) -> Result<(), DefinitionError> {
    let ind = &definition.indicators[i];
    let code = ind.code.as_str();
    if ind.level == 0 {
        return Err(at(
            i,
            code,
            "level",
            "levels start at 1, the indicators with data",
        ));
    }
    if ind.level > 1 && children.is_empty() {
        return Err(at(
            i,
            code,
            "level",
            format!(
                "level {} has no children: only level 1 holds data",
                ind.level
            ),
        ));
    }
    if ind.direction != 1 && ind.direction != -1 {
        return Err(at(
            i,
            code,
            "direction",
            format!(
                "{} is not a direction: use 1 (more is better) or -1",
                ind.direction
            ),
        ));
    }
    if !ind.weight.is_finite() || ind.weight < 0.0 {
        return Err(at(
            i,
            code,
            "weight",
            format!(
                "{} is not a weight: weights are numbers of at least zero",
                ind.weight
            ),
        ));
    }
    for (field, value) in [
        ("target", ind.target),
        ("goal_low", ind.goal_low),
        ("goal_high", ind.goal_high),
        ("scale", ind.scale),
    ] {
        if value.is_some_and(|v| !v.is_finite() || (field == "scale" && v == 0.0)) {
            return Err(at(
                i,
                code,
                field,
                format!("{} is not usable here", value.unwrap_or_default()),
            ));
        }
    }
    if ind.level > 1 {
        return Ok(());
    }
    if let (Some(lo), Some(hi)) = (ind.goal_low, ind.goal_high)
        && lo >= hi
    {
        return Err(at(
            i,
            code,
            "goal_high",
            format!("goal_high {hi} is not above goal_low {lo}"),
        ));
    }
    match definition.pipeline.normalise {
        Normalise::Goalposts if ind.goal_low.is_none() || ind.goal_high.is_none() => {
            return Err(at(
                i,
                code,
                "goal_low",
                "goalpost normalisation needs goal_low and goal_high on every indicator",
            ));
        }
        Normalise::Target if ind.target.is_none() => {
            return Err(at(
                i,
                code,
                "target",
                "normalisation by distance to target needs a target on every indicator",
            ));
        }
        _ => {}
    }
    if let Some(d) = &ind.denominator
        && !denominators.contains_key(d)
    {
        return Err(at(
            i,
            code,
            "denominator",
            format!("no denominator has the code `{d}`"),
        ));
    }
    match (ind.source, ind.builtin) {
        (Source::Computed, None) => Err(at(
            i,
            code,
            "builtin",
            "a computed indicator names the built-in that computes it",
        )),
        (Source::Manual | Source::Imported, Some(_)) => Err(at(
            i,
            code,
            "builtin",
            "only a computed indicator has a built-in",
        )),
        _ => Ok(()),
    }
}

fn ahp_weights(
    definition: &Definition,
    index: &HashMap<String, usize>,
    parents: &[Option<usize>],
    children: &[Vec<usize>],
) -> Result<Vec<AhpResult>, DefinitionError> {
    let pipeline = &definition.pipeline;
    let table: &[f64] = pipeline
        .ahp_random_index
        .as_deref()
        .unwrap_or(&SAATY_RANDOM_INDEX);
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (row, m) in definition.ahp.iter().enumerate() {
        let fault =
            |field, reason: String| DefinitionError::at("ahp", row, &m.parent, field, reason);
        let Some(&parent) = index.get(&m.parent) else {
            return Err(fault(
                "parent",
                format!("no indicator has the code `{}`", m.parent),
            ));
        };
        if seen.insert(parent, row).is_some() {
            return Err(fault(
                "parent",
                "an earlier matrix compares the same children".into(),
            ));
        }
        let mut listed = Vec::with_capacity(m.children.len());
        for c in &m.children {
            match index.get(c) {
                Some(&k) if parents[k] == Some(parent) && !listed.contains(&k) => listed.push(k),
                Some(_) => {
                    return Err(fault(
                        "children",
                        format!("`{c}` is not a child of `{}`, or is listed twice", m.parent),
                    ));
                }
                None => {
                    return Err(fault(
                        "children",
                        format!("no indicator has the code `{c}`"),
                    ));
                }
            }
        }
        if listed.len() != children[parent].len() {
            return Err(fault(
                "children",
                format!(
                    "`{}` has {} children but the matrix lists {}",
                    m.parent,
                    children[parent].len(),
                    listed.len()
                ),
            ));
        }
        if m.matrix.len() != listed.len() {
            return Err(fault(
                "matrix",
                format!("{} rows for {} children", m.matrix.len(), listed.len()),
            ));
        }
        let result = ahp::weights(&m.matrix, table).map_err(|e| fault("matrix", e.to_string()))?;
        if result.consistency_ratio > pipeline.ahp_max_cr {
            return Err(fault(
                "matrix",
                format!(
                    "the consistency ratio is {:.4}, above the {} allowed: the judgements contradict each other",
                    result.consistency_ratio, pipeline.ahp_max_cr
                ),
            ));
        }
        out.push(AhpResult {
            parent: m.parent.clone(),
            children: m.children.clone(),
            result,
        });
    }
    Ok(out)
}

fn check_pipeline(definition: &Definition) -> Result<(), DefinitionError> {
    let p = &definition.pipeline;
    let fault = |field, reason: String| Err(DefinitionError::setting("pipeline", field, reason));
    if !(p.normalise_low.is_finite() && p.normalise_high.is_finite())
        || p.normalise_low >= p.normalise_high
    {
        return fault(
            "normalise_high",
            format!(
                "the scale {}..{} is empty: normalise_high must be above normalise_low",
                p.normalise_low, p.normalise_high
            ),
        );
    }
    if p.rank_decimals > 9 {
        return fault(
            "rank_decimals",
            format!("{} decimals is more than 9", p.rank_decimals),
        );
    }
    if !(p.treat_skew > 0.0 && p.treat_kurtosis.is_finite()) {
        return fault(
            "treat_skew",
            "the outlier thresholds must be positive numbers".into(),
        );
    }
    if p.ahp_max_cr.is_nan() || p.ahp_max_cr <= 0.0 {
        return fault(
            "ahp_max_cr",
            format!("{} is not a ratio above zero", p.ahp_max_cr),
        );
    }
    if let Some(ri) = &p.ahp_random_index
        && ri.iter().any(|v| !v.is_finite() || *v < 0.0)
    {
        return fault(
            "ahp_random_index",
            "the random index is a list of numbers of at least zero".into(),
        );
    }
    let negative_scores = p.normalise == Normalise::Zscore || p.normalise_low < 0.0;
    if negative_scores
        && (p.weights == WeightMethod::Entropy || p.aggregate == Aggregate::Geometric)
    {
        return fault(
            "normalise",
            "entropy weights and geometric means need scores of at least zero: use min-max, target, goalposts or rank on a scale from zero up".into(),
        );
    }
    if p.weights == WeightMethod::Ahp && definition.ahp.is_empty() {
        return fault(
            "weights",
            "weights by AHP need at least one [[ahp]] matrix".into(),
        );
    }
    Ok(())
}

fn check_warnings(definition: &Definition) -> Result<(), DefinitionError> {
    let w = &definition.warnings;
    let fault = |field, reason: String| Err(DefinitionError::setting("warnings", field, reason));
    let pairs = [
        (
            "yellow_below",
            w.red_below,
            w.yellow_below,
            "a red line above the yellow line",
        ),
        (
            "drop_red",
            w.drop_yellow,
            w.drop_red,
            "a red drop smaller than the yellow drop",
        ),
        (
            "target_red",
            w.target_yellow,
            w.target_red,
            "a red shortfall smaller than the yellow",
        ),
    ];
    for (field, lower, upper, what) in pairs {
        if let (Some(lo), Some(hi)) = (lower, upper)
            && lo > hi
        {
            return fault(field, format!("{what} ({lo} and {hi})"));
        }
    }
    if let Some(s) = &w.surge {
        let alpha_ok = |a: f64| a > 0.0 && a < 1.0;
        if !alpha_ok(s.alpha_yellow) || !alpha_ok(s.alpha_red) || s.alpha_red > s.alpha_yellow {
            return fault(
                "surge",
                format!(
                    "alpha_red {} and alpha_yellow {} must be probabilities with alpha_red the smaller",
                    s.alpha_red, s.alpha_yellow
                ),
            );
        }
        if s.baseline_periods == 0 || !(s.smoothing > 0.0 && s.smoothing <= 1.0) {
            return fault(
                "surge",
                "baseline_periods must be at least 1 and smoothing within (0, 1]".into(),
            );
        }
    }
    Ok(())
}
