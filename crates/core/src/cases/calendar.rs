//! Working-time calendar: time limits counted in working hours and working days.
//!
//! A [`Calendar`] knows a city's time zone (minutes east of UTC, default +480 for China, which
//! has no daylight saving), its office hours ([`WorkingHours`], default Nanning's
//! 08:30–12:00 and 14:30–18:00), its weekend days (default Saturday and Sunday) and, per year,
//! a table of public holidays and make-up working days ([`YearTable`], 调休). The 2025 and 2026
//! arrangements of the State Council ship as data ([`Calendar::builtin`]); a city loads its
//! own tables with [`Calendar::parse_table`] and [`Calendar::with_table`].
//!
//! # Semantics
//!
//! * **Working day.** A local date is a working day when it is not a holiday and either it is
//!   a make-up working day or it is not a weekend day. Holidays are never working days (even if
//!   a table also lists them as make-up days); make-up days are working days even on weekends.
//!   Years without a table have only weekends off.
//! * **Working time.** The instants of a working day that fall inside one of the day's periods.
//!   Periods are half-open, `[start, end)`: at 12:00 with a period ending at 12:00 the office
//!   is closed. Nothing outside the periods counts; nothing on a non-working day counts.
//! * **Measuring** ([`Calendar::working_minutes_between`]): the working time in `[from, to)`,
//!   counted exactly in milliseconds and truncated toward zero to whole minutes; negative when
//!   `to < from` (the same amount, with the sign flipped).
//! * **Adding minutes and hours** ([`Calendar::add_working`] with [`Duration::Minutes`] or
//!   [`Duration::Hours`], one hour being 60 working minutes): the earliest instant `t >= start`
//!   such that the working time in `[start, t)` is exactly the amount. So a limit that runs out
//!   exactly at the end of a period is due at that end (18:00 today, not 08:30 tomorrow), and
//!   a start outside working time first waits for the next working moment. Adding zero returns
//!   `start` unchanged. Round trip: `working_minutes_between(s, add_working(s, d))` is exactly
//!   `d` in minutes; and adding `a` then `b` equals adding `a + b`.
//! * **Adding days** ([`Duration::Days`]): a start outside working time is first moved forward
//!   to the next working moment `s'` (the next period start, possibly on a later working day).
//!   The result is the same local time of day as `s'` on the N-th working day after `s'`'s
//!   date. So exactly N working days lie after `s'`'s date up to and including the result's
//!   date, the result is working time, and the working time between `start` and the result is
//!   exactly N full working days (N × the day's working minutes). Adding zero days returns
//!   `start` unchanged.
//! * **Time left** ([`Calendar::time_left`]): before or at the deadline, the working minutes
//!   still available; after it (by the clock), overdue by the working minutes elapsed since the
//!   deadline (which may be 0, e.g. on the weekend after a Friday 18:00 deadline: overdue, but
//!   by no working time yet).
//!
//! Everything is computed from day counts and set look-ups: adding or measuring years of
//! working time never walks minute by minute or even day by day.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Millis;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const DAY_MINUTES: u16 = 1440;

/// The 2026 arrangement, shipped as data (edit a copy per city, see the file's header).
const TABLE_CN_2026: &str = include_str!("calendar_cn_2026.txt");

/// The 2025 arrangement (国务院办公厅关于2025年部分节假日安排的通知), same format as the
/// 2026 file. From 2025 the Spring Festival and Labour Day holidays each gained one day.
const TABLE_CN_2025: &str = "\
year 2025
holiday 2025-01-01              元旦 New Year's Day (Wed, no make-up day)
holiday 2025-01-28..2025-02-04  春节 Spring Festival (Tue–Tue, 8 days)
workday 2025-01-26              春节调休 make-up working day (Sun)
workday 2025-02-08              春节调休 make-up working day (Sat)
holiday 2025-04-04..2025-04-06  清明节 Qingming (Fri–Sun)
holiday 2025-05-01..2025-05-05  劳动节 Labour Day (Thu–Mon)
workday 2025-04-27              劳动节调休 make-up working day (Sun)
holiday 2025-05-31..2025-06-02  端午节 Dragon Boat Festival (Sat–Mon)
holiday 2025-10-01..2025-10-08  国庆节、中秋节 National Day and Mid-Autumn (Wed–Wed, 8 days)
workday 2025-09-28              国庆节调休 make-up working day (Sun)
workday 2025-10-11              国庆节调休 make-up working day (Sat)
";

/// What went wrong configuring a calendar or reading a holiday table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("工作时间至少需要一个时段 / working hours need at least one period")]
    NoPeriods,
    #[error(
        "时段 {start}–{end} 无效 / period {start}–{end} is not a span within one day (start before end, end at most 24:00)",
        start = hhmm(*.start), end = hhmm(*.end)
    )]
    BadPeriod { start: u16, end: u16 },
    #[error(
        "时段 {start}–{end} 与前一时段重叠或顺序错误 / period {start}–{end} overlaps or precedes the period before it",
        start = hhmm(*.start), end = hhmm(*.end)
    )]
    PeriodOrder { start: u16, end: u16 },
    #[error("每周至少需要一个工作日 / at least one day of the week must not be a weekend day")]
    NoWorkingWeekday,
    #[error("时区偏移 {0} 分钟超出范围 / time-zone offset of {0} minutes is outside ±14 hours")]
    Offset(i32),
    #[error("第 {line} 行 / line {line}: {reason}")]
    Table { line: usize, reason: String },
    #[error("节假日表缺少 `year` 行 / the holiday table has no `year YYYY` line")]
    NoYear,
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// Monday = 0 … Sunday = 6.
    pub fn index(self) -> usize {
        self as usize
    }

    fn of_day_number(days: i64) -> Weekday {
        // 1970-01-01 was a Thursday.
        Weekday::ALL[(days + 3).rem_euclid(7) as usize]
    }
}

