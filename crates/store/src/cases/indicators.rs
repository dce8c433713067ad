//! Indicator figures: from the daily rollups when the period is made of whole Beijing days and
//! the node is a community or above (the dashboard path, never a scan of all cases), and from
//! the case rows and the timeline otherwise. Both give the same numbers; a test proves it.

use super::{CaseRow, EventRow};
use crate::db::{Conn, Placeholders, Store, StoreError};
use crate::scope::{GRID_UNINDEXED, STATUS_UNINDEXED, narrow_scope, prefix_clause, upper_bound};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use tongxin_core::cases::indicators::{
    CATEGORY_DIM, CITY_CATEGORY_DIM, CITY_DEPARTMENT_DIM, CITY_LEN, COMMUNITY_LEN,
    COMMUNITY_TOTAL_DIM, CaseFacts, Counts, DEPARTMENT_DIM, DISTRICT_LEN, DISTRICT_TOTAL_DIM,
    EventFacts, MONTHLY_CATEGORY_DIM, MONTHLY_CITY_CATEGORY_DIM, RollupKey, Tally, china_day,
    day_start, event_counts, is_day_boundary, split_months,
};

const OPEN_STATUSES: &str = "'reported', 'filed', 'dispatched', 'accepted', 'handled'";

impl CaseRow {
    pub fn facts(&self) -> CaseFacts<'_> {
        CaseFacts {
            grid_code: &self.grid_code,
            category: &self.category_code,
            department: self.department.as_deref(),
            status: self.status.as_str(),
            reported_at: self.reported_at,
            dispatched_at: self.dispatched_at,
            closed_at: self.closed_at,
            handle_due_at: self.handle_due_at,
            rating: self.rating.as_deref(),
            rework_count: self.rework_count,
        }
    }
}

impl EventRow {
    pub fn facts(&self) -> EventFacts<'_> {
        EventFacts {
            command: &self.command,
            to_status: &self.to_status,
            at: self.at,
            step_due_at: self.step_due_at,
        }
    }
}

