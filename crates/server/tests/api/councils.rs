//! Councils, elections and motions over HTTP on SQLite and PostgreSQL: a council with its
//! versioned charter, an election by secret ballot counted under the statutory rules and
//! published into members, motions voted openly, secretly and by a show of hands — and every
//! refusal: a second vote (409), a voter outside the electorate (403), an unlinked account
//! (403), a vote after closing (409), an unknown candidate or option (422 naming the field).
//! Then the demo loader and the voting page without JavaScript.

use crate::common::*;
use serde_json::{Value, json};
use tongxin_demo::DEFAULT_SEED;

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
    let counts = tongxin_demo::load::councils::load_councils(app.store(), DEFAULT_SEED)
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
    let counts = tongxin_demo::load::councils::load_councils(app.store(), DEFAULT_SEED)
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
    let counts = tongxin_demo::load::councils::load_councils(app.store(), DEFAULT_SEED)
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

// --- The staff pages ----------------------------------------------------------------------

/// A page form posted as a browser does: the session cookie, the form's token in the body
/// (no CSRF header), and the fields.
async fn page_form(app: &App, s: &Session, path: &str, fields: &[(&str, &str)]) -> Reply {
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", s.csrf.as_str())];
    all.extend_from_slice(fields);
    send(
        app.req(&s.auth_without_csrf(), reqwest::Method::POST, path)
            .form(&all),
    )
    .await
}

/// An HTML page in the layout, never JSON.
#[track_caller]
fn html_page(r: &Reply, status: u16) -> &str {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(
        r.content_type().starts_with("text/html"),
        "{}: {}",
        r.content_type(),
        r.text
    );
    assert!(r.text.contains("<main"), "not in the layout: {}", r.text);
    &r.text
}

async fn ballots_of(app: &App, cid: i64) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ballots WHERE council_id = $1")
        .bind(cid)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    n
}

async fn ballot_id(app: &App, title: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM ballots WHERE title = $1")
        .bind(title)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    id
}

