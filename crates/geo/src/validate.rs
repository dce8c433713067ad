//! Validation of a grid layer before it replaces or extends the stored grids.
//!
//! Every problem is reported (not just the first): ring structure, self-intersection,
//! zero area, holes outside their exterior, duplicate codes, overlaps with other
//! candidates or with existing grids, and grids sticking out of their community. Gaps are
//! warnings, per community. Reasons are Chinese first, then English.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::clip::intersection_area;
use crate::crs::check_lon_lat;
use crate::polygon::{Bbox, Polygon, deg2_to_m2, ring_is_closed, ring_signed_area};
use crate::robust::{SegmentMeet, orient2d, segments_meet};

/// A grid being imported.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// Position in the import (e.g. the feature index).
    pub index: usize,
    /// Grid code.
    pub code: &'a str,
    /// Code of the community the grid belongs to.
    pub community_code: &'a str,
    /// Geometry (WGS-84 degrees).
    pub polygon: &'a Polygon,
}

/// Something that makes a candidate unacceptable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// The candidate's `index`.
    pub index: usize,
    /// The candidate's code.
    pub code: String,
    /// Chinese, then English.
    pub reason: String,
}

/// Something worth a look that does not block the import.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// The community concerned.
    pub community_code: String,
    /// Chinese, then English.
    pub reason: String,
    /// Area of the community not covered by its grids (m²).
    pub gap_area_m2: f64,
}

/// Everything found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Blocking problems, ordered by candidate index.
    pub problems: Vec<Problem>,
    /// Non-blocking warnings, ordered by community code.
    pub warnings: Vec<Warning>,
}

impl Report {
    /// True when there is no problem (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Areas below these are treated as floating noise (m²).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Overlap between two grids allowed (default 1 m²).
    pub overlap_m2: f64,
    /// Area of a grid allowed outside its community (default 1 m²).
    pub outside_m2: f64,
    /// Uncovered area of a community above which a warning is given (default 10 m²).
    pub gap_m2: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            overlap_m2: 1.0,
            outside_m2: 1.0,
            gap_m2: 10.0,
        }
    }
}

/// (Chinese, English) name of ring `k` (0 = exterior).
fn ring_label(k: usize) -> (String, String) {
    if k == 0 {
        ("外环".to_string(), "exterior ring".to_string())
    } else {
        (format!("第 {k} 个内环"), format!("hole {k}"))
    }
}

fn fmt_pt(p: [f64; 2]) -> String {
    format!("[{}, {}]", p[0], p[1])
}

/// Structural checks on one ring: finite in-range positions, ≥ 4 positions, closed.
fn ring_structure(r: &[[f64; 2]], k: usize, out: &mut Vec<String>) -> bool {
    let (zh, en) = ring_label(k);
    for (i, p) in r.iter().enumerate() {
        if let Err(e) = check_lon_lat(p[0], p[1]) {
            out.push(format!("{zh} 第 {i} 个坐标 / {en}, position {i}: {e}"));
            return false;
        }
    }
    let mut ok = true;
    if r.len() < 4 {
        out.push(format!(
            "{zh} 只有 {} 个坐标，至少需要 4 个 / {en} has {} positions, at least 4 are required",
            r.len(),
            r.len()
        ));
        ok = false;
    }
    if !r.is_empty() && !ring_is_closed(r) {
        out.push(format!(
            "{zh} 未闭合（首点 {} ≠ 末点 {}）/ {en} is not closed (first position {} ≠ last {})",
            fmt_pt(r[0]),
            fmt_pt(r[r.len() - 1]),
            fmt_pt(r[0]),
            fmt_pt(r[r.len() - 1])
        ));
        ok = false;
    }
    ok
}

/// Distinct consecutive vertices of a closed ring (closing repeat and repeated points
/// dropped).
fn distinct_vertices(r: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut v: Vec<[f64; 2]> = Vec::with_capacity(r.len());
    for &p in r {
        if v.last() != Some(&p) {
            v.push(p);
        }
    }
    while v.len() > 1 && v.first() == v.last() {
        v.pop();
    }
    v
}