/// Adds `tally` to the rollup table (call inside the transaction that made the change).
pub async fn apply(conn: &mut Conn, tally: &Tally) -> Result<(), StoreError> {
    let rows: Vec<_> = tally.rows().collect();
    let fields = Counts::FIELDS;
    let per_row = 3 + fields.len();
    // Anonymous placeholders on SQLite: binding many numbered ones is quadratic there.
    let mut placeholder = Placeholders::for_conn(conn);
    for chunk in rows.chunks(500) {
        placeholder.reset();
        let values: Vec<String> = chunk
            .iter()
            .map(|_| {
                let ph: Vec<String> = (0..per_row).map(|_| placeholder.next_one()).collect();
                format!("({})", ph.join(", "))
            })
            .collect();
        let updates: Vec<String> = fields
            .iter()
            .map(|f| format!("{f} = case_rollups.{f} + excluded.{f}"))
            .collect();
        let sql = format!(
            "INSERT INTO case_rollups (dim, node, day, {}) VALUES {} ON CONFLICT (dim, node, day) DO UPDATE SET {}",
            fields.join(", "),
            values.join(", "),
            updates.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, counts) in chunk {
            q = q.bind(key.dim.clone()).bind(key.node.clone()).bind(key.day);
            for v in counts.values() {
                q = q.bind(v);
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

fn sums(prefix: &str) -> String {
    Counts::FIELDS
        .iter()
        .map(|f| format!("CAST(COALESCE(SUM({prefix}{f}), 0) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn counts_at(row: &AnyRow, first: usize) -> Result<Counts, StoreError> {
    let values = (0..Counts::FIELDS.len())
        .map(|i| row.try_get::<i64, _>(first + i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Counts::from_values(&values))
}

/// Whether the rollups kept for nodes of `node_len` can answer for these prefixes over
/// [from, to): whole Beijing days, and no prefix finer than those nodes.
fn rollups_serve(prefixes: &[String], from: i64, to: i64, node_len: usize) -> bool {
    is_day_boundary(from) && is_day_boundary(to) && prefixes.iter().all(|p| p.len() <= node_len)
}

/// The coarsest totals that answer for `prefixes`: district rows, else community rows.
fn totals_dim(prefixes: &[String], from: i64, to: i64) -> Option<&'static str> {
    if rollups_serve(prefixes, from, to, DISTRICT_LEN) {
        Some(DISTRICT_TOTAL_DIM)
    } else if rollups_serve(prefixes, from, to, COMMUNITY_LEN) {
        Some(COMMUNITY_TOTAL_DIM)
    } else {
        None
    }
}

/// The indicators of the nodes under `prefixes` over [from, to).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Indicators {
    pub counts: Counts,
    /// Open cases past their current step deadline at the time of asking.
    pub open_overdue: i64,
    /// "rollup" or "timeline": where the figures came from.
    pub source: &'static str,
}

pub async fn indicators(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
    now: i64,
) -> Result<Indicators, StoreError> {
    let (counts, source) = match totals_dim(prefixes, from, to) {
        Some(dim) => (
            rollup_totals(store, prefixes, from, to, dim).await?,
            "rollup",
        ),
        None if tallied_here(prefixes, from, to) => {
            let tally = narrow_tally(store, prefixes, china_day(from), china_day(to)).await?;
            (tally.totals(), "grid tally")
        }
        None => (
            timeline_totals(store, prefixes, from, to).await?,
            "timeline",
        ),
    };
    Ok(Indicators {
        counts,
        open_overdue: open_overdue(store, prefixes, now).await?,
        source,
    })
}

async fn rollup_totals(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
    dim: &str,
) -> Result<Counts, StoreError> {
    let sql = format!(
        "SELECT {} FROM case_rollups WHERE dim = $1 AND day >= $2 AND day < $3 AND {}",
        sums(""),
        prefix_clause("node", prefixes, 4)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(dim.to_string())
        .bind(china_day(from))
        .bind(china_day(to));
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    counts_at(&q.fetch_one(store.pool()).await?, 0)
}

/// Per case, the contributions to [from, to) as SQL columns in `Counts::FIELDS` order (the
/// event-based fields are zero here and come from `event_totals`).
fn case_columns() -> String {
    let r = "reported_at >= $1 AND reported_at < $2";
    let c = "closed_at >= $1 AND closed_at < $2";
    let d = "handle_due_at >= $1 AND handle_due_at < $2";
    let sum = |cond: String, value: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN {value} ELSE 0 END), 0) AS BIGINT)")
    };
    Counts::FIELDS
        .iter()
        .map(|f| match *f {
            "reported" => sum(r.into(), "1"),
            "rework_of_reported" => sum(r.into(), "rework_count"),
            "reports_decided" => sum(format!("{r} AND status <> 'reported'"), "1"),
            "reports_confirmed" => sum(
                format!("{r} AND status NOT IN ('reported', 'cancelled', 'merged')"),
                "1",
            ),
            "closed" => sum(c.into(), "1"),
            "closed_late" => sum(
                format!("{c} AND handle_due_at IS NOT NULL AND closed_at > handle_due_at"),
                "1",
            ),
            "rated" => sum(format!("{c} AND rating IS NOT NULL"), "1"),
            "satisfied" => sum(format!("{c} AND rating = 'satisfied'"), "1"),
            "handled_closed" => sum(format!("{c} AND dispatched_at IS NOT NULL"), "1"),
            "handling_ms_total" => sum(
                format!("{c} AND dispatched_at IS NOT NULL"),
                "closed_at - dispatched_at",
            ),
            "due" => sum(d.into(), "1"),
            "closed_on_time" => sum(
                format!("{d} AND closed_at IS NOT NULL AND closed_at <= handle_due_at"),
                "1",
            ),
            _ => "CAST(0 AS BIGINT)".into(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

const TOUCHES_PERIOD: &str =
    "(reported_at >= $1 OR closed_at >= $1 OR handle_due_at >= $1) AND reported_at < $2";

pub async fn timeline_totals(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
) -> Result<Counts, StoreError> {
    let sql = format!(
        "SELECT {} FROM cases WHERE {TOUCHES_PERIOD} AND {}",
        case_columns(),
        prefix_clause("grid_code", prefixes, 3)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(from).bind(to);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let mut counts = counts_at(&q.fetch_one(store.pool()).await?, 0)?;
    counts += event_totals(store, prefixes, from, to).await?;
    Ok(counts)
}

async fn event_totals(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
) -> Result<Counts, StoreError> {
    let sql = format!(
        "SELECT e.command, e.to_status, COUNT(*), \
         CAST(SUM(CASE WHEN e.step_due_at IS NULL OR e.at <= e.step_due_at THEN 1 ELSE 0 END) AS BIGINT) \
         FROM case_events e JOIN cases c ON c.id = e.case_id \
         WHERE e.at >= $1 AND e.at < $2 AND {} GROUP BY e.command, e.to_status",
        prefix_clause("c.grid_code", prefixes, 3)
    );
    let mut q = sqlx::query_as::<_, (String, String, i64, i64)>(AssertSqlSafe(sql))
        .bind(from)
        .bind(to);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let mut counts = Counts::default();
    for (command, to_status, n, on_time) in q.fetch_all(store.pool()).await? {
        counts += event_counts(&command, &to_status, n, on_time);
    }
    Ok(counts)
}

async fn open_overdue(store: &Store, prefixes: &[String], now: i64) -> Result<i64, StoreError> {
    // Through the status index (open cases are few next to all cases), unless the scope is a
    // community or a grid, whose cases the grid index finds at once.
    let (status, grid) = if narrow_scope(prefixes) {
        (STATUS_UNINDEXED, "grid_code")
    } else {
        ("status", GRID_UNINDEXED)
    };
    let sql = format!(
        "SELECT COUNT(*) FROM cases WHERE {status} IN ({OPEN_STATUSES}) AND step_due_at < $1 AND $2 = $2 AND {}",
        prefix_clause(grid, prefixes, 3)
    );
    let mut q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql))
        .bind(now)
        .bind(0i64);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(q.fetch_one(store.pool()).await?.0)
}

/// What a breakdown can be grouped by (the column names are fixed here, never taken from input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Department,
    Category,
    Reporter,
    Grid,
}

impl Breakdown {
    fn column(self) -> &'static str {
        match self {
            Breakdown::Department => "department",
            Breakdown::Category => "category_code",
            Breakdown::Reporter => "CAST(reporter_id AS TEXT)",
            Breakdown::Grid => "grid_code",
        }
    }

    /// The rollup rows kept for this breakdown: (dimension prefix, node length), coarsest
    /// first.
    fn rollup_dims(self) -> &'static [(&'static str, usize)] {
        match self {
            Breakdown::Department => &[
                (CITY_DEPARTMENT_DIM, CITY_LEN),
                (DEPARTMENT_DIM, DISTRICT_LEN),
            ],
            Breakdown::Category => &[(CITY_CATEGORY_DIM, CITY_LEN), (CATEGORY_DIM, DISTRICT_LEN)],
            Breakdown::Reporter | Breakdown::Grid => &[],
        }
    }

    /// The rows of a grid's own tally that hold this breakdown.
    fn tally_dim(self) -> Option<&'static str> {
        match self {
            Breakdown::Department => Some(DEPARTMENT_DIM),
            Breakdown::Category => Some(CATEGORY_DIM),
            Breakdown::Reporter | Breakdown::Grid => None,
        }
    }
}

