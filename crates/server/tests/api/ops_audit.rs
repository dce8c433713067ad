//! The audit trail over HTTP, Idempotency-Key, operations endpoints, OpenAPI, and the
//! shape of errors.

use crate::common::{Auth, apps, send, sqlite_app};
use reqwest::Method;
use serde_json::{Value, json};

fn items(v: &Value) -> &Vec<Value> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {v}"))
}

#[tokio::test]
async fn auditors_read_the_trail_with_filters_district_admins_do_not() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[3].code.clone();
        let admin = app.login("admin").await;
        let compound = app
            .post(
                &admin.auth(),
                "/api/v1/compounds",
                &json!({"community_code": &grid[..12], "grid_code": grid, "name": "审计小区", "households": 80}),
            )
            .await
            .expect(201);
        let compound_id = compound["id"].as_i64().unwrap().to_string();
        let auditor = app.login("auditor").await;

        let all = app.get(&auditor.auth(), "/api/v1/audit").await.expect(200);
        let actions: Vec<&str> = items(&all)
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"demo.load"),
            "{label}: platform records visible: {actions:?}"
        );
        assert!(actions.contains(&"compound.create"), "{label}: {actions:?}");
        assert!(actions.contains(&"session.login"), "{label}: {actions:?}");
        let ids: Vec<i64> = items(&all)
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{label}: newest first");

        let by_type = app
            .get(&auditor.auth(), "/api/v1/audit?entity_type=compound")
            .await
            .expect(200);
        assert_eq!(items(&by_type).len(), 1, "{label}: {by_type}");
        let row = &items(&by_type)[0];
        assert_eq!(row["entity_type"], "compound");
        assert_eq!(row["entity_id"], compound_id.as_str(), "{label}");
        assert_eq!(row["actor"], "admin");
        assert_eq!(row["actor_id"], admin.user_id);
        assert_eq!(row["node_code"], grid.as_str(), "{label}");
        assert_eq!(row["after"]["name"], "审计小区", "{label}");
        assert!(row["before"].is_null());

        let by_actor = app
            .get(
                &auditor.auth(),
                &format!("/api/v1/audit?actor_id={}", admin.user_id),
            )
            .await
            .expect(200);
        assert!(
            items(&by_actor)
                .iter()
                .all(|r| r["actor_id"] == admin.user_id),
            "{label}: {by_actor}"
        );
        let acts: Vec<&str> = items(&by_actor)
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(acts, ["compound.create", "session.login"], "{label}");

        let both = app
            .get(
                &auditor.auth(),
                &format!("/api/v1/audit?actor_id={}&entity_type=user", admin.user_id),
            )
            .await
            .expect(200);
        let acts: Vec<&str> = items(&both)
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(acts, ["session.login"], "{label}");
        let none = app
            .get(&auditor.auth(), "/api/v1/audit?actor_id=999999")
            .await
            .expect(200);
        assert!(items(&none).is_empty(), "{label}");

        // Time range: from inclusive, to exclusive; from ≥ to is refused.
        let at = row["at"].as_i64().unwrap();
        let window = app
            .get(
                &auditor.auth(),
                &format!("/api/v1/audit?entity_type=compound&from={at}&to={}", at + 1),
            )
            .await
            .expect(200);
        assert_eq!(items(&window).len(), 1, "{label}");
        let after = app
            .get(
                &auditor.auth(),
                &format!("/api/v1/audit?entity_type=compound&from={}", at + 1),
            )
            .await
            .expect(200);
        assert!(items(&after).is_empty(), "{label}");
        app.get(&auditor.auth(), "/api/v1/audit?from=10&to=10")
            .await
            .problem(422);

        // Pages of one, following the cursor, give the same rows as one big page.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                None => "/api/v1/audit?limit=1".to_string(),
                Some(c) => format!("/api/v1/audit?limit=1&cursor={c}"),
            };
            let page = app.get(&auditor.auth(), &path).await.expect(200);
            seen.extend(items(&page).iter().map(|r| r["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
            assert!(seen.len() < 100, "{label}");
        }
        // The auditor's own paging reads are not audited, so the trail is unchanged.
        assert_eq!(seen, ids, "{label}");

        // A district admin may not read the trail, even of their own district.
        let district = app.districts()[0].clone();
        let d = app.login(&format!("d{district}")).await;
        let p = app.get(&d.auth(), "/api/v1/audit").await.problem(403);
        assert!(
            p["type"].as_str().unwrap().ends_with("/forbidden"),
            "{label}: {p}"
        );
        app.get(&d.auth(), "/api/v1/audit?entity_type=compound")
            .await
            .problem(403);
        // The city admin may.
        app.get(&admin.auth(), "/api/v1/audit?limit=5")
            .await
            .expect(200);
        app.get(&Auth::None, "/api/v1/audit").await.problem(401);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn idempotency_key_replays_the_first_answer() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[9].code.clone();
        let admin = app.login("admin").await;
        let body = json!({"community_code": &grid[..12], "grid_code": grid, "name": "幂等小区", "households": 66});
        let post = |key: &'static str, body: Value| {
            let rb = app
                .req(&admin.auth(), Method::POST, "/api/v1/compounds")
                .header("idempotency-key", key)
                .json(&body);
            send(rb)
        };
        let count = || async {
            tongxin_store::territory::list_compounds(
                app.store(),
                std::slice::from_ref(&grid),
                None,
                100,
            )
            .await
            .unwrap()
            .items
            .iter()
            .filter(|c| c.name == "幂等小区")
            .count()
        };

        let first = post("order-1", body.clone()).await;
        assert_eq!(first.status, 201, "{label}: {}", first.text);
        assert!(first.header("idempotent-replayed").is_none(), "{label}");
        let second = post("order-1", body.clone()).await;
        assert_eq!(second.status, 201, "{label}: {}", second.text);
        assert_eq!(second.text, first.text, "{label}: replay differs");
        assert_eq!(
            second.header("idempotent-replayed"),
            Some("true"),
            "{label}"
        );
        assert!(
            second.content_type().starts_with("application/json"),
            "{label}"
        );
        assert_eq!(count().await, 1, "{label}: created twice");

        // Same key, different body: refused, nothing created.
        let mut other = body.clone();
        other["households"] = json!(67);
        let p = post("order-1", other).await.problem(422);
        assert!(
            p["detail"].as_str().unwrap().contains("Idempotency-Key"),
            "{label}: {p}"
        );
        assert_eq!(count().await, 1, "{label}");

        // A new key is a new request.
        let third = post("order-2", body.clone()).await;
        assert_eq!(third.status, 201, "{label}");
        assert_ne!(third.json()["id"], first.json()["id"], "{label}");
        assert_eq!(count().await, 2, "{label}");

        // One audit record per compound actually created.
        let created = tongxin_store::audit::list(
            app.store(),
            &tongxin_store::audit::AuditFilter {
                action: Some("compound.create".into()),
                prefixes: vec![String::new()],
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(created.items.len(), 2, "{label}");

        // Keys belong to the user: another user's identical key runs afresh.
        let other_admin = app.login(&format!("d{}", &grid[..6])).await;
        let r = send(
            app.req(&other_admin.auth(), Method::POST, "/api/v1/compounds")
                .header("idempotency-key", "order-1")
                .json(&body),
        )
        .await;
        assert_eq!(r.status, 201, "{label}: {}", r.text);
        assert!(r.header("idempotent-replayed").is_none(), "{label}");
        assert_eq!(count().await, 3, "{label}");

        // An empty key is refused.
        let r = send(
            app.req(&admin.auth(), Method::POST, "/api/v1/compounds")
                .header("idempotency-key", "")
                .json(&body),
        )
        .await;
        r.problem(422);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn health_readiness_metrics_openapi_and_docs() {
    let app = sqlite_app().await;
    let h = app.get(&Auth::None, "/healthz").await;
    assert_eq!(h.status, 200);
    assert_eq!(h.text.trim(), "ok");
    let r = app.get(&Auth::None, "/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("32 grids"), "{}", r.text);
    // Every response carries a request id.
    assert!(h.header("x-request-id").is_some_and(|v| !v.is_empty()));
    let echoed = send(
        app.req(&Auth::None, Method::GET, "/healthz")
            .header("x-request-id", "trace-me-123"),
    )
    .await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-me-123"));

    let m = app.get(&Auth::None, "/metrics").await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert!(m.text.contains("tongxin_http_requests_total"), "{}", m.text);
    assert!(m.text.contains("tongxin_grids_indexed"), "{}", m.text);
    assert!(m.text.contains("route=\"/healthz\""), "{}", m.text);
    assert!(
        !m.text.contains("trace-me-123"),
        "metrics must not carry request data"
    );

    let o = app.get(&Auth::None, "/api/v1/openapi.json").await;
    assert_eq!(o.status, 200);
    assert!(
        o.content_type().starts_with("application/json"),
        "{}",
        o.content_type()
    );
    let doc = o.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/locate",
        "/api/v1/auth/login",
        "/api/v1/grids",
        "/api/v1/grids/{code}",
        "/api/v1/grids/import",
        "/api/v1/grids/export",
        "/api/v1/audit",
        "/api/v1/tokens",
        "/api/v1/compounds",
    ] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
    let locate_params: Vec<&str> = doc["paths"]["/api/v1/locate"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["lon", "lat", "crs"] {
        assert!(locate_params.contains(&name), "{locate_params:?}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let ui = app.get(&Auth::None, "/api/v1/docs/").await;
    assert_eq!(ui.status, 200, "{}", ui.text);
    assert!(
        ui.content_type().starts_with("text/html"),
        "{}",
        ui.content_type()
    );
    assert!(ui.text.to_lowercase().contains("swagger"), "{}", ui.text);
    for cdn in ["unpkg.com", "cdn.jsdelivr", "cdnjs"] {
        assert!(!ui.text.contains(cdn), "docs page loads from a CDN: {cdn}");
    }
    // The page's own assets are served locally, and it points at our document.
    let init = app
        .get(&Auth::None, "/api/v1/docs/swagger-initializer.js")
        .await;
    assert_eq!(init.status, 200, "{}", init.text);
    assert!(init.text.contains("/api/v1/openapi.json"), "{}", init.text);
    let css = app.get(&Auth::None, "/api/v1/docs/swagger-ui.css").await;
    assert_eq!(css.status, 200);
    let js = app
        .get(&Auth::None, "/api/v1/docs/swagger-ui-bundle.js")
        .await;
    assert_eq!(js.status, 200);
    assert!(js.text.len() > 100_000);
    app.cleanup().await;
}

#[tokio::test]
async fn errors_are_problem_json_with_type_title_status_detail() {
    for app in apps().await {
        let label = app.label;
        let admin = app.login("admin").await;
        let grid = app.city.grids[0].code.clone();

        // 401
        let p = app.get(&Auth::None, "/api/v1/grids").await.problem(401);
        assert_eq!(
            p["type"], "https://tongxin.example/problems/unauthenticated",
            "{label}"
        );
        // 404
        let missing = format!("{}099", &grid[..12]);
        let p = app
            .get(&admin.auth(), &format!("/api/v1/grids/{missing}"))
            .await
            .problem(404);
        assert_eq!(
            p["type"], "https://tongxin.example/problems/not-found",
            "{label}"
        );
        // 422 naming the field
        let p = app
            .get(&admin.auth(), "/api/v1/grids/123")
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "code", "{label}: {p}");
        let p = app
            .post(
                &admin.auth(),
                "/api/v1/users",
                &json!({"username": "x", "display_name": " ", "password": "short", "roles": []}),
            )
            .await
            .problem(422);
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["username", "display_name", "password", "roles"],
            "{label}: every bad field named"
        );
        // 400 for a body that is not JSON of the right shape
        let r = send(
            app.req(&admin.auth(), Method::POST, "/api/v1/compounds")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
        assert!(r.status == 400 || r.status == 422, "{label}: {}", r.text);
        r.problem(r.status);
        let r = send(
            app.req(&admin.auth(), Method::POST, "/api/v1/compounds")
                .json(&json!({"name": "缺字段"})),
        )
        .await;
        assert!(r.status == 400 || r.status == 422, "{label}: {}", r.text);
        r.problem(r.status);
        // 403 (CSRF) and 403 (role)
        app.post(&admin.auth_without_csrf(), "/api/v1/compounds", &json!({}))
            .await
            .problem(403);
        // 409
        let p = app
            .post(
                &admin.auth(),
                "/api/v1/divisions",
                &json!({"code": &grid[..12], "name": "重复", "kind": "community", "parent_code": &grid[..9]}),
            )
            .await
            .problem(409);
        assert_eq!(
            p["type"], "https://tongxin.example/problems/conflict",
            "{label}"
        );
        // Bad query-string types
        let r = app.get(&admin.auth(), "/api/v1/grids?limit=many").await;
        assert!(r.status == 400 || r.status == 422, "{label}: {}", r.text);
        r.problem(r.status);
        app.cleanup().await;
    }
}

/// Unknown routes and wrong methods under /api/v1 answer with axum's bare defaults (empty
/// body, no content type) instead of problem+json. See the report: `app()` in
/// crates/server/src/lib.rs has no fallback / method-not-allowed handler.
#[tokio::test]
async fn unknown_routes_and_methods_answer_problem_json() {
    let app = sqlite_app().await;
    let admin = app.login("admin").await;
    let r = app.get(&admin.auth(), "/api/v1/no-such-thing").await;
    r.problem(404);
    let r = send(app.req(&admin.auth(), Method::PUT, "/api/v1/locate")).await;
    r.problem(405);
    app.cleanup().await;
}
