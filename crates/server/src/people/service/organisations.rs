//! Organisations in the grid, party organisations and party members.

use super::invalid_fields;
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::territory::point_to_wgs84;
use crate::util::{Cursor, PageOut, clamp_limit, reach_within};
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::people::{OrgKind, PartyOrgKind, Phone};
use tongxin_core::territory::{DivisionCode, Level};
use tongxin_store::people::{self, OrganisationRow, PartyOrgRow};
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

pub(crate) fn party_org_view(p: &PartyOrgRow) -> PartyOrgView {
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

pub(crate) async fn check_party_org(
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartyOrgListQuery {
    /// A community or grid code (the tree of one community is the usual view).
    pub within: Option<String>,
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberListQuery {
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

pub async fn post_organisation(
    state: &AppState,
    ctx: &Context,
    req: NewOrganisationRequest,
) -> ApiResult<OrganisationView> {
    let actor = &ctx.actor;
    if DivisionCode::parse(&req.community_code).is_ok() {
        authorize(
            actor,
            Action::ManagePeople,
            Target::Node(&req.community_code),
        )?;
    }
    let checked = check_organisation(state, &req).map_err(invalid_fields)?;
    let now = now_millis();
    let backend = state.store.backend();
    let mut tx = state.store.begin().await?;
    let id = reserve_ids(&mut tx, backend, "organisations", 1).await?;
    let row = organisation_row(state, id, &req, checked, now);
    people::insert_organisations(&mut tx, std::slice::from_ref(&row)).await?;
    sync_ids(&mut tx, backend, "organisations").await?;
    audit::record(&mut tx, &audit_entry(actor, "organisation.create", "organisation", id.to_string()).node(Some(row.grid_code.clone()))
        .after(Some(serde_json::json!({"name": row.name, "kind": row.kind, "grid_code": row.grid_code, "registered": req.registered})))
        .request(ctx.request_id.clone())).await?;
    commit(tx).await?;
    Ok(organisation_view(&row))
}

pub async fn list_organisations(
    state: &AppState,
    ctx: &Context,
    q: OrganisationListQuery,
) -> ApiResult<PageOut<OrganisationView>> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
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
    Ok(PageOut::new(
        page.items.iter().map(organisation_view).collect(),
        page.next,
    ))
}

pub async fn get_organisation(
    state: &AppState,
    ctx: &Context,
    id: i64,
) -> ApiResult<OrganisationView> {
    let actor = &ctx.actor;
    let row = people::get_organisation(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(actor, Action::ViewTerritory, Target::Record(&row.grid_code))?;
    Ok(organisation_view(&row))
}

pub async fn post_party_org(
    state: &AppState,
    ctx: &Context,
    req: NewPartyOrgRequest,
) -> ApiResult<PartyOrgView> {
    let actor = &ctx.actor;
    if DivisionCode::parse(&req.community_code).is_ok() {
        authorize(
            actor,
            Action::ManagePeople,
            Target::Node(&req.community_code),
        )?;
    }
    let (kind, node) = check_party_org(state, &req).await?;
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
        &audit_entry(actor, "party_org.create", "party_org", id.to_string())
            .node(Some(row.node_code.clone()))
            .after(Some(
                serde_json::json!({"name": row.name, "kind": row.kind, "parent_id": row.parent_id}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(party_org_view(&row))
}

pub async fn list_party_orgs(
    state: &AppState,
    ctx: &Context,
    q: PartyOrgListQuery,
) -> ApiResult<Vec<PartyOrgView>> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
    let rows = people::list_party_orgs(&state.store, &prefixes).await?;
    Ok(rows.iter().map(party_org_view).collect())
}

pub async fn list_party_members(
    state: &AppState,
    ctx: &Context,
    id: i64,
    q: MemberListQuery,
) -> ApiResult<PageOut<PartyMemberView>> {
    let actor = &ctx.actor;
    let org = people::get_party_org(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(actor, Action::ViewPeople, Target::Record(&org.node_code))?;
    let page = people::list_party_members(
        &state.store,
        id,
        Cursor::decode_i64(q.cursor.as_deref())?,
        clamp_limit(q.limit),
    )
    .await?;
    Ok(PageOut::new(
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
    ))
}
