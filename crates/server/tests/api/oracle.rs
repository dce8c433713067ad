//! The existence oracle, generated from the OpenAPI document itself: for every documented route
//! with a path parameter and every method on it, someone bound elsewhere gets the same answer
//! for an existing record of another territory as for an id that does not exist. Otherwise the
//! answer tells them which ids exist (403 against 404), or hands them the record (200 against
//! 404), as case photos and webhooks once did.
//!
//! Territory A is the first district: the test first creates one record of every kind there,
//! through the API as A's staff. The outsiders are the people of the other district B, one of
//! every role (and a bearer token); the insiders are people of A bound where the record lies who
//! may not read it (a resident for the registry, the department handler for deliberation, …).
//!
//! A path parameter the document gains must be given a fixture in [`TABLE`] (or a reason in
//! [`EXEMPT`]): the test fails until it is, so a new route cannot reintroduce the defect.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tongxin_core::cases::catalogue::Catalogue;
use tongxin_core::people::CitizenId;

/// An id no fixture has.
const MISSING_ID: &str = "999999999";

/// The record that supplies an existing value for a path parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fixture {
    Case,
    /// A photo attached to the case.
    Photo,
    Resident,
    Household,
    Organisation,
    PartyOrg,
    Patrol,
    Notification,
    Webhook,
    User,
    Token,
    Council,
    CouncilMember,
    Election,
    Motion,
    Session,
    SessionItem,
    Matter,
    Decision,
    /// A disclosure posting, still a draft (published ones are public).
    Posting,
    /// A user on the community's disclosure committee.
    CommitteeMember,
    /// A territory node: territory is visible to those bound in it, so only outsiders apply.
    Community,
    Grid,
}

/// Path parameters, by path prefix and name, and the fixture that supplies an existing value.
/// The longest matching prefix wins.
const TABLE: &[(&str, &str, Fixture)] = &[
    ("/api/v1/cases/", "id", Fixture::Case),
    ("/api/v1/media/", "hash", Fixture::Photo),
    ("/api/v1/residents/", "id", Fixture::Resident),
    ("/api/v1/households/", "id", Fixture::Household),
    ("/api/v1/organisations/", "id", Fixture::Organisation),
    ("/api/v1/party-orgs/", "id", Fixture::PartyOrg),
    ("/api/v1/patrols/", "id", Fixture::Patrol),
    ("/api/v1/notifications/", "id", Fixture::Notification),
    ("/api/v1/webhooks/", "id", Fixture::Webhook),
    ("/api/v1/users/", "id", Fixture::User),
    ("/api/v1/tokens/", "id", Fixture::Token),
    ("/api/v1/councils/", "id", Fixture::Council),
    ("/api/v1/council-members/", "id", Fixture::CouncilMember),
    ("/api/v1/elections/", "id", Fixture::Election),
    ("/api/v1/motions/", "id", Fixture::Motion),
    ("/api/v1/sessions/", "id", Fixture::Session),
    ("/api/v1/session-items/", "id", Fixture::SessionItem),
    ("/api/v1/matters/", "id", Fixture::Matter),
    ("/api/v1/decisions/", "id", Fixture::Decision),
    ("/api/v1/disclosure/postings/", "id", Fixture::Posting),
    (
        "/api/v1/disclosure/communities/",
        "code",
        Fixture::Community,
    ),
    (
        "/api/v1/disclosure/communities/{code}/committee/",
        "user_id",
        Fixture::CommitteeMember,
    ),
    ("/api/v1/communities/", "code", Fixture::Community),
    ("/api/v1/divisions/", "code", Fixture::Community),
    ("/api/v1/map/node/", "code", Fixture::Community),
    ("/api/v1/grids/", "code", Fixture::Grid),
];

/// Path parameters that name nothing located in the territory.
const EXEMPT: &[(&str, &str, &str)] = &[
    (
        "/api/v1/case-categories/",
        "code",
        "the city's one case catalogue: the same for everyone, located nowhere",
    ),
    (
        "/api/v1/calendar/",
        "year",
        "the city's working calendar by year: the same for everyone, located nowhere",
    ),
    (
        "/api/v1/ledgers/",
        "kind",
        "a ledger type from a fixed list (residents, buildings, …), not a record; the territory is the `within` query",
    ),
];

