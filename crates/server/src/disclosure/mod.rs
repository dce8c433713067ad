//! Three-affairs disclosure (三务公开) over HTTP: the catalogue, the committee roster,
//! drafting, two-member approval, publication onto the hash chain, corrections, overdue
//! warnings and the chain check. The public portal is in `pages::disclosure`.

pub mod pages;
pub mod routes;
pub mod service;

use crate::access::session::request_id;
use crate::access::{Authenticated, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::RwLock;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::disclosure::{Affair, Frequency, LineItem, LineKind, Period, fen_to_yuan};
use tongxin_store::disclosure::{self as store, ItemRow, PostingRow};
use tongxin_store::now_millis;
use utoipa::{IntoParams, ToSchema};

/// Rendered public pages, per community and language, dropped when the community publishes.
#[derive(Default)]
pub struct PortalCache {
    pub(crate) pages: RwLock<HashMap<String, axum::body::Bytes>>,
}

impl PortalCache {
    pub fn get(&self, key: &str) -> Option<axum::body::Bytes> {
        self.pages
            .read()
            .expect("portal cache lock")
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: String, page: axum::body::Bytes) {
        self.pages
            .write()
            .expect("portal cache lock")
            .insert(key, page);
    }
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

fn item_view(r: &ItemRow) -> ItemView {
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
fn ignored<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
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

async fn full_view(state: &AppState, p: &PostingRow) -> ApiResult<PostingView> {
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

fn line_items(lines: Vec<LineView>) -> ApiResult<Vec<LineItem>> {
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

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/items", tag = "disclosure", operation_id = "list_disclosure_items", params(("code" = String, Path)),
    responses((status = 200, body = Vec<ItemView>)))]
pub async fn list_items(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<ItemView>>> {
    let code = service::community(&state, &code).await?;
    let items = store::list_items(&state.store, &code).await?;
    Ok(Json(items.iter().map(item_view).collect()))
}

#[utoipa::path(post, path = "/api/v1/disclosure/communities/{code}/items", tag = "disclosure", operation_id = "post_disclosure_item", params(("code" = String, Path)),
    request_body = NewItemRequest,
    responses((status = 201, body = ItemView), (status = 422, body = crate::error::Problem)))]
pub async fn post_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewItemRequest>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    let row = service::add_item(
        &state,
        &actor,
        &code,
        service::NewItem {
            affair: req.affair,
            title: req.title,
            frequency: req.frequency,
            major: req.major,
            grace_days: req.grace_days,
        },
        request_id(&headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(item_view(&row))))
}

#[derive(Serialize, ToSchema)]
#[schema(as = CommitteeMemberView)]
pub struct MemberView {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub added_at: i64,
}

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/committee", tag = "disclosure", params(("code" = String, Path)),
    responses((status = 200, body = Vec<MemberView>)))]
