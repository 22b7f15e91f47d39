//! Periods as written for each periodicity: `2026-11-22`, `2026-11`,
//! `2026Q4`, `2026`; each is a span of local days.

use crate::definition::Periodicity;
use chrono::{Datelike, Months, NaiveDate};

/// One period: its first day and the day after its last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// The first day.
    pub start: NaiveDate,
    /// The day after the last.
    pub end: NaiveDate,
}

impl Period {
    /// Reads a period written for `periodicity`; the error says what form
    /// was expected.
    pub fn parse(text: &str, periodicity: Periodicity) -> Result<Period, String> {
        let bad = || {
            let form = match periodicity {
                Periodicity::Day => "a day such as 2026-11-22",
                Periodicity::Month => "a month such as 2026-11",
                Periodicity::Quarter => "a quarter such as 2026Q4",
                Periodicity::Year => "a year such as 2026",
            };
            format!("`{text}` is not {form}")
        };
        let start = match periodicity {
            Periodicity::Day => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
            Periodicity::Month => NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok(),
            Periodicity::Quarter => text.split_once('Q').and_then(|(y, q)| {
                let (y, q) = (y.parse::<i32>().ok()?, q.parse::<u32>().ok()?);
                (1..=4)
                    .contains(&q)
                    .then(|| NaiveDate::from_ymd_opt(y, 3 * q - 2, 1))?
            }),
            Periodicity::Year => text
                .parse::<i32>()
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)),
        }
        .filter(|d| Period::name(*d, periodicity) == text)
        .ok_or_else(bad)?;
        let end = match periodicity {
            Periodicity::Day => start.succ_opt(),
            Periodicity::Month => start.checked_add_months(Months::new(1)),
            Periodicity::Quarter => start.checked_add_months(Months::new(3)),
            Periodicity::Year => start.checked_add_months(Months::new(12)),
        }
        .ok_or_else(bad)?;
        Ok(Period { start, end })
    }

    /// The name of the period of `periodicity` that holds `day`.
    pub fn name(day: NaiveDate, periodicity: Periodicity) -> String {
        match periodicity {
            Periodicity::Day => day.format("%Y-%m-%d").to_string(),
            Periodicity::Month => day.format("%Y-%m").to_string(),
            Periodicity::Quarter => format!("{}Q{}", day.year(), day.month0() / 3 + 1),
            Periodicity::Year => day.year().to_string(),
        }
    }

    /// The period just before, of the same periodicity.
    pub fn previous(&self, periodicity: Periodicity) -> Period {
        let day = self.start.pred_opt().unwrap_or(self.start);
        let name = Period::name(day, periodicity);
        Period::parse(&name, periodicity).unwrap_or(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_form_parses_and_names_its_span() {
        let q = Period::parse("2026Q4", Periodicity::Quarter).unwrap();
        assert_eq!(
            (q.start.to_string(), q.end.to_string()),
            ("2026-10-01".into(), "2027-01-01".into())
        );
        let m = Period::parse("2026-02", Periodicity::Month).unwrap();
        assert_eq!(m.end.to_string(), "2026-03-01");
        assert!(Period::parse("2026Q5", Periodicity::Quarter).is_err());
        assert!(Period::parse("2026-2", Periodicity::Month).is_err());
        let e = Period::parse("2026Q1", Periodicity::Month).unwrap_err();
        assert!(e.contains("a month such as"), "{e}");
        assert_eq!(
            q.previous(Periodicity::Quarter),
            Period::parse("2026Q3", Periodicity::Quarter).unwrap()
        );
    }

    proptest! {
        /// Every day lies in the period named after it, and consecutive
        /// periods meet without a gap.
        #[test]
        fn periods_tile_the_calendar(days in 0i64..40_000, p in 0usize..4) {
            let periodicity = [Periodicity::Day, Periodicity::Month, Periodicity::Quarter, Periodicity::Year][p];
            let day = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(days);
            let period = Period::parse(&Period::name(day, periodicity), periodicity).unwrap();
            prop_assert!(period.start <= day && day < period.end);
            prop_assert_eq!(Period::parse(&Period::name(period.end, periodicity), periodicity).unwrap().previous(periodicity), period);
        }
    }
}
