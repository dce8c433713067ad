//! The point-to-grid index: a uniform raster over the data's bounding box.
//!
//! Each cell holds one `u32` word:
//! * `0`: no polygon contains any point of the cell;
//! * `k + 1` (top bit clear): every point of the cell is in polygon `k` (one load answers);
//! * `MIXED | offset` (top bit set): some polygon boundary passes through the cell; `offset`
//!   points at a short candidate list in `cands`: for each candidate polygon (in input
//!   order) the run of its edges that overlap the cell's row, stored contiguously in
//!   `edges`. The point is tested against those edges only, with exactly the crossing
//!   rule of [`Polygon::contains`] (ray to +x, half-open in y, canonical edge orientation),
//!   so the index agrees with a brute-force scan that returns the first polygon containing
//!   the point, including for points on shared edges and vertices.
//!
//! Why the row's edges are enough: a ray to +x from a point at height `py` can only cross
//! edges whose y-range contains `py`, and every such edge is filed under the point's row
//! (the row mapping is monotone in y, so filing an edge under rows `row(ymin)..=row(ymax)`
//! is exact).
//!
//! Build: edges are filed per row with a counting sort; then each row is swept once from
//! west to east at its centre line, keeping track of which polygons contain the sweep point.
//! A cell that no edge touches (edges mark, per row, the column range of their segment
//! clipped to the row, widened by a tiny epsilon, so marking is conservative) takes the
//! first polygon containing its centre; a touched cell gets the touching polygons plus the
//! ones containing its centre as candidates. Consecutive identical candidate lists share
//! storage.

use crate::polygon::{Polygon, canonical, crosses, ring_edges};

const MIXED: u32 = 1 << 31;

/// One edge in canonical orientation (`y1 <= y2`), laid out for the crossing test.
#[derive(Clone, Copy, Debug)]
struct XEdge {
    y1: f64,
    y2: f64,
    x1: f64,
    dx: f64,
}

/// Point-to-grid index. Cheap to share between threads (`Send + Sync`, immutable).
#[derive(Clone)]
pub struct GridIndex {
    x0: f64,
    y0: f64,
    sx: f64,
    sy: f64,
    nx: usize,
    ny: usize,
    nx_f: f64,
    ny_f: f64,
    cells: Vec<u32>,
    /// Candidate lists: `[n, (start, len, poly) × n]`.
    cands: Vec<u32>,
    edges: Vec<XEdge>,
    /// Caller's id per polygon position.
    ids: Vec<u32>,
}

impl std::fmt::Debug for GridIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GridIndex")
            .field("polygons", &self.ids.len())
            .field("raster", &(self.nx, self.ny))
            .field(
                "mixed_cells",
                &self.cells.iter().filter(|&&w| w & MIXED != 0).count(),
            )
            .field("row_edges", &self.edges.len())
            .field("bytes", &self.heap_bytes())
            .finish()
    }
}

impl Default for GridIndex {
    fn default() -> Self {
        GridIndex::build(&[])
    }
}

/// Default raster resolution: cells on the long side of the data bbox for `n` polygons,
/// 16·√n (about 1,300 for the 6,764-grid reference set: there the throughput is flat from
/// 1,024 to 1,700 and drops above 2,048, where the raster no longer fits the caches as
/// well; see docs/geo-benchmark.md).
fn default_long_side(n: usize) -> usize {
    ((16.0 * (n as f64).sqrt()).round() as usize).clamp(8, 4096)
}

struct RawEdge {
    poly: u32,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

impl GridIndex {
    /// Builds the index. `polygons` are `(id, polygon)` with the caller's ids; when
    /// polygons overlap, the first one in slice order wins (like a linear scan).
    pub fn build(polygons: &[(u32, Polygon)]) -> GridIndex {
        Self::build_with_resolution(polygons, default_long_side(polygons.len()))
    }

