//! An item raised at a 逢四说事 session and its path to the end:
//! raised → answered (on the spot) or referred (taken away with a unit, a commitment and a
//! deadline) → in progress → done → rated (满意 / 不满意) → archived.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Raised,
    Answered,
    Referred,
    InProgress,
    Done,
    Rated,
    Archived,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 7] = [
        ItemStatus::Raised,
        ItemStatus::Answered,
        ItemStatus::Referred,
        ItemStatus::InProgress,
        ItemStatus::Done,
        ItemStatus::Rated,
        ItemStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Raised => "raised",
            ItemStatus::Answered => "answered",
            ItemStatus::Referred => "referred",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Done => "done",
            ItemStatus::Rated => "rated",
            ItemStatus::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<ItemStatus> {
        ItemStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ItemStatus::Raised => "已提出",
            ItemStatus::Answered => "当场答复",
            ItemStatus::Referred => "会后办理",
            ItemStatus::InProgress => "办理中",
            ItemStatus::Done => "已办结",
            ItemStatus::Rated => "已评价",
            ItemStatus::Archived => "已归档",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ItemStatus::Raised => "Raised",
            ItemStatus::Answered => "Answered on the spot",
            ItemStatus::Referred => "Taken away",
            ItemStatus::InProgress => "In progress",
            ItemStatus::Done => "Done",
            ItemStatus::Rated => "Rated",
            ItemStatus::Archived => "Archived",
        }
    }

    /// Still waiting for someone to act on it (counted for overdue commitments).
    pub fn is_pending(self) -> bool {
        matches!(self, ItemStatus::Referred | ItemStatus::InProgress)
    }
}

/// What can be done to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemAction {
    /// Answered on the spot by an answering unit.
    Answer,
    /// Taken away: a responsible unit, a commitment and a deadline (optionally a case).
    Refer,
    /// The responsible unit has started.
    Start,
    /// Finished, with the result.
    Complete,
    /// Residents' verdict.
    Rate,
    /// Filed away after rating, or withdrawn before anything happened.
    Archive,
}

impl ItemAction {
    pub const ALL: [ItemAction; 6] = [
        ItemAction::Answer,
        ItemAction::Refer,
        ItemAction::Start,
        ItemAction::Complete,
        ItemAction::Rate,
        ItemAction::Archive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemAction::Answer => "answer",
            ItemAction::Refer => "refer",
            ItemAction::Start => "start",
            ItemAction::Complete => "complete",
            ItemAction::Rate => "rate",
            ItemAction::Archive => "archive",
        }
    }

    pub fn parse(text: &str) -> Option<ItemAction> {
        ItemAction::ALL.into_iter().find(|a| a.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ItemAction::Answer => "当场答复",
            ItemAction::Refer => "会后办理",
            ItemAction::Start => "开始办理",
            ItemAction::Complete => "办结",
            ItemAction::Rate => "评价",
            ItemAction::Archive => "归档",
        }
    }

    /// Whether only residents (not staff) take this action online; staff may still record a
    /// session's show of hands.
    pub fn is_residents(self) -> bool {
        self == ItemAction::Rate
    }
}

/// The status after `action`, or why it is not allowed now.
pub fn next_status(from: ItemStatus, action: ItemAction) -> Result<ItemStatus, ItemRefusal> {
    use ItemAction as A;
    use ItemStatus as S;
    let to = match (from, action) {
        (S::Raised, A::Answer) => S::Answered,
        (S::Raised, A::Refer) => S::Referred,
        (S::Referred, A::Start) => S::InProgress,
        (S::Referred | S::InProgress, A::Complete) => S::Done,
        (S::Answered | S::Done | S::Rated, A::Rate) => S::Rated,
        (S::Raised | S::Rated, A::Archive) => S::Archived,
        _ => {
            return Err(ItemRefusal {
                from,
                action,
                allowed: allowed_actions(from),
            });
        }
    };
    Ok(to)
}

