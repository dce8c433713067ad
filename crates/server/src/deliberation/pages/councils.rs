//! A community's councils (members, charter and its history, elections, motions with their
//! results) and a voting page that works without JavaScript: checkboxes for an election,
//! three choices for a motion, posted as a plain form.

use crate::access::session::random_token;
use crate::access::{Authenticated, Caller};
use crate::deliberation::ballots::{
    self as api, ELECTION, ElectionView, HandsRequest, MotionView, NewElectionRequest,
    NewMotionRequest, ballot_for, cast_vote, election_marks, election_view, motion_view,
};
use crate::deliberation::council_for;
use crate::deliberation::councils::{
    CouncilView, LinkResidentRequest, council_view, put_user_resident, visible_prefixes,
};
use crate::error::{ApiError, FieldError};
use crate::pages::{Lang, Viewer, error_page, layout, urlencode};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::cases::calendar::LocalDate;
use tongxin_core::deliberation::ballots::{BallotKind, BallotMode, parse_choice};
use tongxin_core::deliberation::councils::Share;
use tongxin_store::deliberation::ballots as ballot_store;
use tongxin_store::deliberation::councils as council_store;
use tongxin_store::{access, now_millis};

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
                        td { (kind_text(&v, c.kind.as_str())) }
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
    render_council(&state, &v, id, q.done.as_deref(), None).await
}

/// The council page, with what a refused staff form sent and why it was refused.
async fn render_council(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    failed: Option<(&Typed, &ApiError)>,
) -> Response {
    let here = format!("/councils/{id}");
    match council_parts(state, v, id).await {
        Ok((council, elections, motions, charters)) => {
            let page = Page {
                staff: Staff::of(&v.actor, &council.community_code),
                done,
                failed,
            };
            let body = council_body(v, &council, &elections, &motions, &charters, &page);
            let mut r = layout(v, &council.name, &here, body);
            if let Some((_, e)) = failed {
                *r.status_mut() = e.status;
            }
            r
        }
        Err(e) => error_page(v, v.t("议事会", "Council"), &here, &e),
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

/// What the viewer may do on the council beyond reading it: run its ballots (the decision
/// `council_for` takes for the API's writes), and link accounts to residents (whoever
/// registers people somewhere in the community; the API decides for each resident).
struct Staff {
    manages: bool,
    links: bool,
}

impl Staff {
    fn of(actor: &Actor, community: &str) -> Staff {
        Staff {
            manages: authorize(actor, Action::ManageDeliberation, Target::Node(community)).is_ok(),
            links: actor
                .scope_prefixes(Action::ManagePeople)
                .iter()
                .any(|p| p.starts_with(community) || community.starts_with(p.as_str())),
        }
    }
}

struct Page<'a> {
    staff: Staff,
    done: Option<&'a str>,
    failed: Option<(&'a Typed, &'a ApiError)>,
}

impl Page<'_> {
    /// The refusal of this form, if it was the one sent.
    fn error_of(&self, which: impl Fn(&Typed) -> bool) -> Option<&ApiError> {
        self.failed.filter(|(t, _)| which(t)).map(|(_, e)| e)
    }
}

