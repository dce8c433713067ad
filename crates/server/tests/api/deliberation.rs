//! Residents decide, over HTTP, on every engine: the 逢四说事 schedule and its calendar feed,
//! items from a resident's phone to a rating (and through a case in the closed loop),
//! 四议两公开 strictly in order with the meeting rules, decisions rolling up to completion and
//! rated once per resident; and the demo's generated year.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tongxin_core::cases::calendar::Calendar;
use tongxin_core::cases::catalogue::Catalogue;

const DAY_MS: i64 = 86_400_000;

fn resident_of(app: &App) -> (String, String) {
    let a = app
        .city
        .accounts
        .iter()
        .find(|a| a.role == "resident")
        .expect("the demo has residents");
    (a.username.clone(), a.node_code[..12].to_string())
}

async fn put(app: &App, who: &Session, path: &str, body: &Value) -> Reply {
    send(app.req(&who.auth(), Method::PUT, path).json(body)).await
}

#[tokio::test]
async fn schedule_plan_and_calendar_feed() {
    for app in apps().await {
        let (_, community) = resident_of(&app);
        let staff = app.login(&format!("c{community}")).await;
        let path = format!("/api/v1/communities/{community}/session-schedule");
        let default = app.get(&staff.auth(), &path).await.expect(200);
        assert_eq!(default["pattern"], "fourth_days");
        assert_eq!(default["configured"], false);
        let bad = put(&app, &staff, &path, &json!({"pattern": "weekly", "holiday_rule": "next_working_day", "start_minute": 1170, "duration_minutes": 90}))
            .await
            .problem(422);
        assert_eq!(bad["errors"][0]["field"], "weekday");
        let set = put(&app, &staff, &path, &json!({"pattern": "weekly", "weekday": 4, "holiday_rule": "next_working_day", "start_minute": 1170, "duration_minutes": 90, "place": "社区议事厅"}))
            .await
            .expect(200);
        assert_eq!(set["weekday"], 4);
        let plan_path = format!("/api/v1/communities/{community}/sessions/plan");
        let planned = app
            .post(
                &staff.auth(),
                &plan_path,
                &json!({"from": "2026-10-01", "to": "2026-10-31"}),
            )
            .await
            .expect(200);
        // Thursdays of October 2026: the 1st is in the National Day holiday, moved to the 8th,
        // which is itself a Thursday: held once.
        let dates: Vec<i64> = planned["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["starts_at"].as_i64().unwrap())
            .collect();
        assert_eq!(planned["planned"], 4, "{}: {planned}", app.label);
        assert_eq!(dates.len(), 4);
        let again = app
            .post(
                &staff.auth(),
                &plan_path,
                &json!({"from": "2026-10-01", "to": "2026-10-31"}),
            )
            .await
            .expect(200);
        assert_eq!(again["planned"], 0, "planning twice adds nothing");

        let feed = app
            .get(&Auth::None, &format!("/calendar/{community}.ics"))
            .await;
        assert_eq!(feed.status, 200, "the feed needs no login");
        assert!(feed.content_type().starts_with("text/calendar"));
        assert!(feed.text.starts_with("BEGIN:VCALENDAR"));
        assert!(
            feed.text.matches("BEGIN:VEVENT").count() >= 50,
            "a year of Thursdays"
        );
        assert!(feed.text.contains("LOCATION:社区议事厅"));
        app.get(&Auth::None, "/calendar/450199999999.ics")
            .await
            .problem(404);

        let other = app
            .city
            .grids
            .iter()
            .find(|g| !g.code.starts_with(&community))
            .unwrap();
        let outsider = app.login(&format!("c{}", &other.code[..12])).await;
        put(&app, &outsider, &path, &json!({"pattern": "fourth_days", "holiday_rule": "skip", "start_minute": 900, "duration_minutes": 60}))
            .await
            .problem(404);
        app.cleanup().await;
    }
}

async fn item_action(app: &App, who: &Session, id: i64, body: Value) -> Reply {
    app.post(
        &who.auth(),
        &format!("/api/v1/session-items/{id}/actions"),
        &body,
    )
    .await
}

#[tokio::test]
async fn items_from_raising_to_rating_and_through_a_case() {
    for app in apps().await {
        let (resident_name, community) = resident_of(&app);
        let resident = app.login(&resident_name).await;
        let staff = app.login(&format!("c{community}")).await;
        let now = tongxin_store::now_millis();
        app.post(
            &staff.auth(),
            &format!("/api/v1/communities/{community}/sessions/plan"),
            &json!({}),
        )
        .await
        .expect(200);

        let raised = app
            .post(&resident.auth(), "/api/v1/session-items", &json!({"community_code": community, "title": "楼道灯坏了", "description": "3 栋 2 单元楼道灯不亮", "topic_area": "safety"}))
            .await
            .expect(201);
        assert_eq!(raised["source"], "resident");
        assert_eq!(raised["status"], "raised");
        assert!(
            raised["session_id"].is_i64(),
            "attached to the next session"
        );
        let id = raised["id"].as_i64().unwrap();
        let bad = app
            .post(&resident.auth(), "/api/v1/session-items", &json!({"community_code": community, "title": "x", "description": "y", "topic_area": "weather"}))
            .await
            .problem(422);
        assert_eq!(bad["errors"][0]["field"], "topic_area");

        // Residents cannot answer; staff answer on the spot; then residents rate, once each.
        item_action(
            &app,
            &resident,
            id,
            json!({"action": "answer", "answer": "好", "unit": "物业"}),
        )
        .await
        .problem(403);
        let refused = item_action(
            &app,
            &staff,
            id,
            json!({"action": "complete", "result": "x"}),
        )
        .await
        .problem(409);
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("answer, refer, archive")
        );
        let missing = item_action(
            &app,
            &staff,
            id,
            json!({"action": "answer", "answer": "今天修"}),
        )
        .await
        .problem(422);
        assert_eq!(missing["errors"][0]["field"], "unit");
        item_action(
            &app,
            &staff,
            id,
            json!({"action": "answer", "answer": "物业今天下午更换灯泡", "unit": "物业公司"}),
        )
        .await
        .expect(200);
        let rated = item_action(
            &app,
            &resident,
            id,
            json!({"action": "rate", "verdict": "satisfied"}),
        )
        .await
        .expect(200);
        assert_eq!(rated["item"]["status"], "rated");
        assert_eq!(rated["item"]["satisfied"], 1);
        item_action(
            &app,
            &resident,
            id,
            json!({"action": "rate", "verdict": "unsatisfied"}),
        )
        .await
        .problem(409);
        let events = rated["events"].as_array().unwrap();
        let path: Vec<&str> = events
            .iter()
            .map(|e| e["to_status"].as_str().unwrap())
            .collect();
        assert_eq!(path, ["raised", "answered", "rated"]);

        // Referred with a case: the closed loop carries it; closing the case completes it.
        let second = app
            .post(&staff.auth(), "/api/v1/session-items", &json!({"community_code": community, "title": "路面塌陷", "description": "小区东门路面塌陷", "topic_area": "facilities"}))
            .await
            .expect(201);
        let sid = second["id"].as_i64().unwrap();
        let past = item_action(&app, &staff, sid, json!({"action": "refer", "unit": "街道城管办", "commitment": "一周内修复", "due_at": now - DAY_MS}))
            .await
            .problem(422);
        assert_eq!(past["errors"][0]["field"], "due_at");
        let category = Catalogue::seed().leaves().next().unwrap().code.clone();
        let referred = item_action(&app, &staff, sid, json!({"action": "refer", "unit": "街道城管办", "commitment": "一周内修复", "due_at": now + 7 * DAY_MS, "case_category": category}))
            .await
            .expect(200);
        assert_eq!(referred["item"]["status"], "in_progress");
        let case_id = referred["item"]["referred_case_id"]
            .as_i64()
            .expect("a case was opened");
        let case = app
            .get(&staff.auth(), &format!("/api/v1/cases/{case_id}"))
            .await
            .expect(200);
        assert_eq!(case["channel"], "meeting");
        let department = Catalogue::seed().departments[0].code.clone();
        let handler = app.login(&format!("h{}", &community[..6])).await;
        let grid = case["grid_code"].as_str().unwrap().to_string();
        let worker = app.login(&format!("g{grid}-1")).await;
        let case_path = format!("/api/v1/cases/{case_id}/actions");
        for (who, body) in [
            (&staff, json!({"action": "file", "note": ""})),
            (
                &staff,
                json!({"action": "dispatch", "department": department, "note": ""}),
            ),
            (&handler, json!({"action": "accept", "note": ""})),
            (
                &handler,
                json!({"action": "handle", "feedback": "已修复", "photos": []}),
            ),
            (
                &worker,
                json!({"action": "verify", "passed": true, "note": ""}),
            ),
        ] {
            let r = app.post(&who.auth(), &case_path, &body).await;
            assert_eq!(r.status, 200, "{}: {} {}", app.label, body, r.text);
        }
        let done = app
            .get(&resident.auth(), &format!("/api/v1/session-items/{sid}"))
            .await
            .expect(200);
        assert_eq!(
            done["item"]["status"], "done",
            "{}: closing the case completed the item",
            app.label
        );
        assert_eq!(
            done["allowed_actions"],
            json!(["rate"]),
            "a resident may only rate"
        );

        // A commitment past due shows in the warnings.
        let third = app
            .post(&staff.auth(), "/api/v1/session-items", &json!({"community_code": community, "title": "噪音扰民", "description": "夜间施工", "topic_area": "neighbours"}))
            .await
            .expect(201);
        let tid = third["id"].as_i64().unwrap();
        item_action(&app, &staff, tid, json!({"action": "refer", "unit": "社区民警", "commitment": "约谈施工方", "due_at": now + DAY_MS}))
            .await
            .expect(200);
        sqlx::query("UPDATE session_items SET due_at = $1 WHERE id = $2")
            .bind(now - DAY_MS)
            .bind(tid)
            .execute(app.store().pool())
            .await
            .unwrap();
        let overdue = app
            .get(&staff.auth(), "/api/v1/session-items/overdue")
            .await
            .expect(200);
        assert!(overdue.as_array().unwrap().iter().any(|i| i["id"] == tid));

        // Out of reach is not found; the page shows the community's items.
        let other = app
            .city
            .grids
            .iter()
            .find(|g| !g.code.starts_with(&community))
            .unwrap();
        let outsider = app.login(&format!("g{}-1", other.code)).await;
        app.get(&outsider.auth(), &format!("/api/v1/session-items/{id}"))
            .await
            .problem(404);
        let page = app
            .get(&resident.auth(), &format!("/deliberation/{community}"))
            .await;
        assert_eq!(page.status, 200);
        assert!(page.text.contains("楼道灯坏了") && page.text.contains("路面塌陷"));
        let form = send(
            app.req(
                &resident.auth(),
                Method::POST,
                &format!("/deliberation/{community}/items"),
            )
            .form(&[
                ("csrf_token", resident.csrf.as_str()),
                ("title", "希望增设座椅"),
                ("topic_area", "proposals"),
                ("description", "小区花园没有座椅"),
            ]),
        )
        .await;
        assert_eq!(form.status, 303, "{}", form.text);
        let list = app
            .get(
                &resident.auth(),
                &format!("/api/v1/session-items?community={community}"),
            )
            .await
            .expect(200);
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .any(|i| i["title"] == "希望增设座椅")
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_session_is_recorded_with_attendance_and_minutes() {
    for app in apps().await {
        let (_, community) = resident_of(&app);
        let staff = app.login(&format!("c{community}")).await;
        let plan = app
            .post(
                &staff.auth(),
                &format!("/api/v1/communities/{community}/sessions/plan"),
                &json!({"from": "2026-09-01", "to": "2026-09-30"}),
            )
            .await
            .expect(200);
        let id = plan["sessions"][0]["id"].as_i64().unwrap();
        let bad = app
            .post(&staff.auth(), &format!("/api/v1/sessions/{id}/record"), &json!({"residents_present": 30, "minutes": "x", "attendees": [{"kind": "mayor", "name": "张三"}]}))
            .await
            .problem(422);
        assert_eq!(bad["errors"][0]["field"], "attendees[0].kind");
        let held = app
            .post(&staff.auth(), &format!("/api/v1/sessions/{id}/record"), &json!({
                "residents_present": 36, "minutes": "议定：更换楼道灯；加装电梯意见征集。",
                "attendees": [{"kind": "speaker", "name": "李阿姨", "unit": "3 栋"}, {"kind": "property_company", "name": "王经理", "unit": "物业服务中心"}, {"kind": "police", "name": "赵警官", "unit": "派出所"}]}))
            .await
            .expect(200);
        assert_eq!(held["session"]["status"], "held");
        assert_eq!(held["attendees"].as_array().unwrap().len(), 3);
        let future = app
            .post(
                &staff.auth(),
                &format!("/api/v1/communities/{community}/sessions/plan"),
                &json!({"from": "2027-03-01", "to": "2027-03-31"}),
            )
            .await
            .expect(200);
        let fid = future["sessions"][0]["id"].as_i64().unwrap();
        app.post(
            &staff.auth(),
            &format!("/api/v1/sessions/{fid}/record"),
            &json!({"residents_present": 1, "minutes": "x"}),
        )
        .await
        .problem(409);
        app.cleanup().await;
    }
}

async fn stage(app: &App, who: &Session, id: i64, body: Value) -> Reply {
    app.post(&who.auth(), &format!("/api/v1/matters/{id}/stages"), &body)
        .await
}

#[tokio::test]
async fn four_deliberations_two_disclosures_in_strict_order() {
    for app in apps().await {
        let (resident_name, community) = resident_of(&app);
        let resident = app.login(&resident_name).await;
        let staff = app.login(&format!("c{community}")).await;
        let created = app
            .post(&staff.auth(), "/api/v1/matters", &json!({"community_code": community, "title": "加装电梯", "description": "为 3 栋加装电梯", "proposal": "社区党委提议为 3 栋加装电梯"}))
            .await
            .expect(201);
        let id = created["matter"]["id"].as_i64().unwrap();
        assert_eq!(created["matter"]["next_stage"], "consultation");
        app.post(&resident.auth(), "/api/v1/matters", &json!({"community_code": community, "title": "x", "description": "y", "proposal": "z"}))
            .await
            .problem(403);

        // Skipping ahead is a 409 naming the next allowed stage.
        let skipped = stage(&app, &staff, id, json!({"stage": "resolution", "summary": "表决", "members": 99, "present": 80, "in_favour": 70}))
            .await
            .problem(409);
        assert_eq!(skipped["errors"][0]["code"], "consultation");
        assert!(skipped["detail"].as_str().unwrap().contains("consultation"));
        stage(
            &app,
            &staff,
            id,
            json!({"stage": "consultation", "summary": "两委会商议同意"}),
        )
        .await
        .expect(200);
        // The members' meeting needs two thirds present: 19 of 30 is not enough; recorded, not advanced.
        let failed = stage(&app, &staff, id, json!({"stage": "members_review", "summary": "党员大会", "members": 30, "present": 19, "in_favour": 19}))
            .await
            .expect(200);
        assert_eq!(failed["outcome"]["passed"], false);
        assert_eq!(failed["outcome"]["quorum_met"], false);
        assert_eq!(failed["matter"]["next_stage"], "members_review");
        let impossible = stage(&app, &staff, id, json!({"stage": "members_review", "summary": "x", "members": 30, "present": 31, "in_favour": 20}))
            .await
            .problem(422);
        assert_eq!(impossible["errors"][0]["field"], "present");
        stage(&app, &staff, id, json!({"stage": "members_review", "summary": "党员大会审议通过", "members": 30, "present": 20, "in_favour": 16}))
            .await
            .expect(200);
        let resolved = stage(&app, &staff, id, json!({"stage": "resolution", "summary": "居民代表会议决议加装电梯", "members": 99, "present": 50, "in_favour": 26, "against": 20, "abstaining": 4}))
            .await
            .expect(200);
        let decision = resolved["matter"]["decision_id"]
            .as_i64()
            .expect("a passed resolution is a decision");
        // The result cannot be published before the resolution, nor before the work is done.
        stage(
            &app,
            &staff,
            id,
            json!({"stage": "result_published", "summary": "x"}),
        )
        .await
        .problem(409);
        stage(
            &app,
            &staff,
            id,
            json!({"stage": "resolution_published", "summary": "决议已在公开栏公示"}),
        )
        .await
        .expect(200);
        stage(
            &app,
            &staff,
            id,
            json!({"stage": "result_published", "summary": "电梯已投入使用"}),
        )
        .await
        .problem(409);

        // The decision in parts, weighted; the parent's progress comes from its children.
        let a = app.post(&staff.auth(), "/api/v1/decisions", &json!({"community_code": community, "parent_id": decision, "title": "土建", "weight": 3})).await.expect(201);
        let b = app.post(&staff.auth(), "/api/v1/decisions", &json!({"community_code": community, "parent_id": decision, "title": "电梯安装", "weight": 1})).await.expect(201);
        let (a, b) = (
            a["decision"]["id"].as_i64().unwrap(),
            b["decision"]["id"].as_i64().unwrap(),
        );
        let progress = |id: i64, body: Value| {
            let (app, staff) = (&app, staff.clone());
            async move {
                app.post(
                    &staff.auth(),
                    &format!("/api/v1/decisions/{id}/progress"),
                    &body,
                )
                .await
            }
        };
        progress(decision, json!({"progress": 50, "note": "x"}))
            .await
            .problem(422);
        progress(a, json!({"progress": 100, "note": "土建完工"}))
            .await
            .expect(200);
        let parent = app
            .get(&resident.auth(), &format!("/api/v1/decisions/{decision}"))
            .await
            .expect(200);
        assert_eq!(
            parent["decision"]["progress"], 50.0,
            "plain average of 100 and 0"
        );
        assert_eq!(parent["decision"]["status"], "in_progress");
        app.post(
            &resident.auth(),
            &format!("/api/v1/decisions/{decision}/rate"),
            &json!({"verdict": "satisfied"}),
        )
        .await
        .problem(409);
        app.post(
            &staff.auth(),
            &format!("/api/v1/decisions/{a}/parent"),
            &json!({"parent_id": a}),
        )
        .await
        .problem(422);
        progress(b, json!({"progress": 100, "note": "电梯验收"}))
            .await
            .expect(200);
        progress(b, json!({"progress": 90, "note": "x"}))
            .await
            .problem(409);
        let done = app
            .get(&resident.auth(), &format!("/api/v1/decisions/{decision}"))
            .await
            .expect(200);
        assert_eq!(done["decision"]["status"], "done");
        assert_eq!(done["decision"]["progress"], 100.0);
        assert_eq!(done["can_rate"], true);
        app.post(
            &resident.auth(),
            &format!("/api/v1/decisions/{decision}/rate"),
            &json!({"verdict": "satisfied"}),
        )
        .await
        .expect(200);
        app.post(
            &resident.auth(),
            &format!("/api/v1/decisions/{decision}/rate"),
            &json!({"verdict": "satisfied"}),
        )
        .await
        .problem(409);
        let complete = stage(
            &app,
            &staff,
            id,
            json!({"stage": "result_published", "summary": "电梯已投入使用"}),
        )
        .await
        .expect(200);
        assert_eq!(complete["matter"]["status"], "complete");
        assert_eq!(
            complete["stages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["passed"] == true)
                .count(),
            6
        );
        stage(
            &app,
            &staff,
            id,
            json!({"stage": "proposal", "summary": "again"}),
        )
        .await
        .problem(409);
        let page = app
            .get(&resident.auth(), &format!("/deliberation/matters/{id}"))
            .await;
        assert_eq!(page.status, 200);
        assert!(page.text.contains("加装电梯"));
        let dpage = app
            .get(
                &resident.auth(),
                &format!("/deliberation/decisions/{decision}"),
            )
            .await;
        assert!(dpage.text.contains("100.0%"));
        app.cleanup().await;
    }
}

#[tokio::test]
async fn the_demo_generates_a_year_of_deliberation_by_the_rules() {
    for app in apps().await {
        let now = tongxin_store::now_millis();
        let loaded =
            tongxin_demo::load::sessions::load_sessions(app.store(), &Calendar::builtin(), 7, now)
                .await
                .unwrap();
        let communities = app
            .city
            .divisions
            .iter()
            .filter(|d| d.code.len() == 12)
            .count();
        assert!(loaded.sessions >= communities * 30, "{loaded:?}");
        assert!(loaded.items >= loaded.sessions, "{loaded:?}");
        let streets: std::collections::HashSet<&str> = app
            .city
            .divisions
            .iter()
            .filter(|d| d.code.len() == 12)
            .map(|d| &d.code[..9])
            .collect();
        let (complete,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM major_matters WHERE status = 'complete'")
                .fetch_one(app.store().pool())
                .await
                .unwrap();
        assert_eq!(
            complete as usize,
            streets.len(),
            "one complete 四议两公开 per street"
        );
        let (stages,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM matter_stages s JOIN major_matters m ON m.id = s.matter_id WHERE m.status = 'complete'",
        )
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        assert_eq!(stages as usize, streets.len() * 6);
        // The API reads what the demo wrote: a complete matter's decision is done and rated.
        let (matter, community): (i64, String) = sqlx::query_as(
            "SELECT id, community_code FROM major_matters WHERE status = 'complete' ORDER BY id LIMIT 1",
        )
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        let staff = app.login(&format!("c{community}")).await;
        let m = app
            .get(&staff.auth(), &format!("/api/v1/matters/{matter}"))
            .await
            .expect(200);
        let decision = m["matter"]["decision_id"].as_i64().unwrap();
        let d = app
            .get(&staff.auth(), &format!("/api/v1/decisions/{decision}"))
            .await
            .expect(200);
        assert_eq!(d["decision"]["status"], "done", "{}", d);
        assert!(d["decision"]["satisfaction"].as_f64().is_some());
        let again =
            tongxin_demo::load::sessions::load_sessions(app.store(), &Calendar::builtin(), 7, now)
                .await
                .unwrap();
        assert_eq!(again.sessions, 0, "loading twice adds nothing");
        app.cleanup().await;
    }
}

/// The numbers in `html` that follow `prefix` (the ids in links like `/deliberation/items/12`).
fn ids_after(html: &str, prefix: &str) -> Vec<i64> {
    html.match_indices(prefix)
        .filter_map(|(at, _)| {
            let digits: String = html[at + prefix.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

/// The part of a page from the element with id `id` to the next section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let rest = &html[start..];
    let end = rest[1..]
        .find("<section")
        .map(|e| e + 1)
        .unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn the_community_page_pages_its_lists_with_totals() {
    for app in apps().await {
        tongxin_demo::load::sessions::load_sessions(
            app.store(),
            &Calendar::builtin(),
            7,
            tongxin_store::now_millis(),
        )
        .await
        .unwrap();
        let (_, community) = resident_of(&app);
        let staff = app.login(&format!("c{community}")).await;
        let (items,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM session_items WHERE community_code = $1")
                .bind(&community)
                .fetch_one(app.store().pool())
                .await
                .unwrap();
        assert!(items > 20, "{}: a year of items ({items})", app.label);
        let path = format!("/deliberation/{community}");
        let first = app.get(&staff.auth(), &path).await;
        assert_eq!(first.status, 200, "{}: {}", app.label, first.text);
        let list = section(&first.text, "items");
        assert!(
            list.contains(&format!("共 {items} 条")),
            "{}: the items' total: {list}",
            app.label
        );
        assert!(
            list.contains("items_page=2#items"),
            "{}: a link to page 2",
            app.label
        );
        let one = ids_after(list, "/deliberation/items/");
        assert_eq!(one.len(), 10, "{}: ten items a page", app.label);
        assert!(
            one.windows(2).all(|w| w[0] > w[1]),
            "{}: newest first: {one:?}",
            app.label
        );
        let second = app
            .get(&staff.auth(), &format!("{path}?items_page=2"))
            .await;
        assert_eq!(second.status, 200);
        let two = ids_after(section(&second.text, "items"), "/deliberation/items/");
        assert_eq!(two.len(), 10);
        assert!(
            two.iter().all(|id| !one.contains(id)) && two[0] < one[9],
            "{}: page 2 goes on from page 1: {one:?} / {two:?}",
            app.label
        );
        // The other lists' pages stay in each link.
        let kept = app
            .get(
                &staff.auth(),
                &format!("{path}?minutes_page=2&items_page=3"),
            )
            .await;
        assert_eq!(kept.status, 200);
        let items_links = section(&kept.text, "items");
        assert!(
            items_links.contains("?minutes_page=2&amp;items_page=4#items"),
            "{}: the next page keeps the minutes' page: {items_links}",
            app.label
        );
        assert!(
            section(&kept.text, "minutes").contains("?items_page=3&amp;minutes_page=1#minutes")
        );
        // Past the last page: said so, with a way back; a bad number: refused in the page.
        let last = (items + 9) / 10;
        let beyond = app
            .get(&staff.auth(), &format!("{path}?items_page={}", last + 5))
            .await;
        assert_eq!(beyond.status, 200);
        assert!(
            beyond
                .text
                .contains(&format!("没有第 {} 页（共 {last} 页）", last + 5)),
            "{}: {}",
            app.label,
            section(&beyond.text, "items")
        );
        for bad in ["abc", "0", "-1", "2.5"] {
            let r = app
                .get(&staff.auth(), &format!("{path}?items_page={bad}"))
                .await;
            assert_eq!(r.status, 422, "{}: items_page={bad}: {}", app.label, r.text);
            assert!(r.content_type().starts_with("text/html"));
            assert!(
                r.text.contains("页码") && r.text.contains("items_page"),
                "{}: {}",
                app.label,
                r.text
            );
        }
        // Above the communities: every community in reach, counted and paged.
        let admin = app.login("admin").await;
        let overview = app.get(&admin.auth(), "/deliberation").await;
        assert_eq!(overview.status, 200);
        let communities = app.communities_of("4501").len();
        assert!(
            section(&overview.text, "communities").contains(&format!("共 {communities} 条")),
            "{}: {}",
            app.label,
            overview.text
        );
        let r = app.get(&admin.auth(), "/deliberation?page=x").await;
        assert_eq!(r.status, 422);
        app.cleanup().await;
    }
}
