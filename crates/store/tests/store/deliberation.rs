//! Deliberation: 逢四说事 schedules, sessions, attendance, items and their timelines;
//! 四议两公开 matters and their stages; decisions with their trees, progress and links; with
//! the paged queries and their counts.

use crate::{assert_same_on_every_engine, seed_tree, testing};
use tongxin_core::deliberation::decisions::DecisionStatus;
use tongxin_core::deliberation::items::ItemStatus;
use tongxin_store::deliberation::decisions::{self, DecisionRow, LinkRow, ProgressRow};
use tongxin_store::deliberation::matters::{self, MatterRow, StageRow};
use tongxin_store::deliberation::sessions::{
    self, AttendeeRow, ItemEventRow, ItemQuery, ItemRow, PlannedSession, ScheduleRow,
};
use tongxin_store::deliberation::{communities, communities_page, has_sessions, rate_once};

const A: &str = "450103001001";
const A2: &str = "450103001002";
const B: &str = "450103002001";

fn planned(community: &str, starts_at: i64) -> PlannedSession {
    PlannedSession {
        community_code: community.into(),
        nominal_date: format!("d{starts_at}"),
        starts_at,
        ends_at: starts_at + 100,
        place: "议事厅".into(),
    }
}

fn item(community: &str, session_id: Option<i64>, title: &str, raised_at: i64) -> ItemRow {
    ItemRow {
        id: 0,
        community_code: community.into(),
        session_id,
        title: title.into(),
        description: format!("{title}的说明"),
        topic_area: "environment".into(),
        source: "resident".into(),
        raised_by: 7,
        raised_at,
        case_id: None,
        status: ItemStatus::Raised,
        answer: None,
        answered_by: None,
        responsible_unit: None,
        commitment: None,
        due_at: None,
        referred_case_id: None,
        result: None,
        satisfied: 0,
        unsatisfied: 0,
        updated_at: raised_at,
    }
}

fn ids_of(items: &[ItemRow]) -> Vec<i64> {
    items.iter().map(|i| i.id).collect()
}

