//! The pages people work in, rendered on the server with compile-checked templates (`maud`),
//! Chinese first with an English switch; every asset is served by the binary itself.

pub mod admin;

use crate::access::session::{clear_cookie, close_session, open_session};
use crate::access::session::{random_token, request_id};
use crate::access::{Caller, check_credentials};
use crate::state::AppState;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use tongxin_core::access::{Action, Actor, Role};

const LOGIN_CSRF_COOKIE: &str = "tongxin_login_csrf";
const LANG_COOKIE: &str = "tongxin_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn of(headers: &HeaderMap) -> Lang {
        match cookie_value(headers, LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// The text in this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// A signed-in person looking at a page.
pub struct Viewer {
    pub actor: Actor,
    pub csrf: String,
    pub lang: Lang,
    /// The page being shown (where the language switch comes back to).
    pub here: String,
    pub request_id: Option<String>,
}

impl Viewer {
    /// The viewer, or a redirect to sign in that comes back to `here`.
    pub fn require(caller: Caller, headers: &HeaderMap, here: &str) -> Result<Viewer, Redirect> {
        match caller {
            Caller::Known { actor, csrf } => Ok(Viewer {
                actor,
                csrf: csrf.unwrap_or_default(),
                lang: Lang::of(headers),
                here: here.to_string(),
                request_id: request_id(headers),
            }),
            _ => Err(Redirect::to(&format!("/login?next={}", urlencode(here)))),
        }
    }

    /// What a service is told about this request (the viewer, the request id, now).
    pub fn ctx(&self) -> crate::context::Context {
        crate::context::Context::new(self.actor.clone(), self.request_id.clone())
    }

    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.t(zh, en)
    }

    /// Whether a form's token is this session's.
    pub fn csrf_ok(&self, token: &str) -> bool {
        !self.csrf.is_empty() && self.csrf == token
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Which page of a list a query asks for: none (or empty) is the first; anything but a whole
/// number from 1 is refused with a message naming the parameter.
pub fn page_number(param: &str, raw: Option<&str>) -> Result<u64, crate::error::ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(1),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
            _ => Err(crate::error::ApiError::field(
                param,
                format!(
                    "页码“{text}”无效，须为从 1 起的整数 / the page number {text:?} is not valid: it must be a whole number from 1"
                ),
            )),
        },
    }
}

/// The rows to skip for a page.
pub fn page_offset(page: u64, per_page: u64) -> u64 {
    page.saturating_sub(1).saturating_mul(per_page)
}

/// Page numbers under a list of `total` rows, `per_page` a page, showing `page`: the count
/// ("共 N 条"), then first / previous / numbered / next / last. Each link is
/// `base_path_and_query` with `page=` set (any `page=` already in it is replaced), so the
/// rest of the view is kept. A page past the last says so and links to the last.
pub fn pager(
    v: &Viewer,
    base_path_and_query: &str,
    page: u64,
    per_page: u64,
    total: u64,
) -> Markup {
    pager_for(
        v,
        &Pages {
            base: base_path_and_query,
            param: "page",
            anchor: "",
            label: v.t("分页", "Pages"),
            page,
            per_page,
            total,
        },
    )
}

/// One list's paging, for [`pager_for`] (several lists on one page each have their own).
pub struct Pages<'a> {
    /// The view's path and query; `param` in it is replaced in each link.
    pub base: &'a str,
    /// The query parameter that holds this list's page number.
    pub param: &'a str,
    /// An element id each link ends in (`#anchor`) so the reader lands on the list; or "".
    pub anchor: &'a str,
    /// What the page numbers are of, for screen readers ("说事事项分页").
    pub label: &'a str,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// [`pager`] with the parameter, the anchor and the label chosen.
pub fn pager_for(v: &Viewer, p: &Pages) -> Markup {
    pager_in(v.lang, p)
}

