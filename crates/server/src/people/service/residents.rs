//! Residents and households.

use super::{invalid_fields, today};
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{Cursor, PageOut, clamp_limit, reach_within};
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::people::{
    CitizenId, Phone, Tag, ValidResident, age_on, tags_from_column, tags_to_column,
    validate_resident,
};
use tongxin_core::territory::GridCode;
use tongxin_store::people::{self, HouseholdRow, ResidentQuery, ResidentRow};
use tongxin_store::protect::Protected;
use tongxin_store::{Backend, audit, commit, now_millis, reserve_ids, sync_ids, territory};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema, Clone)]
pub struct TagView {
    pub code: String,
    pub name: String,
}

pub(crate) fn tag_views(column: &str) -> Vec<TagView> {
    tags_from_column(column)
        .into_iter()
        .map(|t| TagView {
            code: t.as_str().into(),
            name: t.name_zh().into(),
        })
        .collect()
}

/// A resident as most readers see them: ID and phone masked.
#[derive(Serialize, ToSchema)]
pub struct ResidentView {
    pub id: i64,
    pub name: String,
    /// Masked, e.g. 4501**********123X.
    pub citizen_id: String,
    pub sex: String,
    pub birth_date: String,
    pub age: u32,
    /// Masked, e.g. 138****5678.
    pub phone: Option<String>,
    pub household_id: Option<i64>,
    pub building_id: Option<i64>,
    pub unit: String,
    pub room: String,
    pub grid_code: String,
    pub tags: Vec<TagView>,
    /// resident or moved_out.
    pub status: String,
}

pub fn resident_view(r: &ResidentRow) -> ResidentView {
    let birth: u32 = r.birth_date.replace('-', "").parse().unwrap_or(0);
    ResidentView {
        id: r.id,
        name: r.name.clone(),
        citizen_id: r.id_masked.clone(),
        sex: r.sex.clone(),
        birth_date: r.birth_date.clone(),
        age: age_on(birth, today()),
        phone: r.phone_masked.clone(),
        household_id: r.household_id,
        building_id: r.building_id,
        unit: r.unit.clone(),
        room: r.room.clone(),
        grid_code: r.grid_code.clone(),
        tags: tag_views(&r.tags),
        status: r.status.clone(),
    }
}

#[derive(Deserialize, ToSchema, Default, Clone)]
pub struct PlaceRequest {
    /// Join an existing household (its grid and building apply).
    pub household_id: Option<i64>,
    /// Or live in a building (its grid applies).
    pub building_id: Option<i64>,
    /// Or only a grid (bungalows, villages).
    pub grid_code: Option<String>,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub room: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewResidentRequest {
    pub name: String,
    /// 18-character GB 11643 number; stored encrypted, shown masked.
    pub citizen_id: String,
    pub phone: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(flatten)]
    pub place: PlaceRequest,
}

/// Where a person lives, resolved and checked against the actor's reach.
pub struct Place {
    pub household_id: Option<i64>,
    pub building_id: Option<i64>,
    pub grid_code: String,
    pub unit: String,
    pub room: String,
}

pub async fn resolve_place(
    state: &AppState,
    actor: &Actor,
    req: &PlaceRequest,
) -> ApiResult<Place> {
    let (grid, building_id, unit, room) = if let Some(hid) = req.household_id {
        let h = people::get_household(&state.store, hid)
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    "household_id",
                    format!("户 {hid} 不存在 / household does not exist"),
                )
            })?;
        (h.grid_code, h.building_id, h.unit, h.room)
    } else if let Some(bid) = req.building_id {
        let b = territory::get_building(&state.store, bid)
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    "building_id",
                    format!("楼栋 {bid} 不存在 / building does not exist"),
                )
            })?;
        (
            b.grid_code,
            Some(bid),
            req.unit.trim().into(),
            req.room.trim().into(),
        )
    } else {
        let code = req
            .grid_code
            .as_deref()
            .ok_or_else(|| ApiError::field("grid_code", "须给出 household_id、building_id 或 grid_code / give a household, building or grid"))?;
        GridCode::parse(code).map_err(|e| ApiError::field("grid_code", e.to_string()))?;
        if territory::get_grid(&state.store, code).await?.is_none() {
            return Err(ApiError::field(
                "grid_code",
                format!("网格 {code} 不存在 / grid does not exist"),
            ));
        }
        (
            code.to_string(),
            None,
            req.unit.trim().into(),
            req.room.trim().into(),
        )
    };
    authorize(actor, Action::ManagePeople, Target::Node(&grid))?;
    Ok(Place {
        household_id: req.household_id,
        building_id,
        grid_code: grid,
        unit,
        room,
    })
}

