//! Deliberation pages: a community's 逢四说事 (next sessions, the calendar feed, raising an
//! item, the items board, minutes), its 四议两公开 matters stage by stage, and its decisions
//! with their progress. Every form posts to the same engine functions as the API.

pub mod councils;

use crate::access::Caller;
use crate::cases::pages::{error_box, time_text};
use crate::deliberation::allow;
use crate::deliberation::boards;
use crate::deliberation::decisions::{self, DecisionView, ProgressRequest};
use crate::deliberation::matters::{self, StageRequest};
use crate::deliberation::sessions::{self, ItemActionRequest, RaiseItem};
use crate::error::ApiError;
use crate::pages::{Pages, Viewer, layout, page_number, page_offset, pager_for, urlencode};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use tongxin_core::access::Action;
use tongxin_core::deliberation::decisions::DecisionStatus;
use tongxin_core::deliberation::items::{ItemStatus, TOPIC_AREAS};
use tongxin_core::deliberation::matters::Stage;
use tongxin_store::now_millis;

const DAY_MS: i64 = 86_400_000;

#[derive(Deserialize, Default)]
pub struct Notice {
    pub done: Option<String>,
}

fn viewer(caller: Caller, headers: &HeaderMap, here: &str) -> Result<Viewer, Redirect> {
    Viewer::require(caller, headers, here)
}

fn go(here: &str, v: &Viewer) -> Response {
    let message = format!("{} ✔", v.t("已保存", "Saved"));
    Redirect::to(&format!("{here}?done={}", urlencode(&message))).into_response()
}

fn notice(n: &Notice) -> Markup {
    html! { @if let Some(d) = &n.done { p.ok { (d) } } }
}

/// Communities a page on the deliberation overview.
const COMMUNITIES_PER_PAGE: u64 = 30;
/// Overdue commitments a page on the overview.
const OVERDUE_PER_PAGE: u64 = 10;
/// Items a page on a community's page.
const ITEMS_PER_PAGE: u64 = 10;
/// Matters a page on a community's page.
const MATTERS_PER_PAGE: u64 = 10;
/// Top-level decisions (each with its parts) a page on a community's page.
const DECISIONS_PER_PAGE: u64 = 10;
/// Held sessions' minutes a page on a community's page.
const MINUTES_PER_PAGE: u64 = 10;

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    pub page: Option<String>,
    pub overdue_page: Option<String>,
}

/// The query of a view with its set parameters, `?a=1&b=2` (or "" when none is set).
fn view_query(pairs: &[(&str, &Option<String>)]) -> String {
    let set: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", urlencode(v)))
        })
        .collect();
    if set.is_empty() {
        String::new()
    } else {
        format!("?{}", set.join("&"))
    }
}

