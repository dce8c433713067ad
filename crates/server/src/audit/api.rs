//! Reading the audit trail (auditors and the city administrator).

use crate::audit::service::*;
use crate::context::Context;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::{ApiQuery, PageOut};
use axum::Json;
use axum::extract::State;

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = PageOut<AuditView>), (status = 403, body = crate::error::Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<PageOut<AuditView>>> {
    Ok(Json(
        crate::audit::service::list_audit(&state, &ctx, q).await?,
    ))
}
