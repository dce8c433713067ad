//! The case state machine (数字城管 seven steps, with rework, escalation, reopen, merge and
//! supervision). Every channel's cases go through `apply`: it checks that a command is allowed
//! in the current state and returns the new state and the timeline event to append, or a
//! refusal that lists what is allowed now. Who may issue a command is decided by `authorize`;
//! this module decides only what the case allows.

use crate::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 上报: reported, not yet checked.
    Reported,
    /// 立案: checked and filed, waiting to be dispatched (also after a return or escalation).
    Filed,
    /// 派遣: dispatched to a department, waiting for it to accept.
    Dispatched,
    /// 接单: accepted by the department (also after rework).
    Accepted,
    /// 处置反馈: the department reports it handled; waiting for on-site verification.
    Handled,
    /// 结案: verified on site and closed.
    Closed,
    /// 作废: not a case (with reason).
    Cancelled,
    /// 合并: a duplicate, merged into its original.
    Merged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Filed => "filed",
            Status::Dispatched => "dispatched",
            Status::Accepted => "accepted",
            Status::Handled => "handled",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
            Status::Merged => "merged",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Status::Reported => "已上报",
            Status::Filed => "已立案",
            Status::Dispatched => "已派遣",
            Status::Accepted => "处置中",
            Status::Handled => "待核查",
            Status::Closed => "已结案",
            Status::Cancelled => "已作废",
            Status::Merged => "已合并",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Status::Reported => "Reported",
            Status::Filed => "Filed",
            Status::Dispatched => "Dispatched",
            Status::Accepted => "Being handled",
            Status::Handled => "To verify",
            Status::Closed => "Closed",
            Status::Cancelled => "Cancelled",
            Status::Merged => "Merged",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        use Status::*;
        [
            Reported, Filed, Dispatched, Accepted, Handled, Closed, Cancelled, Merged,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Still in the loop (counts toward workload and overdue figures).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Cancelled | Status::Merged)
    }
}

/// The level responsible for solving the case; escalation moves it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Grid,
    Community,
    Street,
    District,
    City,
}

impl Tier {
    pub fn up(self) -> Option<Tier> {
        Some(match self {
            Tier::Grid => Tier::Community,
            Tier::Community => Tier::Street,
            Tier::Street => Tier::District,
            Tier::District => Tier::City,
            Tier::City => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Grid => "grid",
            Tier::Community => "community",
            Tier::Street => "street",
            Tier::District => "district",
            Tier::City => "city",
        }
    }
}

impl Tier {
    pub fn parse(text: &str) -> Option<Tier> {
        [
            Tier::Grid,
            Tier::Community,
            Tier::Street,
            Tier::District,
            Tier::City,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }
}

pub use crate::code::UnknownCode;

impl TryFrom<String> for Status {
    type Error = UnknownCode;
    fn try_from(code: String) -> Result<Status, UnknownCode> {
        Status::parse(&code).ok_or(UnknownCode {
            what: "case status",
            code,
        })
    }
}

impl TryFrom<String> for Tier {
    type Error = UnknownCode;
    fn try_from(code: String) -> Result<Tier, UnknownCode> {
        Tier::parse(&code).ok_or(UnknownCode {
            what: "case tier",
            code,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Basic,
    Dissatisfied,
}

impl Satisfaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::Basic => "basic",
            Satisfaction::Dissatisfied => "dissatisfied",
        }
    }
}

/// What the machine needs to know about a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    pub status: Status,
    pub tier: Tier,
    pub department: Option<String>,
    pub rework_count: u32,
    pub reopen_count: u32,
    pub escalation_count: u32,
    pub supervised: bool,
    pub merged_into: Option<i64>,
    pub closed_at: Option<Millis>,
    pub rating: Option<Satisfaction>,
}

impl CaseState {
    pub fn reported(tier: Tier) -> CaseState {
        CaseState {
            status: Status::Reported,
            tier,
            department: None,
            rework_count: 0,
            reopen_count: 0,
            escalation_count: 0,
            supervised: false,
            merged_into: None,
            closed_at: None,
            rating: None,
        }
    }
}

/// A request to move a case on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    File {
        note: String,
    },
    Cancel {
        reason: String,
    },
    Dispatch {
        department: String,
        note: String,
    },
    Accept {
        note: String,
    },
    Return {
        reason: String,
    },
    Handle {
        feedback: String,
        photos: Vec<String>,
    },
    Verify {
        passed: bool,
        note: String,
    },
    Escalate {
        reason: String,
    },
    Reopen {
        reason: String,
    },
    Merge {
        into: i64,
        note: String,
    },
    Supervise {
        note: String,
    },
    Rate {
        satisfaction: Satisfaction,
        comment: String,
    },
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::File { .. } => CommandKind::File,
            Command::Cancel { .. } => CommandKind::Cancel,
            Command::Dispatch { .. } => CommandKind::Dispatch,
            Command::Accept { .. } => CommandKind::Accept,
            Command::Return { .. } => CommandKind::Return,
            Command::Handle { .. } => CommandKind::Handle,
            Command::Verify { .. } => CommandKind::Verify,
            Command::Escalate { .. } => CommandKind::Escalate,
            Command::Reopen { .. } => CommandKind::Reopen,
            Command::Merge { .. } => CommandKind::Merge,
            Command::Supervise { .. } => CommandKind::Supervise,
            Command::Rate { .. } => CommandKind::Rate,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    File,
    Cancel,
    Dispatch,
    Accept,
    Return,
    Handle,
    Verify,
    Escalate,
    Reopen,
    Merge,
    Supervise,
    Rate,
}

