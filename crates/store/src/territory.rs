//! Divisions, grids, compounds and buildings.

use crate::db::{Conn, Page, Store, StoreError, page};
use crate::scope::{prefix_clause, upper_bound};
use sqlx::AssertSqlSafe;
use sqlx::FromRow;

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct DivisionRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub kind: String,
    pub name: String,
    pub district_code: String,
    pub boundary: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct GridRow {
    pub code: String,
    pub community_code: String,
    pub district_code: String,
    pub name: String,
    pub kind: String,
    pub households: i64,
    pub population: i64,
    pub party_unit_kind: String,
    pub party_unit_name: String,
    /// GeoJSON Polygon `coordinates` array as JSON text.
    pub boundary: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct CompoundRow {
    pub id: i64,
    pub community_code: String,
    pub grid_code: String,
    pub district_code: String,
    pub name: String,
    pub households: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct BuildingRow {
    pub id: i64,
    pub community_code: String,
    pub compound_id: Option<i64>,
    pub grid_code: String,
    pub district_code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub floors: i64,
    pub households: i64,
    pub created_at: i64,
}

/// Totals for a subtree, computed from the records themselves.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct TerritoryCounts {
    pub districts: i64,
    pub streets: i64,
    pub communities: i64,
    pub grids: i64,
    pub compounds: i64,
    pub buildings: i64,
    pub households: i64,
    pub population: i64,
    pub grid_workers: i64,
}

const DIVISION_COLS: &str =
    "code, parent_code, level, kind, name, district_code, boundary, created_at, updated_at";
const GRID_COLS: &str = "code, community_code, district_code, name, kind, households, population, party_unit_kind, party_unit_name, boundary, created_at, updated_at";

pub(crate) fn like_prefix(prefix: &str) -> String {
    format!("{prefix}%")
}

pub async fn insert_division(conn: &mut Conn, row: &DivisionRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO divisions ({DIVISION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(&row.code)
        .bind(&row.parent_code)
        .bind(&row.level)
        .bind(&row.kind)
        .bind(&row.name)
        .bind(&row.district_code)
        .bind(&row.boundary)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            conflict(
                e,
                format!("区划 {} 已存在 / division already exists", row.code),
            )
        })?;
    Ok(())
}

fn conflict(e: sqlx::Error, message: String) -> StoreError {
    let err = StoreError::Db(e);
    if err.is_constraint_violation() {
        StoreError::Conflict(message)
    } else {
        err
    }
}

pub async fn set_division_boundary(
    conn: &mut Conn,
    code: &str,
    boundary: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE divisions SET boundary = $1, updated_at = $2 WHERE code = $3")
        .bind(boundary)
        .bind(now)
        .bind(code)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get_division(store: &Store, code: &str) -> Result<Option<DivisionRow>, StoreError> {
    let sql = format!("SELECT {DIVISION_COLS} FROM divisions WHERE code = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(store.pool())
        .await?)
}

/// Children of `parent` (or the roots when `None`), in code order, after `after`.
pub async fn list_divisions(
    store: &Store,
    parent: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<DivisionRow>, StoreError> {
    let (parent_clause, parent) = match parent {
        Some(p) => ("parent_code = $3", p),
        None => ("parent_code IS NULL AND $3 = ''", ""),
    };
    let sql = format!(
        "SELECT {DIVISION_COLS} FROM divisions WHERE code > $1 AND {parent_clause} ORDER BY code LIMIT $2"
    );
    let rows: Vec<DivisionRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(limit as i64 + 1)
        .bind(parent)
        .fetch_all(store.pool())
        .await?;
    Ok(page(rows, limit, |r| r.code.clone()))
}

/// Every division's code, name, level and parent (a few hundred rows), for breadcrumbs.
pub async fn all_division_names(
    store: &Store,
) -> Result<Vec<(String, String, String, Option<String>)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT code, name, level, parent_code FROM divisions ORDER BY code")
            .fetch_all(store.pool())
            .await?,
    )
}

/// Communities (with their boundaries) under the given scope prefixes.
pub async fn communities_with_boundaries(
    store: &Store,
    prefixes: &[String],
) -> Result<Vec<DivisionRow>, StoreError> {
    let sql = format!(
        "SELECT {DIVISION_COLS} FROM divisions WHERE level = 'community' AND {} ORDER BY code",
        prefix_clause("code", prefixes, 1)
    );
    let mut query = sqlx::query_as(AssertSqlSafe(sql));
    for p in prefixes {
        query = query.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(query.fetch_all(store.pool()).await?)
}

/// Inserts or replaces a grid; returns the previous version for the audit trail.
pub async fn upsert_grid(conn: &mut Conn, row: &GridRow) -> Result<Option<GridRow>, StoreError> {
    let before: Option<GridRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {GRID_COLS} FROM grids WHERE code = $1"
    )))
    .bind(&row.code)
    .fetch_optional(&mut *conn)
    .await?;
    let sql = format!(
        "INSERT INTO grids ({GRID_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
         households = excluded.households, population = excluded.population, \
         party_unit_kind = excluded.party_unit_kind, party_unit_name = excluded.party_unit_name, \
         boundary = excluded.boundary, updated_at = excluded.updated_at"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(&row.code)
        .bind(&row.community_code)
        .bind(&row.district_code)
        .bind(&row.name)
        .bind(&row.kind)
        .bind(row.households)
        .bind(row.population)
        .bind(&row.party_unit_kind)
        .bind(&row.party_unit_name)
        .bind(&row.boundary)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            conflict(
                e,
                format!(
                    "网格 {} 的社区不存在 / grid's community does not exist",
                    row.code
                ),
            )
        })?;
    Ok(before)
}

