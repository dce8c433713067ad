//! Shared helpers: the real app on port 0 over a freshly loaded Small demo city, one per
//! database engine, and a thin HTTP client that keeps cookies, CSRF and tokens explicit.

#![allow(dead_code)]

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::OnceLock;
use tongxin_demo::{DEFAULT_SEED, DEMO_PASSWORD, DemoCity, DemoOptions, DemoSize};
use tongxin_geo::polygon::Polygon;
use tongxin_store::Store;
use tongxin_store::testing::{self, TestDb};

pub const PASSWORD: &str = DEMO_PASSWORD;

pub fn city() -> DemoCity {
    tongxin_demo::generate(&DemoOptions {
        size: DemoSize::Small,
        seed: DEFAULT_SEED,
    })
}

/// One argon2 hash of the demo password for every app in the process.
fn demo_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| tongxin_server::access::password::hash_password(PASSWORD).unwrap())
        .clone()
}

pub struct App {
    pub addr: SocketAddr,
    pub label: &'static str,
    pub city: DemoCity,
    pub http: reqwest::Client,
    db: TestDb,
}

/// The app over a SQLite database.
pub async fn sqlite_app() -> App {
    start(testing::sqlite().await).await
}

/// One app per engine available to this run.
pub async fn apps() -> Vec<App> {
    let mut out = Vec::new();
    for db in testing::all().await {
        out.push(start(db).await);
    }
    out
}

pub async fn start(db: TestDb) -> App {
    let city = city();
    tongxin_demo::load::city::load(&db.store, &city, &demo_hash())
        .await
        .unwrap_or_else(|e| panic!("{}: demo load: {e}", db.label));
    let state =
        tongxin_server::state_for(db.store.clone(), tongxin_server::ServerConfig::default())
            .await
            .unwrap();
    let app = tongxin_server::app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    App {
        addr,
        label: db.label,
        city,
        http,
        db,
    }
}

/// How a request proves who it is.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    /// A session cookie; writes send the CSRF token unless `csrf` is `None`.
    Cookie {
        cookie: String,
        csrf: Option<String>,
    },
    Bearer(String),
}

/// A signed-in person.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: i64,
    pub username: String,
    /// `tongxin_session=…`, ready for a Cookie header.
    pub cookie: String,
    pub csrf: String,
    /// The whole Set-Cookie header of the login answer.
    pub set_cookie: String,
}

impl Session {
    pub fn auth(&self) -> Auth {
        Auth::Cookie {
            cookie: self.cookie.clone(),
            csrf: Some(self.csrf.clone()),
        }
    }

    /// The cookie without the CSRF header.
    pub fn auth_without_csrf(&self) -> Auth {
        Auth::Cookie {
            cookie: self.cookie.clone(),
            csrf: None,
        }
    }
}

/// A finished response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self.json()
    }

    /// Asserts an RFC 9457 problem with this status; returns the body.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "content-type {:?} for {}: {}",
            self.content_type(),
            status,
            self.text
        );
        let v = self.json();
        let kind = v["type"].as_str().unwrap_or_default();
        assert!(!kind.is_empty(), "problem without type: {v}");
        assert!(
            v["title"].as_str().is_some_and(|t| !t.is_empty()),
            "problem without title: {v}"
        );
        assert_eq!(
            v["status"].as_u64(),
            Some(status as u64),
            "status member: {v}"
        );
        assert!(
            v["detail"].as_str().is_some_and(|t| !t.is_empty()),
            "problem without detail: {v}"
        );
        v
    }
}