async fn linked_resident(app: &App, user_id: i64) -> Option<i64> {
    sqlx::query_as::<_, (i64,)>("SELECT resident_id FROM user_residents WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(app.store().pool())
        .await
        .unwrap()
        .map(|r| r.0)
}

/// The value of the hidden `idempotency_key` in the form posting to `action`.
fn form_key(page: &str, action: &str) -> String {
    let form = page
        .split("<form")
        .find(|f| f.contains(&format!("action=\"{action}\"")))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let marker = "name=\"idempotency_key\" value=\"";
    let at = form.find(marker).unwrap() + marker.len();
    form[at..at + 32].to_string()
}

fn location(r: &Reply) -> String {
    r.header("location").unwrap_or_default().to_string()
}

#[tokio::test]
async fn staff_pages_create_count_and_link_on_both_engines() {
    for app in apps().await {
        with_people(&app).await;
        tongxin_demo::load::councils::load_councils(app.store(), DEFAULT_SEED)
            .await
            .unwrap_or_else(|e| panic!("{}: demo councils: {e}", app.label));
        staff_pages(&app).await;
        app.cleanup().await;
    }
}

async fn staff_pages(app: &App) {
    let community = sample_community(app);
    let grid = format!("{community}001");
    let staff = app.login(&format!("c{community}")).await;
    let resident = app.login(&format!("r{community}001")).await;
    let worker = app.login(&format!("g{grid}-1")).await;
    // The council where the demo resident serves (and so votes).
    let now = tongxin_store::now_millis();
    let (cid,): (i64,) = sqlx::query_as(
        "SELECT m.council_id FROM council_members m JOIN user_residents l ON l.resident_id = m.resident_id \
         WHERE l.user_id = $1 AND m.term_start <= $2 AND m.term_end > $2 ORDER BY m.council_id LIMIT 1",
    )
    .bind(resident.user_id)
    .bind(now)
    .fetch_one(app.store().pool())
    .await
    .unwrap_or_else(|e| panic!("{}: r{community}001 serves on no council: {e}", app.label));
    let council = format!("/councils/{cid}");
    let motions = format!("/councils/{cid}/motions");
    let elections = format!("/councils/{cid}/elections");
    let link = format!("/councils/{cid}/link");
    assert!(
        linked_resident(app, resident.user_id).await.is_some(),
        "{}: the demo links r{community}001",
        app.label
    );

    // Who sees which form.
    let page = app.get(&staff.auth(), &council).await;
    let page = html_page(&page, 200);
    for action in [&motions, &elections, &link] {
        assert!(
            page.contains(&format!("action=\"{action}\"")),
            "{}: staff see the form {action}",
            app.label
        );
    }
    let seen = app.get(&resident.auth(), &council).await;
    let seen = html_page(&seen, 200);
    for action in [&motions, &elections, &link] {
        assert!(
            !seen.contains(&format!("action=\"{action}\"")),
            "{}: a resident is offered {action}",
            app.label
        );
    }
    assert!(!seen.contains("/close\"") && !seen.contains("/publish\""));
    let seen = app.get(&worker.auth(), &council).await;
    let seen = html_page(&seen, 200);
    assert!(
        seen.contains(&format!("action=\"{link}\"")),
        "{}",
        app.label
    );
    assert!(!seen.contains(&format!("action=\"{motions}\"")));

    // A resident and a grid worker cannot create a motion: a page says so, nothing changes.
    let before = ballots_of(app, cid).await;
    let in_a_week = "2099-01-01T09:00";
    let motion = |title: &'static str| {
        vec![
            ("title", title),
            ("mode", "open"),
            ("closes_at", in_a_week),
            ("electorate", "members"),
        ]
    };
    for who in [&resident, &worker] {
        let r = page_form(app, who, &motions, &motion("居民自建的事项")).await;
        let text = html_page(&r, 403);
        assert!(text.contains("未能完成"), "{}: {text}", app.label);
    }
    assert_eq!(ballots_of(app, cid).await, before);

    // Bad input names the field, keeps what was typed, changes nothing.
    let mut past = motion("过去的事项");
    past[2] = ("closes_at", "2001-01-01T09:00");
    let r = page_form(app, &staff, &motions, &past).await;
    let text = html_page(&r, 422);
    assert!(
        text.contains("截止时间（closes_at）"),
        "{}: {text}",
        app.label
    );
    assert!(text.contains("value=\"过去的事项\""), "the title is kept");
    let mut untitled = motion("");
    untitled[0] = ("title", " ");
    let r = page_form(app, &staff, &motions, &untitled).await;
    assert!(html_page(&r, 422).contains("标题（title）"));
    let mut bad_time = motion("时间写错");
    bad_time[2] = ("closes_at", "next friday");
    let r = page_form(app, &staff, &motions, &bad_time).await;
    assert!(html_page(&r, 422).contains("截止时间（closes_at）"));
    let mut quorum = motion("法定人数写错");
    quorum.push(("quorum", "3/2"));
    let r = page_form(app, &staff, &motions, &quorum).await;
    assert!(html_page(&r, 422).contains("法定人数（quorum）"));
    let stale = send(
        app.req(&staff.auth_without_csrf(), reqwest::Method::POST, &motions)
            .form(&[
                ("csrf_token", "stale"),
                ("title", "过期表单"),
                ("mode", "open"),
                ("closes_at", in_a_week),
            ]),
    )
    .await;
    assert!(html_page(&stale, 422).contains("csrf_token"));
    assert_eq!(ballots_of(app, cid).await, before, "{}", app.label);

    // A motion from the page: once, even when the form is sent twice.
    let key = form_key(page, &motions);
    let mut fields = motion("小区增设充电桩");
    fields.push(("idempotency_key", key.as_str()));
    let made = page_form(app, &staff, &motions, &fields).await;
    assert_eq!(made.status, 303, "{}: {}", app.label, made.text);
    let target = location(&made);
    assert!(target.starts_with(&format!("{council}?done=")), "{target}");
    let again = page_form(app, &staff, &motions, &fields).await;
    assert_eq!(again.status, 303);
    assert_eq!(
        location(&again),
        target,
        "the repeat goes where the first went"
    );
    assert_eq!(ballots_of(app, cid).await, before + 1, "{}", app.label);
    let shown = app.get(&staff.auth(), &target).await;
    let shown = html_page(&shown, 200);
    assert!(shown.contains("已创建表决事项") && shown.contains("小区增设充电桩"));
    let mid = ballot_id(app, "小区增设充电桩").await;

    // The linked resident votes from the page; the count shows it.
    let seen = app.get(&resident.auth(), &council).await;
    assert!(html_page(&seen, 200).contains(&format!("href=\"/ballots/{mid}/vote\"")));
    let cast = page_form(
        app,
        &resident,
        &format!("/ballots/{mid}/vote"),
        &[("choice", "for")],
    )
    .await;
    assert_eq!(cast.status, 303, "{}", cast.text);
    let view = app
        .get(&staff.auth(), &format!("/api/v1/motions/{mid}"))
        .await
        .expect(200);
    assert_eq!(view["voted"], 1);
    let size = view["electorate_size"].as_i64().unwrap();
    let seen = app.get(&resident.auth(), &council).await;
    assert!(
        html_page(&seen, 200).contains(&format!("<td class=\"voted\">1 / {size}</td>")),
        "{}: the count shows the vote",
        app.label
    );

    // Only staff close it; closing counts it.
    let close = format!("/ballots/{mid}/close");
    let r = page_form(app, &resident, &close, &[]).await;
    html_page(&r, 403);
    let still = app
        .get(&staff.auth(), &format!("/api/v1/motions/{mid}"))
        .await
        .expect(200);
    assert_eq!(still["state"], "open");
    let r = page_form(app, &staff, &close, &[]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let closed = app
        .get(&staff.auth(), &format!("/api/v1/motions/{mid}"))
        .await
        .expect(200);
    assert!(closed["result"]["reason"].is_string(), "{closed}");
    let r = page_form(app, &staff, &close, &[]).await;
    assert!(html_page(&r, 409).contains("already closed"));

    // An election from the page: candidates named by field, then closed and published.
    let people = adults(app, &community).await;
    let (a, b) = (people[0].to_string(), people[1].to_string());
    let candidates = format!("{a}, {b}");
    fn election(candidates: &str) -> Vec<(&str, &str)> {
        vec![
            ("title", "第二届议事会选举"),
            ("seats", "1"),
            ("closes_at", "2099-01-01T09:00"),
            ("candidates", candidates),
            ("electorate", "residents"),
        ]
    }
    let before = ballots_of(app, cid).await;
    let r = page_form(app, &staff, &elections, &election("12, abc")).await;
    assert!(html_page(&r, 422).contains("候选人（candidates[1]）"));
    let r = page_form(app, &staff, &elections, &election("999999999")).await;
    assert!(html_page(&r, 422).contains("候选人（candidates[0]）"));
    let r = page_form(app, &resident, &elections, &election(&candidates)).await;
    html_page(&r, 403);
    assert_eq!(ballots_of(app, cid).await, before);
    let r = page_form(app, &staff, &elections, &election(&candidates)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(ballots_of(app, cid).await, before + 1);
    let eid = ballot_id(app, "第二届议事会选举").await;
    let r = page_form(app, &staff, &format!("/ballots/{eid}/publish"), &[]).await;
    assert!(html_page(&r, 409).contains("close it first"));
    let r = page_form(app, &staff, &format!("/ballots/{eid}/close"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = page_form(app, &staff, &format!("/ballots/{eid}/publish"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let e = app
        .get(&staff.auth(), &format!("/api/v1/elections/{eid}"))
        .await
        .expect(200);
    assert_eq!(e["state"], "published", "{e}");

    // A show of hands: its counts recorded from the page.
    let mut hands = motion("举手表决：垃圾分类点");
    hands[1] = ("mode", "show_of_hands");
    let r = page_form(app, &staff, &motions, &hands).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let hid = ballot_id(app, "举手表决：垃圾分类点").await;
    let page = app.get(&staff.auth(), &council).await;
    assert!(html_page(&page, 200).contains(&format!("action=\"/ballots/{hid}/hands\"")));
    let counts = |present: &'static str| {
        vec![
            ("present", present),
            ("for", "1"),
            ("against", "0"),
            ("abstain", "0"),
        ]
    };
    let r = page_form(
        app,
        &staff,
        &format!("/ballots/{hid}/hands"),
        &counts("many"),
    )
    .await;
    assert!(html_page(&r, 422).contains("到会人数（present）"));
    let r = page_form(app, &staff, &format!("/ballots/{hid}/hands"), &counts("1")).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let h = app
        .get(&staff.auth(), &format!("/api/v1/motions/{hid}"))
        .await
        .expect(200);
    assert_eq!(h["state"], "published", "{h}");

    // Linking an account to a resident, each refusal against its field.
    let name = format!("rlink{}", app.label);
    let newcomer = new_resident_user(app, &staff.auth(), &name, &grid).await;
    let taken = linked_resident(app, resident.user_id)
        .await
        .unwrap()
        .to_string();
    let free = {
        let mut free = None;
        for p in people.iter().rev() {
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM user_residents WHERE resident_id = $1")
                    .bind(p)
                    .fetch_one(app.store().pool())
                    .await
                    .unwrap();
            if n == 0 {
                free = Some(p.to_string());
                break;
            }
        }
        free.expect("an adult not linked to any account")
    };
    let r = page_form(
        app,
        &staff,
        &link,
        &[("username", "nobody-here"), ("resident_id", &free)],
    )
    .await;
    assert!(html_page(&r, 404).contains("账号（username）"));
    // Another community's account is told of exactly as one that does not exist.
    let other = app
        .city
        .accounts
        .iter()
        .find(|a| a.role == "resident" && !a.node_code.starts_with(&community))
        .map(|a| a.username.clone())
        .expect("a resident account elsewhere");
    let r = page_form(
        app,
        &staff,
        &link,
        &[("username", &other), ("resident_id", &free)],
    )
    .await;
    assert!(html_page(&r, 404).contains("账号（username）"));
    let r = page_form(
        app,
        &staff,
        &link,
        &[("username", &name), ("resident_id", "12x")],
    )
    .await;
    assert!(html_page(&r, 422).contains("居民编号（resident_id）"));
    let r = page_form(
        app,
        &staff,
        &link,
        &[("username", &name), ("resident_id", "999999999")],
    )
    .await;
    assert!(html_page(&r, 404).contains("居民编号（resident_id）"));
    let r = page_form(
        app,
        &staff,
        &link,
        &[("username", &name), ("resident_id", &taken)],
    )
    .await;
    let text = html_page(&r, 409);
    assert!(text.contains("居民编号（resident_id）") && text.contains("already linked"));
    let r = page_form(
        app,
        &resident,
        &link,
        &[("username", &name), ("resident_id", &free)],
    )
    .await;
    assert!(r.status == 403 || r.status == 404, "{}", r.text);
    html_page(&r, r.status);
    assert_eq!(linked_resident(app, newcomer.user_id).await, None);
    let r = page_form(
        app,
        &staff,
        &link,
        &[("username", &name), ("resident_id", &free)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        linked_resident(app, newcomer.user_id)
            .await
            .map(|r| r.to_string()),
        Some(free)
    );
    let shown = app.get(&staff.auth(), &location(&r)).await;
    assert!(html_page(&shown, 200).contains(&format!("已将账号 {name}")));
}