fn crossing_point(p1: [f64; 2], p2: [f64; 2], q1: [f64; 2], q2: [f64; 2]) -> [f64; 2] {
    let (rx, ry) = (p2[0] - p1[0], p2[1] - p1[1]);
    let (sx, sy) = (q2[0] - q1[0], q2[1] - q1[1]);
    let den = rx * sy - ry * sx;
    if den == 0.0 {
        return p1;
    }
    let t = (((q1[0] - p1[0]) * sy - (q1[1] - p1[1]) * sx) / den).clamp(0.0, 1.0);
    [p1[0] + t * rx, p1[1] + t * ry]
}

fn touch_point(p1: [f64; 2], p2: [f64; 2], q1: [f64; 2], q2: [f64; 2]) -> [f64; 2] {
    for (c, a, b) in [(p1, q1, q2), (p2, q1, q2), (q1, p1, p2), (q2, p1, p2)] {
        if orient2d(a, b, c) == std::cmp::Ordering::Equal
            && c[0] >= a[0].min(b[0])
            && c[0] <= a[0].max(b[0])
            && c[1] >= a[1].min(b[1])
            && c[1] <= a[1].max(b[1])
        {
            return c;
        }
    }
    p1
}

/// Segments of a vertex loop, as (a, b).
fn segments(v: &[[f64; 2]]) -> Vec<([f64; 2], [f64; 2])> {
    (0..v.len()).map(|i| (v[i], v[(i + 1) % v.len()])).collect()
}

/// Pairs of segments (from `a` × `b`, or within `a` when `b` is None) whose x-ranges
/// overlap, found with a sort-and-sweep on min x. Calls `f(i, j)`; stops when it returns
/// false.
fn sweep_pairs(
    a: &[([f64; 2], [f64; 2])],
    b: Option<&[([f64; 2], [f64; 2])]>,
    mut f: impl FnMut(usize, usize) -> bool,
) {
    let xr = |s: &([f64; 2], [f64; 2])| (s.0[0].min(s.1[0]), s.0[0].max(s.1[0]));
    // Items: (xmin, xmax, set, idx)
    let mut items: Vec<(f64, f64, u8, usize)> = a
        .iter()
        .enumerate()
        .map(|(i, s)| (xr(s).0, xr(s).1, 0, i))
        .collect();
    if let Some(b) = b {
        items.extend(b.iter().enumerate().map(|(i, s)| (xr(s).0, xr(s).1, 1, i)));
    }
    items.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
    for x in 0..items.len() {
        let (_, xmax, set_x, ix) = items[x];
        for &(xmin_y, _, set_y, iy) in &items[x + 1..] {
            if xmin_y > xmax {
                break;
            }
            let go = match (b.is_some(), set_x, set_y) {
                (false, _, _) => f(ix.min(iy), ix.max(iy)),
                (true, 0, 1) => f(ix, iy),
                (true, 1, 0) => f(iy, ix),
                _ => true,
            };
            if !go {
                return;
            }
        }
    }
}

/// First self-intersection of a closed ring, if any: non-adjacent segments that cross or
/// touch, or adjacent segments that fold back onto each other (a spike).
fn self_intersection(r: &[[f64; 2]]) -> Option<[f64; 2]> {
    let v = distinct_vertices(r);
    let n = v.len();
    if n < 3 {
        return None; // degenerate: reported as zero area
    }
    // Spikes: v[i-1], v[i], v[i+1] collinear with the path turning back.
    for i in 0..n {
        let (a, b, c) = (v[(i + n - 1) % n], v[i], v[(i + 1) % n]);
        if orient2d(a, b, c) == std::cmp::Ordering::Equal {
            let dot = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]);
            if dot < 0.0 {
                return Some(b);
            }
        }
    }
    let segs = segments(&v);
    let mut found = None;
    sweep_pairs(&segs, None, |i, j| {
        let adjacent = j == i + 1 || (i == 0 && j == n - 1);
        if adjacent {
            return true;
        }
        let (p, q) = (segs[i], segs[j]);
        match segments_meet(p.0, p.1, q.0, q.1) {
            SegmentMeet::Disjoint => true,
            SegmentMeet::Cross => {
                found = Some(crossing_point(p.0, p.1, q.0, q.1));
                false
            }
            SegmentMeet::Touch => {
                found = Some(touch_point(p.0, p.1, q.0, q.1));
                false
            }
        }
    });
    found
}