fn council_body(
    v: &Viewer,
    c: &CouncilView,
    elections: &[ElectionView],
    motions: &[MotionView],
    charters: &[council_store::CharterRow],
    page: &Page,
) -> Markup {
    let share = &c.party_share;
    let staff = &page.staff;
    let ids = staff.manages || staff.links;
    let motion_error = page.error_of(|t| matches!(t, Typed::Motion(_)));
    let election_error = page.error_of(|t| matches!(t, Typed::Election(_)));
    let link_error = page.error_of(|t| matches!(t, Typed::Link(_)));
    let ballot_error = |id: i64| page.error_of(|t| matches!(t, Typed::Ballot(b) if *b == id));
    html! {
        h1 { (c.name) }
        @if let Some(d) = page.done { p.ok role="status" { (d) } }
        @if let Some((typed, e)) = page.failed {
            p.err role="alert" {
                (v.t("未能完成：", "Not done: ")) (problem_text(v, e))
                " " a href={ "#" (typed.anchor()) } { (v.t("修改表单", "Correct the form")) }
            }
        }
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
            thead { tr {
                th { (v.t("姓名", "Name")) }
                @if ids { th { (v.t("居民编号", "Resident no.")) } }
                th { (v.t("职务", "Role")) } th { (v.t("楼栋", "Building")) } th { (v.t("党员", "Party")) } th { (v.t("任期至", "Term ends")) }
            } }
            tbody {
                @for m in &c.members {
                    tr {
                        td { (m.name) }
                        @if ids { td { (m.resident_id) } }
                        td { (v.t(&m.role_name, &m.role)) }
                        td { @if let Some(b) = m.building_id { (b) } }
                        td { @if m.party_member { "✔" } }
                        td { (crate::deliberation::beijing_date(m.term_end)) }
                    }
                }
            }
        }
        @if staff.links {
            (link_form(v, c.id, page.failed.and_then(|(t, _)| t.link()), link_error))
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
        @if staff.manages {
            (election_form(v, c, page.failed.and_then(|(t, _)| t.election()), election_error))
        }
        @for e in elections { (election_block(v, e, staff.manages, ballot_error(e.id))) }
        h2 { (v.t("表决事项", "Motions")) }
        @if staff.manages {
            (motion_form(v, c.id, page.failed.and_then(|(t, _)| t.motion()), motion_error))
        }
        table #motions {
            thead { tr {
                th { (v.t("事项", "Motion")) } th { (v.t("会议日期", "Meeting")) } th { (v.t("方式", "Mode")) }
                th { (v.t("状态", "State")) } th { (v.t("已投票", "Voted")) } th { (v.t("结果", "Result")) }
                @if staff.manages { th { (v.t("管理", "Manage")) } }
            } }
            tbody {
                @for m in motions {
                    tr data-ballot=(m.id) {
                        td { (m.title) }
                        td { (m.meeting_date.clone().unwrap_or_default()) }
                        td { (mode_text(v, &m.mode)) }
                        td { (state_text(v, &m.state)) }
                        td.voted { @if m.mode == "show_of_hands" { "—" } @else { (m.voted) " / " (m.electorate_size) } }
                        td {
                            @if let Some(r) = &m.result {
                                strong { @if r.passed { (v.t("通过", "Passed")) } @else { (v.t("未通过", "Not passed")) } }
                                br;
                                small { (r.reason) }
                            } @else if m.state == "open" {
                                (standing(v, m.id, m.me.as_ref(), v.t("去投票", "Vote")))
                            }
                        }
                        @if staff.manages { td { (motion_controls(v, m, ballot_error(m.id))) } }
                    }
                }
            }
        }
    }
}

fn mode_text(v: &Viewer, mode: &str) -> String {
    match mode {
        "open" => v.t("记名投票", "Open (named) vote"),
        "secret" => v.t("无记名投票", "Secret ballot"),
        "show_of_hands" => v.t("举手表决", "Show of hands"),
        other => other,
    }
    .into()
}

// --- Staff forms ---------------------------------------------------------------------------

/// A new motion as typed into the page (times in Beijing time, lists of resident numbers
/// separated by commas or spaces).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MotionForm {
    pub csrf_token: String,
    pub idempotency_key: String,
    pub title: String,
    pub body: String,
    pub meeting_date: String,
    pub mode: String,
    pub opens_at: String,
    pub closes_at: String,
    pub electorate: String,
    pub electors: String,
    /// "num/den", empty for the council's rule.
    pub quorum: String,
    /// "more" (more than the share) or "atleast".
    pub quorum_rule: String,
    pub majority: String,
    pub majority_rule: String,
    /// present, members, or empty for the council's rule.
    pub majority_base: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ElectionForm {
    pub csrf_token: String,
    pub idempotency_key: String,
    pub title: String,
    pub body: String,
    pub seats: String,
    pub opens_at: String,
    pub closes_at: String,
    pub candidates: String,
    pub electorate: String,
    pub electors: String,
    /// YYYY-MM-DD, empty for the day the ballot closes.
    pub term_start: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct LinkForm {
    pub csrf_token: String,
    pub idempotency_key: String,
    pub username: String,
    pub resident_id: String,
}

/// Closing, publishing, or the counts of a show of hands.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BallotForm {
    pub csrf_token: String,
    pub idempotency_key: String,
    pub present: String,
    #[serde(rename = "for")]
    pub in_favour: String,
    pub against: String,
    pub abstain: String,
}

/// The staff form that was sent.
enum Typed {
    Motion(MotionForm),
    Election(ElectionForm),
    Link(LinkForm),
    Ballot(i64),
}

