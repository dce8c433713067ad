//! Ballots: elections and motions. Casting writes who voted (`ballot_voters`, one row each,
//! the primary key refusing a second) and, apart from it, the paper with the options marked. A secret
//! paper carries a random key and nothing else; when the ballot is sealed after closing, its
//! papers are rewritten under fresh keys in random order, so neither storage order nor the
//! writing transaction ties a paper to the voter row written with it.

use super::councils::{MemberRow, rules_of};
use crate::db::{Conn, Store, StoreError, Val, bulk_insert};
use rand::RngCore;
use sqlx::{AssertSqlSafe, FromRow};
use tongxin_core::deliberation::ballots::{BallotKind, BallotMode, BallotStatus};
use tongxin_core::deliberation::councils::{MemberRole, add_months};
use tongxin_core::deliberation::elections::{self, Candidate, ElectionResult};

/// A ballot that elects council members.
pub const ELECTION: BallotKind = BallotKind::Election;
/// A ballot that decides a motion.
pub const MOTION: BallotKind = BallotKind::Motion;

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct BallotRow {
    pub id: i64,
    pub council_id: i64,
    pub community_code: String,
    pub district_code: String,
    /// election or motion.
    #[sqlx(try_from = "String")]
    pub kind: BallotKind,
    /// open, secret or show_of_hands.
    #[sqlx(try_from = "String")]
    pub mode: BallotMode,
    pub title: String,
    pub body: String,
    pub meeting_date: Option<String>,
    pub seats: i64,
    pub term_start: Option<i64>,
    pub term_end: Option<i64>,
    /// `CouncilRules` as JSON (the council's at creation, with the ballot's overrides).
    pub rules: String,
    /// members or listed (motions); residents or listed (elections).
    pub electorate_kind: String,
    pub electorate_size: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    pub sealed: i64,
    /// Show of hands: {"present":…, "for":…, "against":…, "abstain":…}.
    pub hands: Option<String>,
    /// open or published.
    #[sqlx(try_from = "String")]
    pub status: BallotStatus,
    pub result: Option<String>,
    pub published_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub version: i64,
}

const BALLOT_COLS: &str = "id, council_id, community_code, district_code, kind, mode, title, body, meeting_date, seats, term_start, term_end, rules, electorate_kind, electorate_size, opens_at, closes_at, sealed, hands, status, result, published_at, created_by, created_at, version";

pub const BALLOT_COLUMNS: [&str; 25] = [
    "id",
    "council_id",
    "community_code",
    "district_code",
    "kind",
    "mode",
    "title",
    "body",
    "meeting_date",
    "seats",
    "term_start",
    "term_end",
    "rules",
    "electorate_kind",
    "electorate_size",
    "opens_at",
    "closes_at",
    "sealed",
    "hands",
    "status",
    "result",
    "published_at",
    "created_by",
    "created_at",
    "version",
];

pub fn ballot_values(b: &BallotRow) -> Vec<Val> {
    vec![
        Val::Int(b.id),
        Val::Int(b.council_id),
        Val::Text(b.community_code.clone()),
        Val::Text(b.district_code.clone()),
        Val::Text(b.kind.as_str().into()),
        Val::Text(b.mode.as_str().into()),
        Val::Text(b.title.clone()),
        Val::Text(b.body.clone()),
        Val::OptText(b.meeting_date.clone()),
        Val::Int(b.seats),
        Val::OptInt(b.term_start),
        Val::OptInt(b.term_end),
        Val::Text(b.rules.clone()),
        Val::Text(b.electorate_kind.clone()),
        Val::Int(b.electorate_size),
        Val::Int(b.opens_at),
        Val::Int(b.closes_at),
        Val::Int(b.sealed),
        Val::OptText(b.hands.clone()),
        Val::Text(b.status.as_str().into()),
        Val::OptText(b.result.clone()),
        Val::OptInt(b.published_at),
        Val::Text(b.created_by.clone()),
        Val::Int(b.created_at),
        Val::Int(b.version),
    ]
}

