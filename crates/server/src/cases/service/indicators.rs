//! The indicators leaders are judged by, for any territory node and period (formulas in
//! docs/indicators.md), as JSON or as a CSV/XLSX download.

use crate::error::ApiError;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::reach_within;
use crate::util::{Download, Table};
use serde::{Deserialize, Serialize};
use tongxin_core::access::Action;
use tongxin_core::access::Actor;
use tongxin_core::cases::calendar::LocalDate;
use tongxin_core::cases::indicators::{DAY_MS, Rates, china_day, day_start, rate};
use tongxin_store::cases::indicators::Breakdown;
use tongxin_store::{cases, now_millis};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// A division or grid code; omitted = everything the caller reaches.
    pub within: Option<String>,
    /// Period start, UTC ms (default: 30 Beijing days before `to`).
    pub from: Option<i64>,
    /// Period end, UTC ms, exclusive (default: the end of today, Beijing time).
    pub to: Option<i64>,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
}

/// Counts and rates (formulas in docs/indicators.md).
#[derive(Serialize, ToSchema)]
pub struct IndicatorView {
    pub from: i64,
    pub to: i64,
    /// "rollup" (whole Beijing days, community or above) or "timeline".
    pub source: String,
    /// 上报数
    pub reported: i64,
    /// 立案数
    pub filed: i64,
    /// 按时立案数
    pub filed_on_time: i64,
    /// 作废数
    pub cancelled: i64,
    /// 派遣数
    pub dispatched: i64,
    /// 退回数 (dispatches returned by the department)
    pub returned: i64,
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
    /// 按时立案率 = filed_on_time / filed
    pub on_time_filing_rate: Option<f64>,
    /// 准确派遣率 = (dispatched − returned) / dispatched
    pub accurate_dispatch_rate: Option<f64>,
    /// 上报准确率 = reports confirmed / reports decided (of cases reported in the period)
    pub report_accuracy: Option<f64>,
    /// mean clock hours from dispatch to close, over cases closed in the period
    pub average_handling_hours: Option<f64>,
    /// satisfied / rated
    pub satisfaction_rate: Option<f64>,
}

pub(crate) fn round4(r: Option<f64>) -> Option<f64> {
    r.map(|x| (x * 10_000.0).round() / 10_000.0)
}

pub(crate) fn ratio(a: i64, b: i64) -> Option<f64> {
    round4(rate(a, b))
}

pub(crate) fn view(i: &cases::indicators::Indicators, from: i64, to: i64) -> IndicatorView {
    let c = &i.counts;
    let r = Rates::of(c);
    IndicatorView {
        from,
        to,
        source: i.source.into(),
        reported: c.reported,
        filed: c.filed,
        filed_on_time: c.filed_on_time,
        cancelled: c.cancelled,
        dispatched: c.dispatched,
        returned: c.returned,
        closed: c.closed,
        due: c.due,
        closed_on_time: c.closed_on_time,
        closed_late: c.closed_late,
        open_overdue: i.open_overdue,
        rework: c.rework,
        escalated: c.escalated,
        reopened: c.reopened,
        on_time_closure_rate: round4(r.on_time_closure_rate),
        closure_rate: round4(r.closure_rate),
        dispatch_rate: round4(r.dispatch_rate),
        on_time_filing_rate: round4(r.on_time_filing_rate),
        accurate_dispatch_rate: round4(r.accurate_dispatch_rate),
        report_accuracy: round4(r.report_accuracy),
        average_handling_hours: r.average_handling_hours.map(|h| (h * 10.0).round() / 10.0),
        satisfaction_rate: round4(r.satisfaction_rate),
    }
}

pub(crate) fn labelled(v: &IndicatorView) -> Vec<(&'static str, String)> {
    let rate = |r: Option<f64>| {
        r.map(|x| format!("{:.2}%", x * 100.0))
            .unwrap_or_else(|| "—".into())
    };
    vec![
        ("上报数 reported", v.reported.to_string()),
        ("立案数 filed", v.filed.to_string()),
        ("按时立案数 filed on time", v.filed_on_time.to_string()),
        ("作废数 cancelled", v.cancelled.to_string()),
        ("派遣数 dispatched", v.dispatched.to_string()),
        ("退回数 returned", v.returned.to_string()),
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
            "按时立案率 on-time filing rate",
            rate(v.on_time_filing_rate),
        ),
        (
            "准确派遣率 accurate dispatch rate",
            rate(v.accurate_dispatch_rate),
        ),
        ("上报准确率 report accuracy", rate(v.report_accuracy)),
        (
            "平均处置时长(小时) average handling hours",
            v.average_handling_hours
                .map(|h| format!("{h:.1}"))
                .unwrap_or_else(|| "—".into()),
        ),
        ("满意率 satisfaction rate", rate(v.satisfaction_rate)),
    ]
}

