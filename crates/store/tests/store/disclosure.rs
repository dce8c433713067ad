//! Three-affairs disclosure: the catalogue, the committee, drafts with their finance lines
//! and approvals, publication as links of each community's hash chain (guarded by the head),
//! corrections, the paged queries with their counts, and verification of the chains.

use crate::{assert_same_on_every_engine, new_user, testing};
use tongxin_core::disclosure::{GENESIS_HASH, LineItem, LineKind, link_hash};
use tongxin_store::disclosure::{
    self as store, ApprovalRow, ItemRow, LineRow, PostingRow, chain_entry,
};
use tongxin_store::{Store, Tx};

const A: &str = "450103001001";
const B: &str = "450103002001";

fn catalogue_item(community: &str, affair: &str, title: &str, frequency: &str) -> ItemRow {
    ItemRow {
        id: 0,
        community_code: community.into(),
        district_code: community[..6].into(),
        affair: affair.into(),
        title: title.into(),
        frequency: frequency.into(),
        major: 0,
        grace_days: 10,
        active_from: 1_000,
        created_at: 1_000,
        created_by: 1,
    }
}

fn draft(
    community: &str,
    item_id: i64,
    period: &str,
    author_id: i64,
    created_at: i64,
) -> PostingRow {
    PostingRow {
        id: 0,
        community_code: community.into(),
        district_code: community[..6].into(),
        item_id,
        period: period.into(),
        version: 1,
        supersedes: None,
        title: format!("{period}公开"),
        body: "正文".into(),
        income_fen: 0,
        expense_fen: 0,
        status: "draft".into(),
        author_id,
        author: format!("user{author_id}"),
        created_at,
        published_at: None,
        chain_seq: None,
        prev_hash: None,
        hash: None,
    }
}

fn line(kind: LineKind, label: &str, amount_fen: i64) -> LineItem {
    LineItem {
        kind,
        label: label.into(),
        amount_fen,
    }
}

/// Inserts a draft with its lines; the stored row.
async fn insert_draft(store: &Store, mut p: PostingRow, lines: &[LineItem]) -> PostingRow {
    let mut tx = store.begin().await.unwrap();
    p.id = store::insert_posting(&mut tx, &p, lines).await.unwrap();
    tx.commit().await.unwrap();
    p
}

/// Approves a draft by each of `approvers` (user id, at).
async fn approve(store: &Store, posting_id: i64, approvers: &[(i64, i64)]) {
    let mut tx = store.begin().await.unwrap();
    for (approver_id, at) in approvers {
        let a = ApprovalRow {
            posting_id,
            approver_id: *approver_id,
            approver: format!("user{approver_id}"),
            at: *at,
        };
        assert!(store::add_approval(&mut tx, &a).await.unwrap());
    }
    tx.commit().await.unwrap();
}

/// The next link for a draft, as the server computes it: place after the head, the hash over
/// the previous hash and the entry. `false` when the store refused it (nothing is kept then).
async fn publish_at(
    store: &Store,
    id: i64,
    at: i64,
    head_seen: Option<Option<tongxin_core::disclosure::ChainHead>>,
) -> (bool, PostingRow) {
    let mut tx: Tx = store.begin().await.unwrap();
    let mut p = store::posting_in(&mut tx, id).await.unwrap().unwrap();
    let head = match head_seen {
        Some(seen) => seen,
        None => store::head_in(&mut tx, &p.community_code).await.unwrap(),
    };
    p.chain_seq = Some(head.as_ref().map_or(1, |h| h.length + 1));
    p.prev_hash = Some(
        head.as_ref()
            .map_or(GENESIS_HASH.to_string(), |h| h.last_hash.clone()),
    );
    p.published_at = Some(at);
    let lines = store::lines_in(&mut tx, id).await.unwrap();
    let approvers = store::approver_ids(&mut tx, id).await.unwrap();
    let entry = chain_entry(&p, lines, approvers);
    p.hash = Some(link_hash(p.prev_hash.as_deref().unwrap(), &entry));
    let done = store::publish(&mut tx, &p, head.as_ref()).await.unwrap();
    if done {
        tx.commit().await.unwrap();
        p.status = "published".into();
    }
    (done, p)
}

fn ids(rows: &[PostingRow]) -> Vec<i64> {
    rows.iter().map(|p| p.id).collect()
}

