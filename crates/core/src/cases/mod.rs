//! The closed loop: cases from discovery in the grid to a solved problem, on working-time
//! deadlines. Categories and their time limits, the working-time calendar, and the state
//! machine every channel goes through.

pub mod calendar;
pub mod catalogue;
pub mod deadlines;
pub mod handover;
pub mod indicators;
pub mod intake;
pub mod machine;
pub mod warnings;
