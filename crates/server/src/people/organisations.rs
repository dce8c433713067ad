//! Organisations in the grid, party organisations and party members.

use super::invalid_fields;
use crate::access::session::request_id;
use crate::access::{Authenticated, audit_entry};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::territory::point_to_wgs84;
use crate::util::{ApiJson, ApiQuery, Cursor, PageOut, clamp_limit, reach_within};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::people::{OrgKind, PartyOrgKind, Phone};
use tongxin_core::territory::{DivisionCode, Level};
use tongxin_store::people::{self, OrganisationRow, PartyMemberRow, PartyOrgRow};
use tongxin_store::{audit, commit, now_millis, reserve_ids, sync_ids, territory};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub kind_name: String,
    pub community_code: String,
    pub grid_code: String,
    pub lon: f64,
    pub lat: f64,
    pub contact_name: String,
    /// Masked.
    pub contact_phone: Option<String>,
    /// Reported to the community (双报到).
    pub registered: bool,
}

pub fn organisation_view(o: &OrganisationRow) -> OrganisationView {
    OrganisationView {
        id: o.id,
        name: o.name.clone(),
        kind_name: OrgKind::parse(&o.kind)
            .map(|k| k.name_zh())
            .unwrap_or("")
            .into(),
        kind: o.kind.clone(),
        community_code: o.community_code.clone(),
        grid_code: o.grid_code.clone(),
        lon: o.lon,
        lat: o.lat,
        contact_name: o.contact_name.clone(),
        contact_phone: o.contact_phone_masked.clone(),
        registered: o.registered != 0,
    }
}

#[derive(Deserialize, ToSchema, Clone)]
pub struct NewOrganisationRequest {
    #[schema(max_length = 100)]
    pub name: String,
    /// government_unit, enterprise, property_company, owners_committee, social_organisation,
    /// school, hospital, other (or the Chinese names).
    pub kind: String,
    /// The community it reports to; its location must lie in one of that community's grids.
    pub community_code: String,
    pub lon: f64,
    pub lat: f64,
    pub crs: Option<String>,
    #[serde(default)]
    pub contact_name: String,
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub registered: bool,
}

/// An organisation that passed its checks, placed in a grid.
pub struct PlacedOrganisation {
    pub kind: OrgKind,
    pub grid: String,
    pub lon: f64,
    pub lat: f64,
    pub phone: Option<Phone>,
}

/// Validates an organisation and places it in a grid (API and imports share this).
pub fn check_organisation(
    state: &AppState,
    req: &NewOrganisationRequest,
) -> Result<PlacedOrganisation, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push((
            "name",
            "名称须为 1–100 字 / name must have 1–100 characters".to_string(),
        ));
    }
    let kind = OrgKind::parse(&req.kind);
    if kind.is_none() {
        errors.push(("kind", format!("未知类型 {:?} / unknown kind", req.kind)));
    }
    let community = DivisionCode::parse(&req.community_code)
        .ok()
        .filter(|c| c.level() == Level::Community);
    if community.is_none() {
        errors.push((
            "community_code",
            "须为 12 位社区代码 / must be a 12-digit community code".to_string(),
        ));
    }
    let phone = match req
        .contact_phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(p) => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(("contact_phone", e.to_string()));
                None
            }
        },
    };
    let mut located = None;
    match point_to_wgs84(req.lon, req.lat, req.crs.as_deref()) {
        Err(e) => errors.push(("lon/lat", e.detail)),
        Ok((lon, lat, _)) => match (state.locator().locate(lon, lat), &community) {
            (Some(grid), Some(c)) if grid.starts_with(c.as_str()) => located = Some((grid.to_string(), lon, lat)),
            (_, Some(c)) => errors.push(("lon/lat", format!("位置不在社区 {c} 的任何网格内 / the location is not inside any grid of community {c}"))),
            _ => {}
        },
    }
    match (kind, located) {
        (Some(kind), Some((grid, lon, lat))) if errors.is_empty() => Ok(PlacedOrganisation {
            kind,
            grid,
            lon,
            lat,
            phone,
        }),
        _ => Err(errors),
    }
}