/// Reads that answer everyone, signed in or not, by design: their existence is no secret. A
/// route answering an anonymous request for the fixture that is not listed here fails the test.
const PUBLIC: &[(&str, &str)] = &[
    (
        "GET /api/v1/disclosure/communities/{code}/items",
        "a community's disclosure catalogue is public (三务公开)",
    ),
    (
        "GET /api/v1/disclosure/communities/{code}/postings",
        "a community's published postings are public (drafts only for its staff and committee)",
    ),
    (
        "GET /api/v1/disclosure/postings/{id}",
        "a published posting is public; the fixture is a draft, so it is compared all the same",
    ),
];

/// People of territory A who are bound where a record lies (or above it) but may not read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Insider {
    /// The sample resident, bound to the community's first grid.
    Resident,
    /// The sample party member, bound to its second grid.
    PartyMember,
    /// The district's department handler.
    Handler,
    /// Another grid worker of the first grid.
    OtherWorker,
    /// A grid worker of the second grid.
    NeighbourWorker,
    CommunityAdmin,
    StreetAdmin,
}

impl Fixture {
    fn missing(self, t: &Territory) -> String {
        match self {
            Fixture::Photo => "0123456789abcdef".repeat(4),
            Fixture::Community => format!("{}099", t.street),
            Fixture::Grid => format!("{}099", t.community),
            _ => MISSING_ID.to_string(),
        }
    }

    fn insiders(self) -> &'static [Insider] {
        use Insider::*;
        match self {
            // Everyone bound where a case lies may read it; these two are bound in other grids.
            Fixture::Case | Fixture::Photo | Fixture::Organisation => &[Resident, PartyMember],
            Fixture::Resident | Fixture::Household => {
                &[Resident, PartyMember, Handler, NeighbourWorker]
            }
            Fixture::PartyOrg | Fixture::Posting => &[Resident, PartyMember, Handler],
            Fixture::Patrol | Fixture::Notification => &[OtherWorker, Resident, CommunityAdmin],
            Fixture::Webhook => &[
                Resident,
                PartyMember,
                Handler,
                OtherWorker,
                CommunityAdmin,
                StreetAdmin,
            ],
            // (Not another grid worker there: they may link the account to a resident.)
            Fixture::User | Fixture::Token => &[Resident, PartyMember, Handler],
            // Residents take part in their community's deliberation; a department does not.
            Fixture::Council
            | Fixture::CouncilMember
            | Fixture::Election
            | Fixture::Motion
            | Fixture::Session
            | Fixture::SessionItem
            | Fixture::Matter
            | Fixture::Decision => &[Handler],
            Fixture::CommitteeMember => &[Resident, Handler],
            Fixture::Community | Fixture::Grid => &[],
        }
    }
}

/// Codes of one territory: a district, its first street, community and grids.
struct Territory {
    district: String,
    street: String,
    community: String,
    grids: Vec<String>,
}

impl Territory {
    fn of(app: &App, district: &str) -> Territory {
        let street = app.streets_of(district)[0].clone();
        let community = app.communities_of(&street)[0].clone();
        let grids = app.grids_of(&community);
        assert!(grids.len() >= 3, "{community}: {grids:?}");
        Territory {
            district: district.to_string(),
            street,
            community,
            grids,
        }
    }
}

/// Records a request body may point at, in one territory.
#[derive(Clone, Debug)]
struct Refs {
    case: i64,
    resident: i64,
    household: i64,
    decision: i64,
    user: i64,
    disclosure_item: i64,
    point: [f64; 2],
}

