//! Integration tests of the store, one module per capability, on every engine available to
//! the run: SQLite always, PostgreSQL when `TONGXIN_TEST_DATABASE_URL` is set (and under
//! `CI=true` it must be; see `tongxin_store::testing`).

mod access;
mod audit;
mod cases;
mod deliberation;
mod disclosure;
mod engine;
mod indicators;
mod people;
mod territory;

use std::fmt::Debug;
use tongxin_store::territory::{DivisionRow, GridRow};
use tongxin_store::{Backend, Store, now_millis};

// `tongxin_store::testing` sits behind the crate's `testing` feature, which
// `cargo test -p tongxin-store` does not turn on for the crate's own integration tests (a
// package cannot enable its own features for its tests without a self dev-dependency in
// Cargo.toml). Compile the very same file into this test crate instead; it refers to
// `crate::{Backend, Store}`, which the `use` above provides.
#[allow(dead_code)]
#[path = "../../src/testing.rs"]
mod testing;

/// Asserts that every engine gave the same answer: `answers` holds one (engine, answer) per
/// engine that ran, SQLite first.
pub fn assert_same_on_every_engine<T: PartialEq + Debug>(what: &str, answers: &[(&str, T)]) {
    let Some((first_label, first)) = answers.first() else {
        panic!("{what}: no engine ran");
    };
    for (label, answer) in &answers[1..] {
        assert_eq!(
            answer, first,
            "{what}: {label} answers differently from {first_label}"
        );
    }
}

pub fn division(code: &str, parent: Option<&str>, level: &str, kind: &str) -> DivisionRow {
    DivisionRow {
        code: code.into(),
        parent_code: parent.map(Into::into),
        level: level.into(),
        kind: kind.into(),
        name: format!("区划{code}"),
        district_code: code[..6].into(),
        boundary: None,
        created_at: 1_000,
        updated_at: 1_000,
    }
}

pub fn grid(code: &str, name: &str, at: i64) -> GridRow {
    GridRow {
        code: code.into(),
        community_code: code[..12].into(),
        district_code: code[..6].into(),
        name: name.into(),
        kind: "base".into(),
        households: 300,
        population: 800,
        party_unit_kind: "branch".into(),
        party_unit_name: format!("{name}党支部"),
        boundary: "[[[108.0,22.0],[108.01,22.0],[108.01,22.01],[108.0,22.0]]]".into(),
        created_at: at,
        updated_at: at,
    }
}

/// City 450100 → district 450103 → streets 450103001/002 → communities …001001,
/// …001002, …002001.
pub async fn seed_tree(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    let rows = [
        division("450100", None, "city", "city"),
        division("450103", Some("450100"), "district", "district"),
        division("450103001", Some("450103"), "street", "street"),
        division("450103002", Some("450103"), "street", "street"),
        division("450103001001", Some("450103001"), "community", "community"),
        division("450103001002", Some("450103001"), "community", "community"),
        division("450103002001", Some("450103002"), "community", "community"),
    ];
    for r in &rows {
        tongxin_store::territory::insert_division(&mut tx, r)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The tree of `seed_tree` and one grid in it.
pub async fn seed_grid(store: &Store, code: &str) {
    seed_tree(store).await;
    let mut tx = store.begin().await.unwrap();
    tongxin_store::territory::upsert_grid(&mut tx, &grid(code, "网格", 1_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

pub async fn new_user(store: &Store, username: &str) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id =
        tongxin_store::access::insert_user(&mut tx, username, "测试用户", "hash", now_millis())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    id
}
