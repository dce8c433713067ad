//! Cases and their timelines. A case row carries its current state; every transition appends
//! an immutable event. Updates are guarded by the row's version, so of two concurrent
//! transitions exactly one wins.

pub mod enterprise;
pub mod indicators;
pub mod patrols;

use crate::db::{Conn, Page, Store, StoreError, page};
use crate::scope::{GRID_UNINDEXED, prefix_clause, upper_bound};
use sqlx::{AssertSqlSafe, FromRow};
use tongxin_core::cases::indicators::Tally;
use tongxin_core::cases::machine::{Status, Tier};

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub category_code: String,
    pub category_version: i64,
    pub channel: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    #[sqlx(try_from = "String")]
    pub tier: Tier,
    pub department: Option<String>,
    pub grid_code: String,
    pub district_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub description: String,
    pub reporter_id: i64,
    pub rework_count: i64,
    pub reopen_count: i64,
    pub escalation_count: i64,
    pub supervised: i64,
    pub merged_into: Option<i64>,
    pub rating: Option<String>,
    pub reported_at: i64,
    pub dispatched_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub step_due_at: Option<i64>,
    pub handle_due_at: Option<i64>,
    pub updated_at: i64,
    pub version: i64,
}

const EVENT_COLS: &str =
    "id, case_id, at, actor_id, actor, command, from_status, to_status, note, data, step_due_at";

pub(crate) const CASE_COLS: &str = "id, category_code, category_version, channel, status, tier, department, grid_code, district_code, lon, lat, address, description, reporter_id, rework_count, reopen_count, escalation_count, supervised, merged_into, rating, reported_at, dispatched_at, closed_at, step_due_at, handle_due_at, updated_at, version";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct EventRow {
    pub id: i64,
    pub case_id: i64,
    pub at: i64,
    pub actor_id: i64,
    pub actor: String,
    pub command: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
    pub data: String,
    /// The deadline of the step this event ended, if one was running.
    pub step_due_at: Option<i64>,
}

async fn insert_case(conn: &mut Conn, c: &CaseRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO cases (category_code, category_version, channel, status, tier, department, grid_code, district_code, lon, lat, address, description, reporter_id, rework_count, reopen_count, escalation_count, supervised, merged_into, rating, reported_at, dispatched_at, closed_at, step_due_at, handle_due_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING id",
    )
    .bind(&c.category_code)
    .bind(c.category_version)
    .bind(&c.channel)
    .bind(c.status.as_str())
    .bind(c.tier.as_str())
    .bind(&c.department)
    .bind(&c.grid_code)
    .bind(&c.district_code)
    .bind(c.lon)
    .bind(c.lat)
    .bind(&c.address)
    .bind(&c.description)
    .bind(c.reporter_id)
    .bind(c.rework_count)
    .bind(c.reopen_count)
    .bind(c.escalation_count)
    .bind(c.supervised)
    .bind(c.merged_into)
    .bind(&c.rating)
    .bind(c.reported_at)
    .bind(c.dispatched_at)
    .bind(c.closed_at)
    .bind(c.step_due_at)
    .bind(c.handle_due_at)
    .bind(c.updated_at)
    .bind(c.version)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Writes a transition: the case's new state (if the row is still at `before`'s version), its
/// timeline event and the change to the indicator rollups, all on `conn` (the caller's
/// transaction); the new event's id. `None` when another transition got there first; nothing
/// is written then.
pub async fn record_transition(
    conn: &mut Conn,
    before: &CaseRow,
    after: &CaseRow,
    event: &EventRow,
) -> Result<Option<i64>, StoreError> {
    if !update_case(conn, after, before.version).await? {
        return Ok(None);
    }
    let event_id = append_event(conn, event).await?;
    let tally = Tally::transition(&before.facts(), &after.facts(), &event.facts());
    indicators::apply(conn, &tally).await?;
    let change = crate::webhooks::Change {
        event_type: format!("case.{}", event.command),
        at: event.at,
        subject: "case",
        subject_id: after.id,
        version: after.version,
        node: &after.grid_code,
        record: after,
    };
    crate::webhooks::enqueue(conn, &[change]).await?;
    Ok(Some(event_id))
}

