//! 逢四说事: schedules, sessions, attendance, items and their timelines.

use crate::db::{Conn, Store, StoreError, Val, bulk_insert};
use sqlx::{AssertSqlSafe, FromRow};
use tongxin_core::deliberation::items::ItemStatus;

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct ScheduleRow {
    pub community_code: String,
    pub pattern: String,
    pub weekday: Option<i64>,
    pub holiday_rule: String,
    pub start_minute: i64,
    pub duration_minutes: i64,
    pub place: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct SessionRow {
    pub id: i64,
    pub community_code: String,
    pub nominal_date: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub status: String,
    pub residents_present: Option<i64>,
    pub minutes: Option<String>,
    pub held_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SESSION_COLS: &str = "id, community_code, nominal_date, starts_at, ends_at, place, status, \
     residents_present, minutes, held_at, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct AttendeeRow {
    pub session_id: i64,
    pub kind: String,
    pub name: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct ItemRow {
    pub id: i64,
    pub community_code: String,
    pub session_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub topic_area: String,
    pub source: String,
    pub raised_by: i64,
    pub raised_at: i64,
    pub case_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: ItemStatus,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub responsible_unit: Option<String>,
    pub commitment: Option<String>,
    pub due_at: Option<i64>,
    pub referred_case_id: Option<i64>,
    pub result: Option<String>,
    pub satisfied: i64,
    pub unsatisfied: i64,
    pub updated_at: i64,
}

pub const ITEM_COLS: &str = "id, community_code, session_id, title, description, topic_area, source, \
     raised_by, raised_at, case_id, status, answer, answered_by, responsible_unit, commitment, \
     due_at, referred_case_id, result, satisfied, unsatisfied, updated_at";

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct ItemEventRow {
    pub item_id: i64,
    pub at: i64,
    pub actor_id: i64,
    pub actor_label: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
}

pub async fn get_schedule(
    store: &Store,
    community: &str,
) -> Result<Option<ScheduleRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT community_code, pattern, weekday, holiday_rule, start_minute, duration_minutes, place, updated_at \
         FROM session_schedules WHERE community_code = $1",
    )
    .bind(community)
    .fetch_optional(store.pool())
    .await?)
}

pub async fn put_schedule(conn: &mut Conn, s: &ScheduleRow) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM session_schedules WHERE community_code = $1")
        .bind(&s.community_code)
        .execute(&mut *conn)
        .await?;
    put_schedules(conn, std::slice::from_ref(s)).await
}

pub async fn put_schedules(conn: &mut Conn, rows: &[ScheduleRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "session_schedules",
        &[
            "community_code",
            "pattern",
            "weekday",
            "holiday_rule",
            "start_minute",
            "duration_minutes",
            "place",
            "updated_at",
        ],
        rows,
        |s| {
            vec![
                Val::Text(s.community_code.clone()),
                Val::Text(s.pattern.clone()),
                Val::OptInt(s.weekday),
                Val::Text(s.holiday_rule.clone()),
                Val::Int(s.start_minute),
                Val::Int(s.duration_minutes),
                Val::Text(s.place.clone()),
                Val::Int(s.updated_at),
            ]
        },
    )
    .await
}

/// A session to plan: (community, nominal date, starts, ends, place).
pub struct PlannedSession {
    pub community_code: String,
    pub nominal_date: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
}