pub async fn insert_ballot(conn: &mut Conn, b: &BallotRow) -> Result<i64, StoreError> {
    let cols = &BALLOT_COLS["id, ".len()..];
    let placeholders: Vec<String> = (1..BALLOT_COLUMNS.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO ballots ({cols}) VALUES ({}) RETURNING id",
        placeholders.join(", ")
    );
    let (id,): (i64,) = sqlx::query_as(AssertSqlSafe(sql))
        .bind(b.council_id)
        .bind(&b.community_code)
        .bind(&b.district_code)
        .bind(b.kind.as_str())
        .bind(b.mode.as_str())
        .bind(&b.title)
        .bind(&b.body)
        .bind(&b.meeting_date)
        .bind(b.seats)
        .bind(b.term_start)
        .bind(b.term_end)
        .bind(&b.rules)
        .bind(&b.electorate_kind)
        .bind(b.electorate_size)
        .bind(b.opens_at)
        .bind(b.closes_at)
        .bind(b.sealed)
        .bind(&b.hands)
        .bind(b.status.as_str())
        .bind(&b.result)
        .bind(b.published_at)
        .bind(&b.created_by)
        .bind(b.created_at)
        .bind(b.version)
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

pub async fn get_ballot(store: &Store, id: i64) -> Result<Option<BallotRow>, StoreError> {
    let sql = format!("SELECT {BALLOT_COLS} FROM ballots WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// A council's ballots of one kind, newest first.
pub async fn list_ballots(
    store: &Store,
    council_id: i64,
    kind: BallotKind,
    limit: usize,
) -> Result<Vec<BallotRow>, StoreError> {
    let sql = format!(
        "SELECT {BALLOT_COLS} FROM ballots WHERE council_id = $1 AND kind = $2 ORDER BY opens_at DESC, id DESC LIMIT {limit}"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(council_id)
        .bind(kind.as_str())
        .fetch_all(store.pool())
        .await?)
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct OptionRow {
    pub ballot_id: i64,
    pub option_no: i64,
    pub label: String,
    pub resident_id: Option<i64>,
    pub building_id: Option<i64>,
    pub party_member: i64,
}

pub async fn insert_options(conn: &mut Conn, rows: &[OptionRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "ballot_options",
        &[
            "ballot_id",
            "option_no",
            "label",
            "resident_id",
            "building_id",
            "party_member",
        ],
        rows,
        |o| {
            vec![
                Val::Int(o.ballot_id),
                Val::Int(o.option_no),
                Val::Text(o.label.clone()),
                Val::OptInt(o.resident_id),
                Val::OptInt(o.building_id),
                Val::Int(o.party_member),
            ]
        },
    )
    .await
}

pub async fn options(store: &Store, ballot_id: i64) -> Result<Vec<OptionRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT ballot_id, option_no, label, resident_id, building_id, party_member FROM ballot_options WHERE ballot_id = $1 ORDER BY option_no",
    )
    .bind(ballot_id)
    .fetch_all(store.pool())
    .await?)
}

/// One elector: a resident who may vote from `valid_from` until `valid_to` (a member's term,
/// or the ballot's window for a listed electorate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elector {
    pub resident_id: i64,
    pub valid_from: i64,
    pub valid_to: i64,
}

pub async fn insert_electorate(
    conn: &mut Conn,
    ballot_id: i64,
    electors: &[Elector],
) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "ballot_electorate",
        &["ballot_id", "resident_id", "valid_from", "valid_to"],
        electors,
        |e| {
            vec![
                Val::Int(ballot_id),
                Val::Int(e.resident_id),
                Val::Int(e.valid_from),
                Val::Int(e.valid_to),
            ]
        },
    )
    .await
}

pub async fn elector(
    conn: &mut Conn,
    ballot_id: i64,
    resident_id: i64,
) -> Result<Option<Elector>, StoreError> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT valid_from, valid_to FROM ballot_electorate WHERE ballot_id = $1 AND resident_id = $2",
    )
    .bind(ballot_id)
    .bind(resident_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(valid_from, valid_to)| Elector {
        resident_id,
        valid_from,
        valid_to,
    }))
}