/// The actions possible from `status`, in the order a page offers them.
pub fn allowed_actions(status: ItemStatus) -> Vec<ItemAction> {
    ItemAction::ALL
        .into_iter()
        .filter(|a| {
            matches!(
                (status, a),
                (
                    ItemStatus::Raised,
                    ItemAction::Answer | ItemAction::Refer | ItemAction::Archive
                ) | (
                    ItemStatus::Referred,
                    ItemAction::Start | ItemAction::Complete
                ) | (ItemStatus::InProgress, ItemAction::Complete)
                    | (
                        ItemStatus::Answered | ItemStatus::Done | ItemStatus::Rated,
                        ItemAction::Rate
                    )
                    | (ItemStatus::Rated, ItemAction::Archive)
            )
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "事项处于「{}」，不能{}；可以：{} / item is {}: cannot {}; allowed: {}",
    from.name_zh(), action.name_zh(), names_zh(allowed), from.as_str(), action.as_str(), names(allowed)
)]
pub struct ItemRefusal {
    pub from: ItemStatus,
    pub action: ItemAction,
    pub allowed: Vec<ItemAction>,
}

fn names_zh(actions: &[ItemAction]) -> String {
    if actions.is_empty() {
        return "无".into();
    }
    actions
        .iter()
        .map(|a| a.name_zh())
        .collect::<Vec<_>>()
        .join("、")
}

fn names(actions: &[ItemAction]) -> String {
    if actions.is_empty() {
        return "none".into();
    }
    actions
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who takes part in a session besides the residents' speakers (说事员).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeKind {
    Speaker,
    PropertyCompany,
    Police,
    HealthOffice,
    Deputy,
    CommunityStaff,
    Other,
}

impl AttendeeKind {
    pub const ALL: [AttendeeKind; 7] = [
        AttendeeKind::Speaker,
        AttendeeKind::PropertyCompany,
        AttendeeKind::Police,
        AttendeeKind::HealthOffice,
        AttendeeKind::Deputy,
        AttendeeKind::CommunityStaff,
        AttendeeKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttendeeKind::Speaker => "speaker",
            AttendeeKind::PropertyCompany => "property_company",
            AttendeeKind::Police => "police",
            AttendeeKind::HealthOffice => "health_office",
            AttendeeKind::Deputy => "deputy",
            AttendeeKind::CommunityStaff => "community_staff",
            AttendeeKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<AttendeeKind> {
        AttendeeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            AttendeeKind::Speaker => "说事员",
            AttendeeKind::PropertyCompany => "物业公司",
            AttendeeKind::Police => "社区民警",
            AttendeeKind::HealthOffice => "卫生服务站",
            AttendeeKind::Deputy => "人大代表",
            AttendeeKind::CommunityStaff => "社区干部",
            AttendeeKind::Other => "其他",
        }
    }
}

/// The six topic areas residents are encouraged to raise (六必说).
pub const TOPIC_AREAS: [(&str, &str); 6] = [
    ("environment", "环境卫生"),
    ("safety", "治安安全"),
    ("facilities", "设施维修"),
    ("neighbours", "邻里纠纷"),
    ("livelihood", "民生服务"),
    ("proposals", "意见建议"),
];

pub fn is_topic_area(code: &str) -> bool {
    TOPIC_AREAS.iter().any(|(c, _)| *c == code)
}

crate::decodes_from_text!(ItemStatus, "session item status");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_path() {
        let mut s = ItemStatus::Raised;
        for a in [
            ItemAction::Refer,
            ItemAction::Start,
            ItemAction::Complete,
            ItemAction::Rate,
            ItemAction::Archive,
        ] {
            s = next_status(s, a).unwrap();
        }
        assert_eq!(s, ItemStatus::Archived);
        let answered = next_status(ItemStatus::Raised, ItemAction::Answer).unwrap();
        assert_eq!(
            next_status(answered, ItemAction::Rate),
            Ok(ItemStatus::Rated)
        );
    }

    #[test]
    fn refusals_list_what_is_allowed() {
        let err = next_status(ItemStatus::Raised, ItemAction::Complete).unwrap_err();
        assert_eq!(
            err.allowed,
            vec![ItemAction::Answer, ItemAction::Refer, ItemAction::Archive]
        );
        assert!(err.to_string().contains("answer, refer, archive"));
        assert!(next_status(ItemStatus::Archived, ItemAction::Rate).is_err());
        assert!(allowed_actions(ItemStatus::Archived).is_empty());
    }

    #[test]
    fn allowed_actions_agree_with_next_status() {
        for s in ItemStatus::ALL {
            for a in ItemAction::ALL {
                assert_eq!(
                    next_status(s, a).is_ok(),
                    allowed_actions(s).contains(&a),
                    "{s:?} {a:?}"
                );
            }
        }
    }
}
