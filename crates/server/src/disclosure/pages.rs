//! Three-affairs disclosure pages: the public portal (no sign-in; rendered once per
//! community and language, kept until the community publishes again) and the staff pages
//! (catalogue, committee, drafting, approval, publication, correction, overdue warnings),
//! which work without JavaScript.

use crate::access::Caller;
use crate::access::session::request_id;
use crate::disclosure::{affair_name, frequency_name, overdue_views, period_label, service};
use crate::error::ApiError;
use crate::pages::{
    Lang, Pages, Viewer, error_page, layout, page_number, page_offset, pager_for, pager_in,
    urlencode,
};
use crate::state::AppState;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::cases::calendar::LocalDate;
use tongxin_core::disclosure::{
    AFFAIRS, Affair, BEIJING_OFFSET_MIN, FREQUENCIES, LineItem, LineKind, fen_to_yuan, yuan_to_fen,
};
use tongxin_store::disclosure::{self as store, ItemRow, LineRow, PostingRow};
use tongxin_store::territory;

/// Beijing date and time of an instant: 2026-03-05 14:20.
fn beijing(ms: i64) -> String {
    let d = LocalDate::from_millis(ms, BEIJING_OFFSET_MIN);
    let minutes = (ms + i64::from(BEIJING_OFFSET_MIN) * 60_000).rem_euclid(86_400_000) / 60_000;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.year,
        d.month,
        d.day,
        minutes / 60,
        minutes % 60
    )
}

fn public_frame(lang: Lang, title: &str, here: &str, body: Markup) -> String {
    let other = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.t("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 同心 Tongxin" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                a.skip href="#main" { (lang.t("跳到正文", "Skip to content")) }
                header.top {
                    span.brand { "同心 Tongxin" }
                    a href="/disclosure" { (lang.t("三务公开", "Disclosure")) }
                    span.me { a href={ "/lang?to=" (other.0) "&back=" (urlencode(here)) } { (other.1) } }
                }
                main #main tabindex="-1" { (body) }
            }
        }
    }
    .into_string()
}

fn html_response(body: axum::body::Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// `/disclosure`: pick a district, street and community.
pub async fn picker_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let names = match territory::all_division_names(&state.store).await {
        Ok(n) => n,
        Err(e) => return public_error(lang, "/disclosure", &e.into()),
    };
    let children = |parent: &str| -> Vec<&(String, String, String, Option<String>)> {
        names
            .iter()
            .filter(|n| n.3.as_deref() == Some(parent))
            .collect()
    };
    let districts: Vec<_> = names.iter().filter(|n| n.2 == "district").collect();
    let body = html! {
        h1 { (lang.t("三务公开 · 选择社区", "Three-affairs disclosure · choose a community")) }
        p.muted { (lang.t("党务、居务、财务公开，无需登录。", "Party, residents' and finance affairs, public — no sign-in needed.")) }
        @for d in districts {
            details {
                summary { strong { (d.1) } }
                @for s in children(&d.0) {
                    p { (s.1) " · "
                        @for c in children(&s.0) {
                            a href={ "/disclosure/" (c.0) } { (c.1) } " "
                        }
                    }
                }
            }
        }
    };
    html_response(public_frame(lang, lang.t("三务公开", "Disclosure"), "/disclosure", body).into())
}

/// Long codes (hashes) break anywhere rather than widen the page.
const WRAP: &str = "overflow-wrap:anywhere;word-break:break-all";
/// Current postings a page on the public portal.
const POSTINGS_PER_PAGE: u64 = 6;
/// Overdue warnings a page on the staff page.
const OVERDUE_PER_PAGE: u64 = 10;
/// Drafts a page on the staff page.
const DRAFTS_PER_PAGE: u64 = 10;
/// Published postings a page in the staff page's table.
const PUBLISHED_PER_PAGE: u64 = 10;
/// Catalogue items a page on the staff page.
const CATALOGUE_PER_PAGE: u64 = 20;
/// Committee members a page on the staff page.
const MEMBERS_PER_PAGE: u64 = 20;
/// Communities a page on the staff chooser.
const COMMUNITIES_PER_PAGE: u64 = 30;

