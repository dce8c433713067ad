//! Decisions tracked to completion over HTTP: results with status and progress, children
//! rolling up to parents, a dated timeline, links to the cases and projects that carry them
//! out, and residents' rating at the end.

use super::{allow, community_code, in_reach, optional_text, required_text};
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tongxin_core::access::{Action, Actor};
use tongxin_core::deliberation::decisions::{
    DecisionStatus, Node, Rolled, Rollup, roll_up, satisfaction, would_cycle,
};
use tongxin_store::deliberation::decisions::{
    self as store_decisions, DecisionRow, LinkRow, ProgressRow,
};
use tongxin_store::deliberation::rate_once;
use tongxin_store::{Conn, audit, commit, now_millis};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema, Clone)]
pub struct NewDecision {
    pub community_code: String,
    pub parent_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Weight among its siblings when the parent rolls up by weight (default 1).
    pub weight: Option<u32>,
    /// plain (default) or weighted: how this decision's children roll up into it.
    pub rollup: Option<String>,
    /// Planned completion (UTC ms).
    pub due_at: Option<i64>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct DecisionView {
    pub id: i64,
    pub community_code: String,
    pub parent_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// matter (四议两公开), item (逢四说事), motion, or manual.
    pub source_kind: String,
    pub source_id: Option<i64>,
    pub weight: i64,
    pub rollup: String,
    /// Shown status: the decision's own for a leaf, its children's for a parent.
    pub status: String,
    /// Shown progress 0–100: own for a leaf, rolled up from the children for a parent.
    pub progress: f64,
    pub children: usize,
    pub due_at: Option<i64>,
    pub satisfied: i64,
    pub unsatisfied: i64,
    /// satisfied / (satisfied + unsatisfied), when residents have rated it.
    pub satisfaction: Option<f64>,
    pub updated_at: i64,
}

pub(crate) fn view(d: DecisionRow, rolled: Option<&Rolled>) -> DecisionView {
    let (status, progress, children) = match rolled {
        Some(r) => (r.status.as_str().to_string(), r.progress, r.children),
        None => (d.status.as_str().to_string(), d.progress as f64, 0),
    };
    DecisionView {
        satisfaction: satisfaction(d.satisfied as u32, d.unsatisfied as u32),
        id: d.id,
        community_code: d.community_code,
        parent_id: d.parent_id,
        title: d.title,
        description: d.description,
        source_kind: d.source_kind,
        source_id: d.source_id,
        weight: d.weight,
        rollup: d.rollup,
        status,
        progress,
        children,
        due_at: d.due_at,
        satisfied: d.satisfied,
        unsatisfied: d.unsatisfied,
        updated_at: d.updated_at,
    }
}

pub(crate) fn node_of(d: &DecisionRow) -> Node {
    Node {
        id: d.id,
        parent: d.parent_id,
        weight: d.weight.clamp(0, u32::MAX as i64) as u32,
        progress: d.progress.clamp(0, 100) as u8,
        status: d.status,
        rollup: Rollup::parse(&d.rollup).unwrap_or(Rollup::Plain),
    }
}

/// Every decision of a community with its rolled-up progress, parents before children.
pub async fn community_tree(state: &AppState, community: &str) -> ApiResult<Vec<DecisionView>> {
    let rows = store_decisions::of_community(&state.store, community).await?;
    let nodes: Vec<Node> = rows.iter().map(node_of).collect();
    let rolled = roll_up(&nodes);
    Ok(rows
        .into_iter()
        .map(|d| {
            let r = rolled.get(&d.id).copied();
            view(d, r.as_ref())
        })
        .collect())
}

/// One page of a community's top-level decisions (newest first), each with its subtree and
/// the progress rolled up, parents before children; and how many top-level decisions there are.
pub async fn community_tree_page(
    state: &AppState,
    community: &str,
    limit: u64,
    offset: u64,
) -> ApiResult<(Vec<DecisionView>, i64)> {
    let (rows, total) = store_decisions::roots_page(&state.store, community, limit, offset).await?;
    let nodes: Vec<Node> = rows.iter().map(node_of).collect();
    let rolled = roll_up(&nodes);
    let views = rows
        .into_iter()
        .map(|d| {
            let r = rolled.get(&d.id).copied();
            view(d, r.as_ref())
        })
        .collect();
    Ok((views, total))
}

/// The shown status of one decision (its subtree rolled up).
pub async fn rolled_status(
    state: &AppState,
    community: &str,
    id: i64,
) -> ApiResult<Option<DecisionStatus>> {
    let tree = community_tree(state, community).await?;
    Ok(tree
        .iter()
        .find(|d| d.id == id)
        .and_then(|d| DecisionStatus::parse(&d.status)))
}

/// Inserts a decision inside the caller's transaction (a passed resolution, or a manual one).
pub async fn insert(
    conn: &mut Conn,
    actor: &Actor,
    req: &NewDecision,
    source_kind: &str,
    source_id: Option<i64>,
    now: i64,
) -> ApiResult<i64> {
    let community = community_code("community_code", &req.community_code)?;
    let title = required_text("title", &req.title, 200)?;
    let description = optional_text("description", Some(&req.description), 4_000)?;
    let rollup = match req.rollup.as_deref() {
        None => Rollup::Plain,
        Some(r) => Rollup::parse(r).ok_or_else(|| {
            ApiError::field("rollup", "须为 plain 或 weighted / plain or weighted")
        })?,
    };
    let weight = req.weight.unwrap_or(1);
    if weight == 0 || weight > 1_000 {
        return Err(ApiError::field("weight", "须为 1–1000 / must be 1–1,000"));
    }
    if let Some(p) = req.parent_id {
        match store_decisions::get(conn, p).await? {
            Some(parent) if parent.community_code == community => {}
            _ => {
                return Err(ApiError::field(
                    "parent_id",
                    "上级决议须属于同一社区 / the parent must be a decision of the same community",
                ));
            }
        }
    }
    let row = DecisionRow {
        id: 0,
        community_code: community,
        parent_id: req.parent_id,
        title,
        description,
        source_kind: source_kind.into(),
        source_id,
        weight: i64::from(weight),
        rollup: rollup.as_str().into(),
        status: DecisionStatus::Planned,
        progress: 0,
        due_at: req.due_at,
        satisfied: 0,
        unsatisfied: 0,
        created_at: now,
        updated_at: now,
    };
    let id = store_decisions::create(conn, &row).await?;
    store_decisions::insert_progress(
        conn,
        &[ProgressRow {
            decision_id: id,
            at: now,
            progress: 0,
            status: DecisionStatus::Planned.as_str().into(),
            note: "决议形成 / decision recorded".into(),
            actor_id: actor.user_id,
            actor_label: actor.username.clone(),
        }],
    )
    .await?;
    Ok(id)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionListQuery {
    pub community: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    pub at: i64,
    pub progress: i64,
    pub status: String,
    pub note: String,
    pub actor: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DecisionLinkView)]
pub struct LinkView {
    /// case, project, item, matter or url.
    pub kind: String,
    pub reference: String,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionDetail {
    pub decision: DecisionView,
    pub children: Vec<DecisionView>,
    pub timeline: Vec<ProgressView>,
    pub links: Vec<LinkView>,
    /// Whether the reader may rate it now (done, and not rated by them yet is checked on rating).
    pub can_rate: bool,
    pub can_manage: bool,
}

pub(crate) async fn decision_in_reach(
    state: &AppState,
    actor: &Actor,
    id: i64,
    action: Action,
) -> ApiResult<DecisionRow> {
    let mut conn = state.store.reader().await?;
    let row = store_decisions::get(&mut conn, id).await?;
    in_reach(actor, action, row, |r| &r.community_code)
}

pub async fn detail(state: &AppState, actor: &Actor, id: i64) -> ApiResult<DecisionDetail> {
    let d = decision_in_reach(state, actor, id, Action::ViewDeliberation).await?;
    let tree = community_tree(state, &d.community_code).await?;
    let decision = tree
        .iter()
        .find(|x| x.id == id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let children = tree
        .into_iter()
        .filter(|x| x.parent_id == Some(id))
        .collect();
    let timeline = store_decisions::progress(&state.store, id).await?;
    let links = store_decisions::links(&state.store, id).await?;
    Ok(DecisionDetail {
        can_rate: decision.status == "done"
            && allow(actor, Action::JoinDeliberation, &d.community_code).is_ok(),
        can_manage: allow(actor, Action::ManageDeliberation, &d.community_code).is_ok(),
        decision,
        children,
        timeline: timeline
            .into_iter()
            .map(|p| ProgressView {
                at: p.at,
                progress: p.progress,
                status: p.status,
                note: p.note,
                actor: p.actor_label,
            })
            .collect(),
        links: links
            .into_iter()
            .map(|l| LinkView {
                kind: l.kind,
                reference: l.reference,
                label: l.label,
            })
            .collect(),
    })
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ProgressRequest {
    /// 0–100; a decision with children takes its progress from them.
    pub progress: Option<u8>,
    /// planned, in_progress, done or cancelled; default from the progress.
    pub status: Option<String>,
    pub note: String,
}

/// Adds a dated progress entry: the one engine for the API and the pages.
pub async fn add_progress(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: ProgressRequest,
) -> ApiResult<()> {
    let actor = &ctx.actor;
    let d = decision_in_reach(state, actor, id, Action::ManageDeliberation).await?;
    let current = d.status;
    if current.is_final() {
        return Err(ApiError::conflict(format!(
            "决议已{}，不能再更新 / the decision is {}",
            current.name_zh(),
            current.as_str()
        )));
    }
    let note = required_text("note", &req.note, 2_000)?;
    let has_children = store_decisions::of_community(&state.store, &d.community_code)
        .await?
        .iter()
        .any(|x| x.parent_id == Some(id));
    if has_children && req.progress.is_some() {
        return Err(ApiError::field(
            "progress",
            "有子项的决议进度由子项汇总 / a decision with children takes its progress from them",
        ));
    }
    let progress = match req.progress {
        Some(p) if p > 100 => {
            return Err(ApiError::field("progress", "须为 0–100 / must be 0–100"));
        }
        Some(p) => i64::from(p),
        None => d.progress,
    };
    let status = match req.status.as_deref() {
        Some(s) => DecisionStatus::parse(s).ok_or_else(|| {
            ApiError::field("status", "须为 planned、in_progress、done 或 cancelled")
        })?,
        None if progress >= 100 => DecisionStatus::Done,
        None if progress > 0 => DecisionStatus::InProgress,
        None => current,
    };
    let progress = if status == DecisionStatus::Done && !has_children {
        100
    } else {
        progress
    };
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    store_decisions::set_state(&mut tx, id, status.as_str(), progress, now).await?;
    store_decisions::insert_progress(
        &mut tx,
        &[ProgressRow {
            decision_id: id,
            at: now,
            progress,
            status: status.as_str().into(),
            note,
            actor_id: actor.user_id,
            actor_label: actor.username.clone(),
        }],
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "decision.progress", "decision", id.to_string())
            .node(Some(d.community_code.clone()))
            .before(Some(
                serde_json::json!({"status": d.status, "progress": d.progress}),
            ))
            .after(Some(
                serde_json::json!({"status": status.as_str(), "progress": progress}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct LinkRequest {
    /// case, project, item, matter or url.
    pub kind: String,
    pub reference: String,
    #[serde(default)]
    pub label: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ParentRequest {
    pub parent_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct RateRequest {
    /// satisfied or unsatisfied.
    pub verdict: String,
}

/// A resident's verdict on a completed decision, once each.
pub async fn rate(state: &AppState, ctx: &Context, id: i64, verdict: &str) -> ApiResult<()> {
    let actor = &ctx.actor;
    let d = decision_in_reach(state, actor, id, Action::JoinDeliberation).await?;
    let (s, u) = match verdict {
        "satisfied" => (1, 0),
        "unsatisfied" => (0, 1),
        _ => {
            return Err(ApiError::field(
                "verdict",
                "须为 satisfied 或 unsatisfied / must be satisfied or unsatisfied",
            ));
        }
    };
    if rolled_status(state, &d.community_code, id).await? != Some(DecisionStatus::Done) {
        return Err(ApiError::conflict(
            "决议完成后才能评价 / a decision is rated once it is done",
        ));
    }
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    if !rate_once(&mut tx, "decision", id, actor.user_id, verdict, now).await? {
        return Err(ApiError::conflict(
            "您已评价过这项决议 / you have already rated this decision",
        ));
    }
    store_decisions::add_rating(&mut tx, id, s, u).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "decision.rate", "decision", id.to_string())
            .node(Some(d.community_code.clone()))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

pub async fn post_decision(
    state: &AppState,
    ctx: &Context,
    req: NewDecision,
) -> ApiResult<DecisionDetail> {
    let actor = &ctx.actor;
    let community = community_code("community_code", &req.community_code)?;
    allow(actor, Action::ManageDeliberation, &community)?;
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    let id = insert(&mut tx, actor, &req, "manual", None, now).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "decision.create", "decision", id.to_string())
            .node(Some(community))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    detail(state, actor, id).await
}

pub async fn list_decisions(
    state: &AppState,
    ctx: &Context,
    q: DecisionListQuery,
) -> ApiResult<Vec<DecisionView>> {
    let actor = &ctx.actor;
    let community = community_code("community", &q.community)?;
    allow(actor, Action::ViewDeliberation, &community)?;
    community_tree(state, &community).await
}

pub async fn get_decision(state: &AppState, ctx: &Context, id: i64) -> ApiResult<DecisionDetail> {
    let actor = &ctx.actor;
    detail(state, actor, id).await
}

pub async fn post_progress(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: ProgressRequest,
) -> ApiResult<DecisionDetail> {
    let actor = &ctx.actor;
    add_progress(state, ctx, id, req).await?;
    detail(state, actor, id).await
}

pub async fn post_link(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: LinkRequest,
) -> ApiResult<DecisionDetail> {
    let actor = &ctx.actor;
    let d = decision_in_reach(state, actor, id, Action::ManageDeliberation).await?;
    let reference = required_text("reference", &req.reference, 500)?;
    let label = optional_text("label", Some(&req.label), 200)?;
    match req.kind.as_str() {
        "case" => {
            let case_id: i64 = reference
                .parse()
                .map_err(|_| ApiError::field("reference", "案件编号须为整数 / a case id"))?;
            match tongxin_store::cases::get_case(&state.store, case_id).await? {
                Some(c) if c.grid_code.starts_with(&d.community_code) => {}
                _ => {
                    return Err(ApiError::field(
                        "reference",
                        "本社区没有这个案件 / no such case in this community",
                    ));
                }
            }
        }
        "project" | "item" | "matter" => {}
        "url" if reference.starts_with("https://") || reference.starts_with("http://") => {}
        "url" => {
            return Err(ApiError::field(
                "reference",
                "须为 http(s) 地址 / an http(s) URL",
            ));
        }
        _ => {
            return Err(ApiError::field(
                "kind",
                "须为 case、project、item、matter 或 url",
            ));
        }
    }
    let mut tx = state.store.begin().await?;
    store_decisions::insert_links(
        &mut tx,
        &[LinkRow {
            decision_id: id,
            kind: req.kind.clone(),
            reference: reference.clone(),
            label,
        }],
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "decision.link", "decision", id.to_string())
            .node(Some(d.community_code.clone()))
            .after(Some(
                serde_json::json!({"kind": req.kind, "reference": reference}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    detail(state, actor, id).await
}

pub async fn post_parent(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: ParentRequest,
) -> ApiResult<DecisionDetail> {
    let actor = &ctx.actor;
    let d = decision_in_reach(state, actor, id, Action::ManageDeliberation).await?;
    let all = store_decisions::of_community(&state.store, &d.community_code).await?;
    if let Some(p) = req.parent_id {
        if !all.iter().any(|x| x.id == p) {
            return Err(ApiError::field(
                "parent_id",
                "上级决议须属于同一社区 / the parent must be a decision of the same community",
            ));
        }
        let parents: HashMap<i64, Option<i64>> = all.iter().map(|x| (x.id, x.parent_id)).collect();
        if would_cycle(&parents, id, p) {
            return Err(ApiError::field(
                "parent_id",
                "不能把决议放到它自己的下级之下 / a decision cannot sit under itself",
            ));
        }
    }
    let mut tx = state.store.begin().await?;
    store_decisions::set_parent(&mut tx, id, req.parent_id).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "decision.parent", "decision", id.to_string())
            .node(Some(d.community_code.clone()))
            .after(Some(serde_json::json!({"parent_id": req.parent_id})))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    detail(state, actor, id).await
}

pub async fn post_rating(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: RateRequest,
) -> ApiResult<DecisionDetail> {
    let actor = &ctx.actor;
    rate(state, ctx, id, &req.verdict).await?;
    detail(state, actor, id).await
}
