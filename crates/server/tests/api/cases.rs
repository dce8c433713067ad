//! The closed loop over HTTP: report, file, dispatch, accept, handle, rework, verify, close,
//! rate — with timeline, audit, refusals that list what is allowed, and one winner among
//! concurrent transitions.

use crate::common::*;
use serde_json::json;
use tongxin_core::cases::catalogue::Catalogue;

#[tokio::test]
async fn a_case_goes_round_the_loop_with_one_rework() {
    for app in apps().await {
        let grid = app.city.grids[0].code.clone();
        let community = &grid[..12];
        let worker = app.login(&format!("g{grid}-1")).await;
        let admin = app.login(&format!("c{community}")).await;
        let handler = app.login(&format!("h{}", &grid[..6])).await;
        let categories = app
            .get(&worker.auth(), "/api/v1/case-categories")
            .await
            .expect(200);
        assert!(
            categories.as_array().unwrap().len() >= 60,
            "a realistic catalogue"
        );
        let category = categories[0]["code"].as_str().unwrap().to_string();
        let department = Catalogue::seed().departments[0].code.clone();
        let [lon, lat] = interior_point(&app.grid_ring(&grid));

        let case = app
            .post(&worker.auth(), "/api/v1/cases", &json!({"category": category, "description": "小区门口垃圾堆积", "lon": lon, "lat": lat, "address": "民族大道 1 号"}))
            .await
            .expect(201);
        let id = case["id"].as_i64().unwrap();
        assert_eq!(
            case["grid_code"], grid,
            "{}: located into the grid",
            app.label
        );
        assert_eq!(case["status"], "reported");
        assert_eq!(case["channel"], "patrol");
        assert!(case["step_due_at"].as_i64().unwrap() > case["reported_at"].as_i64().unwrap());

        let act = |who: &Session, body: serde_json::Value| {
            let (app, who) = (&app, who.clone());
            async move {
                app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
                    .await
            }
        };
        // Each step is for its role: the worker does not file their own report, the
        // community does not take a department's work, the department does not supervise.
        act(&worker, json!({"action": "file", "note": "属实"}))
            .await
            .problem(403);
        act(&handler, json!({"action": "supervise", "note": "快办"}))
            .await
            .problem(403);
        act(&admin, json!({"action": "file", "note": "属实"}))
            .await
            .expect(200);
        act(&admin, json!({"action": "accept", "note": ""}))
            .await
            .problem(403);
        let refused = act(&handler, json!({"action": "accept", "note": ""}))
            .await
            .problem(409);
        assert!(
            refused["detail"].as_str().unwrap().contains("dispatch"),
            "lists what is allowed: {refused}"
        );
        let bad = act(
            &admin,
            json!({"action": "dispatch", "department": "NOPE", "note": ""}),
        )
        .await
        .problem(422);
        assert_eq!(bad["errors"][0]["field"], "department");
        let dispatched = act(
            &admin,
            json!({"action": "dispatch", "department": department, "note": ""}),
        )
        .await
        .expect(200);
        assert!(dispatched["handle_due_at"].is_i64());

        // Two accepts at once: one wins, the other is refused, nothing half-written.
        let (a, b) = tokio::join!(
            act(&handler, json!({"action": "accept", "note": ""})),
            act(&handler, json!({"action": "accept", "note": ""}))
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "{}: {} / {}",
            app.label,
            a.text,
            b.text
        );

        act(
            &handler,
            json!({"action": "handle", "feedback": "已清运", "photos": []}),
        )
        .await
        .expect(200);
        let rework = act(
            &worker,
            json!({"action": "verify", "passed": false, "note": "仍有残留"}),
        )
        .await
        .expect(200);
        assert_eq!(rework["status"], "accepted");
        assert_eq!(rework["rework_count"], 1);
        act(
            &handler,
            json!({"action": "handle", "feedback": "再次清理", "photos": []}),
        )
        .await
        .expect(200);
        let closed = act(
            &worker,
            json!({"action": "verify", "passed": true, "note": ""}),
        )
        .await
        .expect(200);
        assert_eq!(closed["status"], "closed");
        let rated = act(
            &worker,
            json!({"action": "rate", "satisfaction": "satisfied", "comment": ""}),
        )
        .await
        .expect(200);
        assert_eq!(rated["rating"], "satisfied");

        let full = app
            .get(&admin.auth(), &format!("/api/v1/cases/{id}"))
            .await
            .expect(200);
        let actions: Vec<&str> = full["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            vec![
                "report", "file", "dispatch", "accept", "handle", "verify", "handle", "verify",
                "rate"
            ],
            "{}",
            app.label
        );
        let auditor = app.login("auditor").await;
        let trail = app
            .get(
                &auditor.auth(),
                &format!("/api/v1/audit?entity_type=case&entity_id={id}"),
            )
            .await
            .expect(200);
        assert_eq!(
            trail["items"].as_array().unwrap().len(),
            9,
            "every transition audited"
        );

        // Outside one's territory the case does not exist.
        let other = app
            .city
            .grids
            .iter()
            .find(|g| g.code[..12] != *community)
            .unwrap()
            .code
            .clone();
        let stranger = app.login(&format!("g{other}-1")).await;
        let hidden = app
            .get(&stranger.auth(), &format!("/api/v1/cases/{id}"))
            .await
            .problem(404);
        assert_eq!(
            hidden,
            app.get(&stranger.auth(), "/api/v1/cases/999999")
                .await
                .problem(404)
        );
        let listed = app
            .get(
                &admin.auth(),
                &format!("/api/v1/cases?within={community}&status=closed"),
            )
            .await
            .expect(200);
        assert_eq!(listed["items"][0]["id"], id);

        // Indicators from the timeline: the handling deadline lies ahead, so judge a period
        // that includes it.
        let from = tongxin_store::now_millis() - 86_400_000;
        let to = tongxin_store::now_millis() + 60 * 86_400_000;
        let ind = app
            .get(
                &admin.auth(),
                &format!("/api/v1/indicators?within={community}&from={from}&to={to}"),
            )
            .await
            .expect(200);
        assert_eq!(ind["reported"], 1, "{}: {ind}", app.label);
        assert_eq!(ind["filed"], 1);
        assert_eq!(ind["dispatched"], 1);
        assert_eq!(ind["closed"], 1);
        assert_eq!(ind["rework"], 1);
        assert_eq!(ind["due"], 1);
        assert_eq!(ind["closed_on_time"], 1);
        assert_eq!(ind["on_time_closure_rate"], 1.0);
        assert_eq!(ind["satisfaction_rate"], 1.0);
        let elsewhere = app
            .city
            .grids
            .iter()
            .find(|g| g.code[..12] != *community)
            .unwrap()
            .code
            .clone();
        let other = app
            .get(
                &admin.auth(),
                &format!("/api/v1/indicators?within={}", &elsewhere[..12]),
            )
            .await;
        assert_eq!(other.status, 404, "another community is out of reach");
        let csv = app
            .get(
                &admin.auth(),
                &format!("/api/v1/indicators?within={community}&from={from}&to={to}&format=csv"),
            )
            .await;
        assert!(
            csv.text.contains("按期结案率") && csv.text.contains("100.00%"),
            "{}",
            csv.text
        );
        let by_department = app
            .get(&admin.auth(), &format!("/api/v1/indicators/breakdown?within={community}&from={from}&to={to}&by=department"))
            .await
            .expect(200);
        assert_eq!(by_department[0]["key"], department);
        assert_eq!(by_department[0]["closed_on_time"], 1);
        assert!(by_department[0]["name"].is_string());
        let by_reporter = app
            .get(&admin.auth(), &format!("/api/v1/indicators/breakdown?within={community}&from={from}&to={to}&by=reporter"))
            .await
            .expect(200);
        assert_eq!(by_reporter[0]["key"], worker.user_id.to_string());
        assert_eq!(by_reporter[0]["rework"], 1);
        assert_eq!(by_reporter[0]["report_accuracy"], 1.0);
        let sheet = app
            .get(&admin.auth(), &format!("/api/v1/indicators/breakdown?within={community}&from={from}&to={to}&by=department&format=xlsx"))
            .await;
        assert_eq!(sheet.status, 200);
        assert!(sheet.content_type().contains("spreadsheetml"));
        let csv = app
            .get(&admin.auth(), &format!("/api/v1/indicators/breakdown?within={community}&from={from}&to={to}&by=department&format=csv"))
            .await;
        assert!(
            csv.text.contains("按期结案率") && csv.text.contains(&department),
            "{}",
            csv.text
        );
        app.get(&admin.auth(), "/api/v1/indicators/breakdown?by=mood")
            .await
            .problem(422);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn bad_reports_are_refused_precisely() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let unknown = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": "9999", "description": "x", "grid_code": grid}),
        )
        .await
        .problem(422);
    assert_eq!(unknown["errors"][0]["field"], "category");
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let outside = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "x", "lon": 100.0, "lat": 30.0}),
        )
        .await
        .problem(422);
    assert_eq!(outside["errors"][0]["field"], "lon/lat");
    let nowhere = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "x"}),
        )
        .await
        .problem(422);
    assert_eq!(nowhere["errors"][0]["field"], "lon/lat");
    app.cleanup().await;
}