#[tokio::test]
async fn catalogue_committee_postings_and_the_chain() {
    let mut answers = Vec::new();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        let author = new_user(store, "author").await;
        let m1 = new_user(store, "member1").await;
        let m2 = new_user(store, "member2").await;
        let m3 = new_user(store, "member3").await;

        // The committee.
        let mut tx = store.begin().await.unwrap();
        for (user, at) in [(m1, 10), (m2, 20), (m3, 30)] {
            assert!(
                store::add_member(&mut tx, A, user, at, author)
                    .await
                    .unwrap()
            );
        }
        assert!(
            !store::add_member(&mut tx, A, m1, 40, author).await.unwrap(),
            "{label}: already a member"
        );
        assert!(store::add_member(&mut tx, B, m3, 50, author).await.unwrap());
        assert!(store::remove_member(&mut tx, A, m3).await.unwrap());
        assert!(!store::remove_member(&mut tx, A, m3).await.unwrap());
        assert_eq!(
            store::committee_ids(&mut tx, A).await.unwrap(),
            [m1, m2],
            "{label}"
        );
        tx.commit().await.unwrap();
        let roster = store::committee(store, A).await.unwrap();
        assert_eq!(
            roster
                .iter()
                .map(|m| (m.user_id, m.username.as_str(), m.added_at))
                .collect::<Vec<_>>(),
            [(m1, "member1", 10), (m2, "member2", 20)],
            "{label}"
        );
        let (page, total) = store::committee_page(store, A, 1, 0).await.unwrap();
        assert_eq!(
            (page[0].user_id, page.len(), total),
            (m2, 1, 2),
            "{label}: the latest added first"
        );
        assert!(store::is_member(store, A, m1).await.unwrap());
        assert!(!store::is_member(store, A, m3).await.unwrap());
        assert!(store::is_member(store, B, m3).await.unwrap());

        // The catalogue, by affair.
        let mut tx = store.begin().await.unwrap();
        let mut items = Vec::new();
        for i in [
            catalogue_item(A, "finance", "收支明细", "quarterly"),
            catalogue_item(A, "party", "党员发展", "monthly"),
            catalogue_item(B, "finance", "收支明细", "quarterly"),
            catalogue_item(A, "finance", "专项资金", "yearly"),
        ] {
            items.push(store::insert_item(&mut tx, &i).await.unwrap());
        }
        tx.commit().await.unwrap();
        assert_eq!(items, [1, 2, 3, 4], "{label}");
        assert_eq!(
            store::get_item(store, 2).await.unwrap(),
            Some(ItemRow {
                id: 2,
                ..catalogue_item(A, "party", "党员发展", "monthly")
            }),
            "{label}"
        );
        assert_eq!(store::get_item(store, 9).await.unwrap(), None);
        let item_ids = |rows: Vec<ItemRow>| rows.iter().map(|i| i.id).collect::<Vec<_>>();
        assert_eq!(
            item_ids(store::list_items(store, A).await.unwrap()),
            [1, 4, 2],
            "{label}: by affair, then number"
        );
        let (page, total) = store::items_page(store, A, 2, 1).await.unwrap();
        assert_eq!((item_ids(page), total), (vec![4, 2], 3), "{label}");

        // Drafts with their lines; labels are stored trimmed, numbered from one.
        let p1 = insert_draft(
            store,
            PostingRow {
                income_fen: 1_000_000,
                expense_fen: 250_050,
                ..draft(A, 1, "2026-Q1", author, 100)
            },
            &[
                line(LineKind::Income, "上级拨款", 1_000_000),
                line(LineKind::Expense, "  保洁费 ", 250_050),
            ],
        )
        .await;
        assert_eq!(p1.id, 1, "{label}");
        assert_eq!(
            store::get_posting(store, 1).await.unwrap(),
            Some(p1.clone()),
            "{label}"
        );
        assert_eq!(store::get_posting(store, 99).await.unwrap(), None);
        let expected_lines = vec![
            LineRow {
                posting_id: 1,
                line_no: 1,
                kind: "income".into(),
                label: "上级拨款".into(),
                amount_fen: 1_000_000,
            },
            LineRow {
                posting_id: 1,
                line_no: 2,
                kind: "expense".into(),
                label: "保洁费".into(),
                amount_fen: 250_050,
            },
        ];
        assert_eq!(
            store::lines(store, 1).await.unwrap(),
            expected_lines,
            "{label}"
        );
        let p2 = insert_draft(store, draft(A, 2, "2026-03", author, 200), &[]).await;
        let pb = insert_draft(
            store,
            draft(B, 3, "2026-Q1", author, 250),
            &[line(LineKind::Income, "租金", 5_000)],
        )
        .await;
        assert_eq!((p2.id, pb.id), (2, 3), "{label}");

        // Approvals: once per person, in time order.
        approve(store, 1, &[(m2, 300), (m1, 300)]).await;
        let mut tx = store.begin().await.unwrap();
        let again = ApprovalRow {
            posting_id: 1,
            approver_id: m1,
            approver: "member1".into(),
            at: 310,
        };
        assert!(
            !store::add_approval(&mut tx, &again).await.unwrap(),
            "{label}"
        );
        tx.commit().await.unwrap();
        assert_eq!(
            store::approvals(store, 1)
                .await
                .unwrap()
                .iter()
                .map(|a| (a.approver_id, a.at))
                .collect::<Vec<_>>(),
            [(m1, 300), (m2, 300)],
            "{label}"
        );
        approve(store, 2, &[(m1, 400), (m2, 410)]).await;
        approve(store, 3, &[(m3, 420)]).await;

        // Publication: the first link of A's chain.
        assert_eq!(store::head(store, A).await.unwrap(), None, "{label}");
        let (done, pub1) = publish_at(store, 1, 1_000, None).await;
        assert!(done, "{label}");
        assert_eq!(
            store::get_posting(store, 1).await.unwrap(),
            Some(pub1.clone()),
            "{label}"
        );
        assert_eq!(
            (pub1.chain_seq, pub1.prev_hash.as_deref()),
            (Some(1), Some(GENESIS_HASH)),
            "{label}"
        );
        let head1 = store::head(store, A).await.unwrap().unwrap();
        assert_eq!(
            (head1.length, head1.last_hash.as_str()),
            (1, pub1.hash.as_deref().unwrap()),
            "{label}"
        );
        // A draft published meanwhile, or a head that moved meanwhile: refused.
        let (done, _) = publish_at(store, 1, 1_100, Some(Some(head1.clone()))).await;
        assert!(!done, "{label}: already published");
        let (done, _) = publish_at(store, 2, 1_100, Some(None)).await;
        assert!(!done, "{label}: the head is not where the publisher saw it");
        assert_eq!(
            store::head(store, A).await.unwrap(),
            Some(head1.clone()),
            "{label}: nothing moved"
        );
        let (done, pub2) = publish_at(store, 2, 2_000, None).await;
        assert!(done, "{label}");
        assert_eq!(
            (pub2.chain_seq, pub2.prev_hash.clone()),
            (Some(2), pub1.hash.clone()),
            "{label}: linked to the first"
        );
        let (done, pubb) = publish_at(store, 3, 2_500, None).await;
        assert!(done, "{label}");
        assert_eq!(pubb.chain_seq, Some(1), "{label}: B has its own chain");

        // A correction of the first posting, and a draft left unpublished.
        let p4 = insert_draft(
            store,
            PostingRow {
                version: 2,
                supersedes: Some(1),
                title: "更正：2026-Q1公开".into(),
                income_fen: 1_000_000,
                expense_fen: 250_000,
                ..draft(A, 1, "2026-Q1", author, 2_600)
            },
            &[
                line(LineKind::Income, "上级拨款", 1_000_000),
                line(LineKind::Expense, "保洁费", 250_000),
            ],
        )
        .await;
        let mut conn = store.pool().acquire().await.unwrap();
        assert_eq!(store::superseded_by(&mut conn, 1).await.unwrap(), None);
        drop(conn);
        approve(store, p4.id, &[(m1, 2_700), (m2, 2_710)]).await;
        let (done, pub4) = publish_at(store, p4.id, 3_000, None).await;
        assert!(done, "{label}");
        let p5 = insert_draft(store, draft(A, 4, "2026", author, 3_500), &[]).await;
        assert_eq!((pub4.id, pub4.chain_seq, p5.id), (4, Some(3), 5), "{label}");
        let mut conn = store.pool().acquire().await.unwrap();
        assert_eq!(
            store::superseded_by(&mut conn, 1).await.unwrap(),
            Some(4),
            "{label}"
        );
        assert_eq!(store::superseded_by(&mut conn, 2).await.unwrap(), None);
        assert_eq!(
            store::published_original(&mut conn, 1, "2026-Q1")
                .await
                .unwrap(),
            Some(1),
            "{label}: the correction is not an original"
        );
        assert_eq!(
            store::published_original(&mut conn, 4, "2026")
                .await
                .unwrap(),
            None,
            "{label}: a draft is not published"
        );
        assert_eq!(
            store::lines_in(&mut conn, 4).await.unwrap(),
            [
                line(LineKind::Income, "上级拨款", 1_000_000),
                line(LineKind::Expense, "保洁费", 250_000)
            ],
            "{label}"
        );
        drop(conn);

        // The lists and pages.
        assert_eq!(
            ids(&store::list_postings(store, A, false).await.unwrap()),
            [4, 2, 1],
            "{label}: published, the latest first"
        );
        assert_eq!(
            ids(&store::list_postings(store, A, true).await.unwrap()),
            [5, 4, 2, 1],
            "{label}: a draft by its creation time"
        );
        let current = |affair: Option<&'static str>, limit, offset| async move {
            let (rows, total) = store::current_postings_page(store, A, affair, limit, offset)
                .await
                .unwrap();
            (ids(&rows), total)
        };
        assert_eq!(
            current(None, 10, 0).await,
            (vec![4, 2], 2),
            "{label}: the superseded first version is not current"
        );
        assert_eq!(current(None, 1, 1).await, (vec![2], 2), "{label}");
        assert_eq!(
            current(Some("finance"), 10, 0).await,
            (vec![4], 1),
            "{label}"
        );
        assert_eq!(current(Some("party"), 10, 0).await, (vec![2], 1), "{label}");
        assert_eq!(
            current(Some("residents"), 10, 0).await,
            (vec![], 0),
            "{label}"
        );
        let by_status = |status: &'static str, limit, offset| async move {
            let (rows, total) = store::postings_page(store, A, status, limit, offset)
                .await
                .unwrap();
            (ids(&rows), total)
        };
        assert_eq!(by_status("draft", 10, 0).await, (vec![5], 1), "{label}");
        assert_eq!(
            by_status("published", 2, 0).await,
            (vec![4, 2], 3),
            "{label}"
        );
        assert_eq!(by_status("published", 2, 2).await, (vec![1], 3), "{label}");
        assert_eq!(
            ids(&store::postings_by_ids(store, A, &[3, 1, 99, 5])
                .await
                .unwrap()),
            [1, 5],
            "{label}: only the community's"
        );
        assert!(
            store::postings_by_ids(store, A, &[])
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store::superseding(store, &[1, 2, 4]).await.unwrap(),
            [(1, 4)],
            "{label}"
        );
        let lines = store::lines_of_postings(store, &[1, 3, 2]).await.unwrap();
        assert_eq!(
            lines
                .iter()
                .map(|(id, l)| (*id, l.len()))
                .collect::<Vec<_>>(),
            [(1, 2), (3, 1)],
            "{label}: postings without lines are absent"
        );
        assert_eq!(lines[&1], expected_lines, "{label}");
        let of_a = store::lines_of_community(store, A).await.unwrap();
        assert_eq!(of_a.keys().copied().collect::<Vec<_>>(), [1, 4], "{label}");

        // The chains: heads, stored links, verification.
        let heads = store::heads(store, "4501").await.unwrap();
        assert_eq!(
            heads
                .iter()
                .map(|h| (h.community_code.as_str(), h.length))
                .collect::<Vec<_>>(),
            [(A, 3), (B, 1)],
            "{label}"
        );
        assert_eq!(
            heads[0].last_hash,
            pub4.hash.clone().unwrap(),
            "{label}: the head is the last link"
        );
        assert_eq!(
            store::heads(store, "450103001").await.unwrap().len(),
            1,
            "{label}"
        );
        let links = store::stored_links(store, A).await.unwrap();
        let chain = &links[A];
        assert_eq!(
            chain
                .iter()
                .map(|l| (l.entry.posting_id, l.entry.seq, l.entry.approvers.clone()))
                .collect::<Vec<_>>(),
            [
                (1, 1, vec![m1, m2]),
                (2, 2, vec![m1, m2]),
                (4, 3, vec![m1, m2])
            ],
            "{label}"
        );
        assert_eq!(chain[2].entry.lines.len(), 2, "{label}");
        assert_eq!(chain[2].entry.supersedes, Some(1), "{label}");
        let verified = store::verify(store, "4501").await.unwrap();
        assert_eq!(verified, Ok(heads.clone()), "{label}");

        // An altered row breaks its link, found by community and place.
        sqlx::query("UPDATE disclosure_postings SET body = '改过的正文' WHERE id = 2")
            .execute(store.pool())
            .await
            .unwrap();
        let broken = store::verify(store, "4501").await.unwrap().unwrap_err();
        assert_eq!(
            (
                broken.community_code.as_str(),
                broken.seq,
                broken.posting_id,
                broken.problem
            ),
            (A, 2, Some(2), "content"),
            "{label}"
        );
        assert_eq!(
            store::verify(store, B).await.unwrap(),
            Ok(vec![heads[1].clone()]),
            "{label}: the other chain still holds"
        );
        // Approvals are part of what the hash covers: removing them breaks the link too.
        sqlx::query("DELETE FROM disclosure_approvals WHERE posting_id = 3")
            .execute(store.pool())
            .await
            .unwrap();
        let broken = store::verify(store, B).await.unwrap().unwrap_err();
        assert_eq!(
            (broken.seq, broken.problem),
            (1, "content"),
            "{label}: the approvers are part of the hash"
        );
        answers.push((label, (chain.clone(), heads.len(), broken)));
        db.cleanup().await;
    }
    assert_same_on_every_engine("disclosure chains", &answers);
}
