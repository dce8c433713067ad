//! The closed-loop indicators and the daily rollups that keep them fast.
//!
//! A case contributes to the indicators in two ways: through its current facts (reported on
//! a day, closed on a day, due on a day …) and through the events of its timeline (filed,
//! dispatched, returned …). The rollup of a (day, node, dimension) holds the sum of those
//! contributions; each transition adds the difference between the case's contributions after
//! and before it, plus its event's, in the same transaction. Totals are kept per community;
//! breakdowns by category and department per district (docs/indicators.md).

use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::{AddAssign, SubAssign};

use crate::Millis;
use crate::cases::calendar::LocalDate;

pub const DAY_MS: i64 = 86_400_000;
/// China Standard Time (no daylight saving): days for indicators are Beijing days.
pub const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;

/// The Beijing day number (days since 1970-01-01 in UTC+8) that contains `at`.
pub fn china_day(at: Millis) -> i64 {
    (at + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}

/// The first millisecond of Beijing day `day`.
pub fn day_start(day: i64) -> Millis {
    day * DAY_MS - CHINA_OFFSET_MS
}

/// The first day of the month that contains `day` (Beijing day numbers).
pub fn month_start(day: i64) -> i64 {
    let d = LocalDate::from_day_number(day);
    day - i64::from(d.day) + 1
}

/// The first day of the next month.
pub fn next_month(day: i64) -> i64 {
    let d = LocalDate::from_day_number(month_start(day));
    let (y, m) = if d.month == 12 {
        (d.year + 1, 1)
    } else {
        (d.year, d.month + 1)
    };
    LocalDate::new(y, m, 1).map_or(day + 31, |n| n.day_number())
}

/// A half-open range of Beijing day numbers, if not empty.
pub type DayRange = Option<(i64, i64)>;

/// [from, to) split into (daily, monthly, daily) pieces: the days before the first whole month,
/// the whole months (as first days), the days after the last whole month.
pub fn split_months(from: i64, to: i64) -> (DayRange, DayRange, DayRange) {
    let first_month = if month_start(from) == from {
        from
    } else {
        next_month(from)
    };
    let last_month_end = month_start(to);
    if first_month >= last_month_end {
        return (Some((from, to)).filter(|(a, b)| a < b), None, None);
    }
    (
        Some((from, first_month)).filter(|(a, b)| a < b),
        Some((first_month, last_month_end)),
        Some((last_month_end, to)).filter(|(a, b)| a < b),
    )
}

pub fn is_day_boundary(at: Millis) -> bool {
    day_start(china_day(at)) == at
}

macro_rules! counts {
    ($($field:ident),* $(,)?) => {
        /// Indicator counts of one node over a period (formulas in docs/indicators.md).
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
        pub struct Counts {
            $(pub $field: i64,)*
        }

        impl Counts {
            /// Column names of the rollup table, in field order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$field),*]
            }

            pub fn from_values(values: &[i64]) -> Counts {
                let mut it = values.iter().copied();
                Counts { $($field: it.next().unwrap_or(0),)* }
            }
        }

        impl AddAssign for Counts {
            fn add_assign(&mut self, o: Counts) {
                $(self.$field += o.$field;)*
            }
        }

        impl SubAssign for Counts {
            fn sub_assign(&mut self, o: Counts) {
                $(self.$field -= o.$field;)*
            }
        }
    };
}

counts!(
    reported,
    filed,
    filed_on_time,
    cancelled,
    dispatched,
    returned,
    closed,
    due,
    closed_on_time,
    closed_late,
    rework,
    escalated,
    reopened,
    rated,
    satisfied,
    handled_closed,
    handling_ms_total,
    rework_of_reported,
    reports_decided,
    reports_confirmed,
);

impl Counts {
    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }
}

/// What the indicators need to know about a case as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts<'a> {
    pub grid_code: &'a str,
    pub category: &'a str,
    pub department: Option<&'a str>,
    pub status: &'a str,
    pub reported_at: Millis,
    pub dispatched_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub handle_due_at: Option<Millis>,
    pub rating: Option<&'a str>,
    pub rework_count: i64,
}

/// One event of the timeline, as the indicators see it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFacts<'a> {
    pub command: &'a str,
    pub to_status: &'a str,
    pub at: Millis,
    /// The deadline of the step the event ended (the filing limit for `file`).
    pub step_due_at: Option<Millis>,
}

