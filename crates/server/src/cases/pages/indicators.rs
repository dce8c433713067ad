//! The indicators page: the closed-loop figures of a node with charts drawn on the server
//! (SVG: the daily trend, 按期结案率 by child node, the category mix), exportable to XLSX.

use crate::access::Caller;
use crate::cases::indicator_views::indicator_view;
use crate::cases::indicators::{BreakdownQuery, IndicatorQuery};
use crate::pages::{Viewer, layout};
use crate::state::AppState;
use crate::util::reach_within;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tongxin_core::access::Action;
use tongxin_core::cases::indicators::{Counts, Rates, china_day, day_start};
use tongxin_store::now_millis;

#[derive(Deserialize, Default)]
pub struct IndicatorPageQuery {
    pub within: Option<String>,
    pub days: Option<i64>,
}

fn percent(r: Option<f64>) -> String {
    r.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub async fn indicators_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<IndicatorPageQuery>,
) -> Response {
    let here = match (&q.within, q.days) {
        (Some(w), Some(d)) => format!("/indicators?within={}&days={d}", crate::pages::urlencode(w)),
        (Some(w), None) => format!("/indicators?within={}", crate::pages::urlencode(w)),
        (None, Some(d)) => format!("/indicators?days={d}"),
        (None, None) => "/indicators".to_string(),
    };
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let within = q.within.clone().filter(|w| !w.is_empty());
    let prefixes = match reach_within(&v.actor, Action::ViewTerritory, within.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            return crate::pages::error_page(&v, v.t("指标", "Indicators"), "/indicators", &e);
        }
    };
    let days = q.days.unwrap_or(30).clamp(1, 366);
    let now = now_millis();
    let to_day = china_day(now) + 1;
    let (from, to) = (day_start(to_day - days), day_start(to_day));
    let data =
        match indicator_view(&state.store, &state.indicator_views, &prefixes, days, now).await {
            Ok(data) => data,
            Err(e) => {
                return crate::pages::error_page(&v, v.t("指标", "Indicators"), "/indicators", &e);
            }
        };
    let (figures, trend, children, mix) = (&data.figures, &data.trend, &data.children, &data.mix);
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let name_of = |code: &str| {
        state
            .locator()
            .path(code)
            .last()
            .filter(|n| n.code == code)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    // The view's own territory, also when the page was opened without one: a viewer with one
    // area gets links and files that name it.
    let w = within
        .clone()
        .or_else(|| (prefixes.len() == 1 && prefixes[0].len() >= 6).then(|| prefixes[0].clone()))
        .unwrap_or_default();
    let export = format!("/indicators/export?within={w}&from={from}&to={to}");
    let export_mix = format!("/indicators/export?within={w}&from={from}&to={to}&by=category");
    let body = html! {
        h1 { (v.t("指标", "Indicators")) " · " (if !w.is_empty() { name_of(&w) } else { v.t("我的辖区", "my territory").to_string() }) }
        form.filters method="get" action="/indicators" {
            label { (v.t("辖区代码", "Territory code")) input name="within" value=(w); }
            label { (v.t("天数", "Days")) input name="days" type="number" min="1" max="366" value=(days); }
            button type="submit" { (v.t("查看", "Show")) }
        }
        p {
            a.button href=(export) { (v.t("导出 XLSX", "Export XLSX")) } " "
            a.button href=(export_mix) { (v.t("类别明细 XLSX", "By category XLSX")) }
        }
        (summary(&v, &figures.counts, figures.open_overdue))
        details.definitions {
            summary { (v.t("指标口径", "How the rates are counted")) }
            ul {
                li { (v.t("按期结案率 = 期内按期结案数 ÷ 期内应结案数，不会超过 100%。", "On-time closure rate = cases closed on time ÷ cases due in the period; never above 100 %.")) }
                li { (v.t("结案率 = 期内结案数 ÷ 期内立案数。期前立案、期内结案的案件也计入，积压清理时可超过 100%。", "Closure rate = cases closed ÷ cases filed in the period. Cases filed earlier and closed now count too, so clearing a backlog takes it above 100 %.")) }
                li { (v.t("处置率 = 期内派遣数 ÷ 期内立案数，同理可超过 100%。", "Dispatch rate = cases dispatched ÷ cases filed in the period; likewise it can pass 100 %.")) }
            }
        }
        div.grid2 {
            div.card {
                h2 { (v.t("每日上报与结案", "Reported and closed per day")) }
                (line_chart(&v, trend))
            }
            div.card {
                h2 { (v.t("按期结案率", "On-time closure rate")) }
                (bar_chart(&children.iter().map(|(code, c)| (name_of(code), Rates::of(c).on_time_closure_rate.unwrap_or(0.0), percent(Rates::of(c).on_time_closure_rate))).collect::<Vec<_>>()))
            }
        }
        div.card {
            h2 { (v.t("类别构成（前 10）", "Category mix (top 10)")) }
            @let top = mix.first().map(|(_, n)| *n).unwrap_or(1).max(1) as f64;
            (bar_chart(&mix.iter().map(|(code, n)| {
                let name = catalogue.leaf(code).map(|l| v.t(&l.name, &l.name_en).to_string()).unwrap_or_else(|| code.clone());
                (name, *n as f64 / top, n.to_string())
            }).collect::<Vec<_>>()))
        }
    };
    layout(&v, v.t("指标", "Indicators"), "/indicators", body)
}