/// Writes new cases with their first events and their rollup contributions.
pub async fn insert_reports(
    conn: &mut Conn,
    reports: &[(&CaseRow, &EventRow)],
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(reports.len());
    let mut tally = Tally::default();
    for (case, event) in reports {
        let id = insert_case(conn, case).await?;
        let mut event = (*event).clone();
        event.case_id = id;
        append_event(conn, &event).await?;
        tally.add_case(&case.facts());
        tally.add_event(&case.grid_code, &event.facts());
        ids.push(id);
    }
    indicators::apply(conn, &tally).await?;
    let changes: Vec<crate::webhooks::Change<CaseRow>> = reports
        .iter()
        .zip(&ids)
        .map(|((case, _), id)| crate::webhooks::Change {
            event_type: "case.report".into(),
            at: case.reported_at,
            subject: "case",
            subject_id: *id,
            version: case.version,
            node: &case.grid_code,
            record: *case,
        })
        .collect();
    crate::webhooks::enqueue(conn, &changes).await?;
    Ok(ids)
}

/// Writes the new state if the row is still at `expected_version`; `false` when another
/// transition got there first (nothing is written then).
async fn update_case(
    conn: &mut Conn,
    c: &CaseRow,
    expected_version: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE cases SET status = $1, tier = $2, department = $3, rework_count = $4, reopen_count = $5, \
         escalation_count = $6, supervised = $7, merged_into = $8, rating = $9, dispatched_at = $10, closed_at = $11, \
         step_due_at = $12, handle_due_at = $13, updated_at = $14, version = $15 WHERE id = $16 AND version = $17",
    )
    .bind(c.status.as_str())
    .bind(c.tier.as_str())
    .bind(&c.department)
    .bind(c.rework_count)
    .bind(c.reopen_count)
    .bind(c.escalation_count)
    .bind(c.supervised)
    .bind(c.merged_into)
    .bind(&c.rating)
    .bind(c.dispatched_at)
    .bind(c.closed_at)
    .bind(c.step_due_at)
    .bind(c.handle_due_at)
    .bind(c.updated_at)
    .bind(c.version)
    .bind(c.id)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

async fn append_event(conn: &mut Conn, e: &EventRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO case_events (case_id, at, actor_id, actor, command, from_status, to_status, note, data, step_due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(e.case_id)
    .bind(e.at)
    .bind(e.actor_id)
    .bind(&e.actor)
    .bind(&e.command)
    .bind(&e.from_status)
    .bind(&e.to_status)
    .bind(&e.note)
    .bind(&e.data)
    .bind(e.step_due_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Links a case to the patrol it was found on.
pub async fn set_patrol(conn: &mut Conn, case_id: i64, patrol_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE cases SET patrol_id = $1 WHERE id = $2")
        .bind(patrol_id)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get_case(store: &Store, id: i64) -> Result<Option<CaseRow>, StoreError> {
    let sql = format!("SELECT {CASE_COLS} FROM cases WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

pub async fn timeline(store: &Store, case_id: i64) -> Result<Vec<EventRow>, StoreError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {EVENT_COLS} FROM case_events WHERE case_id = $1 ORDER BY id"
    )))
    .bind(case_id)
    .fetch_all(store.pool())
    .await?)
}

/// Cases under the scope prefixes, newest first, optionally in one status.
/// What a case list may be narrowed to (every field optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub department: Option<String>,
    /// Words in the description or address.
    pub text: Option<String>,
    /// Only open cases whose step deadline passed before this time.
    pub overdue_at: Option<i64>,
    /// Only cases still in the loop.
    pub open_only: bool,
}