/// One group of a breakdown: the case-based counts (event counts are not broken down).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BreakdownRow {
    pub key: Option<String>,
    pub counts: Counts,
}

/// Per group: cases reported in [from, to), closed in it, due in it, closed on time, the
/// rework count of the cases reported in it and how many of its reports were confirmed.
pub async fn breakdown(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
    by: Breakdown,
) -> Result<Vec<BreakdownRow>, StoreError> {
    let dim = by
        .rollup_dims()
        .iter()
        .find(|(_, len)| rollups_serve(prefixes, from, to, *len));
    let rows = match dim {
        Some((dim, _)) => rollup_breakdown(store, prefixes, from, to, dim).await?,
        None if tallied_here(prefixes, from, to) && by.tally_dim().is_some() => {
            let dim = by.tally_dim().unwrap_or_default();
            narrow_tally(store, prefixes, china_day(from), china_day(to))
                .await?
                .breakdown(dim)
        }
        None => timeline_breakdown(store, prefixes, from, to, by).await?,
    };
    let mut rows: Vec<BreakdownRow> = rows.into_iter().filter(|r| !r.counts.is_zero()).collect();
    // One order on every engine (PostgreSQL sorts NULL last, SQLite first): no key first.
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(rows)
}

async fn rollup_breakdown(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
    dim: &str,
) -> Result<Vec<BreakdownRow>, StoreError> {
    let sql = format!(
        "SELECT dim, {} FROM case_rollups WHERE dim >= $1 AND dim < $2 AND day >= $3 AND day < $4 AND {} \
         GROUP BY dim ORDER BY dim",
        sums(""),
        prefix_clause("node", prefixes, 5)
    );
    let dim_end = format!("{};", &dim[..dim.len() - 1]);
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(dim.to_string())
        .bind(dim_end)
        .bind(china_day(from))
        .bind(china_day(to));
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let mut out = Vec::new();
    for row in q.fetch_all(store.pool()).await? {
        let full: String = row.try_get(0)?;
        let key = full[dim.len()..].to_string();
        out.push(BreakdownRow {
            key: (!key.is_empty()).then_some(key),
            counts: case_part(counts_at(&row, 1)?),
        });
    }
    Ok(out)
}

