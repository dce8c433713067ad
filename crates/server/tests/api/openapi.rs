//! The OpenAPI document tells the truth about the server. Statically: every parameter sits
//! where the route puts it (`in: path` only for a `{name}` of the path, and every `{name}` has
//! one), every API route is documented and every documented operation is routed, and no two
//! Rust types share one component name. Against the running demo city, on every engine: every
//! documented operation is called with answers taken from the demo (ids from lists, codes from
//! the city), and each response — its status, its content type and its body — is checked
//! against what the document gives for it; so are the request bodies sent.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use tongxin_core::cases::calendar::Calendar;
use tongxin_core::cases::catalogue::Catalogue;
use tongxin_demo::DEFAULT_SEED;
use tongxin_demo::load::cases::{EnterpriseFigures, HistoryRequest, load_history};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Operations no run calls, and why. Every other documented operation must answer at least
/// once with a 2xx that matches the document.
const NOT_CALLED: &[(&str, &str)] = &[];

fn document() -> Value {
    serde_json::to_value(tongxin_server::openapi()).unwrap()
}

/// The `{name}`s of a path template, in order.
fn template_names(template: &str) -> Vec<String> {
    template
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((m.to_string(), template.clone(), op));
            }
        }
    }
    out
}

#[test]
fn parameters_sit_where_the_route_puts_them() {
    let doc = document();
    let mut wrong = Vec::new();
    for (method, template, op) in operations(&doc) {
        let names = template_names(&template);
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let mut seen = BTreeSet::new();
        for p in &params {
            let name = p["name"].as_str().unwrap_or_default();
            let place = p["in"].as_str().unwrap_or_default();
            if !seen.insert((name.to_string(), place.to_string())) {
                wrong.push(format!("{method} {template}: parameter {name} twice"));
            }
            match place {
                "path" => {
                    if !names.iter().any(|n| n == name) {
                        wrong.push(format!(
                            "{method} {template}: `{name}` is declared in: path but the path has no {{{name}}}"
                        ));
                    }
                    if p["required"] != true {
                        wrong.push(format!(
                            "{method} {template}: path parameter {name} not required"
                        ));
                    }
                }
                "query" | "header" | "cookie" => {}
                other => wrong.push(format!("{method} {template}: {name} in {other:?}")),
            }
        }
        for n in &names {
            if !params
                .iter()
                .any(|p| p["in"] == "path" && p["name"] == n.as_str())
            {
                wrong.push(format!(
                    "{method} {template}: {{{n}}} has no path parameter"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The handlers every capability's `routes::api()` registers, read from `src/*/routes.rs`;
/// refuses a plain axum `.route(` there (it would serve a path the document does not show)
/// and any `/api/` route declared in lib.rs outside the capability routers.
fn declared_handlers() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(
        !lib.contains(".route(\"/api/"),
        "lib.rs declares an API route itself instead of merging a capability's routes::api()"
    );
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let routes = entry.unwrap().path().join("routes.rs");
        let Ok(text) = std::fs::read_to_string(&routes) else {
            continue;
        };
        let Some(start) = text.find("pub fn api()") else {
            continue;
        };
        let body = &text[start..start + text[start..].find("\n}").unwrap()];
        assert!(
            !body.contains(".route("),
            "{}: api() registers a route without its OpenAPI path",
            routes.display()
        );
        let mut rest = body;
        while let Some(i) = rest.find("routes!(") {
            rest = &rest[i + "routes!(".len()..];
            let close = rest.find(')').unwrap();
            out.extend(rest[..close].split(',').map(|h| h.trim().to_string()));
            rest = &rest[close..];
        }
    }
    out
}

#[test]
fn operation_ids_are_unique() {
    let doc = document();
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (method, template, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        seen.entry(id)
            .or_default()
            .push(format!("{method} {template}"));
    }
    let twice: Vec<_> = seen.iter().filter(|(_, ops)| ops.len() > 1).collect();
    assert!(
        twice.is_empty(),
        "operationId used more than once: {twice:?}"
    );
}

#[test]
fn every_api_route_is_documented_and_every_documented_operation_routed() {
    let documented = operations(&document()).len();
    let handlers = declared_handlers();
    assert!(
        handlers.len() > 100,
        "routes.rs read: {} handlers",
        handlers.len()
    );
    let distinct: BTreeSet<&String> = handlers.iter().collect();
    assert_eq!(distinct.len(), handlers.len(), "a handler registered twice");
    // One operation per registered handler: a handler without `#[utoipa::path]` does not
    // compile in `routes!`, and the walk below calls every documented operation.
    assert_eq!(
        documented,
        handlers.len(),
        "documented operations vs registered handlers"
    );
}

/// Component name → the Rust types (file::Type) deriving `ToSchema` under it.
fn schema_names() -> BTreeMap<String, Vec<String>> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, Vec<String>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = src.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let t = line.trim();
                if !(t.starts_with("#[derive(") && t.contains("ToSchema")) {
                    continue;
                }
                let mut alias = None;
                for next in &lines[i + 1..] {
                    let n = next.trim();
                    if let Some(a) = n
                        .strip_prefix("#[schema(as = ")
                        .and_then(|a| a.split([')', ',']).next())
                    {
                        alias = Some(a.trim().to_string());
                    }
                    let decl = n
                        .strip_prefix("pub ")
                        .unwrap_or(n)
                        .strip_prefix("struct ")
                        .or_else(|| n.strip_prefix("pub ").unwrap_or(n).strip_prefix("enum "));
                    if let Some(d) = decl {
                        let ident: String = d
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        let name = alias.take().unwrap_or_else(|| ident.clone());
                        let file = path.display().to_string();
                        out.entry(name)
                            .or_default()
                            .push(format!("{file}::{ident}"));
                        break;
                    }
                    if !(n.starts_with("#[") || n.starts_with("///") || n.is_empty()) {
                        break;
                    }
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[test]
fn no_two_types_share_a_component_name() {
    let names = schema_names();
    assert!(names.len() > 100, "types read: {}", names.len());
    let shared: Vec<String> = names
        .iter()
        .filter(|(_, types)| types.len() > 1)
        .map(|(name, types)| format!("{name}: {}", types.join(", ")))
        .collect();
    assert!(
        shared.is_empty(),
        "one component name for several types (one overwrites the other in the document):\n{}",
        shared.join("\n")
    );
    // And what the document holds is what the types say: each component named for one type.
    let doc = document();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        let base = name.split('_').next().unwrap();
        assert!(
            names.contains_key(base) || names.contains_key(name.as_str()),
            "component {name} belongs to no ToSchema type of the server"
        );
    }
}

// --- The document against the running demo -------------------------------------------------

/// Schemas of the document, ready to validate with: `#/components/schemas/X` becomes
/// `#/$defs/X` inside one JSON Schema 2020-12 document per response.
struct Contract {
    doc: Value,
    /// The component schemas as documented (requests are checked against these).
    defs: Value,
    /// The same, with every object closed to undocumented members (responses are checked
    /// against these: a member the server sends must be in the document).
    closed_defs: Value,
    validators: HashMap<String, jsonschema::Validator>,
    /// "get /api/v1/x" → statuses answered and validated.
    answered: BTreeMap<String, BTreeSet<u16>>,
    failures: Vec<String>,
    checked: usize,
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                *r = format!("#/$defs/{name}");
            }
            for x in m.values_mut() {
                rewrite_refs(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// Objects with documented `properties` and no word on others admit no other member: the
/// composition keywords (`allOf`, which the server's schemas use only for flattened request
/// bodies) are closed with `unevaluatedProperties` at the composition instead.
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let composed = m.contains_key("allOf");
            if (m.contains_key("properties") || composed)
                && !m.contains_key("additionalProperties")
                && !m.contains_key("unevaluatedProperties")
            {
                let key = if composed {
                    "unevaluatedProperties"
                } else {
                    "additionalProperties"
                };
                m.insert(key.into(), Value::Bool(false));
            }
            for (k, x) in m.iter_mut() {
                if k == "allOf" {
                    // The members are open: the composition closes them together.
                    for member in x.as_array_mut().into_iter().flatten() {
                        if let Some(props) = member.get_mut("properties") {
                            props
                                .as_object_mut()
                                .into_iter()
                                .flatten()
                                .for_each(|(_, p)| close_objects(p));
                        }
                    }
                } else if k == "properties" {
                    x.as_object_mut()
                        .into_iter()
                        .flatten()
                        .for_each(|(_, p)| close_objects(p));
                } else {
                    close_objects(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(close_objects),
        _ => {}
    }
}

fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a documented media range (`image/*`, `*/*` or exact) covers `media`.
fn media_matches(range: &str, media: &str) -> bool {
    match range.strip_suffix("/*") {
        Some("*") => true,
        Some(kind) => media.split('/').next() == Some(kind),
        None => range == media,
    }
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

impl Contract {
    fn new(doc: Value) -> Self {
        let mut defs = doc["components"]["schemas"].clone();
        rewrite_refs(&mut defs);
        let mut closed_defs = defs.clone();
        for schema in closed_defs.as_object_mut().unwrap().values_mut() {
            close_objects(schema);
        }
        Contract {
            doc,
            defs,
            closed_defs,
            validators: HashMap::new(),
            answered: BTreeMap::new(),
            failures: Vec::new(),
            checked: 0,
        }
    }

    /// The documented template a concrete path falls under: literal segments must match,
    /// and the template with the most literal segments wins (`/cases/nearby` over
    /// `/cases/{id}`).
    fn template_for(&self, path: &str) -> Option<String> {
        let segs: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, &String)> = None;
        for t in self.doc["paths"].as_object().unwrap().keys() {
            let ts: Vec<&str> = t.split('/').collect();
            if ts.len() != segs.len() {
                continue;
            }
            let mut literal = 0;
            let fits = ts.iter().zip(&segs).all(|(a, b)| {
                if a.starts_with('{') {
                    true
                } else {
                    literal += 1;
                    a == b
                }
            });
            if fits && best.is_none_or(|(n, _)| literal > n) {
                best = Some((literal, t));
            }
        }
        best.map(|(_, t)| t.clone())
    }

    fn fail(&mut self, what: String) {
        eprintln!("MISMATCH {what}");
        self.failures.push(what);
    }

    /// Validates `instance` against `schema` (a schema of the document); `None` if it fits.
    /// Responses are checked closed (see [`close_objects`]), requests as documented.
    fn invalid(
        &mut self,
        key: &str,
        schema: &Value,
        instance: &Value,
        closed: bool,
    ) -> Option<String> {
        if !self.validators.contains_key(key) {
            let mut s = schema.clone();
            rewrite_refs(&mut s);
            if closed {
                close_objects(&mut s);
            }
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": if closed { &self.closed_defs } else { &self.defs },
                "allOf": [s],
            });
            let v = jsonschema::draft202012::new(&root)
                .unwrap_or_else(|e| panic!("{key}: the document's schema does not compile: {e}"));
            self.validators.insert(key.to_string(), v);
        }
        let errors: Vec<String> = self.validators[key]
            .iter_errors(instance)
            .take(5)
            .map(|e| {
                let text: String = e.to_string().chars().take(200).collect();
                format!("at {:?}: {text}", e.instance_path().as_str())
            })
            .collect();
        (!errors.is_empty()).then(|| errors.join("; "))
    }

    /// Checks one exchange against the document: the operation and status documented, the
    /// content type one the document gives, a JSON body valid against its schema; and a JSON
    /// request body valid against the documented request schema.
    fn check(&mut self, method: &Method, url: &str, sent: Option<&Value>, reply: &Reply) {
        let m = method.as_str().to_ascii_lowercase();
        let path = url.split('?').next().unwrap();
        let Some(template) = self.template_for(path) else {
            return self.fail(format!("{m} {path}: no such path in the document"));
        };
        let op_key = format!("{m} {template}");
        let Some(op) = self.doc["paths"][&template].get(&m).cloned() else {
            return self.fail(format!("{op_key}: no such operation in the document"));
        };
        self.checked += 1;
        let status = reply.status;
        if let (Some(body), true) = (sent, (200..300).contains(&status)) {
            match op["requestBody"]["content"]["application/json"].get("schema") {
                Some(schema) => {
                    if let Some(e) = self.invalid(&format!("{op_key} request"), schema, body, false)
                    {
                        self.fail(format!(
                            "{op_key}: the body the server accepted is not what the document asks for: {e}; sent {body}"
                        ));
                    }
                }
                None => self.fail(format!(
                    "{op_key}: a JSON body was accepted but none is documented"
                )),
            }
        }
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let Some(resp) = op["responses"]
            .get(&code)
            .or_else(|| op["responses"].get(&range))
            .or_else(|| op["responses"].get("default"))
            .cloned()
        else {
            return self.fail(format!(
                "{op_key}: status {status} is not documented (documented: {:?}); body {}",
                op["responses"]
                    .as_object()
                    .map(|o| o.keys().collect::<Vec<_>>()),
                reply.text.chars().take(300).collect::<String>()
            ));
        };
        self.answered
            .entry(op_key.clone())
            .or_default()
            .insert(status);
        let media = essence(reply.content_type());
        let Some(content) = resp.get("content").and_then(Value::as_object) else {
            if !reply.text.is_empty() {
                self.fail(format!(
                    "{op_key} {status}: the document gives no body, the server sent {media}: {}",
                    reply.text.chars().take(200).collect::<String>()
                ));
            }
            return;
        };
        let Some((documented, entry)) = content
            .iter()
            .find(|(k, _)| media_matches(&essence(k), &media))
            .map(|(k, v)| (k.clone(), v.clone()))
        else {
            return self.fail(format!(
                "{op_key} {status}: content type {media:?} is not among the documented {:?}",
                content.keys().collect::<Vec<_>>()
            ));
        };
        if !is_json(&media) {
            return;
        }
        let body: Value = match serde_json::from_str(&reply.text) {
            Ok(v) => v,
            Err(e) => {
                return self.fail(format!("{op_key} {status}: {media} body is not JSON: {e}"));
            }
        };
        let Some(schema) = entry.get("schema") else {
            return self.fail(format!(
                "{op_key} {status} {documented}: no schema documented"
            ));
        };
        if let Some(e) = self.invalid(
            &format!("{op_key} {status} {documented}"),
            schema,
            &body,
            true,
        ) {
            let shown: String = body.to_string().chars().take(400).collect();
            self.fail(format!(
                "{op_key} {status}: the body does not match the documented schema: {e}; body {shown}"
            ));
        }
    }
}

/// The app and the document, exchange by exchange.
struct Walk<'a> {
    app: &'a App,
    c: Contract,
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

impl Walk<'_> {
    async fn call(
        &mut self,
        auth: &Auth,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut rb = self.app.req(auth, method.clone(), path);
        if let Some(b) = &body {
            rb = rb.json(b);
        }
        let r = send(rb).await;
        self.c.check(&method, path, body.as_ref(), &r);
        r
    }

    async fn raw(
        &mut self,
        auth: &Auth,
        method: Method,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let rb = self
            .app
            .req(auth, method.clone(), path)
            .header("content-type", content_type)
            .body(bytes);
        let r = send(rb).await;
        self.c.check(&method, path, None, &r);
        r
    }

    /// Expects a 2xx: returns its JSON body (`Null` when there is none, or on failure, which
    /// is recorded).
    async fn ok(&mut self, auth: &Auth, method: Method, path: &str, body: Option<Value>) -> Value {
        let r = self.call(auth, method.clone(), path, body.clone()).await;
        if !(200..300).contains(&r.status) {
            let sent = body.map(|b| format!(" (sent {b})")).unwrap_or_default();
            self.c.fail(format!(
                "{method} {path}{sent}: expected success, got {} {}",
                r.status,
                short(&r.text)
            ));
            return Value::Null;
        }
        serde_json::from_str(&r.text).unwrap_or(Value::Null)
    }

    async fn get(&mut self, auth: &Auth, path: &str) -> Value {
        self.ok(auth, Method::GET, path, None).await
    }

    async fn post(&mut self, auth: &Auth, path: &str, body: Value) -> Value {
        self.ok(auth, Method::POST, path, Some(body)).await
    }

    /// A POST without a body.
    async fn act(&mut self, auth: &Auth, path: &str) -> Value {
        self.ok(auth, Method::POST, path, None).await
    }

    async fn put(&mut self, auth: &Auth, path: &str, body: Value) -> Value {
        self.ok(auth, Method::PUT, path, Some(body)).await
    }

    async fn patch(&mut self, auth: &Auth, path: &str, body: Value) -> Value {
        self.ok(auth, Method::PATCH, path, Some(body)).await
    }

    async fn delete(&mut self, auth: &Auth, path: &str) -> Value {
        self.ok(auth, Method::DELETE, path, None).await
    }

    /// Expects this (error) status, documented like any other.
    async fn refused(
        &mut self,
        auth: &Auth,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) {
        let r = self.call(auth, method.clone(), path, body).await;
        if r.status != status {
            self.c.fail(format!(
                "{method} {path}: expected {status}, got {} {}",
                r.status,
                short(&r.text)
            ));
        }
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or(0)
}

/// The rest of the demo on top of the city: people, a year of cases, disclosure, councils and
/// deliberation.
async fn load_demo(app: &App) {
    crate::common::with_people(app).await;
    let calendar = Calendar::builtin();
    load_history(
        app.store(),
        &HistoryRequest {
            city: &app.city,
            catalogue: &Catalogue::seed(),
            calendar: &calendar,
            cases: 300,
            seed: DEFAULT_SEED,
            figures: EnterpriseFigures::SMALL,
            password_hash: "x",
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{}: cases: {e}", app.label));
    let hash = tongxin_server::access::password::hash_password(PASSWORD).unwrap();
    tongxin_demo::load::disclosure::load(app.store(), &app.city, DEFAULT_SEED, &hash)
        .await
        .unwrap_or_else(|e| panic!("{}: disclosure: {e}", app.label));
    tongxin_demo::load::councils::load_councils(app.store(), DEFAULT_SEED)
        .await
        .unwrap_or_else(|e| panic!("{}: councils: {e}", app.label));
    tongxin_demo::load::sessions::load_sessions(
        app.store(),
        &calendar,
        DEFAULT_SEED,
        tongxin_store::now_millis(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: deliberation: {e}", app.label));
}

#[tokio::test]
async fn every_documented_response_of_the_demo_matches_the_document() {
    for app in apps().await {
        load_demo(&app).await;
        let doc = app
            .get(&Auth::None, "/api/v1/openapi.json")
            .await
            .expect(200);
        assert_eq!(doc, document(), "the served document is ApiDoc's");
        let mut w = Walk {
            app: &app,
            c: Contract::new(doc),
        };
        let c = cast(&app).await;
        walk_access_and_territory(&mut w, &c).await;
        let found = walk_people(&mut w, &c).await;
        walk_cases(&mut w, &c, &found).await;
        walk_deliberation(&mut w, &c).await;
        walk_councils(&mut w, &c).await;
        walk_disclosure_map_and_webhooks(&mut w, &c).await;

        let c = w.c;
        let mut missing = Vec::new();
        let mut total = 0;
        for (method, template, _) in operations(&c.doc) {
            total += 1;
            let key = format!("{method} {template}");
            let answered = c
                .answered
                .get(&key)
                .is_some_and(|s| s.iter().any(|s| (200..300).contains(s)));
            let excused = NOT_CALLED.iter().any(|(k, _)| *k == key);
            if !answered && !excused {
                missing.push(key);
            }
        }
        eprintln!(
            "{}: {} exchanges checked; {} of {total} operations answered with a documented success",
            app.label,
            c.checked,
            c.answered
                .values()
                .filter(|s| s.iter().any(|s| (200..300).contains(s)))
                .count()
        );
        if !missing.is_empty() {
            eprintln!("{}: never answered with success: {missing:#?}", app.label);
        }
        assert!(
            c.failures.is_empty(),
            "{}: {} exchanges disagree with the document:\n{}",
            app.label,
            c.failures.len(),
            c.failures.join("\n")
        );
        assert!(
            missing.is_empty(),
            "{}: documented operations never called with success (call them, or say why in NOT_CALLED): {missing:#?}",
            app.label
        );
        app.cleanup().await;
    }
}

/// Who calls, and where: the sample resident's community (it has councils), its first grid.
struct Cast {
    community: String,
    grid: String,
    street: String,
    district: String,
    admin: Session,
    auditor: Session,
    staff: Session,
    worker: Session,
    resident: Session,
    handler: Session,
}

async fn cast(app: &App) -> Cast {
    let community = app
        .city
        .accounts
        .iter()
        .find(|a| a.role == "resident")
        .map(|a| a.node_code[..12].to_string())
        .expect("a sample resident");
    let grid = format!("{community}001");
    Cast {
        street: community[..9].to_string(),
        district: community[..6].to_string(),
        admin: app.login("admin").await,
        auditor: app.login("auditor").await,
        staff: app.login(&format!("c{community}")).await,
        worker: app.login(&format!("g{grid}-1")).await,
        resident: app.login(&format!("r{grid}")).await,
        handler: app.login(&format!("h{}", &community[..6])).await,
        community,
        grid,
    }
}

async fn walk_access_and_territory(w: &mut Walk<'_>, c: &Cast) {
    let login = "/api/v1/auth/login";
    w.post(
        &Auth::None,
        login,
        json!({"username": "admin", "password": PASSWORD}),
    )
    .await;
    w.refused(
        &Auth::None,
        Method::POST,
        login,
        Some(json!({"username": "admin", "password": "wrong"})),
        401,
    )
    .await;
    for who in [
        &c.admin,
        &c.auditor,
        &c.staff,
        &c.worker,
        &c.resident,
        &c.handler,
    ] {
        w.get(&who.auth(), "/api/v1/auth/me").await;
    }
    w.refused(&Auth::None, Method::GET, "/api/v1/auth/me", None, 401)
        .await;
    let leaving = w.app.login("auditor").await;
    w.act(&leaving.auth(), "/api/v1/auth/logout").await;

    let admin = c.admin.auth();
    w.get(&admin, "/api/v1/users").await;
    w.get(
        &admin,
        &format!("/api/v1/users?within={}&limit=5", c.community),
    )
    .await;
    let user = w
        .post(&admin, "/api/v1/users", json!({"username": "openapi-user", "display_name": "接口核对", "password": PASSWORD, "roles": [{"role": "resident", "node": c.grid}]}))
        .await;
    let uid = id(&user);
    w.act(&admin, &format!("/api/v1/users/{uid}/disable")).await;
    w.act(&admin, &format!("/api/v1/users/{uid}/enable")).await;
    let newcomer = w.app.login("openapi-user").await;
    w.post(
        &newcomer.auth(),
        "/api/v1/auth/password",
        json!({"current_password": PASSWORD, "new_password": "a-new-long-secret"}),
    )
    .await;
    let token = w
        .post(
            &admin,
            "/api/v1/tokens",
            json!({"user_id": c.admin.user_id, "name": "openapi", "expires_in_days": 1}),
        )
        .await;
    if let Some(secret) = token["token"].as_str() {
        w.get(&Auth::Bearer(secret.to_string()), "/api/v1/auth/me")
            .await;
    }
    w.delete(&admin, &format!("/api/v1/tokens/{}", id(&token)))
        .await;

    w.get(&admin, "/api/v1/divisions").await;
    w.get(&admin, &format!("/api/v1/divisions?parent={}", c.district))
        .await;
    w.get(
        &admin,
        &format!("/api/v1/divisions/{}?geometry=true", c.district),
    )
    .await;
    w.get(
        &c.staff.auth(),
        &format!("/api/v1/divisions/{}", c.community),
    )
    .await;
    w.refused(
        &admin,
        Method::GET,
        "/api/v1/divisions/450199999999",
        None,
        404,
    )
    .await;
    w.post(&admin, "/api/v1/divisions", json!({"code": format!("{}990", c.street), "name": "接口核对社区", "kind": "community", "parent_code": c.street}))
        .await;
    w.get(&admin, "/api/v1/grids").await;
    w.get(
        &c.staff.auth(),
        &format!("/api/v1/grids?within={}&limit=3", c.community),
    )
    .await;
    w.get(
        &c.worker.auth(),
        &format!("/api/v1/grids/{}?geometry=true", c.grid),
    )
    .await;
    let export = w
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/grids/export?within={}", c.community),
            None,
        )
        .await;
    w.raw(
        &admin,
        Method::POST,
        "/api/v1/grids/import?dry_run=true",
        "application/geo+json",
        export.text.into_bytes(),
    )
    .await;
    let [lon, lat] = interior_point(&w.app.grid_ring(&c.grid));
    w.get(
        &c.worker.auth(),
        &format!("/api/v1/locate?lon={lon}&lat={lat}"),
    )
    .await;
    w.refused(
        &c.worker.auth(),
        Method::GET,
        "/api/v1/locate?lon=x&lat=1",
        None,
        422,
    )
    .await;
    let staff = c.staff.auth();
    let compound = w
        .post(&staff, "/api/v1/compounds", json!({"community_code": c.community, "grid_code": c.grid, "name": "接口核对小区", "households": 120}))
        .await;
    w.get(&staff, &format!("/api/v1/compounds?within={}", c.community))
        .await;
    w.post(&staff, "/api/v1/buildings", json!({"community_code": c.community, "compound_id": id(&compound), "name": "1栋", "lon": lon, "lat": lat, "floors": 6, "households": 24}))
        .await;
    w.get(
        &staff,
        &format!("/api/v1/buildings?within={}&limit=5", c.community),
    )
    .await;

    w.get(&admin, "/api/v1/audit?limit=20").await;
    w.get(&c.auditor.auth(), "/api/v1/audit?limit=5").await;
    w.refused(&c.resident.auth(), Method::GET, "/api/v1/audit", None, 403)
        .await;
}

/// What the later walks need from the earlier ones.
#[derive(Default)]
struct Found {
    organisation_id: i64,
}

async fn walk_people(w: &mut Walk<'_>, c: &Cast) -> Found {
    let worker = c.worker.auth();
    let staff = c.staff.auth();
    let citizen = tongxin_core::people::CitizenId::compose("450103", 19_800_101, 77);
    let created = w
        .post(&worker, "/api/v1/residents", json!({"name": "接口核对", "citizen_id": citizen, "phone": "13877005678", "grid_code": c.grid, "tags": ["独居老人"], "unit": "1单元", "room": "101"}))
        .await;
    let rid = id(&created);
    w.get(&worker, &format!("/api/v1/residents/{rid}")).await;
    w.refused(
        &worker,
        Method::GET,
        "/api/v1/residents/999999999",
        None,
        404,
    )
    .await;
    w.patch(
        &worker,
        &format!("/api/v1/residents/{rid}"),
        json!({"phone": "13877009999"}),
    )
    .await;
    w.post(
        &worker,
        &format!("/api/v1/residents/{rid}/reveal"),
        json!({"reason": "入户走访核对"}),
    )
    .await;
    let household = w
        .post(&worker, "/api/v1/households", json!({"grid_code": c.grid, "address": "民族大道1号2栋", "unit": "2单元", "room": "501"}))
        .await;
    let hid = id(&household);
    w.post(
        &worker,
        &format!("/api/v1/residents/{rid}/move"),
        json!({"household_id": hid, "reason": "换房"}),
    )
    .await;
    w.get(&worker, &format!("/api/v1/households/{hid}")).await;
    w.post(
        &worker,
        &format!("/api/v1/households/{hid}/head"),
        json!({"resident_id": rid}),
    )
    .await;
    w.get(&worker, &format!("/api/v1/residents/{rid}/history"))
        .await;
    let found = w
        .post(
            &staff,
            "/api/v1/residents/search",
            json!({"within": c.community, "limit": 5}),
        )
        .await;
    if let Some(first) = found["items"].as_array().and_then(|a| a.first()) {
        w.get(&staff, &format!("/api/v1/residents/{}", id(first)))
            .await;
    }

    let orgs = w
        .get(
            &staff,
            &format!("/api/v1/organisations?within={}&limit=5", c.community),
        )
        .await;
    if let Some(first) = orgs["items"].as_array().and_then(|a| a.first()) {
        w.get(&staff, &format!("/api/v1/organisations/{}", id(first)))
            .await;
    }
    let [lon, lat] = interior_point(&w.app.grid_ring(&c.grid));
    let org = w
        .post(&staff, "/api/v1/organisations", json!({"name": "接口核对制造有限公司", "kind": "enterprise", "community_code": c.community, "lon": lon, "lat": lat, "contact_name": "陈经理", "contact_phone": "13600001111", "registered": true}))
        .await;

    let tree = w
        .get(
            &staff,
            &format!("/api/v1/party-orgs?within={}", c.community),
        )
        .await;
    let root = match tree
        .as_array()
        .and_then(|a| a.iter().find(|o| o["parent_id"].is_null()))
    {
        Some(root) => id(root),
        None => id(&w
            .post(&staff, "/api/v1/party-orgs", json!({"kind": "big_committee", "name": "接口核对大党委", "community_code": c.community}))
            .await),
    };
    let branch = w
        .post(&staff, "/api/v1/party-orgs", json!({"kind": "grid_branch", "name": "接口核对网格党支部", "community_code": c.community, "grid_code": c.grid, "parent_id": root}))
        .await;
    w.post(
        &staff,
        "/api/v1/party-members",
        json!({"resident_id": rid, "org_id": id(&branch), "in_service": true}),
    )
    .await;
    w.get(
        &staff,
        &format!("/api/v1/party-orgs/{}/members", id(&branch)),
    )
    .await;

    for kind in ["residents", "buildings", "organisations"] {
        for format in ["csv", "xlsx"] {
            let t = w
                .call(
                    &staff,
                    Method::GET,
                    &format!("/api/v1/ledgers/{kind}/template?format={format}"),
                    None,
                )
                .await;
            if format == "csv" {
                w.raw(
                    &staff,
                    Method::POST,
                    &format!("/api/v1/ledgers/{kind}/import?dry_run=true&filename=t.csv"),
                    "application/octet-stream",
                    t.text.into_bytes(),
                )
                .await;
            }
            w.call(
                &staff,
                Method::GET,
                &format!(
                    "/api/v1/ledgers/{kind}/export?within={}&format={format}",
                    c.community
                ),
                None,
            )
            .await;
        }
    }
    Found {
        organisation_id: id(&org),
    }
}

/// A tiny PNG.
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 16, y as u8 * 16, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn walk_cases(w: &mut Walk<'_>, c: &Cast, f: &Found) {
    let admin = c.admin.auth();
    let staff = c.staff.auth();
    let worker = c.worker.auth();
    let categories = w.get(&worker, "/api/v1/case-categories").await;
    let leaf = Catalogue::seed().leaves().next().unwrap().code.clone();
    if let Some(code) = categories[0]["code"].as_str() {
        let whole = w
            .get(&admin, &format!("/api/v1/case-categories/{code}"))
            .await;
        w.put(&admin, &format!("/api/v1/case-categories/{code}"), whole)
            .await;
    }
    w.get(&worker, "/api/v1/calendar/2026").await;
    w.raw(
        &admin,
        Method::PUT,
        "/api/v1/calendar/2027",
        "text/plain",
        b"year 2027\nholiday 2027-01-01 \xe5\x85\x83\xe6\x97\xa6\n".to_vec(),
    )
    .await;
    let rules = w.get(&admin, "/api/v1/warnings/rules").await;
    w.put(&admin, "/api/v1/warnings/rules", rules).await;

    let [lon, lat] = interior_point(&w.app.grid_ring(&c.grid));
    let case = w
        .post(&worker, "/api/v1/cases", json!({"category": leaf, "description": "小区门口垃圾堆积", "lon": lon, "lat": lat, "address": "民族大道 1 号"}))
        .await;
    let cid = id(&case);
    w.refused(
        &worker,
        Method::POST,
        "/api/v1/cases",
        Some(json!({"category": "nope", "description": "x", "lon": lon, "lat": lat})),
        422,
    )
    .await;
    w.get(&worker, &format!("/api/v1/cases/{cid}")).await;
    w.refused(&worker, Method::GET, "/api/v1/cases/999999999", None, 404)
        .await;
    w.get(
        &staff,
        &format!("/api/v1/cases?within={}&limit=5", c.community),
    )
    .await;
    w.get(&admin, "/api/v1/cases?status=closed&limit=3").await;
    w.get(
        &worker,
        &format!("/api/v1/cases/nearby?category={leaf}&lon={lon}&lat={lat}"),
    )
    .await;
    w.post(
        &c.resident.auth(),
        &format!("/api/v1/cases/{cid}/support"),
        json!({"note": "我也遇到"}),
    )
    .await;
    w.post(
        &staff,
        &format!("/api/v1/cases/{cid}/actions"),
        json!({"action": "file", "note": "属实"}),
    )
    .await;
    w.post(
        &staff,
        &format!("/api/v1/cases/{cid}/reveal"),
        json!({"reason": "核实反映人所述"}),
    )
    .await;

    // Deadline warnings, as the housekeeping writes them, for a month from now.
    tongxin_server::cases::warnings::scan_deadlines(
        w.app.store(),
        tongxin_store::now_millis() + 30 * 86_400_000,
    )
    .await
    .unwrap();
    for who in [&c.handler, &c.worker, &c.staff] {
        let page = w.get(&who.auth(), "/api/v1/notifications?limit=5").await;
        if let Some(n) = page["items"].as_array().and_then(|a| a.first()) {
            w.act(
                &who.auth(),
                &format!("/api/v1/notifications/{}/read", id(n)),
            )
            .await;
        }
    }
    w.get(&worker, "/api/v1/notifications?unread=true").await;

    for format in ["", "&format=csv", "&format=xlsx"] {
        w.call(
            &admin,
            Method::GET,
            &format!("/api/v1/indicators?within={}{format}", c.district),
            None,
        )
        .await;
        w.call(
            &admin,
            Method::GET,
            &format!(
                "/api/v1/indicators/breakdown?within={}&by=category{format}",
                c.district
            ),
            None,
        )
        .await;
    }
    let assignments = w.get(&admin, "/api/v1/commissioners/assignments").await;
    if let Some(a) = assignments.as_array().and_then(|a| a.first()) {
        w.post(&admin, "/api/v1/commissioners/assignments", json!({"commissioner_id": a["commissioner_id"], "organisation_id": f.organisation_id, "from_date": "2026-01-01"}))
            .await;
    }
    w.get(&admin, "/api/v1/enterprise/summary").await;

    let patrol = w.post(&worker, "/api/v1/patrols", json!({})).await;
    let pid = id(&patrol);
    w.post(
        &worker,
        &format!("/api/v1/patrols/{pid}/points"),
        json!({"points": [{"lon": lon, "lat": lat}, {"lon": lon + 0.0005, "lat": lat}]}),
    )
    .await;
    w.act(&worker, &format!("/api/v1/patrols/{pid}/end")).await;
    w.get(
        &staff,
        &format!("/api/v1/patrols/coverage?within={}", c.community),
    )
    .await;

    let media = w
        .raw(
            &worker,
            Method::POST,
            "/api/v1/media",
            "application/octet-stream",
            png(),
        )
        .await;
    if let Some(hash) = serde_json::from_str::<Value>(&media.text)
        .ok()
        .and_then(|m| m["hash"].as_str().map(str::to_string))
    {
        w.post(&worker, "/api/v1/cases", json!({"category": leaf, "description": "有照片", "lon": lon, "lat": lat, "photos": [hash]}))
            .await;
        w.call(&worker, Method::GET, &format!("/api/v1/media/{hash}"), None)
            .await;
        w.call(
            &worker,
            Method::GET,
            &format!("/api/v1/media/{hash}/thumbnail"),
            None,
        )
        .await;
    }
}

async fn walk_deliberation(w: &mut Walk<'_>, c: &Cast) {
    let staff = c.staff.auth();
    let resident = c.resident.auth();
    let code = &c.community;
    let schedule = format!("/api/v1/communities/{code}/session-schedule");
    w.get(&staff, &schedule).await;
    w.put(&staff, &schedule, json!({"pattern": "fourth_days", "holiday_rule": "next_working_day", "start_minute": 900, "duration_minutes": 90, "place": "社区议事厅"}))
        .await;
    w.post(
        &staff,
        &format!("/api/v1/communities/{code}/sessions/plan"),
        json!({}),
    )
    .await;
    let now = tongxin_store::now_millis();
    let day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    const DAY: i64 = 86_400_000;
    w.get(&resident, &format!("/api/v1/communities/{code}/sessions"))
        .await;
    let sessions = w
        .get(
            &resident,
            &format!(
                "/api/v1/communities/{code}/sessions?from={}&to={}",
                day(now - 300 * DAY),
                day(now + 60 * DAY)
            ),
        )
        .await;
    w.refused(
        &resident,
        Method::GET,
        &format!("/api/v1/communities/{code}/sessions?from=2020-01-01&to=2027-12-31"),
        None,
        422,
    )
    .await;
    let list = sessions.as_array().cloned().unwrap_or_default();
    if let Some(s) = list
        .iter()
        .rev()
        .find(|s| s["starts_at"].as_i64().is_some_and(|t| t < now))
    {
        w.get(&resident, &format!("/api/v1/sessions/{}", id(s)))
            .await;
        w.post(&staff, &format!("/api/v1/sessions/{}/record", id(s)), json!({"residents_present": 23, "minutes": "议定事项三件", "attendees": [{"kind": "police", "name": "李警官", "unit": "派出所"}]}))
            .await;
    }
    if let Some(s) = list
        .iter()
        .find(|s| s["starts_at"].as_i64().is_some_and(|t| t > now))
    {
        w.get(&staff, &format!("/api/v1/sessions/{}", id(s))).await;
        w.refused(
            &staff,
            Method::POST,
            &format!("/api/v1/sessions/{}/record", id(s)),
            Some(json!({"residents_present": 1, "minutes": "x"})),
            409,
        )
        .await;
    }

    let item = w
        .post(&resident, "/api/v1/session-items", json!({"community_code": code, "title": "楼道灯坏了", "description": "3 栋 2 单元楼道灯不亮", "topic_area": "safety"}))
        .await;
    let iid = id(&item);
    w.get(
        &resident,
        &format!("/api/v1/session-items?community={code}"),
    )
    .await;
    w.get(
        &staff,
        &format!("/api/v1/session-items?community={code}&status=done&limit=5"),
    )
    .await;
    w.get(&resident, &format!("/api/v1/session-items/{iid}"))
        .await;
    w.post(
        &staff,
        &format!("/api/v1/session-items/{iid}/actions"),
        json!({"action": "answer", "answer": "物业今天下午更换灯泡", "unit": "物业公司"}),
    )
    .await;
    w.post(
        &resident,
        &format!("/api/v1/session-items/{iid}/actions"),
        json!({"action": "rate", "verdict": "satisfied"}),
    )
    .await;
    w.post(
        &staff,
        &format!("/api/v1/session-items/{iid}/reveal"),
        json!({"reason": "核实反映人所述"}),
    )
    .await;
    w.get(&staff, "/api/v1/session-items/overdue").await;
    w.get(
        &c.admin.auth(),
        &format!(
            "/api/v1/session-items/overdue?within={}&limit=5",
            c.district
        ),
    )
    .await;

    let matters = w
        .get(&staff, &format!("/api/v1/matters?community={code}"))
        .await;
    if let Some(m) = matters.as_array().and_then(|a| a.first()) {
        w.get(&resident, &format!("/api/v1/matters/{}", id(m)))
            .await;
    }
    let matter = w
        .post(&staff, "/api/v1/matters", json!({"community_code": code, "title": "加装电梯", "description": "为 3 栋加装电梯", "proposal": "社区党委提议为 3 栋加装电梯"}))
        .await;
    let mid = matter["matter"]["id"].as_i64().unwrap_or(0);
    w.post(
        &staff,
        &format!("/api/v1/matters/{mid}/stages"),
        json!({"stage": "consultation", "summary": "两委会商议同意"}),
    )
    .await;
    w.refused(
        &staff,
        Method::POST,
        &format!("/api/v1/matters/{mid}/stages"),
        Some(json!({"stage": "result_published", "summary": "x"})),
        409,
    )
    .await;
    w.post(&staff, &format!("/api/v1/matters/{mid}/stages"), json!({"stage": "members_review", "summary": "党员大会审议通过", "members": 30, "present": 20, "in_favour": 16}))
        .await;

    let decisions = w
        .get(&resident, &format!("/api/v1/decisions?community={code}"))
        .await;
    if let Some(d) = decisions.as_array().and_then(|a| a.first()) {
        w.get(&resident, &format!("/api/v1/decisions/{}", id(d)))
            .await;
    }
    let parent = w
        .post(
            &staff,
            "/api/v1/decisions",
            json!({"community_code": code, "title": "加装电梯", "description": "3 栋"}),
        )
        .await;
    let did = parent["decision"]["id"].as_i64().unwrap_or(0);
    let child = w
        .post(
            &staff,
            "/api/v1/decisions",
            json!({"community_code": code, "title": "土建", "weight": 2}),
        )
        .await;
    let kid = child["decision"]["id"].as_i64().unwrap_or(0);
    w.post(
        &staff,
        &format!("/api/v1/decisions/{kid}/parent"),
        json!({"parent_id": did}),
    )
    .await;
    w.post(
        &staff,
        &format!("/api/v1/decisions/{did}/links"),
        json!({"kind": "url", "reference": "https://example.org/plan", "label": "方案"}),
    )
    .await;
    w.post(
        &staff,
        &format!("/api/v1/decisions/{kid}/progress"),
        json!({"progress": 100, "note": "土建完工"}),
    )
    .await;
    w.get(&resident, &format!("/api/v1/decisions/{did}")).await;
    w.post(
        &resident,
        &format!("/api/v1/decisions/{did}/rate"),
        json!({"verdict": "satisfied"}),
    )
    .await;
}

async fn walk_councils(w: &mut Walk<'_>, c: &Cast) {
    let staff = c.staff.auth();
    let resident = c.resident.auth();
    let councils = w
        .get(&staff, &format!("/api/v1/councils?within={}", c.community))
        .await;
    w.get(&c.admin.auth(), "/api/v1/councils").await;
    if let Some(first) = councils.as_array().and_then(|a| a.first()) {
        let cid = id(first);
        w.get(&resident, &format!("/api/v1/councils/{cid}")).await;
        w.get(&resident, &format!("/api/v1/councils/{cid}/charters"))
            .await;
        let elections = w
            .get(&resident, &format!("/api/v1/councils/{cid}/elections"))
            .await;
        if let Some(e) = elections.as_array().and_then(|a| a.first()) {
            w.get(&resident, &format!("/api/v1/elections/{}", id(e)))
                .await;
        }
        let motions = w
            .get(&resident, &format!("/api/v1/councils/{cid}/motions"))
            .await;
        for m in motions.as_array().into_iter().flatten().take(3) {
            w.get(&resident, &format!("/api/v1/motions/{}", id(m)))
                .await;
        }
    }

    let people = adults(w.app, &c.community).await;
    assert!(
        people.len() >= 6,
        "{}: {} adults",
        w.app.label,
        people.len()
    );
    let (x, y, z) = (
        people[people.len() - 1],
        people[people.len() - 2],
        people[people.len() - 3],
    );
    let council = w
        .post(&staff, "/api/v1/councils", json!({"community_code": c.community, "kind": "residents_council", "name": "接口核对议事会", "charter": "第一条 本会……", "rules": {"seats": 3}}))
        .await;
    let cid = id(&council);
    w.put(
        &staff,
        &format!("/api/v1/councils/{cid}/rules"),
        json!({"seats": 2}),
    )
    .await;
    w.post(
        &staff,
        &format!("/api/v1/councils/{cid}/charters"),
        json!({"body": "第一条 修订后……", "note": "修订"}),
    )
    .await;
    let member = w
        .post(
            &staff,
            &format!("/api/v1/councils/{cid}/members"),
            json!({"resident_id": x, "role": "member"}),
        )
        .await;
    w.patch(
        &staff,
        &format!("/api/v1/council-members/{}", id(&member)),
        json!({"role": "chair"}),
    )
    .await;

    // Accounts linked to residents: x votes on motions (a member), y in the election.
    let mut voters = Vec::new();
    for (name, person) in [("openapi-x", x), ("openapi-y", y)] {
        let user = w
            .post(&c.admin.auth(), "/api/v1/users", json!({"username": name, "display_name": name, "password": PASSWORD, "roles": [{"role": "resident", "node": c.grid}]}))
            .await;
        w.put(
            &staff,
            &format!("/api/v1/users/{}/resident", id(&user)),
            json!({"resident_id": person}),
        )
        .await;
        voters.push(w.app.login(name).await.auth());
    }
    let now = tongxin_store::now_millis();
    let election = w
        .post(&staff, &format!("/api/v1/councils/{cid}/elections"), json!({"title": "第一届选举", "opens_at": now - 1000, "closes_at": now + 3_600_000, "candidates": [y, z], "electorate": "listed", "electors": [y, z]}))
        .await;
    let eid = id(&election);
    w.post(
        &voters[1],
        &format!("/api/v1/elections/{eid}/votes"),
        json!({"candidates": [1]}),
    )
    .await;
    w.refused(
        &voters[1],
        Method::POST,
        &format!("/api/v1/elections/{eid}/votes"),
        Some(json!({"candidates": [1]})),
        409,
    )
    .await;
    w.get(&voters[1], &format!("/api/v1/elections/{eid}")).await;
    w.act(&staff, &format!("/api/v1/elections/{eid}/close"))
        .await;
    w.act(&staff, &format!("/api/v1/elections/{eid}/publish"))
        .await;

    let motions = format!("/api/v1/councils/{cid}/motions");
    let open = w
        .post(&staff, &motions, json!({"title": "加装电梯", "mode": "open", "closes_at": now + 3_600_000, "meeting_date": "2026-11-27"}))
        .await;
    w.post(
        &voters[0],
        &format!("/api/v1/motions/{}/votes", id(&open)),
        json!({"choice": "for"}),
    )
    .await;
    w.get(&staff, &format!("/api/v1/motions/{}", id(&open)))
        .await;
    w.act(&staff, &format!("/api/v1/motions/{}/close", id(&open)))
        .await;
    let hands = w
        .post(
            &staff,
            &motions,
            json!({"title": "停车位", "mode": "show_of_hands", "closes_at": now + 3_600_000}),
        )
        .await;
    w.post(
        &staff,
        &format!("/api/v1/motions/{}/hands", id(&hands)),
        json!({"present": 1, "for": 1, "against": 0, "abstain": 0}),
    )
    .await;
    let secret = w
        .post(&staff, &motions, json!({"title": "物业费", "mode": "secret", "closes_at": now + 3_600_000, "electorate": "listed", "electors": [x, y, z]}))
        .await;
    w.post(
        &voters[1],
        &format!("/api/v1/motions/{}/votes", id(&secret)),
        json!({"choice": "against"}),
    )
    .await;
    w.get(&resident, &format!("/api/v1/councils/{cid}")).await;
}

async fn walk_disclosure_map_and_webhooks(w: &mut Walk<'_>, c: &Cast) {
    let code = w.app.communities_of("4501")[0].clone();
    let admin = w.app.login(&format!("c{code}")).await.auth();
    let m1 = w.app.login(&format!("m{code}-1")).await.auth();
    let m2 = w.app.login(&format!("m{code}-2")).await.auth();
    let base = format!("/api/v1/disclosure/communities/{code}");
    w.get(&Auth::None, &format!("{base}/items")).await;
    let postings = w.get(&Auth::None, &format!("{base}/postings")).await;
    if let Some(p) = postings.as_array().and_then(|a| a.first()) {
        w.get(
            &Auth::None,
            &format!("/api/v1/disclosure/postings/{}", id(p)),
        )
        .await;
    }
    w.get(&admin, &format!("{base}/postings")).await;
    w.get(&admin, &format!("{base}/committee")).await;
    w.get(&admin, &format!("{base}/overdue")).await;
    w.get(&admin, &format!("/api/v1/disclosure/verify?within={code}"))
        .await;
    w.get(&c.admin.auth(), "/api/v1/disclosure/verify").await;
    let item = w
        .post(
            &admin,
            &format!("{base}/items"),
            json!({"affair": "finance", "title": "专项经费收支", "frequency": "monthly"}),
        )
        .await;
    let draft = w
        .post(&admin, &format!("{base}/postings"), json!({"item_id": id(&item), "period": "2026-10", "title": "2026年10月专项经费收支", "body": "专项经费收支如下。",
            "lines": [{"kind": "income", "label": "区级拨款", "amount_fen": 5_000_000}, {"kind": "expense", "label": "楼道照明改造", "amount_fen": 1_234_550}]}))
        .await;
    let pid = id(&draft);
    w.get(&admin, &format!("/api/v1/disclosure/postings/{pid}"))
        .await;
    w.refused(
        &admin,
        Method::POST,
        &format!("/api/v1/disclosure/postings/{pid}/publish"),
        None,
        409,
    )
    .await;
    w.act(&m1, &format!("/api/v1/disclosure/postings/{pid}/approve"))
        .await;
    w.act(&m2, &format!("/api/v1/disclosure/postings/{pid}/approve"))
        .await;
    w.act(
        &admin,
        &format!("/api/v1/disclosure/postings/{pid}/publish"),
    )
    .await;
    w.post(&admin, &format!("/api/v1/disclosure/postings/{pid}/corrections"), json!({"title": "2026年10月专项经费收支（更正）", "body": "更正如下。", "lines": [{"kind": "income", "label": "区级拨款", "amount_fen": 5_000_000}]}))
        .await;
    let worker = w
        .app
        .login(&format!("g{}-1", w.app.grids_of(&code)[0]))
        .await;
    w.ok(
        &admin,
        Method::POST,
        &format!("{base}/committee"),
        Some(json!({"user_id": worker.user_id})),
    )
    .await;
    w.delete(&admin, &format!("{base}/committee/{}", worker.user_id))
        .await;

    let staff = c.staff.auth();
    w.get(&c.admin.auth(), "/api/v1/map/geometry?level=district")
        .await;
    w.get(
        &staff,
        &format!(
            "/api/v1/map/geometry?level=grid&within={}&detail=full",
            c.community
        ),
    )
    .await;
    for measure in ["open", "overdue", "on_time_rate", "per_1000"] {
        w.get(
            &c.admin.auth(),
            &format!("/api/v1/map/measures?level=street&measure={measure}"),
        )
        .await;
    }
    w.get(&staff, &format!("/api/v1/map/node/{}", c.community))
        .await;
    w.get(&staff, &format!("/api/v1/map/node/{}", c.grid)).await;
    w.get(&staff, &format!("/api/v1/map/cases?within={}", c.community))
        .await;

    let admin = c.admin.auth();
    let sub = w
        .post(&admin, "/api/v1/webhooks", json!({"url": "http://127.0.0.1:9/hook", "secret": "openapi-secret-0123456789", "events": ["case.report"], "territory": c.community}))
        .await;
    w.get(&admin, "/api/v1/webhooks").await;
    w.get(&admin, &format!("/api/v1/webhooks/{}/deliveries", id(&sub)))
        .await;
    w.delete(&admin, &format!("/api/v1/webhooks/{}", id(&sub)))
        .await;
}
