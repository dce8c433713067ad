//! Councils (老友议事会, 居民议事会, 居民代表会议), their rules as data and their members.

use crate::Millis;
use crate::cases::calendar::LocalDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouncilKind {
    /// 老友议事会
    FriendsCouncil,
    /// 居民议事会
    ResidentsCouncil,
    /// 居民代表会议
    RepresentativesMeeting,
}

pub const COUNCIL_KINDS: [CouncilKind; 3] = [
    CouncilKind::FriendsCouncil,
    CouncilKind::ResidentsCouncil,
    CouncilKind::RepresentativesMeeting,
];

impl CouncilKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CouncilKind::FriendsCouncil => "friends_council",
            CouncilKind::ResidentsCouncil => "residents_council",
            CouncilKind::RepresentativesMeeting => "representatives_meeting",
        }
    }

    pub fn parse(text: &str) -> Option<CouncilKind> {
        COUNCIL_KINDS.iter().copied().find(|k| k.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            CouncilKind::FriendsCouncil => "老友议事会",
            CouncilKind::ResidentsCouncil => "居民议事会",
            CouncilKind::RepresentativesMeeting => "居民代表会议",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            CouncilKind::FriendsCouncil => "Old friends' council",
            CouncilKind::ResidentsCouncil => "Residents' council",
            CouncilKind::RepresentativesMeeting => "Residents' representatives meeting",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Chair,
    ViceChair,
    Member,
}

pub const MEMBER_ROLES: [MemberRole; 3] =
    [MemberRole::Chair, MemberRole::ViceChair, MemberRole::Member];

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Chair => "chair",
            MemberRole::ViceChair => "vice_chair",
            MemberRole::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<MemberRole> {
        MEMBER_ROLES.iter().copied().find(|r| r.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            MemberRole::Chair => "会长",
            MemberRole::ViceChair => "副会长",
            MemberRole::Member => "成员",
        }
    }
}

/// A share a count must reach of a base: "more than 1/2" is `{num: 1, den: 2, strict: true}`,
/// "at least 2/3" is `{num: 2, den: 3, strict: false}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub num: u32,
    pub den: u32,
    /// `true`: more than the share; `false`: at least the share.
    pub strict: bool,
}

impl Share {
    pub const MORE_THAN_HALF: Share = Share {
        num: 1,
        den: 2,
        strict: true,
    };
    pub const ONE_THIRD: Share = Share {
        num: 1,
        den: 3,
        strict: false,
    };

    /// Whether `count` out of `base` reaches the share (nothing reaches a share of zero).
    pub fn met(self, count: u64, base: u64) -> bool {
        if base == 0 {
            return false;
        }
        let lhs = u128::from(count) * u128::from(self.den);
        let rhs = u128::from(base) * u128::from(self.num);
        if self.strict { lhs > rhs } else { lhs >= rhs }
    }

    /// The smallest count out of `base` that reaches the share.
    pub fn needed(self, base: u64) -> u64 {
        let rhs = u128::from(base) * u128::from(self.num);
        let den = u128::from(self.den.max(1));
        let at_least = rhs.div_ceil(den);
        let n = if self.strict && at_least * den == rhs {
            at_least + 1
        } else {
            at_least
        };
        n as u64
    }

    pub fn check(self, field: &str) -> Result<(), RuleError> {
        if self.den == 0 || self.num == 0 || self.num > self.den {
            return Err(RuleError {
                field: field.into(),
                reason: "比例须满足 0 < 分子 ≤ 分母 / share must have 0 < num ≤ den".into(),
            });
        }
        Ok(())
    }

    pub fn describe(self) -> String {
        let word = if self.strict {
            "超过 / more than"
        } else {
            "不少于 / at least"
        };
        format!("{word} {}/{}", self.num, self.den)
    }
}

/// What a majority is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MajorityBase {
    /// Of those present (the statutory default).
    Present,
    /// Of all members (stricter, for matters a charter reserves).
    Members,
}

