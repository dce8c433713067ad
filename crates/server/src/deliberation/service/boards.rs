//! What the deliberation pages list: the communities a person may look into with the items
//! overdue in their reach, and a community's board (sessions, items, matters, decisions),
//! each list a page at a time with its total. Each list answers on its own, so a page can
//! say which one could not be read and still show the others.

use super::decisions::{DecisionView, community_tree_page};
use super::sessions::schedule_of;
use super::{allow, community_code};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use tongxin_core::access::{Action, Actor};
use tongxin_core::cases::indicators::DAY_MS;
use tongxin_core::deliberation::sessions::Schedule;
use tongxin_store::deliberation::matters::{self as store_matters, MatterRow};
use tongxin_store::deliberation::sessions::{self as store_sessions, ItemRow, SessionRow};
use tongxin_store::territory::{self, DivisionRow};

/// Which page of a list: how many rows, from which row.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: u64,
    pub offset: u64,
}

/// Rows of one page and the whole list's length.
pub type Paged<T> = ApiResult<(Vec<T>, i64)>;

/// The communities the actor may look into (code, name), and the items overdue where the
/// actor manages deliberation.
pub async fn my_communities(
    state: &AppState,
    actor: &Actor,
    communities: Window,
    overdue: Window,
    now: i64,
) -> (Paged<(String, String)>, Paged<ItemRow>) {
    let listed = tongxin_store::deliberation::communities_page(
        &state.store,
        &actor.scope_prefixes(Action::ViewDeliberation),
        communities.limit,
        communities.offset,
    )
    .await
    .map_err(ApiError::from);
    let late = store_sessions::overdue_items_page(
        &state.store,
        &actor.scope_prefixes(Action::ManageDeliberation),
        now,
        overdue.limit,
        overdue.offset,
    )
    .await
    .map_err(ApiError::from);
    (listed, late)
}

/// The windows of a community's board.
pub struct BoardWindows {
    pub minutes: Window,
    pub items: Window,
    pub matters: Window,
    pub decisions: Window,
}

/// A community's deliberation board.
pub struct Board {
    pub community: String,
    pub division: DivisionRow,
    /// Sessions from half a day ago to 60 days ahead.
    pub upcoming: Vec<SessionRow>,
    pub schedule: Schedule,
    pub place: String,
    pub held: Paged<SessionRow>,
    pub items: Paged<ItemRow>,
    pub matters: Paged<MatterRow>,
    pub decisions: Paged<DecisionView>,
}

/// The board of `code`, a community the actor may view.
pub async fn community_board(
    state: &AppState,
    actor: &Actor,
    code: &str,
    w: BoardWindows,
    now: i64,
) -> ApiResult<Board> {
    let community = community_code("code", code)?;
    allow(actor, Action::ViewDeliberation, &community)?;
    let division = territory::get_division(&state.store, &community)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let store = &state.store;
    let upcoming =
        store_sessions::list_sessions(store, &community, now - DAY_MS / 2, now + 60 * DAY_MS)
            .await?;
    let (schedule, place, _) = schedule_of(state, &community).await?;
    let held = store_sessions::held_sessions_page(
        store,
        &community,
        now,
        w.minutes.limit,
        w.minutes.offset,
    )
    .await
    .map_err(ApiError::from);
    let items = store_sessions::items_page(store, &community, w.items.limit, w.items.offset)
        .await
        .map_err(ApiError::from);
    let matters = store_matters::matters_page(store, &community, w.matters.limit, w.matters.offset)
        .await
        .map_err(ApiError::from);
    let decisions =
        community_tree_page(state, &community, w.decisions.limit, w.decisions.offset).await;
    Ok(Board {
        community,
        division,
        upcoming,
        schedule,
        place,
        held,
        items,
        matters,
        decisions,
    })
}