pub async fn send(rb: RequestBuilder) -> Reply {
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body read");
    Reply {
        status,
        headers,
        text,
    }
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The database URL (for SQLite, the file path).
    pub fn db_url(&self) -> &str {
        &self.db.url
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub async fn cleanup(self) {
        self.db.cleanup().await;
    }

    /// A request with the given credentials applied.
    pub fn req(&self, auth: &Auth, method: Method, path: &str) -> RequestBuilder {
        let write = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        let mut rb = self.http.request(method, self.url(path));
        match auth {
            Auth::None => {}
            Auth::Cookie { cookie, csrf } => {
                rb = rb.header("cookie", cookie.as_str());
                if let (true, Some(csrf)) = (write, csrf) {
                    rb = rb.header("x-csrf-token", csrf.as_str());
                }
            }
            Auth::Bearer(token) => rb = rb.bearer_auth(token),
        }
        rb
    }

    pub async fn get(&self, auth: &Auth, path: &str) -> Reply {
        send(self.req(auth, Method::GET, path)).await
    }

    pub async fn post(&self, auth: &Auth, path: &str, body: &Value) -> Reply {
        send(self.req(auth, Method::POST, path).json(body)).await
    }

    pub async fn post_text(&self, auth: &Auth, path: &str, body: &str) -> Reply {
        send(
            self.req(auth, Method::POST, path)
                .header("content-type", "application/geo+json")
                .body(body.to_string()),
        )
        .await
    }

    pub async fn delete(&self, auth: &Auth, path: &str) -> Reply {
        send(self.req(auth, Method::DELETE, path)).await
    }

    pub async fn login_reply(&self, username: &str, password: &str) -> Reply {
        send(
            self.http
                .post(self.url("/api/v1/auth/login"))
                .json(&serde_json::json!({"username": username, "password": password})),
        )
        .await
    }

    /// Signs in with the demo password.
    pub async fn login(&self, username: &str) -> Session {
        let r = self.login_reply(username, PASSWORD).await;
        let body = r.expect(200);
        let set_cookie = r
            .header("set-cookie")
            .unwrap_or_else(|| panic!("login without Set-Cookie: {:?}", r.headers))
            .to_string();
        let cookie = set_cookie.split(';').next().unwrap().trim().to_string();
        assert!(cookie.starts_with("tongxin_session="), "{set_cookie}");
        Session {
            user_id: body["user_id"].as_i64().unwrap(),
            username: username.into(),
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
            set_cookie,
        }
    }

    /// Number of audit records, all of them (read straight from the store).
    pub async fn audit_count(&self) -> usize {
        let mut n = 0;
        let mut before = None;
        loop {
            let page = tongxin_store::audit::list(
                self.store(),
                &tongxin_store::audit::AuditFilter {
                    prefixes: vec![String::new()],
                    include_platform: true,
                    before_id: before,
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            n += page.items.len();
            match page.next {
                Some(id) => before = Some(id.parse().unwrap()),
                None => return n,
            }
        }
    }

    pub async fn grid_count(&self) -> i64 {
        tongxin_store::territory::counts(self.store(), "")
            .await
            .unwrap()
            .grids
    }

    // --- Real codes from the generated city -------------------------------------------

    pub fn districts(&self) -> Vec<String> {
        self.codes_of_len(6)
            .into_iter()
            .filter(|c| c != "450100")
            .collect()
    }

    pub fn streets_of(&self, district: &str) -> Vec<String> {
        self.codes_of_len(9)
            .into_iter()
            .filter(|c| c.starts_with(district))
            .collect()
    }

    pub fn communities_of(&self, parent: &str) -> Vec<String> {
        self.codes_of_len(12)
            .into_iter()
            .filter(|c| c.starts_with(parent))
            .collect()
    }

    pub fn grids_of(&self, parent: &str) -> Vec<String> {
        self.city
            .grids
            .iter()
            .map(|g| g.code.clone())
            .filter(|c| c.starts_with(parent))
            .collect()
    }

    fn codes_of_len(&self, len: usize) -> Vec<String> {
        self.city
            .divisions
            .iter()
            .map(|d| d.code.clone())
            .filter(|c| c.len() == len)
            .collect()
    }

    pub fn grid_ring(&self, code: &str) -> Vec<[f64; 2]> {
        self.city
            .grids
            .iter()
            .find(|g| g.code == code)
            .unwrap_or_else(|| panic!("no grid {code}"))
            .boundary
            .clone()
    }

    pub fn division_ring(&self, code: &str) -> Vec<[f64; 2]> {
        self.city
            .divisions
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("no division {code}"))
            .boundary
            .clone()
    }
}

/// A point well inside `ring` (at least ~10 m from every edge in each axis direction):
/// the vertex average when it qualifies, else the first qualifying point of a lattice.
pub fn interior_point(ring: &[[f64; 2]]) -> [f64; 2] {
    let poly = Polygon::new(ring.to_vec());
    let margin = 1e-4;
    let solid = |p: [f64; 2]| {
        [
            (0.0, 0.0),
            (margin, 0.0),
            (-margin, 0.0),
            (0.0, margin),
            (0.0, -margin),
        ]
        .iter()
        .all(|(dx, dy)| poly.contains(p[0] + dx, p[1] + dy))
    };
    let n = (ring.len() - 1) as f64;
    let avg = ring[..ring.len() - 1]
        .iter()
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
    if solid(avg) {
        return avg;
    }
    let b = poly.bbox();
    for i in 1..40 {
        for j in 1..40 {
            let p = [
                b.min_lon + (b.max_lon - b.min_lon) * i as f64 / 40.0,
                b.min_lat + (b.max_lat - b.min_lat) * j as f64 / 40.0,
            ];
            if solid(p) {
                return p;
            }
        }
    }
    panic!("no interior point found");
}

/// A closed counter-clockwise rectangle as GeoJSON Polygon coordinates.
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    serde_json::json!([[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]])
}

pub fn feature(code: &str, coordinates: Value) -> Value {
    serde_json::json!({
        "type": "Feature",
        "properties": {
            "code": code, "name": format!("测试网格{}", &code[code.len().saturating_sub(3)..]),
            "kind": "base", "households": 120, "population": 330,
            "party_unit_kind": "group", "party_unit_name": "测试党小组",
        },
        "geometry": {"type": "Polygon", "coordinates": coordinates},
    })
}

pub fn collection(features: Vec<Value>) -> String {
    serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()
}

pub fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap()
}

