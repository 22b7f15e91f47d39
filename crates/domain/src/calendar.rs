//! The working calendar: which days are working days in China (weekends,
//! public holidays and the make-up working days, 调休, that the State
//! Council publishes each year), office hours, and time-limit arithmetic in
//! working hours, working days and natural days.
//!
//! Holidays are data: one TOML file per year (see `calendars/2026.toml`),
//! loaded with [`Calendar::add_year`]. A year with no file loaded counts
//! weekends only; [`Calendar::covers`] tells whether a year is known.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The unit of a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    /// Hours counted inside office hours on working days (工作时).
    WorkingHours,
    /// Whole working days after the day the clock starts (工作日).
    WorkingDays,
    /// Calendar days, around the clock (自然日).
    NaturalDays,
}

/// A time limit as a category states it, e.g. 4 working hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLimit {
    /// How many units.
    pub value: u32,
    /// Which unit.
    pub unit: LimitUnit,
}

/// Why a calendar file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The text is not valid TOML of the expected shape.
    #[error("calendar file: {0}")]
    Syntax(String),
    /// A date or range breaks a rule; the message names it.
    #[error("calendar {year}: {reason}")]
    Invalid {
        /// The year of the file.
        year: i32,
        /// What is wrong.
        reason: String,
    },
    /// Office hours that overlap, run backwards or are empty.
    #[error("office hours: {0}")]
    OfficeHours(String),
}

/// Offset of China Standard Time from UTC, in seconds. China keeps one
/// time zone and no daylight saving, so local instants convert exactly.
const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// Seconds since the Unix epoch of a local instant in China (how stores keep
/// instants).
pub fn epoch_of_local(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp() - CHINA_OFFSET_SECS
}

/// The local instant in China of seconds since the Unix epoch; `None` out of
/// chrono's range.
pub fn local_of_epoch(secs: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp(secs.checked_add(CHINA_OFFSET_SECS)?, 0).map(|t| t.naive_utc())
}

/// One public holiday of a year's schedule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    name: String,
    from: toml::value::Datetime,
    to: toml::value::Datetime,
    #[serde(default)]
    makeup_workdays: Vec<toml::value::Datetime>,
}

/// A year's schedule as published.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    holidays: Vec<HolidayEntry>,
}

/// What the calendar knows of one year.
#[derive(Debug, Clone, Default)]
struct Year {
    days_off: BTreeSet<NaiveDate>,
    makeup_workdays: BTreeSet<NaiveDate>,
    source: String,
}

/// The daily office periods, e.g. 08:30–12:00 and 14:00–17:30.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    periods: Vec<(NaiveTime, NaiveTime)>,
}

impl OfficeHours {
    /// Office periods in order; they must not overlap or be empty.
    pub fn new(periods: Vec<(NaiveTime, NaiveTime)>) -> Result<Self, CalendarError> {
        if periods.is_empty() {
            return Err(CalendarError::OfficeHours("no office period".into()));
        }
        for (i, (start, end)) in periods.iter().enumerate() {
            if start >= end {
                return Err(CalendarError::OfficeHours(format!(
                    "period {start}–{end} is empty or runs backwards"
                )));
            }
            if i > 0 && periods[i - 1].1 > *start {
                return Err(CalendarError::OfficeHours(format!(
                    "period {start}–{end} overlaps the one before"
                )));
            }
        }
        Ok(OfficeHours { periods })
    }

    /// Minutes of office time in a working day.
    pub fn minutes_per_day(&self) -> i64 {
        self.periods
            .iter()
            .map(|(s, e)| (*e - *s).num_minutes())
            .sum()
    }
}

impl Default for OfficeHours {
    /// 08:30–12:00 and 14:00–17:30, common in government offices.
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        OfficeHours {
            periods: vec![(t(8, 30), t(12, 0)), (t(14, 0), t(17, 30))],
        }
    }
}

/// Working days, office hours and time-limit arithmetic.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
    office: OfficeHours,
}

/// The official schedule shipped with gongzhi.
const BUILT_IN: &[&str] = &[include_str!("../calendars/2026.toml")];

