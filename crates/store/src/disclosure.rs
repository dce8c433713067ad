//! Three-affairs disclosure: the catalogue, the committee roster, postings with their
//! finance lines and approvals, and the per-community hash chain with its head.
//! Published rows are never updated; a correction is a new row that supersedes the old.

use crate::db::{Conn, Store, StoreError};
use crate::scope::upper_bound;
use sqlx::{AssertSqlSafe, FromRow};
use std::collections::BTreeMap;
use tongxin_core::disclosure::{
    BrokenLink, ChainEntry, ChainHead, LineItem, LineKind, StoredLink, verify_chain,
};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct ItemRow {
    pub id: i64,
    pub community_code: String,
    pub district_code: String,
    pub affair: String,
    pub title: String,
    pub frequency: String,
    pub major: i64,
    pub grace_days: i64,
    pub active_from: i64,
    pub created_at: i64,
    pub created_by: i64,
}

const ITEM_COLS: &str = "id, community_code, district_code, affair, title, frequency, major, grace_days, active_from, created_at, created_by";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct PostingRow {
    pub id: i64,
    pub community_code: String,
    pub district_code: String,
    pub item_id: i64,
    pub period: String,
    pub version: i64,
    pub supersedes: Option<i64>,
    pub title: String,
    pub body: String,
    pub income_fen: i64,
    pub expense_fen: i64,
    /// draft or published.
    pub status: String,
    pub author_id: i64,
    pub author: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

pub const POSTING_COLS: &str = "id, community_code, district_code, item_id, period, version, supersedes, title, body, income_fen, expense_fen, status, author_id, author, created_at, published_at, chain_seq, prev_hash, hash";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct LineRow {
    pub posting_id: i64,
    pub line_no: i64,
    pub kind: String,
    pub label: String,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct ApprovalRow {
    pub posting_id: i64,
    pub approver_id: i64,
    pub approver: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub added_at: i64,
}

fn scope(prefix: &str) -> (String, String) {
    (prefix.to_string(), upper_bound(prefix))
}

pub async fn insert_item(conn: &mut Conn, r: &ItemRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO disclosure_items (community_code, district_code, affair, title, frequency, major, grace_days, active_from, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&r.community_code)
    .bind(&r.district_code)
    .bind(&r.affair)
    .bind(&r.title)
    .bind(&r.frequency)
    .bind(r.major)
    .bind(r.grace_days)
    .bind(r.active_from)
    .bind(r.created_at)
    .bind(r.created_by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn get_item(store: &Store, id: i64) -> Result<Option<ItemRow>, StoreError> {
    let sql = format!("SELECT {ITEM_COLS} FROM disclosure_items WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

pub async fn list_items(store: &Store, community: &str) -> Result<Vec<ItemRow>, StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLS} FROM disclosure_items WHERE community_code = $1 ORDER BY affair, id"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .fetch_all(store.pool())
        .await?)
}

/// The committee roster, with each member's account name.
pub async fn committee(store: &Store, community: &str) -> Result<Vec<MemberRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT c.user_id, u.username, u.display_name, c.added_at FROM disclosure_committee c \
         JOIN users u ON u.id = c.user_id WHERE c.community_code = $1 ORDER BY c.user_id",
    )
    .bind(community)
    .fetch_all(store.pool())
    .await?)
}

/// One page of a catalogue (by affair), with how many items there are in all.
pub async fn items_page(
    store: &Store,
    community: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ItemRow>, i64), StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLS} FROM disclosure_items WHERE community_code = $1 ORDER BY affair, id LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let (total,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM disclosure_items WHERE community_code = $1")
            .bind(community)
            .fetch_one(store.pool())
            .await?;
    Ok((rows, total))
}

/// One page of the committee roster (the latest added first), with how many members there
/// are in all.
pub async fn committee_page(
    store: &Store,
    community: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<MemberRow>, i64), StoreError> {
    let rows = sqlx::query_as(
        "SELECT c.user_id, u.username, u.display_name, c.added_at FROM disclosure_committee c \
         JOIN users u ON u.id = c.user_id WHERE c.community_code = $1 \
         ORDER BY c.added_at DESC, c.user_id DESC LIMIT $2 OFFSET $3",
    )
    .bind(community)
    .bind(limit as i64)
    .bind(offset as i64)
    .fetch_all(store.pool())
    .await?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM disclosure_committee c JOIN users u ON u.id = c.user_id WHERE c.community_code = $1",
    )
    .bind(community)
    .fetch_one(store.pool())
    .await?;
    Ok((rows, total))
}

