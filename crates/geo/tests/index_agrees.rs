//! Property tests: the raster index answers exactly like a brute-force scan with
//! `Polygon::contains` (first polygon in build order that contains the point), on tilings
//! (including points exactly on shared vertices and edges, which must belong to exactly one
//! grid) and on random overlapping / gapped polygon sets.

use proptest::prelude::*;
use tongxin_geo::index::GridIndex;
use tongxin_geo::polygon::Polygon;

fn brute(polys: &[(u32, Polygon)], x: f64, y: f64) -> Option<u32> {
    polys
        .iter()
        .find(|(_, p)| p.contains(x, y))
        .map(|(id, _)| *id)
}

fn count(polys: &[(u32, Polygon)], x: f64, y: f64) -> usize {
    polys.iter().filter(|(_, p)| p.contains(x, y)).count()
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Tiling {
    polys: Vec<(u32, Polygon)>,
    /// Every vertex of every polygon and the float midpoint of every edge.
    special: Vec<[f64; 2]>,
    bbox: [f64; 4],
}

/// nx × ny jittered quads whose shared edges are densified wiggly polylines (identical
/// coordinates on both sides), in shuffled order with random ids.
fn tiling(nx: usize, ny: usize, k: usize, x0: f64, y0: f64, d: f64, seed: u64) -> Tiling {
    let mut rng = Rng(seed | 1);
    let mut v = vec![vec![[0.0; 2]; ny + 1]; nx + 1];
    for (i, col) in v.iter_mut().enumerate() {
        for (j, p) in col.iter_mut().enumerate() {
            let jx = if i == 0 || i == nx {
                0.0
            } else {
                (rng.next() - 0.5) * 0.3 * d
            };
            let jy = if j == 0 || j == ny {
                0.0
            } else {
                (rng.next() - 0.5) * 0.3 * d
            };
            *p = [x0 + i as f64 * d + jx, y0 + j as f64 * d + jy];
        }
    }
    type Lattice = (usize, usize);
    let mut chains: std::collections::HashMap<(Lattice, Lattice), Vec<[f64; 2]>> =
        Default::default();
    let mut chain =
        |a: (usize, usize), b: (usize, usize), boundary: bool, rng: &mut Rng| -> Vec<[f64; 2]> {
            let (key, rev) = if a < b {
                ((a, b), false)
            } else {
                ((b, a), true)
            };
            let c = chains
                .entry(key)
                .or_insert_with(|| {
                    let (pa, pb) = (v[key.0.0][key.0.1], v[key.1.0][key.1.1]);
                    let (dx, dy) = (pb[0] - pa[0], pb[1] - pa[1]);
                    let amp = if boundary {
                        0.0
                    } else {
                        (rng.next() - 0.5) * 0.2
                    };
                    (1..=k)
                        .map(|m| {
                            let t = m as f64 / (k + 1) as f64;
                            let w = amp * (std::f64::consts::PI * t).sin();
                            [pa[0] + t * dx - w * dy, pa[1] + t * dy + w * dx]
                        })
                        .collect()
                })
                .clone();
            if rev {
                c.into_iter().rev().collect()
            } else {
                c
            }
        };
    let mut polys = Vec::new();
    for i in 0..nx {
        for j in 0..ny {
            let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let mut ring = Vec::new();
            for m in 0..4 {
                let (a, b) = (c[m], c[(m + 1) % 4]);
                let boundary = (a.0 == b.0 && (a.0 == 0 || a.0 == nx))
                    || (a.1 == b.1 && (a.1 == 0 || a.1 == ny));
                ring.push(v[a.0][a.1]);
                ring.extend(chain(a, b, boundary, &mut rng));
            }
            ring.push(ring[0]);
            // Random orientation per polygon: must not matter.
            if rng.next() < 0.5 {
                ring.reverse();
            }
            polys.push(Polygon::new(ring));
        }
    }
    let mut special = Vec::new();
    for p in &polys {
        for w in p.exterior.windows(2) {
            special.push(w[0]);
            special.push([0.5 * (w[0][0] + w[1][0]), 0.5 * (w[0][1] + w[1][1])]);
            special.push([
                w[0][0] + 0.25 * (w[1][0] - w[0][0]),
                w[0][1] + 0.25 * (w[1][1] - w[0][1]),
            ]);
        }
    }
    // Shuffle, random distinct ids.
    let mut order: Vec<usize> = (0..polys.len()).collect();
    for i in (1..order.len()).rev() {
        let j = (rng.next() * (i + 1) as f64) as usize;
        order.swap(i, j);
    }
    let polys = order
        .into_iter()
        .enumerate()
        .map(|(n, i)| (1000 + 7 * n as u32, polys[i].clone()))
        .collect();
    Tiling {
        polys,
        special,
        bbox: [x0, y0, x0 + nx as f64 * d, y0 + ny as f64 * d],
    }
}

fn on_outer_boundary(t: &Tiling, p: [f64; 2]) -> bool {
    p[0] == t.bbox[0] || p[0] == t.bbox[2] || p[1] == t.bbox[1] || p[1] == t.bbox[3]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tiling_matches_brute_force(
        nx in 1usize..9, ny in 1usize..9, k in 0usize..5, seed in any::<u64>(),
        res in prop_oneof![Just(0usize), 1usize..8, 8usize..200],
        lon in 100.0f64..120.0, lat in 10.0f64..40.0,
        d in prop_oneof![Just(0.001f64), 0.0001f64..0.01],
        randoms in proptest::collection::vec((-0.05f64..1.05, -0.05f64..1.05), 200),
    ) {
        let t = tiling(nx, ny, k, lon, lat, d, seed);
        let idx = if res == 0 { GridIndex::build(&t.polys) } else { GridIndex::build_with_resolution(&t.polys, res) };
        prop_assert_eq!(idx.len(), nx * ny);
        let [bx0, by0, bx1, by1] = t.bbox;
        let mut pts: Vec<[f64; 2]> = randoms.iter().map(|&(u, v)| [bx0 + u * (bx1 - bx0), by0 + v * (by1 - by0)]).collect();
        pts.extend_from_slice(&t.special);
        let mut batch = Vec::new();
        idx.locate_many(&pts, &mut batch);
        for (i, &p) in pts.iter().enumerate() {
            let b = brute(&t.polys, p[0], p[1]);
            prop_assert_eq!(idx.locate(p[0], p[1]), b, "point {:?}", p);
            prop_assert_eq!(batch[i], b);
            let inside_box = p[0] > bx0 && p[0] < bx1 && p[1] > by0 && p[1] < by1;
            let n = count(&t.polys, p[0], p[1]);
            if inside_box && !on_outer_boundary(&t, p) {
                prop_assert_eq!(n, 1, "point {:?} claimed by {} grids", p, n);
            } else {
                prop_assert!(n <= 1);
            }
        }
    }

    #[test]
    fn random_polygons_with_gaps_and_overlaps(
        shapes in proptest::collection::vec(
            (0.0f64..1.0, 0.0f64..1.0, proptest::collection::vec(0.02f64..0.2, 3..14)), 1..25),
        res in prop_oneof![Just(0usize), 1usize..8, 8usize..300],
        randoms in proptest::collection::vec((-0.1f64..1.1, -0.1f64..1.1), 300),
    ) {
        let (x0, y0, s) = (108.1, 22.6, 0.4);
        let polys: Vec<(u32, Polygon)> = shapes.iter().enumerate().map(|(n, (cx, cy, radii))| {
            let m = radii.len();
            let mut ring: Vec<[f64; 2]> = (0..m).map(|q| {
                let a = q as f64 / m as f64 * std::f64::consts::TAU;
                [x0 + s * (cx + radii[q] * a.cos()), y0 + s * (cy + radii[q] * a.sin())]
            }).collect();
            ring.push(ring[0]);
            (n as u32 * 3 + 1, Polygon::new(ring))
        }).collect();
        let idx = if res == 0 { GridIndex::build(&polys) } else { GridIndex::build_with_resolution(&polys, res) };
        let mut pts: Vec<[f64; 2]> = randoms.iter().map(|&(u, v)| [x0 + s * u, y0 + s * v]).collect();
        for (_, p) in &polys {
            pts.extend(p.exterior.iter().copied());
            for w in p.exterior.windows(2) {
                pts.push([0.5 * (w[0][0] + w[1][0]), 0.5 * (w[0][1] + w[1][1])]);
            }
        }
        let mut batch = Vec::new();
        idx.locate_many(&pts, &mut batch);
        for (i, &p) in pts.iter().enumerate() {
            let b = brute(&polys, p[0], p[1]);
            prop_assert_eq!(idx.locate(p[0], p[1]), b, "point {:?}", p);
            prop_assert_eq!(batch[i], b);
        }
    }
}

#[test]
fn shared_vertex_of_four_grids_belongs_to_one() {
    // Four unit squares around (1, 1) and points on all shared edges.
    let polys: Vec<(u32, Polygon)> = (0..4)
        .map(|q| {
            let (i, j) = ((q % 2) as f64, (q / 2) as f64);
            (q, Polygon::rect(i, j, i + 1.0, j + 1.0))
        })
        .collect();
    let idx = GridIndex::build_with_resolution(&polys, 4);
    for p in [[1.0, 1.0], [1.0, 0.5], [1.0, 1.5], [0.5, 1.0], [1.5, 1.0]] {
        assert_eq!(count(&polys, p[0], p[1]), 1, "{p:?}");
        assert_eq!(idx.locate(p[0], p[1]), brute(&polys, p[0], p[1]));
    }
}