/// The view's set parameters as a query, `?a=1&b=2` (or "").
fn view_query(pairs: &[(&str, Option<&str>)]) -> String {
    let set: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", urlencode(v)))
        })
        .collect();
    if set.is_empty() {
        String::new()
    } else {
        format!("?{}", set.join("&"))
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PortalQuery {
    /// party, residents or finance; all affairs when not given.
    pub affair: Option<String>,
    pub page: Option<String>,
}

/// A public page that says what went wrong, with the error's status.
fn public_error(lang: Lang, here: &str, e: &ApiError) -> Response {
    let body = html! { p.err { (lang.t("未能显示：", "Cannot show this: ")) (e.to_string()) } };
    let mut r =
        html_response(public_frame(lang, lang.t("三务公开", "Disclosure"), here, body).into());
    *r.status_mut() = e.status;
    r
}

/// `/disclosure/{code}`: a community's current postings page by page (of one affair or
/// all), from the cache when it holds the page.
pub async fn portal_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PortalQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(&headers);
    let here = format!(
        "/disclosure/{code}{}",
        view_query(&[("affair", q.affair.as_deref()), ("page", q.page.as_deref())])
    );
    let affair = match q.affair.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => match Affair::parse(a) {
            Some(a) => Some(a),
            None => {
                let e = ApiError::field(
                    "affair",
                    "须为 party、residents 或 finance / must be party, residents or finance",
                );
                return public_error(lang, &here, &e);
            }
        },
    };
    let page = match page_number("page", q.page.as_deref()) {
        Ok(p) => p,
        Err(e) => return public_error(lang, &here, &e),
    };
    let key = format!(
        "{code}:{}:{}:{page}",
        lang.code(),
        affair.map(Affair::as_str).unwrap_or("all")
    );
    if let Some(page) = state.disclosure_portal.get(&key) {
        return html_response(page);
    }
    let code = match service::community(&state, &code).await {
        Ok(c) => c,
        Err(e) => return public_error(lang, &here, &e),
    };
    match render_portal(&state, &code, lang, affair, page).await {
        Ok((page, in_range)) => {
            let bytes = axum::body::Bytes::from(page);
            // Only the pages there are: a made-up page number is not kept.
            if in_range {
                state.disclosure_portal.put(key, bytes.clone());
            }
            html_response(bytes)
        }
        Err(e) => public_error(lang, &here, &e),
    }
}

struct Breadcrumb {
    name: String,
    trail: Vec<String>,
}

async fn breadcrumb(state: &AppState, code: &str) -> Result<Breadcrumb, ApiError> {
    let names = territory::all_division_names(&state.store).await?;
    let name_of = |c: &str| {
        names
            .iter()
            .find(|n| n.0 == c)
            .map(|n| n.1.clone())
            .unwrap_or_default()
    };
    Ok(Breadcrumb {
        name: name_of(code),
        trail: vec![name_of(&code[..6]), name_of(&code[..9])],
    })
}

fn finance_table(lang: Lang, lines: &[LineRow], income: i64, expense: i64) -> Markup {
    html! {
        table.finance {
            tr { th { (lang.t("类别", "Kind")) } th { (lang.t("项目", "Item")) } th style="text-align:right" { (lang.t("金额（元）", "Amount (yuan)")) } }
            @for l in lines {
                tr {
                    td { (LineKind::parse(&l.kind).map(|k| if lang == Lang::En { k.as_str() } else { k.name_zh() }).unwrap_or("")) }
                    td { (l.label) }
                    td style="text-align:right" { (fen_to_yuan(l.amount_fen)) }
                }
            }
            tr { th colspan="2" { (lang.t("收入合计", "Total income")) } th style="text-align:right" { (fen_to_yuan(income)) } }
            tr { th colspan="2" { (lang.t("支出合计", "Total expense")) } th style="text-align:right" { (fen_to_yuan(expense)) } }
            tr { th colspan="2" { (lang.t("结余", "Balance")) } th style="text-align:right" { (fen_to_yuan(income - expense)) } }
        }
    }
}

fn posting_block(
    lang: Lang,
    p: &PostingRow,
    item: Option<&ItemRow>,
    lines: &[LineRow],
    superseded_by: Option<i64>,
) -> Markup {
    let finance = item.is_some_and(|i| i.affair == "finance");
    let frequency = item.map(|i| i.frequency.as_str()).unwrap_or("");
    html! {
        article.posting id={ "p" (p.id) } {
            h3 {
                (p.title) " "
                @if p.version > 1 { span.tag.late { "更正 " (lang.t("第", "v")) (p.version) (lang.t("版", "")) } }
                @if let Some(newer) = superseded_by { " " span.tag { (lang.t("已被更正，见", "superseded by")) " " a href={ "#p" (newer) } { "#" (newer) } } }
            }
            p.muted {
                (period_label(frequency, &p.period)) " · "
                (lang.t("发布于 ", "published ")) (p.published_at.map(beijing).unwrap_or_default())
                " · #" (p.id)
                @if let Some(old) = p.supersedes { " · " (lang.t("更正 ", "corrects ")) a href={ "#p" (old) } { "#" (old) } }
            }
            @for para in p.body.lines() { p { (para) } }
            @if finance && !lines.is_empty() {
                p {
                    (lang.t("收入 ", "Income ")) (fen_to_yuan(p.income_fen)) " · "
                    (lang.t("支出 ", "expense ")) (fen_to_yuan(p.expense_fen)) " · "
                    (lang.t("结余 ", "balance ")) (fen_to_yuan(p.income_fen - p.expense_fen))
                }
                details {
                    summary { (lang.t("收支明细（", "The lines (")) (lines.len()) (lang.t(" 项）", ")")) }
                    (finance_table(lang, lines, p.income_fen, p.expense_fen))
                }
            }
            p.muted { small { (lang.t("链上序号 ", "chain seq ")) (p.chain_seq.unwrap_or_default()) " · SHA-256 " code style=(WRAP) { (p.hash.as_deref().unwrap_or("")) } } }
        }
    }
}

