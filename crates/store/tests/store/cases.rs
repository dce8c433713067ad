//! Cases: insert, read, transitions guarded by version, timelines, every list filter with its
//! count and both kinds of page, the reporter's list, supports, deadlines, clusters, Open311,
//! notifications and media.

use crate::{assert_same_on_every_engine, division, grid, new_user, seed_tree, testing};
use tongxin_core::cases::machine::{Status, Tier};
use tongxin_store::Store;
use tongxin_store::cases::{
    self, CaseFilter, CaseOrder, CaseRow, EventRow, MediaHolder, MediaRow, RequestQuery,
};
use tongxin_store::territory;

/// Grid in community 450103001001.
pub const G1: &str = "450103001001001";
/// Another grid of the same community.
pub const G2: &str = "450103001001002";
/// A grid of the other community of street 450103001.
pub const G3: &str = "450103001002001";
/// A grid of the other street, 450103002.
pub const G4: &str = "450103002001001";
/// A grid of the other district, 450105.
pub const G5: &str = "450105001001001";

/// The tree of `seed_tree`, a second district 450105 with one street and community, and the
/// grids G1 … G5.
pub async fn seed_case_grids(store: &Store) {
    seed_tree(store).await;
    let mut tx = store.begin().await.unwrap();
    for d in [
        division("450105", Some("450100"), "district", "district"),
        division("450105001", Some("450105"), "street", "street"),
        division("450105001001", Some("450105001"), "community", "community"),
    ] {
        territory::insert_division(&mut tx, &d).await.unwrap();
    }
    for code in [G1, G2, G3, G4, G5] {
        territory::upsert_grid(&mut tx, &grid(code, "网格", 1_000))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// A newly reported case (id chosen by the database).
pub fn new_case(grid: &str, category: &str, reported_at: i64) -> CaseRow {
    CaseRow {
        id: 0,
        category_code: category.into(),
        category_version: 1,
        channel: "app".into(),
        status: Status::Reported,
        tier: Tier::Grid,
        department: None,
        grid_code: grid.into(),
        district_code: grid[..6].into(),
        lon: None,
        lat: None,
        address: "某路".into(),
        description: "问题".into(),
        reporter_id: 1,
        rework_count: 0,
        reopen_count: 0,
        escalation_count: 0,
        supervised: 0,
        merged_into: None,
        rating: None,
        reported_at,
        dispatched_at: None,
        closed_at: None,
        step_due_at: None,
        handle_due_at: None,
        updated_at: reported_at,
        version: 1,
    }
}

/// The `report` event that opens a case's timeline.
pub fn report_event(c: &CaseRow) -> EventRow {
    EventRow {
        id: 0,
        case_id: 0,
        at: c.reported_at,
        actor_id: c.reporter_id,
        actor: format!("user{}", c.reporter_id),
        command: "report".into(),
        from_status: None,
        to_status: c.status.as_str().into(),
        note: c.description.clone(),
        data: "{}".into(),
        step_due_at: None,
    }
}

/// Inserts the cases (each with its report event) in one transaction; their ids.
pub async fn insert(store: &Store, rows: &[CaseRow]) -> Vec<i64> {
    let events: Vec<EventRow> = rows.iter().map(report_event).collect();
    let pairs: Vec<(&CaseRow, &EventRow)> = rows.iter().zip(&events).collect();
    let mut tx = store.begin().await.unwrap();
    let ids = cases::insert_reports(&mut tx, &pairs).await.unwrap();
    tx.commit().await.unwrap();
    ids
}

/// Applies one transition to `case` as the server does: `change` edits the row, the event
/// records `command` at `at` ending a step due at the case's previous `step_due_at`. Returns
/// the event's id and leaves `case` as stored.
pub async fn transition(
    store: &Store,
    case: &mut CaseRow,
    command: &str,
    to_status: &str,
    at: i64,
    change: impl FnOnce(&mut CaseRow),
) -> i64 {
    let before = case.clone();
    let mut after = before.clone();
    change(&mut after);
    after.status = Status::parse(to_status).expect("a status");
    after.updated_at = at;
    after.version = before.version + 1;
    let event = EventRow {
        id: 0,
        case_id: before.id,
        at,
        actor_id: 2,
        actor: "staff".into(),
        command: command.into(),
        from_status: Some(before.status.as_str().into()),
        to_status: to_status.into(),
        note: String::new(),
        data: "{}".into(),
        step_due_at: before.step_due_at,
    };
    let mut tx = store.begin().await.unwrap();
    let id = cases::record_transition(&mut tx, &before, &after, &event)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{command} on case {} lost its race", before.id));
    tx.commit().await.unwrap();
    *case = after;
    id
}

fn ids(rows: &[CaseRow]) -> Vec<i64> {
    rows.iter().map(|c| c.id).collect()
}

#[tokio::test]
async fn cases_insert_read_transition_and_timeline() {
    let mut answers = Vec::new();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        seed_case_grids(store).await;
        let mut a = CaseRow {
            step_due_at: Some(50_000),
            lon: Some(108.3),
            lat: Some(22.8),
            ..new_case(G1, "0101", 10_000)
        };
        let b = CaseRow {
            channel: "hotline".into(),
            reporter_id: 9,
            ..new_case(G3, "0202", 10_001)
        };
        let got = insert(store, &[a.clone(), b.clone()]).await;
        assert_eq!(got, [1, 2], "{label}");
        a.id = 1;
        assert_eq!(
            cases::get_case(store, 1).await.unwrap(),
            Some(a.clone()),
            "{label}"
        );
        assert_eq!(
            cases::get_case(store, 2).await.unwrap(),
            Some(CaseRow { id: 2, ..b.clone() }),
            "{label}"
        );
        assert_eq!(cases::get_case(store, 3).await.unwrap(), None, "{label}");
        let first = cases::timeline(store, 1).await.unwrap();
        assert_eq!(
            first,
            [EventRow {
                id: 1,
                case_id: 1,
                ..report_event(&a)
            }],
            "{label}: the report opens the timeline"
        );

        // A transition writes the row and appends its event.
        let stale = a.clone();
        let event = transition(store, &mut a, "file", "filed", 20_000, |c| {
            c.step_due_at = Some(90_000);
        })
        .await;
        assert_eq!(event, 3, "{label}");
        let stored = cases::get_case(store, 1).await.unwrap().unwrap();
        assert_eq!(stored, a, "{label}");
        assert_eq!(
            (stored.status.as_str(), stored.version, stored.step_due_at),
            ("filed", 2, Some(90_000)),
            "{label}"
        );

        // A transition from a version already gone writes nothing.
        let mut lost = stale.clone();
        lost.status = Status::Cancelled;
        lost.version = 2;
        let mut tx = store.begin().await.unwrap();
        let raced = cases::record_transition(
            &mut tx,
            &stale,
            &lost,
            &EventRow {
                case_id: 1,
                command: "cancel".into(),
                ..report_event(&stale)
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(raced, None, "{label}: the stale transition loses");
        assert_eq!(
            cases::get_case(store, 1).await.unwrap().unwrap().status,
            Status::Filed,
            "{label}"
        );
        let timeline = cases::timeline(store, 1).await.unwrap();
        let steps: Vec<_> = timeline
            .iter()
            .map(|e| {
                (
                    e.id,
                    e.command.as_str(),
                    e.from_status.as_deref(),
                    e.to_status.as_str(),
                    e.at,
                    e.step_due_at,
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                (1, "report", None, "reported", 10_000, None),
                (3, "file", Some("reported"), "filed", 20_000, Some(50_000)),
            ],
            "{label}: the event keeps the deadline of the step it ended"
        );

        // Several timelines at once, by case then event; events by time.
        let both = cases::timelines(store, &[2, 1]).await.unwrap();
        assert_eq!(
            both.iter().map(|e| (e.case_id, e.id)).collect::<Vec<_>>(),
            [(1, 1), (1, 3), (2, 2)],
            "{label}"
        );
        assert!(cases::timelines(store, &[]).await.unwrap().is_empty());
        let between = |from, to, limit| async move {
            cases::events_between(store, from, to, limit)
                .await
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(between(10_001, 20_001, 10).await, [2, 3], "{label}");
        assert_eq!(
            between(10_000, 20_000, 10).await,
            [1, 2],
            "{label}: to is exclusive"
        );
        assert_eq!(between(0, 99_999, 1).await, [1], "{label}: limit");
        let mut by_ids = ids(&cases::cases_by_ids(store, &[2, 99, 1]).await.unwrap());
        by_ids.sort();
        assert_eq!(by_ids, [1, 2], "{label}: unknown numbers are left out");
        assert!(cases::cases_by_ids(store, &[]).await.unwrap().is_empty());

        // Supports: once per user.
        let mut tx = store.begin().await.unwrap();
        assert!(
            cases::add_support(&mut tx, 1, 5, 30_000, "我也遇到")
                .await
                .unwrap()
        );
        assert!(
            !cases::add_support(&mut tx, 1, 5, 31_000, "再次")
                .await
                .unwrap()
        );
        assert!(cases::add_support(&mut tx, 1, 6, 32_000, "").await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(cases::support_count(store, 1).await.unwrap(), 2, "{label}");
        assert_eq!(cases::support_count(store, 2).await.unwrap(), 0, "{label}");

        answers.push((label, (timeline, both)));
        db.cleanup().await;
    }
    assert_same_on_every_engine("case timelines", &answers);
}

/// Eight cases over five grids (ids 1 … 8 in this order), each with what a filter can pick.
fn list_fixture() -> Vec<CaseRow> {
    let at = |n: i64| 100_000 + n * 1_000;
    let c = |grid: &str, category: &str, n: i64| new_case(grid, category, at(n));
    vec![
        CaseRow {
            step_due_at: Some(500),
            reporter_id: 7,
            description: "井盖缺失".into(),
            address: "民族大道1号".into(),
            lon: Some(108.30),
            lat: Some(22.80),
            ..c(G1, "0101", 1)
        },
        CaseRow {
            status: Status::Filed,
            channel: "hotline".into(),
            step_due_at: Some(2_000),
            reporter_id: 7,
            description: "路灯不亮".into(),
            ..c(G1, "0202", 2)
        },
        CaseRow {
            status: Status::Dispatched,
            department: Some("cgj".into()),
            step_due_at: Some(900),
            reporter_id: 8,
            description: "垃圾堆放".into(),
            address: "朝阳路井盖旁".into(),
            lon: Some(108.31),
            lat: Some(22.81),
            ..c(G2, "0101", 3)
        },
        CaseRow {
            status: Status::Closed,
            department: Some("cgj".into()),
            reporter_id: 7,
            description: "井盖松动".into(),
            lon: Some(108.30),
            lat: Some(22.80),
            ..c(G3, "0101", 4)
        },
        CaseRow {
            status: Status::Accepted,
            channel: "hotline".into(),
            department: Some("sw".into()),
            step_due_at: Some(1_500),
            reporter_id: 8,
            description: "漏水".into(),
            ..c(G4, "0303", 5)
        },
        CaseRow {
            status: Status::Handled,
            department: Some("cgj".into()),
            step_due_at: Some(800),
            reporter_id: 9,
            description: "占道经营".into(),
            ..c(G5, "0101", 6)
        },
        CaseRow {
            status: Status::Cancelled,
            reporter_id: 7,
            step_due_at: Some(100),
            description: "重复上报".into(),
            ..c(G1, "0101", 7)
        },
        CaseRow {
            channel: "hotline".into(),
            step_due_at: Some(3_000),
            reporter_id: 7,
            description: "夜间噪音".into(),
            ..c(G5, "0202", 8)
        },
    ]
}

fn scope(prefixes: &[&str]) -> Vec<String> {
    prefixes.iter().map(|p| p.to_string()).collect()
}

#[tokio::test]
async fn case_lists_filter_count_and_page() {
    let mut answers = Vec::new();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        seed_case_grids(store).await;
        assert_eq!(
            insert(store, &list_fixture()).await,
            (1..=8).collect::<Vec<_>>()
        );
        let city = scope(&["4501"]);
        let district = scope(&["450103"]);
        let street = scope(&["450103001"]);
        let community = scope(&["450103001001"]);
        let grid1 = scope(&[G1]);
        let split = scope(&["450103002", "450105"]);
        let none: Vec<String> = Vec::new();
        let f = CaseFilter::default;
        let status = |s: &str| CaseFilter {
            status: Some(s.into()),
            ..f()
        };
        let category = |s: &str| CaseFilter {
            category: Some(s.into()),
            ..f()
        };
        let channel = |s: &str| CaseFilter {
            channel: Some(s.into()),
            ..f()
        };
        let department = |s: &str| CaseFilter {
            department: Some(s.into()),
            ..f()
        };
        let text = |s: &str| CaseFilter {
            text: Some(s.into()),
            ..f()
        };
        let overdue = CaseFilter {
            overdue_at: Some(1_000),
            ..f()
        };
        let open = CaseFilter {
            open_only: true,
            ..f()
        };
        // (scope, filter, the cases it matches, newest first)
        let cases: Vec<(&str, &[String], CaseFilter, Vec<i64>)> = vec![
            ("city", &city, f(), vec![8, 7, 6, 5, 4, 3, 2, 1]),
            ("district", &district, f(), vec![7, 5, 4, 3, 2, 1]),
            ("street", &street, f(), vec![7, 4, 3, 2, 1]),
            ("community", &community, f(), vec![7, 3, 2, 1]),
            ("grid", &grid1, f(), vec![7, 2, 1]),
            ("two prefixes", &split, f(), vec![8, 6, 5]),
            ("no scope", &none, f(), vec![]),
            ("status", &city, status("reported"), vec![8, 1]),
            ("status, street", &street, status("reported"), vec![1]),
            ("category", &city, category("0101"), vec![7, 6, 4, 3, 1]),
            ("category, grid", &grid1, category("0202"), vec![2]),
            ("channel", &city, channel("hotline"), vec![8, 5, 2]),
            ("department", &city, department("cgj"), vec![6, 4, 3]),
            ("department, street", &street, department("cgj"), vec![4, 3]),
            (
                "text in description or address",
                &city,
                text("井盖"),
                vec![4, 3, 1],
            ),
            (
                "wildcards in the text are dropped",
                &city,
                text("井%盖_"),
                vec![4, 3, 1],
            ),
            ("overdue", &city, overdue.clone(), vec![6, 3, 1]),
            ("overdue, district", &district, overdue.clone(), vec![3, 1]),
            ("overdue, grid", &grid1, overdue.clone(), vec![1]),
            ("open", &city, open.clone(), vec![8, 6, 5, 3, 2, 1]),
            ("open, community", &community, open.clone(), vec![3, 2, 1]),
            (
                "open and category",
                &city,
                CaseFilter {
                    category: Some("0101".into()),
                    ..open.clone()
                },
                vec![6, 3, 1],
            ),
            (
                "department and status",
                &city,
                CaseFilter {
                    status: Some("closed".into()),
                    ..department("cgj")
                },
                vec![4],
            ),
        ];
        let mut seen = Vec::new();
        for (what, prefixes, filter, expected) in &cases {
            let listed = cases::list_cases(store, prefixes, filter, None, 100)
                .await
                .unwrap();
            assert_eq!(ids(&listed.items), *expected, "{label}: list, {what}");
            assert_eq!(listed.next, None, "{label}: {what}");
            let paged = cases::list_cases_page(store, prefixes, filter, CaseOrder::Newest, 0, 100)
                .await
                .unwrap();
            assert_eq!(ids(&paged), *expected, "{label}: numbered page, {what}");
            let n = cases::count_cases(store, prefixes, filter).await.unwrap();
            assert_eq!(n, expected.len() as i64, "{label}: count, {what}");
            seen.push((what.to_string(), ids(&listed.items), n));
        }

        // Keyset pages of 3 over the city: each continues below the last number.
        let mut pages = Vec::new();
        let mut before = None;
        loop {
            let p = cases::list_cases(store, &city, &f(), before, 3)
                .await
                .unwrap();
            pages.push((ids(&p.items), p.next.clone()));
            match p.next {
                Some(n) => before = Some(n.parse().unwrap()),
                None => break,
            }
        }
        assert_eq!(
            pages,
            [
                (vec![8, 7, 6], Some("6".to_string())),
                (vec![5, 4, 3], Some("3".to_string())),
                (vec![2, 1], None),
            ],
            "{label}"
        );
        // A narrow scope pages the same way.
        let p = cases::list_cases(store, &street, &f(), Some(4), 2)
            .await
            .unwrap();
        assert_eq!(
            (ids(&p.items), p.next.as_deref()),
            (vec![3, 2], Some("2")),
            "{label}"
        );

        // Numbered pages: by number, or the earliest deadline first.
        let page = |prefixes: &'static str, filter: CaseFilter, order, offset, limit| async move {
            let prefixes = scope(&[prefixes]);
            ids(
                &cases::list_cases_page(store, &prefixes, &filter, order, offset, limit)
                    .await
                    .unwrap(),
            )
        };
        assert_eq!(
            page("4501", f(), CaseOrder::Newest, 2, 3).await,
            [6, 5, 4],
            "{label}"
        );
        assert_eq!(
            page("4501", f(), CaseOrder::Newest, 6, 3).await,
            [2, 1],
            "{label}"
        );
        assert!(
            page("4501", f(), CaseOrder::Newest, 8, 3).await.is_empty(),
            "{label}"
        );
        let soon = CaseFilter {
            overdue_at: Some(2_500),
            ..f()
        };
        assert_eq!(
            page("4501", soon.clone(), CaseOrder::Deadline, 0, 10).await,
            [1, 6, 3, 5, 2],
            "{label}: longest overdue first; the cancelled case is not open"
        );
        assert_eq!(
            page("4501", soon.clone(), CaseOrder::Deadline, 1, 2).await,
            [6, 3],
            "{label}"
        );
        assert_eq!(
            page("450103", soon.clone(), CaseOrder::Deadline, 0, 10).await,
            [1, 3, 5, 2],
            "{label}"
        );

        // The reporter's own cases.
        let mine = |reporter, offset| async move {
            ids(&cases::reported_by_page(store, reporter, offset, 2)
                .await
                .unwrap())
        };
        assert_eq!(mine(7, 0).await, [8, 7], "{label}");
        assert_eq!(mine(7, 2).await, [4, 2], "{label}");
        assert_eq!(mine(7, 4).await, [1], "{label}");
        assert_eq!(mine(9, 0).await, [6], "{label}");
        assert!(mine(42, 0).await.is_empty(), "{label}");
        for (reporter, n) in [(7, 5), (8, 2), (9, 1), (42, 0)] {
            assert_eq!(
                cases::count_reported_by(store, reporter).await.unwrap(),
                n,
                "{label}: reporter {reporter}"
            );
        }

        // Deadlines falling before a time, the nearest first, over open cases only.
        let due: Vec<i64> = ids(&cases::due_before(store, 1_000, 10).await.unwrap());
        assert_eq!(due, [1, 6, 3], "{label}");
        assert_eq!(
            ids(&cases::due_before(store, 1_000, 2).await.unwrap()),
            [1, 6],
            "{label}"
        );

        // Open cases of a category near a place.
        let near = cases::candidates_near(store, "0101", 0, [108.295, 22.795, 108.315, 22.815])
            .await
            .unwrap();
        assert_eq!(ids(&near), [3, 1], "{label}: the closed case 4 is left out");
        let near =
            cases::candidates_near(store, "0101", 101_500, [108.295, 22.795, 108.315, 22.815])
                .await
                .unwrap();
        assert_eq!(ids(&near), [3], "{label}: reported since");

        // Clusters: grids with at least `min` reports of one category.
        let clusters = cases::clusters(store, &city, 0, 2).await.unwrap();
        assert_eq!(
            clusters,
            [(G1.to_string(), "0101".to_string(), 2)],
            "{label}"
        );
        let clusters = cases::clusters(store, &city, 0, 1).await.unwrap();
        assert_eq!(clusters.len(), 7, "{label}: {clusters:?}");
        assert_eq!(clusters[0], (G1.to_string(), "0101".to_string(), 2));
        assert!(
            cases::clusters(store, &city, 101_500, 2)
                .await
                .unwrap()
                .is_empty(),
            "{label}: only reports since"
        );
        assert!(
            cases::clusters(store, &scope(&["450105"]), 0, 2)
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
        let places = cases::repeated_places(store, &city, 0, 0.01, 2)
            .await
            .unwrap();
        assert_eq!(places.len(), 1, "{label}: {places:?}");
        let (lon, lat, n, newest) = places[0];
        assert_eq!((n, newest), (2, 4), "{label}: cases 1 and 4 share a cell");
        assert!((lon - 108.30).abs() < 1e-9 && (lat - 22.80).abs() < 1e-9);

        // Open311: by time and filters, or by ids, always inside the scope.
        let req = |r: RequestQuery<'static>, prefixes: &'static [&'static str]| async move {
            ids(&cases::open311_requests(store, &scope(prefixes), &r)
                .await
                .unwrap())
        };
        let window = RequestQuery {
            from: 102_000,
            to: 106_000,
            limit: 100,
            ..RequestQuery::default()
        };
        assert_eq!(
            req(window.clone(), &["4501"]).await,
            [5, 4, 3, 2],
            "{label}"
        );
        assert_eq!(
            req(
                RequestQuery {
                    category: Some("0101"),
                    ..window.clone()
                },
                &["4501"]
            )
            .await,
            [4, 3],
            "{label}"
        );
        assert_eq!(
            req(
                RequestQuery {
                    statuses: &["closed", "accepted"],
                    ..window.clone()
                },
                &["4501"]
            )
            .await,
            [5, 4],
            "{label}"
        );
        assert_eq!(
            req(
                RequestQuery {
                    limit: 2,
                    ..window.clone()
                },
                &["450103001"]
            )
            .await,
            [4, 3],
            "{label}"
        );
        assert_eq!(
            req(
                RequestQuery {
                    ids: &[1, 6, 99],
                    category: Some("9999"),
                    ..window.clone()
                },
                &["450103"]
            )
            .await,
            [1],
            "{label}: ids ignore the other filters but not the scope"
        );
        assert!(req(window.clone(), &[]).await.is_empty(), "{label}");

        answers.push((label, (seen, pages)));
        db.cleanup().await;
    }
    assert_same_on_every_engine("case lists", &answers);
}

#[tokio::test]
async fn notifications_once_per_key_read_and_paged() {
    let mut answers = Vec::new();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        seed_case_grids(store).await;
        let case = insert(store, &[new_case(G1, "0101", 1_000)]).await[0];
        let u1 = new_user(store, "worker1").await;
        let u2 = new_user(store, "worker2").await;
        let u3 = new_user(store, "worker3").await;
        let mut tx = store.begin().await.unwrap();
        for u in [u1, u2, u3] {
            tongxin_store::access::add_binding(&mut tx, u, "grid_worker", G1)
                .await
                .unwrap();
        }
        tongxin_store::access::add_binding(&mut tx, u1, "grid_worker", G2)
            .await
            .unwrap();
        tongxin_store::access::set_disabled(&mut tx, u3, true, 1_000)
            .await
            .unwrap();
        let bound = cases::users_bound_at(&mut tx, "grid_worker", G1)
            .await
            .unwrap();
        assert_eq!(bound, [u1, u2], "{label}: disabled users are left out");
        assert!(
            cases::users_bound_at(&mut tx, "community_admin", G1)
                .await
                .unwrap()
                .is_empty()
        );
        tx.commit().await.unwrap();
        let mut with_role = cases::users_with_role_at(store, "grid_worker", G1)
            .await
            .unwrap();
        with_role.sort();
        assert_eq!(with_role, [u1, u2], "{label}");
        assert_eq!(
            cases::users_with_role_at(store, "grid_worker", G2)
                .await
                .unwrap(),
            [u1],
            "{label}"
        );

        assert!(
            cases::notify(store, u1, None, "warning", "一", "scan:1", 100)
                .await
                .unwrap()
        );
        assert!(
            cases::notify(store, u1, Some(case), "assigned", "二", "assign:1", 200)
                .await
                .unwrap()
        );
        let mut tx = store.begin().await.unwrap();
        cases::notify_in(&mut tx, &[u1, u2], case, "overdue", "三", "late:1", 300)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // Repeats (last, so that no engine spends an id on them before a real row).
        assert!(
            !cases::notify(store, u2, None, "warning", "一", "scan:1", 400)
                .await
                .unwrap(),
            "{label}: one notification per key"
        );
        let mut tx = store.begin().await.unwrap();
        cases::notify_in(&mut tx, &[u1], case, "overdue", "三", "late:1", 500)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cases::unread_count(store, u1).await.unwrap(), 3, "{label}");
        assert_eq!(cases::unread_count(store, u2).await.unwrap(), 1, "{label}");

        let listed = |user, unread, before, limit| async move {
            let p = cases::notifications(store, user, unread, before, limit)
                .await
                .unwrap();
            (
                p.items
                    .iter()
                    .map(|n| (n.id, n.kind.clone(), n.case_id, n.read_at))
                    .collect::<Vec<_>>(),
                p.next,
            )
        };
        let first = listed(u1, false, None, 2).await;
        assert_eq!(
            first,
            (
                vec![
                    (3, "overdue".to_string(), Some(case), None),
                    (2, "assigned".to_string(), Some(case), None)
                ],
                Some("2".to_string())
            ),
            "{label}"
        );
        assert_eq!(
            listed(u1, false, Some(2), 2).await,
            (vec![(1, "warning".to_string(), None, None)], None),
            "{label}"
        );
        let n4 = cases::notification(store, u2, 4).await.unwrap().unwrap();
        assert_eq!(
            (n4.user_id, n4.message.as_str(), n4.created_at),
            (u2, "三", 300),
            "{label}"
        );
        assert!(
            cases::notification(store, u1, 4).await.unwrap().is_none(),
            "{label}: another user's notification is not found"
        );

        assert!(cases::mark_read(store, u1, 2, 600).await.unwrap());
        assert!(
            !cases::mark_read(store, u2, 2, 600).await.unwrap(),
            "{label}: not u2's"
        );
        assert!(cases::mark_read(store, u1, 2, 700).await.unwrap());
        assert_eq!(
            cases::notification(store, u1, 2)
                .await
                .unwrap()
                .unwrap()
                .read_at,
            Some(600),
            "{label}: the first reading counts"
        );
        let unread = listed(u1, true, None, 10).await;
        assert_eq!(
            unread.0.iter().map(|n| n.0).collect::<Vec<_>>(),
            [3, 1],
            "{label}"
        );
        assert_eq!(cases::mark_all_read(store, u1, 800).await.unwrap(), 2);
        assert_eq!(cases::unread_count(store, u1).await.unwrap(), 0, "{label}");
        assert_eq!(cases::unread_count(store, u2).await.unwrap(), 1, "{label}");
        let all = listed(u1, false, None, 10).await;
        assert_eq!(
            all.0.iter().map(|n| n.3).collect::<Vec<_>>(),
            [Some(800), Some(600), Some(800)],
            "{label}"
        );
        answers.push((label, (first, all)));
        db.cleanup().await;
    }
    assert_same_on_every_engine("notifications", &answers);
}

#[tokio::test]
async fn media_once_per_hash_with_its_holders() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let m = MediaRow {
            hash: "ab".repeat(32),
            mime: "image/jpeg".into(),
            bytes: 12_345,
            width: 640,
            height: 480,
            created_by: 3,
            created_at: 1_000,
        };
        assert!(cases::insert_media(store, &m).await.unwrap(), "{label}");
        assert!(
            !cases::insert_media(
                store,
                &MediaRow {
                    bytes: 1,
                    ..m.clone()
                }
            )
            .await
            .unwrap(),
            "{label}: a hash is stored once"
        );
        assert_eq!(
            cases::get_media(store, &m.hash).await.unwrap(),
            Some(m.clone())
        );
        assert_eq!(cases::get_media(store, "cd").await.unwrap(), None);
        let mut tx = store.begin().await.unwrap();
        let hashes = [m.hash.clone()];
        cases::link_media(&mut tx, &hashes, "upload", 3, "", 3)
            .await
            .unwrap();
        cases::link_media(&mut tx, &hashes, "case", 12, G1, 7)
            .await
            .unwrap();
        cases::link_media(&mut tx, &hashes, "case", 12, G1, 7)
            .await
            .unwrap();
        cases::link_media(&mut tx, &hashes, "case", 5, G2, 8)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let holder = |holder: &str, holder_id, node: &str, owner_id| MediaHolder {
            holder: holder.into(),
            holder_id,
            node_code: node.into(),
            owner_id,
        };
        assert_eq!(
            cases::media_holders(store, &m.hash).await.unwrap(),
            [
                holder("case", 5, G2, 8),
                holder("case", 12, G1, 7),
                holder("upload", 3, "", 3)
            ],
            "{label}"
        );
        assert!(cases::media_holders(store, "cd").await.unwrap().is_empty());
        db.cleanup().await;
    }
}

/// A status or tier the build does not know is an error when read, never a guess.
#[tokio::test]
async fn an_unknown_status_in_the_database_is_an_error() {
    for db in testing::all().await {
        let store = &db.store;
        seed_case_grids(store).await;
        insert(store, &[new_case(G1, "0101", 10_000)]).await;
        assert!(cases::get_case(store, 1).await.unwrap().is_some());
        sqlx::query("UPDATE cases SET status = 'lost' WHERE id = 1")
            .execute(store.pool())
            .await
            .unwrap();
        let err = cases::get_case(store, 1).await.unwrap_err();
        assert!(
            err.to_string().contains("decoding column status"),
            "{}: {err}",
            db.label
        );
        sqlx::query("UPDATE cases SET status = 'filed', tier = 'province' WHERE id = 1")
            .execute(store.pool())
            .await
            .unwrap();
        let err = cases::get_case(store, 1).await.unwrap_err();
        assert!(
            err.to_string().contains("decoding column tier"),
            "{}: {err}",
            db.label
        );
    }
}