/// First proper crossing between two rings.
fn rings_cross(a: &[[f64; 2]], b: &[[f64; 2]]) -> Option<[f64; 2]> {
    let (sa, sb) = (
        segments(&distinct_vertices(a)),
        segments(&distinct_vertices(b)),
    );
    let mut found = None;
    sweep_pairs(&sa, Some(&sb), |i, j| {
        let (p, q) = (sa[i], sb[j]);
        if segments_meet(p.0, p.1, q.0, q.1) == SegmentMeet::Cross {
            found = Some(crossing_point(p.0, p.1, q.0, q.1));
            return false;
        }
        true
    });
    found
}

fn on_ring_boundary(r: &[[f64; 2]], p: [f64; 2]) -> bool {
    segments(r)
        .iter()
        .any(|&(a, b)| segments_meet(a, b, p, p) != SegmentMeet::Disjoint)
}

/// Whether all positions of a ring lie on one line (a degenerate, zero-area ring).
fn all_collinear(r: &[[f64; 2]]) -> bool {
    let v = distinct_vertices(r);
    if v.len() < 3 {
        return true;
    }
    v[2..]
        .iter()
        .all(|&p| orient2d(v[0], v[1], p) == std::cmp::Ordering::Equal)
}

/// Geometry checks of one polygon. Returns whether it is usable for area computations.
fn check_polygon(poly: &Polygon, out: &mut Vec<String>) -> bool {
    let mut usable = true;
    for (k, r) in poly.rings().enumerate() {
        usable &= ring_structure(r, k, out);
    }
    if !usable {
        return false;
    }
    let mut exterior_simple = true;
    for (k, r) in poly.rings().enumerate() {
        if k == 0 && all_collinear(r) {
            continue; // reported as zero area below
        }
        if let Some(p) = self_intersection(r) {
            exterior_simple &= k != 0;
            let (zh, en) = ring_label(k);
            out.push(format!(
                "{zh} 自相交（约在 {}）/ {en} self-intersects (near {})",
                fmt_pt(p),
                fmt_pt(p)
            ));
        }
    }
    let area = poly.area_m2();
    // (A self-intersecting exterior such as a bow-tie can have zero signed area; that is
    // already reported as self-intersection.)
    if exterior_simple && (ring_signed_area(&poly.exterior).abs() == 0.0 || area <= 1e-6) {
        out.push(format!(
            "面积为零（{area:.3} m²）/ zero area ({area:.3} m²)"
        ));
        usable = false;
    }
    let ext = Polygon::new(poly.exterior.clone());
    for (h, hole) in poly.holes.iter().enumerate() {
        let (zh, en) = ring_label(h + 1);
        if let Some(p) = rings_cross(&poly.exterior, hole) {
            out.push(format!(
                "{zh} 与外环相交（约在 {}）/ {en} crosses the exterior ring (near {})",
                fmt_pt(p),
                fmt_pt(p)
            ));
        } else if let Some(&p) = hole
            .iter()
            .find(|&&p| !on_ring_boundary(&poly.exterior, p) && !ext.contains(p[0], p[1]))
        {
            out.push(format!(
                "{zh} 不在外环之内（{}）/ {en} is not inside the exterior ring ({})",
                fmt_pt(p),
                fmt_pt(p)
            ));
        }
        for (h2, other) in poly.holes.iter().enumerate().skip(h + 1) {
            if let Some(p) = rings_cross(hole, other) {
                let (zh2, en2) = ring_label(h2 + 1);
                out.push(format!(
                    "{zh} 与{zh2}相交（约在 {}）/ {en} crosses {en2} (near {})",
                    fmt_pt(p),
                    fmt_pt(p)
                ));
            }
        }
    }
    usable
}

