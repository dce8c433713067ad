//! Case pages: the list with filters, saved views and bulk dispatch; the detail with the
//! timeline, photos, deadlines and only the actions this user may take now; the warning
//! panel beside the map. Every form works without JavaScript and goes through the one engine.

pub mod indicators;
pub mod notifications;
pub mod report;

use crate::access::Caller;
use crate::access::session::request_id;
use crate::cases as api;
use crate::error::ApiError;
use crate::pages::{Viewer, layout, page_number, page_offset, pager, urlencode};
use crate::state::AppState;
use crate::util::reach_within;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::cases::catalogue::Department;
use tongxin_core::cases::machine::{ALL_COMMANDS, Command, CommandKind, Satisfaction, Status};
use tongxin_geo::polygon::{Bbox, Polygon};
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

/// A rating in the reader's language (the case keeps its code).
fn rating_name(v: &Viewer, rating: &str) -> String {
    let (zh, en) = match rating {
        "satisfied" => ("满意", "Satisfied"),
        "basic" => ("基本满意", "Basically satisfied"),
        "dissatisfied" => ("不满意", "Dissatisfied"),
        other => return other.to_string(),
    };
    v.t(zh, en).to_string()
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
    pub page: Option<String>,
    pub done: Option<String>,
}

/// Cases on one page of the case list and of 我的上报.
pub const CASES_PER_PAGE: u64 = 50;

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
        Err(e) => return crate::pages::error_page(&v, v.t("案件", "Cases"), "/cases", &e),
    };
    let page = match page_number("page", q.page.as_deref()) {
        Ok(p) => p,
        Err(e) => return crate::pages::error_page(&v, v.t("案件", "Cases"), "/cases", &e),
    };
    let filter = q.api.filter(q.view.as_deref() == Some("open"));
    let listed = crate::cases::listing::cases_page(
        &state,
        &prefixes,
        &filter,
        page_offset(page, CASES_PER_PAGE) as usize,
        CASES_PER_PAGE as usize,
    );
    let (total, items) = match listed.await {
        Ok(l) => (l.total, l.rows),
        Err(e) => {
            return crate::pages::error_page(&v, v.t("案件", "Cases"), "/cases", &e);
        }
    };
    let now = now_millis();
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let rows: Vec<&CaseRow> = items.iter().collect();
    let dispatchable: Vec<&str> = rows
        .iter()
        .filter(|c| {
            c.status == Status::Filed
                && api::authorize_kind(&v.actor, c, CommandKind::Dispatch).is_ok()
        })
        .map(|c| c.grid_code.as_str())
        .collect();
    let may_dispatch = !dispatchable.is_empty();
    let departments = api::departments_for(&catalogue, &dispatchable);
    let f = &q.api;
    let mut view_query = keep_filters(f);
    if let Some(view) = q.view.as_deref().filter(|w| !w.is_empty()) {
        if !view_query.is_empty() {
            view_query.push('&');
        }
        view_query.push_str(&format!("view={}", urlencode(view)));
    }
    let base = format!("/cases?{view_query}");
    let selected = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    let filtered = [&f.status, &f.category, &f.channel, &f.q, &f.overdue]
        .iter()
        .any(|x| x.as_deref().is_some_and(|s| !s.is_empty()));
    let body = html! {
        h1 { (v.t("案件", "Cases")) }
        @if let Some(done) = &q.done { p.ok { (done) } }
        p #case-total { strong { (v.t("共 ", "")) (total) (v.t(" 件", " cases")) } }
        p {
            (v.t("视图：", "Views: "))
            a href="/cases?status=reported" { (v.t("待立案", "To file")) } " · "
            a href="/cases?status=filed" { (v.t("待派遣", "To dispatch")) } " · "
            a href="/cases?status=dispatched" { (v.t("待接单", "To accept")) } " · "
            a href="/cases?status=handled" { (v.t("待核查", "To verify")) } " · "
            a href="/cases?overdue=1" { (v.t("超期", "Overdue")) } " · "
            a href="/cases/warnings" { (v.t("预警", "Early warning")) }
            span #saved-views {}
        }
        // Open only when the view is filtered: a grid worker on a phone lands on the list,
        // not on a desk form.
        details.filter-box open[filtered] {
        summary { (v.t("筛选与搜索", "Filter and search")) }
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
                    @let open = c.status.is_open();
                    tr {
                        td { @if c.status == Status::Filed { input type="checkbox" name="ids" value=(c.id) style="width:auto" aria-label=(format!("{} #{}", v.t("选择案件", "Select case"), c.id)); } }
                        td { a href={ "/cases/" (c.id) } { (c.id) } }
                        td { (catalogue.leaf(&c.category_code).map(|l| v.t(&l.name, &l.name_en).to_string()).unwrap_or_default()) }
                        td { (status_name(&v, c.status.as_str())) }
                        td { (state.locator().path(&c.grid_code).last().map(|n| n.name.clone()).unwrap_or_else(|| c.grid_code.clone())) }
                        td { (time_text(c.reported_at)) }
                        td { (due_text(&v, c.step_due_at, open, now)) }
                    }
                }
            }
            @if rows.is_empty() { p.muted { (v.t("没有符合条件的案件。", "No cases match.")) } }
            @if may_dispatch {
                p {
                    label { (v.t("批量派遣至", "Dispatch selected to")) " "
                        (department_select(&v, &departments, None)) }
                    " " button type="submit" { (v.t("派遣", "Dispatch")) }
                }
            }
        }
        (pager(&v, &base, page, CASES_PER_PAGE, total.max(0) as u64))
        script { (maud::PreEscaped(SAVED_VIEWS_JS)) }
    };
    layout(&v, v.t("案件", "Cases"), "/cases", body)
}

