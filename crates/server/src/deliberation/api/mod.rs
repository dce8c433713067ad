pub mod ballots;
pub mod councils;
pub mod decisions;
pub mod matters;
pub mod sessions;