#[tokio::test]
async fn duplicates_are_suggested_and_supported_and_deadlines_notify() {
    for app in apps().await {
        let grid = app.city.grids[0].code.clone();
        let worker = app.login(&format!("g{grid}-1")).await;
        let second = app.login(&format!("g{grid}-2")).await;
        let category = Catalogue::seed().leaves().next().unwrap().code.clone();
        let [lon, lat] = interior_point(&app.grid_ring(&grid));
        let case = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": category, "description": "井盖缺失", "lon": lon, "lat": lat}),
            )
            .await
            .expect(201);
        let id = case["id"].as_i64().unwrap();
        // 20 m east: suggested; 200 m east: not; another category: not.
        let near = app
            .get(
                &second.auth(),
                &format!(
                    "/api/v1/cases/nearby?category={category}&lon={}&lat={lat}",
                    lon + 20.0 / 102_000.0
                ),
            )
            .await
            .expect(200);
        assert_eq!(near.as_array().unwrap().len(), 1, "{}: {near}", app.label);
        assert_eq!(near[0]["case"]["id"], id);
        assert!(near[0]["distance_m"].as_f64().unwrap() < 25.0);
        let far = app
            .get(
                &second.auth(),
                &format!(
                    "/api/v1/cases/nearby?category={category}&lon={}&lat={lat}",
                    lon + 200.0 / 102_000.0
                ),
            )
            .await
            .expect(200);
        assert!(far.as_array().unwrap().is_empty());
        let support = app
            .post(
                &second.auth(),
                &format!("/api/v1/cases/{id}/support"),
                &json!({"note": "我也看到了"}),
            )
            .await
            .expect(200);
        assert_eq!(support["supports"], 1);
        let again = app
            .post(
                &second.auth(),
                &format!("/api/v1/cases/{id}/support"),
                &json!({}),
            )
            .await
            .expect(200);
        assert_eq!(again["added"], false, "one person supports once");
        let full = app
            .get(&worker.auth(), &format!("/api/v1/cases/{id}"))
            .await
            .expect(200);
        assert_eq!(full["supports"], 1);

        // A scan far in the future finds the case overdue and tells the grid's workers once.
        let later = tongxin_store::now_millis() + 30 * 86_400_000;
        let written = tongxin_server::cases::warnings::scan_deadlines(app.store(), later)
            .await
            .unwrap();
        assert!(
            written >= 2,
            "{}: grid workers and community admin notified, got {written}",
            app.label
        );
        assert_eq!(
            tongxin_server::cases::warnings::scan_deadlines(app.store(), later)
                .await
                .unwrap(),
            0,
            "not repeated"
        );
        let inbox = app
            .get(&worker.auth(), "/api/v1/notifications?unread=true")
            .await
            .expect(200);
        let first = &inbox["items"][0];
        assert_eq!(first["kind"], "overdue");
        assert_eq!(first["case_id"], id);
        let nid = first["id"].as_i64().unwrap();
        let read = send(app.req(
            &worker.auth(),
            reqwest::Method::POST,
            &format!("/api/v1/notifications/{nid}/read"),
        ))
        .await;
        assert_eq!(read.status, 204);
        let unread = app
            .get(&worker.auth(), "/api/v1/notifications?unread=true")
            .await
            .expect(200);
        assert!(
            unread["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["id"] != nid)
        );
        // Someone else's notification is not found.
        let other = send(app.req(
            &second.auth(),
            reqwest::Method::POST,
            &format!("/api/v1/notifications/{nid}/read"),
        ))
        .await;
        assert_eq!(other.status, 404);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_patrol_records_track_findings_and_coverage() {
    for app in apps().await {
        let grid = app.city.grids[0].code.clone();
        let community = grid[..12].to_string();
        let worker = app.login(&format!("g{grid}-1")).await;
        let patrol = app
            .post(&worker.auth(), "/api/v1/patrols", &json!({}))
            .await
            .expect(201);
        let pid = patrol["id"].as_i64().unwrap();
        assert_eq!(patrol["grid_code"], grid);
        app.post(&worker.auth(), "/api/v1/patrols", &json!({}))
            .await
            .problem(409);
        let other_grid = app.city.grids[1].code.clone();
        app.post(
            &worker.auth(),
            "/api/v1/patrols",
            &json!({"grid_code": other_grid}),
        )
        .await
        .problem(422);

        let [lon, lat] = interior_point(&app.grid_ring(&grid));
        let walked = app
            .post(
                &worker.auth(),
                &format!("/api/v1/patrols/{pid}/points"),
                &json!({"points": [
                    {"lon": lon, "lat": lat}, {"lon": lon + 100.0 / 102_000.0, "lat": lat}
                ]}),
            )
            .await
            .expect(200);
        assert_eq!(walked["points"], 2);
        let d = walked["distance_m"].as_f64().unwrap();
        assert!(
            (90.0..110.0).contains(&d),
            "{}: about 100 m walked, got {d}",
            app.label
        );
        app.post(
            &worker.auth(),
            &format!("/api/v1/patrols/{pid}/points"),
            &json!({"points": [{"lon": 500.0, "lat": lat}]}),
        )
        .await
        .problem(422);

        let category = Catalogue::seed().leaves().next().unwrap().code.clone();
        app.post(&worker.auth(), "/api/v1/cases", &json!({"category": category, "description": "巡查发现", "lon": lon, "lat": lat, "patrol_id": pid}))
            .await
            .expect(201);
        let ended = app
            .post(
                &worker.auth(),
                &format!("/api/v1/patrols/{pid}/end"),
                &json!({}),
            )
            .await
            .expect(200);
        assert_eq!(ended["findings"], 1);
        assert!(ended["ended_at"].is_i64());
        app.post(
            &worker.auth(),
            &format!("/api/v1/patrols/{pid}/end"),
            &json!({}),
        )
        .await
        .problem(409);

        let admin = app.login(&format!("c{community}")).await;
        let cov = app
            .get(
                &admin.auth(),
                &format!("/api/v1/patrols/coverage?within={community}"),
            )
            .await
            .expect(200);
        let total = app
            .city
            .grids
            .iter()
            .filter(|g| g.code.starts_with(&community))
            .count();
        assert_eq!(cov["grids_total"], total, "{}: {cov}", app.label);
        assert_eq!(cov["grids_patrolled"], 1);
        assert_eq!(cov["grids"][0]["grid_code"], grid);
        assert_eq!(cov["grids"][0]["findings"], 1);
        app.get(&admin.auth(), "/api/v1/patrols/coverage?date=2026-13-01")
            .await
            .problem(422);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn the_city_edits_categories_and_its_calendar() {
    let app = sqlite_app().await;
    let admin = app.login("admin").await;
    let district = app
        .login(&format!("d{}", &app.city.grids[0].code[..6]))
        .await;
    let code = Catalogue::seed().leaves().next().unwrap().code.clone();
    let mut category = app
        .get(&admin.auth(), &format!("/api/v1/case-categories/{code}"))
        .await
        .expect(200);
    let version = category["version"].as_u64().unwrap();
    category["limits"]["handle"] = json!({"amount": 2, "unit": "working_days"});
    let put = |who: &Session, body: serde_json::Value| {
        let (app, who, code) = (&app, who.clone(), code.clone());
        async move {
            send(
                app.req(
                    &who.auth(),
                    reqwest::Method::PUT,
                    &format!("/api/v1/case-categories/{code}"),
                )
                .json(&body),
            )
            .await
        }
    };
    put(&district, category.clone()).await.problem(403);
    let revised = put(&admin, category.clone()).await.expect(200);
    assert_eq!(revised["version"], version + 1);
    put(&admin, category.clone()).await.problem(409);
    let stored = app
        .get(&admin.auth(), &format!("/api/v1/case-categories/{code}"))
        .await
        .expect(200);
    assert_eq!(stored["limits"]["handle"]["amount"], 2);

    let table = "year 2027\nholiday 2027-02-06..2027-02-12 春节\nworkday 2027-02-14 调休\n";
    let cal = send(
        app.req(&admin.auth(), reqwest::Method::PUT, "/api/v1/calendar/2027")
            .body(table),
    )
    .await
    .expect(200);
    assert!(
        cal["holidays"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "2027-02-08")
    );
    assert_eq!(cal["make_up_days"][0], "2027-02-14");
    let bad = send(
        app.req(&admin.auth(), reqwest::Method::PUT, "/api/v1/calendar/2027")
            .body("year 2027\nholiday 2027-13-01 x\n"),
    )
    .await
    .problem(422);
    assert!(
        bad["detail"].as_str().unwrap().contains('2'),
        "names the line: {bad}"
    );
    let read = app
        .get(&district.auth(), "/api/v1/calendar/2026")
        .await
        .expect(200);
    assert_eq!(
        read["working_days"], 248,
        "the built-in 2026 State Council arrangement"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_duplicate_merges_into_its_original() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let second = app.login(&format!("g{grid}-2")).await;
    let admin = app.login(&format!("c{}", &grid[..12])).await;
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let report = |who: &Session| {
        let (app, who, category, grid) = (&app, who.clone(), category.clone(), grid.clone());
        async move {
            app.post(
                &who.auth(),
                "/api/v1/cases",
                &json!({"category": category, "description": "同一处问题", "grid_code": grid}),
            )
            .await
            .expect(201)
        }
    };
    let original = report(&worker).await["id"].as_i64().unwrap();
    let duplicate = report(&second).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{duplicate}/actions");
    let body = |into: i64| json!({"action": "merge", "into": into, "note": "重复"});
    let own = app
        .post(&admin.auth(), &path, &body(duplicate))
        .await
        .problem(422);
    assert_eq!(own["errors"][0]["field"], "into");
    let missing = app
        .post(&admin.auth(), &path, &body(999_999))
        .await
        .problem(422);
    assert_eq!(missing["errors"][0]["field"], "into");
    let merged = app
        .post(&admin.auth(), &path, &body(original))
        .await
        .expect(200);
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], original);
    let first = app
        .get(&worker.auth(), &format!("/api/v1/cases/{original}"))
        .await
        .expect(200);
    assert_eq!(
        first["supports"], 1,
        "the duplicate's reporter now follows the original"
    );
    app.cleanup().await;
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn photos_are_sniffed_limited_deduplicated_and_thumbnailed() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let upload = |bytes: Vec<u8>| {
        send(
            app.req(&worker.auth(), reqwest::Method::POST, "/api/v1/media")
                .header("content-type", "image/jpeg")
                .body(bytes),
        )
    };
    let photo = png(640, 480);
    let first = upload(photo.clone()).await.expect(201);
    assert_eq!(
        first["mime"], "image/png",
        "the type comes from the content, not the header"
    );
    assert_eq!(first["width"], 640);
    let again = upload(photo).await.expect(200);
    assert_eq!(again["hash"], first["hash"], "stored once per content");
    let thumb = send(app.req(
        &worker.auth(),
        reqwest::Method::GET,
        first["thumbnail_url"].as_str().unwrap(),
    ))
    .await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type"), Some("image/jpeg"));
    upload(b"not an image at all".to_vec()).await.problem(415);
    upload(vec![0xFF; 11 * 1024 * 1024]).await.problem(413);

    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let case = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "x", "grid_code": grid}),
        )
        .await
        .expect(201);
    let id = case["id"].as_i64().unwrap();
    let admin = app.login(&format!("c{}", &grid[..12])).await;
    let handler = app.login(&format!("h{}", &grid[..6])).await;
    let department = Catalogue::seed().departments[0].code.clone();
    let act = |who: &Session, body: serde_json::Value| {
        let (app, who) = (&app, who.clone());
        async move {
            app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
                .await
        }
    };
    act(&admin, json!({"action": "file", "note": ""}))
        .await
        .expect(200);
    act(
        &admin,
        json!({"action": "dispatch", "department": department, "note": ""}),
    )
    .await
    .expect(200);
    act(&handler, json!({"action": "accept", "note": ""}))
        .await
        .expect(200);
    let missing = act(
        &handler,
        json!({"action": "handle", "feedback": "已处理", "photos": ["00".repeat(32)]}),
    )
    .await
    .problem(422);
    assert_eq!(missing["errors"][0]["field"], "photos");
    // Another's upload, not yet on any case the handler may read, cannot be attached.
    let borrowed = act(
        &handler,
        json!({"action": "handle", "feedback": "已处理", "photos": [first["hash"]]}),
    )
    .await
    .problem(422);
    assert_eq!(borrowed["errors"][0]["field"], "photos");
    let own = send(
        app.req(&handler.auth(), reqwest::Method::POST, "/api/v1/media")
            .body(png(640, 480)),
    )
    .await
    .expect(200);
    assert_eq!(own["hash"], first["hash"]);
    act(
        &handler,
        json!({"action": "handle", "feedback": "已处理", "photos": [first["hash"]]}),
    )
    .await
    .expect(200);
    app.cleanup().await;
}

