//! The disclosure rules applied to the store: every write in one transaction with its audit
//! record. The JSON API and the staff pages both call these.

use crate::access::Caller;
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::disclosure::{
    self as rules, Affair, DueItem, Frequency, GENESIS_HASH, ItemDraft, LineItem, Overdue,
    PendingDraft, Period, approvals_counted, check_approver, link_hash,
};
use tongxin_core::disclosure::{LineKind, fen_to_yuan};
use tongxin_store::disclosure::{self as store, ApprovalRow, ItemRow, PostingRow};
use tongxin_store::{Conn, audit, commit, now_millis, territory};
use utoipa::{IntoParams, ToSchema};

/// The community a request names: a 12-digit code that exists.
pub async fn community(state: &AppState, code: &str) -> ApiResult<String> {
    let ok = code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(ApiError::not_found());
    }
    match territory::get_division(&state.store, code).await? {
        Some(d) if d.level == "community" => Ok(d.code),
        _ => Err(ApiError::not_found()),
    }
}

fn invalid(e: rules::Invalid) -> ApiError {
    ApiError::field(&e.field, e.reason)
}

pub struct NewItem {
    pub affair: String,
    pub title: String,
    pub frequency: String,
    pub major: bool,
    pub grace_days: Option<u32>,
}

/// Adds an item to a community's catalogue; its periods fall due from the current one.
pub async fn add_item(
    state: &AppState,
    actor: &Actor,
    code: &str,
    req: NewItem,
    request_id: Option<String>,
) -> ApiResult<ItemRow> {
    let code = community(state, code).await?;
    authorize(actor, Action::ManageDisclosure, Target::Node(&code))?;
    let affair = Affair::parse(&req.affair).ok_or_else(|| {
        ApiError::field(
            "affair",
            "可用：party, residents, finance / one of party, residents, finance",
        )
    })?;
    let frequency = Frequency::parse(&req.frequency).ok_or_else(|| {
        ApiError::field(
            "frequency",
            "可用：immediate, monthly, quarterly, yearly / one of immediate, monthly, quarterly, yearly",
        )
    })?;
    let draft = ItemDraft {
        affair,
        title: req.title.trim().to_string(),
        frequency,
        major: req.major,
        grace_days: req
            .grace_days
            .unwrap_or_else(|| rules::GraceDays::default().of(frequency)),
    };
    rules::check_item(&draft).map_err(invalid)?;
    let now = now_millis();
    let mut row = ItemRow {
        id: 0,
        district_code: code[..6].to_string(),
        community_code: code.clone(),
        affair: affair.as_str().into(),
        title: draft.title.clone(),
        frequency: frequency.as_str().into(),
        major: i64::from(draft.major),
        grace_days: i64::from(draft.grace_days),
        active_from: Period::containing(frequency, now).start_millis(),
        created_at: now,
        created_by: actor.user_id,
    };
    let mut tx = state.store.begin().await?;
    row.id = store::insert_item(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            "disclosure.item.create",
            "disclosure_item",
            row.id.to_string(),
        )
        .node(Some(code.clone()))
        .after(serde_json::to_value(&row).ok())
        .request(request_id),
    )
    .await?;
    commit(tx).await?;
    Ok(row)
}

/// Adds a user to the community's committee roster (by user id).
pub async fn add_member(
    state: &AppState,
    actor: &Actor,
    code: &str,
    user_id: i64,
    request_id: Option<String>,
) -> ApiResult<()> {
    let code = community(state, code).await?;
    authorize(actor, Action::ManageDisclosure, Target::Node(&code))?;
    let user = tongxin_store::access::get_user(&state.store, user_id).await?;
    if user.is_none_or(|u| u.is_disabled()) {
        return Err(ApiError::field(
            "user_id",
            "没有这个启用的账号 / no such active account",
        ));
    }
    let mut tx = state.store.begin().await?;
    if !store::add_member(&mut tx, &code, user_id, now_millis(), actor.user_id).await? {
        return Err(ApiError::conflict(
            "此人已在两委成员名单中 / already on the committee roster",
        ));
    }
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            "disclosure.committee.add",
            "disclosure_committee",
            format!("{code}/{user_id}"),
        )
        .node(Some(code.clone()))
        .request(request_id),
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

