//! What a service is told about the request it serves: who asks, the request id its audit
//! records carry, and the time it is served at. The JSON API gets one from the `Context`
//! extractor, a page from its `Viewer`; a service never sees the HTTP request itself.

use crate::access::audit_entry;
use tongxin_core::Millis;
use tongxin_core::access::Actor;
use tongxin_core::audit::AuditEntry;

#[derive(Clone, Debug)]
pub struct Context {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub now: Millis,
}

impl Context {
    /// A context for `actor` served now.
    pub fn new(actor: Actor, request_id: Option<String>) -> Self {
        Context {
            actor,
            request_id,
            now: tongxin_store::now_millis(),
        }
    }

    /// The audit record of an action taken in this context (actor and request id filled in).
    pub fn audit(
        &self,
        action: &str,
        entity_type: &str,
        entity_id: impl Into<String>,
    ) -> AuditEntry {
        audit_entry(&self.actor, action, entity_type, entity_id).request(self.request_id.clone())
    }
}
