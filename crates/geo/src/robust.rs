//! Exact-sign orientation test and segment intersection classification.
//!
//! `orient2d` uses a floating-point filter and falls back to exact expansion arithmetic
//! (error-free `two_sum` / `two_product`), so the sign it returns is always the sign of the
//! exact determinant of the given doubles. That makes "touches" and "crosses" decisions in
//! validation exact for any input coordinates.

use std::cmp::Ordering;

#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bv = s - a;
    let av = s - bv;
    (s, (a - av) + (b - bv))
}

#[inline]
fn two_diff(a: f64, b: f64) -> (f64, f64) {
    two_sum(a, -b)
}

#[inline]
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// Adds `b` to the non-overlapping expansion `e` (increasing magnitude), in place.
fn grow(e: &mut Vec<f64>, b: f64) {
    let mut q = b;
    let mut out = Vec::with_capacity(e.len() + 1);
    for &x in e.iter() {
        let (s, h) = two_sum(q, x);
        q = s;
        if h != 0.0 {
            out.push(h);
        }
    }
    if q != 0.0 {
        out.push(q);
    }
    *e = out;
}

/// Sign of the determinant | ax-cx  ay-cy ; bx-cx  by-cy |:
/// `Greater` if a, b, c turn counter-clockwise, `Less` if clockwise, `Equal` if collinear.
pub(crate) fn orient2d(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> Ordering {
    let l = (a[0] - c[0]) * (b[1] - c[1]);
    let r = (a[1] - c[1]) * (b[0] - c[0]);
    let det = l - r;
    let bound = 3.330_669_073_875_471_6e-16 * (l.abs() + r.abs());
    if det > bound {
        return Ordering::Greater;
    }
    if -det > bound {
        return Ordering::Less;
    }
    if !det.is_finite() {
        return det.partial_cmp(&0.0).unwrap_or(Ordering::Equal);
    }
    orient2d_exact(a, b, c)
}

fn orient2d_exact(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> Ordering {
    let acx = two_diff(a[0], c[0]);
    let bcy = two_diff(b[1], c[1]);
    let acy = two_diff(a[1], c[1]);
    let bcx = two_diff(b[0], c[0]);
    let mut e: Vec<f64> = Vec::with_capacity(16);
    for &u in &[acx.0, acx.1] {
        for &v in &[bcy.0, bcy.1] {
            let (p, q) = two_product(u, v);
            grow(&mut e, q);
            grow(&mut e, p);
        }
    }
    for &u in &[acy.0, acy.1] {
        for &v in &[bcx.0, bcx.1] {
            let (p, q) = two_product(u, v);
            grow(&mut e, -q);
            grow(&mut e, -p);
        }
    }
    match e.last() {
        Some(&x) if x > 0.0 => Ordering::Greater,
        Some(&x) if x < 0.0 => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// How two closed segments meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SegmentMeet {
    /// No common point.
    Disjoint,
    /// They cross at a single point interior to both.
    Cross,
    /// They share at least one point, but do not properly cross (an endpoint lies on the
    /// other segment, or they overlap collinearly).
    Touch,
}

fn on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> bool {
    // p is known to be collinear with a-b.
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// Exact classification of how segment p1-p2 meets segment q1-q2.
pub(crate) fn segments_meet(p1: [f64; 2], p2: [f64; 2], q1: [f64; 2], q2: [f64; 2]) -> SegmentMeet {
    // Bounding boxes first (cheap, exact).
    if p1[0].max(p2[0]) < q1[0].min(q2[0])
        || q1[0].max(q2[0]) < p1[0].min(p2[0])
        || p1[1].max(p2[1]) < q1[1].min(q2[1])
        || q1[1].max(q2[1]) < p1[1].min(p2[1])
    {
        return SegmentMeet::Disjoint;
    }
    let d1 = orient2d(q1, q2, p1);
    let d2 = orient2d(q1, q2, p2);
    let d3 = orient2d(p1, p2, q1);
    let d4 = orient2d(p1, p2, q2);
    use Ordering::*;
    if d1 != Equal && d2 != Equal && d1 != d2 && d3 != Equal && d4 != Equal && d3 != d4 {
        return SegmentMeet::Cross;
    }
    if (d1 == Equal && on_segment(p1, q1, q2))
        || (d2 == Equal && on_segment(p2, q1, q2))
        || (d3 == Equal && on_segment(q1, p1, p2))
        || (d4 == Equal && on_segment(q2, p1, p2))
    {
        return SegmentMeet::Touch;
    }
    SegmentMeet::Disjoint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_signs() {
        assert_eq!(
            orient2d([0.0, 0.0], [1.0, 0.0], [0.0, 1.0]),
            Ordering::Greater
        );
        assert_eq!(orient2d([0.0, 0.0], [0.0, 1.0], [1.0, 0.0]), Ordering::Less);
        assert_eq!(
            orient2d([0.0, 0.0], [1.0, 1.0], [2.0, 2.0]),
            Ordering::Equal
        );
    }

    #[test]
    fn exact_on_near_collinear_input() {
        // Classic failure case for naive orientation: points almost on a line, large offset.
        let a = [108.123_456_7, 22.765_432_1];
        let b = [108.123_456_7 + 3.0 * 1e-7, 22.765_432_1 + 7.0 * 1e-7];
        // c = a + 2/3 (b - a) is not representable; the exact sign must still be consistent
        // with the orientation of the swapped triangle.
        let c = [a[0] + 2e-7, a[1] + 4.666_666_666_666_667e-7];
        let s1 = orient2d(a, b, c);
        let s2 = orient2d(b, a, c);
        assert_eq!(s1, s2.reverse());
        // Midpoint of two representable points with an exact midpoint is collinear.
        let m = [0.5 * (1.0 + 3.0), 0.5 * (2.0 + 6.0)];
        assert_eq!(orient2d([1.0, 2.0], [3.0, 6.0], m), Ordering::Equal);
    }

    #[test]
    fn segment_cases() {
        use SegmentMeet::*;
        assert_eq!(
            segments_meet([0.0, 0.0], [2.0, 2.0], [0.0, 2.0], [2.0, 0.0]),
            Cross
        );
        assert_eq!(
            segments_meet([0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 5.0]),
            Touch
        );
        assert_eq!(
            segments_meet([0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [3.0, 0.0]),
            Touch
        );
        assert_eq!(
            segments_meet([0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]),
            Disjoint
        );
        assert_eq!(
            segments_meet([0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.4, 0.6]),
            Disjoint
        );
    }
}
