//! Residents with protected personal data: masked by default, revealed only by an audited
//! action, found by keyed hash, never in plain text in the database file or the logs.

use crate::common::*;
use serde_json::{Value, json};
use tongxin_core::people::CitizenId;

fn resident(name: &str, id: &str, phone: &str, grid: &str, tags: &[&str]) -> Value {
    json!({"name": name, "citizen_id": id, "phone": phone, "grid_code": grid, "tags": tags, "unit": "1单元", "room": "302"})
}

fn sample_id(n: u16) -> String {
    CitizenId::compose("450103", 19600101 + u32::from(n % 28), n)
}

#[tokio::test]
async fn residents_are_masked_searchable_and_revealed_only_with_audit() {
    for app in apps().await {
        let grid = app.city.grids[0].code.clone();
        let worker = app.login(&format!("g{grid}-1")).await;
        let id = sample_id(7);
        let created = app
            .post(
                &worker.auth(),
                "/api/v1/residents",
                &resident("王秀芳", &id, "13877001234", &grid, &["独居老人"]),
            )
            .await
            .expect(201);
        let rid = created["id"].as_i64().unwrap();
        assert_eq!(
            created["citizen_id"],
            format!("{}**********{}", &id[..4], &id[14..])
        );
        assert_eq!(created["phone"], "138****1234");
        assert_eq!(created["sex"], "male");
        assert_eq!(created["tags"][0]["code"], "elderly_alone");
        assert!(
            !created.to_string().contains(&id),
            "{}: plain ID in the answer",
            app.label
        );

        // duplicate ID anywhere in the city
        let dup = app
            .post(
                &worker.auth(),
                "/api/v1/residents",
                &resident("李四", &id, "13877001235", &grid, &[]),
            )
            .await;
        let p = dup.problem(409);
        assert!(!p.to_string().contains(&id));

        // invalid numbers are refused field by field, without echoing the number
        let bad_id = format!("{}{}", &id[..17], if id.ends_with('1') { '2' } else { '1' });
        let bad = app
            .post(
                &worker.auth(),
                "/api/v1/residents",
                &resident("", &bad_id, "12345", &grid, &["外星人"]),
            )
            .await
            .problem(422);
        let fields: Vec<&str> = bad["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            vec!["name", "citizen_id", "phone", "tags"],
            "{}",
            app.label
        );
        assert!(!bad.to_string().contains(&bad_id));

        // search: exact ID and phone by keyed hash, name part, tag
        for body in [
            json!({"citizen_id": id}),
            json!({"phone": "138 7700 1234"}),
            json!({"name": "秀芳"}),
            json!({"tag": "独居老人", "within": grid}),
        ] {
            let found = app
                .post(&worker.auth(), "/api/v1/residents/search", &body)
                .await
                .expect(200);
            let ids: Vec<i64> = found["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap())
                .collect();
            assert_eq!(ids, vec![rid], "{}: search {body}", app.label);
        }
        let none = app
            .post(
                &worker.auth(),
                "/api/v1/residents/search",
                &json!({"citizen_id": sample_id(8)}),
            )
            .await
            .expect(200);
        assert!(none["items"].as_array().unwrap().is_empty());

        // reveal: the grid worker may, with a reason, and it is audited
        let revealed = app
            .post(
                &worker.auth(),
                &format!("/api/v1/residents/{rid}/reveal"),
                &json!({"reason": "入户走访核对"}),
            )
            .await
            .expect(200);
        assert_eq!(revealed["citizen_id"], id);
        assert_eq!(revealed["phone"], "13877001234");
        let auditor = app.login("auditor").await;
        let trail = app
            .get(&auditor.auth(), "/api/v1/audit?action=resident.reveal")
            .await
            .expect(200);
        let entry = &trail["items"][0];
        assert_eq!(entry["entity_id"], rid.to_string());
        assert_eq!(entry["actor"], worker.username);
        assert!(!trail.to_string().contains(&id), "audit keeps no plain ID");

        // a district admin sees the masked record but may not reveal it
        let district = app.login(&format!("d{}", &grid[..6])).await;
        app.get(&district.auth(), &format!("/api/v1/residents/{rid}"))
            .await
            .expect(200);
        app.post(
            &district.auth(),
            &format!("/api/v1/residents/{rid}/reveal"),
            &json!({"reason": "查看"}),
        )
        .await
        .problem(403);
        // another grid's worker does not even learn that the resident exists
        let other_grid = app
            .city
            .grids
            .iter()
            .find(|g| g.code[..12] != grid[..12])
            .unwrap()
            .code
            .clone();
        let stranger = app.login(&format!("g{other_grid}-1")).await;
        let hidden = app
            .get(&stranger.auth(), &format!("/api/v1/residents/{rid}"))
            .await
            .problem(404);
        let missing = app
            .get(&stranger.auth(), "/api/v1/residents/999999")
            .await
            .problem(404);
        assert_eq!(hidden, missing);
        let found = app
            .post(
                &stranger.auth(),
                "/api/v1/residents/search",
                &json!({"citizen_id": id}),
            )
            .await
            .expect(200);
        assert!(
            found["items"].as_array().unwrap().is_empty(),
            "search stays inside one's territory"
        );

        // moving is history, not overwrite
        let household = app
            .post(&worker.auth(), "/api/v1/households", &json!({"grid_code": grid, "address": "民族大道1号2栋", "unit": "2单元", "room": "501"}))
            .await
            .expect(201);
        let hid = household["id"].as_i64().unwrap();
        app.post(
            &worker.auth(),
            &format!("/api/v1/residents/{rid}/move"),
            &json!({"household_id": hid, "reason": "换房"}),
        )
        .await
        .expect(200);
        let h = app
            .get(&worker.auth(), &format!("/api/v1/households/{hid}"))
            .await
            .expect(200);
        assert_eq!(h["head_resident_id"], rid, "first member becomes head");
        let history = app
            .get(&worker.auth(), &format!("/api/v1/residents/{rid}/history"))
            .await
            .expect(200);
        let periods = history.as_array().unwrap();
        assert_eq!(periods.len(), 2, "{}: {history}", app.label);
        assert!(periods[0]["to_at"].is_i64() && periods[1]["to_at"].is_null());
        assert_eq!(periods[1]["room"], "501");
        app.post(
            &worker.auth(),
            &format!("/api/v1/residents/{rid}/move"),
            &json!({"move_out": true, "reason": "迁往外市"}),
        )
        .await
        .expect(200);
        let gone = app
            .post(
                &worker.auth(),
                "/api/v1/residents/search",
                &json!({"citizen_id": id}),
            )
            .await
            .expect(200);
        assert!(gone["items"].as_array().unwrap().is_empty());
        let kept = app
            .post(
                &worker.auth(),
                "/api/v1/residents/search",
                &json!({"citizen_id": id, "include_moved_out": true}),
            )
            .await
            .expect(200);
        assert_eq!(kept["items"][0]["status"], "moved_out");
        let h = app
            .get(&worker.auth(), &format!("/api/v1/households/{hid}"))
            .await
            .expect(200);
        assert!(
            h["head_resident_id"].is_null(),
            "the household is empty now"
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn party_tree_and_organisations() {
    for app in apps().await {
        let grid = app.city.grids[0].code.clone();
        let community = grid[..12].to_string();
        let admin = app.login(&format!("c{community}")).await;
        let root = app
            .post(&admin.auth(), "/api/v1/party-orgs", &json!({"kind": "big_committee", "name": "测试社区大党委", "community_code": community}))
            .await
            .expect(201);
        let root_id = root["id"].as_i64().unwrap();
        let branch = app
            .post(&admin.auth(), "/api/v1/party-orgs", &json!({"kind": "grid_branch", "name": "第1网格党支部", "community_code": community, "grid_code": grid, "parent_id": root_id}))
            .await
            .expect(201);
        let bad = app
            .post(&admin.auth(), "/api/v1/party-orgs", &json!({"kind": "big_committee", "name": "x", "community_code": community, "parent_id": branch["id"]}))
            .await
            .problem(422);
        assert_eq!(bad["errors"][0]["field"], "parent_id");
        let tree = app
            .get(
                &admin.auth(),
                &format!("/api/v1/party-orgs?within={community}"),
            )
            .await
            .expect(200);
        assert!(tree.as_array().unwrap().len() >= 2);

        let member = app
            .post(
                &admin.auth(),
                "/api/v1/residents",
                &resident("张党员", &sample_id(11), "13977001111", &grid, &[]),
            )
            .await
            .expect(201);
        let m = app
            .post(
                &admin.auth(),
                "/api/v1/party-members",
                &json!({"resident_id": member["id"], "org_id": branch["id"], "in_service": true}),
            )
            .await
            .expect(201);
        assert_eq!(m["name"], "张党员");
        app.post(
            &admin.auth(),
            "/api/v1/party-members",
            &json!({"resident_id": member["id"], "org_id": branch["id"]}),
        )
        .await
        .problem(409);
        let members = app
            .get(
                &admin.auth(),
                &format!("/api/v1/party-orgs/{}/members", branch["id"]),
            )
            .await
            .expect(200);
        assert_eq!(members["items"].as_array().unwrap().len(), 1);

        let ring = app.grid_ring(&grid);
        let [lon, lat] = interior_point(&ring);
        let org = app
            .post(&admin.auth(), "/api/v1/organisations", &json!({"name": "绿城物业", "kind": "物业公司", "community_code": community, "lon": lon, "lat": lat, "contact_name": "陈经理", "contact_phone": "13600001111", "registered": true}))
            .await
            .expect(201);
        assert_eq!(org["grid_code"], grid);
        assert_eq!(org["contact_phone"], "136****1111");
        let far = app
            .post(&admin.auth(), "/api/v1/organisations", &json!({"name": "远方", "kind": "enterprise", "community_code": community, "lon": 100.0, "lat": 30.0}))
            .await
            .problem(422);
        assert_eq!(far["errors"][0]["field"], "lon/lat");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn buildings_and_organisations_export_and_round_trip() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let community = grid[..12].to_string();
    let admin = app.login(&format!("c{community}")).await;
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    app.post(&admin.auth(), "/api/v1/organisations", &json!({"name": "绿城物业", "kind": "property_company", "community_code": community, "lon": lon, "lat": lat, "contact_name": "陈经理", "contact_phone": "13600001111", "registered": true}))
        .await
        .expect(201);
    let masked = app
        .get(
            &admin.auth(),
            &format!("/api/v1/ledgers/organisations/export?within={community}&format=csv"),
        )
        .await;
    assert_eq!(masked.status, 200, "{}", masked.text);
    assert!(masked.text.contains("136****1111") && !masked.text.contains("13600001111"));
    let plain = app
        .get(
            &admin.auth(),
            &format!(
                "/api/v1/ledgers/organisations/export?within={community}&format=csv&unmasked=true"
            ),
        )
        .await;
    assert!(plain.text.contains("13600001111"));
    let district = app.login(&format!("d{}", &grid[..6])).await;
    app.get(
        &district.auth(),
        &format!("/api/v1/ledgers/organisations/export?within={community}&unmasked=true"),
    )
    .await
    .problem(403);

    let buildings = app
        .get(
            &admin.auth(),
            &format!("/api/v1/ledgers/buildings/export?within={community}&format=csv"),
        )
        .await;
    assert_eq!(buildings.status, 200);
    let count = app
        .city
        .buildings
        .iter()
        .filter(|b| b.community_code == community)
        .count();
    assert_eq!(
        buildings.text.lines().count(),
        count + 1,
        "header plus one line per building"
    );
    let check = send(
        app.req(
            &admin.auth(),
            reqwest::Method::POST,
            "/api/v1/ledgers/buildings/import?dry_run=true&filename=b.csv",
        )
        .body(buildings.text.clone()),
    )
    .await
    .expect(200);
    assert_eq!(
        check["imported"], count,
        "an export re-imports cleanly: {check}"
    );
    app.cleanup().await;
}
