//! Grid polygons in WGS-84 degrees.

use serde::{Deserialize, Serialize};

use crate::crs::metres_per_degree;

/// A ring of `[lon, lat]` positions, closed (first == last).
pub type Ring = Vec<[f64; 2]>;

/// A polygon: one exterior ring and zero or more holes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    /// Outer boundary.
    pub exterior: Ring,
    /// Holes (may be empty).
    #[serde(default)]
    pub holes: Vec<Ring>,
}

/// An axis-aligned bounding box in degrees. An empty box has `min > max`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bbox {
    /// West edge.
    pub min_lon: f64,
    /// South edge.
    pub min_lat: f64,
    /// East edge.
    pub max_lon: f64,
    /// North edge.
    pub max_lat: f64,
}

impl Bbox {
    /// The empty box (the identity for [`Bbox::union`]).
    pub const EMPTY: Bbox = Bbox {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };

    /// Whether the box contains no point.
    pub fn is_empty(&self) -> bool {
        !(self.min_lon <= self.max_lon && self.min_lat <= self.max_lat)
    }

    /// Grows the box to include a position.
    pub fn include(&mut self, p: [f64; 2]) {
        self.min_lon = self.min_lon.min(p[0]);
        self.min_lat = self.min_lat.min(p[1]);
        self.max_lon = self.max_lon.max(p[0]);
        self.max_lat = self.max_lat.max(p[1]);
    }

    /// Smallest box containing both.
    pub fn union(&self, o: &Bbox) -> Bbox {
        Bbox {
            min_lon: self.min_lon.min(o.min_lon),
            min_lat: self.min_lat.min(o.min_lat),
            max_lon: self.max_lon.max(o.max_lon),
            max_lat: self.max_lat.max(o.max_lat),
        }
    }

    /// Intersection (possibly empty).
    pub fn intersection(&self, o: &Bbox) -> Bbox {
        Bbox {
            min_lon: self.min_lon.max(o.min_lon),
            min_lat: self.min_lat.max(o.min_lat),
            max_lon: self.max_lon.min(o.max_lon),
            max_lat: self.max_lat.min(o.max_lat),
        }
    }

    /// Whether the closed boxes share at least one point.
    pub fn intersects(&self, o: &Bbox) -> bool {
        self.min_lon <= o.max_lon
            && o.min_lon <= self.max_lon
            && self.min_lat <= o.max_lat
            && o.min_lat <= self.max_lat
    }

    /// Whether the closed box contains the position.
    pub fn contains_point(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }
}

/// The edges of a ring, including the closing edge from the last to the first position
/// (zero-length when the ring is closed, as it should be).
pub(crate) fn ring_edges(r: &[[f64; 2]]) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
    let n = r.len();
    (0..n).map(move |i| (r[i], r[(i + 1) % n]))
}

/// The edge in canonical orientation (lower end first), as `(x1, y1, x2, y2)`.
#[inline]
pub(crate) fn canonical(a: [f64; 2], b: [f64; 2]) -> (f64, f64, f64, f64) {
    if a[1] <= b[1] {
        (a[0], a[1], b[0], b[1])
    } else {
        (b[0], b[1], a[0], a[1])
    }
}

/// Whether the ray from (px, py) to +x crosses the canonical edge (x1, y1)–(x2, y2).
///
/// Half-open rule on y (`(y1 > py) != (y2 > py)`) and the intersection formula of the
/// benchmark's reference implementation (`pip_numpy.py`), evaluated in the canonical
/// orientation so both polygons sharing an edge get the same answer.
#[inline(always)]
pub(crate) fn crosses(px: f64, py: f64, x1: f64, y1: f64, dx: f64, y2: f64) -> bool {
    (y1 > py) != (y2 > py) && px < x1 + (py - y1) * dx / (y2 - y1)
}

/// Signed area (shoelace, positive when counter-clockwise) of a ring, in degrees².
/// Translated to the first vertex to keep precision with large coordinates.
pub fn ring_signed_area(r: &[[f64; 2]]) -> f64 {
    if r.len() < 3 {
        return 0.0;
    }
    let [ox, oy] = r[0];
    let mut s = 0.0;
    for (a, b) in ring_edges(r) {
        s += (a[0] - ox) * (b[1] - oy) - (b[0] - ox) * (a[1] - oy);
    }
    0.5 * s
}

/// Whether a ring is closed (at least one position, first == last).
pub fn ring_is_closed(r: &[[f64; 2]]) -> bool {
    !r.is_empty() && r[0] == r[r.len() - 1]
}

impl Polygon {
    /// A polygon without holes.
    pub fn new(exterior: Ring) -> Polygon {
        Polygon {
            exterior,
            holes: Vec::new(),
        }
    }

