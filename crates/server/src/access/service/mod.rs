//! Accounts and authority: sign-in, sessions, tokens, users and their role bindings.

pub mod users;

pub use users::*;

use tongxin_core::access::Actor;
use tongxin_core::audit::AuditEntry;

/// An audit record for a change made by `actor` now; add the details with the
/// `node`/`before`/`after`/`request` builders.
pub fn audit_entry(
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: impl Into<String>,
) -> AuditEntry {
    AuditEntry {
        at: tongxin_store::now_millis(),
        actor_id: actor.user_id,
        actor: actor.username.clone(),
        action: action.into(),
        entity_type: entity_type.into(),
        entity_id: entity_id.into(),
        node_code: None,
        before: None,
        after: None,
        request_id: None,
    }
}