/// The viewer's own community, or (for those above a community) the communities in their
/// reach, page by page, with the commitments past due.
pub async fn my_deliberation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<OverviewQuery>,
) -> Response {
    let here = format!(
        "/deliberation{}",
        view_query(&[("page", &q.page), ("overdue_page", &q.overdue_page)])
    );
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let own = v.actor.bindings.iter().find_map(|b| {
        let code = b.node.as_str();
        (code.len() >= 12).then(|| code[..12].to_string())
    });
    if let Some(code) = own {
        return Redirect::to(&format!("/deliberation/{code}")).into_response();
    }
    let title = v.t("居民议事", "Deliberation");
    let pages = page_number("page", q.page.as_deref())
        .and_then(|a| page_number("overdue_page", q.overdue_page.as_deref()).map(|b| (a, b)));
    let (page, overdue_page) = match pages {
        Ok(p) => p,
        Err(e) => return crate::pages::error_page(&v, title, "/deliberation", &e),
    };
    let base = here;
    let (communities, overdue) = boards::my_communities(
        &state,
        &v.actor,
        window(page, COMMUNITIES_PER_PAGE),
        window(overdue_page, OVERDUE_PER_PAGE),
        now_millis(),
    )
    .await;
    let body = html! {
        h1 { (v.t("居民议事", "Residents' deliberation")) }
        p { a href="/councils" { (v.t("议事会、选举与表决 →", "Councils, elections and votes →")) } }
        @match &overdue {
            Err(e) => { (error_box(&v, e)) }
            Ok((items, total)) => {
                @if *total > 0 {
                    section.warn #overdue {
                        h2 { (v.t("逾期未办结的承诺", "Commitments past due")) " (" (total) ")" }
                        ul { @for i in items {
                            li { a href={ "/deliberation/items/" (i.id) } { (i.title) } " · " (i.responsible_unit.clone().unwrap_or_default())
                                " · " (v.t("期限 ", "due ")) (i.due_at.map(time_text).unwrap_or_default()) }
                        } }
                        (pager_for(&v, &Pages {
                            base: &base, param: "overdue_page", anchor: "overdue",
                            label: v.t("逾期承诺分页", "Pages of commitments past due"),
                            page: overdue_page, per_page: OVERDUE_PER_PAGE, total: *total as u64,
                        }))
                    }
                }
            }
        }
        section #communities {
            h2 { (v.t("社区", "Communities")) }
            @match &communities {
                Err(e) => { (error_box(&v, e)) }
                Ok((rows, total)) => {
                    @if *total == 0 { p.muted { (v.t("您的辖区内没有社区。", "No community in your reach.")) } }
                    ul.cols { @for (code, name) in rows { li { a href={ "/deliberation/" (code) } { (name) } } } }
                    (pager_for(&v, &Pages {
                        base: &base, param: "page", anchor: "communities",
                        label: v.t("社区分页", "Pages of communities"),
                        page, per_page: COMMUNITIES_PER_PAGE, total: *total as u64,
                    }))
                }
            }
        }
    };
    layout(&v, title, "/deliberation", body)
}

/// A community's page: its notice, and the page of each of its lists.
#[derive(Deserialize, Default)]
pub struct CommunityQuery {
    pub done: Option<String>,
    pub items_page: Option<String>,
    pub matters_page: Option<String>,
    pub decisions_page: Option<String>,
    pub minutes_page: Option<String>,
}

impl CommunityQuery {
    /// The lists' pages as the query keeps them (the notice left out).
    fn view(&self) -> String {
        view_query(&[
            ("items_page", &self.items_page),
            ("matters_page", &self.matters_page),
            ("decisions_page", &self.decisions_page),
            ("minutes_page", &self.minutes_page),
        ])
    }
}

pub async fn community_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<CommunityQuery>,
) -> Response {
    let here = format!("/deliberation/{code}");
    // Signing in and the language switch come back to the same pages of the lists.
    let v = match viewer(caller, &headers, &format!("{here}{}", q.view())) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    match render_community(&state, &v, &code, &q, None).await {
        Ok(r) => r,
        Err(e) => crate::pages::error_page(&v, v.t("居民议事", "Deliberation"), &here, &e),
    }
}

