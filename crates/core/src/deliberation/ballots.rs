//! Ballots shared by elections and motions: modes, what a vote may say, when it may be cast,
//! and the outcome of a motion under its quorum and majority.

use super::councils::{CouncilRules, MajorityBase, Share};
use crate::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BallotMode {
    /// Named votes, visible to those who may see the ballot.
    Open,
    /// Who voted is recorded apart from the anonymous papers.
    Secret,
    /// The chair records the counts (present, for, against, abstain).
    ShowOfHands,
}

pub const BALLOT_MODES: [BallotMode; 3] = [
    BallotMode::Open,
    BallotMode::Secret,
    BallotMode::ShowOfHands,
];

impl BallotMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BallotMode::Open => "open",
            BallotMode::Secret => "secret",
            BallotMode::ShowOfHands => "show_of_hands",
        }
    }

    pub fn parse(text: &str) -> Option<BallotMode> {
        BALLOT_MODES.iter().copied().find(|m| m.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            BallotMode::Open => "记名投票",
            BallotMode::Secret => "无记名投票",
            BallotMode::ShowOfHands => "举手表决",
        }
    }
}

/// What a ballot decides: who sits on the council, or a motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BallotKind {
    Election,
    Motion,
}

impl BallotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BallotKind::Election => "election",
            BallotKind::Motion => "motion",
        }
    }

    pub fn parse(text: &str) -> Option<BallotKind> {
        [BallotKind::Election, BallotKind::Motion]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for BallotKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a ballot's result is published (fixed for good) or not yet (before, during or
/// after the vote; the times tell which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BallotStatus {
    Open,
    Published,
}

impl BallotStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BallotStatus::Open => "open",
            BallotStatus::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<BallotStatus> {
        [BallotStatus::Open, BallotStatus::Published]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A motion's three options; stored as option numbers 1, 2, 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    For,
    Against,
    Abstain,
}

pub const CHOICES: [Choice; 3] = [Choice::For, Choice::Against, Choice::Abstain];

impl Choice {
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::For => "for",
            Choice::Against => "against",
            Choice::Abstain => "abstain",
        }
    }

    pub fn parse(text: &str) -> Option<Choice> {
        CHOICES.iter().copied().find(|c| c.as_str() == text)
    }

    pub fn option_no(self) -> i64 {
        match self {
            Choice::For => 1,
            Choice::Against => 2,
            Choice::Abstain => 3,
        }
    }

    pub fn from_option(n: i64) -> Option<Choice> {
        CHOICES.iter().copied().find(|c| c.option_no() == n)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Choice::For => "赞成",
            Choice::Against => "反对",
            Choice::Abstain => "弃权",
        }
    }
}

/// Why a vote is refused; each maps to one HTTP status and a precise message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("投票尚未开始 / the ballot has not opened yet")]
    NotOpen,
    #[error("投票已结束 / the ballot has closed")]
    Closed,
    #[error("该表决为举手表决，由主持人记录票数 / a show of hands is recorded by the chair")]
    ShowOfHands,
    #[error(
        "您不在本次表决的选民名单中（或任期未覆盖投票时间）/ you are not in this ballot's electorate (or your term does not cover this time)"
    )]
    NotEligible,
    #[error("您已投过票，每人只能投一票 / you have already voted; one vote each")]
    AlreadyVoted,
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

/// Whether a ballot takes votes at `now` (open from `opens_at`, closed from `closes_at`).
pub fn check_window(opens_at: Millis, closes_at: Millis, now: Millis) -> Result<(), Refusal> {
    if now < opens_at {
        Err(Refusal::NotOpen)
    } else if now >= closes_at {
        Err(Refusal::Closed)
    } else {
        Ok(())
    }
}