pub async fn list_cases(
    store: &Store,
    prefixes: &[String],
    filter: &CaseFilter,
    before_id: Option<i64>,
    limit: usize,
) -> Result<Page<CaseRow>, StoreError> {
    let first = 8;
    let overdue = match (filter.overdue_at, filter.open_only) {
        (Some(_), _) => {
            "AND status IN ('reported', 'filed', 'dispatched', 'accepted', 'handled') AND step_due_at < $7"
        }
        (None, true) => {
            "AND status IN ('reported', 'filed', 'dispatched', 'accepted', 'handled') AND $7 = $7"
        }
        (None, false) => "AND $7 = $7",
    };
    // A wide scope (a district, the city) or the overdue filter: walk the newest cases (or
    // the status index) and test the grid, rather than sorting every case under the scope by
    // id. A street, community or grid:
    // the grid index range is small.
    let wide = filter.overdue_at.is_some() || prefixes.iter().any(|p| p.len() <= 6);
    let grid_col = if wide { GRID_UNINDEXED } else { "grid_code" };
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE id < $1 AND status LIKE $2 AND category_code LIKE $3 \
         AND channel LIKE $4 AND COALESCE(department, '') LIKE $5 AND (description LIKE $6 OR address LIKE $6) {overdue} \
         AND {} ORDER BY id DESC LIMIT {}",
        prefix_clause(grid_col, prefixes, first),
        limit + 1
    );
    let like = |v: &Option<String>| v.clone().unwrap_or_else(|| "%".into());
    let text = filter
        .text
        .as_deref()
        .map(|t| format!("%{}%", t.replace(['%', '_'], "")))
        .unwrap_or_else(|| "%".into());
    let mut q = sqlx::query_as(AssertSqlSafe(sql))
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(like(&filter.status))
        .bind(like(&filter.category))
        .bind(like(&filter.channel))
        .bind(like(&filter.department))
        .bind(text)
        .bind(filter.overdue_at.unwrap_or(0));
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let items: Vec<CaseRow> = q.fetch_all(store.pool()).await?;
    Ok(page(items, limit, |c| c.id.to_string()))
}

/// How a numbered page of cases is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// The newest first.
    #[default]
    Newest,
    /// The earliest step deadline first (the longest overdue at the top), then by number.
    Deadline,
}

const OPEN_STATUSES: &str = "('reported', 'filed', 'dispatched', 'accepted', 'handled')";

/// A value bound to a numbered placeholder.
enum Bind {
    Int(i64),
    Text(String),
}

/// The conditions of a filter that sets them, with their values in placeholder order.
#[derive(Default)]
struct Terms {
    sql: Vec<String>,
    binds: Vec<Bind>,
}

impl Terms {
    fn int(&mut self, v: i64) -> String {
        self.binds.push(Bind::Int(v));
        format!("${}", self.binds.len())
    }

    fn text(&mut self, v: impl Into<String>) -> String {
        self.binds.push(Bind::Text(v.into()));
        format!("${}", self.binds.len())
    }

    fn clause(&self) -> String {
        if self.sql.is_empty() {
            "1 = 1".into()
        } else {
            self.sql.join(" AND ")
        }
    }
}

/// Binds `terms`' values, in order, onto a query.
macro_rules! bind_terms {
    ($q:expr, $terms:expr) => {{
        let mut q = $q;
        for b in $terms.binds {
            q = match b {
                Bind::Int(v) => q.bind(v),
                Bind::Text(v) => q.bind(v),
            };
        }
        q
    }};
}

/// What is being asked of the filter's rows: which index should answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A page in order: the rows are walked in order (by number, or by deadline for the
    /// overdue), and a small scope comes from the grid index.
    List,
    /// How many: the scope's grid index range answers (with the status in the same index),
    /// or, for the overdue of a wide scope, the status-and-deadline index.
    Count,
}

