//! Outbound webhooks against local receivers on 127.0.0.1: signed JSON, retries after a
//! failure, a receiver that hangs never slows case work, territory and event filters.

use crate::common::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
struct Received {
    hits: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// How many requests to fail with 500 before answering 200.
    fail_first: Arc<Mutex<usize>>,
}

async fn receive(State(r): State<Received>, headers: HeaderMap, body: String) -> StatusCode {
    r.hits.lock().unwrap().push((headers, body));
    let mut fail = r.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn receiver(fail_first: usize) -> (String, Received) {
    let r = Received::default();
    *r.fail_first.lock().unwrap() = fail_first;
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), r)
}

/// Accepts connections and never answers.
async fn black_hole() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    format!("http://{addr}/hook")
}

async fn wait_for(r: &Received, n: usize, within: Duration) -> Vec<(HeaderMap, String)> {
    let until = Instant::now() + within;
    loop {
        let hits = r.hits.lock().unwrap().clone();
        if hits.len() >= n || Instant::now() > until {
            return hits;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn changes_are_posted_signed_retried_and_never_block_case_work() {
    for app in apps().await {
        let admin = app.login("admin").await;
        let grid = app.city.grids[0].code.clone();
        let other = app
            .city
            .grids
            .iter()
            .find(|g| g.code[..6] != grid[..6])
            .unwrap()
            .code
            .clone();
        let (url, received) = receiver(1).await;
        let secret = "a-long-shared-secret";
        let sub = app
            .post(&admin.auth(), "/api/v1/webhooks", &json!({"url": url, "secret": secret, "events": ["case.report", "case.file"], "territory": &grid[..6]}))
            .await
            .expect(201);
        let hole = black_hole().await;
        app.post(
            &admin.auth(),
            "/api/v1/webhooks",
            &json!({"url": hole, "secret": secret, "events": ["*"], "territory": "450100"}),
        )
        .await
        .expect(201);
        let bad = app
            .post(&admin.auth(), "/api/v1/webhooks", &json!({"url": "ftp://x", "secret": "short", "events": ["case.nope"], "territory": "450100"}))
            .await;
        assert_eq!(bad.problem(422)["errors"][0]["field"], "url");

        let worker = app.login(&format!("g{grid}-1")).await;
        let [lon, lat] = interior_point(&app.grid_ring(&grid));
        let started = Instant::now();
        let case = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": "1101", "description": "垃圾", "lon": lon, "lat": lat}),
            )
            .await
            .expect(201);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a hanging receiver does not slow a report"
        );
        let id = case["id"].as_i64().unwrap();
        let outsider = app.login(&format!("g{other}-1")).await;
        let [olon, olat] = interior_point(&app.grid_ring(&other));
        app.post(
            &outsider.auth(),
            "/api/v1/cases",
            &json!({"category": "1101", "description": "区外", "lon": olon, "lat": olat}),
        )
        .await
        .expect(201);

        // First attempt answered 500, the retry (2 s later) 200.
        let hits = wait_for(&received, 2, Duration::from_secs(10)).await;
        assert_eq!(hits.len(), 2, "{}: one failure, one retry", app.label);
        let (headers, body) = &hits[1];
        let expected = tongxin_server::webhooks::signature(secret, body.as_bytes());
        assert_eq!(headers["x-tongxin-signature"].to_str().unwrap(), expected);
        assert_eq!(headers["x-tongxin-event"], "case.report");
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["case"]["id"], id);
        assert_eq!(
            hits[0].1, hits[1].1,
            "a retry sends the same event (same id)"
        );
        assert_eq!(
            headers["x-tongxin-delivery"].to_str().unwrap(),
            payload["id"].as_str().unwrap()
        );

        // Filing is delivered too; the case in another district is not.
        let staff = app.login(&format!("c{}", &grid[..12])).await;
        app.post(
            &staff.auth(),
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "file", "note": ""}),
        )
        .await
        .expect(200);
        let hits = wait_for(&received, 3, Duration::from_secs(5)).await;
        assert_eq!(hits.len(), 3);
        assert_eq!(hits[2].0["x-tongxin-event"], "case.file");
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(
            received.hits.lock().unwrap().len(),
            3,
            "nothing from outside the territory"
        );

        let log = app
            .get(
                &admin.auth(),
                &format!("/api/v1/webhooks/{}/deliveries", sub["id"]),
            )
            .await
            .expect(200);
        let statuses: Vec<i64> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["status"].as_i64().unwrap())
            .collect();
        assert_eq!(statuses, vec![200, 200, 500], "newest first");
        app.cleanup().await;
    }
}
