//! Outbound webhooks: subscriptions managed through the API, and a deliverer that posts each
//! outbox row as JSON signed with HMAC-SHA256, retries with backoff, logs every attempt and
//! picks up where it left off after a restart (at-least-once; each event has an id).
//! A slow or failing receiver never touches case work: cases only write outbox rows.

use super::delivery::*;
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::reach_within;
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::territory::NodeCode;
use tongxin_store::webhooks::{self, SubscriptionRow};
use tongxin_store::{audit, commit, now_millis};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct NewSubscription {
    /// http(s) URL the events are posted to.
    pub url: String,
    /// Shared secret for the HMAC-SHA256 signature header (at least 16 characters).
    pub secret: String,
    /// Event types (`case.report`, `case.file`, … or `*`).
    pub events: Vec<String>,
    /// A division or grid code: only cases under it are sent.
    pub territory: String,
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub territory: String,
    pub active: bool,
    pub created_at: i64,
}

pub(crate) fn view(s: &SubscriptionRow) -> SubscriptionView {
    SubscriptionView {
        id: s.id,
        url: s.url.clone(),
        events: s.events.split(',').map(String::from).collect(),
        territory: s.territory.clone(),
        active: s.active != 0,
        created_at: s.created_at,
    }
}

pub(crate) async fn reachable(
    state: &AppState,
    actor: &tongxin_core::access::Actor,
    id: i64,
) -> ApiResult<SubscriptionRow> {
    let s = webhooks::get_subscription(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(
        actor,
        Action::ManageIntegrations,
        Target::Record(&s.territory),
    )?;
    Ok(s)
}

pub async fn post_subscription(
    state: &AppState,
    ctx: &Context,
    req: NewSubscription,
) -> ApiResult<SubscriptionView> {
    let actor = &ctx.actor;
    let node =
        NodeCode::parse(&req.territory).map_err(|e| ApiError::field("territory", e.to_string()))?;
    authorize(
        actor,
        Action::ManageIntegrations,
        Target::Node(node.as_str()),
    )?;
    let url = req.url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2_000 {
        return Err(ApiError::field(
            "url",
            "须为 http(s) 地址 / must be an http(s) URL",
        ));
    }
    if req.secret.chars().count() < 16 {
        return Err(ApiError::field(
            "secret",
            "至少 16 个字符 / at least 16 characters",
        ));
    }
    if req.events.is_empty() {
        return Err(ApiError::field(
            "events",
            "至少一种事件 / at least one event type",
        ));
    }
    for e in &req.events {
        if e != "*" && !EVENT_TYPES.contains(&e.as_str()) {
            return Err(ApiError::field(
                "events",
                format!(
                    "未知事件 {e:?} / unknown event type; known: {}",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
    }
    let now = now_millis();
    let mut row = SubscriptionRow {
        id: 0,
        url: url.to_string(),
        secret_enc: state.config.protector.seal(&req.secret),
        events: req.events.join(","),
        territory: node.scope_prefix().to_string(),
        active: 1,
        created_by: actor.user_id,
        created_at: now,
    };
    let mut tx = state.store.begin().await?;
    row.id = webhooks::insert_subscription(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "webhook.subscribe", "webhook", row.id.to_string())
            .node(Some(node.as_str().to_string()))
            .after(Some(
                serde_json::json!({"url": row.url, "events": row.events}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(view(&row))
}

pub async fn list_subscriptions(
    state: &AppState,
    ctx: &Context,
) -> ApiResult<Vec<SubscriptionView>> {
    let actor = &ctx.actor;
    let reach = reach_within(actor, Action::ManageIntegrations, None)?;
    let all = webhooks::subscriptions(&state.store).await?;
    Ok(all
        .iter()
        .filter(|s| reach.iter().any(|p| s.territory.starts_with(p.as_str())))
        .map(view)
        .collect())
}

pub async fn list_deliveries(
    state: &AppState,
    ctx: &Context,
    id: i64,
) -> ApiResult<Vec<webhooks::DeliveryRow>> {
    let actor = &ctx.actor;
    reachable(state, actor, id).await?;
    Ok(webhooks::deliveries(&state.store, id, 200).await?)
}
