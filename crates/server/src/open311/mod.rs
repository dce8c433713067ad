//! Open311 GeoReport v2 under `/open311/v2/`, in JSON and XML: one more channel into the same
//! case engine. Ids and codes are strings, dates ISO 8601 with offset, single requests come back
//! as one-element lists, errors in the spec's own format.

pub mod routes;

use crate::access::session::{load_actor, secret_hash};
use crate::cases::{self as api, NewCaseRequest};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tongxin_core::access::{Actor, Credential};
use tongxin_core::cases::machine::Status;
use tongxin_core::open311::{
    Open311Error, attributes_from_form, check_attributes, status_of, statuses_for,
};
use tongxin_store::cases::{self, CaseRow, EventRow, RequestQuery};
use tongxin_store::{access, now_millis};

const CITY: &str = "450100";
const DAY_MS: i64 = 86_400_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `services.json` → ("services", Json).
fn split_format(file: &str) -> Result<(&str, Format), Open311Error> {
    if let Some(stem) = file.strip_suffix(".json") {
        Ok((stem, Format::Json))
    } else if let Some(stem) = file.strip_suffix(".xml") {
        Ok((stem, Format::Xml))
    } else {
        Err(Open311Error::new(
            404,
            format!("{file}: ask for .json or .xml"),
        ))
    }
}

fn pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// ISO 8601 with the Beijing offset, e.g. 2026-11-27T10:15:00+08:00.
fn iso(ms: i64) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("valid offset");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.to_offset(offset))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn parse_iso(field: &str, text: &str) -> Result<i64, Open311Error> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            Open311Error::new(
                400,
                format!("{field}: {text:?} is not an ISO 8601 date with offset"),
            )
        })
}

/// `start_date`..`end_date` (default: the `default_days` before now), at most 90 days when
/// `checked`.
fn period(
    q: &[(String, String)],
    now: i64,
    default_days: i64,
    checked: bool,
) -> Result<(i64, i64), Open311Error> {
    let end = match param(q, "end_date") {
        Some(t) => parse_iso("end_date", t)?,
        None => now + 1,
    };
    let start = match param(q, "start_date") {
        Some(t) => parse_iso("start_date", t)?,
        None => end - default_days * DAY_MS,
    };
    if checked && (end - start > 90 * DAY_MS || end < start) {
        return Err(Open311Error::new(
            400,
            "start_date to end_date must be at most 90 days, in order",
        ));
    }
    Ok((start, end))
}

fn check_jurisdiction(pairs: &[(String, String)]) -> Result<(), Open311Error> {
    match param(pairs, "jurisdiction_id") {
        None | Some(CITY) => Ok(()),
        Some(other) => Err(Open311Error::new(
            404,
            format!("jurisdiction_id {other:?} is not served here (use {CITY})"),
        )),
    }
}

/// Answers in the asked format; lists of `item` elements under `root` in XML.
fn answer(format: Format, status: StatusCode, root: &str, item: &str, value: Value) -> Response {
    let (body, ctype) = match format {
        Format::Json => (value.to_string(), "application/json; charset=utf-8"),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            write_xml(&mut out, root, item, &value);
            (out, "text/xml; charset=utf-8")
        }
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    resp
}

/// Element names for the items of known lists.
fn item_name(list: &str) -> &'static str {
    match list {
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "keywords" => "keyword",
        "updates" => "update",
        _ => "item",
    }
}

