//! Outbound webhooks: subscriptions managed through the API, and a deliverer that posts each
//! outbox row as JSON signed with HMAC-SHA256, retries with backoff, logs every attempt and
//! picks up where it left off after a restart (at-least-once; each event has an id).
//! A slow or failing receiver never touches case work: cases only write outbox rows.

use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::reach_within;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::territory::NodeCode;
use tongxin_store::protect::Protector;
use tongxin_store::webhooks::{self, Attempt, OutboxRow, Outcome, SubscriptionRow};
use tongxin_store::{Store, audit, commit, now_millis};
use utoipa::ToSchema;

pub const SIGNATURE_HEADER: &str = "x-tongxin-signature";
pub const EVENT_HEADER: &str = "x-tongxin-event";
pub const DELIVERY_HEADER: &str = "x-tongxin-delivery";
/// Event types a subscription may ask for (or `*`).
pub const EVENT_TYPES: [&str; 13] = [
    "case.report",
    "case.file",
    "case.cancel",
    "case.dispatch",
    "case.accept",
    "case.return",
    "case.handle",
    "case.verify",
    "case.escalate",
    "case.reopen",
    "case.merge",
    "case.supervise",
    "case.rate",
];
pub(crate) const MAX_ATTEMPTS: i64 = 12;
pub(crate) const POLL_LIMIT: i64 = 1_000;

/// `sha256=<hex>` of the body under the subscription's secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Seconds before attempt `n + 1`: 2, 4, 8 … up to an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    1000 * 2i64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600)
}

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

/// Starts the deliverer. It polls the outbox (so rows written before a restart go out after
/// it) and posts each due row on its own task: a receiver that hangs holds only its own rows,
/// never the others'. A recorder writes the attempts in batches, one transaction each.
pub fn start(store: Store, protector: Protector) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client");
            return;
        }
    };
    let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let (done, mut results) = mpsc::channel::<Attempt>(4_096);
    let recorder_store = store.clone();
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(500);
        while results.recv_many(&mut batch, 500).await > 0 {
            if let Err(e) = webhooks::record_attempts(&recorder_store, &batch).await {
                tracing::warn!(error = %e, "webhook delivery log");
            }
            batch.clear();
        }
    });
    tokio::spawn(async move {
        loop {
            let started = poll(&store, &protector, &client, &in_flight, &done).await;
            if started == 0 {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
}

/// Starts a delivery for every due row not already under way; returns how many started.
pub(crate) async fn poll(
    store: &Store,
    protector: &Protector,
    client: &reqwest::Client,
    in_flight: &Arc<Mutex<HashSet<i64>>>,
    done: &mpsc::Sender<Attempt>,
) -> usize {
    let rows = match webhooks::due(store, now_millis(), POLL_LIMIT).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "webhook outbox");
            return 0;
        }
    };
    let subs = webhooks::subscriptions(store).await.unwrap_or_default();
    // A row stays "in flight" while it is still due: once its attempt is recorded it leaves
    // the due set and is forgotten here, so a row is never posted twice at once. Rows past a
    // full page are kept, being unseen.
    let last_seen = (rows.len() == POLL_LIMIT as usize).then(|| rows[rows.len() - 1].id);
    {
        let due: HashSet<i64> = rows.iter().map(|r| r.id).collect();
        in_flight
            .lock()
            .expect("in-flight lock")
            .retain(|id| due.contains(id) || last_seen.is_some_and(|last| *id > last));
    }
    let mut started = 0;
    for row in rows {
        if !in_flight.lock().expect("in-flight lock").insert(row.id) {
            continue;
        }
        let Some(sub) = subs.iter().find(|s| s.id == row.subscription_id).cloned() else {
            continue;
        };
        let (protector, client, done) = (protector.clone(), client.clone(), done.clone());
        tokio::spawn(async move {
            let attempt = deliver(&protector, &client, &sub, &row).await;
            let _ = done.send(attempt).await;
        });
        started += 1;
    }
    started
}

pub(crate) async fn deliver(
    protector: &Protector,
    client: &reqwest::Client,
    sub: &SubscriptionRow,
    row: &OutboxRow,
) -> Attempt {
    let started = Instant::now();
    let now = now_millis();
    let (status, error) = match protector.open(&sub.secret_enc) {
        Err(_) => (
            None,
            "the secret cannot be read with this data key".to_string(),
        ),
        Ok(secret) if sub.active != 0 => {
            let sent = client
                .post(&sub.url)
                .header("content-type", "application/json")
                .header(EVENT_HEADER, &row.event_type)
                .header(DELIVERY_HEADER, &row.event_id)
                .header(SIGNATURE_HEADER, signature(&secret, row.payload.as_bytes()))
                .body(row.payload.clone())
                .send()
                .await;
            match sent {
                Ok(r) => (Some(i64::from(r.status().as_u16())), String::new()),
                Err(e) => (None, e.to_string()),
            }
        }
        Ok(_) => (None, "the subscription was cancelled".to_string()),
    };
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let attempts = row.attempts + 1;
    let outcome = if ok {
        Outcome::Delivered
    } else if attempts >= MAX_ATTEMPTS || sub.active == 0 {
        Outcome::GiveUp
    } else {
        Outcome::Retry(now + backoff_ms(attempts))
    };
    let error = if error.is_empty() && !ok {
        format!("HTTP {}", status.unwrap_or_default())
    } else {
        error
    };
    Attempt {
        outbox_id: row.id,
        subscription_id: row.subscription_id,
        at: now,
        status,
        duration_ms: started.elapsed().as_millis() as i64,
        error,
        outcome,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_in_hex() {
        // RFC 4231 test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(1), 2_000);
        assert_eq!(backoff_ms(2), 4_000);
        assert_eq!(backoff_ms(20), 3_600_000);
    }
}
