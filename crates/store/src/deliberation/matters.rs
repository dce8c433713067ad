//! 四议两公开 matters and the record of each stage.

use crate::db::{Conn, Store, StoreError, Val, bulk_insert};
use sqlx::{AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct MatterRow {
    pub id: i64,
    pub community_code: String,
    pub title: String,
    pub description: String,
    pub stage_done: Option<String>,
    pub status: String,
    pub decision_id: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const MATTER_COLS: &str = "id, community_code, title, description, stage_done, status, decision_id, \
     created_by, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct StageRow {
    pub matter_id: i64,
    pub stage: String,
    pub at: i64,
    pub actor_id: i64,
    pub actor_label: String,
    pub summary: String,
    pub members: Option<i64>,
    pub present: Option<i64>,
    pub in_favour: Option<i64>,
    pub against: Option<i64>,
    pub abstaining: Option<i64>,
    pub passed: i64,
}

pub async fn insert_matters(conn: &mut Conn, rows: &[MatterRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "major_matters",
        &[
            "id",
            "community_code",
            "title",
            "description",
            "stage_done",
            "status",
            "decision_id",
            "created_by",
            "created_at",
            "updated_at",
        ],
        rows,
        |m| {
            vec![
                Val::Int(m.id),
                Val::Text(m.community_code.clone()),
                Val::Text(m.title.clone()),
                Val::Text(m.description.clone()),
                Val::OptText(m.stage_done.clone()),
                Val::Text(m.status.clone()),
                Val::OptInt(m.decision_id),
                Val::Int(m.created_by),
                Val::Int(m.created_at),
                Val::Int(m.updated_at),
            ]
        },
    )
    .await
}

pub async fn create_matter(conn: &mut Conn, m: &MatterRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO major_matters (community_code, title, description, stage_done, status, decision_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $7) RETURNING id",
    )
    .bind(&m.community_code)
    .bind(&m.title)
    .bind(&m.description)
    .bind(&m.stage_done)
    .bind(&m.status)
    .bind(m.created_by)
    .bind(m.created_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// The matter, read inside the transaction that will change it (so two stages cannot race).
pub async fn get_matter(conn: &mut Conn, id: i64) -> Result<Option<MatterRow>, StoreError> {
    let sql = format!("SELECT {MATTER_COLS} FROM major_matters WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Moves a matter on, but only from the stage the caller saw: `false` if another request
/// recorded a stage in between.
pub async fn advance(
    conn: &mut Conn,
    id: i64,
    seen: Option<&str>,
    stage_done: &str,
    status: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE major_matters SET stage_done = $1, status = $2, updated_at = $3 \
         WHERE id = $4 AND COALESCE(stage_done, '') = $5",
    )
    .bind(stage_done)
    .bind(status)
    .bind(at)
    .bind(id)
    .bind(seen.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_decision(conn: &mut Conn, id: i64, decision_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE major_matters SET decision_id = $1 WHERE id = $2")
        .bind(decision_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_stages(conn: &mut Conn, rows: &[StageRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "matter_stages",
        &[
            "matter_id",
            "stage",
            "at",
            "actor_id",
            "actor_label",
            "summary",
            "members",
            "present",
            "in_favour",
            "against",
            "abstaining",
            "passed",
        ],
        rows,
        |s| {
            vec![
                Val::Int(s.matter_id),
                Val::Text(s.stage.clone()),
                Val::Int(s.at),
                Val::Int(s.actor_id),
                Val::Text(s.actor_label.clone()),
                Val::Text(s.summary.clone()),
                Val::OptInt(s.members),
                Val::OptInt(s.present),
                Val::OptInt(s.in_favour),
                Val::OptInt(s.against),
                Val::OptInt(s.abstaining),
                Val::Int(s.passed),
            ]
        },
    )
    .await
}

pub async fn stages(store: &Store, matter_id: i64) -> Result<Vec<StageRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT matter_id, stage, at, actor_id, actor_label, summary, members, present, in_favour, \
         against, abstaining, passed FROM matter_stages WHERE matter_id = $1 ORDER BY id",
    )
    .bind(matter_id)
    .fetch_all(store.pool())
    .await?)
}

pub async fn list_matters(store: &Store, community: &str) -> Result<Vec<MatterRow>, StoreError> {
    let sql = format!(
        "SELECT {MATTER_COLS} FROM major_matters WHERE community_code = $1 ORDER BY id DESC LIMIT 200"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .fetch_all(store.pool())
        .await?)
}

/// One page of a community's matters, newest first, with how many there are in all.
pub async fn matters_page(
    store: &Store,
    community: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<MatterRow>, i64), StoreError> {
    let sql = format!(
        "SELECT {MATTER_COLS} FROM major_matters WHERE community_code = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let (total,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM major_matters WHERE community_code = $1")
            .bind(community)
            .fetch_one(store.pool())
            .await?;
    Ok((rows, total))
}

/// Matters under a territory prefix (street, district) with their stage, for the overview.
pub async fn matters_under(store: &Store, prefix: &str) -> Result<Vec<MatterRow>, StoreError> {
    let sql = format!(
        "SELECT {MATTER_COLS} FROM major_matters WHERE community_code >= $1 AND community_code < $2 ORDER BY id"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(prefix)
        .bind(crate::scope::upper_bound(prefix))
        .fetch_all(store.pool())
        .await?)
}