/// Whether the user is on the community's committee.
pub async fn is_member(store: &Store, community: &str, user_id: i64) -> Result<bool, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM disclosure_committee WHERE community_code = $1 AND user_id = $2",
    )
    .bind(community)
    .bind(user_id)
    .fetch_one(store.pool())
    .await?;
    Ok(n > 0)
}

/// The roster's user ids, read inside a write transaction.
pub async fn committee_ids(conn: &mut Conn, community: &str) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT user_id FROM disclosure_committee WHERE community_code = $1 ORDER BY user_id",
    )
    .bind(community)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Adds a member; `false` when already on the roster.
pub async fn add_member(
    conn: &mut Conn,
    community: &str,
    user_id: i64,
    at: i64,
    by: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO disclosure_committee (community_code, user_id, added_at, added_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(community)
    .bind(user_id)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Removes a member; `false` when not on the roster.
pub async fn remove_member(
    conn: &mut Conn,
    community: &str,
    user_id: i64,
) -> Result<bool, StoreError> {
    let r =
        sqlx::query("DELETE FROM disclosure_committee WHERE community_code = $1 AND user_id = $2")
            .bind(community)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Writes a draft and its finance lines.
pub async fn insert_posting(
    conn: &mut Conn,
    p: &PostingRow,
    lines: &[LineItem],
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO disclosure_postings (community_code, district_code, item_id, period, version, supersedes, title, body, income_fen, expense_fen, status, author_id, author, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12, $13) RETURNING id",
    )
    .bind(&p.community_code)
    .bind(&p.district_code)
    .bind(p.item_id)
    .bind(&p.period)
    .bind(p.version)
    .bind(p.supersedes)
    .bind(&p.title)
    .bind(&p.body)
    .bind(p.income_fen)
    .bind(p.expense_fen)
    .bind(p.author_id)
    .bind(&p.author)
    .bind(p.created_at)
    .fetch_one(&mut *conn)
    .await?;
    for (n, l) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO disclosure_lines (posting_id, line_no, kind, label, amount_fen) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(n as i64 + 1)
        .bind(l.kind.as_str())
        .bind(l.label.trim())
        .bind(l.amount_fen)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn get_posting(store: &Store, id: i64) -> Result<Option<PostingRow>, StoreError> {
    let sql = format!("SELECT {POSTING_COLS} FROM disclosure_postings WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// The posting as it is inside a write transaction.
pub async fn posting_in(conn: &mut Conn, id: i64) -> Result<Option<PostingRow>, StoreError> {
    let sql = format!("SELECT {POSTING_COLS} FROM disclosure_postings WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// A community's postings, newest first; drafts only when asked for.
pub async fn list_postings(
    store: &Store,
    community: &str,
    with_drafts: bool,
) -> Result<Vec<PostingRow>, StoreError> {
    let filter = if with_drafts {
        ""
    } else {
        " AND status = 'published'"
    };
    let sql = format!(
        "SELECT {POSTING_COLS} FROM disclosure_postings WHERE community_code = $1{filter} ORDER BY COALESCE(published_at, created_at) DESC, id DESC"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .fetch_all(store.pool())
        .await?)
}

/// An `IN (…)` list of ids (integers from the database, written out as numbers).
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One page of a community's current published postings (those no published correction
/// supersedes), the latest first, optionally of one affair; with how many there are in all.
pub async fn current_postings_page(
    store: &Store,
    community: &str,
    affair: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<PostingRow>, i64), StoreError> {
    let filter = "FROM disclosure_postings p WHERE p.community_code = $1 AND p.status = 'published' \
         AND NOT EXISTS (SELECT 1 FROM disclosure_postings n WHERE n.supersedes = p.id AND n.status = 'published') \
         AND ($2 = '' OR p.item_id IN (SELECT i.id FROM disclosure_items i WHERE i.community_code = $1 AND i.affair = $2))";
    let cols: Vec<String> = POSTING_COLS.split(", ").map(|c| format!("p.{c}")).collect();
    let sql = format!(
        "SELECT {} {filter} ORDER BY p.chain_seq DESC, p.id DESC LIMIT $3 OFFSET $4",
        cols.join(", ")
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(affair.unwrap_or(""))
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let (total,): (i64,) = sqlx::query_as(AssertSqlSafe(format!("SELECT COUNT(*) {filter}")))
        .bind(community)
        .bind(affair.unwrap_or(""))
        .fetch_one(store.pool())
        .await?;
    Ok((rows, total))
}

/// One page of a community's postings with one status (draft or published), the latest
/// first; with how many there are in all.
pub async fn postings_page(
    store: &Store,
    community: &str,
    status: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<PostingRow>, i64), StoreError> {
    let sql = format!(
        "SELECT {POSTING_COLS} FROM disclosure_postings WHERE community_code = $1 AND status = $2 \
         ORDER BY COALESCE(published_at, created_at) DESC, id DESC LIMIT $3 OFFSET $4"
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(status)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM disclosure_postings WHERE community_code = $1 AND status = $2",
    )
    .bind(community)
    .bind(status)
    .fetch_one(store.pool())
    .await?;
    Ok((rows, total))
}

/// The postings with these ids in a community (in id order).
pub async fn postings_by_ids(
    store: &Store,
    community: &str,
    ids: &[i64],
) -> Result<Vec<PostingRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {POSTING_COLS} FROM disclosure_postings WHERE community_code = $1 AND id IN ({}) ORDER BY id",
        id_list(ids)
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .fetch_all(store.pool())
        .await?)
}

/// For each of these postings that a published correction supersedes: (old id, new id).
pub async fn superseding(store: &Store, ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT supersedes, id FROM disclosure_postings WHERE status = 'published' AND supersedes IN ({}) ORDER BY id",
        id_list(ids)
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(store.pool())
        .await?)
}

/// The finance lines of these postings, by posting.
pub async fn lines_of_postings(
    store: &Store,
    ids: &[i64],
) -> Result<BTreeMap<i64, Vec<LineRow>>, StoreError> {
    let mut out: BTreeMap<i64, Vec<LineRow>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT posting_id, line_no, kind, label, amount_fen FROM disclosure_lines WHERE posting_id IN ({}) ORDER BY posting_id, line_no",
        id_list(ids)
    );
    let rows: Vec<LineRow> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(store.pool())
        .await?;
    for r in rows {
        out.entry(r.posting_id).or_default().push(r);
    }
    Ok(out)
}

pub async fn lines(store: &Store, posting_id: i64) -> Result<Vec<LineRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT posting_id, line_no, kind, label, amount_fen FROM disclosure_lines WHERE posting_id = $1 ORDER BY line_no",
    )
    .bind(posting_id)
    .fetch_all(store.pool())
    .await?)
}

/// Every finance line of a community's postings, by posting.
pub async fn lines_of_community(
    store: &Store,
    community: &str,
) -> Result<BTreeMap<i64, Vec<LineRow>>, StoreError> {
    let rows: Vec<LineRow> = sqlx::query_as(
        "SELECT l.posting_id, l.line_no, l.kind, l.label, l.amount_fen FROM disclosure_lines l \
         JOIN disclosure_postings p ON p.id = l.posting_id WHERE p.community_code = $1 ORDER BY l.posting_id, l.line_no",
    )
    .bind(community)
    .fetch_all(store.pool())
    .await?;
    let mut out: BTreeMap<i64, Vec<LineRow>> = BTreeMap::new();
    for r in rows {
        out.entry(r.posting_id).or_default().push(r);
    }
    Ok(out)
}

pub async fn approvals(store: &Store, posting_id: i64) -> Result<Vec<ApprovalRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT posting_id, approver_id, approver, at FROM disclosure_approvals WHERE posting_id = $1 ORDER BY at, approver_id",
    )
    .bind(posting_id)
    .fetch_all(store.pool())
    .await?)
}