/// Only the conditions the filter sets. Everything but the scope, the department and the
/// deadline is written so that no index answers it (`(col || '') = $n`), so the planner takes
/// the index meant for the purpose instead of one that would make it sort or look up most rows.
fn filter_terms(prefixes: &[String], filter: &CaseFilter, purpose: Purpose) -> Terms {
    let mut t = Terms::default();
    let wide = prefixes.iter().any(|p| p.len() <= 6);
    for (col, value) in [
        ("status", &filter.status),
        ("category_code", &filter.category),
        ("channel", &filter.channel),
    ] {
        if let Some(v) = value {
            let p = t.text(v.clone());
            t.sql.push(format!("({col} || '') = {p}"));
        }
    }
    if let Some(d) = &filter.department {
        let p = t.text(d.clone());
        t.sql.push(match purpose {
            Purpose::Count => format!("department = {p}"),
            Purpose::List => format!("(department || '') = {p}"),
        });
    }
    if let Some(text) = &filter.text {
        let p = t.text(format!("%{}%", text.replace(['%', '_'], "")));
        t.sql
            .push(format!("(description LIKE {p} OR address LIKE {p})"));
    }
    if let Some(at) = filter.overdue_at {
        let p = t.int(at);
        t.sql.push(format!(
            "status IN {OPEN_STATUSES} AND step_due_at IS NOT NULL AND step_due_at < {p}"
        ));
    } else if filter.open_only {
        t.sql.push(format!("(status || '') IN {OPEN_STATUSES}"));
    }
    let grid_col = match purpose {
        Purpose::List if wide || filter.overdue_at.is_some() => GRID_UNINDEXED,
        Purpose::Count if wide && filter.overdue_at.is_some() => GRID_UNINDEXED,
        _ => "grid_code",
    };
    if prefixes.is_empty() {
        t.sql.push("1 = 0".into());
    } else {
        let mut scope = Vec::with_capacity(prefixes.len());
        for p in prefixes {
            let (lo, hi) = (t.text(p.clone()), t.text(upper_bound(p)));
            scope.push(format!("({grid_col} >= {lo} AND {grid_col} < {hi})"));
        }
        t.sql.push(format!("({})", scope.join(" OR ")));
    }
    t
}

/// One numbered page of the cases under the scope prefixes that match `filter`: `limit` rows
/// after the first `offset`, in `order`. `count_cases` counts the same rows.
pub async fn list_cases_page(
    store: &Store,
    prefixes: &[String],
    filter: &CaseFilter,
    order: CaseOrder,
    offset: usize,
    limit: usize,
) -> Result<Vec<CaseRow>, StoreError> {
    let terms = filter_terms(prefixes, filter, Purpose::List);
    let order = match order {
        CaseOrder::Newest => "id DESC",
        CaseOrder::Deadline => "step_due_at, id",
    };
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE {} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        terms.clause()
    );
    let q = bind_terms!(sqlx::query_as(AssertSqlSafe(sql)), terms);
    Ok(q.fetch_all(store.pool()).await?)
}

/// How many cases under the scope prefixes match `filter` (the rows `list_cases_page` pages
/// through).
pub async fn count_cases(
    store: &Store,
    prefixes: &[String],
    filter: &CaseFilter,
) -> Result<i64, StoreError> {
    let terms = filter_terms(prefixes, filter, Purpose::Count);
    let sql = format!("SELECT COUNT(*) FROM cases WHERE {}", terms.clause());
    let q = bind_terms!(sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql)), terms);
    Ok(q.fetch_one(store.pool()).await?.0)
}

/// One numbered page of the cases `reporter_id` reported, newest first.
pub async fn reported_by_page(
    store: &Store,
    reporter_id: i64,
    offset: usize,
    limit: usize,
) -> Result<Vec<CaseRow>, StoreError> {
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE reporter_id = $1 ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(reporter_id)
        .fetch_all(store.pool())
        .await?)
}

/// How many cases `reporter_id` reported (from the reporter index).
pub async fn count_reported_by(store: &Store, reporter_id: i64) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases WHERE reporter_id = $1")
        .bind(reporter_id)
        .fetch_one(store.pool())
        .await?;
    Ok(n)
}

/// The cases with these numbers (any order; unknown numbers are left out).
pub async fn cases_by_ids(store: &Store, ids: &[i64]) -> Result<Vec<CaseRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE id IN ({})",
        crate::db::Placeholders::for_store(store).list(ids.len())
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(store.pool()).await?)
}

