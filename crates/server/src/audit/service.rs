//! Reading the audit trail (auditors and the city administrator).

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{Cursor, PageOut, clamp_limit};
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_store::audit::{self, AuditFilter, AuditRow};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor_id: Option<i64>,
    /// e.g. grid, division, user, api_token.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// e.g. grid.create, user.disable, session.login.
    pub action: Option<String>,
    /// From this time (UTC ms, inclusive).
    pub from: Option<i64>,
    /// Until this time (UTC ms, exclusive).
    pub to: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: i64,
    pub actor_id: i64,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub node_code: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

pub(crate) fn parse_json(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        AuditView {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor: r.actor,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            node_code: r.node_code,
            before: parse_json(r.before_json),
            after: parse_json(r.after_json),
            request_id: r.request_id,
        }
    }
}

pub async fn list_audit(
    state: &AppState,
    ctx: &Context,
    q: AuditQuery,
) -> ApiResult<PageOut<AuditView>> {
    let actor = &ctx.actor;
    authorize(actor, Action::ReadAudit, Target::Platform)?;
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f >= t
    {
        return Err(ApiError::field(
            "from",
            "from 须早于 to / from must be before to",
        ));
    }
    let prefixes = actor.scope_prefixes(Action::ReadAudit);
    let city_level = actor
        .bindings
        .iter()
        .any(|b| b.node.as_str().len() == 6 && b.node.as_str().ends_with("00"));
    let filter = AuditFilter {
        actor_id: q.actor_id,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        action: q.action,
        from: q.from,
        to: q.to,
        prefixes,
        include_platform: city_level,
        before_id: Cursor::decode_i64(q.cursor.as_deref())?,
        limit: clamp_limit(q.limit),
    };
    let page = audit::list(&state.store, &filter).await?;
    Ok(PageOut::new(
        page.items.into_iter().map(Into::into).collect(),
        page.next,
    ))
}
