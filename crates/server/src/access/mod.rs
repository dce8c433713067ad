//! Accounts and authority: sign-in, sessions, tokens, users and their role bindings.

mod handlers;
pub mod password;
pub mod session;

pub use handlers::*;
pub use session::{Authenticated, Caller};

use tongxin_core::access::Actor;
use tongxin_core::audit::AuditEntry;

/// An audit record for a change made by `actor` now.
pub fn audit_entry(
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: impl Into<String>,
    node_code: Option<String>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    request_id: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at: tongxin_store::now_millis(),
        actor_id: actor.user_id,
        actor: actor.username.clone(),
        action: action.into(),
        entity_type: entity_type.into(),
        entity_id: entity_id.into(),
        node_code,
        before,
        after,
        request_id,
    }
}
