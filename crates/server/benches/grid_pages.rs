//! Server time of the grid-level pages against a running demo city (issue 15 point 5: a grid
//! as fast as the city, ≤ 100 ms), beside the city and district views for comparison.
//!
//! ```sh
//! cargo run --release -- demo &                # the full demo city on 127.0.0.1:8080
//! cargo bench -p tongxin-server --bench grid_pages
//! ```
//!
//! `BENCH_URL` (default `http://127.0.0.1:8080`), `BENCH_GRID` (default `450102001001001`),
//! `BENCH_ROUNDS` (default 20, after one warm-up request). Every request is timed by the
//! server itself (its `Server-Timing: app;dur=` header) and on the wall clock here; a request
//! that does not answer 200 stops the run.

use std::time::Instant;

const PASSWORD: &str = "tongxin-demo";

struct Sample {
    server_ms: f64,
    wall_ms: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn server_ms(resp: &reqwest::Response) -> f64 {
    resp.headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("dur=").nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

async fn signed_in(base: &str, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("http client");
    let resp = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("no server at {base} ({e}); start `tongxin demo` first"));
    assert!(
        resp.status().is_success(),
        "sign-in as {username} answered {}",
        resp.status()
    );
    client
}

async fn time(client: &reqwest::Client, url: &str, rounds: usize) -> Vec<Sample> {
    let mut out = Vec::with_capacity(rounds);
    for round in 0..=rounds {
        let started = Instant::now();
        let resp = client.get(url).send().await.expect("request");
        let status = resp.status();
        let server = server_ms(&resp);
        let _ = resp.bytes().await.expect("body");
        assert!(status.is_success(), "{url} answered {status}");
        if round > 0 {
            out.push(Sample {
                server_ms: server,
                wall_ms: started.elapsed().as_secs_f64() * 1e3,
            });
        }
    }
    out
}

fn report(who: &str, path: &str, samples: &[Sample]) {
    let mut server: Vec<f64> = samples.iter().map(|s| s.server_ms).collect();
    let mut wall: Vec<f64> = samples.iter().map(|s| s.wall_ms).collect();
    server.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    println!(
        "{who:<22} {path:<44} server median {:>7.1} ms  p95 {:>7.1}  max {:>7.1}  | wall median {:>7.1} ms",
        percentile(&server, 0.5),
        percentile(&server, 0.95),
        server.last().copied().unwrap_or(f64::NAN),
        percentile(&wall, 0.5),
    );
}

#[tokio::main]
async fn main() {
    let base = std::env::var("BENCH_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let grid = std::env::var("BENCH_GRID").unwrap_or_else(|_| "450102001001001".into());
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let community = &grid[..12];
    let district = &grid[..6];
    let worker = format!("g{grid}-1");
    let grid_views = [
        format!("/indicators?within={grid}"),
        format!("/territory/{grid}"),
        format!("/api/v1/map/node/{grid}"),
        format!("/api/v1/indicators?within={grid}"),
    ];
    let plan: Vec<(String, Vec<String>)> = vec![
        (
            worker.clone(),
            [
                vec!["/".to_string(), "/indicators".into(), "/cases".into()],
                grid_views.to_vec(),
            ]
            .concat(),
        ),
        (
            format!("c{community}"),
            [
                vec![
                    format!("/indicators?within={community}"),
                    format!("/territory/{community}"),
                    format!("/api/v1/map/node/{community}"),
                ],
                grid_views.to_vec(),
            ]
            .concat(),
        ),
        (
            format!("d{district}"),
            [
                vec![
                    "/indicators".to_string(),
                    format!("/territory/{district}"),
                    format!("/api/v1/map/node/{district}"),
                ],
                grid_views.to_vec(),
            ]
            .concat(),
        ),
        (
            "admin".into(),
            vec![
                "/indicators".into(),
                "/territory/450100".into(),
                "/api/v1/map/node/450100".into(),
            ],
        ),
    ];
    println!("{base}, grid {grid}, {rounds} requests each after one warm-up");
    for (who, paths) in plan {
        let client = signed_in(&base, &who).await;
        for path in paths {
            let samples = time(&client, &format!("{base}{path}"), rounds).await;
            report(&who, &path, &samples);
        }
    }
}