/// A calendar date in local time (proleptic Gregorian).
///
/// Fields are public for convenience; build checked values with [`LocalDate::new`] or
/// [`str::parse`] (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl LocalDate {
    /// The date, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<LocalDate> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(LocalDate { year, month, day })
    }

    /// The local date at `ms`, for a zone `offset_min` minutes east of UTC.
    pub fn from_millis(ms: Millis, offset_min: i32) -> LocalDate {
        LocalDate::from_day_number((ms + i64::from(offset_min) * MINUTE_MS).div_euclid(DAY_MS))
    }

    /// The day of the week.
    pub fn weekday(self) -> Weekday {
        Weekday::of_day_number(self.day_number())
    }

    /// The following day.
    pub fn next_day(self) -> LocalDate {
        LocalDate::from_day_number(self.day_number() + 1)
    }

    /// The instant this date starts (local midnight) in a zone `offset_min` east of UTC.
    pub fn start_millis(self, offset_min: i32) -> Millis {
        self.day_number() * DAY_MS - i64::from(offset_min) * MINUTE_MS
    }

    /// Days since 1970-01-01 (negative before). Howard Hinnant's days-from-civil.
    pub fn day_number(self) -> i64 {
        let m = i64::from(self.month);
        let d = i64::from(self.day);
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01. Howard Hinnant's civil-from-days.
    pub fn from_day_number(days: i64) -> LocalDate {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        LocalDate {
            year: y as i32,
            month: m as u8,
            day: d as u8,
        }
    }
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for LocalDate {
    type Err = ();

    /// Exactly `YYYY-MM-DD` (four-digit year, two-digit month and day).
    fn from_str(s: &str) -> Result<LocalDate, ()> {
        let b = s.as_bytes();
        if !s.is_ascii() || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(());
        }
        let digits = |r: std::ops::Range<usize>| -> Result<u32, ()> {
            let part = &s[r];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| ())
            } else {
                Err(())
            }
        };
        let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        LocalDate::new(y as i32, m as u8, d as u8).ok_or(())
    }
}

/// Office hours: periods of the day, in minutes after local midnight, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkingHours {
    pub periods: Vec<(u16, u16)>,
}

impl Default for WorkingHours {
    /// Nanning's usual office hours: 08:30–12:00 and 14:30–18:00 (7 hours).
    fn default() -> Self {
        WorkingHours {
            periods: vec![(8 * 60 + 30, 12 * 60), (14 * 60 + 30, 18 * 60)],
        }
    }
}

impl WorkingHours {
    fn validate(&self) -> Result<(), CalendarError> {
        if self.periods.is_empty() {
            return Err(CalendarError::NoPeriods);
        }
        let mut previous_end = 0;
        for &(start, end) in &self.periods {
            if start >= end || end > DAY_MINUTES {
                return Err(CalendarError::BadPeriod { start, end });
            }
            if start < previous_end {
                return Err(CalendarError::PeriodOrder { start, end });
            }
            previous_end = end;
        }
        Ok(())
    }

    /// Working minutes in one full working day.
    pub fn minutes_per_day(&self) -> u32 {
        self.periods.iter().map(|&(s, e)| u32::from(e - s)).sum()
    }
}

/// An amount of working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duration {
    Minutes(u32),
    /// 60 working minutes each.
    Hours(u32),
    /// Working days: see the module documentation.
    Days(u32),
}

/// How a deadline stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remaining {
    /// Not past the deadline; this much working time is left (≥ 0).
    Left { working_minutes: i64 },
    /// Past the deadline by the clock; this much working time has elapsed since (≥ 0).
    Overdue { working_minutes: i64 },
}

impl Remaining {
    pub fn is_overdue(self) -> bool {
        matches!(self, Remaining::Overdue { .. })
    }
}

/// One year's holidays and make-up working days, each with its label (e.g. `春节 Spring
/// Festival`), as read by [`Calendar::parse_table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearTable {
    pub year: i32,
    pub holidays: BTreeMap<LocalDate, String>,
    pub make_up_days: BTreeMap<LocalDate, String>,
}

/// A city's working-time calendar. See the module documentation for the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    offset_min: i32,
    hours: WorkingHours,
    /// Indexed by [`Weekday::index`].
    weekend: [bool; 7],
    /// Day numbers (see [`LocalDate::day_number`]).
    holidays: BTreeSet<i64>,
    make_up_days: BTreeSet<i64>,
    /// Years for which a table was loaded.
    years: BTreeSet<i32>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::builtin()
    }
}

impl Calendar {
    /// China: UTC+8, default office hours, Monday–Friday working, Saturday and Sunday off,
    /// holidays and make-up days from `year_tables`. When two tables are for the same year the
    /// later one replaces the earlier (so a city's own table can follow the built-in ones).
    pub fn china(year_tables: &[YearTable]) -> Calendar {
        let mut cal = Calendar {
            offset_min: 8 * 60,
            hours: WorkingHours::default(),
            weekend: [false, false, false, false, false, true, true],
            holidays: BTreeSet::new(),
            make_up_days: BTreeSet::new(),
            years: BTreeSet::new(),
        };
        for table in year_tables {
            cal = cal.with_table(table);
        }
        cal
    }

    /// The built-in tables: the State Council's 2025 and 2026 arrangements.
    pub fn builtin_tables() -> Vec<YearTable> {
        [TABLE_CN_2025, TABLE_CN_2026]
            .iter()
            .map(|text| Calendar::parse_table(text).expect("built-in holiday table is valid"))
            .collect()
    }

    /// [`Calendar::china`] with the built-in 2025 and 2026 tables.
    pub fn builtin() -> Calendar {
        Calendar::china(&Calendar::builtin_tables())
    }

    /// Replaces the office hours. Periods must be non-empty, sorted, non-overlapping (touching
    /// is allowed) and within one day.
    pub fn with_hours(mut self, hours: WorkingHours) -> Result<Calendar, CalendarError> {
        hours.validate()?;
        self.hours = hours;
        Ok(self)
    }