#[tokio::test]
async fn commissioners_report_enterprise_problems_and_confirm_closure() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let community = grid[..12].to_string();
    let admin = app.login("admin").await;
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    let firm = app
        .post(&admin.auth(), "/api/v1/organisations", &json!({"name": "广西某制造有限公司", "kind": "enterprise", "community_code": community, "lon": lon, "lat": lat}))
        .await
        .expect(201);
    let org = firm["id"].as_i64().unwrap();
    let commissioner = app.login(&format!("h{}", &grid[..6])).await;
    let assigned = app
        .post(&admin.auth(), "/api/v1/commissioners/assignments", &json!({"commissioner_id": commissioner.user_id, "organisation_id": org, "from_date": "2026-01-01"}))
        .await
        .expect(201);
    assert_eq!(assigned["organisation_id"], org);
    let leaf = Catalogue::seed()
        .leaves()
        .find(|c| c.code.starts_with("24"))
        .unwrap()
        .code
        .clone();
    let other_leaf = Catalogue::seed().leaves().next().unwrap().code.clone();
    app.post(
        &commissioner.auth(),
        "/api/v1/cases",
        &json!({"category": other_leaf, "description": "x", "organisation_id": org}),
    )
    .await
    .problem(422);
    let case = app
        .post(
            &commissioner.auth(),
            "/api/v1/cases",
            &json!({"category": leaf, "description": "项目审批进度慢", "organisation_id": org}),
        )
        .await
        .expect(201);
    assert_eq!(case["channel"], "enterprise");
    assert_eq!(case["grid_code"], grid);
    let id = case["id"].as_i64().unwrap();
    let department = Catalogue::seed().departments[0].code.clone();
    let act = |who: &Session, body: serde_json::Value| {
        let (app, who) = (&app, who.clone());
        async move {
            app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
                .await
        }
    };
    act(&admin, json!({"action": "file", "note": ""}))
        .await
        .expect(200);
    act(
        &admin,
        json!({"action": "dispatch", "department": department, "note": ""}),
    )
    .await
    .expect(200);
    act(&commissioner, json!({"action": "accept", "note": ""}))
        .await
        .expect(200);
    act(
        &commissioner,
        json!({"action": "handle", "feedback": "已协调办结", "photos": []}),
    )
    .await
    .expect(200);
    // Only the enterprise (through its commissioner) confirms the closure.
    act(
        &admin,
        json!({"action": "verify", "passed": true, "note": ""}),
    )
    .await
    .problem(403);
    let closed = act(
        &commissioner,
        json!({"action": "verify", "passed": true, "note": "企业确认"}),
    )
    .await
    .expect(200);
    assert_eq!(closed["status"], "closed");
    let summary = app
        .get(&admin.auth(), "/api/v1/enterprise/summary")
        .await
        .expect(200);
    assert_eq!(summary["commissioners"], 1);
    assert_eq!(summary["enterprises"], 1);
    assert_eq!(summary["problems"], 1);
    assert_eq!(summary["resolved"], 1);
    app.cleanup().await;
}

