use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyTransactionManager};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use sqlx_core::transaction::TransactionManager;
use std::str::FromStr;
use std::time::Duration;

pub type Conn = AnyConnection;

/// A write transaction. On SQLite it also holds the process's writer lock: SQLite allows one
/// writer at a time, and queueing writers here (first come, first served) replaces SQLite's
/// sleep-and-retry busy handler, whose back-off made concurrent writes wait up to hundreds of
/// milliseconds. Never begin a second transaction while holding one.
///
/// Dropped without `commit`, it rolls back (as `sqlx::Transaction` does).
pub struct Tx {
    conn: PoolConnection<Any>,
    open: bool,
    /// Begun by `Store::begin_bulk` with SQLite's foreign-key enforcement off: the connection
    /// is restored after commit, or closed instead of going back to the pool.
    bulk: bool,
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Tx {
    async fn begin(
        mut conn: PoolConnection<Any>,
        backend: Backend,
        bulk: bool,
        writer: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Result<Tx, StoreError> {
        if bulk {
            // A no-op inside a transaction, so it is switched before BEGIN.
            if let Err(e) = conn.execute("PRAGMA foreign_keys = OFF").await {
                conn.close_on_drop();
                return Err(e.into());
            }
        }
        let mut tx = Tx {
            conn,
            open: true,
            bulk,
            _writer: writer,
        };
        // On SQLite the write lock is taken at BEGIN, where the busy timeout waits for it.
        // A deferred transaction that reads first and writes later is refused at once
        // ("database is locked") when another connection still holds the lock — e.g. one
        // whose dropped transaction has not finished rolling back.
        let statement = match backend {
            Backend::Sqlite => Some(sqlx::SqlStr::from_static("BEGIN IMMEDIATE")),
            Backend::Postgres => None,
        };
        AnyTransactionManager::begin(&mut tx.conn, statement).await?;
        Ok(tx)
    }

    /// Whether this transaction was begun by `Store::begin_bulk` on SQLite.
    pub fn is_bulk(&self) -> bool {
        self.bulk
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        AnyTransactionManager::commit(&mut self.conn).await?;
        self.open = false;
        if self.bulk {
            if self.conn.execute("PRAGMA foreign_keys = ON").await.is_err() {
                self.conn.close_on_drop();
            }
            self.bulk = false;
        }
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if self.open {
            // Queued: runs on the connection's next use, including its return to the pool.
            AnyTransactionManager::start_rollback(&mut self.conn);
        }
        if self.bulk {
            // Never hand out a connection that does not enforce foreign keys.
            self.conn.close_on_drop();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A unique or foreign-key violation, which callers turn into a 409 with the field named.
    pub fn is_constraint_violation(&self) -> bool {
        self.is_unique_violation()
            || matches!(self, StoreError::Db(sqlx::Error::Database(e))
                if e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
    }

    /// A unique violation only (a duplicate, as opposed to a missing parent row).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => {
                matches!(e.kind(), sqlx::error::ErrorKind::UniqueViolation)
                    || e.message().contains("UNIQUE")
                    || e.message().contains("duplicate key")
            }
            _ => false,
        }
    }
}

/// One page of a keyset-paginated list; `next` is the opaque key to continue after.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// A page from `limit + 1` fetched rows: the extra row only says that more follow.
pub(crate) fn page<T>(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects and applies pending schema migrations (the data upgrades that need the
    /// capabilities' code run in `upgrade.rs`, above them).
    pub(crate) async fn connect(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let path = path.split('?').next().unwrap_or(path);
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let schema = schema.map(str::to_string);
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            // Takes effect only when the file is created: 16 KiB pages quarter
                            // the WAL frames (one write each) a bulk import pays for.
                            conn.execute("PRAGMA page_size = 16384").await?;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            // Reads through the OS page cache instead of copying pages by
                            // syscall; a larger page cache keeps index inserts off the disk.
                            conn.execute("PRAGMA mmap_size = 1073741824").await?;
                            let cache =
                                format!("PRAGMA cache_size = -{}", DEFAULT_CACHE_MIB * 1024);
                            conn.execute(sqlx::AssertSqlSafe(cache)).await?;
                            // Checkpoints run in the background (`Store::checkpoint`), not in
                            // the transaction that happens to cross the threshold: a large
                            // import would otherwise pay to copy the whole WAL at commit.
                            conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                        }
                        Backend::Postgres => {
                            if let Some(schema) = schema {
                                let sql = format!("SET search_path TO \"{schema}\"");
                                conn.execute(sqlx::AssertSqlSafe(sql)).await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store {
            pool,
            backend,
            writer: std::sync::Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A pooled connection for reads through the functions that take `&mut Conn`.
    pub async fn reader(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let writer = self.writer_lock().await;
        Tx::begin(self.pool.acquire().await?, self.backend, false, writer).await
    }

    /// A transaction for loading many rows whose references the caller has already checked
    /// (ledger imports, the demo city). On SQLite it does not enforce foreign keys: with them
    /// on, every multi-row `INSERT` must keep a statement journal (a copy of each page it
    /// touches, so that it alone can be undone) and look up each row's parents. Bulk inserts
    /// in it use `INSERT OR FAIL` for the same reason (`bulk_load`). On PostgreSQL it
    /// is an ordinary transaction.
    pub async fn begin_bulk(&self) -> Result<Tx, StoreError> {
        let writer = self.writer_lock().await;
        let bulk = self.backend == Backend::Sqlite;
        Tx::begin(self.pool.acquire().await?, self.backend, bulk, writer).await
    }

    async fn writer_lock(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Moves committed WAL pages into the SQLite file (no-op on PostgreSQL); the server calls
    /// it periodically, and SQLite does it itself when the last connection closes.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Cheap round trip used by `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Checkpoints the SQLite WAL into the database file, then closes every connection.
    pub async fn close(&self) {
        if self.backend == Backend::Sqlite
            && let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await
        {
            tracing::warn!(error = %e, "final checkpoint failed");
        }
        self.pool.close().await;
    }
}

/// One value of a bulk insert row (the `Any` driver binds by concrete type).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
    Text(String),
    OptText(Option<String>),
}

/// Inserts many rows with multi-row `VALUES` statements, in chunks that stay under both
/// engines' parameter limits (SQLite 32,766; PostgreSQL 65,535).
pub async fn bulk_insert<T>(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: &[T],
    values: impl Fn(&T) -> Vec<Val>,
) -> Result<(), StoreError> {
    bulk_insert_owned(conn, table, columns, rows.iter(), values).await
}

/// As `bulk_insert`, over an iterator (pass owned rows to move their strings, not copy them).
/// `values` runs lazily, one chunk ahead: binding the next chunk (and whatever `values`
/// computes, such as sealing personal numbers) overlaps the database executing this one.
pub async fn bulk_insert_owned<T>(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = T>,
    values: impl Fn(T) -> Vec<Val>,
) -> Result<(), StoreError> {
    insert_chunks(conn, "INSERT", table, columns, rows, values).await
}

/// As `bulk_insert_owned`, in a transaction from `Store::begin_bulk`. There, on SQLite, each
/// statement is `INSERT OR FAIL`: a multi-row statement that could abort must keep a
/// statement journal so that it alone can be undone, and a failed bulk load abandons its whole
/// transaction anyway.
pub async fn bulk_load<T>(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = T>,
    values: impl Fn(T) -> Vec<Val>,
) -> Result<(), StoreError> {
    let verb = if tx.is_bulk() {
        "INSERT OR FAIL"
    } else {
        "INSERT"
    };
    insert_chunks(tx, verb, table, columns, rows, values).await
}

async fn insert_chunks<T>(
    conn: &mut Conn,
    verb: &str,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = T>,
    values: impl Fn(T) -> Vec<Val>,
) -> Result<(), StoreError> {
    let mut chunks = ChunkBinder {
        verb,
        table,
        columns,
        per_chunk: (30_000 / columns.len()).max(1),
        placeholder: Placeholders::for_conn(conn),
        rows: rows.into_iter(),
        values,
    };
    let mut next = chunks.bind_next();
    while let Some(query) = next {
        let (done, following) =
            tokio::join!(query.execute(&mut *conn), async { chunks.bind_next() });
        done?;
        next = following;
    }
    Ok(())
}

type BoundQuery = sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>;

struct ChunkBinder<'a, I, F> {
    verb: &'a str,
    table: &'a str,
    columns: &'a [&'a str],
    per_chunk: usize,
    placeholder: Placeholders,
    rows: I,
    values: F,
}

impl<T, I: Iterator<Item = T>, F: Fn(T) -> Vec<Val>> ChunkBinder<'_, I, F> {
    /// The next chunk as a statement with its values bound, or `None` when the rows are done.
    fn bind_next(&mut self) -> Option<BoundQuery> {
        let chunk: Vec<Vec<Val>> = self
            .rows
            .by_ref()
            .take(self.per_chunk)
            .map(&self.values)
            .collect();
        if chunk.is_empty() {
            return None;
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.statement(chunk.len())));
        for row in chunk {
            debug_assert_eq!(row.len(), self.columns.len());
            for v in row {
                query = match v {
                    Val::Int(x) => query.bind(x),
                    Val::OptInt(x) => query.bind(x),
                    Val::Real(x) => query.bind(x),
                    Val::Text(x) => query.bind(x),
                    Val::OptText(x) => query.bind(x),
                };
            }
        }
        Some(query)
    }

    fn statement(&mut self, rows: usize) -> String {
        let mut sql = format!(
            "{} INTO {} ({}) VALUES ",
            self.verb,
            self.table,
            self.columns.join(", ")
        );
        self.placeholder.reset();
        for i in 0..rows {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..self.columns.len() {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&self.placeholder.next_one());
            }
            sql.push(')');
        }
        sql
    }
}

/// Numbered `$n` placeholders for PostgreSQL, anonymous `?` for SQLite: sqlx's SQLite
/// driver resolves every named parameter with SQLite's linear name lookup, which makes
/// generated statements with thousands of parameters quadratically slow (measured: 37 % of
/// a ledger import). Only generated bulk statements use this; hand-written SQL keeps `$n`.
pub struct Placeholders {
    anonymous: bool,
    n: usize,
}

impl Placeholders {
    pub fn for_conn(conn: &Conn) -> Placeholders {
        Placeholders {
            anonymous: conn.backend_name().eq_ignore_ascii_case("sqlite"),
            n: 0,
        }
    }