/// Plans sessions, skipping those already planned at the same start; returns how many were new.
pub async fn plan_sessions(
    conn: &mut Conn,
    planned: &[PlannedSession],
    now: i64,
) -> Result<u64, StoreError> {
    let mut added = 0;
    for p in planned {
        let r = sqlx::query(
            "INSERT INTO deliberation_sessions (community_code, nominal_date, starts_at, ends_at, place, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&p.community_code)
        .bind(&p.nominal_date)
        .bind(p.starts_at)
        .bind(p.ends_at)
        .bind(&p.place)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        added += r.rows_affected();
    }
    Ok(added)
}

/// Sessions for bulk loading (the demo): rows with their ids already chosen.
pub async fn insert_sessions(conn: &mut Conn, rows: &[SessionRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "deliberation_sessions",
        &[
            "id",
            "community_code",
            "nominal_date",
            "starts_at",
            "ends_at",
            "place",
            "status",
            "residents_present",
            "minutes",
            "held_at",
            "created_at",
            "updated_at",
        ],
        rows,
        |s| {
            vec![
                Val::Int(s.id),
                Val::Text(s.community_code.clone()),
                Val::Text(s.nominal_date.clone()),
                Val::Int(s.starts_at),
                Val::Int(s.ends_at),
                Val::Text(s.place.clone()),
                Val::Text(s.status.clone()),
                Val::OptInt(s.residents_present),
                Val::OptText(s.minutes.clone()),
                Val::OptInt(s.held_at),
                Val::Int(s.created_at),
                Val::Int(s.updated_at),
            ]
        },
    )
    .await
}

pub async fn list_sessions(
    store: &Store,
    community: &str,
    from: i64,
    to: i64,
) -> Result<Vec<SessionRow>, StoreError> {
    let sql = format!(
        "SELECT {SESSION_COLS} FROM deliberation_sessions WHERE community_code = $1 AND starts_at >= $2 \
         AND starts_at < $3 ORDER BY starts_at"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(from)
        .bind(to)
        .fetch_all(store.pool())
        .await?)
}

pub async fn get_session(conn: &mut Conn, id: i64) -> Result<Option<SessionRow>, StoreError> {
    let sql = format!("SELECT {SESSION_COLS} FROM deliberation_sessions WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Records a held session: its attendance (replacing any earlier record) and minutes.
pub async fn record_held(
    conn: &mut Conn,
    id: i64,
    residents_present: i64,
    minutes: &str,
    attendees: &[AttendeeRow],
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliberation_sessions SET status = 'held', residents_present = $1, minutes = $2, held_at = $3, updated_at = $3 WHERE id = $4",
    )
    .bind(residents_present)
    .bind(minutes)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM session_attendees WHERE session_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_attendees(conn, attendees).await
}

pub async fn insert_attendees(conn: &mut Conn, rows: &[AttendeeRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "session_attendees",
        &["session_id", "kind", "name", "unit"],
        rows,
        |a| {
            vec![
                Val::Int(a.session_id),
                Val::Text(a.kind.clone()),
                Val::Text(a.name.clone()),
                Val::Text(a.unit.clone()),
            ]
        },
    )
    .await
}

pub async fn attendees(store: &Store, session_id: i64) -> Result<Vec<AttendeeRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT session_id, kind, name, unit FROM session_attendees WHERE session_id = $1 ORDER BY id",
    )
    .bind(session_id)
    .fetch_all(store.pool())
    .await?)
}

pub async fn insert_items(conn: &mut Conn, rows: &[ItemRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "session_items",
        &[
            "id",
            "community_code",
            "session_id",
            "title",
            "description",
            "topic_area",
            "source",
            "raised_by",
            "raised_at",
            "case_id",
            "status",
            "answer",
            "answered_by",
            "responsible_unit",
            "commitment",
            "due_at",
            "referred_case_id",
            "result",
            "satisfied",
            "unsatisfied",
            "updated_at",
        ],
        rows,
        item_values,
    )
    .await
}

fn item_values(i: &ItemRow) -> Vec<Val> {
    vec![
        Val::Int(i.id),
        Val::Text(i.community_code.clone()),
        Val::OptInt(i.session_id),
        Val::Text(i.title.clone()),
        Val::Text(i.description.clone()),
        Val::Text(i.topic_area.clone()),
        Val::Text(i.source.clone()),
        Val::Int(i.raised_by),
        Val::Int(i.raised_at),
        Val::OptInt(i.case_id),
        Val::Text(i.status.as_str().into()),
        Val::OptText(i.answer.clone()),
        Val::OptText(i.answered_by.clone()),
        Val::OptText(i.responsible_unit.clone()),
        Val::OptText(i.commitment.clone()),
        Val::OptInt(i.due_at),
        Val::OptInt(i.referred_case_id),
        Val::OptText(i.result.clone()),
        Val::Int(i.satisfied),
        Val::Int(i.unsatisfied),
        Val::Int(i.updated_at),
    ]
}

