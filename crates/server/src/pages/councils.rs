//! A community's councils (members, charter and its history, elections, motions with their
//! results) and a voting page that works without JavaScript: checkboxes for an election,
//! three choices for a motion, posted as a plain form.

use super::{Viewer, error_page, layout, urlencode};
use crate::access::Caller;
use crate::deliberation::ballots::{
    self as api, ELECTION, ElectionView, MotionView, ballot_for, cast_vote, election_marks,
    election_view, motion_view,
};
use crate::deliberation::council_for;
use crate::deliberation::councils::{CouncilView, council_view, visible_prefixes};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tongxin_core::access::Action;
use tongxin_core::deliberation::ballots::parse_choice;
use tongxin_store::deliberation::ballots as ballot_store;
use tongxin_store::deliberation::councils as council_store;

fn time_text(at: i64) -> String {
    let minutes = (at + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!(
        "{} {:02}:{:02}",
        crate::deliberation::beijing_date(at),
        minutes / 60,
        minutes % 60
    )
}

fn state_text(v: &Viewer, state: &str) -> String {
    match state {
        "scheduled" => v.t("未开始", "Scheduled"),
        "open" => v.t("投票中", "Open"),
        "closed" => v.t("已结束", "Closed"),
        "published" => v.t("已公布", "Published"),
        other => other,
    }
    .into()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub within: Option<String>,
}

pub async fn list_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/councils") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let title = v.t("议事会", "Councils").to_string();
    let rows = match visible_prefixes(&v.actor, q.within.as_deref()) {
        Ok(p) => council_store::list_councils(&state.store, &p, 500)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return error_page(&v, &title, "/councils", &e),
    };
    let body = html! {
        h1 { (title) }
        @if rows.is_empty() { p.muted { (v.t("暂无议事会。", "No councils yet.")) } }
        table {
            thead { tr { th { (v.t("名称", "Name")) } th { (v.t("社区", "Community")) } th { (v.t("类型", "Kind")) } } }
            tbody {
                @for c in &rows {
                    tr {
                        td { a href={ "/councils/" (c.id) } { (c.name) } }
                        td { (c.community_code) }
                        td { (kind_text(&v, &c.kind)) }
                    }
                }
            }
        }
    };
    layout(&v, &title, "/councils", body)
}

fn kind_text(v: &Viewer, kind: &str) -> String {
    use tongxin_core::deliberation::councils::CouncilKind;
    CouncilKind::parse(kind)
        .map(|k| v.t(k.name_zh(), k.name_en()).to_string())
        .unwrap_or_else(|| kind.into())
}

#[derive(Deserialize, Default)]
pub struct CouncilQuery {
    pub done: Option<String>,
}

pub async fn council_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<CouncilQuery>,
) -> Response {
    let here = format!("/councils/{id}");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    match council_parts(&state, &v, id).await {
        Ok((council, elections, motions, charters)) => {
            let body = council_body(
                &v,
                &council,
                &elections,
                &motions,
                &charters,
                q.done.as_deref(),
            );
            layout(&v, &council.name, &here, body)
        }
        Err(e) => error_page(&v, v.t("议事会", "Council"), &here, &e),
    }
}

type Parts = (
    CouncilView,
    Vec<ElectionView>,
    Vec<MotionView>,
    Vec<council_store::CharterRow>,
);

async fn council_parts(state: &AppState, v: &Viewer, id: i64) -> Result<Parts, ApiError> {
    let c = council_for(state, &v.actor, id, Action::ViewDeliberation).await?;
    let mut elections = Vec::new();
    for b in ballot_store::list_ballots(&state.store, id, ELECTION, 20).await? {
        elections.push(election_view(state, &v.actor, b, &c).await?);
    }
    let mut motions = Vec::new();
    for b in ballot_store::list_ballots(&state.store, id, api::MOTION, 50).await? {
        motions.push(motion_view(state, &v.actor, b).await?);
    }
    let charters = council_store::charters(&state.store, id).await?;
    Ok((council_view(state, c).await?, elections, motions, charters))
}

