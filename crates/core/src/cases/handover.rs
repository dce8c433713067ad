//! Who takes a case up next: every hand-over in the loop notifies its next actor, so work that
//! waits is announced (the dispatcher of a new report, the department of a dispatched case,
//! the grid's workers of a handled one, the reporter of a closed one).

use super::machine::{CommandKind, Status, Tier};
use crate::access::Role;

/// Whom a hand-over goes to, and what they are asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextActor {
    /// The admins of the level responsible now: file, dispatch (or, after a return, again).
    Dispatchers,
    /// The department handlers of the case's district: accept and handle.
    Department,
    /// The grid's workers: check on site.
    GridWorkers,
    /// The person who reported it: confirm or rate.
    Reporter,
}

impl NextActor {
    /// What the notification asks for.
    pub fn task_zh(self) -> &'static str {
        match self {
            NextActor::Dispatchers => "待立案或派遣",
            NextActor::Department => "待接单处置",
            NextActor::GridWorkers => "待核查",
            NextActor::Reporter => "已办结，请评价",
        }
    }

    pub fn task_en(self) -> &'static str {
        match self {
            NextActor::Dispatchers => "to file or dispatch",
            NextActor::Department => "to accept and handle",
            NextActor::GridWorkers => "to verify on site",
            NextActor::Reporter => "closed; please rate it",
        }
    }
}

/// The next actors after `command` took the case to `to` (a report is `None` → Reported).
pub fn next_actors(command: Option<CommandKind>, to: Status) -> Vec<NextActor> {
    use NextActor::*;
    match (command, to) {
        (None, Status::Reported) | (Some(CommandKind::Reopen), _) => vec![Dispatchers],
        (Some(CommandKind::Return), Status::Filed) => vec![Dispatchers],
        (Some(CommandKind::Escalate), _) => vec![Dispatchers],
        (Some(CommandKind::Dispatch), Status::Dispatched) => vec![Department],
        // A failed check sends the work back to the department (rework).
        (Some(CommandKind::Verify), Status::Accepted) => vec![Department],
        (Some(CommandKind::Handle), Status::Handled) => vec![GridWorkers, Reporter],
        (Some(CommandKind::Verify), Status::Closed) => vec![Reporter],
        (Some(CommandKind::Supervise), Status::Dispatched | Status::Accepted) => vec![Department],
        (Some(CommandKind::Supervise), _) => vec![Dispatchers],
        _ => Vec::new(),
    }
}

/// The role and the node (a code prefix of `grid`) at which `who` are bound for a case at
/// `tier` in `grid`; `None` for the reporter, who is one known person.
pub fn bound_at(who: NextActor, tier: Tier, grid: &str) -> Option<(Role, String)> {
    match who {
        NextActor::Dispatchers => Some(match tier {
            Tier::Grid | Tier::Community => (Role::CommunityAdmin, grid[..12].to_string()),
            Tier::Street => (Role::StreetAdmin, grid[..9].to_string()),
            Tier::District => (Role::DistrictAdmin, grid[..6].to_string()),
            Tier::City => (Role::CityAdmin, format!("{}00", &grid[..4])),
        }),
        NextActor::Department => Some((Role::DepartmentHandler, grid[..6].to_string())),
        NextActor::GridWorkers => Some((Role::GridWorker, grid.to_string())),
        NextActor::Reporter => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hand_over_has_a_next_actor() {
        assert_eq!(
            next_actors(None, Status::Reported),
            vec![NextActor::Dispatchers]
        );
        assert_eq!(
            next_actors(Some(CommandKind::Dispatch), Status::Dispatched),
            vec![NextActor::Department]
        );
        assert_eq!(
            next_actors(Some(CommandKind::Handle), Status::Handled),
            vec![NextActor::GridWorkers, NextActor::Reporter]
        );
        assert_eq!(
            next_actors(Some(CommandKind::Verify), Status::Accepted),
            vec![NextActor::Department]
        );
        assert_eq!(
            next_actors(Some(CommandKind::Verify), Status::Closed),
            vec![NextActor::Reporter]
        );
        assert!(next_actors(Some(CommandKind::Accept), Status::Accepted).is_empty());
        assert!(next_actors(Some(CommandKind::File), Status::Filed).is_empty());
    }

    #[test]
    fn dispatchers_are_those_of_the_tier_now_responsible() {
        let grid = "450103001002003";
        assert_eq!(
            bound_at(NextActor::Dispatchers, Tier::Grid, grid),
            Some((Role::CommunityAdmin, "450103001002".into()))
        );
        assert_eq!(
            bound_at(NextActor::Dispatchers, Tier::Street, grid),
            Some((Role::StreetAdmin, "450103001".into()))
        );
        assert_eq!(
            bound_at(NextActor::Dispatchers, Tier::City, grid),
            Some((Role::CityAdmin, "450100".into()))
        );
        assert_eq!(
            bound_at(NextActor::Department, Tier::Grid, grid),
            Some((Role::DepartmentHandler, "450103".into()))
        );
        assert_eq!(bound_at(NextActor::Reporter, Tier::Grid, grid), None);
    }
}