/// Rollup rows: totals per community (`dim` empty) and per district (`dim` `t`); breakdowns
/// per district with `dim` `c:<category>` or `d:<department>` (`d:` alone for cases not yet
/// with a department), and per city with `C:` and `D:`. Each query reads the coarsest rows
/// that answer it, so a city-wide year is a few thousand rows, not a million cases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RollupKey {
    pub day: i64,
    pub node: String,
    pub dim: String,
}

pub const COMMUNITY_TOTAL_DIM: &str = "";
pub const DISTRICT_TOTAL_DIM: &str = "t";
pub const CATEGORY_DIM: &str = "c:";
pub const DEPARTMENT_DIM: &str = "d:";
pub const CITY_CATEGORY_DIM: &str = "C:";
pub const CITY_DEPARTMENT_DIM: &str = "D:";
/// The category breakdowns again by month (`day` = the month's first day), so a year's mix
/// reads a dozen rows per category instead of 365.
pub const MONTHLY_CATEGORY_DIM: &str = "Mc:";
pub const MONTHLY_CITY_CATEGORY_DIM: &str = "MC:";
/// Lengths of the node codes the rows are kept for.
pub const CITY_LEN: usize = 4;
pub const DISTRICT_LEN: usize = 6;
pub const COMMUNITY_LEN: usize = 12;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally(BTreeMap<RollupKey, Counts>);

impl Tally {
    pub fn rows(&self) -> impl Iterator<Item = (&RollupKey, &Counts)> {
        self.0.iter().filter(|(_, c)| !c.is_zero())
    }

    pub fn is_empty(&self) -> bool {
        self.rows().next().is_none()
    }

    fn add(&mut self, key: RollupKey, counts: Counts) {
        *self.0.entry(key).or_default() += counts;
    }

    pub fn merge(&mut self, other: &Tally) {
        for (k, c) in &other.0 {
            self.add(k.clone(), *c);
        }
    }

    fn subtract(&mut self, other: &Tally) {
        for (k, c) in &other.0 {
            *self.0.entry(k.clone()).or_default() -= *c;
        }
    }

    /// Adds what a case contributes as it stands.
    pub fn add_case(&mut self, f: &CaseFacts) {
        let community = community_of(f.grid_code);
        let district = district_of(f.grid_code);
        let city = city_of(f.grid_code);
        let category = format!("{CATEGORY_DIM}{}", f.category);
        let department = format!("{DEPARTMENT_DIM}{}", f.department.unwrap_or(""));
        let city_category = format!("{CITY_CATEGORY_DIM}{}", f.category);
        let city_department = format!("{CITY_DEPARTMENT_DIM}{}", f.department.unwrap_or(""));
        let monthly_category = format!("{MONTHLY_CATEGORY_DIM}{}", f.category);
        let monthly_city_category = format!("{MONTHLY_CITY_CATEGORY_DIM}{}", f.category);
        for (day, counts) in case_contributions(f) {
            self.add(key(day, community, COMMUNITY_TOTAL_DIM), counts);
            self.add(key(day, district, DISTRICT_TOTAL_DIM), counts);
            self.add(key(day, district, &category), counts);
            self.add(key(day, district, &department), counts);
            self.add(key(day, city, &city_category), counts);
            self.add(key(day, city, &city_department), counts);
            let month = month_start(day);
            self.add(key(month, district, &monthly_category), counts);
            self.add(key(month, city, &monthly_city_category), counts);
        }
    }

    /// Adds what an event contributes (to the community's and the district's totals).
    pub fn add_event(&mut self, grid_code: &str, e: &EventFacts) {
        let counts = event_contribution(e);
        if !counts.is_zero() {
            let day = china_day(e.at);
            self.add(
                key(day, community_of(grid_code), COMMUNITY_TOTAL_DIM),
                counts,
            );
            self.add(key(day, district_of(grid_code), DISTRICT_TOTAL_DIM), counts);
        }
    }

    /// What a transition changes: the case after minus the case before, plus its event.
    pub fn transition(before: &CaseFacts, after: &CaseFacts, event: &EventFacts) -> Tally {
        let mut t = Tally::default();
        t.add_case(after);
        let mut old = Tally::default();
        old.add_case(before);
        t.subtract(&old);
        t.add_event(after.grid_code, event);
        t
    }
}

fn key(day: i64, node: &str, dim: &str) -> RollupKey {
    RollupKey {
        day,
        node: node.to_string(),
        dim: dim.to_string(),
    }
}

fn community_of(grid_code: &str) -> &str {
    grid_code.get(..COMMUNITY_LEN).unwrap_or(grid_code)
}

fn district_of(grid_code: &str) -> &str {
    grid_code.get(..DISTRICT_LEN).unwrap_or(grid_code)
}