/// Plausible bodies for the writes, taken from the route's own tests: one that parses, so that
/// the answer comes from the route, not from the JSON extractor. None: no body known.
fn bodies(method: &Method, path: &str, r: &Refs, now: i64) -> Option<Vec<Value>> {
    let route = path.strip_prefix("/api/v1/")?;
    let [lon, lat] = r.point;
    let one = |v: Value| Some(vec![v]);
    match (method.as_str(), route) {
        ("POST", "cases/{id}/actions") => Some(vec![
            json!({"action": "file", "note": "属实"}),
            json!({"action": "merge", "into": r.case, "note": "重复"}),
        ]),
        // Every audited reveal of personal data takes a reason.
        ("POST", r) if r.ends_with("/reveal") => one(json!({"reason": "入户走访核对"})),
        ("POST", "cases/{id}/support") => one(json!({"note": "我也看到了"})),
        ("PUT", "communities/{code}/session-schedule") => one(
            json!({"pattern": "weekly", "weekday": 4, "holiday_rule": "next_working_day", "start_minute": 1170, "duration_minutes": 90, "place": "社区议事厅"}),
        ),
        ("POST", "communities/{code}/sessions/plan") => {
            one(json!({"from": "2026-10-01", "to": "2026-10-31"}))
        }
        ("PATCH", "council-members/{id}") => one(json!({"role": "chair"})),
        ("POST", "councils/{id}/charters") => {
            one(json!({"body": "第一条 修订后……", "note": "年会修订"}))
        }
        ("POST", "councils/{id}/elections") => one(
            json!({"title": "第一届选举", "opens_at": now - 1000, "closes_at": now + 3_600_000,
                   "candidates": [r.resident], "electorate": "listed", "electors": [r.resident]}),
        ),
        ("POST", "councils/{id}/members") => one(json!({"resident_id": r.resident})),
        ("POST", "councils/{id}/motions") => one(
            json!({"title": "加装电梯", "mode": "open", "closes_at": now + 3_600_000, "meeting_date": "2026-11-27"}),
        ),
        ("PUT", "councils/{id}/rules") => one(json!({"seats": 3})),
        ("POST", "decisions/{id}/links") => {
            one(json!({"kind": "case", "reference": r.case.to_string(), "label": "相关案件"}))
        }
        ("POST", "decisions/{id}/parent") => one(json!({"parent_id": r.decision})),
        ("POST", "decisions/{id}/progress") => one(json!({"progress": 10, "note": "开工"})),
        ("POST", "decisions/{id}/rate") => one(json!({"verdict": "satisfied"})),
        ("POST", "disclosure/communities/{code}/committee") => one(json!({"user_id": r.user})),
        ("POST", "disclosure/communities/{code}/items") => {
            one(json!({"affair": "finance", "title": "专项经费收支", "frequency": "monthly"}))
        }
        ("POST", "disclosure/communities/{code}/postings") => one(
            json!({"item_id": r.disclosure_item, "period": "2026-10", "title": "2026年10月专项经费收支", "body": "收支如下。",
                   "lines": [{"kind": "income", "label": "区级拨款", "amount_fen": 5_000_000}]}),
        ),
        ("POST", "disclosure/postings/{id}/corrections") => one(
            json!({"title": "更正", "body": "更正：金额。", "lines": [{"kind": "income", "label": "区级拨款", "amount_fen": 4_000_000}]}),
        ),
        ("POST", "elections/{id}/votes") => one(json!({"candidates": [1]})),
        ("POST", "households/{id}/head") => one(json!({"resident_id": r.resident})),
        ("POST", "matters/{id}/stages") => {
            one(json!({"stage": "consultation", "summary": "两委会商议同意"}))
        }
        ("POST", "motions/{id}/hands") => {
            one(json!({"present": 1, "for": 1, "against": 0, "abstain": 0}))
        }
        ("POST", "motions/{id}/votes") => one(json!({"choice": "for"})),
        ("POST", "patrols/{id}/points") => one(json!({"points": [{"lon": lon, "lat": lat}]})),
        ("PATCH", "residents/{id}") => one(json!({"phone": "13877005678"})),
        ("POST", "residents/{id}/move") => Some(vec![
            json!({"household_id": r.household, "reason": "换房"}),
            json!({"move_out": true, "reason": "迁往外市"}),
        ]),
        ("POST", "session-items/{id}/actions") => {
            one(json!({"action": "answer", "answer": "物业今天下午更换灯泡", "unit": "物业公司"}))
        }
        ("POST", "sessions/{id}/record") => {
            one(json!({"residents_present": 30, "minutes": "议定：更换楼道灯。", "attendees": []}))
        }
        ("PUT", "users/{id}/resident") => one(json!({"resident_id": r.resident})),
        _ => None,
    }
}