fn write_xml(out: &mut String, name: &str, item: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for v in items {
                write_xml(out, item, item_name(item), v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                write_xml(out, k, item_name(k), v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::String(s) => out.push_str(&format!(
            "<{name}>{}</{name}>",
            quick_xml::escape::escape(s.as_str())
        )),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

fn error(format: Format, e: Open311Error) -> Response {
    let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
    answer(
        format,
        status,
        "errors",
        "error",
        json!([{ "code": e.code, "description": e.description }]),
    )
}

/// The longest value each GeoReport field may carry, in characters.
pub fn max_chars(field: &str) -> usize {
    match field {
        "description" => 4_000,
        "media_url" => 2_000,
        f if f.starts_with("attribute[") => 1_000,
        _ => 200,
    }
}

/// Every field within its maximum, and a `media_url` that is a web address.
fn check_lengths(form: &[(String, String)]) -> Result<(), Open311Error> {
    for (field, value) in form {
        let max = max_chars(field);
        if value.chars().count() > max {
            return Err(Open311Error::new(
                400,
                format!("{field} is longer than {max} characters"),
            ));
        }
    }
    if let Some(url) = param(form, "media_url").filter(|u| !u.trim().is_empty())
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(Open311Error::new(400, "media_url must be an http(s) URL"));
    }
    Ok(())
}

fn from_api(e: ApiError) -> Open311Error {
    let code = match e.status.as_u16() {
        401 | 403 => 403,
        404 => 404,
        _ => 400,
    };
    Open311Error::new(code, e.to_string())
}

/// GET `/open311/v2/{discovery|services|requests|servicerequestupdates}.{json|xml}`.
pub async fn get_root(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (stem, format) = match split_format(&file) {
        Ok(x) => x,
        Err(e) => return error(Format::Json, e),
    };
    let q = pairs(query.as_deref().unwrap_or(""));
    let result = match stem {
        "discovery" => Ok(discovery(format)),
        "services" => check_jurisdiction(&q).map(|_| services(&state, format)),
        "requests" => match check_jurisdiction(&q) {
            Ok(()) => list_requests(&state, format, &q).await,
            Err(e) => Err(e),
        },
        "servicerequestupdates" => match check_jurisdiction(&q) {
            Ok(()) => updates(&state, format, &q).await,
            Err(e) => Err(e),
        },
        other => Err(Open311Error::new(404, format!("{other}: no such resource"))),
    };
    result.unwrap_or_else(|e| error(format, e))
}

fn discovery(format: Format) -> Response {
    let formats = json!(["text/xml", "application/json"]);
    let value = json!({
        "changeset": "2026-11-27T00:00:00+08:00",
        "contact": "同心 Tongxin 平台 — 南宁市网格化服务管理中心",
        "key_service": "向平台管理员申请集成令牌（Open311 专用，限定辖区）/ ask the platform administrator for an integration token limited to Open311 and a territory",
        "endpoints": [
            {"specification": "http://wiki.open311.org/GeoReport_v2", "url": "/open311/v2", "changeset": "2026-11-27T00:00:00+08:00", "type": "production", "formats": formats}
        ]
    });
    answer(format, StatusCode::OK, "discovery", "endpoint", value)
}

fn services(state: &AppState, format: Format) -> Response {
    let catalogue = state.catalogue.read().expect("catalogue lock");
    let items: Vec<Value> = catalogue
        .leaves()
        .filter(|l| l.limits.is_some())
        .map(|l| {
            let group = l
                .parent
                .as_deref()
                .and_then(|p| catalogue.category(p))
                .map(|m| m.name.clone())
                .unwrap_or_default();
            json!({
                "service_code": l.code,
                "service_name": l.name,
                "description": format!("{} / {}", l.name, l.name_en),
                "metadata": !l.attributes.is_empty(),
                "type": "realtime",
                "keywords": l.name_en,
                "group": group,
            })
        })
        .collect();
    answer(
        format,
        StatusCode::OK,
        "services",
        "service",
        Value::Array(items),
    )
}

/// GET `/open311/v2/services/{code}.{fmt}`: the service definition from the category's extra
/// attributes.
pub async fn get_service(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (code, format) = match split_format(&file) {
        Ok(x) => x,
        Err(e) => return error(Format::Json, e),
    };
    if let Err(e) = check_jurisdiction(&pairs(query.as_deref().unwrap_or(""))) {
        return error(format, e);
    }
    let catalogue = state.catalogue.read().expect("catalogue lock");
    let Some(leaf) = catalogue.leaf(code).filter(|l| l.limits.is_some()) else {
        return error(
            format,
            Open311Error::new(404, format!("service_code {code:?} not found")),
        );
    };
    let attributes: Vec<Value> = leaf
        .attributes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "variable": true,
                "code": a.code,
                "datatype": a.datatype.open311_datatype(),
                "required": a.required,
                "datatype_description": a.description,
                "order": i + 1,
                "description": a.name,
                "values": a.values.iter().map(|(k, n)| json!({"key": k, "name": n})).collect::<Vec<_>>(),
            })
        })
        .collect();
    answer(
        format,
        StatusCode::OK,
        "service_definition",
        "attribute",
        json!({"service_code": leaf.code, "attributes": attributes}),
    )
}

fn request_view(state: &AppState, c: &CaseRow) -> Value {
    let catalogue = state.catalogue.read().expect("catalogue lock");
    let status = c.status;
    let agency = c
        .department
        .as_deref()
        .and_then(|d| catalogue.department(d))
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let expected = c
        .handle_due_at
        .or(c.step_due_at)
        .filter(|_| status.is_open());
    json!({
        "service_request_id": c.id.to_string(),
        "status": status_of(status),
        "status_notes": status.name_zh(),
        "service_name": catalogue.leaf(&c.category_code).map(|l| l.name.clone()).unwrap_or_default(),
        "service_code": c.category_code,
        "description": c.description,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(c.reported_at),
        "updated_datetime": iso(c.updated_at),
        "expected_datetime": expected.map(iso),
        "address": c.address,
        "address_id": c.grid_code,
        "zipcode": Value::Null,
        "lat": c.lat,
        "long": c.lon,
        "media_url": Value::Null,
    })
}