pub async fn has_voted(
    conn: &mut Conn,
    ballot_id: i64,
    resident_id: i64,
) -> Result<bool, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT cast_at FROM ballot_voters WHERE ballot_id = $1 AND resident_id = $2",
    )
    .bind(ballot_id)
    .bind(resident_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// A random paper key (128 bits from the OS-seeded generator).
pub fn paper_key() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records one vote: the voter row (a second one is refused by the primary key: `false`),
/// then the paper. `named` puts the voter on the paper (open ballots); otherwise the paper
/// has a random key and no link to the voter.
pub async fn cast(
    conn: &mut Conn,
    ballot_id: i64,
    resident_id: i64,
    at: i64,
    named: bool,
    marks: &[i64],
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO ballot_voters (ballot_id, resident_id, cast_at) VALUES ($1, $2, $3) ON CONFLICT (ballot_id, resident_id) DO NOTHING",
    )
    .bind(ballot_id)
    .bind(resident_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() != 1 {
        return Ok(false);
    }
    let paper = if named {
        format!("r{resident_id}")
    } else {
        paper_key()
    };
    let voter = named.then_some(resident_id);
    insert_papers(conn, ballot_id, &[(paper, voter, marks.to_vec())]).await?;
    Ok(true)
}

/// A paper: its key, the voter on an open ballot (none on a secret one), the options marked.
pub type Paper = (String, Option<i64>, Vec<i64>);

/// A paper's marks as stored: option numbers, comma-separated ("" for a blank paper).
pub fn marks_text(marks: &[i64]) -> String {
    marks
        .iter()
        .map(|m| m.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_marks(text: &str) -> impl Iterator<Item = i64> + '_ {
    text.split(',').filter_map(|m| m.parse().ok())
}

/// Writes papers: (key, voter on open ballots, option numbers).
pub async fn insert_papers(
    conn: &mut Conn,
    ballot_id: i64,
    papers: &[Paper],
) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "ballot_papers",
        &["ballot_id", "paper", "voter_id", "marks"],
        papers,
        |(key, voter, marks)| {
            vec![
                Val::Int(ballot_id),
                Val::Text(key.clone()),
                Val::OptInt(*voter),
                Val::Text(marks_text(marks)),
            ]
        },
    )
    .await
}

/// Writes who voted (for bulk loads).
pub async fn insert_voters(
    conn: &mut Conn,
    ballot_id: i64,
    voters: &[(i64, i64)],
) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "ballot_voters",
        &["ballot_id", "resident_id", "cast_at"],
        voters,
        |(r, at)| vec![Val::Int(ballot_id), Val::Int(*r), Val::Int(*at)],
    )
    .await
}

/// The count: papers cast, and votes per option number.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Tally {
    pub papers: u64,
    pub voters: u64,
    pub marks: Vec<(i64, u64)>,
}

/// Counts the papers: one range read of the marks, counted here (a `GROUP BY` over one row
/// per mark was several times slower on both engines).
pub async fn tally(store: &Store, ballot_id: i64) -> Result<Tally, StoreError> {
    let (voters,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM ballot_voters WHERE ballot_id = $1")
            .bind(ballot_id)
            .fetch_one(store.pool())
            .await?;
    let papers: Vec<(String,)> =
        sqlx::query_as("SELECT marks FROM ballot_papers WHERE ballot_id = $1")
            .bind(ballot_id)
            .fetch_all(store.pool())
            .await?;
    let mut counts: Vec<u64> = Vec::new();
    for (marks,) in &papers {
        for m in parse_marks(marks) {
            let i = m.clamp(0, 100_000) as usize;
            if counts.len() <= i {
                counts.resize(i + 1, 0);
            }
            counts[i] += 1;
        }
    }
    Ok(Tally {
        papers: papers.len() as u64,
        voters: voters as u64,
        marks: counts
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .map(|(o, n)| (o as i64, n))
            .collect(),
    })
}

/// Named votes of an open ballot: (resident id, option number).
pub async fn named_votes(store: &Store, ballot_id: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT voter_id, marks FROM ballot_papers WHERE ballot_id = $1 AND voter_id IS NOT NULL ORDER BY voter_id",
    )
    .bind(ballot_id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .flat_map(|(voter, marks)| parse_marks(marks).map(move |m| (*voter, m)))
        .collect())
}

