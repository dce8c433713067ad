//! Three-affairs disclosure over HTTP and in the store: catalogue rules, two-member
//! approval, publication onto the hash chain, corrections as new versions, the public
//! portal (no sign-in, updated at once), overdue warnings, and tampering found by the check.

use crate::common::*;
use serde_json::json;
use tongxin_demo::DEFAULT_SEED;
use tongxin_demo::load::disclosure::DisclosureDemoCounts;

async fn with_disclosure(app: &App) -> DisclosureDemoCounts {
    let hash = tongxin_server::access::password::hash_password(PASSWORD).unwrap();
    let started = std::time::Instant::now();
    let counts = tongxin_demo::load::disclosure::load(app.store(), &app.city, DEFAULT_SEED, &hash)
        .await
        .unwrap_or_else(|e| panic!("{}: disclosure demo: {e}", app.label));
    assert!(
        started.elapsed().as_secs() < 30,
        "{}: loads in seconds",
        app.label
    );
    counts
}

fn community(app: &App) -> String {
    app.communities_of("4501")[0].clone()
}

async fn anonymous_page(app: &App, path: &str) -> (u16, String) {
    let r = app.get(&Auth::None, path).await;
    (r.status, r.text)
}

#[tokio::test]
async fn two_committee_approvals_then_publication_shows_at_once_on_the_public_portal() {
    for app in apps().await {
        let counts = with_disclosure(&app).await;
        assert!(counts.published > counts.communities * 20, "{counts:?}");
        let code = community(&app);
        let admin = app.login(&format!("c{code}")).await;
        let m1 = app.login(&format!("m{code}-1")).await;
        let m2 = app.login(&format!("m{code}-2")).await;

        // The portal needs no sign-in; this first view is cached.
        let (status, before) = anonymous_page(&app, &format!("/disclosure/{code}")).await;
        assert_eq!(status, 200, "{}: {before}", app.label);
        assert!(before.contains("财务公开") && before.contains("社区财务收支"));
        let (status, picker) = anonymous_page(&app, "/disclosure").await;
        assert_eq!(status, 200);
        assert!(picker.contains(&format!("/disclosure/{code}")));

        // Catalogue rules: a major matter is immediate.
        let bad = app
            .post(&admin.auth(), &format!("/api/v1/disclosure/communities/{code}/items"),
                &json!({"affair": "residents", "title": "旧改方案", "frequency": "quarterly", "major": true}))
            .await
            .problem(422);
        assert_eq!(bad["errors"][0]["field"], "frequency");
        let item = app
            .post(
                &admin.auth(),
                &format!("/api/v1/disclosure/communities/{code}/items"),
                &json!({"affair": "finance", "title": "专项经费收支", "frequency": "monthly"}),
            )
            .await
            .expect(201);
        let item_id = item["id"].as_i64().unwrap();
        let resident = app.login(&format!("m{code}-3")).await;
        app.post(
            &resident.auth(),
            &format!("/api/v1/disclosure/communities/{code}/items"),
            &json!({"affair": "finance", "title": "x", "frequency": "monthly"}),
        )
        .await
        .problem(403);

        // Bad drafts change nothing and say what is wrong.
        let postings = format!("/api/v1/disclosure/communities/{code}/postings");
        let bad = app
            .post(
                &admin.auth(),
                &postings,
                &json!({"item_id": item_id, "period": "2026-Q1", "title": "t", "body": "b"}),
            )
            .await
            .problem(422);
        assert_eq!(bad["errors"][0]["field"], "period");
        let bad = app
            .post(
                &admin.auth(),
                &postings,
                &json!({"item_id": item_id, "period": "2026-10", "title": "t", "body": "b",
                "lines": [{"kind": "expense", "label": "维修", "amount_fen": 0}]}),
            )
            .await
            .problem(422);
        assert_eq!(bad["errors"][0]["field"], "lines[0].amount_fen");

        let draft = app
            .post(
                &admin.auth(),
                &postings,
                &json!({"item_id": item_id, "period": "2026-10", "title": "2026年10月专项经费收支",
                "body": "专项经费收支如下。",
                "lines": [{"kind": "income", "label": "区级拨款", "amount_fen": 5_000_000},
                          {"kind": "expense", "label": "楼道照明改造", "amount_fen": 1_234_550}]}),
            )
            .await
            .expect(201);
        let id = draft["id"].as_i64().unwrap();
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["balance_fen"], 3_765_450);
        assert_eq!(draft["lines"][1]["amount_yuan"], "12,345.50");
        let (_, public) = anonymous_page(&app, &format!("/api/v1/disclosure/postings/{id}")).await;
        assert!(
            public.contains("not-found"),
            "a draft is not public: {public}"
        );

        let publish = format!("/api/v1/disclosure/postings/{id}/publish");
        let approve = format!("/api/v1/disclosure/postings/{id}/approve");
        let refused = app
            .post(&admin.auth(), &publish, &json!({}))
            .await
            .problem(409);
        assert!(
            refused["detail"].as_str().unwrap().contains("2 more"),
            "{refused}"
        );
        let audit_before = app.audit_count().await;
        app.post(&m1.auth(), &approve, &json!({})).await.expect(200);
        app.post(&m1.auth(), &approve, &json!({}))
            .await
            .problem(409);
        app.post(&admin.auth(), &approve, &json!({}))
            .await
            .problem(403);
        let refused = app
            .post(&admin.auth(), &publish, &json!({}))
            .await
            .problem(409);
        assert!(
            refused["detail"].as_str().unwrap().contains("1 more"),
            "{refused}"
        );
        app.post(&m2.auth(), &approve, &json!({})).await.expect(200);
        let head_before = app
            .get(
                &admin.auth(),
                &format!("/api/v1/disclosure/verify?within={code}"),
            )
            .await
            .expect(200)["heads"][0]["length"]
            .as_i64()
            .unwrap();
        let published = app
            .post(&admin.auth(), &publish, &json!({}))
            .await
            .expect(200);
        assert_eq!(published["status"], "published");
        assert_eq!(published["chain_seq"], head_before + 1);
        assert_eq!(published["approvals"].as_array().unwrap().len(), 2);
        assert_eq!(
            app.audit_count().await,
            audit_before + 3,
            "two approvals and a publication audited"
        );
        app.post(&admin.auth(), &publish, &json!({}))
            .await
            .problem(409);
        app.post(&m1.auth(), &approve, &json!({}))
            .await
            .problem(409);

        let (_, after) = anonymous_page(&app, &format!("/disclosure/{code}")).await;
        assert!(
            after.contains("2026年10月专项经费收支"),
            "{}: the cache was dropped on publication",
            app.label
        );
        assert!(after.contains("12,345.50") && after.contains("37,654.50"));

        // A correction is a new version; the original stays and the history shows both.
        let correction = app
            .post(
                &admin.auth(),
                &format!("/api/v1/disclosure/postings/{id}/corrections"),
                &json!({
                "title": "2026年10月专项经费收支（更正）", "body": "更正：照明改造金额。",
                "lines": [{"kind": "income", "label": "区级拨款", "amount_fen": 5_000_000},
                          {"kind": "expense", "label": "楼道照明改造", "amount_fen": 1_200_000}]}),
            )
            .await
            .expect(201);
        let cid = correction["id"].as_i64().unwrap();
        assert_eq!(
            (
                correction["version"].as_i64(),
                correction["supersedes"].as_i64()
            ),
            (Some(2), Some(id))
        );
        for m in [&m1, &m2] {
            app.post(
                &m.auth(),
                &format!("/api/v1/disclosure/postings/{cid}/approve"),
                &json!({}),
            )
            .await
            .expect(200);
        }
        app.post(
            &admin.auth(),
            &format!("/api/v1/disclosure/postings/{cid}/publish"),
            &json!({}),
        )
        .await
        .expect(200);
        let original = app
            .get(&Auth::None, &format!("/api/v1/disclosure/postings/{id}"))
            .await
            .expect(200);
        assert_eq!(
            original["lines"][1]["amount_fen"], 1_234_550,
            "published postings never change"
        );
        app.post(
            &admin.auth(),
            &format!("/api/v1/disclosure/postings/{id}/corrections"),
            &json!({"title": "again", "body": "b", "lines": []}),
        )
        .await
        .problem(409);
        let (_, page) = anonymous_page(&app, &format!("/disclosure/{code}")).await;
        assert!(page.contains("更正") && page.contains("版本历史") && page.contains("（更正）"));

        let report = app
            .get(
                &admin.auth(),
                &format!("/api/v1/disclosure/verify?within={code}"),
            )
            .await
            .expect(200);
        assert_eq!(report["intact"], true, "{report}");
        assert_eq!(report["heads"][0]["length"], head_before + 2);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn creating_posts_honour_idempotency_keys() {
    let app = sqlite_app().await;
    let code = community(&app);
    let admin = app.login(&format!("c{code}")).await;
    let send = || async {
        send(
            app.req(
                &admin.auth(),
                reqwest::Method::POST,
                &format!("/api/v1/disclosure/communities/{code}/items"),
            )
            .header("idempotency-key", "item-1")
            .json(&json!({"affair": "party", "title": "党员发展", "frequency": "yearly"})),
        )
        .await
    };
    let a = send().await.expect(201);
    let b = send().await.expect(201);
    assert_eq!(a["id"], b["id"]);
    let items = app
        .get(
            &admin.auth(),
            &format!("/api/v1/disclosure/communities/{code}/items"),
        )
        .await
        .expect(200);
    assert_eq!(items.as_array().unwrap().len(), 1);
    app.cleanup().await;
}

#[tokio::test]
async fn the_committee_roster_is_kept_by_community_staff() {
    let app = sqlite_app().await;
    let code = community(&app);
    let admin = app.login(&format!("c{code}")).await;
    let worker_name = format!("g{}-1", app.grids_of(&code)[0]);
    let worker = app.login(&worker_name).await;
    let path = format!("/api/v1/disclosure/communities/{code}/committee");
    app.post(&admin.auth(), &path, &json!({"user_id": worker.user_id}))
        .await;
    let r = app
        .post(&admin.auth(), &path, &json!({"user_id": worker.user_id}))
        .await;
    r.problem(409);
    app.post(&worker.auth(), &path, &json!({"user_id": admin.user_id}))
        .await
        .problem(404);
    let roster = app.get(&admin.auth(), &path).await.expect(200);
    assert_eq!(roster[0]["username"], worker_name);
    let r = app
        .delete(&admin.auth(), &format!("{path}/{}", worker.user_id))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        app.get(&admin.auth(), &path)
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        0
    );
    app.cleanup().await;
}

