//! A webhook receiver for the delivery benchmark (docs/webhooks-benchmark.md): answers 200 to
//! every POST and counts them. `cargo run --release -p tongxin-server --example webhook_receiver -- 18200`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18200);
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_body: String| {
            let c = counter.clone();
            async move {
                c.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    tokio::spawn(async move {
        let mut last = 0;
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            let now = count.load(Ordering::Relaxed);
            eprintln!("received {now} (+{} in 5 s)", now - last);
            last = now;
        }
    });
    axum::serve(listener, app).await.expect("serve");
}
