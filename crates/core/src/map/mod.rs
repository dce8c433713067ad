//! The one map (一张图): polygons made light enough to draw the whole city at once, and the
//! colour classes of a measure.
//!
//! Simplification is Douglas–Peucker on each ring (written here: the `geo` crate would bring
//! a large dependency tree for one function). Rings are sent as integer coordinates scaled by
//! [`SCALE`], the first point absolute and each next one a delta, which keeps the city view of
//! 6,764 grids well under the 1.5 MB the pages allow.

/// Coordinates are sent in units of 1e-5 degree (about a metre).
pub const SCALE: f64 = 100_000.0;
/// Tolerance for the whole-city view, in degrees (about 20 m).
pub const CITY_VIEW_TOLERANCE: f64 = 0.0002;

/// Douglas–Peucker: drops points closer than `tolerance` to the line of their neighbours.
/// The ring keeps at least its first, last and two more points, so it stays a polygon.
pub fn simplify(ring: &[[f64; 2]], tolerance: f64) -> Vec<[f64; 2]> {
    if ring.len() <= 4 {
        return ring.to_vec();
    }
    let mut keep = vec![false; ring.len()];
    keep[0] = true;
    keep[ring.len() - 1] = true;
    // A closed ring's first and last points coincide: split at the farthest point first.
    let far = (1..ring.len() - 1)
        .max_by(|&a, &b| dist2(ring[0], ring[a]).total_cmp(&dist2(ring[0], ring[b])))
        .unwrap_or(1);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, ring.len() - 1)];
    while let Some((first, last)) = stack.pop() {
        if last <= first + 1 {
            continue;
        }
        let (index, distance) = (first + 1..last)
            .map(|i| (i, segment_distance(ring[i], ring[first], ring[last])))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((first, 0.0));
        if distance > tolerance {
            keep[index] = true;
            stack.push((first, index));
            stack.push((index, last));
        }
    }
    let mut out: Vec<[f64; 2]> = ring
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(p, _)| *p)
        .collect();
    if out.len() < 4 {
        out = ring.to_vec();
    }
    out
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn segment_distance(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return dist2(p, a).sqrt();
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
    dist2(p, [a[0] + t * dx, a[1] + t * dy]).sqrt()
}

/// `[x0, y0, dx1, dy1, …]` in units of 1/[`SCALE`] degree; repeated points are dropped.
pub fn encode_ring(ring: &[[f64; 2]]) -> Vec<i64> {
    let mut out = Vec::with_capacity(ring.len() * 2);
    let mut last: Option<(i64, i64)> = None;
    for p in ring {
        let (x, y) = ((p[0] * SCALE).round() as i64, (p[1] * SCALE).round() as i64);
        match last {
            None => out.extend([x, y]),
            Some((lx, ly)) if (lx, ly) == (x, y) => continue,
            Some((lx, ly)) => out.extend([x - lx, y - ly]),
        }
        last = Some((x, y));
    }
    out
}

/// The inverse of [`encode_ring`].
pub fn decode_ring(encoded: &[i64]) -> Vec<[f64; 2]> {
    let (mut x, mut y) = (0i64, 0i64);
    encoded
        .chunks_exact(2)
        .map(|d| {
            x += d[0];
            y += d[1];
            [x as f64 / SCALE, y as f64 / SCALE]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn collinear_points_go_and_corners_stay() {
        let ring = [
            [0.0, 0.0],
            [0.5, 0.0],
            [1.0, 0.0],
            [1.0, 0.5],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ];
        let s = simplify(&ring, 0.01);
        assert_eq!(
            s,
            vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
        );
    }

    proptest! {
        #[test]
        fn encoding_round_trips_to_a_metre(points in prop::collection::vec((108.0f64..109.0, 22.0f64..23.5), 1..40)) {
            let ring: Vec<[f64; 2]> = points.iter().map(|(x, y)| [*x, *y]).collect();
            let back = decode_ring(&encode_ring(&ring));
            prop_assert!(back.len() <= ring.len());
            for p in &back {
                prop_assert!(ring.iter().any(|q| (p[0] - q[0]).abs() <= 0.5 / SCALE && (p[1] - q[1]).abs() <= 0.5 / SCALE));
            }
        }

        #[test]
        fn simplified_points_are_original_points_within_tolerance(points in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 5..60)) {
            let mut ring: Vec<[f64; 2]> = points.iter().map(|(x, y)| [*x, *y]).collect();
            ring.push(ring[0]);
            let s = simplify(&ring, 0.05);
            prop_assert!(s.len() >= 4 && s.len() <= ring.len());
            prop_assert_eq!(s[0], ring[0]);
            prop_assert_eq!(*s.last().unwrap(), *ring.last().unwrap());
            for p in &s {
                prop_assert!(ring.contains(p));
            }
        }
    }
}