    /// Replaces the weekend days; at least one weekday must remain.
    pub fn with_weekend(mut self, days: &[Weekday]) -> Result<Calendar, CalendarError> {
        let mut weekend = [false; 7];
        for d in days {
            weekend[d.index()] = true;
        }
        if weekend.iter().all(|&w| w) {
            return Err(CalendarError::NoWorkingWeekday);
        }
        self.weekend = weekend;
        Ok(self)
    }

    /// Replaces the time-zone offset (minutes east of UTC, within ±14 hours).
    pub fn with_offset_minutes(mut self, offset_min: i32) -> Result<Calendar, CalendarError> {
        if offset_min.abs() > 14 * 60 {
            return Err(CalendarError::Offset(offset_min));
        }
        self.offset_min = offset_min;
        Ok(self)
    }

    /// Loads a year's table, replacing any table already loaded for that year.
    pub fn with_table(mut self, table: &YearTable) -> Calendar {
        let first = LocalDate::new(table.year, 1, 1)
            .expect("1 January exists")
            .day_number();
        let last = LocalDate::new(table.year, 12, 31)
            .expect("31 December exists")
            .day_number();
        let outside_year = |d: &i64| !(first..=last).contains(d);
        self.holidays.retain(outside_year);
        self.make_up_days.retain(outside_year);
        self.holidays
            .extend(table.holidays.keys().map(|d| d.day_number()));
        self.make_up_days
            .extend(table.make_up_days.keys().map(|d| d.day_number()));
        self.years.insert(table.year);
        self
    }