pub fn organisation_row(
    state: &AppState,
    id: i64,
    req: &NewOrganisationRequest,
    checked: PlacedOrganisation,
    now: i64,
) -> OrganisationRow {
    let PlacedOrganisation {
        kind,
        grid,
        lon,
        lat,
        phone,
    } = checked;
    let sealed = phone.map(|p| state.config.protector.phone(&p));
    OrganisationRow {
        id,
        name: req.name.trim().into(),
        kind: kind.as_str().into(),
        community_code: req.community_code.clone(),
        district_code: grid[..6].into(),
        grid_code: grid,
        lon,
        lat,
        contact_name: req.contact_name.trim().into(),
        contact_phone_sealed: sealed.as_ref().map(|s| s.sealed.clone()),
        contact_phone_hash: sealed.as_ref().map(|s| s.hash.clone()),
        contact_phone_masked: sealed.map(|s| s.masked),
        registered: req.registered as i64,
        created_at: now,
        updated_at: now,
    }
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "people", request_body = NewOrganisationRequest,
    responses((status = 201, body = OrganisationView), (status = 422, body = crate::error::Problem)))]
pub async fn post_organisation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewOrganisationRequest>,
) -> ApiResult<(StatusCode, Json<OrganisationView>)> {
    if DivisionCode::parse(&req.community_code).is_ok() {
        authorize(
            &actor,
            Action::ManagePeople,
            Target::Node(&req.community_code),
        )?;
    }
    let checked = check_organisation(&state, &req).map_err(invalid_fields)?;
    let now = now_millis();
    let backend = state.store.backend();
    let mut tx = state.store.begin().await?;
    let id = reserve_ids(&mut tx, backend, "organisations", 1).await?;
    let row = organisation_row(&state, id, &req, checked, now);
    people::insert_organisations(&mut tx, std::slice::from_ref(&row)).await?;
    sync_ids(&mut tx, backend, "organisations").await?;
    audit::record(&mut tx, &audit_entry(&actor, "organisation.create", "organisation", id.to_string()).node(Some(row.grid_code.clone()))
        .after(Some(serde_json::json!({"name": row.name, "kind": row.kind, "grid_code": row.grid_code, "registered": req.registered})))
        .request(request_id(&headers))).await?;
    commit(tx).await?;
    Ok((StatusCode::CREATED, Json(organisation_view(&row))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationListQuery {
    pub within: Option<String>,
    pub kind: Option<String>,
    /// Part of the name.
    pub name: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "people", params(OrganisationListQuery),
    responses((status = 200, body = PageOut<OrganisationView>)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<OrganisationListQuery>,
) -> ApiResult<Json<PageOut<OrganisationView>>> {
    let prefixes = reach_within(&actor, Action::ViewTerritory, q.within.as_deref())?;
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(
            OrgKind::parse(k)
                .ok_or_else(|| ApiError::field("kind", format!("未知类型 {k:?} / unknown kind")))?
                .as_str(),
        ),
    };
    let page = people::list_organisations(
        &state.store,
        &prefixes,
        kind,
        q.name.as_deref(),
        Cursor::decode_i64(q.cursor.as_deref())?,
        clamp_limit(q.limit),
    )
    .await?;
    Ok(Json(PageOut::new(
        page.items.iter().map(organisation_view).collect(),
        page.next,
    )))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationView), (status = 404, body = crate::error::Problem)))]
