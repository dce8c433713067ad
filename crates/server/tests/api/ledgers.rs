//! Ledgers in and out: import templates, resident / building / organisation imports from
//! CSV (UTF-8 and GBK) and XLSX — all-or-nothing unless `partial`, every bad row named by
//! its row number and column — dry runs, and resident exports masked unless the caller may
//! reveal personal data.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tongxin_core::people::CitizenId;
use tongxin_sheets::{Encoding, Format, Limits};

// --- Helpers --------------------------------------------------------------------------

/// A valid ID number: sequence `n` (odd = male), born in January 1970.
fn cid(n: u16) -> String {
    CitizenId::compose("450103", 19700101 + u32::from(n % 28), n)
}

/// The same number with a wrong check character.
fn with_bad_check(id: &str) -> String {
    let last = if id.ends_with('1') { '2' } else { '1' };
    format!("{}{last}", &id[..17])
}

const RES: [&str; 8] = [
    "姓名",
    "身份证号",
    "网格代码",
    "手机号",
    "户号",
    "与户主关系",
    "地址",
    "标签",
];

/// One resident row under [`RES`].
fn res(
    name: &str,
    id: &str,
    grid: &str,
    phone: &str,
    household: &str,
    relation: &str,
    tags: &str,
) -> Vec<String> {
    [
        name,
        id,
        grid,
        phone,
        household,
        relation,
        "民族大道 1 号",
        tags,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Plain UTF-8 CSV (no BOM), `\n` line ends; the tests' cells hold no commas or quotes.
fn csv(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = headers.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

async fn import(app: &App, auth: &Auth, kind: &str, query: &str, bytes: Vec<u8>) -> Reply {
    send(
        app.req(
            auth,
            Method::POST,
            &format!("/api/v1/ledgers/{kind}/import{query}"),
        )
        .header("content-type", "application/octet-stream")
        .body(bytes),
    )
    .await
}

/// A file download: status, content type, content disposition and the raw bytes.
struct File {
    status: u16,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

async fn fetch(app: &App, auth: &Auth, path: &str) -> File {
    let resp = app
        .req(auth, Method::GET, path)
        .send()
        .await
        .expect("request sent");
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (status, content_type, disposition) = (
        resp.status().as_u16(),
        header("content-type"),
        header("content-disposition"),
    );
    let bytes = resp.bytes().await.expect("body read").to_vec();
    File {
        status,
        content_type,
        disposition,
        bytes,
    }
}

fn read(bytes: &[u8]) -> tongxin_sheets::ReadReport {
    tongxin_sheets::read(bytes, None, &Limits::default()).expect("the file reads back")
}

/// `(index, field)` of every error in a problem's `errors` or a report's `rejected`.
fn complaints(list: &Value) -> Vec<(u64, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|e| {
            (
                e["index"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("no index: {e}")),
                e["field"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no field: {e}"))
                    .to_string(),
            )
        })
        .collect()
}

fn reason_at(list: &Value, index: u64) -> String {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["index"].as_u64() == Some(index))
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn expected(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    list.iter().map(|(i, f)| (*i, f.to_string())).collect()
}

/// Residents whose name contains `name`, as seen by `auth`.
async fn search(app: &App, auth: &Auth, name: &str) -> Vec<Value> {
    app.post(
        auth,
        "/api/v1/residents/search",
        &json!({"name": name, "limit": 1000}),
    )
    .await
    .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Audit entries with this action, read by the auditor.
async fn audit(app: &App, action: &str) -> Vec<Value> {
    let auditor = app.login("auditor").await;
    app.get(
        &auditor.auth(),
        &format!("/api/v1/audit?action={action}&limit=1000"),
    )
    .await
    .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// A community with its grids, and a grid of another community.
struct Area {
    community: String,
    grids: Vec<String>,
    other_community: String,
    other_grid: String,
    district: String,
}

fn area(app: &App) -> Area {
    let first = app.city.grids[0].code.clone();
    let community = first[..12].to_string();
    let grids = app.grids_of(&community);
    assert!(grids.len() >= 2, "the demo community has several grids");
    let other_grid = app
        .city
        .grids
        .iter()
        .find(|g| !g.code.starts_with(&community))
        .unwrap()
        .code
        .clone();
    Area {
        district: community[..6].to_string(),
        other_community: other_grid[..12].to_string(),
        community,
        grids,
        other_grid,
    }
}

fn assert_no_plain_ids(text: &str, ids: &[&str], label: &str) {
    for id in ids {
        assert!(
            !text.contains(id),
            "{label}: plain ID number {} in {text}",
            CitizenId::parse(id, 20991231)
                .map(|c| c.masked())
                .unwrap_or_else(|_| format!("{}…", &id[..4]))
        );
    }
}

// A minimal XLSX written by hand (stored ZIP entries, inline strings) so that a cell can
// be numeric, as when Excel turned a typed ID number into a number.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn stored_zip(files: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, text) in files {
        let data = text.as_bytes();
        let crc = crc32(data);
        let offset = out.len() as u32;
        let size = data.len() as u32;
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, 0, 0, 0x21] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0, 0, 0, 0x21] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name.len() as u16, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    let n = files.len() as u16;
    for v in [0u16, 0, n, n] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A cell of the hand-written sheet: text, or a number as Excel stores it.
enum Cell<'a> {
    Text(&'a str),
    Number(&'a str),
}

fn column_letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

fn handmade_xlsx(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", column_letter(c), r + 1);
            match cell {
                Cell::Text(t) => sheet.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#
                )),
                Cell::Number(n) => sheet.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    stored_zip(&files)
}

// --- 1. Templates ---------------------------------------------------------------------

#[tokio::test]
async fn templates_come_in_xlsx_and_csv_and_fit_their_importers() {
    let app = sqlite_app().await;
    let a = area(&app);
    let admin = app.login(&format!("c{}", a.community)).await;
    let auth = admin.auth();
    for (kind, first, width) in [
        ("residents", "姓名", 13),
        ("buildings", "社区代码", 9),
        ("organisations", "名称", 10),
    ] {
        let x = fetch(
            &app,
            &auth,
            &format!("/api/v1/ledgers/{kind}/template?format=xlsx"),
        )
        .await;
        assert_eq!(x.status, 200, "{kind} xlsx");
        assert!(
            x.content_type.contains("spreadsheetml"),
            "{kind}: {}",
            x.content_type
        );
        assert!(
            x.disposition.contains(&format!("{kind}-template.xlsx")),
            "{kind}: {}",
            x.disposition
        );
        let xr = read(&x.bytes);
        assert_eq!(xr.format, Format::Xlsx);
        assert_eq!(xr.sheet.headers[0], first, "{kind}: {:?}", xr.sheet.headers);
        assert_eq!(
            xr.sheet.headers.len(),
            width,
            "{kind}: {:?}",
            xr.sheet.headers
        );
        assert_eq!(xr.sheet.rows.len(), 1, "{kind}: one example row");
        assert_eq!(xr.sheet.rows[0].line, 2);

        // the default format is xlsx
        let d = fetch(&app, &auth, &format!("/api/v1/ledgers/{kind}/template")).await;
        assert_eq!(d.status, 200);
        assert_eq!(read(&d.bytes).format, Format::Xlsx);

        let c = fetch(
            &app,
            &auth,
            &format!("/api/v1/ledgers/{kind}/template?format=csv"),
        )
        .await;
        assert_eq!(c.status, 200, "{kind} csv");
        assert!(c.content_type.starts_with("text/csv"), "{}", c.content_type);
        assert!(c.disposition.contains(&format!("{kind}-template.csv")));
        assert!(
            c.bytes.starts_with(b"\xEF\xBB\xBF"),
            "CSV for Excel has a BOM"
        );
        let cr = read(&c.bytes);
        assert_eq!(cr.format, Format::Csv);
        assert_eq!(cr.encoding, Some(Encoding::Utf8Bom));
        assert_eq!(cr.sheet.headers, xr.sheet.headers, "{kind}: same columns");
        assert_eq!(
            cr.sheet.rows[0].cells, xr.sheet.rows[0].cells,
            "{kind}: same example"
        );

        // the template's header row is accepted by its own importer
        let r = import(
            &app,
            &auth,
            kind,
            &format!("?filename={kind}-template.xlsx&dry_run=true&partial=true"),
            x.bytes.clone(),
        )
        .await
        .expect(200);
        assert_eq!(r["rows"], 1, "{kind}: {r}");
        assert_eq!(r["format"], "xlsx");
        assert_eq!(r["dry_run"], true);
    }

    // the resident example itself is a valid row (its ID keeps all 18 characters as text)
    let x = fetch(
        &app,
        &auth,
        "/api/v1/ledgers/residents/template?format=xlsx",
    )
    .await;
    let example = &read(&x.bytes).sheet.rows[0].cells;
    assert_eq!(example[1], "11010519491231002X");
    let city_admin = app.login("admin").await;
    let r = import(
        &app,
        &city_admin.auth(),
        "residents",
        "?dry_run=true",
        x.bytes,
    )
    .await
    .expect(200);
    assert_eq!(r["imported"], 1, "{r}");

    // unknown kind, unknown format, no session
    for path in [
        "/api/v1/ledgers/parcels/template?format=xlsx",
        "/api/v1/ledgers/parcels/template?format=csv",
    ] {
        app.get(&auth, path).await.problem(404);
    }
    import(&app, &auth, "parcels", "", b"a,b\n1,2\n".to_vec())
        .await
        .problem(404);
    let bad = app
        .get(&auth, "/api/v1/ledgers/residents/template?format=pdf")
        .await
        .problem(422);
    assert_eq!(bad["errors"][0]["field"], "format", "{bad}");
    app.get(&Auth::None, "/api/v1/ledgers/residents/template")
        .await
        .problem(401);
    app.cleanup().await;
}

// --- 2. A good residents CSV ----------------------------------------------------------

#[tokio::test]
async fn residents_csv_import_builds_households_with_their_heads_and_is_audited() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let names = [
            "甄甲", "甄乙", "甄丙", "甄丁", "甄戊", "甄己", "甄庚", "甄辛", "甄壬", "甄癸",
        ];
        let ids: Vec<String> = (0..10u16).map(|i| cid(100 + i)).collect();
        let rows: Vec<Vec<String>> = (0..10)
            .map(|i| {
                let (grid, household, relation) = if i < 5 {
                    (&a.grids[0], "A-1", if i == 2 { "户主" } else { "子女" })
                } else {
                    (&a.grids[1], "B-2", if i == 8 { "户主" } else { "配偶" })
                };
                let tags = if i == 0 {
                    "独居老人、低保户"
                } else {
                    ""
                };
                res(
                    names[i],
                    &ids[i],
                    grid,
                    &format!("1387700{:04}", 1000 + i),
                    household,
                    relation,
                    tags,
                )
            })
            .collect();
        let reply = import(
            &app,
            &auth,
            "residents",
            "?filename=台账.csv",
            csv(&RES, &rows),
        )
        .await;
        let r = reply.expect(200);
        assert_eq!(r["format"], "csv", "{}", app.label);
        assert_eq!(r["encoding"], "utf-8");
        assert_eq!(r["rows"], 10);
        assert_eq!(r["imported"], 10, "{}: {r}", app.label);
        assert_eq!(r["dry_run"], false);
        assert_eq!(r["rejected"], json!([]));
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_no_plain_ids(&reply.text, &id_refs, app.label);

        let found = search(&app, &auth, "甄").await;
        assert_eq!(found.len(), 10, "{}: {found:?}", app.label);
        let by_name: BTreeMap<&str, &Value> = found
            .iter()
            .map(|r| (r["name"].as_str().unwrap(), r))
            .collect();
        for (i, name) in names.iter().enumerate() {
            let r = by_name[name];
            let grid = if i < 5 { &a.grids[0] } else { &a.grids[1] };
            assert_eq!(r["grid_code"], grid.as_str(), "{name}");
            let id = &ids[i];
            assert_eq!(
                r["citizen_id"],
                format!("{}**********{}", &id[..4], &id[14..]),
                "{name}"
            );
            let sex = if (100 + i) % 2 == 1 { "male" } else { "female" };
            assert_eq!(r["sex"], sex, "{name}");
            assert_eq!(r["phone"], format!("138****{:04}", 1000 + i));
        }
        let tags: BTreeSet<&str> = by_name["甄甲"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["code"].as_str().unwrap())
            .collect();
        assert_eq!(tags, BTreeSet::from(["elderly_alone", "low_income"]));

        // two households: same 户号 = one household; the 户主 row is its head
        let household_of = |range: std::ops::Range<usize>| -> BTreeSet<i64> {
            range
                .map(|i| by_name[names[i]]["household_id"].as_i64().unwrap())
                .collect()
        };
        let (ha, hb) = (household_of(0..5), household_of(5..10));
        assert_eq!(ha.len(), 1, "{}: household A is one household", app.label);
        assert_eq!(hb.len(), 1, "{}: household B is one household", app.label);
        let (ha, hb) = (*ha.first().unwrap(), *hb.first().unwrap());
        assert_ne!(ha, hb);
        for (h, head, grid) in [(ha, "甄丙", &a.grids[0]), (hb, "甄壬", &a.grids[1])] {
            let v = app
                .get(&auth, &format!("/api/v1/households/{h}"))
                .await
                .expect(200);
            assert_eq!(
                v["head_resident_id"], by_name[head]["id"],
                "{}: {v}",
                app.label
            );
            assert_eq!(v["grid_code"], grid.as_str());
            assert_eq!(v["members"].as_array().unwrap().len(), 5);
        }

        // exact ID search finds the imported person by keyed hash
        let exact = app
            .post(
                &auth,
                "/api/v1/residents/search",
                &json!({"citizen_id": ids[3]}),
            )
            .await
            .expect(200);
        assert_eq!(exact["items"].as_array().unwrap().len(), 1);
        assert_eq!(exact["items"][0]["name"], "甄丁");

        let trail = audit(&app, "resident.import").await;
        assert_eq!(trail.len(), 1, "{}: {trail:?}", app.label);
        assert_eq!(trail[0]["actor"], admin.username);
        assert_eq!(trail[0]["after"]["imported"], 10);
        assert_no_plain_ids(&json!(trail).to_string(), &id_refs, app.label);
        app.cleanup().await;
    }
}

// --- 3. All or nothing ----------------------------------------------------------------

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_names_every_bad_row_unless_partial() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let g = &a.grids[0];
        let bad_check = with_bad_check(&cid(201));
        let bad_date = CitizenId::compose("450103", 19900230, 203);
        let rows = vec![
            res("甄甲", &cid(200), g, "13877002000", "", "", ""), // 2 good
            res("甄错校验", &bad_check, g, "", "", "", ""),       // 3 check digit
            res("甄乙", &cid(202), g, "", "", "", "高龄老人"),    // 4 good
            res("甄错日期", &bad_date, g, "", "", "", ""),        // 5 no 30 February
            res("甄丙", &cid(204), g, "", "", "", ""),            // 6 good
            res("甄重复", &cid(200), g, "", "", "", ""),          // 7 same ID as row 2
            res("甄丁", &cid(205), &a.grids[1], "", "", "", ""),  // 8 good
            res("甄外网", &cid(206), &a.other_grid, "", "", "", ""), // 9 other community
            res("甄坏号", &cid(207), g, "12345", "", "", ""),     // 10 bad phone
            res("甄戊", &cid(208), g, "", "", "", ""),            // 11 good
            res("甄怪签", &cid(209), g, "", "", "", "外星人"),    // 12 unknown tag
        ];
        let file = csv(&RES, &rows);
        let want = expected(&[
            (3, "身份证号"),
            (5, "身份证号"),
            (7, "身份证号"),
            (9, "网格代码"),
            (10, "手机号"),
            (12, "标签"),
        ]);
        let all_ids: Vec<String> = (200..=209u16)
            .map(cid)
            .chain([bad_check.clone(), bad_date.clone()])
            .collect();
        let id_refs: Vec<&str> = all_ids.iter().map(String::as_str).collect();

        let reply = import(&app, &auth, "residents", "?filename=bad.csv", file.clone()).await;
        let p = reply.problem(422);
        assert!(
            p["type"].as_str().unwrap().ends_with("ledger-import"),
            "{p}"
        );
        assert_eq!(complaints(&p["errors"]), want, "{}: {p}", app.label);
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| !e["reason"].as_str().unwrap().is_empty())
        );
        assert!(reason_at(&p["errors"], 5).contains("1990-02-30"), "{p}");
        assert!(
            reason_at(&p["errors"], 7).contains('2'),
            "the duplicate names the first row: {p}"
        );
        assert!(reason_at(&p["errors"], 9).contains(&a.other_grid), "{p}");
        assert!(p["detail"].as_str().unwrap().contains('6'), "{p}");
        assert_no_plain_ids(&reply.text, &id_refs, app.label);
        assert!(
            search(&app, &auth, "甄").await.is_empty(),
            "{}: nothing imported",
            app.label
        );
        assert!(audit(&app, "resident.import").await.is_empty());

        let reply = import(
            &app,
            &auth,
            "residents",
            "?filename=bad.csv&partial=true",
            file,
        )
        .await;
        let r = reply.expect(200);
        assert_eq!(r["rows"], 11);
        assert_eq!(r["imported"], 5, "{}: {r}", app.label);
        assert_eq!(complaints(&r["rejected"]), want);
        assert_no_plain_ids(&reply.text, &id_refs, app.label);
        let names: BTreeSet<String> = search(&app, &auth, "甄")
            .await
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        let good: BTreeSet<String> = ["甄甲", "甄乙", "甄丙", "甄丁", "甄戊"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(names, good, "{}", app.label);
        let trail = audit(&app, "resident.import").await;
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0]["after"]["rejected"], 6);
        app.cleanup().await;
    }
}

