//! Queries behind the one map: boundaries by level, per-node measures, a node's panel, and
//! case markers. Nothing here scans all cases: open cases come through the status index, rates
//! over whole days from the rollups, grid-level rates from one node's cases.

use crate::db::{Store, StoreError};
use crate::scope::{GRID_UNINDEXED, prefix_clause, status_col, upper_bound};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

const OPEN: &str = "'reported', 'filed', 'dispatched', 'accepted', 'handled'";

/// A boundary to draw: code, name, parent code and the ring as stored (GeoJSON rings).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Shape {
    pub code: String,
    pub name: String,
    pub parent: String,
    pub boundary: String,
}

/// Divisions of `level` (district, street, community) or grids, under `prefix`.
pub async fn shapes(store: &Store, level: &str, prefix: &str) -> Result<Vec<Shape>, StoreError> {
    nodes(store, level, prefix, true).await
}

/// As `shapes`, without the boundaries (codes and names for lists and measures).
pub async fn names(
    store: &Store,
    level: &str,
    prefix: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(nodes(store, level, prefix, false)
        .await?
        .into_iter()
        .map(|s| (s.code, s.name))
        .collect())
}

async fn nodes(
    store: &Store,
    level: &str,
    prefix: &str,
    with_boundary: bool,
) -> Result<Vec<Shape>, StoreError> {
    let scope = prefix_clause("code", &[prefix.to_string()], 1);
    let boundary = if with_boundary { "boundary" } else { "NULL" };
    let sql = if level == "grid" {
        format!(
            "SELECT code, name, community_code AS parent, COALESCE({boundary}, '') AS boundary \
             FROM grids WHERE {scope} ORDER BY code"
        )
    } else {
        format!(
            "SELECT code, name, COALESCE(parent_code, '') AS parent, COALESCE({boundary}, '[]') AS boundary \
             FROM divisions WHERE level = $3 AND {scope} ORDER BY code"
        )
    };
    let mut q = sqlx::query_as::<_, Shape>(AssertSqlSafe(sql))
        .bind(prefix.to_string())
        .bind(upper_bound(prefix));
    if level != "grid" {
        q = q.bind(level.to_string());
    }
    Ok(q.fetch_all(store.pool()).await?)
}

/// Open cases per grid under `prefix`, and how many of them are past their step deadline.
pub async fn open_by_grid(
    store: &Store,
    prefix: &str,
    now: i64,
) -> Result<HashMap<String, (i64, i64)>, StoreError> {
    let scope = [prefix.to_string()];
    let sql = format!(
        "SELECT grid_code, COUNT(*), CAST(SUM(CASE WHEN step_due_at < $3 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM cases WHERE {} IN ({OPEN}) AND {} GROUP BY grid_code",
        status_col(&scope),
        prefix_clause("grid_code", &scope, 1)
    );
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(prefix.to_string())
        .bind(upper_bound(prefix))
        .bind(now)
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().map(|(g, n, o)| (g, (n, o))).collect())
}

/// Per community under `prefix`, over whole Beijing days [from_day, to_day): reported, due,
/// closed on time (from the rollups).
pub async fn community_rates(
    store: &Store,
    prefix: &str,
    from_day: i64,
    to_day: i64,
) -> Result<HashMap<String, (i64, i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT node, CAST(SUM(reported) AS BIGINT), CAST(SUM(due) AS BIGINT), CAST(SUM(closed_on_time) AS BIGINT) \
         FROM case_rollups WHERE dim = '' AND day >= $3 AND day < $4 AND {} GROUP BY node",
        prefix_clause("node", &[prefix.to_string()], 1)
    );
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(prefix.to_string())
        .bind(upper_bound(prefix))
        .bind(from_day)
        .bind(to_day)
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(n, a, b, c)| (n, (a, b, c)))
        .collect())
}