/// [`pager_for`] in a language, for pages read without signing in.
pub fn pager_in(lang: Lang, p: &Pages) -> Markup {
    let v = lang;
    let Pages {
        base: base_path_and_query,
        param,
        anchor,
        label,
        page,
        per_page,
        total,
    } = *p;
    let per_page = per_page.max(1);
    let pages = total.div_ceil(per_page).max(1);
    let (path, query) = base_path_and_query
        .split_once('?')
        .unwrap_or((base_path_and_query, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(param))
        .collect();
    let fragment = if anchor.is_empty() {
        String::new()
    } else {
        format!("#{anchor}")
    };
    let href = |n: u64| {
        let mut pairs = kept.clone();
        let own = format!("{param}={n}");
        pairs.push(&own);
        format!("{path}?{}{fragment}", pairs.join("&"))
    };
    // The numbers around the current page, with the first and the last always there.
    let shown = page.min(pages);
    let mut numbers: Vec<u64> = (shown.saturating_sub(2).max(1)..=(shown + 2).min(pages)).collect();
    if numbers.first() != Some(&1) {
        numbers.insert(0, 1);
    }
    if numbers.last() != Some(&pages) {
        numbers.push(pages);
    }
    html! {
        nav.pager aria-label=(label) data-param=(param) data-page=(page) data-pages=(pages) data-total=(total) {
            span.count { (v.t("共 ", "")) (total) (v.t(" 条", " in all")) " · "
                (v.t("第 ", "page ")) (shown) " / " (pages) (v.t(" 页", "")) }
            @if page > pages {
                p.err { (v.t("没有第 ", "There is no page ")) (page) (v.t(" 页（共 ", " (")) (pages) (v.t(" 页）。", " pages). "))
                    a href=(href(pages)) { (v.t("看最后一页", "See the last page")) } }
            }
            @if pages > 1 {
                " "
                @if shown > 1 {
                    a href=(href(1)) rel="first" aria-label=(v.t("第一页", "First page")) { "«" }
                    " "
                    a href=(href(shown - 1)) rel="prev" aria-label=(v.t("上一页", "Previous page")) { "‹ " (v.t("上一页", "Previous")) }
                    " "
                }
                @for (i, n) in numbers.iter().enumerate() {
                    @if i > 0 && numbers[i - 1] + 1 < *n { span.gap aria-hidden="true" { "…" } " " }
                    @if *n == shown && page <= pages {
                        strong aria-current="page" { (n) }
                    } @else {
                        a href=(href(*n)) data-page=(n) aria-label=(format!("{}{n}{}", v.t("第 ", "Page "), v.t(" 页", ""))) { (n) }
                    }
                    " "
                }
                @if shown < pages {
                    a href=(href(shown + 1)) rel="next" aria-label=(v.t("下一页", "Next page")) { (v.t("下一页", "Next")) " ›" }
                    " "
                    a href=(href(pages)) rel="last" aria-label=(v.t("最后一页", "Last page")) { "»" }
                }
            }
        }
    }
}

/// A page that says what went wrong, with the error's own status (404 for what is out of
/// reach, as in the API).
pub fn error_page(v: &Viewer, title: &str, here: &str, e: &crate::error::ApiError) -> Response {
    let mut r = layout(
        v,
        title,
        here,
        html! { p.err { (v.t("未能完成：", "Not done: ")) (e.to_string()) } },
    );
    *r.status_mut() = e.status;
    r
}

/// The frame of every signed-in page: the navigation for the viewer's work, the language
/// switch and sign-out.
pub fn layout(v: &Viewer, title: &str, here: &str, body: Markup) -> Response {
    // Only the pages this user can use: each needs the access its page asks for.
    let nav = [
        ("/map", v.t("一张图", "Map"), Action::ViewTerritory),
        ("/cases", v.t("案件", "Cases"), Action::WorkCase),
        ("/report", v.t("上报", "Report"), Action::ReportCase),
        (
            "/my-reports",
            v.t("我的上报", "My reports"),
            Action::ReportCase,
        ),
        (
            "/indicators",
            v.t("指标", "Indicators"),
            Action::ViewTerritory,
        ),
        (
            "/deliberation",
            v.t("议事", "Deliberation"),
            Action::ViewDeliberation,
        ),
        (
            "/territory",
            v.t("辖区", "Territory"),
            Action::ViewTerritory,
        ),
        (
            "/notifications",
            v.t("通知", "Notifications"),
            Action::ViewSelf,
        ),
    ];
    let mut nav: Vec<(&str, &str)> = nav
        .into_iter()
        .filter(|(_, _, action)| !v.actor.scope_prefixes(*action).is_empty())
        .map(|(href, label, _)| (href, label))
        .collect();
    // Staff find their own reports in the case list; 我的上报 is for residents.
    if !v.actor.scope_prefixes(Action::WorkCase).is_empty() {
        nav.retain(|(href, _)| *href != "/my-reports");
    }
    // Staff keep the disclosures; everyone else reads the public portal.
    let disclosure = if v.actor.scope_prefixes(Action::ManageDisclosure).is_empty() {
        "/disclosure"
    } else {
        "/disclosure/staff"
    };
    nav.insert(nav.len() - 1, (disclosure, v.t("三务公开", "Disclosure")));
    let admin = !v.actor.scope_prefixes(Action::ManageUsers).is_empty();
    let other = match v.lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let page = html! {
        (DOCTYPE)
        html lang=(v.t("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 同心 Tongxin" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                a.skip href="#main" { (v.t("跳到正文", "Skip to content")) }
                header.top {
                    span.brand { "同心 Tongxin" }
                    nav.links aria-label=(v.t("主导航", "Main navigation")) {
                        @for (href, label) in nav {
                            a href=(href) class=[here.starts_with(href).then_some("on")] { (label) }
                        }
                        @if admin {
                            a href="/admin" class=[here.starts_with("/admin").then_some("on")] { (v.t("管理", "Admin")) }
                        }
                    }
                    span.me {
                        a href="/account" title=(v.actor.username) { (v.actor.name()) } " · "
                        a href={ "/lang?to=" (other.0) "&back=" (urlencode(&v.here)) } { (other.1) }
                        " "
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf_token" value=(v.csrf);
                            button type="submit" { (v.t("退出", "Sign out")) }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
            }
        }
    };
    Html(page.into_string()).into_response()
}

fn bare(title: &str, body: Markup) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 同心 Tongxin" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/app.css";
            }
            body { main style="max-width:26rem" { (body) } }
        }
    };
    Html(page.into_string()).into_response()
}

