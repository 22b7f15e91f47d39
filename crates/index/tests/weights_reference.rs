//! AHP and entropy weights against independent implementations (AHPy,
//! pyDecision, pyrepo-mcda), whose outputs are stored in
//! `data/weights_reference.json` with the script that made them.

use gongzhi_index::weights::{ahp, entropy};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    ahp: Vec<AhpCase>,
    entropy: Vec<EntropyCase>,
}

#[derive(Deserialize)]
struct AhpCase {
    name: String,
    library: String,
    random_index: Vec<Option<f64>>,
    matrix: Vec<Vec<f64>>,
    weights: Vec<f64>,
    consistency_ratio: f64,
}

#[derive(Deserialize)]
struct EntropyCase {
    name: String,
    library: String,
    matrix: Vec<Vec<f64>>,
    weights: Vec<f64>,
}

fn reference() -> Reference {
    serde_json::from_str(include_str!("data/weights_reference.json")).expect("valid reference")
}

#[test]
fn ahp_weights_and_consistency_ratios_match_ahpy_and_pydecision() {
    let cases = reference().ahp;
    assert!(cases.len() >= 20);
    for case in cases {
        // Each library's own random-index table (AHPy has none below 3).
        let table: Vec<f64> = case.random_index.iter().map(|r| r.unwrap_or(0.0)).collect();
        let got = ahp::weights(&case.matrix, &table).unwrap();
        for (g, w) in got.weights.iter().zip(&case.weights) {
            assert!(
                (g - w).abs() < 1e-12,
                "{} ({}): weight {g} vs {w}",
                case.name,
                case.library
            );
        }
        assert!(
            (got.consistency_ratio - case.consistency_ratio).abs() < 1e-12,
            "{} ({}): CR {} vs {}",
            case.name,
            case.library,
            got.consistency_ratio,
            case.consistency_ratio
        );
    }
}

#[test]
fn entropy_weights_match_pyrepo_mcda_and_pydecision() {
    for case in reference().entropy {
        // pyDecision adds 1e-9 inside its logarithms, so it agrees only to
        // about 1e-7; pyrepo-mcda computes the formula exactly.
        let tolerance = if case.library == "pyDecision" {
            1e-6
        } else {
            1e-12
        };
        let columns: Vec<Vec<Option<f64>>> = (0..case.weights.len())
            .map(|j| case.matrix.iter().map(|row| Some(row[j])).collect())
            .collect();
        let refs: Vec<&[Option<f64>]> = columns.iter().map(Vec::as_slice).collect();
        let got = entropy::weights(&refs);
        for (g, w) in got.iter().zip(&case.weights) {
            assert!(
                (g - w).abs() < tolerance,
                "{} ({}): {g} vs {w}",
                case.name,
                case.library
            );
        }
    }
}
