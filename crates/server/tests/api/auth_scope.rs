//! Sign-in, sessions, CSRF, bearer tokens, and who may see or grant what.

use crate::common::{Auth, PASSWORD, apps, sqlite_app};
use serde_json::json;

fn compound(community: &str, grid: &str, name: &str) -> serde_json::Value {
    json!({"community_code": community, "grid_code": grid, "name": name, "households": 120})
}

async fn compound_count(app: &crate::common::App) -> i64 {
    tongxin_store::territory::counts(app.store(), "")
        .await
        .unwrap()
        .compounds
}

async fn user_id(app: &crate::common::App, username: &str) -> i64 {
    tongxin_store::access::find_user_by_name(app.store(), username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {username}"))
        .id
}

#[tokio::test]
async fn login_cookie_csrf_and_logout() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[0].code.clone();
        let community = grid[..12].to_string();

        // Login: an HttpOnly, SameSite session cookie and a CSRF token in the body.
        let r = app.login_reply("admin", PASSWORD).await;
        let body = r.expect(200);
        let set_cookie = r.header("set-cookie").expect("Set-Cookie").to_string();
        let attrs: Vec<String> = set_cookie
            .split(';')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        assert!(
            attrs[0].starts_with("tongxin_session=") && attrs[0].len() > 30,
            "{label}: {set_cookie}"
        );
        assert!(attrs.contains(&"httponly".into()), "{label}: {set_cookie}");
        assert!(
            attrs.contains(&"samesite=lax".into()) || attrs.contains(&"samesite=strict".into()),
            "{label}: {set_cookie}"
        );
        assert!(attrs.contains(&"path=/".into()), "{label}: {set_cookie}");
        assert!(
            !attrs.contains(&"secure".into()),
            "{label}: not Secure by default"
        );
        let csrf = body["csrf_token"].as_str().expect("csrf_token").to_string();
        assert!(csrf.len() >= 16, "{label}");
        assert_eq!(body["username"], "admin");
        assert_eq!(body["roles"][0]["role"], "city_admin", "{label}: {body}");
        assert_eq!(body["roles"][0]["node"], "450100", "{label}: {body}");
        let cookie = set_cookie.split(';').next().unwrap().trim().to_string();
        let with_csrf = Auth::Cookie {
            cookie: cookie.clone(),
            csrf: Some(csrf.clone()),
        };
        let no_csrf = Auth::Cookie {
            cookie: cookie.clone(),
            csrf: None,
        };

        // /auth/me with the cookie; without it, 401.
        let me = app.get(&no_csrf, "/api/v1/auth/me").await.expect(200);
        assert_eq!(me["username"], "admin", "{label}");
        assert_eq!(me["user_id"], body["user_id"], "{label}");
        assert!(me.get("csrf_token").is_none(), "{label}: {me}");
        app.get(&Auth::None, "/api/v1/auth/me").await.problem(401);

        // A cookie-authenticated write without the CSRF header: 403, nothing written.
        let before = compound_count(&app).await;
        let p = app
            .post(
                &no_csrf,
                "/api/v1/compounds",
                &compound(&community, &grid, "无令牌小区"),
            )
            .await
            .problem(403);
        assert!(
            p["type"].as_str().unwrap().ends_with("/csrf"),
            "{label}: {p}"
        );
        let wrong = Auth::Cookie {
            cookie: cookie.clone(),
            csrf: Some("0".repeat(csrf.len())),
        };
        app.post(
            &wrong,
            "/api/v1/compounds",
            &compound(&community, &grid, "错令牌小区"),
        )
        .await
        .problem(403);
        assert_eq!(compound_count(&app).await, before, "{label}");

        // With the header it goes through.
        let c = app
            .post(
                &with_csrf,
                "/api/v1/compounds",
                &compound(&community, &grid, "有令牌小区"),
            )
            .await
            .expect(201);
        assert_eq!(c["name"], "有令牌小区", "{label}");
        assert_eq!(compound_count(&app).await, before + 1, "{label}");

        // Logout is a write too: CSRF required.
        app.post(&no_csrf, "/api/v1/auth/logout", &json!({}))
            .await
            .problem(403);
        let out = app
            .post(&with_csrf, "/api/v1/auth/logout", &json!({}))
            .await;
        assert_eq!(out.status, 204, "{label}: {}", out.text);
        let cleared = out.header("set-cookie").expect("logout clears the cookie");
        assert!(
            cleared.starts_with("tongxin_session=;"),
            "{label}: {cleared}"
        );
        assert!(
            cleared.to_ascii_lowercase().contains("max-age=0"),
            "{label}: {cleared}"
        );

        // The old cookie no longer works, for reads or writes.
        let p = app.get(&no_csrf, "/api/v1/auth/me").await.problem(401);
        assert!(
            p["type"].as_str().unwrap().ends_with("/unauthenticated"),
            "{p}"
        );
        app.post(
            &with_csrf,
            "/api/v1/compounds",
            &compound(&community, &grid, "登出后小区"),
        )
        .await
        .problem(401);
        assert_eq!(compound_count(&app).await, before + 1, "{label}");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn bad_password_and_unknown_user_get_the_same_401() {
    let app = sqlite_app().await;
    let wrong = app.login_reply("admin", "not-the-password").await;
    let unknown = app.login_reply("nobody-here", "not-the-password").await;
    let a = wrong.problem(401);
    let b = unknown.problem(401);
    assert_eq!(
        wrong.text, unknown.text,
        "the bodies must not tell them apart"
    );
    assert_eq!(a, b);
    assert!(wrong.header("set-cookie").is_none());
    assert!(unknown.header("set-cookie").is_none());
    // Malformed login bodies are problems too, never a session.
    let r = crate::common::send(
        app.http
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body("{\"username\": \"admin\""),
    )
    .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);
    r.problem(r.status);
    assert!(r.header("set-cookie").is_none());
    app.cleanup().await;
}

