//! Divisions and grids: insert, read, keyset pages, prefixes; the demo city's counts.

use crate::testing;
use crate::{division, grid, seed_tree};
use tongxin_demo::{DEFAULT_SEED, DemoOptions, DemoSize, generate};
use tongxin_store::StoreError;
use tongxin_store::access;
use tongxin_store::audit::{self, AuditFilter};
use tongxin_store::territory::{self, GridRow};

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
async fn demo_load_counts_match_the_generated_city() {
    let city = generate(&DemoOptions {
        size: DemoSize::Small,
        seed: DEFAULT_SEED,
    });
    let expected = city.counts();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        assert!(
            !tongxin_demo::load::city::has_territory(store)
                .await
                .unwrap()
        );
        tongxin_demo::load::city::load(store, &city, "demo-hash")
            .await
            .unwrap_or_else(|e| panic!("{label}: demo load failed: {e}"));
        assert!(
            tongxin_demo::load::city::has_territory(store)
                .await
                .unwrap()
        );

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
            access::count_users(store).await.unwrap(),
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
        let admin = access::find_user_by_name(store, "admin")
            .await
            .unwrap()
            .unwrap();
        let b = access::bindings(store, admin.id).await.unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(
            (b[0].role.as_str(), b[0].node_code.as_str()),
            ("city_admin", "450100")
        );
        let worker = format!("g{}-1", g.code);
        assert!(
            access::find_user_by_name(store, &worker)
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
