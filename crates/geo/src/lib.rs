//! Tongxin geo: coordinate systems (WGS-84, GCJ-02, BD-09), grid polygons, GeoJSON
//! import/export, validation of a grid layer, and the point-to-grid index.
//!
//! Everything works in WGS-84 degrees (`[lon, lat]`); convert other inputs with
//! [`crs::to_wgs84`] first.
//!
//! One point-in-polygon rule is shared by [`polygon::Polygon::contains`] and
//! [`index::GridIndex`]: the even–odd crossing number with a ray to +x, a half-open rule
//! on y and every edge evaluated in one canonical orientation (lower end first). Because
//! both neighbours of a shared edge evaluate it with identical arithmetic, a point on a
//! shared edge or vertex belongs to exactly one grid of a tiling.

pub mod crs;
pub mod geojson;
pub mod index;
pub mod polygon;
pub mod validate;

mod clip;
mod robust;
