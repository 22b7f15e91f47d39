//! Entropy weights: a criterion whose values differ more between units
//! carries more information and so more weight.

/// Weights of the columns of `columns` (one slice per criterion, one entry
/// per unit; `None` is missing and left out). Values must be at least zero.
///
/// With `p_ij = x_ij / Σ_i x_ij`, the entropy of column j is
/// `e_j = -Σ_i p_ij ln p_ij / ln m` (m units present, `0 ln 0 = 0`), and its
/// weight is `(1 - e_j) / Σ_k (1 - e_k)`. A column of zeros carries no
/// information (`e = 1`). When no column carries any, weights are equal.
pub fn weights(columns: &[&[Option<f64>]]) -> Vec<f64> {
    let divergence: Vec<f64> = columns.iter().map(|c| 1.0 - entropy(c)).collect();
    let total: f64 = divergence.iter().sum();
    if total > 0.0 {
        divergence.iter().map(|d| d / total).collect()
    } else {
        vec![1.0 / columns.len() as f64; columns.len()]
    }
}

fn entropy(column: &[Option<f64>]) -> f64 {
    let present: Vec<f64> = column.iter().flatten().copied().collect();
    let m = present.len();
    let sum: f64 = present.iter().sum();
    if m < 2 || sum <= 0.0 {
        return 1.0;
    }
    let h: f64 = present
        .iter()
        .map(|x| x / sum)
        .filter(|p| *p > 0.0)
        .map(|p| p * p.ln())
        .sum();
    -h / (m as f64).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uniform_column_gets_no_weight_and_a_spread_one_all() {
        let flat = [Some(3.0), Some(3.0), Some(3.0)];
        let spread = [Some(1.0), Some(0.0), Some(9.0)];
        let w = weights(&[&flat, &spread]);
        assert!(w[0].abs() < 1e-12);
        assert!((w[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn no_information_anywhere_gives_equal_weights() {
        let a = [Some(2.0), Some(2.0)];
        let b = [Some(0.0), None];
        assert_eq!(weights(&[&a, &b]), vec![0.5, 0.5]);
    }
}