#[tokio::test]
async fn overdue_publications_are_warned_on_the_api_and_the_staff_page() {
    let app = sqlite_app().await;
    with_disclosure(&app).await;
    let admin = app.login("admin").await;
    let mut warned = 0;
    for code in app.communities_of("4501") {
        let late = app
            .get(
                &admin.auth(),
                &format!("/api/v1/disclosure/communities/{code}/overdue"),
            )
            .await
            .expect(200);
        for o in late.as_array().unwrap() {
            assert!(o["days_late"].as_i64().unwrap() >= 0);
            warned += 1;
        }
        if !late.as_array().unwrap().is_empty() {
            let page = app
                .get(&admin.auth(), &format!("/disclosure/{code}/staff"))
                .await;
            assert_eq!(page.status, 200);
            assert!(
                page.text.contains("逾期未公开")
                    && page.text.contains(late[0]["item_title"].as_str().unwrap())
            );
        }
    }
    assert!(warned > 0, "the demo leaves some publications overdue");
    app.cleanup().await;
}

#[tokio::test]
async fn the_staff_pages_draft_approve_and_publish_without_javascript() {
    let app = sqlite_app().await;
    with_disclosure(&app).await;
    let code = community(&app);
    let admin = app.login(&format!("c{code}")).await;
    let items = app
        .get(
            &admin.auth(),
            &format!("/api/v1/disclosure/communities/{code}/items"),
        )
        .await
        .expect(200);
    let finance = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["frequency"] == "monthly")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let form = |who: &Session, path: String, fields: Vec<(&'static str, String)>| {
        let (app, who) = (&app, who.clone());
        async move {
            let mut fields = fields;
            fields.push(("csrf_token", who.csrf.clone()));
            send(
                app.req(
                    &Auth::Cookie {
                        cookie: who.cookie.clone(),
                        csrf: None,
                    },
                    reqwest::Method::POST,
                    &path,
                )
                .form(&fields),
            )
            .await
        }
    };
    let bad = form(
        &admin,
        format!("/disclosure/{code}/staff/draft"),
        vec![
            ("item_id", finance.to_string()),
            ("period", "2031-01".into()),
            ("title", "t".into()),
            ("body", "b".into()),
            ("lines", "支出 维修 12.345".into()),
        ],
    )
    .await;
    assert_eq!(bad.status, 303);
    assert!(
        bad.header("location").unwrap().contains("error="),
        "{:?}",
        bad.header("location")
    );
    let ok = form(
        &admin,
        format!("/disclosure/{code}/staff/draft"),
        vec![
            ("item_id", finance.to_string()),
            ("period", "2031-01".into()),
            ("title", "2031年1月财务".into()),
            ("body", "明细".into()),
            (
                "lines",
                "收入 上级拨付办公经费 12,000\n支出 路灯维修 1234.5".into(),
            ),
        ],
    )
    .await;
    assert!(ok.header("location").unwrap().contains("ok="));
    let list = app
        .get(
            &admin.auth(),
            &format!("/api/v1/disclosure/communities/{code}/postings"),
        )
        .await
        .expect(200);
    let draft = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == "2031年1月财务")
        .unwrap()
        .clone();
    assert_eq!(draft["expense_fen"], 123_450);
    let id = draft["id"].as_i64().unwrap();
    for n in 1..=2 {
        let m = app.login(&format!("m{code}-{n}")).await;
        let page = app
            .get(&m.auth(), &format!("/disclosure/{code}/staff"))
            .await;
        assert!(page.text.contains(&format!("/staff/postings/{id}/approve")));
        let r = form(
            &m,
            format!("/disclosure/{code}/staff/postings/{id}/approve"),
            vec![],
        )
        .await;
        assert!(
            r.header("location").unwrap().contains("ok="),
            "{:?}",
            r.header("location")
        );
    }
    let r = form(
        &admin,
        format!("/disclosure/{code}/staff/postings/{id}/publish"),
        vec![],
    )
    .await;
    assert!(
        r.header("location").unwrap().contains("ok="),
        "{:?}",
        r.header("location")
    );
    let page = app
        .get(
            &admin.auth(),
            &format!("/disclosure/{code}/staff/postings/{id}/correct"),
        )
        .await;
    assert!(
        page.text.contains("路灯维修 1234.50"),
        "the correction form starts from the published version"
    );
    let again = form(
        &admin,
        format!("/disclosure/{code}/staff/postings/{id}/publish"),
        vec![],
    )
    .await;
    assert!(again.header("location").unwrap().contains("error="));
    app.cleanup().await;
}

