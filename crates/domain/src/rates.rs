//! The rates a command centre is assessed by, as the standards define them:
//! 结案率 = 结案数 / 应结案数 and 按期结案率 = 按期结案数 / 应结案数, with the
//! satisfaction rate beside them.
//!
//! 应结案数 (due) counts the events that should be closed by the end of the
//! period: those closed, and those still open whose time limit has run out.
//! 按期结案数 counts those closed without any phase running over.

use serde::{Deserialize, Serialize};

/// Counts of a group of events, and the rates that follow from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// 应结案数.
    pub due: u64,
    /// 结案数.
    pub closed: u64,
    /// 按期结案数.
    pub closed_on_time: u64,
    /// Evaluations received.
    pub rated: u64,
    /// Of those, satisfied (4 or 5 of 5).
    pub satisfied: u64,
    /// 结案率, in percent to two decimals; `None` when nothing is due.
    pub closure_rate: Option<f64>,
    /// 按期结案率, in percent to two decimals.
    pub on_time_rate: Option<f64>,
    /// 满意率, in percent to two decimals; `None` without evaluations.
    pub satisfaction_rate: Option<f64>,
}

/// `part / whole` in percent, rounded half away from zero to two decimals.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 10_000.0 / whole as f64).round() / 100.0)
}

impl Rates {
    /// The rates of the given counts.
    pub fn new(due: u64, closed: u64, closed_on_time: u64, rated: u64, satisfied: u64) -> Rates {
        Rates {
            due,
            closed,
            closed_on_time,
            rated,
            satisfied,
            closure_rate: percent(closed, due),
            on_time_rate: percent(closed_on_time, due),
            satisfaction_rate: percent(satisfied, rated),
        }
    }
}

/// Whether a rating counts as satisfied.
pub fn is_satisfied(satisfaction: u8) -> bool {
    satisfaction >= 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_published_pair() {
        let r = Rates::new(972, 911, 737, 0, 0);
        assert_eq!(r.closure_rate, Some(93.72));
        assert_eq!(r.on_time_rate, Some(75.82));
        assert_eq!(r.satisfaction_rate, None);
        assert_eq!(Rates::new(0, 0, 0, 3, 2).closure_rate, None);
    }

    proptest! {
        #[test]
        fn rates_stay_in_range_and_order(due in 1u64..1_000_000, a in 0.0f64..=1.0, b in 0.0f64..=1.0) {
            let closed = (due as f64 * a) as u64;
            let on_time = (closed as f64 * b) as u64;
            let r = Rates::new(due, closed, on_time, 0, 0);
            let (c, t) = (r.closure_rate.unwrap(), r.on_time_rate.unwrap());
            prop_assert!((0.0..=100.0).contains(&c));
            prop_assert!(t <= c);
            prop_assert!((c - closed as f64 * 100.0 / due as f64).abs() <= 0.005 + 1e-9);
        }
    }
}
