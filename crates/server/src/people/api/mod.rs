pub mod handlers_spreadsheets;
pub mod organisations;
pub mod residents;
