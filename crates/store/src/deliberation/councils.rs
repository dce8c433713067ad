//! Councils, their versioned charters, their members, and the link from a user account to
//! the resident it votes as.

use crate::db::{Conn, Store, StoreError, Val, bulk_insert};
use crate::scope::{prefix_clause, upper_bound};
use sqlx::{AssertSqlSafe, FromRow};
use tongxin_core::deliberation::councils::CouncilKind;
use tongxin_core::deliberation::councils::CouncilRules;
use tongxin_core::deliberation::councils::MemberRole;

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct CouncilRow {
    pub id: i64,
    pub community_code: String,
    pub compound_id: Option<i64>,
    pub district_code: String,
    #[sqlx(try_from = "String")]
    pub kind: CouncilKind,
    pub name: String,
    /// `CouncilRules` as JSON.
    pub rules: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COUNCIL_COLS: &str =
    "id, community_code, compound_id, district_code, kind, name, rules, created_at, updated_at";
pub const COUNCIL_COLUMNS: [&str; 9] = [
    "id",
    "community_code",
    "compound_id",
    "district_code",
    "kind",
    "name",
    "rules",
    "created_at",
    "updated_at",
];

pub fn council_values(c: &CouncilRow) -> Vec<Val> {
    vec![
        Val::Int(c.id),
        Val::Text(c.community_code.clone()),
        Val::OptInt(c.compound_id),
        Val::Text(c.district_code.clone()),
        Val::Text(c.kind.as_str().into()),
        Val::Text(c.name.clone()),
        Val::Text(c.rules.clone()),
        Val::Int(c.created_at),
        Val::Int(c.updated_at),
    ]
}

pub async fn insert_council(conn: &mut Conn, c: &CouncilRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO councils (community_code, compound_id, district_code, kind, name, rules, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&c.community_code)
    .bind(c.compound_id)
    .bind(&c.district_code)
    .bind(c.kind.as_str())
    .bind(&c.name)
    .bind(&c.rules)
    .bind(c.created_at)
    .bind(c.updated_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn get_council(store: &Store, id: i64) -> Result<Option<CouncilRow>, StoreError> {
    let sql = format!("SELECT {COUNCIL_COLS} FROM councils WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// Councils of the communities under the prefixes, by community then id.
pub async fn list_councils(
    store: &Store,
    prefixes: &[String],
    limit: usize,
) -> Result<Vec<CouncilRow>, StoreError> {
    let sql = format!(
        "SELECT {COUNCIL_COLS} FROM councils WHERE {} ORDER BY community_code, id LIMIT {limit}",
        prefix_clause("community_code", prefixes, 1)
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(q.fetch_all(store.pool()).await?)
}

pub async fn set_rules(conn: &mut Conn, id: i64, rules: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE councils SET rules = $1, updated_at = $2 WHERE id = $3")
        .bind(rules)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct CharterRow {
    pub council_id: i64,
    pub version: i64,
    pub body: String,
    pub note: String,
    pub adopted_at: i64,
    pub author: String,
}

/// Appends a charter version (the next number); versions are never changed.
pub async fn add_charter(conn: &mut Conn, c: &CharterRow) -> Result<i64, StoreError> {
    let (next,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM council_charters WHERE council_id = $1",
    )
    .bind(c.council_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO council_charters (council_id, version, body, note, adopted_at, author) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.council_id)
    .bind(next)
    .bind(&c.body)
    .bind(&c.note)
    .bind(c.adopted_at)
    .bind(&c.author)
    .execute(&mut *conn)
    .await?;
    Ok(next)
}

pub async fn insert_charters(conn: &mut Conn, rows: &[CharterRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "council_charters",
        &[
            "council_id",
            "version",
            "body",
            "note",
            "adopted_at",
            "author",
        ],
        rows,
        |c| {
            vec![
                Val::Int(c.council_id),
                Val::Int(c.version),
                Val::Text(c.body.clone()),
                Val::Text(c.note.clone()),
                Val::Int(c.adopted_at),
                Val::Text(c.author.clone()),
            ]
        },
    )
    .await
}

/// Every version, newest first (the first is the charter in force).
pub async fn charters(store: &Store, council_id: i64) -> Result<Vec<CharterRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT council_id, version, body, note, adopted_at, author FROM council_charters WHERE council_id = $1 ORDER BY version DESC",
    )
    .bind(council_id)
    .fetch_all(store.pool())
    .await?)
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct MemberRow {
    pub id: i64,
    pub council_id: i64,
    pub resident_id: i64,
    pub building_id: Option<i64>,
    pub party_member: i64,
    #[sqlx(try_from = "String")]
    pub role: MemberRole,
    pub term_start: i64,
    pub term_end: i64,
    pub election_id: Option<i64>,
    pub created_at: i64,
}

const MEMBER_COLS: &str = "id, council_id, resident_id, building_id, party_member, role, term_start, term_end, election_id, created_at";

/// Inserts members (ids assigned by the database).
pub async fn insert_members(conn: &mut Conn, rows: &[MemberRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "council_members",
        &[
            "council_id",
            "resident_id",
            "building_id",
            "party_member",
            "role",
            "term_start",
            "term_end",
            "election_id",
            "created_at",
        ],
        rows,
        |m| {
            vec![
                Val::Int(m.council_id),
                Val::Int(m.resident_id),
                Val::OptInt(m.building_id),
                Val::Int(m.party_member),
                Val::Text(m.role.as_str().into()),
                Val::Int(m.term_start),
                Val::Int(m.term_end),
                Val::OptInt(m.election_id),
                Val::Int(m.created_at),
            ]
        },
    )
    .await
}

/// Members whose term has not ended before `since` (all members when `since` is 0), by
/// role then term.
pub async fn members(
    store: &Store,
    council_id: i64,
    since: i64,
) -> Result<Vec<MemberRow>, StoreError> {
    let sql = format!(
        "SELECT {MEMBER_COLS} FROM council_members WHERE council_id = $1 AND term_end > $2 ORDER BY term_start DESC, id"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(council_id)
        .bind(since)
        .fetch_all(store.pool())
        .await?)
}

pub async fn get_member(store: &Store, id: i64) -> Result<Option<MemberRow>, StoreError> {
    let sql = format!("SELECT {MEMBER_COLS} FROM council_members WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

pub async fn update_member(
    conn: &mut Conn,
    id: i64,
    role: &str,
    term_end: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE council_members SET role = $1, term_end = $2 WHERE id = $3")
        .bind(role)
        .bind(term_end)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Which of these residents are party members (from the party-member registry).
pub async fn party_members_among(
    store: &Store,
    residents: &[i64],
) -> Result<std::collections::HashSet<i64>, StoreError> {
    let mut out = std::collections::HashSet::new();
    for chunk in residents.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|id| id.to_string()).collect();
        let sql = format!(
            "SELECT resident_id FROM party_members WHERE resident_id IN ({})",
            list.join(", ")
        );
        let rows: Vec<(i64,)> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await?;
        out.extend(rows.into_iter().map(|r| r.0));
    }
    Ok(out)
}

/// Buildings of a council's area: the compound's, or the whole community's.
pub async fn area_buildings(
    store: &Store,
    community_code: &str,
    compound_id: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = match compound_id {
        Some(c) => {
            sqlx::query_as("SELECT id FROM buildings WHERE compound_id = $1 ORDER BY id")
                .bind(c)
                .fetch_all(store.pool())
                .await?
        }
        None => {
            sqlx::query_as("SELECT id FROM buildings WHERE community_code = $1 ORDER BY id")
                .bind(community_code)
                .fetch_all(store.pool())
                .await?
        }
    };
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A resident as councils see them: name, building, grid, birth date, status.
#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub building_id: Option<i64>,
    pub grid_code: String,
    pub birth_date: String,
    pub status: String,
}

pub async fn people(store: &Store, ids: &[i64]) -> Result<Vec<PersonRow>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|id| id.to_string()).collect();
        let sql = format!(
            "SELECT id, name, building_id, grid_code, birth_date, status FROM residents WHERE id IN ({})",
            list.join(", ")
        );
        out.extend(
            sqlx::query_as::<_, PersonRow>(AssertSqlSafe(sql))
                .fetch_all(store.pool())
                .await?,
        );
    }
    Ok(out)
}

/// Residents living in the area (the compound's buildings, or the community's grids) born
/// on or before `born_by` (YYYY-MM-DD): the adult electorate.
pub async fn adults_of_area(
    store: &Store,
    community_code: &str,
    compound_id: Option<i64>,
    born_by: &str,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = match compound_id {
        Some(c) => sqlx::query_as(
            "SELECT r.id FROM residents r JOIN buildings b ON b.id = r.building_id \
             WHERE b.compound_id = $1 AND r.status = 'resident' AND r.birth_date <= $2 ORDER BY r.id",
        )
        .bind(c)
        .bind(born_by)
        .fetch_all(store.pool())
        .await?,
        None => sqlx::query_as(
            "SELECT id FROM residents WHERE grid_code >= $1 AND grid_code < $2 \
             AND status = 'resident' AND birth_date <= $3 ORDER BY id",
        )
        .bind(community_code)
        .bind(upper_bound(community_code))
        .bind(born_by)
        .fetch_all(store.pool())
        .await?,
    };
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Links a user account to the resident it votes as (one each way); replaces an earlier link
/// of the user.
pub async fn link_user(
    conn: &mut Conn,
    user_id: i64,
    resident_id: i64,
    at: i64,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM user_residents WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO user_residents (user_id, resident_id, linked_at, linked_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(resident_id)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The demo's resident and party-member accounts with their community, and per community
/// the council members a voter may be linked to: (user id, is a party member account,
/// community code), and (community code, member resident id, is a party member).
pub async fn demo_voters(
    conn: &mut Conn,
    now: i64,
) -> Result<(Vec<(i64, bool, String)>, Vec<(String, i64, bool)>), StoreError> {
    let accounts: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT b.user_id, b.role, b.node_code FROM role_bindings b \
         LEFT JOIN user_residents l ON l.user_id = b.user_id \
         WHERE b.role IN ('resident', 'party_member') AND l.user_id IS NULL ORDER BY b.user_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let members: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT c.community_code, m.resident_id, m.party_member FROM council_members m \
         JOIN councils c ON c.id = m.council_id \
         LEFT JOIN user_residents l ON l.resident_id = m.resident_id \
         WHERE m.term_end > $1 AND l.resident_id IS NULL ORDER BY c.community_code, m.id",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    Ok((
        accounts
            .into_iter()
            .map(|(u, role, node)| (u, role == "party_member", node.chars().take(12).collect()))
            .collect(),
        members
            .into_iter()
            .map(|(c, r, p)| (c, r, p != 0))
            .collect(),
    ))
}

pub async fn resident_of_user(store: &Store, user_id: i64) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT resident_id FROM user_residents WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(store.pool())
            .await?;
    Ok(row.map(|r| r.0))
}

/// A resident as the demo's council generator needs them.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct RollRow {
    pub id: i64,
    pub grid_code: String,
    pub building_id: Option<i64>,
    pub birth_date: String,
    pub party_member: i64,
}

/// Communities (code, name), buildings (id, community) and living residents, for the demo.
pub async fn demo_rolls(
    store: &Store,
) -> Result<(Vec<(String, String)>, Vec<(i64, String)>, Vec<RollRow>), StoreError> {
    let communities: Vec<(String, String)> =
        sqlx::query_as("SELECT code, name FROM divisions WHERE length(code) = 12 ORDER BY code")
            .fetch_all(store.pool())
            .await?;
    let buildings: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, community_code FROM buildings ORDER BY id")
            .fetch_all(store.pool())
            .await?;
    let residents: Vec<RollRow> = sqlx::query_as(
        "SELECT r.id, r.grid_code, r.building_id, r.birth_date, \
         CASE WHEN pm.id IS NULL THEN 0 ELSE 1 END AS party_member \
         FROM residents r LEFT JOIN party_members pm ON pm.resident_id = r.id \
         WHERE r.status = 'resident' ORDER BY r.id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok((communities, buildings, residents))
}

/// Whether any council exists (the demo loads councils once).
pub async fn any_council(store: &Store) -> Result<bool, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM councils LIMIT 1")
        .fetch_optional(store.pool())
        .await?;
    Ok(row.is_some())
}

/// A council's (or a ballot's) rules from their JSON column.
pub fn rules_of(json: &str) -> CouncilRules {
    serde_json::from_str(json).unwrap_or_default()
}
