//! The audit log: records, filters, scope, pages, redaction.

use crate::testing;
use tongxin_core::audit::AuditEntry;
use tongxin_store::audit::{self, AuditFilter};

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
