//! What the case page reads besides the case: its timeline, the names of those who acted, and
//! its grid's outline. Each part answers on its own, so the page can say which one could not
//! be read and still show the rest.

use crate::error::ApiResult;
use crate::state::AppState;
use std::collections::HashMap;
use tongxin_store::cases::{self, CaseRow, EventRow};
use tongxin_store::territory::{self, GridRow};

/// The timeline of a case and the display names of everyone in it.
pub struct Timeline {
    pub events: ApiResult<Vec<EventRow>>,
    pub names: ApiResult<HashMap<i64, String>>,
}

/// The case's timeline (oldest first) and the names of those who acted in it.
pub async fn timeline(state: &AppState, id: i64) -> Timeline {
    let events = cases::timeline(&state.store, id).await.map_err(Into::into);
    let mut ids: Vec<i64> = match &events {
        Ok(list) => list.iter().map(|e| e.actor_id).collect(),
        Err(_) => Vec::new(),
    };
    ids.sort_unstable();
    ids.dedup();
    let names = tongxin_store::access::display_names(&state.store, &ids)
        .await
        .map_err(Into::into);
    Timeline { events, names }
}

/// The grid the case lies in, for its outline on the case's map.
pub async fn grid_of(state: &AppState, case: &CaseRow) -> ApiResult<Option<GridRow>> {
    Ok(territory::get_grid(&state.store, &case.grid_code).await?)
}
