//! The case engine as the server runs it, for every channel (API, pages, Open311,
//! deliberation): report, move through the one state machine, read the timeline. Every
//! transition writes the new state, a timeline event and an audit record in one transaction,
//! guarded by the case's version. No HTTP here: a service takes a `Context` (who, request id,
//! now) or the actor, and answers with data or a problem.

pub mod admin;
pub mod detail;
pub mod enterprise;
pub mod handover;
pub mod inbox;
pub mod indicator_views;
pub mod indicators;
pub mod intake;
pub mod listing;
pub mod media;
pub mod patrols;
pub mod patterns;
pub mod warnings;

use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::people::free_text::{RevealOf, keep_originals, reveal};
use crate::state::AppState;
use crate::territory::point_to_wgs84;
use crate::util::{Cursor, PageOut, clamp_limit, reach_within};
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::access::{Actor, Denial};
use tongxin_core::cases::catalogue::StepLimits;
use tongxin_core::cases::deadlines::{Clocks, clocks_after, step_deadline};
use tongxin_core::cases::intake::{self as intake_rules, Placement};
use tongxin_core::cases::machine::Command;
use tongxin_core::cases::machine::{
    self, CaseState, CommandKind, Refusal, Rules, Satisfaction, Status, Tier,
};
use tongxin_core::people::has_personal_numbers;
use tongxin_store::cases::{self};
use tongxin_store::cases::{CaseRow, EventRow};
use tongxin_store::protect::mask_json_strings;
use tongxin_store::territory;
use tongxin_store::{audit, commit, now_millis};
use utoipa::{IntoParams, ToSchema};

pub use tongxin_core::cases::intake::CHANNELS;

#[derive(Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub major: String,
    /// event, component or governance.
    pub kind: String,
    /// Time limits per step, e.g. {"file":"30min","handle":"4h"}.
    pub limits: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub from: Option<String>,
    pub to: String,
    pub note: String,
    /// Photos attached to this step (media hashes: /api/v1/media/{hash}).
    pub photos: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub category: String,
    pub category_name: String,
    pub channel: String,
    pub status: String,
    pub status_name: String,
    /// The level responsible now: grid, community, street, district, city.
    pub tier: String,
    pub department: Option<String>,
    pub grid_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub description: String,
    pub rework_count: i64,
    pub reopen_count: i64,
    pub escalation_count: i64,
    pub supervised: bool,
    pub merged_into: Option<i64>,
    pub rating: Option<String>,
    pub reported_at: i64,
    /// Deadline of the step in progress (UTC ms).
    pub step_due_at: Option<i64>,
    /// The handling deadline the case is judged by (from dispatch).
    pub handle_due_at: Option<i64>,
    /// Working minutes left (negative: overdue) on the step in progress.
    pub step_minutes_left: Option<i64>,
    /// What the case allows now (the caller's role decides further).
    pub allowed: Vec<String>,
    /// "Me too" supports from other people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<EventView>>,
    /// Said to the reporter when personal numbers typed into the report were masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

pub(crate) fn machine_state(c: &CaseRow) -> CaseState {
    CaseState {
        status: c.status,
        tier: c.tier,
        department: c.department.clone(),
        rework_count: c.rework_count as u32,
        reopen_count: c.reopen_count as u32,
        escalation_count: c.escalation_count as u32,
        supervised: c.supervised != 0,
        merged_into: c.merged_into,
        closed_at: c.closed_at,
        rating: c.rating.as_deref().and_then(|r| {
            serde_json::from_value::<Satisfaction>(serde_json::Value::String(r.into())).ok()
        }),
    }
}

/// The category's name, as the catalogue has it now.
pub fn category_name(state: &AppState, code: &str) -> String {
    state
        .catalogue
        .read()
        .expect("catalogue lock")
        .leaf(code)
        .map(|l| l.name.clone())
        .unwrap_or_default()
}

