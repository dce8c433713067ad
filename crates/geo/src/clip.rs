//! Area of the intersection of two polygons, by slab (trapezoid) decomposition.
//!
//! The plane is cut into horizontal slabs at every vertex y of either polygon and at every
//! y where an edge of one crosses an edge of the other. Inside a slab no edge starts, ends
//! or crosses another, so the set of straddling edges and their left-to-right order are
//! fixed; the length of the horizontal cross-section of A ∩ B is then a linear function of
//! y, and the slab's contribution is exactly its height times the cross-section length at
//! mid-height. Works for any polygons (non-convex, with holes; even–odd rule), unlike
//! Sutherland–Hodgman.
//!
//! Shared edges: both polygons' copies of a shared edge are evaluated in canonical
//! orientation with the same formula, so they produce identical x at every y and the
//! shared boundary contributes nothing. Edges that differ by floating noise contribute an
//! area of the order of that noise.

use crate::polygon::{Polygon, ring_edges};
use crate::robust::{SegmentMeet, segments_meet};

#[derive(Clone, Copy)]
struct Edge {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

impl Edge {
    #[inline]
    fn x_at(&self, y: f64) -> f64 {
        self.x1 + (y - self.y1) * (self.x2 - self.x1) / (self.y2 - self.y1)
    }
}

/// Non-horizontal edges (canonical: y1 < y2) whose y-range overlaps (ylo, yhi).
fn edges_in_band(p: &Polygon, ylo: f64, yhi: f64, out: &mut Vec<Edge>) {
    out.clear();
    for r in p.rings() {
        for (a, b) in ring_edges(r) {
            if a[1] == b[1] {
                continue;
            }
            let e = if a[1] < b[1] {
                Edge {
                    x1: a[0],
                    y1: a[1],
                    x2: b[0],
                    y2: b[1],
                }
            } else {
                Edge {
                    x1: b[0],
                    y1: b[1],
                    x2: a[0],
                    y2: a[1],
                }
            };
            if e.y2 > ylo && e.y1 < yhi && e.x1.is_finite() && e.x2.is_finite() {
                out.push(e);
            }
        }
    }
}

/// y of the crossing point of two properly crossing segments (approximate is fine: an
/// extra slab boundary never hurts, it only needs to be near the true crossing).
fn crossing_y(a: &Edge, b: &Edge) -> f64 {
    let (rx, ry) = (a.x2 - a.x1, a.y2 - a.y1);
    let (sx, sy) = (b.x2 - b.x1, b.y2 - b.y1);
    let den = rx * sy - ry * sx;
    if den == 0.0 {
        return f64::NAN;
    }
    let t = ((b.x1 - a.x1) * sy - (b.y1 - a.y1) * sx) / den;
    a.y1 + t.clamp(0.0, 1.0) * ry
}

/// Total length of the intersection of two even–odd interval sets given by sorted
/// crossing abscissae.
fn overlap_len(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (a.len() / 2, b.len() / 2);
    let (mut i, mut j) = (0, 0);
    let mut len = 0.0;
    while i < na && j < nb {
        let (a0, a1) = (a[2 * i], a[2 * i + 1]);
        let (b0, b1) = (b[2 * j], b[2 * j + 1]);
        let lo = a0.max(b0);
        let hi = a1.min(b1);
        if hi > lo {
            len += hi - lo;
        }
        if a1 < b1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    len
}

/// Area (degrees²) of the intersection of `a` and `b` (even–odd rule over all rings).
pub(crate) fn intersection_area(a: &Polygon, b: &Polygon) -> f64 {
    let bb = a.bbox().intersection(&b.bbox());
    if bb.is_empty() || bb.min_lat >= bb.max_lat || bb.min_lon >= bb.max_lon {
        return 0.0;
    }
    let (ylo, yhi) = (bb.min_lat, bb.max_lat);
    let mut ea = Vec::new();
    let mut eb = Vec::new();
    edges_in_band(a, ylo, yhi, &mut ea);
    edges_in_band(b, ylo, yhi, &mut eb);
    if ea.is_empty() || eb.is_empty() {
        return 0.0;
    }

    // Slab boundaries: band limits, vertex ys inside, crossing ys.
    let mut ys = Vec::with_capacity(2 * (ea.len() + eb.len()) + 2);
    ys.push(ylo);
    ys.push(yhi);
    for e in ea.iter().chain(eb.iter()) {
        for y in [e.y1, e.y2] {
            if y > ylo && y < yhi {
                ys.push(y);
            }
        }
    }
    // Only edges that reach into the common bbox can cross each other.
    let in_box = |e: &Edge| e.x1.min(e.x2) <= bb.max_lon && e.x1.max(e.x2) >= bb.min_lon;
    let ca: Vec<Edge> = ea.iter().copied().filter(in_box).collect();
    let cb: Vec<Edge> = eb.iter().copied().filter(in_box).collect();
    for p in &ca {
        let (pxl, pxh) = (p.x1.min(p.x2), p.x1.max(p.x2));
        for q in &cb {
            if q.y2 <= p.y1 || q.y1 >= p.y2 || q.x1.max(q.x2) < pxl || q.x1.min(q.x2) > pxh {
                continue;
            }
            if segments_meet([p.x1, p.y1], [p.x2, p.y2], [q.x1, q.y1], [q.x2, q.y2])
                == SegmentMeet::Cross
            {
                let y = crossing_y(p, q);
                if y > ylo && y < yhi {
                    ys.push(y);
                }
            }
        }
    }
    ys.sort_unstable_by(f64::total_cmp);
    ys.dedup();

    ea.sort_unstable_by(|p, q| p.y1.total_cmp(&q.y1));
    eb.sort_unstable_by(|p, q| p.y1.total_cmp(&q.y1));
    let (mut ia, mut ib) = (0usize, 0usize);
    let mut act_a: Vec<Edge> = Vec::new();
    let mut act_b: Vec<Edge> = Vec::new();
    let mut xa: Vec<f64> = Vec::new();
    let mut xb: Vec<f64> = Vec::new();
    let mut area = 0.0;
    for w in ys.windows(2) {
        let (y0, y1) = (w[0], w[1]);
        let ym = 0.5 * (y0 + y1);
        if !(ym > y0 && ym < y1) {
            continue; // adjacent doubles: zero-height slab
        }
        while ia < ea.len() && ea[ia].y1 <= y0 {
            act_a.push(ea[ia]);
            ia += 1;
        }
        while ib < eb.len() && eb[ib].y1 <= y0 {
            act_b.push(eb[ib]);
            ib += 1;
        }
        act_a.retain(|e| e.y2 > y0);
        act_b.retain(|e| e.y2 > y0);
        xa.clear();
        xb.clear();
        xa.extend(act_a.iter().map(|e| e.x_at(ym)));
        xb.extend(act_b.iter().map(|e| e.x_at(ym)));
        if xa.len() < 2 || xb.len() < 2 {
            continue;
        }
        xa.sort_unstable_by(f64::total_cmp);
        xb.sort_unstable_by(f64::total_cmp);
        area += overlap_len(&xa, &xb) * (y1 - y0);
    }
    area
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
        Polygon::rect(x0, y0, x1, y1)
    }

    #[test]
    fn rectangles() {
        assert_eq!(
            intersection_area(&rect(0.0, 0.0, 2.0, 2.0), &rect(1.0, 1.0, 3.0, 3.0)),
            1.0
        );
        assert_eq!(
            intersection_area(&rect(0.0, 0.0, 1.0, 1.0), &rect(1.0, 0.0, 2.0, 1.0)),
            0.0
        );
        assert_eq!(
            intersection_area(&rect(0.0, 0.0, 1.0, 1.0), &rect(2.0, 0.0, 3.0, 1.0)),
            0.0
        );
        assert_eq!(
            intersection_area(&rect(0.0, 0.0, 4.0, 4.0), &rect(1.0, 1.0, 2.0, 2.0)),
            1.0
        );
    }

    #[test]
    fn non_convex_cases() {
        // A "U" shape and a bar across its opening: intersects only the two arms.
        let u = Polygon::new(vec![
            [0.0, 0.0],
            [3.0, 0.0],
            [3.0, 3.0],
            [2.0, 3.0],
            [2.0, 1.0],
            [1.0, 1.0],
            [1.0, 3.0],
            [0.0, 3.0],
            [0.0, 0.0],
        ]);
        let bar = rect(-1.0, 2.0, 4.0, 2.5);
        assert!((intersection_area(&u, &bar) - 1.0).abs() < 1e-12);
        // Two triangles whose edges cross (a star of David): hexagon area = 2/3 of triangle.
        let t1 = Polygon::new(vec![[0.0, 0.0], [6.0, 0.0], [3.0, 6.0], [0.0, 0.0]]);
        let t2 = Polygon::new(vec![[0.0, 4.0], [3.0, -2.0], [6.0, 4.0], [0.0, 4.0]]);
        let a = intersection_area(&t1, &t2);
        // Exact: t1 area 18; overlap = 18 - 3 corner triangles (each 2 at top, ...). Compare
        // with a fine Monte-Carlo-free grid sum instead.
        let grid = grid_estimate(&t1, &t2, 1500);
        assert!((a - grid).abs() < 0.02, "{a} vs {grid}");
        // Holes are respected.
        let mut holed = rect(0.0, 0.0, 4.0, 4.0);
        holed.holes.push(vec![
            [1.0, 1.0],
            [3.0, 1.0],
            [3.0, 3.0],
            [1.0, 3.0],
            [1.0, 1.0],
        ]);
        assert!((intersection_area(&holed, &rect(0.0, 0.0, 2.0, 2.0)) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn shared_edges_with_noise_give_tiny_area() {
        let a = Polygon::new(vec![
            [0.0, 0.0],
            [1.0, 0.1],
            [1.2, 1.3],
            [0.1, 1.0],
            [0.0, 0.0],
        ]);
        let b = Polygon::new(vec![
            [1.0, 0.1],
            [2.0, 0.0],
            [2.0, 1.0],
            [1.2, 1.3 + 1e-13],
            [1.0, 0.1],
        ]);
        assert!(intersection_area(&a, &b).abs() < 1e-12);
        let b2 = Polygon::new(vec![
            [1.0, 0.1],
            [2.0, 0.0],
            [2.0, 1.0],
            [1.2, 1.3],
            [1.0, 0.1],
        ]);
        assert_eq!(intersection_area(&a, &b2), 0.0);
    }

    fn grid_estimate(a: &Polygon, b: &Polygon, n: usize) -> f64 {
        let bb = a.bbox().union(&b.bbox());
        let (w, h) = (bb.max_lon - bb.min_lon, bb.max_lat - bb.min_lat);
        let mut hits = 0usize;
        for i in 0..n {
            for j in 0..n {
                let x = bb.min_lon + (i as f64 + 0.5) / n as f64 * w;
                let y = bb.min_lat + (j as f64 + 0.5) / n as f64 * h;
                if a.contains(x, y) && b.contains(x, y) {
                    hits += 1;
                }
            }
        }
        hits as f64 / (n * n) as f64 * w * h
    }

    /// A random simple (star-shaped) polygon around (cx, cy).
    fn star(cx: f64, cy: f64, radii: &[f64]) -> Polygon {
        let n = radii.len();
        let mut ring: Vec<[f64; 2]> = (0..n)
            .map(|k| {
                let t = k as f64 / n as f64 * std::f64::consts::TAU;
                [cx + radii[k] * t.cos(), cy + radii[k] * t.sin()]
            })
            .collect();
        ring.push(ring[0]);
        Polygon::new(ring)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        // Non-convex star polygons: the slab result must match a fine grid estimate, be
        // symmetric, and never exceed either area.
        #[test]
        fn matches_grid_estimate(
            ra in proptest::collection::vec(0.3f64..1.0, 5..12),
            rb in proptest::collection::vec(0.3f64..1.0, 5..12),
            dx in -1.0f64..1.0, dy in -1.0f64..1.0,
        ) {
            let a = star(0.0, 0.0, &ra);
            let b = star(dx, dy, &rb);
            let s = intersection_area(&a, &b);
            let s2 = intersection_area(&b, &a);
            prop_assert!((s - s2).abs() < 1e-12);
            prop_assert!(s <= a.area_deg2() + 1e-12 && s <= b.area_deg2() + 1e-12);
            prop_assert!(s >= 0.0);
            let g = grid_estimate(&a, &b, 400);
            // Grid estimate error: about perimeter × cell size.
            prop_assert!((s - g).abs() < 0.02, "slab {} grid {}", s, g);
        }

        // Convex case against an independent exact method (Sutherland–Hodgman is exact for
        // a convex clip polygon).
        #[test]
        fn matches_sutherland_hodgman_on_convex(
            n in 3usize..9, m in 3usize..9, r1 in 0.3f64..1.0, r2 in 0.3f64..1.0,
            dx in -1.0f64..1.0, dy in -1.0f64..1.0, rot in 0.0f64..1.0,
        ) {
            let reg = |n: usize, r: f64, cx: f64, cy: f64, rot: f64| {
                let mut v: Vec<[f64; 2]> = (0..n).map(|k| {
                    let t = (k as f64 + rot) / n as f64 * std::f64::consts::TAU;
                    [cx + r * t.cos(), cy + r * t.sin()]
                }).collect();
                v.push(v[0]);
                v
            };
            let a = Polygon::new(reg(n, r1, 0.0, 0.0, 0.0));
            let b = Polygon::new(reg(m, r2, dx, dy, rot));
            let s = intersection_area(&a, &b);
            let sh = sutherland_hodgman_area(&a.exterior, &b.exterior);
            prop_assert!((s - sh).abs() < 1e-9, "slab {} sh {}", s, sh);
        }
    }

    fn sutherland_hodgman_area(subject: &[[f64; 2]], clip: &[[f64; 2]]) -> f64 {
        let cross = |a: [f64; 2], b: [f64; 2], p: [f64; 2]| {
            (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
        };
        let mut out: Vec<[f64; 2]> = subject[..subject.len() - 1].to_vec();
        for w in clip.windows(2) {
            let (a, b) = (w[0], w[1]);
            let inp = std::mem::take(&mut out);
            for i in 0..inp.len() {
                let p = inp[i];
                let q = inp[(i + 1) % inp.len()];
                let (cp, cq) = (cross(a, b, p), cross(a, b, q));
                if cp >= 0.0 {
                    out.push(p);
                }
                if (cp >= 0.0) != (cq >= 0.0) {
                    let t = cp / (cp - cq);
                    out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
                }
            }
            if out.is_empty() {
                return 0.0;
            }
        }
        out.push(out[0]);
        crate::polygon::ring_signed_area(&out).abs()
    }
}