pub(crate) fn tags_text(tags: &[String]) -> String {
    tags.join(",")
}

/// A new resident row with sealed, hashed and masked personal numbers.
/// A resident row from a validated resident whose ID number is already protected (sealed,
/// keyed-hashed, masked).
pub fn build_row(
    state: &AppState,
    id: i64,
    valid: &ValidResident,
    sealed_id: Protected,
    (place, now, reason): (&Place, i64, &str),
) -> ResidentRow {
    let (name, citizen_id, phone, tags) = (
        &valid.name,
        &valid.citizen_id,
        valid.phone.as_ref(),
        &valid.tags,
    );
    let p = &state.config.protector;
    let sealed_phone = phone.map(|ph| p.phone(ph));
    ResidentRow {
        id,
        name: name.clone(),
        id_sealed: sealed_id.sealed,
        id_hash: sealed_id.hash,
        id_masked: sealed_id.masked,
        sex: citizen_id.sex().as_str().into(),
        birth_date: citizen_id.birth_date(),
        phone_sealed: sealed_phone.as_ref().map(|s| s.sealed.clone()),
        phone_hash: sealed_phone.as_ref().map(|s| s.hash.clone()),
        phone_masked: sealed_phone.map(|s| s.masked),
        household_id: place.household_id,
        building_id: place.building_id,
        unit: place.unit.clone(),
        room: place.room.clone(),
        district_code: place.grid_code[..6].to_string(),
        grid_code: place.grid_code.clone(),
        tags: tags_to_column(tags),
        status: "resident".into(),
        created_at: now,
        updated_at: now,
        place_since: now,
        place_reason: reason.to_string(),
    }
}

pub(crate) fn summary(r: &ResidentRow) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "citizen_id": r.id_masked, "phone": r.phone_masked,
        "grid_code": r.grid_code, "household_id": r.household_id, "building_id": r.building_id,
        "unit": r.unit, "room": r.room, "tags": r.tags, "status": r.status,
    })
}

pub(crate) async fn claim_head_if_vacant(
    tx: &mut tongxin_store::Conn,
    household: i64,
    resident: i64,
    now: i64,
) -> ApiResult<()> {
    let (head,): (Option<i64>,) = sqlx_head(tx, household).await?;
    if head.is_none() {
        people::set_household_head(tx, household, Some(resident), now).await?;
    }
    Ok(())
}

pub(crate) async fn sqlx_head(
    tx: &mut tongxin_store::Conn,
    household: i64,
) -> ApiResult<(Option<i64>,)> {
    Ok(people::household_head(tx, household).await?)
}

/// The resident if the actor may `action` at their grid; hidden otherwise.
pub(crate) async fn reachable_resident(
    state: &AppState,
    actor: &Actor,
    id: i64,
    action: Action,
) -> ApiResult<ResidentRow> {
    let row = people::get_resident(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(actor, action, Target::Record(&row.grid_code))?;
    Ok(row)
}

#[derive(Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Why the plain values are needed (kept in the audit trail).
    #[schema(max_length = 200)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevealedView {
    pub id: i64,
    pub citizen_id: String,
    pub phone: Option<String>,
}