async fn render_community(
    state: &AppState,
    v: &Viewer,
    code: &str,
    q: &CommunityQuery,
    form_error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let items_page = page_number("items_page", q.items_page.as_deref())?;
    let matters_page = page_number("matters_page", q.matters_page.as_deref())?;
    let decisions_page = page_number("decisions_page", q.decisions_page.as_deref())?;
    let minutes_page = page_number("minutes_page", q.minutes_page.as_deref())?;
    let now = now_millis();
    let windows = boards::BoardWindows {
        minutes: window(minutes_page, MINUTES_PER_PAGE),
        items: window(items_page, ITEMS_PER_PAGE),
        matters: window(matters_page, MATTERS_PER_PAGE),
        decisions: window(decisions_page, DECISIONS_PER_PAGE),
    };
    let boards::Board {
        community,
        division,
        upcoming,
        schedule,
        place,
        held,
        items,
        matters,
        decisions: tree,
    } = boards::community_board(state, &v.actor, code, windows, now).await?;
    let join = allow(&v.actor, Action::JoinDeliberation, &community).is_ok();
    let upcoming_future: Vec<_> = upcoming
        .iter()
        .filter(|s| s.status == "scheduled")
        .take(3)
        .collect();
    let schedule_text = match schedule.weekday_number() {
        None => v
            .t("每月 4、14、24 日", "the 4th, 14th and 24th of each month")
            .to_string(),
        Some(d) => format!("{}{d}", v.t("每周，星期", "weekly, weekday ")),
    };
    let base = format!("/deliberation/{community}{}", q.view());
    let pages = |param: &str, anchor: &str, label: &str, page: u64, per_page: u64, total: i64| {
        pager_for(
            v,
            &Pages {
                base: &base,
                param,
                anchor,
                label,
                page,
                per_page,
                total: total.max(0) as u64,
            },
        )
    };
    let notice = Notice {
        done: q.done.clone(),
    };
    let body = html! {
        h1 { (division.name) " · " (v.t("居民议事", "Residents' deliberation")) }
        p { a href="/councils" { (v.t("议事会、选举与表决 →", "Councils, elections and votes →")) } }
        (self::notice(&notice))
        @if let Some(e) = form_error { (error_box(v, e)) }
        section {
            h2 { (v.t("逢四说事", "Fourth-day sessions")) }
            p { (schedule_text) " " (format!("{:02}:{:02}", schedule.start_minute / 60, schedule.start_minute % 60)) " · " (place)
                " · " (v.t("逢节假日：", "on a holiday: ")) (v.t(schedule.holiday_rule.name_zh(), schedule.holiday_rule.name_en()))
                " · " a href={ "/calendar/" (community) ".ics" } { (v.t("订阅日历 (iCal)", "Subscribe (iCal)")) } }
            @if upcoming_future.is_empty() {
                p { (v.t("尚未排定下次说事会。", "No session planned yet.")) }
            } @else {
                ul { @for s in &upcoming_future { li { (v.t("下次：", "Next: ")) (time_text(s.starts_at)) " · " (s.place) } } }
            }
        }
        @if join {
            section.actions {
                details open[form_error.is_some()] {
                summary { h2 style="display:inline;font-size:1.1rem" { (v.t("我要说事", "Raise an item")) } }
                form method="post" action={ "/deliberation/" (community) "/items" } {
                    input type="hidden" name="csrf_token" value=(v.csrf);
                    label { (v.t("事项", "Title")) input name="title" required maxlength="100"; }
                    label { (v.t("类别", "Area"))
                        select name="topic_area" { @for (c, zh) in TOPIC_AREAS { option value=(c) { (zh) " / " (c) } } } }
                    label { (v.t("详细说明", "Details")) textarea name="description" required maxlength="4000" {} }
                    button type="submit" { (v.t("提交到下次说事会", "Bring it to the next session")) }
                }
                }
            }
        }
        section #items {
            h2 { (v.t("说事事项", "Items")) }
            @match &items {
                Err(e) => { (error_box(v, e)) }
                Ok((items, total)) => {
                    @if *total == 0 { p.muted { (v.t("暂无说事事项。", "No items yet.")) } }
                    @if !items.is_empty() {
                        table {
                            thead { tr { th { "#" } th { (v.t("事项", "Item")) } th { (v.t("状态", "Status")) } th { (v.t("责任单位", "Unit")) } th { (v.t("期限", "Due")) } th { (v.t("满意度", "Rating")) } } }
                            tbody { @for i in items {
                                @let overdue = i.status.is_pending() && i.due_at.is_some_and(|d| d < now);
                                tr class=[overdue.then_some("overdue")] {
                                    td style="white-space:nowrap" { (i.id) }
                                    td { a href={ "/deliberation/items/" (i.id) } { (i.title) } }
                                    td { (v.t(i.status.name_zh(), i.status.name_en())) @if overdue { " ⚠ " (v.t("逾期", "overdue")) } }
                                    td { (i.responsible_unit.clone().or(i.answered_by.clone()).unwrap_or_default()) }
                                    td { (i.due_at.map(time_text).unwrap_or_default()) }
                                    td { @if i.satisfied + i.unsatisfied > 0 { (i.satisfied) " / " (i.unsatisfied) } }
                                }
                            } }
                        }
                    }
                    (pages("items_page", "items", v.t("说事事项分页", "Pages of items"), items_page, ITEMS_PER_PAGE, *total))
                }
            }
        }
        section #matters {
            h2 { (v.t("四议两公开", "Four deliberations, two disclosures")) }
            @match &matters {
                Err(e) => { (error_box(v, e)) }
                Ok((matters, total)) => {
                    @if *total == 0 { p { (v.t("暂无重大事项。", "No major matters.")) } }
                    @for m in matters {
                        @let done = m.stage_done.as_deref().and_then(Stage::parse);
                        p { a href={ "/deliberation/matters/" (m.id) } { (m.title) } " " (stage_bar(v, done)) }
                    }
                    (pages("matters_page", "matters", v.t("重大事项分页", "Pages of major matters"), matters_page, MATTERS_PER_PAGE, *total))
                }
            }
        }
        section #decisions {
            h2 { (v.t("决议执行", "Decisions and their progress")) }
            @match &tree {
                Err(e) => { (error_box(v, e)) }
                Ok((tree, total)) => {
                    @if *total == 0 { p.muted { (v.t("暂无决议。", "No decisions yet.")) } }
                    (decision_list(v, tree, None))
                    (pages("decisions_page", "decisions", v.t("决议分页", "Pages of decisions"), decisions_page, DECISIONS_PER_PAGE, *total))
                }
            }
        }
        section #minutes {
            h2 { (v.t("会议纪要", "Minutes")) }
            @match &held {
                Err(e) => { (error_box(v, e)) }
                Ok((held, total)) => {
                    @if *total == 0 { p.muted { (v.t("尚无会议纪要。", "No minutes yet.")) } }
                    @for s in held {
                        details { summary { (time_text(s.starts_at)) " · " (v.t("到会居民 ", "residents present ")) (s.residents_present.unwrap_or(0)) }
                            p { (s.minutes.clone().unwrap_or_default()) } }
                    }
                    (pages("minutes_page", "minutes", v.t("会议纪要分页", "Pages of minutes"), minutes_page, MINUTES_PER_PAGE, *total))
                }
            }
        }
    };
    Ok(layout(
        v,
        v.t("居民议事", "Deliberation"),
        &format!("/deliberation/{community}"),
        body,
    ))
}

