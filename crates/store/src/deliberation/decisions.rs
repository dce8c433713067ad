//! Decisions tracked to completion: the results, their progress timeline and links.

use crate::db::{Conn, Store, StoreError, Val, bulk_insert};
use sqlx::{AssertSqlSafe, FromRow};
use tongxin_core::deliberation::decisions::DecisionStatus;

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct DecisionRow {
    pub id: i64,
    pub community_code: String,
    pub parent_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub source_kind: String,
    pub source_id: Option<i64>,
    pub weight: i64,
    pub rollup: String,
    #[sqlx(try_from = "String")]
    pub status: DecisionStatus,
    pub progress: i64,
    pub due_at: Option<i64>,
    pub satisfied: i64,
    pub unsatisfied: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const DECISION_COLS: &str = "id, community_code, parent_id, title, description, source_kind, source_id, \
     weight, rollup, status, progress, due_at, satisfied, unsatisfied, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct ProgressRow {
    pub decision_id: i64,
    pub at: i64,
    pub progress: i64,
    pub status: String,
    pub note: String,
    pub actor_id: i64,
    pub actor_label: String,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct LinkRow {
    pub decision_id: i64,
    pub kind: String,
    pub reference: String,
    pub label: String,
}

fn decision_values(d: &DecisionRow) -> Vec<Val> {
    vec![
        Val::Int(d.id),
        Val::Text(d.community_code.clone()),
        Val::OptInt(d.parent_id),
        Val::Text(d.title.clone()),
        Val::Text(d.description.clone()),
        Val::Text(d.source_kind.clone()),
        Val::OptInt(d.source_id),
        Val::Int(d.weight),
        Val::Text(d.rollup.clone()),
        Val::Text(d.status.as_str().into()),
        Val::Int(d.progress),
        Val::OptInt(d.due_at),
        Val::Int(d.satisfied),
        Val::Int(d.unsatisfied),
        Val::Int(d.created_at),
        Val::Int(d.updated_at),
    ]
}

const DECISION_INSERT_COLS: [&str; 16] = [
    "id",
    "community_code",
    "parent_id",
    "title",
    "description",
    "source_kind",
    "source_id",
    "weight",
    "rollup",
    "status",
    "progress",
    "due_at",
    "satisfied",
    "unsatisfied",
    "created_at",
    "updated_at",
];

/// Bulk load with ids already chosen (the demo).
pub async fn insert_decisions(conn: &mut Conn, rows: &[DecisionRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "decisions",
        &DECISION_INSERT_COLS,
        rows,
        decision_values,
    )
    .await
}

/// Creates one decision and returns its id.
pub async fn create(conn: &mut Conn, d: &DecisionRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO decisions (community_code, parent_id, title, description, source_kind, source_id, \
         weight, rollup, status, progress, due_at, satisfied, unsatisfied, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0, $12, $12) RETURNING id",
    )
    .bind(&d.community_code)
    .bind(d.parent_id)
    .bind(&d.title)
    .bind(&d.description)
    .bind(&d.source_kind)
    .bind(d.source_id)
    .bind(d.weight)
    .bind(&d.rollup)
    .bind(d.status.as_str())
    .bind(d.progress)
    .bind(d.due_at)
    .bind(d.created_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<DecisionRow>, StoreError> {
    let sql = format!("SELECT {DECISION_COLS} FROM decisions WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Every decision of a community (trees are small: tens to hundreds).
pub async fn of_community(store: &Store, community: &str) -> Result<Vec<DecisionRow>, StoreError> {
    let sql =
        format!("SELECT {DECISION_COLS} FROM decisions WHERE community_code = $1 ORDER BY id");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .fetch_all(store.pool())
        .await?)
}

/// One page of a community's top-level decisions (newest first) with every decision under
/// them, parents before children, and how many top-level decisions there are in all.
pub async fn roots_page(
    store: &Store,
    community: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<DecisionRow>, i64), StoreError> {
    let sql = format!(
        "WITH RECURSIVE tree(id) AS ( \
           SELECT id FROM (SELECT id FROM decisions WHERE community_code = $1 AND parent_id IS NULL \
             ORDER BY id DESC LIMIT $2 OFFSET $3) roots \
           UNION SELECT d.id FROM decisions d JOIN tree ON d.parent_id = tree.id) \
         SELECT {DECISION_COLS} FROM decisions WHERE id IN (SELECT id FROM tree) ORDER BY id"
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM decisions WHERE community_code = $1 AND parent_id IS NULL",
    )
    .bind(community)
    .fetch_one(store.pool())
    .await?;
    Ok((rows, total))
}

pub async fn set_state(
    conn: &mut Conn,
    id: i64,
    status: &str,
    progress: i64,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE decisions SET status = $1, progress = $2, updated_at = $3 WHERE id = $4")
        .bind(status)
        .bind(progress)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn add_rating(
    conn: &mut Conn,
    id: i64,
    satisfied: i64,
    unsatisfied: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE decisions SET satisfied = satisfied + $1, unsatisfied = unsatisfied + $2 WHERE id = $3",
    )
    .bind(satisfied)
    .bind(unsatisfied)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_progress(conn: &mut Conn, rows: &[ProgressRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "decision_progress",
        &[
            "decision_id",
            "at",
            "progress",
            "status",
            "note",
            "actor_id",
            "actor_label",
        ],
        rows,
        |p| {
            vec![
                Val::Int(p.decision_id),
                Val::Int(p.at),
                Val::Int(p.progress),
                Val::Text(p.status.clone()),
                Val::Text(p.note.clone()),
                Val::Int(p.actor_id),
                Val::Text(p.actor_label.clone()),
            ]
        },
    )
    .await
}

pub async fn progress(store: &Store, id: i64) -> Result<Vec<ProgressRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT decision_id, at, progress, status, note, actor_id, actor_label \
         FROM decision_progress WHERE decision_id = $1 ORDER BY at, id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?)
}

/// Adds links; an existing (kind, ref) is kept as it was.
pub async fn insert_links(conn: &mut Conn, rows: &[LinkRow]) -> Result<(), StoreError> {
    for l in rows {
        sqlx::query(
            "INSERT INTO decision_links (decision_id, kind, ref, label) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(l.decision_id)
        .bind(&l.kind)
        .bind(&l.reference)
        .bind(&l.label)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn links(store: &Store, id: i64) -> Result<Vec<LinkRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT decision_id, kind, ref AS reference, label FROM decision_links WHERE decision_id = $1 ORDER BY kind, ref",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?)
}

pub async fn set_parent(conn: &mut Conn, id: i64, parent: Option<i64>) -> Result<(), StoreError> {
    sqlx::query("UPDATE decisions SET parent_id = $1 WHERE id = $2")
        .bind(parent)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
