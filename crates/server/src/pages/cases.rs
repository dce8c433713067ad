//! Case pages: the list with filters, saved views and bulk dispatch; the detail with the
//! timeline, photos, deadlines and only the actions this user may take now; the warning
//! panel beside the map. Every form works without JavaScript and goes through the one engine.

use super::{Viewer, layout, urlencode};
use crate::access::Caller;
use crate::access::session::request_id;
use crate::cases as api;
use crate::error::ApiError;
use crate::state::AppState;
use crate::util::reach_within;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::cases::indicators::china_day;
use tongxin_core::cases::machine::{ALL_COMMANDS, Command, CommandKind, Satisfaction, Status};
use tongxin_core::cases::warnings::WarningRules;
use tongxin_store::cases::{self, CaseRow};
use tongxin_store::now_millis;

fn status_name(v: &Viewer, status: &str) -> String {
    Status::parse(status)
        .map(|s| v.t(s.name_zh(), s.name_en()).to_string())
        .unwrap_or_else(|| status.into())
}

/// A timeline step in the reader's language ("report" is the first step, not a command).
fn event_name(v: &Viewer, command: &str) -> String {
    if command == "report" {
        return v.t("上报", "Reported").into();
    }
    ALL_COMMANDS
        .iter()
        .find(|k| k.as_str() == command)
        .map(|k| action_name(v, *k).to_string())
        .unwrap_or_else(|| command.into())
}

/// "2 天 3 小时后到期" / "超期 5 小时"
fn due_text(v: &Viewer, due: Option<i64>, open: bool, now: i64) -> Markup {
    let Some(due) = due.filter(|_| open) else {
        return html! {};
    };
    let minutes = (due - now) / 60_000;
    let span = |m: i64| {
        let (d, h) = (m / 1440, (m % 1440) / 60);
        if d > 0 {
            format!("{d}{} {h}{}", v.t("天", "d"), v.t("小时", "h"))
        } else {
            format!("{h}{} {}{}", v.t("小时", "h"), m % 60, v.t("分", "min"))
        }
    };
    if minutes < 0 {
        html! { span.tag.late { (v.t("超期 ", "overdue ")) (span(-minutes)) } }
    } else {
        html! { span.tag.open { (v.t("剩余 ", "left ")) (span(minutes)) } }
    }
}

fn channel_name(v: &Viewer, channel: &str) -> String {
    let (zh, en) = match channel {
        "patrol" => ("网格员巡查", "grid patrol"),
        "resident" => ("居民上报", "resident"),
        "hotline" => ("12345 热线", "12345 hotline"),
        "enterprise" => ("企业诉求", "enterprise"),
        "camera" => ("视频监控", "camera"),
        "meeting" => ("议事会", "residents' meeting"),
        "open311" => ("Open311", "Open311"),
        _ => ("接口", "API"),
    };
    v.t(zh, en).to_string()
}

fn tier_name(v: &Viewer, tier: &str) -> String {
    let (zh, en) = match tier {
        "grid" => ("网格", "grid"),
        "community" => ("社区", "community"),
        "street" => ("街道", "street"),
        "district" => ("城区", "district"),
        _ => ("市级", "city"),
    };
    v.t(zh, en).to_string()
}