fn stage_bar(v: &Viewer, done: Option<Stage>) -> Markup {
    html! {
        span.stages { @for s in Stage::ALL {
            @let reached = done.is_some_and(|d| d >= s);
            span class=(if reached { "stage on" } else { "stage" }) title=(s.as_str()) { (v.t(s.name_zh(), s.name_en())) }
        } }
    }
}

fn decision_list(v: &Viewer, all: &[DecisionView], parent: Option<i64>) -> Markup {
    let mut level: Vec<&DecisionView> = all.iter().filter(|d| d.parent_id == parent).collect();
    if parent.is_none() {
        // The top level newest first; parts stay in the order they were set out.
        level.reverse();
    }
    html! {
        @if !level.is_empty() {
            ul { @for d in level {
                li {
                    a href={ "/deliberation/decisions/" (d.id) } { (d.title) }
                    " " progress max="100" value=(d.progress) {} " " (format!("{:.0}%", d.progress)) " · " (decision_status(v, &d.status))
                    @if let Some(s) = d.satisfaction { " · " (v.t("满意率 ", "satisfaction ")) (format!("{:.0}%", s * 100.0)) }
                    (decision_list(v, all, Some(d.id)))
                }
            } }
        }
    }
}

#[derive(Deserialize)]
pub struct RaiseForm {
    pub csrf_token: String,
    pub title: String,
    pub topic_area: String,
    pub description: String,
}

