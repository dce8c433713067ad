//! The case lists the pages show, a page at a time with the total: the cases within a reach
//! under a filter, the cases a person reported, and the cases due soon with how many are
//! already overdue.

use crate::error::ApiResult;
use crate::state::AppState;
use tongxin_core::access::Actor;
use tongxin_store::cases::{self, CaseFilter, CaseOrder, CaseRow};

/// One page of a list and how many rows the whole list has.
pub struct Listed {
    pub total: i64,
    pub rows: Vec<CaseRow>,
}

/// The cases within `prefixes` that `filter` keeps, newest first.
pub async fn cases_page(
    state: &AppState,
    prefixes: &[String],
    filter: &CaseFilter,
    offset: usize,
    limit: usize,
) -> ApiResult<Listed> {
    let total = cases::count_cases(&state.store, prefixes, filter).await?;
    let rows = cases::list_cases_page(
        &state.store,
        prefixes,
        filter,
        CaseOrder::Newest,
        offset,
        limit,
    )
    .await?;
    Ok(Listed { total, rows })
}

/// The cases the actor reported, newest first.
pub async fn reported_page(
    state: &AppState,
    actor: &Actor,
    offset: usize,
    limit: usize,
) -> ApiResult<Listed> {
    let total = cases::count_reported_by(&state.store, actor.user_id).await?;
    let rows = cases::reported_by_page(&state.store, actor.user_id, offset, limit).await?;
    Ok(Listed { total, rows })
}

/// The cases due within `due_soon_ms` of `now`, nearest deadline first, and how many of all
/// of them are overdue already.
pub async fn due_soon_page(
    state: &AppState,
    prefixes: &[String],
    now: i64,
    due_soon_ms: i64,
    offset: usize,
    limit: usize,
) -> ApiResult<(Listed, i64)> {
    let soon = CaseFilter {
        overdue_at: Some(now + due_soon_ms),
        ..CaseFilter::default()
    };
    let late = CaseFilter {
        overdue_at: Some(now),
        ..CaseFilter::default()
    };
    let total = cases::count_cases(&state.store, prefixes, &soon).await?;
    let overdue = cases::count_cases(&state.store, prefixes, &late).await?;
    let rows = cases::list_cases_page(
        &state.store,
        prefixes,
        &soon,
        CaseOrder::Deadline,
        offset,
        limit,
    )
    .await?;
    Ok((Listed { total, rows }, overdue))
}
