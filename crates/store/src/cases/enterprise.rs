//! Enterprise service: commissioners (工业振兴特派员) assigned to enterprises; enterprise
//! problems are cases linked to the organisation.

use crate::db::{Conn, Store, StoreError};
use crate::scope::{GRID_UNINDEXED, prefix_clause, upper_bound};
use sqlx::{AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct AssignmentRow {
    pub id: i64,
    pub commissioner_id: i64,
    pub organisation_id: i64,
    pub from_date: String,
    pub to_date: Option<String>,
    pub created_at: i64,
}

pub async fn assign(conn: &mut Conn, a: &AssignmentRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO commissioner_assignments (commissioner_id, organisation_id, from_date, to_date, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(a.commissioner_id)
    .bind(a.organisation_id)
    .bind(&a.from_date)
    .bind(&a.to_date)
    .bind(a.created_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Assignments of a commissioner or of an enterprise (either filter may be absent).
pub async fn assignments(
    store: &Store,
    commissioner: Option<i64>,
    organisation: Option<i64>,
) -> Result<Vec<AssignmentRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, commissioner_id, organisation_id, from_date, to_date, created_at FROM commissioner_assignments \
         WHERE ($1 = 0 OR commissioner_id = $1) AND ($2 = 0 OR organisation_id = $2) ORDER BY id",
    )
    .bind(commissioner.unwrap_or(0))
    .bind(organisation.unwrap_or(0))
    .fetch_all(store.pool())
    .await?)
}

/// Whether the commissioner serves the enterprise on `date` (YYYY-MM-DD).
pub async fn serves(
    store: &Store,
    commissioner: i64,
    organisation: i64,
    date: &str,
) -> Result<bool, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM commissioner_assignments WHERE commissioner_id = $1 AND organisation_id = $2 \
         AND from_date <= $3 AND (to_date IS NULL OR to_date >= $3)",
    )
    .bind(commissioner)
    .bind(organisation)
    .bind(date)
    .fetch_one(store.pool())
    .await?;
    Ok(n > 0)
}

pub async fn set_case_organisation(
    conn: &mut Conn,
    case_id: i64,
    organisation: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE cases SET organisation_id = $1 WHERE id = $2")
        .bind(organisation)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn case_organisation(store: &Store, case_id: i64) -> Result<Option<i64>, StoreError> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT organisation_id FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(store.pool())
            .await?;
    Ok(row.and_then(|r| r.0))
}

/// Figures for the enterprise service under the scope prefixes, counted from the records.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct EnterpriseSummary {
    pub commissioners: i64,
    pub enterprises: i64,
    pub problems: i64,
    pub resolved: i64,
}

pub async fn summary(store: &Store, prefixes: &[String]) -> Result<EnterpriseSummary, StoreError> {
    let org_scope = prefix_clause("o.grid_code", prefixes, 1);
    // The few enterprise cases come from the organisation index.
    let case_scope = prefix_clause(GRID_UNINDEXED, prefixes, 1);
    let run = |sql: String| async move {
        let mut q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql));
        for p in prefixes {
            q = q.bind(p.clone()).bind(upper_bound(p));
        }
        Ok::<i64, StoreError>(q.fetch_one(store.pool()).await?.0)
    };
    Ok(EnterpriseSummary {
        commissioners: run(format!(
            "SELECT COUNT(DISTINCT a.commissioner_id) FROM commissioner_assignments a JOIN organisations o ON o.id = a.organisation_id WHERE {org_scope}"
        ))
        .await?,
        enterprises: run(format!(
            "SELECT COUNT(DISTINCT a.organisation_id) FROM commissioner_assignments a JOIN organisations o ON o.id = a.organisation_id WHERE {org_scope}"
        ))
        .await?,
        problems: run(format!("SELECT COUNT(*) FROM cases WHERE organisation_id > 0 AND {case_scope}")).await?,
        resolved: run(format!(
            "SELECT COUNT(*) FROM cases WHERE organisation_id > 0 AND (status || '') = 'closed' AND {case_scope}"
        ))
        .await?,
    })
}
