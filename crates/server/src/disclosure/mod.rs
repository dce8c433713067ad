//! Three-affairs disclosure (三务公开) over HTTP: the catalogue, the committee roster,
//! drafting, two-member approval, publication onto the hash chain, corrections, overdue
//! warnings and the chain check. The public portal and the staff
//! pages are in `pages`; `service` holds the rules against the store, `api` the handlers.

pub mod api;
pub mod pages;
pub mod portal_cache;
pub mod routes;
pub mod service;

pub use service::*;
