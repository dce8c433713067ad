//! Tongxin domain: the codes, territory, access and audit rules of the platform.
//!
//! This crate does no I/O: it is pure types and rules, so that every channel (API, pages,
//! CLI, Open311) shares one definition of what is valid and who may do what.

pub mod access;
pub mod audit;
pub mod cases;
pub mod code;
pub mod deliberation;
pub mod disclosure;
pub mod invalid;
pub mod map;
pub mod open311;
pub mod people;
pub mod territory;

/// UTC time in milliseconds since the Unix epoch; the only time type stored or exchanged.
pub type Millis = i64;