#[tokio::test]
async fn sessions_attendance_and_items_with_their_pages() {
    let mut answers = Vec::new();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        seed_tree(store).await;
        let all = communities(store).await.unwrap();
        assert_eq!(
            all.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            [A, A2, B],
            "{label}"
        );
        let (page, total) = communities_page(store, &["450103001".into()], 1, 1)
            .await
            .unwrap();
        assert_eq!(
            (page, total),
            (vec![(A2.to_string(), format!("区划{A2}"))], 2),
            "{label}"
        );
        let (page, total) =
            communities_page(store, &["450103001001".into(), "450103002".into()], 10, 0)
                .await
                .unwrap();
        assert_eq!(
            (page.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), total),
            (vec![A, B], 2),
            "{label}"
        );
        assert_eq!(
            communities_page(store, &[], 10, 0).await.unwrap(),
            (vec![], 0),
            "{label}"
        );

        // The schedule: one per community, replaced as a whole.
        let schedule = ScheduleRow {
            community_code: A.into(),
            pattern: "monthly_day".into(),
            weekday: None,
            holiday_rule: "next_working_day".into(),
            start_minute: 9 * 60,
            duration_minutes: 120,
            place: "议事厅".into(),
            updated_at: 1,
        };
        let mut tx = store.begin().await.unwrap();
        sessions::put_schedule(&mut tx, &schedule).await.unwrap();
        let changed = ScheduleRow {
            pattern: "weekly".into(),
            weekday: Some(4),
            updated_at: 2,
            ..schedule.clone()
        };
        sessions::put_schedule(&mut tx, &changed).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            sessions::get_schedule(store, A).await.unwrap(),
            Some(changed),
            "{label}"
        );
        assert_eq!(sessions::get_schedule(store, B).await.unwrap(), None);

        // Sessions: planned once per start.
        assert!(!has_sessions(store).await.unwrap(), "{label}");
        let mut tx = store.begin().await.unwrap();
        let added = sessions::plan_sessions(
            &mut tx,
            &[
                planned(A, 1_000),
                planned(A, 2_000),
                planned(A, 3_000),
                planned(B, 1_000),
            ],
            10,
        )
        .await
        .unwrap();
        assert_eq!(added, 4, "{label}");
        // The new one first: PostgreSQL spends a sequence number on each skipped row.
        let again = sessions::plan_sessions(
            &mut tx,
            &[planned(A, 4_000), planned(A, 1_000), planned(B, 1_000)],
            11,
        )
        .await
        .unwrap();
        assert_eq!(again, 1, "{label}: planned sessions are not repeated");
        tx.commit().await.unwrap();
        assert!(has_sessions(store).await.unwrap(), "{label}");
        let listed = sessions::list_sessions(store, A, 1_500, 4_000)
            .await
            .unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|s| (s.id, s.starts_at, s.status.as_str()))
                .collect::<Vec<_>>(),
            [(2, 2_000, "scheduled"), (3, 3_000, "scheduled")],
            "{label}: from inclusive, to exclusive"
        );
        assert_eq!(
            sessions::list_sessions(store, A, 0, 10_000)
                .await
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>(),
            [1, 2, 3, 5],
            "{label}"
        );

        // Held: attendance replaced, minutes kept.
        let attendee = |session_id, kind: &str, name: &str| AttendeeRow {
            session_id,
            kind: kind.into(),
            name: name.into(),
            unit: "社区".into(),
        };
        let mut tx = store.begin().await.unwrap();
        sessions::record_held(
            &mut tx,
            1,
            30,
            "初稿",
            &[
                attendee(1, "official", "张三"),
                attendee(1, "official", "李四"),
            ],
            1_500,
        )
        .await
        .unwrap();
        sessions::record_held(
            &mut tx,
            1,
            25,
            "纪要",
            &[attendee(1, "official", "王五")],
            1_600,
        )
        .await
        .unwrap();
        sessions::record_held(&mut tx, 2, 18, "二次纪要", &[], 2_500)
            .await
            .unwrap();
        let held = sessions::get_session(&mut tx, 1).await.unwrap().unwrap();
        assert!(sessions::get_session(&mut tx, 99).await.unwrap().is_none());
        tx.commit().await.unwrap();
        assert_eq!(
            (
                held.status.as_str(),
                held.residents_present,
                held.minutes.as_deref(),
                held.held_at,
                held.updated_at,
                held.created_at
            ),
            ("held", Some(25), Some("纪要"), Some(1_600), 1_600, 10),
            "{label}"
        );
        assert_eq!(
            sessions::attendees(store, 1).await.unwrap(),
            [attendee(1, "official", "王五")],
            "{label}: the later record replaces the earlier"
        );
        let held_page = |before, limit, offset| async move {
            let (rows, total) = sessions::held_sessions_page(store, A, before, limit, offset)
                .await
                .unwrap();
            (rows.iter().map(|s| s.id).collect::<Vec<_>>(), total)
        };
        assert_eq!(held_page(10_000, 1, 0).await, (vec![2], 2), "{label}");
        assert_eq!(held_page(10_000, 1, 1).await, (vec![1], 2), "{label}");
        assert_eq!(held_page(1_500, 10, 0).await, (vec![1], 1), "{label}");
        assert_eq!(held_page(1_000, 10, 0).await, (vec![], 0), "{label}");

        // Items.
        let mut tx = store.begin().await.unwrap();
        let mut raised = Vec::new();
        for i in [
            item(A, Some(1), "路灯", 1_100),
            item(A, Some(1), "停车", 1_200),
            item(A, None, "垃圾", 1_300),
            item(B, None, "绿化", 1_400),
            item(A, Some(2), "噪音", 2_100),
        ] {
            raised.push(sessions::raise_item(&mut tx, &i).await.unwrap());
        }
        assert_eq!(raised, [1, 2, 3, 4, 5], "{label}");
        let mut first = sessions::get_item(&mut tx, 1).await.unwrap().unwrap();
        assert_eq!(
            first,
            ItemRow {
                id: 1,
                ..item(A, Some(1), "路灯", 1_100)
            },
            "{label}"
        );
        // Items 1, 2 and 4 are referred with a commitment; 1 to case 42; 2 is in progress.
        for (id, status, due_at, case) in [
            (1, ItemStatus::Referred, 5_000, Some(42)),
            (2, ItemStatus::InProgress, 3_000, None),
            (4, ItemStatus::Referred, 4_000, None),
        ] {
            let mut row = sessions::get_item(&mut tx, id).await.unwrap().unwrap();
            row.status = status;
            row.due_at = Some(due_at);
            row.commitment = Some("月底前完成".into());
            row.responsible_unit = Some("城管".into());
            row.referred_case_id = case;
            row.updated_at = 2_200;
            sessions::update_item(&mut tx, &row).await.unwrap();
            if id == 1 {
                first = row;
            }
        }
        sessions::insert_item_events(
            &mut tx,
            &[
                ItemEventRow {
                    item_id: 1,
                    at: 1_100,
                    actor_id: 7,
                    actor_label: "居民".into(),
                    action: "raise".into(),
                    from_status: None,
                    to_status: "raised".into(),
                    note: String::new(),
                },
                ItemEventRow {
                    item_id: 1,
                    at: 2_200,
                    actor_id: 2,
                    actor_label: "社区".into(),
                    action: "refer".into(),
                    from_status: Some("raised".into()),
                    to_status: "referred".into(),
                    note: "转办".into(),
                },
            ],
        )
        .await
        .unwrap();
        let waiting = sessions::items_waiting_for_case(&mut tx, 42).await.unwrap();
        assert_eq!(waiting, [first.clone()], "{label}");
        assert!(
            sessions::items_waiting_for_case(&mut tx, 43)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            rate_once(&mut tx, "item", 1, 7, "satisfied", 2_300)
                .await
                .unwrap()
        );
        assert!(
            !rate_once(&mut tx, "item", 1, 7, "unsatisfied", 2_400)
                .await
                .unwrap(),
            "{label}: one verdict per resident"
        );
        assert!(
            rate_once(&mut tx, "decision", 1, 7, "satisfied", 2_400)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(
            sessions::item_events(store, 1)
                .await
                .unwrap()
                .iter()
                .map(|e| (e.action.as_str(), e.to_status.as_str()))
                .collect::<Vec<_>>(),
            [("raise", "raised"), ("refer", "referred")],
            "{label}"
        );
        let list = |status: Option<&str>, session_id, limit| ItemQuery {
            community: A.into(),
            status: status.map(Into::into),
            session_id,
            limit,
        };
        for (what, q, expected) in [
            ("all", list(None, None, 10), vec![5, 3, 2, 1]),
            ("limit", list(None, None, 2), vec![5, 3]),
            ("status", list(Some("raised"), None, 10), vec![5, 3]),
            ("session", list(None, Some(1), 10), vec![2, 1]),
            ("both", list(Some("referred"), Some(1), 10), vec![1]),
        ] {
            assert_eq!(
                ids_of(&sessions::list_items(store, &q).await.unwrap()),
                expected,
                "{label}: items, {what}"
            );
        }
        let items_page = |limit, offset| async move {
            let (rows, total) = sessions::items_page(store, A, limit, offset).await.unwrap();
            (ids_of(&rows), total)
        };
        assert_eq!(items_page(3, 0).await, (vec![5, 3, 2], 4), "{label}");
        assert_eq!(items_page(3, 3).await, (vec![1], 4), "{label}");
        assert_eq!(
            sessions::item_counts(store, A).await.unwrap(),
            [
                ("in_progress".to_string(), 1),
                ("raised".to_string(), 2),
                ("referred".to_string(), 1)
            ],
            "{label}"
        );
        // Overdue commitments: the longest overdue first, inside the scope.
        let overdue = |prefixes: &[&str], before, limit, offset| {
            let prefixes: Vec<String> = prefixes.iter().map(|p| p.to_string()).collect();
            async move {
                let (rows, total) =
                    sessions::overdue_items_page(store, &prefixes, before, limit, offset)
                        .await
                        .unwrap();
                let plain = sessions::overdue_items(store, &prefixes, before, 100)
                    .await
                    .unwrap();
                (ids_of(&rows), total, ids_of(&plain))
            }
        };
        assert_eq!(
            overdue(&["4501"], 6_000, 10, 0).await,
            (vec![2, 4, 1], 3, vec![2, 4, 1]),
            "{label}"
        );
        assert_eq!(
            overdue(&["4501"], 6_000, 1, 1).await,
            (vec![4], 3, vec![2, 4, 1]),
            "{label}"
        );
        assert_eq!(
            overdue(&["450103001"], 4_500, 10, 0).await,
            (vec![2], 1, vec![2]),
            "{label}: before is exclusive of later deadlines; scope"
        );
        assert_eq!(
            overdue(&[A, B], 3_000, 10, 0).await,
            (vec![], 0, vec![]),
            "{label}: due exactly at `before` is not overdue"
        );
        answers.push((label, (listed, held, first)));
        db.cleanup().await;
    }
    assert_same_on_every_engine("sessions and items", &answers);
}