fn summary(v: &Viewer, c: &Counts, open_overdue: i64) -> Markup {
    let r = Rates::of(c);
    let rows = [
        (v.t("上报数", "Reported"), c.reported.to_string()),
        (v.t("立案数", "Filed"), c.filed.to_string()),
        (v.t("结案数", "Closed"), c.closed.to_string()),
        (v.t("应结案数", "Due"), c.due.to_string()),
        (
            v.t("按期结案数", "Closed on time"),
            c.closed_on_time.to_string(),
        ),
        (v.t("当前超期", "Open overdue"), open_overdue.to_string()),
        (v.t("返工", "Rework"), c.rework.to_string()),
        (
            v.t("按期结案率", "On-time closure rate"),
            percent(r.on_time_closure_rate),
        ),
        (v.t("结案率", "Closure rate"), percent(r.closure_rate)),
        (
            v.t("按时立案率", "On-time filing rate"),
            percent(r.on_time_filing_rate),
        ),
        (
            v.t("准确派遣率", "Accurate dispatch rate"),
            percent(r.accurate_dispatch_rate),
        ),
        (
            v.t("上报准确率", "Report accuracy"),
            percent(r.report_accuracy),
        ),
        (v.t("满意率", "Satisfaction"), percent(r.satisfaction_rate)),
        (
            v.t("平均处置时长（小时）", "Average handling hours"),
            r.average_handling_hours
                .map(|h| format!("{h:.1}"))
                .unwrap_or_else(|| "—".into()),
        ),
    ];
    html! {
        table #indicator-summary {
            @for chunk in rows.chunks(7) {
                tr { @for (k, _) in chunk { th { (k) } } }
                tr { @for (_, val) in chunk { td { (val) } } }
            }
        }
    }
}

const W: f64 = 560.0;
const H: f64 = 220.0;
const PAD: f64 = 36.0;

