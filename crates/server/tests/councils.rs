//! Councils, elections and motions over HTTP on SQLite and PostgreSQL: a council with its
//! versioned charter, an election by secret ballot counted under the statutory rules and
//! published into members, motions voted openly, secretly and by a show of hands — and every
//! refusal: a second vote (409), a voter outside the electorate (403), an unlinked account
//! (403), a vote after closing (409), an unknown candidate or option (422 naming the field).
//! Then the demo loader and the voting page without JavaScript.

mod common;

use common::*;
use serde_json::{Value, json};
use tongxin_core::demo::DEFAULT_SEED;

/// The community of the demo's sample resident accounts (`r<community>001`).
fn sample_community(app: &App) -> String {
    app.city
        .accounts
        .iter()
        .find(|a| a.role == "resident")
        .map(|a| a.node_code[..12].to_string())
        .expect("a sample resident")
}

async fn link(app: &App, admin: &Auth, user_id: i64, resident: i64) {
    app.put(
        admin,
        &format!("/api/v1/users/{user_id}/resident"),
        &json!({"resident_id": resident}),
    )
    .await
    .expect(200);
}

trait PutPatch {
    async fn put(&self, auth: &Auth, path: &str, body: &Value) -> Reply;
    async fn patch(&self, auth: &Auth, path: &str, body: &Value) -> Reply;
}

impl PutPatch for App {
    async fn put(&self, auth: &Auth, path: &str, body: &Value) -> Reply {
        send(self.req(auth, reqwest::Method::PUT, path).json(body)).await
    }
    async fn patch(&self, auth: &Auth, path: &str, body: &Value) -> Reply {
        send(self.req(auth, reqwest::Method::PATCH, path).json(body)).await
    }
}

async fn new_resident_user(app: &App, admin: &Auth, name: &str, grid: &str) -> Session {
    app.post(
        admin,
        "/api/v1/users",
        &json!({"username": name, "display_name": name, "password": PASSWORD,
                "roles": [{"role": "resident", "node": grid}]}),
    )
    .await
    .expect(201);
    app.login(name).await
}

