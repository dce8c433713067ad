//! Point-to-grid benchmark on the reference data set (6,764 grids, 1M points; see
//! /work/shared/bench/README.md):
//!
//!     cargo bench -p tongxin-geo --bench locate
//!
//! Reads grids.geojson, points.csv, truth.csv from $BENCH_DIR (default /tmp/tongxin-bench).
//! If they are missing it runs `bash $BENCH_KIT/run_all.sh --skip-postgis` (BENCH_KIT
//! default /work/shared/bench) once to generate them; if that is not possible it prints a
//! note and exits successfully.
//!
//! Prints: build time, batch throughput on one thread (and two), single-lookup latency
//! (median of individually timed calls, and a dependent chain), and mismatches vs truth;
//! then runs the same measurements under criterion.

#[path = "../tests/common/refdata.rs"]
mod refdata;

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use tongxin_geo::index::GridIndex;

fn ensure_data() -> Option<refdata::RefData> {
    let dir = refdata::bench_dir();
    if !refdata::present(&dir) {
        let kit = std::env::var_os("BENCH_KIT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/work/shared/bench"));
        let script = kit.join("run_all.sh");
        if script.is_file() {
            eprintln!(
                "reference data missing in {}; generating with {} --skip-postgis ...",
                dir.display(),
                script.display()
            );
            let status = Command::new("bash")
                .arg(&script)
                .arg("--skip-postgis")
                .env("BENCH_DIR", &dir)
                .status();
            eprintln!("run_all.sh: {status:?}");
        }
    }
    match refdata::load(&dir) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            eprintln!(
                "NOTE: reference data not found in {} and could not be generated (set BENCH_DIR / BENCH_KIT); nothing to benchmark.",
                dir.display()
            );
            None
        }
        Err(e) => panic!("reference data unreadable: {e}"),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &[f64], p: f64) -> f64 {
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Points in a scrambled order (the batch is already random; this is for single lookups).
fn sample(n: usize, k: usize) -> Vec<usize> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    (0..k)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % n as u64) as usize
        })
        .collect()
}