/// Open cases of one category reported since `since` inside a lon/lat box (the caller
/// measures exact distances).
pub async fn candidates_near(
    store: &Store,
    category: &str,
    since: i64,
    bbox: [f64; 4],
) -> Result<Vec<CaseRow>, StoreError> {
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE category_code = $1 AND reported_at >= $2 \
         AND lon >= $3 AND lat >= $4 AND lon <= $5 AND lat <= $6 \
         AND status NOT IN ('closed', 'cancelled', 'merged') ORDER BY id DESC LIMIT 50"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(category)
        .bind(since)
        .bind(bbox[0])
        .bind(bbox[1])
        .bind(bbox[2])
        .bind(bbox[3])
        .fetch_all(store.pool())
        .await?)
}

/// Records a "me too"; `false` if this user already supported the case.
pub async fn add_support(
    conn: &mut Conn,
    case_id: i64,
    user_id: i64,
    at: i64,
    note: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO case_supports (case_id, user_id, at, note) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(case_id)
    .bind(user_id)
    .bind(at)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn support_count(store: &Store, case_id: i64) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM case_supports WHERE case_id = $1")
        .bind(case_id)
        .fetch_one(store.pool())
        .await?;
    Ok(n)
}

/// Open cases whose step deadline falls before `until` (nearing or past).
pub async fn due_before(
    store: &Store,
    until: i64,
    limit: usize,
) -> Result<Vec<CaseRow>, StoreError> {
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE status NOT IN ('closed', 'cancelled', 'merged') \
         AND step_due_at IS NOT NULL AND step_due_at < $1 ORDER BY step_due_at LIMIT {limit}"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(until)
        .fetch_all(store.pool())
        .await?)
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub case_id: Option<i64>,
    pub kind: String,
    pub message: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Adds a notification once per `dedupe_key` (a warning is not repeated every scan).
pub async fn notify(
    store: &Store,
    user_id: i64,
    case_id: Option<i64>,
    kind: &str,
    message: &str,
    dedupe_key: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO notifications (user_id, case_id, kind, message, created_at, read_at, dedupe_key) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(case_id)
    .bind(kind)
    .bind(message)
    .bind(at)
    .bind(dedupe_key)
    .execute(store.pool())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Notifies each of `users` once (per `dedupe_key` and user), on the caller's transaction.
pub async fn notify_in(
    conn: &mut Conn,
    users: &[i64],
    case_id: i64,
    kind: &str,
    message: &str,
    dedupe_key: &str,
    at: i64,
) -> Result<(), StoreError> {
    for user in users {
        sqlx::query(
            "INSERT INTO notifications (user_id, case_id, kind, message, created_at, read_at, dedupe_key) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6) ON CONFLICT DO NOTHING",
        )
        .bind(user)
        .bind(case_id)
        .bind(kind)
        .bind(message)
        .bind(at)
        .bind(format!("{dedupe_key}:{user}"))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Active users holding `role` bound exactly at `node`, on the caller's transaction.
pub async fn users_bound_at(
    conn: &mut Conn,
    role: &str,
    node: &str,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT b.user_id FROM role_bindings b JOIN users u ON u.id = b.user_id \
         WHERE b.role = $1 AND b.node_code = $2 AND u.disabled = 0 ORDER BY b.user_id",
    )
    .bind(role)
    .bind(node)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// How many unread notifications `user_id` has.
pub async fn unread_count(store: &Store, user_id: i64) -> Result<i64, StoreError> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(store.pool())
            .await?;
    Ok(n)
}

/// Marks all of a user's notifications read.
pub async fn mark_all_read(store: &Store, user_id: i64, at: i64) -> Result<u64, StoreError> {
    let r =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(at)
            .bind(user_id)
            .execute(store.pool())
            .await?;
    Ok(r.rows_affected())
}

pub async fn notifications(
    store: &Store,
    user_id: i64,
    unread_only: bool,
    before_id: Option<i64>,
    limit: usize,
) -> Result<Page<NotificationRow>, StoreError> {
    let sql = format!(
        "SELECT id, user_id, case_id, kind, message, created_at, read_at FROM notifications \
         WHERE user_id = $1 AND id < $2 {} ORDER BY id DESC LIMIT {}",
        if unread_only {
            "AND read_at IS NULL"
        } else {
            ""
        },
        limit + 1
    );
    let items: Vec<NotificationRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(before_id.unwrap_or(i64::MAX))
        .fetch_all(store.pool())
        .await?;
    Ok(page(items, limit, |n| n.id.to_string()))
}

/// One of the user's notifications.
pub async fn notification(
    store: &Store,
    user_id: i64,
    id: i64,
) -> Result<Option<NotificationRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, case_id, kind, message, created_at, read_at FROM notifications WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(store.pool())
    .await?)
}