/// An integration token with the Open311 scope for a service account bound at `node` (the
/// account is created by the city admin).
pub async fn open311_key(app: &App, node: &str) -> String {
    let admin = app.login("admin").await;
    let bot = app
        .post(
            &admin.auth(),
            "/api/v1/users",
            &serde_json::json!({"username": "city-app", "display_name": "城市 App", "password": "long-enough-secret",
                    "roles": [{"role": "street_admin", "node": node}]}),
        )
        .await
        .expect(201);
    let t = app
        .post(
            &admin.auth(),
            "/api/v1/tokens",
            &serde_json::json!({"user_id": bot["id"], "name": "open311", "scope": "open311"}),
        )
        .await
        .expect(201);
    t["token"].as_str().unwrap().to_string()
}

/// A form POST without credentials (Open311 clients send their key in the form).
pub async fn post_form(app: &App, path: &str, form: &[(&str, String)]) -> Reply {
    send(app.http.post(app.url(path)).form(form)).await
}

/// The demo people of the small city (2,000 residents), so councils and registry pages have
/// residents to draw on.
pub async fn with_people(app: &App) {
    let people = tongxin_demo::generate_people(
        &app.city,
        &tongxin_demo::PeopleOptions {
            residents: 2_000,
            seed: DEFAULT_SEED,
        },
    );
    tongxin_demo::load::people::load_people(
        app.store(),
        &tongxin_store::protect::Protector::ephemeral(),
        &app.city,
        &people,
    )
    .await
    .unwrap_or_else(|e| panic!("{}: people: {e}", app.label));
}

/// Adult residents living in the community, by id.
pub async fn adults(app: &App, community: &str) -> Vec<i64> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM residents WHERE grid_code >= $1 AND grid_code < $2 AND birth_date <= '2000-01-01' AND status = 'resident' ORDER BY id",
    )
    .bind(community)
    .bind(format!("{community}A"))
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}