pub const ALL_COMMANDS: [CommandKind; 12] = [
    CommandKind::File,
    CommandKind::Cancel,
    CommandKind::Dispatch,
    CommandKind::Accept,
    CommandKind::Return,
    CommandKind::Handle,
    CommandKind::Verify,
    CommandKind::Escalate,
    CommandKind::Reopen,
    CommandKind::Merge,
    CommandKind::Supervise,
    CommandKind::Rate,
];

impl CommandKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::File => "file",
            CommandKind::Cancel => "cancel",
            CommandKind::Dispatch => "dispatch",
            CommandKind::Accept => "accept",
            CommandKind::Return => "return",
            CommandKind::Handle => "handle",
            CommandKind::Verify => "verify",
            CommandKind::Escalate => "escalate",
            CommandKind::Reopen => "reopen",
            CommandKind::Merge => "merge",
            CommandKind::Supervise => "supervise",
            CommandKind::Rate => "rate",
        }
    }

    /// The states a command may be issued in.
    /// The access a command takes (besides the reporter's own rating, reopening and check).
    pub fn action(self) -> crate::access::Action {
        use crate::access::Action;
        match self {
            CommandKind::File
            | CommandKind::Cancel
            | CommandKind::Dispatch
            | CommandKind::Merge
            | CommandKind::Reopen
            | CommandKind::Rate => Action::DispatchCase,
            CommandKind::Accept | CommandKind::Return | CommandKind::Handle => Action::HandleCase,
            CommandKind::Verify => Action::VerifyCase,
            CommandKind::Escalate => Action::EscalateCase,
            CommandKind::Supervise => Action::SuperviseCase,
        }
    }

    fn allowed_in(self, s: &CaseState) -> bool {
        use Status::*;
        match self {
            CommandKind::File => s.status == Reported,
            CommandKind::Cancel => matches!(s.status, Reported | Filed),
            CommandKind::Dispatch => s.status == Filed,
            CommandKind::Accept => s.status == Dispatched,
            CommandKind::Return => matches!(s.status, Dispatched | Accepted),
            CommandKind::Handle => s.status == Accepted,
            CommandKind::Verify => s.status == Handled,
            CommandKind::Escalate => {
                matches!(s.status, Filed | Dispatched | Accepted) && s.tier.up().is_some()
            }
            CommandKind::Reopen => s.status == Closed,
            CommandKind::Merge => matches!(s.status, Reported | Filed),
            CommandKind::Supervise => s.status.is_open() && !s.supervised,
            CommandKind::Rate => s.status == Closed && s.rating.is_none(),
        }
    }
}

