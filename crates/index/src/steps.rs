//! The pipeline's steps, each on one indicator's column (one entry per
//! unit, `None` where missing): denominate, impute, treat outliers,
//! normalise. Aggregation works across columns and lives in
//! [`crate::compute`].

use crate::definition::{Impute, Normalise};
use crate::stats;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Divides by a denominator and multiplies by a scale; a unit without its
/// denominator, or with a zero one, has no value.
pub fn denominate(column: &mut [Option<f64>], denominator: &[Option<f64>], scale: f64) {
    for (x, d) in column.iter_mut().zip(denominator) {
        *x = match (*x, *d) {
            (Some(x), Some(d)) if d != 0.0 => Some(x / d * scale),
            _ => None,
        };
    }
}

/// Fills missing values with the mean or median of the values present,
/// over the unit's group when `groups` is given (units without a group
/// use all units). A value stays missing when its group has none.
pub fn impute(column: &mut [Option<f64>], method: Impute, groups: Option<&[Option<String>]>) {
    if method == Impute::None || column.iter().all(Option::is_some) {
        return;
    }
    let centre = |values: &[f64]| match method {
        Impute::Mean => stats::mean(values),
        Impute::Median => stats::median(values),
        Impute::None => None,
    };
    let all = centre(&stats::present(column));
    let mut by_group: HashMap<&str, Vec<f64>> = HashMap::new();
    if let Some(groups) = groups {
        for (x, g) in column.iter().zip(groups) {
            if let (Some(x), Some(g)) = (x, g) {
                by_group.entry(g.as_str()).or_default().push(*x);
            }
        }
    }
    let fills: HashMap<&str, Option<f64>> = by_group.iter().map(|(g, v)| (*g, centre(v))).collect();
    for (i, x) in column.iter_mut().enumerate() {
        if x.is_none() {
            *x = match groups.and_then(|g| g[i].as_deref()) {
                Some(g) => fills.get(g).copied().flatten(),
                None => all,
            };
        }
    }
}

/// The outlier test and its limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreatLimits {
    /// Most points winsorised before falling back to a log transform.
    pub winmax: u32,
    /// Absolute skewness from which a column has outliers ...
    pub skew: f64,
    /// ... when its kurtosis is at least this too.
    pub kurtosis: f64,
}

/// What outlier treatment did to one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Treatment {
    /// Points pulled down to the next highest value.
    pub winsorised_high: u32,
    /// Points pulled up to the next lowest value.
    pub winsorised_low: u32,
    /// Winsorising did not pass the test within the limit, so the
    /// untreated column was log-transformed instead.
    pub log: bool,
}

impl TreatLimits {
    /// Whether a column passes: |skewness| below the limit or kurtosis
    /// below its limit. Columns too short for the moments pass.
    pub fn passes(&self, column: &[Option<f64>]) -> bool {
        let values = stats::present(column);
        match (stats::skewness(&values), stats::kurtosis(&values)) {
            (Some(s), Some(k)) => s.abs() < self.skew || k < self.kurtosis,
            _ => true,
        }
    }
}

/// Treats outliers as COINr does by default: while the column fails the
/// test, the extreme value(s) on the side of the skew are set to the next
/// value inward, up to `winmax` points; if it still fails, the untreated
/// column is transformed by `ln(x - min + 0.01 (max - min))` instead.
pub fn treat(column: &mut [Option<f64>], limits: TreatLimits) -> Treatment {
    let mut done = Treatment::default();
    if limits.passes(column) {
        return done;
    }
    let original = column.to_vec();
    // A point pulled in once ties with the next extreme and moves with it
    // again; it still counts as one point.
    let mut moved = vec![None; column.len()];
    let count = |moved: &[Option<bool>]| moved.iter().flatten().count() as u32;
    while !limits.passes(column) && count(&moved) < limits.winmax {
        let values = stats::present(column);
        let high = stats::skewness(&values).is_some_and(|s| s >= 0.0);
        let extreme = if high {
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        } else {
            values.iter().copied().fold(f64::INFINITY, f64::min)
        };
        let rest = values.iter().copied().filter(|v| *v != extreme);
        let Some(next) = (if high {
            rest.reduce(f64::max)
        } else {
            rest.reduce(f64::min)
        }) else {
            break;
        };
        for (x, m) in column.iter_mut().zip(moved.iter_mut()) {
            if *x == Some(extreme) {
                *x = Some(next);
                *m = Some(high);
            }
        }
    }
    done.winsorised_high = moved.iter().filter(|m| **m == Some(true)).count() as u32;
    done.winsorised_low = moved.iter().filter(|m| **m == Some(false)).count() as u32;
    if !limits.passes(column) {
        let values = stats::present(&original);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (x, o) in column.iter_mut().zip(&original) {
            *x = o.map(|o| (o - min + 0.01 * (max - min)).ln());
        }
        done = Treatment {
            log: true,
            ..Treatment::default()
        };
    }
    done
}

/// The bounds a normalisation needs from the data, over one period or all
/// periods pooled: gathered with [`Span::include`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Smallest directed value (value × direction).
    pub min: f64,
    /// Largest directed value.
    pub max: f64,
    /// Sum, count and sum of squares of directed values, for z-scores.
    sum: f64,
    count: f64,
    squares: f64,
}