fn grid_name(code: &str, index: Option<usize>) -> String {
    match (code.is_empty(), index) {
        (false, _) => code.to_string(),
        (true, Some(i)) => format!("#{i}"),
        (true, None) => "?".to_string(),
    }
}

/// Validates `candidates` against each other, against the `existing` grids (`(code,
/// community code, polygon)`; existing grids whose code equals a candidate's code are being
/// replaced and are ignored) and against their community polygons (`communities`, by
/// community code; a community without a polygon is not checked).
pub fn validate_grids(
    candidates: &[Candidate],
    existing: &[(&str, &str, &Polygon)],
    communities: &HashMap<String, Polygon>,
    tol: &Tolerance,
) -> Report {
    let mut problems: Vec<Problem> = Vec::new();
    let push = |problems: &mut Vec<Problem>, c: &Candidate, reason: String| {
        problems.push(Problem {
            index: c.index,
            code: c.code.to_string(),
            reason,
        });
    };

    // 1. Geometry of each candidate.
    let mut usable = Vec::with_capacity(candidates.len());
    let mut reasons = Vec::new();
    for c in candidates {
        reasons.clear();
        usable.push(check_polygon(c.polygon, &mut reasons));
        for r in reasons.drain(..) {
            push(&mut problems, c, r);
        }
    }

    // 2. Duplicate codes.
    let mut first_with_code: HashMap<&str, usize> = HashMap::new();
    for c in candidates {
        if c.code.is_empty() {
            continue;
        }
        if let Some(&other) = first_with_code.get(c.code) {
            push(
                &mut problems,
                c,
                format!(
                    "网格编码 {} 重复（与第 {other} 条相同）/ duplicate grid code {} (same as item {other})",
                    c.code, c.code
                ),
            );
        } else {
            first_with_code.insert(c.code, c.index);
        }
    }

    // 3. Overlaps, with a sort-and-sweep bbox prefilter.
    struct Item<'p> {
        bbox: Bbox,
        poly: &'p Polygon,
        cand: Option<usize>, // position in `candidates`
        code: &'p str,
        index: Option<usize>,
    }
    let mut items: Vec<Item> = Vec::with_capacity(candidates.len() + existing.len());
    for (i, c) in candidates.iter().enumerate() {
        if usable[i] {
            items.push(Item {
                bbox: c.polygon.bbox(),
                poly: c.polygon,
                cand: Some(i),
                code: c.code,
                index: Some(c.index),
            });
        }
    }
    let replaced: std::collections::HashSet<&str> = candidates.iter().map(|c| c.code).collect();
    let live_existing: Vec<&(&str, &str, &Polygon)> = existing
        .iter()
        .filter(|e| !replaced.contains(e.0))
        .collect();
    for e in &live_existing {
        let bbox = e.2.bbox();
        if !bbox.is_empty() && bbox.min_lon.is_finite() && bbox.max_lat.is_finite() {
            items.push(Item {
                bbox,
                poly: e.2,
                cand: None,
                code: e.0,
                index: None,
            });
        }
    }
    items.sort_unstable_by(|a, b| a.bbox.min_lon.total_cmp(&b.bbox.min_lon));
    for x in 0..items.len() {
        let a = &items[x];
        for b in &items[x + 1..] {
            if b.bbox.min_lon > a.bbox.max_lon {
                break;
            }
            if (a.cand.is_none() && b.cand.is_none()) || !a.bbox.intersects(&b.bbox) {
                continue;
            }
            let deg2 = intersection_area(a.poly, b.poly);
            if deg2 <= 0.0 {
                continue;
            }
            let ib = a.bbox.intersection(&b.bbox);
            let m2 = deg2_to_m2(deg2, 0.5 * (ib.min_lat + ib.max_lat));
            if m2 <= tol.overlap_m2 {
                continue;
            }
            for (me, other) in [(a, b), (b, a)] {
                if let Some(ci) = me.cand {
                    let name = grid_name(other.code, other.index);
                    let kind = if other.cand.is_some() { "" } else { "已有" };
                    let kind_en = if other.cand.is_some() {
                        ""
                    } else {
                        "existing "
                    };
                    push(
                        &mut problems,
                        &candidates[ci],
                        format!(
                            "与{kind}网格 {name} 重叠约 {m2:.1} m² / overlaps {kind_en}grid {name} by about {m2:.1} m²"
                        ),
                    );
                }
            }
        }
    }

    // 4. Inside the community.
    for (i, c) in candidates.iter().enumerate() {
        if !usable[i] {
            continue;
        }
        let Some(comm) = communities.get(c.community_code) else {
            continue;
        };
        let a = c.polygon.area_deg2();
        let inside = intersection_area(c.polygon, comm);
        let b = c.polygon.bbox();
        let out_m2 = deg2_to_m2((a - inside).max(0.0), 0.5 * (b.min_lat + b.max_lat));
        if out_m2 > tol.outside_m2 {
            push(
                &mut problems,
                c,
                format!(
                    "超出所属社区 {} 约 {out_m2:.1} m² / extends outside its community {} by about {out_m2:.1} m²",
                    c.community_code, c.community_code
                ),
            );
        }
    }
    problems.sort_by_key(|p| p.index); // stable: keeps the order of checks per grid

    // 5. Gaps, per community with a polygon. Areas are summed in degrees² and converted once
    // at the community's latitude: converting each grid at its own latitude would make an
    // exact tiling look like it has gaps (or hide real ones).
    let mut covered: HashMap<&str, f64> = HashMap::new();
    for (i, c) in candidates.iter().enumerate() {
        if usable[i] {
            *covered.entry(c.community_code).or_default() += c.polygon.area_deg2();
        }
    }
    for e in &live_existing {
        *covered.entry(e.1).or_default() += e.2.area_deg2();
    }
    let mut warnings: Vec<Warning> = Vec::new();
    for (code, poly) in communities {
        let gap_deg2 = poly.area_deg2() - covered.get(code.as_str()).copied().unwrap_or(0.0);
        let b = poly.bbox();
        let gap = deg2_to_m2(gap_deg2, 0.5 * (b.min_lat + b.max_lat));
        if gap > tol.gap_m2 {
            warnings.push(Warning {
                community_code: code.clone(),
                reason: format!(
                    "社区 {code} 约有 {gap:.1} m² 未被网格覆盖 / about {gap:.1} m² of community {code} is not covered by any grid"
                ),
                gap_area_m2: gap,
            });
        }
    }
    warnings.sort_by(|a, b| a.community_code.cmp(&b.community_code));
    Report { problems, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand<'a>(index: usize, code: &'a str, comm: &'a str, p: &'a Polygon) -> Candidate<'a> {
        Candidate {
            index,
            code,
            community_code: comm,
            polygon: p,
        }
    }

    #[test]
    fn self_intersection_cases() {
        let bowtie = vec![[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
        let p = self_intersection(&bowtie).unwrap();
        assert!((p[0] - 0.5).abs() < 1e-12 && (p[1] - 0.5).abs() < 1e-12);
        let square = vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert_eq!(self_intersection(&square), None);
        // Figure eight touching at a vertex.
        let eight = vec![
            [0.0, 0.0],
            [1.0, 1.0],
            [2.0, 0.0],
            [2.0, 2.0],
            [1.0, 1.0],
            [0.0, 2.0],
            [0.0, 0.0],
        ];
        assert_eq!(self_intersection(&eight), Some([1.0, 1.0]));
        // A vertex touching a non-adjacent edge.
        let t = vec![
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 2.0],
            [1.0, 0.0],
            [0.0, 2.0],
            [0.0, 0.0],
        ];
        assert!(self_intersection(&t).is_some());
        // A spike (path folds back).
        let spike = vec![
            [0.0, 0.0],
            [2.0, 0.0],
            [3.0, 0.0],
            [2.0, 0.0],
            [2.0, 2.0],
            [0.0, 2.0],
            [0.0, 0.0],
        ];
        assert!(self_intersection(&spike).is_some());
        // Repeated consecutive points are tolerated.
        let rep = vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ];
        assert_eq!(self_intersection(&rep), None);
    }

    #[test]
    fn structural_problems_reported_per_ring() {
        let open = Polygon::new(vec![
            [108.0, 22.0],
            [108.1, 22.0],
            [108.1, 22.1],
            [108.0, 22.1],
        ]);
        let short = Polygon::new(vec![[108.0, 22.0], [108.1, 22.0], [108.0, 22.0]]);
        let flat = Polygon::new(vec![
            [108.0, 22.0],
            [108.1, 22.0],
            [108.2, 22.0],
            [108.0, 22.0],
        ]);
        let mut hole_out = Polygon::rect(108.0, 22.0, 108.01, 22.01);
        hole_out.holes.push(vec![
            [108.02, 22.0],
            [108.03, 22.0],
            [108.03, 22.01],
            [108.02, 22.0],
        ]);
        let mut hole_cross = Polygon::rect(108.0, 22.0, 108.01, 22.01);
        hole_cross.holes.push(vec![
            [108.005, 22.005],
            [108.02, 22.005],
            [108.02, 22.006],
            [108.005, 22.005],
        ]);
        let cs = [
            cand(0, "A", "", &open),
            cand(1, "B", "", &short),
            cand(2, "C", "", &flat),
            cand(3, "D", "", &hole_out),
            cand(4, "E", "", &hole_cross),
        ];
        let r = validate_grids(&cs, &[], &HashMap::new(), &Tolerance::default());
        let reasons = |i: usize| {
            r.problems
                .iter()
                .filter(|p| p.index == i)
                .map(|p| p.reason.clone())
                .collect::<Vec<_>>()
        };
        assert!(
            reasons(0).iter().any(|s| s.contains("not closed")),
            "{:?}",
            reasons(0)
        );
        assert!(reasons(1).iter().any(|s| s.contains("at least 4")));
        assert!(
            reasons(2).iter().any(|s| s.contains("zero area")),
            "{:?}",
            reasons(2)
        );
        assert!(
            reasons(3)
                .iter()
                .any(|s| s.contains("not inside the exterior")),
            "{:?}",
            reasons(3)
        );
        assert!(
            reasons(4)
                .iter()
                .any(|s| s.contains("crosses the exterior")),
            "{:?}",
            reasons(4)
        );
        assert!(
            r.problems
                .iter()
                .all(|p| p.reason.starts_with(|c: char| !c.is_ascii())),
            "Chinese first"
        );
    }

    #[test]
    fn bowtie_is_reported() {
        let bowtie = Polygon::new(vec![
            [108.0, 22.0],
            [108.01, 22.01],
            [108.01, 22.0],
            [108.0, 22.01],
            [108.0, 22.0],
        ]);
        let r = validate_grids(
            &[cand(7, "450103001001007", "", &bowtie)],
            &[],
            &HashMap::new(),
            &Tolerance::default(),
        );
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert_eq!(r.problems[0].index, 7);
        assert_eq!(r.problems[0].code, "450103001001007");
        assert!(r.problems[0].reason.contains("self-intersects"));
        assert!(r.problems[0].reason.contains("自相交"));
    }

    #[test]
    fn overlapping_squares_reported_with_area() {
        // 0.001° squares overlapping by 0.00005° × 0.001° at 22.8°N ≈ 570 m².
        let a = Polygon::rect(108.0, 22.8, 108.001, 22.801);
        let b = Polygon::rect(108.00095, 22.8, 108.00195, 22.801);
        let r = validate_grids(
            &[
                cand(0, "450103001001001", "c", &a),
                cand(1, "450103001001002", "c", &b),
            ],
            &[],
            &HashMap::new(),
            &Tolerance::default(),
        );
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
        let expected = deg2_to_m2(0.00005 * 0.001, 22.8005);
        assert!((expected - 570.0).abs() < 5.0, "{expected}");
        assert!(r.problems[0].reason.contains("450103001001002"));
        assert!(
            r.problems[0].reason.contains(&format!("{expected:.1} m²")),
            "{}",
            r.problems[0].reason
        );
        assert!(r.problems[1].reason.contains("450103001001001"));
    }

    #[test]
    fn shared_edges_are_not_overlaps() {
        // Neighbours with a common wiggly edge, one copy off by floating noise.
        let a = Polygon::new(vec![
            [108.0, 22.8],
            [108.001, 22.8],
            [108.0012, 22.8004],
            [108.0009, 22.8007],
            [108.001, 22.801],
            [108.0, 22.801],
            [108.0, 22.8],
        ]);
        let b = Polygon::new(vec![
            [108.001, 22.8],
            [108.002, 22.8],
            [108.002, 22.801],
            [108.001, 22.801],
            [108.0009 + 1e-13, 22.8007],
            [108.0012, 22.8004 - 1e-13],
            [108.001, 22.8],
        ]);
        let r = validate_grids(
            &[cand(0, "A", "c", &a), cand(1, "B", "c", &b)],
            &[],
            &HashMap::new(),
            &Tolerance::default(),
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn existing_grids_overlap_and_replacement() {
        let a = Polygon::rect(108.0, 22.8, 108.001, 22.801);
        let old_a = Polygon::rect(108.0, 22.8, 108.0011, 22.801);
        let other = Polygon::rect(108.0008, 22.8, 108.002, 22.801);
        let existing = [("A", "c", &old_a), ("X", "c", &other)];
        let r = validate_grids(
            &[cand(0, "A", "c", &a)],
            &existing,
            &HashMap::new(),
            &Tolerance::default(),
        );
        // Overlaps X (existing) by 0.0002° × 0.001° ≈ 23 m²; old A is being replaced.
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert!(r.problems[0].reason.contains("existing grid X"));
    }

    #[test]
    fn grid_outside_community_and_gap_warning() {
        let community = Polygon::rect(108.0, 22.8, 108.002, 22.801);
        let inside = Polygon::rect(108.0, 22.8, 108.001, 22.801);
        let sticking_out = Polygon::rect(108.001, 22.8, 108.0021, 22.801);
        let mut comms = HashMap::new();
        comms.insert("450103001001".to_string(), community.clone());
        comms.insert(
            "450103001002".to_string(),
            Polygon::rect(108.01, 22.8, 108.011, 22.801),
        );
        let r = validate_grids(
            &[
                cand(0, "450103001001001", "450103001001", &inside),
                cand(1, "450103001001002", "450103001001", &sticking_out),
            ],
            &[],
            &comms,
            &Tolerance::default(),
        );
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert_eq!(r.problems[0].index, 1);
        assert!(
            r.problems[0]
                .reason
                .contains("outside its community 450103001001")
        );
        // The first community is covered (the grid sticking out even over-covers it); the
        // second has no grid at all.
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert_eq!(r.warnings[0].community_code, "450103001002");
        assert!(r.warnings[0].gap_area_m2 > 10_000.0);

        // Only half covered → warning with the gap area.
        let r = validate_grids(
            &[cand(0, "450103001001001", "450103001001", &inside)],
            &[],
            &comms,
            &Tolerance::default(),
        );
        let w = r
            .warnings
            .iter()
            .find(|w| w.community_code == "450103001001")
            .unwrap();
        let expected = community.area_m2() - inside.area_m2();
        assert!((w.gap_area_m2 - expected).abs() < 1e-6);
        assert!(w.reason.contains("not covered"));
        // Missing community polygon → no check.
        let r = validate_grids(
            &[cand(0, "G", "nowhere", &sticking_out)],
            &[],
            &HashMap::new(),
            &Tolerance::default(),
        );
        assert!(r.is_ok());
    }

    #[test]
    fn duplicate_codes() {
        let a = Polygon::rect(108.0, 22.8, 108.001, 22.801);
        let b = Polygon::rect(108.001, 22.8, 108.002, 22.801);
        let r = validate_grids(
            &[cand(0, "A", "c", &a), cand(1, "A", "c", &b)],
            &[],
            &HashMap::new(),
            &Tolerance::default(),
        );
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].reason.contains("duplicate grid code A"));
    }

    /// A tiling of a community by `nx × ny` quads from a jittered lattice with wiggly
    /// (densified) shared edges.
    pub(crate) fn tiling(nx: usize, ny: usize, seed: u64) -> (Vec<Polygon>, Polygon) {
        let mut s = seed;
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let (x0, y0, d) = (108.2, 22.7, 0.001);
        let mut v = vec![vec![[0.0; 2]; ny + 1]; nx + 1];
        for (i, col) in v.iter_mut().enumerate() {
            for (j, p) in col.iter_mut().enumerate() {
                let jx = if i == 0 || i == nx {
                    0.0
                } else {
                    (rnd() - 0.5) * 0.4 * d
                };
                let jy = if j == 0 || j == ny {
                    0.0
                } else {
                    (rnd() - 0.5) * 0.4 * d
                };
                *p = [x0 + i as f64 * d + jx, y0 + j as f64 * d + jy];
            }
        }
        // One wiggly interior point per lattice edge, shared by both sides.
        let mut mid = HashMap::new();
        let mut edge_mid = |a: (usize, usize), b: (usize, usize), boundary: bool| -> [f64; 2] {
            let key = if a < b { (a, b) } else { (b, a) };
            *mid.entry(key).or_insert_with(|| {
                let (pa, pb) = (v[key.0.0][key.0.1], v[key.1.0][key.1.1]);
                let w = if boundary { 0.0 } else { (rnd() - 0.5) * 0.2 };
                let (dx, dy) = (pb[0] - pa[0], pb[1] - pa[1]);
                [pa[0] + 0.5 * dx - w * dy, pa[1] + 0.5 * dy + w * dx]
            })
        };
        let mut polys = Vec::new();
        for i in 0..nx {
            for j in 0..ny {
                let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
                let mut ring = Vec::new();
                for k in 0..4 {
                    let (a, b) = (c[k], c[(k + 1) % 4]);
                    let boundary = (a.0 == b.0 && (a.0 == 0 || a.0 == nx))
                        || (a.1 == b.1 && (a.1 == 0 || a.1 == ny));
                    ring.push(v[a.0][a.1]);
                    ring.push(edge_mid(a, b, boundary));
                }
                ring.push(ring[0]);
                polys.push(Polygon::new(ring));
            }
        }
        let community = Polygon::rect(x0, y0, x0 + nx as f64 * d, y0 + ny as f64 * d);
        (polys, community)
    }

    #[test]
    fn thousand_grid_tiling_validates_clean() {
        let (polys, community) = tiling(40, 25, 7);
        assert_eq!(polys.len(), 1000);
        let codes: Vec<String> = (0..polys.len())
            .map(|i| format!("450103001001{i:03}"))
            .collect();
        let cs: Vec<Candidate> = polys
            .iter()
            .enumerate()
            .map(|(i, p)| cand(i, &codes[i], "450103001001", p))
            .collect();
        let mut comms = HashMap::new();
        comms.insert("450103001001".to_string(), community.clone());
        let t = std::time::Instant::now();
        let r = validate_grids(&cs, &[], &comms, &Tolerance::default());
        eprintln!("validated 1000 grids in {:?}", t.elapsed());
        assert!(
            r.problems.is_empty(),
            "{:?}",
            &r.problems[..r.problems.len().min(5)]
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let sum: f64 = polys.iter().map(|p| p.area_deg2()).sum();
        assert!((sum - community.area_deg2()).abs() < 1e-12);

        // Now move one grid a little: it overlaps its neighbours and leaves a gap.
        let mut moved = polys[500].clone();
        for p in &mut moved.exterior {
            p[0] += 0.0001;
        }
        let mut cs2 = cs.clone();
        cs2[500].polygon = &moved;
        let r = validate_grids(&cs2, &[], &comms, &Tolerance::default());
        assert!(
            r.problems
                .iter()
                .any(|p| p.index == 500 && p.reason.contains("overlaps"))
        );
        assert!(
            r.problems
                .iter()
                .filter(|p| p.reason.contains("overlaps"))
                .count()
                >= 2
        );
    }
}
