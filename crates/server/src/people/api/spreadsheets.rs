//! The registers as spreadsheets (台账) over HTTP: import, export and templates.

use crate::context::Context;
use crate::error::ApiResult;
use crate::people::service::spreadsheets::{
    self, Download, ExportQuery, FormatQuery, ImportQuery, LedgerReport, parse_format,
};
use crate::state::AppState;
use crate::util::ApiQuery;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

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

#[utoipa::path(post, path = "/api/v1/ledgers/{kind}/import", tag = "people",
    params(("kind" = String, Path, description = "residents, buildings or organisations"), ImportQuery),
    request_body(content = crate::util::FileBytes, content_type = "application/octet-stream", description = "An XLSX or CSV file (UTF-8 or GBK); see the template"),
    responses((status = 200, body = LedgerReport), (status = 422, body = crate::error::Problem, description = "each bad row in `errors`: index = row number, field = column")))]
pub async fn import_ledger(
    State(state): State<AppState>,
    ctx: Context,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<LedgerReport>> {
    Ok(Json(
        spreadsheets::import_register(&state, &ctx, &kind, &body, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/ledgers/{kind}/template", tag = "people",
    params(("kind" = String, Path, description = "residents, buildings or organisations"), FormatQuery),
    responses((status = 200, description = "the template file",
        content((crate::util::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))),
        (status = 422, body = crate::error::Problem)))]
pub async fn ledger_template(
    _ctx: Context,
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
    ctx: Context,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    Ok(file_response(
        spreadsheets::export_register(&state, &ctx, &kind, &q).await?,
    ))
}