/// The marks an election paper carries: distinct candidate numbers, at most `seats` of them;
/// an empty paper is a valid blank vote.
pub fn check_marks(candidates: &[i64], known: &[i64], seats: u32) -> Result<Vec<i64>, Refusal> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in candidates.iter().enumerate() {
        if !known.contains(c) {
            return Err(Refusal::Invalid {
                field: format!("candidates[{i}]"),
                reason: format!("没有编号为 {c} 的候选人 / no candidate numbered {c}"),
            });
        }
        if !seen.insert(*c) {
            return Err(Refusal::Invalid {
                field: format!("candidates[{i}]"),
                reason: format!("候选人 {c} 重复 / candidate {c} marked twice"),
            });
        }
    }
    if candidates.len() > seats as usize {
        return Err(Refusal::Invalid {
            field: "candidates".into(),
            reason: format!(
                "最多可选 {seats} 人，选了 {} 人 / at most {seats} choices, {} given",
                candidates.len(),
                candidates.len()
            ),
        });
    }
    Ok(seen.into_iter().collect())
}

/// A motion choice from its text.
pub fn parse_choice(text: &str) -> Result<Choice, Refusal> {
    Choice::parse(text).ok_or_else(|| Refusal::Invalid {
        field: "choice".into(),
        reason: format!(
            "未知选项 {text:?}，可选 for / against / abstain / unknown option {text:?}; one of for, against, abstain"
        ),
    })
}

/// The counts a motion is decided on, however they were gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Members of the electorate (council members serving, or the listed electorate).
    pub members: u64,
    pub present: u64,
    pub in_favour: u64,
    pub against: u64,
    pub abstain: u64,
}

impl Counts {
    /// Counts recorded by the chair must add up: no more present than members, no more
    /// votes than present.
    pub fn check_hands(&self) -> Result<(), Refusal> {
        if self.present > self.members {
            return Err(Refusal::Invalid {
                field: "present".into(),
                reason: format!(
                    "到会人数 {} 超过成员数 {} / {} present exceeds {} members",
                    self.present, self.members, self.present, self.members
                ),
            });
        }
        let votes = self.in_favour + self.against + self.abstain;
        if votes > self.present {
            return Err(Refusal::Invalid {
                field: "for".into(),
                reason: format!(
                    "赞成、反对、弃权合计 {votes} 超过到会人数 {} / for + against + abstain = {votes} exceeds {} present",
                    self.present, self.present
                ),
            });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    QuorumNotMet,
    MajorityNotReached,
}

/// The decision on a motion, with the numbers it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MotionOutcome {
    pub passed: bool,
    pub verdict: Verdict,
    pub counts: Counts,
    /// Present needed for a quorum, and in favour needed to pass.
    pub quorum_needed: u64,
    pub majority_needed: u64,
    pub quorum: Share,
    pub majority: Share,
    pub majority_base: MajorityBase,
    /// Why, in words: "中文 / English".
    pub reason: String,
}

/// Decides a motion: first the quorum (of members present), then the majority (of those
/// present, or of members if the rules say so).
pub fn decide(rules: &CouncilRules, counts: Counts) -> MotionOutcome {
    let quorum_needed = rules.quorum.needed(counts.members);
    let base = match rules.majority_base {
        MajorityBase::Present => counts.present,
        MajorityBase::Members => counts.members,
    };
    let majority_needed = rules.majority.needed(base);
    let (verdict, reason) = if !rules.quorum.met(counts.present, counts.members) {
        (
            Verdict::QuorumNotMet,
            format!(
                "未达法定人数：到会 {} 人，成员 {} 人，需 {} 人 / quorum not met: {} present of {} members, {} needed",
                counts.present,
                counts.members,
                quorum_needed,
                counts.present,
                counts.members,
                quorum_needed
            ),
        )
    } else if !rules.majority.met(counts.in_favour, base) {
        (
            Verdict::MajorityNotReached,
            format!(
                "赞成票不足：赞成 {} 票，需 {} 票 / majority not reached: {} in favour, {} needed",
                counts.in_favour, majority_needed, counts.in_favour, majority_needed
            ),
        )
    } else {
        (
            Verdict::Passed,
            format!(
                "通过：到会 {} 人（成员 {} 人），赞成 {} 票（需 {} 票）/ passed: {} present of {} members, {} in favour ({} needed)",
                counts.present,
                counts.members,
                counts.in_favour,
                majority_needed,
                counts.present,
                counts.members,
                counts.in_favour,
                majority_needed
            ),
        )
    };
    MotionOutcome {
        passed: verdict == Verdict::Passed,
        verdict,
        counts,
        quorum_needed,
        majority_needed,
        quorum: rules.quorum,
        majority: rules.majority,
        majority_base: rules.majority_base,
        reason,
    }
}

/// Counts from recorded votes: everyone who voted (abstaining included) was present, and
/// the chair may have recorded more present than voted.
pub fn counts_from_votes(
    members: u64,
    recorded_present: Option<u64>,
    tally: &[(i64, u64)],
) -> Counts {
    let get = |c: Choice| {
        tally
            .iter()
            .filter(|(o, _)| *o == c.option_no())
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    let (in_favour, against, abstain) =
        (get(Choice::For), get(Choice::Against), get(Choice::Abstain));
    let voted = in_favour + against + abstain;
    Counts {
        members,
        present: recorded_present.unwrap_or(0).max(voted),
        in_favour,
        against,
        abstain,
    }
}

crate::decodes_from_text!(BallotMode, "ballot mode");
crate::decodes_from_text!(BallotKind, "ballot kind");
crate::decodes_from_text!(BallotStatus, "ballot status");

#[cfg(test)]
mod tests {
    use super::*;

    fn election<'a>(candidates: &'a [i64], seats: Option<u32>) -> ElectionDraft<'a> {
        ElectionDraft {
            title: " 第二届老友议事会选举 ",
            opens_at: 2_000,
            closes_at: 3_000,
            seats,
            candidates,
            electorate: None,
        }
    }