// --- 4. Already registered ------------------------------------------------------------

#[tokio::test]
async fn an_id_already_in_the_database_is_rejected() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let g = &a.grids[0];
        let existing = cid(300);
        app.post(
            &auth,
            "/api/v1/residents",
            &json!({"name": "甄先来", "citizen_id": existing, "grid_code": g}),
        )
        .await
        .expect(201);
        // an ID ending in X, written in lower case in the file
        let with_x = (301..400u16).map(cid).find(|id| id.ends_with('X')).unwrap();
        let rows = vec![
            res("甄后到", &existing, g, "", "", "", ""),
            res("甄新人", &cid(400), g, "", "", "", ""),
            res("甄小写", &with_x.to_lowercase(), g, "", "", "", ""),
        ];
        let file = csv(&RES, &rows);
        let reply = import(&app, &auth, "residents", "", file.clone()).await;
        let p = reply.problem(422);
        assert_eq!(
            complaints(&p["errors"]),
            expected(&[(2, "身份证号")]),
            "{}: {p}",
            app.label
        );
        let reason = reason_at(&p["errors"], 2);
        assert!(
            reason.contains("已登记") && reason.contains("already registered"),
            "{reason}"
        );
        assert_no_plain_ids(&reply.text, &[&existing, &with_x], app.label);
        assert_eq!(search(&app, &auth, "甄").await.len(), 1);

        let r = import(&app, &auth, "residents", "?partial=true", file.clone())
            .await
            .expect(200);
        assert_eq!(r["imported"], 2, "{r}");
        // the lower-case x was stored as the same number: a second import finds all three
        let r = import(&app, &auth, "residents", "?partial=true", file)
            .await
            .expect(200);
        assert_eq!(r["imported"], 0, "{r}");
        assert_eq!(
            complaints(&r["rejected"]),
            expected(&[(2, "身份证号"), (3, "身份证号"), (4, "身份证号")]),
            "{}: {r}",
            app.label
        );
        let dup = app
            .post(
                &auth,
                "/api/v1/residents",
                &json!({"name": "甄三到", "citizen_id": with_x, "grid_code": g}),
            )
            .await;
        dup.problem(409);
        assert_eq!(search(&app, &auth, "甄").await.len(), 3);
        app.cleanup().await;
    }
}

