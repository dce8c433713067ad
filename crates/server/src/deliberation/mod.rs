//! Residents decide: councils (charter, members, rules), elections by secret ballot
//! and motions; 逢四说事 sessions and items, 四议两公开 matters, decisions tracked to
//! completion. Every access goes through `authorize` with the community's code; every change
//! writes its audit record in its transaction. `service` holds the rules run against the
//! store (no HTTP), `api` the JSON handlers, `pages` the pages, `routes` where they are reached.

pub mod api;
pub mod pages;
pub mod routes;
pub mod service;

pub use service::*;
