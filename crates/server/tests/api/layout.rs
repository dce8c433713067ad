//! The server's layout (ADR 0019), checked on the source: a capability's `service` knows
//! nothing of HTTP, and every capability is reached through its own `routes.rs`.

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `service.rs` or every file under `service/` of each capability.
fn service_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let cap = entry.unwrap().path();
        if !cap.is_dir() {
            continue;
        }
        let single = cap.join("service.rs");
        if single.exists() {
            out.push(single);
        }
        if let Ok(dir) = std::fs::read_dir(cap.join("service")) {
            out.extend(dir.map(|e| e.unwrap().path()));
        }
    }
    out
}

#[test]
fn services_know_nothing_of_http() {
    let files = service_files();
    assert!(files.len() >= 20, "service files found: {}", files.len());
    let mut offenders = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("axum") || line.contains("HeaderMap") {
                offenders.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "HTTP types in services:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn every_capability_with_an_api_has_its_routes() {
    for entry in std::fs::read_dir(src()).unwrap() {
        let cap = entry.unwrap().path();
        let has_api = cap.join("api.rs").exists() || cap.join("api").is_dir();
        if has_api {
            assert!(
                cap.join("routes.rs").exists()
                    && (cap.join("service.rs").exists() || cap.join("service").is_dir()),
                "{}: an api without routes.rs and a service",
                cap.display()
            );
        }
    }
}