pub async fn approver_ids(conn: &mut Conn, posting_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT approver_id FROM disclosure_approvals WHERE posting_id = $1 ORDER BY approver_id",
    )
    .bind(posting_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Records an approval; `false` when this person already approved.
pub async fn add_approval(conn: &mut Conn, a: &ApprovalRow) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO disclosure_approvals (posting_id, approver_id, approver, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(a.posting_id)
    .bind(a.approver_id)
    .bind(&a.approver)
    .bind(a.at)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn head_in(conn: &mut Conn, community: &str) -> Result<Option<ChainHead>, StoreError> {
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT community_code, length, last_hash FROM disclosure_chain_heads WHERE community_code = $1",
    )
    .bind(community)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(community_code, length, last_hash)| ChainHead {
        community_code,
        length,
        last_hash,
    }))
}

/// Every chain head under `prefix`, in community order (for anchoring outside the database).
pub async fn heads(store: &Store, prefix: &str) -> Result<Vec<ChainHead>, StoreError> {
    let (lo, hi) = scope(prefix);
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT community_code, length, last_hash FROM disclosure_chain_heads WHERE community_code >= $1 AND community_code < $2 ORDER BY community_code",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(community_code, length, last_hash)| ChainHead {
            community_code,
            length,
            last_hash,
        })
        .collect())
}

