//! People, places and organisations in the grid: residents and households (with protected
//! personal data), organisations, party organisations and members.

pub mod counts;
pub mod free_text;
pub mod keys;
pub mod organisations;
pub mod residents;
pub mod spreadsheets;

pub use organisations::*;
pub use residents::*;

use crate::error::{ApiError, FieldError};

/// Turns `(field, reason)` pairs from the core's validators into one 422.
pub(crate) fn invalid_fields(errors: Vec<(&'static str, String)>) -> ApiError {
    let detail = errors
        .iter()
        .map(|(f, r)| format!("{f}: {r}"))
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::invalid(
        detail,
        errors
            .into_iter()
            .map(|(f, r)| FieldError::field(f, r))
            .collect(),
    )
}

pub(crate) fn today() -> u32 {
    tongxin_core::people::china_date(tongxin_store::now_millis())
}
