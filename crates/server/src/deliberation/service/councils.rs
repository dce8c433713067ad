//! Councils: creation, rules, the versioned charter, members; and the link from an account
//! to the resident it votes as.

use super::{council_for, rules_of};
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::ApiResult;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::deliberation::councils::{
    CouncilKind, CouncilRules, MemberRole, PartyShare, add_months, check_charter, party_share,
    uncovered_buildings,
};
use tongxin_core::territory::NodeCode;
use tongxin_store::deliberation::councils::{
    self as store, CharterRow, CouncilRow, MemberRow, PersonRow,
};
use tongxin_store::{audit, now_millis, territory};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
pub struct NewCouncilRequest {
    /// The community (12 digits).
    pub community_code: String,
    /// A compound inside it, for a compound's council.
    pub compound_id: Option<i64>,
    /// friends_council (老友议事会), residents_council (居民议事会) or representatives_meeting (居民代表会议).
    pub kind: String,
    /// Default: the community's (or compound's) name and the kind.
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// Missing fields take the statutory defaults.
    #[schema(value_type = Option<Object>)]
    pub rules: Option<serde_json::Value>,
    /// The first charter text.
    pub charter: String,
}

#[derive(Serialize, ToSchema)]
pub struct CharterView {
    pub version: i64,
    pub body: String,
    pub note: String,
    pub adopted_at: i64,
    pub author: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CouncilMemberView)]