    #[test]
    fn an_election_is_checked_field_by_field() {
        let rules = CouncilRules::default();
        let ok = check_election(&election(&[7, 8], None), &rules, 1_000).unwrap();
        assert_eq!(
            ok,
            CheckedElection {
                title: "第二届老友议事会选举".into(),
                seats: rules.seats,
                electorate: ElectionElectorate::Residents,
            }
        );
        let field = |d: &ElectionDraft| check_election(d, &rules, 1_000).unwrap_err().field;
        assert_eq!(field(&election(&[7, 8], Some(0))), "seats");
        assert_eq!(field(&election(&[7, 8], Some(1_000))), "seats");
        assert_eq!(field(&election(&[], None)), "candidates");
        assert_eq!(field(&election(&[7, 8, 9, 8], None)), "candidates[3]");
        let late = ElectionDraft {
            closes_at: 500,
            ..election(&[7], None)
        };
        assert_eq!(field(&late), "closes_at");
        let untitled = ElectionDraft {
            title: "  ",
            ..election(&[7], None)
        };
        assert_eq!(field(&untitled), "title");
        let odd = ElectionDraft {
            electorate: Some("everyone"),
            ..election(&[7], None)
        };
        assert_eq!(field(&odd), "electorate");
        let listed = ElectionDraft {
            electorate: Some("listed"),
            ..election(&[7], Some(1))
        };
        assert_eq!(
            check_election(&listed, &rules, 1_000).unwrap().electorate,
            ElectionElectorate::Listed
        );
    }

    fn counts(members: u64, present: u64, f: u64, a: u64, ab: u64) -> Counts {
        Counts {
            members,
            present,
            in_favour: f,
            against: a,
            abstain: ab,
        }
    }

