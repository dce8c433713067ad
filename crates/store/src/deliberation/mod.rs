//! Deliberation: councils, their charters and members, and ballots (elections and motions).

pub mod ballots;
pub mod councils;