pub fn view(state: &AppState, c: &CaseRow, timeline: Option<Vec<EventRow>>) -> CaseView {
    let s = machine_state(c);
    let name = category_name(state, &c.category_code);
    let left = c.step_due_at.map(|due| {
        state
            .working_calendar()
            .working_minutes_between(now_millis(), due)
    });
    CaseView {
        id: c.id,
        category: c.category_code.clone(),
        category_name: name,
        channel: c.channel.clone(),
        status: s.status.as_str().into(),
        status_name: s.status.name_zh().into(),
        tier: s.tier.as_str().into(),
        department: c.department.clone(),
        grid_code: c.grid_code.clone(),
        lon: c.lon,
        lat: c.lat,
        address: c.address.clone(),
        description: c.description.clone(),
        rework_count: c.rework_count,
        reopen_count: c.reopen_count,
        escalation_count: c.escalation_count,
        supervised: c.supervised != 0,
        merged_into: c.merged_into,
        rating: c.rating.clone(),
        reported_at: c.reported_at,
        step_due_at: c.step_due_at,
        handle_due_at: c.handle_due_at,
        step_minutes_left: left,
        allowed: machine::allowed(&s)
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
        supports: None,
        notice: None,
        timeline: timeline.map(|events| {
            events
                .into_iter()
                .map(|e| EventView {
                    at: e.at,
                    actor: e.actor,
                    action: e.command,
                    from: e.from_status,
                    to: e.to_status,
                    photos: photos_of(&e.data),
                    note: e.note,
                })
                .collect()
        }),
    }
}

pub(crate) fn photos_of(data: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v.get("photos").cloned())
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default()
}

#[derive(Deserialize, ToSchema, Default)]
pub struct NewCaseRequest {
    /// Leaf category code (see /api/v1/case-categories).
    pub category: String,
    pub description: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// wgs84 (default), gcj02 or bd09.
    pub crs: Option<String>,
    /// Instead of a position, an explicit grid.
    pub grid_code: Option<String>,
    #[serde(default)]
    pub address: String,
    /// patrol, resident, hotline, enterprise, camera, meeting, open311, api; default from the role.
    pub channel: Option<String>,
    /// A finding of this patrol (the reporter's own patrol under way).
    pub patrol_id: Option<i64>,
    /// An enterprise problem: the enterprise (organisation) it concerns; its commissioner reports it.
    pub organisation_id: Option<i64>,
    /// Photos uploaded first to /api/v1/media (their hashes), at most 9.
    #[serde(default)]
    pub photos: Vec<String>,
    /// The category's extra attributes (Open311 `attribute[code]`), code → values.
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, Vec<String>>,
    /// A photo elsewhere (Open311 `media_url`).
    #[serde(default)]
    pub media_url: Option<String>,
}

pub(crate) fn limits_of(state: &AppState, category: &str) -> ApiResult<(StepLimits, u32)> {
    let catalogue = state.catalogue.read().expect("catalogue lock");
    let leaf = catalogue.leaf(category).ok_or_else(|| {
        ApiError::field(
            "category",
            format!("未知类别 {category:?} / unknown category"),
        )
    })?;
    let limits = leaf
        .limits
        .ok_or_else(|| ApiError::field("category", "须为末级类别 / must be a leaf category"))?;
    Ok((limits, leaf.version))
}

/// What the reporter is told when the description or address held phone or ID numbers.
pub fn masking_notice(req: &NewCaseRequest) -> Option<&'static str> {
    (has_personal_numbers(&req.description) || has_personal_numbers(&req.address)).then_some(
        "描述或地址中的手机号、身份证号已隐去，仅有权限的工作人员可经审计查看原文 / phone and ID numbers in the description or address were masked; only entitled staff can see the original, and that is audited",
    )
}

