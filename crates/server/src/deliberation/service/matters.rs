//! 四议两公开 over HTTP: a major matter moves through its six stages strictly in order; a
//! passed resolution becomes a decision tracked to completion.

use super::decisions::{self, NewDecision};
use super::{allow, community_code, in_reach, required_text};
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::ApiResult;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Actor};
use tongxin_core::deliberation::decisions::DecisionStatus;
use tongxin_core::deliberation::matters::{
    MeetingCounts, MeetingOutcome, Stage, StageRefusal, check_order, next_stage,
};
use tongxin_store::deliberation::matters::{self as store_matters, MatterRow, StageRow};
use tongxin_store::{audit, commit, now_millis};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct StageView {
    pub stage: String,
    pub stage_name: String,
    pub at: i64,
    pub actor: String,
    pub summary: String,
    pub members: Option<i64>,
    pub present: Option<i64>,
    pub in_favour: Option<i64>,
    pub against: Option<i64>,
    pub abstaining: Option<i64>,
    /// A meeting stage whose vote failed is recorded with `passed: false`; the matter stays.
    pub passed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MatterView {
    pub id: i64,
    pub community_code: String,
    pub title: String,
    pub description: String,
    /// The last completed stage.
    pub stage_done: Option<String>,
    /// The only stage that may be recorded next (absent when complete).
    pub next_stage: Option<String>,
    pub next_stage_name: Option<String>,
    /// open or complete.
    pub status: String,
    /// The decision a passed resolution created.
    pub decision_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<MatterRow> for MatterView {
    fn from(m: MatterRow) -> Self {
        let next = next_stage(m.stage_done.as_deref().and_then(Stage::parse));
        MatterView {
            id: m.id,
            community_code: m.community_code,
            title: m.title,
            description: m.description,
            stage_done: m.stage_done,
            next_stage: next.map(|s| s.as_str().into()),
            next_stage_name: next.map(|s| s.name_zh().into()),
            status: m.status,
            decision_id: m.decision_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MatterDetail {
    pub matter: MatterView,
    pub stages: Vec<StageView>,
    /// The outcome of the stage just recorded (when this answers a meeting stage).
    pub outcome: Option<OutcomeView>,
}

/// How a meeting stage was judged.
#[derive(Serialize, ToSchema)]
pub struct OutcomeView {
    pub passed: bool,
    pub quorum_met: bool,
    pub majority_met: bool,
    /// The rule applied, in words.
    pub rule: String,
}

impl From<MeetingOutcome> for OutcomeView {
    fn from(o: MeetingOutcome) -> Self {
        OutcomeView {
            passed: o.passed,
            quorum_met: o.quorum_met,
            majority_met: o.majority_met,
            rule: o.rule,
        }
    }
}

pub(crate) fn stage_view(s: StageRow) -> StageView {
    StageView {
        stage_name: Stage::parse(&s.stage)
            .map(|x| x.name_zh())
            .unwrap_or("")
            .into(),
        stage: s.stage,
        at: s.at,
        actor: s.actor_label,
        summary: s.summary,
        members: s.members,
        present: s.present,
        in_favour: s.in_favour,
        against: s.against,
        abstaining: s.abstaining,
        passed: s.passed == 1,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewMatter {
    pub community_code: String,
    #[schema(max_length = 100)]
    pub title: String,
    pub description: String,
    /// The party organisation's proposal (the first stage), recorded with the matter.
    pub proposal: String,
}

/// Opens a matter with its proposal stage; returns its id.
pub async fn create(state: &AppState, ctx: &Context, req: NewMatter) -> ApiResult<i64> {
    let actor = &ctx.actor;
    let community = community_code("community_code", &req.community_code)?;
    allow(actor, Action::ManageDeliberation, &community)?;
    let title = required_text("title", &req.title, 100)?;
    let description = required_text("description", &req.description, 4_000)?;
    let proposal = required_text("proposal", &req.proposal, 4_000)?;
    let now = now_millis();
    let row = MatterRow {
        id: 0,
        community_code: community.clone(),
        title,
        description,
        stage_done: Some(Stage::Proposal.as_str().into()),
        status: "open".into(),
        decision_id: None,
        created_by: actor.user_id,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.store.begin().await?;
    let id = store_matters::create_matter(&mut tx, &row).await?;
    store_matters::insert_stages(
        &mut tx,
        &[plain_stage(actor, id, Stage::Proposal, &proposal, now)],
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "matter.proposal", "matter", id.to_string())
            .node(Some(community))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

pub(crate) fn plain_stage(
    actor: &Actor,
    matter_id: i64,
    stage: Stage,
    summary: &str,
    at: i64,
) -> StageRow {
    StageRow {
        matter_id,
        stage: stage.as_str().into(),
        at,
        actor_id: actor.user_id,
        actor_label: actor.username.clone(),
        summary: summary.into(),
        members: None,
        present: None,
        in_favour: None,
        against: None,
        abstaining: None,
        passed: 1,
    }
}

pub async fn detail(
    state: &AppState,
    id: i64,
    outcome: Option<MeetingOutcome>,
) -> ApiResult<MatterDetail> {
    let mut conn = state.store.reader().await?;
    let m = store_matters::get_matter(&mut conn, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    drop(conn);
    detail_of(state, m, outcome).await
}

/// A matter with its stages, for an actor who may view it (404 or 403 otherwise).
pub async fn visible_detail(state: &AppState, actor: &Actor, id: i64) -> ApiResult<MatterDetail> {
    let m = matter_in_reach(state, actor, id, Action::ViewDeliberation).await?;
    detail_of(state, m, None).await
}

pub(crate) async fn detail_of(
    state: &AppState,
    m: MatterRow,
    outcome: Option<MeetingOutcome>,
) -> ApiResult<MatterDetail> {
    let stages = store_matters::stages(&state.store, m.id).await?;
    Ok(MatterDetail {
        matter: m.into(),
        stages: stages.into_iter().map(stage_view).collect(),
        outcome: outcome.map(OutcomeView::from),
    })
}

pub(crate) async fn matter_in_reach(
    state: &AppState,
    actor: &Actor,
    id: i64,
    action: Action,
) -> ApiResult<MatterRow> {
    let mut conn = state.store.reader().await?;
    let row = store_matters::get_matter(&mut conn, id).await?;
    in_reach(actor, action, row, |r| &r.community_code)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatterListQuery {
    pub community: String,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct StageRequest {
    /// consultation, members_review, resolution, resolution_published or result_published.
    pub stage: String,
    /// What was discussed, resolved or published.
    pub summary: String,
    /// Meeting stages: members due (party members; the meeting's members).
    pub members: Option<u32>,
    pub present: Option<u32>,
    pub in_favour: Option<u32>,
    pub against: Option<u32>,
    pub abstaining: Option<u32>,
}

pub(crate) fn refusal(e: StageRefusal) -> ApiError {
    match &e {
        StageRefusal::OutOfOrder { next, .. } => {
            let mut err = ApiError::conflict(e.to_string());
            err.errors = vec![FieldError {
                field: Some("stage".into()),
                index: None,
                code: Some(next.as_str().into()),
                reason: format!(
                    "下一个环节是 {} / the next allowed stage is {}",
                    next.name_zh(),
                    next.as_str()
                ),
            }];
            err
        }
        StageRefusal::Complete => ApiError::conflict(e.to_string()),
        StageRefusal::Counts { field, reason } => ApiError::field(field, reason.clone()),
    }
}

/// Records the next stage of a matter: the one engine for the API and the pages.
pub async fn record_stage(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: StageRequest,
) -> ApiResult<Option<MeetingOutcome>> {
    let actor = &ctx.actor;
    let matter = matter_in_reach(state, actor, id, Action::ManageDeliberation).await?;
    let stage = Stage::parse(&req.stage).ok_or_else(|| {
        ApiError::field(
            "stage",
            "须为 consultation、members_review、resolution、resolution_published 或 result_published",
        )
    })?;
    let done = matter.stage_done.as_deref().and_then(Stage::parse);
    check_order(done, stage).map_err(refusal)?;
    let summary = required_text("summary", &req.summary, 4_000)?;
    let now = now_millis();
    let mut row = StageRow {
        matter_id: id,
        stage: stage.as_str().into(),
        at: now,
        actor_id: actor.user_id,
        actor_label: actor.username.clone(),
        summary: summary.clone(),
        members: None,
        present: None,
        in_favour: None,
        against: None,
        abstaining: None,
        passed: 1,
    };
    let mut outcome = None;
    if stage.votes() {
        let counts = counts_of(&req)?;
        counts.validate().map_err(refusal)?;
        let o = counts.outcome(stage);
        row.members = Some(i64::from(counts.members));
        row.present = Some(i64::from(counts.present));
        row.in_favour = Some(i64::from(counts.in_favour));
        row.against = Some(i64::from(counts.against));
        row.abstaining = Some(i64::from(counts.abstaining));
        row.passed = i64::from(o.passed);
        outcome = Some(o);
    }
    if stage == Stage::ResultPublished {
        check_implemented(state, &matter).await?;
    }
    let passed = row.passed == 1;
    let mut tx = state.store.begin().await?;
    if passed {
        let status = if stage == Stage::ResultPublished {
            "complete"
        } else {
            "open"
        };
        if !store_matters::advance(
            &mut tx,
            id,
            matter.stage_done.as_deref(),
            stage.as_str(),
            status,
            now,
        )
        .await?
        {
            return Err(ApiError::conflict(
                "事项刚被他人推进，请刷新后重试 / the matter moved on meanwhile; reload and retry",
            ));
        }
    }
    store_matters::insert_stages(&mut tx, &[row]).await?;
    if passed && stage == Stage::Resolution {
        let decision = NewDecision {
            community_code: matter.community_code.clone(),
            parent_id: None,
            title: matter.title.clone(),
            description: summary.clone(),
            weight: None,
            rollup: None,
            due_at: None,
        };
        let decision_id =
            decisions::insert(&mut tx, actor, &decision, "matter", Some(id), now).await?;
        store_matters::set_decision(&mut tx, id, decision_id).await?;
    }
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            &format!("matter.{}", stage.as_str()),
            "matter",
            id.to_string(),
        )
        .node(Some(matter.community_code.clone()))
        .after(Some(
            serde_json::json!({"stage": stage.as_str(), "passed": passed}),
        ))
        .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(outcome)
}

pub(crate) fn counts_of(req: &StageRequest) -> ApiResult<MeetingCounts> {
    let need = |field: &str, v: Option<u32>| {
        v.ok_or_else(|| {
            ApiError::field(
                field,
                "会议环节须填写人数 / a meeting stage needs its counts",
            )
        })
    };
    Ok(MeetingCounts {
        members: need("members", req.members)?,
        present: need("present", req.present)?,
        in_favour: need("in_favour", req.in_favour)?,
        against: req.against.unwrap_or(0),
        abstaining: req.abstaining.unwrap_or(0),
    })
}

/// The implementation result can be published only when the decision is carried out.
pub(crate) async fn check_implemented(state: &AppState, matter: &MatterRow) -> ApiResult<()> {
    let Some(decision_id) = matter.decision_id else {
        return Ok(());
    };
    let rolled = decisions::rolled_status(state, &matter.community_code, decision_id).await?;
    if rolled != Some(DecisionStatus::Done) {
        return Err(ApiError::conflict(format!(
            "决议 #{decision_id} 尚未实施完成，不能公开实施结果 / decision #{decision_id} is not done yet"
        )));
    }
    Ok(())
}

pub async fn post_matter(
    state: &AppState,
    ctx: &Context,
    req: NewMatter,
) -> ApiResult<MatterDetail> {
    let id = create(state, ctx, req).await?;
    detail(state, id, None).await
}

pub async fn get_matter(state: &AppState, ctx: &Context, id: i64) -> ApiResult<MatterDetail> {
    let actor = &ctx.actor;
    visible_detail(state, actor, id).await
}

pub async fn list_matters(
    state: &AppState,
    ctx: &Context,
    q: MatterListQuery,
) -> ApiResult<Vec<MatterView>> {
    let actor = &ctx.actor;
    let community = community_code("community", &q.community)?;
    allow(actor, Action::ViewDeliberation, &community)?;
    let rows = store_matters::list_matters(&state.store, &community).await?;
    Ok(rows.into_iter().map(MatterView::from).collect())
}

pub async fn post_stage(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: StageRequest,
) -> ApiResult<MatterDetail> {
    let outcome = record_stage(state, ctx, id, req).await?;
    detail(state, id, outcome).await
}
