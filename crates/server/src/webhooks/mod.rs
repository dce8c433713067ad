//! Outbound webhooks: subscriptions managed through the API, and a deliverer that posts each
//! outbox row as JSON signed with HMAC-SHA256, retries with backoff, logs every attempt and
//! picks up where it left off after a restart (at-least-once; each event has an id).
//! A slow or failing receiver never touches case work: cases only write outbox rows.

pub mod api;
pub mod delivery;
pub mod routes;
pub mod service;

pub use delivery::*;
pub use service::*;