    #[test]
    fn statutory_quorum_and_majority() {
        let rules = CouncilRules::default();
        let no_quorum = decide(&rules, counts(20, 10, 10, 0, 0));
        assert_eq!(no_quorum.verdict, Verdict::QuorumNotMet);
        assert_eq!(no_quorum.quorum_needed, 11);
        assert!(!no_quorum.passed);
        assert!(no_quorum.reason.contains("10"));
        let tie = decide(&rules, counts(20, 12, 6, 6, 0));
        assert_eq!(tie.verdict, Verdict::MajorityNotReached);
        assert_eq!(tie.majority_needed, 7);
        let abstentions_count_as_present = decide(&rules, counts(20, 12, 7, 1, 4));
        assert!(abstentions_count_as_present.passed);
        assert_eq!(abstentions_count_as_present.verdict, Verdict::Passed);
    }

    #[test]
    fn majority_of_members_when_the_rules_say_so() {
        let rules = CouncilRules {
            majority_base: MajorityBase::Members,
            ..CouncilRules::default()
        };
        let r = decide(&rules, counts(20, 12, 8, 0, 4));
        assert_eq!(r.verdict, Verdict::MajorityNotReached);
        assert_eq!(r.majority_needed, 11);
    }

    #[test]
    fn votes_give_counts() {
        let c = counts_from_votes(15, None, &[(1, 5), (2, 2), (3, 1)]);
        assert_eq!(c, counts(15, 8, 5, 2, 1));
        let c = counts_from_votes(15, Some(10), &[(1, 5)]);
        assert_eq!(c.present, 10);
    }

    #[test]
    fn hands_must_add_up() {
        assert!(counts(10, 8, 5, 2, 1).check_hands().is_ok());
        assert!(matches!(
            counts(10, 11, 5, 2, 1).check_hands(),
            Err(Refusal::Invalid { field, .. }) if field == "present"
        ));
        assert!(counts(10, 7, 5, 2, 1).check_hands().is_err());
    }

    #[test]
    fn marks_are_checked() {
        assert_eq!(check_marks(&[3, 1], &[1, 2, 3], 2), Ok(vec![1, 3]));
        assert_eq!(check_marks(&[], &[1, 2, 3], 2), Ok(vec![]));
        assert!(matches!(
            check_marks(&[1, 7], &[1, 2, 3], 2),
            Err(Refusal::Invalid { field, .. }) if field == "candidates[1]"
        ));
        assert!(matches!(
            check_marks(&[1, 1], &[1, 2, 3], 2),
            Err(Refusal::Invalid { field, .. }) if field == "candidates[1]"
        ));
        assert!(matches!(
            check_marks(&[1, 2, 3], &[1, 2, 3], 2),
            Err(Refusal::Invalid { field, .. }) if field == "candidates"
        ));
        assert!(parse_choice("maybe").is_err());
        assert_eq!(parse_choice("against"), Ok(Choice::Against));
    }

    #[test]
    fn window_is_half_open() {
        assert_eq!(check_window(10, 20, 9), Err(Refusal::NotOpen));
        assert_eq!(check_window(10, 20, 10), Ok(()));
        assert_eq!(check_window(10, 20, 20), Err(Refusal::Closed));
    }
}

// --- a new motion --------------------------------------------------------------------------

/// Who may vote on a motion: the members serving when it opens, or a listed set of residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Electorate {
    Members,
    Listed,
}

/// A new motion as it arrives, before any lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct MotionDraft<'a> {
    pub title: &'a str,
    pub meeting_date: Option<&'a str>,
    pub mode: &'a str,
    pub opens_at: Millis,
    pub closes_at: Millis,
    pub quorum: Option<Share>,
    pub majority: Option<Share>,
    pub majority_base: Option<&'a str>,
    pub electorate: Option<&'a str>,
}

/// A motion that keeps the rules: its title, mode, the council's rules with this motion's
/// overrides, and who votes.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedMotion {
    pub title: String,
    pub mode: BallotMode,
    pub rules: CouncilRules,
    pub electorate: Electorate,
}