fn matter(community: &str, title: &str, at: i64) -> MatterRow {
    MatterRow {
        id: 0,
        community_code: community.into(),
        title: title.into(),
        description: String::new(),
        stage_done: None,
        status: "proposed".into(),
        decision_id: None,
        created_by: 3,
        created_at: at,
        updated_at: at,
    }
}

fn decision(community: &str, parent_id: Option<i64>, title: &str, at: i64) -> DecisionRow {
    DecisionRow {
        id: 0,
        community_code: community.into(),
        parent_id,
        title: title.into(),
        description: String::new(),
        source_kind: "matter".into(),
        source_id: Some(1),
        weight: 1,
        rollup: "mean".into(),
        status: DecisionStatus::Planned,
        progress: 0,
        due_at: Some(at + 1_000),
        satisfied: 9,
        unsatisfied: 9,
        created_at: at,
        updated_at: at,
    }
}

#[tokio::test]
async fn matters_stages_and_decision_trees_with_their_pages() {
    let mut answers = Vec::new();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let mut tx = store.begin().await.unwrap();
        let m1 = matters::create_matter(&mut tx, &matter(A, "加装电梯", 100))
            .await
            .unwrap();
        let m2 = matters::create_matter(&mut tx, &matter(B, "修缮道路", 200))
            .await
            .unwrap();
        let m3 = matters::create_matter(&mut tx, &matter(A, "建设球场", 300))
            .await
            .unwrap();
        assert_eq!((m1, m2, m3), (1, 2, 3), "{label}");
        // A stage is recorded only from the stage the caller saw.
        assert!(
            matters::advance(&mut tx, m1, None, "party_proposal", "deliberating", 400)
                .await
                .unwrap()
        );
        assert!(
            !matters::advance(&mut tx, m1, None, "party_proposal", "deliberating", 410)
                .await
                .unwrap(),
            "{label}: someone recorded the stage meanwhile"
        );
        assert!(
            !matters::advance(&mut tx, m1, Some("committee"), "meeting", "x", 420)
                .await
                .unwrap()
        );
        assert!(
            matters::advance(
                &mut tx,
                m1,
                Some("party_proposal"),
                "committee",
                "deliberating",
                500
            )
            .await
            .unwrap()
        );
        let stage = |stage: &str, at, passed| StageRow {
            matter_id: m1,
            stage: stage.into(),
            at,
            actor_id: 3,
            actor_label: "书记".into(),
            summary: format!("{stage}通过"),
            members: Some(7),
            present: Some(6),
            in_favour: Some(5),
            against: Some(1),
            abstaining: None,
            passed,
        };
        matters::insert_stages(
            &mut tx,
            &[stage("party_proposal", 400, 1), stage("committee", 500, 1)],
        )
        .await
        .unwrap();
        let got = matters::get_matter(&mut tx, m1).await.unwrap().unwrap();
        assert!(matters::get_matter(&mut tx, 99).await.unwrap().is_none());

        // Decisions: two trees in A, one in B.
        let r1 = decisions::create(&mut tx, &decision(A, None, "电梯工程", 600))
            .await
            .unwrap();
        let c1 = decisions::create(&mut tx, &decision(A, Some(r1), "筹款", 610))
            .await
            .unwrap();
        let g1 = decisions::create(&mut tx, &decision(A, Some(c1), "首批筹款", 620))
            .await
            .unwrap();
        let rb = decisions::create(&mut tx, &decision(B, None, "道路", 630))
            .await
            .unwrap();
        let r2 = decisions::create(&mut tx, &decision(A, None, "球场", 640))
            .await
            .unwrap();
        assert_eq!((r1, c1, g1, rb, r2), (1, 2, 3, 4, 5), "{label}");
        matters::set_decision(&mut tx, m1, r1).await.unwrap();
        decisions::set_state(&mut tx, c1, "in_progress", 40, 700)
            .await
            .unwrap();
        decisions::add_rating(&mut tx, r1, 1, 0).await.unwrap();
        decisions::add_rating(&mut tx, r1, 2, 1).await.unwrap();
        let stored_root = decisions::get(&mut tx, r1).await.unwrap().unwrap();
        let stored_child = decisions::get(&mut tx, c1).await.unwrap().unwrap();
        assert!(decisions::get(&mut tx, 99).await.unwrap().is_none());
        let progress = |at, progress, note: &str| ProgressRow {
            decision_id: c1,
            at,
            progress,
            status: "in_progress".into(),
            note: note.into(),
            actor_id: 3,
            actor_label: "书记".into(),
        };
        decisions::insert_progress(
            &mut tx,
            &[progress(800, 60, "二期"), progress(700, 40, "一期")],
        )
        .await
        .unwrap();
        let link = |kind: &str, reference: &str, text: &str| LinkRow {
            decision_id: r1,
            kind: kind.into(),
            reference: reference.into(),
            label: text.into(),
        };
        decisions::insert_links(
            &mut tx,
            &[
                link("matter", "1", "加装电梯"),
                link("case", "12", "案件12"),
                link("case", "12", "重复"),
                link("case", "11", "案件11"),
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        assert_eq!(
            got,
            MatterRow {
                id: m1,
                stage_done: Some("committee".into()),
                status: "deliberating".into(),
                updated_at: 500,
                ..matter(A, "加装电梯", 100)
            },
            "{label}"
        );
        assert_eq!(
            matters::stages(store, m1).await.unwrap(),
            [stage("party_proposal", 400, 1), stage("committee", 500, 1)],
            "{label}"
        );
        let matter_ids = |rows: Vec<MatterRow>| rows.iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(
            matter_ids(matters::list_matters(store, A).await.unwrap()),
            [3, 1],
            "{label}"
        );
        let (page, total) = matters::matters_page(store, A, 1, 0).await.unwrap();
        assert_eq!((matter_ids(page), total), (vec![3], 2), "{label}");
        let (page, total) = matters::matters_page(store, A, 1, 1).await.unwrap();
        assert_eq!(
            (page[0].decision_id, page[0].id, total),
            (Some(r1), 1, 2),
            "{label}"
        );
        assert_eq!(
            matter_ids(matters::matters_under(store, "450103001").await.unwrap()),
            [1, 3],
            "{label}"
        );
        assert_eq!(
            matter_ids(matters::matters_under(store, "450103").await.unwrap()),
            [1, 2, 3],
            "{label}"
        );

        assert_eq!(
            (
                stored_root.satisfied,
                stored_root.unsatisfied,
                stored_root.status.as_str()
            ),
            (3, 1, "planned"),
            "{label}: a new decision starts unrated; ratings add up"
        );
        assert_eq!(
            (
                stored_child.status.as_str(),
                stored_child.progress,
                stored_child.updated_at,
                stored_child.parent_id,
                stored_child.due_at
            ),
            ("in_progress", 40, 700, Some(r1), Some(1_610)),
            "{label}"
        );
        let decision_ids = |rows: Vec<DecisionRow>| rows.iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(
            decision_ids(decisions::of_community(store, A).await.unwrap()),
            [1, 2, 3, 5],
            "{label}"
        );
        let roots = |limit, offset| async move {
            let (rows, total) = decisions::roots_page(store, A, limit, offset)
                .await
                .unwrap();
            (decision_ids(rows), total)
        };
        assert_eq!(roots(1, 0).await, (vec![5], 2), "{label}: the newest tree");
        assert_eq!(
            roots(1, 1).await,
            (vec![1, 2, 3], 2),
            "{label}: a root with everything under it"
        );
        assert_eq!(roots(10, 0).await, (vec![1, 2, 3, 5], 2), "{label}");
        assert_eq!(
            decisions::progress(store, c1)
                .await
                .unwrap()
                .iter()
                .map(|p| (p.at, p.progress))
                .collect::<Vec<_>>(),
            [(700, 40), (800, 60)],
            "{label}: in time order"
        );
        assert_eq!(
            decisions::links(store, r1).await.unwrap(),
            [
                link("case", "11", "案件11"),
                link("case", "12", "案件12"),
                link("matter", "1", "加装电梯")
            ],
            "{label}: a repeated link keeps its first label"
        );
        // Moving a tree under another: one root left.
        let mut tx = store.begin().await.unwrap();
        decisions::set_parent(&mut tx, r2, Some(g1)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(roots(10, 0).await, (vec![1, 2, 3, 5], 1), "{label}");
        let (tree, _) = decisions::roots_page(store, B, 10, 0).await.unwrap();
        answers.push((label, (got, stored_root, tree)));
        db.cleanup().await;
    }
    assert_same_on_every_engine("matters and decisions", &answers);
}

/// A status the build does not know is an error when an item or a decision is read, never a
/// guess (the rows decode their codes into core's enums).
#[tokio::test]
async fn an_unknown_item_or_decision_status_is_an_error() {
    for db in testing::all().await {
        let (label, store) = (db.label, &db.store);
        seed_tree(store).await;
        let mut tx = store.begin().await.unwrap();
        let item_id = sessions::raise_item(&mut tx, &item(A, None, "路灯", 1_000))
            .await
            .unwrap();
        let decision_id = decisions::create(&mut tx, &decision(A, None, "修路灯", 1_000))
            .await
            .unwrap();
        assert_eq!(
            sessions::get_item(&mut tx, item_id)
                .await
                .unwrap()
                .unwrap()
                .status,
            ItemStatus::Raised,
            "{label}"
        );
        tx.commit().await.unwrap();
        for sql in [
            "UPDATE session_items SET status = 'lost'",
            "UPDATE decisions SET status = 'lost'",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
        }
        let mut conn = store.pool().acquire().await.unwrap();
        let err = sessions::get_item(&mut conn, item_id).await.unwrap_err();
        assert!(
            err.to_string().contains("decoding column status"),
            "{label}: {err}"
        );
        let err = decisions::get(&mut conn, decision_id).await.unwrap_err();
        assert!(
            err.to_string().contains("decoding column status"),
            "{label}: {err}"
        );
    }
}
