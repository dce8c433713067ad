//! 四议两公开: the procedure for a community's major matters, as an enforced sequence.
//!
//! party-organisation proposal → two committees' consultation → party members' meeting review
//! (at least two thirds of the members due attend; more than half of those due approve) →
//! residents' (representatives') meeting resolution (more than half of members present; more
//! than half of those present in favour) → resolution published → implementation result
//! published. A stage can be taken only when every stage before it is complete; a meeting
//! whose vote fails is recorded and leaves the matter where it was.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Proposal,
    Consultation,
    MembersReview,
    Resolution,
    ResolutionPublished,
    ResultPublished,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Proposal,
        Stage::Consultation,
        Stage::MembersReview,
        Stage::Resolution,
        Stage::ResolutionPublished,
        Stage::ResultPublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Proposal => "proposal",
            Stage::Consultation => "consultation",
            Stage::MembersReview => "members_review",
            Stage::Resolution => "resolution",
            Stage::ResolutionPublished => "resolution_published",
            Stage::ResultPublished => "result_published",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::Proposal => "党组织提议",
            Stage::Consultation => "两委会商议",
            Stage::MembersReview => "党员大会审议",
            Stage::Resolution => "居民（代表）会议决议",
            Stage::ResolutionPublished => "决议公开",
            Stage::ResultPublished => "实施结果公开",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Stage::Proposal => "Party organisation's proposal",
            Stage::Consultation => "Two committees' consultation",
            Stage::MembersReview => "Party members' review",
            Stage::Resolution => "Residents' (representatives') resolution",
            Stage::ResolutionPublished => "Resolution published",
            Stage::ResultPublished => "Result published",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The stage after this one, if any.
    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(self.index() + 1).copied()
    }

    /// Whether this stage is a meeting that votes.
    pub fn votes(self) -> bool {
        matches!(self, Stage::MembersReview | Stage::Resolution)
    }
}

/// The stage a matter must take next, given the last completed one.
pub fn next_stage(completed: Option<Stage>) -> Option<Stage> {
    match completed {
        None => Some(Stage::Proposal),
        Some(s) => s.next(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageRefusal {
    #[error(
        "不能跳过或颠倒环节：下一个环节是「{}」({}) / stages are strictly ordered: the next allowed stage is {}",
        .next.name_zh(), .next.as_str(), .next.as_str()
    )]
    OutOfOrder { attempted: Stage, next: Stage },
    #[error("四议两公开已全部完成 / the procedure is complete; no stage remains")]
    Complete,
    #[error("{field}: {reason}")]
    Counts { field: &'static str, reason: String },
}

/// Whether `attempted` may be recorded now.
pub fn check_order(completed: Option<Stage>, attempted: Stage) -> Result<(), StageRefusal> {
    match next_stage(completed) {
        None => Err(StageRefusal::Complete),
        Some(next) if next == attempted => Ok(()),
        Some(next) => Err(StageRefusal::OutOfOrder { attempted, next }),
    }
}

/// The counts of a meeting stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingCounts {
    /// Members due to attend (party members of the organisation; members of the meeting).
    pub members: u32,
    pub present: u32,
    pub in_favour: u32,
    pub against: u32,
    pub abstaining: u32,
}

/// The outcome of a meeting stage, with the rule it was judged by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingOutcome {
    pub passed: bool,
    pub quorum_met: bool,
    pub majority_met: bool,
    pub rule: String,
}

impl MeetingCounts {
    pub fn validate(&self) -> Result<(), StageRefusal> {
        let bad = |field, reason: &str| {
            Err(StageRefusal::Counts {
                field,
                reason: reason.into(),
            })
        };
        if self.members == 0 {
            return bad("members", "应到人数须大于 0 / must be more than 0");
        }
        if self.present > self.members {
            return bad(
                "present",
                "实到人数不能多于应到人数 / cannot exceed members",
            );
        }
        if u64::from(self.in_favour) + u64::from(self.against) + u64::from(self.abstaining)
            > u64::from(self.present)
        {
            return bad(
                "in_favour",
                "赞成、反对、弃权之和不能多于实到人数 / for + against + abstaining cannot exceed those present",
            );
        }
        Ok(())
    }

    /// Judged by the rule of the stage: the members' review needs two thirds present and more
    /// than half of all members in favour; a residents' meeting needs more than half present
    /// and more than half of those present in favour.
    pub fn outcome(&self, stage: Stage) -> MeetingOutcome {
        let (m, p, f) = (
            u64::from(self.members),
            u64::from(self.present),
            u64::from(self.in_favour),
        );
        let (quorum_met, majority_met, rule) = match stage {
            Stage::MembersReview => (
                p * 3 >= m * 2,
                f * 2 > m,
                "党员大会：到会不少于应到党员的三分之二，赞成超过应到党员的半数 / ≥ 2/3 of members attend; > 1/2 of members approve",
            ),
            _ => (
                p * 2 > m,
                f * 2 > p,
                "居民（代表）会议：过半数到会，到会人员过半数赞成 / > 1/2 present; > 1/2 of those present in favour",
            ),
        };
        MeetingOutcome {
            passed: quorum_met && majority_met,
            quorum_met,
            majority_met,
            rule: rule.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_cannot_be_skipped_or_reordered() {
        assert_eq!(check_order(None, Stage::Proposal), Ok(()));
        let err = check_order(None, Stage::Resolution).unwrap_err();
        assert_eq!(
            err,
            StageRefusal::OutOfOrder {
                attempted: Stage::Resolution,
                next: Stage::Proposal
            }
        );
        assert!(err.to_string().contains("proposal"));
        assert!(check_order(Some(Stage::MembersReview), Stage::Consultation).is_err());
        assert_eq!(
            check_order(Some(Stage::MembersReview), Stage::Resolution),
            Ok(())
        );
        assert_eq!(
            check_order(Some(Stage::ResultPublished), Stage::Proposal),
            Err(StageRefusal::Complete)
        );
    }

    fn counts(members: u32, present: u32, in_favour: u32) -> MeetingCounts {
        MeetingCounts {
            members,
            present,
            in_favour,
            against: 0,
            abstaining: 0,
        }
    }

    #[test]
    fn members_review_rule_at_the_boundaries() {
        // 30 members: 20 present is exactly two thirds (enough); 16 in favour is more than 15.
        assert!(counts(30, 20, 16).outcome(Stage::MembersReview).passed);
        let short = counts(30, 19, 19).outcome(Stage::MembersReview);
        assert!(!short.quorum_met && !short.passed);
        // Half of those due is not more than half.
        let half = counts(30, 30, 15).outcome(Stage::MembersReview);
        assert!(half.quorum_met && !half.majority_met);
    }

    #[test]
    fn residents_meeting_rule_at_the_boundaries() {
        // 99 representatives: 50 present is more than half; 26 of 50 is more than half.
        assert!(counts(99, 50, 26).outcome(Stage::Resolution).passed);
        assert!(!counts(99, 49, 49).outcome(Stage::Resolution).quorum_met);
        assert!(!counts(99, 50, 25).outcome(Stage::Resolution).majority_met);
    }

    #[test]
    fn impossible_counts_are_refused() {
        assert!(counts(10, 11, 0).validate().is_err());
        let mut c = counts(10, 5, 4);
        c.against = 2;
        assert!(matches!(
            c.validate(),
            Err(StageRefusal::Counts {
                field: "in_favour",
                ..
            })
        ));
        assert!(counts(0, 0, 0).validate().is_err());
    }
}