fn city_of(grid_code: &str) -> &str {
    grid_code.get(..CITY_LEN).unwrap_or(grid_code)
}

/// Statuses a report reaches only once it was judged a real, new problem.
fn confirmed(status: &str) -> bool {
    !matches!(status, "reported" | "cancelled" | "merged")
}

fn case_contributions(f: &CaseFacts) -> Vec<(i64, Counts)> {
    let mut out = vec![(
        china_day(f.reported_at),
        Counts {
            reported: 1,
            rework_of_reported: f.rework_count,
            reports_decided: i64::from(f.status != "reported"),
            reports_confirmed: i64::from(confirmed(f.status)),
            ..Counts::default()
        },
    )];
    if let Some(closed) = f.closed_at {
        let handling = f.dispatched_at.map(|d| closed - d);
        out.push((
            china_day(closed),
            Counts {
                closed: 1,
                closed_late: i64::from(f.handle_due_at.is_some_and(|due| closed > due)),
                rated: i64::from(f.rating.is_some()),
                satisfied: i64::from(f.rating == Some("satisfied")),
                handled_closed: i64::from(handling.is_some()),
                handling_ms_total: handling.unwrap_or(0),
                ..Counts::default()
            },
        ));
    }
    if let Some(due) = f.handle_due_at {
        out.push((
            china_day(due),
            Counts {
                due: 1,
                closed_on_time: i64::from(f.closed_at.is_some_and(|c| c <= due)),
                ..Counts::default()
            },
        ));
    }
    out
}

fn event_contribution(e: &EventFacts) -> Counts {
    let on_time = e.step_due_at.is_none_or(|due| e.at <= due);
    event_counts(e.command, e.to_status, 1, i64::from(on_time))
}

/// What `n` events of one kind contribute, `on_time` of them within their step's deadline.
pub fn event_counts(command: &str, to_status: &str, n: i64, on_time: i64) -> Counts {
    let mut c = Counts::default();
    match command {
        "file" => {
            c.filed = n;
            c.filed_on_time = on_time;
        }
        "cancel" => c.cancelled = n,
        "dispatch" => c.dispatched = n,
        "return" => c.returned = n,
        "verify" if to_status == "accepted" => c.rework = n,
        "escalate" => c.escalated = n,
        "reopen" => c.reopened = n,
        _ => {}
    }
    c
}