/// The names of a templated path's parameters, in order.
fn path_params(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

fn longest<'a, T>(rows: &'a [(&str, &str, T)], template: &str, param: &str) -> Option<&'a T> {
    rows.iter()
        .filter(|(prefix, name, _)| *name == param && template.starts_with(prefix))
        .max_by_key(|(prefix, _, _)| prefix.len())
        .map(|(_, _, v)| v)
}

fn fill(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

fn resident_body(name: &str, citizen_id: &str, phone: &str, grid: &str) -> Value {
    json!({"name": name, "citizen_id": citizen_id, "phone": phone, "grid_code": grid, "tags": [], "unit": "1单元", "room": "302"})
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 77])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The existing values of territory A, by fixture, and what bodies may point at in A.
async fn fixtures_of_a(app: &App, a: &Territory) -> (BTreeMap<Fixture, String>, Refs) {
    let label = app.label;
    let now = tongxin_store::now_millis();
    let admin = app.login("admin").await.auth();
    let staff = app.login(&format!("c{}", a.community)).await.auth();
    let worker = app.login(&format!("g{}-1", a.grids[0])).await;
    let reporter = app.login(&format!("g{}-1", a.grids[2])).await.auth();
    let mut f = BTreeMap::new();

    // A case in the community's third grid, with a photo.
    let photo = send(
        app.req(&reporter, Method::POST, "/api/v1/media")
            .header("content-type", "image/png")
            .body(png(64, 48)),
    )
    .await
    .expect(201);
    let hash = photo["hash"].as_str().unwrap().to_string();
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let [lon, lat] = interior_point(&app.grid_ring(&a.grids[2]));
    let case = app
        .post(
            &reporter,
            "/api/v1/cases",
            &json!({"category": category, "description": "楼道堆放杂物", "lon": lon, "lat": lat, "photos": [hash]}),
        )
        .await
        .expect(201);
    assert_eq!(case["grid_code"], a.grids[2], "{label}");
    f.insert(Fixture::Case, id_of(&case).to_string());
    f.insert(Fixture::Photo, hash);

    // The registry, in the first grid.
    let resident = app
        .post(
            &worker.auth(),
            "/api/v1/residents",
            &resident_body(
                "王秀芳",
                &CitizenId::compose(&a.district, 19600101, 71),
                "13877001234",
                &a.grids[0],
            ),
        )
        .await
        .expect(201);
    let household = app
        .post(&worker.auth(), "/api/v1/households", &json!({"grid_code": a.grids[0], "address": "民族大道1号2栋", "unit": "2单元", "room": "501"}))
        .await
        .expect(201);
    let organisation = app
        .post(&staff, "/api/v1/organisations", &json!({"name": "绿城物业", "kind": "property_company", "community_code": a.community, "lon": lon, "lat": lat}))
        .await
        .expect(201);
    let party_org = app
        .post(&staff, "/api/v1/party-orgs", &json!({"kind": "big_committee", "name": "测试社区大党委", "community_code": a.community}))
        .await
        .expect(201);
    f.insert(Fixture::Resident, id_of(&resident).to_string());
    f.insert(Fixture::Household, id_of(&household).to_string());
    f.insert(Fixture::Organisation, id_of(&organisation).to_string());
    f.insert(Fixture::PartyOrg, id_of(&party_org).to_string());

    // A patrol under way and a notification, both the first grid's worker's.
    let patrol = app
        .post(&worker.auth(), "/api/v1/patrols", &json!({}))
        .await
        .expect(201);
    f.insert(Fixture::Patrol, id_of(&patrol).to_string());
    tongxin_store::cases::notify(
        app.store(),
        worker.user_id,
        Some(id_of(&case)),
        "overdue",
        "案件即将超时",
        "oracle",
        now,
    )
    .await
    .unwrap();
    let inbox = app
        .get(&worker.auth(), "/api/v1/notifications")
        .await
        .expect(200);
    f.insert(Fixture::Notification, id_of(&inbox["items"][0]).to_string());

    // Integrations: a webhook of the district, a service account in the first grid, its token.
    let webhook = app
        .post(&admin, "/api/v1/webhooks", &json!({"url": "http://127.0.0.1:9/hook", "secret": "a-long-shared-secret", "events": ["case.rate"], "territory": a.district}))
        .await
        .expect(201);
    let user = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "oracle-worker", "display_name": "对接网格员", "password": "long-enough-secret",
                    "roles": [{"role": "grid_worker", "node": a.grids[0]}]}),
        )
        .await
        .expect(201);
    let token = app
        .post(
            &admin,
            "/api/v1/tokens",
            &json!({"user_id": id_of(&user), "name": "对接系统"}),
        )
        .await
        .expect(201);
    f.insert(Fixture::Webhook, id_of(&webhook).to_string());
    f.insert(Fixture::User, id_of(&user).to_string());
    f.insert(Fixture::Token, id_of(&token).to_string());

    // Deliberation in the community.
    let council = app
        .post(&staff, "/api/v1/councils", &json!({"community_code": a.community, "kind": "friends_council", "charter": "第一条 本会……", "rules": {"seats": 2}}))
        .await
        .expect(201);
    let cid = id_of(&council);
    let member = app
        .post(
            &staff,
            &format!("/api/v1/councils/{cid}/members"),
            &json!({"resident_id": id_of(&resident)}),
        )
        .await
        .expect(201);
    let election = app
        .post(
            &staff,
            &format!("/api/v1/councils/{cid}/elections"),
            &json!({"title": "第一届选举", "opens_at": now - 1000, "closes_at": now + 3_600_000,
                    "candidates": [id_of(&resident)], "electorate": "listed", "electors": [id_of(&resident)]}),
        )
        .await
        .expect(201);
    let motion = app
        .post(
            &staff,
            &format!("/api/v1/councils/{cid}/motions"),
            &json!({"title": "停车位", "mode": "open", "closes_at": now + 3_600_000}),
        )
        .await
        .expect(201);
    let plan = app
        .post(
            &staff,
            &format!("/api/v1/communities/{}/sessions/plan", a.community),
            &json!({"from": "2026-09-01", "to": "2026-09-30"}),
        )
        .await
        .expect(200);
    let item = app
        .post(&staff, "/api/v1/session-items", &json!({"community_code": a.community, "title": "楼道灯坏了", "description": "3 栋 2 单元楼道灯不亮", "topic_area": "safety"}))
        .await
        .expect(201);
    let matter = app
        .post(&staff, "/api/v1/matters", &json!({"community_code": a.community, "title": "加装电梯", "description": "为 3 栋加装电梯", "proposal": "社区党委提议为 3 栋加装电梯"}))
        .await
        .expect(201);
    let decision = app
        .post(
            &staff,
            "/api/v1/decisions",
            &json!({"community_code": a.community, "title": "更换路灯"}),
        )
        .await
        .expect(201);
    f.insert(Fixture::Council, cid.to_string());
    f.insert(Fixture::CouncilMember, id_of(&member).to_string());
    f.insert(Fixture::Election, id_of(&election).to_string());
    f.insert(Fixture::Motion, id_of(&motion).to_string());
    f.insert(Fixture::Session, id_of(&plan["sessions"][0]).to_string());
    f.insert(Fixture::SessionItem, id_of(&item).to_string());
    f.insert(Fixture::Matter, id_of(&matter["matter"]).to_string());
    f.insert(Fixture::Decision, id_of(&decision["decision"]).to_string());

    // Disclosure: a catalogue item, a draft, a committee member.
    let disclosure = format!("/api/v1/disclosure/communities/{}", a.community);
    let d_item = app
        .post(
            &staff,
            &format!("{disclosure}/items"),
            &json!({"affair": "finance", "title": "专项经费收支", "frequency": "monthly"}),
        )
        .await
        .expect(201);
    let posting = app
        .post(
            &staff,
            &format!("{disclosure}/postings"),
            &json!({"item_id": id_of(&d_item), "period": "2026-10", "title": "2026年10月专项经费收支", "body": "收支如下。",
                    "lines": [{"kind": "expense", "label": "楼道照明改造", "amount_fen": 1_234_550}]}),
        )
        .await
        .expect(201);
    let enrolled = app
        .post(
            &staff,
            &format!("{disclosure}/committee"),
            &json!({"user_id": worker.user_id}),
        )
        .await;
    assert_eq!(enrolled.status, 204, "{label}: {}", enrolled.text);
    f.insert(Fixture::Posting, id_of(&posting).to_string());
    f.insert(Fixture::CommitteeMember, worker.user_id.to_string());

    f.insert(Fixture::Community, a.community.clone());
    f.insert(Fixture::Grid, a.grids[0].clone());

    let refs = Refs {
        case: id_of(&case),
        resident: id_of(&resident),
        household: id_of(&household),
        decision: id_of(&decision["decision"]),
        user: worker.user_id,
        disclosure_item: id_of(&d_item),
        point: interior_point(&app.grid_ring(&a.grids[0])),
    };
    (f, refs)
}

