//! What the territory page shows of a node: its path, children, registry counts, grid party
//! unit and workers, open cases and the last 30 days' indicators — every read's failure an
//! error, never an empty figure.

use crate::error::ApiResult;
use crate::state::AppState;
use crate::territory::locator::NodeRef;
use crate::util::reach_within;
use std::collections::HashMap;
use tongxin_core::access::{Action, Actor};
use tongxin_core::cases::indicators::{china_day, day_start};
use tongxin_store::cases::indicators::Indicators;
use tongxin_store::people::PeopleCounts;
use tongxin_store::territory::GridRow;
use tongxin_store::{map, territory};

pub struct NodeOverview {
    pub code: String,
    pub name: String,
    /// From the city down to the node.
    pub path: Vec<NodeRef>,
    /// The registry counts, for those who may see people.
    pub counts: Option<PeopleCounts>,
    pub households: i64,
    pub population: i64,
    /// Open and overdue cases per grid below the node.
    pub open: HashMap<String, (i64, i64)>,
    pub open_cases: i64,
    pub overdue: i64,
    pub indicators: Indicators,
    pub grid: Option<GridRow>,
    /// (name, username) of the grid's workers.
    pub workers: Vec<(String, String)>,
    /// (code, name) of the nodes one level down.
    pub children: Vec<(String, String)>,
}

/// A node within the actor's reach (404 outside it), as of `now`.
pub async fn node_overview(
    state: &AppState,
    actor: &Actor,
    code: &str,
    now: i64,
) -> ApiResult<NodeOverview> {
    let prefix = reach_within(actor, Action::ViewTerritory, Some(code))?.remove(0);
    let path = state.locator().path(code);
    let name = path
        .last()
        .map(|n| n.name.clone())
        .unwrap_or_else(|| code.to_string());
    let sees_people = actor
        .scope_prefixes(Action::ViewPeople)
        .iter()
        .any(|p| prefix.starts_with(p.as_str()));
    let counts = if sees_people {
        Some(
            crate::people::counts::registry_counts(&state.store, &state.people_counts, &prefix)
                .await?,
        )
    } else {
        None
    };
    let (households, population) = map::grid_totals(&state.store, &prefix).await?;
    let open = map::open_by_grid(&state.store, &prefix, now).await?;
    let (open_cases, overdue) = open.values().fold((0, 0), |(a, b), (n, o)| (a + n, b + o));
    let to_day = china_day(now) + 1;
    let indicators = tongxin_store::cases::indicators::indicators(
        &state.store,
        std::slice::from_ref(&prefix),
        day_start(to_day - 30),
        day_start(to_day),
        now,
    )
    .await?;
    let is_grid = code.len() == 15;
    let (grid, workers) = if is_grid {
        (
            territory::get_grid(&state.store, code).await?,
            map::grid_workers(&state.store, code).await?,
        )
    } else {
        (None, Vec::new())
    };
    let children = match code.len() {
        15 => Vec::new(),
        12 => map::names(&state.store, "grid", &prefix).await?,
        _ => {
            let level = match prefix.len() {
                0..=4 => "district",
                5..=6 => "street",
                _ => "community",
            };
            map::names(&state.store, level, &prefix).await?
        }
    };
    Ok(NodeOverview {
        code: code.to_string(),
        name,
        path,
        counts,
        households,
        population,
        open,
        open_cases,
        overdue,
        indicators,
        grid,
        workers,
        children,
    })
}