impl Typed {
    fn motion(&self) -> Option<&MotionForm> {
        match self {
            Typed::Motion(f) => Some(f),
            _ => None,
        }
    }
    fn election(&self) -> Option<&ElectionForm> {
        match self {
            Typed::Election(f) => Some(f),
            _ => None,
        }
    }
    fn link(&self) -> Option<&LinkForm> {
        match self {
            Typed::Link(f) => Some(f),
            _ => None,
        }
    }
    /// The id of the form's block on the page.
    fn anchor(&self) -> String {
        match self {
            Typed::Motion(_) => "new-motion".into(),
            Typed::Election(_) => "new-election".into(),
            Typed::Link(_) => "link-account".into(),
            Typed::Ballot(id) => format!("ballot-{id}"),
        }
    }
}

/// What a form field is called on the page (the API's name follows it in messages).
fn field_label(v: &Viewer, field: &str) -> String {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    match base {
        "title" => v.t("标题", "Title"),
        "body" => v.t("说明", "Description"),
        "meeting_date" => v.t("会议日期", "Meeting date"),
        "mode" => v.t("表决方式", "Voting mode"),
        "opens_at" => v.t("开始时间", "Opens"),
        "closes_at" => v.t("截止时间", "Closes"),
        "electorate" => v.t("投票人", "Voters"),
        "electors" => v.t("指定名单", "Listed voters"),
        "quorum" => v.t("法定人数", "Quorum"),
        "majority" => v.t("通过比例", "Majority"),
        "majority_base" => v.t("计算基数", "Majority of"),
        "seats" => v.t("应选人数", "Seats"),
        "candidates" => v.t("候选人", "Candidates"),
        "term_start" => v.t("任期开始", "Term starts"),
        "username" => v.t("账号", "Account"),
        "resident_id" => v.t("居民编号", "Resident no."),
        "present" => v.t("到会人数", "Present"),
        "for" => v.t("赞成", "For"),
        "against" => v.t("反对", "Against"),
        "abstain" => v.t("弃权", "Abstain"),
        "csrf_token" => v.t("表单", "Form"),
        _ => "",
    }
    .to_string()
}

/// The refusal in words: each field by its label and name, and why.
fn problem_text(v: &Viewer, e: &ApiError) -> String {
    if e.errors.is_empty() {
        return e.detail.clone();
    }
    e.errors
        .iter()
        .map(|f| match f.field.as_deref() {
            Some(field) => {
                let label = field_label(v, field);
                match (label.is_empty(), v.lang) {
                    (true, _) => format!("{field}: {}", f.reason),
                    (false, Lang::Zh) => format!("{label}（{field}）：{}", f.reason),
                    (false, Lang::En) => format!("{label} ({field}): {}", f.reason),
                }
            }
            None => f.reason.clone(),
        })
        .collect::<Vec<_>>()
        .join(v.t("；", "; "))
}

fn form_error(v: &Viewer, e: Option<&ApiError>) -> Markup {
    html! {
        @if let Some(e) = e {
            p.err { (v.t("未能完成：", "Not done: ")) (problem_text(v, e)) }
        }
    }
}

/// The hidden fields of every staff form: the session's token, and a fresh key so that a
/// double-clicked submit acts once (a refused form comes back with a new key).
fn form_keys(v: &Viewer) -> Markup {
    html! {
        input type="hidden" name="csrf_token" value=(v.csrf);
        input type="hidden" name="idempotency_key" value=(random_token(16));
    }
}

/// A time as a `datetime-local` value, in Beijing time.
fn local_input(at: i64) -> String {
    time_text(at).replace(' ', "T")
}

/// A `datetime-local` value (or `YYYY-MM-DD HH:MM`) in Beijing time; empty is `None`.
fn parse_local(field: &str, text: &str) -> Result<Option<i64>, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        ApiError::field(
            field,
            format!("{t:?} 不是有效的时间（年-月-日 时:分）/ is not a time (YYYY-MM-DD HH:MM)"),
        )
    };
    let (day, clock) = t.split_once(['T', ' ']).unwrap_or((t, "00:00"));
    let date: LocalDate = day.parse().map_err(|_| bad())?;
    let mut parts = clock.trim().split(':');
    let hour: i64 = parts.next().and_then(|h| h.parse().ok()).ok_or_else(bad)?;
    let minute: i64 = parts.next().and_then(|m| m.parse().ok()).ok_or_else(bad)?;
    if !(0..24).contains(&hour) || !(0..60).contains(&minute) {
        return Err(bad());
    }
    Ok(Some(date.start_millis(480) + (hour * 60 + minute) * 60_000))
}