async fn list_requests(
    state: &AppState,
    format: Format,
    q: &[(String, String)],
) -> Result<Response, Open311Error> {
    let ids: Vec<i64> = match param(q, "service_request_id") {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                Open311Error::new(400, "service_request_id: a comma-separated list of ids")
            })?,
        None => Vec::new(),
    };
    let now = now_millis();
    // With ids given, the spec ignores every other parameter.
    let (start, end) = period(q, now, 90, ids.is_empty())?;
    let statuses = match param(q, "status") {
        Some(s) => statuses_for(s).map_err(|e| Open311Error::new(400, e))?,
        None => Vec::new(),
    };
    let status_names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let rows = cases::open311_requests(
        &state.store,
        &["4501".to_string()],
        &RequestQuery {
            ids: &ids,
            category: param(q, "service_code"),
            statuses: &status_names,
            from: start,
            to: end,
            limit: 1_000,
        },
    )
    .await
    .map_err(|e| from_api(e.into()))?;
    let mut items: Vec<Value> = rows.iter().map(|c| request_view(state, c)).collect();
    add_history(
        state,
        &rows,
        &mut items,
        param(q, "extensions") == Some("true"),
    )
    .await?;
    Ok(answer(
        format,
        StatusCode::OK,
        "service_requests",
        "request",
        Value::Array(items),
    ))
}

fn update_view(e: &EventRow) -> Value {
    let status = Status::parse(&e.to_status).unwrap_or(Status::Reported);
    json!({
        "update_id": e.id.to_string(),
        "service_request_id": e.case_id.to_string(),
        "status": status_of(status),
        "external_status_code": e.to_status,
        "updated_datetime": iso(e.at),
        "description": if e.note.is_empty() { status.name_zh().to_string() } else { e.note.clone() },
        "action": e.command,
        "media_url": Value::Null,
    })
}

/// Fills `media_url` from the report (the client's own URL, else our first photo) and, with
/// `extensions=true`, each request's update history (`extended_attributes.updates`).
async fn add_history(
    state: &AppState,
    rows: &[CaseRow],
    items: &mut [Value],
    extended: bool,
) -> Result<(), Open311Error> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let events = cases::timelines(&state.store, &ids)
        .await
        .map_err(|e| from_api(e.into()))?;
    for (row, item) in rows.iter().zip(items.iter_mut()) {
        if let Some(report) = events
            .iter()
            .find(|e| e.case_id == row.id && e.command == "report")
        {
            let data: Value = serde_json::from_str(&report.data).unwrap_or_default();
            let own = data["media_url"].as_str().map(str::to_string);
            let photo = data["photos"][0]
                .as_str()
                .map(|h| format!("/api/v1/media/{h}"));
            if let Some(url) = own.or(photo) {
                item["media_url"] = json!(url);
            }
        }
        if !extended {
            continue;
        }
        let updates: Vec<Value> = events
            .iter()
            .filter(|e| e.case_id == row.id)
            .map(update_view)
            .collect();
        item["extended_attributes"] = json!({ "updates": updates });
    }
    Ok(())
}

/// `servicerequestupdates` (as FixMyStreet consumes them): timeline events since a time.
async fn updates(
    state: &AppState,
    format: Format,
    q: &[(String, String)],
) -> Result<Response, Open311Error> {
    let now = now_millis();
    let (start, end) = period(q, now, 1, true)?;
    let events = cases::events_between(&state.store, start, end, 1_000)
        .await
        .map_err(|e| from_api(e.into()))?;
    let items: Vec<Value> = events
        .iter()
        .filter(|e| e.command != "report")
        .map(update_view)
        .collect();
    Ok(answer(
        format,
        StatusCode::OK,
        "service_request_updates",
        "request_update",
        Value::Array(items),
    ))
}

/// GET `/open311/v2/requests/{id}.{fmt}` and `/open311/v2/tokens/{token}.{fmt}` (requests are
/// created at once, so a token is the request id).
pub async fn get_request(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let (id, format) = match split_format(&file) {
        Ok(x) => x,
        Err(e) => return error(Format::Json, e),
    };
    let Ok(id) = id.parse::<i64>() else {
        return error(
            format,
            Open311Error::new(404, format!("request {id:?} not found")),
        );
    };
    match cases::get_case(&state.store, id).await {
        Ok(Some(c)) => {
            let mut items = vec![request_view(&state, &c)];
            if let Err(e) = add_history(&state, std::slice::from_ref(&c), &mut items, true).await {
                return error(format, e);
            }
            answer(
                format,
                StatusCode::OK,
                "service_requests",
                "request",
                Value::Array(items),
            )
        }
        Ok(None) => error(
            format,
            Open311Error::new(404, format!("request {id} not found")),
        ),
        Err(e) => error(format, from_api(e.into())),
    }
}