#[derive(Deserialize)]
pub struct LoginPageQuery {
    pub error: Option<String>,
    pub next: Option<String>,
}

/// Only paths on this site may follow a sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") => n.to_string(),
        _ => "/".into(),
    }
}

pub async fn login_page(Query(q): Query<LoginPageQuery>) -> Response {
    let token = random_token(16);
    let error = match q.error.as_deref() {
        Some("credentials") => Some("用户名或密码错误 / Wrong username or password"),
        Some("csrf") => Some("表单已过期，请重试 / The form expired, please try again"),
        _ => None,
    };
    let body = html! {
        h1 { "同心 · 登录" }
        p.muted { "Tongxin grassroots governance — sign in" }
        @if let Some(e) = error { p.err { (e) } }
        form method="post" action="/login" {
            input type="hidden" name="csrf_token" value=(token);
            input type="hidden" name="next" value=(safe_next(q.next.as_deref()));
            label { "用户名 Username" input name="username" autocomplete="username" required; }
            label { "密码 Password" input name="password" type="password" autocomplete="current-password" required; }
            button type="submit" { "登录 Sign in" }
        }
    };
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600"
    );
    let mut resp = bare("登录", body);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf_token: String,
    pub next: Option<String>,
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// Form sign-in, protected by a double-submit token against login CSRF.
pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let back = |error: &str| {
        Redirect::to(&format!("/login?error={error}&next={}", urlencode(&next))).into_response()
    };
    if cookie_value(&headers, LOGIN_CSRF_COOKIE).as_deref() != Some(form.csrf_token.as_str()) {
        return back("csrf");
    }
    let actor = match check_credentials(&state, form.username.trim(), &form.password).await {
        Ok(a) => a,
        Err(_) => return back("credentials"),
    };
    match open_session(&state, &actor, &headers).await {
        Ok((cookie, _)) => {
            let mut resp = Redirect::to(&next).into_response();
            resp.headers_mut().insert(header::SET_COOKIE, cookie);
            resp
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    pub csrf_token: String,
}

pub async fn logout_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Caller::Known { actor, csrf } = &caller {
        if csrf.as_deref() != Some(form.csrf_token.as_str()) {
            return (StatusCode::FORBIDDEN, "CSRF check failed").into_response();
        }
        if let Err(e) = close_session(&state, actor, &headers).await {
            return e.into_response();
        }
    }
    let _ = request_id(&headers);
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&state));
    resp
}

