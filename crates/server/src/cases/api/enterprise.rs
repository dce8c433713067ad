//! Enterprise service (工业振兴特派员): commissioners assigned to enterprises report the
//! enterprises' problems as cases (channel "enterprise", 企业诉求 categories), routed to
//! departments like any case; the closure is confirmed on the enterprise's behalf by its
//! commissioner.

use crate::access::session::request_id;
use crate::access::{Authenticated, audit_entry};
use crate::cases::service::enterprise::*;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery, reach_within};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_store::cases::enterprise::{self, AssignmentRow};
use tongxin_store::{access, audit, commit, now_millis, people};

#[utoipa::path(post, path = "/api/v1/commissioners/assignments", tag = "cases", request_body = NewAssignment,
    responses((status = 201, body = AssignmentView), (status = 422, body = crate::error::Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewAssignment>,
) -> ApiResult<(StatusCode, Json<AssignmentView>)> {
    let org = people::get_organisation(&state.store, req.organisation_id)
        .await?
        .ok_or_else(|| ApiError::field("organisation_id", "企业不存在 / no such enterprise"))?;
    authorize(&actor, Action::ManageUsers, Target::Node(&org.grid_code))
        .map_err(|_| ApiError::field("organisation_id", "企业不存在 / no such enterprise"))?;
    if org.kind != "enterprise" {
        return Err(ApiError::field(
            "organisation_id",
            "须为企业 / must be an enterprise",
        ));
    }
    if access::get_user(&state.store, req.commissioner_id)
        .await?
        .is_none_or(|u| u.is_disabled())
    {
        return Err(ApiError::field(
            "commissioner_id",
            "用户不存在或已停用 / no such active user",
        ));
    }
    let from = date("from_date", &req.from_date)?;
    if let Some(to) = &req.to_date
        && date("to_date", to)? < from
    {
        return Err(ApiError::field(
            "to_date",
            "结束日期早于开始日期 / ends before it starts",
        ));
    }
    let row = AssignmentRow {
        id: 0,
        commissioner_id: req.commissioner_id,
        organisation_id: req.organisation_id,
        from_date: from.to_string(),
        to_date: req.to_date.clone(),
        created_at: now_millis(),
    };
    let mut tx = state.store.begin().await?;
    let id = enterprise::assign(&mut tx, &row).await?;
    audit::record(&mut tx, &audit_entry(&actor, "commissioner.assign", "commissioner_assignment", id.to_string()).node(Some(org.grid_code.clone()))
        .after(Some(serde_json::json!({"commissioner_id": req.commissioner_id, "organisation_id": req.organisation_id, "from": row.from_date, "to": row.to_date})))
        .request(request_id(&headers))).await?;
    commit(tx).await?;
    Ok((
        StatusCode::CREATED,
        Json(AssignmentView { id, ..row.into() }),
    ))
}

#[utoipa::path(get, path = "/api/v1/commissioners/assignments", tag = "cases", params(AssignmentQuery),
    responses((status = 200, body = Vec<AssignmentView>)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<AssignmentQuery>,
) -> ApiResult<Json<Vec<AssignmentView>>> {
    let own = q.commissioner_id == Some(actor.user_id);
    let mut out = Vec::new();
    for a in enterprise::assignments(&state.store, q.commissioner_id, q.organisation_id).await? {
        let Some(org) = people::get_organisation(&state.store, a.organisation_id).await? else {
            continue;
        };
        if own || authorize(&actor, Action::ViewTerritory, Target::Node(&org.grid_code)).is_ok() {
            out.push(a.into());
        }
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/enterprise/summary", tag = "cases", params(SummaryQuery),
    responses((status = 200, body = EnterpriseSummaryView)))]
pub async fn summary(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> ApiResult<Json<EnterpriseSummaryView>> {
    let prefixes = reach_within(&actor, Action::ViewTerritory, q.within.as_deref())?;
    let s = enterprise::summary(&state.store, &prefixes).await?;
    Ok(Json(EnterpriseSummaryView {
        commissioners: s.commissioners,
        enterprises: s.enterprises,
        problems: s.problems,
        resolved: s.resolved,
    }))
}