pub async fn list_committee(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<MemberView>>> {
    let code = service::community(&state, &code).await?;
    authorize(&actor, Action::ApproveDisclosure, Target::Node(&code))?;
    let members = store::committee(&state.store, &code).await?;
    Ok(Json(
        members
            .into_iter()
            .map(|m| MemberView {
                user_id: m.user_id,
                username: m.username,
                display_name: m.display_name,
                added_at: m.added_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = NewCommitteeMemberRequest)]
pub struct NewMemberRequest {
    pub user_id: i64,
}

#[utoipa::path(post, path = "/api/v1/disclosure/communities/{code}/committee", tag = "disclosure", operation_id = "post_committee_member", params(("code" = String, Path)),
    request_body = NewMemberRequest,
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
pub async fn post_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewMemberRequest>,
) -> ApiResult<StatusCode> {
    service::add_member(&state, &actor, &code, req.user_id, request_id(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/disclosure/communities/{code}/committee/{user_id}", tag = "disclosure",
    params(("code" = String, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((code, user_id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    service::remove_member(&state, &actor, &code, user_id, request_id(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the caller works on this community's disclosure (and so sees drafts).
fn is_staff(caller: &Caller, code: &str) -> bool {
    match caller {
        Caller::Known { actor, .. } => {
            authorize(actor, Action::ManageDisclosure, Target::Node(code)).is_ok()
                || authorize(actor, Action::ApproveDisclosure, Target::Node(code)).is_ok()
        }
        _ => false,
    }
}

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/postings", tag = "disclosure", params(("code" = String, Path)),
    responses((status = 200, body = Vec<PostingView>, description = "newest first; published ones for everyone, drafts too for the community's staff and committee")))]
pub async fn list_postings(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<PostingView>>> {
    let code = service::community(&state, &code).await?;
    let rows = store::list_postings(&state.store, &code, is_staff(&caller, &code)).await?;
    Ok(Json(rows.iter().map(posting_view).collect()))
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

#[utoipa::path(post, path = "/api/v1/disclosure/communities/{code}/postings", tag = "disclosure", params(("code" = String, Path)),
    request_body = NewPostingRequest,
    responses((status = 201, body = PostingView), (status = 422, body = crate::error::Problem)))]
pub async fn post_posting(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewPostingRequest>,
) -> ApiResult<(StatusCode, Json<PostingView>)> {
    let lines = line_items(req.lines)?;
    let row = service::draft(
        &state,
        &actor,
        &code,
        service::NewPosting {
            item_id: req.item_id,
            period: req.period,
            title: req.title,
            body: req.body,
            lines,
        },
        request_id(&headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(full_view(&state, &row).await?)))
}

#[utoipa::path(get, path = "/api/v1/disclosure/postings/{id}", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = PostingView), (status = 404, body = crate::error::Problem)))]
pub async fn get_posting(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostingView>> {
    let p = store::get_posting(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if p.status != "published" && !is_staff(&caller, &p.community_code) {
        return Err(ApiError::not_found());
    }
    Ok(Json(full_view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/v1/disclosure/postings/{id}/approve", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = PostingView), (status = 403, body = crate::error::Problem, description = "not on the committee roster, or the author"),
              (status = 409, body = crate::error::Problem, description = "already approved by you, or already published")))]
pub async fn approve(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Json<PostingView>> {
    let p = service::approve(&state, &actor, id, request_id(&headers)).await?;
    Ok(Json(full_view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/v1/disclosure/postings/{id}/publish", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = PostingView), (status = 409, body = crate::error::Problem, description = "fewer than two committee approvals (named), already published, or the period already published")))]
pub async fn publish(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Json<PostingView>> {
    let p = service::publish(&state, &actor, id, request_id(&headers)).await?;
    Ok(Json(full_view(&state, &p).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CorrectionRequest {
    pub title: String,
    #[schema(max_length = 20000)]
    pub body: String,
    #[serde(default)]
    pub lines: Vec<LineView>,
}

#[utoipa::path(post, path = "/api/v1/disclosure/postings/{id}/corrections", tag = "disclosure", params(("id" = i64, Path)),
    request_body = CorrectionRequest,
    responses((status = 201, body = PostingView, description = "a draft of the next version; it is approved and published like any posting"),
              (status = 409, body = crate::error::Problem)))]
pub async fn post_correction(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CorrectionRequest>,
) -> ApiResult<(StatusCode, Json<PostingView>)> {
    let lines = line_items(req.lines)?;
    let row = service::correct(
        &state,
        &actor,
        id,
        service::Correction {
            title: req.title,
            body: req.body,
            lines,
        },
        request_id(&headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(full_view(&state, &row).await?)))
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

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/overdue", tag = "disclosure", params(("code" = String, Path)),
    responses((status = 200, body = Vec<OverdueView>, description = "publications past their due date, oldest first")))]
pub async fn list_overdue(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<OverdueView>>> {
    let code = service::community(&state, &code).await?;
    authorize(&actor, Action::ApproveDisclosure, Target::Node(&code))?;
    Ok(Json(overdue_views(&state, &code).await?))
}

pub async fn overdue_views(state: &AppState, code: &str) -> ApiResult<Vec<OverdueView>> {
    let late = service::overdue(state, code, now_millis()).await?;
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

#[utoipa::path(get, path = "/api/v1/disclosure/verify", tag = "disclosure", params(VerifyQuery),
    responses((status = 200, body = VerifyReport, description = "intact, with the chain heads; or the first broken link")))]
pub async fn verify(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> ApiResult<Json<VerifyReport>> {
    let prefixes =
        crate::util::reach_within(&actor, Action::VerifyDisclosure, q.within.as_deref())?;
    let mut report = VerifyReport {
        intact: true,
        heads: Vec::new(),
        broken: None,
    };
    for p in prefixes {
        let part = verify_report(&state, &p).await?;
        report.heads.extend(part.heads);
        if !part.intact {
            report.intact = false;
            report.heads.clear();
            report.broken = part.broken;
            break;
        }
    }
    Ok(Json(report))
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
