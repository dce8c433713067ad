//! Planar geometry of the demo city: rectangle layouts, rings whose shared vertices are
//! bit-identical on both sides, and a gentle smooth warp that bends the straight cut lines.
//!
//! Everything is first laid out as axis-aligned rectangles in lon/lat. Every polygon's ring
//! then lists *every* corner of the finest tiling (the grids) that lies on its boundary, so
//! two neighbours always describe a shared border with the same sequence of vertices (no
//! T-junctions), at every level. Finally every vertex goes through one smooth, injective
//! map; because the same input bits give the same output bits, shared vertices stay shared.

use super::rng::Rng;
use std::collections::HashMap;

/// Metres per degree of longitude over metres per degree of latitude at Nanning (cos 22.8°).
pub(super) const LON_SCALE: f64 = 0.9218;

/// An axis-aligned rectangle, x = longitude (west→east), y = latitude (south→north).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub(super) fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub(super) fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The point at fractions (fx, fy) of the way across, measured from the south-west corner.
    pub(super) fn at(&self, fx: f64, fy: f64) -> [f64; 2] {
        [self.x0 + self.width() * fx, self.y0 + self.height() * fy]
    }
}

/// Splits `rect` into cells with areas proportional to `weights`, in as many rows as makes
/// the cells most nearly square (worst aspect ratio smallest). Consecutive weights share a
/// row. Cells are returned in reading order: rows north→south, each row west→east.
pub(super) fn layout(rect: Rect, weights: &[f64]) -> Vec<Rect> {
    let n = weights.len();
    assert!(n > 0, "layout needs at least one cell");
    let mut best: Option<(f64, Vec<Rect>)> = None;
    for rows in 1..=n {
        let mut chunks = Vec::with_capacity(rows);
        let mut start = 0;
        for r in 0..rows {
            let len = n / rows + usize::from(r < n % rows);
            chunks.push(&weights[start..start + len]);
            start += len;
        }
        let cells = rows_layout(rect, &chunks);
        let worst = cells.iter().map(aspect).fold(1.0, f64::max);
        if best.as_ref().is_none_or(|(b, _)| worst < *b) {
            best = Some((worst, cells));
        }
    }
    best.expect("at least one row count").1
}

/// Long side over short side, in ground distance.
fn aspect(r: &Rect) -> f64 {
    let (w, h) = (r.width() * LON_SCALE, r.height());
    w.max(h) / w.min(h)
}

/// Rows north→south with heights proportional to each row's weight, cells west→east with
/// widths proportional to their weight. The outer edges reuse `rect`'s values exactly and
/// each inner cut is computed once and shared by the cells on both sides.
pub(super) fn rows_layout(rect: Rect, rows: &[&[f64]]) -> Vec<Rect> {
    let total: f64 = rows.iter().flat_map(|r| r.iter()).sum();
    let mut out = Vec::new();
    let mut acc = 0.0;
    let mut top = rect.y1;
    for (i, row) in rows.iter().enumerate() {
        let row_total: f64 = row.iter().sum();
        acc += row_total;
        let bottom = if i + 1 == rows.len() {
            rect.y0
        } else {
            rect.y1 - rect.height() * (acc / total)
        };
        let mut acc_x = 0.0;
        let mut left = rect.x0;
        for (j, w) in row.iter().enumerate() {
            acc_x += w;
            let right = if j + 1 == row.len() {
                rect.x1
            } else {
                rect.x0 + rect.width() * (acc_x / row_total)
            };
            out.push(Rect {
                x0: left,
                y0: bottom,
                x1: right,
                y1: top,
            });
            left = right;
        }
        top = bottom;
    }
    out
}

/// All corners of the finest tiling, indexed by the exact line they sit on.
pub(super) struct VertexIndex {
    /// y bits → sorted x values of corners on that horizontal line.
    horizontal: HashMap<u64, Vec<f64>>,
    /// x bits → sorted y values of corners on that vertical line.
    vertical: HashMap<u64, Vec<f64>>,
}

impl VertexIndex {
    pub(super) fn new(cells: &[Rect]) -> VertexIndex {
        let mut horizontal: HashMap<u64, Vec<f64>> = HashMap::new();
        let mut vertical: HashMap<u64, Vec<f64>> = HashMap::new();
        for c in cells {
            for (x, y) in [(c.x0, c.y0), (c.x1, c.y0), (c.x1, c.y1), (c.x0, c.y1)] {
                horizontal.entry(y.to_bits()).or_default().push(x);
                vertical.entry(x.to_bits()).or_default().push(y);
            }
        }
        for list in horizontal.values_mut().chain(vertical.values_mut()) {
            list.sort_by(f64::total_cmp);
            list.dedup_by(|a, b| a.to_bits() == b.to_bits());
        }
        VertexIndex {
            horizontal,
            vertical,
        }
    }

