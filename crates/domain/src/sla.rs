//! Time limits as they run: a clock started when a phase begins, stopped
//! while the event is suspended (挂起), lengthened by approved extensions
//! (延期), and the SLA colour a queue shows: green while under 80% of the
//! limit is used, yellow from 80%, red once overdue.

use crate::calendar::{Calendar, LimitUnit, TimeLimit};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Share of the limit from which a clock shows yellow.
pub const YELLOW_FROM: f64 = 0.8;

/// The colour of a running time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaColour {
    /// Under 80% of the limit used.
    Green,
    /// 80% or more used, not overdue.
    Yellow,
    /// Overdue.
    Red,
}

impl SlaColour {
    /// Stable machine name: `green`, `yellow` or `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaColour::Green => "green",
            SlaColour::Yellow => "yellow",
            SlaColour::Red => "red",
        }
    }

    /// The colour at `now` of a clock that turns yellow at `warn` and is
    /// overdue after `due`.
    pub fn at(warn: NaiveDateTime, due: NaiveDateTime, now: NaiveDateTime) -> SlaColour {
        if now > due {
            SlaColour::Red
        } else if now >= warn {
            SlaColour::Yellow
        } else {
            SlaColour::Green
        }
    }
}

/// The clock of one phase of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// When the phase began.
    pub started: NaiveDateTime,
    /// The limit of the phase.
    pub limit: TimeLimit,
    /// Extra time granted, added to the limit (all in the limit's unit).
    pub extensions: Vec<u32>,
    /// Suspensions: from, and until (`None` while still suspended).
    pub pauses: Vec<(NaiveDateTime, Option<NaiveDateTime>)>,
}

impl Clock {
    /// A clock started at `started` with no extension and no pause.
    pub fn new(started: NaiveDateTime, limit: TimeLimit) -> Self {
        Clock {
            started,
            limit,
            extensions: Vec::new(),
            pauses: Vec::new(),
        }
    }

    /// The limit with every extension added.
    pub fn total(&self) -> TimeLimit {
        TimeLimit {
            value: self.limit.value + self.extensions.iter().sum::<u32>(),
            unit: self.limit.unit,
        }
    }

    /// Minutes of the limit's kind (office minutes for working units, plain
    /// minutes for natural days) between two instants.
    fn minutes(&self, cal: &Calendar, from: NaiveDateTime, to: NaiveDateTime) -> i64 {
        match self.limit.unit {
            LimitUnit::NaturalDays => (to - from).num_minutes().max(0),
            LimitUnit::WorkingHours | LimitUnit::WorkingDays => {
                cal.working_minutes_between(from, to)
            }
        }
    }

    /// Minutes the clock has run by `now`: since the start, less the pauses.
    pub fn used_minutes(&self, cal: &Calendar, now: NaiveDateTime) -> i64 {
        let paused: i64 = self
            .pauses
            .iter()
            .map(|(from, until)| {
                let from = (*from).clamp(self.started, now.max(self.started));
                let until = until.unwrap_or(now).clamp(from, now.max(from));
                self.minutes(cal, from, until)
            })
            .sum();
        (self.minutes(cal, self.started, now) - paused).max(0)
    }

    /// Minutes the whole limit allows.
    pub fn limit_minutes(&self, cal: &Calendar) -> i64 {
        let end = cal.deadline(self.started, self.total());
        self.minutes(cal, self.started, end)
    }

    /// The deadline: the limit from the start, pushed back by every pause
    /// (a pause still running pushes it back up to `now`).
    pub fn deadline(&self, cal: &Calendar, now: NaiveDateTime) -> NaiveDateTime {
        self.pushed_back(cal, cal.deadline(self.started, self.total()), now)
    }

    /// When the clock turns yellow: the instant [`YELLOW_FROM`] of the limit
    /// is used, pushed back by pauses as the deadline is.
    pub fn warn_at(&self, cal: &Calendar, now: NaiveDateTime) -> NaiveDateTime {
        let minutes = (self.limit_minutes(cal) as f64 * YELLOW_FROM).ceil() as i64;
        let end = match self.limit.unit {
            LimitUnit::NaturalDays => self.started + Duration::minutes(minutes),
            _ => cal.add_working_minutes(self.started, minutes),
        };
        self.pushed_back(cal, end, now)
    }

    /// `end` pushed back by the time every pause before it took.
    fn pushed_back(
        &self,
        cal: &Calendar,
        mut end: NaiveDateTime,
        now: NaiveDateTime,
    ) -> NaiveDateTime {
        let mut pauses: Vec<_> = self
            .pauses
            .iter()
            .map(|(f, u)| (*f, u.unwrap_or(now)))
            .collect();
        pauses.sort();
        for (from, until) in pauses {
            if from >= end {
                break;
            }
            let lost = self.minutes(cal, from.max(self.started), until);
            end = match self.limit.unit {
                LimitUnit::NaturalDays => end + Duration::minutes(lost),
                _ => cal.add_working_minutes(end, lost),
            };
        }
        end
    }

