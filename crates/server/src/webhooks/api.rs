//! Outbound webhooks: subscriptions managed through the API, and a deliverer that posts each
//! outbox row as JSON signed with HMAC-SHA256, retries with backoff, logs every attempt and
//! picks up where it left off after a restart (at-least-once; each event has an id).
//! A slow or failing receiver never touches case work: cases only write outbox rows.

use crate::access::session::request_id;
use crate::access::{Authenticated, audit_entry};
use crate::context::Context;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::ApiJson;
use crate::webhooks::service::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use tongxin_store::webhooks::{self};
use tongxin_store::{audit, commit};

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "integrations", request_body = NewSubscription,
    responses((status = 201, body = SubscriptionView), (status = 422, body = crate::error::Problem)))]
pub async fn post_subscription(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewSubscription>,
) -> ApiResult<(StatusCode, Json<SubscriptionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::webhooks::service::post_subscription(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "integrations",
    responses((status = 200, body = Vec<SubscriptionView>)))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    ctx: Context,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(
        crate::webhooks::service::list_subscriptions(&state, &ctx).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 204)))]
pub async fn delete_subscription(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    reachable(&state, &actor, id).await?;
    let mut tx = state.store.begin().await?;
    webhooks::deactivate(&mut tx, id).await?;
    audit::record(
        &mut tx,
        &audit_entry(&actor, "webhook.unsubscribe", "webhook", id.to_string())
            .request(request_id(&headers)),
    )
    .await?;
    commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<serde_json::Value>)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<webhooks::DeliveryRow>>> {
    Ok(Json(
        crate::webhooks::service::list_deliveries(&state, &ctx, id).await?,
    ))
}