/// Only the case-based fields (the rollup's breakdown rows hold nothing else, but be explicit).
fn case_part(c: Counts) -> Counts {
    Counts {
        reported: c.reported,
        closed: c.closed,
        closed_late: c.closed_late,
        due: c.due,
        closed_on_time: c.closed_on_time,
        rated: c.rated,
        satisfied: c.satisfied,
        handled_closed: c.handled_closed,
        handling_ms_total: c.handling_ms_total,
        rework_of_reported: c.rework_of_reported,
        reports_decided: c.reports_decided,
        reports_confirmed: c.reports_confirmed,
        ..Counts::default()
    }
}

pub async fn timeline_breakdown(
    store: &Store,
    prefixes: &[String],
    from: i64,
    to: i64,
    by: Breakdown,
) -> Result<Vec<BreakdownRow>, StoreError> {
    let col = by.column();
    let sql = format!(
        "SELECT {col} AS key, {} FROM cases WHERE {TOUCHES_PERIOD} AND {} GROUP BY {col} ORDER BY {col}",
        case_columns(),
        prefix_clause("grid_code", prefixes, 3)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(from).bind(to);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let mut out = Vec::new();
    for row in q.fetch_all(store.pool()).await? {
        out.push(BreakdownRow {
            key: row.try_get::<Option<String>, _>(0)?,
            counts: counts_at(&row, 1)?,
        });
    }
    Ok(out)
}

/// Bumped when the rollups gain rows (v2: monthly category rows), so they are rebuilt once.
const ROLLUPS_BUILT: &str = "case_rollups_built_v2";

/// Builds the rollups from the cases and the timeline once (a database made before they
/// existed); a no-op afterwards.
pub async fn ensure_rollups(store: &Store) -> Result<(), StoreError> {
    if store.setting(ROLLUPS_BUILT).await?.is_some() {
        return Ok(());
    }
    rebuild(store).await?;
    store.set_setting(ROLLUPS_BUILT, "1").await
}

/// Recomputes every rollup row from the cases and the timeline, in one transaction.
pub async fn rebuild(store: &Store) -> Result<(), StoreError> {
    let mut tally = Tally::default();
    let mut last = 0i64;
    loop {
        let sql = format!(
            "SELECT {} FROM cases WHERE id > $1 ORDER BY id LIMIT 20000",
            super::CASE_COLS
        );
        let batch: Vec<CaseRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(last)
            .fetch_all(store.pool())
            .await?;
        let Some(tail) = batch.last() else { break };
        last = tail.id;
        for c in &batch {
            tally.add_case(&c.facts());
        }
    }
    let mut last = 0i64;
    loop {
        let batch: Vec<(i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT e.id, c.grid_code, e.command, e.to_status, e.at, e.step_due_at FROM case_events e \
             JOIN cases c ON c.id = e.case_id WHERE e.id > $1 ORDER BY e.id LIMIT 50000",
        )
        .bind(last)
        .fetch_all(store.pool())
        .await?;
        let Some(tail) = batch.last() else { break };
        last = tail.0;
        for (_, grid, command, to_status, at, step_due_at) in &batch {
            tally.add_event(
                grid,
                &EventFacts {
                    command,
                    to_status,
                    at: *at,
                    step_due_at: *step_due_at,
                },
            );
        }
    }
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM case_rollups")
        .execute(&mut *tx)
        .await?;
    apply(&mut tx, &tally).await?;
    tx.commit().await
}

/// Totals per Beijing day over [from_day, to_day) for the nodes under `prefixes` (community
/// or above), from the rollups: the trend lines of the indicators page.
pub async fn daily(
    store: &Store,
    prefixes: &[String],
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(i64, Counts)>, StoreError> {
    if finer_than_rollups(prefixes) {
        return Ok(narrow_tally(store, prefixes, from_day, to_day)
            .await?
            .by_day());
    }
    let dim = if prefixes.iter().all(|p| p.len() <= DISTRICT_LEN) {
        DISTRICT_TOTAL_DIM
    } else {
        COMMUNITY_TOTAL_DIM
    };
    let sql = format!(
        "SELECT day, {} FROM case_rollups WHERE dim = $1 AND day >= $2 AND day < $3 AND {} GROUP BY day ORDER BY day",
        sums(""),
        prefix_clause("node", prefixes, 4)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(dim.to_string())
        .bind(from_day)
        .bind(to_day);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let mut out = Vec::new();
    for row in q.fetch_all(store.pool()).await? {
        out.push((row.try_get::<i64, _>(0)?, counts_at(&row, 1)?));
    }
    Ok(out)
}

/// Per child node (districts under the city, communities under a district or street) over
/// whole days, from the rollups: reported, due and closed on time (the bars of 按期结案率; only
/// those columns are summed).
pub async fn by_child(
    store: &Store,
    prefix: &str,
    child_len: usize,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(String, Counts)>, StoreError> {
    let (dim, node_len) = if child_len <= DISTRICT_LEN {
        (DISTRICT_TOTAL_DIM, DISTRICT_LEN)
    } else {
        (COMMUNITY_TOTAL_DIM, COMMUNITY_LEN)
    };
    let sql = format!(
        "SELECT node, CAST(SUM(reported) AS BIGINT), CAST(SUM(due) AS BIGINT), CAST(SUM(closed_on_time) AS BIGINT) \
         FROM case_rollups WHERE dim = $1 AND day >= $2 AND day < $3 AND {} GROUP BY node ORDER BY node",
        prefix_clause("node", &[prefix.to_string()], 4)
    );
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(dim.to_string())
        .bind(from_day)
        .bind(to_day)
        .bind(prefix.to_string())
        .bind(upper_bound(prefix))
        .fetch_all(store.pool())
        .await?;
    let mut out: Vec<(String, Counts)> = Vec::new();
    for (node, reported, due, closed_on_time) in rows {
        let key = node
            .get(..child_len.min(node_len))
            .unwrap_or(&node)
            .to_string();
        let counts = Counts {
            reported,
            due,
            closed_on_time,
            ..Counts::default()
        };
        match out.last_mut() {
            Some((k, c)) if *k == key => *c += counts,
            _ => out.push((key, counts)),
        }
    }
    Ok(out)
}

/// Reports per category and Beijing day over [from_day, to_day) from the category rollups
/// (city rows for a city-wide scope, district rows otherwise): (category, day, reported).
pub async fn reported_by_category(
    store: &Store,
    prefixes: &[String],
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let dim = if prefixes.iter().all(|p| p.len() <= CITY_LEN) {
        CITY_CATEGORY_DIM
    } else {
        CATEGORY_DIM
    };
    reported_per_day(store, prefixes, dim, from_day, to_day).await
}

/// Reports per category over whole days [from_day, to_day), the biggest first (the category
/// mix chart): whole months from the monthly rows, the days around them from the daily rows,
/// one column summed.
pub async fn category_mix(
    store: &Store,
    prefixes: &[String],
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let city = prefixes.iter().all(|p| p.len() <= CITY_LEN);
    let (daily, monthly) = if city {
        (CITY_CATEGORY_DIM, MONTHLY_CITY_CATEGORY_DIM)
    } else {
        (CATEGORY_DIM, MONTHLY_CATEGORY_DIM)
    };
    let (before, months, after) = split_months(from_day, to_day);
    let mut totals: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let pieces = [(before, daily), (months, monthly), (after, daily)];
    for (range, dim) in pieces {
        let Some((a, b)) = range else { continue };
        for (category, _, n) in reported_per_day(store, prefixes, dim, a, b).await? {
            *totals.entry(category).or_default() += n;
        }
    }
    let mut out: Vec<(String, i64)> = totals.into_iter().filter(|(_, n)| *n > 0).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// Reports per key of the rows `dim<key>` and per `day` (a day or a month's first day).
async fn reported_per_day(
    store: &Store,
    prefixes: &[String],
    dim: &str,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT dim, day, CAST(SUM(reported) AS BIGINT) FROM case_rollups WHERE dim >= $1 AND dim < $2 \
         AND day >= $3 AND day < $4 AND {} GROUP BY dim, day",
        prefix_clause("node", prefixes, 5)
    );
    let end = format!("{};", &dim[..dim.len() - 1]);
    let mut q = sqlx::query_as::<_, (String, i64, i64)>(AssertSqlSafe(sql))
        .bind(dim.to_string())
        .bind(end)
        .bind(from_day)
        .bind(to_day);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    Ok(q.fetch_all(store.pool())
        .await?
        .into_iter()
        .map(|(d, day, n)| (d[dim.len()..].to_string(), day, n))
        .collect())
}

// --- grids: no rollup rows are kept below a community; a grid's few cases are tallied here --

/// Whether every prefix is finer than the rollups' nodes (a grid or a part of one).
fn finer_than_rollups(prefixes: &[String]) -> bool {
    !prefixes.is_empty() && prefixes.iter().all(|p| p.len() > COMMUNITY_LEN)
}

/// Whether the figures of [from, to) for `prefixes` come from `narrow_tally`: grids over whole
/// days (other periods are counted from the timeline to the millisecond).
fn tallied_here(prefixes: &[String], from: i64, to: i64) -> bool {
    finer_than_rollups(prefixes) && is_day_boundary(from) && is_day_boundary(to)
}

/// What a grid's indicators page shows — totals, the trend by day and the category
/// breakdown over Beijing days [from_day, to_day) — read from one tally of its cases instead of
/// one per figure. `None` for the scopes the rollups answer.
pub async fn grid_page(
    store: &Store,
    prefixes: &[String],
    from_day: i64,
    to_day: i64,
    now: i64,
) -> Result<Option<(Indicators, Vec<(i64, Counts)>, Vec<BreakdownRow>)>, StoreError> {
    if !finer_than_rollups(prefixes) {
        return Ok(None);
    }
    let tally = narrow_tally(store, prefixes, from_day, to_day).await?;
    let figures = Indicators {
        counts: tally.totals(),
        open_overdue: open_overdue(store, prefixes, now).await?,
        source: "grid tally",
    };
    let mut mix: Vec<BreakdownRow> = tally
        .breakdown(CATEGORY_DIM)
        .into_iter()
        .filter(|r| !r.counts.is_zero())
        .collect();
    mix.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Some((figures, tally.by_day(), mix)))
}

/// The rollup rows the cases under `prefixes` would have, over Beijing days [from_day, to_day):
/// the same `Tally` that maintains the rollups, fed with only these cases and their events in
/// the period, so a grid's figures follow the rollups' rules exactly. Both reads start from the
/// grid index (a grid holds hundreds of cases, not the city's million): SQLite keeps the order
/// of a CROSS JOIN, so the events are found through each case rather than through the days.
async fn narrow_tally(
    store: &Store,
    prefixes: &[String],
    from_day: i64,
    to_day: i64,
) -> Result<GridTally, StoreError> {
    let (from, to) = (day_start(from_day), day_start(to_day));
    let scope = prefix_clause("grid_code", prefixes, 3);
    let sql = format!(
        "SELECT {} FROM cases WHERE {TOUCHES_PERIOD} AND {scope}",
        super::CASE_COLS
    );
    let mut q = sqlx::query_as::<_, CaseRow>(AssertSqlSafe(sql))
        .bind(from)
        .bind(to);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    let mut tally = Tally::default();
    for case in q.fetch_all(store.pool()).await? {
        tally.add_case(&case.facts());
    }
    let sql = format!(
        "SELECT c.grid_code, e.command, e.to_status, e.at, e.step_due_at FROM cases c \
         CROSS JOIN case_events e WHERE e.case_id = c.id AND e.at >= $1 AND e.at < $2 AND {}",
        prefix_clause("c.grid_code", prefixes, 3)
    );
    let mut q = sqlx::query_as::<_, (String, String, String, i64, Option<i64>)>(AssertSqlSafe(sql))
        .bind(from)
        .bind(to);
    for p in prefixes {
        q = q.bind(p.clone()).bind(upper_bound(p));
    }
    for (grid, command, to_status, at, step_due_at) in q.fetch_all(store.pool()).await? {
        let event = EventFacts {
            command: &command,
            to_status: &to_status,
            at,
            step_due_at,
        };
        tally.add_event(&grid, &event);
    }
    Ok(GridTally {
        tally,
        from_day,
        to_day,
    })
}

/// A tally read back like the rollup table, limited to its period.
struct GridTally {
    tally: Tally,
    from_day: i64,
    to_day: i64,
}

impl GridTally {
    fn rows<'a>(&'a self, dim: &'a str) -> impl Iterator<Item = (&'a RollupKey, &'a Counts)> + 'a {
        self.tally.rows().filter(move |(k, _)| {
            k.dim.starts_with(dim)
                && (dim != COMMUNITY_TOTAL_DIM || k.dim.is_empty())
                && k.day >= self.from_day
                && k.day < self.to_day
        })
    }

    fn totals(&self) -> Counts {
        let mut sum = Counts::default();
        for (_, c) in self.rows(COMMUNITY_TOTAL_DIM) {
            sum += *c;
        }
        sum
    }

    fn by_day(&self) -> Vec<(i64, Counts)> {
        let mut out: Vec<(i64, Counts)> = Vec::new();
        for (k, c) in self.rows(COMMUNITY_TOTAL_DIM) {
            match out.last_mut() {
                Some((day, sum)) if *day == k.day => *sum += *c,
                _ => out.push((k.day, *c)),
            }
        }
        out.sort_by_key(|(day, _)| *day);
        out
    }

    /// Per key of the `dim<key>` rows (an empty key is "none", as in the rollups).
    fn breakdown(&self, dim: &str) -> Vec<BreakdownRow> {
        let mut groups: std::collections::BTreeMap<String, Counts> = Default::default();
        for (k, c) in self.rows(dim) {
            *groups.entry(k.dim[dim.len()..].to_string()).or_default() += case_part(*c);
        }
        groups
            .into_iter()
            .map(|(key, counts)| BreakdownRow {
                key: (!key.is_empty()).then_some(key),
                counts,
            })
            .collect()
    }
}