/// What is typed into an action form survives an expired session: kept in the browser
/// until the action is done.
const KEEP_TYPED_JS: &str = r#"document.addEventListener('DOMContentLoaded',function(){var k='tongxin.typed.'+location.pathname;var d={};try{d=JSON.parse(localStorage.getItem(k)||'{}')}catch(e){}if(/[?&]done=/.test(location.search)){localStorage.removeItem(k);d={}}document.querySelectorAll('.actions textarea').forEach(function(t){var id=t.form.querySelector('input[name=action]').value;if(d[id]&&!t.value)t.value=d[id];t.addEventListener('input',function(){d[id]=t.value;localStorage.setItem(k,JSON.stringify(d))})})});"#;

/// The handler's after-photos: each chosen photo is uploaded as the report form does
/// (`/api/v1/media`, checked for size first) and its hash added to the handle form's `photos`.
const HANDLE_PHOTOS_JS: &str = r#"document.addEventListener('DOMContentLoaded',function(){document.querySelectorAll('.actions form').forEach(function(f){var l=f.querySelector('label.handle-photo');if(!l)return;var inp=l.querySelector('input[type=file]'),list=f.querySelector('input[name=photos]'),pre=f.querySelector('.handle-preview'),st=f.querySelector('.handle-status'),zh=f.dataset.lang!=='en',btn=f.querySelector('button[type=submit]'),busy=0;function t(a,b){return zh?a:b}function say(x,bad){st.textContent=x;st.className=bad?'err handle-status':'muted handle-status'}l.hidden=false;inp.addEventListener('change',function(){Array.prototype.forEach.call(inp.files,function(file){if(file.size>10*1024*1024){say(t('照片太大（须小于 10 MB）：','Photo too large (keep it under 10 MB): ')+file.name,true);return}busy++;btn.disabled=true;say(t('正在上传照片…','Uploading photo…'));fetch('/api/v1/media',{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/octet-stream','X-CSRF-Token':f.csrf_token.value},body:file}).then(function(r){return r.json().then(function(j){if(!r.ok)throw new Error(j.detail||r.status);return j})}).then(function(j){var v=list.value?list.value.split(','):[];if(v.indexOf(j.hash)<0)v.push(j.hash);list.value=v.join(',');var i=document.createElement('img');i.src='/api/v1/media/'+j.hash+'/thumbnail';i.alt=t('处置后照片','photo after');pre.appendChild(i);say(t('照片已上传','Photo uploaded'))}).catch(function(e){say(t('照片上传失败：','Photo upload failed: ')+e.message,true)}).then(function(){busy--;if(!busy)btn.disabled=false})});inp.value=''})})});"#;

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

