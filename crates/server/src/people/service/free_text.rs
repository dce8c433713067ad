//! Free text that held personal numbers: the record keeps it masked, the original is sealed
//! in `sealed_texts`, and the audited reveal opens it for those who may see personal data.

use crate::access::audit_entry;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use tongxin_core::access::{Action, Actor, Target, authorize};
pub use tongxin_store::people::keep_originals;
use tongxin_store::people::{self};
use tongxin_store::{audit, commit};

/// An original as typed.
pub struct Revealed {
    pub holder: String,
    pub holder_id: i64,
    pub field: String,
    pub text: String,
}

/// What a reveal is of: the entity the audit names, where it lies, and the sealed originals
/// to open (holder kind → ids).
pub struct RevealOf<'a> {
    pub entity: &'a str,
    pub entity_id: i64,
    pub node: &'a str,
    pub holders: &'a [(&'a str, Vec<i64>)],
}

/// Opens the originals of a record the actor has already been shown, if they may reveal
/// personal data there; records the reveal and its reason in the audit trail.
pub async fn reveal(
    state: &AppState,
    actor: &Actor,
    request_id: Option<String>,
    of: RevealOf<'_>,
    reason: &str,
) -> ApiResult<Vec<Revealed>> {
    // The caller has shown the record to the actor already, so a refusal says "forbidden".
    authorize(actor, Action::RevealPersonalData, Target::Node(of.node))
        .map_err(|_| ApiError::forbidden())?;
    let mut originals = Vec::new();
    for (holder, ids) in of.holders {
        originals.extend(people::sealed_texts(&state.store, holder, ids).await?);
    }
    let protector = &state.config.protector;
    let revealed = originals
        .into_iter()
        .map(|o| {
            let text = protector.open(&o.sealed).map_err(ApiError::internal)?;
            Ok(Revealed {
                holder: o.holder,
                holder_id: o.holder_id,
                field: o.field,
                text,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let fields: Vec<String> = revealed
        .iter()
        .map(|r| format!("{}#{}.{}", r.holder, r.holder_id, r.field))
        .collect();
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            &format!("{}.reveal", of.entity),
            of.entity,
            of.entity_id.to_string(),
        )
        .node(Some(of.node.to_string()))
        .after(Some(
            serde_json::json!({"reason": reason, "fields": fields}),
        ))
        .request(request_id),
    )
    .await?;
    commit(tx).await?;
    Ok(revealed)
}