// --- 5. GBK ---------------------------------------------------------------------------

/// GBK bytes of the few characters the GBK file uses.
fn gbk(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for ch in text.chars() {
        let bytes: &[u8] = match ch {
            '姓' => &[0xD0, 0xD5],
            '名' => &[0xC3, 0xFB],
            '身' => &[0xC9, 0xED],
            '份' => &[0xB7, 0xDD],
            '证' => &[0xD6, 0xA4],
            '号' => &[0xBA, 0xC5],
            '网' => &[0xCD, 0xF8],
            '格' => &[0xB8, 0xF1],
            '代' => &[0xB4, 0xFA],
            '码' => &[0xC2, 0xEB],
            '地' => &[0xB5, 0xD8],
            '址' => &[0xD6, 0xB7],
            '王' => &[0xCD, 0xF5],
            '张' => &[0xD5, 0xC5],
            '李' => &[0xC0, 0xEE],
            '芳' => &[0xB7, 0xBC],
            '伟' => &[0xCE, 0xB0],
            '丽' => &[0xC0, 0xF6],
            c if c.is_ascii() => {
                out.push(c as u8);
                continue;
            }
            c => panic!("no GBK bytes for {c}"),
        };
        out.extend_from_slice(bytes);
    }
    out
}

#[tokio::test]
async fn a_gbk_csv_is_read_as_gb18030_and_names_arrive_intact() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let g = &a.grids[0];
        let text = format!(
            "姓名,身份证号,网格代码,地址\r\n王芳,{},{g},No. 9\r\n张伟,{},{g},No. 9\r\n李丽,{},{g},No. 9\r\n王伟,{},{g},No. 9\r\n",
            cid(500),
            cid(501),
            cid(502),
            with_bad_check(&cid(503)),
        );
        let bytes = gbk(&text);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the file is not UTF-8"
        );
        // the bytes are what the test means them to be
        let sheet = read(&bytes);
        assert_eq!(sheet.encoding, Some(Encoding::Gb18030));
        assert_eq!(
            sheet.sheet.headers,
            ["姓名", "身份证号", "网格代码", "地址"]
        );
        assert_eq!(sheet.sheet.rows[0].cells[0], "王芳");

        let r = import(
            &app,
            &auth,
            "residents",
            "?filename=gbk.csv&partial=true",
            bytes,
        )
        .await
        .expect(200);
        assert_eq!(r["encoding"], "gb18030", "{}: {r}", app.label);
        assert_eq!(r["format"], "csv");
        assert_eq!(r["imported"], 3, "{r}");
        // the column name in the report is decoded too
        assert_eq!(complaints(&r["rejected"]), expected(&[(5, "身份证号")]));
        for name in ["王芳", "张伟", "李丽"] {
            let found = search(&app, &auth, name).await;
            assert_eq!(found.len(), 1, "{}: {name}", app.label);
            assert_eq!(found[0]["name"], name);
            assert_eq!(found[0]["grid_code"], g.as_str());
        }
        assert!(search(&app, &auth, "王伟").await.is_empty());
        app.cleanup().await;
    }
}