/// The departments offered for a dispatch (only those serving the case's district, see
/// `api::departments_for`), the routed one chosen.
fn department_select(v: &Viewer, departments: &[&Department], preferred: Option<&str>) -> Markup {
    html! {
        select name="department" required aria-label=(v.t("处置部门", "Department")) {
            @for d in departments {
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
        match api::act(&state, &v.ctx(), *id, command).await {
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
        Err(e) => return crate::pages::error_page(v, v.t("案件", "Case"), "/cases", &e),
    };
    // What could not be read is said on the page, not shown as nothing.
    let mut problems: Vec<String> = Vec::new();
    let read = crate::cases::detail::timeline(state, id).await;
    let timeline = match read.events {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!(
                "{}{e}",
                v.t("处置经过未能读取：", "The timeline could not be read: ")
            ));
            Vec::new()
        }
    };
    let names = match read.names {
        Ok(n) => n,
        Err(e) => {
            problems.push(format!(
                "{}{e}",
                v.t("人员姓名未能读取：", "Names could not be read: ")
            ));
            Default::default()
        }
    };
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
        && match api::has_originals(state, id, &timeline).await {
            Ok(has) => has,
            Err(e) => {
                problems.push(format!(
                    "{}{e}",
                    v.t("原文未能查询：", "The originals could not be looked up: ")
                ));
                false
            }
        };
    let view = api::view(state, &case, Some(timeline));
    let path = state.locator().path(&case.grid_code);
    let now = now_millis();
    let open = case.status.is_open();
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let routed = catalogue
        .route(&case.category_code, &case.grid_code)
        .map(|d| d.code.clone());
    let departments = api::departments_for(&catalogue, &[case.grid_code.as_str()]);
    let events = view.timeline.as_deref().unwrap_or_default();
    // Before: what the reporter sent; after: what the department sent when it reported the
    // case handled (each time, the newest first).
    let before_photos: Vec<&String> = events
        .iter()
        .filter(|e| e.action == "report")
        .flat_map(|e| &e.photos)
        .collect();
    let after_photos: Vec<(i64, &String)> = events
        .iter()
        .rev()
        .filter(|e| e.action == "handle")
        .flat_map(|e| e.photos.iter().map(move |h| (e.at, h)))
        .collect();
    let map = match crate::cases::detail::grid_of(state, &case).await {
        Ok(grid) => {
            let outline =
                grid.and_then(|g| crate::territory::locator::polygon_from_json(&g.boundary).ok());
            location_map(
                v,
                &case,
                path.last().map(|n| n.name.as_str()),
                outline.as_ref(),
            )
        }
        Err(e) => {
            html! { p.err { (v.t("网格边界未能读取：", "The grid outline could not be read: ")) (e) } }
        }
    };
    let may: Vec<CommandKind> = ALL_COMMANDS
        .iter()
        .copied()
        .filter(|k| view.allowed.iter().any(|a| a == k.as_str()))
        .filter(|k| api::authorize_kind(&v.actor, &case, *k).is_ok())
        .collect();
    let body = html! {
        h1 { "#" (case.id) " " (view.category_name) " · " (status_name(v, case.status.as_str())) }
        @if let Some(d) = done { p.ok { (d) } }
        @if let Some(e) = error { (error_box(v, e)) }
        @for p in &problems { p.err role="alert" { (p) } }
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
                        tr { th { (v.t("层级", "Tier")) } td { (tier_name(v, case.tier.as_str())) } }
                        tr { th { (v.t("处置部门", "Department")) } td { (case.department.as_deref().and_then(|d| catalogue.department(d)).map(|d| v.t(&d.name, &d.name_en).to_string()).unwrap_or_else(|| "—".into())) } }
                        tr { th { (v.t("上报时间", "Reported")) } td { (time_text(case.reported_at)) } }
                        tr { th { (v.t("本环节期限", "Step deadline")) } td { (case.step_due_at.map(time_text).unwrap_or_default()) " " (due_text(v, case.step_due_at, open, now)) } }
                        tr { th { (v.t("处置期限", "Handling deadline")) } td { (case.handle_due_at.map(time_text).unwrap_or_else(|| "—".into())) } }
                        tr { th { (v.t("返工次数", "Rework")) } td { (case.rework_count) } }
                        @if case.supervised != 0 { tr { th { (v.t("督办", "Supervised")) } td { "✔" } } }
                        @if let Some(r) = &case.rating { tr { th { (v.t("评价", "Rating")) } td { (rating_name(v, r)) } } }
                    }
                }
                div.card #case-location {
                    h2 { (v.t("位置", "Location")) }
                    (map)
                }
                @if !before_photos.is_empty() || !after_photos.is_empty() {
                    div.card #case-photos {
                        h2 { (v.t("照片", "Photos")) }
                        section.before {
                            h3 { (v.t("处置前（上报时）", "Before (as reported)")) }
                            @if before_photos.is_empty() { p.muted { (v.t("上报时未附照片。", "No photo was sent with the report.")) } }
                            div.photos {
                                @for h in &before_photos {
                                    a href={ "/api/v1/media/" (h) } { img src={ "/api/v1/media/" (h) "/thumbnail" } alt=(v.t("处置前照片", "photo before")); }
                                }
                            }
                        }
                        section.after {
                            h3 { (v.t("处置后（处置反馈）", "After (as handled)")) }
                            @if after_photos.is_empty() { p.muted { (v.t("处置反馈尚未附照片。", "No photo of the handled problem yet.")) } }
                            div.photos {
                                @for (at, h) in &after_photos {
                                    a href={ "/api/v1/media/" (h) } title=(time_text(*at)) { img src={ "/api/v1/media/" (h) "/thumbnail" } alt=(v.t("处置后照片", "photo after")); }
                                }
                            }
                        }
                    }
                }
                div.card {
                    h2 { (v.t("处置经过", "Timeline")) }
                    ol.timeline {
                        @for (e, who) in events.iter().zip(&actor_names) {
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
                script { (maud::PreEscaped(HANDLE_PHOTOS_JS)) }
                @for k in &may {
                    details open[may.len() == 1 || typed.is_some_and(|t| t.action == k.as_str())] {
                        summary { (action_name(v, *k)) }
                        form method="post" action={ "/cases/" (case.id) "/act" } data-lang=(v.lang.code()) {
                            input type="hidden" name="csrf_token" value=(v.csrf);
                            input type="hidden" name="action" value=(k.as_str());
                            (action_fields(v, *k, &departments, routed.as_deref(), typed))
                            button type="submit" { (action_name(v, *k)) }
                        }
                    }
                }
            }
        }
    };
    layout(v, &format!("#{}", case.id), "/cases", body)
}

