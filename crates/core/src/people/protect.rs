//! Protection of personal data at rest: AES-256-GCM encryption and a keyed hash (HMAC-SHA256)
//! for exact lookup, both from one configured master key. Pure computation: the caller
//! supplies the nonce, so this crate stays free of I/O.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const SEALED_PREFIX: &str = "v1.";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("数据密钥须为 32 字节的 Base64 / the data key must be 32 bytes in Base64")]
    BadKey,
    #[error(
        "密文无法解密（密钥不符或数据被改动）/ a sealed value cannot be opened (wrong key or altered data)"
    )]
    Open,
}

/// Which personal field a keyed hash is for, so equal values in different fields differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    CitizenId,
    Phone,
}

impl Field {
    fn label(self) -> &'static [u8] {
        match self {
            Field::CitizenId => b"citizen_id",
            Field::Phone => b"phone",
        }
    }
}

#[derive(Clone)]
pub struct DataKeys {
    cipher: Aes256Gcm,
    /// HMAC state with the lookup key already absorbed: cloning it skips the two key-pad
    /// compressions every hash would otherwise repeat (a ledger import hashes 200,000 values).
    hasher: Hmac<Sha256>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKeys(..)")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl DataKeys {
    /// Separate keys for encryption and hashing, derived from the master key.
    pub fn from_master(master: &[u8; 32]) -> DataKeys {
        let enc = derive(master, b"tongxin/v1/encrypt");
        DataKeys {
            cipher: Aes256Gcm::new_from_slice(&enc).expect("32-byte key"),
            hasher: <Hmac<Sha256> as Mac>::new_from_slice(&derive(master, b"tongxin/v1/lookup"))
                .expect("any key length"),
        }
    }

    pub fn parse_master(text: &str) -> Result<DataKeys, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyError::BadKey)?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadKey)?;
        Ok(DataKeys::from_master(&master))
    }

    pub fn encode_master(master: &[u8; 32]) -> String {
        STANDARD.encode(master)
    }

    /// Encrypts `plain` with a fresh random `nonce` (never reuse one with the same key).
    pub fn seal(&self, plain: &str, nonce: [u8; 12]) -> String {
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String, KeyError> {
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or(KeyError::Open)?;
        let bytes = STANDARD.decode(body).map_err(|_| KeyError::Open)?;
        if bytes.len() < 12 + 16 {
            return Err(KeyError::Open);
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| KeyError::Open)?;
        String::from_utf8(plain).map_err(|_| KeyError::Open)
    }

    /// Keyed hash for exact lookup: equal inputs give equal hashes, and without the key the
    /// hash reveals nothing (ID numbers are too few to resist a plain hash's brute force).
    pub fn lookup_hash(&self, field: Field, value: &str) -> String {
        let mut mac = self.hasher.clone();
        mac.update(field.label());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex_encode(&mac.finalize().into_bytes())
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(byte: u8) -> DataKeys {
        DataKeys::from_master(&[byte; 32])
    }

    #[test]
    fn seal_and_open_round_trip_and_hide_the_value() {
        let k = keys(7);
        let sealed = k.seal("11010519491231002X", [1; 12]);
        assert!(!sealed.contains("11010519491231002X"));
        assert_eq!(k.open(&sealed).unwrap(), "11010519491231002X");
        assert_eq!(
            keys(8).open(&sealed),
            Err(KeyError::Open),
            "another key cannot open it"
        );
        let mut tampered = sealed.clone();
        tampered.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert_eq!(k.open(&tampered), Err(KeyError::Open));
        assert_ne!(
            k.seal("x", [1; 12]),
            k.seal("x", [2; 12]),
            "nonce makes each sealing unique"
        );
    }

    #[test]
    fn lookup_hashes_are_keyed_and_field_separated() {
        let k = keys(7);
        let a = k.lookup_hash(Field::CitizenId, "11010519491231002X");
        assert_eq!(a, k.lookup_hash(Field::CitizenId, "11010519491231002X"));
        assert_ne!(
            a,
            keys(8).lookup_hash(Field::CitizenId, "11010519491231002X")
        );
        assert_ne!(a, k.lookup_hash(Field::Phone, "11010519491231002X"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn master_key_text() {
        let text = DataKeys::encode_master(&[9; 32]);
        assert!(DataKeys::parse_master(&text).is_ok());
        assert_eq!(
            DataKeys::parse_master("c2hvcnQ=").unwrap_err(),
            KeyError::BadKey
        );
    }
}
