//! The one shape of a broken rule about input: which field and why (bilingual). Every
//! capability's checks return it, and the server turns it into a 422 naming the field.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    /// The field, or an element of a list (`candidates[2]`).
    pub field: std::borrow::Cow<'static, str>,
    pub reason: String,
}

pub fn invalid(
    field: impl Into<std::borrow::Cow<'static, str>>,
    reason: impl Into<String>,
) -> Invalid {
    Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}
