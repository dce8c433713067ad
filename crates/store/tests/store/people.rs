//! People: resident search, sealed numbers, bulk loads.

use crate::testing;
use crate::{grid, seed_grid, seed_tree};
use tongxin_store::territory;
use tongxin_store::{Backend, Store, StoreError};

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