/// Marks one of the user's notifications read; `false` if there is no such notification.
pub async fn mark_read(store: &Store, user_id: i64, id: i64, at: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
    )
    .bind(at)
    .bind(id)
    .bind(user_id)
    .execute(store.pool())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Users holding `role` bound exactly at `node` (who to notify for a grid or a district).
pub async fn users_with_role_at(
    store: &Store,
    role: &str,
    node: &str,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT b.user_id FROM role_bindings b JOIN users u ON u.id = b.user_id \
         WHERE b.role = $1 AND b.node_code = $2 AND u.disabled = 0",
    )
    .bind(role)
    .bind(node)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct MediaRow {
    pub hash: String,
    pub mime: String,
    pub bytes: i64,
    pub width: i64,
    pub height: i64,
    pub created_by: i64,
    pub created_at: i64,
}

/// Records an uploaded file once per content hash; `false` if it was already there.
pub async fn insert_media(store: &Store, m: &MediaRow) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO media (hash, mime, bytes, width, height, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&m.hash)
    .bind(&m.mime)
    .bind(m.bytes)
    .bind(m.width)
    .bind(m.height)
    .bind(m.created_by)
    .bind(m.created_at)
    .execute(store.pool())
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get_media(store: &Store, hash: &str) -> Result<Option<MediaRow>, StoreError> {
    Ok(sqlx::query_as("SELECT hash, mime, bytes, width, height, created_by, created_at FROM media WHERE hash = $1")
        .bind(hash)
        .fetch_optional(store.pool())
        .await?)
}

/// A record (or an upload) that holds a photo; the photo may be read by whoever may read one
/// of its holders.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct MediaHolder {
    /// `upload`, `case`, …
    pub holder: String,
    pub holder_id: i64,
    /// Where the holder lies ('' for an upload, which only its owner reads).
    pub node_code: String,
    /// The person the holder belongs to (the uploader, the case's reporter).
    pub owner_id: i64,
}

/// Records that `holder` #`holder_id` at `node_code` holds each of `hashes`.
pub async fn link_media(
    conn: &mut Conn,
    hashes: &[String],
    holder: &str,
    holder_id: i64,
    node_code: &str,
    owner_id: i64,
) -> Result<(), StoreError> {
    for hash in hashes {
        sqlx::query(
            "INSERT INTO media_links (hash, holder, holder_id, node_code, owner_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(hash)
        .bind(holder)
        .bind(holder_id)
        .bind(node_code)
        .bind(owner_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn media_holders(store: &Store, hash: &str) -> Result<Vec<MediaHolder>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT holder, holder_id, node_code, owner_id FROM media_links WHERE hash = $1 ORDER BY holder, holder_id",
    )
    .bind(hash)
    .fetch_all(store.pool())
    .await?)
}

/// Grids where at least `min` cases of one category were reported since `since`: (grid,
/// category, count), the biggest first.
pub async fn clusters(
    store: &Store,
    prefixes: &[String],
    since: i64,
    min: i64,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let sql = format!(
        "SELECT grid_code, category_code, COUNT(*) AS n FROM cases WHERE reported_at >= $1 AND $2 > 0 AND {} \
         GROUP BY grid_code, category_code HAVING COUNT(*) >= $2 ORDER BY n DESC, grid_code LIMIT 20",
        // Recent reports come from the time index.
        prefix_clause(GRID_UNINDEXED, prefixes, 3)
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(since).bind(min);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(q.fetch_all(store.pool()).await?)
}

/// Places (cells of `cell` degrees) with at least `min` reports since `since`: (cell centre
/// lon, lat, count, newest case id), the biggest first.
pub async fn repeated_places(
    store: &Store,
    prefixes: &[String],
    since: i64,
    cell: f64,
    min: i64,
) -> Result<Vec<(f64, f64, i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT CAST(ROUND(lon / $3) AS BIGINT) AS x, CAST(ROUND(lat / $3) AS BIGINT) AS y, COUNT(*) AS n, MAX(id) \
         FROM cases WHERE reported_at >= $1 AND lon IS NOT NULL AND lat IS NOT NULL AND {} \
         GROUP BY x, y HAVING COUNT(*) >= $2 ORDER BY n DESC LIMIT 20",
        prefix_clause(GRID_UNINDEXED, prefixes, 4)
    );
    let mut q = sqlx::query_as::<_, (i64, i64, i64, i64)>(AssertSqlSafe(sql))
        .bind(since)
        .bind(min)
        .bind(cell);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(q.fetch_all(store.pool())
        .await?
        .into_iter()
        .map(|(x, y, n, id)| (x as f64 * cell, y as f64 * cell, n, id))
        .collect())
}

/// Cases for Open311 `GET requests`: by ids (then nothing else applies), or reported in
/// [from, to) with an optional category and statuses; newest first.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery<'a> {
    pub ids: &'a [i64],
    pub category: Option<&'a str>,
    pub statuses: &'a [&'a str],
    pub from: i64,
    pub to: i64,
    pub limit: usize,
}