#[tokio::test]
async fn a_level_that_runs_out_of_time_hands_the_case_up() {
    for app in apps().await {
        let grid = app.city.grids[0].code.clone();
        let worker = app.login(&format!("g{grid}-1")).await;
        let admin = app.login(&format!("c{}", &grid[..12])).await;
        let category = Catalogue::seed().leaves().next().unwrap().code.clone();
        let case = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": category, "description": "x", "grid_code": grid}),
            )
            .await
            .expect(201);
        let id = case["id"].as_i64().unwrap();
        app.post(
            &admin.auth(),
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "file", "note": ""}),
        )
        .await
        .expect(200);
        let calendar = tongxin_core::cases::calendar::Calendar::builtin();
        let catalogue = Catalogue::seed();
        let now = tongxin_store::now_millis();
        assert_eq!(
            tongxin_server::cases::warnings::escalate_overdue(
                app.store(),
                &calendar,
                &catalogue,
                now
            )
            .await
            .unwrap(),
            0,
            "not yet due"
        );
        let later = now + 30 * 86_400_000;
        assert_eq!(
            tongxin_server::cases::warnings::escalate_overdue(
                app.store(),
                &calendar,
                &catalogue,
                later
            )
            .await
            .unwrap(),
            1
        );
        let up = app
            .get(&admin.auth(), &format!("/api/v1/cases/{id}"))
            .await
            .expect(200);
        assert_eq!(up["tier"], "community", "{}", app.label);
        assert_eq!(up["escalation_count"], 1);
        assert!(
            up["step_due_at"].as_i64().unwrap() > later,
            "the next level gets its own deadline"
        );
        let last = up["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["actor"], "system");
        assert_eq!(last["action"], "escalate");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_refused_report_names_where_it_landed_and_frees_its_key() {
    for app in apps().await {
        let label = app.label;
        let mine = app.city.grids[0].code.clone();
        let other = app
            .city
            .grids
            .iter()
            .find(|g| g.code[..12] != mine[..12])
            .unwrap()
            .clone();
        let worker = app.login(&format!("g{mine}-1")).await;
        let category = Catalogue::seed().leaves().next().unwrap().code.clone();
        let post = |body: serde_json::Value| {
            send(
                app.req(&worker.auth(), reqwest::Method::POST, "/api/v1/cases")
                    .header("idempotency-key", "phone-draft-1")
                    .json(&body),
            )
        };
        let [x, y] = interior_point(&app.grid_ring(&other.code));
        let refused =
            post(json!({"category": category, "description": "井盖缺失", "lon": x, "lat": y}))
                .await
                .problem(422);
        assert_eq!(refused["errors"][0]["field"], "lon/lat", "{label}");
        let reason = refused["errors"][0]["reason"].as_str().unwrap();
        assert!(
            reason.contains(&other.name) && reason.contains(&other.code),
            "{label}: the refusal names the grid: {reason}"
        );
        // Corrected and sent again under the same key: a new request, accepted.
        let [x, y] = interior_point(&app.grid_ring(&mine));
        let ok = post(json!({"category": category, "description": "井盖缺失", "lon": x, "lat": y}))
            .await;
        assert_eq!(ok.status, 201, "{label}: {}", ok.text);
        // And its identical retry is the same case.
        let again =
            post(json!({"category": category, "description": "井盖缺失", "lon": x, "lat": y}))
                .await;
        assert_eq!(again.status, 201, "{label}");
        assert_eq!(again.json()["id"], ok.json()["id"], "{label}");
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        app.cleanup().await;
    }
}

/// The actions a case page offers this user: the values of its action forms.
fn offered(page: &str) -> Vec<String> {
    page.split("name=\"action\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_case_page_offers_each_role_only_its_own_steps() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let community = app.login(&format!("c{}", &grid[..12])).await;
    let street = app.login(&format!("s{}", &grid[..9])).await;
    let handler = app.login(&format!("h{}", &grid[..6])).await;
    let city = app.login("admin").await;
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let case = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "占道经营", "grid_code": grid}),
        )
        .await
        .expect(201);
    let id = case["id"].as_i64().unwrap();
    let page = |who: Session| {
        let app = &app;
        async move { offered(&app.get(&who.auth(), &format!("/cases/{id}")).await.text) }
    };
    // Reported: the community files, cancels or merges; the street may also supervise.
    let mine = page(worker.clone()).await;
    for step in ["file", "cancel", "merge", "supervise"] {
        assert!(
            !mine.contains(&step.to_string()),
            "worker offered {step}: {mine:?}"
        );
    }
    let c = page(community.clone()).await;
    assert!(c.contains(&"file".to_string()), "{c:?}");
    assert!(!c.contains(&"supervise".to_string()), "{c:?}");
    assert!(
        page(street.clone())
            .await
            .contains(&"supervise".to_string())
    );
    assert!(page(handler.clone()).await.is_empty());

    let department = Catalogue::seed().departments[0].code.clone();
    for body in [
        json!({"action": "file", "note": ""}),
        json!({"action": "dispatch", "department": department, "note": ""}),
    ] {
        app.post(
            &community.auth(),
            &format!("/api/v1/cases/{id}/actions"),
            &body,
        )
        .await
        .expect(200);
    }
    // Dispatched: the department takes it or sends it back; the admins do not.
    let h = page(handler.clone()).await;
    assert!(
        h.contains(&"accept".to_string()) && h.contains(&"return".to_string()),
        "{h:?}"
    );
    assert!(!h.contains(&"supervise".to_string()), "{h:?}");
    for admin in [community, city] {
        let a = page(admin).await;
        assert!(
            !a.contains(&"accept".to_string()) && !a.contains(&"return".to_string()),
            "{a:?}"
        );
    }
    app.cleanup().await;
}