impl Default for Span {
    fn default() -> Self {
        Span {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
            count: 0.0,
            squares: 0.0,
        }
    }
}

impl Span {
    /// Widens the span by a column's directed values.
    pub fn include(&mut self, column: &[Option<f64>], direction: f64) {
        for x in column.iter().flatten() {
            let v = x * direction;
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.sum += v;
            self.count += 1.0;
            self.squares += v * v;
        }
    }

    fn mean(&self) -> f64 {
        self.sum / self.count
    }

    fn sd(&self) -> f64 {
        let m = self.mean();
        ((self.squares - self.count * m * m) / (self.count - 1.0))
            .max(0.0)
            .sqrt()
    }
}

/// How one indicator is normalised: the method, its scale, and the
/// indicator's own direction, target and goalposts (raw units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The method.
    pub method: Normalise,
    /// The scale's worst value.
    pub low: f64,
    /// The scale's best value.
    pub high: f64,
    /// +1 or -1.
    pub direction: f64,
    /// The indicator's target.
    pub target: Option<f64>,
    /// The indicator's goalposts (lower, upper); the direction says which
    /// is best.
    pub goalposts: Option<(f64, f64)>,
}

/// Puts a column on the common scale. A column without spread puts every
/// unit in the middle of the scale (min-max) or at 0 (z-score).
pub fn normalise(column: &mut [Option<f64>], scale: &Scale, span: &Span) {
    let (lo, hi, dir) = (scale.low, scale.high, scale.direction);
    let width = hi - lo;
    match scale.method {
        Normalise::Minmax => {
            let range = span.max - span.min;
            for x in column.iter_mut().flatten() {
                *x = if range > 0.0 {
                    lo + (*x * dir - span.min) / range * width
                } else {
                    lo + width / 2.0
                };
            }
        }
        Normalise::Zscore => {
            let (m, sd) = (span.mean(), span.sd());
            for x in column.iter_mut().flatten() {
                *x = if sd > 0.0 { (*x * dir - m) / sd } else { 0.0 };
            }
        }
        Normalise::Target => {
            let target = scale.target.unwrap_or(span.max) * dir;
            let range = target - span.min;
            for x in column.iter_mut().flatten() {
                let share = if range > 0.0 {
                    ((*x * dir - span.min) / range).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                *x = lo + share * width;
            }
        }
        Normalise::Goalposts => {
            let (worst, best) = scale.goalposts.unwrap_or((span.min, span.max));
            let (worst, best) = if dir < 0.0 {
                (best, worst)
            } else {
                (worst, best)
            };
            for x in column.iter_mut().flatten() {
                *x = lo + ((*x - worst) / (best - worst)).clamp(0.0, 1.0) * width;
            }
        }
        Normalise::Rank => {
            let ranks = mean_ranks(column, dir);
            let n = ranks.iter().flatten().count();
            for (x, r) in column.iter_mut().zip(ranks) {
                if let Some(r) = r {
                    *x = Some(if n > 1 {
                        lo + (r - 1.0) / (n - 1) as f64 * width
                    } else {
                        lo + width / 2.0
                    });
                }
            }
        }
    }
}

/// Ascending ranks of the directed values, ties sharing their mean rank.
fn mean_ranks(column: &[Option<f64>], dir: f64) -> Vec<Option<f64>> {
    let mut order: Vec<(usize, f64)> = column
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.map(|x| (i, x * dir)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut ranks = vec![None; column.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && order[end + 1].1 == order[start].1 {
            end += 1;
        }
        let rank = (start + end) as f64 / 2.0 + 1.0;
        for (i, _) in &order[start..=end] {
            ranks[*i] = Some(rank);
        }
        start = end + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn col(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().copied().map(Some).collect()
    }

    #[test]
    fn imputation_uses_the_group_and_falls_back_to_all_units() {
        let mut x = vec![Some(1.0), None, Some(3.0), Some(10.0), None, None];
        let g: Vec<Option<String>> = ["a", "a", "a", "b", "b", "c"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        impute(&mut x, Impute::Mean, Some(&g));
        assert_eq!(x[1], Some(2.0));
        assert_eq!(x[4], Some(10.0));
        // Group c has no value at all: it stays missing.
        assert_eq!(x[5], None);
    }

    #[test]
    fn one_outlier_is_winsorised_to_the_next_value() {
        let mut x = col(&[1.0, 2.0, 3.0, 2.0, 1.5, 2.5, 3.0, 2.0, 1.0, 100.0]);
        let t = treat(
            &mut x,
            TreatLimits {
                winmax: 5,
                skew: 2.0,
                kurtosis: 3.5,
            },
        );
        assert_eq!(
            t,
            Treatment {
                winsorised_high: 1,
                winsorised_low: 0,
                log: false
            }
        );
        assert_eq!(x[9], Some(3.0));
    }

    #[test]
    fn too_many_outliers_fall_back_to_the_log_of_the_untreated_column() {
        let mut v = vec![1.0; 30];
        v.extend([1e3, 1e4, 1e5, 1e6, 1e7, 1e8]);
        v[0] = 0.5;
        let mut x = col(&v);
        let t = treat(
            &mut x,
            TreatLimits {
                winmax: 2,
                skew: 2.0,
                kurtosis: 3.5,
            },
        );
        assert!(t.log);
        let (min, max) = (0.5f64, 1e8f64);
        assert_eq!(x[35], Some((1e8 - min + 0.01 * (max - min)).ln()));
    }

    fn normalised(
        v: &[f64],
        method: Normalise,
        direction: f64,
        target: Option<f64>,
        goalposts: Option<(f64, f64)>,
    ) -> Vec<f64> {
        let mut x = col(v);
        let mut span = Span::default();
        span.include(&x, direction);
        let scale = Scale {
            method,
            low: 0.0,
            high: 100.0,
            direction,
            target,
            goalposts,
        };
        normalise(&mut x, &scale, &span);
        x.into_iter()
            .map(|v| (v.unwrap() * 1e9).round() / 1e9)
            .collect()
    }

    #[test]
    fn each_normalisation_by_hand() {
        // Sample standard deviation 1 around 2.
        assert_eq!(
            normalised(&[1.0, 2.0, 3.0], Normalise::Zscore, 1.0, None, None),
            [-1.0, 0.0, 1.0]
        );
        // From the worst unit (0) to the target (10), capped there.
        assert_eq!(
            normalised(
                &[0.0, 5.0, 10.0, 20.0],
                Normalise::Target,
                1.0,
                Some(10.0),
                None
            ),
            [0.0, 50.0, 100.0, 100.0]
        );
        // Less is better: the worst is 10, the target 4.
        let less = normalised(&[2.0, 5.0, 10.0], Normalise::Target, -1.0, Some(4.0), None);
        assert_eq!(
            less,
            [100.0, (100.0f64 * 5.0 / 6.0 * 1e9).round() / 1e9, 0.0]
        );
        // Goalposts 10 and 60 with less better: 10 is best, 60 worst, capped.
        assert_eq!(
            normalised(
                &[0.0, 25.0, 50.0, 100.0],
                Normalise::Goalposts,
                -1.0,
                None,
                Some((10.0, 60.0))
            ),
            [100.0, 70.0, 20.0, 0.0]
        );
        // Ranks, ties sharing the mean rank.
        assert_eq!(
            normalised(&[3.0, 1.0, 2.0, 2.0], Normalise::Rank, 1.0, None, None),
            [100.0, 0.0, 50.0, 50.0]
        );
        // No spread: the middle of the scale.
        assert_eq!(
            normalised(&[7.0, 7.0], Normalise::Minmax, 1.0, None, None),
            [50.0, 50.0]
        );
    }

    proptest! {
        /// Min-max puts the worst unit at low and the best at high, keeps
        /// the order (reversed for direction -1), and stays on the scale.
        #[test]
        fn minmax_keeps_order_and_bounds(
            v in proptest::collection::vec(-1e6f64..1e6, 2..40),
            down in any::<bool>(),
        ) {
            let dir = if down { -1.0 } else { 1.0 };
            let mut x = col(&v);
            let mut span = Span::default();
            span.include(&x, dir);
            let scale = Scale { method: Normalise::Minmax, low: 0.0, high: 100.0, direction: dir, target: None, goalposts: None };
            normalise(&mut x, &scale, &span);
            for (i, a) in v.iter().enumerate() {
                let xi = x[i].unwrap();
                prop_assert!((-1e-9..=100.0 + 1e-9).contains(&xi));
                for (j, b) in v.iter().enumerate() {
                    if a * dir < b * dir {
                        prop_assert!(xi <= x[j].unwrap());
                    }
                }
            }
        }

        /// Treatment never changes which units have values, and a column
        /// it winsorised passes the test within the limit.
        #[test]
        fn treatment_keeps_missing_and_bounds_its_work(
            v in proptest::collection::vec(proptest::option::weighted(0.9, 0f64..1e4), 5..60),
        ) {
            let mut x = v.clone();
            let limits = TreatLimits { winmax: 5, skew: 2.0, kurtosis: 3.5 };
            let t = treat(&mut x, limits);
            prop_assert!(x.iter().zip(&v).all(|(a, b)| a.is_some() == b.is_some()));
            if !t.log {
                prop_assert!(limits.passes(&x));
            }
        }

        /// Ranks cover 1..n when there are no ties and give tied values the
        /// same rank.
        #[test]
        fn ranks_are_a_permutation_with_ties_shared(v in proptest::collection::vec(0u8..20, 1..30)) {
            let x: Vec<Option<f64>> = v.iter().map(|a| Some(*a as f64)).collect();
            let r = mean_ranks(&x, 1.0);
            let total: f64 = r.iter().flatten().sum();
            let n = v.len() as f64;
            prop_assert!((total - n * (n + 1.0) / 2.0).abs() < 1e-9);
            for i in 0..v.len() {
                for j in 0..v.len() {
                    if v[i] == v[j] { prop_assert_eq!(r[i], r[j]); }
                }
            }
        }
    }
}
