//! Residents decide: councils with their charters and members, elections by secret ballot and
//! motions voted openly, secretly or by a counted show of hands (rules held as data with the
//! statutory defaults of 城市居民委员会组织法); 逢四说事 sessions and their items; 四议两公开
//! for major matters; and the decisions that come out of them, tracked to completion.

pub mod ballots;
pub mod councils;
pub mod decisions;
pub mod elections;
pub mod items;
pub mod matters;
pub mod sessions;