async fn inbox(app: &App, who: &Session, case: i64) -> Vec<serde_json::Value> {
    app.get(&who.auth(), "/api/v1/notifications?unread=true")
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["case_id"] == case)
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_hand_over_notifies_its_next_actor() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[0].code.clone();
        let worker = app.login(&format!("g{grid}-1")).await;
        let other_worker = app.login(&format!("g{grid}-2")).await;
        let community = app.login(&format!("c{}", &grid[..12])).await;
        let handler = app.login(&format!("h{}", &grid[..6])).await;
        let category = Catalogue::seed().leaves().next().unwrap().code.clone();
        let case = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": category, "description": "垃圾满溢", "grid_code": grid}),
            )
            .await
            .expect(201);
        let id = case["id"].as_i64().unwrap();
        let act = |who: &Session, body: serde_json::Value| {
            let (app, who) = (&app, who.clone());
            async move {
                app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
                    .await
                    .expect(200)
            }
        };
        let waiting = inbox(&app, &community, id).await;
        assert_eq!(
            waiting.len(),
            1,
            "{label}: the dispatcher hears of the report"
        );
        assert!(
            waiting[0]["message"].as_str().unwrap().contains("立案"),
            "{waiting:?}"
        );
        assert!(
            inbox(&app, &worker, id).await.is_empty(),
            "{label}: not the reporter"
        );

        let department = Catalogue::seed().departments[0].code.clone();
        act(&community, json!({"action": "file", "note": ""})).await;
        assert!(inbox(&app, &handler, id).await.is_empty(), "{label}");
        act(
            &community,
            json!({"action": "dispatch", "department": department, "note": ""}),
        )
        .await;
        assert_eq!(
            inbox(&app, &handler, id).await.len(),
            1,
            "{label}: the department"
        );
        act(&handler, json!({"action": "accept", "note": ""})).await;
        act(
            &handler,
            json!({"action": "handle", "feedback": "已清运", "photos": []}),
        )
        .await;
        for w in [&worker, &other_worker] {
            let n = inbox(&app, w, id).await;
            assert_eq!(
                n.len(),
                1,
                "{label}: {} is asked to verify: {n:?}",
                w.username
            );
        }
        act(
            &other_worker,
            json!({"action": "verify", "passed": false, "note": "仍有垃圾"}),
        )
        .await;
        assert_eq!(
            inbox(&app, &handler, id).await.len(),
            2,
            "{label}: rework goes back to the department"
        );
        act(
            &handler,
            json!({"action": "handle", "feedback": "再次清运", "photos": []}),
        )
        .await;
        act(
            &other_worker,
            json!({"action": "verify", "passed": true, "note": ""}),
        )
        .await;
        let reporter = inbox(&app, &worker, id).await;
        assert!(
            reporter
                .iter()
                .any(|n| n["message"].as_str().unwrap().contains("评价")),
            "{label}: the reporter is asked to rate: {reporter:?}"
        );

        // The page lists them; opening one goes to the case and marks it read.
        let page = app.get(&handler.auth(), "/notifications").await;
        assert_eq!(page.status, 200, "{label}");
        assert!(page.text.contains(&format!("#{id}")), "{label}");
        let nid = inbox(&app, &handler, id).await[0]["id"].as_i64().unwrap();
        let opened = send(
            app.req(
                &handler.auth(),
                reqwest::Method::POST,
                &format!("/notifications/{nid}/open"),
            )
            .form(&[("csrf_token", handler.csrf.as_str())]),
        )
        .await;
        assert_eq!(opened.status, 303, "{label}");
        assert_eq!(
            opened.header("location"),
            Some(format!("/cases/{id}").as_str())
        );
        assert!(
            inbox(&app, &handler, id)
                .await
                .iter()
                .all(|n| n["id"] != nid)
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn case_pages_speak_one_language_and_the_switch_keeps_the_case() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let community = app.login(&format!("c{}", &grid[..12])).await;
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let id = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "路灯不亮", "grid_code": grid}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &community.auth(),
        &format!("/api/v1/cases/{id}/actions"),
        &json!({"action": "file", "note": "属实"}),
    )
    .await
    .expect(200);
    let path = format!("/cases/{id}");
    let zh = app.get(&community.auth(), &path).await.text;
    for raw in [
        "<strong>report</strong>",
        "<strong>file</strong>",
        ">filed<",
    ] {
        assert!(!zh.contains(raw), "raw code {raw} on the Chinese page");
    }
    assert!(zh.contains("<strong>立案</strong>"), "the step is named");
    let reporter = app
        .city
        .accounts
        .iter()
        .find(|a| a.username == worker.username)
        .unwrap()
        .display_name
        .clone();
    assert!(
        zh.contains(&format!("title=\"{}\">{reporter}<", worker.username)),
        "the timeline names people, not login codes"
    );
    let community_name = app
        .city
        .accounts
        .iter()
        .find(|a| a.username == community.username)
        .unwrap()
        .display_name
        .clone();
    assert!(zh.contains(&community_name), "the top bar names the user");
    assert!(
        zh.contains(&format!("back=/cases/{id}\"")),
        "the language switch comes back to this case"
    );
    let english = send(
        app.req(&community.auth(), reqwest::Method::GET, &path)
            .header("cookie", format!("{}; tongxin_lang=en", community.cookie)),
    )
    .await
    .text;
    assert!(
        english.contains("<strong>File</strong>"),
        "English step names"
    );
    assert!(english.contains("Filed"), "English status names");
    app.cleanup().await;
}

