//! Reading the audit trail (auditors and the city administrator).

pub mod api;
pub mod routes;
pub mod service;

pub use service::*;