    pub fn for_store(store: &Store) -> Placeholders {
        Placeholders {
            anonymous: store.backend() == Backend::Sqlite,
            n: 0,
        }
    }

    pub fn reset(&mut self) {
        self.n = 0;
    }

    pub fn next_one(&mut self) -> String {
        self.n += 1;
        if self.anonymous {
            "?".into()
        } else {
            format!("${}", self.n)
        }
    }

    /// The next `n` placeholders, comma-separated (an `IN (…)` list).
    pub fn list(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| self.next_one())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Gives this connection a page cache of `mib` MiB for a bulk load (SQLite; no-op on
/// PostgreSQL): with the default cache, a transaction larger than the cache spills dirty
/// pages to the WAL and reads them back for every random index insert. Above the default
/// size, statement journals are also kept in memory: every multi-row `INSERT` inside a
/// transaction journals the original of each page it touches so that it alone can be undone,
/// and as temporary files that was 2 GB of writes for three 100,000-row imports (`strace`).
/// Call again with `DEFAULT_CACHE_MIB` when the load is done.
pub async fn bulk_cache(conn: &mut Conn, mib: i64) -> Result<(), StoreError> {
    if Placeholders::for_conn(conn).anonymous {
        let temp_store = if mib > DEFAULT_CACHE_MIB {
            "MEMORY"
        } else {
            "DEFAULT"
        };
        for sql in [
            format!("PRAGMA cache_size = -{}", mib * 1024),
            format!("PRAGMA temp_store = {temp_store}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Each SQLite connection's page cache outside bulk loads, in MiB.
pub const DEFAULT_CACHE_MIB: i64 = 16;

/// Reserves `n` consecutive ids of `table` inside the caller's transaction, so rows that
/// refer to each other can be bulk-inserted. Call `sync_ids` after inserting.
pub async fn reserve_ids(
    conn: &mut Conn,
    backend: Backend,
    table: &str,
    n: usize,
) -> Result<i64, StoreError> {
    if backend == Backend::Postgres {
        let lock = format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE");
        sqlx::query(sqlx::AssertSqlSafe(lock))
            .execute(&mut *conn)
            .await?;
    }
    let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
    let (max,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let _ = n;
    Ok(max + 1)
}

/// After explicit ids were inserted, moves PostgreSQL's identity sequence past them
/// (SQLite's AUTOINCREMENT follows explicit ids by itself).
pub async fn sync_ids(conn: &mut Conn, backend: Backend, table: &str) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Commits, turning the driver's error into ours.
pub async fn commit(tx: Tx) -> Result<(), StoreError> {
    tx.commit().await
}

impl Store {
    pub async fn setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn set_setting(&self, name: &str, value: &str) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        set_setting(&mut conn, name, value).await
    }
}

/// Sets a setting inside the caller's transaction.
pub async fn set_setting(conn: &mut Conn, name: &str, value: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(name)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