/// Reports a case through the one engine (the JSON API and the report page both call this).
pub async fn report(state: &AppState, ctx: &Context, req: NewCaseRequest) -> ApiResult<CaseRow> {
    let state = state.clone();
    let actor = ctx.actor.clone();
    let (limits, version) = limits_of(&state, &req.category)?;
    let checked = intake_rules::check(
        &intake_rules::NewCase {
            description: &req.description,
            address: &req.address,
            media_url: req.media_url.as_deref(),
            channel: req.channel.as_deref(),
            photos: req.photos.len(),
            organisation_id: req.organisation_id,
            lon: req.lon,
            lat: req.lat,
            grid_code: req.grid_code.as_deref(),
        },
        &actor,
        intake_rules::FieldLimits {
            address: crate::util::max_chars("address"),
            media_url: crate::util::max_chars("media_url"),
        },
    )?;
    let (description, channel) = (checked.description, checked.channel.to_string());
    let (grid, position, enterprise_grid) = match checked.placement {
        Placement::Organisation(org) => {
            let grid = enterprise::check_report(&state, &actor, org, &req.category).await?;
            (grid.clone(), None, Some(grid))
        }
        Placement::Position { lon, lat } => {
            let (x, y, _) = point_to_wgs84(lon, lat, req.crs.as_deref())?;
            let grid = state.locator().locate(x, y).map(str::to_string).ok_or_else(|| {
                ApiError::field("lon/lat", "该位置不在任何网格内，请指定网格 / the position is outside every grid; give a grid_code")
            })?;
            (grid, Some((x, y)), None)
        }
        Placement::Grid(code) => {
            if territory::get_grid(&state.store, code).await?.is_none() {
                return Err(ApiError::field(
                    "grid_code",
                    format!("网格 {code} 不存在 / grid does not exist"),
                ));
            }
            (code.to_string(), None, None)
        }
    };
    if enterprise_grid.is_none() {
        check_report_reach(&state, &actor, &grid, position.is_some())?;
    }
    if let Some(pid) = req.patrol_id {
        let patrol = tongxin_store::cases::patrols::get(&state.store, pid).await?;
        if patrol.is_none_or(|p| p.worker_id != actor.user_id || p.ended_at.is_some()) {
            return Err(ApiError::field(
                "patrol_id",
                "须为本人进行中的巡查 / must be your patrol under way",
            ));
        }
    }
    let now = now_millis();
    let protector = &state.config.protector;
    let description = protector.guard_text(description);
    let address = protector.guard_text(checked.address);
    let mut data = serde_json::json!({ "photos": req.photos, "attributes": req.attributes, "media_url": req.media_url });
    mask_json_strings(&mut data);
    let mut row = CaseRow {
        id: 0,
        category_code: req.category.clone(),
        category_version: i64::from(version),
        channel,
        status: Status::Reported,
        tier: Tier::Grid,
        department: None,
        district_code: grid[..6].into(),
        grid_code: grid,
        lon: position.map(|p| p.0),
        lat: position.map(|p| p.1),
        address: address.shown.clone(),
        description: description.shown.clone(),
        reporter_id: actor.user_id,
        rework_count: 0,
        reopen_count: 0,
        escalation_count: 0,
        supervised: 0,
        merged_into: None,
        rating: None,
        reported_at: now,
        dispatched_at: None,
        closed_at: None,
        step_due_at: step_deadline(&state.working_calendar(), &limits, Status::Reported, now),
        handle_due_at: None,
        updated_at: now,
        version: 1,
    };
    check_photos(&state, &actor, &req.photos).await?;
    let report = intake::Report {
        event: EventRow {
            id: 0,
            case_id: 0,
            at: now,
            actor_id: actor.user_id,
            actor: actor.username.clone(),
            command: "report".into(),
            from_status: None,
            to_status: row.status.as_str().into(),
            note: row.description.clone(),
            data: data.to_string(),
            step_due_at: None,
        },
        audit: ctx
            .audit("case.report", "case", "")
            .node(Some(row.grid_code.clone()))
            .after(Some(serde_json::json!({"category": row.category_code, "channel": row.channel, "grid_code": row.grid_code}))),
        patrol_id: req.patrol_id,
        organisation_id: req.organisation_id,
        photos: req.photos.clone(),
        originals: vec![("description", description), ("address", address)],
        category_name: category_name(&state, &req.category),
        case: row.clone(),
    };
    row.id = state
        .intake
        .submit(report)
        .await
        .map_err(ApiError::internal)?;
    Ok(row)
}