/// What the case allows now (for the actions shown to a user, and for 409 answers).
pub fn allowed(state: &CaseState) -> Vec<CommandKind> {
    ALL_COMMANDS
        .iter()
        .copied()
        .filter(|k| k.allowed_in(state))
        .collect()
}

/// Settings a city configures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// How long after closing the reporter may reopen a case.
    pub reopen_window_ms: i64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            reopen_window_ms: 7 * 86_400_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("案件当前为“{}”，不能{}；当前可做：{} / not allowed in state {}; allowed now: {}", .status.name_zh(), .command.as_str(), names(.allowed), .status.as_str(), names(.allowed))]
    NotAllowed {
        status: Status,
        command: CommandKind,
        allowed: Vec<CommandKind>,
    },
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(
        "结案已超过 {days} 天，不能重新打开 / the case closed more than {days} days ago and can no longer be reopened"
    )]
    ReopenWindowPassed { days: i64 },
}

fn names(kinds: &[CommandKind]) -> String {
    if kinds.is_empty() {
        return "无 / none".into();
    }
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The event to append to the case's timeline for an applied command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub command: CommandKind,
    pub from: Status,
    pub to: Status,
    pub state: CaseState,
    pub note: String,
}

fn required(field: &'static str, text: &str) -> Result<(), Refusal> {
    let n = text.trim().chars().count();
    if n == 0 || n > 2_000 {
        return Err(Refusal::Invalid {
            field,
            reason: "须填写（1–2000 字）/ required (1–2,000 characters)".into(),
        });
    }
    Ok(())
}

fn optional(field: &'static str, text: &str) -> Result<(), Refusal> {
    if text.chars().count() > 2_000 {
        return Err(Refusal::Invalid {
            field,
            reason: "最多 2000 字 / at most 2,000 characters".into(),
        });
    }
    Ok(())
}