pub async fn raise_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<RaiseForm>,
) -> Response {
    let here = format!("/deliberation/{code}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let result = if !v.csrf_ok(&form.csrf_token) {
        Err(ApiError::field(
            "csrf_token",
            "表单已过期，请重试 / the form expired, retry",
        ))
    } else {
        let req = RaiseItem {
            community_code: code.clone(),
            title: form.title,
            description: form.description,
            topic_area: form.topic_area,
            session_id: None,
            case_id: None,
        };
        sessions::raise(&state, &v.ctx(), req).await.map(|_| ())
    };
    match result {
        Ok(()) => go(&here, &v),
        Err(e) => {
            match render_community(&state, &v, &code, &CommunityQuery::default(), Some(&e)).await {
                Ok(r) => r,
                Err(e) => crate::pages::error_page(&v, v.t("居民议事", "Deliberation"), &here, &e),
            }
        }
    }
}

pub async fn item_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Response {
    let here = format!("/deliberation/items/{id}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    render_item(&state, &v, id, &n, None).await
}

async fn render_item(
    state: &AppState,
    v: &Viewer,
    id: i64,
    n: &Notice,
    err: Option<&ApiError>,
) -> Response {
    let here = format!("/deliberation/items/{id}");
    let detail = match sessions::item_in_reach(state, &v.actor, id, Action::ViewDeliberation).await
    {
        Ok(item) => sessions::item_detail(state, &v.actor, item).await,
        Err(e) => Err(e),
    };
    let d = match detail {
        Ok(d) => d,
        Err(e) => return crate::pages::error_page(v, v.t("说事事项", "Item"), &here, &e),
    };
    let i = &d.item;
    let body = html! {
        p { a href={ "/deliberation/" (i.community_code) } { "← " (v.t("返回社区议事", "Back to the community")) } }
        h1 { "#" (i.id) " " (i.title) }
        (notice(n))
        @if let Some(e) = err { (error_box(v, e)) }
        @if d.overdue { p.err { (v.t("承诺已逾期未办结", "The commitment is past due")) } }
        dl {
            dt { (v.t("状态", "Status")) } dd { (ItemStatus::parse(&i.status).map(|s| v.t(s.name_zh(), s.name_en())).unwrap_or(&i.status)) }
            dt { (v.t("说明", "Details")) } dd { (i.description) }
            @if let Some(a) = &i.answer { dt { (v.t("答复", "Answer")) } dd { (i.answered_by.clone().unwrap_or_default()) "：" (a) } }
            @if let Some(u) = &i.responsible_unit { dt { (v.t("责任单位与承诺", "Unit and commitment")) } dd { (u) "：" (i.commitment.clone().unwrap_or_default()) " · " (v.t("期限 ", "due ")) (i.due_at.map(time_text).unwrap_or_default()) } }
            @if let Some(c) = i.referred_case_id { dt { (v.t("办理案件", "Case")) } dd { a href={ "/cases/" (c) } { "#" (c) } } }
            @if let Some(r) = &i.result { dt { (v.t("办理结果", "Result")) } dd { (r) } }
            dt { (v.t("评价", "Rating")) } dd { (v.t("满意 ", "satisfied ")) (i.satisfied) " · " (v.t("不满意 ", "unsatisfied ")) (i.unsatisfied) }
        }
        h2 { (v.t("过程", "Timeline")) }
        ol { @for e in &d.events { li { (time_text(e.at)) " · " (e.actor) " · " (e.action) " → " (e.to_status) @if !e.note.is_empty() { " · " (e.note) } } } }
        @for a in &d.allowed_actions {
            form.act method="post" action={ "/deliberation/items/" (i.id) "/act" } {
                input type="hidden" name="csrf_token" value=(v.csrf);
                input type="hidden" name="action" value=(a);
                @match a.as_str() {
                    "answer" => {
                        label { (v.t("答复单位", "Unit")) input name="unit" required; }
                        label { (v.t("当场答复", "Answer")) textarea name="answer" required {} }
                    }
                    "refer" => {
                        label { (v.t("责任单位", "Unit")) input name="unit" required; }
                        label { (v.t("承诺", "Commitment")) input name="commitment" required; }
                        label { (v.t("期限（天）", "Days to finish")) input name="due_days" type="number" min="1" max="365" value="7"; }
                        label { (v.t("转为案件（类别代码，可选）", "Open a case (category code, optional)")) input name="case_category"; }
                    }
                    "complete" => { label { (v.t("办理结果", "Result")) textarea name="result" required {} } }
                    "rate" => {
                        label { input type="radio" name="verdict" value="satisfied" checked; (v.t("满意", "Satisfied")) }
                        label { input type="radio" name="verdict" value="unsatisfied"; (v.t("不满意", "Unsatisfied")) }
                    }
                    _ => {}
                }
                button type="submit" { (tongxin_core::deliberation::items::ItemAction::parse(a).map(|x| v.t(x.name_zh(), x.as_str())).unwrap_or(a)) }
            }
        }
    };
    layout(v, v.t("说事事项", "Item"), &here, body)
}

#[derive(Deserialize, Default)]
pub struct ItemForm {
    pub csrf_token: String,
    pub action: String,
    pub unit: Option<String>,
    pub answer: Option<String>,
    pub commitment: Option<String>,
    pub due_days: Option<i64>,
    pub case_category: Option<String>,
    pub result: Option<String>,
    pub verdict: Option<String>,
}

pub async fn item_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ItemForm>,
) -> Response {
    let here = format!("/deliberation/items/{id}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if !v.csrf_ok(&form.csrf_token) {
        let e = ApiError::field("csrf_token", "表单已过期，请重试 / the form expired, retry");
        return render_item(&state, &v, id, &Notice::default(), Some(&e)).await;
    }
    let req = ItemActionRequest {
        action: form.action,
        answer: form.answer,
        unit: form.unit,
        commitment: form.commitment,
        due_at: form
            .due_days
            .map(|d| now_millis() + d.clamp(0, 365) * DAY_MS),
        case_category: form.case_category.filter(|c| !c.trim().is_empty()),
        result: form.result,
        verdict: form.verdict,
        ..Default::default()
    };
    match sessions::act_on_item(&state, &v.ctx(), id, req).await {
        Ok(_) => go(&here, &v),
        Err(e) => render_item(&state, &v, id, &Notice::default(), Some(&e)).await,
    }
}