fn field_of(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn councils_elections_and_motions_on_both_engines() {
    for app in apps().await {
        with_people(&app).await;
        run(&app).await;
        demo_and_pages(&app).await;
        app.cleanup().await;
    }
}

async fn run(app: &App) {
    let community = sample_community(app);
    let grid = format!("{community}001");
    let admin = app.login(&format!("c{community}")).await.auth();
    let people = adults(app, &community).await;
    assert!(people.len() >= 10, "{}: {} adults", app.label, people.len());
    let (x, y, z, w) = (people[0], people[1], people[2], people[3]);

    // A council with the statutory defaults, and a bad kind.
    let bad = app
        .post(
            &admin,
            "/api/v1/councils",
            &json!({"community_code": community, "kind": "club", "charter": "章程"}),
        )
        .await
        .problem(422);
    assert_eq!(field_of(&bad), "kind", "{}", app.label);
    let council = app
        .post(
            &admin,
            "/api/v1/councils",
            &json!({"community_code": community, "kind": "friends_council", "charter": "第一条 本会……", "rules": {"seats": 2}}),
        )
        .await
        .expect(201);
    let cid = council["id"].as_i64().unwrap();
    assert_eq!(council["rules"]["seats"], 2);
    assert_eq!(
        council["rules"]["quorum"],
        json!({"num": 1, "den": 2, "strict": true})
    );
    let bad_rules = app
        .put(
            &admin,
            &format!("/api/v1/councils/{cid}/rules"),
            &json!({"quorum": {"num": 3, "den": 2, "strict": true}}),
        )
        .await
        .problem(422);
    assert_eq!(field_of(&bad_rules), "rules.quorum");

    // The charter is versioned: a new version, the old one kept.
    let v2 = app
        .post(
            &admin,
            &format!("/api/v1/councils/{cid}/charters"),
            &json!({"body": "第一条 修订后……", "note": "2026 年会议修订"}),
        )
        .await
        .expect(201);
    assert_eq!(v2["version"], 2);
    let history = app
        .get(&admin, &format!("/api/v1/councils/{cid}/charters"))
        .await
        .expect(200);
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["version"], 2);
    assert_eq!(history[1]["body"], "第一条 本会……");

    // Accounts linked to residents: the sample resident is x, a new account is w.
    let rx = app.login(&format!("r{grid}")).await;
    link(app, &admin, rx.user_id, x).await;
    let ry = new_resident_user(app, &admin, &format!("ry{}", app.label), &grid).await;
    link(app, &admin, ry.user_id, y).await;
    let rw = new_resident_user(app, &admin, &format!("rw{}", app.label), &grid).await;
    link(app, &admin, rw.user_id, w).await;
    let unlinked = new_resident_user(app, &admin, &format!("rn{}", app.label), &grid).await;
    let taken = app
        .put(
            &admin,
            &format!("/api/v1/users/{}/resident", unlinked.user_id),
            &json!({"resident_id": x}),
        )
        .await
        .problem(409);
    assert!(taken["detail"].as_str().unwrap().contains("already linked"));

    // An election: x, y, z are candidates; x, y, z the listed electorate.
    let now = tongxin_store::now_millis();
    let bad = app
        .post(
            &admin,
            &format!("/api/v1/councils/{cid}/elections"),
            &json!({"title": "选举", "opens_at": now - 1000, "closes_at": now + 3_600_000, "candidates": [999_999_999], "electorate": "listed", "electors": [x]}),
        )
        .await
        .problem(422);
    assert_eq!(field_of(&bad), "candidates[0]");
    let election = app
        .post(
            &admin,
            &format!("/api/v1/councils/{cid}/elections"),
            &json!({"title": "第一届选举", "opens_at": now - 1000, "closes_at": now + 3_600_000,
                    "candidates": [x, y, z], "electorate": "listed", "electors": [x, y, z]}),
        )
        .await
        .expect(201);
    let eid = election["id"].as_i64().unwrap();
    assert_eq!(election["state"], "open");
    assert_eq!(election["electorate_size"], 3);
    assert_eq!(election["seats"], 2);
    assert!(election["result"].is_null());
    assert_eq!(election["candidates"][0]["resident_id"], x);

    let votes = format!("/api/v1/elections/{eid}/votes");
    let r = app
        .post(&rx.auth(), &votes, &json!({"candidates": [1, 2]}))
        .await
        .expect(201);
    assert_eq!(r["secret"], true);
    // A second vote by the same person.
    let again = app
        .post(&rx.auth(), &votes, &json!({"candidates": [3]}))
        .await
        .problem(409);
    assert!(
        again["detail"].as_str().unwrap().contains("already voted"),
        "{again}"
    );
    // An unknown candidate, named.
    let unknown = app
        .post(&ry.auth(), &votes, &json!({"candidates": [1, 9]}))
        .await
        .problem(422);
    assert_eq!(field_of(&unknown), "candidates[1]");
    let too_many = app
        .post(&ry.auth(), &votes, &json!({"candidates": [1, 2, 3]}))
        .await
        .problem(422);
    assert_eq!(field_of(&too_many), "candidates");
    // Not in the electorate; not linked; not a voter's role.
    let outsider = app
        .post(&rw.auth(), &votes, &json!({"candidates": [1]}))
        .await
        .problem(403);
    assert!(
        outsider["detail"].as_str().unwrap().contains("electorate"),
        "{outsider}"
    );
    let nolink = app
        .post(&unlinked.auth(), &votes, &json!({"candidates": [1]}))
        .await
        .problem(403);
    assert!(nolink["detail"].as_str().unwrap().contains("not linked"));
    app.post(&admin, &votes, &json!({"candidates": [1]}))
        .await
        .problem(403);
    app.post(&ry.auth(), &votes, &json!({"candidates": [1]}))
        .await
        .expect(201);

    // Before closing no count is shown; my standing is.
    let mine = app
        .get(&ry.auth(), &format!("/api/v1/elections/{eid}"))
        .await
        .expect(200);
    assert!(mine["result"].is_null());
    assert_eq!(mine["voted"], 2);
    assert_eq!(
        mine["me"],
        json!({"resident_id": y, "eligible": true, "voted": true})
    );

    // The papers carry no voter and no time.
    let papers: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT paper, voter_id FROM ballot_papers WHERE ballot_id = $1 ORDER BY paper",
    )
    .bind(eid)
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    assert_eq!(papers.len(), 2);
    assert!(papers.iter().all(|(k, v)| v.is_none() && k.len() == 32));

    // Publishing needs a closed ballot; after closing, votes are refused.
    app.post(
        &admin,
        &format!("/api/v1/elections/{eid}/publish"),
        &json!({}),
    )
    .await
    .problem(409);
    let closed = app
        .post(
            &admin,
            &format!("/api/v1/elections/{eid}/close"),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(closed["state"], "closed");
    let late = app
        .post(&rw.auth(), &votes, &json!({"candidates": [1]}))
        .await
        .problem(409);
    assert!(late["detail"].as_str().unwrap().contains("closed"));
    // Sealing rewrote the papers under new keys.
    let sealed: Vec<(String,)> =
        sqlx::query_as("SELECT paper FROM ballot_papers WHERE ballot_id = $1 ORDER BY paper")
            .bind(eid)
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    assert_eq!(sealed.len(), 2);
    assert!(
        sealed
            .iter()
            .all(|(k,)| !papers.iter().any(|(p, _)| p == k))
    );
    // Turnout 2 of 3 is valid; x has 2 votes (> 1 of 2 cast), y 1 (not more than half).
    let result = &closed["result"];
    assert_eq!(result["valid"], true, "{result}");
    assert_eq!(result["votes_cast"], 2);
    assert_eq!(result["threshold_votes"], 2);
    assert_eq!(result["elected"], json!([x]));
    assert_eq!(result["vacancies"], 1);

    let published = app
        .post(
            &admin,
            &format!("/api/v1/elections/{eid}/publish"),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(published["state"], "published");
    app.post(
        &admin,
        &format!("/api/v1/elections/{eid}/publish"),
        &json!({}),
    )
    .await
    .problem(409);
    let view = app
        .get(&rx.auth(), &format!("/api/v1/councils/{cid}"))
        .await
        .expect(200);
    let members = view["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{view}");
    assert_eq!(members[0]["resident_id"], x);
    assert_eq!(members[0]["election_id"], eid);
    assert!(view["party_share"]["target_count"].as_u64().is_some());
    assert!(view["buildings_not_covered"].is_array());
    // The chair role is set by the community.
    let mid = members[0]["id"].as_i64().unwrap();
    let chair = app
        .patch(
            &admin,
            &format!("/api/v1/council-members/{mid}"),
            &json!({"role": "chair"}),
        )
        .await
        .expect(200);
    assert_eq!(chair["role"], "chair");

    motions(app, cid, &admin, &rx, &ry, (x, y, z)).await;
    let spec = app
        .get(&Auth::None, "/api/v1/openapi.json")
        .await
        .expect(200);
    for path in [
        "/api/v1/councils",
        "/api/v1/elections/{id}/votes",
        "/api/v1/motions/{id}/hands",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
}

async fn motions(
    app: &App,
    cid: i64,
    admin: &Auth,
    rx: &Session,
    ry: &Session,
    (x, y, z): (i64, i64, i64),
) {
    let now = tongxin_store::now_millis();
    let motions = format!("/api/v1/councils/{cid}/motions");
    // Open ballot of the members (x alone serves).
    let m = app
        .post(admin, &motions, &json!({"title": "加装电梯", "mode": "open", "closes_at": now + 3_600_000, "meeting_date": "2026-11-27"}))
        .await
        .expect(201);
    let mid = m["id"].as_i64().unwrap();
    assert_eq!(m["electorate_size"], 1);
    let votes = format!("/api/v1/motions/{mid}/votes");
    let bad = app
        .post(&rx.auth(), &votes, &json!({"choice": "maybe"}))
        .await
        .problem(422);
    assert_eq!(field_of(&bad), "choice");
    app.post(&ry.auth(), &votes, &json!({"choice": "for"}))
        .await
        .problem(403);
    app.post(&rx.auth(), &votes, &json!({"choice": "for"}))
        .await
        .expect(201);
    app.post(&rx.auth(), &votes, &json!({"choice": "against"}))
        .await
        .problem(409);
    let open = app
        .get(admin, &format!("/api/v1/motions/{mid}"))
        .await
        .expect(200);
    assert_eq!(
        open["votes"],
        json!([{"resident_id": x, "name": open["votes"][0]["name"], "choice": "for"}])
    );
    let done = app
        .post(admin, &format!("/api/v1/motions/{mid}/close"), &json!({}))
        .await
        .expect(200);
    assert_eq!(done["result"]["passed"], true, "{done}");
    assert_eq!(done["result"]["verdict"], "passed");
    app.post(&rx.auth(), &votes, &json!({"choice": "for"}))
        .await
        .problem(409);

    // Show of hands: the counts are checked, then recorded once.
    let h = app
        .post(
            admin,
            &motions,
            &json!({"title": "停车位", "mode": "show_of_hands", "closes_at": now + 3_600_000}),
        )
        .await
        .expect(201);
    let hid = h["id"].as_i64().unwrap();
    app.post(
        &rx.auth(),
        &format!("/api/v1/motions/{hid}/votes"),
        &json!({"choice": "for"}),
    )
    .await
    .problem(409);
    let hands = format!("/api/v1/motions/{hid}/hands");
    let bad = app
        .post(
            admin,
            &hands,
            &json!({"present": 5, "for": 1, "against": 0, "abstain": 0}),
        )
        .await
        .problem(422);
    assert_eq!(field_of(&bad), "present");
    let counted = app
        .post(
            admin,
            &hands,
            &json!({"present": 1, "for": 0, "against": 1, "abstain": 0}),
        )
        .await
        .expect(200);
    assert_eq!(
        counted["result"]["verdict"], "majority_not_reached",
        "{counted}"
    );
    assert!(
        counted["result"]["reason"]
            .as_str()
            .unwrap()
            .contains("majority not reached")
    );
    app.post(
        admin,
        &hands,
        &json!({"present": 1, "for": 1, "against": 0, "abstain": 0}),
    )
    .await
    .problem(409);

    // A secret motion of a listed electorate: one of three votes, no quorum.
    let s = app
        .post(admin, &motions, &json!({"title": "物业费", "mode": "secret", "closes_at": now + 3_600_000, "electorate": "listed", "electors": [x, y, z]}))
        .await
        .expect(201);
    let sid = s["id"].as_i64().unwrap();
    app.post(
        &ry.auth(),
        &format!("/api/v1/motions/{sid}/votes"),
        &json!({"choice": "for"}),
    )
    .await
    .expect(201);
    let closed = app
        .post(admin, &format!("/api/v1/motions/{sid}/close"), &json!({}))
        .await
        .expect(200);
    assert_eq!(closed["result"]["verdict"], "quorum_not_met", "{closed}");
    assert_eq!(closed["result"]["counts"]["present"], 1);
    assert_eq!(closed["result"]["quorum_needed"], 2);
    assert!(closed["votes"].is_null());
    let list = app.get(&rx.auth(), &motions).await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 3);
}

async fn demo_and_pages(app: &App) {
    let started = std::time::Instant::now();
    let counts = tongxin_server::deliberation::demo::load_councils(app.store(), DEFAULT_SEED)
        .await
        .unwrap_or_else(|e| panic!("{}: demo councils: {e}", app.label));
    eprintln!(
        "{}: demo councils {counts:?} in {:?}",
        app.label,
        started.elapsed()
    );
    // The test's own council exists already: the loader leaves a database with councils alone.
    assert_eq!(counts.councils, 0);
    for t in [
        "user_residents",
        "ballot_papers",
        "ballot_voters",
        "ballot_electorate",
        "ballot_options",
        "ballots",
        "council_members",
        "council_charters",
        "councils",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
            .execute(app.store().pool())
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    let counts = tongxin_server::deliberation::demo::load_councils(app.store(), DEFAULT_SEED)
        .await
        .unwrap();
    eprintln!(
        "{}: demo councils {counts:?} in {:?}",
        app.label,
        started.elapsed()
    );
    assert_eq!(counts.councils, 8, "{counts:?}");
    assert_eq!(counts.elections, 8);
    assert_eq!(counts.motions, 8 * 12);
    assert!(counts.members >= 8 * 3, "{counts:?}");
    assert!(counts.party_members * 5 >= counts.members, "{counts:?}");
    assert!(counts.votes > 0 && counts.election_papers > 0);

    // Through the API, a demo council's election is published and its motions decided.
    let community = sample_community(app);
    let admin = app.login(&format!("c{community}")).await.auth();
    let list = app.get(&admin, "/api/v1/councils").await.expect(200);
    let cid = list[0]["id"].as_i64().unwrap();
    let elections = app
        .get(&admin, &format!("/api/v1/councils/{cid}/elections"))
        .await
        .expect(200);
    assert_eq!(elections[0]["state"], "published");
    assert_eq!(
        elections[0]["result"]["valid"], true,
        "{}",
        elections[0]["result"]
    );
    let council = app
        .get(&admin, &format!("/api/v1/councils/{cid}"))
        .await
        .expect(200);
    assert_eq!(
        council["members"].as_array().unwrap().len(),
        elections[0]["result"]["elected"].as_array().unwrap().len()
    );
    assert_eq!(council["members"][0]["role"], "chair");
    let motions = app
        .get(&admin, &format!("/api/v1/councils/{cid}/motions"))
        .await
        .expect(200);
    assert!(
        motions
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["result"]["reason"].is_string())
    );

    // The council page, and voting without JavaScript.
    let page = app.get(&admin, &format!("/councils/{cid}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("老友议事会") && page.text.contains("章程"));
    let rx = app.login(&format!("r{community}001")).await;
    let chair: i64 = council["members"][0]["resident_id"].as_i64().unwrap();
    link(app, &admin, rx.user_id, chair).await;
    let now = tongxin_store::now_millis();
    let m = app
        .post(
            &admin,
            &format!("/api/v1/councils/{cid}/motions"),
            &json!({"title": "长者饭堂", "mode": "secret", "closes_at": now + 3_600_000}),
        )
        .await
        .expect(201);
    let id = m["id"].as_i64().unwrap();
    let form = app.get(&rx.auth(), &format!("/ballots/{id}/vote")).await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains("name=\"choice\""));
    let post = |body: String| {
        send(
            app.req(
                &rx.auth_without_csrf(),
                reqwest::Method::POST,
                &format!("/ballots/{id}/vote"),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
        )
    };
    let stale = post("csrf_token=wrong&choice=for".into()).await;
    assert_eq!(stale.status, 422);
    let ok = post(format!("csrf_token={}&choice=for", rx.csrf)).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let twice = post(format!("csrf_token={}&choice=against", rx.csrf)).await;
    assert_eq!(twice.status, 409);
    let view = app
        .get(&rx.auth(), &format!("/api/v1/motions/{id}"))
        .await
        .expect(200);
    assert_eq!(view["me"]["voted"], true);
}

#[tokio::test]
async fn demo_residents_see_why_and_vote_from_the_pages() {
    let app = sqlite_app().await;
    with_people(&app).await;
    let counts = tongxin_server::deliberation::demo::load_councils(app.store(), DEFAULT_SEED)
        .await
        .unwrap();
    assert!(counts.linked_accounts > 0, "{counts:?}");
    // A demo resident linked to a member of their community's council.
    let (username, community): (String, String) = sqlx::query_as(
        "SELECT u.username, c.community_code FROM user_residents l \
         JOIN users u ON u.id = l.user_id \
         JOIN council_members m ON m.resident_id = l.resident_id \
         JOIN councils c ON c.id = m.council_id \
         WHERE u.username LIKE 'r%' ORDER BY u.id LIMIT 1",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    let staff = app.login(&format!("c{community}")).await;
    let cid = app.get(&staff.auth(), "/api/v1/councils").await.expect(200)[0]["id"]
        .as_i64()
        .unwrap();
    let now = tongxin_store::now_millis();
    let motion = app
        .post(
            &staff.auth(),
            &format!("/api/v1/councils/{cid}/motions"),
            &json!({"title": "楼道安装声控灯", "mode": "secret", "closes_at": now + 3_600_000}),
        )
        .await
        .expect(201);
    let mid = motion["id"].as_i64().unwrap();

    // The resident sees the vote link on the council page and votes from the form.
    let resident = app.login(&username).await;
    let page = app.get(&resident.auth(), &format!("/councils/{cid}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains(&format!("/ballots/{mid}/vote")),
        "no vote link"
    );
    let form = app
        .get(&resident.auth(), &format!("/ballots/{mid}/vote"))
        .await;
    assert!(form.text.contains("name=\"choice\""));
    let cast = send(
        app.req(
            &resident.auth(),
            reqwest::Method::POST,
            &format!("/ballots/{mid}/vote"),
        )
        .form(&[("csrf_token", resident.csrf.as_str()), ("choice", "for")]),
    )
    .await;
    assert!(cast.status == 303 || cast.status == 200, "{}", cast.text);
    let after = app.get(&resident.auth(), &format!("/councils/{cid}")).await;
    assert!(
        after.text.contains("您已投票"),
        "the page says the vote is in"
    );

    // Someone who may not vote is told why before any form.
    let worker = app.login(&format!("g{community}001-1")).await;
    let refused = app
        .get(&worker.auth(), &format!("/ballots/{mid}/vote"))
        .await;
    assert!(
        refused.text.contains("只有居民和党员可以投票")
            || refused.text.contains("尚未关联居民档案")
            || refused.text.contains("不在本次投票的名单内"),
        "{}",
        refused.text
    );
    app.cleanup().await;
}