/// The case's point inside its grid's outline, drawn on the server as SVG: nothing is loaded
/// from elsewhere, it needs no script and it scales to a phone's width.
fn location_map(
    v: &Viewer,
    case: &CaseRow,
    grid_name: Option<&str>,
    outline: Option<&Polygon>,
) -> Markup {
    let point = case
        .lon
        .zip(case.lat)
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let mut bbox = outline.map(Polygon::bbox).unwrap_or(Bbox::EMPTY);
    if let Some((x, y)) = point {
        bbox.include([x, y]);
    }
    let grid = grid_name.unwrap_or(&case.grid_code);
    if bbox.is_empty() {
        return html! { p.muted { (grid) " · " (v.t("没有网格边界，也没有坐标。", "No grid outline and no position.")) } };
    }
    // Equirectangular around the middle: fine at the size of a grid.
    let kx = ((bbox.min_lat + bbox.max_lat) / 2.0).to_radians().cos();
    let (cx, cy) = (
        (bbox.min_lon + bbox.max_lon) / 2.0,
        (bbox.min_lat + bbox.max_lat) / 2.0,
    );
    let (w0, h0) = (
        (bbox.max_lon - bbox.min_lon) * kx,
        bbox.max_lat - bbox.min_lat,
    );
    let span = w0.max(h0).max(2e-4);
    let (hw, hh) = (
        w0.max(span * 0.4) / 2.0 + span * 0.08,
        h0.max(span * 0.4) / 2.0 + span * 0.08,
    );
    const WIDTH: f64 = 400.0;
    let scale = WIDTH / (2.0 * hw);
    let height = 2.0 * hh * scale;
    let px = |lon: f64| ((lon - cx) * kx + hw) * scale;
    let py = |lat: f64| (hh - (lat - cy)) * scale;
    let path: String = outline
        .map(|p| {
            p.rings()
                .map(|ring| {
                    let mut d = String::new();
                    for (i, [lon, lat]) in ring.iter().enumerate() {
                        d.push_str(&format!(
                            "{}{:.1},{:.1}",
                            if i == 0 { "M" } else { "L" },
                            px(*lon),
                            py(*lat)
                        ));
                    }
                    d.push('Z');
                    d
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let inside = match (outline, point) {
        (Some(p), Some((x, y))) => Some(p.contains(x, y)),
        _ => None,
    };
    let label = format!(
        "{}{grid}{}",
        v.t("案件位置：", "Where the case is: "),
        match inside {
            Some(true) => v.t("（点位在网格内）", " (the point is inside the grid)"),
            Some(false) => v.t("（点位在网格外）", " (the point is outside the grid)"),
            None if point.is_none() => v.t("（未标注点位）", " (no point given)"),
            None => "",
        }
    );
    html! {
        // Inside SVG an HTML parser closes no element by itself: each one has its end tag.
        svg #case-map.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(label)
            viewBox=(format!("0 0 {WIDTH:.0} {height:.0}")) width="100%" preserveAspectRatio="xMidYMid meet"
            style="max-height:22rem;display:block"
            data-grid=(case.grid_code) data-point=[point.map(|_| "1")]
            data-inside=[inside.map(|i| if i { "1" } else { "0" })] {
            title { (label) }
            @if !path.is_empty() {
                path.outline d=(path) fill="#ffcdd2" fill-opacity="0.45" fill-rule="evenodd" stroke="#b71c1c" stroke-width="2" {}
            }
            @if let Some((x, y)) = point {
                circle.point cx=(format!("{:.1}", px(x))) cy=(format!("{:.1}", py(y))) r="13" fill="none" stroke="#0d47a1" stroke-width="2" {}
                circle cx=(format!("{:.1}", px(x))) cy=(format!("{:.1}", py(y))) r="5" fill="#0d47a1" {}
            }
        }
        p.muted { (label) }
    }
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
    departments: &[&Department],
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
            label { (v.t("处置部门", "Department")) (department_select(v, departments, routed)) }
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
        CommandKind::Handle => {
            let photos = typed
                .filter(|t| t.action == k.as_str())
                .map(|t| t.photos.clone())
                .unwrap_or_default();
            html! {
                (area("text", v.t("处置情况", "What was done"), true))
                input type="hidden" name="photos" value=(photos);
                // Revealed by the script, which uploads the photo and lists its hash.
                label.handle-photo hidden {
                    (v.t("处置后照片（可选，可多张，每张 ≤ 10 MB）", "Photos after handling (optional, several, ≤ 10 MB each)"))
                    input type="file" accept="image/jpeg,image/png,image/webp" capture="environment" multiple;
                }
                div.photos.handle-preview {
                    @for h in photos.split(',').map(str::trim).filter(|h| !h.is_empty()) {
                        img src={ "/api/v1/media/" (h) "/thumbnail" } alt=(v.t("处置后照片", "photo after"));
                    }
                }
                p.muted.handle-status role="status" {}
            }
        }
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
    /// The handler's photos: media hashes, comma-separated (uploaded by the script).
    #[serde(default)]
    pub photos: String,
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
                photos: self
                    .photos
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect(),
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
        Ok(command) => api::act(&state, &v.ctx(), id, command).await,
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

/// Warning cases on one page of the warning list (the map shows its first page).
pub const WARNINGS_PER_PAGE: u64 = 20;

/// Early warning beside the map: the first page of the warning list, with its total and the
/// page numbers that lead to the whole list on `/cases/warnings`.
pub async fn warning_panel(state: &AppState, v: &Viewer) -> Markup {
    let Ok(prefixes) = reach_within(&v.actor, Action::WorkCase, None) else {
        return html! {};
    };
    warning_section(state, v, &prefixes, 1, "/map").await
}

/// The early warning: every open case in reach whose step deadline has passed or comes within
/// the warning hours, the longest overdue first, a page at a time with the total; each with
/// its grid, the department it is with, how long it is overdue and, when the viewer may
/// dispatch it, the dispatch right there (to the departments of its district; `back` is
/// where that comes back to). Then clusters, spikes and repeated places.
async fn warning_section(
    state: &AppState,
    v: &Viewer,
    prefixes: &[String],
    page: u64,
    back: &str,
) -> Markup {
    let now = now_millis();
    let patterns = crate::cases::patterns::pattern_warnings(
        &state.store,
        &state.locator(),
        &state.pattern_warnings,
        prefixes,
    )
    .await;
    let rules = patterns.rules;
    let listed = crate::cases::listing::due_soon_page(
        state,
        prefixes,
        now,
        rules.due_soon_hours * 3_600_000,
        page_offset(page, WARNINGS_PER_PAGE) as usize,
        WARNINGS_PER_PAGE as usize,
    )
    .await
    .map(|(l, overdue)| (l.total, overdue, l.rows));
    let clusters = patterns.clusters.clone();
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let locator = state.locator();
    let grid_name = |code: &str| {
        locator
            .path(code)
            .last()
            .map(|n| n.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    html! {
        section.card #warnings {
            h2 { (v.t("预警", "Early warning")) }
            @for (zh, en, e) in &patterns.errors { p.err role="alert" { (v.t(zh, en)) (e) } }
            h3 { (v.t("超期与临期案件", "Overdue and nearly due")) " " span.muted { "(" (v.t("临期：", "nearly due: ")) (rules.due_soon_hours) (v.t(" 小时内到期", " hours or less")) ")" } }
            @match &listed {
                Err(e) => { p.err role="alert" { (v.t("预警案件未能读取：", "The warning cases could not be read: ")) (e) } }
                Ok((total, overdue, due)) => {
                    p #warning-total {
                        strong { (v.t("共 ", "")) (total) (v.t(" 件", " cases")) }
                        (v.t("，其中超期 ", ", of which overdue: ")) strong { (overdue) } (v.t(" 件", ""))
                    }
                    @if due.is_empty() { p.muted { (v.t("暂无。", "None.")) } }
                    @else {
                        table #warning-cases {
                            thead { tr {
                                th { (v.t("案件", "Case")) }
                                th { (v.t("网格 · 所在部门", "Grid · with")) }
                                th { (v.t("期限", "Deadline")) } th { (v.t("派遣", "Dispatch")) }
                            } }
                            tbody {
                                @for c in due {
                                    tr data-case=(c.id) {
                                        td {
                                            a href={ "/cases/" (c.id) } { "#" (c.id) } " "
                                            (catalogue.leaf(&c.category_code).map(|l| v.t(&l.name, &l.name_en).to_string()).unwrap_or_else(|| c.category_code.clone()))
                                            br; span.muted { (status_name(v, c.status.as_str())) }
                                        }
                                        td {
                                            span.grid title=(c.grid_code) { (grid_name(&c.grid_code)) }
                                            br;
                                            span.department {
                                                @match c.department.as_deref() {
                                                    Some(d) => { (catalogue.department(d).map(|d| v.t(&d.name, &d.name_en).to_string()).unwrap_or_else(|| d.to_string())) }
                                                    None => { span.muted { (v.t("未派遣 · ", "not dispatched · ")) (tier_name(v, c.tier.as_str())) } }
                                                }
                                            }
                                        }
                                        td { (due_text(v, c.step_due_at, true, now)) }
                                        td {
                                            @if c.status == Status::Filed && api::authorize_kind(&v.actor, c, CommandKind::Dispatch).is_ok() {
                                                form.dispatch method="post" action={ "/cases/" (c.id) "/act" } {
                                                    input type="hidden" name="csrf_token" value=(v.csrf);
                                                    input type="hidden" name="action" value="dispatch";
                                                    input type="hidden" name="back" value=(back);
                                                    (department_select(v, &api::departments_for(&catalogue, &[c.grid_code.as_str()]), catalogue.route(&c.category_code, &c.grid_code).map(|d| d.code.as_str())))
                                                    button type="submit" aria-label={ (v.t("派遣案件 #", "Dispatch case #")) (c.id) } { (v.t("派遣", "Dispatch")) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (pager(v, "/cases/warnings", page, WARNINGS_PER_PAGE, (*total).max(0) as u64))
                }
            }
            h3 { (v.t("聚集", "Clusters")) " " span.muted { "(" (rules.cluster_days) (v.t(" 天内同一网格同类 ≥ ", " days, one grid, one category, ≥ ")) (rules.cluster_min) ")" } }
            @if clusters.is_empty() { p.muted { (v.t("暂无。", "None.")) } }
            ul {
                @for (grid, category, n) in &clusters {
                    li {
                        a href={ "/cases?within=" (grid) "&category=" (category) } {
                            (grid_name(grid))
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
            ul #repeated-places {
                @for place in &patterns.places {
                    li {
                        a href={ "/cases/" (place.newest) } {
                            @if place.name.is_empty() { (v.t("案件 #", "case #")) (place.newest) (v.t(" 所在地点", "'s place")) }
                            @else { (place.name) }
                        }
                        " · " (place.reports) (v.t(" 件", " cases"))
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct WarningsQuery {
    pub page: Option<String>,
    pub done: Option<String>,
}

/// 预警: the whole warning list, a page at a time, with dispatch from the list.
pub async fn warnings_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<WarningsQuery>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/cases/warnings") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let title = v.t("预警", "Early warning");
    let prefixes = match reach_within(&v.actor, Action::WorkCase, None) {
        Ok(p) => p,
        Err(e) => return crate::pages::error_page(&v, title, "/map", &e),
    };
    let page = match page_number("page", q.page.as_deref()) {
        Ok(p) => p,
        Err(e) => return crate::pages::error_page(&v, title, "/map", &e),
    };
    let back = format!("/cases/warnings?page={page}");
    let section = warning_section(&state, &v, &prefixes, page, &back).await;
    let body = html! {
        h1 { (title) }
        @if let Some(d) = &q.done { p.ok { (d) } }
        p { a href="/map" { (v.t("← 一张图", "← Map")) } " · " a href="/cases?overdue=1" { (v.t("超期案件列表", "Overdue cases in the list")) } }
        (section)
    };
    layout(&v, title, "/map", body)
}

#[derive(Deserialize)]
pub struct MineQuery {
    pub page: Option<String>,
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
    let title = v.t("我的上报", "My reports");
    let page = match page_number("page", q.page.as_deref()) {
        Ok(p) => p,
        Err(e) => return crate::pages::error_page(&v, title, "/my-reports", &e),
    };
    let mine = crate::cases::listing::reported_page(
        &state,
        &v.actor,
        page_offset(page, CASES_PER_PAGE) as usize,
        CASES_PER_PAGE as usize,
    );
    let (total, items) = match mine.await {
        Ok(l) => (l.total, l.rows),
        Err(e) => return crate::pages::error_page(&v, title, "/my-reports", &e),
    };
    let body = html! {
        h1 { (title) }
        @if total > 0 { p #case-total { strong { (v.t("共 ", "")) (total) (v.t(" 件", " cases")) } } }
        @if items.is_empty() && total == 0 {
            p.muted { (v.t("您还没有上报过问题。", "You have not reported anything yet.")) " " a href="/report" { (v.t("去上报", "Report a problem")) } }
        }
        table {
            thead { tr { th { "#" } th { (v.t("类别", "Category")) } th { (v.t("状态", "Status")) } th { (v.t("上报时间", "Reported")) } th { (v.t("评价", "Rating")) } } }
            tbody {
                @for c in &items {
                    tr {
                        td { a href={ "/cases/" (c.id) } { "#" (c.id) } }
                        td { (api::category_name(&state, &c.category_code)) }
                        td { (status_name(&v, c.status.as_str())) }
                        td { (time_text(c.reported_at)) }
                        td {
                            @if let Some(r) = &c.rating { (rating_name(&v, r)) }
                            @else if c.status == Status::Closed { a href={ "/cases/" (c.id) } { strong { (v.t("待您评价", "Please rate")) } } }
                        }
                    }
                }
            }
        }
        @if total > 0 { (pager(&v, "/my-reports", page, CASES_PER_PAGE, total as u64)) }
    };
    layout(&v, title, "/my-reports", body)
}
