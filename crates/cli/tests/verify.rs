//! `tongxin verify` end to end: an intact demo verifies and prints the chain heads; an
//! amount altered directly in the database makes it fail, naming the first broken link.

use std::process::{Command, Output};

fn tongxin(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tongxin"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TONGXIN_DATABASE_URL")
        .env_remove("TONGXIN_CONFIG")
        .output()
        .expect("run tongxin")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn verify_passes_an_intact_chain_and_names_the_first_altered_link() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tongxin(&data, &["demo", "--size", "small", "--no-serve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("disclosure: 8 communities"),
        "{}",
        text(&out)
    );

    let out = tongxin(&data, &["verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("intact: 8 chains"), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("450103001001 ")),
        "heads printed: {t}"
    );

    let store = tongxin_store::Store::open(&data.join("tongxin.db").to_string_lossy())
        .await
        .unwrap();
    let (id, seq): (i64, i64) = alter_first_finance_line(&store).await;
    store.close().await;

    let out = tongxin(&data, &["verify"]);
    assert!(!out.status.success(), "tampering must fail: {}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!("seq {seq} (posting {id})")) && t.contains("content does not match"),
        "{t}"
    );
}

/// Alters the first line of the first finance posting of the first community; returns the
/// posting and its place in the chain.
async fn alter_first_finance_line(store: &tongxin_store::Store) -> (i64, i64) {
    let postings = tongxin_store::disclosure::list_postings(store, "450103001001", false)
        .await
        .unwrap();
    let mut finance: Vec<_> = Vec::new();
    for p in postings {
        if !tongxin_store::disclosure::lines(store, p.id)
            .await
            .unwrap()
            .is_empty()
        {
            finance.push(p);
        }
    }
    let first = finance.iter().min_by_key(|p| p.chain_seq).unwrap();
    sqlx::query("UPDATE disclosure_lines SET amount_fen = amount_fen + 1 WHERE posting_id = $1 AND line_no = 1")
        .bind(first.id)
        .execute(store.pool())
        .await
        .unwrap();
    (first.id, first.chain_seq.unwrap())
}