// --- 6. XLSX --------------------------------------------------------------------------

#[tokio::test]
async fn xlsx_import_keeps_text_ids_and_refuses_ids_excel_made_numeric() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let g = &a.grids[1];
        let ids: Vec<String> = (600..604u16).map(cid).collect();
        let rows: Vec<Vec<String>> = ids
            .iter()
            .zip(["甄春", "甄夏", "甄秋", "甄冬"])
            .map(|(id, name)| res(name, id, g, "0771-5551234", "C-3", "", "退役军人"))
            .collect();
        let bytes = tongxin_sheets::write_xlsx("居民", &RES, &rows).unwrap();
        let r = import(&app, &auth, "residents", "?filename=居民台账.xlsx", bytes)
            .await
            .expect(200);
        assert_eq!(r["format"], "xlsx", "{r}");
        assert!(r["encoding"].is_null(), "{r}");
        assert_eq!(r["imported"], 4, "{}: {r}", app.label);
        let found = search(&app, &auth, "甄").await;
        assert_eq!(found.len(), 4);
        assert!(found.iter().all(|f| f["grid_code"] == g.as_str()
            && f["tags"][0]["code"] == "veteran"
            && f["household_id"] == found[0]["household_id"]));

        // an ID typed into a number cell: Excel keeps 15 digits, so it cannot be real
        let numeric = cid(610);
        let text_id = cid(611);
        let header: Vec<Cell> = ["姓名", "身份证号", "网格代码", "地址"]
            .into_iter()
            .map(Cell::Text)
            .collect();
        let file = handmade_xlsx(&[
            header,
            vec![
                Cell::Text("甄数字"),
                Cell::Number(&numeric),
                Cell::Text(g),
                Cell::Text("No. 1"),
            ],
            vec![
                Cell::Text("甄文本"),
                Cell::Text(&text_id),
                Cell::Text(g),
                Cell::Text("No. 1"),
            ],
        ]);
        let sheet = read(&file);
        assert_eq!(sheet.format, Format::Xlsx);
        assert_ne!(
            sheet.sheet.rows[0].cells[1], numeric,
            "the number lost digits"
        );
        let reply = import(
            &app,
            &auth,
            "residents",
            "?filename=numeric.xlsx",
            file.clone(),
        )
        .await;
        let p = reply.problem(422);
        assert_eq!(
            complaints(&p["errors"]),
            expected(&[(2, "身份证号")]),
            "{}: {p}",
            app.label
        );
        assert_no_plain_ids(&reply.text, &[&numeric, &text_id], app.label);
        let r = import(
            &app,
            &auth,
            "residents",
            "?filename=numeric.xlsx&partial=true",
            file,
        )
        .await
        .expect(200);
        assert_eq!(r["imported"], 1);
        assert_eq!(search(&app, &auth, "甄文本").await.len(), 1);
        assert!(search(&app, &auth, "甄数字").await.is_empty());
        app.cleanup().await;
    }
}

