//! The server's handle on the data keys: sealing with fresh random nonces, keyed hashes for
//! lookup, and masks for display.

use rand::RngCore;
use tongxin_core::people::protect::{DataKeys, Field, KeyError};
use tongxin_core::people::{CitizenId, Phone, mask_personal_numbers};

/// A personal number as stored: sealed, keyed-hashed and masked.
#[derive(Debug, Clone, PartialEq)]
pub struct Protected {
    pub sealed: String,
    pub hash: String,
    pub masked: String,
}

/// Free text as it may be shown (personal numbers masked) and, when it held any, the
/// original sealed for the audited reveal.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardedText {
    pub shown: String,
    pub sealed: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Protector {
    keys: DataKeys,
}

impl Protector {
    pub fn new(keys: DataKeys) -> Self {
        Protector { keys }
    }

    /// A throwaway key, for tests only: data sealed with it is unreadable after restart.
    pub fn ephemeral() -> Self {
        let mut master = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut master);
        Protector::new(DataKeys::from_master(&master))
    }

    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        self.keys.seal(plain, nonce)
    }

    pub fn open(&self, sealed: &str) -> Result<String, KeyError> {
        self.keys.open(sealed)
    }

    /// Masks the mobile and ID numbers typed into `text`, sealing the original if it had any.
    pub fn guard_text(&self, text: &str) -> GuardedText {
        let masked = mask_personal_numbers(text);
        GuardedText {
            sealed: (masked.found > 0).then(|| self.seal(text)),
            shown: masked.text,
        }
    }

    pub fn citizen_id(&self, id: &CitizenId) -> Protected {
        self.citizen_id_hashed(id, self.id_hash(id))
    }

    /// As `citizen_id`, reusing a keyed hash the caller already computed (imports hash every
    /// ID first, for the duplicate check).
    pub fn citizen_id_hashed(&self, id: &CitizenId, hash: String) -> Protected {
        Protected {
            sealed: self.seal(id.expose()),
            hash,
            masked: id.masked(),
        }
    }

    pub fn phone(&self, phone: &Phone) -> Protected {
        Protected {
            sealed: self.seal(phone.expose()),
            hash: self.phone_hash(phone),
            masked: phone.masked(),
        }
    }

    /// A fingerprint of the key, stored with the data so a wrong key is noticed at start-up
    /// instead of silently making personal data unreadable.
    pub fn key_check(&self) -> String {
        self.keys.lookup_hash(Field::Phone, "tongxin-key-check")
    }

    /// Seals a value opened under another key and hashes it as `field` (key rotation).
    pub fn reprotect(&self, field: Field, plain: &str) -> (String, String) {
        (self.seal(plain), self.keys.lookup_hash(field, plain))
    }

    pub fn id_hash(&self, id: &CitizenId) -> String {
        self.keys.lookup_hash(Field::CitizenId, id.expose())
    }

    pub fn phone_hash(&self, phone: &Phone) -> String {
        self.keys.lookup_hash(Field::Phone, phone.expose())
    }
}

/// Masks personal numbers in every string of a JSON value (a timeline event's data).
pub fn mask_json_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            let masked = mask_personal_numbers(s);
            if masked.found > 0 {
                *s = masked.text;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_json_strings),
        _ => {}
    }
}
