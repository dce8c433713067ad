//! Patrol logs: a grid worker's walks, their track points, findings, and daily coverage.

use crate::db::{Conn, Store, StoreError, Val, bulk_insert};
use crate::scope::{prefix_clause, upper_bound};
use sqlx::{AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct PatrolRow {
    pub id: i64,
    pub worker_id: i64,
    pub grid_code: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub distance_m: f64,
    pub points: i64,
    pub findings: i64,
}

const COLS: &str = "id, worker_id, grid_code, started_at, ended_at, distance_m, points, findings";

pub async fn start(
    conn: &mut Conn,
    worker_id: i64,
    grid_code: &str,
    at: i64,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO patrols (worker_id, grid_code, started_at, ended_at, distance_m, points, findings) \
         VALUES ($1, $2, $3, NULL, 0, 0, 0) RETURNING id",
    )
    .bind(worker_id)
    .bind(grid_code)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn get(store: &Store, id: i64) -> Result<Option<PatrolRow>, StoreError> {
    let sql = format!("SELECT {COLS} FROM patrols WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// The worker's patrol still under way, if any.
pub async fn open_for(store: &Store, worker_id: i64) -> Result<Option<PatrolRow>, StoreError> {
    let sql = format!(
        "SELECT {COLS} FROM patrols WHERE worker_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(worker_id)
        .fetch_optional(store.pool())
        .await?)
}

/// The last recorded point of a patrol, to measure the distance walked.
pub async fn last_point(store: &Store, patrol_id: i64) -> Result<Option<(f64, f64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT lon, lat FROM patrol_points WHERE patrol_id = $1 ORDER BY at DESC LIMIT 1",
    )
    .bind(patrol_id)
    .fetch_optional(store.pool())
    .await?)
}

/// Appends track points (at, lon, lat, grid) and adds to the patrol's totals.
pub async fn add_points(
    conn: &mut Conn,
    patrol_id: i64,
    points: &[(i64, f64, f64, Option<String>)],
    added_distance_m: f64,
) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "patrol_points",
        &["patrol_id", "at", "lon", "lat", "grid_code"],
        points,
        |p| {
            vec![
                Val::Int(patrol_id),
                Val::Int(p.0),
                Val::Real(p.1),
                Val::Real(p.2),
                Val::OptText(p.3.clone()),
            ]
        },
    )
    .await?;
    sqlx::query(
        "UPDATE patrols SET points = points + $1, distance_m = distance_m + $2 WHERE id = $3",
    )
    .bind(points.len() as i64)
    .bind(added_distance_m)
    .bind(patrol_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn finish(conn: &mut Conn, patrol_id: i64, at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE patrols SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(at)
        .bind(patrol_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn count_finding(conn: &mut Conn, patrol_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE patrols SET findings = findings + 1 WHERE id = $1")
        .bind(patrol_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Per grid under `prefixes`: patrols started in [from, to), minutes patrolled, findings.
#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct CoverageRow {
    pub grid_code: String,
    pub patrols: i64,
    pub minutes: i64,
    pub findings: i64,
}

pub async fn coverage(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<CoverageRow>, StoreError> {
    let sql = format!(
        "SELECT grid_code, COUNT(*) AS patrols, \
         CAST(COALESCE(SUM((COALESCE(ended_at, started_at) - started_at) / 60000), 0) AS BIGINT) AS minutes, \
         CAST(COALESCE(SUM(findings), 0) AS BIGINT) AS findings \
         FROM patrols WHERE started_at >= $1 AND started_at < $2 AND {} GROUP BY grid_code ORDER BY grid_code",
        prefix_clause("grid_code", prefixes, 3)
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(from).bind(to);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(q.fetch_all(store.pool()).await?)
}