/// The default period: the last 30 Beijing days up to the end of today (whole days, so the
/// rollups answer).
pub(crate) fn period(from: Option<i64>, to: Option<i64>, now: i64) -> ApiResult<(i64, i64)> {
    let to = to.unwrap_or_else(|| day_start(china_day(now) + 1));
    let from = from.unwrap_or(to - 30 * DAY_MS);
    if from >= to {
        return Err(ApiError::field(
            "from",
            "from 须早于 to / from must be before to",
        ));
    }
    Ok((from, to))
}

/// What a download covers: the territory (its code, or the caller's whole reach) and the
/// period; it names the file and fills the workbook's notes.
pub(crate) struct Coverage {
    territory: String,
    territory_name: String,
    from: i64,
    to: i64,
}

impl Coverage {
    pub(crate) fn of(state: &AppState, within: Option<&str>, from: i64, to: i64) -> Coverage {
        let (territory, territory_name) = match within.filter(|w| !w.is_empty()) {
            Some(w) => (
                w.to_string(),
                state
                    .locator()
                    .path(w)
                    .iter()
                    .map(|n| n.name.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            None => ("all".into(), "我的全部辖区 / all of my territory".into()),
        };
        Coverage {
            territory,
            territory_name,
            from,
            to,
        }
    }

    fn file_name(&self, what: &str, format: &str) -> String {
        // `to` is exclusive: the file names the last day it covers.
        format!(
            "{what}-{}-{}-{}.{format}",
            self.territory,
            LocalDate::from_day_number(china_day(self.from))
                .to_string()
                .replace('-', ""),
            LocalDate::from_day_number(china_day(self.to - 1))
                .to_string()
                .replace('-', "")
        )
    }

    fn notes(&self) -> Vec<String> {
        vec![
            format!("辖区 territory：{} {}", self.territory, self.territory_name),
            format!(
                "期间 period：{} 至 {}（北京时间，含首尾两日 / Beijing time, both days included）",
                LocalDate::from_day_number(china_day(self.from)),
                LocalDate::from_day_number(china_day(self.to - 1))
            ),
            format!(
                "导出时间 exported：{}",
                LocalDate::from_day_number(china_day(now_millis()))
            ),
            "按期结案率 = 期内按期结案数 ÷ 期内应结案数（不会超过 100%）/ on-time closure rate = closed on time ÷ due in the period".into(),
            "结案率 = 期内结案数 ÷ 期内立案数；期前立案、期内结案的案件也计入分子，故可超过 100% / closure rate = closed ÷ filed in the period; cases filed earlier and closed now count, so it can pass 100 %".into(),
            "处置率 = 期内派遣数 ÷ 期内立案数（同理可超过 100%）/ dispatch rate = dispatched ÷ filed in the period (likewise)".into(),
        ]
    }
}

/// A table as a CSV or XLSX download, named for what it covers.
pub(crate) fn download(
    format: &str,
    what: &str,
    covers: &Coverage,
    headers: &[&str],
    rows: &[Vec<String>],
) -> ApiResult<Download> {
    let (bytes, content_type) = match format {
        "csv" => (
            tongxin_sheets::write_csv(headers, rows),
            "text/csv; charset=utf-8",
        ),
        "xlsx" => (
            tongxin_sheets::write_figures_xlsx(what, headers, rows, &covers.notes())
                .map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        other => {
            return Err(ApiError::field(
                "format",
                format!("须为 json、csv 或 xlsx，而不是 {other:?}"),
            ));
        }
    };
    Ok(Download {
        bytes,
        content_type,
        file_name: covers.file_name(what, format),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreakdownQuery {
    pub within: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// department, category, reporter (worker) or grid.
    pub by: String,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
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
    /// Rework count of the cases reported in the period.
    pub rework: i64,
    pub on_time_closure_rate: Option<f64>,
    /// 上报准确率 of the cases reported in the period (for workers: their report accuracy).
    pub report_accuracy: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

pub(crate) const BREAKDOWN_HEADERS: [&str; 10] = [
    "代码 key",
    "名称 name",
    "上报数 reported",
    "结案数 closed",
    "应结案数 due",
    "按期结案数 closed on time",
    "返工 rework",
    "按期结案率 on-time closure rate",
    "上报准确率 report accuracy",
    "满意率 satisfaction rate",
];

pub(crate) fn breakdown_rows(views: &[BreakdownView]) -> Vec<Vec<String>> {
    let rate = |r: Option<f64>| {
        r.map(|x| format!("{:.2}%", x * 100.0))
            .unwrap_or_else(|| "—".into())
    };
    views
        .iter()
        .map(|v| {
            vec![
                v.key.clone().unwrap_or_else(|| "（未派遣）".into()),
                v.name.clone().unwrap_or_default(),
                v.reported.to_string(),
                v.closed.to_string(),
                v.due.to_string(),
                v.closed_on_time.to_string(),
                v.rework.to_string(),
                rate(v.on_time_closure_rate),
                rate(v.report_accuracy),
                rate(v.satisfaction_rate),
            ]
        })
        .collect()
}

/// The indicators of the caller's reach (or a node of it) for a period, as rows or a file.
pub async fn indicator_table(
    state: &AppState,
    actor: &Actor,
    q: &IndicatorQuery,
) -> ApiResult<Table<IndicatorView>> {
    let now = now_millis();
    let (from, to) = period(q.from, q.to, now)?;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
    let i = cases::indicators::indicators(&state.store, &prefixes, from, to, now).await?;
    let v = view(&i, from, to);
    let rows: Vec<Vec<String>> = labelled(&v)
        .into_iter()
        .map(|(k, val)| vec![k.to_string(), val])
        .collect();
    let headers = ["指标 indicator", "数值 value"];
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Table::Rows(v)),
        other => download(
            other,
            "indicators",
            &Coverage::of(state, q.within.as_deref(), from, to),
            &headers,
            &rows,
        )
        .map(Table::File),
    }
}

/// One indicator table broken down by department, category, reporter or grid.
pub async fn breakdown_table(
    state: &AppState,
    actor: &Actor,
    q: &BreakdownQuery,
) -> ApiResult<Table<Vec<BreakdownView>>> {
    let by = match q.by.as_str() {
        "department" => Breakdown::Department,
        "category" => Breakdown::Category,
        "reporter" => Breakdown::Reporter,
        "grid" => Breakdown::Grid,
        other => {
            return Err(ApiError::field(
                "by",
                format!("须为 department、category、reporter 或 grid，而不是 {other:?}"),
            ));
        }
    };
    let (from, to) = period(q.from, q.to, now_millis())?;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
    let rows = cases::indicators::breakdown(&state.store, &prefixes, from, to, by).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let name = match (by, r.key.as_deref()) {
            (_, None) => None,
            (Breakdown::Department, Some(k)) => state
                .catalogue
                .read()
                .expect("catalogue lock")
                .department(k)
                .map(|d| d.name.clone()),
            (Breakdown::Category, Some(k)) => state
                .catalogue
                .read()
                .expect("catalogue lock")
                .category(k)
                .map(|c| c.name.clone()),
            (Breakdown::Reporter, Some(k)) => match k.parse::<i64>() {
                Ok(id) => tongxin_store::access::get_user(&state.store, id)
                    .await?
                    .map(|u| u.display_name),
                Err(_) => None,
            },
            (Breakdown::Grid, Some(k)) => state.locator().path(k).last().map(|n| n.name.clone()),
        };
        let c = r.counts;
        out.push(BreakdownView {
            key: r.key,
            name,
            reported: c.reported,
            closed: c.closed,
            due: c.due,
            closed_on_time: c.closed_on_time,
            rework: c.rework_of_reported,
            on_time_closure_rate: ratio(c.closed_on_time, c.due),
            report_accuracy: ratio(c.reports_confirmed, c.reports_decided),
            satisfaction_rate: ratio(c.satisfied, c.rated),
        });
    }
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Table::Rows(out)),
        other => download(
            other,
            "breakdown",
            &Coverage::of(state, q.within.as_deref(), from, to),
            &BREAKDOWN_HEADERS,
            &breakdown_rows(&out),
        )
        .map(Table::File),
    }
}
