//! The engine itself: which engines run, migrations, SQLite's connection settings.

use crate::new_user;
use crate::testing::{self, TestDb};
use tongxin_store::access;
use tongxin_store::{Backend, Store};

async fn reopen(db: &TestDb) -> Store {
    match db.store.backend() {
        Backend::Sqlite => Store::open(&db.url).await.expect("reopen sqlite"),
        Backend::Postgres => Store::open_in_schema(&db.url, db.schema.as_deref())
            .await
            .expect("reopen postgres"),
    }
}

#[tokio::test]
async fn postgres_is_used_when_configured() {
    let dbs = testing::all().await;
    let labels: Vec<&str> = dbs.iter().map(|d| d.label).collect();
    let configured = std::env::var(testing::PG_ENV).is_ok_and(|v| !v.is_empty());
    assert_eq!(labels.contains(&"postgres"), configured, "{labels:?}");
    assert_eq!(labels[0], "sqlite");
    for db in dbs {
        db.store.ping().await.unwrap();
        db.cleanup().await;
    }
}

#[tokio::test]
async fn migrations_apply_twice_and_keep_data() {
    for db in testing::all().await {
        let label = db.label;
        let id = new_user(&db.store, "keeper").await;
        // Opening the same database again runs the migrator again: nothing to do, no error.
        let again = reopen(&db).await;
        assert_eq!(again.backend(), db.store.backend(), "{label}");
        let third = reopen(&db).await;
        let user = access::find_user_by_name(&third, "keeper")
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{label}: user lost after reopening"));
        assert_eq!(user.id, id, "{label}");
        let (applied,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(third.pool())
            .await
            .unwrap();
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .unwrap()
            .count() as i64;
        assert_eq!(
            applied, files,
            "{label}: each migration is recorded once after three opens"
        );
        third.ping().await.unwrap();
        again.close().await;
        third.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn sqlite_pragmas_are_set_on_every_connection() {
    let db = testing::sqlite().await;
    assert_eq!(db.store.backend(), Backend::Sqlite);
    let pool = db.store.pool();
    // Hold several connections at once so more than one goes through `after_connect`.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(pool.acquire().await.unwrap());
    }
    for conn in conns.iter_mut() {
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let (busy,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(busy, 5000);
    }
    drop(conns);
    db.cleanup().await;
}
