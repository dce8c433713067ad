//! Which time limit runs in which state, and the deadline it gives on the working calendar.

use super::calendar::{Calendar, Duration};
use super::catalogue::{LimitUnit, StepLimits, TimeLimit};
use super::machine::Status;
use crate::Millis;

/// The step whose limit runs while a case is in `status` (none once it has left the loop).
pub fn running_limit(limits: &StepLimits, status: Status) -> Option<TimeLimit> {
    Some(match status {
        Status::Reported => limits.file,
        Status::Filed => limits.dispatch,
        Status::Dispatched => limits.accept,
        Status::Accepted => limits.handle,
        Status::Handled => limits.verify,
        Status::Closed | Status::Cancelled | Status::Merged => return None,
    })
}

pub fn duration(limit: TimeLimit) -> Duration {
    match limit.unit {
        LimitUnit::WorkingMinutes => Duration::Minutes(limit.amount),
        LimitUnit::WorkingHours => Duration::Hours(limit.amount),
        LimitUnit::WorkingDays => Duration::Days(limit.amount),
    }
}

/// The deadline of the step that starts at `start` in `status`.
pub fn step_deadline(
    calendar: &Calendar,
    limits: &StepLimits,
    status: Status,
    start: Millis,
) -> Option<Millis> {
    running_limit(limits, status).map(|l| calendar.add_working(start, duration(l)))
}

/// The deadline the case is judged by (按期结案): dispatch starts the clock, and the
/// department has the handling limit from then.
pub fn handling_deadline(
    calendar: &Calendar,
    limits: &StepLimits,
    dispatched_at: Millis,
) -> Millis {
    calendar.add_working(dispatched_at, duration(limits.handle))
}

/// The clocks a case keeps: the running step's deadline, when it was dispatched, and the
/// handling deadline it is judged by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clocks {
    pub step_due_at: Option<Millis>,
    pub dispatched_at: Option<Millis>,
    pub handle_due_at: Option<Millis>,
}

/// The clocks after a transition from `from` to `to` at `now` (every channel and the demo
/// history use this one rule).
pub fn clocks_after(
    calendar: &Calendar,
    limits: &StepLimits,
    from: Status,
    to: Status,
    now: Millis,
    before: Clocks,
) -> Clocks {
    let mut c = before;
    if to != from {
        c.step_due_at = step_deadline(calendar, limits, to, now);
    }
    if to == Status::Dispatched && from != Status::Dispatched {
        c.dispatched_at = Some(now);
        c.handle_due_at = Some(handling_deadline(calendar, limits, now));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_open_state_has_its_running_limit() {
        let limits = StepLimits {
            file: TimeLimit::minutes(30),
            dispatch: TimeLimit::hours(1),
            accept: TimeLimit::hours(2),
            handle: TimeLimit::days(3),
            verify: TimeLimit::hours(4),
        };
        assert_eq!(
            running_limit(&limits, Status::Reported),
            Some(TimeLimit::minutes(30))
        );
        assert_eq!(
            running_limit(&limits, Status::Accepted),
            Some(TimeLimit::days(3))
        );
        assert_eq!(running_limit(&limits, Status::Closed), None);
        let cal = Calendar::builtin();
        // Monday 2026-11-23 09:00 China time = 01:00 UTC.
        let monday_9 = 1_795_395_600_000;
        let due = step_deadline(&cal, &limits, Status::Filed, monday_9).unwrap();
        assert_eq!(due, monday_9 + 3_600_000);
        assert!(handling_deadline(&cal, &limits, monday_9) > due);
    }
}
