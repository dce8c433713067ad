//! Three-affairs disclosure (三务公开): the catalogue of what a community must publish and
//! how often, the periods publications fall due, finance tables in integer fen, the
//! two-member approval rule, and the hash chain that makes published postings tamper-evident.

pub mod chain;
pub mod money;
pub mod period;

pub use chain::{
    BrokenLink, ChainEntry, ChainHead, GENESIS_HASH, StoredLink, link_hash, verify_chain,
};
pub use money::{LineItem, LineKind, Totals, fen_to_yuan, totals, yuan_to_fen};
pub use period::{Period, PeriodError, due_at, periods_between};

use crate::Millis;
use serde::{Deserialize, Serialize};

/// Beijing time, minutes east of UTC: periods and due dates are Beijing calendar dates.
pub const BEIJING_OFFSET_MIN: i32 = 8 * 60;

/// The three affairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Affair {
    /// 党务公开
    Party,
    /// 居务公开
    Residents,
    /// 财务公开
    Finance,
}

pub const AFFAIRS: [Affair; 3] = [Affair::Party, Affair::Residents, Affair::Finance];

impl Affair {
    pub fn as_str(self) -> &'static str {
        match self {
            Affair::Party => "party",
            Affair::Residents => "residents",
            Affair::Finance => "finance",
        }
    }

    pub fn parse(text: &str) -> Option<Affair> {
        AFFAIRS.into_iter().find(|a| a.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Affair::Party => "党务公开",
            Affair::Residents => "居务公开",
            Affair::Finance => "财务公开",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Affair::Party => "Party affairs",
            Affair::Residents => "Residents' affairs",
            Affair::Finance => "Finance",
        }
    }
}

/// How often an item is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// At once, whenever the matter arises (major matters).
    Immediate,
    Monthly,
    Quarterly,
    /// Fixed content, renewed every year.
    Yearly,
}

pub const FREQUENCIES: [Frequency; 4] = [
    Frequency::Immediate,
    Frequency::Monthly,
    Frequency::Quarterly,
    Frequency::Yearly,
];

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Immediate => "immediate",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
        }
    }

    pub fn parse(text: &str) -> Option<Frequency> {
        FREQUENCIES.into_iter().find(|f| f.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Frequency::Immediate => "即时",
            Frequency::Monthly => "每月",
            Frequency::Quarterly => "每季度",
            Frequency::Yearly => "每年",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Frequency::Immediate => "immediate",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
        }
    }
}

/// Days after a period ends (or, for immediate items, after the matter is drafted) by which
/// the posting must be public. A city may set its own table; these are the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraceDays {
    pub immediate: u32,
    pub monthly: u32,
    pub quarterly: u32,
    pub yearly: u32,
}

impl Default for GraceDays {
    fn default() -> Self {
        GraceDays {
            immediate: 3,
            monthly: 10,
            quarterly: 15,
            yearly: 31,
        }
    }
}

impl GraceDays {
    pub fn of(&self, frequency: Frequency) -> u32 {
        match frequency {
            Frequency::Immediate => self.immediate,
            Frequency::Monthly => self.monthly,
            Frequency::Quarterly => self.quarterly,
            Frequency::Yearly => self.yearly,
        }
    }
}

/// A catalogue item as proposed by staff, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDraft {
    pub affair: Affair,
    pub title: String,
    pub frequency: Frequency,
    pub major: bool,
    pub grace_days: u32,
}

/// A rule broken by a catalogue item or posting: the field and why.
pub use crate::invalid::Invalid;
use crate::invalid::invalid;

/// The publication rule (DOMAIN: ordinary matters at least quarterly, finance monthly where
/// busy, major matters at once): a major matter is immediate; finance is published at least
/// quarterly; other periodic matters at least quarterly, except fixed (yearly) items.
pub fn check_item(item: &ItemDraft) -> Result<(), Invalid> {
    let title = item.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(invalid(
            "title",
            "须为 1–100 字 / must have 1–100 characters",
        ));
    }
    if item.major && item.frequency != Frequency::Immediate {
        return Err(invalid(
            "frequency",
            "重大事项须即时公开 / a major matter must be published at once (immediate)",
        ));
    }
    if item.affair == Affair::Finance && item.frequency == Frequency::Yearly {
        return Err(invalid(
            "frequency",
            "财务须至少每季度公开（收支频繁的每月）/ finance must be published at least quarterly (monthly where busy)",
        ));
    }
    if item.grace_days > 90 {
        return Err(invalid(
            "grace_days",
            "公开期限不得超过期末后 90 天 / must be at most 90 days after the period",
        ));
    }
    Ok(())
}