    /// Share of the limit used by `now` (above 1 when overdue).
    pub fn share_used(&self, cal: &Calendar, now: NaiveDateTime) -> f64 {
        let limit = self.limit_minutes(cal);
        if limit == 0 {
            return if now > self.started {
                f64::INFINITY
            } else {
                0.0
            };
        }
        self.used_minutes(cal, now) as f64 / limit as f64
    }

    /// The colour a queue shows for this clock at `now`.
    pub fn colour(&self, cal: &Calendar, now: NaiveDateTime) -> SlaColour {
        let share = self.share_used(cal, now);
        if share > 1.0 || (share >= 1.0 && now > self.deadline(cal, now)) {
            SlaColour::Red
        } else if share >= YELLOW_FROM {
            SlaColour::Yellow
        } else {
            SlaColour::Green
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn at(m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn hours(value: u32) -> TimeLimit {
        TimeLimit {
            value,
            unit: LimitUnit::WorkingHours,
        }
    }

    #[test]
    fn colours_follow_the_share_of_the_limit_used() {
        let cal = Calendar::china();
        // Mon 2026-03-09 08:30, 10 working hours: 7 on Monday, ends Tue 10th 11:30.
        let clock = Clock::new(at(3, 9, 8, 30), hours(10));
        assert_eq!(clock.deadline(&cal, at(3, 9, 8, 30)), at(3, 10, 11, 30));
        assert_eq!(clock.colour(&cal, at(3, 9, 17, 30)), SlaColour::Green); // 7 h: 70%
        assert_eq!(clock.colour(&cal, at(3, 10, 8, 30)), SlaColour::Green);
        assert_eq!(clock.colour(&cal, at(3, 10, 9, 30)), SlaColour::Yellow); // 8 h: 80%
        assert_eq!(clock.colour(&cal, at(3, 10, 11, 30)), SlaColour::Yellow); // exactly 100%
        assert_eq!(clock.colour(&cal, at(3, 10, 11, 31)), SlaColour::Red);
    }

    #[test]
    fn a_suspension_stops_the_clock_and_an_extension_moves_the_deadline() {
        let cal = Calendar::china();
        let mut clock = Clock::new(at(3, 9, 8, 30), hours(10));
        // Suspended Mon 14:00 until Wed 08:30: the afternoon and Tuesday do not count.
        clock.pauses.push((at(3, 9, 14, 0), Some(at(3, 11, 8, 30))));
        assert_eq!(clock.used_minutes(&cal, at(3, 10, 17, 0)), 210);
        assert_eq!(clock.colour(&cal, at(3, 10, 17, 0)), SlaColour::Green);
        // 3.5 h used before the pause; 6.5 h from Wed 08:30 end Wed 17:00.
        assert_eq!(clock.deadline(&cal, at(3, 11, 8, 30)), at(3, 11, 17, 0));
        clock.extensions.push(4);
        // 14 h in all: 3.5 before the pause, 7 on Wednesday, 3.5 on Thursday.
        assert_eq!(clock.deadline(&cal, at(3, 11, 8, 30)), at(3, 12, 12, 0));
        let open = Clock {
            pauses: vec![(at(3, 9, 14, 0), None)],
            ..Clock::new(at(3, 9, 8, 30), hours(10))
        };
        assert_eq!(
            open.used_minutes(&cal, at(3, 20, 10, 0)),
            210,
            "a running pause holds the clock"
        );
    }

    fn instant() -> impl Strategy<Value = NaiveDateTime> {
        (0i64..300 * 24 * 4).prop_map(|q| at(1, 1, 0, 0) + Duration::minutes(q * 15))
    }

    proptest! {
        #[test]
        fn at_the_deadline_the_whole_limit_is_used(start in instant(), h in 1u32..40, pause_at in 0i64..2000, pause_for in 0i64..5000) {
            let cal = Calendar::china();
            let mut clock = Clock::new(start, hours(h));
            let from = start + Duration::minutes(pause_at);
            clock.pauses.push((from, Some(from + Duration::minutes(pause_for))));
            let end = clock.deadline(&cal, start);
            prop_assert_eq!(clock.used_minutes(&cal, end), i64::from(h) * 60, "deadline {}", end);
            prop_assert_ne!(clock.colour(&cal, end), SlaColour::Red);
            let warn = clock.warn_at(&cal, start);
            prop_assert!(warn <= end);
            prop_assert_ne!(clock.colour(&cal, warn), SlaColour::Green, "yellow at {}", warn);
        }

        #[test]
        fn the_colour_never_turns_back(start in instant(), h in 1u32..40, a in 0i64..20_000, b in 0i64..20_000) {
            let cal = Calendar::china();
            let clock = Clock::new(start, hours(h));
            let (early, late) = (start + Duration::minutes(a.min(b)), start + Duration::minutes(a.max(b)));
            prop_assert!(clock.colour(&cal, early) as u8 <= clock.colour(&cal, late) as u8);
        }
    }
}