/// Records of territory B's own, for bodies that an outsider fills with what they do reach.
async fn refs_of_b(app: &App, b: &Territory, worker: &Session, staff: &Auth) -> Refs {
    let grid = &b.grids[0];
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let case = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "井盖缺失", "grid_code": grid}),
        )
        .await
        .expect(201);
    let resident = app
        .post(
            &worker.auth(),
            "/api/v1/residents",
            &resident_body(
                "李建国",
                &CitizenId::compose(&b.district, 19580304, 72),
                "13977004321",
                grid,
            ),
        )
        .await
        .expect(201);
    let household = app
        .post(
            &worker.auth(),
            "/api/v1/households",
            &json!({"grid_code": grid, "address": "友爱路8号", "unit": "1单元", "room": "101"}),
        )
        .await
        .expect(201);
    let decision = app
        .post(
            staff,
            "/api/v1/decisions",
            &json!({"community_code": b.community, "title": "修缮凉亭"}),
        )
        .await
        .expect(201);
    let d_item = app
        .post(
            staff,
            &format!("/api/v1/disclosure/communities/{}/items", b.community),
            &json!({"affair": "finance", "title": "活动经费", "frequency": "monthly"}),
        )
        .await
        .expect(201);
    Refs {
        case: id_of(&case),
        resident: id_of(&resident),
        household: id_of(&household),
        decision: id_of(&decision["decision"]),
        user: worker.user_id,
        disclosure_item: id_of(&d_item),
        point: interior_point(&app.grid_ring(grid)),
    }
}