/// A posting's content as drafted, checked before it is stored.
pub fn check_content(title: &str, body: &str) -> Result<(), Invalid> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(invalid(
            "title",
            "须为 1–200 字 / must have 1–200 characters",
        ));
    }
    if body.trim().is_empty() || body.chars().count() > 20_000 {
        return Err(invalid(
            "body",
            "须为 1–20000 字 / must have 1–20,000 characters",
        ));
    }
    Ok(())
}

/// Approvals a posting needs before it may be published.
pub const APPROVALS_NEEDED: usize = 2;

/// What stands between a draft and publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingApprovals {
    /// Committee approvals that count so far.
    pub counted: Vec<i64>,
    /// How many more are needed.
    pub missing: usize,
    /// Approvals that do not count (the author's own, or from someone no longer on the committee).
    pub not_counted: Vec<i64>,
}

impl std::fmt::Display for MissingApprovals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "还需 {} 名不同的委员会成员审核（已计入 {} 名，作者本人的审核不计入）/ needs approval by {} more distinct committee member(s) ({} counted; the author's own approval does not count)",
            self.missing,
            self.counted.len(),
            self.missing,
            self.counted.len()
        )
    }
}

/// Counts approvals from distinct committee members other than the author; publication
/// needs [`APPROVALS_NEEDED`] of them. The author's own approval never counts: two people
/// besides the one who wrote it have read it.
pub fn approvals_counted(
    author_id: i64,
    committee: &[i64],
    approvers: &[i64],
) -> Result<Vec<i64>, MissingApprovals> {
    let mut counted: Vec<i64> = Vec::new();
    let mut not_counted = Vec::new();
    for &a in approvers {
        if a != author_id && committee.contains(&a) {
            if !counted.contains(&a) {
                counted.push(a);
            }
        } else {
            not_counted.push(a);
        }
    }
    if counted.len() >= APPROVALS_NEEDED {
        Ok(counted)
    } else {
        Err(MissingApprovals {
            missing: APPROVALS_NEEDED - counted.len(),
            counted,
            not_counted,
        })
    }
}

/// Why a committee member may not approve a posting.
pub fn check_approver(author_id: i64, committee: &[i64], approver: i64) -> Result<(), Invalid> {
    if !committee.contains(&approver) {
        return Err(invalid(
            "approver",
            "您不是本社区两委成员名单中的人员 / you are not on this community's committee roster",
        ));
    }
    if approver == author_id {
        return Err(invalid(
            "approver",
            "作者不能审核自己起草的公开内容 / the author cannot approve their own posting",
        ));
    }
    Ok(())
}

/// An item of the catalogue as stored, for computing what is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub id: i64,
    pub frequency: Frequency,
    pub grace_days: u32,
    /// Periods are due from the one containing this instant.
    pub active_from: Millis,
}

/// A publication that is late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    pub item_id: i64,
    /// The period label, or for an immediate item the draft's period.
    pub period: String,
    pub due_at: Millis,
    /// Whole days past the due date.
    pub days_late: i64,
    /// For an immediate item: the draft waiting to be published.
    pub posting_id: Option<i64>,
}

/// A draft not yet published (for immediate items, whose clock starts at drafting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDraft {
    pub posting_id: i64,
    pub item_id: i64,
    pub period: String,
    pub created_at: Millis,
}

const DAY_MS: i64 = 86_400_000;

/// Every late publication of `item` at `now`: each periodic period since the item became
/// active whose due date has passed without a published posting, and each immediate draft
/// left unpublished past its grace days.
pub fn overdue(
    item: &DueItem,
    published_periods: &[String],
    drafts: &[PendingDraft],
    now: Millis,
) -> Vec<Overdue> {
    let days_late = |due: Millis| (now - due).div_euclid(DAY_MS);
    if item.frequency == Frequency::Immediate {
        return drafts
            .iter()
            .filter(|d| d.item_id == item.id)
            .filter_map(|d| {
                let due = d.created_at + i64::from(item.grace_days) * DAY_MS;
                (due < now).then(|| Overdue {
                    item_id: item.id,
                    period: d.period.clone(),
                    due_at: due,
                    days_late: days_late(due),
                    posting_id: Some(d.posting_id),
                })
            })
            .collect();
    }
    periods_between(item.frequency, item.active_from, now)
        .into_iter()
        .filter_map(|p| {
            let due = due_at(&p, item.grace_days);
            let label = p.to_string();
            (due < now && !published_periods.contains(&label)).then(|| Overdue {
                item_id: item.id,
                period: label,
                due_at: due,
                days_late: days_late(due),
                posting_id: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
