//! 逢四说事 schedules: which days a community holds its session, and what happens when one
//! falls on a public holiday or a weekend.
//!
//! The schedule is data a community edits ([`Schedule`]); the dates come from the city's
//! working calendar, so a moved holiday or a make-up working day (调休) moves sessions too.

use crate::Millis;
use crate::cases::calendar::{Calendar, LocalDate, Weekday};
use serde::{Deserialize, Serialize};

/// Which days are session days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "pattern", content = "weekday")]
pub enum Pattern {
    /// The 4th, 14th and 24th of every month (the 二桥西 practice).
    FourthDays,
    /// Every week on one day (e.g. Thursdays).
    Weekly(Weekday),
}

/// What to do with a session day that is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayRule {
    /// Hold it on the next working day (the usual practice).
    NextWorkingDay,
    /// Hold it on the working day before.
    PreviousWorkingDay,
    /// Skip it.
    Skip,
    /// Hold it anyway (residents are free on holidays).
    Keep,
}

impl HolidayRule {
    pub const ALL: [HolidayRule; 4] = [
        HolidayRule::NextWorkingDay,
        HolidayRule::PreviousWorkingDay,
        HolidayRule::Skip,
        HolidayRule::Keep,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            HolidayRule::NextWorkingDay => "顺延至下一个工作日",
            HolidayRule::PreviousWorkingDay => "提前至前一个工作日",
            HolidayRule::Skip => "当次取消",
            HolidayRule::Keep => "照常举行",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            HolidayRule::NextWorkingDay => "moved to the next working day",
            HolidayRule::PreviousWorkingDay => "moved to the working day before",
            HolidayRule::Skip => "skipped",
            HolidayRule::Keep => "held anyway",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HolidayRule::NextWorkingDay => "next_working_day",
            HolidayRule::PreviousWorkingDay => "previous_working_day",
            HolidayRule::Skip => "skip",
            HolidayRule::Keep => "keep",
        }
    }

    pub fn parse(text: &str) -> Option<HolidayRule> {
        HolidayRule::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A community's session schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub pattern: Pattern,
    pub holiday_rule: HolidayRule,
    /// Local start time, minutes after midnight.
    pub start_minute: u16,
    pub duration_minutes: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("pattern: 须为 fourth_days 或 weekly / must be fourth_days or weekly")]
    Pattern,
    #[error("weekday: 每周说事须给出星期几（1–7）/ a weekly schedule needs a weekday 1–7")]
    Weekday,
    #[error("holiday_rule: 须为 next_working_day、previous_working_day、skip 或 keep")]
    HolidayRule,
    #[error("start_minute: 开始时间须在 0–1439 分之间 / must be 0–1439")]
    Start,
    #[error("duration_minutes: 时长须为 15–480 分钟 / must be 15–480")]
    Duration,
}

impl ScheduleError {
    pub fn field(&self) -> &'static str {
        match self {
            ScheduleError::Pattern => "pattern",
            ScheduleError::Weekday => "weekday",
            ScheduleError::HolidayRule => "holiday_rule",
            ScheduleError::Start => "start_minute",
            ScheduleError::Duration => "duration_minutes",
        }
    }
}

/// One session day: when it is held and, if moved, the day it was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub date: LocalDate,
    pub nominal: LocalDate,
    pub starts_at: Millis,
    pub ends_at: Millis,
}

impl Occurrence {
    pub fn moved(&self) -> bool {
        self.date != self.nominal
    }
}

impl Schedule {
    /// The default: the 4th, 14th and 24th at 15:00 for two hours, moved to the next working day.
    pub fn default_fourth_days() -> Schedule {
        Schedule {
            pattern: Pattern::FourthDays,
            holiday_rule: HolidayRule::NextWorkingDay,
            start_minute: 15 * 60,
            duration_minutes: 120,
        }
    }

    /// Builds a schedule from its stored or submitted parts; weekday is 1 (Monday) … 7.
    pub fn from_parts(
        pattern: &str,
        weekday: Option<u8>,
        holiday_rule: &str,
        start_minute: i64,
        duration_minutes: i64,
    ) -> Result<Schedule, ScheduleError> {
        let pattern = match pattern {
            "fourth_days" => Pattern::FourthDays,
            "weekly" => match weekday {
                Some(d @ 1..=7) => Pattern::Weekly(weekday_of(d)),
                _ => return Err(ScheduleError::Weekday),
            },
            _ => return Err(ScheduleError::Pattern),
        };
        let holiday_rule = HolidayRule::parse(holiday_rule).ok_or(ScheduleError::HolidayRule)?;
        if !(0..1440).contains(&start_minute) {
            return Err(ScheduleError::Start);
        }
        if !(15..=480).contains(&duration_minutes) {
            return Err(ScheduleError::Duration);
        }
        Ok(Schedule {
            pattern,
            holiday_rule,
            start_minute: start_minute as u16,
            duration_minutes: duration_minutes as u16,
        })
    }

