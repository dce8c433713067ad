//! Fresh databases for tests: a temporary SQLite file, and a fresh PostgreSQL schema when
//! `TONGXIN_TEST_DATABASE_URL` is set. Under `CI=true` a missing PostgreSQL is a failure.

use crate::{Backend, Store};
use rand::Rng;
use sqlx::AssertSqlSafe;

pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    /// The URL (and schema, for PostgreSQL) a second process can open the same data with.
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

pub const PG_ENV: &str = "TONGXIN_TEST_DATABASE_URL";

fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.db");
    let url = path.to_string_lossy().to_string();
    let store = Store::open(&url).await.expect("open sqlite");
    TestDb {
        store,
        label: "sqlite",
        url,
        schema: None,
        _dir: Some(dir),
    }
}

/// A fresh schema in the test PostgreSQL, or `None` when none is configured (outside CI).
pub async fn postgres() -> Option<TestDb> {
    let url = match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ if in_ci() => panic!("CI=true but {PG_ENV} is not set: PostgreSQL tests must run in CI"),
        _ => return None,
    };
    sqlx::any::install_default_drivers();
    let schema = format!(
        "tx_test_{}_{:08x}",
        std::process::id(),
        rand::thread_rng().r#gen::<u32>()
    );
    let admin = sqlx::AnyPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} is not reachable: {e}"));
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
        .execute(&admin)
        .await
        .expect("create schema");
    admin.close().await;
    let store = Store::open_in_schema(&url, Some(&schema))
        .await
        .expect("open postgres");
    assert_eq!(store.backend(), Backend::Postgres);
    Some(TestDb {
        store,
        label: "postgres",
        url,
        schema: Some(schema),
        _dir: None,
    })
}

/// Every engine available to this test run: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        dbs.push(pg);
    }
    dbs
}

impl TestDb {
    /// Drops the PostgreSQL schema; SQLite files go with the temp dir.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = &self.schema
            && let Ok(admin) = sqlx::AnyPool::connect(&self.url).await
        {
            let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA \"{schema}\" CASCADE")))
                .execute(&admin)
                .await;
            admin.close().await;
        }
    }
}