/// The portal's page, and whether the page number is one of its pages.
async fn render_portal(
    state: &AppState,
    code: &str,
    lang: Lang,
    affair: Option<Affair>,
    page: u64,
) -> Result<(String, bool), ApiError> {
    let crumbs = breadcrumb(state, code).await?;
    let items = store::list_items(&state.store, code).await?;
    let (postings, total) = store::current_postings_page(
        &state.store,
        code,
        affair.map(Affair::as_str),
        POSTINGS_PER_PAGE,
        page_offset(page, POSTINGS_PER_PAGE),
    )
    .await?;
    // The earlier versions of the corrections on this page, walked back link by link.
    let mut earlier: Vec<PostingRow> = Vec::new();
    let mut wanted: Vec<i64> = postings.iter().filter_map(|p| p.supersedes).collect();
    while !wanted.is_empty() && earlier.len() < 1_000 {
        let found = store::postings_by_ids(&state.store, code, &wanted).await?;
        wanted = found.iter().filter_map(|p| p.supersedes).collect();
        earlier.extend(found);
    }
    let ids: Vec<i64> = postings.iter().chain(&earlier).map(|p| p.id).collect();
    let mut lines = store::lines_of_postings(&state.store, &ids).await?;
    let head = store::head(&state.store, code).await?;
    let superseded: HashMap<i64, i64> = earlier
        .iter()
        .chain(&postings)
        .filter_map(|p| p.supersedes.map(|old| (old, p.id)))
        .collect();
    let item_of: HashMap<i64, &ItemRow> = items.iter().map(|i| (i.id, i)).collect();
    let pages = (total.max(0) as u64).div_ceil(POSTINGS_PER_PAGE).max(1);
    let base = format!(
        "/disclosure/{code}{}",
        view_query(&[("affair", affair.map(Affair::as_str))])
    );
    let affair_label = |a: Affair| {
        if lang == Lang::En {
            a.name_en()
        } else {
            a.name_zh()
        }
    };
    let body = html! {
        p.muted { (crumbs.trail.join(" · ")) }
        h1 { (crumbs.name) " · " (lang.t("三务公开", "Three-affairs disclosure")) }
        p.muted {
            (lang.t("已发布内容不可修改，更正以新版本发布并保留历史。所有发布内容组成哈希链：",
                    "Published postings never change; corrections are new versions and the history stays. All postings form a hash chain: "))
            @if let Some(h) = &head { (lang.t("共 ", "")) (h.length) (lang.t(" 条，链头 ", " links, head ")) code style=(WRAP) { (h.last_hash) } }
            @else { (lang.t("尚无发布内容。", "nothing published yet.")) }
        }
        nav aria-label=(lang.t("公开类别", "Affairs")) {
            a href={ "/disclosure/" (code) } aria-current=[affair.is_none().then_some("page")] { (lang.t("全部", "All")) } " "
            @for a in AFFAIRS {
                a href={ "/disclosure/" (code) "?affair=" (a.as_str()) } aria-current=[(affair == Some(a)).then_some("page")] { (affair_label(a)) } " "
            }
        }
        section #postings {
            h2 { (affair.map(affair_label).unwrap_or(lang.t("全部公开内容", "Every posting"))) }
            @if postings.is_empty() && page <= pages { p.muted { (lang.t("暂无公开内容。", "Nothing published yet.")) } }
            @for p in &postings {
                (posting_block(lang, p, item_of.get(&p.item_id).copied(), lines.get(&p.id).map(Vec::as_slice).unwrap_or(&[]), None))
                @if p.supersedes.is_some() {
                    details {
                        summary { (lang.t("版本历史", "Version history")) " · #" (p.id) }
                        @for old in history(&earlier, p) {
                            (posting_block(lang, old, item_of.get(&old.item_id).copied(), lines.remove(&old.id).as_deref().unwrap_or(&[]), superseded.get(&old.id).copied()))
                        }
                    }
                }
            }
            (pager_in(lang, &Pages {
                base: &base, param: "page", anchor: "postings",
                label: lang.t("公开内容分页", "Pages of postings"),
                page, per_page: POSTINGS_PER_PAGE, total: total.max(0) as u64,
            }))
        }
    };
    let here = format!(
        "/disclosure/{code}{}",
        view_query(&[
            ("affair", affair.map(Affair::as_str)),
            ("page", (page > 1).then(|| page.to_string()).as_deref()),
        ])
    );
    let html = public_frame(lang, &crumbs.name, &here, body);
    Ok((html, page <= pages))
}

/// The earlier versions of `p`, newest first.
fn history<'a>(postings: &'a [PostingRow], p: &PostingRow) -> Vec<&'a PostingRow> {
    let mut out = Vec::new();
    let mut next = p.supersedes;
    while let Some(id) = next {
        match postings.iter().find(|q| q.id == id) {
            Some(q) => {
                out.push(q);
                next = q.supersedes;
            }
            None => break,
        }
        if out.len() > 100 {
            break;
        }
    }
    out
}

// --- Staff pages ---------------------------------------------------------------------

#[derive(serde::Deserialize, Default)]
pub struct StaffHomeQuery {
    pub page: Option<String>,
}

