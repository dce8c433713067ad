//! Registry benchmarks (issue 3 targets), run with `cargo bench -p tongxin-server --bench people`.
//!
//! - ledger import from CSV on SQLite, rows/s (validation, encryption and hashing included);
//! - exact lookup by ID number (keyed hash) at `BENCH_RESIDENTS` residents (default 1,000,000;
//!   the Nanning size is 9,000,000), median and p99;
//! - name search within one community, median and p99.
//!
//! `BENCH_ENGINE=postgres` runs the import on PostgreSQL (`TONGXIN_TEST_DATABASE_URL`, a fresh
//! schema per round) instead of SQLite.
//! `BENCH_ROUNDS` import rounds (default 3; the median is reported), `BENCH_IMPORT_ROWS` rows
//! each (default 100,000); `BENCH_SKIP_IMPORT` / `BENCH_SKIP_LOOKUPS` leave a part out.
//!
//! The large database is built once under `BENCH_PEOPLE_DIR` (default /tmp/tongxin-bench-people)
//! and reused by later runs with the same size.

use std::time::{Duration, Instant};

// The same allocator as the `tongxin` binary, so the bench measures what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use tongxin_core::access::Actor;
use tongxin_core::people::CitizenId;
use tongxin_core::people::protect::DataKeys;
use tongxin_demo::{self as demo, DemoOptions, DemoSize, PeopleOptions};
use tongxin_server::people::spreadsheets::{ImportOptions, import_residents};
use tongxin_server::{ServerConfig, state_for};
use tongxin_store::Store;
use tongxin_store::people::{ResidentQuery, search_residents};
use tongxin_store::protect::Protector;

fn protector() -> Protector {
    Protector::new(DataKeys::from_master(&[42; 32]))
}

fn config() -> ServerConfig {
    ServerConfig {
        protector: protector(),
        ..ServerConfig::default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{label}: median {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} queries",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    );
}

/// A CSV ledger of `n` residents with valid, unique ID numbers in the given grids.
fn ledger_csv(n: usize, grids: &[String]) -> Vec<u8> {
    let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let mut out = String::from("姓名,身份证号,网格代码,手机号,户号,与户主关系,地址,标签\n");
    for i in 0..n {
        let name: String = i
            .to_string()
            .chars()
            .map(|c| digits[c as usize - '0' as usize])
            .collect();
        let birth =
            19400101 + (i as u32 % 60) * 10000 + (i as u32 / 60 % 12) * 100 + (i as u32 / 720 % 28);
        let id = CitizenId::compose(
            &format!("45{:04}", 9000 + i / 1_000_000),
            birth,
            (i % 1000) as u16,
        );
        let id = format!("{}{}", &id[..6], &id[6..]);
        let grid = &grids[i % grids.len()];
        let phone = format!("13{:09}", i);
        let role = if i % 3 == 0 { "户主" } else { "子女" };
        out.push_str(&format!(
            "测试{name},{id},{grid},{phone},H{},{role},测试路{}号,\n",
            i / 3,
            i / 3
        ));
    }
    out.into_bytes()
}

async fn fresh_sqlite(path: &std::path::Path) -> Store {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Store::open(path.to_str().unwrap()).await.unwrap()
}

async fn bench_import(dir: &std::path::Path) {
    let rows: usize = std::env::var("BENCH_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let city = demo::generate(&DemoOptions {
        size: DemoSize::Small,
        seed: demo::DEFAULT_SEED,
    });
    let grids: Vec<String> = city.grids.iter().map(|g| g.code.clone()).collect();
    let csv = ledger_csv(rows, &grids);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut rates = Vec::new();
    let on_postgres = std::env::var("BENCH_ENGINE").is_ok_and(|e| e == "postgres");
    let engine = if on_postgres { "PostgreSQL" } else { "SQLite" };
    for round in 0..rounds.max(1) {
        // PostgreSQL: a fresh schema per round in TONGXIN_TEST_DATABASE_URL, dropped after.
        let pg = if on_postgres {
            Some(
                tongxin_store::testing::postgres()
                    .await
                    .expect("BENCH_ENGINE=postgres needs TONGXIN_TEST_DATABASE_URL"),
            )
        } else {
            None
        };
        let store = match &pg {
            Some(db) => db.store.clone(),
            None => fresh_sqlite(&dir.join(format!("import-{round}.db"))).await,
        };
        tongxin_demo::load::city::load(&store, &city, "x")
            .await
            .unwrap();
        let state = state_for(store, config()).await.unwrap();
        let opts = ImportOptions {
            filename: Some("bench.csv".into()),
            partial: false,
            dry_run: false,
        };
        let started = Instant::now();
        let report = import_residents(&state, &Actor::system(), &csv, &opts, None)
            .await
            .unwrap();
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(report.imported, rows, "every row imported");
        rates.push(rows as f64 / secs);
        println!(
            "import round {round}: {rows} rows in {secs:.2} s = {:.0} rows/s",
            rows as f64 / secs
        );
        state.store.close().await;
        if let Some(db) = pg {
            db.cleanup().await;
        }
    }
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "ledger import (CSV, {engine}): median {:.0} residents/s (target ≥ 50,000 on SQLite)",
        rates[rates.len() / 2]
    );
}

async fn bench_lookups(dir: &std::path::Path) {
    let n: usize = std::env::var("BENCH_RESIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let path = dir.join(format!("registry-{n}.db"));
    let city = demo::generate(&DemoOptions::default());
    let people = demo::generate_people(
        &city,
        &PeopleOptions {
            residents: n,
            seed: demo::DEFAULT_SEED,
        },
    );
    let fresh = !path.exists();
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    if fresh {
        let started = Instant::now();
        tongxin_demo::load::city::load(&store, &city, "x")
            .await
            .unwrap();
        tongxin_demo::load::people::load_people(&store, &protector(), &city, &people)
            .await
            .unwrap();
        println!(
            "built a registry of {n} residents in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let p = protector();
    let step = (people.residents.len() / 10_000).max(1);
    let mut samples = Vec::new();
    for r in people.residents.iter().step_by(step) {
        let id = CitizenId::parse(&r.citizen_id, 99_991_231).unwrap();
        let q = ResidentQuery {
            prefixes: vec!["4501".into()],
            id_hash: Some(p.id_hash(&id)),
            limit: 10,
            ..Default::default()
        };
        let started = Instant::now();
        let page = search_residents(&store, &q).await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(page.items.len(), 1);
    }
    report(
        &format!("exact lookup by ID number at {n} residents (target ≤ 1 ms)"),
        samples,
    );

    let mut samples = Vec::new();
    let surnames = ["王", "李", "张", "刘", "陈", "黄", "芳", "华", "明", "丽"];
    for (i, community) in city
        .divisions
        .iter()
        .filter(|d| d.code.len() == 12)
        .enumerate()
        .take(1000)
    {
        let q = ResidentQuery {
            prefixes: vec![community.code.clone()],
            name_part: Some(surnames[i % surnames.len()].to_string()),
            limit: 50,
            ..Default::default()
        };
        let started = Instant::now();
        search_residents(&store, &q).await.unwrap();
        samples.push(started.elapsed());
    }
    report(
        &format!("name search within a community at {n} residents (target ≤ 20 ms)"),
        samples,
    );
}

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::var("BENCH_PEOPLE_DIR").unwrap_or_else(|_| "/tmp/tongxin-bench-people".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        if std::env::var("BENCH_SKIP_IMPORT").is_err() {
            bench_import(&dir).await;
        }
        if std::env::var("BENCH_SKIP_LOOKUPS").is_err() {
            bench_lookups(&dir).await;
        }
    });
}
