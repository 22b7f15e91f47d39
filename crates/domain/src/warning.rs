//! Three-colour warning of a region from the state of its open work: red
//! where overdue work piles up, yellow where work is overdue or about to be,
//! green otherwise. This is the map's colouring until composite indices
//! give more reasons.

use serde::{Deserialize, Serialize};

/// A region's warning level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    /// Nothing needs a leader's attention.
    Green,
    /// Some work is overdue, or much of it is about to be.
    Yellow,
    /// Overdue work piles up.
    Red,
}

impl WarningLevel {
    /// Stable machine name: `green`, `yellow` or `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningLevel::Green => "green",
            WarningLevel::Yellow => "yellow",
            WarningLevel::Red => "red",
        }
    }
}

/// Overdue events from which a region is red whatever its size.
pub const RED_OVERDUE: u64 = 20;
/// Share of the open work overdue from which a region is red.
pub const RED_SHARE: f64 = 0.15;
/// Share of the open work due soon from which a region is yellow.
pub const YELLOW_SHARE: f64 = 0.20;

/// The open work of a region now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenWork {
    /// Open events.
    pub open: u64,
    /// Of them, due soon (yellow).
    pub yellow: u64,
    /// Of them, overdue (red).
    pub red: u64,
}

impl OpenWork {
    /// The warning level: red from [`RED_OVERDUE`] overdue events or
    /// [`RED_SHARE`] of the open work overdue; yellow with any overdue or
    /// [`YELLOW_SHARE`] due soon; green otherwise.
    pub fn warning(&self) -> WarningLevel {
        let open = self.open.max(self.yellow + self.red) as f64;
        let share = |n: u64| if open > 0.0 { n as f64 / open } else { 0.0 };
        if self.red >= RED_OVERDUE || (self.red > 0 && share(self.red) >= RED_SHARE) {
            WarningLevel::Red
        } else if self.red > 0 || (self.yellow > 0 && share(self.yellow) >= YELLOW_SHARE) {
            WarningLevel::Yellow
        } else {
            WarningLevel::Green
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn work(open: u64, yellow: u64, red: u64) -> OpenWork {
        OpenWork { open, yellow, red }
    }

    #[test]
    fn levels_at_their_thresholds() {
        assert_eq!(work(0, 0, 0).warning(), WarningLevel::Green);
        assert_eq!(work(100, 19, 0).warning(), WarningLevel::Green);
        assert_eq!(work(100, 20, 0).warning(), WarningLevel::Yellow);
        assert_eq!(work(100, 0, 1).warning(), WarningLevel::Yellow);
        assert_eq!(work(100, 0, 14).warning(), WarningLevel::Yellow);
        assert_eq!(work(100, 0, 15).warning(), WarningLevel::Red, "15% overdue");
        assert_eq!(work(1000, 0, 20).warning(), WarningLevel::Red, "20 overdue");
        assert_eq!(work(1000, 0, 19).warning(), WarningLevel::Yellow);
    }

    proptest! {
        /// One more overdue event never lowers the level, nor does one more
        /// of the same open work falling due soon.
        #[test]
        fn monotone_in_late_work(on_time in 1u64..500, yellow in 0u64..100, red in 0u64..100) {
            let open = on_time + yellow + red;
            let base = work(open, yellow, red).warning();
            prop_assert!(work(open + 1, yellow, red + 1).warning() >= base);
            prop_assert!(work(open, yellow + 1, red).warning() >= base);
        }

        /// A region with nothing late is green; one with overdue work is not.
        #[test]
        fn green_exactly_without_late_work(open in 0u64..500, red in 1u64..50) {
            prop_assert_eq!(work(open, 0, 0).warning(), WarningLevel::Green);
            prop_assert!(work(open, 0, red).warning() > WarningLevel::Green);
        }
    }
}
