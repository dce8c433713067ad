//! Every hand-over in the loop notifies its next actor, in the transaction of the transition
//! itself: a case that reaches someone's desk is announced exactly once, whichever server
//! process wrote it.

use tongxin_core::cases::handover::{NextActor, bound_at, next_actors};
use tongxin_core::cases::machine::{CommandKind, Status, Tier};
use tongxin_store::cases::{self, CaseRow};
use tongxin_store::{Conn, StoreError};

/// What happened: the case as it is now, the step that moved it (`None`: reported), who
/// took it and which timeline event it is (for the notification's dedupe key).
pub struct HandOver<'a> {
    pub case: &'a CaseRow,
    pub command: Option<CommandKind>,
    pub to: Status,
    pub tier: Tier,
    pub actor_id: i64,
    pub event: String,
    pub category_name: &'a str,
}

/// Notifies the next actors of `h`, leaving out whoever took the step.
pub async fn announce(conn: &mut Conn, h: &HandOver<'_>) -> Result<(), StoreError> {
    for who in next_actors(h.command, h.to) {
        let mut users = match bound_at(who, h.tier, &h.case.grid_code) {
            Some((role, node)) => cases::users_bound_at(conn, role.as_str(), &node).await?,
            None => vec![h.case.reporter_id],
        };
        users.retain(|u| *u != h.actor_id);
        if users.is_empty() {
            continue;
        }
        let message = format!(
            "案件 #{} {}：{} / case #{}: {}",
            h.case.id,
            h.category_name,
            who.task_zh(),
            h.case.id,
            who.task_en()
        );
        let kind = match who {
            NextActor::Reporter => "handover_reporter",
            _ => "handover",
        };
        let key = format!("handover:{}:{}", h.case.id, h.event);
        cases::notify_in(
            conn,
            &users,
            h.case.id,
            kind,
            &message,
            &key,
            h.case.updated_at,
        )
        .await?;
    }
    Ok(())
}