/// `/disclosure/staff`: the communities the viewer keeps or approves for, page by page.
pub async fn staff_home(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<StaffHomeQuery>,
    headers: HeaderMap,
) -> Response {
    let here = format!(
        "/disclosure/staff{}",
        view_query(&[("page", q.page.as_deref())])
    );
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let title = v.t("三务公开", "Disclosure");
    let page = match page_number("page", q.page.as_deref()) {
        Ok(p) => p,
        Err(e) => return error_page(&v, title, "/disclosure/staff", &e),
    };
    let mut prefixes = v.actor.scope_prefixes(Action::ManageDisclosure);
    prefixes.extend(v.actor.scope_prefixes(Action::ApproveDisclosure));
    prefixes.sort();
    prefixes.dedup();
    let (communities, total) = match tongxin_store::deliberation::communities_page(
        &state.store,
        &prefixes,
        COMMUNITIES_PER_PAGE,
        page_offset(page, COMMUNITIES_PER_PAGE),
    )
    .await
    {
        Ok(found) => found,
        Err(e) => return error_page(&v, title, "/disclosure/staff", &e.into()),
    };
    if let ([only], 1) = (communities.as_slice(), total) {
        return Redirect::to(&format!("/disclosure/{}/staff", only.0)).into_response();
    }
    layout(
        &v,
        title,
        "/disclosure/staff",
        html! {
            h1 { (v.t("三务公开 · 选择社区", "Disclosure · choose a community")) }
            @if total == 0 { p.muted { (v.t("您没有负责公开事务的社区。", "You keep no community's disclosure.")) } }
            ul #communities { @for c in &communities { li { a href={ "/disclosure/" (c.0) "/staff" } { (c.1) } } } }
            (pager_for(&v, &Pages {
                base: "/disclosure/staff", param: "page", anchor: "communities",
                label: v.t("社区分页", "Pages of communities"),
                page, per_page: COMMUNITIES_PER_PAGE, total: total.max(0) as u64,
            }))
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    pub ok: Option<String>,
    pub error: Option<String>,
    pub overdue_page: Option<String>,
    pub drafts_page: Option<String>,
    pub published_page: Option<String>,
    pub catalogue_page: Option<String>,
    pub members_page: Option<String>,
}

impl Notice {
    /// The lists' pages as the query keeps them (the notices left out).
    fn view(&self) -> String {
        view_query(&[
            ("overdue_page", self.overdue_page.as_deref()),
            ("drafts_page", self.drafts_page.as_deref()),
            ("published_page", self.published_page.as_deref()),
            ("catalogue_page", self.catalogue_page.as_deref()),
            ("members_page", self.members_page.as_deref()),
        ])
    }
}

fn back(code: &str, outcome: Result<String, ApiError>) -> Response {
    let q = match outcome {
        Ok(msg) => format!("ok={}", urlencode(&msg)),
        Err(e) => format!("error={}", urlencode(&e.to_string())),
    };
    Redirect::to(&format!("/disclosure/{code}/staff?{q}")).into_response()
}

/// `/disclosure/{code}/staff`: everything staff and committee members do in one place.
pub async fn staff_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    Query(notice): Query<Notice>,
    headers: HeaderMap,
) -> Response {
    let here = format!("/disclosure/{code}/staff");
    let v = match Viewer::require(caller, &headers, &format!("{here}{}", notice.view())) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    match staff_body(&state, &v, &code, notice).await {
        Ok(body) => layout(&v, v.t("三务公开", "Disclosure"), &here, body),
        Err(e) => error_page(&v, v.t("三务公开", "Disclosure"), &here, &e),
    }
}

async fn staff_body(
    state: &AppState,
    v: &Viewer,
    code: &str,
    notice: Notice,
) -> Result<Markup, ApiError> {
    let code = service::community(state, code).await?;
    let manage = authorize(&v.actor, Action::ManageDisclosure, Target::Node(&code)).is_ok();
    if !manage {
        authorize(&v.actor, Action::ApproveDisclosure, Target::Node(&code))?;
    }
    let overdue_page = page_number("overdue_page", notice.overdue_page.as_deref())?;
    let drafts_page = page_number("drafts_page", notice.drafts_page.as_deref())?;
    let published_page = page_number("published_page", notice.published_page.as_deref())?;
    let catalogue_page = page_number("catalogue_page", notice.catalogue_page.as_deref())?;
    let members_page = page_number("members_page", notice.members_page.as_deref())?;
    let en = v.lang == Lang::En;
    let db = &state.store;
    let crumbs = breadcrumb(state, &code).await?;
    // Every item, for the drafting form's choice and the drafts' item names.
    let items = store::list_items(db, &code).await?;
    let item_of: HashMap<i64, &ItemRow> = items.iter().map(|i| (i.id, i)).collect();
    let on_committee = store::is_member(db, &code, v.actor.user_id).await?;
    // Overdue periods are worked out from the catalogue (not stored rows): paged here.
    let late = overdue_views(state, &code).await.map(|all| {
        let total = all.len() as u64;
        let shown: Vec<_> = all
            .into_iter()
            .skip(page_offset(overdue_page, OVERDUE_PER_PAGE) as usize)
            .take(OVERDUE_PER_PAGE as usize)
            .collect();
        (shown, total)
    });
    let drafts = async {
        let (rows, total) = store::postings_page(
            db,
            &code,
            "draft",
            DRAFTS_PER_PAGE,
            page_offset(drafts_page, DRAFTS_PER_PAGE),
        )
        .await?;
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let lines = store::lines_of_postings(db, &ids).await?;
        let mut out = Vec::with_capacity(rows.len());
        for p in rows {
            let approvals = store::approvals(db, p.id).await?;
            out.push((p, approvals));
        }
        Ok::<_, ApiError>((out, lines, total))
    }
    .await;
    let published = async {
        let (rows, total) = store::postings_page(
            db,
            &code,
            "published",
            PUBLISHED_PER_PAGE,
            page_offset(published_page, PUBLISHED_PER_PAGE),
        )
        .await?;
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let superseded: HashMap<i64, i64> =
            store::superseding(db, &ids).await?.into_iter().collect();
        Ok::<_, ApiError>((rows, superseded, total))
    }
    .await;
    let catalogue = store::items_page(
        db,
        &code,
        CATALOGUE_PER_PAGE,
        page_offset(catalogue_page, CATALOGUE_PER_PAGE),
    )
    .await
    .map_err(ApiError::from);
    let committee = store::committee_page(
        db,
        &code,
        MEMBERS_PER_PAGE,
        page_offset(members_page, MEMBERS_PER_PAGE),
    )
    .await
    .map_err(ApiError::from);
    let title_of = |id: i64| {
        item_of
            .get(&id)
            .map(|i| i.title.clone())
            .unwrap_or_default()
    };
    let base = format!("/disclosure/{code}/staff{}", notice.view());
    let pages = |param: &str, anchor: &str, label: &str, page: u64, per_page: u64, total: u64| {
        pager_for(
            v,
            &Pages {
                base: &base,
                param,
                anchor,
                label,
                page,
                per_page,
                total,
            },
        )
    };
    let csrf = v.csrf.clone();
    Ok(html! {
        p.muted { (crumbs.trail.join(" · ")) " · " a href={ "/disclosure/" (code) } { (v.t("公开页面", "Public page")) } }
        h1 { (crumbs.name) " · " (v.t("三务公开", "Disclosure")) }
        @if let Some(ok) = &notice.ok { p.ok { (ok) } }
        @if let Some(err) = &notice.error { p.err { (v.t("未能完成：", "Not done: ")) (err) } }

        section #overdue {
            @match &late {
                Err(e) => {
                    h2 { (v.t("逾期未公开", "Overdue for publication")) }
                    p.err { (v.t("未能完成：", "Not done: ")) (e.to_string()) }
                }
                Ok((late, total)) => {
                    h2 { (v.t("逾期未公开", "Overdue for publication")) " (" (total) ")" }
                    @if *total == 0 { p.muted { (v.t("没有逾期事项。", "Nothing overdue.")) } }
                    @if !late.is_empty() {
                        table {
                            tr { th { (v.t("项目", "Item")) } th { (v.t("期间", "Period")) } th { (v.t("应公开日期", "Due")) } th { (v.t("逾期天数", "Days late")) } }
                            @for o in late {
                                tr {
                                    td { (o.item_title) " " span.tag { (affair_name(&o.affair, en)) } @if o.major { " " span.tag.late { (v.t("重大事项", "major")) } } }
                                    td { (period_label(&o.frequency, &o.period)) @if let Some(id) = o.posting_id { " (#" (id) ")" } }
                                    td { (beijing(o.due_at)) }
                                    td { span.tag.late { (o.days_late) } }
                                }
                            }
                        }
                    }
                    (pages("overdue_page", "overdue", v.t("逾期事项分页", "Pages of overdue periods"), overdue_page, OVERDUE_PER_PAGE, *total))
                }
            }
        }

        section #drafts {
            h2 { (v.t("待审核、待发布", "Drafts awaiting approval and publication")) }
            p.muted { (v.t("须经两名不同的两委成员审核（起草人本人的审核不计）方可发布。", "Two different committee members must approve (the author's own approval does not count) before publication.")) }
            @match &drafts {
                Err(e) => { p.err { (v.t("未能完成：", "Not done: ")) (e.to_string()) } }
                Ok((drafts, lines, total)) => {
                    @if *total == 0 { p.muted { (v.t("没有草稿。", "No drafts.")) } }
                    @for (p, approvals) in drafts {
                        article.posting {
                            h3 { (p.title) " " @if p.version > 1 { span.tag.late { "更正 v" (p.version) } } }
                            p.muted { (title_of(p.item_id)) " · " (p.period) " · " (v.t("起草人 ", "author ")) (p.author) " · #" (p.id) }
                            @for para in p.body.lines() { p { (para) } }
                            @if let Some(l) = lines.get(&p.id) { (finance_table(v.lang, l, p.income_fen, p.expense_fen)) }
                            p { (v.t("已审核：", "Approved by: "))
                                @if approvals.is_empty() { (v.t("无", "nobody yet")) }
                                @for a in approvals { (a.approver) " (" (beijing(a.at)) ") " } }
                            @if on_committee && p.author_id != v.actor.user_id && !approvals.iter().any(|a| a.approver_id == v.actor.user_id) {
                                form method="post" action={ "/disclosure/" (code) "/staff/postings/" (p.id) "/approve" } style="display:inline" {
                                    input type="hidden" name="csrf_token" value=(csrf);
                                    button type="submit" aria-label=(format!("{} #{} {}", v.t("审核通过", "Approve"), p.id, p.title)) { (v.t("审核通过", "Approve")) }
                                }
                                " "
                            }
                            @if manage {
                                form method="post" action={ "/disclosure/" (code) "/staff/postings/" (p.id) "/publish" } style="display:inline" {
                                    input type="hidden" name="csrf_token" value=(csrf);
                                    button type="submit" aria-label=(format!("{} #{} {}", v.t("发布", "Publish"), p.id, p.title)) { (v.t("发布", "Publish")) }
                                }
                            }
                        }
                    }
                    (pages("drafts_page", "drafts", v.t("草稿分页", "Pages of drafts"), drafts_page, DRAFTS_PER_PAGE, (*total).max(0) as u64))
                }
            }
        }

        @if manage && !items.is_empty() {
            div.actions { details {
            summary { (v.t("起草公开内容", "Draft a posting")) }
            form method="post" action={ "/disclosure/" (code) "/staff/draft" } {
                input type="hidden" name="csrf_token" value=(csrf);
                label { (v.t("目录项目", "Catalogue item"))
                    select name="item_id" { @for i in &items { option value=(i.id) { (affair_name(&i.affair, en)) " · " (i.title) " (" (frequency_name(&i.frequency, en)) ")" } } } }
                label { (v.t("期间（每月 2026-03，每季度 2026-Q1，每年 2026，即时事项为事项日期 2026-03-15）", "Period (monthly 2026-03, quarterly 2026-Q1, yearly 2026, immediate: the matter's date 2026-03-15)"))
                    input name="period" required; }
                label { (v.t("标题", "Title")) input name="title" required; }
                label { (v.t("内容", "Content")) textarea name="body" required {} }
                label { (v.t("收支明细（仅财务项目）：每行“收入 或 支出　项目　金额（元）”", "Finance lines (finance items only): one per row, \"income or expense, label, amount in yuan\""))
                    textarea name="lines" placeholder="收入 上级拨付办公经费 12000.00\n支出 路灯维修 1234.50" {} }
                button type="submit" { (v.t("保存草稿", "Save draft")) }
            }
            } }
        }

        section #published {
            h2 { (v.t("已发布", "Published")) }
            @match &published {
                Err(e) => { p.err { (v.t("未能完成：", "Not done: ")) (e.to_string()) } }
                Ok((rows, superseded, total)) => {
                    @if *total == 0 { p.muted { (v.t("尚无发布内容。", "Nothing published yet.")) } }
                    @if !rows.is_empty() {
                        table {
                            tr { th { "#" } th { (v.t("标题", "Title")) } th { (v.t("期间", "Period")) } th { (v.t("发布时间", "Published")) } th { (v.t("操作", "Action")) } }
                            @for p in rows {
                                tr {
                                    td style="white-space:nowrap" { (p.id) }
                                    td { (p.title) @if p.version > 1 { " " span.tag.late { "更正 v" (p.version) } } @if superseded.contains_key(&p.id) { " " span.tag { (v.t("已被更正", "superseded")) } } }
                                    td { (p.period) }
                                    td { (p.published_at.map(beijing).unwrap_or_default()) }
                                    td { @if manage && !superseded.contains_key(&p.id) { a href={ "/disclosure/" (code) "/staff/postings/" (p.id) "/correct" } aria-label=(format!("{} #{} {}", v.t("更正", "Correct"), p.id, p.title)) { (v.t("更正", "Correct")) } } }
                                }
                            }
                        }
                    }
                    (pages("published_page", "published", v.t("已发布分页", "Pages of published postings"), published_page, PUBLISHED_PER_PAGE, (*total).max(0) as u64))
                }
            }
        }

        section #catalogue {
            h2 { (v.t("公开目录", "Catalogue")) }
            @match &catalogue {
                Err(e) => { p.err { (v.t("未能完成：", "Not done: ")) (e.to_string()) } }
                Ok((rows, total)) => {
                    @if *total == 0 { p.muted { (v.t("目录为空。", "The catalogue is empty.")) } }
                    @if !rows.is_empty() {
                        table {
                            tr { th { (v.t("类别", "Affair")) } th { (v.t("项目", "Item")) } th { (v.t("频次", "Frequency")) } th { (v.t("期限（期末后天数）", "Due (days after period)")) } }
                            @for i in rows {
                                tr {
                                    td { (affair_name(&i.affair, en)) }
                                    td { (i.title) @if i.major != 0 { " " span.tag.late { (v.t("重大事项", "major")) } } }
                                    td { (frequency_name(&i.frequency, en)) }
                                    td { (i.grace_days) }
                                }
                            }
                        }
                    }
                    (pages("catalogue_page", "catalogue", v.t("公开目录分页", "Pages of the catalogue"), catalogue_page, CATALOGUE_PER_PAGE, (*total).max(0) as u64))
                }
            }
        }
        @if manage {
            div.actions { details {
            summary { (v.t("添加目录项目", "Add a catalogue item")) }
            form method="post" action={ "/disclosure/" (code) "/staff/items" } {
                input type="hidden" name="csrf_token" value=(csrf);
                div.filters {
                    label { (v.t("类别", "Affair")) select name="affair" { @for a in AFFAIRS { option value=(a.as_str()) { (if en { a.name_en() } else { a.name_zh() }) } } } }
                    label { (v.t("项目名称", "Title")) input name="title" required; }
                    label { (v.t("频次", "Frequency")) select name="frequency" { @for f in FREQUENCIES { option value=(f.as_str()) { (if en { f.name_en() } else { f.name_zh() }) } } } }
                    label { input type="checkbox" name="major" value="1" style="width:auto"; " " (v.t("重大事项（须即时公开）", "Major matter (published at once)")) }
                }
                button type="submit" { (v.t("添加目录项目", "Add item")) }
            }
            } }
        }

        section #committee {
            h2 { (v.t("两委成员（审核人）", "Committee members (approvers)")) }
            @match &committee {
                Err(e) => { p.err { (v.t("未能完成：", "Not done: ")) (e.to_string()) } }
                Ok((members, total)) => {
                    @if *total == 0 { p.muted { (v.t("尚无两委成员。", "No committee members yet.")) } }
                    @if !members.is_empty() {
                        table {
                            tr { th { (v.t("账号", "Account")) } th { (v.t("姓名", "Name")) } th { (v.t("操作", "Action")) } }
                            @for m in members {
                                tr {
                                    td { (m.username) } td { (m.display_name) }
                                    td { @if manage {
                                        form method="post" action={ "/disclosure/" (code) "/staff/committee-remove" } {
                                            input type="hidden" name="csrf_token" value=(csrf);
                                            input type="hidden" name="user_id" value=(m.user_id);
                                            button.quiet type="submit" aria-label=(format!("{} {}", v.t("移出", "Remove"), m.display_name)) { (v.t("移出", "Remove")) }
                                        }
                                    } }
                                }
                            }
                        }
                    }
                    (pages("members_page", "committee", v.t("两委成员分页", "Pages of committee members"), members_page, MEMBERS_PER_PAGE, (*total).max(0) as u64))
                }
            }
        }
        @if manage {
            div.actions { details {
            summary { (v.t("添加两委成员", "Add a committee member")) }
            form method="post" action={ "/disclosure/" (code) "/staff/committee" } {
                input type="hidden" name="csrf_token" value=(csrf);
                label { (v.t("按账号添加成员", "Add a member by account name")) input name="username" required; }
                button type="submit" { (v.t("添加", "Add")) }
            }
            } }
        }
    })
}

