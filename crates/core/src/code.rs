//! Codes stored as text (a status, a mode, a role): reading one back decodes it into its enum,
//! and a code this build does not know is an error, never a guess.

/// A stored code that names nothing this build knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {code:?}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}

/// `TryFrom<String>` through the type's own `parse`, so a row can decode the column
/// (`#[sqlx(try_from = "String")]`).
#[macro_export]
macro_rules! decodes_from_text {
    ($type:ty, $what:literal) => {
        impl TryFrom<String> for $type {
            type Error = $crate::code::UnknownCode;
            fn try_from(code: String) -> Result<$type, $crate::code::UnknownCode> {
                <$type>::parse(&code).ok_or($crate::code::UnknownCode { what: $what, code })
            }
        }
    };
}