async fn exec(app: &App, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(app.store().pool())
        .await
        .unwrap_or_else(|e| panic!("{}: {sql}: {e}", app.label));
}

async fn posting_at(app: &App, code: &str, seq: i64) -> i64 {
    let (id,): (i64,) = sqlx::query_as(
        "SELECT id FROM disclosure_postings WHERE community_code = $1 AND chain_seq = $2",
    )
    .bind(code)
    .bind(seq)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    id
}

async fn delete_posting(app: &App, id: i64) {
    exec(
        app,
        &format!("DELETE FROM disclosure_lines WHERE posting_id = {id}"),
    )
    .await;
    exec(
        app,
        &format!("DELETE FROM disclosure_approvals WHERE posting_id = {id}"),
    )
    .await;
    exec(
        app,
        &format!("UPDATE disclosure_postings SET supersedes = NULL WHERE supersedes = {id}"),
    )
    .await;
    exec(
        app,
        &format!("DELETE FROM disclosure_postings WHERE id = {id}"),
    )
    .await;
}

async fn broken(app: &App, prefix: &str) -> tongxin_core::disclosure::BrokenLink {
    tongxin_store::disclosure::verify(app.store(), prefix)
        .await
        .unwrap()
        .expect_err("tampering found")
}

#[tokio::test]
async fn verify_names_the_first_broken_link_after_any_tampering() {
    for app in apps().await {
        with_disclosure(&app).await;
        let all = tongxin_store::disclosure::verify(app.store(), "")
            .await
            .unwrap()
            .expect("an intact chain verifies");
        assert_eq!(all.len(), app.communities_of("4501").len());
        let communities = app.communities_of("4501");
        let [a, b, c, d] = [
            &communities[0],
            &communities[1],
            &communities[2],
            &communities[3],
        ];

        // An altered amount on a finance line.
        let (altered, seq): (i64, i64) = sqlx::query_as(
            "SELECT p.id, p.chain_seq FROM disclosure_postings p WHERE p.community_code = $1 AND p.chain_seq > 3 \
             AND EXISTS (SELECT 1 FROM disclosure_lines l WHERE l.posting_id = p.id) ORDER BY p.chain_seq LIMIT 1",
        )
        .bind(a)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        exec(&app, &format!("UPDATE disclosure_lines SET amount_fen = amount_fen + 100 WHERE posting_id = {altered} AND line_no = 1")).await;
        let x = broken(&app, a).await;
        assert_eq!(
            (x.seq, x.posting_id, x.problem),
            (seq, Some(altered), "content"),
            "{}: {x}",
            app.label
        );
        assert_ne!(x.expected, x.found);

        // An altered title, deeper in another chain.
        let titled = posting_at(&app, d, 9).await;
        exec(
            &app,
            &format!("UPDATE disclosure_postings SET title = title || '!' WHERE id = {titled}"),
        )
        .await;
        let x = broken(&app, d).await;
        assert_eq!((x.seq, x.posting_id), (9, Some(titled)));

        // A deleted row in the middle.
        let middle = posting_at(&app, b, 3).await;
        delete_posting(&app, middle).await;
        let x = broken(&app, b).await;
        assert_eq!((x.seq, x.problem), (3, "missing"), "{}: {x}", app.label);

        // The newest row deleted: only the head shows it.
        let (length,): (i64,) =
            sqlx::query_as("SELECT length FROM disclosure_chain_heads WHERE community_code = $1")
                .bind(c)
                .fetch_one(app.store().pool())
                .await
                .unwrap();
        let newest = posting_at(&app, c, length).await;
        delete_posting(&app, newest).await;
        let x = broken(&app, c).await;
        assert_eq!(
            (x.seq, x.problem),
            (length, "missing"),
            "{}: {x}",
            app.label
        );
        assert!(x.to_string().contains(&format!("seq {length}")));

        // The whole city: the first broken link in community order.
        let x = broken(&app, "").await;
        assert_eq!((x.community_code.as_str(), x.seq), (a.as_str(), seq));
        let admin = app.login("admin").await;
        let report = app
            .get(&admin.auth(), "/api/v1/disclosure/verify")
            .await
            .expect(200);
        assert_eq!(report["intact"], false);
        assert_eq!(report["broken"]["community_code"], a.as_str());
        assert_eq!(report["broken"]["seq"], seq);
        assert_eq!(report["broken"]["posting_id"], altered);
        let worker = app.login(&format!("g{}-1", app.grids_of(a)[0])).await;
        app.get(&worker.auth(), "/api/v1/disclosure/verify")
            .await
            .problem(403);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn two_publications_at_once_keep_one_chain() {
    for app in apps().await {
        with_disclosure(&app).await;
        let code = community(&app);
        let admin = app.login(&format!("c{code}")).await;
        let members = [
            app.login(&format!("m{code}-1")).await,
            app.login(&format!("m{code}-2")).await,
        ];
        let items = app
            .get(
                &admin.auth(),
                &format!("/api/v1/disclosure/communities/{code}/items"),
            )
            .await
            .expect(200);
        let immediate = items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["frequency"] == "immediate")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let mut ids = Vec::new();
        for day in ["2026-11-02", "2026-11-03"] {
            let p = app
                .post(&admin.auth(), &format!("/api/v1/disclosure/communities/{code}/postings"),
                    &json!({"item_id": immediate, "period": day, "title": format!("{day} 重大事项"), "body": "议定事项。"}))
                .await
                .expect(201);
            let id = p["id"].as_i64().unwrap();
            for m in &members {
                app.post(
                    &m.auth(),
                    &format!("/api/v1/disclosure/postings/{id}/approve"),
                    &json!({}),
                )
                .await
                .expect(200);
            }
            ids.push(id);
        }
        let publish = |id: i64| {
            let (app, admin) = (&app, admin.clone());
            async move {
                app.post(
                    &admin.auth(),
                    &format!("/api/v1/disclosure/postings/{id}/publish"),
                    &json!({}),
                )
                .await
            }
        };
        let (a, b) = tokio::join!(publish(ids[0]), publish(ids[1]));
        for r in [&a, &b] {
            assert!(
                r.status == 200 || r.status == 409,
                "{}: {} {}",
                app.label,
                r.status,
                r.text
            );
        }
        let heads = tongxin_store::disclosure::verify(app.store(), &code)
            .await
            .unwrap()
            .expect("one intact chain");
        let published = [&a, &b].iter().filter(|r| r.status == 200).count();
        assert!(published >= 1);
        let seqs: Vec<i64> = [&a, &b]
            .iter()
            .filter(|r| r.status == 200)
            .map(|r| r.json()["chain_seq"].as_i64().unwrap())
            .collect();
        assert!(seqs.iter().all(|s| *s > heads[0].length - published as i64));
        app.cleanup().await;
    }
}

/// The ids of a community's current published postings (no published correction over them),
/// newest first, of one affair or all.
async fn current_ids(app: &App, code: &str, affair: &str) -> Vec<i64> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT p.id FROM disclosure_postings p JOIN disclosure_items i ON i.id = p.item_id \
         WHERE p.community_code = $1 AND p.status = 'published' AND ($2 = '' OR i.affair = $2) \
         AND NOT EXISTS (SELECT 1 FROM disclosure_postings n WHERE n.supersedes = p.id AND n.status = 'published') \
         ORDER BY p.chain_seq DESC",
    )
    .bind(code)
    .bind(affair)
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

