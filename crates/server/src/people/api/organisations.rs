//! Organisations in the grid, party organisations and party members.

use crate::access::session::request_id;
use crate::access::{Authenticated, audit_entry};
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::people::service::organisations::*;
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery, PageOut};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_store::people::{self, PartyMemberRow};
use tongxin_store::{audit, commit, now_millis, reserve_ids, sync_ids};

#[utoipa::path(post, path = "/api/v1/organisations", tag = "people", request_body = NewOrganisationRequest,
    responses((status = 201, body = OrganisationView), (status = 422, body = crate::error::Problem)))]
pub async fn post_organisation(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewOrganisationRequest>,
) -> ApiResult<(StatusCode, Json<OrganisationView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::people::service::organisations::post_organisation(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "people", params(OrganisationListQuery),
    responses((status = 200, body = PageOut<OrganisationView>)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<OrganisationListQuery>,
) -> ApiResult<Json<PageOut<OrganisationView>>> {
    Ok(Json(
        crate::people::service::organisations::list_organisations(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationView), (status = 404, body = crate::error::Problem)))]
pub async fn get_organisation(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrganisationView>> {
    Ok(Json(
        crate::people::service::organisations::get_organisation(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/party-orgs", tag = "people", request_body = NewPartyOrgRequest,
    responses((status = 201, body = PartyOrgView), (status = 422, body = crate::error::Problem)))]
pub async fn post_party_org(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewPartyOrgRequest>,
) -> ApiResult<(StatusCode, Json<PartyOrgView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::people::service::organisations::post_party_org(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/party-orgs", tag = "people", params(PartyOrgListQuery),
    responses((status = 200, body = Vec<PartyOrgView>)))]
pub async fn list_party_orgs(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<PartyOrgListQuery>,
) -> ApiResult<Json<Vec<PartyOrgView>>> {
    Ok(Json(
        crate::people::service::organisations::list_party_orgs(&state, &ctx, q).await?,
    ))
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
    if tongxin_core::people::age_on(birth, crate::people::service::today()) < 18 {
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

#[utoipa::path(get, path = "/api/v1/party-orgs/{id}/members", tag = "people", params(("id" = i64, Path), MemberListQuery),
    responses((status = 200, body = PageOut<PartyMemberView>)))]
pub async fn list_party_members(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<MemberListQuery>,
) -> ApiResult<Json<PageOut<PartyMemberView>>> {
    Ok(Json(
        crate::people::service::organisations::list_party_members(&state, &ctx, id, q).await?,
    ))
}
