//! The proof that personal numbers never appear in plain text: the SQLite file (with its
//! WAL) and the logs of a run that created, searched and revealed residents are scanned.
//! A test binary of its own, so the global log capture sees every line of the run.

mod common;

use common::*;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tongxin_core::people::CitizenId;

fn resident(name: &str, id: &str, phone: &str, grid: &str, tags: &[&str]) -> Value {
    json!({"name": name, "citizen_id": id, "phone": phone, "grid_code": grid, "tags": tags, "unit": "1单元", "room": "302"})
}

fn sample_id(n: u16) -> String {
    CitizenId::compose("450103", 19600101 + u32::from(n % 28), n)
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The proof the issue asks for: plain ID and phone numbers appear nowhere in the SQLite file
/// (with its WAL) or in the logs of a run that created, searched and revealed them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_plain_personal_numbers_in_the_database_file_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only subscriber in this binary");

    let app = sqlite_app().await;
    let grid = app.city.grids[1].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let mut ids = Vec::new();
    let mut phones = Vec::new();
    for n in 0..20u16 {
        let id = sample_id(100 + n);
        let phone = format!("1390771{:04}", 1000 + n);
        app.post(
            &worker.auth(),
            "/api/v1/residents",
            &resident("测试居民", &id, &phone, &grid, &["低保户"]),
        )
        .await
        .expect(201);
        ids.push(id);
        phones.push(phone);
    }
    let found = app
        .post(
            &worker.auth(),
            "/api/v1/residents/search",
            &json!({"citizen_id": ids[3]}),
        )
        .await
        .expect(200);
    let rid = found["items"][0]["id"].as_i64().unwrap();
    app.post(
        &worker.auth(),
        &format!("/api/v1/residents/{rid}/reveal"),
        &json!({"reason": "核对"}),
    )
    .await
    .expect(200);
    // a bad submission with a plain number must not leak it through an error either
    app.post(
        &worker.auth(),
        "/api/v1/residents",
        &resident("重复", &ids[0], &phones[0], &grid, &[]),
    )
    .await
    .problem(409);

    sqlx::query("PRAGMA wal_checkpoint(FULL)")
        .execute(app.store().pool())
        .await
        .unwrap();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", app.db_url())) {
            bytes.extend(b);
        }
    }
    assert!(bytes.len() > 100_000, "the database file was read");
    let logs = captured.0.lock().unwrap().clone();
    assert!(contains(&logs, "http"), "the log capture works");
    for (id, phone) in ids.iter().zip(&phones) {
        assert!(!contains(&bytes, id), "plain ID in the database file");
        assert!(!contains(&bytes, phone), "plain phone in the database file");
        assert!(!contains(&logs, id), "plain ID in the logs");
        assert!(!contains(&logs, phone), "plain phone in the logs");
    }
    // and the test can fail: the masked forms are there
    assert!(contains(
        &bytes,
        &format!("{}**********{}", &ids[0][..4], &ids[0][14..])
    ));
    app.cleanup().await;
}