/// Inserts a new item (its id chosen by the database) and returns the id.
pub async fn raise_item(conn: &mut Conn, i: &ItemRow) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO session_items (community_code, session_id, title, description, topic_area, source, \
         raised_by, raised_at, case_id, status, satisfied, unsatisfied, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'raised', 0, 0, $8) RETURNING id",
    )
    .bind(&i.community_code)
    .bind(i.session_id)
    .bind(&i.title)
    .bind(&i.description)
    .bind(&i.topic_area)
    .bind(&i.source)
    .bind(i.raised_by)
    .bind(i.raised_at)
    .bind(i.case_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn get_item(conn: &mut Conn, id: i64) -> Result<Option<ItemRow>, StoreError> {
    let sql = format!("SELECT {ITEM_COLS} FROM session_items WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Writes every mutable field of an item after an action.
pub async fn update_item(conn: &mut Conn, i: &ItemRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE session_items SET session_id = $1, status = $2, answer = $3, answered_by = $4, \
         responsible_unit = $5, commitment = $6, due_at = $7, referred_case_id = $8, result = $9, \
         satisfied = $10, unsatisfied = $11, updated_at = $12 WHERE id = $13",
    )
    .bind(i.session_id)
    .bind(i.status.as_str())
    .bind(&i.answer)
    .bind(&i.answered_by)
    .bind(&i.responsible_unit)
    .bind(&i.commitment)
    .bind(i.due_at)
    .bind(i.referred_case_id)
    .bind(&i.result)
    .bind(i.satisfied)
    .bind(i.unsatisfied)
    .bind(i.updated_at)
    .bind(i.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_item_events(conn: &mut Conn, rows: &[ItemEventRow]) -> Result<(), StoreError> {
    bulk_insert(
        conn,
        "session_item_events",
        &[
            "item_id",
            "at",
            "actor_id",
            "actor_label",
            "action",
            "from_status",
            "to_status",
            "note",
        ],
        rows,
        |e| {
            vec![
                Val::Int(e.item_id),
                Val::Int(e.at),
                Val::Int(e.actor_id),
                Val::Text(e.actor_label.clone()),
                Val::Text(e.action.clone()),
                Val::OptText(e.from_status.clone()),
                Val::Text(e.to_status.clone()),
                Val::Text(e.note.clone()),
            ]
        },
    )
    .await
}

pub async fn item_events(store: &Store, item_id: i64) -> Result<Vec<ItemEventRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT item_id, at, actor_id, actor_label, action, from_status, to_status, note \
         FROM session_item_events WHERE item_id = $1 ORDER BY id",
    )
    .bind(item_id)
    .fetch_all(store.pool())
    .await?)
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub community: String,
    pub status: Option<String>,
    pub session_id: Option<i64>,
    pub limit: usize,
}

pub async fn list_items(store: &Store, q: &ItemQuery) -> Result<Vec<ItemRow>, StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLS} FROM session_items WHERE community_code = $1 \
         AND ($2 = '' OR status = $2) AND ($3 = 0 OR session_id = $3) ORDER BY id DESC LIMIT {}",
        q.limit
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(&q.community)
        .bind(q.status.clone().unwrap_or_default())
        .bind(q.session_id.unwrap_or(0))
        .fetch_all(store.pool())
        .await?)
}

/// One page of a community's items, newest first, with how many there are in all.
pub async fn items_page(
    store: &Store,
    community: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ItemRow>, i64), StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLS} FROM session_items WHERE community_code = $1 \
         ORDER BY id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let (total,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM session_items WHERE community_code = $1")
            .bind(community)
            .fetch_one(store.pool())
            .await?;
    Ok((rows, total))
}

