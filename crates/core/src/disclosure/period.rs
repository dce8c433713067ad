//! Publication periods on the Beijing calendar: months (`2026-03`), quarters (`2026-Q1`),
//! years (`2026`), and for immediate items the day of the matter (`2026-03-15`).

use super::{BEIJING_OFFSET_MIN, Frequency};
use crate::Millis;
use crate::cases::calendar::LocalDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Day(LocalDate),
    Month { year: i32, month: u8 },
    Quarter { year: i32, quarter: u8 },
    Year(i32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PeriodError(pub String);

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Day(d) => write!(f, "{:04}-{:02}-{:02}", d.year, d.month, d.day),
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Period::Year(year) => write!(f, "{year:04}"),
        }
    }
}

fn year_of(text: &str) -> Option<i32> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
        .filter(|y| (2000..=2100).contains(y))
}

fn two_digits(text: &str) -> Option<u8> {
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

impl Period {
    /// Parses a period label of the form `frequency` uses.
    pub fn parse(frequency: Frequency, text: &str) -> Result<Period, PeriodError> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('-').collect();
        let parsed = match (frequency, parts.as_slice()) {
            (Frequency::Yearly, [y]) => year_of(y).map(Period::Year),
            (Frequency::Quarterly, [y, q]) => {
                let quarter = q.strip_prefix('Q').and_then(|q| q.parse::<u8>().ok());
                match (year_of(y), quarter) {
                    (Some(year), Some(quarter @ 1..=4)) => Some(Period::Quarter { year, quarter }),
                    _ => None,
                }
            }
            (Frequency::Monthly, [y, m]) => match (year_of(y), two_digits(m)) {
                (Some(year), Some(month @ 1..=12)) => Some(Period::Month { year, month }),
                _ => None,
            },
            (Frequency::Immediate, [y, m, d]) => match (year_of(y), two_digits(m), two_digits(d)) {
                (Some(year), Some(month), Some(day)) => {
                    LocalDate::new(year, month, day).map(Period::Day)
                }
                _ => None,
            },
            _ => None,
        };
        parsed.ok_or_else(|| {
            let form = match frequency {
                Frequency::Yearly => "YYYY（如 2026）/ YYYY, e.g. 2026",
                Frequency::Quarterly => "YYYY-Qn（如 2026-Q1）/ YYYY-Qn, e.g. 2026-Q1",
                Frequency::Monthly => "YYYY-MM（如 2026-03）/ YYYY-MM, e.g. 2026-03",
                Frequency::Immediate => {
                    "事项日期 YYYY-MM-DD / the matter's date YYYY-MM-DD, e.g. 2026-03-15"
                }
            };
            PeriodError(format!(
                "期间 {text:?} 不符合{}项目的格式 {form} / period does not fit a {} item",
                frequency.name_zh(),
                frequency.name_en()
            ))
        })
    }

    /// The period of `frequency` containing the Beijing date of `at`.
    pub fn containing(frequency: Frequency, at: Millis) -> Period {
        let d = LocalDate::from_millis(at, BEIJING_OFFSET_MIN);
        match frequency {
            Frequency::Immediate => Period::Day(d),
            Frequency::Monthly => Period::Month {
                year: d.year,
                month: d.month,
            },
            Frequency::Quarterly => Period::Quarter {
                year: d.year,
                quarter: (d.month - 1) / 3 + 1,
            },
            Frequency::Yearly => Period::Year(d.year),
        }
    }

    /// The first day of the period.
    pub fn first_day(&self) -> LocalDate {
        let at = |year, month| LocalDate {
            year,
            month,
            day: 1,
        };
        match *self {
            Period::Day(d) => d,
            Period::Month { year, month } => at(year, month),
            Period::Quarter { year, quarter } => at(year, (quarter - 1) * 3 + 1),
            Period::Year(year) => at(year, 1),
        }
    }

    /// The period that follows.
    pub fn next(&self) -> Period {
        match *self {
            Period::Day(d) => Period::Day(d.next_day()),
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Quarter { year, quarter: 4 } => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
            Period::Year(year) => Period::Year(year + 1),
        }
    }

    /// Beijing midnight at the start of the period.
    pub fn start_millis(&self) -> Millis {
        self.first_day().start_millis(BEIJING_OFFSET_MIN)
    }

    /// Beijing midnight after the period's last day.
    pub fn end_millis(&self) -> Millis {
        self.next().start_millis()
    }

    /// A short Chinese label: 2026年3月, 2026年第1季度, 2026年度, 2026年3月15日.
    pub fn label_zh(&self) -> String {
        match *self {
            Period::Day(d) => format!("{}年{}月{}日", d.year, d.month, d.day),
            Period::Month { year, month } => format!("{year}年{month}月"),
            Period::Quarter { year, quarter } => format!("{year}年第{quarter}季度"),
            Period::Year(year) => format!("{year}年度"),
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// When a posting for `period` must be public: `grace_days` after the period ends
/// (Beijing midnight).
pub fn due_at(period: &Period, grace_days: u32) -> Millis {
    period.end_millis() + i64::from(grace_days) * DAY_MS
}

/// Periods of `frequency` from the one containing `from` to the one containing `to`
/// (at most 240 of them: twenty years of months). Immediate items have no periods.
pub fn periods_between(frequency: Frequency, from: Millis, to: Millis) -> Vec<Period> {
    if frequency == Frequency::Immediate || from > to {
        return Vec::new();
    }
    let last = Period::containing(frequency, to);
    let mut p = Period::containing(frequency, from);
    let mut out = Vec::new();
    while p <= last && out.len() < 240 {
        out.push(p);
        p = p.next();
    }
    out
}