pub async fn remove_member(
    state: &AppState,
    actor: &Actor,
    code: &str,
    user_id: i64,
    request_id: Option<String>,
) -> ApiResult<()> {
    let code = community(state, code).await?;
    authorize(actor, Action::ManageDisclosure, Target::Node(&code))?;
    let mut tx = state.store.begin().await?;
    if !store::remove_member(&mut tx, &code, user_id).await? {
        return Err(ApiError::not_found());
    }
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            "disclosure.committee.remove",
            "disclosure_committee",
            format!("{code}/{user_id}"),
        )
        .node(Some(code.clone()))
        .request(request_id),
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

pub struct NewPosting {
    pub item_id: i64,
    pub period: String,
    pub title: String,
    pub body: String,
    pub lines: Vec<LineItem>,
}

/// Checks content and lines; every complaint at once.
fn check_posting(
    item: &ItemRow,
    title: &str,
    body: &str,
    lines: &[LineItem],
) -> ApiResult<(i64, i64)> {
    let mut errors = Vec::new();
    if let Err(e) = rules::check_content(title, body) {
        errors.push(FieldError::field(e.field, e.reason));
    }
    if item.affair != Affair::Finance.as_str() && !lines.is_empty() {
        errors.push(FieldError::field(
            "lines",
            "只有财务公开项目可以列收支明细 / only finance items carry line items",
        ));
    }
    let totals = match rules::totals(lines) {
        Ok(t) => t,
        Err(line_errors) => {
            errors.extend(line_errors.into_iter().map(|e| FieldError {
                field: Some(format!("lines[{}].{}", e.index, e.field)),
                index: Some(e.index),
                code: None,
                reason: e.reason,
            }));
            Default::default()
        }
    };
    if errors.is_empty() {
        Ok((totals.income_fen, totals.expense_fen))
    } else {
        Err(ApiError::invalid(
            "公开内容有误 / the posting is not valid",
            errors,
        ))
    }
}

/// Drafts a posting against a catalogue item and period.
pub async fn draft(
    state: &AppState,
    actor: &Actor,
    code: &str,
    req: NewPosting,
    request_id: Option<String>,
) -> ApiResult<PostingRow> {
    let code = community(state, code).await?;
    authorize(actor, Action::ManageDisclosure, Target::Node(&code))?;
    let item = store::get_item(&state.store, req.item_id)
        .await?
        .filter(|i| i.community_code == code)
        .ok_or_else(|| {
            ApiError::field(
                "item_id",
                "本社区目录中没有此项目 / no such item in this community's catalogue",
            )
        })?;
    let frequency = Frequency::parse(&item.frequency).unwrap_or(Frequency::Quarterly);
    let period =
        Period::parse(frequency, &req.period).map_err(|e| ApiError::field("period", e.0))?;
    let (income_fen, expense_fen) = check_posting(&item, &req.title, &req.body, &req.lines)?;
    let row = PostingRow {
        id: 0,
        community_code: code.clone(),
        district_code: code[..6].to_string(),
        item_id: item.id,
        period: period.to_string(),
        version: 1,
        supersedes: None,
        title: req.title.trim().to_string(),
        body: req.body.trim().to_string(),
        income_fen,
        expense_fen,
        status: "draft".into(),
        author_id: actor.user_id,
        author: actor.username.clone(),
        created_at: now_millis(),
        published_at: None,
        chain_seq: None,
        prev_hash: None,
        hash: None,
    };
    insert_draft(
        state,
        actor,
        row,
        &req.lines,
        "disclosure.posting.draft",
        request_id,
    )
    .await
}

async fn insert_draft(
    state: &AppState,
    actor: &Actor,
    mut row: PostingRow,
    lines: &[LineItem],
    action: &str,
    request_id: Option<String>,
) -> ApiResult<PostingRow> {
    let mut tx = state.store.begin().await?;
    row.id = store::insert_posting(&mut tx, &row, lines).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, action, "disclosure_posting", row.id.to_string())
            .node(Some(row.community_code.clone()))
            .after(Some(serde_json::json!({"item_id": row.item_id, "period": row.period, "version": row.version, "supersedes": row.supersedes, "title": row.title})))
            .request(request_id),
    )
    .await?;
    commit(tx).await?;
    Ok(row)
}

pub struct Correction {
    pub title: String,
    pub body: String,
    pub lines: Vec<LineItem>,
}

