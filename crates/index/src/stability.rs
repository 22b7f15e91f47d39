//! How firmly a unit holds its rank: the index is recomputed with every
//! weight perturbed at random (Monte Carlo), and the spread of each unit's
//! rank over the runs is reported beside its nominal rank.

use crate::compute::{aggregate_tree, rank};
use crate::{DataError, PeriodResult, Tree, stats};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The spread of one unit's rank over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankStats {
    /// The unit.
    pub unit: String,
    /// Its rank with the weights as defined.
    pub nominal: u32,
    /// Mean rank over the runs.
    pub mean: f64,
    /// Median rank.
    pub median: f64,
    /// 5th percentile (R type 7).
    pub q5: f64,
    /// 95th percentile.
    pub q95: f64,
    /// Mean absolute difference from the nominal rank.
    pub mean_shift: f64,
    /// Share of the runs in which the rank was the nominal one.
    pub same_rank: f64,
}

/// Summarises ranks over runs (`runs[r][u]`: the rank of unit u in run r)
/// against the nominal ranks. Units without a nominal rank are left out.
pub fn rank_stats(
    units: &[String],
    nominal: &[Option<u32>],
    runs: &[Vec<Option<u32>>],
) -> Vec<RankStats> {
    units
        .iter()
        .zip(nominal)
        .enumerate()
        .filter_map(|(u, (unit, nominal))| {
            let nominal = (*nominal)?;
            let ranks: Vec<f64> = runs.iter().filter_map(|r| r[u]).map(f64::from).collect();
            let shift: Vec<f64> = ranks
                .iter()
                .map(|r| (r - f64::from(nominal)).abs())
                .collect();
            Some(RankStats {
                unit: unit.clone(),
                nominal,
                mean: stats::mean(&ranks)?,
                median: stats::median(&ranks)?,
                q5: stats::quantile(&ranks, 0.05)?,
                q95: stats::quantile(&ranks, 0.95)?,
                mean_shift: stats::mean(&shift)?,
                same_rank: shift.iter().filter(|s| **s == 0.0).count() as f64 / ranks.len() as f64,
            })
        })
        .collect()
}

/// The index's rank stability under weights each multiplied by a factor
/// drawn uniformly from `1 ± spread`, over `runs` runs with a fixed seed so
/// that a report can be reproduced.
pub fn perturbed_weights(
    tree: &Tree,
    result: &PeriodResult,
    runs: usize,
    spread: f64,
    seed: u64,
) -> Result<Vec<RankStats>, DataError> {
    let pipeline = &tree.definition().pipeline;
    let root = tree.root();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut scores = result.scores.clone();
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut weights: Vec<f64> = result
            .weights
            .iter()
            .map(|w| w * rng.random_range(1.0 - spread..=1.0 + spread))
            .collect();
        aggregate_tree(tree, &mut scores, &mut weights, false, &result.units)?;
        all.push(rank(&scores[root], pipeline.rank_decimals));
    }
    Ok(rank_stats(&result.units, &result.ranks[root], &all))
}