fn main() {
    let Some(data) = ensure_data() else { return };
    let n = data.points.len();
    println!(
        "reference data: {} grids, {} points ({})",
        data.polygons.len(),
        n,
        refdata::bench_dir().display()
    );

    // ---- optional resolution sweep (GEO_BENCH_SWEEP=1): build time, memory, throughput
    if std::env::var_os("GEO_BENCH_SWEEP").is_some() {
        let mut out = Vec::with_capacity(n);
        for res in [512usize, 724, 1024, 1200, 1448, 1700, 2048, 2896] {
            let t = Instant::now();
            let idx = GridIndex::build_with_resolution(&data.polygons, res);
            let build_ms = t.elapsed().as_secs_f64() * 1e3;
            let mut rates = Vec::new();
            for _ in 0..9 {
                let t = Instant::now();
                idx.locate_many(black_box(&data.points), &mut out);
                rates.push(n as f64 / t.elapsed().as_secs_f64());
            }
            let mism = (0..n).filter(|&i| out[i] != data.truth[i]).count();
            println!(
                "sweep: long side {res:5}: build {build_ms:6.1} ms, {:6.1} MB, batch median {:5.1}M/s, mismatches {mism}",
                idx.heap_bytes() as f64 / 1e6,
                median(&mut rates) / 1e6
            );
        }
    }

    // ---- build
    let mut builds = Vec::new();
    let mut idx = GridIndex::build(&data.polygons);
    for _ in 0..7 {
        let t = Instant::now();
        idx = black_box(GridIndex::build(&data.polygons));
        builds.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (cols, rows) = idx.resolution();
    println!(
        "build: median {:.1} ms, min {:.1} ms  (raster {cols} x {rows}, {:.1} MB)",
        median(&mut builds.clone()),
        builds.iter().cloned().fold(f64::INFINITY, f64::min),
        idx.heap_bytes() as f64 / 1e6
    );

    // ---- correctness
    let mut out = Vec::with_capacity(n);
    idx.locate_many(&data.points, &mut out);
    let mism = (0..n).filter(|&i| out[i] != data.truth[i]).count();
    let single_mism = (0..n)
        .filter(|&i| idx.locate(data.points[i][0], data.points[i][1]) != data.truth[i])
        .count();
    println!("mismatches vs truth.csv: batch {mism}, single {single_mism} (of {n})");

    // ---- batch throughput, one thread: best and median of 15 runs
    let mut rates = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        idx.locate_many(black_box(&data.points), &mut out);
        black_box(&out);
        rates.push(n as f64 / t.elapsed().as_secs_f64());
    }
    let best = rates.iter().cloned().fold(0.0, f64::max);
    println!(
        "batch locate_many, 1 thread: median {:.1}M points/s, best {:.1}M points/s",
        median(&mut rates) / 1e6,
        best / 1e6
    );

    // ---- two threads (each half of the points)
    let mut rates2 = Vec::new();
    for _ in 0..9 {
        let (a, b) = data.points.split_at(n / 2);
        let t = Instant::now();
        std::thread::scope(|s| {
            for half in [a, b] {
                let idx = &idx;
                s.spawn(move || {
                    let mut o = Vec::with_capacity(half.len());
                    idx.locate_many(half, &mut o);
                    black_box(o);
                });
            }
        });
        rates2.push(n as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "batch locate_many, 2 threads: median {:.1}M points/s",
        median(&mut rates2) / 1e6
    );

    // ---- single lookups: each call timed on its own (includes ~Instant overhead)
    let picks = sample(n, 200_000);
    let mut overhead = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let t = Instant::now();
        overhead.push(t.elapsed().as_nanos() as f64);
    }
    // The sampled points are copied into their own array and read in order, so the timing
    // is the index's work and cache misses, not the caller's.
    let sampled: Vec<[f64; 2]> = picks.iter().map(|&i| data.points[i]).collect();
    let mut lat = Vec::with_capacity(picks.len());
    for &[x, y] in &sampled {
        let t = Instant::now();
        black_box(idx.locate(black_box(x), black_box(y)));
        lat.push(t.elapsed().as_nanos() as f64);
    }
    let med = median(&mut lat);
    println!(
        "single locate, individually timed (random points, cold-ish cache): median {med:.0} ns, p90 {:.0} ns, p99 {:.0} ns (timer overhead median {:.0} ns, included)",
        percentile(&lat, 0.90),
        percentile(&lat, 0.99),
        median(&mut overhead)
    );
    // Dependent chain: the next point depends on the previous answer, so calls cannot overlap.
    let t = Instant::now();
    let mut k = 0usize;
    let reps = 2_000_000;
    for _ in 0..reps {
        let [x, y] = sampled[k % sampled.len()];
        let r = idx.locate(x, y);
        k = k.wrapping_add(1 + (r.unwrap_or(0) as usize & 1));
    }
    black_box(k);
    println!(
        "single locate, dependent chain: mean {:.0} ns per lookup",
        t.elapsed().as_nanos() as f64 / reps as f64
    );

    // ---- criterion
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    c.bench_function("build_6764_grids", |b| {
        b.iter(|| GridIndex::build(black_box(&data.polygons)))
    });
    let mut g = c.benchmark_group("locate_many");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(
        BenchmarkId::from_parameter("1M_points"),
        &data.points,
        |b, pts| {
            let mut o = Vec::with_capacity(pts.len());
            b.iter(|| {
                idx.locate_many(pts, &mut o);
                black_box(o.len())
            })
        },
    );
    g.finish();
    let mut g = c.benchmark_group("locate_single");
    g.sample_size(30);
    g.bench_function("dependent_chain", |b| {
        let mut k = 0usize;
        b.iter(|| {
            let [x, y] = sampled[k % sampled.len()];
            let r = idx.locate(x, y);
            k = k.wrapping_add(1 + (r.unwrap_or(0) as usize & 1));
            r
        })
    });
    g.finish();
    c.final_summary();
}
