//! Checks the index (and the validator) on the benchmark's reference data set when it is
//! present: 6,764 grids, 1,000,000 points, truth from an independent numpy implementation.
//! Generate it with `bash /work/shared/bench/run_all.sh --skip-postgis` (or set BENCH_DIR).

mod common;

use std::collections::HashMap;
use std::time::Instant;

use common::refdata;
use tongxin_geo::index::GridIndex;
use tongxin_geo::validate::{Candidate, Tolerance, validate_grids};

#[test]
fn reference_data_zero_mismatches() {
    let dir = refdata::bench_dir();
    let Some(data) = refdata::load(&dir).expect("reference data present but unreadable") else {
        eprintln!(
            "NOTE: reference data not found in {} (need {:?}); skipping. Generate it with `bash /work/shared/bench/run_all.sh --skip-postgis`.",
            dir.display(),
            refdata::FILES
        );
        return;
    };
    assert_eq!(data.polygons.len(), 6764);
    let t = Instant::now();
    let idx = GridIndex::build(&data.polygons);
    eprintln!("built {:?} in {:?}", idx, t.elapsed());
    let mut out = Vec::new();
    idx.locate_many(&data.points, &mut out);
    let mismatches: Vec<usize> = (0..out.len())
        .filter(|&i| out[i] != data.truth[i])
        .collect();
    for &i in mismatches.iter().take(10) {
        eprintln!(
            "point {} {:?}: index {:?}, truth {:?}",
            i + 1,
            data.points[i],
            out[i],
            data.truth[i]
        );
    }
    assert_eq!(mismatches.len(), 0, "mismatches vs truth.csv");
    // Single lookups agree with the batch.
    for i in (0..data.points.len()).step_by(97) {
        assert_eq!(idx.locate(data.points[i][0], data.points[i][1]), out[i]);
    }
    assert_eq!(out.iter().filter(|o| o.is_none()).count(), 38_824);
}

#[test]
fn reference_grids_validate_clean() {
    let dir = refdata::bench_dir();
    let Some(data) = refdata::load(&dir).expect("reference data present but unreadable") else {
        eprintln!(
            "NOTE: reference data not found in {}; skipping.",
            dir.display()
        );
        return;
    };
    let cands: Vec<Candidate> = data
        .polygons
        .iter()
        .zip(&data.codes)
        .enumerate()
        .map(|(i, ((_, p), code))| Candidate {
            index: i,
            code,
            community_code: "450100000000",
            polygon: p,
        })
        .collect();
    let t = Instant::now();
    let report = validate_grids(&cands, &[], &HashMap::new(), &Tolerance::default());
    eprintln!("validated {} grids in {:?}", cands.len(), t.elapsed());
    assert!(
        report.problems.is_empty(),
        "{:?}",
        &report.problems[..report.problems.len().min(5)]
    );
}