/// Resident numbers separated by commas, spaces or 、.
fn parse_ids(field: &str, text: &str) -> Result<Vec<i64>, ApiError> {
    text.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| {
            s.parse::<i64>().map_err(|_| {
                ApiError::field(
                    &format!("{field}[{i}]"),
                    format!("{s:?} 不是居民编号 / is not a resident number"),
                )
            })
        })
        .collect()
}

fn parse_count(field: &str, text: &str) -> Result<u64, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::field(field, "须为 0 或正整数 / must be a whole number, 0 or more"))
}

/// "num/den" and whether it means more than the share (the default) or at least it.
fn parse_share(field: &str, text: &str, rule: &str) -> Result<Option<Share>, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        ApiError::field(
            field,
            "须写作 分子/分母，如 1/2 / must read num/den, e.g. 1/2",
        )
    };
    let (num, den) = t.split_once('/').ok_or_else(bad)?;
    Ok(Some(Share {
        num: num.trim().parse().map_err(|_| bad())?,
        den: den.trim().parse().map_err(|_| bad())?,
        strict: rule != "atleast",
    }))
}

impl MotionForm {
    fn request(&self) -> Result<NewMotionRequest, ApiError> {
        let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let listed = self.electorate == "listed";
        Ok(NewMotionRequest {
            title: self.title.clone(),
            body: self.body.clone(),
            meeting_date: optional(&self.meeting_date),
            mode: self.mode.clone(),
            opens_at: parse_local("opens_at", &self.opens_at)?,
            closes_at: parse_local("closes_at", &self.closes_at)?.ok_or_else(|| {
                ApiError::field("closes_at", "请填写截止时间 / give the closing time")
            })?,
            quorum: parse_share("quorum", &self.quorum, &self.quorum_rule)?,
            majority: parse_share("majority", &self.majority, &self.majority_rule)?,
            majority_base: optional(&self.majority_base),
            electorate: optional(&self.electorate),
            electors: if listed {
                parse_ids("electors", &self.electors)?
            } else {
                Vec::new()
            },
        })
    }
}

impl ElectionForm {
    fn request(&self) -> Result<NewElectionRequest, ApiError> {
        let now = now_millis();
        let seats = match self.seats.trim() {
            "" => None,
            s => Some(
                s.parse::<u32>()
                    .map_err(|_| ApiError::field("seats", "须为 1–999 / must be 1–999"))?,
            ),
        };
        let term_start = match self.term_start.trim() {
            "" => None,
            d => Some(
                d.parse::<LocalDate>()
                    .map_err(|_| {
                        ApiError::field("term_start", "须为 年-月-日 / must be YYYY-MM-DD")
                    })?
                    .start_millis(480),
            ),
        };
        let listed = self.electorate == "listed";
        Ok(NewElectionRequest {
            title: self.title.clone(),
            body: self.body.clone(),
            seats,
            opens_at: parse_local("opens_at", &self.opens_at)?.unwrap_or(now),
            closes_at: parse_local("closes_at", &self.closes_at)?.ok_or_else(|| {
                ApiError::field("closes_at", "请填写截止时间 / give the closing time")
            })?,
            candidates: parse_ids("candidates", &self.candidates)?,
            electorate: Some(self.electorate.trim().to_string()).filter(|s| !s.is_empty()),
            electors: if listed {
                parse_ids("electors", &self.electors)?
            } else {
                Vec::new()
            },
            term_start,
        })
    }
}

