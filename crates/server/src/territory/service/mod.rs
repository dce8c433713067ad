//! Territory: divisions, grids (with GeoJSON import/export), compounds, buildings, locate.

pub mod grids;
pub mod locator;
pub mod nodes;
pub mod overview;

pub use nodes::*;