/// The part of a page from the element with id `id` to the next section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page: {html}"));
    let rest = &html[start..];
    let end = rest[1..]
        .find("<section")
        .map(|e| e + 1)
        .unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn the_portal_pages_its_postings_newest_first_with_totals() {
    for app in apps().await {
        with_disclosure(&app).await;
        let code = community(&app);
        let all = current_ids(&app, &code, "").await;
        assert!(all.len() > 12, "{}: a year of postings", app.label);
        let path = format!("/disclosure/{code}");
        // Twice each: the second answer comes from the cache and must be the same page.
        for _ in 0..2 {
            let (status, one) = anonymous_page(&app, &path).await;
            assert_eq!(status, 200, "{}: {one}", app.label);
            let list = section(&one, "postings");
            assert!(
                list.contains(&format!("共 {} 条", all.len())),
                "{}: the total",
                app.label
            );
            for id in &all[..6] {
                assert!(
                    list.contains(&format!("id=\"p{id}\"")),
                    "{}: #{id} on page 1",
                    app.label
                );
            }
            assert!(list.contains("?page=2#postings"));
            let (status, two) = anonymous_page(&app, &format!("{path}?page=2")).await;
            assert_eq!(status, 200);
            let list = section(&two, "postings");
            for id in &all[6..12] {
                assert!(
                    list.contains(&format!("id=\"p{id}\"")),
                    "{}: #{id} on page 2",
                    app.label
                );
            }
            for id in &all[..6] {
                assert!(
                    !list.contains(&format!("id=\"p{id}\"")),
                    "{}: #{id} not again on page 2",
                    app.label
                );
            }
        }
        // One affair: its own total, and the links keep it.
        let finance = current_ids(&app, &code, "finance").await;
        let (status, page) = anonymous_page(&app, &format!("{path}?affair=finance")).await;
        assert_eq!(status, 200);
        let list = section(&page, "postings");
        assert!(
            list.contains(&format!("共 {} 条", finance.len())),
            "{}: the finance total ({})",
            app.label,
            finance.len()
        );
        assert!(list.contains(&format!("id=\"p{}\"", finance[0])));
        if finance.len() > 6 {
            assert!(list.contains("?affair=finance&amp;page=2#postings"));
        }
        // Past the end: said so; bad numbers and affairs: refused in a page, not raw JSON.
        let last = all.len().div_ceil(6);
        let (status, beyond) = anonymous_page(&app, &format!("{path}?page={}", last + 1)).await;
        assert_eq!(status, 200);
        assert!(beyond.contains(&format!("没有第 {} 页（共 {last} 页）", last + 1)));
        for bad in ["page=0", "page=abc", "page=-3", "affair=nope"] {
            let r = app.get(&Auth::None, &format!("{path}?{bad}")).await;
            assert_eq!(r.status, 422, "{}: {bad}: {}", app.label, r.text);
            assert!(r.content_type().starts_with("text/html"), "{bad}");
            assert!(r.text.contains("未能显示"), "{bad}: {}", r.text);
        }
        let r = app.get(&Auth::None, "/disclosure/999999999999").await;
        assert_eq!(r.status, 404);
        assert!(r.content_type().starts_with("text/html"));
        app.cleanup().await;
    }
}

