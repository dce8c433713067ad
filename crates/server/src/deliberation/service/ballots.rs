//! Elections and motions over HTTP. A vote is checked in this order: the ballot is visible,
//! open and takes votes (409), what it says is valid (422), the caller is linked to a
//! resident (403) who is in the electorate now (403) and has not voted (409).

use super::councils::{names_of, resident_in_area, serving};
use super::{beijing_date, council_for, refusal, rules_of, voter_of};
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::deliberation::ballots::{
    BallotKind, BallotMode, BallotStatus, CheckedElection, Choice, Counts, ElectionDraft,
    ElectionElectorate, Electorate, MotionDraft, MotionOutcome, Refusal, check_election,
    check_marks, check_motion, check_window, counts_from_votes, decide, parse_choice,
};
use tongxin_core::deliberation::councils::{CouncilRules, MemberRole, Share, add_months};
use tongxin_core::deliberation::elections::ElectionResult;
use tongxin_store::deliberation::ballots::{
    self as store, BallotRow, Elector, OptionRow, count_election, members_from_result,
};
pub use tongxin_store::deliberation::ballots::{ELECTION, MOTION};
use tongxin_store::deliberation::councils::{self as councils_store, CouncilRow, MemberRow};
use tongxin_store::{audit, now_millis};
use utoipa::ToSchema;

/// scheduled, open, closed or published.
pub fn ballot_state(b: &BallotRow, now: i64) -> &'static str {
    if b.status == BallotStatus::Published {
        "published"
    } else if now < b.opens_at {
        "scheduled"
    } else if now < b.closes_at {
        "open"
    } else {
        "closed"
    }
}

/// The ballot of this kind, if the actor may `action` on its council.
pub async fn ballot_for(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kind: BallotKind,
    action: Action,
) -> ApiResult<(BallotRow, CouncilRow)> {
    let b = store::get_ballot(&state.store, id)
        .await?
        .filter(|b| b.kind == kind)
        .ok_or_else(ApiError::not_found)?;
    let c = council_for(state, actor, b.council_id, action).await?;
    Ok((b, c))
}

/// Residents listed as electors, each checked to live in the council's area.
pub(crate) async fn listed_electors(
    state: &AppState,
    council: &CouncilRow,
    ids: &[i64],
    field: &str,
) -> ApiResult<Vec<i64>> {
    let mut out: Vec<i64> = Vec::with_capacity(ids.len());
    if ids.is_empty() {
        return Err(ApiError::field(
            field,
            "名单不能为空 / the list must not be empty",
        ));
    }
    let people = names_of(state, ids).await?;
    let area = match council.compound_id {
        Some(_) => Some(
            councils_store::area_buildings(
                &state.store,
                &council.community_code,
                council.compound_id,
            )
            .await?,
        ),
        None => None,
    };
    for (i, id) in ids.iter().enumerate() {
        let ok = people.get(id).is_some_and(|p| {
            p.status == "resident"
                && p.grid_code.starts_with(&council.community_code)
                && area
                    .as_ref()
                    .is_none_or(|a| p.building_id.is_some_and(|b| a.contains(&b)))
        });
        if !ok {
            return Err(ApiError::field(
                &format!("{field}[{i}]"),
                format!(
                    "居民 {id} 不存在或不住在本议事会的范围内 / resident {id} does not exist or does not live in this council's area"
                ),
            ));
        }
        if out.contains(id) {
            return Err(ApiError::field(
                &format!("{field}[{i}]"),
                format!("居民 {id} 重复 / resident {id} listed twice"),
            ));
        }
        out.push(*id);
    }
    Ok(out)
}

// --- Elections -------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct NewElectionRequest {
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// Default: the council's seats.
    pub seats: Option<u32>,
    pub opens_at: i64,
    pub closes_at: i64,
    /// Candidates (resident ids), numbered 1, 2, … in this order on the paper.
    pub candidates: Vec<i64>,
    /// residents (adults of the area on the opening day, the default) or listed.
    pub electorate: Option<String>,
    /// For a listed electorate: resident ids (e.g. household or group representatives).
    #[serde(default)]
    pub electors: Vec<i64>,
    /// Default: the time the ballot closes; the term runs for the council's term length.
    pub term_start: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub number: i64,
    pub resident_id: i64,
    pub name: String,
    pub building_id: Option<i64>,
    pub party_member: bool,
}