pub async fn matter_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Response {
    let here = format!("/deliberation/matters/{id}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    render_matter(&state, &v, id, &n, None).await
}

async fn render_matter(
    state: &AppState,
    v: &Viewer,
    id: i64,
    n: &Notice,
    err: Option<&ApiError>,
) -> Response {
    let here = format!("/deliberation/matters/{id}");
    let d = match matters::visible_detail(state, &v.actor, id).await {
        Ok(d) => d,
        Err(e) => return crate::pages::error_page(v, v.t("重大事项", "Matter"), &here, &e),
    };
    let m = &d.matter;
    let manage = allow(&v.actor, Action::ManageDeliberation, &m.community_code).is_ok();
    let next = m.next_stage.as_deref().and_then(Stage::parse);
    let body = html! {
        p { a href={ "/deliberation/" (m.community_code) } { "← " (v.t("返回社区议事", "Back to the community")) } }
        h1 { (m.title) }
        (notice(n))
        @if let Some(e) = err { (error_box(v, e)) }
        p { (m.description) }
        p { (stage_bar(v, m.stage_done.as_deref().and_then(Stage::parse))) }
        @if let Some(dec) = m.decision_id { p { a href={ "/deliberation/decisions/" (dec) } { (v.t("决议执行情况 →", "Decision progress →")) } } }
        h2 { (v.t("环节记录", "Stages")) }
        table {
            thead { tr { th { (v.t("环节", "Stage")) } th { (v.t("时间", "When")) } th { (v.t("内容", "Summary")) } th { (v.t("应到/实到/赞成", "Due/present/for")) } th { (v.t("结果", "Result")) } } }
            tbody { @for s in &d.stages { tr {
                td { (v.t(&s.stage_name, &s.stage)) } td { (time_text(s.at)) } td { (s.summary) }
                td { @if let (Some(a), Some(b), Some(c)) = (s.members, s.present, s.in_favour) { (a) " / " (b) " / " (c) } }
                td { @if s.passed { (v.t("通过", "passed")) } @else { (v.t("未通过", "not passed")) } }
            } } }
        }
        @if let (true, Some(next)) = (manage, next) {
            h2 { (v.t("下一环节：", "Next stage: ")) (v.t(next.name_zh(), next.as_str())) }
            form method="post" action={ "/deliberation/matters/" (m.id) "/stage" } {
                input type="hidden" name="csrf_token" value=(v.csrf);
                input type="hidden" name="stage" value=(next.as_str());
                label { (v.t("内容", "Summary")) textarea name="summary" required {} }
                @if next.votes() {
                    label { (v.t("应到人数", "Members due")) input name="members" type="number" min="1" required; }
                    label { (v.t("实到人数", "Present")) input name="present" type="number" min="0" required; }
                    label { (v.t("赞成", "For")) input name="in_favour" type="number" min="0" required; }
                    label { (v.t("反对", "Against")) input name="against" type="number" min="0" value="0"; }
                    label { (v.t("弃权", "Abstaining")) input name="abstaining" type="number" min="0" value="0"; }
                }
                button type="submit" { (v.t("记录", "Record")) }
            }
        }
    };
    layout(v, v.t("四议两公开", "Major matter"), &here, body)
}

#[derive(Deserialize)]
pub struct StageForm {
    pub csrf_token: String,
    pub stage: String,
    pub summary: String,
    pub members: Option<u32>,
    pub present: Option<u32>,
    pub in_favour: Option<u32>,
    pub against: Option<u32>,
    pub abstaining: Option<u32>,
}

pub async fn stage_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<StageForm>,
) -> Response {
    let here = format!("/deliberation/matters/{id}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if !v.csrf_ok(&form.csrf_token) {
        let e = ApiError::field("csrf_token", "表单已过期，请重试 / the form expired, retry");
        return render_matter(&state, &v, id, &Notice::default(), Some(&e)).await;
    }
    let req = StageRequest {
        stage: form.stage,
        summary: form.summary,
        members: form.members,
        present: form.present,
        in_favour: form.in_favour,
        against: form.against,
        abstaining: form.abstaining,
    };
    match matters::record_stage(&state, &v.ctx(), id, req).await {
        Ok(Some(o)) if !o.passed => {
            let e = ApiError::conflict(format!(
                "{} — {}",
                v.t("表决未通过，已记录", "The vote failed and was recorded"),
                o.rule
            ));
            render_matter(&state, &v, id, &Notice::default(), Some(&e)).await
        }
        Ok(_) => go(&here, &v),
        Err(e) => render_matter(&state, &v, id, &Notice::default(), Some(&e)).await,
    }
}