/// The reporter may report in `grid`; if not, the refusal names the grid, so someone who
/// typed a position from the wrong map app sees where it landed.
pub(crate) fn check_report_reach(
    state: &AppState,
    actor: &Actor,
    grid: &str,
    from_position: bool,
) -> ApiResult<()> {
    match authorize(actor, Action::ReportCase, Target::Node(grid)) {
        Err(Denial::Hidden) => {
            let place = state
                .locator()
                .path(grid)
                .iter()
                .skip(1)
                .map(|n| n.name.clone())
                .collect::<Vec<_>>()
                .join(" ");
            let (field, what_zh, what_en) = if from_position {
                ("lon/lat", "该位置", "this position")
            } else {
                ("grid_code", "该网格", "this grid")
            };
            Err(ApiError::field(
                field,
                format!(
                    "{what_zh}在 {place}（{grid}），不在您可上报的范围内；请核对坐标系（手机定位为 WGS-84，高德、腾讯为 GCJ-02，百度为 BD-09）/ {what_en} is in {place} ({grid}), outside where you may report; check the coordinate system"
                ),
            ))
        }
        other => Ok(other?),
    }
}

pub async fn reachable_case(state: &AppState, actor: &Actor, id: i64) -> ApiResult<CaseRow> {
    let c = cases::get_case(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if c.reporter_id != actor.user_id {
        authorize(actor, Action::ViewCase, Target::Record(&c.grid_code))?;
    }
    Ok(c)
}

/// A case's free text as typed, where personal numbers were masked for everyone else.
#[derive(Serialize, ToSchema)]
pub struct RevealedCaseText {
    pub description: String,
    pub address: String,
    /// Timeline notes that held personal numbers, as typed.
    pub notes: Vec<RevealedNote>,
}

#[derive(Serialize, ToSchema)]
pub struct RevealedNote {
    pub event_id: i64,
    pub note: String,
}

/// The case's free text as typed, for one who may read the case and reveal personal data
/// there; the reveal and its reason are audited.
pub async fn reveal_texts(
    state: &AppState,
    actor: &Actor,
    request_id: Option<String>,
    id: i64,
    reason: &str,
) -> ApiResult<RevealedCaseText> {
    let c = reachable_case(state, actor, id).await?;
    let events = cases::timeline(&state.store, id).await?;
    let holders = [
        ("case", vec![id]),
        ("case_event", events.iter().map(|e| e.id).collect()),
    ];
    let of = RevealOf {
        entity: "case",
        entity_id: id,
        node: &c.grid_code,
        holders: &holders,
    };
    let mut revealed = RevealedCaseText {
        description: c.description.clone(),
        address: c.address.clone(),
        notes: Vec::new(),
    };
    for o in reveal(state, actor, request_id, of, reason).await? {
        match (o.holder.as_str(), o.field.as_str()) {
            ("case", "description") => revealed.description = o.text,
            ("case", "address") => revealed.address = o.text,
            _ => revealed.notes.push(RevealedNote {
                event_id: o.holder_id,
                note: o.text,
            }),
        }
    }
    Ok(revealed)
}

/// Whether any of the case's free text was masked (so there is an original to reveal).
pub async fn has_originals(state: &AppState, id: i64, events: &[EventRow]) -> ApiResult<bool> {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    Ok(
        !tongxin_store::people::sealed_texts(&state.store, "case", &[id])
            .await?
            .is_empty()
            || !tongxin_store::people::sealed_texts(&state.store, "case_event", &ids)
                .await?
                .is_empty(),
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyQuery {
    pub category: String,
    pub lon: Option<String>,
    pub lat: Option<String>,
    pub crs: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NearbyCase {
    pub distance_m: f64,
    pub case: CaseView,
}

/// Within this distance and age, an open case of the same category is probably the same
/// problem: offer "me too" instead of a duplicate.
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
pub const DUPLICATE_WINDOW_MS: i64 = 7 * 86_400_000;

#[derive(Deserialize, ToSchema)]
pub struct SupportRequest {
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct SupportAnswer {
    pub case_id: i64,
    pub supports: i64,
    /// False when this person had already supported the case.
    pub added: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub case_id: Option<i64>,
    /// due_soon or overdue.
    pub kind: String,
    pub message: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub(crate) fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::NotAllowed { .. } => {
            let mut e = ApiError::conflict(r.to_string());
            e.slug = "transition-not-allowed";
            e
        }
        Refusal::Invalid { field, reason } => ApiError::field(field, reason),
        Refusal::ReopenWindowPassed { .. } => ApiError::conflict(r.to_string()),
    }
}

/// The division a department serves: the code its own code ends with (`cgj-450103` is
/// 青秀区's), or "" for a city-wide department.
pub fn department_territory(code: &str) -> &str {
    match code.rsplit_once('-') {
        Some((_, t)) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t,
        _ => "",
    }
}

/// Whether a department takes cases located in `grid_code`: a city-wide department anywhere,
/// a district's own only inside its district.
pub fn department_serves(code: &str, grid_code: &str) -> bool {
    grid_code.starts_with(department_territory(code))
}

/// The departments a case (or every one of several cases) located in `grids` may be
/// dispatched to, in catalogue order.
pub fn departments_for<'a>(
    catalogue: &'a tongxin_core::cases::catalogue::Catalogue,
    grids: &[&str],
) -> Vec<&'a tongxin_core::cases::catalogue::Department> {
    catalogue
        .departments
        .iter()
        .filter(|d| grids.iter().all(|g| department_serves(&d.code, g)))
        .collect()
}

/// Who may issue a command: the reporter rates and reopens their own case; the rest is case
/// work within one's reach.
pub(crate) fn authorize_command(actor: &Actor, c: &CaseRow, command: &Command) -> ApiResult<()> {
    authorize_kind(actor, c, command.kind())
}

/// The reporter rates, reopens and may verify their own case; only the reporter rates it;
/// every other step needs the access its kind of work takes at the case's grid.
pub fn authorize_kind(actor: &Actor, c: &CaseRow, kind: CommandKind) -> ApiResult<()> {
    let own = c.reporter_id == actor.user_id;
    match kind {
        CommandKind::Rate | CommandKind::Reopen | CommandKind::Verify if own => Ok(()),
        CommandKind::Rate => Err(ApiError::forbidden()),
        _ => authorize(actor, kind.action(), Target::Record(&c.grid_code)).map_err(Into::into),
    }
}

/// Applies a command to a case through the one engine (the JSON API and the case page both
/// call this); returns the new state and the timeline.
pub async fn act(
    state: &AppState,
    ctx: &Context,
    id: i64,
    command: Command,
) -> ApiResult<(CaseRow, Vec<EventRow>)> {
    let state = state.clone();
    let actor = ctx.actor.clone();
    let before = reachable_case(&state, &actor, id).await?;
    let enterprise_confirmation = matches!(command, Command::Verify { .. })
        && before.channel == "enterprise"
        && enterprise::check_confirmation(&state, &actor, id).await?;
    if !enterprise_confirmation {
        authorize_command(&actor, &before, &command)?;
    }
    if let Command::Dispatch { department, .. } = &command
        && state
            .catalogue
            .read()
            .expect("catalogue lock")
            .department(department.trim())
            .is_none()
    {
        return Err(ApiError::field(
            "department",
            format!("未知部门 {department:?} / unknown department"),
        ));
    }
    if let Command::Dispatch { department, .. } = &command
        && !department_serves(department.trim(), &before.grid_code)
    {
        return Err(ApiError::field(
            "department",
            format!(
                "部门 {department:?} 不负责本案所在城区 / this department does not serve the case's district"
            ),
        ));
    }
    if let Command::Merge { into, .. } = &command {
        check_merge_target(&state, &actor, &before, *into).await?;
    }
    if let Command::Handle { photos, .. } = &command {
        check_photos(&state, &actor, photos).await?;
    }
    let now = now_millis();
    let t = machine::apply(&machine_state(&before), &command, now, &Rules::default())
        .map_err(refusal)?;
    let (limits, _) = limits_of(&state, &before.category_code)?;
    let mut after = before.clone();
    let s = &t.state;
    after.status = s.status;
    after.tier = s.tier;
    after.department = s.department.clone();
    after.rework_count = i64::from(s.rework_count);
    after.reopen_count = i64::from(s.reopen_count);
    after.escalation_count = i64::from(s.escalation_count);
    after.supervised = s.supervised as i64;
    after.merged_into = s.merged_into;
    after.rating = s
        .rating
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.as_str().map(str::to_string));
    after.closed_at = s.closed_at;
    let clocks = clocks_after(
        &state.working_calendar(),
        &limits,
        t.from,
        t.to,
        now,
        Clocks {
            step_due_at: before.step_due_at,
            dispatched_at: before.dispatched_at,
            handle_due_at: before.handle_due_at,
        },
    );
    after.step_due_at = clocks.step_due_at;
    after.dispatched_at = clocks.dispatched_at;
    after.handle_due_at = clocks.handle_due_at;
    after.updated_at = now;
    after.version = before.version + 1;
    let mut data = serde_json::to_value(&command).unwrap_or_default();
    mask_json_strings(&mut data);
    let note = state.config.protector.guard_text(&t.note);
    let event = EventRow {
        id: 0,
        case_id: id,
        at: now,
        actor_id: actor.user_id,
        actor: actor.username.clone(),
        command: t.command.as_str().into(),
        from_status: Some(t.from.as_str().into()),
        to_status: t.to.as_str().into(),
        note: note.shown.clone(),
        data: data.to_string(),
        step_due_at: before.step_due_at,
    };
    let mut tx = state.store.begin().await?;
    let Some(event_id) = cases::record_transition(&mut tx, &before, &after, &event).await? else {
        return Err(ApiError::conflict(
            "案件刚被他人处理，请刷新后重试 / the case changed meanwhile; reload and retry",
        ));
    };
    keep_originals(&mut tx, "case_event", event_id, &[("note", &note)]).await?;
    let category_name = category_name(&state, &after.category_code);
    let hand_over = handover::HandOver {
        case: &after,
        command: Some(t.command),
        to: t.to,
        tier: t.state.tier,
        actor_id: actor.user_id,
        event: event_id.to_string(),
        category_name: &category_name,
    };
    handover::announce(&mut tx, &hand_over).await?;
    if let Command::Handle { photos, .. } = &command {
        cases::link_media(
            &mut tx,
            photos,
            "case",
            id,
            &after.grid_code,
            after.reporter_id,
        )
        .await?;
    }
    if let Command::Merge { into, .. } = &command {
        // The duplicate's reporter follows the original from now on.
        let note = format!("合并自 #{id} / merged from #{id}");
        cases::add_support(&mut tx, *into, before.reporter_id, now, &note).await?;
    }
    audit::record(&mut tx, &ctx.audit(&format!("case.{}", t.command.as_str()), "case", id.to_string()).node(Some(after.grid_code.clone()))
        .before(Some(serde_json::json!({"status": before.status, "department": before.department})))
        .after(Some(serde_json::json!({"status": after.status, "department": after.department, "rework_count": after.rework_count})))).await?;
    if after.status == Status::Closed {
        tongxin_store::deliberation::sessions::complete_items_of_case(
            &mut tx,
            id,
            actor.user_id,
            &actor.username,
            now,
        )
        .await?;
    }
    commit(tx).await?;
    let events = cases::timeline(&state.store, id).await?;
    Ok((after, events))
}

/// Every photo must have been uploaded (by its hash) before a case refers to it, and be one
/// the actor may read: knowing a hash does not let anyone attach (and so read) a photo.
pub(crate) async fn check_photos(
    state: &AppState,
    actor: &Actor,
    photos: &[String],
) -> ApiResult<()> {
    for (i, hash) in photos.iter().enumerate() {
        if media::readable(state, actor, hash).await.is_err() {
            return Err(ApiError::field(
                "photos",
                format!(
                    "第 {} 张照片未上传 / photo {} was not uploaded",
                    i + 1,
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

/// A duplicate merges into an open case of the same category in the actor's reach.
pub(crate) async fn check_merge_target(
    state: &AppState,
    actor: &Actor,
    duplicate: &CaseRow,
    into: i64,
) -> ApiResult<()> {
    let field = |reason: &str| ApiError::field("into", reason.to_string());
    if into == duplicate.id {
        return Err(field("不能合并到自身 / a case cannot merge into itself"));
    }
    let original = cases::get_case(&state.store, into)
        .await?
        .ok_or_else(|| field("原案件不存在 / no such case"))?;
    authorize(actor, Action::WorkCase, Target::Node(&original.grid_code))
        .map_err(|_| field("原案件不存在 / no such case"))?;
    if !original.status.is_open() {
        return Err(field("原案件已结束 / the original case is no longer open"));
    }
    if original.category_code != duplicate.category_code {
        return Err(field(
            "只能合并同类别案件 / only cases of the same category merge",
        ));
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseListQuery {
    pub within: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub department: Option<String>,
    /// Words in the description or address.
    pub q: Option<String>,
    /// true: only open cases past their step deadline.
    pub overdue: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

impl CaseListQuery {
    pub fn filter(&self) -> cases::CaseFilter {
        let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        cases::CaseFilter {
            status: some(&self.status),
            category: some(&self.category),
            channel: some(&self.channel),
            department: some(&self.department),
            text: some(&self.q),
            overdue_at: self.overdue.unwrap_or(false).then(now_millis),
            open_only: false,
        }
    }
}

pub async fn post_case(
    state: &AppState,
    ctx: &Context,
    req: NewCaseRequest,
) -> ApiResult<CaseView> {
    let masked = masking_notice(&req);
    let row = report(state, ctx, req).await?;
    let mut v = view(state, &row, None);
    v.notice = masked.map(str::to_string);
    Ok(v)
}

pub async fn get_case(state: &AppState, ctx: &Context, id: i64) -> ApiResult<CaseView> {
    let actor = &ctx.actor;
    let c = reachable_case(state, actor, id).await?;
    let events = cases::timeline(&state.store, id).await?;
    let mut v = view(state, &c, Some(events));
    v.supports = Some(cases::support_count(&state.store, id).await?);
    Ok(v)
}

pub async fn reveal_case(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: crate::people::RevealRequest,
) -> ApiResult<RevealedCaseText> {
    let actor = &ctx.actor;
    let reason = crate::people::reveal_reason(&req)?;
    let revealed = reveal_texts(state, actor, ctx.request_id.clone(), id, reason).await?;
    Ok(revealed)
}

pub async fn nearby_cases(
    state: &AppState,
    ctx: &Context,
    q: NearbyQuery,
) -> ApiResult<Vec<NearbyCase>> {
    let actor = &ctx.actor;
    limits_of(state, &q.category)?;
    let number = |name: &str, v: Option<&str>| -> ApiResult<f64> {
        v.and_then(|t| t.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite())
            .ok_or_else(|| {
                ApiError::field(name, format!("{name} 须为数字 / {name} must be a number"))
            })
    };
    let (lon, lat, _) = point_to_wgs84(
        number("lon", q.lon.as_deref())?,
        number("lat", q.lat.as_deref())?,
        q.crs.as_deref(),
    )?;
    let (m_lat, m_lon) = tongxin_geo::crs::metres_per_degree(lat);
    let (dx, dy) = (DUPLICATE_RADIUS_M / m_lon, DUPLICATE_RADIUS_M / m_lat);
    let since = now_millis() - DUPLICATE_WINDOW_MS;
    let rows = cases::candidates_near(
        &state.store,
        &q.category,
        since,
        [lon - dx, lat - dy, lon + dx, lat + dy],
    )
    .await?;
    let mut near: Vec<NearbyCase> = rows
        .iter()
        .filter(|c| {
            c.reporter_id == actor.user_id
                || authorize(actor, Action::ReportCase, Target::Node(&c.grid_code)).is_ok()
        })
        .filter_map(|c| {
            let d = tongxin_geo::crs::distance_m((lon, lat), (c.lon?, c.lat?));
            (d <= DUPLICATE_RADIUS_M).then(|| NearbyCase {
                distance_m: (d * 10.0).round() / 10.0,
                case: view(state, c, None),
            })
        })
        .collect();
    near.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Ok(near)
}

pub async fn support_case(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: SupportRequest,
) -> ApiResult<SupportAnswer> {
    let actor = &ctx.actor;
    let c = cases::get_case(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(actor, Action::ReportCase, Target::Record(&c.grid_code))?;
    if !c.status.is_open() {
        return Err(ApiError::conflict(
            "案件已结束，不能再附议 / the case is no longer open",
        ));
    }
    if req.note.chars().count() > 500 {
        return Err(ApiError::field(
            "note",
            "最多 500 字 / at most 500 characters",
        ));
    }
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    let added = cases::add_support(&mut tx, id, actor.user_id, now, req.note.trim()).await?;
    if added {
        audit::record(
            &mut tx,
            &audit_entry(actor, "case.support", "case", id.to_string())
                .node(Some(c.grid_code.clone()))
                .request(ctx.request_id.clone()),
        )
        .await?;
    }
    commit(tx).await?;
    Ok(SupportAnswer {
        case_id: id,
        supports: cases::support_count(&state.store, id).await?,
        added,
    })
}

pub async fn list_notifications(
    state: &AppState,
    ctx: &Context,
    q: NotificationQuery,
) -> ApiResult<PageOut<NotificationView>> {
    let actor = &ctx.actor;
    let page = cases::notifications(
        &state.store,
        actor.user_id,
        q.unread.unwrap_or(false),
        Cursor::decode_i64(q.cursor.as_deref())?,
        clamp_limit(q.limit),
    )
    .await?;
    Ok(PageOut::new(
        page.items
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                case_id: n.case_id,
                kind: n.kind,
                message: n.message,
                created_at: n.created_at,
                read_at: n.read_at,
            })
            .collect(),
        page.next,
    ))
}

pub async fn post_action(
    state: &AppState,
    ctx: &Context,
    id: i64,
    command: Command,
) -> ApiResult<CaseView> {
    let (after, events) = act(state, ctx, id, command).await?;
    Ok(view(state, &after, Some(events)))
}

pub async fn list_cases(
    state: &AppState,
    ctx: &Context,
    q: CaseListQuery,
) -> ApiResult<PageOut<CaseView>> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::WorkCase, q.within.as_deref())?;
    let page = cases::list_cases(
        &state.store,
        &prefixes,
        &q.filter(),
        Cursor::decode_i64(q.cursor.as_deref())?,
        clamp_limit(q.limit),
    )
    .await?;
    Ok(PageOut::new(
        page.items.iter().map(|c| view(state, c, None)).collect(),
        page.next,
    ))
}