// --- 7. Files that are not ledgers ----------------------------------------------------

#[tokio::test]
async fn wrong_headers_empty_and_garbage_files_are_refused_with_a_precise_reason() {
    let app = sqlite_app().await;
    let a = area(&app);
    let admin = app.login(&format!("c{}", a.community)).await;
    let auth = admin.auth();
    let g = &a.grids[0];
    let detail = |p: &Value| p["detail"].as_str().unwrap().to_string();

    // a required column missing
    let file = format!("姓名,网格代码,地址\n甄无号,{g},No. 1\n").into_bytes();
    let p = import(&app, &auth, "residents", "", file)
        .await
        .problem(422);
    assert!(
        detail(&p).contains("缺少必填列") && detail(&p).contains("身份证号"),
        "{p}"
    );
    assert!(detail(&p).contains("citizen_id") || detail(&p).contains("身份证号"));

    // an unknown column is named too
    let file = format!(
        "姓名,身份证号,网格代码,地址,备注\n甄多列,{},{g},No. 1,x\n",
        cid(700)
    )
    .into_bytes();
    let p = import(&app, &auth, "residents", "", file)
        .await
        .problem(422);
    assert!(detail(&p).contains("备注"), "{p}");

    // nothing at all, or only blank lines
    for empty in [Vec::new(), b"\xEF\xBB\xBF".to_vec(), b"\n\n  \n".to_vec()] {
        let p = import(&app, &auth, "residents", "", empty)
            .await
            .problem(422);
        assert!(
            detail(&p).contains("空") && detail(&p).contains("empty"),
            "{p}"
        );
    }

    // binary garbage: a PNG header; the first NUL is byte 8
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00".to_vec();
    let p = import(&app, &auth, "residents", "?filename=photo.png", png)
        .await
        .problem(422);
    assert!(
        detail(&p).contains("第 8 字节") && detail(&p).contains("GBK"),
        "{p}"
    );

    // a damaged XLSX (ZIP magic, then nothing sensible)
    let p = import(
        &app,
        &auth,
        "residents",
        "?filename=x.xlsx",
        b"PK\x03\x04garbage garbage".to_vec(),
    )
    .await
    .problem(422);
    assert!(detail(&p).contains("XLSX"), "{p}");

    // a legacy .xls
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.extend_from_slice(&[0u8; 64]);
    let p = import(&app, &auth, "residents", "?filename=old.xls", xls)
        .await
        .problem(422);
    assert!(detail(&p).contains(".xls"), "{p}");

    // a CSV renamed to .xlsx
    let file = format!(
        "姓名,身份证号,网格代码,地址\n甄改名,{},{g},No. 1\n",
        cid(701)
    )
    .into_bytes();
    let p = import(&app, &auth, "residents", "?filename=renamed.xlsx", file)
        .await
        .problem(422);
    assert!(detail(&p).contains("renamed.xlsx"), "{p}");

    // a cell beyond the header
    let file = format!(
        "姓名,身份证号,网格代码,地址\n甄越界,{},{g},No. 1,extra\n",
        cid(702)
    )
    .into_bytes();
    let p = import(&app, &auth, "residents", "", file)
        .await
        .problem(422);
    assert!(detail(&p).contains("第 2 行"), "{p}");

    // the other importers check their headers as well
    for kind in ["buildings", "organisations"] {
        let p = import(&app, &auth, kind, "", "名称\nx\n".as_bytes().to_vec())
            .await
            .problem(422);
        assert!(detail(&p).contains("缺少必填列"), "{kind}: {p}");
    }

    assert!(search(&app, &auth, "甄").await.is_empty());
    assert!(audit(&app, "resident.import").await.is_empty());
    app.cleanup().await;
}

// --- 8. Dry run -----------------------------------------------------------------------

#[tokio::test]
async fn a_dry_run_reports_but_writes_nothing() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let g = &a.grids[0];
        let rows: Vec<Vec<String>> = (0..3u16)
            .map(|i| {
                res(
                    &format!("甄试{}", ["一", "二", "三"][i as usize]),
                    &cid(800 + i),
                    g,
                    "",
                    "D-4",
                    "",
                    "",
                )
            })
            .collect();
        let file = csv(&RES, &rows);
        let audits_before = app.audit_count().await;
        let r = import(&app, &auth, "residents", "?dry_run=true", file.clone())
            .await
            .expect(200);
        assert_eq!(r["dry_run"], true);
        assert_eq!(r["imported"], 3, "{}: {r}", app.label);
        assert!(
            search(&app, &auth, "甄试").await.is_empty(),
            "{}",
            app.label
        );
        assert_eq!(
            app.audit_count().await,
            audits_before,
            "a dry run leaves no trace"
        );

        // a dry run of a bad file is refused like the real thing
        let mut bad = rows.clone();
        bad.push(res("甄试四", &with_bad_check(&cid(803)), g, "", "", "", ""));
        let p = import(&app, &auth, "residents", "?dry_run=true", csv(&RES, &bad))
            .await
            .problem(422);
        assert_eq!(complaints(&p["errors"]), expected(&[(5, "身份证号")]));
        let r = import(
            &app,
            &auth,
            "residents",
            "?dry_run=true&partial=true",
            csv(&RES, &bad),
        )
        .await
        .expect(200);
        assert_eq!(r["imported"], 3);
        assert!(search(&app, &auth, "甄试").await.is_empty());

        // …and the real import afterwards finds nothing left behind
        let r = import(&app, &auth, "residents", "", file).await.expect(200);
        assert_eq!(r["dry_run"], false);
        assert_eq!(r["imported"], 3, "{}: {r}", app.label);
        assert_eq!(search(&app, &auth, "甄试").await.len(), 3);
        app.cleanup().await;
    }
}

