//! The audit trail: who changed what, when, with a before/after summary.

use crate::Millis;
use serde::{Deserialize, Serialize};

/// One audit record, written in the same transaction as the change it describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Millis,
    pub actor_id: i64,
    pub actor: String,
    /// Dotted verb, e.g. `grid.create`, `user.disable`, `session.login`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// Territory code the entity sits at, so auditors can be scoped like everyone else.
    pub node_code: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

impl AuditEntry {
    pub fn node(mut self, node_code: Option<String>) -> Self {
        self.node_code = node_code;
        self
    }

    pub fn before(mut self, before: Option<serde_json::Value>) -> Self {
        self.before = before;
        self
    }

    pub fn after(mut self, after: Option<serde_json::Value>) -> Self {
        self.after = after;
        self
    }

    pub fn request(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
}

/// Keys whose values never enter an audit summary in plain text.
const SECRET_KEYS: [&str; 6] = [
    "password",
    "password_hash",
    "token",
    "token_hash",
    "id_number",
    "phone",
];

/// Removes secrets from a summary before it is stored: audit records outlive everything.
pub fn redact(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if SECRET_KEYS.contains(&k.as_str()) {
                        (k, serde_json::Value::String("[redacted]".into()))
                    } else {
                        (k, redact(v))
                    }
                })
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(redact).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let v = serde_json::json!({"name": "a", "password_hash": "x", "inner": [{"phone": "13800000000"}]});
        let r = redact(v);
        assert_eq!(r["name"], "a");
        assert_eq!(r["password_hash"], "[redacted]");
        assert_eq!(r["inner"][0]["phone"], "[redacted]");
    }
}
