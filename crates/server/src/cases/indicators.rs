//! The indicators leaders are judged by, for any territory node and period (formulas in
//! docs/indicators.md), as JSON or as a CSV/XLSX download.

use crate::access::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{ApiQuery, reach_within};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongxin_core::access::Action;
use tongxin_store::{cases, now_millis};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct IndicatorQuery {
    /// A division or grid code; omitted = everything the caller reaches.
    pub within: Option<String>,
    /// Period start, UTC ms (default: 30 days ago).
    pub from: Option<i64>,
    /// Period end, UTC ms, exclusive (default: now).
    pub to: Option<i64>,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorView {
    pub from: i64,
    pub to: i64,
    /// 上报数
    pub reported: i64,
    /// 立案数
    pub filed: i64,
    /// 作废数
    pub cancelled: i64,
    /// 派遣数
    pub dispatched: i64,
    /// 结案数
    pub closed: i64,
    /// 应结案数: handling deadline in the period
    pub due: i64,
    /// 按期结案数
    pub closed_on_time: i64,
    /// 超期结案数
    pub closed_late: i64,
    /// open cases past their step deadline now
    pub open_overdue: i64,
    /// 返工案件数 (failed verifications in the period)
    pub rework: i64,
    pub escalated: i64,
    pub reopened: i64,
    /// 按期结案率 = closed_on_time / due
    pub on_time_closure_rate: Option<f64>,
    /// 结案率 = closed / filed
    pub closure_rate: Option<f64>,
    /// 处置率 = dispatched / filed
    pub dispatch_rate: Option<f64>,
    /// mean clock hours from dispatch to close, over cases closed in the period
    pub average_handling_hours: Option<f64>,
    /// satisfied / rated
    pub satisfaction_rate: Option<f64>,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| (a as f64 / b as f64 * 10_000.0).round() / 10_000.0)
}

fn labelled(v: &IndicatorView) -> Vec<(&'static str, String)> {
    let rate = |r: Option<f64>| {
        r.map(|x| format!("{:.2}%", x * 100.0))
            .unwrap_or_else(|| "—".into())
    };
    vec![
        ("上报数 reported", v.reported.to_string()),
        ("立案数 filed", v.filed.to_string()),
        ("作废数 cancelled", v.cancelled.to_string()),
        ("派遣数 dispatched", v.dispatched.to_string()),
        ("结案数 closed", v.closed.to_string()),
        ("应结案数 due", v.due.to_string()),
        ("按期结案数 closed on time", v.closed_on_time.to_string()),
        ("超期结案数 closed late", v.closed_late.to_string()),
        ("当前超期 open overdue", v.open_overdue.to_string()),
        ("返工案件数 rework", v.rework.to_string()),
        ("上报上级 escalated", v.escalated.to_string()),
        ("重新打开 reopened", v.reopened.to_string()),
        (
            "按期结案率 on-time closure rate",
            rate(v.on_time_closure_rate),
        ),
        ("结案率 closure rate", rate(v.closure_rate)),
        ("处置率 dispatch rate", rate(v.dispatch_rate)),
        (
            "平均处置时长(小时) average handling hours",
            v.average_handling_hours
                .map(|h| format!("{h:.1}"))
                .unwrap_or_else(|| "—".into()),
        ),
        ("满意率 satisfaction rate", rate(v.satisfaction_rate)),
    ]
}

#[utoipa::path(get, path = "/api/v1/indicators", tag = "cases", params(IndicatorQuery),
    responses((status = 200, body = IndicatorView)))]
