//! Integration tests of the store on every engine available to the run: SQLite always,
//! PostgreSQL when `TONGXIN_TEST_DATABASE_URL` is set (see `tongxin_store::testing`).

use tongxin_core::audit::AuditEntry;
use tongxin_core::demo::{DEFAULT_SEED, DemoOptions, DemoSize, generate};
use tongxin_store::accounts::{self, SessionRow};
use tongxin_store::audit::{self, AuditFilter};
use tongxin_store::territory::{self, DivisionRow, GridRow};
use tongxin_store::{Backend, Store, StoreError, now_millis};

// `tongxin_store::testing` sits behind the crate's `testing` feature, which
// `cargo test -p tongxin-store` does not turn on for the crate's own integration tests (a
// package cannot enable its own features for its tests without a self dev-dependency in
// Cargo.toml). Compile the very same file into this test crate instead; it refers to
// `crate::{Backend, Store}`, which the `use` above provides.
#[allow(dead_code)]
#[path = "../src/testing.rs"]
mod testing;
use testing::TestDb;

fn division(code: &str, parent: Option<&str>, level: &str, kind: &str) -> DivisionRow {
    DivisionRow {
        code: code.into(),
        parent_code: parent.map(Into::into),
        level: level.into(),
        kind: kind.into(),
        name: format!("区划{code}"),
        district_code: code[..6].into(),
        boundary: None,
        created_at: 1_000,
        updated_at: 1_000,
    }
}

fn grid(code: &str, name: &str, at: i64) -> GridRow {
    GridRow {
        code: code.into(),
        community_code: code[..12].into(),
        district_code: code[..6].into(),
        name: name.into(),
        kind: "base".into(),
        households: 300,
        population: 800,
        party_unit_kind: "branch".into(),
        party_unit_name: format!("{name}党支部"),
        boundary: "[[[108.0,22.0],[108.01,22.0],[108.01,22.01],[108.0,22.0]]]".into(),
        created_at: at,
        updated_at: at,
    }
}

