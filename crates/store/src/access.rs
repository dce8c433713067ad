//! Users, their role bindings, sessions and integration tokens.

use crate::db::{Conn, Page, Store, StoreError, page};
use crate::scope::{prefix_clause, upper_bound};
use sqlx::AssertSqlSafe;
use sqlx::FromRow;

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub disabled: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserRow {
    pub fn is_disabled(&self) -> bool {
        self.disabled != 0
    }
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct BindingRow {
    pub user_id: i64,
    pub role: String,
    pub node_code: String,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// None: the whole API its roles allow; Some("open311"): Open311 only.
    pub scope: Option<String>,
}

const USER_COLS: &str =
    "id, username, display_name, password_hash, disabled, created_at, updated_at";

pub async fn insert_user(
    conn: &mut Conn,
    username: &str,
    display_name: &str,
    password_hash: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let result: Result<(i64,), sqlx::Error> = sqlx::query_as(
        "INSERT INTO users (username, display_name, password_hash, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, $4, $4) RETURNING id",
    )
    .bind(username)
    .bind(display_name)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await;
    match result {
        Ok((id,)) => Ok(id),
        Err(e) => {
            let err = StoreError::Db(e);
            if err.is_constraint_violation() {
                Err(StoreError::Conflict(format!(
                    "用户名 {username} 已存在 / username already exists"
                )))
            } else {
                Err(err)
            }
        }
    }
}

pub async fn add_binding(
    conn: &mut Conn,
    user_id: i64,
    role: &str,
    node_code: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO role_bindings (user_id, role, node_code) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(role)
    .bind(node_code)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn find_user_by_name(
    store: &Store,
    username: &str,
) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(username)
        .fetch_optional(store.pool())
        .await?)
}

pub async fn get_user(store: &Store, id: i64) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// Display names of the users `ids` (those that exist).
pub async fn display_names(
    store: &Store,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!(
        "SELECT id, display_name FROM users WHERE id IN ({})",
        crate::db::Placeholders::for_store(store).list(ids.len())
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    let rows: Vec<(i64, String)> = q.fetch_all(store.pool()).await?;
    Ok(rows.into_iter().collect())
}

pub async fn bindings(store: &Store, user_id: i64) -> Result<Vec<BindingRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT user_id, role, node_code FROM role_bindings WHERE user_id = $1 ORDER BY role, node_code",
    )
    .bind(user_id)
    .fetch_all(store.pool())
    .await?)
}

pub async fn count_users(store: &Store) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(store.pool())
        .await?;
    Ok(n)
}

/// Users having at least one binding under `prefixes`, by id, after `after`.
pub async fn list_users(
    store: &Store,
    prefixes: &[String],
    after: Option<i64>,
    limit: usize,
) -> Result<Page<(UserRow, Vec<BindingRow>)>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLS} FROM users WHERE id > $1 AND id IN \
         (SELECT user_id FROM role_bindings WHERE {}) ORDER BY id LIMIT {}",
        prefix_clause("node_code", prefixes, 2),
        limit + 1
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(after.unwrap_or(0));
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let users: Vec<UserRow> = q.fetch_all(store.pool()).await?;
    let Page { items: users, next } = page(users, limit, |u| u.id.to_string());
    let mut items = Vec::with_capacity(users.len());
    for user in users {
        let b = bindings(store, user.id).await?;
        items.push((user, b));
    }
    Ok(Page { items, next })
}

pub async fn set_disabled(
    conn: &mut Conn,
    user_id: i64,
    disabled: bool,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled as i64)
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn set_password(
    conn: &mut Conn,
    user_id: i64,
    hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every session of the user but the one with `keep_hash` (after a password change).
pub async fn delete_other_sessions(
    conn: &mut Conn,
    user_id: i64,
    keep_hash: &str,
) -> Result<u64, StoreError> {
    let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep_hash)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected())
}

pub async fn create_session(conn: &mut Conn, s: &SessionRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&s.id_hash)
    .bind(s.user_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn find_session(store: &Store, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(store.pool())
    .await?)
}

pub async fn delete_session(conn: &mut Conn, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_expired_sessions(store: &Store, now: i64) -> Result<u64, StoreError> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now)
        .execute(store.pool())
        .await?;
    Ok(r.rows_affected())
}

pub async fn create_token(
    conn: &mut Conn,
    user_id: i64,
    name: &str,
    token_hash: &str,
    now: i64,
    expires_at: Option<i64>,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Limits a token to one surface (see `TokenRow::scope`).
pub async fn set_token_scope(conn: &mut Conn, id: i64, scope: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET scope = $1 WHERE id = $2")
        .bind(scope)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn find_token(store: &Store, token_hash: &str) -> Result<Option<TokenRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, name, token_hash, created_at, expires_at, revoked_at, scope FROM api_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(store.pool())
    .await?)
}

pub async fn get_token(store: &Store, id: i64) -> Result<Option<TokenRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, name, token_hash, created_at, expires_at, revoked_at, scope FROM api_tokens WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?)
}

pub async fn revoke_token(conn: &mut Conn, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A stored answer to an idempotent request, replayed on a retry with the same key.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct IdempotentAnswer {
    pub request_fingerprint: String,
    pub status: i64,
    pub body: String,
}

pub async fn find_idempotent(
    store: &Store,
    user_id: i64,
    key: &str,
) -> Result<Option<IdempotentAnswer>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT request_fingerprint, status, body FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(store.pool())
    .await?)
}

/// Claims `key` for a request before it runs. `false` means the key was already claimed
/// (by a finished request, or one still running when `status` is 0).
pub async fn reserve_idempotent(
    store: &Store,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, idem_key, request_fingerprint, status, body, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(fingerprint)
    .bind(now)
    .execute(store.pool())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Stores the first answer for a claimed key, to be replayed on retries.
pub async fn complete_idempotent(
    store: &Store,
    user_id: i64,
    key: &str,
    status: i64,
    body: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, body = $2 WHERE user_id = $3 AND idem_key = $4",
    )
    .bind(status)
    .bind(body)
    .bind(user_id)
    .bind(key)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Frees a key whose request failed on our side, so a retry runs again.
pub async fn release_idempotent(store: &Store, user_id: i64, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2")
        .bind(user_id)
        .bind(key)
        .execute(store.pool())
        .await?;
    Ok(())
}