fn motion_form(
    v: &Viewer,
    council: i64,
    typed: Option<&MotionForm>,
    e: Option<&ApiError>,
) -> Markup {
    let blank = MotionForm::default();
    let f = typed.unwrap_or(&blank);
    let closes = if typed.is_some() {
        f.closes_at.clone()
    } else {
        local_input(now_millis() + 7 * 86_400_000)
    };
    let mode = if f.mode.is_empty() {
        "open"
    } else {
        f.mode.as_str()
    };
    html! {
        details.card #new-motion open[e.is_some()] {
            summary { strong { (v.t("新建表决事项", "New motion")) } }
            form method="post" action={ "/councils/" (council) "/motions" } {
                (form_keys(v))
                label { (v.t("标题", "Title")) input name="title" required maxlength="200" value=(f.title); }
                label { (v.t("说明（可选）", "Description (optional)")) textarea name="body" maxlength="4000" { (f.body) } }
                div.grid2 {
                    label { (v.t("表决方式", "Voting mode"))
                        select name="mode" {
                            @for m in ["open", "secret", "show_of_hands"] {
                                option value=(m) selected[mode == m] { (mode_text(v, m)) }
                            }
                        }
                    }
                    label { (v.t("会议日期（可选）", "Meeting date (optional)")) input type="date" name="meeting_date" value=(f.meeting_date); }
                    label { (v.t("开始时间（北京时间，留空为现在）", "Opens (Beijing time; empty: now)")) input type="datetime-local" name="opens_at" value=(f.opens_at); }
                    label { (v.t("截止时间（北京时间）", "Closes (Beijing time)")) input type="datetime-local" name="closes_at" required value=(closes); }
                    label { (v.t("投票人", "Voters"))
                        select name="electorate" {
                            option value="members" selected[f.electorate != "listed"] { (v.t("在任成员", "Serving members")) }
                            option value="listed" selected[f.electorate == "listed"] { (v.t("指定名单", "A list of residents")) }
                        }
                    }
                    label { (v.t("指定名单：居民编号，逗号分隔", "The list: resident numbers, comma-separated")) input name="electors" inputmode="numeric" value=(f.electors); }
                }
                details {
                    summary { (v.t("表决规则（留空沿用议事会规则）", "Rules (empty: the council's)")) }
                    div.grid2 {
                        label { (v.t("法定人数（如 1/2）", "Quorum (e.g. 1/2)")) input name="quorum" value=(f.quorum); }
                        label { (v.t("法定人数须", "Quorum must be"))
                            select name="quorum_rule" {
                                option value="more" selected[f.quorum_rule != "atleast"] { (v.t("超过该比例", "more than the share")) }
                                option value="atleast" selected[f.quorum_rule == "atleast"] { (v.t("达到该比例", "at least the share")) }
                            }
                        }
                        label { (v.t("通过比例（如 1/2）", "Majority (e.g. 1/2)")) input name="majority" value=(f.majority); }
                        label { (v.t("赞成票须", "Votes for must be"))
                            select name="majority_rule" {
                                option value="more" selected[f.majority_rule != "atleast"] { (v.t("超过该比例", "more than the share")) }
                                option value="atleast" selected[f.majority_rule == "atleast"] { (v.t("达到该比例", "at least the share")) }
                            }
                        }
                        label { (v.t("计算基数", "Majority of"))
                            select name="majority_base" {
                                option value="" selected[f.majority_base.is_empty()] { (v.t("沿用议事会规则", "the council's rule")) }
                                option value="present" selected[f.majority_base == "present"] { (v.t("到会人数", "those present")) }
                                option value="members" selected[f.majority_base == "members"] { (v.t("全体成员", "all members")) }
                            }
                        }
                    }
                }
                (form_error(v, e))
                button type="submit" { (v.t("创建表决事项", "Create the motion")) }
            }
        }
    }
}

fn election_form(
    v: &Viewer,
    c: &CouncilView,
    typed: Option<&ElectionForm>,
    e: Option<&ApiError>,
) -> Markup {
    let blank = ElectionForm::default();
    let f = typed.unwrap_or(&blank);
    let closes = if typed.is_some() {
        f.closes_at.clone()
    } else {
        local_input(now_millis() + 7 * 86_400_000)
    };
    html! {
        details.card #new-election open[e.is_some()] {
            summary { strong { (v.t("新建选举（无记名投票）", "New election (secret ballot)")) } }
            form method="post" action={ "/councils/" (c.id) "/elections" } {
                (form_keys(v))
                label { (v.t("标题", "Title")) input name="title" required maxlength="200" value=(f.title); }
                label { (v.t("说明（可选）", "Description (optional)")) textarea name="body" maxlength="4000" { (f.body) } }
                label { (v.t("候选人：居民编号，逗号分隔，按此顺序编号", "Candidates: resident numbers, comma-separated, numbered in this order"))
                    input name="candidates" required inputmode="numeric" value=(f.candidates); }
                div.grid2 {
                    label { (v.t("应选人数（留空为 ", "Seats (empty: ")) (c.rules.seats) (v.t("）", ")"))
                        input type="number" name="seats" min="1" max="999" value=(f.seats); }
                    label { (v.t("任期开始（可选，留空为投票结束时）", "Term starts (optional; empty: when voting closes)")) input type="date" name="term_start" value=(f.term_start); }
                    label { (v.t("开始时间（北京时间，留空为现在）", "Opens (Beijing time; empty: now)")) input type="datetime-local" name="opens_at" value=(f.opens_at); }
                    label { (v.t("截止时间（北京时间）", "Closes (Beijing time)")) input type="datetime-local" name="closes_at" required value=(closes); }
                    label { (v.t("选民", "Electorate"))
                        select name="electorate" {
                            option value="residents" selected[f.electorate != "listed"] { (v.t("本区域成年居民", "Adult residents of the area")) }
                            option value="listed" selected[f.electorate == "listed"] { (v.t("指定名单（如户代表）", "A list (e.g. household representatives)")) }
                        }
                    }
                    label { (v.t("指定名单：居民编号，逗号分隔", "The list: resident numbers, comma-separated")) input name="electors" inputmode="numeric" value=(f.electors); }
                }
                (form_error(v, e))
                button type="submit" { (v.t("创建选举", "Create the election")) }
            }
        }
    }
}

