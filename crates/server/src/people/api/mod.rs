pub mod organisations;
pub mod residents;
pub mod spreadsheets;