/// Drafts a correction: a new version of a published posting (which itself never changes).
pub async fn correct(
    state: &AppState,
    actor: &Actor,
    id: i64,
    req: Correction,
    request_id: Option<String>,
) -> ApiResult<PostingRow> {
    let old = store::get_posting(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(
        actor,
        Action::ManageDisclosure,
        Target::Record(&old.community_code),
    )?;
    if old.status != "published" {
        return Err(ApiError::conflict(
            "只能更正已发布的内容；草稿尚未公开 / only a published posting can be corrected; a draft is not public yet",
        ));
    }
    if let Some(newer) = superseded_by(state, id).await? {
        return Err(ApiError::conflict(format!(
            "此版本已被第 {newer} 号更正取代，请更正最新版本 / already superseded by posting {newer}; correct the newest version"
        )));
    }
    let item = store::get_item(&state.store, old.item_id)
        .await?
        .ok_or_else(|| ApiError::internal("posting without item"))?;
    let (income_fen, expense_fen) = check_posting(&item, &req.title, &req.body, &req.lines)?;
    let row = PostingRow {
        id: 0,
        version: old.version + 1,
        supersedes: Some(old.id),
        title: req.title.trim().to_string(),
        body: req.body.trim().to_string(),
        income_fen,
        expense_fen,
        status: "draft".into(),
        author_id: actor.user_id,
        author: actor.username.clone(),
        created_at: now_millis(),
        published_at: None,
        chain_seq: None,
        prev_hash: None,
        hash: None,
        ..old
    };
    insert_draft(
        state,
        actor,
        row,
        &req.lines,
        "disclosure.posting.correct",
        request_id,
    )
    .await
}

/// The published posting that supersedes `id`, if any.
pub async fn superseded_by(state: &AppState, id: i64) -> ApiResult<Option<i64>> {
    let mut conn = state
        .store
        .pool()
        .acquire()
        .await
        .map_err(tongxin_store::StoreError::from)?;
    Ok(store::superseded_by(&mut conn, id).await?)
}

async fn draft_in(conn: &mut Conn, id: i64) -> ApiResult<PostingRow> {
    let p = store::posting_in(conn, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if p.status != "draft" {
        return Err(ApiError::conflict(
            "已发布的内容不能再审核或发布；如有错误请提交更正 / already published: it cannot change; draft a correction instead",
        ));
    }
    Ok(p)
}

/// A committee member other than the author approves a draft.
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    id: i64,
    request_id: Option<String>,
) -> ApiResult<PostingRow> {
    let found = store::get_posting(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(
        actor,
        Action::ApproveDisclosure,
        Target::Record(&found.community_code),
    )?;
    let mut tx = state.store.begin().await?;
    let p = draft_in(&mut tx, id).await?;
    let committee = store::committee_ids(&mut tx, &p.community_code).await?;
    check_approver(p.author_id, &committee, actor.user_id).map_err(|e| {
        ApiError::forbidden_as("forbidden", "无权审核 / Not allowed to approve", e.reason)
    })?;
    let approval = ApprovalRow {
        posting_id: id,
        approver_id: actor.user_id,
        approver: actor.username.clone(),
        at: now_millis(),
    };
    if !store::add_approval(&mut tx, &approval).await? {
        return Err(ApiError::conflict(
            "您已审核过此内容 / you have already approved this posting",
        ));
    }
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            "disclosure.posting.approve",
            "disclosure_posting",
            id.to_string(),
        )
        .node(Some(p.community_code.clone()))
        .request(request_id),
    )
    .await?;
    commit(tx).await?;
    Ok(p)
}

