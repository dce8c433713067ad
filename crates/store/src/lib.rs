//! Persistence for Tongxin: one set of portable SQL over SQLite (embedded, the default) and
//! PostgreSQL (production), through sqlx's `Any` driver.

pub mod access;
pub mod audit;
pub mod cases;
mod db;
pub mod deliberation;
pub mod disclosure;
pub mod map;
pub mod people;
pub mod protect;
mod scope;
pub mod territory;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod upgrade;
pub mod webhooks;

pub use db::{
    Backend, Conn, DEFAULT_CACHE_MIB, Page, Placeholders, Store, StoreError, Tx, Val, bulk_cache,
    bulk_insert, bulk_insert_owned, bulk_load, commit, now_millis, reserve_ids, set_setting,
    sync_ids,
};