    /// An axis-aligned rectangle (closed, counter-clockwise).
    pub fn rect(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Polygon {
        Polygon::new(vec![
            [min_lon, min_lat],
            [max_lon, min_lat],
            [max_lon, max_lat],
            [min_lon, max_lat],
            [min_lon, min_lat],
        ])
    }

    /// All rings: the exterior first, then the holes.
    pub fn rings(&self) -> impl Iterator<Item = &Ring> {
        std::iter::once(&self.exterior).chain(self.holes.iter())
    }

    /// Bounding box of the exterior ring (holes lie inside it in a valid polygon).
    pub fn bbox(&self) -> Bbox {
        let mut b = Bbox::EMPTY;
        for &p in &self.exterior {
            b.include(p);
        }
        b
    }

    /// Point-in-polygon: even–odd crossing number over all rings, ray to +x, half-open in
    /// y, each edge evaluated in canonical orientation. This is exactly the rule used by
    /// [`crate::index::GridIndex`], so the two always agree, and a point on an edge shared
    /// by two polygons is inside exactly one of them. Edges with non-finite coordinates are
    /// ignored.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let mut inside = false;
        for r in self.rings() {
            for (a, b) in ring_edges(r) {
                // Edges with non-finite coordinates are ignored (as by the index).
                if !(a[0].is_finite() && a[1].is_finite() && b[0].is_finite() && b[1].is_finite()) {
                    continue;
                }
                let (x1, y1, x2, y2) = canonical(a, b);
                if crosses(lon, lat, x1, y1, x2 - x1, y2) {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// Area in degrees² (exterior minus holes), orientation-independent.
    pub fn area_deg2(&self) -> f64 {
        let ext = ring_signed_area(&self.exterior).abs();
        let holes: f64 = self.holes.iter().map(|h| ring_signed_area(h).abs()).sum();
        ext - holes
    }

    /// Area in m², with a local equirectangular approximation at the centre latitude of the
    /// bounding box (error well below 0.1 % for grid-sized polygons).
    pub fn area_m2(&self) -> f64 {
        let b = self.bbox();
        if b.is_empty() {
            return 0.0;
        }
        deg2_to_m2(self.area_deg2(), 0.5 * (b.min_lat + b.max_lat))
    }
}

/// Converts an area in degrees² at latitude `lat` to m².
pub fn deg2_to_m2(area_deg2: f64, lat: f64) -> f64 {
    let (m_lat, m_lon) = metres_per_degree(lat);
    area_deg2 * m_lat * m_lon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_area_and_bbox() {
        let p = Polygon::rect(108.0, 22.0, 108.001, 22.001);
        assert!((p.area_deg2() - 1e-6).abs() < 1e-15);
        // 0.001° ≈ 111 m × 102.7 m at 22°N.
        let m2 = p.area_m2();
        assert!((11_300.0..11_500.0).contains(&m2), "{m2}");
        let b = p.bbox();
        assert_eq!(
            (b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            (108.0, 22.0, 108.001, 22.001)
        );
        assert!(!b.is_empty() && Bbox::EMPTY.is_empty());
    }

    #[test]
    fn hole_area_and_containment() {
        let mut p = Polygon::rect(0.0, 0.0, 10.0, 10.0);
        p.holes.push(vec![
            [2.0, 2.0],
            [2.0, 4.0],
            [4.0, 4.0],
            [4.0, 2.0],
            [2.0, 2.0],
        ]);
        assert_eq!(p.area_deg2(), 96.0);
        assert!(p.contains(1.0, 1.0));
        assert!(!p.contains(3.0, 3.0));
        assert!(!p.contains(11.0, 3.0));
    }

    #[test]
    fn closedness() {
        assert!(ring_is_closed(&[
            [0.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [0.0, 0.0]
        ]));
        assert!(!ring_is_closed(&[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]));
        assert!(!ring_is_closed(&[]));
        // An unclosed ring still gets the implicit closing edge in `contains`.
        let open = Polygon::new(vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]);
        assert!(open.contains(0.5, 0.5));
        assert_eq!(open.area_deg2(), 1.0);
    }

    #[test]
    fn shared_edge_and_vertex_points_belong_to_exactly_one() {
        // Two squares sharing the edge x = 1, and a slanted shared edge in a second pair.
        let a = Polygon::rect(0.0, 0.0, 1.0, 1.0);
        let b = Polygon::rect(1.0, 0.0, 2.0, 1.0);
        for &(x, y) in &[(1.0, 0.5), (1.0, 0.0), (1.0, 1.0), (0.5, 0.0), (1.5, 1.0)] {
            let n = a.contains(x, y) as u8 + b.contains(x, y) as u8;
            assert!(n <= 1);
        }
        assert_eq!(a.contains(1.0, 0.5) as u8 + b.contains(1.0, 0.5) as u8, 1);
        let c = Polygon::new(vec![
            [0.0, 0.0],
            [0.3, 0.0],
            [0.7, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ]);
        let d = Polygon::new(vec![
            [0.3, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.7, 1.0],
            [0.3, 0.0],
        ]);
        for k in 1..100 {
            let t = k as f64 / 100.0;
            let (x, y) = (0.3 + 0.4 * t, t);
            assert_eq!(c.contains(x, y) as u8 + d.contains(x, y) as u8, 1, "t={t}");
        }
    }

    #[test]
    fn orientation_does_not_matter() {
        let ccw = Polygon::new(vec![[0.0, 0.0], [2.0, 0.0], [1.0, 2.0], [0.0, 0.0]]);
        let mut cw = ccw.clone();
        cw.exterior.reverse();
        for &(x, y) in &[(1.0, 1.0), (0.2, 0.1), (1.9, 0.05), (1.5, 1.5), (-1.0, 0.5)] {
            assert_eq!(ccw.contains(x, y), cw.contains(x, y));
        }
        assert!(ring_signed_area(&ccw.exterior) > 0.0);
        assert!(ring_signed_area(&cw.exterior) < 0.0);
    }
}