pub struct MemberView {
    pub id: i64,
    pub resident_id: i64,
    pub name: String,
    pub building_id: Option<i64>,
    pub party_member: bool,
    /// chair, vice_chair or member.
    pub role: String,
    pub role_name: String,
    pub term_start: i64,
    pub term_end: i64,
    pub election_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CouncilView {
    pub id: i64,
    pub community_code: String,
    pub compound_id: Option<i64>,
    pub kind: String,
    pub kind_name: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub rules: CouncilRules,
    /// The charter in force (the latest version).
    pub charter: Option<CharterView>,
    pub charter_versions: i64,
    /// Members serving now.
    pub members: Vec<MemberView>,
    /// Party members among those serving, against the target (reported, not enforced).
    #[schema(value_type = Object)]
    pub party_share: PartyShare,
    /// Buildings of the area with no serving member.
    pub buildings_not_covered: Vec<i64>,
    pub created_at: i64,
}

pub(crate) fn charter_view(c: CharterRow) -> CharterView {
    CharterView {
        version: c.version,
        body: c.body,
        note: c.note,
        adopted_at: c.adopted_at,
        author: c.author,
    }
}

pub async fn names_of(state: &AppState, ids: &[i64]) -> ApiResult<HashMap<i64, PersonRow>> {
    Ok(store::people(&state.store, ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

pub fn member_view(m: MemberRow, names: &HashMap<i64, PersonRow>) -> MemberView {
    let role = m.role;
    MemberView {
        id: m.id,
        resident_id: m.resident_id,
        name: names
            .get(&m.resident_id)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        building_id: m.building_id,
        party_member: m.party_member != 0,
        role: role.as_str().into(),
        role_name: role.name_zh().into(),
        term_start: m.term_start,
        term_end: m.term_end,
        election_id: m.election_id,
    }
}

/// Members serving at `at`, chair first.
pub async fn serving(state: &AppState, council_id: i64, at: i64) -> ApiResult<Vec<MemberRow>> {
    let mut rows: Vec<MemberRow> = store::members(&state.store, council_id, at)
        .await?
        .into_iter()
        .filter(|m| m.term_start <= at)
        .collect();
    let rank = |r: MemberRole| r as u8;
    rows.sort_by_key(|m| (rank(m.role), m.id));
    Ok(rows)
}

pub async fn council_view(state: &AppState, c: CouncilRow) -> ApiResult<CouncilView> {
    let now = now_millis();
    let rules = rules_of(&c.rules);
    let charters = store::charters(&state.store, c.id).await?;
    let versions = charters.len() as i64;
    let members = serving(state, c.id, now).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.resident_id).collect();
    let names = names_of(state, &ids).await?;
    let area = store::area_buildings(&state.store, &c.community_code, c.compound_id).await?;
    let party = members.iter().filter(|m| m.party_member != 0).count() as u64;
    let kind = c.kind;
    Ok(CouncilView {
        id: c.id,
        community_code: c.community_code,
        compound_id: c.compound_id,
        kind: kind.as_str().into(),
        kind_name: kind.name_zh().into(),
        name: c.name,
        rules,
        charter: charters.into_iter().next().map(charter_view),
        charter_versions: versions,
        buildings_not_covered: uncovered_buildings(
            &area,
            members.iter().filter_map(|m| m.building_id),
        ),
        party_share: party_share(members.len() as u64, party, rules.party_share_target),
        members: members
            .into_iter()
            .map(|m| member_view(m, &names))
            .collect(),
        created_at: c.created_at,
    })
}

/// Rules from a request: the given fields over the statutory defaults, checked.
pub fn parse_rules(
    value: Option<&serde_json::Value>,
    base: CouncilRules,
) -> ApiResult<CouncilRules> {
    let Some(value) = value else { return Ok(base) };
    let mut merged = serde_json::to_value(base).map_err(ApiError::internal)?;
    if let (Some(target), Some(given)) = (merged.as_object_mut(), value.as_object()) {
        for (k, v) in given {
            if !target.contains_key(k) {
                return Err(ApiError::field(
                    &format!("rules.{k}"),
                    "未知规则 / unknown rule",
                ));
            }
            target.insert(k.clone(), v.clone());
        }
    } else {
        return Err(ApiError::field("rules", "须为对象 / must be an object"));
    }
    let rules: CouncilRules = serde_json::from_value(merged)
        .map_err(|e| ApiError::field("rules", format!("规则格式有误 / malformed rules: {e}")))?;
    rules.check().map_err(|errors| {
        ApiError::invalid(
            "规则有误 / invalid rules",
            errors
                .into_iter()
                .map(|e| FieldError::field(e.field, e.reason))
                .collect(),
        )
    })?;
    Ok(rules)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CouncilListQuery {
    /// A territory node to narrow to (default: all the caller reaches).
    pub within: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CouncilSummary {
    pub id: i64,
    pub community_code: String,
    pub compound_id: Option<i64>,
    pub kind: String,
    pub name: String,
}

/// Prefixes of the communities whose councils the actor sees: those under their bindings,
/// and, for a binding below a community (a resident's grid), that community.
pub fn visible_prefixes(actor: &Actor, within: Option<&str>) -> ApiResult<Vec<String>> {
    let mut own: Vec<String> = actor
        .scope_prefixes(Action::ViewDeliberation)
        .into_iter()
        .map(|p| if p.len() > 12 { p[..12].to_string() } else { p })
        .collect();
    own.sort();
    own.dedup();
    if actor.credential == tongxin_core::access::Credential::System {
        own = vec![String::new()];
    }
    if own.is_empty() {
        return Err(ApiError::forbidden());
    }
    match within {
        None => Ok(own),
        Some(w) => {
            let node = NodeCode::parse(w).map_err(|e| ApiError::field("within", e.to_string()))?;
            let w = node.scope_prefix().to_string();
            let narrowed: Vec<String> = own
                .iter()
                .filter_map(|b| {
                    if b.starts_with(&w) {
                        Some(b.clone())
                    } else if w.starts_with(b.as_str()) {
                        Some(w.clone())
                    } else {
                        None
                    }
                })
                .collect();
            if narrowed.is_empty() {
                Err(ApiError::not_found())
            } else {
                Ok(narrowed)
            }
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewCharterRequest {
    pub body: String,
    /// What changed and why (e.g. the meeting that adopted it).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = NewCouncilMemberRequest)]
pub struct NewMemberRequest {
    pub resident_id: i64,
    /// chair, vice_chair or member (default).
    pub role: Option<String>,
    /// Default: now.
    pub term_start: Option<i64>,
    /// Default: the start plus the council's term length.
    pub term_end: Option<i64>,
}

/// A resident of the council's area (the compound's buildings, or the community's grids).
pub async fn resident_in_area(
    state: &AppState,
    council: &CouncilRow,
    resident_id: i64,
    field: &str,
) -> ApiResult<PersonRow> {
    let person = store::people(&state.store, &[resident_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::field(
                field,
                format!("没有居民 {resident_id} / no resident {resident_id}"),
            )
        })?;
    let in_community = person.grid_code.starts_with(&council.community_code);
    let in_compound = match council.compound_id {
        None => true,
        Some(_) => {
            let area =
                store::area_buildings(&state.store, &council.community_code, council.compound_id)
                    .await?;
            person.building_id.is_some_and(|b| area.contains(&b))
        }
    };
    if !in_community || !in_compound || person.status != "resident" {
        return Err(ApiError::field(
            field,
            format!(
                "居民 {resident_id} 不住在本议事会的范围内 / resident {resident_id} does not live in this council's area"
            ),
        ));
    }
    Ok(person)
}

pub(crate) fn parse_role(role: Option<&str>) -> ApiResult<MemberRole> {
    match role {
        None => Ok(MemberRole::Member),
        Some(r) => MemberRole::parse(r).ok_or_else(|| {
            ApiError::field(
                "role",
                "须为 chair、vice_chair 或 member / must be chair, vice_chair or member",
            )
        }),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct MemberChange {
    pub role: Option<String>,
    /// End the term early (UTC ms).
    pub term_end: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct LinkResidentRequest {
    pub resident_id: i64,
}

#[derive(Serialize, ToSchema)]
#[schema(as = UserResidentLink)]
pub struct LinkView {
    pub user_id: i64,
    pub resident_id: i64,
}

pub async fn post_council(
    state: &AppState,
    ctx: &Context,
    req: NewCouncilRequest,
) -> ApiResult<CouncilView> {
    let actor = &ctx.actor;
    let node = NodeCode::parse(&req.community_code)
        .map_err(|e| ApiError::field("community_code", e.to_string()))?;
    if node.as_str().len() != 12 {
        return Err(ApiError::field(
            "community_code",
            "须为 12 位社区代码 / must be a 12-digit community code",
        ));
    }
    authorize(
        actor,
        Action::ManageDeliberation,
        Target::Node(node.as_str()),
    )?;
    let community = territory::get_division(&state.store, node.as_str())
        .await?
        .ok_or_else(|| ApiError::field("community_code", "社区不存在 / no such community"))?;
    let kind = CouncilKind::parse(&req.kind).ok_or_else(|| {
        ApiError::field(
            "kind",
            "须为 friends_council、residents_council 或 representatives_meeting / must be friends_council, residents_council or representatives_meeting",
        )
    })?;
    let mut place = community.name.clone();
    if let Some(id) = req.compound_id {
        let compound = territory::get_compound(&state.store, id)
            .await?
            .filter(|c| c.community_code == community.code)
            .ok_or_else(|| {
                ApiError::field(
                    "compound_id",
                    "该社区没有这个小区 / no such compound in the community",
                )
            })?;
        place = compound.name;
    }
    check_charter(&req.charter).map_err(|e| ApiError::field("charter", e))?;
    let rules = parse_rules(req.rules.as_ref(), CouncilRules::default())?;
    let name = req
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{place}{}", kind.name_zh()));
    if name.chars().count() > 100 {
        return Err(ApiError::field(
            "name",
            "至多 100 字 / at most 100 characters",
        ));
    }
    let now = now_millis();
    let row = CouncilRow {
        id: 0,
        community_code: community.code.clone(),
        compound_id: req.compound_id,
        district_code: community.code[..6].into(),
        kind,
        name,
        rules: serde_json::to_string(&rules).map_err(ApiError::internal)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.store.begin().await?;
    let id = store::insert_council(&mut tx, &row).await?;
    store::add_charter(
        &mut tx,
        &CharterRow {
            council_id: id,
            version: 1,
            body: req.charter.trim().into(),
            note: "首版 / first version".into(),
            adopted_at: now,
            author: actor.label(),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "council.create", "council", id.to_string())
            .node(Some(row.community_code.clone()))
            .before(None)
            .after(Some(serde_json::json!({"kind": row.kind, "name": row.name, "rules": rules, "compound_id": row.compound_id})))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    let row = CouncilRow { id, ..row };
    council_view(state, row).await
}

pub async fn list_councils(
    state: &AppState,
    ctx: &Context,
    q: CouncilListQuery,
) -> ApiResult<Vec<CouncilSummary>> {
    let actor = &ctx.actor;
    let prefixes = visible_prefixes(actor, q.within.as_deref())?;
    let rows = store::list_councils(&state.store, &prefixes, 1000).await?;
    Ok(rows
        .into_iter()
        .map(|c| CouncilSummary {
            id: c.id,
            community_code: c.community_code,
            compound_id: c.compound_id,
            kind: c.kind.as_str().into(),
            name: c.name,
        })
        .collect())
}

pub async fn get_council(state: &AppState, ctx: &Context, id: i64) -> ApiResult<CouncilView> {
    let actor = &ctx.actor;
    let c = council_for(state, actor, id, Action::ViewDeliberation).await?;
    council_view(state, c).await
}

pub async fn put_rules(
    state: &AppState,
    ctx: &Context,
    id: i64,
    body: serde_json::Value,
) -> ApiResult<CouncilView> {
    let actor = &ctx.actor;
    let c = council_for(state, actor, id, Action::ManageDeliberation).await?;
    let before = rules_of(&c.rules);
    let rules = parse_rules(Some(&body), before)?;
    let json = serde_json::to_string(&rules).map_err(ApiError::internal)?;
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    store::set_rules(&mut tx, id, &json, now).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "council.rules", "council", id.to_string())
            .node(Some(c.community_code.clone()))
            .before(Some(
                serde_json::to_value(before).map_err(ApiError::internal)?,
            ))
            .after(Some(
                serde_json::to_value(rules).map_err(ApiError::internal)?,
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    let c = CouncilRow {
        rules: json,
        updated_at: now,
        ..c
    };
    council_view(state, c).await
}

pub async fn post_charter(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: NewCharterRequest,
) -> ApiResult<CharterView> {
    let actor = &ctx.actor;
    let c = council_for(state, actor, id, Action::ManageDeliberation).await?;
    check_charter(&req.body).map_err(|e| ApiError::field("body", e))?;
    if req.note.chars().count() > 500 {
        return Err(ApiError::field(
            "note",
            "至多 500 字 / at most 500 characters",
        ));
    }
    let mut row = CharterRow {
        council_id: id,
        version: 0,
        body: req.body.trim().into(),
        note: req.note.trim().into(),
        adopted_at: now_millis(),
        author: actor.label(),
    };
    let mut tx = state.store.begin().await?;
    row.version = store::add_charter(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "council.charter", "council", id.to_string())
            .node(Some(c.community_code.clone()))
            .before(None)
            .after(Some(
                serde_json::json!({"version": row.version, "note": row.note}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(charter_view(row))
}

pub async fn list_charters(
    state: &AppState,
    ctx: &Context,
    id: i64,
) -> ApiResult<Vec<CharterView>> {
    let actor = &ctx.actor;
    council_for(state, actor, id, Action::ViewDeliberation).await?;
    let rows = store::charters(&state.store, id).await?;
    Ok(rows.into_iter().map(charter_view).collect())
}

pub async fn post_member(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: NewMemberRequest,
) -> ApiResult<MemberView> {
    let actor = &ctx.actor;
    let c = council_for(state, actor, id, Action::ManageDeliberation).await?;
    let person = resident_in_area(state, &c, req.resident_id, "resident_id").await?;
    let role = parse_role(req.role.as_deref())?;
    let rules = rules_of(&c.rules);
    let now = now_millis();
    let start = req.term_start.unwrap_or(now);
    let end = req
        .term_end
        .unwrap_or_else(|| add_months(start, rules.term_months));
    if end <= start {
        return Err(ApiError::field(
            "term_end",
            "须晚于任期开始 / must be after term_start",
        ));
    }
    let current = store::members(&state.store, id, start).await?;
    if current
        .iter()
        .any(|m| m.resident_id == req.resident_id && m.term_start < end)
    {
        return Err(ApiError::conflict(
            "该居民已是本议事会成员，任期重叠 / this resident is already a member for an overlapping term",
        ));
    }
    let party = store::party_members_among(&state.store, &[req.resident_id]).await?;
    let row = MemberRow {
        id: 0,
        council_id: id,
        resident_id: req.resident_id,
        building_id: person.building_id,
        party_member: i64::from(party.contains(&req.resident_id)),
        role,
        term_start: start,
        term_end: end,
        election_id: None,
        created_at: now,
    };
    let mut tx = state.store.begin().await?;
    store::insert_members(&mut tx, std::slice::from_ref(&row)).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "council.member.add", "council", id.to_string())
            .node(Some(c.community_code.clone()))
            .before(None)
            .after(Some(serde_json::json!({"resident_id": row.resident_id, "role": row.role, "term_start": start, "term_end": end})))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    let added = store::members(&state.store, id, start)
        .await?
        .into_iter()
        .filter(|m| m.resident_id == req.resident_id)
        .max_by_key(|m| m.id)
        .ok_or_else(|| ApiError::internal("member vanished"))?;
    let names = HashMap::from([(person.id, person)]);
    Ok(member_view(added, &names))
}

pub async fn patch_member(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: MemberChange,
) -> ApiResult<MemberView> {
    let actor = &ctx.actor;
    let m = store::get_member(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let c = council_for(state, actor, m.council_id, Action::ManageDeliberation).await?;
    let role = match req.role.as_deref() {
        Some(r) => parse_role(Some(r))?,
        None => m.role,
    };
    let end = req.term_end.unwrap_or(m.term_end);
    if end <= m.term_start || end > m.term_end {
        return Err(ApiError::field(
            "term_end",
            "只能提前结束任期，且须晚于任期开始 / may only end the term early, after its start",
        ));
    }
    let mut tx = state.store.begin().await?;
    store::update_member(&mut tx, id, role.as_str(), end).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "council.member.change", "council", c.id.to_string())
            .node(Some(c.community_code.clone()))
            .before(Some(
                serde_json::json!({"member": id, "role": m.role, "term_end": m.term_end}),
            ))
            .after(Some(
                serde_json::json!({"member": id, "role": role.as_str(), "term_end": end}),
            ))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    let names = names_of(state, &[m.resident_id]).await?;
    let m = MemberRow {
        role,
        term_end: end,
        ..m
    };
    Ok(member_view(m, &names))
}

pub async fn put_user_resident(
    state: &AppState,
    ctx: &Context,
    user_id: i64,
    req: LinkResidentRequest,
) -> ApiResult<LinkView> {
    let actor = &ctx.actor;
    let person = store::people(&state.store, &[req.resident_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    // Who registers the resident's household may say which account is theirs.
    authorize(
        actor,
        Action::ManagePeople,
        Target::Record(&person.grid_code),
    )?;
    tongxin_store::access::get_user(&state.store, user_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    // …and only an account bound where they register people: another territory's accounts
    // are not theirs to hand a vote, nor to learn of.
    let bindings = tongxin_store::access::bindings(&state.store, user_id).await?;
    if !bindings
        .iter()
        .any(|b| authorize(actor, Action::ManagePeople, Target::Record(&b.node_code)).is_ok())
    {
        return Err(ApiError::not_found());
    }
    let mut tx = state.store.begin().await?;
    store::link_user(
        &mut tx,
        user_id,
        req.resident_id,
        now_millis(),
        &actor.label(),
    )
    .await
    .map_err(|e| {
        if e.is_constraint_violation() {
            ApiError::conflict(
                "该居民已关联另一个账号 / this resident is already linked to another account",
            )
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "user.resident.link", "user", user_id.to_string())
            .node(Some(person.grid_code.clone()))
            .before(None)
            .after(Some(serde_json::json!({"resident_id": req.resident_id})))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(LinkView {
        user_id,
        resident_id: req.resident_id,
    })
}
