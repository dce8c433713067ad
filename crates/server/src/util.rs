//! Small pieces every capability's routes share: cursors, pages, scope narrowing.

use crate::error::{ApiError, ApiResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use tongxin_core::access::{Action, Actor, Denial, Target, authorize};
use tongxin_core::territory::NodeCode;
use utoipa::ToSchema;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

pub fn clamp_limit(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// A list page: follow `next_cursor` (opaque) until it is absent.
#[derive(Serialize, ToSchema)]
pub struct PageOut<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> PageOut<T> {
    pub fn new(items: Vec<T>, next_key: Option<String>) -> Self {
        PageOut {
            items,
            next_cursor: next_key.map(|k| Cursor::encode(&k)),
        }
    }
}

/// A file's bytes (an XLSX workbook, an uploaded ledger), for the OpenAPI document only.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// A file a service produces for download (a CSV or XLSX table, an export): its bytes, type
/// and name. The API and the pages both answer with it as an attachment.
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub file_name: String,
}

impl axum::response::IntoResponse for Download {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{HeaderValue, header};
        let mut resp = self.bytes.into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        let disposition = format!("attachment; filename=\"{}\"", self.file_name);
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        resp
    }
}

/// What a listing service answers: the rows for JSON, or the file asked for.
pub enum Table<T> {
    Rows(T),
    File(Download),
}

impl<T: Serialize> axum::response::IntoResponse for Table<T> {
    fn into_response(self) -> axum::response::Response {
        match self {
            Table::Rows(rows) => axum::Json(rows).into_response(),
            Table::File(file) => file.into_response(),
        }
    }
}

pub struct Cursor;

impl Cursor {
    pub fn encode(key: &str) -> String {
        URL_SAFE_NO_PAD.encode(key.as_bytes())
    }

    pub fn decode(cursor: Option<&str>) -> ApiResult<Option<String>> {
        let Some(c) = cursor else { return Ok(None) };
        URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| ApiError::field("cursor", "游标无效 / invalid cursor"))
    }

    pub fn decode_i64(cursor: Option<&str>) -> ApiResult<Option<i64>> {
        match Cursor::decode(cursor)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| ApiError::field("cursor", "游标无效 / invalid cursor")),
        }
    }
}

/// The code prefixes the actor may `action` on inside `within` (or everywhere they reach).
/// A node outside every binding is answered as not found.
pub fn reach_within(actor: &Actor, action: Action, within: Option<&str>) -> ApiResult<Vec<String>> {
    let own = actor.scope_prefixes(action);
    // An empty `within=` (a form left blank) means everywhere the actor reaches.
    let Some(within) = within.filter(|w| !w.trim().is_empty()) else {
        return if own.is_empty() {
            Err(Denial::Forbidden.into())
        } else {
            Ok(own)
        };
    };
    let node = NodeCode::parse(within).map_err(|e| ApiError::field("within", e.to_string()))?;
    let w = node.scope_prefix();
    let narrowed: Vec<String> = own
        .iter()
        .filter_map(|b| {
            if b.starts_with(w) {
                Some(b.clone())
            } else if w.starts_with(b.as_str()) {
                Some(w.to_string())
            } else {
                None
            }
        })
        .collect();
    if narrowed.is_empty() {
        authorize(actor, action, Target::Node(within))?;
        return Err(ApiError::not_found());
    }
    Ok(narrowed)
}

/// The longest text a request field of this name may hold, in characters. One table for
/// every JSON body: the extractor enforces it and the OpenAPI document states it as each
/// string property's `maxLength` (fields with a tighter rule of their own say so there).
pub fn max_chars(field: &str) -> usize {
    match field {
        // A council's written charter is the longest text the platform keeps.
        "body" | "charter" => 100_000,
        "minutes" | "text" | "content" => 20_000,
        "description" | "proposal" | "summary" | "answer" | "result" => 4_000,
        "url" | "media_url" | "note" | "reason" | "comment" | "commitment" | "outcome"
        | "feedback" => 2_000,
        "address" | "name" | "title" | "display_name" | "label" | "place" | "unit" | "username"
        | "department" | "position" | "employer" | "skills" => 200,
        _ => 1_000,
    }
}

/// The first string in `value` longer than its field allows: (path, field's maximum).
fn too_long(value: &serde_json::Value, path: &str, field: &str) -> Option<(String, usize)> {
    match value {
        serde_json::Value::String(s) => {
            let max = max_chars(field);
            (s.chars().count() > max).then(|| (path.to_string(), max))
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| too_long(v, &format!("{path}[{i}]"), field)),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            too_long(v, &child, k)
        }),
        _ => None,
    }
}

/// Refuses a body with a string longer than its field's maximum, naming the field.
pub fn check_text_lengths(value: &serde_json::Value) -> ApiResult<()> {
    match too_long(value, "", "") {
        Some((path, max)) => Err(ApiError::field(
            &path,
            format!("最多 {max} 字 / at most {max} characters"),
        )),
        None => Ok(()),
    }
}

/// JSON body extractor whose rejections are problem+json naming what was wrong; every string
/// in the body is held to [`max_chars`] before the body is read into `T`.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = |detail: String| {
            ApiError::bad_request(format!(
                "请求体不是有效的 JSON 或字段不符 / body is not valid JSON for this endpoint: {detail}"
            ))
        };
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(invalid(rejection.body_text())),
        };
        check_text_lengths(&value)?;
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| invalid(e.to_string()))
    }
}

/// Query-string extractor whose rejections are problem+json.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "查询参数有误 / bad query parameters: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Every operation of the document, for the modifiers that complete it.
pub fn operations_mut(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

/// States [`max_chars`] in the OpenAPI document as the `maxLength` of every string a request
/// body holds (request schemas and the schemas they refer to), where no tighter maximum is
/// given, so the document says exactly what the extractor refuses.
pub struct TextLimits;

impl utoipa::Modify for TextLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut pending = Vec::new();
        for operation in operations_mut(openapi) {
            let Some(body) = operation.request_body.as_mut() else {
                continue;
            };
            for content in body.content.values_mut() {
                if let Some(schema) = content.schema.as_mut() {
                    limit_strings(schema, "", &mut pending);
                }
            }
        }
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let mut done = std::collections::BTreeSet::new();
        while let Some(name) = pending.pop() {
            if !done.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = components.schemas.get_mut(&name) {
                limit_strings(schema, "", &mut pending);
            }
        }
    }
}

fn limit_strings(
    schema: &mut utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    field: &str,
    refs: &mut Vec<String>,
) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                refs.push(name.to_string());
            }
        }
        RefOr::T(Schema::Object(object)) => {
            let is_string = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string && !field.is_empty() {
                object.max_length.get_or_insert(max_chars(field));
            }
            for (name, property) in object.properties.iter_mut() {
                limit_strings(property, name, refs);
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                limit_strings(items, field, refs);
            }
        }
        RefOr::T(Schema::OneOf(one)) => {
            for item in one.items.iter_mut() {
                limit_strings(item, field, refs);
            }
        }
        RefOr::T(Schema::AllOf(all)) => {
            for item in all.items.iter_mut() {
                limit_strings(item, field, refs);
            }
        }
        RefOr::T(Schema::AnyOf(any)) => {
            for item in any.items.iter_mut() {
                limit_strings(item, field, refs);
            }
        }
        RefOr::T(_) => {}
    }
}