#[tokio::test]
async fn the_top_bar_lists_only_the_pages_a_role_can_use() {
    let app = sqlite_app().await;
    let resident = app
        .city
        .accounts
        .iter()
        .find(|a| a.role == "resident")
        .unwrap()
        .username
        .clone();
    let district = app.city.grids[0].code[..6].to_string();
    let bar = |page: &str| page.split("<main").next().unwrap_or_default().to_string();
    let r = app.login(&resident).await;
    let top = bar(&app.get(&r.auth(), "/report").await.text);
    assert!(top.contains("href=\"/report\""), "{top}");
    assert!(top.contains("href=\"/disclosure\""), "{top}");
    for hidden in [
        "href=\"/cases\"",
        "href=\"/admin\"",
        "href=\"/disclosure/staff\"",
    ] {
        assert!(
            !top.contains(hidden),
            "a resident is offered {hidden}: {top}"
        );
    }
    assert!(top.contains("href=\"#main\""), "a skip link");
    let h = app.login(&format!("h{district}")).await;
    let top = bar(&app.get(&h.auth(), "/cases").await.text);
    assert!(top.contains("href=\"/cases\""), "{top}");
    assert!(!top.contains("href=\"/deliberation\""), "{top}");
    let auditor = app.login("auditor").await;
    let top = bar(&app.get(&auditor.auth(), "/indicators").await.text);
    assert!(
        !top.contains("href=\"/report\"") && !top.contains("href=\"/cases\""),
        "{top}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_case_number_typed_into_the_search_opens_the_case() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let id = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "树木倒伏", "grid_code": grid}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let community = app.login(&format!("c{}", &grid[..12])).await;
    for typed in [format!("{id}"), format!("%23{id}")] {
        let r = app
            .get(&community.auth(), &format!("/cases?q={typed}"))
            .await;
        assert_eq!(r.status, 303, "{typed}");
        assert_eq!(r.header("location"), Some(format!("/cases/{id}").as_str()));
    }
    let other = app
        .city
        .grids
        .iter()
        .find(|g| g.code[..6] != grid[..6])
        .unwrap()
        .code
        .clone();
    let outsider = app.login(&format!("d{}", &other[..6])).await;
    let r = app.get(&outsider.auth(), &format!("/cases?q={id}")).await;
    assert_eq!(r.status, 200, "an outsider stays on the list");
    app.cleanup().await;
}

#[tokio::test]
async fn residents_follow_their_reports_and_rate_them() {
    let app = sqlite_app().await;
    let account = app
        .city
        .accounts
        .iter()
        .find(|a| a.role == "resident")
        .unwrap()
        .clone();
    let grid = account.node_code.clone();
    let resident = app.login(&account.username).await;
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let id = app
        .post(
            &resident.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "小区路灯坏了", "grid_code": grid}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let page = app.get(&resident.auth(), "/my-reports").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains(&format!("/cases/{id}")),
        "the report is listed"
    );
    assert!(page.text.contains("href=\"/my-reports\""), "in the top bar");

    let community = app.login(&format!("c{}", &grid[..12])).await;
    let handler = app.login(&format!("h{}", &grid[..6])).await;
    let worker = app.login(&format!("g{grid}-1")).await;
    let department = Catalogue::seed().departments[0].code.clone();
    for (who, body) in [
        (&community, json!({"action": "file", "note": ""})),
        (
            &community,
            json!({"action": "dispatch", "department": department, "note": ""}),
        ),
        (&handler, json!({"action": "accept", "note": ""})),
        (
            &handler,
            json!({"action": "handle", "feedback": "已更换灯泡", "photos": []}),
        ),
        (
            &worker,
            json!({"action": "verify", "passed": true, "note": "已亮"}),
        ),
    ] {
        app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
            .await
            .expect(200);
    }
    let page = app.get(&resident.auth(), "/my-reports").await;
    assert!(
        page.text.contains("待您评价"),
        "closed cases ask for a rating"
    );
    let case_page = app.get(&resident.auth(), &format!("/cases/{id}")).await;
    assert!(
        case_page.text.contains("value=\"rate\""),
        "the case page offers the rating"
    );
    app.post(
        &resident.auth(),
        &format!("/api/v1/cases/{id}/actions"),
        &json!({"action": "rate", "satisfaction": "satisfied", "comment": ""}),
    )
    .await
    .expect(200);
    let page = app.get(&resident.auth(), "/my-reports").await;
    assert!(!page.text.contains("待您评价"), "rated");
    app.cleanup().await;
}

// --- lists with totals and page numbers, the warning list, after-photos, the case map -----

/// A year of demo cases in the small city (the warning list and the paged lists need many).
async fn with_history(app: &App) {
    let catalogue = Catalogue::seed();
    let calendar = tongxin_core::cases::calendar::Calendar::builtin();
    tongxin_demo::load::cases::load_history(
        app.store(),
        &tongxin_demo::load::cases::HistoryRequest {
            city: &app.city,
            catalogue: &catalogue,
            calendar: &calendar,
            cases: 1_500,
            seed: 11,
            figures: tongxin_demo::load::cases::EnterpriseFigures::SMALL,
            password_hash: "x",
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{}: history: {e}", app.label));
}

async fn count(app: &App, sql: &str, binds: &[&str]) -> i64 {
    let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.fetch_one(app.store().pool()).await.unwrap().0
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&").replace("&quot;", "\"")
}

/// The address of the pager's link marked `rel`.
fn pager_link(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!("rel=\"{rel}\""))?;
    let before = &html[..at];
    let start = before.rfind("href=\"")? + 6;
    let end = start + html[start..].find('"')?;
    Some(unescape(&html[start..end]))
}

/// A number the pager carries (`data-total`, `data-pages`).
fn pager_number(html: &str, name: &str) -> Option<i64> {
    let nav = &html[html.find("<nav class=\"pager\"")?..];
    let start = nav.find(&format!("data-{name}=\""))? + name.len() + 7;
    nav[start..].split('"').next()?.parse().ok()
}

