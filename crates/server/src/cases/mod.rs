//! Cases: report from any channel, move through the one state machine, read the timeline.
//! `service` holds the engine (no HTTP), `api` the JSON handlers, `pages` the pages,
//! `routes` where they are reached. Every transition writes the new state, a timeline event and an audit record in
//! one transaction, guarded by the case's version.

pub mod api;
pub mod pages;
pub mod routes;
pub mod service;

pub use service::*;