// --- 9. Buildings ---------------------------------------------------------------------

const BUILDINGS: [&str; 6] = ["社区代码", "名称", "经度", "纬度", "层数", "户数"];

fn building(
    community: &str,
    name: &str,
    lon: f64,
    lat: f64,
    floors: &str,
    households: &str,
) -> Vec<String> {
    vec![
        community.into(),
        name.into(),
        lon.to_string(),
        lat.to_string(),
        floors.into(),
        households.into(),
    ]
}

async fn buildings_named(app: &App, auth: &Auth, within: &str, prefix: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                auth,
                &format!("/api/v1/buildings?within={within}&limit=1000{cursor}"),
            )
            .await
            .expect(200);
        out.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["name"].as_str().unwrap().starts_with(prefix))
                .cloned(),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

#[tokio::test]
async fn buildings_import_places_each_building_in_its_grid() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let [lon, lat] = interior_point(&app.grid_ring(&a.grids[1]));
        let [olon, olat] = interior_point(&app.grid_ring(&a.other_grid));
        let rows = vec![
            building(&a.community, "台账楼甲", lon, lat, "12", "48"), // 2 good
            building(&a.community, "台账楼乙", olon, olat, "6", "24"), // 3 another community's grid
            building(&a.community, "台账楼丙", 100.0, 30.0, "6", "24"), // 4 no grid at all
            building(&a.other_community, "台账楼丁", olon, olat, "6", "24"), // 5 outside one's reach
            building(&a.community, "台账楼戊", lon, lat, "很多", "24"), // 6 floors not a number
            building(&a.community, "台账楼己", lon, lat, "300", "24"),  // 7 floors out of range
        ];
        let file = csv(&BUILDINGS, &rows);
        let want = expected(&[
            (3, "经度"),
            (4, "经度"),
            (5, "社区代码"),
            (6, "层数"),
            (7, "层数"),
        ]);
        let p = import(&app, &auth, "buildings", "?filename=楼栋.csv", file.clone())
            .await
            .problem(422);
        assert_eq!(complaints(&p["errors"]), want, "{}: {p}", app.label);
        for line in [3, 4] {
            let reason = reason_at(&p["errors"], line);
            assert!(
                reason.contains("网格") && reason.contains("grid"),
                "{reason}"
            );
        }
        assert!(
            buildings_named(&app, &auth, &a.community, "台账楼")
                .await
                .is_empty()
        );

        let r = import(&app, &auth, "buildings", "?partial=true", file)
            .await
            .expect(200);
        assert_eq!(r["imported"], 1, "{}: {r}", app.label);
        assert_eq!(complaints(&r["rejected"]), want);
        let made = buildings_named(&app, &auth, &a.community, "台账楼").await;
        assert_eq!(made.len(), 1, "{made:?}");
        assert_eq!(made[0]["name"], "台账楼甲");
        assert_eq!(made[0]["grid_code"], a.grids[1].as_str(), "{}", app.label);
        assert_eq!(made[0]["community_code"], a.community.as_str());
        assert_eq!(made[0]["floors"], 12);
        assert_eq!(made[0]["households"], 48);
        let trail = audit(&app, "building.import").await;
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0]["node_code"], a.grids[1].as_str());

        // an imported building takes residents: the grid must match
        let bid = made[0]["id"].as_i64().unwrap();
        let mut headers = RES.to_vec();
        headers.push("楼栋编号");
        let mut good = res("甄楼住", &cid(900), &a.grids[1], "", "", "", "");
        good.push(bid.to_string());
        let mut wrong = res("甄错楼", &cid(901), &a.grids[0], "", "", "", "");
        wrong.push(bid.to_string());
        let r = import(
            &app,
            &auth,
            "residents",
            "?partial=true",
            csv(&headers, &[good, wrong]),
        )
        .await
        .expect(200);
        assert_eq!(r["imported"], 1, "{r}");
        assert_eq!(complaints(&r["rejected"]), expected(&[(3, "楼栋编号")]));
        let found = search(&app, &auth, "甄楼住").await;
        assert_eq!(found[0]["building_id"], bid);
        app.cleanup().await;
    }
}

// --- 10. Organisations ----------------------------------------------------------------

