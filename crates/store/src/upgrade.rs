//! Opening a database: the schema migrations (in `db.rs`), then the data upgrades that need a
//! capability's code, such as building the indicator rollups of a database made before them.
//! Kept above the capabilities so that `db.rs`, below them, calls none of them.

use crate::db::{Store, StoreError};

impl Store {
    /// Opens the database named by `url` and applies pending migrations.
    /// `postgres://…` selects PostgreSQL; `sqlite://…` or a bare path selects SQLite
    /// (the file is created if missing).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Self::open_in_schema(url, None).await
    }

    /// As `open`, with PostgreSQL confined to one schema (tests use a fresh one each).
    pub async fn open_in_schema(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        let store = Store::connect(url, schema).await?;
        crate::cases::indicators::ensure_rollups(&store).await?;
        Ok(store)
    }
}
