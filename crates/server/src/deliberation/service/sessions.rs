//! 逢四说事 over HTTP: the schedule and its iCalendar feed, sessions with attendance and
//! minutes, and items from intake to archive.

use super::{allow, community_code, in_reach, optional_text, required_text};
use crate::access::audit_entry;
use crate::cases::NewCaseRequest;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::people::free_text::{RevealOf, keep_originals, reveal};
use crate::state::AppState;
use crate::util::reach_within;
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Actor, Role};
use tongxin_core::cases::calendar::LocalDate;
use tongxin_core::deliberation::items::{
    AttendeeKind, ItemAction, ItemStatus, allowed_actions, is_topic_area, next_status,
};
use tongxin_core::deliberation::sessions::{Occurrence, Schedule};
use tongxin_store::deliberation::rate_once;
use tongxin_store::deliberation::sessions::{
    self as store_sessions, AttendeeRow, ItemEventRow, ItemQuery, ItemRow, PlannedSession,
    ScheduleRow, SessionRow,
};
use tongxin_store::now_millis;
use tongxin_store::protect::GuardedText;
use tongxin_store::{audit, commit};
use utoipa::{IntoParams, ToSchema};

pub(crate) const DAY_MS: i64 = 86_400_000;
pub(crate) const DEFAULT_PLACE: &str = "社区党群服务中心 / community service centre";

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct ScheduleView {
    pub community_code: String,
    /// fourth_days (4th, 14th, 24th) or weekly.
    pub pattern: String,
    /// 1 (Monday) … 7 for a weekly schedule.
    pub weekday: Option<u8>,
    /// next_working_day, previous_working_day, skip or keep.
    pub holiday_rule: String,
    /// Local start, minutes after midnight (900 = 15:00).
    pub start_minute: i64,
    pub duration_minutes: i64,
    pub place: String,
    /// Whether the community has set it (otherwise this is the default).
    pub configured: bool,
}

pub(crate) fn view_of(
    community: &str,
    s: &Schedule,
    place: &str,
    configured: bool,
) -> ScheduleView {
    ScheduleView {
        community_code: community.into(),
        pattern: s.pattern_name().into(),
        weekday: s.weekday_number(),
        holiday_rule: s.holiday_rule.as_str().into(),
        start_minute: i64::from(s.start_minute),
        duration_minutes: i64::from(s.duration_minutes),
        place: place.into(),
        configured,
    }
}

