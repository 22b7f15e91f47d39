//! The summary statistics the steps use, over the values present. The
//! moments are the bias-corrected sample skewness G1 and excess kurtosis G2
//! (as Excel's SKEW and KURT, and R's e1071 type 2); quantiles are R's
//! type 7 (linear between order statistics).

/// The values present in a column.
pub fn present(column: &[Option<f64>]) -> Vec<f64> {
    column.iter().flatten().copied().collect()
}

/// Arithmetic mean; `None` when nothing is present.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Median; `None` when nothing is present.
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// Sample standard deviation (n - 1); `None` below two values.
pub fn sd(values: &[f64]) -> Option<f64> {
    let n = values.len();
    let m = mean(values)?;
    (n > 1).then(|| (values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt())
}

/// The q-quantile (0..=1) by R's type 7; `None` when nothing is present.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Bias-corrected sample skewness G1; `None` below three values or with no
/// spread.
pub fn skewness(values: &[f64]) -> Option<f64> {
    let n = values.len() as f64;
    let m = mean(values)?;
    let (m2, m3) = values.iter().fold((0.0, 0.0), |(s2, s3), x| {
        let d = x - m;
        (s2 + d * d, s3 + d * d * d)
    });
    (n >= 3.0 && m2 > 0.0)
        .then(|| n.sqrt() * m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0))
}

/// Bias-corrected sample excess kurtosis G2; `None` below four values or
/// with no spread.
pub fn kurtosis(values: &[f64]) -> Option<f64> {
    let n = values.len() as f64;
    let m = mean(values)?;
    let (m2, m4) = values.iter().fold((0.0, 0.0), |(s2, s4), x| {
        let d = (x - m) * (x - m);
        (s2 + d, s4 + d * d)
    });
    (n >= 4.0 && m2 > 0.0).then(|| {
        let r = n * m4 / (m2 * m2);
        ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_as_r_type_7() {
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&x, 0.5), Some(3.0));
        assert!((quantile(&x, 0.95).unwrap() - 8.8).abs() < 1e-12);
        assert!((quantile(&x, 0.05).unwrap() - 1.2).abs() < 1e-12);
    }

    #[test]
    fn moments_match_excel_skew_and_kurt() {
        // Deviations from the mean 4 are -3, -2, -1, 0, 6; their squares,
        // cubes and fourth powers sum to 50, 180 and 1394: G1 = 1.2√2,
        // G2 = 3.152.
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((skewness(&x).unwrap() - 1.2 * 2f64.sqrt()).abs() < 1e-12);
        assert!((kurtosis(&x).unwrap() - 3.152).abs() < 1e-12);
        assert_eq!(skewness(&[1.0, 1.0, 1.0]), None);
    }
}