/// City 450100 → district 450103 → streets 450103001/002 → communities …001001,
/// …001002, …002001.
async fn seed_tree(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    let rows = [
        division("450100", None, "city", "city"),
        division("450103", Some("450100"), "district", "district"),
        division("450103001", Some("450103"), "street", "street"),
        division("450103002", Some("450103"), "street", "street"),
        division("450103001001", Some("450103001"), "community", "community"),
        division("450103001002", Some("450103001"), "community", "community"),
        division("450103002001", Some("450103002"), "community", "community"),
    ];
    for r in &rows {
        territory::insert_division(&mut tx, r).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The tree of `seed_tree` and one grid in it.
async fn seed_grid(store: &Store, code: &str) {
    seed_tree(store).await;
    let mut tx = store.begin().await.unwrap();
    territory::upsert_grid(&mut tx, &grid(code, "网格", 1_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn new_user(store: &Store, username: &str) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id = accounts::insert_user(&mut tx, username, "测试用户", "hash", now_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn reopen(db: &TestDb) -> Store {
    match db.store.backend() {
        Backend::Sqlite => Store::open(&db.url).await.expect("reopen sqlite"),
        Backend::Postgres => Store::open_in_schema(&db.url, db.schema.as_deref())
            .await
            .expect("reopen postgres"),
    }
}

#[tokio::test]
async fn postgres_is_used_when_configured() {
    let dbs = testing::all().await;
    let labels: Vec<&str> = dbs.iter().map(|d| d.label).collect();
    let configured = std::env::var(testing::PG_ENV).is_ok_and(|v| !v.is_empty());
    assert_eq!(labels.contains(&"postgres"), configured, "{labels:?}");
    assert_eq!(labels[0], "sqlite");
    for db in dbs {
        db.store.ping().await.unwrap();
        db.cleanup().await;
    }
}

#[tokio::test]
async fn migrations_apply_twice_and_keep_data() {
    for db in testing::all().await {
        let label = db.label;
        let id = new_user(&db.store, "keeper").await;
        // Opening the same database again runs the migrator again: nothing to do, no error.
        let again = reopen(&db).await;
        assert_eq!(again.backend(), db.store.backend(), "{label}");
        let third = reopen(&db).await;
        let user = accounts::find_user_by_name(&third, "keeper")
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{label}: user lost after reopening"));
        assert_eq!(user.id, id, "{label}");
        let (applied,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(third.pool())
            .await
            .unwrap();
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .unwrap()
            .count() as i64;
        assert_eq!(
            applied, files,
            "{label}: each migration is recorded once after three opens"
        );
        third.ping().await.unwrap();
        again.close().await;
        third.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn sqlite_pragmas_are_set_on_every_connection() {
    let db = testing::sqlite().await;
    assert_eq!(db.store.backend(), Backend::Sqlite);
    let pool = db.store.pool();
    // Hold several connections at once so more than one goes through `after_connect`.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(pool.acquire().await.unwrap());
    }
    for conn in conns.iter_mut() {
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let (busy,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(busy, 5000);
    }
    drop(conns);
    db.cleanup().await;
}

#[tokio::test]
async fn divisions_insert_get_and_keyset_pages() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let mut tx = store.begin().await.unwrap();
        territory::insert_division(&mut tx, &division("450100", None, "city", "city"))
            .await
            .unwrap();
        let districts = ["450107", "450102", "450105", "450103", "450108"];
        for d in districts {
            territory::insert_division(
                &mut tx,
                &division(d, Some("450100"), "district", "district"),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        let got = territory::get_division(store, "450105")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            got,
            division("450105", Some("450100"), "district", "district"),
            "{label}"
        );
        assert!(
            territory::get_division(store, "450199")
                .await
                .unwrap()
                .is_none()
        );

        // Keyset pages of 2 under the city: code order, no repeats, nothing lost.
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = territory::list_divisions(store, Some("450100"), after.as_deref(), 2)
                .await
                .unwrap();
            pages += 1;
            assert!(page.items.len() <= 2, "{label}");
            seen.extend(page.items.iter().map(|d| d.code.clone()));
            match page.next {
                Some(n) => {
                    assert_eq!(Some(&n), seen.last(), "{label}: next is the last key");
                    after = Some(n);
                }
                None => break,
            }
            assert!(pages < 10, "{label}: pagination does not end");
        }
        let mut expected: Vec<String> = districts.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(seen, expected, "{label}");
        assert_eq!(pages, 3, "{label}");

        // An exact multiple of the page size ends without an empty trailing page.
        let page = territory::list_divisions(store, Some("450100"), None, 5)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 5, "{label}");
        assert!(page.next.is_none(), "{label}");

        // No parent: the roots.
        let roots = territory::list_divisions(store, None, None, 10)
            .await
            .unwrap_or_else(|e| panic!("{label}: listing roots failed: {e}"));
        let codes: Vec<&str> = roots.items.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["450100"], "{label}");

        // The same code twice is a conflict, not a database error.
        let mut tx = store.begin().await.unwrap();
        let err = territory::insert_division(
            &mut tx,
            &division("450103", Some("450100"), "district", "district"),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{label}: {err:?}");
        drop(tx);

        let names = territory::all_division_names(store).await.unwrap();
        assert_eq!(names.len(), 6, "{label}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn upsert_grid_returns_previous_version() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        seed_tree(store).await;
        let code = "450103001001001";
        let mut tx = store.begin().await.unwrap();
        let before = territory::upsert_grid(&mut tx, &grid(code, "一网格", 1_000))
            .await
            .unwrap();
        assert!(
            before.is_none(),
            "{label}: first insert has no previous version"
        );
        tx.commit().await.unwrap();

        let mut changed = grid(code, "一网格（新）", 2_000);
        changed.households = 420;
        let mut tx = store.begin().await.unwrap();
        let before = territory::upsert_grid(&mut tx, &changed).await.unwrap();
        tx.commit().await.unwrap();
        let before = before.unwrap_or_else(|| panic!("{label}: previous version missing"));
        assert_eq!(before, grid(code, "一网格", 1_000), "{label}");

        let now = territory::get_grid(store, code).await.unwrap().unwrap();
        assert_eq!(now.name, "一网格（新）", "{label}");
        assert_eq!(now.households, 420, "{label}");
        assert_eq!(now.updated_at, 2_000, "{label}");
        assert_eq!(
            now.created_at, 1_000,
            "{label}: an update keeps the creation time"
        );

        // A grid whose community does not exist is refused (foreign key) as a conflict.
        let mut tx = store.begin().await.unwrap();
        let err = territory::upsert_grid(&mut tx, &grid("450103009009001", "孤儿网格", 1))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{label}: {err:?}");
        drop(tx);
        assert!(
            territory::get_grid(store, "450103009009001")
                .await
                .unwrap()
                .is_none()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn list_grids_by_prefix_and_pages() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        seed_tree(store).await;
        let codes = [
            "450103001001001",
            "450103001001002",
            "450103001001003",
            "450103001002001",
            "450103002001001",
            "450103002001002",
        ];
        let mut tx = store.begin().await.unwrap();
        for c in codes {
            territory::upsert_grid(&mut tx, &grid(c, c, 1))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let list = |prefixes: Vec<&str>, after: Option<&'static str>, limit: usize| {
            let prefixes: Vec<String> = prefixes.into_iter().map(String::from).collect();
            async move {
                territory::list_grids(store, &prefixes, after, limit)
                    .await
                    .unwrap()
            }
        };
        let codes_of = |p: &tongxin_store::Page<GridRow>| -> Vec<String> {
            p.items.iter().map(|g| g.code.clone()).collect()
        };

        let p = list(vec!["450103001001"], None, 100).await;
        assert_eq!(codes_of(&p), &codes[..3], "{label}");
        assert!(p.next.is_none());

        let p = list(vec!["450103001"], None, 100).await;
        assert_eq!(codes_of(&p), &codes[..4], "{label}");

        let p = list(vec!["450103001002", "450103002"], None, 100).await;
        assert_eq!(codes_of(&p), &codes[3..], "{label}");

        let p = list(vec!["4501"], None, 100).await;
        assert_eq!(codes_of(&p), &codes[..], "{label}");

        let p = list(vec![], None, 100).await;
        assert!(p.items.is_empty(), "{label}: no prefixes reach nothing");

        let p = list(vec!["450105"], None, 100).await;
        assert!(p.items.is_empty(), "{label}");

        // Pages of 4, then the rest.
        let p = list(vec!["4501"], None, 4).await;
        assert_eq!(codes_of(&p), &codes[..4], "{label}");
        assert_eq!(p.next.as_deref(), Some(codes[3]), "{label}");
        let p = list(vec!["4501"], Some(codes[3]), 4).await;
        assert_eq!(codes_of(&p), &codes[4..], "{label}");
        assert!(p.next.is_none(), "{label}");

        let all = territory::all_grid_boundaries(store).await.unwrap();
        assert_eq!(all.len(), codes.len(), "{label}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn usernames_are_unique() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let id = new_user(store, "zhangsan").await;
        let mut tx = store.begin().await.unwrap();
        let err = accounts::insert_user(&mut tx, "zhangsan", "另一个张三", "h", now_millis())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict(m) if m.contains("zhangsan")),
            "{label}: {err:?}"
        );
        drop(tx);
        assert_eq!(accounts::count_users(store).await.unwrap(), 1, "{label}");
        let user = accounts::get_user(store, id).await.unwrap().unwrap();
        assert_eq!(user.display_name, "测试用户", "{label}");
        assert!(!user.is_disabled());

        // Bindings: idempotent insert, listed in order.
        let mut tx = store.begin().await.unwrap();
        accounts::add_binding(&mut tx, id, "street_admin", "450103001")
            .await
            .unwrap();
        accounts::add_binding(&mut tx, id, "street_admin", "450103001")
            .await
            .unwrap();
        accounts::add_binding(&mut tx, id, "community_admin", "450105001001")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let b = accounts::bindings(store, id).await.unwrap();
        let pairs: Vec<(&str, &str)> = b
            .iter()
            .map(|b| (b.role.as_str(), b.node_code.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("community_admin", "450105001001"),
                ("street_admin", "450103001")
            ],
            "{label}"
        );
        let page = accounts::list_users(store, &["450103".to_string()], None, 10)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{label}");
        let page = accounts::list_users(store, &["450110".to_string()], None, 10)
            .await
            .unwrap();
        assert!(page.items.is_empty(), "{label}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn sessions_create_find_delete_expire() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let uid = new_user(store, "lisi").await;
        let now = now_millis();
        let session = |id: &str, expires_at: i64| SessionRow {
            id_hash: id.into(),
            user_id: uid,
            csrf_token: format!("csrf-{id}"),
            created_at: now,
            expires_at,
        };
        let mut tx = store.begin().await.unwrap();
        accounts::create_session(&mut tx, &session("live", now + 60_000))
            .await
            .unwrap();
        accounts::create_session(&mut tx, &session("old", now - 1))
            .await
            .unwrap();
        accounts::create_session(&mut tx, &session("gone", now + 60_000))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let found = accounts::find_session(store, "live").await.unwrap();
        assert_eq!(found, Some(session("live", now + 60_000)), "{label}");
        assert!(
            accounts::find_session(store, "nope")
                .await
                .unwrap()
                .is_none()
        );

        let mut tx = store.begin().await.unwrap();
        accounts::delete_session(&mut tx, "gone").await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            accounts::find_session(store, "gone")
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );

        let removed = accounts::delete_expired_sessions(store, now).await.unwrap();
        assert_eq!(removed, 1, "{label}");
        assert!(
            accounts::find_session(store, "old")
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        assert!(
            accounts::find_session(store, "live")
                .await
                .unwrap()
                .is_some(),
            "{label}"
        );

        // Disabling a user ends their sessions; enabling does not bring them back.
        let mut tx = store.begin().await.unwrap();
        accounts::set_disabled(&mut tx, uid, true, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(
            accounts::find_session(store, "live")
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        assert!(
            accounts::get_user(store, uid)
                .await
                .unwrap()
                .unwrap()
                .is_disabled()
        );
        let mut tx = store.begin().await.unwrap();
        accounts::set_disabled(&mut tx, uid, false, now)
            .await
            .unwrap();
        accounts::set_password(&mut tx, uid, "new-hash", now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let user = accounts::get_user(store, uid).await.unwrap().unwrap();
        assert!(!user.is_disabled(), "{label}");
        assert_eq!(user.password_hash, "new-hash", "{label}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn tokens_create_find_revoke() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let uid = new_user(store, "integration").await;
        let mut tx = store.begin().await.unwrap();
        let a = accounts::create_token(&mut tx, uid, "对接A", "hash-a", 1_000, None)
            .await
            .unwrap();
        let b = accounts::create_token(&mut tx, uid, "对接B", "hash-b", 1_000, Some(9_000))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_ne!(a, b, "{label}");

        let found = accounts::find_token(store, "hash-a")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, a, "{label}");
        assert_eq!(found.user_id, uid);
        assert_eq!(found.name, "对接A");
        assert_eq!(found.expires_at, None);
        assert_eq!(found.revoked_at, None);
        let got_b = accounts::get_token(store, b).await.unwrap().unwrap();
        assert_eq!(got_b.expires_at, Some(9_000), "{label}");
        assert!(
            accounts::find_token(store, "hash-x")
                .await
                .unwrap()
                .is_none()
        );

        let mut tx = store.begin().await.unwrap();
        accounts::revoke_token(&mut tx, a, 5_000).await.unwrap();
        tx.commit().await.unwrap();
        // A second revocation keeps the first time.
        let mut tx = store.begin().await.unwrap();
        accounts::revoke_token(&mut tx, a, 7_000).await.unwrap();
        tx.commit().await.unwrap();
        let revoked = accounts::get_token(store, a).await.unwrap().unwrap();
        assert_eq!(revoked.revoked_at, Some(5_000), "{label}");
        let other = accounts::get_token(store, b).await.unwrap().unwrap();
        assert_eq!(other.revoked_at, None, "{label}");

        // Token hashes are unique.
        let mut tx = store.begin().await.unwrap();
        let dup = accounts::create_token(&mut tx, uid, "重复", "hash-a", 1, None).await;
        assert!(dup.is_err(), "{label}: duplicate token hash accepted");
        drop(tx);
        db.cleanup().await;
    }
}

fn entry(
    at: i64,
    actor_id: i64,
    action: &str,
    entity: (&str, &str),
    node: Option<&str>,
) -> AuditEntry {
    AuditEntry {
        at,
        actor_id,
        actor: format!("user{actor_id}"),
        action: action.into(),
        entity_type: entity.0.into(),
        entity_id: entity.1.into(),
        node_code: node.map(Into::into),
        before: None,
        after: Some(serde_json::json!({"n": at, "password": "secret", "inner": {"token": "t"}})),
        request_id: Some(format!("req-{at}")),
    }
}

#[tokio::test]
async fn audit_record_and_filtered_list() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let entries = [
            entry(
                1_000,
                1,
                "grid.create",
                ("grid", "450103001001001"),
                Some("450103001001001"),
            ),
            entry(
                2_000,
                2,
                "grid.update",
                ("grid", "450103001001001"),
                Some("450103001001001"),
            ),
            entry(3_000, 1, "user.create", ("user", "7"), Some("450105")),
            entry(4_000, 2, "token.create", ("api_token", "1"), None),
            entry(
                5_000,
                1,
                "grid.create",
                ("grid", "450105001001001"),
                Some("450105001001001"),
            ),
        ];
        let mut tx = store.begin().await.unwrap();
        for e in &entries {
            audit::record(&mut tx, e).await.unwrap();
        }
        tx.commit().await.unwrap();

        let all = || AuditFilter {
            prefixes: vec!["4501".into()],
            include_platform: true,
            limit: 100,
            ..AuditFilter::default()
        };
        let ats = |f: AuditFilter| async move {
            audit::list(store, &f)
                .await
                .unwrap()
                .items
                .iter()
                .map(|r| r.at)
                .collect::<Vec<i64>>()
        };

        assert_eq!(
            ats(all()).await,
            [5_000, 4_000, 3_000, 2_000, 1_000],
            "{label}: newest first"
        );
        assert_eq!(
            ats(AuditFilter {
                actor_id: Some(1),
                ..all()
            })
            .await,
            [5_000, 3_000, 1_000],
            "{label}"
        );
        assert_eq!(
            ats(AuditFilter {
                entity_type: Some("grid".into()),
                ..all()
            })
            .await,
            [5_000, 2_000, 1_000],
            "{label}"
        );
        assert_eq!(
            ats(AuditFilter {
                entity_type: Some("grid".into()),
                entity_id: Some("450103001001001".into()),
                ..all()
            })
            .await,
            [2_000, 1_000],
            "{label}"
        );
        assert_eq!(
            ats(AuditFilter {
                action: Some("grid.create".into()),
                actor_id: Some(1),
                ..all()
            })
            .await,
            [5_000, 1_000],
            "{label}"
        );
        // `from` inclusive, `to` exclusive.
        assert_eq!(
            ats(AuditFilter {
                from: Some(2_000),
                to: Some(4_000),
                ..all()
            })
            .await,
            [3_000, 2_000],
            "{label}"
        );
        // Scope: only the subtree, and platform records only when asked.
        assert_eq!(
            ats(AuditFilter {
                prefixes: vec!["450103".into()],
                include_platform: false,
                ..all()
            })
            .await,
            [2_000, 1_000],
            "{label}"
        );
        assert_eq!(
            ats(AuditFilter {
                prefixes: vec!["450105".into()],
                include_platform: true,
                ..all()
            })
            .await,
            [5_000, 4_000, 3_000],
            "{label}"
        );
        assert_eq!(
            ats(AuditFilter {
                prefixes: vec![],
                include_platform: false,
                ..all()
            })
            .await,
            Vec::<i64>::new(),
            "{label}: no scope sees nothing"
        );

        // Pages of 2, continuing below the last id.
        let mut before = None;
        let mut got = Vec::new();
        for _ in 0..5 {
            let page = audit::list(
                store,
                &AuditFilter {
                    before_id: before,
                    limit: 2,
                    ..all()
                },
            )
            .await
            .unwrap();
            got.extend(page.items.iter().map(|r| r.at));
            match page.next {
                Some(n) => before = Some(n.parse().unwrap()),
                None => break,
            }
        }
        assert_eq!(got, [5_000, 4_000, 3_000, 2_000, 1_000], "{label}");

        // Secrets are redacted, the rest kept.
        let row = &audit::list(store, &all()).await.unwrap().items[0];
        let after: serde_json::Value =
            serde_json::from_str(row.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(after["password"], "[redacted]", "{label}");
        assert_eq!(after["inner"]["token"], "[redacted]", "{label}");
        assert_eq!(after["n"], 5_000, "{label}");
        assert_eq!(row.before_json, None);
        assert_eq!(row.request_id.as_deref(), Some("req-5000"));
        assert_eq!(row.actor, "user1");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn idempotency_reserve_complete_find_release() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        assert!(
            accounts::find_idempotent(store, 1, "k1")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            accounts::reserve_idempotent(store, 1, "k1", "fp", 10)
                .await
                .unwrap(),
            "{label}: first claim wins"
        );
        assert!(
            !accounts::reserve_idempotent(store, 1, "k1", "fp2", 11)
                .await
                .unwrap(),
            "{label}: second claim loses"
        );
        let pending = accounts::find_idempotent(store, 1, "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pending.status, 0, "{label}: still running");
        assert_eq!(pending.request_fingerprint, "fp", "{label}");
        // Keys are per user.
        assert!(
            accounts::reserve_idempotent(store, 2, "k1", "other", 12)
                .await
                .unwrap(),
            "{label}"
        );

        accounts::complete_idempotent(store, 1, "k1", 201, "{\"id\":1}")
            .await
            .unwrap();
        let done = accounts::find_idempotent(store, 1, "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.status, 201, "{label}");
        assert_eq!(done.body, "{\"id\":1}", "{label}");
        assert_eq!(done.request_fingerprint, "fp", "{label}");
        let other = accounts::find_idempotent(store, 2, "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other.status, 0, "{label}: user 2's key untouched");

        accounts::release_idempotent(store, 1, "k1").await.unwrap();
        assert!(
            accounts::find_idempotent(store, 1, "k1")
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        assert!(
            accounts::reserve_idempotent(store, 1, "k1", "fp3", 13)
                .await
                .unwrap(),
            "{label}: a released key can be claimed again"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn demo_load_counts_match_the_generated_city() {
    let city = generate(&DemoOptions {
        size: DemoSize::Small,
        seed: DEFAULT_SEED,
    });
    let expected = city.counts();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        assert!(!tongxin_store::demo::has_territory(store).await.unwrap());
        tongxin_store::demo::load(store, &city, "demo-hash")
            .await
            .unwrap_or_else(|e| panic!("{label}: demo load failed: {e}"));
        assert!(tongxin_store::demo::has_territory(store).await.unwrap());

        let c = territory::counts(store, "4501")
            .await
            .unwrap_or_else(|e| panic!("{label}: counts failed: {e}"));
        assert_eq!(c.districts, expected.districts as i64, "{label}");
        assert_eq!(c.streets, expected.streets as i64, "{label}");
        assert_eq!(c.communities, expected.communities as i64, "{label}");
        assert_eq!(c.grids, expected.grids as i64, "{label}");
        assert_eq!(c.compounds, expected.compounds as i64, "{label}");
        assert_eq!(c.buildings, expected.buildings as i64, "{label}");
        assert_eq!(c.households, expected.households, "{label}");
        assert_eq!(c.population, expected.population, "{label}");
        assert_eq!(c.grid_workers, expected.grid_workers as i64, "{label}");
        assert_eq!(
            accounts::count_users(store).await.unwrap(),
            expected.accounts as i64,
            "{label}"
        );

        // Per district, the figures add up to the city's.
        let mut grids = 0;
        let mut households = 0;
        for d in city
            .divisions
            .iter()
            .filter(|d| d.code.len() == 6 && d.code != "450100")
        {
            let dc = territory::counts(store, &d.code).await.unwrap();
            assert_eq!(dc.districts, 1, "{label} {}", d.code);
            let in_city = city
                .grids
                .iter()
                .filter(|g| g.code.starts_with(&d.code))
                .count();
            assert_eq!(dc.grids, in_city as i64, "{label} {}", d.code);
            grids += dc.grids;
            households += dc.households;
        }
        assert_eq!(grids, c.grids, "{label}");
        assert_eq!(households, c.households, "{label}");

        // The stored records are the generated ones.
        let g = &city.grids[5];
        let row = territory::get_grid(store, &g.code).await.unwrap().unwrap();
        assert_eq!(row.name, g.name, "{label}");
        assert_eq!(row.households, g.households, "{label}");
        // Compare text: without serde_json's `float_roundtrip` (only the geo crate turns it
        // on) parsing may be off by one ulp, but the stored text must be exactly what the
        // generator's doubles print as.
        assert_eq!(
            row.boundary,
            serde_json::to_string(&[&g.boundary]).unwrap(),
            "{label}: boundary stored as written"
        );
        let admin = accounts::find_user_by_name(store, "admin")
            .await
            .unwrap()
            .unwrap();
        let b = accounts::bindings(store, admin.id).await.unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(
            (b[0].role.as_str(), b[0].node_code.as_str()),
            ("city_admin", "450100")
        );
        let worker = format!("g{}-1", g.code);
        assert!(
            accounts::find_user_by_name(store, &worker)
                .await
                .unwrap()
                .is_some(),
            "{label}"
        );
        let load = audit::list(
            store,
            &AuditFilter {
                action: Some("demo.load".into()),
                include_platform: true,
                limit: 10,
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(load.items.len(), 1, "{label}");
        assert_eq!(load.items[0].actor, "system", "{label}");
        let communities = territory::communities_with_boundaries(store, &["450103".to_string()])
            .await
            .unwrap();
        assert_eq!(
            communities.len(),
            city.divisions
                .iter()
                .filter(|d| d.code.len() == 12 && d.code.starts_with("450103"))
                .count(),
            "{label}"
        );
        assert!(communities.iter().all(|c| c.boundary.is_some()));
        assert_eq!(
            territory::grid_worker_count(store, &g.code).await.unwrap(),
            city.accounts
                .iter()
                .filter(|a| a.role == "grid_worker" && a.node_code == g.code)
                .count() as i64,
            "{label}"
        );
        db.cleanup().await;
    }
}

fn resident(id: i64, name: &str, grid: &str, status: &str) -> tongxin_store::people::ResidentRow {
    tongxin_store::people::ResidentRow {
        id,
        name: name.into(),
        id_sealed: format!("sealed-{id}"),
        id_hash: format!("{id:064x}"),
        id_masked: "4501**********123X".into(),
        sex: "女".into(),
        birth_date: "1980-01-01".into(),
        phone_sealed: None,
        phone_hash: None,
        phone_masked: None,
        household_id: None,
        building_id: None,
        unit: String::new(),
        room: String::new(),
        grid_code: grid.into(),
        district_code: grid[..6].into(),
        tags: String::new(),
        status: status.into(),
        created_at: 1_000,
        updated_at: 1_000,
        place_since: 1_000,
        place_reason: "test".into(),
    }
}

#[tokio::test]
async fn name_search_reads_past_moved_out_residents_and_stays_in_scope() {
    use tongxin_store::people::{ResidentQuery, insert_residents, search_residents};
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        seed_tree(store).await;
        let (inside, outside) = ("450103001001001", "450103001002001");
        let mut tx = store.begin().await.unwrap();
        for code in [inside, outside] {
            territory::upsert_grid(&mut tx, &grid(code, "网格", 1_000))
                .await
                .unwrap();
        }
        // 1..=40: every third has moved out; 41..=50 match but lie in another community;
        // 51..=60 are in scope but do not match.
        let rows = (1..=60).map(|id| {
            let (name, grid, status) = match id {
                1..=40 if id % 3 == 0 => ("王秀英", inside, "moved_out"),
                1..=40 => ("王秀英", inside, "resident"),
                41..=50 => ("王秀英", outside, "resident"),
                _ => ("李强", inside, "resident"),
            };
            resident(id, name, grid, status)
        });
        insert_residents(&mut tx, rows).await.unwrap();
        tx.commit().await.unwrap();

        let query = |after: Option<i64>, moved: bool| ResidentQuery {
            prefixes: vec!["450103001001".into()],
            name_part: Some("秀".into()),
            include_moved_out: moved,
            after,
            limit: 10,
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = search_residents(store, &query(after, false)).await.unwrap();
            assert!(page.items.len() <= 10, "{label}");
            seen.extend(page.items.iter().map(|r| r.id));
            match page.next {
                Some(next) => after = Some(next.parse().unwrap()),
                None => break,
            }
        }
        let expected: Vec<i64> = (1..=40).filter(|id| id % 3 != 0).collect();
        assert_eq!(
            seen, expected,
            "{label}: residents only, in id order, in scope"
        );
        let with_moved = search_residents(store, &query(None, true)).await.unwrap();
        assert_eq!(
            with_moved.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            (1..=10).collect::<Vec<_>>(),
            "{label}: moved-out residents when asked for"
        );
        let escaped = ResidentQuery {
            name_part: Some("%".into()),
            ..query(None, true)
        };
        assert!(
            search_residents(store, &escaped)
                .await
                .unwrap()
                .items
                .is_empty(),
            "{label}: % is a character, not a wildcard"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn sealed_numbers_are_read_in_batches_and_replaced_with_their_hashes() {
    use tongxin_store::people::{
        SealedTable, get_resident, insert_residents, reseal, sealed_batch,
    };
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let code = "450103001001001";
        seed_grid(store, code).await;
        let mut tx = store.begin().await.unwrap();
        insert_residents(
            &mut tx,
            (1..=5).map(|id| resident(id, "张三", code, "resident")),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let first = sealed_batch(&mut tx, SealedTable::Residents, 0, 3)
            .await
            .unwrap();
        assert_eq!(
            first.iter().map(|r| r.id).collect::<Vec<_>>(),
            [1, 2, 3],
            "{label}"
        );
        assert_eq!(first[0].sealed, [Some("sealed-1".into()), None], "{label}");
        let rest = sealed_batch(&mut tx, SealedTable::Residents, 3, 3)
            .await
            .unwrap();
        assert_eq!(rest.len(), 2, "{label}");
        reseal(
            &mut tx,
            SealedTable::Residents,
            2,
            vec![
                Some(("new-sealed".into(), "new-hash".into())),
                Some(("phone-sealed".into(), "phone-hash".into())),
            ],
        )
        .await
        .unwrap();
        set_setting_in(&mut tx).await;
        tx.commit().await.unwrap();
        let row = get_resident(store, 2).await.unwrap().unwrap();
        assert_eq!(
            (row.id_sealed.as_str(), row.id_hash.as_str()),
            ("new-sealed", "new-hash"),
            "{label}"
        );
        assert_eq!(row.phone_hash.as_deref(), Some("phone-hash"), "{label}");
        assert_eq!(
            store.setting("data_key_check").await.unwrap().as_deref(),
            Some("fingerprint"),
            "{label}"
        );
        let orgs = sealed_batch(
            &mut store.begin().await.unwrap(),
            SealedTable::Organisations,
            0,
            10,
        )
        .await
        .unwrap();
        assert!(orgs.is_empty(), "{label}");
        db.cleanup().await;
    }
}

async fn set_setting_in(tx: &mut tongxin_store::Tx) {
    tongxin_store::set_setting(tx, "data_key_check", "fingerprint")
        .await
        .unwrap();
}

/// `PRAGMA foreign_keys` on every connection the pool holds (SQLite).
async fn foreign_keys_on_every_connection(store: &Store) -> Vec<i64> {
    let mut conns = Vec::new();
    for _ in 0..8 {
        conns.push(store.reader().await.unwrap());
    }
    let mut states = Vec::new();
    for conn in &mut conns {
        let (on,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        states.push(on);
    }
    states
}

#[tokio::test]
async fn a_bulk_load_is_all_or_nothing_and_leaves_foreign_keys_enforced() {
    use tongxin_store::people::{get_resident, insert_residents};
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let code = "450103001001001";
        seed_grid(store, code).await;

        // A duplicate in the last chunk fails the load; nothing of it stays.
        let mut tx = store.begin_bulk().await.unwrap();
        assert_eq!(tx.is_bulk(), store.backend() == Backend::Sqlite, "{label}");
        let rows = (1..=3_000).map(|id| {
            let mut r = resident(id, "王秀英", code, "resident");
            if id == 3_000 {
                r.id_hash = resident(1, "", code, "").id_hash;
            }
            r
        });
        let err = insert_residents(&mut tx, rows).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{label}: {err}");
        drop(tx);
        assert!(get_resident(store, 1).await.unwrap().is_none(), "{label}");

        let mut tx = store.begin_bulk().await.unwrap();
        insert_residents(
            &mut tx,
            (1..=3_000).map(|id| resident(id, "王秀英", code, "resident")),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(
            get_resident(store, 3_000).await.unwrap().is_some(),
            "{label}"
        );

        if store.backend() == Backend::Sqlite {
            assert_eq!(
                foreign_keys_on_every_connection(store).await,
                vec![1; 8],
                "{label}: no connection goes back to the pool without foreign keys"
            );
        }
        let mut tx = store.begin().await.unwrap();
        let orphan = resident(3_001, "李强", "450103001001999", "resident");
        let err = insert_residents(&mut tx, [orphan]).await.unwrap_err();
        assert!(
            err.is_constraint_violation() && !err.is_unique_violation(),
            "{label}: a missing grid is a foreign-key violation: {err}"
        );
        drop(tx);
        db.cleanup().await;
    }
}