/// Who voted and when (turnout; never how).
pub async fn voters(store: &Store, ballot_id: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT resident_id, cast_at FROM ballot_voters WHERE ballot_id = $1 ORDER BY resident_id",
    )
    .bind(ballot_id)
    .fetch_all(store.pool())
    .await?)
}

/// Closes a ballot now if it closes later (never reopens one).
pub async fn close_now(conn: &mut Conn, id: i64, at: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE ballots SET closes_at = $1, version = version + 1 WHERE id = $2 AND closes_at > $1",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rewrites a closed secret ballot's papers (all anonymous) under fresh random keys in random
/// order, once. `false` when it was already sealed.
pub async fn seal(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let claimed = sqlx::query("UPDATE ballots SET sealed = 1 WHERE id = $1 AND sealed = 0")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if claimed.rows_affected() != 1 {
        return Ok(false);
    }
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT marks FROM ballot_papers WHERE ballot_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let mut papers: Vec<Paper> = rows
        .iter()
        .map(|(marks,)| (paper_key(), None, parse_marks(marks).collect()))
        .collect();
    // Sorted by the fresh random keys: an order unrelated to the order of casting.
    papers.sort_by(|a, b| a.0.cmp(&b.0));
    sqlx::query("DELETE FROM ballot_papers WHERE ballot_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_papers(conn, id, &papers).await?;
    Ok(true)
}

pub async fn set_hands(conn: &mut Conn, id: i64, hands: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE ballots SET hands = $1, version = version + 1 WHERE id = $2")
        .bind(hands)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Publishes the result; `false` if it was already published (published results are frozen).
pub async fn publish(conn: &mut Conn, id: i64, result: &str, at: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE ballots SET status = 'published', result = $1, published_at = $2, version = version + 1 WHERE id = $3 AND status <> 'published'",
    )
    .bind(result)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The count of an election from its papers (no I/O: the bench and the demo call it too).
pub fn count_election(
    b: &BallotRow,
    options: &[OptionRow],
    tally: &Tally,
    area: &[i64],
) -> ElectionResult {
    let candidates: Vec<Candidate> = options
        .iter()
        .map(|o| Candidate {
            number: o.option_no,
            resident_id: o.resident_id.unwrap_or(0),
            building_id: o.building_id,
            party_member: o.party_member != 0,
        })
        .collect();
    elections::count(
        &rules_of(&b.rules),
        b.seats as u32,
        b.electorate_size as u64,
        tally.papers,
        &candidates,
        &tally.marks,
        area,
    )
}

/// The council members an election's result seats, with the term the ballot set (or the
/// council's default term from its close).
pub fn members_from_result(
    b: &BallotRow,
    options: &[OptionRow],
    result: &ElectionResult,
    at: i64,
) -> Vec<MemberRow> {
    let start = b.term_start.unwrap_or(b.closes_at);
    let end = b
        .term_end
        .unwrap_or_else(|| add_months(start, rules_of(&b.rules).term_months));
    result
        .elected
        .iter()
        .filter_map(|r| options.iter().find(|o| o.resident_id == Some(*r)))
        .map(|o| MemberRow {
            id: 0,
            council_id: b.council_id,
            resident_id: o.resident_id.unwrap_or(0),
            building_id: o.building_id,
            party_member: o.party_member,
            role: MemberRole::Member,
            term_start: start,
            term_end: end,
            election_id: Some(b.id),
            created_at: at,
        })
        .collect()
}
