//! Territory: divisions, grids (with GeoJSON import/export), compounds, buildings, locate.

pub mod api;
pub mod pages;
pub mod routes;
pub mod service;

pub use service::*;