struct Person {
    label: String,
    auth: Auth,
}

async fn person(app: &App, username: String, what: &str) -> Person {
    let s = app.login(&username).await;
    Person {
        label: format!("{what} {username}"),
        auth: s.auth(),
    }
}

#[tokio::test]
async fn an_outsider_cannot_tell_an_existing_record_from_a_missing_one() {
    for app in apps().await {
        run(&app).await;
        app.cleanup().await;
    }
}

async fn run(app: &App) {
    let started = std::time::Instant::now();
    let label = app.label;
    let districts = app.districts();
    let a = Territory::of(app, &districts[0]);
    let b = Territory::of(app, &districts[1]);
    let spec = app
        .get(&Auth::None, "/api/v1/openapi.json")
        .await
        .expect(200);
    let now = tongxin_store::now_millis();

    let (existing, refs_a) = fixtures_of_a(app, &a).await;

    // The outsiders: one of every role in district B, and an integration's bearer token.
    let b_worker = app.login(&format!("g{}-1", b.grids[0])).await;
    let b_staff = app.login(&format!("c{}", b.community)).await;
    let refs_b = refs_of_b(app, &b, &b_worker, &b_staff.auth()).await;
    let admin = app.login("admin").await.auth();
    let bot = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "oracle-bot", "display_name": "街道对接系统", "password": "long-enough-secret",
                    "roles": [{"role": "street_admin", "node": b.street}]}),
        )
        .await
        .expect(201);
    let bot_token = app
        .post(
            &admin,
            "/api/v1/tokens",
            &json!({"user_id": id_of(&bot), "name": "街道对接"}),
        )
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut outsiders = vec![
        person(app, format!("d{}", b.district), "district admin of B").await,
        person(app, format!("s{}", b.street), "street admin of B").await,
        Person {
            label: format!("community admin of B c{}", b.community),
            auth: b_staff.auth(),
        },
        Person {
            label: format!("grid worker of B g{}-1", b.grids[0]),
            auth: b_worker.auth(),
        },
        person(app, format!("h{}", b.district), "department handler of B").await,
        person(app, format!("r{}001", b.community), "resident of B").await,
        person(app, format!("p{}002", b.community), "party member of B").await,
    ];
    outsiders.push(Person {
        label: "street admin token of B".into(),
        auth: Auth::Bearer(bot_token),
    });
    let insiders: Vec<(Insider, Person)> = vec![
        (
            Insider::Resident,
            person(app, format!("r{}001", a.community), "resident of A").await,
        ),
        (
            Insider::PartyMember,
            person(app, format!("p{}002", a.community), "party member of A").await,
        ),
        (
            Insider::Handler,
            person(app, format!("h{}", a.district), "department handler of A").await,
        ),
        (
            Insider::OtherWorker,
            person(app, format!("g{}-2", a.grids[0]), "grid worker of A").await,
        ),
        (
            Insider::NeighbourWorker,
            person(app, format!("g{}-1", a.grids[1]), "grid worker of A").await,
        ),
        (
            Insider::CommunityAdmin,
            person(app, format!("c{}", a.community), "community admin of A").await,
        ),
        (
            Insider::StreetAdmin,
            person(app, format!("s{}", a.street), "street admin of A").await,
        ),
    ];
    let setup = started.elapsed();

    let mut unmapped = Vec::new();
    let mut exempt = Vec::new();
    let mut public = Vec::new();
    let mut no_body = Vec::new();
    let mut mismatches = Vec::new();
    let mut broken = Vec::new();
    let mut checked = 0;
    let mut compared = 0;
    let mut requests = 0;
    let paths = spec["paths"].as_object().expect("paths");
    for (template, ops) in paths {
        let params = path_params(template);
        if params.is_empty() {
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            if !matches!(
                method,
                Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
            ) {
                continue;
            }
            let route = format!("{method} {template}");
            // Which parameters name a record, and the record's existing value.
            let mut values = BTreeMap::new();
            let mut varied = Vec::new();
            let mut complete = true;
            for &p in &params {
                if let Some(fixture) = longest(TABLE, template, p) {
                    values.insert(p, existing[fixture].clone());
                    varied.push((p, *fixture));
                } else if let Some(reason) = longest(EXEMPT, template, p) {
                    exempt.push(format!("{route} ({{{p}}}: {reason})"));
                    complete = false;
                } else {
                    unmapped.push(format!("{route}: {{{p}}}"));
                    complete = false;
                }
            }
            if !complete {
                continue;
            }
            checked += 1;
            let with_body = op.get("requestBody").is_some();
            let plausible: Vec<Option<Value>> = if !with_body {
                vec![None]
            } else {
                let of_a = bodies(&method, template, &refs_a, now);
                let of_b = bodies(&method, template, &refs_b, now);
                match (of_a, of_b) {
                    (Some(mut a), Some(b)) => {
                        for v in b {
                            if !a.contains(&v) {
                                a.push(v);
                            }
                        }
                        a.into_iter().map(Some).collect()
                    }
                    _ => {
                        no_body.push(route.clone());
                        vec![Some(json!({}))]
                    }
                }
            };
            // Each plausible body, then the same with its text blanked: a validation that
            // runs only for an existing id must not tell it from a missing one either.
            let mut bodies: Vec<(Option<Value>, bool)> =
                plausible.iter().map(|b| (b.clone(), true)).collect();
            for b in plausible.iter().flatten() {
                let blanked = Some(blank(b));
                if !bodies.iter().any(|(o, _)| *o == blanked) {
                    bodies.push((blanked, false));
                }
            }
            for (param, fixture) in &varied {
                let found = fill(template, &values);
                let mut absent_values = values.clone();
                absent_values.insert(param, fixture.missing(&a));
                let absent = fill(template, &absent_values);

                // The fixtures must be real: their reader sees the existing one, not the other.
                // (A missing node is not checked: some routes of a community answer for any
                // well-formed code in reach, which tells nothing about records.)
                if method == Method::GET {
                    let yes = app.get(&admin, &found).await;
                    let no = app.get(&admin, &absent).await;
                    requests += 2;
                    let node = matches!(fixture, Fixture::Community | Fixture::Grid);
                    if !(200..300).contains(&yes.status) || (no.status != 404 && !node) {
                        broken.push(format!(
                            "{route} [{param}]: the city admin gets {} for {found} and {} for {absent}: {}",
                            yes.status,
                            no.status,
                            snippet(&yes.text)
                        ));
                    }
                }

                if method == Method::GET {
                    let anonymous = app.get(&Auth::None, &found).await;
                    requests += 1;
                    if (200..300).contains(&anonymous.status) {
                        match PUBLIC.iter().find(|(r, _)| *r == route) {
                            Some((_, reason)) => public.push(format!("{route} ({reason})")),
                            None => broken.push(format!(
                                "{route} [{param}]: {found} answers {} without signing in; if it is \
                                 public by design, add it to PUBLIC with the reason",
                                anonymous.status
                            )),
                        }
                        continue;
                    }
                }
                compared += 1;

                let askers = outsiders.iter().chain(
                    insiders
                        .iter()
                        .filter(|(role, _)| fixture.insiders().contains(role))
                        .map(|(_, p)| p),
                );
                for who in askers {
                    for (body, plausible) in &bodies {
                        let ask = |path: String| {
                            let mut rb = app.req(&who.auth, method.clone(), &path);
                            if let Some(body) = body {
                                rb = rb.json(body);
                            }
                            send(rb)
                        };
                        let yes = ask(found.clone()).await;
                        let no = ask(absent.clone()).await;
                        requests += 2;
                        let shown = body
                            .as_ref()
                            .map(|b| format!(" with {b}"))
                            .unwrap_or_default();
                        if yes.status != no.status {
                            mismatches.push(format!(
                                "{route} [{param}] as {}{shown}: existing {found} → {}, missing {absent} → {} ({})",
                                who.label,
                                yes.status,
                                no.status,
                                snippet(&yes.text)
                            ));
                        } else if *plausible && body.is_some() && matches!(yes.status, 400 | 415) {
                            // Refused before the route looked: the comparison proves nothing.
                            broken.push(format!(
                                "{route} [{param}] as {}{shown}: the body does not parse ({}), give the route a plausible one in `bodies`: {}",
                                who.label,
                                yes.status,
                                snippet(&yes.text)
                            ));
                        } else if yes.status >= 500 {
                            broken.push(format!(
                                "{route} [{param}] as {}{shown}: {} ({})",
                                who.label,
                                yes.status,
                                snippet(&yes.text)
                            ));
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "{label}: {checked} operations with a path id, {compared} (operation, parameter) pairs compared ({requests} requests), {} exempt, {} public, set up in {setup:?}, all in {:?}",
        exempt.len(),
        public.len(),
        started.elapsed()
    );
    for e in &exempt {
        eprintln!("  exempt: {e}");
    }
    for p in &public {
        eprintln!("  public: {p}");
    }
    for r in &no_body {
        eprintln!("  no plausible body known, sent {{}}: {r}");
    }
    assert!(
        unmapped.is_empty(),
        "{label}: path parameters with no fixture. Add each to TABLE in tests/oracle.rs with a \
         record of territory A that it names (or to EXEMPT with the reason it is not \
         territorial), so that a new route cannot reintroduce the existence oracle:\n  {}",
        unmapped.join("\n  ")
    );
    assert!(
        broken.is_empty(),
        "{label}: fixtures or routes broken:\n  {}",
        broken.join("\n  ")
    );
    assert!(
        checked >= 60,
        "{label}: only {checked} operations checked: is the document complete?"
    );
    assert!(
        mismatches.is_empty(),
        "{label}: {} requests tell an existing record of another territory from a missing one:\n  {}",
        mismatches.len(),
        mismatches.join("\n  ")
    );
}

/// The body with every string emptied (numbers, lists and shape kept).
fn blank(v: &Value) -> Value {
    match v {
        Value::String(_) => Value::String(String::new()),
        Value::Array(items) => Value::Array(items.iter().map(blank).collect()),
        Value::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), blank(v))).collect())
        }
        other => other.clone(),
    }
}

fn snippet(text: &str) -> String {
    let one_line: String = text.chars().filter(|c| *c != '\n').take(160).collect();
    one_line
}
