//! People, places and organisations in the grid: residents and households (with protected
//! personal data), organisations, party organisations and members.

pub mod api;
pub mod routes;
pub mod service;

pub use service::*;