/// The first grid (by code) of a division, where work for the whole division is filed.
pub async fn first_grid_of(store: &Store, division: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT code FROM grids WHERE code >= $1 AND code < $2 ORDER BY code LIMIT 1",
    )
    .bind(division)
    .bind(upper_bound(division))
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|(c,)| c))
}

pub async fn get_grid(store: &Store, code: &str) -> Result<Option<GridRow>, StoreError> {
    let sql = format!("SELECT {GRID_COLS} FROM grids WHERE code = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(store.pool())
        .await?)
}

/// Grids whose code starts with one of `prefixes`, in code order, after `after`.
pub async fn list_grids(
    store: &Store,
    prefixes: &[String],
    after: Option<&str>,
    limit: usize,
) -> Result<Page<GridRow>, StoreError> {
    let sql = format!(
        "SELECT {GRID_COLS} FROM grids WHERE code > $1 AND {} ORDER BY code LIMIT {}",
        prefix_clause("code", prefixes, 2),
        limit + 1
    );
    let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(after.unwrap_or(""));
    for p in prefixes {
        query = query.bind(p.clone()).bind(upper_bound(p));
    }
    let rows: Vec<GridRow> = query.fetch_all(store.pool()).await?;
    Ok(page(rows, limit, |r| r.code.clone()))
}

/// Every grid's code, name and boundary, for building the in-process index.
pub async fn all_grid_boundaries(
    store: &Store,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT code, name, boundary FROM grids ORDER BY code")
            .fetch_all(store.pool())
            .await?;
    Ok(rows)
}

pub async fn grid_worker_count(store: &Store, grid_code: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM role_bindings b JOIN users u ON u.id = b.user_id \
         WHERE b.role = 'grid_worker' AND b.node_code = $1 AND u.disabled = 0",
    )
    .bind(grid_code)
    .fetch_one(store.pool())
    .await?;
    Ok(n)
}

pub async fn insert_compound(conn: &mut Conn, row: &CompoundRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO compounds (community_code, grid_code, district_code, name, households, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&row.community_code)
    .bind(&row.grid_code)
    .bind(&row.district_code)
    .bind(&row.name)
    .bind(row.households)
    .bind(row.created_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| conflict(e, "社区或网格不存在 / community or grid does not exist".into()))?;
    Ok(id)
}

pub async fn get_compound(store: &Store, id: i64) -> Result<Option<CompoundRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, community_code, grid_code, district_code, name, households, created_at FROM compounds WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?)
}

pub async fn list_compounds(
    store: &Store,
    prefixes: &[String],
    after: Option<i64>,
    limit: usize,
) -> Result<Page<CompoundRow>, StoreError> {
    let sql = format!(
        "SELECT id, community_code, grid_code, district_code, name, households, created_at FROM compounds \
         WHERE id > $1 AND {} ORDER BY id LIMIT {}",
        prefix_clause("grid_code", prefixes, 2),
        limit + 1
    );
    let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(after.unwrap_or(0));
    for p in prefixes {
        query = query.bind(p.clone()).bind(upper_bound(p));
    }
    let rows: Vec<CompoundRow> = query.fetch_all(store.pool()).await?;
    Ok(page(rows, limit, |r| r.id.to_string()))
}

