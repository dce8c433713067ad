//! Writing a generated demo city into a store: territory and accounts first (`city`), then
//! the registry (`people`), the case history (`cases`), the disclosure year (`disclosure`),
//! and the deliberation walked through the same rules the API enforces (`councils`,
//! `sessions`).

pub mod cases;
pub mod city;
pub mod councils;
pub mod disclosure;
pub mod people;
pub mod sessions;
