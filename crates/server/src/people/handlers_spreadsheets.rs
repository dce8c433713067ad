//! HTTP routes for the registers as spreadsheets (台账): import, export and templates.

use super::spreadsheets::{self, Download, ImportOptions, LedgerReport};
use crate::access::Authenticated;
use crate::access::session::request_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{ApiQuery, reach_within};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_sheets::Format;
use tongxin_store::{audit, commit};
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Original file name (helps tell CSV from XLSX; the content is sniffed anyway).
    pub filename: Option<String>,
    /// Import the good rows and report the rest; default: nothing unless every row is good.
    pub partial: Option<bool>,
    /// Check and report only.
    pub dry_run: Option<bool>,
}

fn options(q: ImportQuery) -> ImportOptions {
    ImportOptions {
        filename: q.filename,
        partial: q.partial.unwrap_or(false),
        dry_run: q.dry_run.unwrap_or(false),
    }
}

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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// xlsx (default) or csv.
    pub format: Option<String>,
}

fn parse_format(text: Option<&str>) -> ApiResult<Format> {
    match text.unwrap_or("xlsx") {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        other => Err(ApiError::field(
            "format",
            format!("须为 xlsx 或 csv，而不是 {other:?} / must be xlsx or csv"),
        )),
    }
}

fn file_response(d: Download) -> Response {
    let mut resp = d.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(d.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", d.filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub within: Option<String>,
    pub format: Option<String>,
    /// Plain ID and phone numbers; needs the right to reveal them and is audited.
    pub unmasked: Option<bool>,
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

async fn export_residents(
    state: AppState,
    actor: tongxin_core::access::Actor,
    headers: HeaderMap,
    q: ExportQuery,
) -> ApiResult<Response> {
    let format = parse_format(q.format.as_deref())?;
    let unmasked = q.unmasked.unwrap_or(false);
    let action = if unmasked {
        Action::RevealPersonalData
    } else {
        Action::ViewPeople
    };
    if let Some(w) = &q.within {
        authorize(&actor, Action::ViewPeople, Target::Node(w))?;
        authorize(&actor, action, Target::Node(w))?;
    }
    let prefixes = reach_within(&actor, action, q.within.as_deref())?;
    let d = spreadsheets::export_residents(&state, prefixes.clone(), unmasked, format).await?;
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &crate::access::audit_entry(
            &actor,
            if unmasked {
                "resident.export_unmasked"
            } else {
                "resident.export"
            },
            "resident_ledger",
            q.within.clone().unwrap_or_default(),
        )
        .node(q.within.clone())
        .after(Some(
            serde_json::json!({"scope": prefixes, "unmasked": unmasked, "format": format.as_str()}),
        ))
        .request(request_id(&headers)),
    )
    .await?;
    commit(tx).await?;
    Ok(file_response(d))
}
