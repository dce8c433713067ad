//! Territory pages: a node (city, district, street, community or grid) with its path, its
//! children, people and organisation counts from the registry, its party organisation, its
//! open cases and last month's indicators.

use crate::access::Caller;
use crate::pages::{Viewer, layout};
use crate::state::AppState;
use crate::util::reach_within;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use tongxin_core::access::Action;
use tongxin_core::cases::indicators::Rates;
use tongxin_core::territory::NodeCode;
use tongxin_store::now_millis;

fn percent(r: Option<f64>) -> String {
    r.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// Whether the node lies wholly within what the viewer may do `action` on.
fn reaches(v: &Viewer, action: Action, code: &str) -> bool {
    let Ok(node) = NodeCode::parse(code) else {
        return false;
    };
    v.actor
        .scope_prefixes(action)
        .iter()
        .any(|p| node.scope_prefix().starts_with(p.as_str()))
}

/// The viewer's own node.
pub async fn my_territory(Extension(caller): Extension<Caller>, headers: HeaderMap) -> Response {
    let v = match Viewer::require(caller, &headers, "/territory") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    match v.actor.bindings.first() {
        Some(b) => Redirect::to(&format!("/territory/{}", b.node.as_str())).into_response(),
        None => Redirect::to("/").into_response(),
    }
}

pub async fn node_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let here = format!("/territory/{code}");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let o = match crate::territory::overview::node_overview(&state, &v.actor, &code, now_millis())
        .await
    {
        Ok(o) => o,
        Err(e) => return crate::pages::error_page(&v, v.t("辖区", "Territory"), "/territory", &e),
    };
    let crate::territory::overview::NodeOverview {
        path,
        name,
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
        ..
    } = o;
    // Links only to what the viewer can open: the nodes above their reach are named, not
    // linked, and the case list only for those who work cases there.
    let cases_here = reach_within(&v.actor, Action::WorkCase, Some(&code)).is_ok();
    let body = html! {
        p.muted {
            @for (i, n) in path.iter().enumerate() {
                @if i > 0 { " › " }
                @if reaches(&v, Action::ViewTerritory, &n.code) {
                    a href={ "/territory/" (n.code) } { (n.name) }
                } @else {
                    (n.name)
                }
            }
        }
        h1 { (name) " " span.muted { (code) } }
        div.grid2 {
            div.card {
                h2 { (v.t("概况", "Overview")) }
                table {
                    tr { th { (v.t("户数（网格登记）", "Households (grid register)")) } td { (households) } }
                    tr { th { (v.t("人口（网格登记）", "Population (grid register)")) } td { (population) } }
                    @if let Some(c) = &counts {
                        tr { th { (v.t("登记居民", "Registered residents")) } td { (c.residents) } }
                        tr { th { (v.t("登记户", "Registered households")) } td { (c.households) } }
                        tr { th { (v.t("单位组织", "Organisations")) } td { (c.organisations) " (" (c.registered_organisations) (v.t(" 家报到", " registered")) ")" } }
                        tr { th { (v.t("党组织", "Party organisations")) } td { (c.party_orgs) } }
                        tr { th { (v.t("党员", "Party members")) } td { (c.party_members) } }
                    }
                    @if let Some(g) = &grid {
                        tr { th { (v.t("网格党组织", "Grid party unit")) } td { (g.party_unit_name) } }
                    }
                    @if !workers.is_empty() {
                        tr { th { (v.t("网格员", "Grid workers")) } td { (workers.iter().map(|(n, u)| format!("{n}（{u}）")).collect::<Vec<_>>().join("、")) } }
                    }
                }
            }
            div.card {
                h2 { (v.t("案件", "Cases")) }
                p {
                    (v.t("未结案件 ", "Open cases ")) strong { (open_cases) }
                    " · " (v.t("超期 ", "overdue ")) strong { (overdue) }
                    @if cases_here {
                        " · " a href={ "/cases?within=" (code) } { (v.t("查看案件", "See cases")) }
                    }
                    " · " a href={ "/indicators?within=" (code) } { (v.t("指标", "Indicators")) }
                }
                @let i = &indicators;
                {
                    @let r = Rates::of(&i.counts);
                    table {
                        tr { th { (v.t("近 30 天上报", "Reported, 30 days")) } td { (i.counts.reported) } }
                        tr { th { (v.t("结案", "Closed")) } td { (i.counts.closed) } }
                        tr { th { (v.t("按期结案率", "On-time closure rate")) } td { (percent(r.on_time_closure_rate)) } }
                        tr { th { (v.t("满意率", "Satisfaction")) } td { (percent(r.satisfaction_rate)) } }
                    }
                }
            }
        }
        @if !children.is_empty() {
            div.card {
                h2 { (v.t("下级", "Within")) " (" (children.len()) ")" }
                table {
                    tr { th { (v.t("代码", "Code")) } th { (v.t("名称", "Name")) } th { (v.t("未结案件", "Open cases")) } }
                    @for (c, n) in &children {
                        @let open_here: i64 = open.iter().filter(|(g, _)| g.starts_with(c.as_str())).map(|(_, (n, _))| n).sum();
                        tr { td { a href={ "/territory/" (c) } { (c) } } td { (n) } td { (open_here) } }
                    }
                }
            }
        }
    };
    layout(&v, &name, "/territory", body)
}