#[tokio::test]
async fn the_staff_page_pages_its_lists_with_totals() {
    for app in apps().await {
        with_disclosure(&app).await;
        let code = community(&app);
        let staff = app.login(&format!("c{code}")).await;
        let published: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM disclosure_postings WHERE community_code = $1 AND status = 'published' \
             ORDER BY published_at DESC, id DESC",
        )
        .bind(&code)
        .fetch_all(app.store().pool())
        .await
        .unwrap();
        assert!(published.len() > 20, "{}", app.label);
        let path = format!("/disclosure/{code}/staff");
        let one = app.get(&staff.auth(), &path).await;
        assert_eq!(one.status, 200, "{}: {}", app.label, one.text);
        let list = section(&one.text, "published");
        assert!(
            list.contains(&format!("共 {} 条", published.len())),
            "{}: {list}",
            app.label
        );
        let row = |id: i64| format!(">{id}</td>");
        for (id,) in &published[..10] {
            assert!(list.contains(&row(*id)), "{}: #{id} on page 1", app.label);
        }
        assert!(list.contains("published_page=2#published"));
        let two = app
            .get(
                &staff.auth(),
                &format!("{path}?catalogue_page=1&published_page=2"),
            )
            .await;
        assert_eq!(two.status, 200);
        let list = section(&two.text, "published");
        for (id,) in &published[10..20] {
            assert!(list.contains(&row(*id)), "{}: #{id} on page 2", app.label);
        }
        for (id,) in &published[..10] {
            assert!(
                !list.contains(&row(*id)),
                "{}: #{id} not on page 2",
                app.label
            );
        }
        assert!(
            list.contains("?catalogue_page=1&amp;published_page=3#published"),
            "{}: the other lists' pages are kept",
            app.label
        );
        let members: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM disclosure_committee WHERE community_code = $1")
                .bind(&code)
                .fetch_one(app.store().pool())
                .await
                .unwrap();
        assert!(section(&two.text, "committee").contains(&format!("共 {} 条", members.0)));
        for bad in ["published_page=0", "members_page=x", "drafts_page=1.5"] {
            let r = app.get(&staff.auth(), &format!("{path}?{bad}")).await;
            assert_eq!(r.status, 422, "{}: {bad}: {}", app.label, r.text);
            assert!(r.text.contains("页码"), "{bad}");
        }
        let beyond = app
            .get(&staff.auth(), &format!("{path}?published_page=99"))
            .await;
        assert_eq!(beyond.status, 200);
        assert!(section(&beyond.text, "published").contains("没有第 99 页"));
        // The city admin chooses among every community, counted.
        let admin = app.login("admin").await;
        let home = app.get(&admin.auth(), "/disclosure/staff").await;
        assert_eq!(home.status, 200);
        let communities = app.communities_of("4501").len();
        assert!(
            home.text.contains(&format!("共 {communities} 条")),
            "{}: {}",
            app.label,
            home.text
        );
        app.cleanup().await;
    }
}
