//! HTTP routes for the registers as spreadsheets (台账): import, export and templates.

use crate::access::Authenticated;
use crate::access::session::request_id;
use crate::error::{ApiError, ApiResult};
use crate::people::service::handlers_spreadsheets::*;
use crate::people::service::spreadsheets::{self, LedgerReport};
use crate::state::AppState;
use crate::util::{ApiQuery, reach_within};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_store::{audit, commit};

#[utoipa::path(post, path = "/api/v1/ledgers/{kind}/import", tag = "people",
    params(("kind" = String, Path, description = "residents, buildings or organisations"), ImportQuery),
    request_body(content = crate::util::FileBytes, content_type = "application/octet-stream", description = "An XLSX or CSV file (UTF-8 or GBK); see the template"),
    responses((status = 200, body = LedgerReport), (status = 422, body = crate::error::Problem, description = "each bad row in `errors`: index = row number, field = column")))]
pub async fn import_ledger(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<LedgerReport>> {
    let opts = options(q);
    let rid = request_id(&headers);
    let report = match kind.as_str() {
        "residents" => spreadsheets::import_residents(&state, &actor, &body, &opts, rid).await?,
        "buildings" => spreadsheets::import_buildings(&state, &actor, &body, &opts, rid).await?,
        "organisations" => {
            spreadsheets::import_organisations(&state, &actor, &body, &opts, rid).await?
        }
        _ => return Err(ApiError::not_found()),
    };
    Ok(Json(report))
}

#[utoipa::path(get, path = "/api/v1/ledgers/{kind}/template", tag = "people",
    params(("kind" = String, Path, description = "residents, buildings or organisations"), FormatQuery),
    responses((status = 200, description = "the template file",
        content((crate::util::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))),
        (status = 422, body = crate::error::Problem)))]
pub async fn ledger_template(
    Authenticated(_actor): Authenticated,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    Ok(file_response(spreadsheets::template(
        &kind,
        parse_format(q.format.as_deref())?,
    )?))
}

#[utoipa::path(get, path = "/api/v1/ledgers/{kind}/export", tag = "people",
    params(("kind" = String, Path, description = "residents, buildings or organisations"), ExportQuery),
    responses((status = 200, description = "the ledger file, masked unless unmasked=true and permitted",
        content((crate::util::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn export_ledger(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    match kind.as_str() {
        "residents" => export_residents(state, actor, headers, q).await,
        "buildings" | "organisations" => {
            let format = parse_format(q.format.as_deref())?;
            let unmasked = q.unmasked.unwrap_or(false) && kind == "organisations";
            let action = if unmasked {
                Action::RevealPersonalData
            } else {
                Action::ViewTerritory
            };
            if let Some(w) = &q.within {
                authorize(&actor, Action::ViewTerritory, Target::Node(w))?;
                authorize(&actor, action, Target::Node(w))?;
            }
            let prefixes = reach_within(&actor, action, q.within.as_deref())?;
            let d = if kind == "buildings" {
                spreadsheets::export_buildings(&state, &prefixes, format).await?
            } else {
                spreadsheets::export_organisations(&state, &prefixes, unmasked, format).await?
            };
            if unmasked {
                let mut tx = state.store.begin().await?;
                audit::record(
                    &mut tx,
                    &crate::access::audit_entry(
                        &actor,
                        "organisation.export_unmasked",
                        "organisation_ledger",
                        q.within.clone().unwrap_or_default(),
                    )
                    .node(q.within.clone())
                    .after(Some(serde_json::json!({"scope": prefixes})))
                    .request(request_id(&headers)),
                )
                .await?;
                commit(tx).await?;
            }
            Ok(file_response(d))
        }
        _ => Err(ApiError::not_found()),
    }
}