/// The case numbers linked from the page (`/cases/{id}`), in order.
fn case_links(html: &str) -> Vec<i64> {
    html.split("href=\"/cases/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

/// The rows of the warning list, by case number.
fn warning_rows(html: &str) -> Vec<i64> {
    html.split("data-case=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

fn warning_row(html: &str, id: i64) -> &str {
    let start = html
        .find(&format!("data-case=\"{id}\""))
        .unwrap_or_else(|| panic!("case #{id} is not in the warning list"));
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

#[tokio::test]
async fn case_lists_show_their_total_and_number_their_pages() {
    for app in apps().await {
        let label = app.label;
        with_history(&app).await;
        let district = app.districts()[0].clone();
        let upper = format!("{district}A");
        let staff = app.login(&format!("d{district}")).await;
        let closed = count(
            &app,
            "SELECT COUNT(*) FROM cases WHERE grid_code >= $1 AND grid_code < $2 AND status = $3",
            &[&district, &upper, "closed"],
        )
        .await;
        assert!(closed > 100, "{label}: {closed} closed cases");
        let view = format!("/cases?within={district}&status=closed");
        let first = app.get(&staff.auth(), &view).await;
        assert_eq!(first.status, 200, "{label}");
        assert!(
            first.text.contains(&format!("共 {closed} 件")),
            "{label}: the list says how many: {closed}"
        );
        let pages = (closed + 49) / 50;
        assert_eq!(pager_number(&first.text, "total"), Some(closed), "{label}");
        assert_eq!(pager_number(&first.text, "pages"), Some(pages), "{label}");
        let ids1 = case_links(&first.text);
        assert_eq!(ids1.len(), 50, "{label}: a full first page");
        let newest = count(
            &app,
            "SELECT MAX(id) FROM cases WHERE grid_code >= $1 AND grid_code < $2 AND status = $3",
            &[&district, &upper, "closed"],
        )
        .await;
        assert_eq!(ids1[0], newest, "{label}: newest first");
        // Every page link keeps the view's filters.
        let next = pager_link(&first.text, "next").expect("a next page");
        for kept in [
            format!("within={district}"),
            "status=closed".into(),
            "page=2".into(),
        ] {
            assert!(next.contains(&kept), "{label}: {next} lost {kept}");
        }
        let second = app.get(&staff.auth(), &next).await;
        let ids2 = case_links(&second.text);
        assert_eq!(ids2.len(), 50, "{label}");
        assert!(ids2.iter().all(|id| !ids1.contains(id)), "{label}");
        assert!(ids2[0] < ids1[49], "{label}: page 2 follows page 1");
        let last = pager_link(&second.text, "last").expect("a last page");
        assert!(last.contains(&format!("page={pages}")) && last.contains("status=closed"));
        let tail = case_links(&app.get(&staff.auth(), &last).await.text);
        assert_eq!(
            tail.len() as i64,
            closed - 50 * (pages - 1),
            "{label}: {last}"
        );
        let prev = pager_link(&second.text, "prev").expect("a previous page");
        assert_eq!(case_links(&app.get(&staff.auth(), &prev).await.text), ids1);

        // 我的上报: the reporter's own total and pages.
        let (reporter, reports): (i64, i64) = sqlx::query_as(
            "SELECT reporter_id, COUNT(*) FROM cases GROUP BY reporter_id ORDER BY COUNT(*) DESC, reporter_id LIMIT 1",
        )
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        let (username,): (String,) = sqlx::query_as("SELECT username FROM users WHERE id = $1")
            .bind(reporter)
            .fetch_one(app.store().pool())
            .await
            .unwrap();
        let me = app.login(&username).await;
        let mine = app.get(&me.auth(), "/my-reports").await;
        assert_eq!(mine.status, 200, "{label}");
        assert!(
            mine.text.contains(&format!("共 {reports} 件")),
            "{label}: {username} reported {reports}"
        );
        assert_eq!(pager_number(&mine.text, "total"), Some(reports), "{label}");
        let mine_pages = (reports + 49) / 50;
        assert_eq!(pager_number(&mine.text, "pages"), Some(mine_pages));
        let mut seen = case_links(&mine.text);
        let mut next = pager_link(&mine.text, "next");
        while let Some(href) = next {
            let page = app.get(&me.auth(), &href).await;
            seen.extend(case_links(&page.text));
            next = pager_link(&page.text, "next");
        }
        seen.dedup();
        assert_eq!(seen.len() as i64, reports, "{label}: every report once");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn the_warning_list_has_every_overdue_case_with_grid_department_and_dispatch() {
    for app in apps().await {
        let label = app.label;
        with_history(&app).await;
        let grid = app.city.grids[0].clone();
        let district = grid.code[..6].to_string();
        let other = app
            .districts()
            .into_iter()
            .find(|d| *d != district)
            .unwrap();
        let worker = app.login(&format!("g{}-1", grid.code)).await;
        let community = app.login(&format!("c{}", &grid.code[..12])).await;
        let handler = app.login(&format!("h{district}")).await;
        let admin = app.login("admin").await;

        // Two cases long overdue: one with a department, one waiting for dispatch.
        let mut ids = Vec::new();
        for (text, dispatch) in [("井盖缺失", true), ("路灯不亮", false)] {
            let id = app
                .post(
                    &worker.auth(),
                    "/api/v1/cases",
                    &json!({"category": "1101", "description": text, "grid_code": grid.code}),
                )
                .await
                .expect(201)["id"]
                .as_i64()
                .unwrap();
            let mut steps = vec![json!({"action": "file", "note": ""})];
            if dispatch {
                steps.push(json!({"action": "dispatch", "department": "cgj", "note": ""}));
            }
            for body in steps {
                app.post(
                    &community.auth(),
                    &format!("/api/v1/cases/{id}/actions"),
                    &body,
                )
                .await
                .expect(200);
            }
            ids.push(id);
        }
        for (id, due) in ids.iter().zip([1_000_i64, 2_000]) {
            sqlx::query("UPDATE cases SET step_due_at = $1 WHERE id = $2")
                .bind(due)
                .bind(*id)
                .execute(app.store().pool())
                .await
                .unwrap();
        }
        let (with_department, waiting) = (ids[0], ids[1]);
        // Many more run late: a report from every grid and the history's open cases, a few
        // hours or days past their deadlines.
        for g in &app.city.grids {
            let who = app.login(&format!("g{}-1", g.code)).await;
            app.post(
                &who.auth(),
                "/api/v1/cases",
                &json!({"category": "0102", "description": "乱堆物料", "grid_code": g.code}),
            )
            .await
            .expect(201);
        }
        let now = tongxin_store::now_millis();
        sqlx::query(
            "UPDATE cases SET step_due_at = $1 - (id % 97) * 3600000 \
             WHERE status IN ('reported', 'filed', 'dispatched', 'accepted', 'handled') AND id <> $2 AND id <> $3",
        )
        .bind(now)
        .bind(ids[0])
        .bind(ids[1])
        .execute(app.store().pool())
        .await
        .unwrap();

        // The city sees all of them, a page at a time, with the total.
        let open = "status IN ('reported', 'filed', 'dispatched', 'accepted', 'handled') AND step_due_at < $1";
        let sql_count = |at: i64| {
            let app = &app;
            async move {
                let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM cases WHERE {open}"
                )))
                .bind(at)
                .fetch_one(app.store().pool())
                .await
                .unwrap();
                n
            }
        };
        let soon = 2 * 3_600_000;
        let before = sql_count(tongxin_store::now_millis() + soon).await;
        let overdue_before = sql_count(tongxin_store::now_millis()).await;
        let first = app.get(&admin.auth(), "/cases/warnings").await;
        let after = sql_count(tongxin_store::now_millis() + soon).await;
        let overdue_after = sql_count(tongxin_store::now_millis()).await;
        assert_eq!(first.status, 200, "{label}: {}", first.text);
        let total = pager_number(&first.text, "total").expect("the total");
        assert!(
            (before..=after).contains(&total) && total > 20,
            "{label}: {total} listed, {before}..{after} in the store"
        );
        assert!(first.text.contains(&format!("共 {total} 件")), "{label}");
        let overdue_shown = overdue_before..=overdue_after;
        assert!(
            overdue_shown.clone().any(|n| first
                .text
                .contains(&format!("其中超期 <strong>{n}</strong>"))),
            "{label}: overdue {overdue_shown:?}"
        );
        let rows = warning_rows(&first.text);
        assert_eq!(rows.len(), 20, "{label}: a full first page");
        assert_eq!(&rows[..2], &ids[..], "{label}: the longest overdue first");
        let mut all = rows.clone();
        let mut next = pager_link(&first.text, "next");
        while let Some(href) = next {
            assert!(href.starts_with("/cases/warnings?"), "{href}");
            let page = app.get(&admin.auth(), &href).await;
            all.extend(warning_rows(&page.text));
            next = pager_link(&page.text, "next");
        }
        let mut distinct = all.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), all.len(), "{label}: no case twice");
        assert!(
            (before..=after).contains(&(all.len() as i64)),
            "{label}: every warning case is listed ({} of {total})",
            all.len()
        );

        // Each row: the grid by name, the department it is with, how long overdue.
        let row = warning_row(&first.text, with_department);
        assert!(row.contains(&grid.name), "{label}: {row}");
        assert!(
            row.contains("南宁市城市管理综合行政执法局"),
            "{label}: {row}"
        );
        assert!(row.contains("超期"), "{label}: {row}");
        assert!(
            !row.contains("form"),
            "{label}: a dispatched case is not dispatched again"
        );

        // Dispatch right there, only by those who dispatch, only to the district's departments.
        let page = app.get(&community.auth(), "/cases/warnings").await.text;
        let row = warning_row(&page, waiting);
        assert!(
            row.contains(&grid.name) && row.contains("未派遣"),
            "{label}: {row}"
        );
        assert!(row.contains("value=\"dispatch\""), "{label}: {row}");
        assert!(
            row.contains(&format!("value=\"cgj-{district}\"")),
            "{label}: {row}"
        );
        assert!(
            !row.contains(&format!("-{other}\"")),
            "{label}: another district's department: {row}"
        );
        for who in [&handler, &worker] {
            let page = app.get(&who.auth(), "/cases/warnings").await;
            assert_eq!(page.status, 200, "{label}");
            assert!(
                !warning_row(&page.text, waiting).contains("value=\"dispatch\""),
                "{label}: {} is offered a dispatch",
                who.username
            );
        }
        let refused = app
            .post(
                &community.auth(),
                &format!("/api/v1/cases/{waiting}/actions"),
                &json!({"action": "dispatch", "department": format!("tjzx-{other}"), "note": ""}),
            )
            .await;
        let problem = refused.problem(422);
        assert_eq!(
            problem["errors"][0]["field"], "department",
            "{label}: {problem}"
        );
        let done = send(
            app.req(
                &community.auth(),
                reqwest::Method::POST,
                &format!("/cases/{waiting}/act"),
            )
            .form(&[
                ("csrf_token", community.csrf.as_str()),
                ("action", "dispatch"),
                ("department", &format!("cgj-{district}")),
                ("back", "/cases/warnings?page=1"),
            ]),
        )
        .await;
        assert_eq!(done.status, 303, "{label}: {}", done.text);
        let location = done.header("location").unwrap_or_default().to_string();
        assert!(
            location.starts_with("/cases/warnings?page=1&done="),
            "{label}: {location}"
        );
        let case = app
            .get(&community.auth(), &format!("/api/v1/cases/{waiting}"))
            .await
            .expect(200);
        assert_eq!(case["status"], "dispatched", "{label}");
        assert_eq!(case["department"], format!("cgj-{district}"), "{label}");

        // The map shows the first page, and its page numbers lead to the whole list.
        let map = app.get(&community.auth(), "/map").await.text;
        assert!(map.contains("id=\"warning-total\""), "{label}");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn repeated_places_are_named_never_given_as_coordinates() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[2].clone();
        let worker = app.login(&format!("g{}-1", grid.code)).await;
        let staff = app.login(&format!("c{}", &grid.code[..12])).await;
        let [lon, lat] = interior_point(&app.grid_ring(&grid.code));
        for (n, category) in ["0102", "1101", "0401"].into_iter().enumerate() {
            app.post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": category, "description": format!("同一处 {n}"), "lon": lon, "lat": lat, "address": "民族大道 100 号门前"}),
            )
            .await
            .expect(201);
        }
        let map = app.get(&staff.auth(), "/map").await.text;
        let start = map.find("同一地点反复上报").expect("the repeated places");
        let places = &map[start..start + map[start..].find("</ul>").unwrap()];
        assert!(
            places.contains(&grid.name)
                && places.contains("民族大道 100 号门前")
                && places.contains("3 件"),
            "{label}: {places}"
        );
        // No number with four or more decimals (a longitude or latitude) anywhere in it.
        let decimals = places
            .split(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
            .filter(|w| w.split_once('.').is_some_and(|(_, d)| d.len() >= 4))
            .count();
        assert_eq!(decimals, 0, "{label}: coordinates shown: {places}");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_handler_attaches_after_photos_and_the_case_page_shows_both_and_the_map() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[0].clone();
        let worker = app.login(&format!("g{}-1", grid.code)).await;
        let community = app.login(&format!("c{}", &grid.code[..12])).await;
        let handler = app.login(&format!("h{}", &grid.code[..6])).await;
        let upload = |who: &Session, bytes: Vec<u8>| {
            send(
                app.req(&who.auth(), reqwest::Method::POST, "/api/v1/media")
                    .header("content-type", "application/octet-stream")
                    .body(bytes),
            )
        };
        let before = upload(&worker, png(64, 48)).await.expect(201)["hash"]
            .as_str()
            .unwrap()
            .to_string();
        let [lon, lat] = interior_point(&app.grid_ring(&grid.code));
        let id = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": "1101", "description": "井盖破损", "lon": lon, "lat": lat, "photos": [before]}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        for (who, body) in [
            (&community, json!({"action": "file", "note": ""})),
            (
                &community,
                json!({"action": "dispatch", "department": "cgj", "note": ""}),
            ),
            (&handler, json!({"action": "accept", "note": ""})),
        ] {
            app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
                .await
                .expect(200);
        }
        // The handle form offers a photo, uploaded as the report form's is.
        let page = app.get(&handler.auth(), &format!("/cases/{id}")).await.text;
        assert!(
            page.contains("name=\"photos\""),
            "{label}: the handle form takes photos"
        );
        let mut after = Vec::new();
        for bytes in [png(80, 60), png(90, 70)] {
            after.push(
                upload(&handler, bytes).await.expect(201)["hash"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let done = send(
            app.req(
                &handler.auth(),
                reqwest::Method::POST,
                &format!("/cases/{id}/act"),
            )
            .form(&[
                ("csrf_token", handler.csrf.as_str()),
                ("action", "handle"),
                ("text", "已更换井盖"),
                ("photos", &after.join(",")),
            ]),
        )
        .await;
        assert_eq!(done.status, 303, "{label}: {}", done.text);
        let case = app
            .get(&handler.auth(), &format!("/api/v1/cases/{id}"))
            .await
            .expect(200);
        assert_eq!(case["status"], "handled", "{label}");

        // Before and after, labelled; and the point inside its grid's outline.
        let page = app
            .get(&community.auth(), &format!("/cases/{id}"))
            .await
            .text;
        let photos = &page[page.find("id=\"case-photos\"").expect("the photos card")..];
        let split = photos.find("class=\"after\"").expect("an after section");
        let (before_part, after_part) = photos.split_at(split);
        assert!(
            before_part.contains("处置前") && before_part.contains(&before),
            "{label}"
        );
        assert!(after_part.contains("处置后"), "{label}");
        for h in &after {
            assert!(after_part.contains(h.as_str()), "{label}: after-photo {h}");
            let r = app
                .get(&community.auth(), &format!("/api/v1/media/{h}/thumbnail"))
                .await;
            assert_eq!(r.status, 200, "{label}: the community sees the after-photo");
        }
        let map = &page[page.find("id=\"case-map\"").expect("the case's map")..];
        let map = &map[..map.find("</svg>").unwrap()];
        assert!(
            map.contains("class=\"outline\"") && map.contains("class=\"point\""),
            "{label}: {map}"
        );
        assert!(map.contains("data-inside=\"1\""), "{label}: {map}");
        assert!(
            map.contains("</path><circle class=\"point\""),
            "{label}: each shape is closed, so the point is not hidden inside the outline: {map}"
        );
        assert!(
            !map.contains("href") && !map.contains("<image"),
            "{label}: nothing loaded from elsewhere"
        );
        assert!(map.contains(&grid.name), "{label}: the grid is named");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn what_the_store_cannot_read_is_said_on_the_page_not_shown_as_nothing() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[0].code.clone();
        let worker = app.login(&format!("g{grid}-1")).await;
        let community = app.login(&format!("c{}", &grid[..12])).await;
        let id = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": "1101", "description": "井盖破损", "grid_code": grid}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        sqlx::query("ALTER TABLE case_events RENAME TO case_events_away")
            .execute(app.store().pool())
            .await
            .unwrap();
        let page = app.get(&community.auth(), &format!("/cases/{id}")).await;
        assert!(
            page.text.contains("处置经过未能读取"),
            "{label}: the timeline's failure is said: {}",
            page.text
        );
        sqlx::query("ALTER TABLE case_events_away RENAME TO case_events")
            .execute(app.store().pool())
            .await
            .unwrap();
        // The warning list and its patterns read the cases; without them each says so.
        sqlx::query("ALTER TABLE cases RENAME TO cases_away")
            .execute(app.store().pool())
            .await
            .unwrap();
        let page = app.get(&community.auth(), "/cases/warnings").await;
        assert_eq!(page.status, 200, "{label}");
        for said in [
            "预警案件未能读取",
            "聚集未能计算",
            "同一地点反复上报未能计算",
        ] {
            assert!(page.text.contains(said), "{label}: {said}: {}", page.text);
        }
        sqlx::query("ALTER TABLE cases_away RENAME TO cases")
            .execute(app.store().pool())
            .await
            .unwrap();
        app.cleanup().await;
    }
}