pub(crate) fn time_text(at: i64) -> String {
    let d = tongxin_core::cases::calendar::LocalDate::from_millis(at, 480);
    let minutes = (at + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!("{d} {:02}:{:02}", minutes / 60, minutes % 60)
}

pub(crate) fn error_box(v: &Viewer, e: &ApiError) -> Markup {
    html! { p.err { (v.t("未能完成：", "Not done: ")) (e.to_string()) } }
}

#[derive(Deserialize, Default)]
pub struct ListPageQuery {
    #[serde(flatten)]
    pub api: ListFilters,
    pub view: Option<String>,
    pub cursor: Option<String>,
    pub done: Option<String>,
}

/// The case number in a search text: digits, optionally after `#` (and not a grid code).
fn case_number(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = t.strip_prefix('#').unwrap_or(t).trim();
    (!digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[derive(Deserialize, Default, Clone)]
pub struct ListFilters {
    pub within: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub q: Option<String>,
    pub overdue: Option<String>,
}

impl ListFilters {
    fn filter(&self, open_only: bool) -> cases::CaseFilter {
        let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        cases::CaseFilter {
            status: some(&self.status),
            category: some(&self.category),
            channel: some(&self.channel),
            department: None,
            text: some(&self.q),
            overdue_at: (self.overdue.as_deref() == Some("1")).then(now_millis),
            open_only,
        }
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<ListPageQuery>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/cases") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    // A case number typed into the search ("1234" or "#1234") opens that case.
    if let Some(id) = q.api.q.as_deref().and_then(case_number)
        && api::reachable_case(&state, &v.actor, id).await.is_ok()
    {
        return Redirect::to(&format!("/cases/{id}")).into_response();
    }
    let within = q.api.within.as_deref().filter(|w| !w.is_empty());
    let prefixes = match reach_within(&v.actor, Action::WorkCase, within) {
        Ok(p) => p,
        Err(e) => return super::error_page(&v, v.t("案件", "Cases"), "/cases", &e),
    };
    let before = q.cursor.as_deref().and_then(|c| c.parse::<i64>().ok());
    let filter = q.api.filter(q.view.as_deref() == Some("open"));
    let page = match cases::list_cases(&state.store, &prefixes, &filter, before, 50).await {
        Ok(p) => p,
        Err(e) => return super::error_page(&v, "案件", "/cases", &e.into()),
    };
    let now = now_millis();
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let rows: Vec<&CaseRow> = page.items.iter().collect();
    let may_dispatch = rows.iter().any(|c| {
        api::authorize_kind(&v.actor, c, CommandKind::Dispatch).is_ok() && c.status == "filed"
    });
    let f = &q.api;
    let selected = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    let body = html! {
        h1 { (v.t("案件", "Cases")) }
        @if let Some(done) = &q.done { p.ok { (done) } }
        p {
            (v.t("视图：", "Views: "))
            a href="/cases?status=reported" { (v.t("待立案", "To file")) } " · "
            a href="/cases?status=filed" { (v.t("待派遣", "To dispatch")) } " · "
            a href="/cases?status=dispatched" { (v.t("待接单", "To accept")) } " · "
            a href="/cases?status=handled" { (v.t("待核查", "To verify")) } " · "
            a href="/cases?overdue=1" { (v.t("超期", "Overdue")) }
            span #saved-views {}
        }
        form.filters method="get" action="/cases" {
            label { (v.t("辖区代码", "Territory code")) input name="within" value=[f.within.as_deref()]; }
            label { (v.t("状态", "Status"))
                select name="status" {
                    option value="" { (v.t("全部", "All")) }
                    @for s in ["reported", "filed", "dispatched", "accepted", "handled", "closed", "cancelled", "merged"] {
                        option value=(s) selected[selected(&f.status, s)] { (status_name(&v, s)) }
                    }
                }
            }
            label { (v.t("类别", "Category"))
                select name="category" {
                    option value="" { (v.t("全部", "All")) }
                    @for c in catalogue.leaves() {
                        option value=(c.code) selected[selected(&f.category, &c.code)] { (c.code) " " (v.t(&c.name, &c.name_en)) }
                    }
                }
            }
            label { (v.t("渠道", "Channel"))
                select name="channel" {
                    option value="" { (v.t("全部", "All")) }
                    @for ch in api::CHANNELS {
                        option value=(ch) selected[selected(&f.channel, ch)] { (channel_name(&v, ch)) }
                    }
                }
            }
            label { (v.t("关键词或案件编号", "Text or case number")) input name="q" value=[f.q.as_deref()]; }
            label { input type="checkbox" name="overdue" value="1" checked[f.overdue.as_deref() == Some("1")] style="width:auto"; " " (v.t("仅超期", "Overdue only")) }
            button type="submit" { (v.t("筛选", "Filter")) }
            button.quiet type="button" #save-view { (v.t("保存视图", "Save view")) }
        }
        form method="post" action="/cases/dispatch" {
            input type="hidden" name="csrf_token" value=(v.csrf);
            table {
                tr {
                    th {}
                    th { "#" } th { (v.t("类别", "Category")) } th { (v.t("状态", "Status")) }
                    th { (v.t("网格", "Grid")) } th { (v.t("上报时间", "Reported")) } th { (v.t("期限", "Deadline")) }
                }
                @for c in &rows {
                    @let open = Status::parse(&c.status).is_some_and(|s| s.is_open());
                    tr {
                        td { @if c.status == "filed" { input type="checkbox" name="ids" value=(c.id) style="width:auto"; } }
                        td { a href={ "/cases/" (c.id) } { (c.id) } }
                        td { (catalogue.leaf(&c.category_code).map(|l| v.t(&l.name, &l.name_en).to_string()).unwrap_or_default()) }
                        td { (status_name(&v, &c.status)) }
                        td { (state.locator().path(&c.grid_code).last().map(|n| n.name.clone()).unwrap_or_else(|| c.grid_code.clone())) }
                        td { (time_text(c.reported_at)) }
                        td { (due_text(&v, c.step_due_at, open, now)) }
                    }
                }
            }
            @if rows.is_empty() { p.muted { (v.t("没有符合条件的案件。", "No cases match.")) } }
            @if may_dispatch {
                p {
                    (v.t("批量派遣至", "Dispatch selected to")) " "
                    (department_select(&v, &catalogue, None))
                    " " button type="submit" { (v.t("派遣", "Dispatch")) }
                }
            }
        }
        @if let Some(next) = &page.next {
            p.pager { a href={ "/cases?" (keep_filters(f)) "&view=" (q.view.as_deref().unwrap_or("")) "&cursor=" (next) } { (v.t("下一页 →", "Next page →")) } }
        }
        script { (maud::PreEscaped(SAVED_VIEWS_JS)) }
    };
    layout(&v, v.t("案件", "Cases"), "/cases", body)
}

/// What is typed into an action form survives an expired session: kept in the browser
/// until the action is done.
const KEEP_TYPED_JS: &str = r#"document.addEventListener('DOMContentLoaded',function(){var k='tongxin.typed.'+location.pathname;var d={};try{d=JSON.parse(localStorage.getItem(k)||'{}')}catch(e){}if(/[?&]done=/.test(location.search)){localStorage.removeItem(k);d={}}document.querySelectorAll('.actions textarea').forEach(function(t){var id=t.form.querySelector('input[name=action]').value;if(d[id]&&!t.value)t.value=d[id];t.addEventListener('input',function(){d[id]=t.value;localStorage.setItem(k,JSON.stringify(d))})})});"#;

/// Saved views live in the browser (they are the user's own shortcuts, not shared data).
const SAVED_VIEWS_JS: &str = r#"(function(){var k='tongxin.views',s=document.getElementById('saved-views'),b=document.getElementById('save-view');function load(){try{return JSON.parse(localStorage.getItem(k)||'[]')}catch(e){return[]}}function show(){var v=load();s.textContent='';v.forEach(function(x){s.appendChild(document.createTextNode(' · '));var a=document.createElement('a');a.href='/cases?'+x.q;a.textContent=x.n;s.appendChild(a)})}b.addEventListener('click',function(){var n=prompt('视图名称 / View name');if(!n)return;var f=new URLSearchParams(new FormData(b.form)).toString();var v=load();v.push({n:n,q:f});localStorage.setItem(k,JSON.stringify(v));show()});show()})();"#;

fn keep_filters(f: &ListFilters) -> String {
    let pairs = [
        ("within", &f.within),
        ("status", &f.status),
        ("category", &f.category),
        ("channel", &f.channel),
        ("q", &f.q),
        ("overdue", &f.overdue),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", urlencode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

fn department_select(
    v: &Viewer,
    catalogue: &tongxin_core::cases::catalogue::Catalogue,
    preferred: Option<&str>,
) -> Markup {
    html! {
        select name="department" required {
            @for d in &catalogue.departments {
                option value=(d.code) selected[preferred == Some(d.code.as_str())] { (v.t(&d.name, &d.name_en)) }
            }
        }
    }
}

pub async fn bulk_dispatch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawForm(raw): RawForm,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/cases") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let fields: Vec<(String, String)> = serde_urlencoded_pairs(&raw);
    let get = |k: &str| fields.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone());
    if !v.csrf_ok(&get("csrf_token").unwrap_or_default()) {
        return Redirect::to("/login?error=csrf").into_response();
    }
    let department = get("department").unwrap_or_default();
    let ids: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let mut done = 0;
    let mut failed = Vec::new();
    for id in &ids {
        let command = Command::Dispatch {
            department: department.clone(),
            note: String::new(),
        };
        match api::act(&state, &v.actor, &headers, *id, command).await {
            Ok(_) => done += 1,
            Err(e) => failed.push(format!("#{id}: {e}")),
        }
    }
    let message = format!(
        "{} {done} {}{}",
        v.t("已派遣", "Dispatched"),
        v.t("件", "cases"),
        if failed.is_empty() {
            String::new()
        } else {
            format!("；{}", failed.join("；"))
        }
    );
    Redirect::to(&format!("/cases?status=filed&done={}", urlencode(&message))).into_response()
}

fn serde_urlencoded_pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    pub done: Option<String>,
}

pub async fn detail_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let here = format!("/cases/{id}");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    render_detail(&state, &v, id, q.done.as_deref(), None, None, None).await
}

async fn render_detail(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    error: Option<&ApiError>,
    typed: Option<&ActForm>,
    revealed: Option<&api::RevealedCaseText>,
) -> Response {
    let case = match api::reachable_case(state, &v.actor, id).await {
        Ok(c) => c,
        Err(e) => return super::error_page(v, v.t("案件", "Case"), "/cases", &e),
    };
    let timeline = cases::timeline(&state.store, id).await.unwrap_or_default();
    let mut actor_ids: Vec<i64> = timeline.iter().map(|e| e.actor_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let names = tongxin_store::accounts::display_names(&state.store, &actor_ids)
        .await
        .unwrap_or_default();
    let actor_names: Vec<String> = timeline
        .iter()
        .map(|e| {
            names
                .get(&e.actor_id)
                .cloned()
                .unwrap_or_else(|| e.actor.clone())
        })
        .collect();
    let may_reveal = revealed.is_none()
        && authorize(
            &v.actor,
            Action::RevealPersonalData,
            Target::Node(&case.grid_code),
        )
        .is_ok()
        && api::has_originals(state, id, &timeline)
            .await
            .unwrap_or(false);
    let view = api::view(state, &case, Some(timeline));
    let now = now_millis();
    let open = Status::parse(&case.status).is_some_and(|s| s.is_open());
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let routed = catalogue
        .route(&case.category_code, &case.grid_code)
        .map(|d| d.code.clone());
    let may: Vec<CommandKind> = ALL_COMMANDS
        .iter()
        .copied()
        .filter(|k| view.allowed.iter().any(|a| a == k.as_str()))
        .filter(|k| api::authorize_kind(&v.actor, &case, *k).is_ok())
        .collect();
    let path = state.locator().path(&case.grid_code);
    let body = html! {
        h1 { "#" (case.id) " " (view.category_name) " · " (status_name(v, &case.status)) }
        @if let Some(d) = done { p.ok { (d) } }
        @if let Some(e) = error { (error_box(v, e)) }
        div.grid2 {
            div {
                div.card {
                    p { (case.description) }
                    p.muted { (path.iter().map(|n| n.name.clone()).collect::<Vec<_>>().join(" › ")) }
                    @if !case.address.is_empty() { p.muted { (case.address) } }
                    @if let Some(r) = revealed { (revealed_box(v, r)) }
                    @if may_reveal { (reveal_form(v, case.id)) }
                    table {
                        tr { th { (v.t("渠道", "Channel")) } td { (channel_name(v, &case.channel)) } }
                        tr { th { (v.t("层级", "Tier")) } td { (tier_name(v, &case.tier)) } }
                        tr { th { (v.t("处置部门", "Department")) } td { (case.department.as_deref().and_then(|d| catalogue.department(d)).map(|d| v.t(&d.name, &d.name_en).to_string()).unwrap_or_else(|| "—".into())) } }
                        tr { th { (v.t("上报时间", "Reported")) } td { (time_text(case.reported_at)) } }
                        tr { th { (v.t("本环节期限", "Step deadline")) } td { (case.step_due_at.map(time_text).unwrap_or_default()) " " (due_text(v, case.step_due_at, open, now)) } }
                        tr { th { (v.t("处置期限", "Handling deadline")) } td { (case.handle_due_at.map(time_text).unwrap_or_else(|| "—".into())) } }
                        tr { th { (v.t("返工次数", "Rework")) } td { (case.rework_count) } }
                        @if case.supervised != 0 { tr { th { (v.t("督办", "Supervised")) } td { "✔" } } }
                        @if let Some(r) = &case.rating { tr { th { (v.t("评价", "Rating")) } td { (r) } } }
                    }
                }
                div.card {
                    h2 { (v.t("处置经过", "Timeline")) }
                    ol.timeline {
                        @for (e, who) in view.timeline.as_deref().unwrap_or_default().iter().zip(&actor_names) {
                            li {
                                strong { (event_name(v, &e.action)) } " → " (status_name(v, &e.to)) " · " span title=(e.actor) { (who) } " · " span.muted { (time_text(e.at)) }
                                @if !e.note.is_empty() { br; (e.note) }
                                @if !e.photos.is_empty() {
                                    div.photos {
                                        @for h in &e.photos {
                                            a href={ "/api/v1/media/" (h) } { img src={ "/api/v1/media/" (h) "/thumbnail" } alt=(v.t("照片", "photo")); }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            div.actions {
                h2 { (v.t("可做的操作", "What you can do now")) }
                @if may.is_empty() { p.muted { (v.t("当前没有您可执行的操作。", "Nothing for you to do now.")) } }
                script { (maud::PreEscaped(KEEP_TYPED_JS)) }
                @for k in &may {
                    details open[may.len() == 1 || typed.is_some_and(|t| t.action == k.as_str())] {
                        summary { (action_name(v, *k)) }
                        form method="post" action={ "/cases/" (case.id) "/act" } {
                            input type="hidden" name="csrf_token" value=(v.csrf);
                            input type="hidden" name="action" value=(k.as_str());
                            (action_fields(v, *k, &catalogue, routed.as_deref(), typed))
                            button type="submit" { (action_name(v, *k)) }
                        }
                    }
                }
            }
        }
    };
    layout(v, &format!("#{}", case.id), "/cases", body)
}

/// The originals of masked text, shown once after an audited reveal.
fn revealed_box(v: &Viewer, r: &api::RevealedCaseText) -> Markup {
    html! {
        div.ok {
            p { strong { (v.t("原文（已记入审计）", "As typed (recorded in the audit trail)")) } }
            p { (r.description) }
            @if !r.address.is_empty() { p.muted { (r.address) } }
            @for n in &r.notes { p.muted { "#" (n.event_id) " " (n.note) } }
        }
    }
}

fn reveal_form(v: &Viewer, id: i64) -> Markup {
    html! {
        details {
            summary { (v.t("查看原文（手机号、身份证号已隐去）", "Show the original (phone and ID numbers are masked)")) }
            form method="post" action={ "/cases/" (id) "/reveal" } {
                input type="hidden" name="csrf_token" value=(v.csrf);
                label { (v.t("用途（记入审计）", "Purpose (recorded in the audit trail)")) input name="reason" required minlength="2" maxlength="200"; }
                button type="submit" { (v.t("查看原文", "Show original")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct RevealForm {
    pub csrf_token: String,
    #[serde(default)]
    pub reason: String,
}

/// The audited reveal from the case page.
pub async fn reveal_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RevealForm>,
) -> Response {
    let here = format!("/cases/{id}");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let request = crate::people::RevealRequest {
        reason: form.reason.clone(),
    };
    let result = if v.csrf_ok(&form.csrf_token) {
        match crate::people::reveal_reason(&request) {
            Ok(reason) => {
                api::reveal_texts(&state, &v.actor, request_id(&headers), id, reason).await
            }
            Err(e) => Err(e),
        }
    } else {
        Err(ApiError::field(
            "csrf_token",
            "表单已过期，请重试 / the form expired, retry",
        ))
    };
    match result {
        Ok(r) => render_detail(&state, &v, id, None, None, None, Some(&r)).await,
        Err(e) => render_detail(&state, &v, id, None, Some(&e), None, None).await,
    }
}

fn action_name(v: &Viewer, k: CommandKind) -> &'static str {
    let (zh, en) = match k {
        CommandKind::File => ("立案", "File"),
        CommandKind::Cancel => ("作废", "Cancel"),
        CommandKind::Dispatch => ("派遣", "Dispatch"),
        CommandKind::Accept => ("接单", "Accept"),
        CommandKind::Return => ("退回", "Return"),
        CommandKind::Handle => ("处置反馈", "Report handled"),
        CommandKind::Verify => ("核查", "Verify"),
        CommandKind::Escalate => ("上报上级", "Escalate"),
        CommandKind::Reopen => ("重新打开", "Reopen"),
        CommandKind::Merge => ("合并重复", "Merge duplicate"),
        CommandKind::Supervise => ("督办", "Supervise"),
        CommandKind::Rate => ("评价", "Rate"),
    };
    v.t(zh, en)
}

fn action_fields(
    v: &Viewer,
    k: CommandKind,
    catalogue: &tongxin_core::cases::catalogue::Catalogue,
    routed: Option<&str>,
    typed: Option<&ActForm>,
) -> Markup {
    let text = typed
        .filter(|t| t.action == k.as_str())
        .map(|t| t.text.clone())
        .unwrap_or_default();
    let area = |name: &str, label: &str, required: bool| {
        html! { label { (label) textarea name=(name) required[required] { (text) } } }
    };
    match k {
        CommandKind::Dispatch => html! {
            label { (v.t("处置部门", "Department")) (department_select(v, catalogue, routed)) }
            (area("text", v.t("说明（可选）", "Note (optional)"), false))
        },
        CommandKind::Verify => html! {
            label { input type="radio" name="passed" value="1" checked style="width:auto"; " " (v.t("已解决，结案", "Solved: close")) }
            label { input type="radio" name="passed" value="0" style="width:auto"; " " (v.t("未解决，返工", "Not solved: rework")) }
            (area("text", v.t("核查说明（返工时必填）", "Note (required for rework)"), false))
        },
        CommandKind::Rate => html! {
            label { (v.t("满意度", "Satisfaction"))
                select name="satisfaction" {
                    option value="satisfied" { (v.t("满意", "Satisfied")) }
                    option value="basic" { (v.t("基本满意", "Basically satisfied")) }
                    option value="dissatisfied" { (v.t("不满意", "Dissatisfied")) }
                }
            }
            (area("text", v.t("评价（可选）", "Comment (optional)"), false))
        },
        CommandKind::Merge => html! {
            label { (v.t("原案件编号", "Original case number")) input name="into" inputmode="numeric" required; }
            (area("text", v.t("说明（可选）", "Note (optional)"), false))
        },
        CommandKind::Handle => html! {
            (area("text", v.t("处置情况", "What was done"), true))
        },
        CommandKind::Cancel
        | CommandKind::Return
        | CommandKind::Escalate
        | CommandKind::Reopen
        | CommandKind::Supervise => {
            html! { (area("text", v.t("理由", "Reason"), true)) }
        }
        CommandKind::File | CommandKind::Accept => html! {
            (area("text", v.t("说明（可选）", "Note (optional)"), false))
        },
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ActForm {
    pub csrf_token: String,
    pub action: String,
    #[serde(default)]
    pub text: String,
    pub department: Option<String>,
    pub passed: Option<String>,
    pub satisfaction: Option<String>,
    pub into: Option<String>,
    /// Where to go afterwards (the map's dispatch comes back to the map).
    pub back: Option<String>,
}

impl ActForm {
    fn command(&self) -> Result<Command, ApiError> {
        let text = self.text.trim().to_string();
        Ok(match self.action.as_str() {
            "file" => Command::File { note: text },
            "cancel" => Command::Cancel { reason: text },
            "dispatch" => Command::Dispatch {
                department: self.department.clone().unwrap_or_default(),
                note: text,
            },
            "accept" => Command::Accept { note: text },
            "return" => Command::Return { reason: text },
            "handle" => Command::Handle {
                feedback: text,
                photos: Vec::new(),
            },
            "verify" => Command::Verify {
                passed: self.passed.as_deref() != Some("0"),
                note: text,
            },
            "escalate" => Command::Escalate { reason: text },
            "reopen" => Command::Reopen { reason: text },
            "merge" => Command::Merge {
                into: self
                    .into
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::field("into", "须为案件编号 / a case number"))?,
                note: text,
            },
            "supervise" => Command::Supervise { note: text },
            "rate" => Command::Rate {
                satisfaction: match self.satisfaction.as_deref() {
                    Some("basic") => Satisfaction::Basic,
                    Some("dissatisfied") => Satisfaction::Dissatisfied,
                    _ => Satisfaction::Satisfied,
                },
                comment: text,
            },
            other => {
                return Err(ApiError::field(
                    "action",
                    format!("未知操作 {other:?} / unknown action"),
                ));
            }
        })
    }
}

pub async fn act_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> Response {
    let here = format!("/cases/{id}");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if !v.csrf_ok(&form.csrf_token) {
        let e = ApiError::field("csrf_token", "表单已过期，请重试 / the form expired, retry");
        return render_detail(&state, &v, id, None, Some(&e), Some(&form), None).await;
    }
    let result = match form.command() {
        Ok(command) => api::act(&state, &v.actor, &headers, id, command).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            let message = format!("{} ✔", v.t("已完成", "Done"));
            let back = form
                .back
                .as_deref()
                .filter(|b| b.starts_with('/') && !b.starts_with("//"))
                .unwrap_or(&here);
            let sep = if back.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{back}{sep}done={}", urlencode(&message))).into_response()
        }
        Err(e) => render_detail(&state, &v, id, None, Some(&e), Some(&form), None).await,
    }
}

/// Clusters, spikes and repeated places of one scope, computed at one time.
#[derive(Debug, Clone, Default)]
pub struct PatternWarnings {
    pub rules: WarningRules,
    pub clusters: Vec<(String, String, i64)>,
    /// (category, today's reports, baseline mean per day)
    pub spikes: Vec<(String, i64, f64)>,
    /// (lon, lat, reports, newest case id)
    pub places: Vec<(f64, f64, i64, i64)>,
}

pub type PatternCache = Arc<Mutex<HashMap<String, (Instant, Arc<PatternWarnings>)>>>;

const PATTERN_TTL: Duration = Duration::from_secs(60);
pub const WARNING_RULES_SETTING: &str = "warning_rules";

/// The city's warning rules (defaults until an administrator sets them).
pub async fn warning_rules(state: &AppState) -> WarningRules {
    state
        .store
        .setting(WARNING_RULES_SETTING)
        .await
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

async fn pattern_warnings(state: &AppState, prefixes: &[String]) -> Arc<PatternWarnings> {
    let key = prefixes.join(",");
    if let Some((at, data)) = state.pattern_warnings.lock().expect("cache lock").get(&key)
        && at.elapsed() < PATTERN_TTL
    {
        return data.clone();
    }
    let rules = warning_rules(state).await;
    let now = now_millis();
    let day = 86_400_000;
    let clusters = cases::clusters(
        &state.store,
        prefixes,
        now - rules.cluster_days * day,
        rules.cluster_min,
    )
    .await
    .unwrap_or_default();
    let today = china_day(now);
    let mut per_category: HashMap<String, (i64, i64)> = HashMap::new();
    if prefixes.iter().all(|p| p.len() <= 6) {
        for (category, d, n) in tongxin_store::cases::indicators::reported_by_category(
            &state.store,
            prefixes,
            today - rules.baseline_days,
            today + 1,
        )
        .await
        .unwrap_or_default()
        {
            let e = per_category.entry(category).or_default();
            if d == today {
                e.0 += n;
            } else {
                e.1 += n;
            }
        }
    }
    let mut spikes: Vec<(String, i64, f64)> = per_category
        .into_iter()
        .filter(|(_, (t, base))| rules.is_spike(*t, *base))
        .map(|(c, (t, base))| (c, t, base as f64 / rules.baseline_days as f64))
        .collect();
    spikes.sort_by_key(|s| std::cmp::Reverse(s.1));
    let places = cases::repeated_places(
        &state.store,
        prefixes,
        now - rules.place_days * day,
        rules.place_cell_degrees(),
        rules.place_min,
    )
    .await
    .unwrap_or_default();
    let data = Arc::new(PatternWarnings {
        rules,
        clusters,
        spikes,
        places,
    });
    state
        .pattern_warnings
        .lock()
        .expect("cache lock")
        .insert(key, (Instant::now(), data.clone()));
    data
}

/// Early warning beside the map: overdue and nearly due cases (each with dispatch right
/// there when it waits for a department), and clusters of one category in one grid.
pub async fn warning_panel(state: &AppState, v: &Viewer) -> Markup {
    let Ok(prefixes) = reach_within(&v.actor, Action::WorkCase, None) else {
        return html! {};
    };
    let now = now_millis();
    let patterns = pattern_warnings(state, &prefixes).await;
    let rules = patterns.rules;
    let soon = cases::CaseFilter {
        overdue_at: Some(now + rules.due_soon_hours * 3_600_000),
        ..cases::CaseFilter::default()
    };
    let due = cases::list_cases(&state.store, &prefixes, &soon, None, 15)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let clusters = patterns.clusters.clone();
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    html! {
        section.card #warnings {
            h2 { (v.t("预警", "Early warning")) }
            h3 { (v.t("超期与临期案件", "Overdue and nearly due")) }
            @if due.is_empty() { p.muted { (v.t("暂无。", "None.")) } }
            table {
                @for c in &due {
                    tr {
                        td { a href={ "/cases/" (c.id) } { "#" (c.id) } }
                        td { (catalogue.leaf(&c.category_code).map(|l| v.t(&l.name, &l.name_en).to_string()).unwrap_or_default()) }
                        td { (status_name(v, &c.status)) }
                        td { (due_text(v, c.step_due_at, true, now)) }
                        td {
                            @if c.status == "filed" && api::authorize_kind(&v.actor, c, CommandKind::Dispatch).is_ok() {
                                form method="post" action={ "/cases/" (c.id) "/act" } {
                                    input type="hidden" name="csrf_token" value=(v.csrf);
                                    input type="hidden" name="action" value="dispatch";
                                    input type="hidden" name="back" value="/map";
                                    (department_select(v, &catalogue, catalogue.route(&c.category_code, &c.grid_code).map(|d| d.code.as_str())))
                                    button type="submit" { (v.t("派遣", "Dispatch")) }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (v.t("聚集", "Clusters")) " " span.muted { "(" (rules.cluster_days) (v.t(" 天内同一网格同类 ≥ ", " days, one grid, one category, ≥ ")) (rules.cluster_min) ")" } }
            @if clusters.is_empty() { p.muted { (v.t("暂无。", "None.")) } }
            ul {
                @for (grid, category, n) in &clusters {
                    li {
                        a href={ "/cases?within=" (grid) "&category=" (category) } {
                            (state.locator().path(grid).last().map(|p| p.name.clone()).unwrap_or_else(|| grid.clone()))
                            " · " (catalogue.leaf(category).map(|l| v.t(&l.name, &l.name_en).to_string()).unwrap_or_default())
                            " · " (n) (v.t(" 件", " cases"))
                        }
                    }
                }
            }
            h3 { (v.t("突增", "Spikes")) " " span.muted { "(" (v.t("今日对比前 ", "today against the ")) (rules.baseline_days) (v.t(" 天日均", "-day daily mean")) ")" } }
            @if patterns.spikes.is_empty() { p.muted { (v.t("暂无。", "None.")) } }
            ul {
                @for (category, today, mean) in &patterns.spikes {
                    li {
                        a href={ "/cases?category=" (category) } {
                            (catalogue.leaf(category).map(|l| v.t(&l.name, &l.name_en).to_string()).unwrap_or_else(|| category.clone()))
                        }
                        " · " (v.t("今日 ", "today ")) (today) " / " (v.t("日均 ", "mean ")) (format!("{mean:.1}"))
                    }
                }
            }
            h3 { (v.t("同一地点反复上报", "Repeated reports from one place")) " " span.muted { "(≈" (rules.place_metres) " m, " (rules.place_days) (v.t(" 天", " days")) ")" } }
            @if patterns.places.is_empty() { p.muted { (v.t("暂无。", "None.")) } }
            ul {
                @for (lon, lat, n, newest) in &patterns.places {
                    li {
                        a href={ "/cases/" (newest) } { (format!("{lon:.4}, {lat:.4}")) }
                        " · " (n) (v.t(" 件", " cases"))
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct MineQuery {
    pub cursor: Option<String>,
}

/// 我的上报: what the user reported, where each case stands, and those waiting for their
/// rating (the rate form is on the case page).
pub async fn my_reports_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<MineQuery>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/my-reports") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let before = q.cursor.as_deref().and_then(|c| c.parse::<i64>().ok());
    let page = match cases::reported_by(&state.store, v.actor.user_id, before, 50).await {
        Ok(p) => p,
        Err(e) => {
            return super::error_page(&v, v.t("我的上报", "My reports"), "/my-reports", &e.into());
        }
    };
    let body = html! {
        h1 { (v.t("我的上报", "My reports")) }
        @if page.items.is_empty() {
            p.muted { (v.t("您还没有上报过问题。", "You have not reported anything yet.")) " " a href="/report" { (v.t("去上报", "Report a problem")) } }
        }
        table {
            thead { tr { th { "#" } th { (v.t("类别", "Category")) } th { (v.t("状态", "Status")) } th { (v.t("上报时间", "Reported")) } th { (v.t("评价", "Rating")) } } }
            tbody {
                @for c in &page.items {
                    tr {
                        td { a href={ "/cases/" (c.id) } { "#" (c.id) } }
                        td { (api::category_name(&state, &c.category_code)) }
                        td { (status_name(&v, &c.status)) }
                        td { (time_text(c.reported_at)) }
                        td {
                            @if let Some(r) = &c.rating { (r) }
                            @else if c.status == "closed" { a href={ "/cases/" (c.id) } { strong { (v.t("待您评价", "Please rate")) } } }
                        }
                    }
                }
            }
        }
        @if let Some(next) = &page.next {
            p { a href={ "/my-reports?cursor=" (next) } { (v.t("更早的上报 →", "Older reports →")) } }
        }
    };
    layout(&v, v.t("我的上报", "My reports"), "/my-reports", body)
}
