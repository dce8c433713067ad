//! Residents, households, residence history, organisations, party organisations and members.
//! Personal numbers arrive here already sealed, hashed and masked: this layer never sees them
//! in plain text.

use crate::db::{Conn, Page, Placeholders, Store, StoreError, Tx, Val, bulk_insert, page};
use crate::scope::{prefix_clause, upper_bound};
use sqlx::{AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ResidentRow {
    pub id: i64,
    pub name: String,
    pub id_sealed: String,
    pub id_hash: String,
    pub id_masked: String,
    pub sex: String,
    pub birth_date: String,
    pub phone_sealed: Option<String>,
    pub phone_hash: Option<String>,
    pub phone_masked: Option<String>,
    pub household_id: Option<i64>,
    pub building_id: Option<i64>,
    pub unit: String,
    pub room: String,
    pub grid_code: String,
    pub district_code: String,
    pub tags: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Since when the resident lives at the current place, and why they came.
    pub place_since: i64,
    pub place_reason: String,
}

const RESIDENT_COLS: &str = "id, name, id_sealed, id_hash, id_masked, sex, birth_date, phone_sealed, phone_hash, phone_masked, household_id, building_id, unit, room, grid_code, district_code, tags, status, created_at, updated_at, place_since, place_reason";
const RESIDENT_COLUMNS: [&str; 22] = [
    "id",
    "name",
    "id_sealed",
    "id_hash",
    "id_masked",
    "sex",
    "birth_date",
    "phone_sealed",
    "phone_hash",
    "phone_masked",
    "household_id",
    "building_id",
    "unit",
    "room",
    "grid_code",
    "district_code",
    "tags",
    "status",
    "created_at",
    "updated_at",
    "place_since",
    "place_reason",
];

impl ResidentRow {
    fn into_values(self) -> Vec<Val> {
        vec![
            Val::Int(self.id),
            Val::Text(self.name),
            Val::Text(self.id_sealed),
            Val::Text(self.id_hash),
            Val::Text(self.id_masked),
            Val::Text(self.sex),
            Val::Text(self.birth_date),
            Val::OptText(self.phone_sealed),
            Val::OptText(self.phone_hash),
            Val::OptText(self.phone_masked),
            Val::OptInt(self.household_id),
            Val::OptInt(self.building_id),
            Val::Text(self.unit),
            Val::Text(self.room),
            Val::Text(self.grid_code),
            Val::Text(self.district_code),
            Val::Text(self.tags),
            Val::Text(self.status),
            Val::Int(self.created_at),
            Val::Int(self.updated_at),
            Val::Int(self.place_since),
            Val::Text(self.place_reason),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct HouseholdRow {
    pub id: i64,
    pub grid_code: String,
    pub district_code: String,
    pub building_id: Option<i64>,
    pub unit: String,
    pub room: String,
    pub address: String,
    pub head_resident_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const HOUSEHOLD_COLS: &str = "id, grid_code, district_code, building_id, unit, room, address, head_resident_id, created_at, updated_at";

impl HouseholdRow {
    fn into_values(self) -> Vec<Val> {
        vec![
            Val::Int(self.id),
            Val::Text(self.grid_code),
            Val::Text(self.district_code),
            Val::OptInt(self.building_id),
            Val::Text(self.unit),
            Val::Text(self.room),
            Val::Text(self.address),
            Val::OptInt(self.head_resident_id),
            Val::Int(self.created_at),
            Val::Int(self.updated_at),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct HistoryRow {
    pub id: i64,
    pub resident_id: i64,
    pub household_id: Option<i64>,
    pub building_id: Option<i64>,
    pub grid_code: Option<String>,
    pub unit: String,
    pub room: String,
    pub from_at: i64,
    pub to_at: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct OrganisationRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub community_code: String,
    pub grid_code: String,
    pub district_code: String,
    pub lon: f64,
    pub lat: f64,
    pub contact_name: String,
    pub contact_phone_sealed: Option<String>,
    pub contact_phone_hash: Option<String>,
    pub contact_phone_masked: Option<String>,
    pub registered: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const ORG_COLS: &str = "id, name, kind, community_code, grid_code, district_code, lon, lat, contact_name, contact_phone_sealed, contact_phone_hash, contact_phone_masked, registered, created_at, updated_at";

impl OrganisationRow {
    fn values(&self) -> Vec<Val> {
        vec![
            Val::Int(self.id),
            Val::Text(self.name.clone()),
            Val::Text(self.kind.clone()),
            Val::Text(self.community_code.clone()),
            Val::Text(self.grid_code.clone()),
            Val::Text(self.district_code.clone()),
            Val::Real(self.lon),
            Val::Real(self.lat),
            Val::Text(self.contact_name.clone()),
            Val::OptText(self.contact_phone_sealed.clone()),
            Val::OptText(self.contact_phone_hash.clone()),
            Val::OptText(self.contact_phone_masked.clone()),
            Val::Int(self.registered),
            Val::Int(self.created_at),
            Val::Int(self.updated_at),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct PartyOrgRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub community_code: String,
    pub grid_code: Option<String>,
    pub building_id: Option<i64>,
    /// The deepest territory node the organisation sits at (grid or community), for scope.
    pub node_code: String,
    pub created_at: i64,
}

const PARTY_ORG_COLS: &str =
    "id, parent_id, kind, name, community_code, grid_code, building_id, node_code, created_at";

impl PartyOrgRow {
    fn values(&self) -> Vec<Val> {
        vec![
            Val::Int(self.id),
            Val::OptInt(self.parent_id),
            Val::Text(self.kind.clone()),
            Val::Text(self.name.clone()),
            Val::Text(self.community_code.clone()),
            Val::OptText(self.grid_code.clone()),
            Val::OptInt(self.building_id),
            Val::Text(self.node_code.clone()),
            Val::Int(self.created_at),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct PartyMemberRow {
    pub id: i64,
    pub resident_id: i64,
    pub org_id: i64,
    pub in_service: i64,
    pub employer_org_id: Option<i64>,
    pub node_code: String,
    pub created_at: i64,
}

const MEMBER_COLS: &str =
    "id, resident_id, org_id, in_service, employer_org_id, node_code, created_at";

impl PartyMemberRow {
    fn values(&self) -> Vec<Val> {
        vec![
            Val::Int(self.id),
            Val::Int(self.resident_id),
            Val::Int(self.org_id),
            Val::Int(self.in_service),
            Val::OptInt(self.employer_org_id),
            Val::Text(self.node_code.clone()),
            Val::Int(self.created_at),
        ]
    }
}

fn columns(cols: &str) -> Vec<&str> {
    cols.split(", ").collect()
}

fn unique_conflict(e: StoreError, message: &str) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict(message.to_string())
    } else {
        e
    }
}

/// Inserts residents, moving their fields into the statement (imports are large; in a
/// `Store::begin_bulk` transaction, the caller has checked grids, buildings and households).
pub async fn insert_residents(
    tx: &mut Tx,
    rows: impl IntoIterator<Item = ResidentRow>,
) -> Result<(), StoreError> {
    crate::db::bulk_load(
        tx,
        "residents",
        &RESIDENT_COLUMNS,
        rows,
        ResidentRow::into_values,
    )
    .await
    .map_err(|e| {
        unique_conflict(
            e,
            "身份证号已登记 / a citizen ID number is already registered",
        )
    })
}

pub async fn insert_households(tx: &mut Tx, rows: Vec<HouseholdRow>) -> Result<(), StoreError> {
    crate::db::bulk_load(
        tx,
        "households",
        &columns(HOUSEHOLD_COLS),
        rows,
        HouseholdRow::into_values,
    )
    .await
}

pub async fn insert_organisations(
    conn: &mut Conn,
    rows: &[OrganisationRow],
) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "organisations",
        &columns(ORG_COLS),
        rows,
        OrganisationRow::values,
    )
    .await
}

pub async fn insert_party_orgs(conn: &mut Conn, rows: &[PartyOrgRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "party_orgs",
        &columns(PARTY_ORG_COLS),
        rows,
        PartyOrgRow::values,
    )
    .await
}

pub async fn insert_party_members(
    conn: &mut Conn,
    rows: &[PartyMemberRow],
) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "party_members",
        &columns(MEMBER_COLS),
        rows,
        PartyMemberRow::values,
    )
    .await
    .map_err(|e| {
        unique_conflict(
            e,
            "该居民已登记为党员 / this resident is already a registered party member",
        )
    })
}

/// Closes the current residence period into the history and moves the resident (or marks
/// them moved out); the resident row carries the new place from `at`, for `reason`.
pub async fn move_resident(
    conn: &mut Conn,
    before: &ResidentRow,
    moved: &ResidentRow,
    at: i64,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO residence_history (resident_id, household_id, building_id, grid_code, unit, room, from_at, to_at, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(before.id)
    .bind(before.household_id)
    .bind(before.building_id)
    .bind(&before.grid_code)
    .bind(&before.unit)
    .bind(&before.room)
    .bind(before.place_since)
    .bind(at)
    .bind(&before.place_reason)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE residents SET household_id = $1, building_id = $2, unit = $3, room = $4, grid_code = $5, \
         district_code = $6, status = $7, updated_at = $8, place_since = $8, place_reason = $9 WHERE id = $10",
    )
    .bind(moved.household_id)
    .bind(moved.building_id)
    .bind(&moved.unit)
    .bind(&moved.room)
    .bind(&moved.grid_code)
    .bind(&moved.district_code)
    .bind(&moved.status)
    .bind(at)
    .bind(reason)
    .bind(moved.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update_resident_details(conn: &mut Conn, r: &ResidentRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE residents SET name = $1, phone_sealed = $2, phone_hash = $3, phone_masked = $4, tags = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&r.name)
    .bind(&r.phone_sealed)
    .bind(&r.phone_hash)
    .bind(&r.phone_masked)
    .bind(&r.tags)
    .bind(r.updated_at)
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every residence period, oldest first: the closed ones from the history, then the current
/// one from the resident row (unless they moved out).
pub async fn history(store: &Store, resident: &ResidentRow) -> Result<Vec<HistoryRow>, StoreError> {
    let mut periods: Vec<HistoryRow> = sqlx::query_as(
        "SELECT id, resident_id, household_id, building_id, grid_code, unit, room, from_at, to_at, reason \
         FROM residence_history WHERE resident_id = $1 ORDER BY from_at, id",
    )
    .bind(resident.id)
    .fetch_all(store.pool())
    .await?;
    if resident.status == "resident" {
        periods.push(HistoryRow {
            id: 0,
            resident_id: resident.id,
            household_id: resident.household_id,
            building_id: resident.building_id,
            grid_code: Some(resident.grid_code.clone()),
            unit: resident.unit.clone(),
            room: resident.room.clone(),
            from_at: resident.place_since,
            to_at: None,
            reason: resident.place_reason.clone(),
        });
    }
    Ok(periods)
}

pub async fn get_resident(store: &Store, id: i64) -> Result<Option<ResidentRow>, StoreError> {
    let sql = format!("SELECT {RESIDENT_COLS} FROM residents WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// Which of `hashes` are already registered (duplicate check before an import).
pub async fn existing_id_hashes(
    conn: &mut Conn,
    hashes: &[impl AsRef<str>],
) -> Result<Vec<String>, StoreError> {
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    // One statement whatever the count: the hashes travel as one JSON array, instead of
    // thousands of bound parameters in chunks under the engines' limits.
    let list: Vec<&str> = hashes.iter().map(AsRef::as_ref).collect();
    let json = serde_json::to_string(&list).expect("strings serialise");
    let sql = if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        "SELECT id_hash FROM residents WHERE id_hash IN (SELECT value FROM json_each($1))"
    } else {
        "SELECT id_hash FROM residents WHERE id_hash IN \
         (SELECT jsonb_array_elements_text(CAST($1 AS jsonb)))"
    };
    let rows: Vec<(String,)> = sqlx::query_as(sql).bind(json).fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|(h,)| h).collect())
}

/// What to look for; the scope prefixes always apply.
#[derive(Debug, Clone, Default)]
pub struct ResidentQuery {
    pub prefixes: Vec<String>,
    pub name_part: Option<String>,
    pub tag: Option<String>,
    pub id_hash: Option<String>,
    pub phone_hash: Option<String>,
    pub household_id: Option<i64>,
    pub include_moved_out: bool,
    pub after: Option<i64>,
    pub limit: usize,
}

pub async fn search_residents(
    store: &Store,
    q: &ResidentQuery,
) -> Result<Page<ResidentRow>, StoreError> {
    if let Some(name) = q.name_part.as_deref().filter(|_| q.is_name_search()) {
        return search_by_name(store, q, name).await;
    }
    let mut clauses = vec!["id > $1".to_string()];
    let mut binds: Vec<String> = Vec::new();
    let mut n = 2;
    let mut add = |clauses: &mut Vec<String>, sql: &str, value: String| {
        clauses.push(sql.replace('?', &format!("${n}")));
        binds.push(value);
        n += 1;
    };
    if let Some(h) = &q.id_hash {
        add(&mut clauses, "id_hash = ?", h.clone());
    }
    if let Some(h) = &q.phone_hash {
        add(&mut clauses, "phone_hash = ?", h.clone());
    }
    if let Some(name) = &q.name_part {
        add(&mut clauses, "name LIKE ? ESCAPE '\\'", like_pattern(name));
    }
    if let Some(tag) = &q.tag {
        add(&mut clauses, "tags LIKE ?", format!("%,{tag},%"));
    }
    if !q.include_moved_out {
        clauses.push("status = 'resident'".into());
    }
    let household = q.household_id.map(|h| {
        let c = format!("household_id = ${n}");
        n += 1;
        (c, h)
    });
    if let Some((c, _)) = &household {
        clauses.push(c.clone());
    }
    clauses.push(prefix_clause("grid_code", &q.prefixes, n));
    let sql = format!(
        "SELECT {RESIDENT_COLS} FROM residents WHERE {} ORDER BY id LIMIT {}",
        clauses.join(" AND "),
        q.limit + 1
    );
    let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(q.after.unwrap_or(0));
    for b in binds {
        query = query.bind(b);
    }
    if let Some((_, h)) = household {
        query = query.bind(h);
    }
    for p in &q.prefixes {
        query = query.bind(p.clone()).bind(upper_bound(p));
    }
    let items: Vec<ResidentRow> = query.fetch_all(store.pool()).await?;
    Ok(page(items, q.limit, |r| r.id.to_string()))
}

impl ResidentQuery {
    /// Only a name (and the scope): answerable from the (grid_code, name) index alone.
    fn is_name_search(&self) -> bool {
        self.tag.is_none()
            && self.id_hash.is_none()
            && self.phone_hash.is_none()
            && self.household_id.is_none()
    }
}

fn like_pattern(part: &str) -> String {
    let escaped = part
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A name search in two steps: the page's ids from the covering (grid_code, name) index, then
/// only those rows. In a community of 35,000 residents a common character matches thousands;
/// reading each matching row just to sort by id and keep 50 was what made the search slow on a
/// registry too large for memory. The status is checked on the rows, so a page short of
/// moved-out residents reads on.
async fn search_by_name(
    store: &Store,
    q: &ResidentQuery,
    name: &str,
) -> Result<Page<ResidentRow>, StoreError> {
    let wanted = q.limit + 1;
    let ids_sql = format!(
        "SELECT id FROM residents WHERE id > $1 AND name LIKE $2 ESCAPE '\\' AND {} ORDER BY id LIMIT {}",
        prefix_clause("grid_code", &q.prefixes, 3),
        wanted
    );
    let pattern = like_pattern(name);
    let mut after = q.after.unwrap_or(0);
    let mut items: Vec<ResidentRow> = Vec::with_capacity(wanted);
    while items.len() < wanted {
        let mut query = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(ids_sql.clone()))
            .bind(after)
            .bind(pattern.clone());
        for p in &q.prefixes {
            query = query.bind(p.clone()).bind(upper_bound(p));
        }
        let ids: Vec<i64> = query
            .fetch_all(store.pool())
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect();
        let Some(&last) = ids.last() else { break };
        let rows = residents_by_ids(store, &ids).await?;
        items.extend(
            rows.into_iter()
                .filter(|r| q.include_moved_out || r.status == "resident"),
        );
        if ids.len() < wanted {
            break;
        }
        after = last;
    }
    items.truncate(wanted);
    Ok(page(items, q.limit, |r| r.id.to_string()))
}

/// Residents by id, in id order.
async fn residents_by_ids(store: &Store, ids: &[i64]) -> Result<Vec<ResidentRow>, StoreError> {
    let sql = format!(
        "SELECT {RESIDENT_COLS} FROM residents WHERE id IN ({}) ORDER BY id",
        Placeholders::for_store(store).list(ids.len())
    );
    let mut query = sqlx::query_as(AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(store.pool()).await?)
}

pub async fn get_household(store: &Store, id: i64) -> Result<Option<HouseholdRow>, StoreError> {
    let sql = format!("SELECT {HOUSEHOLD_COLS} FROM households WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// Households by id (for exports), in one query per call.
pub async fn get_households(store: &Store, ids: &[i64]) -> Result<Vec<HouseholdRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {HOUSEHOLD_COLS} FROM households WHERE id IN ({})",
        Placeholders::for_store(store).list(ids.len())
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(store.pool()).await?)
}

pub async fn set_household_head(
    conn: &mut Conn,
    household_id: i64,
    resident_id: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE households SET head_resident_id = $1, updated_at = $2 WHERE id = $3")
        .bind(resident_id)
        .bind(now)
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get_organisation(
    store: &Store,
    id: i64,
) -> Result<Option<OrganisationRow>, StoreError> {
    let sql = format!("SELECT {ORG_COLS} FROM organisations WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

pub async fn list_organisations(
    store: &Store,
    prefixes: &[String],
    kind: Option<&str>,
    name_part: Option<&str>,
    after: Option<i64>,
    limit: usize,
) -> Result<Page<OrganisationRow>, StoreError> {
    let mut clauses = vec![
        "id > $1".to_string(),
        "kind LIKE $2".to_string(),
        "name LIKE $3".to_string(),
    ];
    clauses.push(prefix_clause("grid_code", prefixes, 4));
    let sql = format!(
        "SELECT {ORG_COLS} FROM organisations WHERE {} ORDER BY id LIMIT {}",
        clauses.join(" AND "),
        limit + 1
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql))
        .bind(after.unwrap_or(0))
        .bind(kind.unwrap_or("%").to_string())
        .bind(format!("%{}%", name_part.unwrap_or("")));
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let items: Vec<OrganisationRow> = q.fetch_all(store.pool()).await?;
    Ok(page(items, limit, |r| r.id.to_string()))
}

pub async fn get_party_org(store: &Store, id: i64) -> Result<Option<PartyOrgRow>, StoreError> {
    let sql = format!("SELECT {PARTY_ORG_COLS} FROM party_orgs WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// Party organisations under the scope prefixes, parents before children (by id).
pub async fn list_party_orgs(
    store: &Store,
    prefixes: &[String],
) -> Result<Vec<PartyOrgRow>, StoreError> {
    let sql = format!(
        "SELECT {PARTY_ORG_COLS} FROM party_orgs WHERE {} ORDER BY id",
        prefix_clause("node_code", prefixes, 1)
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(q.fetch_all(store.pool()).await?)
}

#[derive(FromRow)]
struct NamedMember {
    id: i64,
    resident_id: i64,
    org_id: i64,
    in_service: i64,
    employer_org_id: Option<i64>,
    node_code: String,
    created_at: i64,
    name: String,
}

pub async fn list_party_members(
    store: &Store,
    org_id: i64,
    after: Option<i64>,
    limit: usize,
) -> Result<Page<(PartyMemberRow, String)>, StoreError> {
    let rows: Vec<NamedMember> = sqlx::query_as(
        "SELECT m.id, m.resident_id, m.org_id, m.in_service, m.employer_org_id, m.node_code, m.created_at, r.name \
         FROM party_members m JOIN residents r ON r.id = m.resident_id WHERE m.org_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3",
    )
    .bind(org_id)
    .bind(after.unwrap_or(0))
    .bind(limit as i64 + 1)
    .fetch_all(store.pool())
    .await?;
    let items: Vec<(PartyMemberRow, String)> = rows
        .into_iter()
        .map(|m| {
            let row = PartyMemberRow {
                id: m.id,
                resident_id: m.resident_id,
                org_id: m.org_id,
                in_service: m.in_service,
                employer_org_id: m.employer_org_id,
                node_code: m.node_code,
                created_at: m.created_at,
            };
            (row, m.name)
        })
        .collect();
    Ok(page(items, limit, |r| r.0.id.to_string()))
}

/// Counts for a subtree, from the records.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PeopleCounts {
    pub residents: i64,
    pub households: i64,
    pub organisations: i64,
    pub registered_organisations: i64,
    pub party_orgs: i64,
    pub party_members: i64,
}

pub async fn counts(store: &Store, prefix: &str) -> Result<PeopleCounts, StoreError> {
    // Code ranges, not LIKE: SQLite answers a range from the grid index.
    let (low, high) = (prefix.to_string(), upper_bound(prefix));
    let one = |sql: &'static str| {
        let (low, high) = (low.clone(), high.clone());
        async move {
            let (n,): (i64,) = sqlx::query_as(sql)
                .bind(low)
                .bind(high)
                .fetch_one(store.pool())
                .await?;
            Ok::<i64, StoreError>(n)
        }
    };
    Ok(PeopleCounts {
        residents: one(
            "SELECT COUNT(*) FROM residents WHERE grid_code >= $1 AND grid_code < $2 AND status = 'resident'",
        )
        .await?,
        households: one("SELECT COUNT(*) FROM households WHERE grid_code >= $1 AND grid_code < $2")
            .await?,
        organisations: one(
            "SELECT COUNT(*) FROM organisations WHERE grid_code >= $1 AND grid_code < $2",
        )
        .await?,
        registered_organisations: one(
            "SELECT COUNT(*) FROM organisations WHERE grid_code >= $1 AND grid_code < $2 AND registered = 1",
        )
        .await?,
        party_orgs: one("SELECT COUNT(*) FROM party_orgs WHERE node_code >= $1 AND node_code < $2")
            .await?,
        party_members: one(
            "SELECT COUNT(*) FROM party_members WHERE node_code >= $1 AND node_code < $2",
        )
        .await?,
    })
}

pub async fn household_head(
    conn: &mut Conn,
    household_id: i64,
) -> Result<(Option<i64>,), StoreError> {
    Ok(
        sqlx::query_as("SELECT head_resident_id FROM households WHERE id = $1")
            .bind(household_id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or((None,)),
    )
}

/// When the head leaves a household, the longest-registered remaining member takes over
/// (or nobody, if the household is empty).
pub async fn reassign_head(
    conn: &mut Conn,
    household_id: i64,
    leaving: i64,
    now: i64,
) -> Result<(), StoreError> {
    let (head,) = household_head(conn, household_id).await?;
    if head != Some(leaving) {
        return Ok(());
    }
    let next: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM residents WHERE household_id = $1 AND status = 'resident' AND id <> $2 ORDER BY id LIMIT 1",
    )
    .bind(household_id)
    .bind(leaving)
    .fetch_optional(&mut *conn)
    .await?;
    set_household_head(conn, household_id, next.map(|n| n.0), now).await
}

/// A row's sealed personal numbers, in the order of its table's `SealedTable::columns`
/// (`None` where the row has no such number).
#[derive(Debug, Clone, PartialEq)]
pub struct SealedNumbers {
    pub id: i64,
    pub sealed: Vec<Option<String>>,
}

/// Where key rotation finds sealed numbers: residents (ID, phone) and organisations (contact
/// phone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedTable {
    Residents,
    Organisations,
}

impl SealedTable {
    fn table(self) -> &'static str {
        match self {
            SealedTable::Residents => "residents",
            SealedTable::Organisations => "organisations",
        }
    }

    /// The (sealed, keyed hash) column pairs of the table.
    pub fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            SealedTable::Residents => &[("id_sealed", "id_hash"), ("phone_sealed", "phone_hash")],
            SealedTable::Organisations => &[("contact_phone_sealed", "contact_phone_hash")],
        }
    }
}

/// The next `limit` rows after `after` with their sealed numbers, in id order.
pub async fn sealed_batch(
    conn: &mut Conn,
    table: SealedTable,
    after: i64,
    limit: usize,
) -> Result<Vec<SealedNumbers>, StoreError> {
    use sqlx::Row;
    let columns = table.columns();
    let sealed: Vec<&str> = columns.iter().map(|(s, _)| *s).collect();
    let sql = format!(
        "SELECT id, {} FROM {} WHERE id > $1 ORDER BY id LIMIT {limit}",
        sealed.join(", "),
        table.table()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(SealedNumbers {
                id: row.try_get(0)?,
                sealed: (1..=columns.len())
                    .map(|i| row.try_get(i))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

/// Replaces one row's sealed numbers and their keyed hashes (key rotation): `numbers` holds a
/// (sealed, hash) pair per `SealedTable::columns` entry.
pub async fn reseal(
    conn: &mut Conn,
    table: SealedTable,
    id: i64,
    numbers: Vec<Option<(String, String)>>,
) -> Result<(), StoreError> {
    let columns = table.columns();
    debug_assert_eq!(numbers.len(), columns.len());
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (sealed, hash))| format!("{sealed} = ${}, {hash} = ${}", 2 * i + 1, 2 * i + 2))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ${}",
        table.table(),
        sets.join(", "),
        2 * columns.len() + 1
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for number in numbers {
        let (sealed, hash) = number.unzip();
        query = query.bind(sealed).bind(hash);
    }
    query.bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// The original of a free-text field that held personal numbers, sealed with the data key
/// (the record itself keeps the masked text).
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct SealedText {
    pub holder: String,
    pub holder_id: i64,
    pub field: String,
    pub sealed: String,
}

pub async fn put_sealed_texts(conn: &mut Conn, texts: &[SealedText]) -> Result<(), StoreError> {
    for t in texts {
        sqlx::query(
            "INSERT INTO sealed_texts (holder, holder_id, field, sealed) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (holder, holder_id, field) DO UPDATE SET sealed = excluded.sealed",
        )
        .bind(&t.holder)
        .bind(t.holder_id)
        .bind(&t.field)
        .bind(&t.sealed)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The sealed originals held by `holder` records `ids`.
pub async fn sealed_texts(
    store: &Store,
    holder: &str,
    ids: &[i64],
) -> Result<Vec<SealedText>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut marks = Placeholders::for_store(store);
    let first = marks.next_one();
    let list = marks.list(ids.len());
    let sql = format!(
        "SELECT holder, holder_id, field, sealed FROM sealed_texts WHERE holder = {first} AND holder_id IN ({list}) ORDER BY holder_id, field"
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(holder);
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(store.pool()).await?)
}

/// Every sealed original, for re-sealing under a new key.
pub async fn all_sealed_texts(conn: &mut Conn) -> Result<Vec<SealedText>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT holder, holder_id, field, sealed FROM sealed_texts ORDER BY holder, holder_id, field",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Keeps the originals of `fields` of `holder` #`id` that were masked.
pub async fn keep_originals(
    conn: &mut Conn,
    holder: &str,
    id: i64,
    fields: &[(&str, &crate::protect::GuardedText)],
) -> Result<(), StoreError> {
    let originals: Vec<SealedText> = fields
        .iter()
        .filter_map(|(field, text)| {
            text.sealed.clone().map(|sealed| SealedText {
                holder: holder.into(),
                holder_id: id,
                field: (*field).into(),
                sealed,
            })
        })
        .collect();
    put_sealed_texts(conn, &originals).await
}
