//! Delivering webhook events: one worker per process polls the outbox, signs each body with
//! the subscription's secret (HMAC-SHA256) and retries with backoff.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tongxin_store::protect::Protector;
use tongxin_store::webhooks::{self, Attempt, OutboxRow, Outcome, SubscriptionRow};
use tongxin_store::{Store, now_millis};

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