#[tokio::test]
async fn disabled_user_cannot_log_in() {
    for app in apps().await {
        let label = app.label;
        let community = app.communities_of("")[0].clone();
        let username = format!("c{community}");
        let victim = app.login(&username).await;
        let admin = app.login("admin").await;
        let id = user_id(&app, &username).await;

        let v = app
            .post(
                &admin.auth(),
                &format!("/api/v1/users/{id}/disable"),
                &json!({}),
            )
            .await
            .expect(200);
        assert_eq!(v["disabled"], true, "{label}: {v}");

        app.login_reply(&username, PASSWORD).await.problem(401);
        // The session opened before is gone too.
        app.get(&victim.auth(), "/api/v1/auth/me")
            .await
            .problem(401);

        // Nobody disables themselves.
        let p = app
            .post(
                &admin.auth(),
                &format!("/api/v1/users/{}/disable", admin.user_id),
                &json!({}),
            )
            .await
            .problem(409);
        assert!(p["detail"].as_str().unwrap().contains("disable"), "{p}");

        let v = app
            .post(
                &admin.auth(),
                &format!("/api/v1/users/{id}/enable"),
                &json!({}),
            )
            .await
            .expect(200);
        assert_eq!(v["disabled"], false, "{label}");
        let again = app.login(&username).await;
        app.get(&again.auth(), "/api/v1/auth/me").await.expect(200);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn bearer_token_issue_use_and_revoke() {
    for app in apps().await {
        let label = app.label;
        let district = app.districts()[0].clone();
        let street = app.streets_of(&district)[0].clone();
        let grid = app.grids_of(&street)[0].clone();
        let admin = app.login("admin").await;

        let user = app
            .post(
                &admin.auth(),
                "/api/v1/users",
                &json!({"username": "bot.street-1", "display_name": "对接系统",
                        "password": "long-enough-secret",
                        "roles": [{"role": "street_admin", "node": street}]}),
            )
            .await
            .expect(201);
        let bot_id = user["id"].as_i64().unwrap();
        assert_eq!(user["roles"][0]["role"], "street_admin", "{label}: {user}");
        assert_eq!(user["roles"][0]["node"], street.as_str(), "{label}");
        assert_eq!(user["disabled"], false);

        // The same username again: 409 problem.
        app.post(
            &admin.auth(),
            "/api/v1/users",
            &json!({"username": "bot.street-1", "display_name": "重复",
                    "password": "long-enough-secret",
                    "roles": [{"role": "street_admin", "node": street}]}),
        )
        .await
        .problem(409);

        let t = app
            .post(
                &admin.auth(),
                "/api/v1/tokens",
                &json!({"user_id": bot_id, "name": "街道对接", "expires_in_days": 30}),
            )
            .await
            .expect(201);
        let token = t["token"].as_str().expect("token shown once").to_string();
        assert!(token.starts_with("txn_"), "{label}: {token}");
        assert!(t["expires_at"].as_i64().is_some(), "{label}");
        let token_id = t["id"].as_i64().unwrap();
        // Only the hash is stored.
        assert!(
            tongxin_store::access::find_token(app.store(), &token)
                .await
                .unwrap()
                .is_none(),
            "{label}: token stored in clear"
        );

        let bearer = Auth::Bearer(token.clone());
        let me = app.get(&bearer, "/api/v1/auth/me").await.expect(200);
        assert_eq!(me["username"], "bot.street-1", "{label}");
        assert_eq!(me["user_id"], bot_id);
        let grids = app.get(&bearer, "/api/v1/grids").await.expect(200);
        let codes: Vec<&str> = grids["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            app.grids_of(&street),
            "{label}: the token has the user's reach"
        );
        // Writes with a bearer token need no CSRF header.
        app.post(
            &bearer,
            "/api/v1/compounds",
            &compound(&grid[..12], &grid, "令牌小区"),
        )
        .await
        .expect(201);
        // …but stay inside the user's reach.
        let other_street = app.streets_of(&district)[1].clone();
        let foreign = app.grids_of(&other_street)[0].clone();
        app.post(
            &bearer,
            "/api/v1/compounds",
            &compound(&foreign[..12], &foreign, "越界小区"),
        )
        .await
        .problem(404);

        let r = app
            .delete(&admin.auth(), &format!("/api/v1/tokens/{token_id}"))
            .await;
        assert_eq!(r.status, 204, "{label}: {}", r.text);
        let p = app.get(&bearer, "/api/v1/auth/me").await.problem(401);
        assert!(
            p["detail"].as_str().unwrap().contains("revoked"),
            "{label}: {p}"
        );
        app.get(&Auth::Bearer("txn_not-a-token".into()), "/api/v1/auth/me")
            .await
            .problem(401);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn street_admin_cannot_see_another_streets_grid() {
    for app in apps().await {
        let label = app.label;
        let district = app.districts()[0].clone();
        let streets = app.streets_of(&district);
        let (own, other) = (&streets[0], &streets[1]);
        let own_grid = app.grids_of(own)[0].clone();
        let other_grid = app.grids_of(other)[0].clone();
        let missing_inside = format!("{}099", app.communities_of(own)[0]);
        let missing_outside = format!("{}099", app.communities_of(other)[0]);
        let s = app.login(&format!("s{own}")).await;

        let g = app
            .get(&s.auth(), &format!("/api/v1/grids/{own_grid}"))
            .await
            .expect(200);
        assert_eq!(g["code"], own_grid.as_str(), "{label}");

        let hidden = app
            .get(&s.auth(), &format!("/api/v1/grids/{other_grid}"))
            .await;
        let hidden_body = hidden.problem(404);
        let absent = app
            .get(&s.auth(), &format!("/api/v1/grids/{missing_inside}"))
            .await;
        absent.problem(404);
        let absent_outside = app
            .get(&s.auth(), &format!("/api/v1/grids/{missing_outside}"))
            .await;
        absent_outside.problem(404);
        assert_eq!(
            hidden.text, absent.text,
            "{label}: another street's grid must look exactly like a grid that does not exist"
        );
        assert_eq!(hidden.text, absent_outside.text, "{label}");
        assert!(
            hidden_body["type"]
                .as_str()
                .unwrap()
                .ends_with("/not-found")
        );

        // Lists and divisions are scoped the same way.
        app.get(&s.auth(), &format!("/api/v1/grids?within={other}"))
            .await
            .problem(404);
        app.get(&s.auth(), &format!("/api/v1/divisions/{other}"))
            .await
            .problem(404);
        let listed = app.get(&s.auth(), "/api/v1/grids").await.expect(200);
        let codes: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, app.grids_of(own), "{label}");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn grid_worker_sees_own_grid_and_its_ancestors_only() {
    for app in apps().await {
        let label = app.label;
        let district = app.districts()[0].clone();
        let street = app.streets_of(&district)[0].clone();
        let community = app.communities_of(&street)[0].clone();
        let grids = app.grids_of(&community);
        let mine = grids[0].clone();
        let neighbour = grids[1].clone();
        let w = app.login(&format!("g{mine}-1")).await;

        let g = app
            .get(&w.auth(), &format!("/api/v1/grids/{mine}?geometry=true"))
            .await
            .expect(200);
        assert_eq!(g["code"], mine.as_str(), "{label}");
        let expected_workers = app
            .city
            .accounts
            .iter()
            .filter(|a| a.role == "grid_worker" && a.node_code == mine)
            .count();
        assert_eq!(g["grid_workers"], expected_workers as i64, "{label}: {g}");
        assert_eq!(g["geometry"]["type"], "Polygon", "{label}");
        let path: Vec<&str> = g["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            path,
            ["450100", &district, &street, &community, &mine],
            "{label}"
        );

        // Ancestors are visible as breadcrumbs, without the subtree's totals.
        for code in [&district, &street, &community] {
            let d = app
                .get(&w.auth(), &format!("/api/v1/divisions/{code}"))
                .await
                .expect(200);
            assert_eq!(d["code"], code.as_str(), "{label}");
            assert!(
                d.get("counts").is_none(),
                "{label}: worker sees totals of {code}: {d}"
            );
        }

        // Listing within the district shows only the worker's own grid.
        let listed = app
            .get(&w.auth(), &format!("/api/v1/grids?within={district}"))
            .await
            .expect(200);
        let codes: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, [mine.as_str()], "{label}");
        assert!(listed["next_cursor"].is_null(), "{label}");

        app.get(&w.auth(), &format!("/api/v1/grids/{neighbour}"))
            .await
            .problem(404);
        let other_district = app.districts()[1].clone();
        app.get(&w.auth(), &format!("/api/v1/divisions/{other_district}"))
            .await
            .problem(404);
        // Grid workers manage nothing.
        app.post(
            &w.auth(),
            "/api/v1/compounds",
            &compound(&community, &mine, "网格员建的小区"),
        )
        .await
        .problem(403);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn district_admin_grants_only_inside_the_district_and_no_auditors() {
    for app in apps().await {
        let label = app.label;
        let districts = app.districts();
        let (own, other) = (&districts[0], &districts[1]);
        let own_grid = app.grids_of(own)[0].clone();
        let other_grid = app.grids_of(other)[0].clone();
        let d = app.login(&format!("d{own}")).await;
        let users_before = tongxin_store::access::count_users(app.store())
            .await
            .unwrap();
        let new_user = |username: &str, role: &str, node: &str| {
            json!({"username": username, "display_name": "新网格员", "password": "long-enough-secret",
                   "roles": [{"role": role, "node": node}]})
        };

        let p = app
            .post(
                &d.auth(),
                "/api/v1/users",
                &new_user("w-foreign", "grid_worker", &other_grid),
            )
            .await
            .problem(404);
        assert!(
            p["type"].as_str().unwrap().ends_with("/not-found"),
            "{label}: {p}"
        );
        let p = app
            .post(
                &d.auth(),
                "/api/v1/users",
                &new_user("aud-own", "auditor", own),
            )
            .await
            .problem(403);
        assert!(
            p["type"].as_str().unwrap().ends_with("/forbidden"),
            "{label}: {p}"
        );
        app.post(
            &d.auth(),
            "/api/v1/users",
            &new_user("city-own", "city_admin", "450100"),
        )
        .await
        .problem(404);
        assert_eq!(
            tongxin_store::access::count_users(app.store())
                .await
                .unwrap(),
            users_before,
            "{label}: nothing created"
        );

        // Inside the district it works; the role must fit the node's level.
        let ok = app
            .post(
                &d.auth(),
                "/api/v1/users",
                &new_user("w-own", "grid_worker", &own_grid),
            )
            .await
            .expect(201);
        assert_eq!(ok["roles"][0]["node"], own_grid.as_str(), "{label}");
        let p = app
            .post(
                &d.auth(),
                "/api/v1/users",
                &new_user("w-level", "grid_worker", own),
            )
            .await
            .problem(422);
        assert!(
            p["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with("roles[0]"),
            "{label}: {p}"
        );
        // A node that does not exist inside the district is named.
        let missing = format!("{}099", app.communities_of(own)[0]);
        app.post(
            &d.auth(),
            "/api/v1/users",
            &new_user("w-missing", "grid_worker", &missing),
        )
        .await
        .problem(422);
        app.cleanup().await;
    }
}

/// BUG (security): `managed_user` (crates/server/src/access/handlers.rs) accepts a user when
/// the actor manages *any one* of the user's bindings, and `issue_token` then issues a token
/// carrying *all* of that user's bindings. A district admin can thus mint a token for a user
/// who is also city_admin (given one binding inside the district) and act as city admin.
#[tokio::test]
async fn district_admin_cannot_mint_a_token_with_powers_beyond_the_district() {
    let app = sqlite_app().await;
    let own = app.districts()[0].clone();
    let own_grid = app.grids_of(&own)[0].clone();
    let admin = app.login("admin").await;
    let dual = app
        .post(
            &admin.auth(),
            "/api/v1/users",
            &json!({"username": "dual-role", "display_name": "双重角色", "password": "long-enough-secret",
                    "roles": [{"role": "city_admin", "node": "450100"},
                              {"role": "grid_worker", "node": own_grid}]}),
        )
        .await
        .expect(201);
    let dual_id = dual["id"].as_i64().unwrap();

    let d = app.login(&format!("d{own}")).await;
    let r = app
        .post(
            &d.auth(),
            "/api/v1/tokens",
            &json!({"user_id": dual_id, "name": "借来的权限"}),
        )
        .await;
    if r.status == 201 {
        // Show what the district admin got: the city-wide audit trail, and more.
        let token = r.json()["token"].as_str().unwrap().to_string();
        let audit = app.get(&Auth::Bearer(token), "/api/v1/audit?limit=1").await;
        panic!(
            "district admin minted a token for a city admin (status 201); with it GET /api/v1/audit answered {}",
            audit.status
        );
    }
    assert!(
        r.status == 403 || r.status == 404,
        "expected refusal, got {}: {}",
        r.status,
        r.text
    );
    app.cleanup().await;
}

/// BUG (same root cause as above): a district admin can disable a city admin who also holds
/// one binding inside the district.
#[tokio::test]
async fn district_admin_cannot_disable_a_city_admin_bound_in_the_district() {
    let app = sqlite_app().await;
    let own = app.districts()[0].clone();
    let own_grid = app.grids_of(&own)[0].clone();
    let admin = app.login("admin").await;
    let dual = app
        .post(
            &admin.auth(),
            "/api/v1/users",
            &json!({"username": "dual-admin", "display_name": "市级兼网格员", "password": "long-enough-secret",
                    "roles": [{"role": "city_admin", "node": "450100"},
                              {"role": "grid_worker", "node": own_grid}]}),
        )
        .await
        .expect(201);
    let dual_id = dual["id"].as_i64().unwrap();
    let d = app.login(&format!("d{own}")).await;
    let r = app
        .post(
            &d.auth(),
            &format!("/api/v1/users/{dual_id}/disable"),
            &json!({}),
        )
        .await;
    assert!(
        r.status == 403 || r.status == 404,
        "district admin disabled a city admin: {} {}",
        r.status,
        r.text
    );
    app.cleanup().await;
}

#[tokio::test]
async fn login_throttle_treats_known_and_unknown_users_alike() {
    let app = sqlite_app().await;
    let max = tongxin_server::access::throttle::MAX_FAILURES;
    for _ in 0..max {
        app.login_reply("admin", "wrong-password")
            .await
            .problem(401);
        app.login_reply("ghost-user", "wrong-password")
            .await
            .problem(401);
    }
    // Locked now, even with the right password; an unknown name locks the same way, so
    // the lock does not reveal which accounts exist.
    let known = app.login_reply("admin", PASSWORD).await;
    let unknown = app.login_reply("ghost-user", PASSWORD).await;
    let a = known.problem(429);
    let b = unknown.problem(429);
    assert_eq!(a["type"], b["type"]);
    assert_eq!(a["title"], b["title"]);
    assert!(known.header("set-cookie").is_none());
    // Other accounts are not affected.
    app.login("auditor").await;
    app.cleanup().await;
}

#[tokio::test]
async fn people_change_their_own_password_and_other_sessions_end() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[0].code.clone();
        let name = format!("g{grid}-1");
        let here = app.login(&name).await;
        let elsewhere = app.login(&name).await;
        let change = |current: &str, new: &str| {
            let (app, here) = (&app, here.clone());
            let body = json!({"current_password": current, "new_password": new});
            async move { app.post(&here.auth(), "/api/v1/auth/password", &body).await }
        };
        let wrong = change("not-my-password", "a-long-new-secret")
            .await
            .problem(422);
        assert_eq!(wrong["errors"][0]["field"], "current_password", "{label}");
        let weak = change(PASSWORD, "short").await.problem(422);
        assert_eq!(weak["errors"][0]["field"], "new_password", "{label}");
        let done = change(PASSWORD, "a-long-new-secret").await;
        assert_eq!(done.status, 204, "{label}: {}", done.text);
        app.get(&here.auth(), "/api/v1/auth/me").await.expect(200);
        app.get(&elsewhere.auth(), "/api/v1/auth/me")
            .await
            .problem(401);
        assert_eq!(
            app.login_reply(&name, PASSWORD).await.status,
            401,
            "{label}"
        );
        assert_eq!(
            app.login_reply(&name, "a-long-new-secret").await.status,
            200,
            "{label}"
        );

        // The same from the account page.
        let page = app.get(&here.auth(), "/account").await;
        assert!(page.text.contains("/account/password"), "{label}");
        let posted = crate::common::send(
            app.req(&here.auth(), reqwest::Method::POST, "/account/password")
                .form(&[
                    ("csrf_token", here.csrf.as_str()),
                    ("current_password", "a-long-new-secret"),
                    ("new_password", "another-long-secret"),
                ]),
        )
        .await;
        assert_eq!(posted.status, 303, "{label}: {}", posted.text);
        assert_eq!(
            app.login_reply(&name, "another-long-secret").await.status,
            200,
            "{label}"
        );
        app.cleanup().await;
    }
}
