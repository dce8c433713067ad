//! The audit log: appended in the same transaction as every change, read by auditors.

use crate::db::{Conn, Page, Store, StoreError, page};
use crate::scope::{prefix_clause, upper_bound};
use sqlx::AssertSqlSafe;
use sqlx::FromRow;
use tongxin_core::audit::{AuditEntry, redact};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: i64,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub node_code: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
}

pub async fn record(conn: &mut Conn, entry: &AuditEntry) -> Result<(), StoreError> {
    let summary = |v: &Option<serde_json::Value>| v.clone().map(|v| redact(v).to_string());
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, entity_type, entity_id, node_code, before_json, after_json, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(entry.at)
    .bind(entry.actor_id)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.entity_type)
    .bind(&entry.entity_id)
    .bind(&entry.node_code)
    .bind(summary(&entry.before))
    .bind(summary(&entry.after))
    .bind(&entry.request_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Node scope prefixes the reader reaches; `include_platform` adds records with no node.
    pub prefixes: Vec<String>,
    pub include_platform: bool,
    /// Newest first: continue with ids below this one.
    pub before_id: Option<i64>,
    pub limit: usize,
}

pub async fn list(store: &Store, f: &AuditFilter) -> Result<Page<AuditRow>, StoreError> {
    let mut clauses = vec!["id < $1".to_string()];
    let mut n = 2;
    let mut add = |clauses: &mut Vec<String>, sql: &str, present: bool| {
        if present {
            clauses.push(sql.replace('?', &format!("${n}")));
            n += 1;
        }
    };
    add(&mut clauses, "actor_id = ?", f.actor_id.is_some());
    add(&mut clauses, "entity_type = ?", f.entity_type.is_some());
    add(&mut clauses, "entity_id = ?", f.entity_id.is_some());
    add(&mut clauses, "action = ?", f.action.is_some());
    add(&mut clauses, "at >= ?", f.from.is_some());
    add(&mut clauses, "at < ?", f.to.is_some());
    let scope = prefix_clause("node_code", &f.prefixes, n);
    if f.include_platform {
        clauses.push(format!("({scope} OR node_code IS NULL)"));
    } else {
        clauses.push(scope);
    }
    let sql = format!(
        "SELECT id, at, actor_id, actor, action, entity_type, entity_id, node_code, before_json, after_json, request_id \
         FROM audit_log WHERE {} ORDER BY id DESC LIMIT {}",
        clauses.join(" AND "),
        f.limit + 1
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(f.before_id.unwrap_or(i64::MAX));
    if let Some(v) = f.actor_id {
        q = q.bind(v);
    }
    if let Some(v) = &f.entity_type {
        q = q.bind(v.clone());
    }
    if let Some(v) = &f.entity_id {
        q = q.bind(v.clone());
    }
    if let Some(v) = &f.action {
        q = q.bind(v.clone());
    }
    if let Some(v) = f.from {
        q = q.bind(v);
    }
    if let Some(v) = f.to {
        q = q.bind(v);
    }
    for p in &f.prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let items: Vec<AuditRow> = q.fetch_all(store.pool()).await?;
    Ok(page(items, f.limit, |r| r.id.to_string()))
}