/// A council's rules, stored as JSON with the council; a motion may override the quorum and
/// majority. Defaults follow 城市居民委员会组织法.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CouncilRules {
    pub seats: u32,
    pub term_months: u32,
    /// Members present for a valid meeting: more than half.
    pub quorum: Share,
    /// In favour for a motion to pass: more than half of those present.
    pub majority: Share,
    pub majority_base: MajorityBase,
    /// Votes cast for a valid election: more than half of the electorate.
    pub turnout: Share,
    /// Votes a candidate needs: more than half of the votes cast.
    pub election_threshold: Share,
    /// Target share of party members among members (a third), reported, not enforced.
    pub party_share_target: Share,
}

impl Default for CouncilRules {
    fn default() -> Self {
        CouncilRules {
            seats: 15,
            term_months: 60,
            quorum: Share::MORE_THAN_HALF,
            majority: Share::MORE_THAN_HALF,
            majority_base: MajorityBase::Present,
            turnout: Share::MORE_THAN_HALF,
            election_threshold: Share::MORE_THAN_HALF,
            party_share_target: Share::ONE_THIRD,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub field: String,
    pub reason: String,
}

impl CouncilRules {
    pub fn check(&self) -> Result<(), Vec<RuleError>> {
        let mut errors = Vec::new();
        if !(1..=999).contains(&self.seats) {
            errors.push(RuleError {
                field: "rules.seats".into(),
                reason: "席位须为 1–999 / seats must be 1–999".into(),
            });
        }
        if !(1..=120).contains(&self.term_months) {
            errors.push(RuleError {
                field: "rules.term_months".into(),
                reason: "任期须为 1–120 个月 / term must be 1–120 months".into(),
            });
        }
        for (field, share) in [
            ("rules.quorum", self.quorum),
            ("rules.majority", self.majority),
            ("rules.turnout", self.turnout),
            ("rules.election_threshold", self.election_threshold),
            ("rules.party_share_target", self.party_share_target),
        ] {
            if let Err(e) = share.check(field) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A member as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub resident_id: i64,
    pub building_id: Option<i64>,
    pub party_member: bool,
    pub term_start: Millis,
    pub term_end: Millis,
}

impl Member {
    /// Terms are half-open: a member serves from `term_start` up to, not including, `term_end`.
    pub fn serves_at(&self, at: Millis) -> bool {
        self.term_start <= at && at < self.term_end
    }
}

/// The party share among members against the target (reported, never enforced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyShare {
    pub members: u64,
    pub party_members: u64,
    pub target: Share,
    /// Party members the target asks for at this size.
    pub target_count: u64,
    pub meets_target: bool,
}

pub fn party_share(members: u64, party_members: u64, target: Share) -> PartyShare {
    PartyShare {
        members,
        party_members,
        target,
        target_count: target.needed(members),
        meets_target: target.met(party_members, members),
    }
}

/// Buildings of the area that no member (or elected candidate) lives in, in the given order.
pub fn uncovered_buildings(area: &[i64], covered: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let covered: std::collections::HashSet<i64> = covered.into_iter().collect();
    area.iter()
        .copied()
        .filter(|b| !covered.contains(b))
        .collect()
}

/// Adds whole months to a UTC time (the term end from the term start), keeping the
/// Beijing calendar day where it exists (31 Jan + 1 month = 28/29 Feb).
pub fn add_months(start: Millis, months: u32) -> Millis {
    let date = LocalDate::from_millis(start, BEIJING_MINUTES);
    let within = start - date.start_millis(BEIJING_MINUTES);
    let total = i64::from(date.year) * 12 + i64::from(date.month) - 1 + i64::from(months);
    let (year, month) = (
        total.div_euclid(12) as i32,
        (total.rem_euclid(12) + 1) as u8,
    );
    let end = (1..=date.day)
        .rev()
        .find_map(|day| LocalDate::new(year, month, day))
        .expect("every month has a 28th");
    end.start_millis(BEIJING_MINUTES) + within
}

const BEIJING_MINUTES: i32 = 480;

/// A charter text: non-empty, at most 100,000 characters.
pub fn check_charter(text: &str) -> Result<(), String> {
    let n = text.trim().chars().count();
    if n == 0 || n > 100_000 {
        Err("章程须为 1–100000 字 / charter must have 1–100,000 characters".into())
    } else {
        Ok(())
    }
}

crate::decodes_from_text!(CouncilKind, "council kind");
crate::decodes_from_text!(MemberRole, "council member role");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_count_strictly_and_inclusively() {
        let half = Share::MORE_THAN_HALF;
        assert!(!half.met(5, 10));
        assert!(half.met(6, 10));
        assert!(half.met(6, 11));
        assert!(!half.met(0, 0));
        assert_eq!(half.needed(10), 6);
        assert_eq!(half.needed(11), 6);
        let third = Share::ONE_THIRD;
        assert!(third.met(3, 9));
        assert!(!third.met(2, 9));
        assert_eq!(third.needed(9), 3);
        assert_eq!(third.needed(10), 4);
        let two_thirds = Share {
            num: 2,
            den: 3,
            strict: false,
        };
        assert_eq!(two_thirds.needed(99), 66);
        assert!(two_thirds.met(66, 99));
        assert!(!two_thirds.met(65, 99));
    }

    #[test]
    fn needed_agrees_with_met() {
        for share in [Share::MORE_THAN_HALF, Share::ONE_THIRD] {
            for base in 1..200u64 {
                let n = share.needed(base);
                assert!(share.met(n, base));
                assert!(!share.met(n - 1, base));
            }
        }
    }

    #[test]
    fn default_rules_are_statutory_and_valid() {
        let r = CouncilRules::default();
        assert_eq!(r.quorum, Share::MORE_THAN_HALF);
        assert_eq!(r.majority_base, MajorityBase::Present);
        assert!(r.check().is_ok());
        let parsed: CouncilRules = serde_json::from_str(r#"{"seats": 99}"#).unwrap();
        assert_eq!(parsed.seats, 99);
        assert_eq!(parsed.turnout, Share::MORE_THAN_HALF);
        let bad = CouncilRules {
            seats: 0,
            quorum: Share {
                num: 3,
                den: 2,
                strict: true,
            },
            ..r
        };
        let fields: Vec<String> = bad
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["rules.seats", "rules.quorum"]);
    }

    #[test]
    fn months_are_added_on_the_beijing_calendar() {
        let at = |text: &str| text.parse::<LocalDate>().unwrap().start_millis(480);
        // 2026-01-31 00:00 Beijing = 2026-01-30T16:00Z.
        let start = at("2026-01-31");
        assert_eq!(start, 1_769_788_800_000);
        assert_eq!(add_months(start, 1), at("2026-02-28"));
        assert_eq!(add_months(start, 60), at("2031-01-31"));
        assert_eq!(add_months(at("2024-02-29"), 12), at("2025-02-28"));
    }

    #[test]
    fn party_share_and_coverage_are_reported() {
        let p = party_share(15, 4, Share::ONE_THIRD);
        assert_eq!(p.target_count, 5);
        assert!(!p.meets_target);
        assert!(party_share(15, 5, Share::ONE_THIRD).meets_target);
        assert_eq!(uncovered_buildings(&[1, 2, 3, 4], [2, 4, 9]), vec![1, 3]);
    }

    #[test]
    fn terms_are_half_open() {
        let m = Member {
            resident_id: 1,
            building_id: None,
            party_member: false,
            term_start: 100,
            term_end: 200,
        };
        assert!(m.serves_at(100));
        assert!(m.serves_at(199));
        assert!(!m.serves_at(200));
        assert!(!m.serves_at(99));
    }
}