    /// As [`GridIndex::build`], with an explicit number of raster cells on the long side
    /// of the data's bounding box (clamped to 1..=16384). Mostly for tuning and tests.
    pub fn build_with_resolution(polygons: &[(u32, Polygon)], long_side: usize) -> GridIndex {
        let ids: Vec<u32> = polygons.iter().map(|(id, _)| *id).collect();
        let long_side = long_side.clamp(1, 16384);

        // ---- edges and data bbox (finite coordinates only).
        let mut raw: Vec<RawEdge> = Vec::new();
        let (mut xmin, mut ymin, mut xmax, mut ymax) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for (k, (_, p)) in polygons.iter().enumerate() {
            for r in p.rings() {
                for (a, b) in ring_edges(r) {
                    if a == b
                        || !(a[0].is_finite()
                            && a[1].is_finite()
                            && b[0].is_finite()
                            && b[1].is_finite())
                    {
                        continue;
                    }
                    let (x1, y1, x2, y2) = canonical(a, b);
                    xmin = xmin.min(x1.min(x2));
                    xmax = xmax.max(x1.max(x2));
                    ymin = ymin.min(y1);
                    ymax = ymax.max(y2);
                    raw.push(RawEdge {
                        poly: k as u32,
                        x1,
                        y1,
                        x2,
                        y2,
                    });
                }
            }
        }
        if raw.is_empty() {
            return GridIndex {
                x0: 0.0,
                y0: 0.0,
                sx: 1.0,
                sy: 1.0,
                nx: 0,
                ny: 0,
                nx_f: 0.0,
                ny_f: 0.0,
                cells: Vec::new(),
                cands: Vec::new(),
                edges: Vec::new(),
                ids,
            };
        }
        // eps: far above the rounding error of any value computed here (~1e-16 relative),
        // far below anything geographic (1e-10 × 108° ≈ 1 mm).
        let mag = xmin
            .abs()
            .max(xmax.abs())
            .max(ymin.abs())
            .max(ymax.abs())
            .max(1.0);
        let eps = 1e-10 * mag;
        let x0 = xmin - 4.0 * eps;
        let y0 = ymin - 4.0 * eps;
        let w = (xmax + 4.0 * eps) - x0;
        let h = (ymax + 4.0 * eps) - y0;
        let (nx, ny) = if w >= h {
            (
                long_side,
                ((long_side as f64 * h / w).ceil() as usize).clamp(1, long_side),
            )
        } else {
            (
                ((long_side as f64 * w / h).ceil() as usize).clamp(1, long_side),
                long_side,
            )
        };
        // Cell i covers x with floor((x - x0) * sx) == i; the data bbox maps strictly
        // inside [0, nx) thanks to the 4·eps margins.
        let sx = nx as f64 / w;
        let sy = ny as f64 / h;
        let row_of = |y: f64| -> usize { (((y - y0) * sy).floor().max(0.0) as usize).min(ny - 1) };
        let col_of = |x: f64| -> usize { (((x - x0) * sx).floor().max(0.0) as usize).min(nx - 1) };

        // ---- file edges under rows (counting sort; stable, so polygon order is kept).
        let mut row_count = vec![0u32; ny + 1];
        let mut spans: Vec<(u32, u32)> = Vec::with_capacity(raw.len());
        for e in &raw {
            let (r0, r1) = (row_of(e.y1 - eps), row_of(e.y2 + eps));
            spans.push((r0 as u32, r1 as u32));
            for r in r0..=r1 {
                row_count[r + 1] += 1;
            }
        }
        for r in 0..ny {
            row_count[r + 1] += row_count[r];
        }
        let row_start = row_count.clone();
        let mut fill = row_count;
        let mut row_edges = vec![0u32; row_start[ny] as usize];
        for (i, &(r0, r1)) in spans.iter().enumerate() {
            for r in r0..=r1 {
                let slot = &mut fill[r as usize];
                row_edges[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        drop(spans);

        // ---- sweep each row.
        let npoly = polygons.len();
        let mut cells = vec![0u32; nx * ny];
        let mut cands: Vec<u32> = Vec::new();
        let mut edges: Vec<XEdge> = Vec::with_capacity(row_edges.len());
        // Per polygon: group (start, len) in the current row, stamped with the row.
        let mut group_row = vec![u32::MAX; npoly];
        let mut group_of = vec![(0u32, 0u32); npoly];
        let mut inside = vec![false; npoly];
        let mut inside_list: Vec<u32> = Vec::new();
        let mut touches: Vec<u64> = Vec::new();
        let mut xings: Vec<(f64, u32)> = Vec::new();
        let mut cand_buf: Vec<u32> = Vec::new();
        let mut list_buf: Vec<u32> = Vec::new();

        for j in 0..ny {
            let list = &row_edges[row_start[j] as usize..row_start[j + 1] as usize];
            let yc = y0 + (j as f64 + 0.5) / sy;
            let strip_lo = y0 + j as f64 / sy - eps;
            let strip_hi = y0 + (j + 1) as f64 / sy + eps;
            touches.clear();
            xings.clear();
            let mut cur_poly = u32::MAX;
            for &ei in list {
                let e = &raw[ei as usize];
                // Crossing data, grouped per polygon (contiguous: list is in polygon order).
                if e.y1 != e.y2 {
                    if e.poly != cur_poly {
                        cur_poly = e.poly;
                        group_row[e.poly as usize] = j as u32;
                        group_of[e.poly as usize] = (edges.len() as u32, 0);
                    }
                    edges.push(XEdge {
                        y1: e.y1,
                        y2: e.y2,
                        x1: e.x1,
                        dx: e.x2 - e.x1,
                    });
                    group_of[e.poly as usize].1 += 1;
                    if crosses(f64::NEG_INFINITY, yc, e.x1, e.y1, e.x2 - e.x1, e.y2) {
                        let xi = e.x1 + (yc - e.y1) * (e.x2 - e.x1) / (e.y2 - e.y1);
                        xings.push((xi, e.poly));
                    }
                }
                // Cells touched: the segment clipped to the (widened) strip, widened by eps.
                let (xa, xb) = if e.y1 == e.y2 {
                    (e.x1.min(e.x2), e.x1.max(e.x2))
                } else {
                    let ya = strip_lo.max(e.y1);
                    let yb = strip_hi.min(e.y2);
                    if ya > yb {
                        continue;
                    }
                    let t = (e.x2 - e.x1) / (e.y2 - e.y1);
                    let (p, q) = (e.x1 + (ya - e.y1) * t, e.x1 + (yb - e.y1) * t);
                    let (lo, hi) = (p.min(q), p.max(q));
                    (lo.max(e.x1.min(e.x2)), hi.min(e.x1.max(e.x2)))
                };
                let (c0, c1) = (col_of(xa - eps), col_of(xb + eps));
                for c in c0..=c1 {
                    touches.push(((c as u64) << 32) | e.poly as u64);
                }
            }
            touches.sort_unstable();
            touches.dedup();
            xings.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));

            // Polygons containing (x, yc) for x = -inf: parity of all crossings.
            for &(_, p) in &xings {
                toggle(&mut inside, &mut inside_list, p);
            }
            let mut xp = 0usize;
            let mut tp = 0usize;
            let row_cells = &mut cells[j * nx..(j + 1) * nx];
            let mut prev_list: Option<(usize, usize)> = None; // (offset, len) in cands
            for (i, cell) in row_cells.iter_mut().enumerate() {
                let xc = x0 + (i as f64 + 0.5) / sx;
                // Crossings at or left of xc no longer count (rule: px < xint; xint is
                // never NaN for finite coordinates).
                while xp < xings.len() && xings[xp].0 <= xc {
                    toggle(&mut inside, &mut inside_list, xings[xp].1);
                    xp += 1;
                }
                let t_start = tp;
                while tp < touches.len() && (touches[tp] >> 32) as usize == i {
                    tp += 1;
                }
                if t_start == tp {
                    *cell = inside_list.iter().min().map_or(0, |&k| k + 1);
                    prev_list = None;
                    continue;
                }
                cand_buf.clear();
                cand_buf.extend(touches[t_start..tp].iter().map(|&t| t as u32));
                cand_buf.extend_from_slice(&inside_list);
                cand_buf.sort_unstable();
                cand_buf.dedup();
                list_buf.clear();
                list_buf.push(0);
                for &p in &cand_buf {
                    // A polygon with no crossing edge in this row contains no point of it.
                    if group_row[p as usize] == j as u32 {
                        let (s, n) = group_of[p as usize];
                        list_buf.extend_from_slice(&[s, n, p]);
                    }
                }
                let n = (list_buf.len() - 1) / 3;
                if n == 0 {
                    *cell = 0;
                    prev_list = None;
                    continue;
                }
                list_buf[0] = n as u32;
                let off = match prev_list {
                    Some((off, len)) if cands[off..off + len] == list_buf[..] => off,
                    _ => {
                        let off = cands.len();
                        cands.extend_from_slice(&list_buf);
                        prev_list = Some((off, list_buf.len()));
                        off
                    }
                };
                assert!(
                    off < MIXED as usize,
                    "GridIndex: candidate table exceeds 2^31 words"
                );
                *cell = MIXED | off as u32;
            }
            // Reset the inside state for the next row (remaining crossings are right of
            // every cell centre; toggle them back).
            while xp < xings.len() {
                toggle(&mut inside, &mut inside_list, xings[xp].1);
                xp += 1;
            }
            debug_assert!(inside_list.is_empty());
        }
        edges.shrink_to_fit();
        cands.shrink_to_fit();
        GridIndex {
            x0,
            y0,
            sx,
            sy,
            nx,
            ny,
            nx_f: nx as f64,
            ny_f: ny as f64,
            cells,
            cands,
            edges,
            ids,
        }
    }

    /// Number of polygons indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no polygon is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Approximate heap memory used, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.cells.len() * 4
            + self.cands.len() * 4
            + self.edges.len() * std::mem::size_of::<XEdge>()
            + self.ids.len() * 4
    }