    /// Values strictly between `lo` and `hi` on the given line, ascending.
    fn between(map: &HashMap<u64, Vec<f64>>, line: f64, lo: f64, hi: f64) -> &[f64] {
        match map.get(&line.to_bits()) {
            Some(list) => {
                let a = list.partition_point(|v| *v <= lo);
                let b = list.partition_point(|v| *v < hi);
                &list[a..b.max(a)]
            }
            None => &[],
        }
    }

    /// The closed, counter-clockwise ring of `r`, starting at its south-west corner, with
    /// every indexed corner that lies on its boundary.
    pub(super) fn ring(&self, r: Rect) -> Vec<[f64; 2]> {
        let mut ring = vec![[r.x0, r.y0]];
        for &x in Self::between(&self.horizontal, r.y0, r.x0, r.x1) {
            ring.push([x, r.y0]);
        }
        ring.push([r.x1, r.y0]);
        for &y in Self::between(&self.vertical, r.x1, r.y0, r.y1) {
            ring.push([r.x1, y]);
        }
        ring.push([r.x1, r.y1]);
        for &x in Self::between(&self.horizontal, r.y1, r.x0, r.x1)
            .iter()
            .rev()
        {
            ring.push([x, r.y1]);
        }
        ring.push([r.x0, r.y1]);
        for &y in Self::between(&self.vertical, r.x0, r.y0, r.y1).iter().rev() {
            ring.push([r.x0, y]);
        }
        ring.push([r.x0, r.y0]);
        ring
    }
}

/// A smooth map p ↦ p + g(p) made of a few long sine waves. The Lipschitz constant of g is
/// kept well below 1, so the map is injective and orientation-preserving: tiles stay tiles.
#[derive(Clone, Debug)]
pub(super) struct Warp {
    centre: [f64; 2],
    /// (amplitude°, kx, ky, phase) for the x displacement, then for the y displacement.
    terms: [[(f64, f64, f64, f64); 2]; 2],
}

impl Warp {
    pub(super) fn identity(centre: [f64; 2]) -> Warp {
        Warp {
            centre,
            terms: [[(0.0, 0.0, 0.0, 0.0); 2]; 2],
        }
    }

    /// Amplitude ≤ 0.003° (~300 m) and wavelengths ≥ 0.14°: each term has gradient at most
    /// 0.003·2π/0.14 ≈ 0.135, so |Dg| ≤ 0.27 < 1.
    pub(super) fn random(centre: [f64; 2], rng: &mut Rng) -> Warp {
        let term = |rng: &mut Rng| {
            let amp = rng.range_f64(0.0015, 0.003);
            let wavelength = rng.range_f64(0.14, 0.3);
            let angle = rng.range_f64(0.0, std::f64::consts::TAU);
            let k = std::f64::consts::TAU / wavelength;
            let phase = rng.range_f64(0.0, std::f64::consts::TAU);
            (amp, k * angle.cos(), k * angle.sin(), phase)
        };
        Warp {
            centre,
            terms: [[term(rng), term(rng)], [term(rng), term(rng)]],
        }
    }

    pub(super) fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        let dx = p[0] - self.centre[0];
        let dy = p[1] - self.centre[1];
        let shift = |terms: &[(f64, f64, f64, f64); 2]| -> f64 {
            terms
                .iter()
                .map(|&(a, kx, ky, phase)| {
                    if a == 0.0 {
                        0.0
                    } else {
                        a * (kx * dx + ky * dy + phase).sin()
                    }
                })
                .sum()
        };
        [p[0] + shift(&self.terms[0]), p[1] + shift(&self.terms[1])]
    }
}

#[cfg(test)]
/// Signed area (shoelace) of a closed ring, positive when counter-clockwise. Computed
/// relative to the first vertex to keep the products small.
pub(super) fn ring_area(ring: &[[f64; 2]]) -> f64 {
    let Some(o) = ring.first() else { return 0.0 };
    let mut twice = 0.0;
    for w in ring.windows(2) {
        let (ax, ay) = (w[0][0] - o[0], w[0][1] - o[1]);
        let (bx, by) = (w[1][0] - o[0], w[1][1] - o[1]);
        twice += ax * by - bx * ay;
    }
    twice / 2.0
}

/// Crossing-number point-in-polygon with the half-open rule. Each edge is evaluated with
/// its lower endpoint first, so two rings sharing an edge compute bit-identical crossings
/// and a point on a shared edge falls in exactly one of them.
pub(super) fn ring_contains(ring: &[[f64; 2]], p: [f64; 2]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = if w[0][1] <= w[1][1] {
            (w[0], w[1])
        } else {
            (w[1], w[0])
        };
        if (a[1] <= p[1]) && (p[1] < b[1]) {
            let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if p[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

#[cfg(test)]
/// Bounding box of a ring: [min lon, min lat, max lon, max lat].
pub(super) fn ring_bbox(ring: &[[f64; 2]]) -> [f64; 4] {
    ring.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        },
    )
}
