//! 一张图: the whole city's grids for warning and dispatch, drawn by /assets/map.js from the
//! map API; beside it the early-warning list with dispatch from the map.

use crate::access::Caller;
use crate::pages::{Viewer, layout};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::html;
use tongxin_core::access::Action;

pub async fn map_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<crate::cases::pages::DetailQuery>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/map") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let reach = v.actor.scope_prefixes(Action::ViewTerritory);
    let within = v
        .actor
        .bindings
        .iter()
        .find(|b| reach.iter().any(|p| p == b.node.scope_prefix()))
        .map(|b| b.node.as_str().to_string())
        .unwrap_or_default();
    let warnings = crate::cases::pages::warning_panel(&state, &v).await;
    let body = html! {
        link rel="stylesheet" href="/assets/map.css";
        h1 { (v.t("一张图 · 预警与调度", "One map · warning and dispatch")) }
        @if let Some(d) = &q.done { p.ok { (d) } }
        div.grid-map {
            div #map-app data-lang=(v.lang.code()) data-tiles=(state.config.map_tiles.clone().unwrap_or_default())
                data-within=(within) data-csrf=(v.csrf)
                data-cases=(if v.actor.scope_prefixes(Action::WorkCase).is_empty() { "0" } else { "1" }) {
                nav #map-crumbs {}
                div #map-tools {
                    label {
                        (v.t("着色指标", "Colour by")) " "
                        select #map-measure {
                            option value="open" { (v.t("未结案件", "Open cases")) }
                            option value="overdue" { (v.t("超期案件", "Overdue cases")) }
                            option value="on_time_rate" { (v.t("按期结案率", "On-time closure rate")) }
                            option value="per_1000" { (v.t("每千人案件", "Cases per 1,000 residents")) }
                        }
                    }
                }
                canvas #map-canvas tabindex="0" aria-label=(v.t("网格地图", "grid map")) {}
                div #map-legend {}
                aside #map-info {}
            }
            noscript { p.err { (v.t("地图需要 JavaScript；案件列表无需。", "The map needs JavaScript; the case list does not.")) } }
        }
        (warnings)
        script src="/assets/map.js" {}
    };
    layout(&v, v.t("一张图", "Map"), "/map", body)
}
