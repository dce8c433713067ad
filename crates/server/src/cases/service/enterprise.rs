//! Enterprise service (工业振兴特派员): commissioners assigned to enterprises report the
//! enterprises' problems as cases (channel "enterprise", 企业诉求 categories), routed to
//! departments like any case; the closure is confirmed on the enterprise's behalf by its
//! commissioner.

use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::reach_within;
use serde::{Deserialize, Serialize};
use tongxin_core::access::Actor;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::cases::calendar::LocalDate;
use tongxin_store::cases::enterprise::{self, AssignmentRow};
use tongxin_store::{access, audit, commit, now_millis, people};
use utoipa::{IntoParams, ToSchema};

/// The major category whose leaves are enterprise problems.
pub const ENTERPRISE_MAJOR: &str = "24";

#[derive(Deserialize, ToSchema)]
pub struct NewAssignment {
    /// The commissioner's user id.
    pub commissioner_id: i64,
    /// The enterprise (an organisation of kind enterprise).
    pub organisation_id: i64,
    /// YYYY-MM-DD
    pub from_date: String,
    pub to_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub commissioner_id: i64,
    pub organisation_id: i64,
    pub from_date: String,
    pub to_date: Option<String>,
}

impl From<AssignmentRow> for AssignmentView {
    fn from(a: AssignmentRow) -> Self {
        AssignmentView {
            id: a.id,
            commissioner_id: a.commissioner_id,
            organisation_id: a.organisation_id,
            from_date: a.from_date,
            to_date: a.to_date,
        }
    }
}

pub(crate) fn date(field: &'static str, text: &str) -> ApiResult<LocalDate> {
    text.parse::<LocalDate>()
        .map_err(|_| ApiError::field(field, "须为 YYYY-MM-DD / must be YYYY-MM-DD"))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    pub commissioner_id: Option<i64>,
    pub organisation_id: Option<i64>,
}

/// Today's date in the calendar's zone, for assignment periods.
pub fn today(state: &AppState) -> String {
    LocalDate::from_millis(now_millis(), state.working_calendar().offset_minutes()).to_string()
}

/// Checks an enterprise report: an enterprise category, and a commissioner serving the
/// enterprise today (or an administrator over it). Returns the enterprise's grid.
pub async fn check_report(
    state: &AppState,
    actor: &Actor,
    organisation_id: i64,
    category: &str,
) -> ApiResult<String> {
    let org = people::get_organisation(&state.store, organisation_id)
        .await?
        .ok_or_else(|| ApiError::field("organisation_id", "企业不存在 / no such enterprise"))?;
    if !category.starts_with(ENTERPRISE_MAJOR) {
        return Err(ApiError::field(
            "category",
            "企业诉求须用企业诉求类别（24xx）/ enterprise problems use the 企业诉求 categories (24xx)",
        ));
    }
    let serving =
        enterprise::serves(&state.store, actor.user_id, organisation_id, &today(state)).await?;
    if !serving {
        authorize(actor, Action::ManageUsers, Target::Node(&org.grid_code)).map_err(|_| {
            ApiError::field(
                "organisation_id",
                "您不是该企业的特派员 / you are not this enterprise's commissioner",
            )
        })?;
    }
    Ok(org.grid_code)
}

/// The enterprise confirms closure through its commissioner: only a serving commissioner may
/// verify an enterprise case.
pub async fn check_confirmation(state: &AppState, actor: &Actor, case_id: i64) -> ApiResult<bool> {
    let Some(org) = enterprise::case_organisation(&state.store, case_id).await? else {
        return Ok(false);
    };
    if enterprise::serves(&state.store, actor.user_id, org, &today(state)).await? {
        Ok(true)
    } else {
        Err(ApiError::forbidden_because(
            "企业诉求须由该企业的特派员代企业确认 / an enterprise problem is confirmed by the enterprise's commissioner",
        ))
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    pub within: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EnterpriseSummaryView {
    pub commissioners: i64,
    pub enterprises: i64,
    pub problems: i64,
    pub resolved: i64,
}

pub async fn assign(
    state: &AppState,
    ctx: &Context,
    req: NewAssignment,
) -> ApiResult<AssignmentView> {
    let actor = &ctx.actor;
    let org = people::get_organisation(&state.store, req.organisation_id)
        .await?
        .ok_or_else(|| ApiError::field("organisation_id", "企业不存在 / no such enterprise"))?;
    authorize(actor, Action::ManageUsers, Target::Node(&org.grid_code))
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
    audit::record(&mut tx, &audit_entry(actor, "commissioner.assign", "commissioner_assignment", id.to_string()).node(Some(org.grid_code.clone()))
        .after(Some(serde_json::json!({"commissioner_id": req.commissioner_id, "organisation_id": req.organisation_id, "from": row.from_date, "to": row.to_date})))
        .request(ctx.request_id.clone())).await?;
    commit(tx).await?;
    Ok(AssignmentView { id, ..row.into() })
}

pub async fn list_assignments(
    state: &AppState,
    ctx: &Context,
    q: AssignmentQuery,
) -> ApiResult<Vec<AssignmentView>> {
    let actor = &ctx.actor;
    let own = q.commissioner_id == Some(actor.user_id);
    let mut out = Vec::new();
    for a in enterprise::assignments(&state.store, q.commissioner_id, q.organisation_id).await? {
        let Some(org) = people::get_organisation(&state.store, a.organisation_id).await? else {
            continue;
        };
        if own || authorize(actor, Action::ViewTerritory, Target::Node(&org.grid_code)).is_ok() {
            out.push(a.into());
        }
    }
    Ok(out)
}

pub async fn summary(
    state: &AppState,
    ctx: &Context,
    q: SummaryQuery,
) -> ApiResult<EnterpriseSummaryView> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
    let s = enterprise::summary(&state.store, &prefixes).await?;
    Ok(EnterpriseSummaryView {
        commissioners: s.commissioners,
        enterprises: s.enterprises,
        problems: s.problems,
        resolved: s.resolved,
    })
}