fn link_form(v: &Viewer, council: i64, typed: Option<&LinkForm>, e: Option<&ApiError>) -> Markup {
    let blank = LinkForm::default();
    let f = typed.unwrap_or(&blank);
    html! {
        details.card #link-account open[e.is_some()] {
            summary { strong { (v.t("关联账号与居民档案", "Link an account to a resident")) } }
            p.muted { (v.t("关联后，该账号以这位居民的身份投票。", "Once linked, the account votes as this resident.")) }
            form method="post" action={ "/councils/" (council) "/link" } {
                (form_keys(v))
                div.grid2 {
                    label { (v.t("账号（登录名）", "Account (login name)")) input name="username" required autocomplete="off" value=(f.username); }
                    label { (v.t("居民编号", "Resident no.")) input name="resident_id" required inputmode="numeric" value=(f.resident_id); }
                }
                (form_error(v, e))
                button type="submit" { (v.t("关联", "Link")) }
            }
        }
    }
}

fn ballot_button(v: &Viewer, id: i64, act: &str, label: &str) -> Markup {
    html! {
        form method="post" action={ "/ballots/" (id) "/" (act) } {
            (form_keys(v))
            button type="submit" { (label) }
        }
    }
}

fn motion_controls(v: &Viewer, m: &MotionView, e: Option<&ApiError>) -> Markup {
    let hands = m.mode == "show_of_hands";
    html! {
        div #{ "ballot-" (m.id) } {
            @if hands && m.result.is_none() && m.state != "scheduled" {
                details open[e.is_some()] {
                    summary { (v.t("记录举手票数", "Record the show of hands")) }
                    form method="post" action={ "/ballots/" (m.id) "/hands" } {
                        (form_keys(v))
                        label { (v.t("到会人数", "Present")) input type="number" name="present" min="0" required; }
                        label { (v.t("赞成", "For")) input type="number" name="for" min="0" required; }
                        label { (v.t("反对", "Against")) input type="number" name="against" min="0" required; }
                        label { (v.t("弃权", "Abstain")) input type="number" name="abstain" min="0" required; }
                        button type="submit" { (v.t("记录并公布结果", "Record and publish")) }
                    }
                }
            } @else if !hands && (m.state == "open" || m.state == "scheduled") {
                (ballot_button(v, m.id, "close", v.t("结束投票并计票", "Close and count")))
            }
            (form_error(v, e))
        }
    }
}

/// The body of the redirect after a staff form: the council page with its message.
fn done_target(council: i64, message: &str) -> String {
    format!("/councils/{council}?done={}", urlencode(message))
}

/// Runs a staff form once: the session's token first, then the form's key (a repeated submit
/// is sent where the first one went, and does nothing again), then `work`, which answers
/// where to go. A refusal frees the key (the form comes back with a new one).
async fn once(
    state: &AppState,
    v: &Viewer,
    csrf: &str,
    key: &str,
    work: impl std::future::Future<Output = Result<String, ApiError>>,
) -> Result<String, ApiError> {
    if !v.csrf_ok(csrf) {
        return Err(ApiError::field(
            "csrf_token",
            "表单已过期，请重试 / the form expired, retry",
        ));
    }
    crate::pages::form_once(state, v, "council-form", key, &v.here, work).await
}

async fn answer(
    state: &AppState,
    v: &Viewer,
    council: i64,
    typed: Typed,
    result: Result<String, ApiError>,
) -> Response {
    match result {
        Ok(target) => Redirect::to(&target).into_response(),
        Err(e) => render_council(state, v, council, None, Some((&typed, &e))).await,
    }
}