/// Publishes a draft approved by two committee members (not the author): it becomes the
/// next link of the community's hash chain, and the public page is rebuilt.
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    id: i64,
    request_id: Option<String>,
) -> ApiResult<PostingRow> {
    let found = store::get_posting(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(
        actor,
        Action::ManageDisclosure,
        Target::Record(&found.community_code),
    )?;
    let item = store::get_item(&state.store, found.item_id)
        .await?
        .ok_or_else(|| ApiError::internal("posting without item"))?;
    let mut tx = state.store.begin().await?;
    let mut p = draft_in(&mut tx, id).await?;
    let committee = store::committee_ids(&mut tx, &p.community_code).await?;
    let approvers = store::approver_ids(&mut tx, id).await?;
    approvals_counted(p.author_id, &committee, &approvers)
        .map_err(|missing| ApiError::conflict(format!("不能发布：{missing}")))?;
    check_not_duplicate(&mut tx, &p, &item).await?;
    let head = store::head_in(&mut tx, &p.community_code).await?;
    p.chain_seq = Some(head.as_ref().map_or(1, |h| h.length + 1));
    p.prev_hash = Some(
        head.as_ref()
            .map_or(GENESIS_HASH.to_string(), |h| h.last_hash.clone()),
    );
    p.published_at = Some(now_millis());
    let lines = store::lines_in(&mut tx, id).await?;
    let entry = store::chain_entry(&p, lines, approvers.clone());
    let hash = link_hash(p.prev_hash.as_deref().unwrap_or(GENESIS_HASH), &entry);
    p.hash = Some(hash.clone());
    if !store::publish(&mut tx, &p, head.as_ref()).await? {
        return Err(ApiError::conflict(
            "另一项内容刚刚发布，请重试 / another posting was published at the same moment; try again",
        ));
    }
    p.status = "published".into();
    audit::record(
        &mut tx,
        &audit_entry(actor, "disclosure.posting.publish", "disclosure_posting", id.to_string())
            .node(Some(p.community_code.clone()))
            .after(Some(serde_json::json!({"chain_seq": p.chain_seq, "hash": hash, "approvers": approvers, "supersedes": p.supersedes})))
            .request(request_id),
    )
    .await?;
    commit(tx).await?;
    state.disclosure_portal.invalidate(&p.community_code);
    Ok(p)
}

/// A period of a periodic item is published once; later changes are corrections. A
/// correction must supersede the newest published version.
async fn check_not_duplicate(conn: &mut Conn, p: &PostingRow, item: &ItemRow) -> ApiResult<()> {
    if let Some(old) = p.supersedes {
        if let Some(newer) = store::superseded_by(conn, old).await? {
            return Err(ApiError::conflict(format!(
                "第 {old} 号已被第 {newer} 号更正取代 / posting {old} was already superseded by {newer}"
            )));
        }
        return Ok(());
    }
    if item.frequency == Frequency::Immediate.as_str() {
        return Ok(());
    }
    match store::published_original(conn, p.item_id, &p.period).await? {
        Some(id) => Err(ApiError::conflict(format!(
            "该期已公开（第 {id} 号）；如需修改请提交更正 / this period is already published (posting {id}); draft a correction instead"
        ))),
        None => Ok(()),
    }
}

/// Items overdue for publication in a community at `now`, with their items.
pub async fn overdue(state: &AppState, code: &str, now: i64) -> ApiResult<Vec<(ItemRow, Overdue)>> {
    let items = store::list_items(&state.store, code).await?;
    let postings = store::list_postings(&state.store, code, true).await?;
    let published: Vec<(i64, String)> = postings
        .iter()
        .filter(|p| p.status == "published")
        .map(|p| (p.item_id, p.period.clone()))
        .collect();
    let drafts: Vec<PendingDraft> = postings
        .iter()
        .filter(|p| p.status == "draft" && p.supersedes.is_none())
        .map(|p| PendingDraft {
            posting_id: p.id,
            item_id: p.item_id,
            period: p.period.clone(),
            created_at: p.created_at,
        })
        .collect();
    let mut out = Vec::new();
    for item in items {
        let due = DueItem {
            id: item.id,
            frequency: Frequency::parse(&item.frequency).unwrap_or(Frequency::Quarterly),
            grace_days: item.grace_days.max(0) as u32,
            active_from: item.active_from,
        };
        let periods: Vec<String> = published
            .iter()
            .filter(|(i, _)| *i == item.id)
            .map(|(_, p)| p.clone())
            .collect();
        for o in rules::overdue(&due, &periods, &drafts, now) {
            out.push((item.clone(), o));
        }
    }
    out.sort_by_key(|(_, o)| o.due_at);
    Ok(out)
}

#[derive(Serialize, ToSchema)]
#[schema(as = DisclosureItemView)]
pub struct ItemView {
    pub id: i64,
    pub community_code: String,
    /// party, residents or finance.
    pub affair: String,
    pub title: String,
    /// immediate, monthly, quarterly or yearly.
    pub frequency: String,
    pub major: bool,
    /// Days after a period ends (immediate: after drafting) by which the posting is due.
    pub grace_days: i64,
    /// Periods fall due from the one containing this instant (UTC ms).
    pub active_from: i64,
}

pub(crate) fn item_view(r: &ItemRow) -> ItemView {
    ItemView {
        id: r.id,
        community_code: r.community_code.clone(),
        affair: r.affair.clone(),
        title: r.title.clone(),
        frequency: r.frequency.clone(),
        major: r.major != 0,
        grace_days: r.grace_days,
        active_from: r.active_from,
    }
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct LineView {
    /// income or expense.
    pub kind: String,
    pub label: String,
    pub amount_fen: i64,
    /// For reading only: the amount in yuan, e.g. "1,234.50" (ignored in a request).
    #[serde(default, deserialize_with = "ignored")]
    #[schema(read_only)]
    pub amount_yuan: String,
}

/// Reads and drops a value: a computed member is never taken from a request.
pub(crate) fn ignored<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| String::new())
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalView {
    pub approver_id: i64,
    pub approver: String,
    pub at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PostingView {
    pub id: i64,
    pub community_code: String,
    pub item_id: i64,
    pub period: String,
    /// 1 for the original; each correction one more.
    pub version: i64,
    /// The posting this one corrects.
    pub supersedes: Option<i64>,
    /// draft or published.
    pub status: String,
    pub title: String,
    pub body: String,
    pub income_fen: i64,
    pub expense_fen: i64,
    pub balance_fen: i64,
    pub author: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    /// Place in the community's hash chain, and the link's hashes.
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Vec<ApprovalView>>,
}

pub fn posting_view(p: &PostingRow) -> PostingView {
    PostingView {
        id: p.id,
        community_code: p.community_code.clone(),
        item_id: p.item_id,
        period: p.period.clone(),
        version: p.version,
        supersedes: p.supersedes,
        status: p.status.clone(),
        title: p.title.clone(),
        body: p.body.clone(),
        income_fen: p.income_fen,
        expense_fen: p.expense_fen,
        balance_fen: p.income_fen - p.expense_fen,
        author: p.author.clone(),
        created_at: p.created_at,
        published_at: p.published_at,
        chain_seq: p.chain_seq,
        prev_hash: p.prev_hash.clone(),
        hash: p.hash.clone(),
        lines: None,
        approvals: None,
    }
}

pub(crate) async fn full_view(state: &AppState, p: &PostingRow) -> ApiResult<PostingView> {
    let mut v = posting_view(p);
    v.lines = Some(
        store::lines(&state.store, p.id)
            .await?
            .into_iter()
            .map(|l| LineView {
                amount_yuan: fen_to_yuan(l.amount_fen),
                kind: l.kind,
                label: l.label,
                amount_fen: l.amount_fen,
            })
            .collect(),
    );
    v.approvals = Some(
        store::approvals(&state.store, p.id)
            .await?
            .into_iter()
            .map(|a| ApprovalView {
                approver_id: a.approver_id,
                approver: a.approver,
                at: a.at,
            })
            .collect(),
    );
    Ok(v)
}

pub(crate) fn line_items(lines: Vec<LineView>) -> ApiResult<Vec<LineItem>> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let kind = LineKind::parse(&l.kind).ok_or_else(|| {
                ApiError::field(
                    &format!("lines[{i}].kind"),
                    "可用：income, expense / one of income, expense",
                )
            })?;
            Ok(LineItem {
                kind,
                label: l.label,
                amount_fen: l.amount_fen,
            })
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct NewItemRequest {
    /// party, residents or finance.
    pub affair: String,
    pub title: String,
    /// immediate, monthly, quarterly or yearly (major matters: immediate; finance: at least quarterly).
    pub frequency: String,
    #[serde(default)]
    pub major: bool,
    /// Days after the period by which it is due (default by frequency: 3, 10, 15, 31).
    pub grace_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CommitteeMemberView)]
pub struct MemberView {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub added_at: i64,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = NewCommitteeMemberRequest)]
pub struct NewMemberRequest {
    pub user_id: i64,
}

