//! The one map's API: boundaries (simplified for the city view), a measure per node, a node's
//! panel and case markers — all within the caller's reach.

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::reach_within;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use tongxin_core::access::{Action, Actor};
use tongxin_core::cases::indicators::{DAY_MS, Rates, china_day, day_start};
use tongxin_core::map::{CITY_VIEW_TOLERANCE, SCALE, encode_ring, simplify};
use tongxin_core::territory::NodeCode;
use tongxin_store::{map, now_millis};
use utoipa::{IntoParams, ToSchema};

/// Levels a map can show, and the code length of each.
pub(crate) const LEVELS: [(&str, usize); 4] = [
    ("district", 6),
    ("street", 9),
    ("community", 12),
    ("grid", 15),
];

pub(crate) fn code_len(level: &str) -> ApiResult<usize> {
    LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .map(|(_, n)| *n)
        .ok_or_else(|| {
            ApiError::field(
                "level",
                format!("须为 district、street、community 或 grid，而不是 {level:?}"),
            )
        })
}

/// The scope prefix of `within` (default: the caller's first reach), checked against reach.
pub(crate) fn scope(actor: &Actor, within: Option<&str>) -> ApiResult<String> {
    let prefixes = reach_within(actor, Action::ViewTerritory, within)?;
    match within {
        Some(code) => {
            let node =
                NodeCode::parse(code).map_err(|e| ApiError::field("within", e.to_string()))?;
            let wanted = node.scope_prefix().to_string();
            if prefixes.contains(&wanted) {
                Ok(wanted)
            } else {
                // The caller reaches only part of the node: show the first part they reach.
                Ok(prefixes[0].clone())
            }
        }
        None => Ok(prefixes[0].clone()),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeometryQuery {
    /// district, street, community or grid.
    pub level: String,
    pub within: Option<String>,
    /// simplified (default; for the whole-city view) or full.
    pub detail: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ShapeView {
    /// Code.
    pub c: String,
    /// Name.
    pub n: String,
    /// Parent code.
    pub p: String,
    /// The ring: first point absolute, then deltas, in 1/scale degree (WGS-84 lon, lat).
    pub r: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct GeometryView {
    pub level: String,
    pub scale: f64,
    pub items: Vec<ShapeView>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasureQuery {
    pub level: String,
    pub within: Option<String>,
    /// open, overdue, on_time_rate (last 30 days) or per_1000 (reported in the last 30 days
    /// per 1,000 residents).
    pub measure: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeasureView {
    pub measure: String,
    pub level: String,
    pub from: i64,
    pub to: i64,
    pub values: BTreeMap<String, Option<f64>>,
}

/// (reported, due, closed on time) per node of code length `len` under `prefix`: from the
/// rollups for communities and above, from the node's cases for grids.
pub(crate) async fn rate_sums(
    state: &AppState,
    prefix: &str,
    len: usize,
    from: i64,
    to: i64,
) -> ApiResult<HashMap<String, (i64, i64, i64)>> {
    let rows = if len > 12 {
        map::grid_rates(&state.store, prefix, from, to).await?
    } else {
        map::community_rates(&state.store, prefix, china_day(from), china_day(to)).await?
    };
    let mut out: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for (code, (a, b, c)) in rows {
        let e = out
            .entry(code.get(..len).unwrap_or(&code).to_string())
            .or_default();
        e.0 += a;
        e.1 += b;
        e.2 += c;
    }
    Ok(out)
}

#[derive(Serialize, ToSchema)]
pub struct NodeRefView {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkerView {
    pub name: String,
    pub username: String,
}

#[derive(Serialize, ToSchema)]
pub struct NodeIndicators {
    pub reported: i64,
    pub closed: i64,
    pub on_time_closure_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseBrief {
    pub id: i64,
    pub category_name: String,
    pub status: String,
    pub status_name: String,
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NodeView {
    pub code: String,
    pub name: String,
    pub level: String,
    pub path: Vec<NodeRefView>,
    pub workers: Vec<WorkerView>,
    pub party: Option<String>,
    pub households: i64,
    pub population: i64,
    pub open_cases: i64,
    pub overdue_cases: i64,
    /// The last 30 days.
    pub indicators: NodeIndicators,
    /// The newest open cases (up to 10).
    pub cases: Vec<CaseBrief>,
}

pub(crate) fn brief(state: &AppState, m: &map::Marker, now: i64) -> CaseBrief {
    let status = tongxin_core::cases::machine::Status::parse(&m.status);
    CaseBrief {
        id: m.id,
        category_name: state
            .catalogue
            .read()
            .expect("catalogue lock")
            .leaf(&m.category_code)
            .map(|l| l.name.clone())
            .unwrap_or_default(),
        status: m.status.clone(),
        status_name: status.map(|s| s.name_zh()).unwrap_or_default().into(),
        overdue: status.is_some_and(|s| s.is_open()) && m.step_due_at.is_some_and(|d| d < now),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarkerQuery {
    /// A community or grid code.
    pub within: String,
}

#[derive(Serialize, ToSchema)]
pub struct MarkerView {
    pub id: i64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub status: String,
    pub overdue: bool,
    pub category_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MarkersView {
    pub items: Vec<MarkerView>,
}

pub async fn geometry(
    state: &AppState,
    ctx: &Context,
    q: GeometryQuery,
) -> ApiResult<GeometryView> {
    let actor = &ctx.actor;
    code_len(&q.level)?;
    let prefix = scope(actor, q.within.as_deref())?;
    let tolerance = match q.detail.as_deref().unwrap_or("simplified") {
        "simplified" => CITY_VIEW_TOLERANCE,
        "full" => 0.0,
        other => {
            return Err(ApiError::field(
                "detail",
                format!("须为 simplified 或 full，而不是 {other:?}"),
            ));
        }
    };
    let shapes = map::shapes(&state.store, &q.level, &prefix).await?;
    let items = shapes
        .into_iter()
        .map(|s| {
            let rings: Vec<Vec<[f64; 2]>> = serde_json::from_str(&s.boundary).unwrap_or_default();
            let ring = rings.into_iter().next().unwrap_or_default();
            let ring = if tolerance > 0.0 {
                simplify(&ring, tolerance)
            } else {
                ring
            };
            ShapeView {
                c: s.code,
                n: s.name,
                p: s.parent,
                r: encode_ring(&ring),
            }
        })
        .collect();
    Ok(GeometryView {
        level: q.level,
        scale: SCALE,
        items,
    })
}

pub async fn measures(state: &AppState, ctx: &Context, q: MeasureQuery) -> ApiResult<MeasureView> {
    let actor = &ctx.actor;
    let len = code_len(&q.level)?;
    let prefix = scope(actor, q.within.as_deref())?;
    let now = now_millis();
    let to_day = china_day(now) + 1;
    let (from, to) = (day_start(to_day - 30), day_start(to_day));
    let key = |code: &str| code.get(..len).unwrap_or(code).to_string();
    let mut values: BTreeMap<String, Option<f64>> = map::names(&state.store, &q.level, &prefix)
        .await?
        .into_iter()
        .map(|(code, _)| (code, Some(0.0)))
        .collect();
    match q.measure.as_str() {
        "open" | "overdue" => {
            let overdue = q.measure == "overdue";
            for (grid, (open, late)) in map::open_by_grid(&state.store, &prefix, now).await? {
                let n = if overdue { late } else { open };
                if let Some(Some(v)) = values.get_mut(&key(&grid)) {
                    *v += n as f64;
                }
            }
        }
        "on_time_rate" | "per_1000" => {
            let sums = rate_sums(state, &prefix, len, from, to).await?;
            let population = if q.measure == "per_1000" {
                let mut p: HashMap<String, i64> = HashMap::new();
                for (grid, n) in map::population_by_grid(&state.store, &prefix).await? {
                    *p.entry(key(&grid)).or_default() += n;
                }
                p
            } else {
                HashMap::new()
            };
            for (code, v) in values.iter_mut() {
                let (reported, due, on_time) = sums.get(code).copied().unwrap_or_default();
                *v = if q.measure == "on_time_rate" {
                    tongxin_core::cases::indicators::rate(on_time, due)
                } else {
                    population
                        .get(code)
                        .filter(|p| **p > 0)
                        .map(|p| reported as f64 * 1000.0 / *p as f64)
                };
            }
        }
        other => {
            return Err(ApiError::field(
                "measure",
                format!("须为 open、overdue、on_time_rate 或 per_1000，而不是 {other:?}"),
            ));
        }
    }
    Ok(MeasureView {
        measure: q.measure,
        level: q.level,
        from,
        to,
        values,
    })
}

pub async fn node(state: &AppState, ctx: &Context, code: String) -> ApiResult<NodeView> {
    let actor = &ctx.actor;
    let prefix = scope(actor, Some(&code))?;
    let path = state.locator().path(&code);
    let Some(me) = path.last() else {
        return Err(ApiError::not_found());
    };
    let now = now_millis();
    let (name, level) = (me.name.clone(), me.level.clone());
    let (households, population) = map::grid_totals(&state.store, &prefix).await?;
    let open = map::open_by_grid(&state.store, &prefix, now).await?;
    let (open_cases, overdue_cases) = open.values().fold((0, 0), |(a, b), (n, o)| (a + n, b + o));
    let to_day = china_day(now) + 1;
    let i = tongxin_store::cases::indicators::indicators(
        &state.store,
        std::slice::from_ref(&prefix),
        day_start(to_day - 30),
        day_start(to_day),
        now,
    )
    .await?;
    let rates = Rates::of(&i.counts);
    let (workers, party) = if level == "grid" {
        let workers = map::grid_workers(&state.store, &code)
            .await?
            .into_iter()
            .map(|(name, username)| WorkerView { name, username })
            .collect();
        let party = tongxin_store::territory::get_grid(&state.store, &code)
            .await?
            .map(|g| g.party_unit_name);
        (workers, party)
    } else {
        (Vec::new(), None)
    };
    let markers = map::markers(&state.store, &prefix, now, 10).await?;
    let cases = markers.iter().map(|m| brief(state, m, now)).collect();
    Ok(NodeView {
        code: code.clone(),
        name,
        level,
        path: path
            .into_iter()
            .map(|n| NodeRefView {
                code: n.code,
                name: n.name,
            })
            .collect(),
        workers,
        party,
        households,
        population,
        open_cases,
        overdue_cases,
        indicators: NodeIndicators {
            reported: i.counts.reported,
            closed: i.counts.closed,
            on_time_closure_rate: rates.on_time_closure_rate,
            satisfaction_rate: rates.satisfaction_rate,
        },
        cases,
    })
}

pub async fn case_markers(
    state: &AppState,
    ctx: &Context,
    q: MarkerQuery,
) -> ApiResult<MarkersView> {
    let actor = &ctx.actor;
    if q.within.len() < 12 {
        return Err(ApiError::field(
            "within",
            "须为社区或网格代码 / a community or grid code",
        ));
    }
    let prefix = scope(actor, Some(&q.within))?;
    let now = now_millis();
    let markers = map::markers(&state.store, &prefix, now - 30 * DAY_MS, 2_000).await?;
    let items = markers
        .iter()
        .map(|m| {
            let b = brief(state, m, now);
            MarkerView {
                id: m.id,
                lon: m.lon,
                lat: m.lat,
                status: b.status,
                overdue: b.overdue,
                category_name: b.category_name,
            }
        })
        .collect();
    Ok(MarkersView { items })
}
