//! The binary end to end: demo build, user management, first-admin rule, grid export/import.

use std::process::{Command, Output};

fn tongxin(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tongxin"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TONGXIN_DATABASE_URL")
        .env_remove("TONGXIN_ADMIN_PASSWORD")
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

#[test]
fn demo_then_users_and_grids_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tongxin(&data, &["demo", "--size", "small", "--no-serve"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("32 grids"), "{t}");
    assert!(t.contains("tongxin-demo"), "demo prints the password: {t}");
    // The small demo's year of cases and its enterprise service, counted from the records.
    assert!(
        t.contains("cases: 2012 over the past year (12 enterprise problems, 7 resolved; 3 commissioners for 4 enterprises)"),
        "{t}"
    );

    let out = tongxin(
        &data,
        &[
            "user",
            "add",
            "wangfang",
            "--display-name",
            "王芳",
            "--role",
            "grid_worker@450103001001001",
            "--password",
            "a-long-password",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = tongxin(&data, &["user", "list", "--within", "450103001001001"]);
    assert!(
        text(&out).contains("wangfang\t王芳\tactive"),
        "{}",
        text(&out)
    );

    let out = tongxin(&data, &["user", "disable", "wangfang"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = tongxin(&data, &["user", "list", "--within", "450103001001001"]);
    assert!(
        text(&out).contains("wangfang\t王芳\tdisabled"),
        "{}",
        text(&out)
    );

    let bad = tongxin(
        &data,
        &[
            "user",
            "add",
            "x1",
            "--role",
            "grid_worker@450103001001",
            "--password",
            "a-long-password",
        ],
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("roles[0].node"), "{}", text(&bad));

    let file = dir.path().join("grids.geojson");
    let out = tongxin(&data, &["export", "grids", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = tongxin(
        &data,
        &["import", "grids", file.to_str().unwrap(), "--dry-run"],
    );
    assert!(text(&out).contains("0 new, 32 updated"), "{}", text(&out));
}

#[test]
fn serve_on_an_empty_database_demands_a_first_admin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tongxin(
        &data,
        &[
            "division",
            "add",
            "--code",
            "450100",
            "--name",
            "南宁市",
            "--kind",
            "city",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = tongxin(&data, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--admin-user"), "{}", text(&out));
}

#[test]
fn a_config_file_with_an_unknown_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("t.toml");
    std::fs::write(&cfg, "listn = \"x\"\n").unwrap();
    let out = tongxin(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "user", "list"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("listn"), "{}", text(&out));
}

#[test]
fn rotating_the_data_key_reseals_everything_and_the_old_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tongxin(&data, &["demo", "--size", "small", "--no-serve"]);
    assert!(out.status.success(), "{}", text(&out));
    let export = |name: &str| {
        let file = dir.path().join(name);
        let out = tongxin(
            &data,
            &[
                "export",
                "residents",
                "--unmasked",
                "-o",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        std::fs::read_to_string(file).unwrap()
    };
    let before = export("before.csv");
    let old_key = std::fs::read_to_string(data.join("data.key")).unwrap();

    let out = tongxin(&data, &["keys", "rotate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("re-sealed 2000 residents"),
        "{}",
        text(&out)
    );
    let new_key = std::fs::read_to_string(data.join("data.key")).unwrap();
    assert_ne!(old_key, new_key);
    assert!(!data.join("data.key.new").exists());
    let kept: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("data.key.old-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read_to_string(kept[0].path()).unwrap(), old_key);

    // The same plain numbers come back under the new key, and the keyed hashes were
    // recomputed: re-importing the ledger finds every ID already registered.
    assert_eq!(export("after.csv"), before);
    let file = dir.path().join("before.csv");
    let out = tongxin(&data, &["import", "residents", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("已登记"), "{}", text(&out));

    // The old key no longer opens the database.
    let out = Command::new(env!("CARGO_BIN_EXE_tongxin"))
        .arg("--data")
        .arg(&data)
        .args(["export", "residents", "-o"])
        .arg(dir.path().join("x.csv"))
        .env_remove("TONGXIN_DATABASE_URL")
        .env_remove("TONGXIN_CONFIG")
        .env("TONGXIN_DATA_KEY", old_key.trim())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("does not match"), "{}", text(&out));
}
