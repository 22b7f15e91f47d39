//! The analytic hierarchy process: weights as the principal eigenvector of
//! a positive reciprocal matrix of pairwise judgements, and Saaty's
//! consistency ratio, which says how far the judgements contradict each
//! other.

use serde::{Deserialize, Serialize};

/// Saaty's random index for matrices of size 1 to 15: the mean
/// consistency index of random reciprocal matrices.
pub const SAATY_RANDOM_INDEX: [f64; 15] = [
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
];

/// How far `a[i][j] * a[j][i]` may stray from 1, so that judgements written
/// to three places (0.333 for 1/3) still count as reciprocal.
pub const RECIPROCAL_TOLERANCE: f64 = 0.01;

/// The weights a matrix gives, and how consistent it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AhpWeights {
    /// Weights in row order, summing to 1.
    pub weights: Vec<f64>,
    /// The principal eigenvalue.
    pub lambda_max: f64,
    /// `(lambda_max - n) / (n - 1)`.
    pub consistency_index: f64,
    /// The consistency index over the random index of the matrix's size;
    /// 0 for matrices of size 1 or 2, which cannot be inconsistent.
    pub consistency_ratio: f64,
}

/// Why a matrix cannot give weights.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AhpError {
    /// Not n rows of n entries.
    #[error("the matrix is not square: row {row} has {len} entries for {n} rows")]
    NotSquare {
        /// The 1-based row.
        row: usize,
        /// Its length.
        len: usize,
        /// The number of rows.
        n: usize,
    },
    /// An entry that is not a positive number.
    #[error("entry ({row}, {column}) is {value}; judgements must be positive numbers")]
    NotPositive {
        /// 1-based row.
        row: usize,
        /// 1-based column.
        column: usize,
        /// The entry.
        value: f64,
    },
    /// `a[i][j]` is not `1 / a[j][i]`, or the diagonal is not 1.
    #[error(
        "entry ({row}, {column}) is {value} but entry ({column}, {row}) is {mirror}; a pairwise matrix must be reciprocal"
    )]
    NotReciprocal {
        /// 1-based row.
        row: usize,
        /// 1-based column.
        column: usize,
        /// The entry.
        value: f64,
        /// Its mirror.
        mirror: f64,
    },
    /// The random-index table has no entry for this size.
    #[error("the random-index table has no entry for a matrix of size {0}")]
    NoRandomIndex(usize),
}

/// The weights of a pairwise matrix, with `random_index[n - 1]` as the
/// random index of size n.
pub fn weights(matrix: &[Vec<f64>], random_index: &[f64]) -> Result<AhpWeights, AhpError> {
    let n = matrix.len();
    check(matrix)?;
    let ri = *random_index.get(n - 1).ok_or(AhpError::NoRandomIndex(n))?;
    let (weights, lambda_max) = principal_eigenvector(matrix);
    let consistency_index = if n > 2 {
        (lambda_max - n as f64) / (n as f64 - 1.0)
    } else {
        0.0
    };
    let consistency_ratio = if n > 2 && ri > 0.0 {
        consistency_index / ri
    } else {
        0.0
    };
    Ok(AhpWeights {
        weights,
        lambda_max,
        consistency_index,
        consistency_ratio,
    })
}

fn check(matrix: &[Vec<f64>]) -> Result<(), AhpError> {
    let n = matrix.len();
    for (i, row) in matrix.iter().enumerate() {
        if row.len() != n || n == 0 {
            return Err(AhpError::NotSquare {
                row: i + 1,
                len: row.len(),
                n,
            });
        }
        for (j, &value) in row.iter().enumerate() {
            if !(value.is_finite() && value > 0.0) {
                return Err(AhpError::NotPositive {
                    row: i + 1,
                    column: j + 1,
                    value,
                });
            }
        }
    }
    for (i, row) in matrix.iter().enumerate() {
        for (j, &value) in row.iter().enumerate().skip(i) {
            let mirror = matrix[j][i];
            if (value * mirror - 1.0).abs() > RECIPROCAL_TOLERANCE {
                return Err(AhpError::NotReciprocal {
                    row: i + 1,
                    column: j + 1,
                    value,
                    mirror,
                });
            }
        }
    }
    Ok(())
}

