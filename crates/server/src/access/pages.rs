//! 我的账号: who the user is, where their roles reach, and changing their password.

use crate::access::session::session_cookie_value;
use crate::access::{Caller, PasswordChange, change_password};
use crate::error::ApiError;
use crate::pages::{Viewer, layout};
use crate::state::AppState;
use axum::Extension;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct AccountQuery {
    pub done: Option<String>,
}

pub async fn account_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/account") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    render(&state, &v, q.done.is_some(), None)
}

fn render(state: &AppState, v: &Viewer, done: bool, error: Option<&ApiError>) -> Response {
    let locator = state.locator();
    let body = html! {
        h1 { (v.t("我的账号", "My account")) }
        p { (v.actor.username) }
        ul {
            @for b in &v.actor.bindings {
                li {
                    (v.t(b.role.name_zh(), b.role.as_str())) " · "
                    (locator.path(b.node.as_str()).iter().map(|n| n.name.clone()).collect::<Vec<_>>().join(" › "))
                    " (" (b.node.as_str()) ")"
                }
            }
        }
        h2 { (v.t("修改密码", "Change password")) }
        @if done { p.ok role="status" { (v.t("密码已修改，其他设备上的登录已退出。", "Password changed; you were signed out everywhere else.")) } }
        @if let Some(e) = error {
            p.err role="alert" { (e.errors.first().map(|f| f.reason.clone()).unwrap_or_else(|| e.to_string())) }
        }
        form method="post" action="/account/password" {
            input type="hidden" name="csrf_token" value=(v.csrf);
            label { (v.t("当前密码", "Current password")) input type="password" name="current_password" autocomplete="current-password" required; }
            label { (v.t("新密码（至少 8 个字符）", "New password (at least 8 characters)")) input type="password" name="new_password" autocomplete="new-password" minlength="8" required; }
            button type="submit" { (v.t("修改密码", "Change password")) }
        }
    };
    layout(v, v.t("我的账号", "My account"), "/account", body)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/account") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if !v.csrf_ok(&form.csrf_token) {
        let e = ApiError::field("csrf_token", "表单已过期，请重试 / the form expired, retry");
        return render(&state, &v, false, Some(&e));
    }
    let change = PasswordChange {
        current_password: form.current_password,
        new_password: form.new_password,
    };
    match change_password(&state, &v.ctx(), session_cookie_value(&headers), &change).await {
        Ok(()) => Redirect::to("/account?done=1").into_response(),
        Err(e) => render(&state, &v, false, Some(&e)),
    }
}
