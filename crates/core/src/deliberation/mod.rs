//! Residents decide: 逢四说事 sessions and their items, 四议两公开 for major matters, and the
//! decisions that come out of them tracked to completion.

pub mod decisions;
pub mod items;
pub mod procedure;
pub mod sessions;
