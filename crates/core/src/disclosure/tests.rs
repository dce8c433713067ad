use super::chain::StoredLink;
use super::money::yuan_to_fen;
use super::*;
use crate::cases::calendar::LocalDate;

fn beijing(y: i32, m: u8, d: u8) -> Millis {
    LocalDate::new(y, m, d)
        .unwrap()
        .start_millis(BEIJING_OFFSET_MIN)
}

#[test]
fn periods_follow_the_beijing_calendar() {
    // 2026-03-31 20:00 UTC is already 1 April in Beijing.
    let late_march_utc = beijing(2026, 4, 1) - 4 * 3_600_000 + 8 * 3_600_000;
    assert_eq!(
        Period::containing(Frequency::Monthly, late_march_utc).to_string(),
        "2026-04"
    );
    assert_eq!(
        Period::containing(Frequency::Quarterly, beijing(2026, 3, 31)).to_string(),
        "2026-Q1"
    );
    assert_eq!(
        Period::containing(Frequency::Quarterly, beijing(2026, 4, 1)).to_string(),
        "2026-Q2"
    );
    let q4 = Period::parse(Frequency::Quarterly, "2025-Q4").unwrap();
    assert_eq!(q4.next().to_string(), "2026-Q1");
    assert_eq!(q4.end_millis(), beijing(2026, 1, 1));
    assert_eq!(due_at(&q4, 15), beijing(2026, 1, 16));
    let dec = Period::parse(Frequency::Monthly, "2025-12").unwrap();
    assert_eq!(dec.next().to_string(), "2026-01");
    assert_eq!(dec.label_zh(), "2025年12月");
}

#[test]
fn period_labels_must_fit_the_frequency() {
    assert!(Period::parse(Frequency::Monthly, "2026-13").is_err());
    assert!(Period::parse(Frequency::Monthly, "2026-Q1").is_err());
    assert!(Period::parse(Frequency::Quarterly, "2026-Q5").is_err());
    assert!(Period::parse(Frequency::Yearly, "26").is_err());
    assert!(Period::parse(Frequency::Immediate, "2026-02-30").is_err());
    assert_eq!(
        Period::parse(Frequency::Immediate, "2026-02-28")
            .unwrap()
            .to_string(),
        "2026-02-28"
    );
}

#[test]
fn periods_between_cover_from_activation_to_now() {
    let ps = periods_between(
        Frequency::Quarterly,
        beijing(2025, 11, 5),
        beijing(2026, 4, 2),
    );
    let labels: Vec<String> = ps.iter().map(ToString::to_string).collect();
    assert_eq!(labels, ["2025-Q4", "2026-Q1", "2026-Q2"]);
    assert!(periods_between(Frequency::Immediate, 0, beijing(2026, 1, 1)).is_empty());
}

#[test]
fn overdue_lists_unpublished_periods_past_their_due_date() {
    let item = DueItem {
        id: 7,
        frequency: Frequency::Monthly,
        grace_days: 10,
        active_from: beijing(2026, 1, 1),
    };
    // On 12 March: January and February are due (February on 11 March); March is not.
    let now = beijing(2026, 3, 12);
    let late = overdue(&item, &["2026-01".into()], &[], now);
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].period, "2026-02");
    assert_eq!(late[0].due_at, beijing(2026, 3, 11));
    assert_eq!(late[0].days_late, 1);
    let none = overdue(&item, &["2026-01".into(), "2026-02".into()], &[], now);
    assert!(none.is_empty());
}

#[test]
fn immediate_matters_are_late_days_after_drafting() {
    let item = DueItem {
        id: 3,
        frequency: Frequency::Immediate,
        grace_days: 3,
        active_from: 0,
    };
    let drafted = beijing(2026, 5, 1);
    let draft = PendingDraft {
        posting_id: 11,
        item_id: 3,
        period: "2026-05-01".into(),
        created_at: drafted,
    };
    assert!(
        overdue(
            &item,
            &[],
            std::slice::from_ref(&draft),
            drafted + 86_400_000
        )
        .is_empty()
    );
    let late = overdue(&item, &[], &[draft], beijing(2026, 5, 6));
    assert_eq!(late[0].posting_id, Some(11));
    assert_eq!(late[0].days_late, 2);
}

#[test]
fn catalogue_rules_hold() {
    let item = |affair, frequency, major| ItemDraft {
        affair,
        title: "事项".into(),
        frequency,
        major,
        grace_days: 10,
    };
    assert!(check_item(&item(Affair::Residents, Frequency::Quarterly, false)).is_ok());
    assert!(check_item(&item(Affair::Party, Frequency::Immediate, true)).is_ok());
    assert_eq!(
        check_item(&item(Affair::Residents, Frequency::Quarterly, true))
            .unwrap_err()
            .field,
        "frequency"
    );
    assert_eq!(
        check_item(&item(Affair::Finance, Frequency::Yearly, false))
            .unwrap_err()
            .field,
        "frequency"
    );
    let mut untitled = item(Affair::Party, Frequency::Yearly, false);
    untitled.title = "  ".into();
    assert_eq!(check_item(&untitled).unwrap_err().field, "title");
}

