//! A person's notifications as the pages show them: the newest with the unread count, opening
//! one (it is read, and leads to its case), and reading them all.

use crate::error::ApiResult;
use crate::state::AppState;
use tongxin_core::access::Actor;
use tongxin_store::cases::{self, NotificationRow};
use tongxin_store::now_millis;

/// The unread count and the newest `limit` notifications of the actor.
pub async fn inbox(
    state: &AppState,
    actor: &Actor,
    limit: usize,
) -> ApiResult<(i64, Vec<NotificationRow>)> {
    let unread = cases::unread_count(&state.store, actor.user_id).await?;
    let page = cases::notifications(&state.store, actor.user_id, false, None, limit).await?;
    Ok((unread, page.items))
}

/// Marks the actor's notification read and gives the case it is about; `None` when it is
/// about no case or is not the actor's.
pub async fn open_notification(state: &AppState, actor: &Actor, id: i64) -> ApiResult<Option<i64>> {
    let Some(n) = cases::notification(&state.store, actor.user_id, id).await? else {
        return Ok(None);
    };
    cases::mark_read(&state.store, actor.user_id, id, now_millis()).await?;
    Ok(n.case_id)
}

/// Marks every notification of the actor read.
pub async fn read_all(state: &AppState, actor: &Actor) -> ApiResult<()> {
    cases::mark_all_read(&state.store, actor.user_id, now_millis()).await?;
    Ok(())
}
