//! HTTP routes for the registers as spreadsheets (台账): import, export and templates.

use super::spreadsheets::{self, Download, ImportOptions};
use crate::access::session::request_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::reach_within;
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

pub(crate) fn options(q: ImportQuery) -> ImportOptions {
    ImportOptions {
        filename: q.filename,
        partial: q.partial.unwrap_or(false),
        dry_run: q.dry_run.unwrap_or(false),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// xlsx (default) or csv.
    pub format: Option<String>,
}

pub(crate) fn parse_format(text: Option<&str>) -> ApiResult<Format> {
    match text.unwrap_or("xlsx") {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        other => Err(ApiError::field(
            "format",
            format!("须为 xlsx 或 csv，而不是 {other:?} / must be xlsx or csv"),
        )),
    }
}

pub(crate) fn file_response(d: Download) -> Response {
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub within: Option<String>,
    pub format: Option<String>,
    /// Plain ID and phone numbers; needs the right to reveal them and is audited.
    pub unmasked: Option<bool>,
}

pub(crate) async fn export_residents(
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
