//! Residents decide: councils with their charters and members, elections by secret ballot,
//! and motions voted openly, secretly or by a counted show of hands — each under rules held
//! as data with the statutory defaults (城市居民委员会组织法).

pub mod ballots;
pub mod councils;
pub mod elections;
