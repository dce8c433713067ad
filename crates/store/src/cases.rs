//! Cases and their timelines. A case row carries its current state; every transition appends
//! an immutable event. Updates are guarded by the row's version, so of two concurrent
//! transitions exactly one wins.

use crate::db::{Conn, Page, Store, StoreError};
use crate::territory::{prefix_clause, upper_bound};
use sqlx::{AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub category_code: String,
    pub category_version: i64,
    pub channel: String,
    pub status: String,
    pub tier: String,
    pub department: Option<String>,
    pub grid_code: String,
    pub district_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub description: String,
    pub reporter_id: i64,
    pub rework_count: i64,
    pub reopen_count: i64,
    pub escalation_count: i64,
    pub supervised: i64,
    pub merged_into: Option<i64>,
    pub rating: Option<String>,
    pub reported_at: i64,
    pub dispatched_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub step_due_at: Option<i64>,
    pub handle_due_at: Option<i64>,
    pub updated_at: i64,
    pub version: i64,
}

const CASE_COLS: &str = "id, category_code, category_version, channel, status, tier, department, grid_code, district_code, lon, lat, address, description, reporter_id, rework_count, reopen_count, escalation_count, supervised, merged_into, rating, reported_at, dispatched_at, closed_at, step_due_at, handle_due_at, updated_at, version";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct EventRow {
    pub id: i64,
    pub case_id: i64,
    pub at: i64,
    pub actor_id: i64,
    pub actor: String,
    pub command: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
    pub data: String,
}

pub async fn insert_case(conn: &mut Conn, c: &CaseRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO cases (category_code, category_version, channel, status, tier, department, grid_code, district_code, lon, lat, address, description, reporter_id, rework_count, reopen_count, escalation_count, supervised, merged_into, rating, reported_at, dispatched_at, closed_at, step_due_at, handle_due_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING id",
    )
    .bind(&c.category_code)
    .bind(c.category_version)
    .bind(&c.channel)
    .bind(&c.status)
    .bind(&c.tier)
    .bind(&c.department)
    .bind(&c.grid_code)
    .bind(&c.district_code)
    .bind(c.lon)
    .bind(c.lat)
    .bind(&c.address)
    .bind(&c.description)
    .bind(c.reporter_id)
    .bind(c.rework_count)
    .bind(c.reopen_count)
    .bind(c.escalation_count)
    .bind(c.supervised)
    .bind(c.merged_into)
    .bind(&c.rating)
    .bind(c.reported_at)
    .bind(c.dispatched_at)
    .bind(c.closed_at)
    .bind(c.step_due_at)
    .bind(c.handle_due_at)
    .bind(c.updated_at)
    .bind(c.version)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Writes the new state if the row is still at `expected_version`; `false` when another
/// transition got there first (nothing is written then).
pub async fn update_case(
    conn: &mut Conn,
    c: &CaseRow,
    expected_version: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE cases SET status = $1, tier = $2, department = $3, rework_count = $4, reopen_count = $5, \
         escalation_count = $6, supervised = $7, merged_into = $8, rating = $9, dispatched_at = $10, closed_at = $11, \
         step_due_at = $12, handle_due_at = $13, updated_at = $14, version = $15 WHERE id = $16 AND version = $17",
    )
    .bind(&c.status)
    .bind(&c.tier)
    .bind(&c.department)
    .bind(c.rework_count)
    .bind(c.reopen_count)
    .bind(c.escalation_count)
    .bind(c.supervised)
    .bind(c.merged_into)
    .bind(&c.rating)
    .bind(c.dispatched_at)
    .bind(c.closed_at)
    .bind(c.step_due_at)
    .bind(c.handle_due_at)
    .bind(c.updated_at)
    .bind(c.version)
    .bind(c.id)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn append_event(conn: &mut Conn, e: &EventRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_events (case_id, at, actor_id, actor, command, from_status, to_status, note, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.case_id)
    .bind(e.at)
    .bind(e.actor_id)
    .bind(&e.actor)
    .bind(&e.command)
    .bind(&e.from_status)
    .bind(&e.to_status)
    .bind(&e.note)
    .bind(&e.data)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get_case(store: &Store, id: i64) -> Result<Option<CaseRow>, StoreError> {
    let sql = format!("SELECT {CASE_COLS} FROM cases WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

pub async fn timeline(store: &Store, case_id: i64) -> Result<Vec<EventRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, case_id, at, actor_id, actor, command, from_status, to_status, note, data FROM case_events WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(store.pool())
    .await?)
}

/// Cases under the scope prefixes, newest first, optionally in one status.
pub async fn list_cases(
    store: &Store,
    prefixes: &[String],
    status: Option<&str>,
    before_id: Option<i64>,
    limit: usize,
) -> Result<Page<CaseRow>, StoreError> {
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE id < $1 AND status LIKE $2 AND {} ORDER BY id DESC LIMIT {}",
        prefix_clause("grid_code", prefixes, 3),
        limit + 1
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql))
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(status.unwrap_or("%").to_string());
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let mut items: Vec<CaseRow> = q.fetch_all(store.pool()).await?;
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|c| c.id.to_string())
    } else {
        None
    };
    Ok(Page { items, next })
}