/// Applies `command` to a case in `state` at `now` (UTC ms).
pub fn apply(
    state: &CaseState,
    command: &Command,
    now: Millis,
    rules: &Rules,
) -> Result<Transition, Refusal> {
    let kind = command.kind();
    if !kind.allowed_in(state) {
        return Err(Refusal::NotAllowed {
            status: state.status,
            command: kind,
            allowed: allowed(state),
        });
    }
    let mut next = state.clone();
    let note = match command {
        Command::File { note } => {
            optional("note", note)?;
            next.status = Status::Filed;
            note.clone()
        }
        Command::Cancel { reason } => {
            required("reason", reason)?;
            next.status = Status::Cancelled;
            reason.clone()
        }
        Command::Dispatch { department, note } => {
            required("department", department)?;
            optional("note", note)?;
            next.status = Status::Dispatched;
            next.department = Some(department.trim().to_string());
            note.clone()
        }
        Command::Accept { note } => {
            optional("note", note)?;
            next.status = Status::Accepted;
            note.clone()
        }
        Command::Return { reason } => {
            required("reason", reason)?;
            next.status = Status::Filed;
            next.department = None;
            reason.clone()
        }
        Command::Handle { feedback, photos } => {
            required("feedback", feedback)?;
            if photos.len() > 9 {
                return Err(Refusal::Invalid {
                    field: "photos",
                    reason: "最多 9 张照片 / at most 9 photos".into(),
                });
            }
            next.status = Status::Handled;
            feedback.clone()
        }
        Command::Verify { passed, note } => {
            if *passed {
                optional("note", note)?;
                next.status = Status::Closed;
                next.closed_at = Some(now);
            } else {
                required("note", note)?;
                next.status = Status::Accepted;
                next.rework_count += 1;
            }
            note.clone()
        }
        Command::Escalate { reason } => {
            required("reason", reason)?;
            next.tier = state.tier.up().expect("checked by allowed_in");
            next.status = Status::Filed;
            next.department = None;
            next.escalation_count += 1;
            reason.clone()
        }
        Command::Reopen { reason } => {
            required("reason", reason)?;
            let closed = state.closed_at.unwrap_or(now);
            if now - closed > rules.reopen_window_ms {
                return Err(Refusal::ReopenWindowPassed {
                    days: rules.reopen_window_ms / 86_400_000,
                });
            }
            next.status = Status::Filed;
            next.department = None;
            next.closed_at = None;
            next.rating = None;
            next.reopen_count += 1;
            reason.clone()
        }
        Command::Merge { into, note } => {
            optional("note", note)?;
            if *into <= 0 {
                return Err(Refusal::Invalid {
                    field: "into",
                    reason: "须为原案件编号 / must be the original case's id".into(),
                });
            }
            next.status = Status::Merged;
            next.merged_into = Some(*into);
            note.clone()
        }
        Command::Supervise { note } => {
            required("note", note)?;
            next.supervised = true;
            note.clone()
        }
        Command::Rate {
            satisfaction,
            comment,
        } => {
            optional("comment", comment)?;
            next.rating = Some(*satisfaction);
            comment.clone()
        }
    };
    Ok(Transition {
        command: kind,
        from: state.status,
        to: next.status,
        state: next,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(commands: &[Command]) -> Result<CaseState, Refusal> {
        let mut s = CaseState::reported(Tier::Grid);
        for (i, c) in commands.iter().enumerate() {
            s = apply(&s, c, 1_000 + i as i64, &Rules::default())?.state;
        }
        Ok(s)
    }

    fn text(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn the_whole_loop_with_one_rework() {
        let s = run(&[
            Command::File {
                note: text("属实")
            },
            Command::Dispatch {
                department: text("CG"),
                note: text(""),
            },
            Command::Accept { note: text("") },
            Command::Handle {
                feedback: text("已清理"),
                photos: vec![text("a")],
            },
            Command::Verify {
                passed: false,
                note: text("仍有垃圾"),
            },
            Command::Handle {
                feedback: text("再次清理"),
                photos: vec![],
            },
            Command::Verify {
                passed: true,
                note: text(""),
            },
            Command::Rate {
                satisfaction: Satisfaction::Satisfied,
                comment: text(""),
            },
        ])
        .unwrap();
        assert_eq!(s.status, Status::Closed);
        assert_eq!(s.rework_count, 1);
        assert_eq!(s.rating, Some(Satisfaction::Satisfied));
        assert_eq!(s.department.as_deref(), Some("CG"));
    }

    #[test]
    fn refusals_list_what_is_allowed() {
        let s = CaseState::reported(Tier::Grid);
        let err = apply(
            &s,
            &Command::Accept { note: text("") },
            0,
            &Rules::default(),
        )
        .unwrap_err();
        match &err {
            Refusal::NotAllowed { allowed, .. } => {
                assert_eq!(
                    allowed,
                    &vec![
                        CommandKind::File,
                        CommandKind::Cancel,
                        CommandKind::Merge,
                        CommandKind::Supervise
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("file, cancel, merge, supervise"));
        let err = apply(
            &s,
            &Command::Cancel { reason: text(" ") },
            0,
            &Rules::default(),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Refusal::Invalid {
                field: "reason",
                ..
            }
        ));
    }

    #[test]
    fn escalation_climbs_to_the_city_and_stops() {
        let mut s = run(&[Command::File { note: text("") }]).unwrap();
        for expected in [Tier::Community, Tier::Street, Tier::District, Tier::City] {
            s = apply(
                &s,
                &Command::Escalate {
                    reason: text("本级无法解决"),
                },
                0,
                &Rules::default(),
            )
            .unwrap()
            .state;
            assert_eq!(s.tier, expected);
            assert_eq!(s.status, Status::Filed);
        }
        assert!(
            apply(
                &s,
                &Command::Escalate { reason: text("x") },
                0,
                &Rules::default()
            )
            .is_err()
        );
        assert_eq!(s.escalation_count, 4);
    }

    #[test]
    fn reopen_only_within_the_window() {
        let closed = run(&[
            Command::File { note: text("") },
            Command::Dispatch {
                department: text("CG"),
                note: text(""),
            },
            Command::Accept { note: text("") },
            Command::Handle {
                feedback: text("ok"),
                photos: vec![],
            },
            Command::Verify {
                passed: true,
                note: text(""),
            },
        ])
        .unwrap();
        let rules = Rules::default();
        let at = closed.closed_at.unwrap();
        let ok = apply(
            &closed,
            &Command::Reopen {
                reason: text("没修好"),
            },
            at + 86_400_000,
            &rules,
        )
        .unwrap();
        assert_eq!(ok.state.status, Status::Filed);
        assert_eq!(ok.state.reopen_count, 1);
        let late = apply(
            &closed,
            &Command::Reopen {
                reason: text("没修好"),
            },
            at + rules.reopen_window_ms + 1,
            &rules,
        );
        assert!(matches!(late, Err(Refusal::ReopenWindowPassed { days: 7 })));
    }

    #[test]
    fn merge_and_cancel_end_the_case() {
        let merged = run(&[Command::Merge {
            into: 42,
            note: text("重复"),
        }])
        .unwrap();
        assert_eq!(merged.status, Status::Merged);
        assert_eq!(merged.merged_into, Some(42));
        assert!(allowed(&merged).is_empty());
        let cancelled = run(&[
            Command::File { note: text("") },
            Command::Cancel {
                reason: text("不属实"),
            },
        ])
        .unwrap();
        assert!(!cancelled.status.is_open());
    }

    fn any_command() -> impl Strategy<Value = Command> {
        prop_oneof![
            Just(Command::File {
                note: String::new()
            }),
            Just(Command::Cancel { reason: "r".into() }),
            Just(Command::Dispatch {
                department: "D".into(),
                note: String::new()
            }),
            Just(Command::Accept {
                note: String::new()
            }),
            Just(Command::Return { reason: "r".into() }),
            Just(Command::Handle {
                feedback: "f".into(),
                photos: vec![]
            }),
            any::<bool>().prop_map(|passed| Command::Verify {
                passed,
                note: "n".into()
            }),
            Just(Command::Escalate { reason: "r".into() }),
            Just(Command::Reopen { reason: "r".into() }),
            Just(Command::Merge {
                into: 7,
                note: String::new()
            }),
            Just(Command::Supervise { note: "n".into() }),
            Just(Command::Rate {
                satisfaction: Satisfaction::Basic,
                comment: String::new()
            }),
        ]
    }

    proptest! {
        #[test]
        fn any_sequence_keeps_the_invariants(commands in proptest::collection::vec(any_command(), 0..40)) {
            let mut s = CaseState::reported(Tier::Grid);
            let mut reworks = 0;
            for (i, c) in commands.iter().enumerate() {
                let allowed_before = allowed(&s);
                match apply(&s, c, i as i64 * 1_000, &Rules::default()) {
                    Ok(t) => {
                        prop_assert!(allowed_before.contains(&c.kind()));
                        prop_assert_eq!(t.from, s.status);
                        let failed_check = matches!(c, Command::Verify { passed: false, .. });
                        if failed_check { reworks += 1; }
                        // Closed only by a passed verification (or staying closed while rated).
                        if t.to == Status::Closed && t.from != Status::Closed {
                            let passed = matches!(c, Command::Verify { passed: true, .. });
                            prop_assert!(passed, "closed without a passed verification");
                        }
                        // A department is known from dispatch until the case leaves the department.
                        if matches!(t.to, Status::Dispatched | Status::Accepted | Status::Handled) {
                            prop_assert!(t.state.department.is_some());
                        }
                        s = t.state;
                    }
                    Err(Refusal::NotAllowed { allowed, .. }) => prop_assert_eq!(allowed, allowed_before),
                    Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
                }
                prop_assert_eq!(s.rework_count, reworks);
                prop_assert_eq!(s.closed_at.is_some(), s.status == Status::Closed);
            }
        }
    }
}