fn line_chart(v: &Viewer, days: &[(i64, Counts)]) -> Markup {
    if days.is_empty() {
        return html! { p.muted { (v.t("无数据", "No data")) } };
    }
    let max = days
        .iter()
        .map(|(_, c)| c.reported.max(c.closed))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let n = days.len().max(2) as f64 - 1.0;
    let points = |f: &dyn Fn(&Counts) -> i64| {
        days.iter()
            .enumerate()
            .map(|(i, (_, c))| {
                let x = PAD + (W - 2.0 * PAD) * i as f64 / n;
                let y = H - PAD - (H - 2.0 * PAD) * f(c) as f64 / max;
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let first = tongxin_core::cases::calendar::LocalDate::from_day_number(days[0].0);
    let last = tongxin_core::cases::calendar::LocalDate::from_day_number(days[days.len() - 1].0);
    html! {
        svg.chart viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(v.t("每日趋势", "daily trend")) {
            line x1=(PAD) y1=(H - PAD) x2=(W - PAD) y2=(H - PAD) stroke="#999" {}
            line x1=(PAD) y1=(PAD) x2=(PAD) y2=(H - PAD) stroke="#999" {}
            text x=(PAD - 4.0) y=(PAD + 4.0) text-anchor="end" font-size="11" { (max as i64) }
            text x=(PAD - 4.0) y=(H - PAD) text-anchor="end" font-size="11" { "0" }
            text x=(PAD) y=(H - 12.0) font-size="11" { (first) }
            text x=(W - PAD) y=(H - 12.0) text-anchor="end" font-size="11" { (last) }
            polyline points=(points(&|c| c.reported)) fill="none" stroke="#b71c1c" stroke-width="2" {}
            polyline points=(points(&|c| c.closed)) fill="none" stroke="#1565c0" stroke-width="2" {}
            rect x=(PAD + 8.0) y="6" width="10" height="10" fill="#b71c1c" {}
            text x=(PAD + 22.0) y="15" font-size="12" { (v.t("上报", "reported")) }
            rect x=(PAD + 78.0) y="6" width="10" height="10" fill="#1565c0" {}
            text x=(PAD + 92.0) y="15" font-size="12" { (v.t("结案", "closed")) }
        }
    }
}

/// Horizontal bars: (label, share of the longest bar 0..1, value text).
fn bar_chart(bars: &[(String, f64, String)]) -> Markup {
    if bars.is_empty() {
        return html! { p.muted { "—" } };
    }
    let row = 22.0;
    let height = row * bars.len() as f64 + 10.0;
    let label_w = 150.0;
    html! {
        svg.chart viewBox={ "0 0 " (W) " " (height) } role="img" {
            @for (i, (label, share, value)) in bars.iter().enumerate() {
                @let y = 5.0 + row * i as f64;
                text x=(label_w - 6.0) y=(y + 14.0) text-anchor="end" font-size="12" { (label) }
                rect x=(label_w) y=(y + 3.0) width=(((W - label_w - 70.0) * share.clamp(0.0, 1.0)).max(1.0)) height=(row - 6.0) fill="#c62828" {}
                text x=(W - 64.0) y=(y + 14.0) font-size="12" { (value) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    pub within: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// A breakdown (`category`, `department`, `grid`, `reporter`) instead of the figures.
    pub by: Option<String>,
}

/// The page's XLSX downloads: the same tables as the API, and a page in the layout (never
/// raw JSON) when something is wrong.
pub async fn export(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/indicators") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let within = q.within.clone().filter(|w| !w.is_empty());
    let answer = match q.by.clone() {
        None => {
            let query = IndicatorQuery {
                within,
                from: q.from,
                to: q.to,
                format: Some("xlsx".into()),
            };
            crate::cases::indicators::indicator_table(&state, &v.actor, &query)
                .await
                .map(IntoResponse::into_response)
        }
        Some(by) => {
            let query = BreakdownQuery {
                within,
                from: q.from,
                to: q.to,
                by,
                format: Some("xlsx".into()),
            };
            crate::cases::indicators::breakdown_table(&state, &v.actor, &query)
                .await
                .map(IntoResponse::into_response)
        }
    };
    match answer {
        Ok(file) => file,
        Err(e) => {
            crate::pages::error_page(&v, v.t("指标导出", "Indicator export"), "/indicators", &e)
        }
    }
}