fn council_body(
    v: &Viewer,
    c: &CouncilView,
    elections: &[ElectionView],
    motions: &[MotionView],
    charters: &[council_store::CharterRow],
    done: Option<&str>,
) -> Markup {
    let share = &c.party_share;
    html! {
        h1 { (c.name) }
        @if let Some(d) = done { p.ok role="status" { (d) } }
        p.muted { (kind_text(v, &c.kind)) " · " (c.community_code) }
        h2 { (v.t("成员", "Members")) " (" (c.members.len()) ")" }
        p {
            (v.t("党员", "Party members")) " " (share.party_members) " / " (share.members)
            " · " (v.t("目标三分之一：", "target one third: ")) (share.target_count)
            @if share.meets_target { " ✔" } @else { " ✘" }
        }
        @if !c.buildings_not_covered.is_empty() {
            p.warn { (v.t("尚无成员的楼栋：", "Buildings without a member: ")) (c.buildings_not_covered.len()) }
        }
        table {
            thead { tr { th { (v.t("姓名", "Name")) } th { (v.t("职务", "Role")) } th { (v.t("楼栋", "Building")) } th { (v.t("党员", "Party")) } th { (v.t("任期至", "Term ends")) } } }
            tbody {
                @for m in &c.members {
                    tr {
                        td { (m.name) }
                        td { (v.t(&m.role_name, &m.role)) }
                        td { @if let Some(b) = m.building_id { (b) } }
                        td { @if m.party_member { "✔" } }
                        td { (crate::deliberation::beijing_date(m.term_end)) }
                    }
                }
            }
        }
        h2 { (v.t("章程", "Charter")) }
        @if let Some(ch) = &c.charter {
            p.muted { (v.t("第", "Version ")) (ch.version) (v.t(" 版，", ", adopted ")) (time_text(ch.adopted_at)) }
            pre style="white-space:pre-wrap" { (ch.body) }
        }
        @if charters.len() > 1 {
            details {
                summary { (v.t("历史版本", "Earlier versions")) }
                @for ch in charters.iter().skip(1) {
                    h3 { (v.t("第", "Version ")) (ch.version) " · " (time_text(ch.adopted_at)) " · " (ch.note) }
                    pre style="white-space:pre-wrap" { (ch.body) }
                }
            }
        }
        h2 { (v.t("选举", "Elections")) }
        @for e in elections { (election_block(v, e)) }
        h2 { (v.t("表决事项", "Motions")) }
        table {
            thead { tr { th { (v.t("事项", "Motion")) } th { (v.t("会议日期", "Meeting")) } th { (v.t("方式", "Mode")) } th { (v.t("状态", "State")) } th { (v.t("结果", "Result")) } } }
            tbody {
                @for m in motions {
                    tr {
                        td { (m.title) }
                        td { (m.meeting_date.clone().unwrap_or_default()) }
                        td { (v.t(&m.mode_name, &m.mode)) }
                        td { (state_text(v, &m.state)) }
                        td {
                            @if let Some(r) = &m.result {
                                strong { @if r.passed { (v.t("通过", "Passed")) } @else { (v.t("未通过", "Not passed")) } }
                                br;
                                small { (r.reason) }
                            } @else if m.state == "open" {
                                (standing(v, m.id, m.me.as_ref(), v.t("去投票", "Vote")))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Why the reader can or cannot vote in an open ballot, before any form: the vote link, or
/// the reason there is none.
fn standing(v: &Viewer, id: i64, me: Option<&api::MyBallot>, vote: &str) -> Markup {
    match me {
        Some(me) if me.voted => html! { span.muted { (v.t("您已投票", "You have voted")) } },
        Some(me) if me.eligible => html! { a href={ "/ballots/" (id) "/vote" } { (vote) } },
        Some(_) => {
            html! { span.muted { (v.t("您不在本次投票的名单内", "You are not on this ballot's list of voters")) } }
        }
        None if v.actor.scope_prefixes(Action::Vote).is_empty() => html! {
            span.muted { (v.t("只有居民和党员可以投票", "Only residents and party members vote")) }
        },
        None => html! {
            span.muted { (v.t("您的账号尚未关联居民档案，请社区工作人员关联后再投票", "Your account is not linked to your resident record yet; ask the community staff to link it")) }
        },
    }
}

fn election_block(v: &Viewer, e: &ElectionView) -> Markup {
    html! {
        section {
            h3 { (e.title) " · " (state_text(v, &e.state)) }
            p.muted {
                (time_text(e.opens_at)) " – " (time_text(e.closes_at)) " · "
                (v.t("应选", "Seats")) " " (e.seats) " · "
                (v.t("选民", "Electorate")) " " (e.electorate_size) " · "
                (v.t("已投票", "Voted")) " " (e.voted)
            }
            @if e.state == "open" {
                p { (standing(v, e.id, e.me.as_ref(), v.t("去投票（无记名）", "Vote (secret ballot)"))) }
            }
            @if let Some(r) = &e.result {
                p { strong { (r.summary) } }
                table {
                    thead { tr { th { "#" } th { (v.t("候选人", "Candidate")) } th { (v.t("得票", "Votes")) } th { (v.t("结果", "Result")) } } }
                    tbody {
                        @for cr in &r.candidates {
                            tr {
                                td { (cr.number) }
                                td { (e.candidates.iter().find(|c| c.number == cr.number).map(|c| c.name.as_str()).unwrap_or("")) }
                                td { (cr.votes) }
                                td {
                                    @if cr.elected { (v.t("当选", "Elected")) }
                                    @else if cr.tied { (v.t("票数相同，需再次投票", "Tied: another round")) }
                                }
                            }
                        }
                    }
                }
                @if !r.buildings_not_covered.is_empty() {
                    p.warn { (v.t("当选者未覆盖的楼栋：", "Buildings not covered by those elected: ")) (r.buildings_not_covered.len()) }
                }
            } @else {
                ul { @for c in &e.candidates { li { (c.number) ". " (c.name) } } }
            }
        }
    }
}

async fn render_vote(state: &AppState, v: &Viewer, id: i64, error: Option<&ApiError>) -> Response {
    let here = format!("/ballots/{id}/vote");
    let b = match ballot_store::get_ballot(&state.store, id).await {
        Ok(Some(b)) => b,
        Ok(None) => return error_page(v, v.t("投票", "Vote"), &here, &ApiError::not_found()),
        Err(e) => return error_page(v, v.t("投票", "Vote"), &here, &ApiError::from(e)),
    };
    let found = ballot_for(state, &v.actor, id, &b.kind, Action::ViewDeliberation).await;
    let (b, c) = match found {
        Ok(x) => x,
        Err(e) => return error_page(v, v.t("投票", "Vote"), &here, &e),
    };
    let options = match ballot_store::options(&state.store, id).await {
        Ok(o) => o,
        Err(e) => return error_page(v, v.t("投票", "Vote"), &here, &ApiError::from(e)),
    };
    let election = b.kind == ELECTION;
    let me = api::my_ballot(state, &v.actor, &b).await.ok().flatten();
    let may_vote = me.as_ref().is_some_and(|m| m.eligible && !m.voted);
    let body = html! {
        h1 { (b.title) }
        p.muted { (c.name) " · " (time_text(b.opens_at)) " – " (time_text(b.closes_at)) }
        @if let Some(e) = error { p.err role="alert" { (v.t("未能投票：", "Not recorded: ")) (e.to_string()) } }
        @if b.mode == "secret" {
            p { (v.t("无记名投票：系统只记录您已投票，不记录您投给谁。", "Secret ballot: the platform records that you voted, never how.")) }
        }
        @if !b.body.is_empty() { p { (b.body) } }
        @if !may_vote { p.err role="status" { (standing(v, id, me.as_ref(), "")) } }
        form method="post" action=(here) hidden[!may_vote] {
            input type="hidden" name="csrf_token" value=(v.csrf);
            @if election {
                fieldset {
                    legend { (v.t("最多选", "Choose at most ")) " " (b.seats) (v.t(" 人", "")) }
                    @for o in &options {
                        label { input type="checkbox" name="candidate" value=(o.option_no); " " (o.option_no) ". " (o.label) }
                        br;
                    }
                }
            } @else {
                fieldset {
                    legend { (v.t("您的意见", "Your vote")) }
                    label { input type="radio" name="choice" value="for" required; " " (v.t("赞成", "For")) } br;
                    label { input type="radio" name="choice" value="against"; " " (v.t("反对", "Against")) } br;
                    label { input type="radio" name="choice" value="abstain"; " " (v.t("弃权", "Abstain")) }
                }
            }
            button type="submit" { (v.t("投票", "Cast vote")) }
        }
        p { a href={ "/councils/" (c.id) } { (v.t("返回议事会", "Back to the council")) } }
    };
    let mut r = layout(v, &b.title, &here, body);
    if let Some(e) = error {
        *r.status_mut() = e.status;
    }
    r
}

pub async fn vote_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let here = format!("/ballots/{id}/vote");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    render_vote(&state, &v, id, None).await
}

/// The form: `csrf_token`, then `candidate` (repeated) for an election or `choice`.
pub async fn vote_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    let here = format!("/ballots/{id}/vote");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, val)| val.clone())
    };
    if !v.csrf_ok(&get("csrf_token").unwrap_or_default()) {
        let e = ApiError::field("csrf_token", "表单已过期，请重试 / the form expired, retry");
        return render_vote(&state, &v, id, Some(&e)).await;
    }
    let result = async {
        let b = ballot_store::get_ballot(&state.store, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let (b, c) = ballot_for(&state, &v.actor, id, &b.kind, Action::ViewDeliberation).await?;
        let marks = if b.kind == ELECTION {
            let options = ballot_store::options(&state.store, id).await?;
            let mut ticked = Vec::new();
            for (name, value) in &pairs {
                if name == "candidate" {
                    ticked.push(value.parse::<i64>().map_err(|_| {
                        ApiError::field(
                            "candidate",
                            format!("无效的候选人编号 {value:?} / invalid candidate number"),
                        )
                    })?);
                }
            }
            election_marks(&b, &options, &ticked)
        } else {
            parse_choice(&get("choice").unwrap_or_default()).map(|c| vec![c.option_no()])
        };
        cast_vote(&state, &v.actor, &headers, &b, marks).await?;
        Ok::<i64, ApiError>(c.id)
    }
    .await;
    match result {
        Ok(council) => {
            let message = v.t("投票已记录 ✔", "Vote recorded ✔");
            Redirect::to(&format!("/councils/{council}?done={}", urlencode(message)))
                .into_response()
        }
        Err(e) => render_vote(&state, &v, id, Some(&e)).await,
    }
}
