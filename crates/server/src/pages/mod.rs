//! The sign-in page and a home page for people (the full pages come with the map issue).

use crate::access::session::{random_token, request_id};
use crate::access::{Caller, check_credentials, clear_cookie, close_session, open_session};
use crate::state::AppState;
use axum::Extension;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tongxin_core::access::Action;

const LOGIN_CSRF_COOKIE: &str = "tongxin_login_csrf";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · 同心 Tongxin</title>\
<style>body{{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}}\
label{{display:block;margin:.6rem 0}}input{{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box}}\
button{{font-size:1rem;padding:.6rem 1.2rem;margin-top:.8rem;background:#b71c1c;color:#fff;border:0;border-radius:4px}}\
.err{{color:#b71c1c;font-weight:bold}}table{{border-collapse:collapse}}td,th{{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}}</style>\
</head><body>{}</body></html>",
        escape(title),
        body
    ))
}

#[derive(Deserialize)]
pub struct LoginPageQuery {
    pub error: Option<String>,
}

pub async fn login_page(Query(q): Query<LoginPageQuery>) -> Response {
    let token = random_token(16);
    let error = match q.error.as_deref() {
        Some("credentials") => "<p class=\"err\">用户名或密码错误 / Wrong username or password</p>",
        Some("csrf") => {
            "<p class=\"err\">表单已过期，请重试 / The form expired, please try again</p>"
        }
        _ => "",
    };
    let body = format!(
        "<h1>同心 · 登录</h1><p>Tongxin grassroots governance — sign in</p>{error}\
<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">\
<label>用户名 Username<input name=\"username\" autocomplete=\"username\" required></label>\
<label>密码 Password<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
<button type=\"submit\">登录 Sign in</button></form>"
    );
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600"
    );
    let mut resp = layout("登录", &body).into_response();
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
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
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
    if cookie_value(&headers, LOGIN_CSRF_COOKIE).as_deref() != Some(form.csrf_token.as_str()) {
        return Redirect::to("/login?error=csrf").into_response();
    }
    let actor = match check_credentials(&state, form.username.trim(), &form.password).await {
        Ok(a) => a,
        Err(_) => return Redirect::to("/login?error=credentials").into_response(),
    };
    match open_session(&state, &actor, &headers).await {
        Ok((cookie, _)) => {
            let mut resp = Redirect::to("/").into_response();
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

pub async fn home(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    let Caller::Known { actor, csrf } = caller else {
        return Redirect::to("/login").into_response();
    };
    let mut rows = String::new();
    for b in &actor.bindings {
        let path = state.locator().path(b.node.as_str());
        let trail: Vec<String> = path.iter().map(|n| escape(&n.name)).collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(b.role.name_zh()),
            escape(b.node.as_str()),
            trail.join(" › ")
        ));
    }
    let reach = actor.scope_prefixes(Action::ViewTerritory);
    let body = format!(
        "<h1>同心 Tongxin</h1><p>欢迎，{} · Welcome</p><table><tr><th>角色 Role</th><th>节点 Node</th><th>辖区 Territory</th></tr>{rows}</table>\
<p>可见范围 / Reach: {}</p><p><a href=\"/api/v1/docs/\">API 文档 / API docs</a> · <a href=\"/api/v1/auth/me\">/api/v1/auth/me</a></p>\
<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf_token\" value=\"{}\"><button type=\"submit\">退出 Sign out</button></form>",
        escape(&actor.username),
        escape(&reach.join(", ")),
        escape(csrf.as_deref().unwrap_or(""))
    );
    layout("首页", &body).into_response()
}