async fn organisations_named(app: &App, auth: &Auth, within: &str, name: &str) -> Vec<Value> {
    app.get(
        auth,
        &format!("/api/v1/organisations?within={within}&name={name}&limit=1000"),
    )
    .await
    .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

const ORGS: [&str; 8] = [
    "名称",
    "类型",
    "社区代码",
    "经度",
    "纬度",
    "联系人",
    "联系电话",
    "双报到",
];

#[tokio::test]
async fn organisations_import_checks_kind_phone_and_registration() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let auth = admin.auth();
        let [lon, lat] = interior_point(&app.grid_ring(&a.grids[0]));
        let org = |name: &str, kind: &str, phone: &str, registered: &str| -> Vec<String> {
            vec![
                name.into(),
                kind.into(),
                a.community.clone(),
                lon.to_string(),
                lat.to_string(),
                "陈经理".into(),
                phone.into(),
                registered.into(),
            ]
        };
        let rows = vec![
            org("台账物业公司", "物业公司", "13600001111", "是"), // 2 good
            org("台账外星公司", "外星公司", "13600001112", "否"), // 3 kind
            org("台账坏号公司", "企业", "12345", "否"),           // 4 phone
            org("台账犹豫公司", "企业", "13600001113", "也许"),   // 5 registered
        ];
        let file = csv(&ORGS, &rows);
        let want = expected(&[(3, "类型"), (4, "联系电话"), (5, "双报到")]);
        let reply = import(&app, &auth, "organisations", "", file.clone()).await;
        let p = reply.problem(422);
        assert_eq!(complaints(&p["errors"]), want, "{}: {p}", app.label);
        assert!(!reply.text.contains("13600001111"));
        assert!(
            organisations_named(&app, &auth, &a.community, "台账")
                .await
                .is_empty(),
            "{}: nothing imported",
            app.label
        );

        let r = import(&app, &auth, "organisations", "?partial=true", file)
            .await
            .expect(200);
        assert_eq!(r["imported"], 1, "{r}");
        assert_eq!(complaints(&r["rejected"]), want);
        let made = organisations_named(&app, &auth, &a.community, "台账").await;
        assert_eq!(made.len(), 1, "{made:?}");
        let o = &made[0];
        assert_eq!(o["name"], "台账物业公司");
        assert_eq!(o["kind"], "property_company");
        assert_eq!(o["registered"], true);
        assert_eq!(o["grid_code"], a.grids[0].as_str());
        assert_eq!(o["contact_name"], "陈经理");
        assert_eq!(o["contact_phone"], "136****1111");
        assert_eq!(audit(&app, "organisation.import").await.len(), 1);
        app.cleanup().await;
    }
}

// --- 11. Export -----------------------------------------------------------------------

#[tokio::test]
async fn exports_are_masked_unless_revealing_is_allowed_and_masked_files_do_not_reimport() {
    for app in apps().await {
        let a = area(&app);
        let admin = app.login(&format!("c{}", a.community)).await;
        let (g0, g1) = (&a.grids[0], &a.grids[1]);
        let names = ["甄东", "甄南", "甄西", "甄北", "甄左", "甄右"];
        let ids: Vec<String> = (950..956u16).map(cid).collect();
        let rows: Vec<Vec<String>> = (0..6)
            .map(|i| {
                let grid = if i < 4 { g0 } else { g1 };
                res(
                    names[i],
                    &ids[i],
                    grid,
                    &format!("1397700{:04}", 2000 + i),
                    "",
                    "",
                    "",
                )
            })
            .collect();
        import(&app, &admin.auth(), "residents", "", csv(&RES, &rows))
            .await
            .expect(200);
        let in_g0: BTreeSet<String> = ids[..4].iter().cloned().collect();

        // the grid worker's masked export: its own grid only
        let worker = app.login(&format!("g{g0}-1")).await;
        let masked = fetch(
            &app,
            &worker.auth(),
            "/api/v1/ledgers/residents/export?format=xlsx",
        )
        .await;
        assert_eq!(
            masked.status,
            200,
            "{}",
            String::from_utf8_lossy(&masked.bytes)
        );
        assert!(masked.content_type.contains("spreadsheetml"));
        assert!(
            masked.disposition.contains("residents.xlsx"),
            "{}",
            masked.disposition
        );
        let sheet = read(&masked.bytes).sheet;
        assert_eq!(sheet.headers[0], "姓名");
        assert_eq!(sheet.headers[1], "身份证号");
        assert_eq!(sheet.rows.len(), 4, "{}: {:?}", app.label, sheet.rows);
        let mut shown_names = BTreeSet::new();
        for row in &sheet.rows {
            let id = &row.cells[1];
            assert!(id.contains("**********"), "{}: {id}", app.label);
            assert!(!ids.contains(id));
            assert!(
                row.cells[3].contains("****"),
                "phone masked: {}",
                row.cells[3]
            );
            assert_eq!(row.cells[2], g0.as_str());
            shown_names.insert(row.cells[0].clone());
        }
        assert_eq!(
            shown_names,
            names[..4].iter().map(|s| s.to_string()).collect()
        );

        // unmasked: plain numbers, and the trail says so
        let plain = fetch(
            &app,
            &worker.auth(),
            &format!("/api/v1/ledgers/residents/export?format=xlsx&unmasked=true&within={g0}"),
        )
        .await;
        assert_eq!(plain.status, 200);
        let plain_sheet = read(&plain.bytes).sheet;
        let plain_ids: BTreeSet<String> = plain_sheet
            .rows
            .iter()
            .map(|r| r.cells[1].clone())
            .collect();
        assert_eq!(plain_ids, in_g0, "{}", app.label);
        assert!(
            plain_sheet
                .rows
                .iter()
                .all(|r| r.cells[3].starts_with("1397700"))
        );
        let trail = audit(&app, "resident.export_unmasked").await;
        assert_eq!(trail.len(), 1, "{}: {trail:?}", app.label);
        assert_eq!(trail[0]["actor"], worker.username);
        assert_eq!(trail[0]["node_code"], g0.as_str());
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_no_plain_ids(&json!(trail).to_string(), &id_refs, app.label);
        assert_eq!(
            audit(&app, "resident.export").await.len(),
            1,
            "the masked export is audited too"
        );

        // another grid's ledger is not the worker's to export
        let other = fetch(
            &app,
            &worker.auth(),
            &format!("/api/v1/ledgers/residents/export?within={g1}"),
        )
        .await;
        assert!(matches!(other.status, 403 | 404), "{}", other.status);

        // a district admin may view, masked, but never export plain numbers
        let district = app.login(&format!("d{}", a.district)).await;
        for path in [
            "/api/v1/ledgers/residents/export?unmasked=true".to_string(),
            format!("/api/v1/ledgers/residents/export?unmasked=true&within={g0}"),
            "/api/v1/ledgers/residents/export?unmasked=true&format=csv".to_string(),
        ] {
            app.get(&district.auth(), &path).await.problem(403);
        }
        assert_eq!(audit(&app, "resident.export_unmasked").await.len(), 1);
        let d = fetch(
            &app,
            &district.auth(),
            "/api/v1/ledgers/residents/export?format=csv",
        )
        .await;
        assert_eq!(d.status, 200);
        assert!(d.content_type.starts_with("text/csv"));
        let text = String::from_utf8(d.bytes.clone()).unwrap();
        assert_no_plain_ids(&text, &id_refs, app.label);
        assert_no_plain_ids(&text, &["13977002000", "13977002005"], app.label);
        let d_sheet = read(&d.bytes).sheet;
        assert_eq!(d_sheet.rows.len(), 6, "{}", app.label);
        app.get(
            &district.auth(),
            "/api/v1/ledgers/residents/export?format=pdf",
        )
        .await
        .problem(422);

        // a masked export cannot be imported back as if it were real
        let reply = import(
            &app,
            &admin.auth(),
            "residents",
            "?filename=residents.xlsx",
            masked.bytes.clone(),
        )
        .await;
        let p = reply.problem(422);
        let bad_lines: BTreeSet<u64> = complaints(&p["errors"])
            .into_iter()
            .filter(|(_, f)| f == "身份证号")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(bad_lines, (2..=5).collect(), "{}: {p}", app.label);
        let r = import(
            &app,
            &admin.auth(),
            "residents",
            "?partial=true",
            masked.bytes,
        )
        .await
        .expect(200);
        assert_eq!(r["imported"], 0, "{r}");
        let r = import(&app, &admin.auth(), "residents", "?partial=true", d.bytes)
            .await
            .expect(200);
        assert_eq!(r["imported"], 0, "{r}");
        assert_eq!(search(&app, &admin.auth(), "甄").await.len(), 6);
        app.cleanup().await;
    }
}