#[test]
fn two_distinct_committee_members_other_than_the_author() {
    let committee = [1, 2, 3];
    assert_eq!(approvals_counted(9, &committee, &[1, 2]), Ok(vec![1, 2]));
    let missing = approvals_counted(1, &committee, &[1, 2]).unwrap_err();
    assert_eq!(missing.missing, 1);
    assert_eq!(missing.not_counted, vec![1]);
    assert!(missing.to_string().contains("1"));
    assert_eq!(
        approvals_counted(9, &committee, &[2, 2])
            .unwrap_err()
            .missing,
        1
    );
    assert_eq!(
        approvals_counted(9, &committee, &[5, 6])
            .unwrap_err()
            .missing,
        2
    );
    assert!(check_approver(1, &committee, 1).is_err());
    assert!(check_approver(1, &committee, 4).is_err());
    assert!(check_approver(1, &committee, 2).is_ok());
}

#[test]
fn money_is_fen_and_totals_are_exact() {
    let lines = vec![
        LineItem {
            kind: LineKind::Income,
            label: "惠民资金拨付".into(),
            amount_fen: 10_000_000,
        },
        LineItem {
            kind: LineKind::Expense,
            label: "路灯维修".into(),
            amount_fen: 123_456,
        },
    ];
    let t = totals(&lines).unwrap();
    assert_eq!(t.income_fen, 10_000_000);
    assert_eq!(t.expense_fen, 123_456);
    assert_eq!(t.balance_fen, 9_876_544);
    assert_eq!(fen_to_yuan(t.balance_fen), "98,765.44");
    assert_eq!(fen_to_yuan(-5), "-0.05");
    assert_eq!(fen_to_yuan(100_000_000), "1,000,000.00");
    let bad = vec![LineItem {
        kind: LineKind::Expense,
        label: "".into(),
        amount_fen: 0,
    }];
    let errors = totals(&bad).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(yuan_to_fen("1,234.5"), Some(123_450));
    assert_eq!(yuan_to_fen("0.07"), Some(7));
    assert_eq!(yuan_to_fen("1.234"), None);
    assert_eq!(yuan_to_fen("-3"), None);
}

fn entry(seq: i64, posting_id: i64) -> ChainEntry {
    ChainEntry {
        community_code: "450103001001".into(),
        seq,
        posting_id,
        item_id: 1,
        period: "2026-01".into(),
        version: 1,
        supersedes: None,
        title: format!("第{seq}期"),
        body: "收支明细".into(),
        lines: vec![],
        author_id: 5,
        approvers: vec![1, 2],
        published_at: 1_700_000_000_000 + seq,
    }
}

fn chain(n: i64) -> (Vec<StoredLink>, ChainHead) {
    let mut prev = GENESIS_HASH.to_string();
    let mut links = Vec::new();
    for seq in 1..=n {
        let e = entry(seq, 100 + seq);
        let hash = link_hash(&prev, &e);
        links.push(StoredLink {
            entry: e,
            prev_hash: prev.clone(),
            hash: hash.clone(),
        });
        prev = hash;
    }
    let head = ChainHead {
        community_code: "450103001001".into(),
        length: n,
        last_hash: prev,
    };
    (links, head)
}

#[test]
fn an_intact_chain_verifies() {
    let (links, head) = chain(5);
    assert_eq!(verify_chain("450103001001", &links, Some(&head)), Ok(head));
    let empty = verify_chain("450103001001", &[], None).unwrap();
    assert_eq!(empty.length, 0);
}

#[test]
fn an_altered_field_breaks_its_link() {
    let (mut links, head) = chain(5);
    links[2].entry.lines.push(LineItem {
        kind: LineKind::Expense,
        label: "x".into(),
        amount_fen: 1,
    });
    let b = verify_chain("450103001001", &links, Some(&head)).unwrap_err();
    assert_eq!((b.seq, b.posting_id, b.problem), (3, Some(103), "content"));
    assert_eq!(b.expected, links[2].hash);
}

#[test]
fn a_rehashed_row_breaks_the_next_link() {
    let (mut links, head) = chain(5);
    links[1].entry.title = "改过".into();
    links[1].hash = link_hash(&links[1].prev_hash, &links[1].entry);
    let b = verify_chain("450103001001", &links, Some(&head)).unwrap_err();
    assert_eq!((b.seq, b.problem), (3, "previous_hash"));
}

#[test]
fn deleting_any_link_is_found() {
    let (links, head) = chain(5);
    let mut middle = links.clone();
    middle.remove(1);
    let b = verify_chain("450103001001", &middle, Some(&head)).unwrap_err();
    assert_eq!((b.seq, b.problem), (2, "missing"));
    let mut first = links.clone();
    first.remove(0);
    assert_eq!(
        verify_chain("450103001001", &first, Some(&head))
            .unwrap_err()
            .seq,
        1
    );
    let mut last = links.clone();
    last.pop();
    let b = verify_chain("450103001001", &last, Some(&head)).unwrap_err();
    assert_eq!((b.seq, b.problem), (5, "missing"));
    assert!(b.to_string().contains("seq 5"));
    let b = verify_chain("450103001001", &links, None).unwrap_err();
    assert_eq!(b.problem, "head");
}