/// The new-motion form, through the API's own `post_motion`.
pub async fn motion_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<MotionForm>,
) -> Response {
    let v = match Viewer::require(caller, &headers, &format!("/councils/{id}")) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let work = async {
        let req = form.request()?;
        let m = api::post_motion(&state, &v.ctx(), id, req).await?;
        let message = format!(
            "{}「{}」{}",
            v.t("已创建表决事项", "Motion created:"),
            m.title,
            v.t("，投票已开始 ✔", " — voting is open ✔")
        );
        Ok(done_target(id, &message))
    };
    let result = once(&state, &v, &form.csrf_token, &form.idempotency_key, work).await;
    answer(&state, &v, id, Typed::Motion(form), result).await
}

/// The new-election form, through the API's own `post_election`.
pub async fn election_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ElectionForm>,
) -> Response {
    let v = match Viewer::require(caller, &headers, &format!("/councils/{id}")) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let work = async {
        let req = form.request()?;
        let e = api::post_election(&state, &v.ctx(), id, req).await?;
        let message = format!(
            "{}「{}」{} {} ✔",
            v.t("已创建选举", "Election created:"),
            e.title,
            v.t("，选民", " — electorate"),
            e.electorate_size
        );
        Ok(done_target(id, &message))
    };
    let result = once(&state, &v, &form.csrf_token, &form.idempotency_key, work).await;
    answer(&state, &v, id, Typed::Election(form), result).await
}

/// Links an account (by its login name) to a resident, through the API's own
/// `put_user_resident`; its "not found" is told against the field it concerns.
pub async fn link_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> Response {
    let v = match Viewer::require(caller, &headers, &format!("/councils/{id}")) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let work = async {
        let username = form.username.trim();
        if username.is_empty() {
            return Err(ApiError::field(
                "username",
                "请填写登录名 / give the login name",
            ));
        }
        let resident_id: i64 = form.resident_id.trim().parse().map_err(|_| {
            ApiError::field(
                "resident_id",
                "须为居民编号（数字）/ must be a resident number",
            )
        })?;
        // An unknown login name goes to the API as an account that does not exist, so the
        // API decides on the resident first and every refusal is told alike.
        let user_id = access::find_user_by_name(&state.store, username)
            .await?
            .map(|u| u.id)
            .unwrap_or(0);
        let linked = put_user_resident(
            &state,
            &v.ctx(),
            user_id,
            LinkResidentRequest { resident_id },
        )
        .await;
        let resident = council_store::people(&state.store, &[resident_id])
            .await?
            .into_iter()
            .next();
        let reachable = resident.as_ref().is_some_and(|p| {
            authorize(&v.actor, Action::ManagePeople, Target::Record(&p.grid_code)).is_ok()
        });
        match linked {
            Ok(_) => {
                let name = resident.map(|p| p.name).unwrap_or_default();
                let message = format!(
                    "{} {username} {} {resident_id} {name} ✔",
                    v.t("已将账号", "Account"),
                    v.t("关联到居民", "is linked to resident")
                );
                Ok(done_target(id, &message))
            }
            Err(e) if e.status == StatusCode::NOT_FOUND && reachable => Err(about(
                e,
                "username",
                format!(
                    "没有账号 {username:?}，或该账号不在您管理的范围内 / no account {username:?} within your reach"
                ),
            )),
            Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN => {
                Err(about(
                    e,
                    "resident_id",
                    format!(
                        "没有居民 {resident_id}，或不在您管理的范围内 / no resident {resident_id} within your reach"
                    ),
                ))
            }
            Err(e) if e.status == StatusCode::CONFLICT => {
                let reason = e.detail.clone();
                Err(about(e, "resident_id", reason))
            }
            Err(e) => Err(e),
        }
    };
    let result = once(&state, &v, &form.csrf_token, &form.idempotency_key, work).await;
    answer(&state, &v, id, Typed::Link(form), result).await
}

/// The API's refusal (its status kept), told against the form field it concerns.
fn about(e: ApiError, field: &str, reason: String) -> ApiError {
    ApiError {
        detail: format!("{field}: {reason}"),
        errors: vec![FieldError::field(field, reason)],
        ..e
    }
}