/// Each role lands on what it works on: a grid worker on their grid's open cases, a dispatcher
/// on the queue to dispatch, a department on its cases, a leader on the map, a resident on
/// the report form.
pub async fn home(Extension(caller): Extension<Caller>, headers: HeaderMap) -> Response {
    let v = match Viewer::require(caller, &headers, "/") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let first = v.actor.bindings.first();
    let target = match first.map(|b| b.role) {
        Some(Role::GridWorker) => format!(
            "/cases?within={}&view=open",
            first.map(|b| b.node.as_str()).unwrap_or("")
        ),
        Some(Role::CommunityAdmin | Role::StreetAdmin) => "/cases?status=filed".into(),
        Some(Role::DepartmentHandler) => "/cases?status=dispatched".into(),
        Some(Role::Resident | Role::PartyMember) => "/report".into(),
        _ => "/map".into(),
    };
    Redirect::to(&target).into_response()
}

#[derive(Deserialize)]
pub struct LangQuery {
    pub to: String,
    pub back: Option<String>,
}

pub async fn switch_lang(Query(q): Query<LangQuery>) -> Response {
    let lang = if q.to == "en" { "en" } else { "zh" };
    let mut resp = Redirect::to(&safe_next(q.back.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
    )) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

const APP_CSS: &str = include_str!("../../assets/app.css");
const MAP_CSS: &str = include_str!("../../assets/map.css");
const MAP_JS: &str = include_str!("../../assets/map.js");
const REPORT_JS: &str = include_str!("../../assets/report.js");
const ADMIN_JS: &str = include_str!("../../assets/admin.js");

/// Assets compiled into the binary (no CDN, no internet).
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, ctype) = match name.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "map.css" => (MAP_CSS, "text/css; charset=utf-8"),
        "map.js" => (MAP_JS, "text/javascript; charset=utf-8"),
        "report.js" => (REPORT_JS, "text/javascript; charset=utf-8"),
        "admin.js" => (ADMIN_JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Runs a form's work once per idempotency key (`scope` names the form kind): a repeated
/// submit is sent where the first one went (to `pending` while the first still runs) and does
/// nothing again; a refusal frees the key so the form can come back with a new one. `work`
/// answers where to go. An empty key runs the work unguarded (old forms without one).
pub async fn form_once(
    state: &AppState,
    v: &Viewer,
    scope: &str,
    key: &str,
    pending: &str,
    work: impl std::future::Future<Output = Result<String, crate::error::ApiError>>,
) -> Result<String, crate::error::ApiError> {
    let user = v.actor.user_id;
    let stored = format!("{scope}:{key}");
    if !key.is_empty() {
        let fresh = tongxin_store::access::reserve_idempotent(
            &state.store,
            user,
            &stored,
            scope,
            tongxin_store::now_millis(),
        )
        .await?;
        if !fresh {
            let first = tongxin_store::access::find_idempotent(&state.store, user, &stored)
                .await?
                .filter(|a| a.status == 303)
                .map(|a| a.body);
            return Ok(first.unwrap_or_else(|| pending.to_string()));
        }
    }
    let result = work.await;
    if !key.is_empty() {
        let kept = match &result {
            Ok(target) => {
                tongxin_store::access::complete_idempotent(&state.store, user, &stored, 303, target)
                    .await
            }
            Err(_) => tongxin_store::access::release_idempotent(&state.store, user, &stored).await,
        };
        if let Err(e) = kept {
            // The work is done (or refused) either way; a retry of this key then runs it again
            // only if the reservation stayed, which expires.
            tracing::warn!(error = %e, scope, "form key not recorded");
        }
    }
    result
}
