//! The hash chain over a community's published postings. Each link is SHA-256 over the
//! previous link's hash and a canonical serialization of the posting (content, finance
//! lines, approvers, publication time). A chain head (length and last hash) kept apart from
//! the links — and printed for anchoring outside the database — makes deleting the newest
//! link as visible as altering or deleting any other.

use super::LineItem;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The previous hash of the first link.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Everything a published posting says, in a fixed order: what the hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    pub community_code: String,
    pub seq: i64,
    pub posting_id: i64,
    pub item_id: i64,
    pub period: String,
    pub version: i64,
    pub supersedes: Option<i64>,
    pub title: String,
    pub body: String,
    pub lines: Vec<LineItem>,
    pub author_id: i64,
    /// Approvers' user ids, ascending.
    pub approvers: Vec<i64>,
    pub published_at: i64,
}

impl ChainEntry {
    /// The canonical serialization: compact JSON with fields in declaration order.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("a chain entry always serializes")
    }
}

/// The hash of a link: SHA-256 over the previous hash, a newline, and the canonical entry.
pub fn link_hash(prev_hash: &str, entry: &ChainEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(entry.canonical().as_bytes());
    hex::encode(h.finalize())
}

/// A link as stored: the entry rebuilt from the rows, and the hashes written at publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    pub entry: ChainEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The head of a community's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    pub community_code: String,
    pub length: i64,
    pub last_hash: String,
}

/// The first link that does not hold, named precisely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    pub community_code: String,
    pub seq: i64,
    /// The posting at that place, when one is there.
    pub posting_id: Option<i64>,
    /// `missing`, `content`, `previous_hash`, `head`.
    pub problem: &'static str,
    pub expected: String,
    pub found: String,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let posting = self
            .posting_id
            .map(|id| format!("posting {id}"))
            .unwrap_or_else(|| "no posting".into());
        let what = match self.problem {
            "missing" => "链条缺失一环（记录被删除）/ a link is missing (a row was deleted)",
            "content" => {
                "内容与发布时的哈希不符（记录被修改）/ content does not match its hash (a row was altered)"
            }
            "previous_hash" => "前一哈希不符 / previous hash does not match",
            _ => {
                "链头与链条不符（末尾记录被删除或链头被修改）/ the chain head does not match the chain (newest rows deleted or head altered)"
            }
        };
        write!(
            f,
            "community {} seq {} ({posting}): {what}; expected {}, found {}",
            self.community_code, self.seq, self.expected, self.found
        )
    }
}

/// Walks `links` (ordered by seq) against the stored `head`; the first broken link, or the
/// head recomputed from the links.
pub fn verify_chain(
    community_code: &str,
    links: &[StoredLink],
    head: Option<&ChainHead>,
) -> Result<ChainHead, BrokenLink> {
    let broken = |seq, posting_id, problem, expected: String, found: String| BrokenLink {
        community_code: community_code.to_string(),
        seq,
        posting_id,
        problem,
        expected,
        found,
    };
    let mut prev = GENESIS_HASH.to_string();
    for (i, link) in links.iter().enumerate() {
        let seq = i as i64 + 1;
        let e = &link.entry;
        if e.seq != seq {
            return Err(broken(
                seq,
                None,
                "missing",
                format!("seq {seq}"),
                format!("seq {} (posting {})", e.seq, e.posting_id),
            ));
        }
        let recomputed = link_hash(&link.prev_hash, e);
        if recomputed != link.hash {
            return Err(broken(
                seq,
                Some(e.posting_id),
                "content",
                link.hash.clone(),
                recomputed,
            ));
        }
        if link.prev_hash != prev {
            return Err(broken(
                seq,
                Some(e.posting_id),
                "previous_hash",
                prev,
                link.prev_hash.clone(),
            ));
        }
        prev = link.hash.clone();
    }
    let length = links.len() as i64;
    let computed = ChainHead {
        community_code: community_code.to_string(),
        length,
        last_hash: prev,
    };
    match head {
        Some(h) if h.length == computed.length && h.last_hash == computed.last_hash => Ok(computed),
        Some(h) => Err(broken(
            length.min(h.length) + 1,
            None,
            if h.length > length { "missing" } else { "head" },
            format!("length {} last hash {}", h.length, h.last_hash),
            format!(
                "length {} last hash {}",
                computed.length, computed.last_hash
            ),
        )),
        None if length == 0 => Ok(computed),
        None => Err(broken(
            length,
            links.last().map(|l| l.entry.posting_id),
            "head",
            format!("a chain head for {length} links"),
            "no chain head".into(),
        )),
    }
}
