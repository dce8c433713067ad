//! Loader for the point-in-grid reference data set (see /work/shared/bench/README.md):
//! `grids.geojson`, `points.csv`, `truth.csv` in `$BENCH_DIR` (default /tmp/tongxin-bench).
//! Shared by the reference test and the benchmark.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tongxin_geo::geojson::parse_feature_collection;
use tongxin_geo::polygon::Polygon;

pub const FILES: [&str; 3] = ["grids.geojson", "points.csv", "truth.csv"];

pub struct RefData {
    /// Grid codes in file order; polygon id = position.
    pub codes: Vec<String>,
    pub polygons: Vec<(u32, Polygon)>,
    pub points: Vec<[f64; 2]>,
    /// Expected grid id per point.
    pub truth: Vec<Option<u32>>,
}

pub fn bench_dir() -> PathBuf {
    std::env::var_os("BENCH_DIR")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/tongxin-bench"))
}

pub fn present(dir: &Path) -> bool {
    FILES.iter().all(|f| dir.join(f).is_file())
}

/// Loads the data set; `Ok(None)` when a file is missing.
pub fn load(dir: &Path) -> Result<Option<RefData>, String> {
    if !present(dir) {
        return Ok(None);
    }
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{}: {e}", dir.join(f).display()))
    };
    let (features, problems) =
        parse_feature_collection(&read("grids.geojson")?).map_err(|e| e.to_string())?;
    if !problems.is_empty() {
        return Err(format!(
            "grids.geojson: {} bad features, first: {:?}",
            problems.len(),
            problems[0]
        ));
    }
    let codes: Vec<String> = features
        .iter()
        .map(|f| f.code.clone().unwrap_or_default())
        .collect();
    let polygons: Vec<(u32, Polygon)> = features
        .into_iter()
        .enumerate()
        .map(|(i, f)| (i as u32, f.polygon))
        .collect();
    let pos: HashMap<&str, u32> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();

    let mut points = Vec::with_capacity(1_000_000);
    for (n, line) in read("points.csv")?.lines().enumerate().skip(1) {
        let mut it = line.split(',');
        let (_, x, y) = (it.next(), it.next(), it.next());
        let p = |s: Option<&str>| {
            s.and_then(|s| s.trim().parse::<f64>().ok())
                .ok_or(format!("points.csv line {}: {line:?}", n + 1))
        };
        points.push([p(x)?, p(y)?]);
    }
    let mut truth = Vec::with_capacity(points.len());
    for (n, line) in read("truth.csv")?.lines().enumerate().skip(1) {
        let code = line
            .split_once(',')
            .map(|(_, c)| c.trim())
            .ok_or(format!("truth.csv line {}", n + 1))?;
        truth.push(if code.is_empty() {
            None
        } else {
            Some(
                *pos.get(code)
                    .ok_or(format!("truth.csv line {}: unknown code {code}", n + 1))?,
            )
        });
    }
    if truth.len() != points.len() {
        return Err(format!(
            "{} points but {} truth rows",
            points.len(),
            truth.len()
        ));
    }
    Ok(Some(RefData {
        codes,
        polygons,
        points,
        truth,
    }))
}