pub async fn insert_building(conn: &mut Conn, row: &BuildingRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO buildings (community_code, compound_id, grid_code, district_code, name, lon, lat, floors, households, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&row.community_code)
    .bind(row.compound_id)
    .bind(&row.grid_code)
    .bind(&row.district_code)
    .bind(&row.name)
    .bind(row.lon)
    .bind(row.lat)
    .bind(row.floors)
    .bind(row.households)
    .bind(row.created_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| conflict(e, "社区、小区或网格不存在 / community, compound or grid does not exist".into()))?;
    Ok(id)
}

pub async fn get_building(store: &Store, id: i64) -> Result<Option<BuildingRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, community_code, compound_id, grid_code, district_code, name, lon, lat, floors, households, created_at \
         FROM buildings WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?)
}

pub async fn list_buildings(
    store: &Store,
    prefixes: &[String],
    after: Option<i64>,
    limit: usize,
) -> Result<Page<BuildingRow>, StoreError> {
    let sql = format!(
        "SELECT id, community_code, compound_id, grid_code, district_code, name, lon, lat, floors, households, created_at \
         FROM buildings WHERE id > $1 AND {} ORDER BY id LIMIT {}",
        prefix_clause("grid_code", prefixes, 2),
        limit + 1
    );
    let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(after.unwrap_or(0));
    for p in prefixes {
        query = query.bind(p.clone()).bind(upper_bound(p));
    }
    let rows: Vec<BuildingRow> = query.fetch_all(store.pool()).await?;
    Ok(page(rows, limit, |r| r.id.to_string()))
}

/// Counts of everything under the node whose scope prefix is `prefix`.
pub async fn counts(store: &Store, prefix: &str) -> Result<TerritoryCounts, StoreError> {
    let like = like_prefix(prefix);
    let pool = store.pool();
    let level_count = |level: &'static str| {
        let like = like.clone();
        async move {
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM divisions WHERE level = $1 AND code LIKE $2")
                    .bind(level)
                    .bind(like)
                    .fetch_one(pool)
                    .await?;
            Ok::<i64, StoreError>(n)
        }
    };
    let (grids, households, population): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(households), 0) AS BIGINT), CAST(COALESCE(SUM(population), 0) AS BIGINT) FROM grids WHERE code LIKE $1",
    )
    .bind(&like)
    .fetch_one(pool)
    .await?;
    let count = |table: &'static str| {
        let like = like.clone();
        async move {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE grid_code LIKE $1");
            let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(sql))
                .bind(like)
                .fetch_one(pool)
                .await?;
            Ok::<i64, StoreError>(n)
        }
    };
    let (grid_workers,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM role_bindings b JOIN users u ON u.id = b.user_id \
         WHERE b.role = 'grid_worker' AND u.disabled = 0 AND b.node_code LIKE $1",
    )
    .bind(&like)
    .fetch_one(pool)
    .await?;
    Ok(TerritoryCounts {
        districts: level_count("district").await?,
        streets: level_count("street").await?,
        communities: level_count("community").await?,
        grids,
        compounds: count("compounds").await?,
        buildings: count("buildings").await?,
        households,
        population,
        grid_workers,
    })
}

/// Every building id in insertion order.
pub async fn building_ids(store: &Store) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM buildings ORDER BY id")
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The grid of a place named exactly `name`: a building, else a compound, else a grid
/// (Open311 `address_string` without coordinates).
pub async fn grid_of_place(store: &Store, name: &str) -> Result<Option<String>, StoreError> {
    for sql in [
        "SELECT grid_code FROM buildings WHERE name = $1 ORDER BY id LIMIT 1",
        "SELECT grid_code FROM compounds WHERE name = $1 ORDER BY id LIMIT 1",
        "SELECT code FROM grids WHERE name = $1 ORDER BY code LIMIT 1",
    ] {
        let found: Option<(String,)> = sqlx::query_as(sql)
            .bind(name)
            .fetch_optional(store.pool())
            .await?;
        if let Some((grid,)) = found {
            return Ok(Some(grid));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::upper_bound;

    #[test]
    fn upper_bounds_cover_exactly_the_prefix() {
        assert_eq!(upper_bound("450103"), "450104");
        assert_eq!(upper_bound("4501039"), "450104");
        assert_eq!(upper_bound("4599"), "46");
        assert_eq!(upper_bound("99"), "A");
        assert_eq!(upper_bound(""), "A");
        let (lo, hi) = ("450103001001".to_string(), upper_bound("450103001001"));
        assert!(lo.as_str() <= "450103001001999" && "450103001001999" < hi.as_str());
        assert!("450103001002000" >= hi.as_str());
    }
}