/// A rate, absent when its denominator is zero.
pub fn rate(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The rates shown beside the counts (formulas in docs/indicators.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rates {
    /// 按期结案率
    pub on_time_closure_rate: Option<f64>,
    /// 结案率
    pub closure_rate: Option<f64>,
    /// 处置率
    pub dispatch_rate: Option<f64>,
    /// 按时立案率
    pub on_time_filing_rate: Option<f64>,
    /// 准确派遣率
    pub accurate_dispatch_rate: Option<f64>,
    /// 上报准确率
    pub report_accuracy: Option<f64>,
    /// 满意率
    pub satisfaction_rate: Option<f64>,
    /// 平均处置时长（小时）
    pub average_handling_hours: Option<f64>,
}

impl Rates {
    pub fn of(c: &Counts) -> Rates {
        Rates {
            on_time_closure_rate: rate(c.closed_on_time, c.due),
            closure_rate: rate(c.closed, c.filed),
            dispatch_rate: rate(c.dispatched, c.filed),
            on_time_filing_rate: rate(c.filed_on_time, c.filed),
            accurate_dispatch_rate: rate(c.dispatched - c.returned, c.dispatched),
            report_accuracy: rate(c.reports_confirmed, c.reports_decided),
            satisfaction_rate: rate(c.satisfied, c.rated),
            average_handling_hours: rate(c.handling_ms_total, c.handled_closed)
                .map(|ms| ms / 3_600_000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    // 2026-03-02 00:00 Beijing.
    const MON: i64 = 1_772_380_800_000;

    fn reported() -> CaseFacts<'static> {
        CaseFacts {
            grid_code: "450102001001001",
            category: "0101",
            department: None,
            status: "reported",
            reported_at: MON + 9 * H,
            dispatched_at: None,
            closed_at: None,
            handle_due_at: None,
            rating: None,
            rework_count: 0,
        }
    }

    fn total(t: &Tally, dim: &str) -> Counts {
        let mut sum = Counts::default();
        for (k, c) in t.rows() {
            if k.dim == dim {
                sum += *c;
            }
        }
        sum
    }

    #[test]
    fn periods_split_into_days_and_whole_months() {
        let day = |y, m, d| LocalDate::new(y, m, d).unwrap().day_number();
        assert_eq!(month_start(day(2026, 3, 17)), day(2026, 3, 1));
        assert_eq!(next_month(day(2026, 12, 5)), day(2027, 1, 1));
        assert_eq!(
            split_months(day(2026, 1, 10), day(2026, 4, 3)),
            (
                Some((day(2026, 1, 10), day(2026, 2, 1))),
                Some((day(2026, 2, 1), day(2026, 4, 1))),
                Some((day(2026, 4, 1), day(2026, 4, 3)))
            )
        );
        assert_eq!(
            split_months(day(2026, 3, 2), day(2026, 3, 20)),
            (Some((day(2026, 3, 2), day(2026, 3, 20))), None, None)
        );
        assert_eq!(
            split_months(day(2026, 3, 1), day(2026, 5, 1)),
            (None, Some((day(2026, 3, 1), day(2026, 5, 1))), None)
        );
    }

    #[test]
    fn beijing_days_start_at_16_utc() {
        assert!(is_day_boundary(MON));
        assert_eq!(china_day(MON - 1) + 1, china_day(MON));
        assert_eq!(day_start(china_day(MON + 23 * H)), MON);
        assert!(!is_day_boundary(MON + H));
    }

    #[test]
    fn a_new_report_counts_once_in_each_dimension() {
        let mut t = Tally::default();
        t.add_case(&reported());
        let community = total(&t, "");
        assert_eq!(community.reported, 1);
        assert_eq!(community.reports_decided, 0);
        assert_eq!(total(&t, "c:0101").reported, 1);
        assert_eq!(total(&t, "C:0101").reported, 1);
        assert_eq!(total(&t, "t").reported, 1);
        assert_eq!(total(&t, "d:").reported, 1);
        let keys: Vec<_> = t.rows().map(|(k, _)| k.node.clone()).collect();
        assert!(keys.contains(&"450102001001".to_string()));
        assert!(keys.contains(&"450102".to_string()));
        assert!(keys.contains(&"4501".to_string()));
    }

    #[test]
    fn a_transition_moves_contributions_between_departments_and_days() {
        let before = CaseFacts {
            status: "accepted",
            department: Some("城管局"),
            dispatched_at: Some(MON + 10 * H),
            handle_due_at: Some(MON + 2 * 24 * H),
            ..reported()
        };
        let after = CaseFacts {
            status: "closed",
            closed_at: Some(MON + 30 * H),
            ..before.clone()
        };
        let event = EventFacts {
            command: "verify",
            to_status: "closed",
            at: MON + 30 * H,
            step_due_at: None,
        };
        let t = Tally::transition(&before, &after, &event);
        let c = total(&t, "");
        assert_eq!(
            (c.reported, c.closed, c.due, c.closed_on_time),
            (0, 1, 0, 1)
        );
        assert_eq!(c.handling_ms_total, 20 * H);
        assert_eq!(total(&t, "d:城管局").closed, 1);
        assert!(t.rows().all(|(k, _)| k.dim != "d:" && k.dim != "D:"));
    }

    #[test]
    fn events_count_on_their_day_and_filing_is_judged_by_its_deadline() {
        let mut t = Tally::default();
        let late = EventFacts {
            command: "file",
            to_status: "filed",
            at: MON + 30 * H,
            step_due_at: Some(MON + 10 * H),
        };
        t.add_event("450102001001001", &late);
        let on_time = EventFacts {
            at: MON + 9 * H,
            ..late.clone()
        };
        t.add_event("450102001001001", &on_time);
        let c = total(&t, "");
        assert_eq!((c.filed, c.filed_on_time), (2, 1));
        assert_eq!(total(&t, "t").filed, 2);
        assert_eq!(t.rows().count(), 4, "two days, community and district");
        let rework = EventFacts {
            command: "verify",
            to_status: "accepted",
            at: MON,
            step_due_at: None,
        };
        t.add_event("450102001001001", &rework);
        assert_eq!(total(&t, "").rework, 1);
    }

    #[test]
    fn rates_are_absent_without_a_denominator() {
        let c = Counts {
            filed: 4,
            dispatched: 4,
            returned: 1,
            filed_on_time: 3,
            ..Counts::default()
        };
        let r = Rates::of(&c);
        assert_eq!(r.on_time_closure_rate, None);
        assert_eq!(r.accurate_dispatch_rate, Some(0.75));
        assert_eq!(r.on_time_filing_rate, Some(0.75));
        assert_eq!(Counts::from_values(&c.values()), c);
    }
}