pub async fn get_indicators(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<IndicatorQuery>,
) -> ApiResult<Response> {
    let now = now_millis();
    let to = q.to.unwrap_or(now);
    let from = q.from.unwrap_or(to - 30 * 86_400_000);
    if from >= to {
        return Err(ApiError::field(
            "from",
            "from 须早于 to / from must be before to",
        ));
    }
    let prefixes = reach_within(&actor, Action::ViewTerritory, q.within.as_deref())?;
    let i = cases::indicators(&state.store, &prefixes, from, to, now).await?;
    let v = IndicatorView {
        from,
        to,
        reported: i.reported,
        filed: i.filed,
        cancelled: i.cancelled,
        dispatched: i.dispatched,
        closed: i.closed,
        due: i.due,
        closed_on_time: i.closed_on_time,
        closed_late: i.closed_late,
        open_overdue: i.open_overdue,
        rework: i.rework,
        escalated: i.escalated,
        reopened: i.reopened,
        on_time_closure_rate: ratio(i.closed_on_time, i.due),
        closure_rate: ratio(i.closed, i.filed),
        dispatch_rate: ratio(i.dispatched, i.filed),
        average_handling_hours: (i.closed > 0).then(|| {
            (i.handling_ms_total as f64 / i.closed as f64 / 3_600_000.0 * 10.0).round() / 10.0
        }),
        satisfaction_rate: ratio(i.satisfied, i.rated),
    };
    let rows: Vec<Vec<String>> = labelled(&v)
        .into_iter()
        .map(|(k, val)| vec![k.to_string(), val])
        .collect();
    let headers = ["指标 indicator", "数值 value"];
    let (bytes, ctype, name) = match q.format.as_deref().unwrap_or("json") {
        "json" => return Ok(Json(v).into_response()),
        "csv" => (
            tongxin_sheets::write_csv(&headers, &rows),
            "text/csv; charset=utf-8",
            "indicators.csv",
        ),
        "xlsx" => (
            tongxin_sheets::write_xlsx("indicators", &headers, &rows)
                .map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "indicators.xlsx",
        ),
        other => {
            return Err(ApiError::field(
                "format",
                format!("须为 json、csv 或 xlsx，而不是 {other:?}"),
            ));
        }
    };
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[derive(Deserialize, IntoParams)]
pub struct BreakdownQuery {
    pub within: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// department, category, reporter (worker) or grid.
    pub by: String,
}

#[derive(Serialize, ToSchema)]
pub struct BreakdownView {
    /// Department code, category code, reporter's user id, or grid code.
    pub key: Option<String>,
    pub name: Option<String>,
    pub reported: i64,
    pub closed: i64,
    pub due: i64,
    pub closed_on_time: i64,
    pub rework: i64,
    pub on_time_closure_rate: Option<f64>,
}

#[utoipa::path(get, path = "/api/v1/indicators/breakdown", tag = "cases", params(BreakdownQuery),
    responses((status = 200, body = Vec<BreakdownView>)))]
pub async fn get_breakdown(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<BreakdownQuery>,
) -> ApiResult<Json<Vec<BreakdownView>>> {
    let by = match q.by.as_str() {
        "department" => cases::Breakdown::Department,
        "category" => cases::Breakdown::Category,
        "reporter" => cases::Breakdown::Reporter,
        "grid" => cases::Breakdown::Grid,
        other => {
            return Err(ApiError::field(
                "by",
                format!("须为 department、category、reporter 或 grid，而不是 {other:?}"),
            ));
        }
    };
    let now = now_millis();
    let to = q.to.unwrap_or(now);
    let from = q.from.unwrap_or(to - 30 * 86_400_000);
    if from >= to {
        return Err(ApiError::field(
            "from",
            "from 须早于 to / from must be before to",
        ));
    }
    let prefixes = reach_within(&actor, Action::ViewTerritory, q.within.as_deref())?;
    let rows = cases::breakdown(&state.store, &prefixes, from, to, by).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let name = match (by, r.key.as_deref()) {
            (_, None) => None,
            (cases::Breakdown::Department, Some(k)) => state
                .catalogue
                .read()
                .expect("catalogue lock")
                .department(k)
                .map(|d| d.name.clone()),
            (cases::Breakdown::Category, Some(k)) => state
                .catalogue
                .read()
                .expect("catalogue lock")
                .category(k)
                .map(|c| c.name.clone()),
            (cases::Breakdown::Reporter, Some(k)) => match k.parse::<i64>() {
                Ok(id) => tongxin_store::accounts::get_user(&state.store, id)
                    .await?
                    .map(|u| u.display_name),
                Err(_) => None,
            },
            (cases::Breakdown::Grid, Some(k)) => {
                state.locator().path(k).last().map(|n| n.name.clone())
            }
        };
        out.push(BreakdownView {
            on_time_closure_rate: ratio(r.closed_on_time, r.due),
            key: r.key,
            name,
            reported: r.reported,
            closed: r.closed,
            due: r.due,
            closed_on_time: r.closed_on_time,
            rework: r.rework,
        });
    }
    Ok(Json(out))
}
