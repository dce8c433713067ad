//! Residents' deliberation: councils, their charters and members, and ballots (elections and
//! motions); 逢四说事 sessions and items, 四议两公开 matters, decisions.

pub mod ballots;
pub mod councils;
pub mod decisions;
pub mod matters;
pub mod sessions;

use crate::db::{Conn, StoreError};

/// Records one resident's verdict on an item or a decision; `false` if they already gave one.
pub async fn rate_once(
    conn: &mut Conn,
    subject: &str,
    subject_id: i64,
    user_id: i64,
    verdict: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO deliberation_ratings (subject, subject_id, user_id, verdict, at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(subject)
    .bind(subject_id)
    .bind(user_id)
    .bind(verdict)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every community (code, name), in code order, for loading the demo's deliberation.
pub async fn communities(store: &crate::db::Store) -> Result<Vec<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT code, name FROM divisions WHERE level = 'community' ORDER BY code")
            .fetch_all(store.pool())
            .await?,
    )
}

/// One page of the communities (code, name) within the prefixes, in code order, with how
/// many there are in all.
pub async fn communities_page(
    store: &crate::db::Store,
    prefixes: &[String],
    limit: u64,
    offset: u64,
) -> Result<(Vec<(String, String)>, i64), StoreError> {
    let clause = crate::scope::prefix_clause("code", prefixes, 1);
    let filter = format!("FROM divisions WHERE level = 'community' AND {clause}");
    let n = 1 + 2 * prefixes.len();
    let sql = format!(
        "SELECT code, name {filter} ORDER BY code LIMIT ${n} OFFSET ${}",
        n + 1
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for p in prefixes {
        q = q.bind(p.clone()).bind(crate::scope::upper_bound(p));
    }
    let rows = q
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let mut count = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {filter}")));
    for p in prefixes {
        count = count.bind(p.clone()).bind(crate::scope::upper_bound(p));
    }
    let (total,): (i64,) = count.fetch_one(store.pool()).await?;
    Ok((rows, total))
}

/// Whether the demo's deliberation records are already there.
pub async fn has_sessions(store: &crate::db::Store) -> Result<bool, StoreError> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM (SELECT 1 FROM deliberation_sessions LIMIT 1) s")
            .fetch_one(store.pool())
            .await?;
    Ok(n > 0)
}
