//! Outbound webhooks: subscriptions, the outbox (written in the transaction of each case
//! change, so a change and its notice are one), and the delivery log.

use crate::db::{Conn, Store, StoreError};
use sqlx::FromRow;

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct SubscriptionRow {
    pub id: i64,
    pub url: String,
    pub secret_enc: String,
    pub events: String,
    pub territory: String,
    pub active: i64,
    pub created_by: i64,
    pub created_at: i64,
}

impl SubscriptionRow {
    /// Whether a change of `event_type` in `grid_code` goes to this subscription.
    pub fn wants(&self, event_type: &str, grid_code: &str) -> bool {
        self.active != 0
            && grid_code.starts_with(self.territory.as_str())
            && self
                .events
                .split(',')
                .map(str::trim)
                .any(|e| e == "*" || e == event_type)
    }
}

const SUB_COLS: &str = "id, url, secret_enc, events, territory, active, created_by, created_at";

pub async fn insert_subscription(conn: &mut Conn, s: &SubscriptionRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO webhook_subscriptions (url, secret_enc, events, territory, active, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&s.url)
    .bind(&s.secret_enc)
    .bind(&s.events)
    .bind(&s.territory)
    .bind(s.active)
    .bind(s.created_by)
    .bind(s.created_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn subscriptions(store: &Store) -> Result<Vec<SubscriptionRow>, StoreError> {
    let sql = format!("SELECT {SUB_COLS} FROM webhook_subscriptions ORDER BY id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(store.pool())
        .await?)
}

pub async fn get_subscription(
    store: &Store,
    id: i64,
) -> Result<Option<SubscriptionRow>, StoreError> {
    let sql = format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

pub async fn deactivate(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE webhook_subscriptions SET active = 0 WHERE id = $1 AND active = 1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

async fn active(conn: &mut Conn) -> Result<Vec<SubscriptionRow>, StoreError> {
    let sql = format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE active = 1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?)
}

/// A change to announce: the event type (`case.report`, `case.file`, …), the record after it
/// under its kind (`case`), its id and version (a new report's row does not carry its id yet),
/// and the node it happened in (for the subscriptions' territory filters). Any record that
/// serializes can be announced; this module knows none of them.
pub struct Change<'a, T: serde::Serialize> {
    pub event_type: String,
    pub at: i64,
    pub subject: &'static str,
    pub subject_id: i64,
    pub version: i64,
    pub node: &'a str,
    pub record: &'a T,
}

/// Writes an outbox row for every active subscription that wants each change, on `conn` (the
/// transaction of the changes). Each event id is stable — record, version, subscription — so a
/// receiver can drop duplicates of an at-least-once delivery. Records are serialized only when
/// someone subscribed.
pub async fn enqueue<T: serde::Serialize>(
    conn: &mut Conn,
    changes: &[Change<'_, T>],
) -> Result<(), StoreError> {
    let subs = active(conn).await?;
    if subs.is_empty() {
        return Ok(());
    }
    for change in changes {
        for s in subs
            .iter()
            .filter(|s| s.wants(&change.event_type, change.node))
        {
            let event_id = format!("evt_{}_{}_{}", change.subject_id, change.version, s.id);
            let mut record = serde_json::to_value(change.record).unwrap_or_default();
            record["id"] = change.subject_id.into();
            let mut payload = serde_json::Map::new();
            payload.insert("id".into(), event_id.clone().into());
            payload.insert("type".into(), change.event_type.clone().into());
            payload.insert("at".into(), change.at.into());
            payload.insert(change.subject.into(), record);
            let payload = serde_json::Value::Object(payload).to_string();
            sqlx::query(
                "INSERT INTO webhook_outbox (subscription_id, event_id, event_type, payload, created_at, next_attempt_at, attempts) \
                 VALUES ($1, $2, $3, $4, $5, $5, 0)",
            )
            .bind(s.id)
            .bind(&event_id)
            .bind(&change.event_type)
            .bind(payload)
            .bind(change.at)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub subscription_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
}

/// Undelivered rows whose next attempt is due, oldest first.
pub async fn due(store: &Store, now: i64, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, subscription_id, event_id, event_type, payload, attempts FROM webhook_outbox \
         WHERE delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(store.pool())
    .await?)
}

/// One delivery attempt and what follows from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub outbox_id: i64,
    pub subscription_id: i64,
    pub at: i64,
    pub status: Option<i64>,
    pub duration_ms: i64,
    pub error: String,
    pub outcome: Outcome,
}

/// Records a batch of attempts in one transaction (a commit per delivery would cap delivery
/// at the rate of commits).
pub async fn record_attempts(store: &Store, attempts: &[Attempt]) -> Result<(), StoreError> {
    if attempts.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    for a in attempts {
        sqlx::query(
            "INSERT INTO webhook_deliveries (outbox_id, subscription_id, at, status, duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.outbox_id)
        .bind(a.subscription_id)
        .bind(a.at)
        .bind(a.status)
        .bind(a.duration_ms)
        .bind(&a.error)
        .execute(&mut *tx)
        .await?;
        let (sql, time) = match a.outcome {
            Outcome::Delivered => (
                "UPDATE webhook_outbox SET attempts = attempts + 1, delivered_at = $1 WHERE id = $2",
                a.at,
            ),
            Outcome::Retry(next) => (
                "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id = $2",
                next,
            ),
            Outcome::GiveUp => (
                "UPDATE webhook_outbox SET attempts = attempts + 1, given_up_at = $1 WHERE id = $2",
                a.at,
            ),
        };
        sqlx::query(sql)
            .bind(time)
            .bind(a.outbox_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Retry(i64),
    GiveUp,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub outbox_id: i64,
    pub at: i64,
    pub status: Option<i64>,
    pub duration_ms: i64,
    pub error: String,
    pub event_id: String,
    pub event_type: String,
}

/// The newest delivery attempts of a subscription.
pub async fn deliveries(
    store: &Store,
    subscription: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.outbox_id, d.at, d.status, d.duration_ms, d.error, o.event_id, o.event_type \
         FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id \
         WHERE d.subscription_id = $1 ORDER BY d.id DESC LIMIT $2",
    )
    .bind(subscription)
    .bind(limit)
    .fetch_all(store.pool())
    .await?)
}

/// Rows still waiting to be delivered (the outbox must not grow without bound).
pub async fn pending(store: &Store) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM webhook_outbox WHERE delivered_at IS NULL AND given_up_at IS NULL",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(n)
}