    /// Reads a holiday table (format: see `calendar_cn_2026.txt`). Errors name the line
    /// (counted from 1) and the reason.
    pub fn parse_table(text: &str) -> Result<YearTable, CalendarError> {
        let mut year: Option<(i32, usize)> = None;
        let mut holidays = BTreeMap::new();
        let mut make_up_days = BTreeMap::new();
        // Where each date was listed, for duplicate errors.
        let mut seen: BTreeMap<LocalDate, (usize, &str)> = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let err = |reason: String| CalendarError::Table { line, reason };
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let mut tokens = content.split_whitespace();
            let keyword = tokens.next().unwrap_or("");
            match keyword {
                "year" => {
                    if let Some((_, first)) = year {
                        return Err(err(format!(
                            "a second `year` line (the first is line {first}); a table is one year"
                        )));
                    }
                    let value = tokens
                        .next()
                        .ok_or_else(|| err("`year` needs a year, e.g. `year 2026`".into()))?;
                    let y: i32 = value
                        .parse()
                        .ok()
                        .filter(|y| (1..=9999).contains(y))
                        .ok_or_else(|| err(format!("`{value}` is not a year (1–9999)")))?;
                    if let Some(extra) = tokens.next() {
                        return Err(err(format!("unexpected `{extra}` after the year")));
                    }
                    year = Some((y, line));
                }
                "holiday" | "workday" => {
                    let Some((y, _)) = year else {
                        return Err(err(format!(
                            "`{keyword}` before the `year` line; start the table with `year YYYY`"
                        )));
                    };
                    let spec = tokens.next().ok_or_else(|| {
                        err(format!(
                            "`{keyword}` needs a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)"
                        ))
                    })?;
                    let label = tokens.collect::<Vec<_>>().join(" ");
                    let date = |s: &str| -> Result<LocalDate, CalendarError> {
                        let d: LocalDate = s.parse().map_err(|()| {
                            err(format!("`{s}` is not a date (expected YYYY-MM-DD)"))
                        })?;
                        if d.year != y {
                            return Err(err(format!("{d} is not in the table's year {y}")));
                        }
                        Ok(d)
                    };
                    let (from, to) = match spec.split_once("..") {
                        Some((a, b)) => {
                            if keyword == "workday" {
                                return Err(err(
                                    "list make-up working days one per line, not as a range".into(),
                                ));
                            }
                            let (from, to) = (date(a)?, date(b)?);
                            if to < from {
                                return Err(err(format!(
                                    "range ends ({to}) before it starts ({from})"
                                )));
                            }
                            (from, to)
                        }
                        None => {
                            let d = date(spec)?;
                            (d, d)
                        }
                    };
                    let kind = if keyword == "holiday" {
                        "a holiday"
                    } else {
                        "a make-up working day"
                    };
                    let mut d = from;
                    loop {
                        if let Some((other, other_kind)) = seen.get(&d) {
                            return Err(err(format!(
                                "{d} is already listed as {other_kind} on line {other}"
                            )));
                        }
                        seen.insert(d, (line, kind));
                        if keyword == "holiday" {
                            holidays.insert(d, label.clone());
                        } else {
                            make_up_days.insert(d, label.clone());
                        }
                        if d == to {
                            break;
                        }
                        d = d.next_day();
                    }
                }
                other => {
                    return Err(err(format!(
                        "unknown entry `{other}`; expected `year`, `holiday` or `workday`"
                    )));
                }
            }
        }
        let (year, _) = year.ok_or(CalendarError::NoYear)?;
        Ok(YearTable {
            year,
            holidays,
            make_up_days,
        })
    }

    /// Minutes east of UTC.
    pub fn offset_minutes(&self) -> i32 {
        self.offset_min
    }

    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// Years that have a holiday table loaded; other years have only weekends off.
    pub fn table_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn is_holiday(&self, date: LocalDate) -> bool {
        self.holidays.contains(&date.day_number())
    }

    pub fn is_make_up_day(&self, date: LocalDate) -> bool {
        self.make_up_days.contains(&date.day_number())
    }

    /// Make-up days are working even on weekends; holidays are never working.
    pub fn is_working_day(&self, date: LocalDate) -> bool {
        self.working(date.day_number())
    }

    /// Whether `ms` lies in working time.
    pub fn is_working_time(&self, ms: Millis) -> bool {
        let (day, tod) = self.split(ms);
        self.working(day) && self.periods_ms().any(|(s, e)| s <= tod && tod < e)
    }

    /// `start` plus an amount of working time (see the module documentation).
    pub fn add_working(&self, start: Millis, amount: Duration) -> Millis {
        match amount {
            Duration::Minutes(0) | Duration::Hours(0) | Duration::Days(0) => start,
            Duration::Minutes(n) => self.add_ms(start, i64::from(n) * MINUTE_MS),
            Duration::Hours(n) => self.add_ms(start, i64::from(n) * 60 * MINUTE_MS),
            Duration::Days(n) => {
                let moved = self.next_working_moment(start);
                let (day, tod) = self.split(moved);
                self.join(self.nth_working_day_after(day, i64::from(n)), tod)
            }
        }
    }

    /// Working minutes in `[from, to)`, truncated toward zero; negative if `to < from`.
    pub fn working_minutes_between(&self, from: Millis, to: Millis) -> i64 {
        if to < from {
            -self.working_ms(to, from) / MINUTE_MS
        } else {
            self.working_ms(from, to) / MINUTE_MS
        }
    }

    /// Working time left before `deadline` at `now`, or by how much it is overdue.
    pub fn time_left(&self, now: Millis, deadline: Millis) -> Remaining {
        if now <= deadline {
            Remaining::Left {
                working_minutes: self.working_minutes_between(now, deadline),
            }
        } else {
            Remaining::Overdue {
                working_minutes: self.working_minutes_between(deadline, now),
            }
        }
    }

    // --- internals: days are day numbers, times of day are milliseconds after midnight ---

    fn periods_ms(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.hours
            .periods
            .iter()
            .map(|&(s, e)| (i64::from(s) * MINUTE_MS, i64::from(e) * MINUTE_MS))
    }

    fn day_ms(&self) -> i64 {
        i64::from(self.hours.minutes_per_day()) * MINUTE_MS
    }

    fn split(&self, ms: Millis) -> (i64, i64) {
        let local = ms + i64::from(self.offset_min) * MINUTE_MS;
        (local.div_euclid(DAY_MS), local.rem_euclid(DAY_MS))
    }

    fn join(&self, day: i64, tod: i64) -> Millis {
        day * DAY_MS + tod - i64::from(self.offset_min) * MINUTE_MS
    }

    fn working(&self, day: i64) -> bool {
        !self.holidays.contains(&day)
            && (self.make_up_days.contains(&day)
                || !self.weekend[Weekday::of_day_number(day).index()])
    }

    /// Number of working days in `[from, to]` (0 if empty), without visiting each day.
    fn working_days_in(&self, from: i64, to: i64) -> i64 {
        if to < from {
            return 0;
        }
        let per_week = self.weekend.iter().filter(|&&w| !w).count() as i64;
        let len = to - from + 1;
        let mut count = len / 7 * per_week;
        for day in from + len / 7 * 7..=to {
            if !self.weekend[Weekday::of_day_number(day).index()] {
                count += 1;
            }
        }
        let weekend = |d: i64| self.weekend[Weekday::of_day_number(d).index()];
        count -= self
            .holidays
            .range(from..=to)
            .filter(|&&d| !weekend(d))
            .count() as i64;
        count += self
            .make_up_days
            .range(from..=to)
            .filter(|&&d| weekend(d) && !self.holidays.contains(&d))
            .count() as i64;
        count
    }

    /// The `n`-th working day after `day` (`n >= 1`; `day` itself is not counted).
    fn nth_working_day_after(&self, day: i64, n: i64) -> i64 {
        debug_assert!(n >= 1);
        // Grow an upper bound, then binary-search the first day where the count reaches n.
        let mut span = n;
        while self.working_days_in(day + 1, day + span) < n {
            span *= 2;
        }
        let (mut lo, mut hi) = (day + 1, day + span);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.working_days_in(day + 1, mid) >= n {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    /// Working time in `[from, to)` of one working day, both times of day.
    fn worked_in_day(&self, from: i64, to: i64) -> i64 {
        self.periods_ms()
            .map(|(s, e)| (e.min(to) - s.max(from)).max(0))
            .sum()
    }

    /// Where `amount` of working time from time of day `from` runs out within one working
    /// day, or what is left over at the end of the day.
    fn run_in_day(&self, from: i64, mut amount: i64) -> Result<i64, i64> {
        for (s, e) in self.periods_ms() {
            let at = from.max(s);
            if at < e {
                if amount <= e - at {
                    return Ok(at + amount);
                }
                amount -= e - at;
            }
        }
        Err(amount)
    }

    fn working_ms(&self, from: Millis, to: Millis) -> i64 {
        debug_assert!(from <= to);
        let (d0, t0) = self.split(from);
        let (d1, t1) = self.split(to);
        let part = |day, a, b| {
            if self.working(day) {
                self.worked_in_day(a, b)
            } else {
                0
            }
        };
        if d0 == d1 {
            return part(d0, t0, t1);
        }
        part(d0, t0, DAY_MS)
            + part(d1, 0, t1)
            + self.day_ms() * self.working_days_in(d0 + 1, d1 - 1)
    }

    fn add_ms(&self, start: Millis, amount: i64) -> Millis {
        debug_assert!(amount > 0);
        let (d0, t0) = self.split(start);
        let mut left = amount;
        if self.working(d0) {
            match self.run_in_day(t0, left) {
                Ok(tod) => return self.join(d0, tod),
                Err(rest) => left = rest,
            }
        }
        // `left > 0`: skip whole working days so that the last one holds (0, day_ms].
        let day_ms = self.day_ms();
        let full = (left - 1) / day_ms;
        left -= full * day_ms;
        let day = self.nth_working_day_after(d0, full + 1);
        let tod = self
            .run_in_day(0, left)
            .expect("at most one working day's time is left");
        self.join(day, tod)
    }

    /// `ms` if it is working time, otherwise the next instant that is.
    fn next_working_moment(&self, ms: Millis) -> Millis {
        let (day, tod) = self.split(ms);
        let today = self.periods_ms().find(|&(_, e)| tod < e);
        if let (true, Some((s, _))) = (self.working(day), today) {
            return self.join(day, tod.max(s));
        }
        let first = self.hours.periods[0].0;
        self.join(
            self.nth_working_day_after(day, 1),
            i64::from(first) * MINUTE_MS,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Local time in China to UTC millis.
    fn at(y: i32, mo: u8, d: u8, h: i64, mi: i64) -> Millis {
        LocalDate::new(y, mo, d).unwrap().start_millis(480) + (h * 60 + mi) * MINUTE_MS
    }

    fn date(y: i32, mo: u8, d: u8) -> LocalDate {
        LocalDate::new(y, mo, d).unwrap()
    }

    #[test]
    fn friday_afternoon_plus_four_hours_is_monday_morning() {
        let cal = Calendar::builtin();
        // Friday 2026-03-13, 17:00: one hour left today (to 18:00), then three hours from
        // Monday 08:30 → Monday 11:30.
        let start = at(2026, 3, 13, 17, 0);
        assert_eq!(date(2026, 3, 13).weekday(), Weekday::Friday);
        let due = cal.add_working(start, Duration::Hours(4));
        assert_eq!(due, at(2026, 3, 16, 11, 30));
        assert_eq!(cal.working_minutes_between(start, due), 240);
        assert_eq!(cal.working_minutes_between(due, start), -240);
        // Monday 10:00: 90 minutes left; Tuesday 09:00: overdue by 11:30–12:00, 14:30–18:00
        // and 08:30–09:00 = 30 + 210 + 30 minutes.
        assert_eq!(
            cal.time_left(at(2026, 3, 16, 10, 0), due),
            Remaining::Left {
                working_minutes: 90
            }
        );
        assert_eq!(
            cal.time_left(at(2026, 3, 17, 9, 0), due),
            Remaining::Overdue {
                working_minutes: 270
            }
        );
        // Saturday, after a Friday 18:00 deadline: overdue, by no working time yet.
        let friday_close = at(2026, 3, 13, 18, 0);
        assert_eq!(
            cal.add_working(at(2026, 3, 13, 14, 30), Duration::Hours(3)),
            at(2026, 3, 13, 17, 30)
        );
        assert_eq!(
            cal.add_working(at(2026, 3, 13, 14, 30), Duration::Minutes(210)),
            friday_close
        );
        let r = cal.time_left(at(2026, 3, 14, 10, 0), friday_close);
        assert_eq!(r, Remaining::Overdue { working_minutes: 0 });
        assert!(r.is_overdue());
    }

    #[test]
    fn lunch_break_and_evening_do_not_count() {
        let cal = Calendar::builtin();
        // Tuesday 2026-03-10 11:00 + 2 hours: 11:00–12:00, then 14:30–15:30.
        assert_eq!(
            cal.add_working(at(2026, 3, 10, 11, 0), Duration::Hours(2)),
            at(2026, 3, 10, 15, 30)
        );
        // Started in the lunch break: counting starts at 14:30.
        assert_eq!(
            cal.add_working(at(2026, 3, 10, 12, 45), Duration::Minutes(30)),
            at(2026, 3, 10, 15, 0)
        );
        // Started at night: counting starts next morning.
        assert_eq!(
            cal.add_working(at(2026, 3, 10, 22, 0), Duration::Hours(1)),
            at(2026, 3, 11, 9, 30)
        );
        assert_eq!(
            cal.working_minutes_between(at(2026, 3, 10, 0, 0), at(2026, 3, 11, 0, 0)),
            7 * 60
        );
    }

    #[test]
    fn spring_festival_2026_is_skipped() {
        let cal = Calendar::builtin();
        // Friday 2026-02-13 16:00 + 1 working day. Sat 14 Feb is a make-up working day, so the
        // deadline is Saturday 16:00, not Monday.
        assert_eq!(date(2026, 2, 14).weekday(), Weekday::Saturday);
        let start = at(2026, 2, 13, 16, 0);
        assert_eq!(
            cal.add_working(start, Duration::Days(1)),
            at(2026, 2, 14, 16, 0)
        );
        // Two working days: 15–23 Feb are holidays, so Tuesday 24 Feb 16:00.
        assert_eq!(
            cal.add_working(start, Duration::Days(2)),
            at(2026, 2, 24, 16, 0)
        );
        // Eight working hours from the make-up Saturday 14 Feb at 14:00 (lunch break, so
        // counting starts at 14:30): 14:30–18:00 = 210 min, then Tuesday 24 Feb
        // 08:30–12:00 = 210 min, and the last 60 min from 14:30 → 15:30.
        let s = at(2026, 2, 14, 14, 0);
        let due = cal.add_working(s, Duration::Hours(8));
        assert_eq!(due, at(2026, 2, 24, 15, 30));
        // The whole festival has no working time.
        assert_eq!(
            cal.working_minutes_between(at(2026, 2, 15, 0, 0), at(2026, 2, 24, 0, 0)),
            0
        );
        // Sat 28 Feb (make-up) counts; Sun 1 Mar does not.
        assert!(cal.is_working_day(date(2026, 2, 28)));
        assert!(!cal.is_working_day(date(2026, 3, 1)));
        assert_eq!(
            cal.add_working(at(2026, 2, 27, 17, 0), Duration::Hours(2)),
            at(2026, 2, 28, 9, 30)
        );
    }

    #[test]
    fn make_up_saturday_and_sunday_count() {
        let cal = Calendar::builtin();
        for d in [
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        ] {
            assert!(
                matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
                "{d}"
            );
            assert!(cal.is_working_day(d), "{d}");
            assert!(cal.is_make_up_day(d));
        }
        // An ordinary Saturday does not count; a make-up one does (7 hours).
        assert_eq!(
            cal.working_minutes_between(at(2026, 5, 16, 0, 0), at(2026, 5, 17, 0, 0)),
            0
        );
        assert_eq!(
            cal.working_minutes_between(at(2026, 5, 9, 0, 0), at(2026, 5, 10, 0, 0)),
            420
        );
        // Friday 8 May 17:00 + 2 hours → Saturday 9 May 09:30.
        assert_eq!(
            cal.add_working(at(2026, 5, 8, 17, 0), Duration::Hours(2)),
            at(2026, 5, 9, 9, 30)
        );
    }

    #[test]
    fn builtin_tables_match_the_published_arrangements() {
        let cal = Calendar::builtin();
        let days = |y, m, from, to| (from..=to).map(move |d| date(y, m, d));
        let holidays_2026: Vec<LocalDate> = days(2026, 1, 1, 3)
            .chain(days(2026, 2, 15, 23))
            .chain(days(2026, 4, 4, 6))
            .chain(days(2026, 5, 1, 5))
            .chain(days(2026, 6, 19, 21))
            .chain(days(2026, 9, 25, 27))
            .chain(days(2026, 10, 1, 7))
            .collect();
        let holidays_2025: Vec<LocalDate> = days(2025, 1, 1, 1)
            .chain(days(2025, 1, 28, 31))
            .chain(days(2025, 2, 1, 4))
            .chain(days(2025, 4, 4, 6))
            .chain(days(2025, 5, 1, 5))
            .chain(days(2025, 5, 31, 31))
            .chain(days(2025, 6, 1, 2))
            .chain(days(2025, 10, 1, 8))
            .collect();
        let tables = Calendar::builtin_tables();
        assert_eq!(tables.len(), 2);
        assert_eq!(
            tables[1].holidays.keys().copied().collect::<Vec<_>>(),
            holidays_2026
        );
        assert_eq!(
            tables[0].holidays.keys().copied().collect::<Vec<_>>(),
            holidays_2025
        );
        for d in holidays_2025.iter().chain(&holidays_2026) {
            assert!(!cal.is_working_day(*d), "{d}");
        }
        assert_eq!(
            tables[0].make_up_days.keys().copied().collect::<Vec<_>>(),
            vec![
                date(2025, 1, 26),
                date(2025, 2, 8),
                date(2025, 4, 27),
                date(2025, 9, 28),
                date(2025, 10, 11)
            ]
        );
        // Festival starts on the documented weekdays (catches a shifted table).
        assert_eq!(date(2026, 1, 1).weekday(), Weekday::Thursday);
        assert_eq!(date(2026, 2, 15).weekday(), Weekday::Sunday);
        assert_eq!(date(2026, 10, 1).weekday(), Weekday::Thursday);
        assert_eq!(date(2025, 1, 28).weekday(), Weekday::Tuesday);
        assert_eq!(date(2025, 10, 8).weekday(), Weekday::Wednesday);
        for t in &tables {
            for d in t.make_up_days.keys() {
                assert!(
                    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
                    "{d}"
                );
            }
        }
        // Working days in 2026: 261 weekdays − 19 holidays on weekdays + 6 make-up days.
        let first = date(2026, 1, 1).day_number();
        let last = date(2026, 12, 31).day_number();
        let mut naive = 0;
        for d in first..=last {
            if cal.is_working_day(LocalDate::from_day_number(d)) {
                naive += 1;
            }
        }
        assert_eq!(cal.working_days_in(first, last), naive);
        assert_eq!(naive, 261 - 19 + 6);
        assert_eq!(cal.table_years().collect::<Vec<_>>(), vec![2025, 2026]);
    }

    #[test]
    fn twenty_working_days_across_national_day() {
        let cal = Calendar::builtin();
        // Monday 2026-09-21 10:00 + 20 working days. Working days after 21 Sep:
        // 22–24 (3), 28–30 (3), 8–9 Oct (2), Sat 10 Oct (1), 12–16 (5), 19–23 (5) = 19,
        // then Monday 26 Oct is the 20th.
        let start = at(2026, 9, 21, 10, 0);
        let due = cal.add_working(start, Duration::Days(20));
        assert_eq!(due, at(2026, 10, 26, 10, 0));
        assert_eq!(cal.working_minutes_between(start, due), 20 * 420);
        // A start on a holiday first moves to the next working moment (Thu 8 Oct 08:30).
        assert_eq!(
            cal.add_working(at(2026, 10, 3, 15, 0), Duration::Days(1)),
            at(2026, 10, 9, 8, 30)
        );
        // A start at 18:00 (end of the day, not working) moves to the next morning.
        assert_eq!(
            cal.add_working(at(2026, 3, 10, 18, 0), Duration::Days(1)),
            at(2026, 3, 12, 8, 30)
        );
        // Very long limits are computed without walking.
        let far = cal.add_working(start, Duration::Days(1_000_000));
        assert_eq!(cal.working_minutes_between(start, far), 1_000_000 * 420);
    }

    #[test]
    fn configuration_is_checked() {
        let cal = Calendar::builtin();
        assert_eq!(
            cal.clone().with_hours(WorkingHours { periods: vec![] }),
            Err(CalendarError::NoPeriods)
        );
        assert_eq!(
            cal.clone().with_hours(WorkingHours {
                periods: vec![(600, 600)]
            }),
            Err(CalendarError::BadPeriod {
                start: 600,
                end: 600
            })
        );
        assert_eq!(
            cal.clone().with_hours(WorkingHours {
                periods: vec![(600, 1441)]
            }),
            Err(CalendarError::BadPeriod {
                start: 600,
                end: 1441
            })
        );
        assert_eq!(
            cal.clone().with_hours(WorkingHours {
                periods: vec![(600, 800), (700, 900)]
            }),
            Err(CalendarError::PeriodOrder {
                start: 700,
                end: 900
            })
        );
        let e = cal
            .clone()
            .with_hours(WorkingHours {
                periods: vec![(600, 800), (500, 550)],
            })
            .unwrap_err();
        assert!(e.to_string().contains("08:20–09:10"), "{e}");
        assert!(cal.clone().with_weekend(&Weekday::ALL).is_err());
        assert!(cal.clone().with_offset_minutes(15 * 60).is_err());
        // Summer hours, one period touching the next.
        let summer = cal
            .with_hours(WorkingHours {
                periods: vec![(480, 720), (720, 900), (900, 1080)],
            })
            .unwrap();
        assert_eq!(
            summer.add_working(at(2026, 3, 10, 11, 0), Duration::Hours(2)),
            at(2026, 3, 10, 13, 0)
        );
    }

    fn table_error(text: &str) -> (usize, String) {
        match Calendar::parse_table(text) {
            Err(CalendarError::Table { line, reason }) => (line, reason),
            other => panic!("expected a table error, got {other:?}"),
        }
    }

    #[test]
    fn table_errors_name_the_line() {
        let (line, why) = table_error("# c\nyear 2026\nholiday 2026-02-30 x\n");
        assert_eq!(line, 3);
        assert!(
            why.contains("2026-02-30") && why.contains("not a date"),
            "{why}"
        );
        let (line, why) = table_error("year 2026\n\nholiday 2025-12-31\n");
        assert_eq!(line, 3);
        assert!(why.contains("not in the table's year 2026"), "{why}");
        let (line, why) = table_error("holiday 2026-01-01\nyear 2026\n");
        assert_eq!(line, 1);
        assert!(why.contains("before the `year` line"), "{why}");
        let (line, why) =
            table_error("year 2026\nholiday 2026-01-01..2026-01-03\nworkday 2026-01-02\n");
        assert_eq!(line, 3);
        assert!(
            why.contains("already listed as a holiday on line 2"),
            "{why}"
        );
        let (line, why) = table_error("year 2026\nholiday 2026-01-05..2026-01-03\n");
        assert_eq!(line, 2);
        assert!(why.contains("before it starts"), "{why}");
        let (line, why) = table_error("year 2026\nholliday 2026-01-05\n");
        assert_eq!(line, 2);
        assert!(why.contains("unknown entry `holliday`"), "{why}");
        let (line, why) = table_error("year 2026\nyear 2027\n");
        assert_eq!(line, 2);
        assert!(why.contains("second `year`"), "{why}");
        let (line, why) = table_error("year twenty\n");
        assert_eq!(line, 1);
        assert!(why.contains("`twenty` is not a year"), "{why}");
        let (line, _) = table_error("year 2026\nworkday\n");
        assert_eq!(line, 2);
        let (line, _) = table_error("year 2026\nworkday 2026-01-03..2026-01-04\n");
        assert_eq!(line, 2);
        let (line, _) = table_error("year 2026\nholiday 2026-1-05\n");
        assert_eq!(line, 2);
        assert_eq!(
            Calendar::parse_table("# only\n\n"),
            Err(CalendarError::NoYear)
        );
        let e = CalendarError::Table {
            line: 7,
            reason: "x".into(),
        };
        assert!(e.to_string().contains("line 7"));
    }

    #[test]
    fn a_city_table_replaces_the_builtin_year() {
        let city = Calendar::parse_table(
            "year 2026 # Nanning\nholiday 2026-04-20..2026-04-21 三月三 Zhuang festival # local\n",
        )
        .unwrap();
        assert_eq!(city.holidays[&date(2026, 4, 20)], "三月三 Zhuang festival");
        let cal = Calendar::builtin().with_table(&city);
        assert!(!cal.is_working_day(date(2026, 4, 20)));
        // The built-in 2026 entries are replaced, 2025 stays.
        assert!(cal.is_working_day(date(2026, 10, 1)));
        assert!(!cal.is_make_up_day(date(2026, 10, 10)));
        assert!(!cal.is_working_day(date(2025, 10, 8)));
    }

    #[test]
    fn local_dates() {
        assert_eq!(date(1970, 1, 1).day_number(), 0);
        assert_eq!(date(1970, 1, 1).weekday(), Weekday::Thursday);
        assert_eq!(date(2024, 2, 29).next_day(), date(2024, 3, 1));
        assert_eq!(date(2026, 12, 31).next_day(), date(2027, 1, 1));
        assert!(LocalDate::new(2026, 2, 29).is_none());
        assert!(LocalDate::new(2000, 2, 29).is_some());
        assert!(LocalDate::new(1900, 2, 29).is_none());
        // 16:00 UTC on 31 Dec is already 1 Jan in China.
        let ms = LocalDate::new(2025, 12, 31).unwrap().start_millis(0) + 16 * 3_600_000;
        assert_eq!(LocalDate::from_millis(ms, 480), date(2026, 1, 1));
        assert_eq!(LocalDate::from_millis(ms, 0), date(2025, 12, 31));
        assert_eq!("2026-02-14".parse(), Ok(date(2026, 2, 14)));
        assert_eq!(date(2026, 2, 14).to_string(), "2026-02-14");
        assert!("2026-2-14".parse::<LocalDate>().is_err());
        assert!("+026-02-14".parse::<LocalDate>().is_err());
        assert_eq!(
            serde_json::to_string(&Duration::Hours(4)).unwrap(),
            r#"{"hours":4}"#
        );
    }

    /// An independent, slow oracle: walk minute by minute.
    fn naive_minutes(cal: &Calendar, from: Millis, to: Millis) -> i64 {
        let mut n = 0;
        let mut t = from;
        while t < to {
            let d = LocalDate::from_millis(t, 480);
            let weekday_off = matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
            let working_day = !cal.is_holiday(d) && (cal.is_make_up_day(d) || !weekday_off);
            let tod = (t - d.start_millis(480)) / MINUTE_MS;
            if working_day && ((510..720).contains(&tod) || (870..1080).contains(&tod)) {
                n += 1;
            }
            t += MINUTE_MS;
        }
        n
    }

    /// Instants from mid-December 2024 to mid-January 2027, millisecond precision.
    fn instant() -> impl Strategy<Value = Millis> {
        at(2024, 12, 15, 0, 0)..at(2027, 1, 15, 0, 0)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn adding_then_measuring_gives_back_the_amount(start in instant(), n in 0u32..20_000, hours in any::<bool>()) {
            let cal = Calendar::builtin();
            let (amount, minutes) = if hours {
                (Duration::Hours(n / 60), i64::from(n / 60) * 60)
            } else {
                (Duration::Minutes(n), i64::from(n))
            };
            let due = cal.add_working(start, amount);
            prop_assert!(due >= start);
            prop_assert_eq!(cal.working_minutes_between(start, due), minutes);
            prop_assert_eq!(cal.working_minutes_between(due, start), -minutes);
            // The deadline is the earliest such instant: a minute earlier, less is done.
            if minutes > 0 {
                prop_assert!(cal.working_minutes_between(start, due - MINUTE_MS) < minutes);
                // It lies on a working day (inside or at the end of a period).
                prop_assert!(cal.is_working_day(LocalDate::from_millis(due - 1, 480)));
            }
        }

        #[test]
        fn adding_in_two_steps_equals_adding_once(start in instant(), a in 0u32..5_000, b in 0u32..5_000) {
            let cal = Calendar::builtin();
            let once = cal.add_working(start, Duration::Minutes(a + b));
            let twice = cal.add_working(cal.add_working(start, Duration::Minutes(a)), Duration::Minutes(b));
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn adding_days_crosses_exactly_n_working_days(start in instant(), n in 0u32..60) {
            let cal = Calendar::builtin();
            let due = cal.add_working(start, Duration::Days(n));
            if n == 0 {
                prop_assert_eq!(due, start);
            } else {
                prop_assert!(cal.is_working_time(due));
                let moved = cal.next_working_moment(start);
                prop_assert!(cal.is_working_time(moved));
                prop_assert_eq!(cal.working_minutes_between(start, moved), 0);
                let (d0, t0) = cal.split(moved);
                let (d1, t1) = cal.split(due);
                prop_assert_eq!(t0, t1);
                let mut crossed = 0;
                let mut d = LocalDate::from_day_number(d0);
                while d.day_number() < d1 {
                    d = d.next_day();
                    if cal.is_working_day(d) {
                        crossed += 1;
                    }
                }
                prop_assert_eq!(crossed, n);
                prop_assert_eq!(cal.working_minutes_between(start, due), i64::from(n) * 420);
            }
        }

        #[test]
        fn measuring_matches_a_minute_by_minute_walk(start_min in (at(2024, 12, 15, 0, 0) / MINUTE_MS)..(at(2027, 1, 15, 0, 0) / MINUTE_MS), len in 0i64..(12 * 1440)) {
            let cal = Calendar::builtin();
            let from = start_min * MINUTE_MS;
            let to = from + len * MINUTE_MS;
            prop_assert_eq!(cal.working_minutes_between(from, to), naive_minutes(&cal, from, to));
        }

        #[test]
        fn holidays_never_count(index in 0usize..1000, tod in 0i64..DAY_MS, n in 1u32..3_000) {
            let cal = Calendar::builtin();
            let holidays: Vec<LocalDate> = Calendar::builtin_tables()
                .iter()
                .flat_map(|t| t.holidays.keys().copied().collect::<Vec<_>>())
                .collect();
            let day = holidays[index % holidays.len()];
            let start = day.start_millis(480);
            // No working time on the whole holiday.
            prop_assert_eq!(cal.working_minutes_between(start, start + DAY_MS), 0);
            prop_assert!(!cal.is_working_time(start + tod));
            // Time limits started on a holiday end on a working day after it.
            let due = cal.add_working(start + tod, Duration::Minutes(n));
            let due_day = LocalDate::from_millis(due - 1, 480);
            prop_assert!(due_day > day && cal.is_working_day(due_day));
            let due = cal.add_working(start + tod, Duration::Days(n % 30 + 1));
            prop_assert!(!cal.is_holiday(LocalDate::from_millis(due, 480)));
        }

        #[test]
        fn no_working_minute_lies_on_a_holiday(start in instant(), n in 1u32..30_000) {
            let cal = Calendar::builtin();
            let due = cal.add_working(start, Duration::Minutes(n));
            // Removing the holidays in between from the span removes no working time.
            let mut total = 0;
            let mut d = LocalDate::from_millis(start, 480);
            let last = LocalDate::from_millis(due, 480);
            while d <= last {
                let a = d.start_millis(480).max(start);
                let b = (d.start_millis(480) + DAY_MS).min(due);
                let part = cal.working_minutes_between(a, b);
                if cal.is_holiday(d) {
                    prop_assert_eq!(part, 0);
                }
                total += cal.working_ms(a, b);
                d = d.next_day();
            }
            prop_assert_eq!(total, i64::from(n) * MINUTE_MS);
        }

        #[test]
        fn working_day_counts_match_a_day_by_day_walk(
            from in (date(2024, 12, 1).day_number())..(date(2027, 2, 1).day_number()),
            len in 0i64..400,
            six_day_week in any::<bool>(),
        ) {
            // A city table with a make-up day on a weekday (harmless) and one on a Sunday.
            let city = Calendar::parse_table(
                "year 2026\nholiday 2026-03-02..2026-03-04\nworkday 2026-03-09\nworkday 2026-03-15\n",
            ).unwrap();
            let mut cal = Calendar::builtin().with_table(&city);
            if six_day_week {
                cal = cal.with_weekend(&[Weekday::Sunday]).unwrap();
            }
            let to = from + len;
            let walked = (from..=to)
                .filter(|&d| cal.is_working_day(LocalDate::from_day_number(d)))
                .count() as i64;
            prop_assert_eq!(cal.working_days_in(from, to), walked);
        }

        #[test]
        fn day_numbers_round_trip(days in -1_000_000i64..1_000_000) {
            let d = LocalDate::from_day_number(days);
            prop_assert_eq!(d.day_number(), days);
            prop_assert_eq!(LocalDate::new(d.year, d.month, d.day), Some(d));
            prop_assert_eq!(d.next_day().day_number(), days + 1);
            if (1..=9999).contains(&d.year) {
                prop_assert_eq!(d.to_string().parse::<LocalDate>(), Ok(d));
            }
        }
    }
}
