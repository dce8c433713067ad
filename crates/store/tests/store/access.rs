//! Accounts: users and bindings, sessions, API tokens, idempotency keys.

use crate::new_user;
use crate::testing;
use tongxin_store::access::{self, SessionRow};
use tongxin_store::{StoreError, now_millis};

#[tokio::test]
async fn usernames_are_unique() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let id = new_user(store, "zhangsan").await;
        let mut tx = store.begin().await.unwrap();
        let err = access::insert_user(&mut tx, "zhangsan", "另一个张三", "h", now_millis())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict(m) if m.contains("zhangsan")),
            "{label}: {err:?}"
        );
        drop(tx);
        assert_eq!(access::count_users(store).await.unwrap(), 1, "{label}");
        let user = access::get_user(store, id).await.unwrap().unwrap();
        assert_eq!(user.display_name, "测试用户", "{label}");
        assert!(!user.is_disabled());

        // Bindings: idempotent insert, listed in order.
        let mut tx = store.begin().await.unwrap();
        access::add_binding(&mut tx, id, "street_admin", "450103001")
            .await
            .unwrap();
        access::add_binding(&mut tx, id, "street_admin", "450103001")
            .await
            .unwrap();
        access::add_binding(&mut tx, id, "community_admin", "450105001001")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let b = access::bindings(store, id).await.unwrap();
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
        let page = access::list_users(store, &["450103".to_string()], None, 10)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{label}");
        let page = access::list_users(store, &["450110".to_string()], None, 10)
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
        access::create_session(&mut tx, &session("live", now + 60_000))
            .await
            .unwrap();
        access::create_session(&mut tx, &session("old", now - 1))
            .await
            .unwrap();
        access::create_session(&mut tx, &session("gone", now + 60_000))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let found = access::find_session(store, "live").await.unwrap();
        assert_eq!(found, Some(session("live", now + 60_000)), "{label}");
        assert!(access::find_session(store, "nope").await.unwrap().is_none());

        let mut tx = store.begin().await.unwrap();
        access::delete_session(&mut tx, "gone").await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            access::find_session(store, "gone").await.unwrap().is_none(),
            "{label}"
        );

        let removed = access::delete_expired_sessions(store, now).await.unwrap();
        assert_eq!(removed, 1, "{label}");
        assert!(
            access::find_session(store, "old").await.unwrap().is_none(),
            "{label}"
        );
        assert!(
            access::find_session(store, "live").await.unwrap().is_some(),
            "{label}"
        );

        // Disabling a user ends their sessions; enabling does not bring them back.
        let mut tx = store.begin().await.unwrap();
        access::set_disabled(&mut tx, uid, true, now).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            access::find_session(store, "live").await.unwrap().is_none(),
            "{label}"
        );
        assert!(
            access::get_user(store, uid)
                .await
                .unwrap()
                .unwrap()
                .is_disabled()
        );
        let mut tx = store.begin().await.unwrap();
        access::set_disabled(&mut tx, uid, false, now)
            .await
            .unwrap();
        access::set_password(&mut tx, uid, "new-hash", now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let user = access::get_user(store, uid).await.unwrap().unwrap();
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
        let a = access::create_token(&mut tx, uid, "对接A", "hash-a", 1_000, None)
            .await
            .unwrap();
        let b = access::create_token(&mut tx, uid, "对接B", "hash-b", 1_000, Some(9_000))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_ne!(a, b, "{label}");

        let found = access::find_token(store, "hash-a").await.unwrap().unwrap();
        assert_eq!(found.id, a, "{label}");
        assert_eq!(found.user_id, uid);
        assert_eq!(found.name, "对接A");
        assert_eq!(found.expires_at, None);
        assert_eq!(found.revoked_at, None);
        let got_b = access::get_token(store, b).await.unwrap().unwrap();
        assert_eq!(got_b.expires_at, Some(9_000), "{label}");
        assert!(access::find_token(store, "hash-x").await.unwrap().is_none());

        let mut tx = store.begin().await.unwrap();
        access::revoke_token(&mut tx, a, 5_000).await.unwrap();
        tx.commit().await.unwrap();
        // A second revocation keeps the first time.
        let mut tx = store.begin().await.unwrap();
        access::revoke_token(&mut tx, a, 7_000).await.unwrap();
        tx.commit().await.unwrap();
        let revoked = access::get_token(store, a).await.unwrap().unwrap();
        assert_eq!(revoked.revoked_at, Some(5_000), "{label}");
        let other = access::get_token(store, b).await.unwrap().unwrap();
        assert_eq!(other.revoked_at, None, "{label}");

        // Token hashes are unique.
        let mut tx = store.begin().await.unwrap();
        let dup = access::create_token(&mut tx, uid, "重复", "hash-a", 1, None).await;
        assert!(dup.is_err(), "{label}: duplicate token hash accepted");
        drop(tx);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn idempotency_reserve_complete_find_release() {
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        assert!(
            access::find_idempotent(store, 1, "k1")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            access::reserve_idempotent(store, 1, "k1", "fp", 10)
                .await
                .unwrap(),
            "{label}: first claim wins"
        );
        assert!(
            !access::reserve_idempotent(store, 1, "k1", "fp2", 11)
                .await
                .unwrap(),
            "{label}: second claim loses"
        );
        let pending = access::find_idempotent(store, 1, "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pending.status, 0, "{label}: still running");
        assert_eq!(pending.request_fingerprint, "fp", "{label}");
        // Keys are per user.
        assert!(
            access::reserve_idempotent(store, 2, "k1", "other", 12)
                .await
                .unwrap(),
            "{label}"
        );

        access::complete_idempotent(store, 1, "k1", 201, "{\"id\":1}")
            .await
            .unwrap();
        let done = access::find_idempotent(store, 1, "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.status, 201, "{label}");
        assert_eq!(done.body, "{\"id\":1}", "{label}");
        assert_eq!(done.request_fingerprint, "fp", "{label}");
        let other = access::find_idempotent(store, 2, "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other.status, 0, "{label}: user 2's key untouched");

        access::release_idempotent(store, 1, "k1").await.unwrap();
        assert!(
            access::find_idempotent(store, 1, "k1")
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        assert!(
            access::reserve_idempotent(store, 1, "k1", "fp3", 13)
                .await
                .unwrap(),
            "{label}: a released key can be claimed again"
        );
        db.cleanup().await;
    }
}