/// One page of a community's held sessions (with their minutes) that started before
/// `before`, the latest first, with how many there are in all.
pub async fn held_sessions_page(
    store: &Store,
    community: &str,
    before: i64,
    limit: u64,
    offset: u64,
) -> Result<(Vec<SessionRow>, i64), StoreError> {
    let sql = format!(
        "SELECT {SESSION_COLS} FROM deliberation_sessions WHERE community_code = $1 \
         AND status = 'held' AND starts_at < $2 ORDER BY starts_at DESC, id DESC LIMIT $3 OFFSET $4"
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(community)
        .bind(before)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM deliberation_sessions WHERE community_code = $1 \
         AND status = 'held' AND starts_at < $2",
    )
    .bind(community)
    .bind(before)
    .fetch_one(store.pool())
    .await?;
    Ok((rows, total))
}

/// One page of the overdue commitments within the prefixes (the longest overdue first),
/// with how many there are in all.
pub async fn overdue_items_page(
    store: &Store,
    prefixes: &[String],
    before: i64,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ItemRow>, i64), StoreError> {
    let clause = crate::scope::prefix_clause("community_code", prefixes, 2);
    let filter = format!(
        "FROM session_items WHERE status IN ('referred', 'in_progress') AND due_at < $1 AND {clause}"
    );
    let n = 2 + 2 * prefixes.len();
    let sql = format!(
        "SELECT {ITEM_COLS} {filter} ORDER BY due_at, id LIMIT ${n} OFFSET ${}",
        n + 1
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(before);
    for p in prefixes {
        q = q.bind(p.clone()).bind(crate::scope::upper_bound(p));
    }
    let rows = q
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(store.pool())
        .await?;
    let mut count = sqlx::query_as(AssertSqlSafe(format!("SELECT COUNT(*) {filter}"))).bind(before);
    for p in prefixes {
        count = count.bind(p.clone()).bind(crate::scope::upper_bound(p));
    }
    let (total,): (i64,) = count.fetch_one(store.pool()).await?;
    Ok((rows, total))
}

/// Referred or in-progress items whose commitment is due before `before`, within the prefixes.
pub async fn overdue_items(
    store: &Store,
    prefixes: &[String],
    before: i64,
    limit: usize,
) -> Result<Vec<ItemRow>, StoreError> {
    let clause = crate::scope::prefix_clause("community_code", prefixes, 2);
    let sql = format!(
        "SELECT {ITEM_COLS} FROM session_items WHERE status IN ('referred', 'in_progress') \
         AND due_at < $1 AND {clause} ORDER BY due_at LIMIT {limit}"
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(before);
    for p in prefixes {
        q = q.bind(p.clone()).bind(crate::scope::upper_bound(p));
    }
    Ok(q.fetch_all(store.pool()).await?)
}

/// Items carried out by a case (referred to the closed loop), still waiting for it.
pub async fn items_waiting_for_case(
    conn: &mut Conn,
    case_id: i64,
) -> Result<Vec<ItemRow>, StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLS} FROM session_items WHERE referred_case_id = $1 \
         AND status IN ('referred', 'in_progress')"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// Counts of items by status for a community (for the page and the demo check).
pub async fn item_counts(store: &Store, community: &str) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT status, COUNT(*) FROM session_items WHERE community_code = $1 GROUP BY status ORDER BY status",
    )
    .bind(community)
    .fetch_all(store.pool())
    .await?)
}

/// When a case closes, the session items it carried out are done, in the transaction that
/// closed it. It lives here, below both the case engine and deliberation, so that neither
/// calls into the other for it.
pub async fn complete_items_of_case(
    conn: &mut Conn,
    case_id: i64,
    actor_id: i64,
    actor_label: &str,
    now: i64,
) -> Result<(), StoreError> {
    for mut item in items_waiting_for_case(conn, case_id).await? {
        let from = item.status;
        let note = format!("案件 #{case_id} 已结案 / case #{case_id} closed");
        item.status = ItemStatus::Done;
        item.result = Some(note.clone());
        item.updated_at = now;
        update_item(conn, &item).await?;
        let event = ItemEventRow {
            item_id: item.id,
            at: now,
            actor_id,
            actor_label: actor_label.to_string(),
            action: "complete".into(),
            from_status: Some(from.as_str().to_string()),
            to_status: ItemStatus::Done.as_str().into(),
            note,
        };
        insert_item_events(conn, &[event]).await?;
    }
    Ok(())
}