    /// Raster size (columns, rows).
    pub fn resolution(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    /// The cell word for a point (`0` when outside the raster).
    #[inline(always)]
    fn word(&self, lon: f64, lat: f64) -> u32 {
        let fx = (lon - self.x0) * self.sx;
        let fy = (lat - self.y0) * self.sy;
        if fx >= 0.0 && fx < self.nx_f && fy >= 0.0 && fy < self.ny_f {
            let idx = fy as usize * self.nx + fx as usize;
            self.cells.get(idx).copied().unwrap_or(0)
        } else {
            0
        }
    }

    #[inline(always)]
    fn finish(&self, w: u32, lon: f64, lat: f64) -> Option<u32> {
        if w & MIXED == 0 {
            if w == 0 {
                None
            } else {
                self.ids.get(w as usize - 1).copied()
            }
        } else {
            self.resolve(w & !MIXED, lon, lat)
        }
    }

    #[inline]
    fn resolve(&self, off: u32, px: f64, py: f64) -> Option<u32> {
        let off = off as usize;
        let n = self.cands[off] as usize;
        let list = &self.cands[off + 1..off + 1 + 3 * n];
        for c in list.chunks_exact(3) {
            let (s, len, poly) = (c[0] as usize, c[1] as usize, c[2] as usize);
            let mut odd = false;
            for e in &self.edges[s..s + len] {
                // Branch-free form of `crosses` (same arithmetic; the quotient is finite
                // because stored edges are never horizontal, and ignored unless straddling).
                let straddles = (e.y1 > py) != (e.y2 > py);
                let right = px < e.x1 + (py - e.y1) * e.dx / (e.y2 - e.y1);
                odd ^= straddles & right;
            }
            if odd {
                return Some(self.ids[poly]);
            }
        }
        None
    }

    /// The id of the polygon containing the WGS-84 point (first in build order if several
    /// do), or `None`.
    #[inline]
    pub fn locate(&self, lon: f64, lat: f64) -> Option<u32> {
        self.finish(self.word(lon, lat), lon, lat)
    }

    /// Locates many points (`[lon, lat]`); `out` is cleared and receives one answer per
    /// point, in order.
    ///
    /// Faster per point than [`GridIndex::locate`]: points are processed in blocks, and
    /// the memory loads of a block (raster words, then candidate lists, then the first
    /// edges of the candidates) are issued in separate passes so that the cache misses of
    /// different points overlap instead of queueing one after another.
    pub fn locate_many(&self, pts: &[[f64; 2]], out: &mut Vec<Option<u32>>) {
        const BLOCK: usize = 128;
        out.clear();
        out.reserve(pts.len());
        let mut words = [0u32; BLOCK];
        let mut mixed = [0u8; BLOCK];
        let mut first = [0u32; BLOCK];
        for chunk in pts.chunks(BLOCK) {
            // Pass 1: raster words; compact the positions of mixed cells.
            let mut nm = 0usize;
            for (k, p) in chunk.iter().enumerate() {
                let w = self.word(p[0], p[1]);
                words[k] = w;
                mixed[nm] = k as u8;
                nm += (w >> 31) as usize;
            }
            if nm > 0 {
                // Pass 2: candidate list headers (independent loads, overlapping misses).
                let mut sink = 0u64;
                for (f, &k) in first.iter_mut().zip(&mixed[..nm]) {
                    let off = (words[k as usize] & !MIXED) as usize;
                    *f = off as u32;
                    sink ^= self.cands.get(off).copied().unwrap_or(0) as u64;
                }
                // Pass 3: first and last edge of every candidate's edge run.
                for &off in &first[..nm] {
                    let off = off as usize;
                    let n = self.cands[off] as usize;
                    for c in self.cands[off + 1..off + 1 + 3 * n].chunks_exact(3) {
                        let (s, len) = (c[0] as usize, c[1] as usize);
                        sink ^= self.edges.get(s).map_or(0, |e| e.y1.to_bits());
                        sink ^= self.edges.get(s + len - 1).map_or(0, |e| e.y2.to_bits());
                    }
                }
                std::hint::black_box(sink);
            }
            // Pass 4: answers (mixed cells now mostly hit the cache).
            for (&w, p) in words.iter().zip(chunk) {
                out.push(self.finish(w, p[0], p[1]));
            }
        }
    }
}

#[inline]
fn toggle(inside: &mut [bool], list: &mut Vec<u32>, p: u32) {
    let s = &mut inside[p as usize];
    *s = !*s;
    if *s {
        list.push(p);
    } else if let Some(k) = list.iter().position(|&q| q == p) {
        list.swap_remove(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(polys: &[(u32, Polygon)], x: f64, y: f64) -> Option<u32> {
        polys
            .iter()
            .find(|(_, p)| p.contains(x, y))
            .map(|(id, _)| *id)
    }

    #[test]
    fn is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone + Default>() {}
        check::<GridIndex>();
    }

    #[test]
    fn empty_index() {
        let idx = GridIndex::build(&[]);
        assert!(idx.is_empty());
        assert_eq!(idx.len(), 0);
        assert_eq!(idx.locate(108.3, 22.8), None);
        let mut out = vec![Some(1)];
        idx.locate_many(&[[1.0, 2.0]], &mut out);
        assert_eq!(out, vec![None]);
    }

    #[test]
    fn two_squares_and_outside() {
        let polys = vec![
            (10, Polygon::rect(0.0, 0.0, 1.0, 1.0)),
            (20, Polygon::rect(1.0, 0.0, 2.0, 1.0)),
        ];
        for res in [1, 2, 3, 7, 64] {
            let idx = GridIndex::build_with_resolution(&polys, res);
            assert_eq!(idx.len(), 2);
            for &(x, y) in &[
                (0.5, 0.5),
                (1.5, 0.5),
                (1.0, 0.5),
                (0.0, 0.0),
                (2.0, 1.0),
                (3.0, 0.5),
                (-1.0, 0.5),
                (0.5, 1.0),
            ] {
                assert_eq!(
                    idx.locate(x, y),
                    brute(&polys, x, y),
                    "res {res} ({x}, {y})"
                );
            }
            assert_eq!(idx.locate(0.5, 0.5), Some(10));
            assert_eq!(idx.locate(1.5, 0.5), Some(20));
            assert_eq!(idx.locate(f64::NAN, 0.5), None);
            assert_eq!(idx.locate(f64::INFINITY, 0.5), None);
        }
    }

    #[test]
    fn overlapping_first_wins() {
        let polys = vec![
            (1, Polygon::rect(0.0, 0.0, 2.0, 2.0)),
            (2, Polygon::rect(1.0, 1.0, 3.0, 3.0)),
            (3, Polygon::rect(-5.0, -5.0, 5.0, 5.0)),
        ];
        let idx = GridIndex::build_with_resolution(&polys, 16);
        for k in 0..200 {
            let x = -5.0 + k as f64 * 0.05;
            for m in 0..200 {
                let y = -5.0 + m as f64 * 0.05 + 0.001;
                assert_eq!(idx.locate(x, y), brute(&polys, x, y), "({x}, {y})");
            }
        }
    }

    #[test]
    fn polygon_with_hole() {
        let mut p = Polygon::rect(0.0, 0.0, 10.0, 10.0);
        p.holes.push(vec![
            [2.0, 2.0],
            [8.0, 2.0],
            [8.0, 8.0],
            [2.0, 8.0],
            [2.0, 2.0],
        ]);
        let polys = vec![(5, p), (6, Polygon::rect(3.0, 3.0, 4.0, 4.0))];
        let idx = GridIndex::build_with_resolution(&polys, 32);
        assert_eq!(idx.locate(1.0, 1.0), Some(5));
        assert_eq!(idx.locate(5.0, 5.0), None);
        assert_eq!(idx.locate(3.5, 3.5), Some(6));
    }
}