fn date_of(
    value: &toml::value::Datetime,
    year: i32,
    what: &str,
) -> Result<NaiveDate, CalendarError> {
    let invalid = |reason: String| CalendarError::Invalid { year, reason };
    let d = value
        .date
        .filter(|_| value.time.is_none())
        .ok_or_else(|| invalid(format!("{what} {value} is not a plain date")))?;
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        .ok_or_else(|| invalid(format!("{what} {value} is not a date")))
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// A calendar with the given office hours and no holiday schedule.
    pub fn new(office: OfficeHours) -> Self {
        Calendar {
            years: BTreeMap::new(),
            office,
        }
    }

    /// Default office hours and every schedule shipped with gongzhi.
    pub fn china() -> Self {
        let mut c = Calendar::default();
        for text in BUILT_IN {
            c.add_year(text).expect("the shipped calendars are valid");
        }
        c
    }

    /// Loads one year's schedule from TOML, replacing what was known of that
    /// year. Refuses dates outside the year, ranges that run backwards,
    /// make-up working days that are not weekend days or fall in a holiday.
    pub fn add_year(&mut self, text: &str) -> Result<i32, CalendarError> {
        let file: YearFile =
            toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let year = file.year;
        let invalid = |reason: String| CalendarError::Invalid { year, reason };
        let mut y = Year {
            source: file.source,
            ..Year::default()
        };
        for h in &file.holidays {
            let from = date_of(&h.from, year, &format!("{} from", h.name))?;
            let to = date_of(&h.to, year, &format!("{} to", h.name))?;
            if from > to {
                return Err(invalid(format!("{}: from {from} is after to {to}", h.name)));
            }
            if from.year() != year || to.year() != year {
                return Err(invalid(format!("{}: {from}–{to} is not in {year}", h.name)));
            }
            y.days_off.extend(from.iter_days().take_while(|d| *d <= to));
            for m in &h.makeup_workdays {
                let m = date_of(m, year, &format!("{} make-up working day", h.name))?;
                if !is_weekend(m) {
                    return Err(invalid(format!(
                        "{}: make-up working day {m} is a {:?}, not a weekend day",
                        h.name,
                        m.weekday()
                    )));
                }
                y.makeup_workdays.insert(m);
            }
        }
        if let Some(clash) = y.makeup_workdays.intersection(&y.days_off).next() {
            return Err(invalid(format!(
                "{clash} is both a day off and a make-up working day"
            )));
        }
        self.years.insert(year, y);
        Ok(year)
    }

    /// Whether a schedule for `year` is loaded.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Where the schedule of `year` comes from, when loaded.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.source.as_str())
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.years.get(&day.year()) {
            Some(y) if y.makeup_workdays.contains(&day) => true,
            Some(y) if y.days_off.contains(&day) => false,
            _ => !is_weekend(day),
        }
    }

    /// The first working day after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        loop {
            d = d.succ_opt().expect("dates stay far from chrono's limits");
            if self.is_working_day(d) {
                return d;
            }
        }
    }

    /// The office periods of `day` as instants; none on a day off.
    fn periods(&self, day: NaiveDate) -> impl Iterator<Item = (NaiveDateTime, NaiveDateTime)> + '_ {
        let working = self.is_working_day(day);
        self.office
            .periods
            .iter()
            .filter(move |_| working)
            .map(move |(s, e)| (day.and_time(*s), day.and_time(*e)))
    }

    /// When a limit that starts at `start` runs out. Working hours count
    /// office time only; N working days end when office hours end on the
    /// N-th working day after the start day; natural days are 24-hour days.
    pub fn deadline(&self, start: NaiveDateTime, limit: TimeLimit) -> NaiveDateTime {
        match limit.unit {
            LimitUnit::NaturalDays => start + Duration::days(i64::from(limit.value)),
            LimitUnit::WorkingDays => {
                if limit.value == 0 {
                    return start;
                }
                let mut day = start.date();
                for _ in 0..limit.value {
                    day = self.next_working_day(day);
                }
                let end = self
                    .office
                    .periods
                    .last()
                    .expect("office hours have a period")
                    .1;
                day.and_time(end)
            }
            LimitUnit::WorkingHours => self.add_working_minutes(start, i64::from(limit.value) * 60),
        }
    }

    /// The instant `minutes` of office time after `start` (`start` itself
    /// for zero or fewer).
    pub fn add_working_minutes(&self, start: NaiveDateTime, minutes: i64) -> NaiveDateTime {
        if minutes <= 0 {
            return start;
        }
        let mut left = minutes;
        let mut day = start.date();
        loop {
            for (s, e) in self.periods(day) {
                let from = s.max(start);
                if from >= e {
                    continue;
                }
                let available = (e - from).num_minutes();
                if left <= available {
                    return from + Duration::minutes(left);
                }
                left -= available;
            }
            day = day.succ_opt().expect("dates stay far from chrono's limits");
        }
    }

    /// Office minutes between two instants (0 when `to` is not after `from`).
    pub fn working_minutes_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> i64 {
        let mut total = 0;
        let mut day = from.date();
        while day <= to.date() {
            for (s, e) in self.periods(day) {
                let (a, b) = (s.max(from), e.min(to));
                if b > a {
                    total += (b - a).num_minutes();
                }
            }
            day = day.succ_opt().expect("dates stay far from chrono's limits");
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn local_instants_are_utc_plus_eight() {
        let local = at(2026, 11, 22, 8, 0);
        assert_eq!(epoch_of_local(local), 1_795_305_600);
        assert_eq!(local_of_epoch(1_795_305_600), Some(local));
        assert_eq!(local_of_epoch(i64::MAX), None);
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hours(value: u32) -> TimeLimit {
        TimeLimit {
            value,
            unit: LimitUnit::WorkingHours,
        }
    }

    #[test]
    fn the_2026_schedule_has_its_holidays_and_make_up_days() {
        let c = Calendar::china();
        assert!(c.covers(2026) && c.source(2026).unwrap().contains("国务院办公厅"));
        // 春节: Sat 2026-02-14 is worked, 15th to 23rd are off, Tue 24th is worked.
        assert!(c.is_working_day(date(2026, 2, 14)));
        assert!((15..=23).all(|d| !c.is_working_day(date(2026, 2, d))));
        assert!(c.is_working_day(date(2026, 2, 24)));
        assert!(c.is_working_day(date(2026, 2, 28)));
        // 国庆节 and its two make-up days.
        assert!(c.is_working_day(date(2026, 9, 20)) && c.is_working_day(date(2026, 10, 10)));
        assert!(!c.is_working_day(date(2026, 10, 8 - 1)));
        assert!(c.is_working_day(date(2026, 10, 8)));
        // An ordinary weekend.
        assert!(!c.is_working_day(date(2026, 3, 7)));
        let working_days = date(2026, 1, 1)
            .iter_days()
            .take(365)
            .filter(|d| c.is_working_day(*d))
            .count();
        // 261 weekdays, less 19 weekday holidays, plus 6 make-up days.
        assert_eq!(working_days, 248);
    }

    #[test]
    fn four_working_hours_from_the_friday_afternoon_before_qingming_end_on_tuesday() {
        // Fri 2026-04-03 16:00: 1.5 h left that day; 清明 is Sat 4th to Mon 6th.
        let c = Calendar::china();
        assert_eq!(
            c.deadline(at(2026, 4, 3, 16, 0), hours(4)),
            at(2026, 4, 7, 11, 0)
        );
        // Before National Day: Wed 2026-09-30 15:00 (2.5 h left) → Thu 10-08 10:00.
        assert_eq!(
            c.deadline(at(2026, 9, 30, 15, 0), hours(4)),
            at(2026, 10, 8, 10, 0)
        );
    }

    #[test]
    fn working_days_end_with_office_hours_and_skip_days_off() {
        let c = Calendar::china();
        let three = TimeLimit {
            value: 3,
            unit: LimitUnit::WorkingDays,
        };
        // Thu 2026-02-12: Fri 13th, Sat 14th (make-up), then Tue 24th.
        assert_eq!(
            c.deadline(at(2026, 2, 12, 10, 0), three),
            at(2026, 2, 24, 17, 30)
        );
        let natural = TimeLimit {
            value: 2,
            unit: LimitUnit::NaturalDays,
        };
        assert_eq!(
            c.deadline(at(2026, 2, 12, 10, 0), natural),
            at(2026, 2, 14, 10, 0)
        );
    }

    #[test]
    fn bad_calendar_files_are_refused_with_the_reason() {
        let mut c = Calendar::default();
        let backwards = "year = 2026\nsource = \"x\"\n[[holidays]]\nname = \"A\"\nfrom = 2026-05-05\nto = 2026-05-01\n";
        assert!(
            c.add_year(backwards)
                .unwrap_err()
                .to_string()
                .contains("A: from 2026-05-05 is after to 2026-05-01")
        );
        let weekday = "year = 2026\nsource = \"x\"\n[[holidays]]\nname = \"B\"\nfrom = 2026-05-01\nto = 2026-05-01\nmakeup_workdays = [2026-05-06]\n";
        assert!(
            c.add_year(weekday)
                .unwrap_err()
                .to_string()
                .contains("not a weekend day")
        );
        let other_year = "year = 2026\nsource = \"x\"\n[[holidays]]\nname = \"C\"\nfrom = 2027-01-01\nto = 2027-01-01\n";
        assert!(
            c.add_year(other_year)
                .unwrap_err()
                .to_string()
                .contains("not in 2026")
        );
        assert!(matches!(
            c.add_year("year = \"x\""),
            Err(CalendarError::Syntax(_))
        ));
        assert!(!c.covers(2026));
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        assert!(OfficeHours::new(vec![(t(9), t(12)), (t(11), t(17))]).is_err());
        assert!(OfficeHours::new(vec![(t(9), t(9))]).is_err());
    }

    fn instant() -> impl Strategy<Value = NaiveDateTime> {
        (0i64..365 * 24 * 4)
            .prop_map(|quarter| at(2026, 1, 1, 0, 0) + Duration::minutes(quarter * 15))
    }

    proptest! {
        #[test]
        fn a_working_hours_limit_is_exactly_that_much_office_time(start in instant(), h in 1u32..60) {
            let c = Calendar::china();
            let end = c.deadline(start, hours(h));
            prop_assert_eq!(c.working_minutes_between(start, end), i64::from(h) * 60);
            prop_assert!(c.is_working_day(end.date()));
            let inside = c.office.periods.iter().any(|(s, e)| end.time() > *s && end.time() <= *e);
            prop_assert!(inside, "{end} is outside office hours");
        }

        #[test]
        fn longer_limits_never_end_sooner(start in instant(), a in 0u32..40, b in 0u32..40) {
            let c = Calendar::china();
            for unit in [LimitUnit::WorkingHours, LimitUnit::WorkingDays, LimitUnit::NaturalDays] {
                let (lo, hi) = (a.min(b), a.max(b));
                let end_lo = c.deadline(start, TimeLimit { value: lo, unit });
                let end_hi = c.deadline(start, TimeLimit { value: hi, unit });
                prop_assert!(end_lo <= end_hi && start <= end_lo);
            }
        }

    }

    #[test]
    fn four_hours_from_any_afternoon_before_a_day_off_end_on_the_next_working_day() {
        let c = Calendar::china();
        let eves: Vec<NaiveDate> = date(2026, 1, 1)
            .iter_days()
            .take(365)
            .filter(|d| c.is_working_day(*d) && !c.is_working_day(d.succ_opt().unwrap()))
            .collect();
        assert_eq!(eves.len(), 50, "working days of 2026 followed by a day off");
        for d in eves {
            let end = c.deadline(d.and_hms_opt(16, 0, 0).unwrap(), hours(4));
            assert_eq!(end.date(), c.next_working_day(d), "from {d} 16:00");
            assert_eq!(
                end.time(),
                NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
                "from {d} 16:00"
            );
        }
    }
}