/// The ballot and its council, as far as the store knows it (the handlers decide access).
async fn ballot_and_council(state: &AppState, id: i64) -> Result<(BallotKind, i64), ApiError> {
    let b = ballot_store::get_ballot(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((b.kind, b.council_id))
}

/// Ends the voting of an election or a motion (a motion is counted at once).
pub async fn close_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<BallotForm>,
) -> Response {
    ballot_submit(state, caller, headers, id, "close", form).await
}

/// Publishes a closed election's count; those elected become members.
pub async fn publish_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<BallotForm>,
) -> Response {
    ballot_submit(state, caller, headers, id, "publish", form).await
}

/// Records the counts of a show of hands and publishes its result.
pub async fn hands_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<BallotForm>,
) -> Response {
    ballot_submit(state, caller, headers, id, "hands", form).await
}

/// Closing, publishing or recording a show of hands: `act` is close, publish or hands,
/// each through the API's own handler.
async fn ballot_submit(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    id: i64,
    act: &str,
    form: BallotForm,
) -> Response {
    let here = format!("/ballots/{id}/vote");
    let v = match Viewer::require(caller, &headers, &here) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let found = async {
        let (kind, council) = ballot_and_council(&state, id).await?;
        council_for(&state, &v.actor, council, Action::ViewDeliberation).await?;
        Ok::<_, ApiError>((kind, council))
    };
    let (kind, council) = match found.await {
        Ok(x) => x,
        Err(e) => return error_page(&v, v.t("投票", "Ballot"), &here, &e),
    };
    let v = Viewer {
        here: format!("/councils/{council}"),
        ..v
    };
    let work = async {
        let _actor = || Authenticated(v.actor.clone());
        let message = match (act, kind) {
            ("close", ELECTION) => {
                let e = api::close_election(&state, &v.ctx(), id).await?;
                format!(
                    "{}「{}」{} ✔",
                    v.t("选举", "Election"),
                    e.title,
                    v.t(
                        "已结束投票，计票结果见下方；公布后产生成员",
                        " is closed; the count is below, publish it to seat the members"
                    )
                )
            }
            ("close", _) => {
                let m = api::close_motion(&state, &v.ctx(), id).await?;
                format!(
                    "{}「{}」{} {} ✔",
                    v.t("表决事项", "Motion"),
                    m.title,
                    v.t("已结束并计票：", "is closed and counted:"),
                    m.result.map(|r| r.reason).unwrap_or_default()
                )
            }
            ("publish", ELECTION) => {
                let e = api::publish_election(&state, &v.ctx(), id).await?;
                format!(
                    "{}「{}」{} ✔",
                    v.t("选举", "Election"),
                    e.title,
                    v.t("结果已公布", "— the result is published")
                )
            }
            ("hands", api::MOTION) => {
                let req = HandsRequest {
                    present: parse_count("present", &form.present)?,
                    in_favour: parse_count("for", &form.in_favour)?,
                    against: parse_count("against", &form.against)?,
                    abstain: parse_count("abstain", &form.abstain)?,
                };
                let m = api::post_hands(&state, &v.ctx(), id, req).await?;
                format!(
                    "{}「{}」{} {} ✔",
                    v.t("表决事项", "Motion"),
                    m.title,
                    v.t("票数已记录：", "counts recorded:"),
                    m.result.map(|r| r.reason).unwrap_or_default()
                )
            }
            _ => return Err(ApiError::not_found()),
        };
        Ok(done_target(council, &message))
    };
    let result = once(&state, &v, &form.csrf_token, &form.idempotency_key, work).await;
    answer(&state, &v, council, Typed::Ballot(id), result).await
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

fn election_block(v: &Viewer, e: &ElectionView, manages: bool, error: Option<&ApiError>) -> Markup {
    html! {
        section #{ "ballot-" (e.id) } data-ballot=(e.id) {
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
            @if manages {
                @if e.state == "open" || e.state == "scheduled" {
                    (ballot_button(v, e.id, "close", v.t("结束投票并计票", "Close and count")))
                } @else if e.state == "closed" {
                    (ballot_button(v, e.id, "publish", v.t("公布结果，当选者成为成员", "Publish: those elected become members")))
                }
                (form_error(v, error))
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
    let found = ballot_for(state, &v.actor, id, b.kind, Action::ViewDeliberation).await;
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
        @if b.mode == BallotMode::Secret {
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
        let (b, c) = ballot_for(&state, &v.actor, id, b.kind, Action::ViewDeliberation).await?;
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
        cast_vote(&state, &v.ctx(), &b, marks).await?;
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
