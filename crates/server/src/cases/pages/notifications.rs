//! 待办通知: what reached this user's desk (hand-overs, deadline warnings), newest first; a
//! notification opens its case and is marked read on the way.

use crate::access::Caller;
use crate::cases::inbox;
use crate::pages::{Viewer, layout};
use crate::state::AppState;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

const SHOWN: usize = 200;

pub async fn notifications_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/notifications") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let (unread, items) = match inbox::inbox(&state, &v.actor, SHOWN).await {
        Ok(f) => f,
        Err(e) => {
            return crate::pages::error_page(
                &v,
                v.t("通知", "Notifications"),
                "/notifications",
                &e,
            );
        }
    };
    let body = html! {
        h1 { (v.t("待办通知", "Notifications")) " " span.muted { (unread) " " (v.t("条未读", "unread")) } }
        @if unread > 0 {
            form method="post" action="/notifications/read-all" {
                input type="hidden" name="csrf_token" value=(v.csrf);
                button.quiet type="submit" { (v.t("全部标为已读", "Mark all read")) }
            }
        }
        @if items.is_empty() { p.muted { (v.t("暂无通知。", "No notifications yet.")) } }
        ul.notifications {
            @for n in &items {
                li class=[n.read_at.is_none().then_some("unread")] {
                    form method="post" action={ "/notifications/" (n.id) "/open" } {
                        input type="hidden" name="csrf_token" value=(v.csrf);
                        button.link type="submit" { (message_in(&v, &n.message)) }
                    }
                    " " span.muted { (crate::cases::pages::time_text(n.created_at)) }
                }
            }
        }
    };
    layout(&v, v.t("通知", "Notifications"), "/notifications", body)
}

/// A notification in the reader's language: hand-overs and deadline warnings are written
/// "中文 / case #…" (the API gives both); the page shows the half the reader reads.
fn message_in(v: &Viewer, message: &str) -> String {
    match message.rsplit_once("/ case #") {
        Some((zh, en)) => match v.lang {
            crate::pages::Lang::Zh => zh.trim_end().to_string(),
            crate::pages::Lang::En => format!("case #{en}"),
        },
        None => message.to_string(),
    }
}

#[derive(Deserialize)]
pub struct NotificationForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// Marks one notification read and goes to its case.
pub async fn open_notification(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<NotificationForm>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/notifications") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if !v.csrf_ok(&form.csrf_token) {
        return Redirect::to("/notifications").into_response();
    }
    match inbox::open_notification(&state, &v.actor, id).await {
        Ok(Some(case_id)) => Redirect::to(&format!("/cases/{case_id}")).into_response(),
        Ok(None) => Redirect::to("/notifications").into_response(),
        Err(e) => crate::pages::error_page(&v, v.t("通知", "Notifications"), "/notifications", &e),
    }
}

pub async fn read_all(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Form(form): Form<NotificationForm>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/notifications") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if v.csrf_ok(&form.csrf_token)
        && let Err(e) = inbox::read_all(&state, &v.actor).await
    {
        return crate::pages::error_page(&v, v.t("通知", "Notifications"), "/notifications", &e);
    }
    Redirect::to("/notifications").into_response()
}