/// Per grid under `prefix` (a community or street: one node's cases), over [from, to):
/// reported, due, closed on time.
pub async fn grid_rates(
    store: &Store,
    prefix: &str,
    from: i64,
    to: i64,
) -> Result<HashMap<String, (i64, i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT grid_code, \
         CAST(SUM(CASE WHEN reported_at >= $3 AND reported_at < $4 THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN handle_due_at >= $3 AND handle_due_at < $4 THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN handle_due_at >= $3 AND handle_due_at < $4 AND closed_at <= handle_due_at THEN 1 ELSE 0 END) AS BIGINT) \
         FROM cases WHERE {} AND (reported_at >= $3 OR handle_due_at >= $3) GROUP BY grid_code",
        prefix_clause("grid_code", &[prefix.to_string()], 1)
    );
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(prefix.to_string())
        .bind(upper_bound(prefix))
        .bind(from)
        .bind(to)
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(n, a, b, c)| (n, (a, b, c)))
        .collect())
}

/// Residents per grid under `prefix` (the grid register's population).
pub async fn population_by_grid(
    store: &Store,
    prefix: &str,
) -> Result<HashMap<String, i64>, StoreError> {
    let sql = format!(
        "SELECT code, population FROM grids WHERE {}",
        prefix_clause("code", &[prefix.to_string()], 1)
    );
    let rows: Vec<(String, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(prefix.to_string())
        .bind(upper_bound(prefix))
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().collect())
}

/// The grid workers bound to `grid`: (display name, username).
pub async fn grid_workers(store: &Store, grid: &str) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT u.display_name, u.username FROM role_bindings b JOIN users u ON u.id = b.user_id \
         WHERE b.node_code = $1 AND b.role = 'grid_worker' AND u.disabled = 0 ORDER BY u.username",
    )
    .bind(grid)
    .fetch_all(store.pool())
    .await?)
}

/// Households, population and the party unit of the grids under `prefix`.
pub async fn grid_totals(store: &Store, prefix: &str) -> Result<(i64, i64), StoreError> {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(households), 0) AS BIGINT), CAST(COALESCE(SUM(population), 0) AS BIGINT) FROM grids WHERE {}",
        prefix_clause("code", &[prefix.to_string()], 1)
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(prefix.to_string())
        .bind(upper_bound(prefix))
        .fetch_one(store.pool())
        .await?)
}

/// A case as a marker on the map.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Marker {
    pub id: i64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub status: String,
    pub category_code: String,
    pub step_due_at: Option<i64>,
}

/// Open cases under `prefix`, newest first, then those closed since `closed_since` (two
/// index-friendly queries rather than one `OR` that walks every case).
pub async fn markers(
    store: &Store,
    prefix: &str,
    closed_since: i64,
    limit: i64,
) -> Result<Vec<Marker>, StoreError> {
    let wide = prefix.len() <= 6;
    let grid_col = if wide { GRID_UNINDEXED } else { "grid_code" };
    let scope = prefix_clause(grid_col, &[prefix.to_string()], 1);
    let status = status_col(std::slice::from_ref(&prefix.to_string()));
    let open_sql = format!(
        "SELECT id, lon, lat, status, category_code, step_due_at FROM cases WHERE {status} IN ({OPEN}) AND {scope} \
         AND $3 = $3 ORDER BY id DESC LIMIT $4"
    );
    let mut out: Vec<Marker> = sqlx::query_as(AssertSqlSafe(open_sql))
        .bind(prefix.to_string())
        .bind(upper_bound(prefix))
        .bind(0i64)
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    let room = limit - out.len() as i64;
    if room > 0 && !wide {
        let closed_sql = format!(
            "SELECT id, lon, lat, status, category_code, step_due_at FROM cases WHERE {} AND closed_at >= $3 \
             ORDER BY id DESC LIMIT $4",
            prefix_clause("grid_code", &[prefix.to_string()], 1)
        );
        let closed: Vec<Marker> = sqlx::query_as(AssertSqlSafe(closed_sql))
            .bind(prefix.to_string())
            .bind(upper_bound(prefix))
            .bind(closed_since)
            .bind(room)
            .fetch_all(store.pool())
            .await?;
        out.extend(closed);
    }
    Ok(out)
}
