//! The one map's API: boundaries (simplified for the city view), a measure per node, a node's
//! panel and case markers — all within the caller's reach.

pub mod api;
pub mod pages;
pub mod routes;
pub mod service;

pub use service::*;