/// The Perron eigenvector (normalised to sum 1) and eigenvalue of a
/// positive matrix, by power iteration, which converges for every positive
/// matrix.
fn principal_eigenvector(matrix: &[Vec<f64>]) -> (Vec<f64>, f64) {
    let n = matrix.len();
    let mut w = vec![1.0 / n as f64; n];
    let mut lambda = 0.0;
    for _ in 0..10_000 {
        let next: Vec<f64> = matrix
            .iter()
            .map(|row| row.iter().zip(&w).map(|(a, x)| a * x).sum())
            .collect();
        // With w summing to 1, the sum of A·w is the eigenvalue estimate.
        lambda = next.iter().sum();
        let next: Vec<f64> = next.iter().map(|x| x / lambda).collect();
        let moved = next
            .iter()
            .zip(&w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        w = next;
        if moved < 1e-15 {
            break;
        }
    }
    (w, lambda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_consistent_matrix_has_ratio_zero_and_exact_weights() {
        // Built from the weights 0.5, 0.3, 0.2.
        let w = [0.5, 0.3, 0.2];
        let m: Vec<Vec<f64>> = w
            .iter()
            .map(|a| w.iter().map(|b| a / b).collect())
            .collect();
        let r = weights(&m, &SAATY_RANDOM_INDEX).unwrap();
        for (got, want) in r.weights.iter().zip(w) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert!(r.consistency_ratio.abs() < 1e-12);
        assert!((r.lambda_max - 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_non_reciprocal_matrix_is_refused_naming_the_entry() {
        let m = vec![
            vec![1.0, 3.0, 5.0],
            vec![0.5, 1.0, 2.0],
            vec![0.2, 0.5, 1.0],
        ];
        let e = weights(&m, &SAATY_RANDOM_INDEX).unwrap_err();
        assert_eq!(
            e,
            AhpError::NotReciprocal {
                row: 1,
                column: 2,
                value: 3.0,
                mirror: 0.5
            }
        );
    }

    #[test]
    fn zero_and_ragged_matrices_are_refused() {
        let zero = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        assert!(matches!(
            weights(&zero, &SAATY_RANDOM_INDEX),
            Err(AhpError::NotPositive {
                row: 1,
                column: 2,
                ..
            })
        ));
        let ragged = vec![vec![1.0, 2.0], vec![0.5]];
        assert!(matches!(
            weights(&ragged, &SAATY_RANDOM_INDEX),
            Err(AhpError::NotSquare { row: 2, .. })
        ));
        let big = vec![vec![1.0; 16]; 16];
        assert_eq!(
            weights(&big, &SAATY_RANDOM_INDEX),
            Err(AhpError::NoRandomIndex(16))
        );
    }

    proptest! {
        /// Any reciprocal matrix gives positive weights summing to one and
        /// an eigenvalue of at least n (Saaty's theorem), so the ratio is
        /// never negative.
        #[test]
        fn weights_sum_to_one_and_lambda_is_at_least_n(
            upper in proptest::collection::vec(1usize..17, 10)
        ) {
            let scale = |k: usize| if k <= 9 { k as f64 } else { 1.0 / (k - 8) as f64 };
            let n = 5;
            let mut m = vec![vec![1.0; n]; n];
            let pairs = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j)));
            for ((i, j), k) in pairs.zip(&upper) {
                m[i][j] = scale(*k);
                m[j][i] = 1.0 / m[i][j];
            }
            let r = weights(&m, &SAATY_RANDOM_INDEX).unwrap();
            prop_assert!((r.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert!(r.weights.iter().all(|w| *w > 0.0));
            prop_assert!(r.lambda_max >= n as f64 - 1e-9);
            prop_assert!(r.consistency_ratio >= -1e-9);
        }
    }
}
