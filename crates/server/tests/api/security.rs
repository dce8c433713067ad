//! Issue 14 on every engine: photos readable only through a record one may read, webhooks
//! that answer "not found" outside one's reach, personal numbers typed into free text masked
//! for every reader (and sealed at rest), and every text field held to its maximum.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tongxin_core::cases::catalogue::Catalogue;

/// A small PNG whose pixels (and so hash) depend on `seed`.
fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(24, 16, |x, y| {
        image::Rgb([seed, (x * 10) as u8, (y * 15) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([seed, (x * 4) as u8, (y * 5) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

async fn upload(app: &App, auth: &Auth, bytes: Vec<u8>) -> Reply {
    send(
        app.req(auth, Method::POST, "/api/v1/media")
            .header("content-type", "application/octet-stream")
            .body(bytes),
    )
    .await
}

/// Two grids in two different districts.
fn two_districts(app: &App) -> (String, String) {
    let a = app.city.grids[0].code.clone();
    let b = app
        .city
        .grids
        .iter()
        .find(|g| g.code[..6] != a[..6])
        .expect("a second district")
        .code
        .clone();
    (a, b)
}

fn category() -> String {
    Catalogue::seed().leaves().next().unwrap().code.clone()
}

async fn report(app: &App, auth: &Auth, grid: &str, description: &str, photos: &[&str]) -> Value {
    app.post(
        auth,
        "/api/v1/cases",
        &json!({"category": category(), "description": description, "grid_code": grid,
                "address": "民族大道 1 号", "photos": photos}),
    )
    .await
    .expect(201)
}

/// A resident or party member of `district`, if the demo has one there.
fn resident_of(app: &App, district: &str) -> Option<String> {
    app.city
        .accounts
        .iter()
        .find(|a| a.role == "resident" && a.node_code.starts_with(district))
        .map(|a| a.username.clone())
}

#[tokio::test]
async fn photos_are_read_only_through_a_record_one_may_read() {
    for app in apps().await {
        let label = app.label;
        let (a, b) = two_districts(&app);
        let worker_a = app.login(&format!("g{a}-1")).await;
        let worker_b = app.login(&format!("g{b}-1")).await;

        let up = upload(&app, &worker_a.auth(), png(1)).await.expect(201);
        let hash = up["hash"].as_str().unwrap().to_string();
        let photo = format!("/api/v1/media/{hash}");
        let thumb = format!("{photo}/thumbnail");
        let mine = app.get(&worker_a.auth(), &photo).await;
        assert_eq!(mine.status, 200, "{label}: the uploader reads it back");
        let cache = mine.header("cache-control").unwrap_or_default();
        assert!(
            cache.contains("private") && !cache.contains("public"),
            "{label}: {cache}"
        );
        assert!(
            mine.header("vary")
                .is_some_and(|v| v.contains("Cookie") && v.contains("Authorization")),
            "{label}"
        );
        for path in [&photo, &thumb] {
            app.get(&worker_b.auth(), path).await.problem(404);
        }

        let case = report(&app, &worker_a.auth(), &a, "井盖破损", &[&hash]).await;
        let case_a = case["id"].as_i64().unwrap();
        let missing = format!("/api/v1/media/{}", "ab".repeat(32));
        let mut insiders = vec![
            format!("c{}", &a[..12]),
            format!("s{}", &a[..9]),
            format!("d{}", &a[..6]),
            "admin".to_string(),
        ];
        insiders.push(format!("g{a}-2"));
        for name in &insiders {
            let s = app.login(name).await;
            for path in [&photo, &thumb] {
                let r = app.get(&s.auth(), path).await;
                assert_eq!(r.status, 200, "{label}: {name} reads {path}");
            }
        }
        let mut outsiders = vec![
            format!("g{b}-1"),
            format!("c{}", &b[..12]),
            format!("s{}", &b[..9]),
            format!("d{}", &b[..6]),
            format!("h{}", &b[..6]),
        ];
        outsiders.extend(resident_of(&app, &b[..6]));
        for name in &outsiders {
            let s = app.login(name).await;
            for path in [&photo, &thumb, &missing] {
                let r = app.get(&s.auth(), path).await;
                assert_eq!(r.status, 404, "{label}: {name} on {path}: {}", r.text);
            }
            let c = app.get(&s.auth(), &format!("/api/v1/cases/{case_a}")).await;
            assert_eq!(c.status, 404, "{label}: {name}");
        }

        // Knowing a hash is not holding the photo: it cannot be attached to one's own case.
        let refused = app
            .post(
                &worker_b.auth(),
                "/api/v1/cases",
                &json!({"category": category(), "description": "借用照片", "grid_code": b, "photos": [hash]}),
            )
            .await
            .problem(422);
        assert_eq!(refused["errors"][0]["field"], "photos", "{label}");

        // The same bytes uploaded and attached in district B: B's readers reach B's case and
        // the photo, never A's case.
        let again = upload(&app, &worker_b.auth(), png(1)).await.expect(200);
        assert_eq!(again["hash"], hash.as_str());
        let case_b = report(&app, &worker_b.auth(), &b, "同一张照片", &[&hash]).await;
        let district_b = app.login(&format!("d{}", &b[..6])).await;
        assert_eq!(app.get(&district_b.auth(), &photo).await.status, 200);
        assert_eq!(
            app.get(
                &district_b.auth(),
                &format!("/api/v1/cases/{}", case_b["id"])
            )
            .await
            .status,
            200
        );
        app.get(&district_b.auth(), &format!("/api/v1/cases/{case_a}"))
            .await
            .problem(404);

        // A photo attached while handling a case is read like the case.
        let handler = app.login(&format!("h{}", &a[..6])).await;
        let other = upload(&app, &handler.auth(), png(2)).await.expect(201);
        let other_hash = other["hash"].as_str().unwrap().to_string();
        let admin = app.login("admin").await;
        let department = Catalogue::seed().departments[0].code.clone();
        for (who, command) in [
            (&admin, json!({"action": "file", "note": "立案"})),
            (
                &admin,
                json!({"action": "dispatch", "department": department, "note": ""}),
            ),
            (&handler, json!({"action": "accept", "note": ""})),
            (
                &handler,
                json!({"action": "handle", "feedback": "已修复", "photos": [other_hash]}),
            ),
        ] {
            let r = app
                .post(
                    &who.auth(),
                    &format!("/api/v1/cases/{case_a}/actions"),
                    &command,
                )
                .await;
            assert_eq!(r.status, 200, "{label}: {command}: {}", r.text);
        }
        let community_a = app.login(&format!("c{}", &a[..12])).await;
        assert_eq!(
            app.get(&community_a.auth(), &format!("/api/v1/media/{other_hash}"))
                .await
                .status,
            200,
            "{label}"
        );
        app.get(&district_b.auth(), &format!("/api/v1/media/{other_hash}"))
            .await
            .problem(404);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn photos_must_be_whole_images() {
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let whole = jpeg(7);
    upload(&app, &worker.auth(), whole.clone())
        .await
        .expect(201);
    let half = whole[..whole.len() / 2].to_vec();
    let p = upload(&app, &worker.auth(), half).await.problem(422);
    assert!(
        p["type"].as_str().unwrap().ends_with("photo-incomplete"),
        "{p}"
    );
    let mut cut_png = png(9);
    cut_png.truncate(cut_png.len() / 2);
    let p = upload(&app, &worker.auth(), cut_png).await.problem(415);
    assert!(p["type"].as_str().unwrap().ends_with("not-an-image"), "{p}");
    app.cleanup().await;
}

#[tokio::test]
async fn webhooks_outside_reach_do_not_exist() {
    for app in apps().await {
        let label = app.label;
        let (a, b) = two_districts(&app);
        let admin = app.login("admin").await;
        let sub = app
            .post(
                &admin.auth(),
                "/api/v1/webhooks",
                &json!({"url": "http://127.0.0.1:9/hook", "secret": "a-secret-of-16-chars",
                        "events": ["*"], "territory": &a[..6]}),
            )
            .await
            .expect(201);
        let id = sub["id"].as_i64().unwrap();
        let mut outsiders = vec![
            format!("d{}", &b[..6]),
            format!("s{}", &b[..9]),
            format!("g{b}-1"),
            format!("g{a}-1"),
            format!("c{}", &a[..12]),
            format!("h{}", &a[..6]),
        ];
        outsiders.extend(resident_of(&app, &a[..6]));
        outsiders.extend(resident_of(&app, &b[..6]));
        for name in &outsiders {
            let s = app.login(name).await;
            for existing in [true, false] {
                let target = if existing { id } else { id + 100_000 };
                let r = app
                    .get(&s.auth(), &format!("/api/v1/webhooks/{target}/deliveries"))
                    .await;
                assert_eq!(r.status, 404, "{label}: {name} deliveries of {target}");
                let r = app
                    .delete(&s.auth(), &format!("/api/v1/webhooks/{target}"))
                    .await;
                assert_eq!(r.status, 404, "{label}: {name} deletes {target}");
            }
        }
        let district_a = app.login(&format!("d{}", &a[..6])).await;
        app.get(
            &district_a.auth(),
            &format!("/api/v1/webhooks/{id}/deliveries"),
        )
        .await
        .expect(200);
        let gone = app
            .delete(&district_a.auth(), &format!("/api/v1/webhooks/{id}"))
            .await;
        assert_eq!(gone.status, 204, "{label}: {}", gone.text);
        app.cleanup().await;
    }
}

const PHONE: &str = "13800135678";
const OTHER_PHONE: &str = "13712345678";
const CITIZEN_ID: &str = "11010519491231002X";

fn holds_plain(text: &str) -> bool {
    [PHONE, OTHER_PHONE, CITIZEN_ID, "138 0013 5678"]
        .iter()
        .any(|n| text.contains(n))
}

#[tokio::test]
async fn personal_numbers_typed_into_reports_are_masked_and_sealed() {
    for app in apps().await {
        let label = app.label;
        let (a, b) = two_districts(&app);
        let worker = app.login(&format!("g{a}-1")).await;
        let r = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": "1101", "grid_code": a,
                        "description": format!("楼道堆物，请联系 138 0013 5678 或身份证{CITIZEN_ID}"),
                        "address": format!("3 栋，电话{PHONE}")}),
            )
            .await
            .expect(201);
        let id = r["id"].as_i64().unwrap();
        assert!(!holds_plain(&r.to_string()), "{label}: {r}");
        assert!(
            r["description"].as_str().unwrap().contains("138****5678"),
            "{r}"
        );
        assert!(
            r["description"]
                .as_str()
                .unwrap()
                .contains("1101**********002X")
        );
        assert!(
            r["notice"].as_str().is_some_and(|n| n.contains("隐去")),
            "{label}: the reporter is told: {r}"
        );

        // A note typed while working the case is masked too.
        let admin = app.login("admin").await;
        app.post(
            &admin.auth(),
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "file", "note": format!("已电话{OTHER_PHONE}核实")}),
        )
        .await
        .expect(200);

        // Anonymous Open311 readers, staff lists and the case itself: masked everywhere.
        let open311_id = format!("{id}");
        for path in [
            "/open311/v2/requests.json".to_string(),
            "/open311/v2/requests.xml".to_string(),
            "/open311/v2/requests.json?extensions=true".to_string(),
            "/open311/v2/requests.xml?extensions=true".to_string(),
            format!("/open311/v2/requests/{open311_id}.json?extensions=true"),
        ] {
            let reply = app.get(&Auth::None, &path).await;
            assert_eq!(reply.status, 200, "{label}: {path}: {}", reply.text);
            assert!(!holds_plain(&reply.text), "{label}: {path}: {}", reply.text);
        }
        for path in [
            format!("/api/v1/cases/{id}"),
            format!("/api/v1/cases?within={}", &a[..6]),
        ] {
            let reply = app.get(&admin.auth(), &path).await;
            assert_eq!(reply.status, 200, "{label}: {path}");
            assert!(!holds_plain(&reply.text), "{label}: {path}: {}", reply.text);
        }
        let page = app.get(&admin.auth(), &format!("/cases/{id}")).await;
        assert_eq!(page.status, 200, "{label}");
        assert!(!holds_plain(&page.text), "{label}: the case page");

        // At rest: the case row, its events and the sealed originals hold no plain number.
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT description, address FROM cases WHERE id = $1")
                .bind(id)
                .fetch_all(app.store().pool())
                .await
                .unwrap();
        let events: Vec<(String, String)> =
            sqlx::query_as("SELECT note, data FROM case_events WHERE case_id = $1")
                .bind(id)
                .fetch_all(app.store().pool())
                .await
                .unwrap();
        let sealed: Vec<(String,)> = sqlx::query_as("SELECT sealed FROM sealed_texts")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
        assert_eq!(
            sealed.len(),
            3,
            "{label}: description, address and one note"
        );
        let at_rest = format!("{rows:?}{events:?}{sealed:?}");
        assert!(!holds_plain(&at_rest), "{label}: {at_rest}");

        // Those who visit households reveal the original, and that is audited.
        let before = app.audit_count().await;
        let revealed = app
            .post(
                &worker.auth(),
                &format!("/api/v1/cases/{id}/reveal"),
                &json!({"reason": "回访居民"}),
            )
            .await
            .expect(200);
        assert!(
            revealed["description"]
                .as_str()
                .unwrap()
                .contains("138 0013 5678")
        );
        assert!(revealed["address"].as_str().unwrap().contains(PHONE));
        assert!(
            revealed["notes"][0]["note"]
                .as_str()
                .unwrap()
                .contains(OTHER_PHONE),
            "{revealed}"
        );
        assert_eq!(app.audit_count().await, before + 1, "{label}");
        // The same from the case page: a form for those who may, the original once posted.
        let page = app.get(&worker.auth(), &format!("/cases/{id}")).await;
        assert!(
            page.text.contains(&format!("/cases/{id}/reveal")),
            "{label}"
        );
        assert!(!holds_plain(&page.text), "{label}");
        let shown = send(
            app.req(&worker.auth(), Method::POST, &format!("/cases/{id}/reveal"))
                .form(&[("csrf_token", worker.csrf.as_str()), ("reason", "回访居民")]),
        )
        .await;
        assert_eq!(shown.status, 200, "{label}");
        assert!(
            shown.text.contains("138 0013 5678"),
            "{label}: the page shows the original"
        );
        assert_eq!(app.audit_count().await, before + 2, "{label}");
        let district = app.login(&format!("d{}", &a[..6])).await;
        let page = app.get(&district.auth(), &format!("/cases/{id}")).await;
        assert!(
            !page.text.contains(&format!("/cases/{id}/reveal")),
            "{label}: no reveal form for a district admin"
        );
        app.post(
            &district.auth(),
            &format!("/api/v1/cases/{id}/reveal"),
            &json!({"reason": "查看"}),
        )
        .await
        .problem(403);
        let stranger = app.login(&format!("g{b}-1")).await;
        app.post(
            &stranger.auth(),
            &format!("/api/v1/cases/{id}/reveal"),
            &json!({"reason": "查看"}),
        )
        .await
        .problem(404);

        // Through Open311 too.
        let key = open311_key(&app, &a[..9]).await;
        let [lon, lat] = interior_point(&app.grid_ring(&a));
        let created = post_form(
            &app,
            "/open311/v2/requests.json",
            &[
                ("api_key", key),
                ("jurisdiction_id", "450100".into()),
                ("service_code", "1101".into()),
                ("description", format!("有事请打{PHONE}")),
                ("lat", lat.to_string()),
                ("long", lon.to_string()),
            ],
        )
        .await;
        assert_eq!(created.status, 201, "{label}: {}", created.text);
        let feed = app
            .get(
                &Auth::None,
                "/open311/v2/requests.json?extensions=true&status=open",
            )
            .await;
        assert!(feed.text.contains("138****5678"), "{label}: {}", feed.text);
        assert!(!holds_plain(&feed.text), "{label}");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn personal_numbers_in_items_residents_raise_are_masked() {
    for app in apps().await {
        let label = app.label;
        let resident = app
            .city
            .accounts
            .iter()
            .find(|a| a.role == "resident")
            .expect("a demo resident")
            .clone();
        let community = resident.node_code[..12].to_string();
        let r = app.login(&resident.username).await;
        let item = app
            .post(
                &r.auth(),
                "/api/v1/session-items",
                &json!({"community_code": community, "title": format!("电话{PHONE}"),
                        "description": format!("楼道灯坏了，身份证{CITIZEN_ID}")}),
            )
            .await
            .expect(201);
        let id = item["id"].as_i64().unwrap();
        let shown = app
            .get(&r.auth(), &format!("/api/v1/session-items/{id}"))
            .await
            .expect(200);
        assert!(!holds_plain(&shown.to_string()), "{label}: {shown}");
        assert!(shown.to_string().contains("138****5678"), "{label}");
        let staff = app.login(&format!("c{community}")).await;
        let list = app
            .get(
                &staff.auth(),
                &format!("/api/v1/session-items?community={community}"),
            )
            .await;
        assert_eq!(list.status, 200, "{label}: {}", list.text);
        assert!(list.text.contains("138****5678"), "{label}");
        assert!(!holds_plain(&list.text), "{label}");
        let answered = app
            .post(
                &staff.auth(),
                &format!("/api/v1/session-items/{id}/actions"),
                &json!({"action": "answer", "answer": format!("已联系居民 {OTHER_PHONE}"), "unit": "物业公司"}),
            )
            .await
            .expect(200);
        assert!(!holds_plain(&answered.to_string()), "{label}: {answered}");
        let original = app
            .post(
                &staff.auth(),
                &format!("/api/v1/session-items/{id}/reveal"),
                &json!({"reason": "联系居民"}),
            )
            .await
            .expect(200);
        assert!(original["title"].as_str().unwrap().contains(PHONE));
        assert!(
            original["description"]
                .as_str()
                .unwrap()
                .contains(CITIZEN_ID)
        );
        assert!(
            original["answer"].as_str().unwrap().contains(OTHER_PHONE),
            "{original}"
        );
        app.post(
            &r.auth(),
            &format!("/api/v1/session-items/{id}/reveal"),
            &json!({"reason": "看看"}),
        )
        .await
        .problem(403);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn every_text_field_has_a_maximum() {
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[0].code.clone();
        let worker = app.login(&format!("g{grid}-1")).await;
        let huge = "长".repeat(1 << 20);
        let p = app
            .post(
                &worker.auth(),
                "/api/v1/households",
                &json!({"grid_code": grid, "address": huge, "unit": "2单元", "room": "501"}),
            )
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "address", "{label}: {p}");
        let p = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": "1101", "grid_code": grid, "description": "x", "address": "长".repeat(201)}),
            )
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "address", "{label}: {p}");

        // The document states each maximum, and the server keeps to it.
        let doc = app
            .get(&Auth::None, "/api/v1/openapi.json")
            .await
            .expect(200);
        let schemas = &doc["components"]["schemas"];
        let household = schemas
            .as_object()
            .unwrap()
            .iter()
            .find(|(name, s)| {
                name.contains("Household")
                    && name.contains("Request")
                    && s["properties"]["address"].is_object()
            })
            .map(|(_, s)| s.clone())
            .expect("the household request schema");
        assert_eq!(household["properties"]["address"]["maxLength"], 200);
        assert_eq!(
            schemas["NewCaseRequest"]["properties"]["description"]["maxLength"],
            4000
        );

        // Every string of every request body has a maximum, none above what the extractor
        // lets through.
        let mut checked = 0;
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                let Some(reference) =
                    op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
                else {
                    continue;
                };
                let name = reference.rsplit('/').next().unwrap();
                let props = schemas[name]["properties"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                for (field, p) in props {
                    let is_string = p["type"] == "string"
                        || p["type"]
                            .as_array()
                            .is_some_and(|t| t.contains(&json!("string")));
                    if !is_string || p.get("enum").is_some() {
                        continue;
                    }
                    let max = p["maxLength"].as_u64();
                    assert!(max.is_some(), "{label}: {name}.{field} has no maxLength");
                    assert!(
                        max.unwrap() as usize <= tongxin_server::util::max_chars(&field),
                        "{label}: {name}.{field} documents more than the extractor allows"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "{label}: only {checked} string fields seen");

        // Open311 fields.
        let key = open311_key(&app, &grid[..9]).await;
        let [lon, lat] = interior_point(&app.grid_ring(&grid));
        let base = vec![
            ("api_key", key),
            ("jurisdiction_id", "450100".to_string()),
            ("service_code", "1101".to_string()),
            ("description", "路边垃圾".to_string()),
            ("lat", lat.to_string()),
            ("long", lon.to_string()),
        ];
        for (field, value) in [
            ("address_string", "长".repeat(1 << 20)),
            (
                "media_url",
                format!("https://example.com/{}", "a".repeat(100 * 1024)),
            ),
            ("media_url", "javascript:alert(1)".to_string()),
        ] {
            let mut form = base.clone();
            form.push((field, value));
            let r = post_form(&app, "/open311/v2/requests.json", &form).await;
            assert_eq!(r.status, 400, "{label}: {field}: {}", &r.text);
            assert!(r.text.contains(field), "{label}: {}", r.text);
        }

        // A ledger cell.
        let admin = app.login(&format!("c{}", &grid[..12])).await;
        let id = tongxin_core::people::CitizenId::compose("450103", 19700101, 7);
        let csv = format!(
            "姓名,身份证号,网格代码,地址\n甄甲,{id},{grid},{}\n",
            "长".repeat(201)
        );
        let r = send(
            app.req(
                &admin.auth(),
                Method::POST,
                "/api/v1/ledgers/residents/import?filename=a.csv",
            )
            .header("content-type", "application/octet-stream")
            .body(csv.into_bytes()),
        )
        .await;
        let p = r.problem(422);
        assert_eq!(p["errors"][0]["index"], 2, "{label}: {p}");
        assert_eq!(p["errors"][0]["field"], "地址", "{label}: {p}");
        app.cleanup().await;
    }
}