/// The caller's own standing in a ballot (when their account is linked to a resident).
#[derive(Serialize, ToSchema)]
pub struct MyBallot {
    pub resident_id: i64,
    pub eligible: bool,
    pub voted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ElectionView {
    pub id: i64,
    pub council_id: i64,
    pub title: String,
    pub body: String,
    /// Always secret.
    pub mode: String,
    pub seats: i64,
    /// scheduled, open, closed or published.
    pub state: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub term_start: Option<i64>,
    pub term_end: Option<i64>,
    pub electorate_kind: String,
    pub electorate_size: i64,
    /// Who has voted so far (how they voted is never recorded with them).
    pub voted: i64,
    pub candidates: Vec<CandidateView>,
    /// Counted once the ballot has closed; frozen when published.
    #[schema(value_type = Option<Object>)]
    pub result: Option<ElectionResult>,
    pub published_at: Option<i64>,
    pub me: Option<MyBallot>,
}

pub(crate) async fn create_ballot(
    state: &AppState,
    ctx: &Context,
    row: &BallotRow,
    options: &[OptionRow],
    electors: &[Elector],
) -> ApiResult<i64> {
    let actor = &ctx.actor;
    let mut tx = state.store.begin().await?;
    let id = store::insert_ballot(&mut tx, row).await?;
    let options: Vec<OptionRow> = options
        .iter()
        .map(|o| OptionRow {
            ballot_id: id,
            ..o.clone()
        })
        .collect();
    store::insert_options(&mut tx, &options).await?;
    store::insert_electorate(&mut tx, id, electors).await?;
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            &format!("{}.create", row.kind),
            "ballot",
            id.to_string(),
        )
        .node(Some(row.community_code.clone()))
        .before(None)
        .after(Some(serde_json::json!({
            "council_id": row.council_id, "title": row.title, "mode": row.mode,
            "opens_at": row.opens_at, "closes_at": row.closes_at,
            "electorate": row.electorate_kind, "electorate_size": row.electorate_size,
            "options": options.len(),
        })))
        .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Seals a closed secret ballot and, for a motion, publishes its result once counted.
/// Returns the ballot as it now stands.
pub async fn settle(state: &AppState, b: BallotRow) -> ApiResult<BallotRow> {
    let now = now_millis();
    if now < b.closes_at {
        return Ok(b);
    }
    let needs_seal = b.mode == BallotMode::Secret && b.sealed == 0;
    let hands_missing = b.mode == BallotMode::ShowOfHands && b.hands.is_none();
    let needs_result = b.kind == MOTION && b.status != BallotStatus::Published && !hands_missing;
    if !needs_seal && !needs_result {
        return Ok(b);
    }
    let outcome = if needs_result {
        Some(motion_outcome(state, &b).await?)
    } else {
        None
    };
    let mut tx = state.store.begin().await?;
    if needs_seal {
        store::seal(&mut tx, b.id).await?;
    }
    if let Some(o) = &outcome {
        let json = serde_json::to_string(o).map_err(ApiError::internal)?;
        store::publish(&mut tx, b.id, &json, now).await?;
    }
    tx.commit().await?;
    store::get_ballot(&state.store, b.id)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn election_result(
    state: &AppState,
    b: &BallotRow,
    c: &CouncilRow,
) -> ApiResult<ElectionResult> {
    if let Some(r) = b.result.as_deref() {
        return serde_json::from_str(r).map_err(ApiError::internal);
    }
    let options = store::options(&state.store, b.id).await?;
    let tally = store::tally(&state.store, b.id).await?;
    let area =
        councils_store::area_buildings(&state.store, &c.community_code, c.compound_id).await?;
    Ok(count_election(b, &options, &tally, &area))
}

/// The caller's standing in a ballot: `None` when their account is linked to no resident.
pub async fn my_ballot(
    state: &AppState,
    actor: &Actor,
    b: &BallotRow,
) -> ApiResult<Option<MyBallot>> {
    let Some(resident) = councils_store::resident_of_user(&state.store, actor.user_id).await?
    else {
        return Ok(None);
    };
    let mut conn = state
        .store
        .pool()
        .acquire()
        .await
        .map_err(tongxin_store::StoreError::from)?;
    let now = now_millis();
    let eligible = store::elector(&mut conn, b.id, resident)
        .await?
        .is_some_and(|e| e.valid_from <= now.max(b.opens_at) && now.max(b.opens_at) < e.valid_to);
    let voted = store::has_voted(&mut conn, b.id, resident).await?;
    Ok(Some(MyBallot {
        resident_id: resident,
        eligible,
        voted,
    }))
}

pub async fn election_view(
    state: &AppState,
    actor: &Actor,
    b: BallotRow,
    c: &CouncilRow,
) -> ApiResult<ElectionView> {
    let b = settle(state, b).await?;
    let now = now_millis();
    let st = ballot_state(&b, now);
    let options = store::options(&state.store, b.id).await?;
    let tally = store::tally(&state.store, b.id).await?;
    let result = if st == "closed" || st == "published" {
        Some(election_result(state, &b, c).await?)
    } else {
        None
    };
    let me = my_ballot(state, actor, &b).await?;
    Ok(ElectionView {
        id: b.id,
        council_id: b.council_id,
        title: b.title,
        body: b.body,
        mode: b.mode.as_str().into(),
        seats: b.seats,
        state: st.into(),
        opens_at: b.opens_at,
        closes_at: b.closes_at,
        term_start: b.term_start,
        term_end: b.term_end,
        electorate_kind: b.electorate_kind,
        electorate_size: b.electorate_size,
        voted: tally.voters as i64,
        candidates: options
            .into_iter()
            .map(|o| CandidateView {
                number: o.option_no,
                resident_id: o.resident_id.unwrap_or(0),
                name: o.label,
                building_id: o.building_id,
                party_member: o.party_member != 0,
            })
            .collect(),
        result,
        published_at: b.published_at,
        me,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct ElectionVote {
    /// Candidate numbers ticked (at most `seats`; none is a blank paper).
    pub candidates: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct VoteReceipt {
    pub ballot_id: i64,
    /// Recorded (the time only; a secret paper keeps no time and no name).
    pub cast_at: i64,
    pub secret: bool,
}

/// Casts a vote through every check; the API and the voting page both call this.
pub async fn cast_vote(
    state: &AppState,
    ctx: &Context,
    b: &BallotRow,
    marks: Result<Vec<i64>, Refusal>,
) -> ApiResult<VoteReceipt> {
    let actor = &ctx.actor;
    authorize(actor, Action::Vote, Target::Node(&b.community_code))?;
    let now = now_millis();
    if b.status == BallotStatus::Published {
        return Err(refusal(Refusal::Closed));
    }
    check_window(b.opens_at, b.closes_at, now).map_err(refusal)?;
    if b.mode == BallotMode::ShowOfHands {
        return Err(refusal(Refusal::ShowOfHands));
    }
    let marks = marks.map_err(refusal)?;
    let resident = voter_of(state, actor).await?;
    let secret = b.mode == BallotMode::Secret;
    let mut tx = state.store.begin().await?;
    let eligible = store::elector(&mut tx, b.id, resident)
        .await?
        .is_some_and(|e| e.valid_from <= now && now < e.valid_to);
    if !eligible {
        return Err(refusal(Refusal::NotEligible));
    }
    if !store::cast(&mut tx, b.id, resident, now, !secret, &marks).await? {
        return Err(refusal(Refusal::AlreadyVoted));
    }
    // The record says who voted; on a secret ballot never how.
    let after = if secret {
        serde_json::json!({"resident_id": resident})
    } else {
        serde_json::json!({"resident_id": resident, "marks": marks})
    };
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            &format!("{}.vote", b.kind),
            "ballot",
            b.id.to_string(),
        )
        .node(Some(b.community_code.clone()))
        .before(None)
        .after(Some(after))
        .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(VoteReceipt {
        ballot_id: b.id,
        cast_at: now,
        secret,
    })
}

pub fn election_marks(
    b: &BallotRow,
    options: &[OptionRow],
    ticked: &[i64],
) -> Result<Vec<i64>, Refusal> {
    let known: Vec<i64> = options.iter().map(|o| o.option_no).collect();
    check_marks(ticked, &known, b.seats as u32)
}

pub(crate) async fn close(state: &AppState, ctx: &Context, b: &BallotRow) -> ApiResult<()> {
    let actor = &ctx.actor;
    let now = now_millis();
    if b.status == BallotStatus::Published || now >= b.closes_at {
        return Err(ApiError::conflict(
            "投票已结束 / the ballot has already closed",
        ));
    }
    let mut tx = state.store.begin().await?;
    store::close_now(&mut tx, b.id, now.max(b.opens_at)).await?;
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            &format!("{}.close", b.kind),
            "ballot",
            b.id.to_string(),
        )
        .node(Some(b.community_code.clone()))
        .before(Some(serde_json::json!({"closes_at": b.closes_at})))
        .after(Some(serde_json::json!({"closes_at": now.max(b.opens_at)})))
        .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Members from a valid result: each elected candidate for the election's term.
pub async fn elected_members(
    state: &AppState,
    b: &BallotRow,
    result: &ElectionResult,
) -> ApiResult<Vec<MemberRow>> {
    if !result.valid {
        return Ok(Vec::new());
    }
    let options = store::options(&state.store, b.id).await?;
    Ok(members_from_result(b, &options, result, now_millis()))
}

// --- Motions ---------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct NewMotionRequest {
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The meeting it is put to (YYYY-MM-DD), if any.
    pub meeting_date: Option<String>,
    /// open, secret or show_of_hands.
    pub mode: String,
    /// Default: now.
    pub opens_at: Option<i64>,
    pub closes_at: i64,
    /// Overrides of the council's quorum and majority.
    #[schema(value_type = Option<Object>)]
    pub quorum: Option<Share>,
    #[schema(value_type = Option<Object>)]
    pub majority: Option<Share>,
    /// present (default) or members.
    pub majority_base: Option<String>,
    /// members (council members whose term covers the vote; default) or listed.
    pub electorate: Option<String>,
    #[serde(default)]
    pub electors: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NamedVote {
    pub resident_id: i64,
    pub name: String,
    pub choice: String,
}

#[derive(Serialize, ToSchema)]
pub struct MotionView {
    pub id: i64,
    pub council_id: i64,
    pub title: String,
    pub body: String,
    pub meeting_date: Option<String>,
    pub mode: String,
    pub mode_name: String,
    /// scheduled, open, closed or published.
    pub state: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub electorate_kind: String,
    pub electorate_size: i64,
    pub voted: i64,
    #[schema(value_type = Object)]
    pub rules: CouncilRules,
    /// passed/failed, why, with the numbers (once closed and counted).
    #[schema(value_type = Option<Object>)]
    pub result: Option<MotionOutcome>,
    /// Open ballots: who voted how.
    pub votes: Option<Vec<NamedVote>>,
    #[schema(value_type = Option<Object>)]
    pub hands: Option<serde_json::Value>,
    pub me: Option<MyBallot>,
}

pub(crate) fn hands_counts(b: &BallotRow) -> Option<Counts> {
    let h: serde_json::Value = serde_json::from_str(b.hands.as_deref()?).ok()?;
    let n = |k: &str| h.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
    Some(Counts {
        members: b.electorate_size as u64,
        present: n("present"),
        in_favour: n("for"),
        against: n("against"),
        abstain: n("abstain"),
    })
}

pub async fn motion_outcome(state: &AppState, b: &BallotRow) -> ApiResult<MotionOutcome> {
    if let Some(r) = b.result.as_deref() {
        return serde_json::from_str(r).map_err(ApiError::internal);
    }
    let counts = match hands_counts(b) {
        Some(c) => c,
        None => {
            let tally = store::tally(&state.store, b.id).await?;
            counts_from_votes(b.electorate_size as u64, None, &tally.marks)
        }
    };
    Ok(decide(&rules_of(&b.rules), counts))
}

pub async fn motion_view(state: &AppState, actor: &Actor, b: BallotRow) -> ApiResult<MotionView> {
    let b = settle(state, b).await?;
    let now = now_millis();
    let st = ballot_state(&b, now);
    let mode = b.mode;
    let tally = store::tally(&state.store, b.id).await?;
    let counted = st == "published"
        || (st == "closed" && (mode != BallotMode::ShowOfHands || b.hands.is_some()));
    let result = if counted {
        Some(motion_outcome(state, &b).await?)
    } else {
        None
    };
    let votes = if mode == BallotMode::Open {
        let named = store::named_votes(&state.store, b.id).await?;
        let ids: Vec<i64> = named.iter().map(|v| v.0).collect();
        let names = names_of(state, &ids).await?;
        Some(
            named
                .into_iter()
                .map(|(r, o)| NamedVote {
                    resident_id: r,
                    name: names.get(&r).map(|p| p.name.clone()).unwrap_or_default(),
                    choice: Choice::from_option(o)
                        .map(|c| c.as_str())
                        .unwrap_or("")
                        .into(),
                })
                .collect(),
        )
    } else {
        None
    };
    let me = my_ballot(state, actor, &b).await?;
    Ok(MotionView {
        id: b.id,
        council_id: b.council_id,
        title: b.title.clone(),
        body: b.body.clone(),
        meeting_date: b.meeting_date.clone(),
        mode: mode.as_str().into(),
        mode_name: mode.name_zh().into(),
        state: st.into(),
        opens_at: b.opens_at,
        closes_at: b.closes_at,
        electorate_kind: b.electorate_kind.clone(),
        electorate_size: b.electorate_size,
        voted: tally.voters as i64,
        rules: rules_of(&b.rules),
        result,
        votes,
        hands: b
            .hands
            .as_deref()
            .and_then(|h| serde_json::from_str(h).ok()),
        me,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct MotionVote {
    /// for, against or abstain.
    pub choice: String,
}

#[derive(Deserialize, ToSchema)]
pub struct HandsRequest {
    pub present: u64,
    #[serde(rename = "for")]
    pub in_favour: u64,
    pub against: u64,
    pub abstain: u64,
}

/// Whether the actor chairs the council now (through their linked resident).
pub(crate) async fn chairs(state: &AppState, actor: &Actor, council_id: i64) -> ApiResult<bool> {
    let Some(resident) = councils_store::resident_of_user(&state.store, actor.user_id).await?
    else {
        return Ok(false);
    };
    Ok(serving(state, council_id, now_millis())
        .await?
        .iter()
        .any(|m| m.resident_id == resident && m.role == MemberRole::Chair))
}

pub async fn list_elections(
    state: &AppState,
    ctx: &Context,
    council_id: i64,
) -> ApiResult<Vec<ElectionView>> {
    let actor = &ctx.actor;
    let c = council_for(state, actor, council_id, Action::ViewDeliberation).await?;
    let mut out = Vec::new();
    for b in store::list_ballots(&state.store, council_id, ELECTION, 100).await? {
        out.push(election_view(state, actor, b, &c).await?);
    }
    Ok(out)
}

pub async fn get_election(state: &AppState, ctx: &Context, id: i64) -> ApiResult<ElectionView> {
    let actor = &ctx.actor;
    let (b, c) = ballot_for(state, actor, id, ELECTION, Action::ViewDeliberation).await?;
    election_view(state, actor, b, &c).await
}

pub async fn post_election_vote(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: ElectionVote,
) -> ApiResult<VoteReceipt> {
    let actor = &ctx.actor;
    let (b, _) = ballot_for(state, actor, id, ELECTION, Action::ViewDeliberation).await?;
    let options = store::options(&state.store, id).await?;
    let marks = election_marks(&b, &options, &req.candidates);
    let receipt = cast_vote(state, ctx, &b, marks).await?;
    Ok(receipt)
}

pub async fn close_election(state: &AppState, ctx: &Context, id: i64) -> ApiResult<ElectionView> {
    let actor = &ctx.actor;
    let (b, c) = ballot_for(state, actor, id, ELECTION, Action::ManageDeliberation).await?;
    close(state, ctx, &b).await?;
    let b = store::get_ballot(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    election_view(state, actor, b, &c).await
}

pub async fn publish_election(state: &AppState, ctx: &Context, id: i64) -> ApiResult<ElectionView> {
    let actor = &ctx.actor;
    let (b, c) = ballot_for(state, actor, id, ELECTION, Action::ManageDeliberation).await?;
    let now = now_millis();
    if b.status == BallotStatus::Published {
        return Err(ApiError::conflict(
            "结果已公布，不可更改 / the result is published and read-only",
        ));
    }
    if now < b.closes_at {
        return Err(ApiError::conflict(
            "投票尚未结束，不能公布 / the ballot is still open; close it first",
        ));
    }
    let b = settle(state, b).await?;
    let result = election_result(state, &b, &c).await?;
    let members = elected_members(state, &b, &result).await?;
    let mut tx = state.store.begin().await?;
    let json = serde_json::to_string(&result).map_err(ApiError::internal)?;
    if !store::publish(&mut tx, id, &json, now).await? {
        return Err(ApiError::conflict(
            "结果已公布，不可更改 / the result is published and read-only",
        ));
    }
    councils_store::insert_members(&mut tx, &members).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "election.publish", "ballot", id.to_string())
            .node(Some(b.community_code.clone()))
            .before(None)
            .after(Some(serde_json::json!({
                "valid": result.valid, "votes_cast": result.votes_cast, "elected": result.elected,
                "ties": result.ties, "buildings_not_covered": result.buildings_not_covered,
            })))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    let b = store::get_ballot(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    election_view(state, actor, b, &c).await
}

pub async fn list_motions(
    state: &AppState,
    ctx: &Context,
    council_id: i64,
) -> ApiResult<Vec<MotionView>> {
    let actor = &ctx.actor;
    council_for(state, actor, council_id, Action::ViewDeliberation).await?;
    let mut out = Vec::new();
    for b in store::list_ballots(&state.store, council_id, MOTION, 100).await? {
        out.push(motion_view(state, actor, b).await?);
    }
    Ok(out)
}

pub async fn get_motion(state: &AppState, ctx: &Context, id: i64) -> ApiResult<MotionView> {
    let actor = &ctx.actor;
    let (b, _) = ballot_for(state, actor, id, MOTION, Action::ViewDeliberation).await?;
    motion_view(state, actor, b).await
}

pub async fn post_motion_vote(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: MotionVote,
) -> ApiResult<VoteReceipt> {
    let actor = &ctx.actor;
    let (b, _) = ballot_for(state, actor, id, MOTION, Action::ViewDeliberation).await?;
    let marks = parse_choice(&req.choice).map(|c| vec![c.option_no()]);
    let receipt = cast_vote(state, ctx, &b, marks).await?;
    Ok(receipt)
}

pub async fn post_hands(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: HandsRequest,
) -> ApiResult<MotionView> {
    let actor = &ctx.actor;
    let (b, c) = ballot_for(state, actor, id, MOTION, Action::ViewDeliberation).await?;
    let manages = authorize(
        actor,
        Action::ManageDeliberation,
        Target::Node(&c.community_code),
    )
    .is_ok();
    if !manages && !chairs(state, actor, c.id).await? {
        return Err(ApiError::forbidden());
    }
    if b.mode != BallotMode::ShowOfHands {
        return Err(ApiError::conflict(
            "该表决不是举手表决 / this motion is not decided by a show of hands",
        ));
    }
    if b.status == BallotStatus::Published || b.hands.is_some() {
        return Err(ApiError::conflict(
            "票数已记录，结果已公布 / the counts are recorded and the result published",
        ));
    }
    let now = now_millis();
    if now < b.opens_at {
        return Err(refusal(Refusal::NotOpen));
    }
    let counts = Counts {
        members: b.electorate_size as u64,
        present: req.present,
        in_favour: req.in_favour,
        against: req.against,
        abstain: req.abstain,
    };
    counts.check_hands().map_err(refusal)?;
    let hands = serde_json::json!({"present": req.present, "for": req.in_favour, "against": req.against, "abstain": req.abstain});
    let outcome = decide(&rules_of(&b.rules), counts);
    let mut tx = state.store.begin().await?;
    store::set_hands(&mut tx, id, &hands.to_string()).await?;
    store::close_now(&mut tx, id, now.max(b.opens_at)).await?;
    store::publish(
        &mut tx,
        id,
        &serde_json::to_string(&outcome).map_err(ApiError::internal)?,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "motion.hands", "ballot", id.to_string())
            .node(Some(b.community_code.clone()))
            .before(None)
            .after(Some(
                serde_json::json!({"hands": hands, "passed": outcome.passed}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    let b = store::get_ballot(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    motion_view(state, actor, b).await
}

pub async fn close_motion(state: &AppState, ctx: &Context, id: i64) -> ApiResult<MotionView> {
    let actor = &ctx.actor;
    let (b, _) = ballot_for(state, actor, id, MOTION, Action::ManageDeliberation).await?;
    if b.mode == BallotMode::ShowOfHands {
        return Err(ApiError::conflict(
            "举手表决在记录票数时结束 / a show of hands closes when its counts are recorded",
        ));
    }
    close(state, ctx, &b).await?;
    let b = store::get_ballot(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    motion_view(state, actor, b).await
}

pub async fn post_election(
    state: &AppState,
    ctx: &Context,
    council_id: i64,
    req: NewElectionRequest,
) -> ApiResult<ElectionView> {
    let actor = &ctx.actor;
    let c = council_for(state, actor, council_id, Action::ManageDeliberation).await?;
    let rules = rules_of(&c.rules);
    let now = now_millis();
    let CheckedElection {
        title,
        seats,
        electorate,
    } = check_election(
        &ElectionDraft {
            title: &req.title,
            opens_at: req.opens_at,
            closes_at: req.closes_at,
            seats: req.seats,
            candidates: &req.candidates,
            electorate: req.electorate.as_deref(),
        },
        &rules,
        now,
    )?;
    let mut options = Vec::with_capacity(req.candidates.len());
    for (i, id) in req.candidates.iter().enumerate() {
        let p = resident_in_area(state, &c, *id, &format!("candidates[{i}]")).await?;
        options.push(OptionRow {
            ballot_id: 0,
            option_no: i as i64 + 1,
            label: p.name,
            resident_id: Some(*id),
            building_id: p.building_id,
            party_member: 0,
        });
    }
    let party = councils_store::party_members_among(&state.store, &req.candidates).await?;
    for o in &mut options {
        o.party_member = i64::from(o.resident_id.is_some_and(|r| party.contains(&r)));
    }
    let kind = match electorate {
        ElectionElectorate::Residents => "residents",
        ElectionElectorate::Listed => "listed",
    };
    let electors: Vec<i64> = match electorate {
        ElectionElectorate::Residents => {
            let date = beijing_date(req.opens_at);
            let year: i64 = date[..4].parse().unwrap_or(0);
            let born_by = format!("{:04}{}", year - 18, &date[4..]);
            councils_store::adults_of_area(&state.store, &c.community_code, c.compound_id, &born_by)
                .await?
        }
        ElectionElectorate::Listed => listed_electors(state, &c, &req.electors, "electors").await?,
    };
    if electors.is_empty() {
        return Err(ApiError::field(
            "electorate",
            "选民名单为空 / the electorate is empty",
        ));
    }
    let row = BallotRow {
        id: 0,
        council_id,
        community_code: c.community_code.clone(),
        district_code: c.district_code.clone(),
        kind: ELECTION,
        mode: BallotMode::Secret,
        title,
        body: req.body.trim().into(),
        meeting_date: None,
        seats: i64::from(seats),
        // Without a given start, the term starts when the ballot actually closes.
        term_start: req.term_start,
        term_end: req.term_start.map(|s| add_months(s, rules.term_months)),
        rules: c.rules.clone(),
        electorate_kind: kind.into(),
        electorate_size: electors.len() as i64,
        opens_at: req.opens_at,
        closes_at: req.closes_at,
        sealed: 0,
        hands: None,
        status: BallotStatus::Open,
        result: None,
        published_at: None,
        created_by: actor.label(),
        created_at: now,
        version: 1,
    };
    let electors: Vec<Elector> = electors
        .into_iter()
        .map(|r| Elector {
            resident_id: r,
            valid_from: i64::MIN,
            valid_to: i64::MAX,
        })
        .collect();
    let id = create_ballot(state, ctx, &row, &options, &electors).await?;
    let b = store::get_ballot(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    election_view(state, actor, b, &c).await
}

pub async fn post_motion(
    state: &AppState,
    ctx: &Context,
    council_id: i64,
    req: NewMotionRequest,
) -> ApiResult<MotionView> {
    let actor = &ctx.actor;
    let c = council_for(state, actor, council_id, Action::ManageDeliberation).await?;
    let now = now_millis();
    let opens_at = req.opens_at.unwrap_or(now);
    let checked = check_motion(
        &MotionDraft {
            title: &req.title,
            meeting_date: req.meeting_date.as_deref(),
            mode: &req.mode,
            opens_at,
            closes_at: req.closes_at,
            quorum: req.quorum,
            majority: req.majority,
            majority_base: req.majority_base.as_deref(),
            electorate: req.electorate.as_deref(),
        },
        &rules_of(&c.rules),
        now,
    )?;
    let (title, mode, rules) = (checked.title, checked.mode, checked.rules);
    let kind = match checked.electorate {
        Electorate::Members => "members",
        Electorate::Listed => "listed",
    };
    let electors: Vec<Elector> = match checked.electorate {
        Electorate::Members => serving(state, council_id, opens_at)
            .await?
            .into_iter()
            .map(|m| Elector {
                resident_id: m.resident_id,
                valid_from: m.term_start,
                valid_to: m.term_end,
            })
            .collect(),
        Electorate::Listed => listed_electors(state, &c, &req.electors, "electors")
            .await?
            .into_iter()
            .map(|r| Elector {
                resident_id: r,
                valid_from: i64::MIN,
                valid_to: i64::MAX,
            })
            .collect(),
    };
    if electors.is_empty() {
        return Err(ApiError::field(
            "electorate",
            "表决时没有在任成员 / no members serve at the time of the vote",
        ));
    }
    let row = BallotRow {
        id: 0,
        council_id,
        community_code: c.community_code.clone(),
        district_code: c.district_code.clone(),
        kind: MOTION,
        mode,
        title,
        body: req.body.trim().into(),
        meeting_date: req.meeting_date.clone(),
        seats: 1,
        term_start: None,
        term_end: None,
        rules: serde_json::to_string(&rules).map_err(ApiError::internal)?,
        electorate_kind: kind.into(),
        electorate_size: electors.len() as i64,
        opens_at,
        closes_at: req.closes_at,
        sealed: 0,
        hands: None,
        status: BallotStatus::Open,
        result: None,
        published_at: None,
        created_by: actor.label(),
        created_at: now,
        version: 1,
    };
    let options: Vec<OptionRow> = [Choice::For, Choice::Against, Choice::Abstain]
        .iter()
        .map(|ch| OptionRow {
            ballot_id: 0,
            option_no: ch.option_no(),
            label: ch.as_str().into(),
            resident_id: None,
            building_id: None,
            party_member: 0,
        })
        .collect();
    let id = create_ballot(state, ctx, &row, &options, &electors).await?;
    let b = store::get_ballot(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    motion_view(state, actor, b).await
}
