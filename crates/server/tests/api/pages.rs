//! Pages over HTTP (the browser tests drive them in Chromium): the warning panel finds
//! clusters under the city's thresholds, and only administrators change those thresholds.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn clusters_show_beside_the_map_under_the_configured_rules() {
    let app = sqlite_app().await;
    let grid = app.city.grids[2].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let staff = app.login(&format!("c{}", &grid[..12])).await;
    let admin = app.login("admin").await;
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    for n in 0..3 {
        app.post(&worker.auth(), "/api/v1/cases", &json!({"category": "0102", "description": format!("乱堆物料 {n}"), "lon": lon, "lat": lat}))
            .await
            .expect(201);
    }
    let page = app.get(&staff.auth(), "/map").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("聚集") && page.text.contains("3 件"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("同一地点反复上报"),
        "repeated places are listed"
    );

    let rules = app
        .get(&staff.auth(), "/api/v1/warnings/rules")
        .await
        .expect(200);
    assert_eq!(rules["cluster_min"], 3);
    let mut raised = rules.clone();
    raised["cluster_min"] = json!(4);
    let refused = app
        .req(
            &staff.auth(),
            reqwest::Method::PUT,
            "/api/v1/warnings/rules",
        )
        .json(&raised)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        403,
        "a community administrator does not set city rules"
    );
    let mut bad = rules.clone();
    bad["cluster_min"] = json!(0);
    let r = send(
        app.req(
            &admin.auth(),
            reqwest::Method::PUT,
            "/api/v1/warnings/rules",
        )
        .json(&bad),
    )
    .await;
    let problem = r.problem(422);
    assert_eq!(problem["errors"][0]["field"], "cluster_min", "{problem}");
    let r = send(
        app.req(
            &admin.auth(),
            reqwest::Method::PUT,
            "/api/v1/warnings/rules",
        )
        .json(&raised),
    )
    .await;
    assert_eq!(r.expect(200)["cluster_min"], 4);
    let page = app.get(&staff.auth(), "/map").await;
    assert!(
        !page.text.contains("3 件</a>"),
        "three are no longer a cluster at ≥ 4"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn pages_need_a_session_and_come_back_after_sign_in() {
    let app = sqlite_app().await;
    let r = send(app.req(&Auth::None, reqwest::Method::GET, "/cases?status=filed")).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=/cases"));
    let login = app.get(&Auth::None, "/login?next=/map").await;
    assert!(login.text.contains("name=\"next\" value=\"/map\""));
    let evil = app.get(&Auth::None, "/login?next=//evil.example").await;
    assert!(
        evil.text.contains("name=\"next\" value=\"/\""),
        "only local paths follow a sign-in"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_open_view_lists_only_cases_still_in_the_loop() {
    let app = sqlite_app().await;
    let grid = app.city.grids[4].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let staff = app.login(&format!("c{}", &grid[..12])).await;
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    let case = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": "1101", "description": "误报", "lon": lon, "lat": lat}),
        )
        .await
        .expect(201);
    let id = case["id"].as_i64().unwrap();
    app.post(
        &staff.auth(),
        &format!("/api/v1/cases/{id}/actions"),
        &json!({"action": "cancel", "reason": "重复"}),
    )
    .await
    .expect(200);
    let link = format!("href=\"/cases/{id}\"");
    let all = app
        .get(&worker.auth(), &format!("/cases?within={grid}"))
        .await;
    assert!(
        all.text.contains(&link),
        "the cancelled case is listed without the view"
    );
    let open = app
        .get(&worker.auth(), &format!("/cases?within={grid}&view=open"))
        .await;
    assert_eq!(open.status, 200);
    assert!(!open.text.contains(&link), "the open view leaves it out");
    app.cleanup().await;
}

#[tokio::test]
async fn a_grid_worker_lands_on_the_list_not_on_a_desk_form() {
    let app = sqlite_app().await;
    let grid = app.city.grids[2].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let landing = app
        .get(&worker.auth(), &format!("/cases?within={grid}&view=open"))
        .await;
    assert_eq!(landing.status, 200);
    assert!(
        landing.text.contains("<details class=\"filter-box\">"),
        "the filter form is folded away on the landing list"
    );
    let filtered = app
        .get(
            &worker.auth(),
            &format!("/cases?within={grid}&status=filed"),
        )
        .await;
    assert!(
        filtered
            .text
            .contains("<details class=\"filter-box\" open>"),
        "a filtered view shows its filters"
    );
    app.cleanup().await;
}
