//! Territory: divisions, grids (with GeoJSON import/export), compounds, buildings, locate.

pub mod grids;
mod handlers;
pub mod locator;
pub mod pages;
pub mod routes;

pub use handlers::*;