/// Checks a new motion against the rules (as `machine::apply` checks a case's step), the
/// first broken rule named by its field; looking up the electors is the caller's part.
pub fn check_motion(
    draft: &MotionDraft,
    council: &CouncilRules,
    now: Millis,
) -> Result<CheckedMotion, crate::invalid::Invalid> {
    use crate::invalid::invalid;
    let title = check_title(draft.title)?;
    let mode = BallotMode::parse(draft.mode).ok_or_else(|| {
        invalid(
            "mode",
            "须为 open、secret 或 show_of_hands / must be open, secret or show_of_hands",
        )
    })?;
    check_times(draft.opens_at, draft.closes_at, now)?;
    if let Some(d) = draft.meeting_date {
        let b = d.as_bytes();
        let ok = d.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && d.chars().filter(|c| c.is_ascii_digit()).count() == 8;
        if !ok {
            return Err(invalid(
                "meeting_date",
                "须为 YYYY-MM-DD / must be YYYY-MM-DD",
            ));
        }
    }
    let mut rules = *council;
    for (field, share, slot) in [
        ("quorum", draft.quorum, &mut rules.quorum),
        ("majority", draft.majority, &mut rules.majority),
    ] {
        if let Some(s) = share {
            s.check(field).map_err(|e| invalid(field, e.reason))?;
            *slot = s;
        }
    }
    rules.majority_base = match draft.majority_base {
        None => rules.majority_base,
        Some("present") => MajorityBase::Present,
        Some("members") => MajorityBase::Members,
        Some(_) => {
            return Err(invalid(
                "majority_base",
                "须为 present 或 members / must be present or members",
            ));
        }
    };
    let electorate = match draft.electorate.unwrap_or("members") {
        "members" => Electorate::Members,
        "listed" => Electorate::Listed,
        _ => {
            return Err(invalid(
                "electorate",
                "须为 members 或 listed / must be members or listed",
            ));
        }
    };
    Ok(CheckedMotion {
        title: title.to_string(),
        mode,
        rules,
        electorate,
    })
}

/// A ballot's title: 1–200 characters once trimmed.
/// A new election as asked for, before anything is looked up.
pub struct ElectionDraft<'a> {
    pub title: &'a str,
    pub opens_at: Millis,
    pub closes_at: Millis,
    /// None: the council's number of seats.
    pub seats: Option<u32>,
    /// Resident ids, in ballot order.
    pub candidates: &'a [i64],
    /// residents (default) or listed.
    pub electorate: Option<&'a str>,
}

/// Who may vote in an election.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElectionElectorate {
    /// The adult residents of the council's area on the day it opens.
    Residents,
    /// The electors the request lists.
    Listed,
}

/// An election that keeps the rules; finding the candidates in the area and the electors is
/// the caller's part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedElection {
    pub title: String,
    pub seats: u32,
    pub electorate: ElectionElectorate,
}

/// Checks a new election (title, times, seats, candidates, electorate), the first broken
/// rule named by its field — a repeated candidate by its place in the list.
pub fn check_election(
    draft: &ElectionDraft,
    council: &CouncilRules,
    now: Millis,
) -> Result<CheckedElection, crate::invalid::Invalid> {
    use crate::invalid::invalid;
    let title = check_title(draft.title)?.to_string();
    check_times(draft.opens_at, draft.closes_at, now)?;
    let seats = draft.seats.unwrap_or(council.seats);
    if !(1..=999).contains(&seats) {
        return Err(invalid("seats", "须为 1–999 / must be 1–999"));
    }
    if draft.candidates.is_empty() {
        return Err(invalid(
            "candidates",
            "至少一名候选人 / at least one candidate",
        ));
    }
    for (i, id) in draft.candidates.iter().enumerate() {
        if draft.candidates[..i].contains(id) {
            return Err(invalid(
                format!("candidates[{i}]"),
                format!("居民 {id} 重复 / resident {id} listed twice"),
            ));
        }
    }
    let electorate = match draft.electorate.unwrap_or("residents") {
        "residents" => ElectionElectorate::Residents,
        "listed" => ElectionElectorate::Listed,
        _ => {
            return Err(invalid(
                "electorate",
                "须为 residents 或 listed / must be residents or listed",
            ));
        }
    };
    Ok(CheckedElection {
        title,
        seats,
        electorate,
    })
}