pub async fn open311_requests(
    store: &Store,
    prefixes: &[String],
    r: &RequestQuery<'_>,
) -> Result<Vec<CaseRow>, StoreError> {
    let RequestQuery {
        ids,
        category,
        statuses,
        from,
        to,
        limit,
    } = *r;
    let mut placeholder = crate::db::Placeholders::for_store(store);
    let mut sql = format!("SELECT {CASE_COLS} FROM cases WHERE ");
    let mut ints: Vec<i64> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    if !ids.is_empty() {
        sql.push_str(&format!("id IN ({})", placeholder.list(ids.len())));
        ints.extend(ids);
    } else {
        sql.push_str(&format!(
            "reported_at >= {} AND reported_at < {}",
            placeholder.next_one(),
            placeholder.next_one()
        ));
        ints.extend([from, to]);
    }
    let mut text_clauses = Vec::new();
    if ids.is_empty() {
        if let Some(c) = category {
            text_clauses.push(format!("category_code = {}", placeholder.next_one()));
            texts.push(c.to_string());
        }
        if !statuses.is_empty() {
            text_clauses.push(format!("status IN ({})", placeholder.list(statuses.len())));
            texts.extend(statuses.iter().map(|s| s.to_string()));
        }
    }
    let mut scope = Vec::new();
    for p in prefixes {
        scope.push(format!(
            "({GRID_UNINDEXED} >= {} AND {GRID_UNINDEXED} < {})",
            placeholder.next_one(),
            placeholder.next_one()
        ));
        texts.push(p.clone());
        texts.push(upper_bound(p));
    }
    for c in text_clauses {
        sql.push_str(&format!(" AND {c}"));
    }
    sql.push_str(&format!(
        " AND ({}) ORDER BY reported_at DESC, id DESC LIMIT {limit}",
        if scope.is_empty() {
            "1 = 0".to_string()
        } else {
            scope.join(" OR ")
        }
    ));
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for i in ints {
        q = q.bind(i);
    }
    for t in texts {
        q = q.bind(t);
    }
    Ok(q.fetch_all(store.pool()).await?)
}

/// Timeline events in [from, to), oldest first (Open311 `servicerequestupdates`).
pub async fn events_between(
    store: &Store,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {EVENT_COLS} FROM case_events WHERE at >= $1 AND at < $2 ORDER BY at, id LIMIT $3"
    )))
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(store.pool())
    .await?)
}

/// The timelines of several cases at once, in event order.
pub async fn timelines(store: &Store, ids: &[i64]) -> Result<Vec<EventRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {EVENT_COLS} FROM case_events WHERE case_id IN ({}) ORDER BY case_id, id",
        crate::db::Placeholders::for_store(store).list(ids.len())
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(store.pool()).await?)
}