/// Finance lines typed one per row: `收入 上级拨付办公经费 12000.00` (or income/expense).
fn parse_lines(text: &str) -> Result<Vec<LineItem>, ApiError> {
    let mut out = Vec::new();
    for (i, row) in text
        .lines()
        .enumerate()
        .filter(|(_, r)| !r.trim().is_empty())
    {
        let words: Vec<&str> = row.split_whitespace().collect();
        let field = format!("lines[{}]", i + 1);
        let kind = match words.first().copied() {
            Some("收入" | "income") => LineKind::Income,
            Some("支出" | "expense") => LineKind::Expense,
            _ => {
                return Err(ApiError::field(
                    &field,
                    "须以“收入”或“支出”开头 / must start with income or expense",
                ));
            }
        };
        let amount = words
            .last()
            .and_then(|w| yuan_to_fen(w))
            .filter(|_| words.len() >= 3);
        let Some(amount_fen) = amount else {
            return Err(ApiError::field(
                &field,
                "须以金额（元，最多两位小数）结尾 / must end with an amount in yuan (at most 2 decimals)",
            ));
        };
        out.push(LineItem {
            kind,
            label: words[1..words.len() - 1].join(" "),
            amount_fen,
        });
    }
    Ok(out)
}

type FormFields = HashMap<String, String>;

