//! The server's integration tests in one binary (one link of the whole server instead of one
//! per topic): each module is a capability's tests over HTTP, on SQLite and PostgreSQL.
//! The browser tests and the log-capturing personal-data scan keep binaries of their own (see
//! docs/adr/0018-one-shape-per-capability.md).

#[path = "../common/mod.rs"]
mod common;

mod auth_scope;
mod cases;
mod councils;
mod deliberation;
mod disclosure;
mod indicators;
mod layout;
mod ledgers;
mod open311;
mod openapi;
mod ops_audit;
mod oracle;
mod pages;
mod people;
mod security;
mod territory;
mod webhooks;