/// Publishes a draft as the next link: the head moves from `before` to the new link, and
/// the row (still a draft) gets its place in the chain. The head moves first, so that of two
/// publications racing for the same place the second finds the head moved (and writes
/// nothing) instead of colliding on the chain's unique index. `false` when the head moved or
/// the draft was published meanwhile; the caller then rolls back.
pub async fn publish(
    conn: &mut Conn,
    p: &PostingRow,
    before: Option<&ChainHead>,
) -> Result<bool, StoreError> {
    let (Some(seq), Some(prev), Some(hash), Some(at)) =
        (p.chain_seq, &p.prev_hash, &p.hash, p.published_at)
    else {
        return Err(StoreError::Corrupt("publish without a chain link".into()));
    };
    let moved = match before {
        Some(h) => sqlx::query(
            "UPDATE disclosure_chain_heads SET length = $1, last_hash = $2, updated_at = $3 WHERE community_code = $4 AND length = $5 AND last_hash = $6",
        )
        .bind(seq)
        .bind(hash)
        .bind(at)
        .bind(&p.community_code)
        .bind(h.length)
        .bind(&h.last_hash)
        .execute(&mut *conn)
        .await?,
        None => sqlx::query(
            "INSERT INTO disclosure_chain_heads (community_code, length, last_hash, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(&p.community_code)
        .bind(seq)
        .bind(hash)
        .bind(at)
        .execute(&mut *conn)
        .await?,
    };
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    let r = sqlx::query(
        "UPDATE disclosure_postings SET status = 'published', published_at = $1, chain_seq = $2, prev_hash = $3, hash = $4 WHERE id = $5 AND status = 'draft'",
    )
    .bind(at)
    .bind(seq)
    .bind(prev)
    .bind(hash)
    .bind(p.id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Published postings in chain order with their lines and approvers, under `prefix`:
/// the links as they are stored now, grouped by community.
pub async fn stored_links(
    store: &Store,
    prefix: &str,
) -> Result<BTreeMap<String, Vec<StoredLink>>, StoreError> {
    let (lo, hi) = scope(prefix);
    let sql = format!(
        "SELECT {POSTING_COLS} FROM disclosure_postings WHERE status = 'published' AND community_code >= $1 AND community_code < $2 ORDER BY community_code, chain_seq"
    );
    let postings: Vec<PostingRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&lo)
        .bind(&hi)
        .fetch_all(store.pool())
        .await?;
    let line_rows: Vec<LineRow> = sqlx::query_as(
        "SELECT l.posting_id, l.line_no, l.kind, l.label, l.amount_fen FROM disclosure_lines l JOIN disclosure_postings p ON p.id = l.posting_id \
         WHERE p.status = 'published' AND p.community_code >= $1 AND p.community_code < $2 ORDER BY l.posting_id, l.line_no",
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(store.pool())
    .await?;
    let approval_rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT a.posting_id, a.approver_id FROM disclosure_approvals a JOIN disclosure_postings p ON p.id = a.posting_id \
         WHERE p.status = 'published' AND p.community_code >= $1 AND p.community_code < $2 ORDER BY a.posting_id, a.approver_id",
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(store.pool())
    .await?;
    let mut lines: BTreeMap<i64, Vec<LineItem>> = BTreeMap::new();
    for l in line_rows {
        lines.entry(l.posting_id).or_default().push(line_item(&l));
    }
    let mut approvers: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (posting, approver) in approval_rows {
        approvers.entry(posting).or_default().push(approver);
    }
    let mut out: BTreeMap<String, Vec<StoredLink>> = BTreeMap::new();
    for p in postings {
        let link = StoredLink {
            entry: chain_entry(
                &p,
                lines.remove(&p.id).unwrap_or_default(),
                approvers.remove(&p.id).unwrap_or_default(),
            ),
            prev_hash: p.prev_hash.clone().unwrap_or_default(),
            hash: p.hash.clone().unwrap_or_default(),
        };
        out.entry(p.community_code).or_default().push(link);
    }
    Ok(out)
}

/// A stored line as the domain sees it (an unknown kind reads as income, which then fails
/// the hash: the kind was altered).
pub fn line_item(l: &LineRow) -> LineItem {
    LineItem {
        kind: LineKind::parse(&l.kind).unwrap_or(LineKind::Income),
        label: l.label.clone(),
        amount_fen: l.amount_fen,
    }
}

/// What the hash of a posting covers. `approvers` ascending.
pub fn chain_entry(p: &PostingRow, lines: Vec<LineItem>, approvers: Vec<i64>) -> ChainEntry {
    ChainEntry {
        community_code: p.community_code.clone(),
        seq: p.chain_seq.unwrap_or_default(),
        posting_id: p.id,
        item_id: p.item_id,
        period: p.period.clone(),
        version: p.version,
        supersedes: p.supersedes,
        title: p.title.clone(),
        body: p.body.clone(),
        lines,
        author_id: p.author_id,
        approvers,
        published_at: p.published_at.unwrap_or_default(),
    }
}

/// Walks every chain under `prefix` (communities with a head or a published posting) and
/// returns the heads, or the first broken link in community order.
pub async fn verify(
    store: &Store,
    prefix: &str,
) -> Result<Result<Vec<ChainHead>, BrokenLink>, StoreError> {
    let mut links = stored_links(store, prefix).await?;
    let mut heads: BTreeMap<String, ChainHead> = heads(store, prefix)
        .await?
        .into_iter()
        .map(|h| (h.community_code.clone(), h))
        .collect();
    let mut communities: Vec<String> = links.keys().chain(heads.keys()).cloned().collect();
    communities.sort();
    communities.dedup();
    let mut verified = Vec::with_capacity(communities.len());
    for c in communities {
        let chain = links.remove(&c).unwrap_or_default();
        match verify_chain(&c, &chain, heads.remove(&c).as_ref()) {
            Ok(head) => verified.push(head),
            Err(broken) => return Ok(Err(broken)),
        }
    }
    Ok(Ok(verified))
}

/// A community's chain head, read outside a transaction.
pub async fn head(store: &Store, community: &str) -> Result<Option<ChainHead>, StoreError> {
    let mut conn = store.pool().acquire().await?;
    head_in(&mut conn, community).await
}

/// The published posting that supersedes `id`, if any.
pub async fn superseded_by(conn: &mut Conn, id: i64) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM disclosure_postings WHERE supersedes = $1 AND status = 'published'",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.0))
}

/// The original (not a correction) published for an item's period, if any.
pub async fn published_original(
    conn: &mut Conn,
    item_id: i64,
    period: &str,
) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM disclosure_postings WHERE item_id = $1 AND period = $2 AND status = 'published' AND supersedes IS NULL",
    )
    .bind(item_id)
    .bind(period)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.0))
}

/// A posting's finance lines, read inside a write transaction.
pub async fn lines_in(conn: &mut Conn, posting_id: i64) -> Result<Vec<LineItem>, StoreError> {
    let rows: Vec<LineRow> = sqlx::query_as(
        "SELECT posting_id, line_no, kind, label, amount_fen FROM disclosure_lines WHERE posting_id = $1 ORDER BY line_no",
    )
    .bind(posting_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(line_item).collect())
}