/// The stated purpose of a reveal, which the audit trail keeps.
pub fn reveal_reason(req: &RevealRequest) -> ApiResult<&str> {
    let reason = req.reason.trim();
    if reason.chars().count() < 2 || reason.chars().count() > 200 {
        return Err(ApiError::field(
            "reason",
            "须说明用途（2–200 字）/ state the purpose (2–200 characters)",
        ));
    }
    Ok(reason)
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateResidentRequest {
    pub name: Option<String>,
    /// New phone; an empty string removes it.
    pub phone: Option<String>,
    pub tags: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
pub struct MoveRequest {
    /// Leaving the registry (moved away, deceased); otherwise give the new place.
    #[serde(default)]
    pub move_out: bool,
    pub reason: String,
    #[serde(flatten)]
    pub place: PlaceRequest,
}

#[derive(Serialize, ToSchema)]
pub struct ResidencePeriod {
    pub household_id: Option<i64>,
    pub building_id: Option<i64>,
    pub grid_code: Option<String>,
    pub unit: String,
    pub room: String,
    pub from_at: i64,
    pub to_at: Option<i64>,
    pub reason: String,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ResidentSearch {
    /// Division or grid code; omitted = everywhere the caller reaches.
    pub within: Option<String>,
    /// Part of the name (Chinese or other), e.g. "芳".
    #[schema(max_length = 40)]
    pub name: Option<String>,
    /// Tag code or Chinese name, e.g. elderly_alone or 独居老人.
    pub tag: Option<String>,
    /// Exact ID number (matched by keyed hash; never stored or logged in plain text).
    pub citizen_id: Option<String>,
    /// Exact phone number (matched by keyed hash).
    pub phone: Option<String>,
    pub household_id: Option<i64>,
    #[serde(default)]
    pub include_moved_out: bool,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// Builds the store query for a search, hashing exact numbers; `None` = cannot match.
pub fn resident_query(
    state: &AppState,
    actor: &Actor,
    s: &ResidentSearch,
    action: Action,
) -> ApiResult<Option<ResidentQuery>> {
    let prefixes = reach_within(actor, action, s.within.as_deref())?;
    let p = &state.config.protector;
    let id_hash = match s
        .citizen_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(text) => match CitizenId::parse(text, today()) {
            Ok(id) => Some(p.id_hash(&id)),
            Err(_) => return Ok(None),
        },
    };
    let phone_hash = match s.phone.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => match Phone::parse(text) {
            Ok(ph) => Some(p.phone_hash(&ph)),
            Err(e) => return Err(ApiError::field("phone", e.to_string())),
        },
    };
    let tag = match s.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            Tag::parse(t)
                .ok_or_else(|| ApiError::field("tag", format!("未知标签 {t:?} / unknown tag")))?
                .as_str()
                .to_string(),
        ),
    };
    let name_part = s
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if name_part.as_ref().is_some_and(|n| n.chars().count() > 40) {
        return Err(ApiError::field(
            "name",
            "最多 40 字 / at most 40 characters",
        ));
    }
    Ok(Some(ResidentQuery {
        prefixes,
        name_part,
        tag,
        id_hash,
        phone_hash,
        household_id: s.household_id,
        include_moved_out: s.include_moved_out,
        after: Cursor::decode_i64(s.cursor.as_deref())?,
        limit: clamp_limit(s.limit),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewHouseholdRequest {
    pub grid_code: Option<String>,
    pub building_id: Option<i64>,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub room: String,
    /// Address text; derived from the building when empty.
    #[serde(default)]
    pub address: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: i64,
    pub grid_code: String,
    pub building_id: Option<i64>,
    pub unit: String,
    pub room: String,
    pub address: String,
    pub head_resident_id: Option<i64>,
    pub members: Vec<ResidentView>,
}

/// The household with its current members (masked).
pub(crate) async fn with_members(state: &AppState, h: HouseholdRow) -> ApiResult<HouseholdView> {
    let query = ResidentQuery {
        prefixes: vec![h.grid_code[..6].to_string()],
        household_id: Some(h.id),
        limit: 100,
        ..Default::default()
    };
    let members = people::search_residents(&state.store, &query).await?;
    Ok(household_view(
        h,
        members.items.iter().map(resident_view).collect(),
    ))
}

pub(crate) fn household_view(h: HouseholdRow, members: Vec<ResidentView>) -> HouseholdView {
    HouseholdView {
        id: h.id,
        grid_code: h.grid_code,
        building_id: h.building_id,
        unit: h.unit,
        room: h.room,
        address: h.address,
        head_resident_id: h.head_resident_id,
        members,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct HeadRequest {
    pub resident_id: i64,
}

pub async fn post_resident(
    state: &AppState,
    ctx: &Context,
    req: NewResidentRequest,
) -> ApiResult<ResidentView> {
    let actor = &ctx.actor;
    let valid = validate_resident(
        &req.name,
        &req.citizen_id,
        req.phone.as_deref(),
        &tags_text(&req.tags),
        today(),
    )
    .map_err(invalid_fields)?;
    let place = resolve_place(state, actor, &req.place).await?;
    let hash = state.config.protector.id_hash(&valid.citizen_id);
    let now = now_millis();
    let backend = state.store.backend();
    let mut tx = state.store.begin().await?;
    if !people::existing_id_hashes(&mut tx, &[hash.as_str()])
        .await?
        .is_empty()
    {
        return Err(ApiError::conflict(
            "该身份证号已登记 / this citizen ID number is already registered",
        ));
    }
    let id = reserve_ids(&mut tx, backend, "residents", 1).await?;
    let sealed_id = state
        .config
        .protector
        .citizen_id_hashed(&valid.citizen_id, hash);
    let row = build_row(
        state,
        id,
        &valid,
        sealed_id,
        (&place, now, "登记 / registered"),
    );
    people::insert_residents(&mut tx, vec![row.clone()]).await?;
    sync_ids(&mut tx, backend, "residents").await?;
    if let Some(hid) = row.household_id {
        claim_head_if_vacant(&mut tx, hid, row.id, now).await?;
    }
    audit::record(
        &mut tx,
        &audit_entry(actor, "resident.create", "resident", id.to_string())
            .node(Some(row.grid_code.clone()))
            .after(Some(summary(&row)))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(resident_view(&row))
}

pub async fn get_resident(state: &AppState, ctx: &Context, id: i64) -> ApiResult<ResidentView> {
    let actor = &ctx.actor;
    let row = reachable_resident(state, actor, id, Action::ViewPeople).await?;
    Ok(resident_view(&row))
}

pub async fn reveal_resident(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: RevealRequest,
) -> ApiResult<RevealedView> {
    let actor = &ctx.actor;
    let row = reachable_resident(state, actor, id, Action::ViewPeople).await?;
    authorize(
        actor,
        Action::RevealPersonalData,
        Target::Node(&row.grid_code),
    )?;
    let reason = reveal_reason(&req)?;
    let p = &state.config.protector;
    let citizen_id = p.open(&row.id_sealed).map_err(ApiError::internal)?;
    let phone = row
        .phone_sealed
        .as_deref()
        .map(|s| p.open(s))
        .transpose()
        .map_err(ApiError::internal)?;
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "resident.reveal", "resident", id.to_string())
            .node(Some(row.grid_code.clone()))
            .after(Some(
                serde_json::json!({"reason": reason, "fields": ["citizen_id", "phone"]}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(RevealedView {
        id,
        citizen_id,
        phone,
    })
}

pub async fn patch_resident(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: UpdateResidentRequest,
) -> ApiResult<ResidentView> {
    let actor = &ctx.actor;
    let before = reachable_resident(state, actor, id, Action::ManagePeople).await?;
    let mut row = before.clone();
    let mut errors = Vec::new();
    if let Some(name) = &req.name {
        match tongxin_core::people::check_name(name) {
            Ok(()) => row.name = name.trim().into(),
            Err(e) => errors.push(("name", e)),
        }
    }
    if let Some(phone) = &req.phone {
        if phone.trim().is_empty() {
            (row.phone_sealed, row.phone_hash, row.phone_masked) = (None, None, None);
        } else {
            match Phone::parse(phone) {
                Ok(p) => {
                    let s = state.config.protector.phone(&p);
                    (row.phone_sealed, row.phone_hash, row.phone_masked) =
                        (Some(s.sealed), Some(s.hash), Some(s.masked));
                }
                Err(e) => errors.push(("phone", e.to_string())),
            }
        }
    }
    if let Some(tags) = &req.tags {
        match Tag::parse_list(&tags_text(tags)) {
            Ok(t) => row.tags = tags_to_column(&t),
            Err(e) => errors.push(("tags", e)),
        }
    }
    if !errors.is_empty() {
        return Err(invalid_fields(errors));
    }
    row.updated_at = now_millis();
    let mut tx = state.store.begin().await?;
    people::update_resident_details(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "resident.update", "resident", id.to_string())
            .node(Some(row.grid_code.clone()))
            .before(Some(summary(&before)))
            .after(Some(summary(&row)))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(resident_view(&row))
}

pub async fn move_resident(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: MoveRequest,
) -> ApiResult<ResidentView> {
    let actor = &ctx.actor;
    let before = reachable_resident(state, actor, id, Action::ManagePeople).await?;
    if before.status != "resident" {
        return Err(ApiError::conflict(
            "此人已迁出 / this person has already moved out",
        ));
    }
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::field(
            "reason",
            "须说明迁移原因（1–200 字）/ give the reason (1–200 characters)",
        ));
    }
    let mut row = before.clone();
    if req.move_out {
        row.status = "moved_out".into();
    } else {
        let place = resolve_place(state, actor, &req.place).await?;
        row.household_id = place.household_id;
        row.building_id = place.building_id;
        row.district_code = place.grid_code[..6].to_string();
        row.grid_code = place.grid_code;
        row.unit = place.unit;
        row.room = place.room;
    }
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    people::move_resident(&mut tx, &before, &row, now, reason).await?;
    let left_household = before
        .household_id
        .filter(|h| req.move_out || Some(*h) != row.household_id);
    if let Some(old) = left_household {
        people::reassign_head(&mut tx, old, id, now).await?;
    }
    if let Some(new) = row.household_id.filter(|_| !req.move_out) {
        claim_head_if_vacant(&mut tx, new, id, now).await?;
    }
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            if req.move_out {
                "resident.move_out"
            } else {
                "resident.move"
            },
            "resident",
            id.to_string(),
        )
        .node(Some(before.grid_code.clone()))
        .before(Some(summary(&before)))
        .after(Some(summary(&row)))
        .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(resident_view(&row))
}

pub async fn resident_history(
    state: &AppState,
    ctx: &Context,
    id: i64,
) -> ApiResult<Vec<ResidencePeriod>> {
    let actor = &ctx.actor;
    let resident = reachable_resident(state, actor, id, Action::ViewPeople).await?;
    let rows = people::history(&state.store, &resident).await?;
    Ok(rows
        .into_iter()
        .map(|h| ResidencePeriod {
            household_id: h.household_id,
            building_id: h.building_id,
            grid_code: h.grid_code,
            unit: h.unit,
            room: h.room,
            from_at: h.from_at,
            to_at: h.to_at,
            reason: h.reason,
        })
        .collect())
}

pub async fn search_residents(
    state: &AppState,
    ctx: &Context,
    req: ResidentSearch,
) -> ApiResult<PageOut<ResidentView>> {
    let actor = &ctx.actor;
    let Some(query) = resident_query(state, actor, &req, Action::ViewPeople)? else {
        return Ok(PageOut::new(Vec::new(), None));
    };
    let page = people::search_residents(&state.store, &query).await?;
    Ok(PageOut::new(
        page.items.iter().map(resident_view).collect(),
        page.next,
    ))
}

pub async fn post_household(
    state: &AppState,
    ctx: &Context,
    req: NewHouseholdRequest,
) -> ApiResult<HouseholdView> {
    let actor = &ctx.actor;
    let place = resolve_place(
        state,
        actor,
        &PlaceRequest {
            household_id: None,
            building_id: req.building_id,
            grid_code: req.grid_code.clone(),
            unit: req.unit.clone(),
            room: req.room.clone(),
        },
    )
    .await?;
    let mut address = req.address.trim().to_string();
    if address.is_empty() {
        address = match place.building_id {
            Some(b) => {
                let building = territory::get_building(&state.store, b)
                    .await?
                    .map(|b| b.name)
                    .unwrap_or_default();
                format!("{building}{}{}", place.unit, place.room)
            }
            None => {
                return Err(ApiError::field(
                    "address",
                    "没有楼栋时须填写地址 / an address is required without a building",
                ));
            }
        };
    }
    let now = now_millis();
    let backend: Backend = state.store.backend();
    let mut tx = state.store.begin().await?;
    let id = reserve_ids(&mut tx, backend, "households", 1).await?;
    let row = HouseholdRow {
        id,
        district_code: place.grid_code[..6].into(),
        grid_code: place.grid_code,
        building_id: place.building_id,
        unit: place.unit,
        room: place.room,
        address,
        head_resident_id: None,
        created_at: now,
        updated_at: now,
    };
    people::insert_households(&mut tx, vec![row.clone()]).await?;
    sync_ids(&mut tx, backend, "households").await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "household.create", "household", id.to_string())
            .node(Some(row.grid_code.clone()))
            .after(Some(
                serde_json::json!({"address": row.address, "grid_code": row.grid_code}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(household_view(row, Vec::new()))
}

pub async fn get_household(state: &AppState, ctx: &Context, id: i64) -> ApiResult<HouseholdView> {
    let actor = &ctx.actor;
    let h = people::get_household(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(actor, Action::ViewPeople, Target::Record(&h.grid_code))?;
    with_members(state, h).await
}

pub async fn set_household_head(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: HeadRequest,
) -> ApiResult<HouseholdView> {
    let actor = &ctx.actor;
    let h = people::get_household(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(actor, Action::ManagePeople, Target::Record(&h.grid_code))?;
    let member = people::get_resident(&state.store, req.resident_id).await?;
    if member.is_none_or(|m| m.household_id != Some(id) || m.status != "resident") {
        return Err(ApiError::field(
            "resident_id",
            "户主须为本户在册成员 / the head must be a current member of the household",
        ));
    }
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    people::set_household_head(&mut tx, id, Some(req.resident_id), now).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "household.head", "household", id.to_string())
            .node(Some(h.grid_code.clone()))
            .before(Some(
                serde_json::json!({"head_resident_id": h.head_resident_id}),
            ))
            .after(Some(
                serde_json::json!({"head_resident_id": req.resident_id}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    let h = people::get_household(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    with_members(state, h).await
}