pub async fn get_organisation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrganisationView>> {
    let row = people::get_organisation(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(
        &actor,
        Action::ViewTerritory,
        Target::Record(&row.grid_code),
    )?;
    Ok(Json(organisation_view(&row)))
}

#[derive(Serialize, ToSchema)]
pub struct PartyOrgView {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// big_committee, general_branch, branch, grid_branch, building_group.
    pub kind: String,
    pub kind_name: String,
    pub name: String,
    pub community_code: String,
    pub grid_code: Option<String>,
    pub building_id: Option<i64>,
}

fn party_org_view(p: &PartyOrgRow) -> PartyOrgView {
    PartyOrgView {
        id: p.id,
        parent_id: p.parent_id,
        kind_name: PartyOrgKind::parse(&p.kind)
            .map(|k| k.name_zh())
            .unwrap_or("")
            .into(),
        kind: p.kind.clone(),
        name: p.name.clone(),
        community_code: p.community_code.clone(),
        grid_code: p.grid_code.clone(),
        building_id: p.building_id,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewPartyOrgRequest {
    pub parent_id: Option<i64>,
    pub kind: String,
    #[schema(max_length = 100)]
    pub name: String,
    pub community_code: String,
    /// Required for grid branches.
    pub grid_code: Option<String>,
    /// For building groups.
    pub building_id: Option<i64>,
}

async fn check_party_org(
    state: &AppState,
    req: &NewPartyOrgRequest,
) -> ApiResult<(PartyOrgKind, String)> {
    let kind = PartyOrgKind::parse(&req.kind).ok_or_else(|| {
        ApiError::field("kind", format!("未知类型 {:?} / unknown kind", req.kind))
    })?;
    if req.name.trim().is_empty() || req.name.chars().count() > 100 {
        return Err(ApiError::field(
            "name",
            "名称须为 1–100 字 / name must have 1–100 characters",
        ));
    }
    let community = DivisionCode::parse(&req.community_code)
        .ok()
        .filter(|c| c.level() == Level::Community)
        .ok_or_else(|| {
            ApiError::field(
                "community_code",
                "须为 12 位社区代码 / must be a 12-digit community code",
            )
        })?;
    let parent =
        match req.parent_id {
            None => None,
            Some(pid) => Some(people::get_party_org(&state.store, pid).await?.ok_or_else(
                || {
                    ApiError::field(
                        "parent_id",
                        format!("上级组织 {pid} 不存在 / parent does not exist"),
                    )
                },
            )?),
        };
    let parent_kind = parent.as_ref().and_then(|p| PartyOrgKind::parse(&p.kind));
    kind.check_parent(parent_kind)
        .map_err(|e| ApiError::field("parent_id", e))?;
    if parent
        .as_ref()
        .is_some_and(|p| p.community_code != community.as_str())
    {
        return Err(ApiError::field(
            "parent_id",
            "上级组织须在同一社区 / the parent must be in the same community",
        ));
    }
    let node = match (&req.grid_code, kind) {
        (Some(g), _) => {
            if !g.starts_with(community.as_str())
                || territory::get_grid(&state.store, g).await?.is_none()
            {
                return Err(ApiError::field(
                    "grid_code",
                    format!("网格 {g} 不在社区 {community} / grid is not in this community"),
                ));
            }
            g.clone()
        }
        (None, PartyOrgKind::GridBranch) => {
            return Err(ApiError::field(
                "grid_code",
                "网格党支部须指定网格 / a grid branch needs its grid",
            ));
        }
        (None, _) => community.to_string(),
    };
    if let Some(b) = req.building_id {
        let building = territory::get_building(&state.store, b).await?;
        if building.is_none_or(|bl| bl.community_code != community.as_str()) {
            return Err(ApiError::field(
                "building_id",
                "楼栋须在同一社区 / the building must be in this community",
            ));
        }
    }
    Ok((kind, node))
}

#[utoipa::path(post, path = "/api/v1/party-orgs", tag = "people", request_body = NewPartyOrgRequest,
    responses((status = 201, body = PartyOrgView), (status = 422, body = crate::error::Problem)))]
pub async fn post_party_org(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewPartyOrgRequest>,
) -> ApiResult<(StatusCode, Json<PartyOrgView>)> {
    if DivisionCode::parse(&req.community_code).is_ok() {
        authorize(
            &actor,
            Action::ManagePeople,
            Target::Node(&req.community_code),
        )?;
    }
    let (kind, node) = check_party_org(&state, &req).await?;
    let now = now_millis();
    let backend = state.store.backend();
    let mut tx = state.store.begin().await?;
    let id = reserve_ids(&mut tx, backend, "party_orgs", 1).await?;
    let row = PartyOrgRow {
        id,
        parent_id: req.parent_id,
        kind: kind.as_str().into(),
        name: req.name.trim().into(),
        community_code: req.community_code.clone(),
        grid_code: req.grid_code.clone(),
        building_id: req.building_id,
        node_code: node,
        created_at: now,
    };
    people::insert_party_orgs(&mut tx, std::slice::from_ref(&row)).await?;
    sync_ids(&mut tx, backend, "party_orgs").await?;
    audit::record(
        &mut tx,
        &audit_entry(&actor, "party_org.create", "party_org", id.to_string())
            .node(Some(row.node_code.clone()))
            .after(Some(
                serde_json::json!({"name": row.name, "kind": row.kind, "parent_id": row.parent_id}),
            ))
            .request(request_id(&headers)),
    )
    .await?;
    commit(tx).await?;
    Ok((StatusCode::CREATED, Json(party_org_view(&row))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartyOrgListQuery {
    /// A community or grid code (the tree of one community is the usual view).
    pub within: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/party-orgs", tag = "people", params(PartyOrgListQuery),
    responses((status = 200, body = Vec<PartyOrgView>)))]
pub async fn list_party_orgs(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<PartyOrgListQuery>,
) -> ApiResult<Json<Vec<PartyOrgView>>> {
    let prefixes = reach_within(&actor, Action::ViewTerritory, q.within.as_deref())?;
    let rows = people::list_party_orgs(&state.store, &prefixes).await?;
    Ok(Json(rows.iter().map(party_org_view).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPartyMemberRequest {
    pub resident_id: i64,
    pub org_id: i64,
    /// In-service member registered where they live (在职党员双报到).
    #[serde(default)]
    pub in_service: bool,
    pub employer_org_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PartyMemberView {
    pub id: i64,
    pub resident_id: i64,
    pub name: String,
    pub org_id: i64,
    pub in_service: bool,
    pub employer_org_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/party-members", tag = "people", request_body = NewPartyMemberRequest,
    responses((status = 201, body = PartyMemberView), (status = 422, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn post_party_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewPartyMemberRequest>,
) -> ApiResult<(StatusCode, Json<PartyMemberView>)> {
    let resident = people::get_resident(&state.store, req.resident_id)
        .await?
        .ok_or_else(|| ApiError::field("resident_id", "居民不存在 / resident does not exist"))?;
    authorize(
        &actor,
        Action::ManagePeople,
        Target::Node(&resident.grid_code),
    )
    .map_err(|_| ApiError::field("resident_id", "居民不存在 / resident does not exist"))?;
    let org = people::get_party_org(&state.store, req.org_id)
        .await?
        .ok_or_else(|| {
            ApiError::field("org_id", "党组织不存在 / party organisation does not exist")
        })?;
    authorize(&actor, Action::ManagePeople, Target::Node(&org.node_code)).map_err(|_| {
        ApiError::field("org_id", "党组织不存在 / party organisation does not exist")
    })?;
    let birth: u32 = resident.birth_date.replace('-', "").parse().unwrap_or(0);
    if tongxin_core::people::age_on(birth, super::today()) < 18 {
        return Err(ApiError::field(
            "resident_id",
            "党员须年满 18 岁 / a party member must be at least 18",
        ));
    }
    if let Some(e) = req.employer_org_id
        && people::get_organisation(&state.store, e).await?.is_none()
    {
        return Err(ApiError::field(
            "employer_org_id",
            "单位不存在 / organisation does not exist",
        ));
    }
    let now = now_millis();
    let backend = state.store.backend();
    let mut tx = state.store.begin().await?;
    let id = reserve_ids(&mut tx, backend, "party_members", 1).await?;
    let row = PartyMemberRow {
        id,
        resident_id: req.resident_id,
        org_id: req.org_id,
        in_service: req.in_service as i64,
        employer_org_id: req.employer_org_id,
        node_code: org.node_code.clone(),
        created_at: now,
    };
    people::insert_party_members(&mut tx, std::slice::from_ref(&row)).await?;
    sync_ids(&mut tx, backend, "party_members").await?;
    audit::record(&mut tx, &audit_entry(&actor, "party_member.create", "party_member", id.to_string()).node(Some(org.node_code.clone()))
        .after(Some(serde_json::json!({"resident_id": req.resident_id, "org_id": req.org_id, "in_service": req.in_service}))).request(request_id(&headers))).await?;
    commit(tx).await?;
    Ok((
        StatusCode::CREATED,
        Json(PartyMemberView {
            id,
            resident_id: req.resident_id,
            name: resident.name,
            org_id: req.org_id,
            in_service: req.in_service,
            employer_org_id: req.employer_org_id,
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberListQuery {
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/party-orgs/{id}/members", tag = "people", params(("id" = i64, Path), MemberListQuery),
    responses((status = 200, body = PageOut<PartyMemberView>)))]
pub async fn list_party_members(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<MemberListQuery>,
) -> ApiResult<Json<PageOut<PartyMemberView>>> {
    let org = people::get_party_org(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(&actor, Action::ViewPeople, Target::Record(&org.node_code))?;
    let page = people::list_party_members(
        &state.store,
        id,
        Cursor::decode_i64(q.cursor.as_deref())?,
        clamp_limit(q.limit),
    )
    .await?;
    Ok(Json(PageOut::new(
        page.items
            .into_iter()
            .map(|(m, name)| PartyMemberView {
                id: m.id,
                resident_id: m.resident_id,
                name,
                org_id: m.org_id,
                in_service: m.in_service != 0,
                employer_org_id: m.employer_org_id,
            })
            .collect(),
        page.next,
    )))
}