pub async fn decision_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Response {
    let here = format!("/deliberation/decisions/{id}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    render_decision(&state, &v, id, &n, None).await
}

async fn render_decision(
    state: &AppState,
    v: &Viewer,
    id: i64,
    n: &Notice,
    err: Option<&ApiError>,
) -> Response {
    let here = format!("/deliberation/decisions/{id}");
    let d = match decisions::detail(state, &v.actor, id).await {
        Ok(d) => d,
        Err(e) => return crate::pages::error_page(v, v.t("决议", "Decision"), &here, &e),
    };
    let x = &d.decision;
    let body = html! {
        p { a href={ "/deliberation/" (x.community_code) } { "← " (v.t("返回社区议事", "Back to the community")) } }
        h1 { (x.title) }
        (notice(n))
        @if let Some(e) = err { (error_box(v, e)) }
        p { (x.description) }
        p { progress max="100" value=(x.progress) {} " " (format!("{:.1}%", x.progress)) " · " (decision_status(v, &x.status))
            @if x.children > 0 { " · " (v.t("由子项汇总（", "rolled up from children (")) (x.rollup) ")" } }
        @if let Some(s) = x.satisfaction { p { (v.t("居民满意率 ", "Residents' satisfaction ")) (format!("{:.0}%", s * 100.0)) " (" (x.satisfied) "/" (x.satisfied + x.unsatisfied) ")" } }
        @if !d.children.is_empty() { h2 { (v.t("子项", "Parts")) } (decision_list(v, &d.children, Some(x.id))) }
        h2 { (v.t("进展", "Timeline")) }
        ol { @for p in &d.timeline { li { (time_text(p.at)) " · " (p.progress) "% · " (decision_status(v, &p.status)) " · " (p.note) " · " (p.actor) } } }
        @if !d.links.is_empty() {
            h2 { (v.t("关联", "Links")) }
            ul { @for l in &d.links { li { (l.kind) " · "
                @if l.kind == "case" { a href={ "/cases/" (l.reference) } { "#" (l.reference) } } @else { (l.reference) }
                " " (l.label) } } }
        }
        @if d.can_manage && x.status != "done" && x.status != "cancelled" {
            form method="post" action={ "/deliberation/decisions/" (x.id) "/progress" } {
                input type="hidden" name="csrf_token" value=(v.csrf);
                @if x.children == 0 { label { (v.t("进度 %", "Progress %")) input name="progress" type="number" min="0" max="100" value=(x.progress as i64); } }
                label { (v.t("进展说明", "Note")) input name="note" required; }
                button type="submit" { (v.t("记录进展", "Record progress")) }
            }
        }
        @if d.can_rate {
            form method="post" action={ "/deliberation/decisions/" (x.id) "/rate" } {
                input type="hidden" name="csrf_token" value=(v.csrf);
                label { input type="radio" name="verdict" value="satisfied" checked; (v.t("满意", "Satisfied")) }
                label { input type="radio" name="verdict" value="unsatisfied"; (v.t("不满意", "Unsatisfied")) }
                button type="submit" { (v.t("评价", "Rate")) }
            }
        }
    };
    layout(v, v.t("决议", "Decision"), &here, body)
}

#[derive(Deserialize)]
pub struct ProgressForm {
    pub csrf_token: String,
    pub progress: Option<u8>,
    pub note: String,
}

pub async fn progress_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ProgressForm>,
) -> Response {
    let here = format!("/deliberation/decisions/{id}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let result = if !v.csrf_ok(&form.csrf_token) {
        Err(ApiError::field(
            "csrf_token",
            "表单已过期，请重试 / the form expired, retry",
        ))
    } else {
        let req = ProgressRequest {
            progress: form.progress,
            status: None,
            note: form.note,
        };
        decisions::add_progress(&state, &v.ctx(), id, req).await
    };
    match result {
        Ok(()) => go(&here, &v),
        Err(e) => render_decision(&state, &v, id, &Notice::default(), Some(&e)).await,
    }
}

#[derive(Deserialize)]
pub struct RateForm {
    pub csrf_token: String,
    pub verdict: String,
}

pub async fn rate_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RateForm>,
) -> Response {
    let here = format!("/deliberation/decisions/{id}");
    let v = match viewer(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let result = if !v.csrf_ok(&form.csrf_token) {
        Err(ApiError::field(
            "csrf_token",
            "表单已过期，请重试 / the form expired, retry",
        ))
    } else {
        decisions::rate(&state, &v.ctx(), id, &form.verdict).await
    };
    match result {
        Ok(()) => go(&here, &v),
        Err(e) => render_decision(&state, &v, id, &Notice::default(), Some(&e)).await,
    }
}

/// A decision's status in the reader's language (the stored code if it is not one we know).
fn decision_status(v: &Viewer, code: &str) -> String {
    DecisionStatus::parse(code)
        .map(|s| v.t(s.name_zh(), s.name_en()).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn window(page: u64, per_page: u64) -> boards::Window {
    boards::Window {
        limit: per_page,
        offset: page_offset(page, per_page),
    }
}