pub async fn get_token(Path(file): Path<String>) -> Response {
    let (token, format) = match split_format(&file) {
        Ok(x) => x,
        Err(e) => return error(Format::Json, e),
    };
    match token.parse::<i64>() {
        Ok(id) => answer(
            format,
            StatusCode::OK,
            "service_requests",
            "request",
            json!([{"service_request_id": id.to_string(), "token": token}]),
        ),
        Err(_) => error(
            format,
            Open311Error::new(404, format!("token {token:?} not found")),
        ),
    }
}

/// The integration behind an `api_key` (an integration token).
async fn key_actor(state: &AppState, key: Option<&str>) -> Result<Actor, Open311Error> {
    let key = key.ok_or_else(|| Open311Error::new(403, "api_key is required"))?;
    let forbidden = || Open311Error::new(403, "api_key is not valid");
    let row = access::find_token(&state.store, &secret_hash(key))
        .await
        .map_err(|e| from_api(e.into()))?
        .ok_or_else(forbidden)?;
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e < now_millis()) {
        return Err(forbidden());
    }
    load_actor(state, row.user_id, Credential::Token)
        .await
        .map_err(from_api)?
        .ok_or_else(forbidden)
}

/// POST `/open311/v2/requests.{fmt}` (form-encoded).
pub async fn post_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (stem, format) = match split_format(&file) {
        Ok(x) => x,
        Err(e) => return error(Format::Json, e),
    };
    if stem != "requests" {
        return error(
            format,
            Open311Error::new(404, format!("{stem}: no such resource")),
        );
    }
    let form = pairs(&String::from_utf8_lossy(&body));
    match create(&state, &headers, &form).await {
        Ok(id) => answer(
            format,
            StatusCode::CREATED,
            "service_requests",
            "request",
            json!([{"service_request_id": id.to_string(), "service_notice": "", "account_id": param(&form, "account_id")}]),
        ),
        Err(e) => error(format, e),
    }
}

async fn create(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<i64, Open311Error> {
    check_jurisdiction(form)?;
    check_lengths(form)?;
    let actor = key_actor(state, param(form, "api_key")).await?;
    let code = param(form, "service_code")
        .ok_or_else(|| Open311Error::new(400, "service_code is required"))?;
    let leaf = state
        .catalogue
        .read()
        .expect("catalogue lock")
        .leaf(code)
        .filter(|l| l.limits.is_some())
        .cloned()
        .ok_or_else(|| Open311Error::new(404, format!("service_code {code:?} not found")))?;
    let description = param(form, "description").unwrap_or("");
    if description.chars().count() > 4_000 {
        return Err(Open311Error::new(
            400,
            "description is longer than 4,000 characters",
        ));
    }
    let number = |k: &str| -> Result<Option<f64>, Open311Error> {
        param(form, k)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| Open311Error::new(400, format!("{k}: {v:?} is not a number")))
            })
            .transpose()
    };
    let (lat, lon) = (number("lat")?, number("long")?);
    if lat.is_some() != lon.is_some() {
        return Err(Open311Error::new(400, "lat and long go together"));
    }
    let address = param(form, "address_string").unwrap_or("").to_string();
    let grid = param(form, "address_id").map(str::to_string);
    if lat.is_none() && grid.is_none() && address.is_empty() {
        return Err(Open311Error::new(
            400,
            "a location is required: lat and long, address_string or address_id",
        ));
    }
    let grid = match (lat, grid) {
        (None, None) => Some(
            tongxin_store::territory::grid_of_place(&state.store, address.trim())
                .await
                .map_err(|e| from_api(e.into()))?
                .ok_or_else(|| {
                    Open311Error::new(
                        400,
                        format!("address_string {address:?} names no building, compound or grid we know: send lat and long"),
                    )
                })?,
        ),
        (_, grid) => grid,
    };
    let attributes = attributes_from_form(form);
    check_attributes(&leaf, &attributes)?;
    let text = if description.trim().is_empty() {
        leaf.name.clone()
    } else {
        description.to_string()
    };
    let req = NewCaseRequest {
        category: code.to_string(),
        description: text,
        lon,
        lat,
        crs: param(form, "crs").map(str::to_string),
        grid_code: grid,
        address,
        channel: Some("open311".into()),
        attributes,
        media_url: param(form, "media_url").map(str::to_string),
        ..NewCaseRequest::default()
    };
    api::report(
        state,
        &crate::context::Context::new(actor.clone(), crate::access::session::request_id(headers)),
        req,
    )
    .await
    .map(|c| c.id)
    .map_err(from_api)
}