pub fn check_title(title: &str) -> Result<&str, crate::invalid::Invalid> {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(crate::invalid::invalid(
            "title",
            "须为 1–200 字 / must have 1–200 characters",
        ));
    }
    Ok(t)
}

/// A ballot closes after it opens, and in the future.
pub fn check_times(
    opens_at: Millis,
    closes_at: Millis,
    now: Millis,
) -> Result<(), crate::invalid::Invalid> {
    use crate::invalid::invalid;
    if closes_at <= opens_at {
        return Err(invalid(
            "closes_at",
            "须晚于 opens_at / must be after opens_at",
        ));
    }
    if closes_at <= now {
        return Err(invalid("closes_at", "须在将来 / must be in the future"));
    }
    Ok(())
}

#[cfg(test)]
mod motion_tests {
    use super::*;

    fn draft<'a>() -> MotionDraft<'a> {
        MotionDraft {
            title: " 加装电梯 ",
            meeting_date: Some("2026-12-04"),
            mode: "secret",
            opens_at: 1_000,
            closes_at: 2_000,
            quorum: None,
            majority: None,
            majority_base: None,
            electorate: None,
        }
    }

    #[test]
    fn a_motion_keeps_the_councils_rules_unless_it_says_otherwise() {
        let council = CouncilRules::default();
        let m = check_motion(&draft(), &council, 500).unwrap();
        assert_eq!(m.title, "加装电梯");
        assert_eq!(m.mode, BallotMode::Secret);
        assert_eq!(m.rules, council);
        assert_eq!(m.electorate, Electorate::Members);
        let m = check_motion(
            &MotionDraft {
                majority_base: Some("members"),
                electorate: Some("listed"),
                ..draft()
            },
            &council,
            500,
        )
        .unwrap();
        assert_eq!(m.rules.majority_base, MajorityBase::Members);
        assert_eq!(m.electorate, Electorate::Listed);
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let council = CouncilRules::default();
        let field = |d: MotionDraft, now| check_motion(&d, &council, now).unwrap_err().field;
        assert_eq!(
            field(
                MotionDraft {
                    title: " ",
                    ..draft()
                },
                500
            ),
            "title"
        );
        assert_eq!(
            field(
                MotionDraft {
                    mode: "raised",
                    ..draft()
                },
                500
            ),
            "mode"
        );
        assert_eq!(
            field(
                MotionDraft {
                    closes_at: 1_000,
                    ..draft()
                },
                500
            ),
            "closes_at"
        );
        assert_eq!(field(draft(), 3_000), "closes_at");
        assert_eq!(
            field(
                MotionDraft {
                    meeting_date: Some("4/12/2026"),
                    ..draft()
                },
                500
            ),
            "meeting_date"
        );
        let bad = Share {
            num: 3,
            den: 2,
            strict: false,
        };
        assert_eq!(
            field(
                MotionDraft {
                    quorum: Some(bad),
                    ..draft()
                },
                500
            ),
            "quorum"
        );
        assert_eq!(
            field(
                MotionDraft {
                    majority: Some(bad),
                    ..draft()
                },
                500
            ),
            "majority"
        );
        assert_eq!(
            field(
                MotionDraft {
                    majority_base: Some("all"),
                    ..draft()
                },
                500
            ),
            "majority_base"
        );
        assert_eq!(
            field(
                MotionDraft {
                    electorate: Some("everyone"),
                    ..draft()
                },
                500
            ),
            "electorate"
        );
    }
}