/// The community's schedule, or the default one.
pub async fn schedule_of(state: &AppState, community: &str) -> ApiResult<(Schedule, String, bool)> {
    match store_sessions::get_schedule(&state.store, community).await? {
        Some(row) => {
            let s = Schedule::from_parts(
                &row.pattern,
                row.weekday.map(|d| d as u8),
                &row.holiday_rule,
                row.start_minute,
                row.duration_minutes,
            )
            .map_err(|e| ApiError::conflict(format!("stored schedule is invalid: {e}")))?;
            Ok((s, row.place, true))
        }
        None => Ok((Schedule::default_fourth_days(), DEFAULT_PLACE.into(), false)),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ScheduleRequest {
    pub pattern: String,
    pub weekday: Option<u8>,
    pub holiday_rule: String,
    pub start_minute: i64,
    pub duration_minutes: i64,
    pub place: Option<String>,
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day, YYYY-MM-DD (Beijing); default today.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD; default 90 days after `from`.
    pub to: Option<String>,
}

pub(crate) fn parse_day(field: &str, text: &str) -> ApiResult<LocalDate> {
    text.parse()
        .map_err(|_| ApiError::field(field, "日期须为 YYYY-MM-DD / a date YYYY-MM-DD"))
}

pub(crate) fn period(
    state: &AppState,
    p: &Period,
    default_days: i64,
) -> ApiResult<(LocalDate, LocalDate)> {
    let offset = state.working_calendar().offset_minutes();
    let from = match &p.from {
        Some(t) => parse_day("from", t)?,
        None => LocalDate::from_millis(now_millis(), offset),
    };
    let to = match &p.to {
        Some(t) => parse_day("to", t)?,
        None => LocalDate::from_day_number(from.day_number() + default_days),
    };
    if to < from || to.day_number() - from.day_number() > 400 {
        return Err(ApiError::field(
            "to",
            "须在 from 之后且不超过 400 天 / must follow from, at most 400 days",
        ));
    }
    Ok((from, to))
}

#[derive(Serialize, ToSchema)]
pub struct PlanResult {
    pub planned: u64,
    pub sessions: Vec<SessionView>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct SessionView {
    pub id: i64,
    pub community_code: String,
    /// The day the schedule named (differs from the held day when a holiday moved it).
    pub nominal_date: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    /// scheduled, held or cancelled.
    pub status: String,
    pub residents_present: Option<i64>,
    pub minutes: Option<String>,
    pub held_at: Option<i64>,
}

impl From<SessionRow> for SessionView {
    fn from(s: SessionRow) -> Self {
        SessionView {
            id: s.id,
            community_code: s.community_code,
            nominal_date: s.nominal_date,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            place: s.place,
            status: s.status,
            residents_present: s.residents_present,
            minutes: s.minutes,
            held_at: s.held_at,
        }
    }
}

/// The sessions the schedule gives in a period (not yet stored).
pub async fn occurrences(
    state: &AppState,
    community: &str,
    from: LocalDate,
    to: LocalDate,
) -> ApiResult<(Vec<Occurrence>, Schedule, String)> {
    let (schedule, place, _) = schedule_of(state, community).await?;
    let list = schedule.occurrences(&state.working_calendar(), from, to);
    Ok((list, schedule, place))
}

/// The iCalendar text of a community's sessions.
pub fn ical_text(community: &str, list: &[Occurrence], place: &str) -> String {
    use icalendar::{Calendar, Component, Event, EventLike};
    let at =
        |ms: i64| chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let mut cal = Calendar::new();
    cal.name(&format!("逢四说事 {community}"));
    for o in list {
        let mut summary = "逢四说事 / residents' session".to_string();
        if o.moved() {
            summary.push_str(&format!(
                "（{} 顺延 / moved from {}）",
                o.nominal, o.nominal
            ));
        }
        cal.push(
            Event::new()
                .uid(&format!("{community}-{}@tongxin", o.nominal))
                .summary(&summary)
                .location(place)
                .starts(at(o.starts_at))
                .ends(at(o.ends_at))
                .done(),
        );
    }
    cal.done().to_string()
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeView {
    /// speaker (说事员), property_company, police, health_office, deputy, community_staff, other.
    pub kind: String,
    pub name: String,
    pub unit: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionDetail {
    pub session: SessionView,
    pub attendees: Vec<AttendeeView>,
    pub items: Vec<ItemView>,
}

pub(crate) async fn session_in_reach(
    state: &AppState,
    actor: &Actor,
    id: i64,
    action: Action,
) -> ApiResult<SessionRow> {
    let mut conn = state.store.reader().await?;
    let row = store_sessions::get_session(&mut conn, id).await?;
    in_reach(actor, action, row, |r| &r.community_code)
}

pub async fn session_detail(state: &AppState, s: SessionRow) -> ApiResult<SessionDetail> {
    let attendees = store_sessions::attendees(&state.store, s.id).await?;
    let items = store_sessions::list_items(
        &state.store,
        &ItemQuery {
            community: s.community_code.clone(),
            session_id: Some(s.id),
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    Ok(SessionDetail {
        session: s.into(),
        attendees: attendees
            .into_iter()
            .map(|a| AttendeeView {
                kind: a.kind,
                name: a.name,
                unit: a.unit,
            })
            .collect(),
        items: items.into_iter().map(ItemView::from).collect(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct AttendeeRequest {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub unit: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RecordSession {
    /// Residents present (beyond the listed attendees).
    pub residents_present: i64,
    pub minutes: String,
    #[serde(default)]
    pub attendees: Vec<AttendeeRequest>,
}

#[derive(Serialize, ToSchema, Clone)]
#[schema(as = SessionItemView)]
pub struct ItemView {
    pub id: i64,
    pub community_code: String,
    pub session_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// One of the 六必说 areas: environment, safety, facilities, neighbours, livelihood, proposals.
    pub topic_area: String,
    /// resident, grid_worker, case or staff.
    pub source: String,
    pub raised_at: i64,
    /// The case this item came from, if any.
    pub case_id: Option<i64>,
    /// raised, answered, referred, in_progress, done, rated, archived.
    pub status: String,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub responsible_unit: Option<String>,
    pub commitment: Option<String>,
    pub due_at: Option<i64>,
    /// The case carrying out a referred item.
    pub referred_case_id: Option<i64>,
    pub result: Option<String>,
    pub satisfied: i64,
    pub unsatisfied: i64,
    pub updated_at: i64,
}

impl From<ItemRow> for ItemView {
    fn from(i: ItemRow) -> Self {
        ItemView {
            id: i.id,
            community_code: i.community_code,
            session_id: i.session_id,
            title: i.title,
            description: i.description,
            topic_area: i.topic_area,
            source: i.source,
            raised_at: i.raised_at,
            case_id: i.case_id,
            status: i.status.as_str().into(),
            answer: i.answer,
            answered_by: i.answered_by,
            responsible_unit: i.responsible_unit,
            commitment: i.commitment,
            due_at: i.due_at,
            referred_case_id: i.referred_case_id,
            result: i.result,
            satisfied: i.satisfied,
            unsatisfied: i.unsatisfied,
            updated_at: i.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RaiseItem {
    pub community_code: String,
    #[schema(max_length = 100)]
    pub title: String,
    pub description: String,
    #[serde(default = "default_topic")]
    pub topic_area: String,
    /// The session it is for; default the community's next planned session.
    pub session_id: Option<i64>,
    /// A case this item brings to the session.
    pub case_id: Option<i64>,
}

pub(crate) fn default_topic() -> String {
    "proposals".into()
}

pub(crate) fn source_of(actor: &Actor, from_case: bool) -> &'static str {
    if from_case {
        return "case";
    }
    let has = |r: Role| actor.bindings.iter().any(|b| b.role == r);
    if has(Role::GridWorker) {
        "grid_worker"
    } else if has(Role::Resident) || has(Role::PartyMember) {
        "resident"
    } else {
        "staff"
    }
}

/// Raises an item (residents online, grid workers, staff, or a linked case).
pub async fn raise(state: &AppState, ctx: &Context, req: RaiseItem) -> ApiResult<ItemRow> {
    let actor = &ctx.actor;
    let community = community_code("community_code", &req.community_code)?;
    allow(actor, Action::JoinDeliberation, &community)?;
    let protector = &state.config.protector;
    let title = protector.guard_text(&required_text("title", &req.title, 100)?);
    let description = protector.guard_text(&required_text("description", &req.description, 4_000)?);
    if !is_topic_area(&req.topic_area) {
        return Err(ApiError::field(
            "topic_area",
            "须为 environment、safety、facilities、neighbours、livelihood 或 proposals",
        ));
    }
    if let Some(case_id) = req.case_id {
        let case = tongxin_store::cases::get_case(&state.store, case_id).await?;
        match case {
            Some(c) if c.grid_code.starts_with(&community) => {}
            _ => {
                return Err(ApiError::field(
                    "case_id",
                    "该案件不在本社区 / no such case in this community",
                ));
            }
        }
    }
    let now = now_millis();
    let session_id = match req.session_id {
        Some(id) => {
            let s = session_in_reach(state, actor, id, Action::ViewDeliberation).await?;
            if s.community_code != community || s.status != "scheduled" {
                return Err(ApiError::field(
                    "session_id",
                    "须为本社区尚未召开的说事会 / must be a scheduled session of this community",
                ));
            }
            Some(id)
        }
        None => store_sessions::list_sessions(&state.store, &community, now, now + 60 * DAY_MS)
            .await?
            .into_iter()
            .find(|s| s.status == "scheduled")
            .map(|s| s.id),
    };
    let mut item = ItemRow {
        id: 0,
        community_code: community.clone(),
        session_id,
        title: title.shown.clone(),
        description: description.shown.clone(),
        topic_area: req.topic_area.clone(),
        source: source_of(actor, req.case_id.is_some()).into(),
        raised_by: actor.user_id,
        raised_at: now,
        case_id: req.case_id,
        status: ItemStatus::Raised,
        answer: None,
        answered_by: None,
        responsible_unit: None,
        commitment: None,
        due_at: None,
        referred_case_id: None,
        result: None,
        satisfied: 0,
        unsatisfied: 0,
        updated_at: now,
    };
    let mut tx = state.store.begin().await?;
    item.id = store_sessions::raise_item(&mut tx, &item).await?;
    keep_originals(
        &mut tx,
        "session_item",
        item.id,
        &[("title", &title), ("description", &description)],
    )
    .await?;
    store_sessions::insert_item_events(
        &mut tx,
        &[event(
            actor,
            item.id,
            now,
            "raise",
            None,
            ItemStatus::Raised,
            "",
        )],
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            "session_item.raise",
            "session_item",
            item.id.to_string(),
        )
        .node(Some(community))
        .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(item)
}

pub(crate) fn event(
    actor: &Actor,
    item_id: i64,
    at: i64,
    action: &str,
    from: Option<ItemStatus>,
    to: ItemStatus,
    note: &str,
) -> ItemEventRow {
    ItemEventRow {
        item_id,
        at,
        actor_id: actor.user_id,
        actor_label: actor.username.clone(),
        action: action.into(),
        from_status: from.map(|s| s.as_str().to_string()),
        to_status: to.as_str().into(),
        note: note.into(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemListQuery {
    pub community: String,
    pub status: Option<String>,
    pub session_id: Option<i64>,
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemEventView {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ItemDetail {
    pub item: ItemView,
    pub events: Vec<ItemEventView>,
    /// What the reader may do next.
    pub allowed_actions: Vec<String>,
    /// The commitment is past due and not done.
    pub overdue: bool,
}

pub async fn item_in_reach(
    state: &AppState,
    actor: &Actor,
    id: i64,
    action: Action,
) -> ApiResult<ItemRow> {
    let mut conn = state.store.reader().await?;
    let row = store_sessions::get_item(&mut conn, id).await?;
    in_reach(actor, action, row, |r| &r.community_code)
}

pub async fn item_detail(state: &AppState, actor: &Actor, item: ItemRow) -> ApiResult<ItemDetail> {
    let events = store_sessions::item_events(&state.store, item.id).await?;
    let status = item.status;
    let manage = allow(actor, Action::ManageDeliberation, &item.community_code).is_ok();
    let join = allow(actor, Action::JoinDeliberation, &item.community_code).is_ok();
    let allowed = allowed_actions(status)
        .into_iter()
        .filter(|a| manage || (join && a.is_residents()))
        .map(|a| a.as_str().to_string())
        .collect();
    let overdue = status.is_pending() && item.due_at.is_some_and(|d| d < now_millis());
    Ok(ItemDetail {
        item: item.into(),
        events: events
            .into_iter()
            .map(|e| ItemEventView {
                at: e.at,
                actor: e.actor_label,
                action: e.action,
                from_status: e.from_status,
                to_status: e.to_status,
                note: e.note,
            })
            .collect(),
        allowed_actions: allowed,
        overdue,
    })
}

/// An item's title and description as typed, where personal numbers were masked.
#[derive(Serialize, ToSchema)]
pub struct RevealedItemText {
    pub title: String,
    pub description: String,
    pub answer: Option<String>,
    pub commitment: Option<String>,
    pub result: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ItemActionRequest {
    /// answer, refer, start, complete, rate or archive.
    pub action: String,
    /// answer: the reply given on the spot.
    pub answer: Option<String>,
    /// answer: the unit that answered; refer: the unit responsible.
    #[schema(max_length = 100)]
    pub unit: Option<String>,
    /// refer: what the unit promised.
    #[schema(max_length = 1000)]
    pub commitment: Option<String>,
    /// refer: the deadline (UTC ms).
    pub due_at: Option<i64>,
    /// refer: open a case in the closed loop with this category.
    pub case_category: Option<String>,
    /// complete: what was done.
    pub result: Option<String>,
    /// rate, by a resident: satisfied or unsatisfied.
    pub verdict: Option<String>,
    /// rate, recorded by staff for a session's show of hands.
    pub satisfied: Option<i64>,
    pub unsatisfied: Option<i64>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Takes one action on an item: the one engine for the API and the pages.
pub async fn act_on_item(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: ItemActionRequest,
) -> ApiResult<ItemRow> {
    let actor = &ctx.actor;
    let action = ItemAction::parse(&req.action).ok_or_else(|| {
        ApiError::field(
            "action",
            "须为 answer、refer、start、complete、rate 或 archive",
        )
    })?;
    let before = item_in_reach(state, actor, id, Action::ViewDeliberation).await?;
    let resident_rating = action == ItemAction::Rate && req.verdict.is_some();
    let needed = if resident_rating {
        Action::JoinDeliberation
    } else {
        Action::ManageDeliberation
    };
    allow(actor, needed, &before.community_code)?;
    let from = before.status;
    let to = next_status(from, action).map_err(|e| ApiError::conflict(e.to_string()))?;
    let now = now_millis();
    let mut after = before.clone();
    after.status = to;
    after.updated_at = now;
    let note = fill_action(state, &mut after, action, &req, now)?;
    let protector = &state.config.protector;
    let note = protector.guard_text(&note).shown;
    let mut originals = Vec::new();
    for (field, value) in [
        ("answer", &mut after.answer),
        ("commitment", &mut after.commitment),
        ("result", &mut after.result),
    ] {
        if let Some(text) = value.as_mut() {
            let guarded = protector.guard_text(text);
            text.clone_from(&guarded.shown);
            originals.push((field, guarded));
        }
    }
    let mut referred_case = None;
    if action == ItemAction::Refer
        && let Some(category) = &req.case_category
    {
        referred_case = Some(open_case(state, ctx, &before, category, &req).await?);
    }
    let mut events = vec![event(
        actor,
        id,
        now,
        action.as_str(),
        Some(from),
        to,
        &note,
    )];
    if let Some(case_id) = referred_case {
        after.referred_case_id = Some(case_id);
        after.status = ItemStatus::InProgress;
        events.push(event(
            actor,
            id,
            now,
            "start",
            Some(to),
            ItemStatus::InProgress,
            &format!("转入案件 #{case_id} 办理 / carried out by case #{case_id}"),
        ));
    }
    let mut tx = state.store.begin().await?;
    if resident_rating {
        let verdict = req.verdict.as_deref().unwrap_or_default();
        if !rate_once(&mut tx, "item", id, actor.user_id, verdict, now).await? {
            return Err(ApiError::conflict(
                "您已评价过这个事项 / you have already rated this item",
            ));
        }
    }
    store_sessions::update_item(&mut tx, &after).await?;
    let fields: Vec<(&str, &GuardedText)> = originals.iter().map(|(f, t)| (*f, t)).collect();
    keep_originals(&mut tx, "session_item", id, &fields).await?;
    store_sessions::insert_item_events(&mut tx, &events).await?;
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            &format!("session_item.{}", action.as_str()),
            "session_item",
            id.to_string(),
        )
        .node(Some(before.community_code.clone()))
        .before(Some(serde_json::json!({"status": before.status})))
        .after(Some(
            serde_json::json!({"status": after.status, "referred_case_id": after.referred_case_id}),
        ))
        .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(after)
}

/// Checks and copies the fields an action needs; returns the timeline note.
pub(crate) fn fill_action(
    state: &AppState,
    item: &mut ItemRow,
    action: ItemAction,
    req: &ItemActionRequest,
    now: i64,
) -> ApiResult<String> {
    let note = optional_text("note", req.note.as_deref(), 1_000)?;
    match action {
        ItemAction::Answer => {
            item.answer = Some(required_text(
                "answer",
                req.answer.as_deref().unwrap_or(""),
                4_000,
            )?);
            item.answered_by = Some(required_text(
                "unit",
                req.unit.as_deref().unwrap_or(""),
                100,
            )?);
            Ok(format!(
                "{}：{}",
                item.answered_by.clone().unwrap_or_default(),
                item.answer.clone().unwrap_or_default()
            ))
        }
        ItemAction::Refer => {
            let unit = required_text("unit", req.unit.as_deref().unwrap_or(""), 100)?;
            let commitment =
                required_text("commitment", req.commitment.as_deref().unwrap_or(""), 1_000)?;
            let due = req.due_at.ok_or_else(|| {
                ApiError::field("due_at", "须给出办结期限 / a deadline is required")
            })?;
            if due <= now {
                return Err(ApiError::field(
                    "due_at",
                    "期限须在将来 / the deadline must be in the future",
                ));
            }
            if let Some(c) = &req.case_category
                && state
                    .catalogue
                    .read()
                    .expect("catalogue lock")
                    .leaf(c)
                    .is_none()
            {
                return Err(ApiError::field(
                    "case_category",
                    format!("未知案件类别 {c:?} / unknown case category"),
                ));
            }
            item.responsible_unit = Some(unit.clone());
            item.commitment = Some(commitment.clone());
            item.due_at = Some(due);
            Ok(format!("{unit} 承诺：{commitment}"))
        }
        ItemAction::Complete => {
            item.result = Some(required_text(
                "result",
                req.result.as_deref().unwrap_or(""),
                4_000,
            )?);
            Ok(item.result.clone().unwrap_or_default())
        }
        ItemAction::Rate => {
            let (s, u) = rating_counts(req)?;
            item.satisfied += s;
            item.unsatisfied += u;
            Ok(format!(
                "满意 {s}，不满意 {u} / satisfied {s}, unsatisfied {u}"
            ))
        }
        ItemAction::Start | ItemAction::Archive => Ok(note),
    }
}

pub(crate) fn rating_counts(req: &ItemActionRequest) -> ApiResult<(i64, i64)> {
    match (req.verdict.as_deref(), req.satisfied, req.unsatisfied) {
        (Some("satisfied"), None, None) => Ok((1, 0)),
        (Some("unsatisfied"), None, None) => Ok((0, 1)),
        (Some(_), None, None) => Err(ApiError::field(
            "verdict",
            "须为 satisfied 或 unsatisfied / must be satisfied or unsatisfied",
        )),
        (None, s, u) if s.is_some() || u.is_some() => {
            let (s, u) = (s.unwrap_or(0), u.unwrap_or(0));
            if s < 0 || u < 0 || s + u == 0 || s + u > 100_000 {
                return Err(ApiError::field(
                    "satisfied",
                    "举手计数须为非负且合计大于 0 / counts must be non-negative with a positive total",
                ));
            }
            Ok((s, u))
        }
        _ => Err(ApiError::field(
            "verdict",
            "须给出 verdict，或会上的 satisfied/unsatisfied 计数 / give a verdict or the show-of-hands counts",
        )),
    }
}

/// A referred item carried out in the closed loop: a case on the channel `meeting`.
pub(crate) async fn open_case(
    state: &AppState,
    ctx: &Context,
    item: &ItemRow,
    category: &str,
    req: &ItemActionRequest,
) -> ApiResult<i64> {
    let grid = tongxin_store::territory::first_grid_of(&state.store, &item.community_code)
        .await?
        .ok_or_else(|| ApiError::conflict("社区没有网格 / the community has no grid"))?;
    let description = format!(
        "【逢四说事 #{}】{}\n{}\n承诺：{}",
        item.id,
        item.title,
        item.description,
        req.commitment.as_deref().unwrap_or("")
    );
    let case = crate::cases::report(
        state,
        ctx,
        NewCaseRequest {
            category: category.into(),
            description: description.chars().take(4_000).collect(),
            lon: None,
            lat: None,
            crs: None,
            grid_code: Some(grid),
            address: String::new(),
            channel: Some("meeting".into()),
            patrol_id: None,
            organisation_id: None,
            photos: Vec::new(),
            attributes: Default::default(),
            media_url: None,
        },
    )
    .await?;
    Ok(case.id)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    /// A territory code to narrow to.
    pub within: Option<String>,
    pub limit: Option<usize>,
}

pub async fn get_schedule(
    state: &AppState,
    ctx: &Context,
    code: String,
) -> ApiResult<ScheduleView> {
    let actor = &ctx.actor;
    let community = community_code("code", &code)?;
    allow(actor, Action::ViewDeliberation, &community)?;
    let (s, place, configured) = schedule_of(state, &community).await?;
    Ok(view_of(&community, &s, &place, configured))
}

pub async fn put_schedule(
    state: &AppState,
    ctx: &Context,
    code: String,
    req: ScheduleRequest,
) -> ApiResult<ScheduleView> {
    let actor = &ctx.actor;
    let community = community_code("code", &code)?;
    allow(actor, Action::ManageDeliberation, &community)?;
    let s = Schedule::from_parts(
        &req.pattern,
        req.weekday,
        &req.holiday_rule,
        req.start_minute,
        req.duration_minutes,
    )
    .map_err(|e| ApiError::field(e.field(), e.to_string()))?;
    let place = match req.place.as_deref() {
        Some(p) => required_text("place", p, 200)?,
        None => DEFAULT_PLACE.into(),
    };
    let view = view_of(&community, &s, &place, true);
    let row = ScheduleRow {
        community_code: community.clone(),
        pattern: view.pattern.clone(),
        weekday: view.weekday.map(i64::from),
        holiday_rule: view.holiday_rule.clone(),
        start_minute: view.start_minute,
        duration_minutes: view.duration_minutes,
        place,
        updated_at: now_millis(),
    };
    let mut tx = state.store.begin().await?;
    store_sessions::put_schedule(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "session.schedule", "session_schedule", &community)
            .node(Some(community.clone()))
            .after(serde_json::to_value(&view).ok())
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(view)
}

pub async fn plan(
    state: &AppState,
    ctx: &Context,
    code: String,
    req: Period,
) -> ApiResult<PlanResult> {
    let actor = &ctx.actor;
    let community = community_code("code", &code)?;
    allow(actor, Action::ManageDeliberation, &community)?;
    let (from, to) = period(state, &req, 90)?;
    let (list, _, place) = occurrences(state, &community, from, to).await?;
    let planned: Vec<PlannedSession> = list
        .iter()
        .map(|o| PlannedSession {
            community_code: community.clone(),
            nominal_date: o.nominal.to_string(),
            starts_at: o.starts_at,
            ends_at: o.ends_at,
            place: place.clone(),
        })
        .collect();
    let mut tx = state.store.begin().await?;
    let added = store_sessions::plan_sessions(&mut tx, &planned, now_millis()).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "session.plan", "session", &community)
            .node(Some(community.clone()))
            .after(Some(
                serde_json::json!({"from": from.to_string(), "to": to.to_string(), "added": added}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    let offset = state.working_calendar().offset_minutes();
    let sessions = store_sessions::list_sessions(
        &state.store,
        &community,
        from.start_millis(offset),
        to.next_day().start_millis(offset),
    )
    .await?;
    Ok(PlanResult {
        planned: added,
        sessions: sessions.into_iter().map(SessionView::from).collect(),
    })
}

pub async fn list_sessions(
    state: &AppState,
    ctx: &Context,
    code: String,
    q: Period,
) -> ApiResult<Vec<SessionView>> {
    let actor = &ctx.actor;
    let community = community_code("code", &code)?;
    allow(actor, Action::ViewDeliberation, &community)?;
    let (from, to) = period(state, &q, 90)?;
    let offset = state.working_calendar().offset_minutes();
    let rows = store_sessions::list_sessions(
        &state.store,
        &community,
        from.start_millis(offset),
        to.next_day().start_millis(offset),
    )
    .await?;
    Ok(rows.into_iter().map(SessionView::from).collect())
}

pub async fn get_session(state: &AppState, ctx: &Context, id: i64) -> ApiResult<SessionDetail> {
    let actor = &ctx.actor;
    let s = session_in_reach(state, actor, id, Action::ViewDeliberation).await?;
    session_detail(state, s).await
}

pub async fn record_session(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: RecordSession,
) -> ApiResult<SessionDetail> {
    let actor = &ctx.actor;
    let s = session_in_reach(state, actor, id, Action::ManageDeliberation).await?;
    let now = now_millis();
    if s.starts_at > now {
        return Err(ApiError::conflict(
            "会议尚未开始，不能记录 / the session has not started yet",
        ));
    }
    if !(0..=100_000).contains(&req.residents_present) {
        return Err(ApiError::field(
            "residents_present",
            "须为 0–100000 / must be 0–100,000",
        ));
    }
    let minutes = required_text("minutes", &req.minutes, 20_000)?;
    let mut rows = Vec::with_capacity(req.attendees.len());
    for (i, a) in req.attendees.iter().enumerate() {
        let kind = AttendeeKind::parse(&a.kind).ok_or_else(|| {
            ApiError::field(
                &format!("attendees[{i}].kind"),
                "须为 speaker、property_company、police、health_office、deputy、community_staff 或 other",
            )
        })?;
        rows.push(AttendeeRow {
            session_id: id,
            kind: kind.as_str().into(),
            name: required_text(&format!("attendees[{i}].name"), &a.name, 50)?,
            unit: optional_text(&format!("attendees[{i}].unit"), Some(&a.unit), 100)?,
        });
    }
    let mut tx = state.store.begin().await?;
    store_sessions::record_held(&mut tx, id, req.residents_present, &minutes, &rows, now).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "session.record", "session", id.to_string())
            .node(Some(s.community_code.clone()))
            .after(Some(serde_json::json!({"residents_present": req.residents_present, "attendees": rows.len()})))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    let s = session_in_reach(state, actor, id, Action::ViewDeliberation).await?;
    session_detail(state, s).await
}

pub async fn post_item(state: &AppState, ctx: &Context, req: RaiseItem) -> ApiResult<ItemView> {
    let item = raise(state, ctx, req).await?;
    Ok(item.into())
}

pub async fn list_items(
    state: &AppState,
    ctx: &Context,
    q: ItemListQuery,
) -> ApiResult<Vec<ItemView>> {
    let actor = &ctx.actor;
    let community = community_code("community", &q.community)?;
    allow(actor, Action::ViewDeliberation, &community)?;
    if let Some(s) = &q.status
        && ItemStatus::parse(s).is_none()
    {
        return Err(ApiError::field("status", "未知状态 / unknown status"));
    }
    let rows = store_sessions::list_items(
        &state.store,
        &ItemQuery {
            community,
            status: q.status.clone(),
            session_id: q.session_id,
            limit: crate::util::clamp_limit(q.limit),
        },
    )
    .await?;
    Ok(rows.into_iter().map(ItemView::from).collect())
}

pub async fn get_item(state: &AppState, ctx: &Context, id: i64) -> ApiResult<ItemDetail> {
    let actor = &ctx.actor;
    let item = item_in_reach(state, actor, id, Action::ViewDeliberation).await?;
    item_detail(state, actor, item).await
}

pub async fn reveal_item(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: crate::people::RevealRequest,
) -> ApiResult<RevealedItemText> {
    let actor = &ctx.actor;
    let item = item_in_reach(state, actor, id, Action::ViewDeliberation).await?;
    let reason = crate::people::reveal_reason(&req)?;
    let holders = [("session_item", vec![id])];
    let of = RevealOf {
        entity: "session_item",
        entity_id: id,
        node: &item.community_code,
        holders: &holders,
    };
    let mut revealed = RevealedItemText {
        title: item.title.clone(),
        description: item.description.clone(),
        answer: item.answer.clone(),
        commitment: item.commitment.clone(),
        result: item.result.clone(),
    };
    for o in reveal(state, actor, ctx.request_id.clone(), of, reason).await? {
        match o.field.as_str() {
            "title" => revealed.title = o.text,
            "description" => revealed.description = o.text,
            "answer" => revealed.answer = Some(o.text),
            "commitment" => revealed.commitment = Some(o.text),
            _ => revealed.result = Some(o.text),
        }
    }
    Ok(revealed)
}

pub async fn post_item_action(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: ItemActionRequest,
) -> ApiResult<ItemDetail> {
    let actor = &ctx.actor;
    let item = act_on_item(state, ctx, id, req).await?;
    item_detail(state, actor, item).await
}

pub async fn overdue_items(
    state: &AppState,
    ctx: &Context,
    q: OverdueQuery,
) -> ApiResult<Vec<ItemView>> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::ManageDeliberation, q.within.as_deref())?;
    let rows = store_sessions::overdue_items(
        &state.store,
        &prefixes,
        now_millis(),
        crate::util::clamp_limit(q.limit),
    )
    .await?;
    Ok(rows.into_iter().map(ItemView::from).collect())
}
