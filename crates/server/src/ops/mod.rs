//! Health, readiness and Prometheus metrics.

pub mod recorder;

pub use recorder::metrics_handle;

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            format!("ready: {} grids indexed\n", state.locator().grid_count()),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    metrics::gauge!("tongxin_grids_indexed").set(state.locator().grid_count() as f64);
    match &state.metrics {
        Some(h) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )],
            h.render(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable\n",
        )
            .into_response(),
    }
}

/// Counts requests and their latency by route template (never by raw path, which could
/// carry codes or personal data).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let mut resp = next.run(req).await;
    let elapsed = started.elapsed();
    // The server's own time, for the browser's network panel and the page benchmarks.
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={:.1}", elapsed.as_secs_f64() * 1e3)) {
        resp.headers_mut().insert("server-timing", v);
    }
    let status = resp.status().as_u16().to_string();
    metrics::counter!("tongxin_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("tongxin_http_request_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
    resp
}