fn field<'a>(f: &'a FormFields, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}

fn csrf_refused(v: &Viewer, f: &FormFields) -> Option<Response> {
    (!v.csrf_ok(field(f, "csrf_token")))
        .then(|| (StatusCode::FORBIDDEN, "CSRF check failed").into_response())
}

/// Catalogue, committee and drafting forms.
pub async fn staff_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((code, form)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<FormFields>,
) -> Response {
    let here = format!("/disclosure/{code}/staff");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if let Some(r) = csrf_refused(&v, &f) {
        return r;
    }
    let rid = request_id(&headers);
    let outcome = match form.as_str() {
        "items" => service::add_item(
            &state,
            &v.actor,
            &code,
            service::NewItem {
                affair: field(&f, "affair").into(),
                title: field(&f, "title").into(),
                frequency: field(&f, "frequency").into(),
                major: field(&f, "major") == "1",
                grace_days: None,
            },
            rid,
        )
        .await
        .map(|i| format!("{} {}", v.t("已添加目录项目", "Item added:"), i.title)),
        "committee" => match tongxin_store::access::find_user_by_name(
            &state.store,
            field(&f, "username").trim(),
        )
        .await
        {
            Ok(Some(user)) => service::add_member(&state, &v.actor, &code, user.id, rid)
                .await
                .map(|_| {
                    format!(
                        "{} {}",
                        v.t("已加入两委成员：", "Added to the committee:"),
                        user.username
                    )
                }),
            Ok(None) => Err(ApiError::field(
                "username",
                "没有这个账号 / no such account",
            )),
            Err(e) => Err(e.into()),
        },
        "committee-remove" => match field(&f, "user_id").parse::<i64>() {
            Ok(id) => service::remove_member(&state, &v.actor, &code, id, rid)
                .await
                .map(|_| v.t("已移出", "Removed").to_string()),
            Err(_) => Err(ApiError::field("user_id", "须为整数 / must be an integer")),
        },
        "draft" => draft_from_form(&state, &v, &code, &f, rid).await,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    back(&code, outcome)
}

async fn draft_from_form(
    state: &AppState,
    v: &Viewer,
    code: &str,
    f: &FormFields,
    rid: Option<String>,
) -> Result<String, ApiError> {
    let item_id = field(f, "item_id")
        .parse::<i64>()
        .map_err(|_| ApiError::field("item_id", "请选择目录项目 / choose a catalogue item"))?;
    let lines = parse_lines(field(f, "lines"))?;
    let p = service::draft(
        state,
        &v.actor,
        code,
        service::NewPosting {
            item_id,
            period: field(f, "period").into(),
            title: field(f, "title").into(),
            body: field(f, "body").into(),
            lines,
        },
        rid,
    )
    .await?;
    Ok(format!("{} #{}", v.t("草稿已保存", "Draft saved"), p.id))
}

/// `GET …/postings/{id}/correct`: the correction form, filled with the current version.
pub async fn correction_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((code, id, act)): Path<(String, i64, String)>,
    headers: HeaderMap,
) -> Response {
    let here = format!("/disclosure/{code}/staff/postings/{id}/{act}");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if act != "correct" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let found = async {
        let p = store::get_posting(&state.store, id)
            .await?
            .filter(|p| p.community_code == code)
            .ok_or_else(ApiError::not_found)?;
        authorize(
            &v.actor,
            Action::ManageDisclosure,
            Target::Record(&p.community_code),
        )?;
        let lines = store::lines(&state.store, id).await?;
        Ok::<_, ApiError>((p, lines))
    }
    .await;
    let (p, lines) = match found {
        Ok(x) => x,
        Err(e) => return error_page(&v, v.t("更正", "Correct"), &here, &e),
    };
    let lines_text: Vec<String> = lines
        .iter()
        .map(|l| {
            let kind = if l.kind == "income" {
                "收入"
            } else {
                "支出"
            };
            format!(
                "{kind} {} {}",
                l.label,
                fen_to_yuan(l.amount_fen).replace(',', "")
            )
        })
        .collect();
    let body = html! {
        h1 { (v.t("更正", "Correct")) " #" (p.id) " · " (p.title) }
        p.muted { (v.t("原内容保持不变；更正作为新版本，经两名两委成员审核后发布，公开页面显示全部版本。",
                       "The original stays as it is; the correction is a new version, approved by two committee members and then published; the public page shows every version.")) }
        form method="post" action=(here) {
            input type="hidden" name="csrf_token" value=(v.csrf);
            label { (v.t("标题", "Title")) input name="title" value=(p.title) required; }
            label { (v.t("内容（请写明更正说明）", "Content (say what is corrected)")) textarea name="body" required { (p.body) } }
            label { (v.t("收支明细", "Finance lines")) textarea name="lines" { (lines_text.join("\n")) } }
            button type="submit" { (v.t("保存更正草稿", "Save the correction draft")) }
        }
    };
    layout(&v, v.t("更正", "Correct"), &here, body)
}

/// Approve, publish or correct a posting from the staff page.
pub async fn posting_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((code, id, act)): Path<(String, i64, String)>,
    headers: HeaderMap,
    Form(f): Form<FormFields>,
) -> Response {
    let here = format!("/disclosure/{code}/staff");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if let Some(r) = csrf_refused(&v, &f) {
        return r;
    }
    let rid = request_id(&headers);
    let outcome = match act.as_str() {
        "approve" => service::approve(&state, &v.actor, id, rid)
            .await
            .map(|p| format!("{} #{}", v.t("已审核", "Approved"), p.id)),
        "publish" => service::publish(&state, &v.actor, id, rid)
            .await
            .map(|p| format!("{} #{}", v.t("已发布", "Published"), p.id)),
        "correct" => match parse_lines(field(&f, "lines")) {
            Ok(lines) => service::correct(
                &state,
                &v.actor,
                id,
                service::Correction {
                    title: field(&f, "title").into(),
                    body: field(&f, "body").into(),
                    lines,
                },
                rid,
            )
            .await
            .map(|p| {
                format!(
                    "{} #{}",
                    v.t("更正草稿已保存", "Correction draft saved"),
                    p.id
                )
            }),
            Err(e) => Err(e),
        },
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    back(&code, outcome)
}