// --- Bugs -----------------------------------------------------------------------------

/// `field` is the column header as written in the file, for every complaint — also for a
/// row that has neither building nor address.
#[tokio::test]
async fn a_missing_address_is_reported_under_the_file_column_name() {
    let app = sqlite_app().await;
    let a = area(&app);
    let admin = app.login(&format!("c{}", a.community)).await;
    let mut row = res("甄无址", &cid(940), &a.grids[0], "", "", "", "");
    row[6] = String::new();
    let r = import(
        &app,
        &admin.auth(),
        "residents",
        "?partial=true",
        csv(&RES, &[row]),
    )
    .await
    .expect(200);
    assert_eq!(r["imported"], 0);
    assert_eq!(
        complaints(&r["rejected"]),
        expected(&[(2, "地址")]),
        "the column is headed 地址 in the file: {r}"
    );
    app.cleanup().await;
}

/// A bad 户数 (households) cell is blamed on the 层数 (floors) column.
#[tokio::test]
async fn building_import_names_the_households_column_for_a_bad_households_cell() {
    let app = sqlite_app().await;
    let a = area(&app);
    let admin = app.login(&format!("c{}", a.community)).await;
    let [lon, lat] = interior_point(&app.grid_ring(&a.grids[0]));
    let rows = vec![building(&a.community, "台账楼户", lon, lat, "6", "很多")];
    let p = import(&app, &admin.auth(), "buildings", "", csv(&BUILDINGS, &rows))
        .await
        .problem(422);
    assert_eq!(complaints(&p["errors"]), expected(&[(2, "户数")]), "{p}");
    app.cleanup().await;
}

const BUILDINGS_WITH_COMPOUND: [&str; 7] = [
    "社区代码",
    "名称",
    "经度",
    "纬度",
    "层数",
    "户数",
    "小区编号",
];

async fn compound_of(app: &App, auth: &Auth, community: &str) -> i64 {
    let page = app
        .get(
            auth,
            &format!("/api/v1/compounds?within={community}&limit=1000"),
        )
        .await
        .expect(200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["community_code"] == community)
        .unwrap_or_else(|| panic!("no compound in {community}: {page}"))["id"]
        .as_i64()
        .unwrap()
}

/// POST /api/v1/buildings refuses a compound of another community; the import takes it.
#[tokio::test]
async fn building_import_refuses_a_compound_of_another_community() {
    let app = sqlite_app().await;
    let a = area(&app);
    let admin = app.login(&format!("c{}", a.community)).await;
    let city = app.login("admin").await;
    let foreign = compound_of(&app, &city.auth(), &a.other_community).await;
    let [lon, lat] = interior_point(&app.grid_ring(&a.grids[0]));
    let api = app
        .post(
            &admin.auth(),
            "/api/v1/buildings",
            &json!({"community_code": a.community, "compound_id": foreign, "name": "接口楼", "lon": lon, "lat": lat, "floors": 6, "households": 24}),
        )
        .await
        .problem(422);
    assert_eq!(api["errors"][0]["field"], "compound_id", "{api}");

    let mut row = building(&a.community, "台账楼跨区", lon, lat, "6", "24");
    row.push(foreign.to_string());
    let reply = import(
        &app,
        &admin.auth(),
        "buildings",
        "",
        csv(&BUILDINGS_WITH_COMPOUND, &[row]),
    )
    .await;
    assert_eq!(
        reply.status, 422,
        "the import should refuse the compound too: {}",
        reply.text
    );
    assert_eq!(
        complaints(&reply.json()["errors"]),
        expected(&[(2, "小区编号")])
    );
    app.cleanup().await;
}

/// An unknown compound fails the whole file with a bare 409 instead of naming the row.
#[tokio::test]
async fn building_import_reports_an_unknown_compound_as_a_row() {
    let app = sqlite_app().await;
    let a = area(&app);
    let admin = app.login(&format!("c{}", a.community)).await;
    let [lon, lat] = interior_point(&app.grid_ring(&a.grids[0]));
    let mut good = building(&a.community, "台账楼好", lon, lat, "6", "24");
    good.push(String::new());
    let mut unknown = building(&a.community, "台账楼无小区", lon, lat, "6", "24");
    unknown.push("987654".into());
    let reply = import(
        &app,
        &admin.auth(),
        "buildings",
        "?partial=true",
        csv(&BUILDINGS_WITH_COMPOUND, &[good, unknown]),
    )
    .await;
    assert_eq!(
        reply.status, 200,
        "partial import should keep the good row: {}",
        reply.text
    );
    let r = reply.json();
    assert_eq!(r["imported"], 1, "{r}");
    assert_eq!(complaints(&r["rejected"]), expected(&[(3, "小区编号")]));
    app.cleanup().await;
}