    pub fn pattern_name(&self) -> &'static str {
        match self.pattern {
            Pattern::FourthDays => "fourth_days",
            Pattern::Weekly(_) => "weekly",
        }
    }

    /// 1 (Monday) … 7 for a weekly schedule.
    pub fn weekday_number(&self) -> Option<u8> {
        match self.pattern {
            Pattern::FourthDays => None,
            Pattern::Weekly(d) => Some(d.index() as u8 + 1),
        }
    }

    fn is_nominal(&self, date: LocalDate) -> bool {
        match self.pattern {
            Pattern::FourthDays => matches!(date.day, 4 | 14 | 24),
            Pattern::Weekly(day) => date.weekday() == day,
        }
    }

    /// Session days whose nominal date lies in `[from, to]`, in order, each held once.
    pub fn occurrences(
        &self,
        calendar: &Calendar,
        from: LocalDate,
        to: LocalDate,
    ) -> Vec<Occurrence> {
        let offset = calendar.offset_minutes();
        let mut out: Vec<Occurrence> = Vec::new();
        for day in from.day_number()..=to.day_number() {
            let nominal = LocalDate::from_day_number(day);
            if !self.is_nominal(nominal) {
                continue;
            }
            let Some(date) = self.held_on(calendar, nominal) else {
                continue;
            };
            if out.last().is_some_and(|o| o.date >= date) {
                continue;
            }
            let starts_at = date.start_millis(offset) + i64::from(self.start_minute) * 60_000;
            out.push(Occurrence {
                date,
                nominal,
                starts_at,
                ends_at: starts_at + i64::from(self.duration_minutes) * 60_000,
            });
        }
        out
    }

    fn held_on(&self, calendar: &Calendar, nominal: LocalDate) -> Option<LocalDate> {
        if calendar.is_working_day(nominal) || self.holiday_rule == HolidayRule::Keep {
            return Some(nominal);
        }
        let step = match self.holiday_rule {
            HolidayRule::NextWorkingDay => 1,
            HolidayRule::PreviousWorkingDay => -1,
            _ => return None,
        };
        // The longest run of days off in China is nine (Spring Festival plus weekends).
        (1..=14)
            .map(|k| LocalDate::from_day_number(nominal.day_number() + step * k))
            .find(|d| calendar.is_working_day(*d))
    }
}

fn weekday_of(number: u8) -> Weekday {
    const DAYS: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];
    DAYS[usize::from(number - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> LocalDate {
        text.parse().unwrap()
    }

    #[test]
    fn fourth_days_move_past_national_day() {
        let cal = Calendar::builtin();
        let s = Schedule::default_fourth_days();
        let got = s.occurrences(&cal, d("2026-10-01"), d("2026-10-31"));
        let dates: Vec<String> = got.iter().map(|o| o.date.to_string()).collect();
        // 10-04 is inside the National Day holiday (10-01..10-07): held on 10-08 (a working day).
        assert_eq!(dates[0], "2026-10-08");
        assert!(got[0].moved());
        assert_eq!(got[0].nominal, d("2026-10-04"));
        // 10-24 is a Saturday: the next working day is Monday 10-26.
        assert_eq!(dates.last().unwrap(), "2026-10-26");
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn skip_and_keep_rules() {
        let cal = Calendar::builtin();
        let mut s = Schedule::default_fourth_days();
        s.holiday_rule = HolidayRule::Skip;
        let skipped = s.occurrences(&cal, d("2026-10-01"), d("2026-10-31"));
        assert_eq!(skipped.len(), 1, "only 10-14 is a working day");
        s.holiday_rule = HolidayRule::Keep;
        let kept = s.occurrences(&cal, d("2026-10-01"), d("2026-10-31"));
        assert_eq!(kept.len(), 3);
        assert!(kept.iter().all(|o| !o.moved()));
        s.holiday_rule = HolidayRule::PreviousWorkingDay;
        let earlier = s.occurrences(&cal, d("2026-10-01"), d("2026-10-31"));
        assert_eq!(earlier[0].date, d("2026-09-30"));
    }

    #[test]
    fn weekly_thursdays_at_local_time() {
        let cal = Calendar::builtin();
        let s = Schedule::from_parts("weekly", Some(4), "next_working_day", 19 * 60, 90).unwrap();
        let got = s.occurrences(&cal, d("2026-11-01"), d("2026-11-30"));
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|o| o.date.weekday() == Weekday::Thursday));
        // 19:00 Beijing is 11:00 UTC.
        assert_eq!(got[0].starts_at % 86_400_000, 11 * 3_600_000);
        assert_eq!(got[0].ends_at - got[0].starts_at, 90 * 60_000);
    }

    #[test]
    fn bad_parts_name_the_field() {
        assert_eq!(
            Schedule::from_parts("weekly", None, "skip", 600, 60)
                .unwrap_err()
                .field(),
            "weekday"
        );
        assert_eq!(
            Schedule::from_parts("monthly", None, "skip", 600, 60)
                .unwrap_err()
                .field(),
            "pattern"
        );
        assert_eq!(
            Schedule::from_parts("fourth_days", None, "never", 600, 60)
                .unwrap_err()
                .field(),
            "holiday_rule"
        );
        assert_eq!(
            Schedule::from_parts("fourth_days", None, "skip", 1440, 60)
                .unwrap_err()
                .field(),
            "start_minute"
        );
    }
}
