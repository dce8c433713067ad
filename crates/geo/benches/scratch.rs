#[path = "../tests/common/refdata.rs"]
mod refdata;
use std::hint::black_box;
use std::time::Instant;
use tongxin_geo::index::GridIndex;
fn main() {
    let data = refdata::load(&refdata::bench_dir()).unwrap().unwrap();
    let res: usize = std::env::var("RES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2048);
    let idx = GridIndex::build_with_resolution(&data.polygons, res);
    println!("{:?} sizes {:?}", idx, idx.debug_sizes());
    let (mixed, plain): (Vec<[f64; 2]>, Vec<[f64; 2]>) = data
        .points
        .iter()
        .partition(|p| idx.debug_is_mixed(p[0], p[1]));
    println!("mixed points {}", mixed.len());
    let (mut nc, mut ne) = (0, 0);
    for p in &mixed {
        let (a, b) = idx.debug_work(p[0], p[1]);
        nc += a;
        ne += b;
    }
    println!(
        "per mixed point: candidates tested {:.2}, edges tested {:.2}",
        nc as f64 / mixed.len() as f64,
        ne as f64 / mixed.len() as f64
    );
    let mut out = Vec::new();
    let mut sorted = mixed.clone();
    sorted.sort_by(|a, b| (a[1], a[0]).partial_cmp(&(b[1], b[0])).unwrap());
    let mut ps = plain.clone();
    ps.sort_by(|a, b| (a[1], a[0]).partial_cmp(&(b[1], b[0])).unwrap());
    for (name, pts) in [("mixed sorted", &sorted), ("plain sorted", &ps)] {
        let mut best = f64::MAX;
        for _ in 0..9 {
            let t = Instant::now();
            idx.locate_many(black_box(pts), &mut out);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name}: {} pts, best {:.1} ns/pt",
            pts.len(),
            best * 1e9 / pts.len() as f64
        );
    }
    for (name, pts) in [("all", &data.points), ("plain", &plain), ("mixed", &mixed)] {
        let mut best = f64::MAX;
        for _ in 0..9 {
            let t = Instant::now();
            idx.locate_many(black_box(pts), &mut out);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name}: {} pts, best {:.1} ns/pt, {:.1}M/s",
            pts.len(),
            best * 1e9 / pts.len() as f64,
            pts.len() as f64 / best / 1e6
        );
    }
}