/// Whether the caller works on this community's disclosure (and so sees drafts).
pub(crate) fn is_staff(caller: &Caller, code: &str) -> bool {
    match caller {
        Caller::Known { actor, .. } => {
            authorize(actor, Action::ManageDisclosure, Target::Node(code)).is_ok()
                || authorize(actor, Action::ApproveDisclosure, Target::Node(code)).is_ok()
        }
        _ => false,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewPostingRequest {
    pub item_id: i64,
    /// 2026-03 (monthly), 2026-Q1 (quarterly), 2026 (yearly), 2026-03-15 (immediate: the matter's date).
    pub period: String,
    pub title: String,
    #[schema(max_length = 20000)]
    pub body: String,
    /// Finance items only: income and expense lines in fen.
    #[serde(default)]
    pub lines: Vec<LineView>,
}

#[derive(Deserialize, ToSchema)]
pub struct CorrectionRequest {
    pub title: String,
    #[schema(max_length = 20000)]
    pub body: String,
    #[serde(default)]
    pub lines: Vec<LineView>,
}

#[derive(Serialize, ToSchema)]
pub struct OverdueView {
    pub item_id: i64,
    pub item_title: String,
    pub affair: String,
    pub frequency: String,
    pub major: bool,
    pub period: String,
    pub due_at: i64,
    pub days_late: i64,
    /// For an immediate matter: the draft waiting to be published.
    pub posting_id: Option<i64>,
}

pub async fn overdue_views(state: &AppState, code: &str) -> ApiResult<Vec<OverdueView>> {
    let late = overdue(state, code, now_millis()).await?;
    Ok(late
        .into_iter()
        .map(|(item, o)| OverdueView {
            item_id: item.id,
            item_title: item.title,
            affair: item.affair,
            frequency: item.frequency,
            major: item.major != 0,
            period: o.period,
            due_at: o.due_at,
            days_late: o.days_late,
            posting_id: o.posting_id,
        })
        .collect())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// A territory code to check under (default: everything the caller reaches).
    pub within: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HeadView {
    pub community_code: String,
    pub length: i64,
    pub last_hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct BrokenView {
    pub community_code: String,
    pub seq: i64,
    pub posting_id: Option<i64>,
    /// missing, content, previous_hash or head.
    pub problem: String,
    pub expected: String,
    pub found: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyReport {
    pub intact: bool,
    /// The verified chain heads (for anchoring outside the database), when intact.
    pub heads: Vec<HeadView>,
    /// The first broken link, when not.
    pub broken: Option<BrokenView>,
}

/// Walks the chains under `prefix`.
pub async fn verify_report(state: &AppState, prefix: &str) -> ApiResult<VerifyReport> {
    Ok(match store::verify(&state.store, prefix).await? {
        Ok(heads) => VerifyReport {
            intact: true,
            heads: heads
                .into_iter()
                .map(|h| HeadView {
                    community_code: h.community_code,
                    length: h.length,
                    last_hash: h.last_hash,
                })
                .collect(),
            broken: None,
        },
        Err(b) => VerifyReport {
            intact: false,
            heads: Vec::new(),
            broken: Some(BrokenView {
                message: b.to_string(),
                community_code: b.community_code,
                seq: b.seq,
                posting_id: b.posting_id,
                problem: b.problem.into(),
                expected: b.expected,
                found: b.found,
            }),
        },
    })
}

/// Labels for people.
pub fn affair_name(affair: &str, en: bool) -> &'static str {
    match Affair::parse(affair) {
        Some(a) if en => a.name_en(),
        Some(a) => a.name_zh(),
        None => "",
    }
}

pub fn frequency_name(frequency: &str, en: bool) -> &'static str {
    match Frequency::parse(frequency) {
        Some(f) if en => f.name_en(),
        Some(f) => f.name_zh(),
        None => "",
    }
}

pub fn period_label(frequency: &str, period: &str) -> String {
    Frequency::parse(frequency)
        .and_then(|f| Period::parse(f, period).ok())
        .map(|p| p.label_zh())
        .unwrap_or_else(|| period.to_string())
}

pub async fn verify(state: &AppState, ctx: &Context, q: VerifyQuery) -> ApiResult<VerifyReport> {
    let actor = &ctx.actor;
    let prefixes = crate::util::reach_within(actor, Action::VerifyDisclosure, q.within.as_deref())?;
    let mut report = VerifyReport {
        intact: true,
        heads: Vec::new(),
        broken: None,
    };
    for p in prefixes {
        let part = verify_report(state, &p).await?;
        report.heads.extend(part.heads);
        if !part.intact {
            report.intact = false;
            report.heads.clear();
            report.broken = part.broken;
            break;
        }
    }
    Ok(report)
}
