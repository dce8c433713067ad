//! Each role in a real browser, at phone and desk size (issue 15, points 3 and 6–9): the
//! indicator exports as every role, opened with a real XLSX reader; the case page offers each
//! role only its own steps and the dispatch list only the case's district's departments; a
//! hand-over reaches its next actor on the notifications page; Chinese pages show no raw
//! codes, name people, and the language switch keeps the case; a password changed on
//! /account, a case found by its number, and a resident rating from 我的上报.

use super::*;
use base64::Engine;
use std::collections::HashMap;
use tongxin_core::cases::calendar::LocalDate;
use tongxin_core::cases::indicators::china_day;

const DAY_MS: i64 = 86_400_000;

/// Codes only a program should see, as whole words, and the English a Chinese page must not
/// show ("Open cases" beside 未结案件, a warning's "overdue").
const RAW_CODES: &str = r"\b(accepted|in_progress|next_working_day|report|reported|file|filed|dispatched|handled|closed|cancelled|merged|satisfied|basic|dissatisfied|Open cases|overdue)\b";

fn display_name(app: &App, username: &str) -> String {
    app.city
        .accounts
        .iter()
        .find(|a| a.username == username)
        .map(|a| a.display_name.clone())
        .unwrap_or_else(|| panic!("no demo account {username}"))
}

/// The name of a division or grid of the demo city.
fn territory_name(app: &App, code: &str) -> String {
    app.city
        .divisions
        .iter()
        .map(|d| (&d.code, &d.name))
        .chain(app.city.grids.iter().map(|g| (&g.code, &g.name)))
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| panic!("no territory {code}"))
}

async fn report_case(app: &App, who: &Session, grid: &str, text: &str) -> i64 {
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    app.post(
        &who.auth(),
        "/api/v1/cases",
        &json!({"category": category, "description": text, "grid_code": grid}),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

/// An API session signed in with `password`.
async fn login_with(app: &App, username: &str, password: &str) -> Session {
    let r = app.login_reply(username, password).await;
    let body = r.expect(200);
    let set_cookie = r.header("set-cookie").unwrap_or_default().to_string();
    Session {
        user_id: body["user_id"].as_i64().unwrap(),
        username: username.into(),
        cookie: set_cookie
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        csrf: body["csrf_token"].as_str().unwrap_or_default().to_string(),
        set_cookie,
    }
}

async fn step(app: &App, who: &Session, id: i64, body: Value) {
    app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
        .await
        .expect(200);
}

/// The strings a script returns (an array of strings).
async fn strings(c: &Client, script: &str) -> Vec<String> {
    c.execute(script, vec![])
        .await
        .unwrap()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The steps the case page offers: the `action` of each form in its actions panel.
async fn offered(c: &Client) -> Vec<String> {
    strings(
        c,
        "return Array.from(document.querySelectorAll('.actions form input[name=action]')).map(i => i.value);",
    )
    .await
}

/// The titles of the steps the case page offers, as the reader sees them.
async fn offered_names(c: &Client) -> Vec<String> {
    strings(
        c,
        "return Array.from(document.querySelectorAll('.actions details > summary')).map(s => s.textContent.trim());",
    )
    .await
}

async fn visible_text(c: &Client) -> String {
    c.execute("return document.body.innerText;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The raw codes in the page's visible text.
async fn raw_codes(c: &Client) -> Vec<String> {
    c.execute(
        "return document.body.innerText.match(new RegExp(arguments[0], 'g')) || [];",
        vec![json!(RAW_CODES)],
    )
    .await
    .unwrap()
    .as_array()
    .cloned()
    .unwrap_or_default()
    .iter()
    .filter_map(|v| v.as_str().map(str::to_string))
    .collect()
}

/// Signs in through the login form with `password`; where the browser lands (the form again,
/// with `error=`, when the password is refused).
async fn sign_in_with(c: &Client, app: &App, username: &str, password: &str) -> Here {
    c.goto(&app.url("/login")).await.unwrap();
    c.delete_all_cookies().await.unwrap();
    c.goto(&app.url("/login")).await.unwrap();
    c.wait()
        .for_element(css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    c.find(css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(c, &format!("{username} signing in"), |u| {
        u.path != "/login" || u.query.contains("error=")
    })
    .await
}

/// What a GET from inside the page returns: status, content type, content disposition and
/// the body's bytes.
async fn download(c: &Client, href: &str) -> (u16, String, String, Vec<u8>) {
    let v = c
        .execute(
            "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.arrayBuffer().then(b => { \
               const u = new Uint8Array(b); let s = ''; \
               for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000)); \
               return [r.status, r.headers.get('content-type') || '', r.headers.get('content-disposition') || '', btoa(s)]; }));",
            vec![json!(href)],
        )
        .await
        .unwrap_or_else(|e| panic!("fetch {href} in the page: {e}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v[3].as_str().unwrap_or_default())
        .unwrap();
    (
        v[0].as_u64().unwrap_or_default() as u16,
        v[1].as_str().unwrap_or_default().to_string(),
        v[2].as_str().unwrap_or_default().to_string(),
        bytes,
    )
}

/// The export links on the indicators page: (text, href).
async fn export_links(c: &Client) -> Vec<(String, String)> {
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll('main a[href^=\"/indicators/export\"]'))\
               .map(a => [a.textContent.trim(), a.getAttribute('href')]);",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_string(),
                p[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn query_of(app: &App, href: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&app.url(href))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn day_of(ms: i64) -> String {
    LocalDate::from_day_number(china_day(ms)).to_string()
}

/// The figure under `label` in the page's summary table.
async fn summary_figure(c: &Client, label: &str) -> f64 {
    let v = c
        .execute(
            "const rows = Array.from(document.querySelectorAll('#indicator-summary tr')); \
             for (let i = 0; i + 1 < rows.length; i += 2) { \
               const ths = Array.from(rows[i].children).map(t => t.textContent.trim()); \
               const at = ths.indexOf(arguments[0]); \
               if (at >= 0) return rows[i + 1].children[at].textContent.trim(); } return null;",
            vec![json!(label)],
        )
        .await
        .unwrap();
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no {label} on the indicators page: {v}"))
}

/// Opens an export with calamine and checks it: numbers are numbers, codes stay text, and the
/// notes sheet names the territory and the period. Returns the workbook's figures sheet.
fn open_export(
    what: &str,
    bytes: Vec<u8>,
    territory: Option<(&str, &str)>,
    from: i64,
    to: i64,
) -> calamine::Range<calamine::Data> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .unwrap_or_else(|e| panic!("{what}: not an XLSX workbook: {e}"));
    let names = book.sheet_names();
    assert!(
        names.iter().any(|n| n == "说明"),
        "{what}: sheets {names:?}"
    );
    let figures = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<&Data> = figures.rows().skip(1).flat_map(|r| r.iter()).collect();
    let numbers = cells
        .iter()
        .filter(|c| matches!(c, Data::Float(_) | Data::Int(_)))
        .count();
    let numbers_as_text: Vec<String> = cells
        .iter()
        .filter_map(|c| match c {
            Data::String(t)
                if t.trim_end_matches('%').parse::<f64>().is_ok()
                    && t.len() < 12
                    // a code with a leading zero ("0101") is text on purpose
                    && !(t.starts_with('0') && t.as_bytes().get(1).is_some_and(u8::is_ascii_digit)) =>
            {
                Some(t.clone())
            }
            _ => None,
        })
        .collect();
    assert!(numbers > 0, "{what}: no figure is a number");
    assert!(
        numbers_as_text.is_empty(),
        "{what}: numbers stored as text: {numbers_as_text:?}"
    );
    let notes: String = book
        .worksheet_range("说明")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<String>() + "\n")
        .collect();
    let period = format!("{} 至 {}", day_of(from), day_of(to - 1));
    assert!(
        notes.contains(&period),
        "{what}: the notes give the period {period}: {notes}"
    );
    let territory_line = notes
        .lines()
        .find(|l| l.starts_with("辖区"))
        .unwrap_or_else(|| panic!("{what}: the notes name no territory: {notes}"));
    match territory {
        Some((code, name)) => assert!(
            territory_line.contains(code) && territory_line.contains(name),
            "{what}: the notes name {code} {name}: {territory_line}"
        ),
        None => println!("{what}: {territory_line}"),
    }
    figures
}

/// Whether the browser shows an error page in the layout (not raw JSON): (is it, its message).
async fn error_in_layout(c: &Client) -> (bool, String) {
    let v = c
        .execute(
            "const e = document.querySelector('main .err'); \
             return [document.contentType, !!document.querySelector('header.top'), e ? e.textContent : '', document.body.innerText.trim().startsWith('{')];",
            vec![],
        )
        .await
        .unwrap();
    (
        v[0] == "text/html" && v[1] == true && v[3] == false && v[2] != "",
        format!("{v}"),
    )
}

/// Point 3: on /indicators, as the city, a district, a community and a grid worker, the two
/// XLSX links carry the page's view, download in the browser and open with a real XLSX
/// reader: figures are numbers (the same as on the page), category codes stay text, and the
/// notes name the territory and the period; a bad `within` reached from a page is a page in
/// the layout, never JSON.
#[tokio::test]
async fn indicator_exports_carry_the_view_and_open_as_workbooks_for_every_role() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let (district, street, community) = (
        grid[..6].to_string(),
        grid[..9].to_string(),
        grid[..12].to_string(),
    );
    let other = app
        .districts()
        .into_iter()
        .find(|d| *d != district)
        .unwrap();
    let worker = format!("g{grid}-1");
    let reporter = app.login(&worker).await;
    for text in ["井盖破损", "路灯不亮", "垃圾满溢"] {
        report_case(&app, &reporter, &grid, text).await;
    }
    let catalogue = Catalogue::seed();
    // Who looks, and the territory each types into the page's filter.
    let roles = [
        ("admin".to_string(), district.clone()),
        (format!("d{district}"), street.clone()),
        (format!("c{community}"), community.clone()),
        (worker.clone(), grid.clone()),
    ];
    let c = driver.browser(true).await;
    for size in [PHONE, DESK] {
        window(&c, size).await;
        for (who, territory) in &roles {
            sign_in(&c, &app, who).await;

            // The page as it opens: the links carry its view and both open.
            c.goto(&app.url("/indicators")).await.unwrap();
            let links = export_links(&c).await;
            let texts: Vec<&str> = links.iter().map(|(t, _)| t.as_str()).collect();
            assert_eq!(
                texts,
                ["导出 XLSX", "类别明细 XLSX"],
                "{size:?} {who}: {links:?}"
            );
            assert!(
                visible_text(&c).await.contains("指标口径"),
                "{size:?} {who}: the rates are defined on the page"
            );
            for (text, href) in &links {
                let q = query_of(&app, href);
                let (from, to): (i64, i64) = (q["from"].parse().unwrap(), q["to"].parse().unwrap());
                assert_eq!(to - from, 30 * DAY_MS, "{size:?} {who}: {href}");
                let (status, ctype, disposition, bytes) = download(&c, href).await;
                assert_eq!(
                    status,
                    200,
                    "{size:?} {who}: {text} {href}: {}",
                    String::from_utf8_lossy(&bytes)
                );
                assert!(ctype.contains("spreadsheetml"), "{ctype}");
                assert!(disposition.contains(".xlsx"), "{disposition}");
                open_export(&format!("{size:?} {who} {text}"), bytes, None, from, to);
            }

            // The view typed into the page's filter: the links carry it.
            retype(&c, "form.filters input[name=within]", territory).await;
            retype(&c, "form.filters input[name=days]", "7").await;
            c.find(css("form.filters button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_url(&c, &format!("{who}'s view of {territory}"), |u| {
                u.query.contains(&format!("within={territory}")) && u.query.contains("days=7")
            })
            .await;
            let name = territory_name(&app, territory);
            let h1 = c.find(css("main h1")).await.unwrap().text().await.unwrap();
            assert!(h1.contains(&name), "{size:?} {who}: {h1}");
            let reported = summary_figure(&c, "上报数").await;
            let links = export_links(&c).await;
            assert_eq!(links.len(), 2, "{size:?} {who}: {links:?}");
            for (text, href) in &links {
                let q = query_of(&app, href);
                assert_eq!(
                    q.get("within"),
                    Some(territory),
                    "{size:?} {who}: {text} carries the view: {href}"
                );
                let (from, to): (i64, i64) = (q["from"].parse().unwrap(), q["to"].parse().unwrap());
                assert_eq!(
                    to - from,
                    7 * DAY_MS,
                    "{size:?} {who}: {text} covers the 7 days shown: {href}"
                );
                let (status, _, disposition, bytes) = download(&c, href).await;
                assert_eq!(
                    status,
                    200,
                    "{size:?} {who}: {href}: {}",
                    String::from_utf8_lossy(&bytes)
                );
                let days = format!(
                    "{}-{}",
                    day_of(from).replace('-', ""),
                    day_of(to - 1).replace('-', "")
                );
                assert!(
                    disposition.contains(territory.as_str()) && disposition.contains(&days),
                    "{size:?} {who}: the file is named for {territory} and {days}: {disposition}"
                );
                let what = format!("{size:?} {who} {text} of {territory}");
                let sheet = open_export(&what, bytes, Some((territory, &name)), from, to);
                use calamine::{Data, DataType};
                let rows: Vec<&[Data]> = sheet.rows().collect();
                if !q.contains_key("by") {
                    let row = rows
                        .iter()
                        .find(|r| r[0].to_string().starts_with("上报数"))
                        .unwrap_or_else(|| panic!("{what}: no 上报数 row"));
                    assert_eq!(
                        row[1],
                        Data::Float(reported),
                        "{what}: the page says {reported} reported"
                    );
                } else {
                    // One row per category: its code as text, as the catalogue writes it.
                    let mut sum = 0.0;
                    for r in rows.iter().skip(1) {
                        let code = match &r[0] {
                            Data::String(s) => s.clone(),
                            other => panic!("{what}: a category code as {other:?}"),
                        };
                        assert!(
                            catalogue.leaf(&code).is_some(),
                            "{what}: {code} is no category"
                        );
                        sum += r[2].as_f64().unwrap_or_default();
                    }
                    assert_eq!(sum, reported, "{what}: the categories add up to the page");
                }
            }
            println!(
                "{size:?} {who}: both exports of {territory} ({name}) open and agree with the page ({reported} reported)"
            );
        }

        assert_no_console_errors(&driver, &c, "on the indicators pages").await;

        // Errors reached from a page are pages in the layout: a territory typed wrong into
        // the filter, another district's, and exports out of reach or malformed.
        sign_in(&c, &app, &format!("d{district}")).await;
        c.goto(&app.url("/indicators")).await.unwrap();
        retype(&c, "form.filters input[name=within]", "not-a-code").await;
        c.find(css("form.filters button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_url(&c, "the page for a code typed wrong", |u| {
            u.query.contains("within=not-a-code")
        })
        .await;
        let (ok, seen) = error_in_layout(&c).await;
        assert!(ok, "{size:?}: a code typed wrong: {seen}");
        let now = tongxin_store::now_millis();
        let (from, to) = (now - 7 * DAY_MS, now);
        for bad in [
            format!("/indicators?within={other}"),
            format!("/indicators/export?within={other}&from={from}&to={to}"),
            format!("/indicators/export?within=not-a-code&from={from}&to={to}"),
            format!("/indicators/export?within={district}&from={to}&to={from}"),
            format!("/indicators/export?within={district}&from={from}&to={to}&by=nothing"),
        ] {
            c.goto(&app.url(&bad)).await.unwrap();
            let (ok, seen) = error_in_layout(&c).await;
            assert!(
                ok,
                "{size:?}: {bad} is not an error page in the layout: {seen}"
            );
        }
        // Those pages answer 4xx on purpose; nothing else went wrong.
        let unexpected: Vec<String> = console_errors(&driver, &c)
            .await
            .into_iter()
            .filter(|e| !e.contains("status of 422") && !e.contains("status of 403"))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{size:?}: console errors: {unexpected:#?}"
        );
    }
    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

/// Point 6: the case page offers each role only what its role and territory allow: a grid
/// worker nothing but their own steps on their fresh report, the community files, the street
/// supervises, the department nothing before dispatch; dispatch offers only departments
/// serving the case's district; once dispatched the department takes it or sends it back,
/// the community and the city do not, and the department does not supervise.
#[tokio::test]
async fn a_case_page_offers_each_role_only_the_steps_its_role_and_territory_allow() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let district = grid[..6].to_string();
    let worker = format!("g{grid}-1");
    let community = format!("c{}", &grid[..12]);
    let street = format!("s{}", &grid[..9]);
    let handler = format!("h{district}");
    let reporter = app.login(&worker).await;
    let catalogue = Catalogue::seed();
    let suffix = |code: &str| tongxin_server::cases::department_territory(code).to_string();
    assert!(
        catalogue
            .departments
            .iter()
            .any(|d| !suffix(&d.code).is_empty() && suffix(&d.code) != district),
        "the catalogue has departments of other districts"
    );
    let c = driver.browser(true).await;
    for size in [PHONE, DESK] {
        window(&c, size).await;
        let id = report_case(&app, &reporter, &grid, "占道经营").await;
        let page = format!("/cases/{id}");

        // Reported: the grid worker's own fresh report.
        sign_in(&c, &app, &worker).await;
        c.goto(&app.url(&page)).await.unwrap();
        let (mine, names) = (offered(&c).await, offered_names(&c).await);
        println!("{size:?} {worker} on #{id}: {mine:?} {names:?}");
        for (code, name) in [
            ("file", "立案"),
            ("cancel", "作废"),
            ("merge", "合并"),
            ("supervise", "督办"),
        ] {
            assert!(
                !mine.iter().any(|a| a == code) && !names.iter().any(|n| n.contains(name)),
                "{size:?}: the worker is offered {name}: {mine:?} {names:?}"
            );
        }

        // The street supervises; the department has nothing to do yet.
        sign_in(&c, &app, &street).await;
        c.goto(&app.url(&page)).await.unwrap();
        let s = offered(&c).await;
        assert!(
            s.iter().any(|a| a == "supervise"),
            "{size:?} {street}: {s:?}"
        );
        sign_in(&c, &app, &handler).await;
        c.goto(&app.url(&page)).await.unwrap();
        let h = offered(&c).await;
        assert!(h.is_empty(), "{size:?} {handler} on a reported case: {h:?}");
        assert!(
            visible_text(&c).await.contains("当前没有您可执行的操作"),
            "{size:?}: the department is told there is nothing to do"
        );

        // The community files it and sees only its district's departments to dispatch to.
        sign_in(&c, &app, &community).await;
        c.goto(&app.url(&page)).await.unwrap();
        let m = offered(&c).await;
        assert!(
            m.iter().any(|a| a == "file") && !m.iter().any(|a| a == "supervise"),
            "{size:?} {community}: {m:?}"
        );
        let h1 = act_on_case_page(&c, &app, id, "file", "属实", None).await;
        assert!(h1.contains("已立案"), "{h1}");
        let departments = strings(
            &c,
            "return Array.from(document.querySelectorAll('.actions form:has(input[name=action][value=dispatch]) select[name=department] option')).map(o => o.value);",
        )
        .await;
        println!("{size:?}: dispatch of #{id} in {district} offers {departments:?}");
        assert!(!departments.is_empty(), "{size:?}: no department offered");
        let foreign: Vec<&String> = departments
            .iter()
            .filter(|d| !suffix(d).is_empty() && suffix(d) != district)
            .collect();
        assert!(
            foreign.is_empty(),
            "{size:?}: departments of other districts offered for a case in {district}: {foreign:?}"
        );
        let chosen = departments
            .iter()
            .find(|d| suffix(d) == district)
            .unwrap_or(&departments[0])
            .clone();
        let h1 = act_on_case_page(&c, &app, id, "dispatch", "", Some(&chosen)).await;
        assert!(h1.contains("已派遣"), "{h1}");
        let m = offered(&c).await;
        assert!(
            !m.iter().any(|a| a == "accept" || a == "return"),
            "{size:?} {community} on a department's case: {m:?}"
        );

        // Dispatched: the department takes it or sends it back, and does not supervise.
        sign_in(&c, &app, &handler).await;
        c.goto(&app.url(&page)).await.unwrap();
        let (h, names) = (offered(&c).await, offered_names(&c).await);
        assert!(
            h.iter().any(|a| a == "accept") && h.iter().any(|a| a == "return"),
            "{size:?} {handler}: {h:?}"
        );
        assert!(
            !h.iter().any(|a| a == "supervise") && !names.iter().any(|n| n.contains("督办")),
            "{size:?}: the department is offered 督办: {h:?}"
        );

        // The city's admin is not the department either.
        sign_in(&c, &app, "admin").await;
        c.goto(&app.url(&page)).await.unwrap();
        let (a, names) = (offered(&c).await, offered_names(&c).await);
        println!("{size:?}: admin on dispatched #{id}: {a:?}");
        assert!(
            !a.iter().any(|x| x == "accept" || x == "return")
                && !names
                    .iter()
                    .any(|n| n.contains("接单") || n.contains("退回")),
            "{size:?}: the city admin is offered the department's steps: {a:?} {names:?}"
        );
        assert_no_console_errors(&driver, &c, "on the case pages of each role").await;
    }
    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

/// Point 7: when the department reports a case handled on the case page, the grid worker who
/// must verify it finds it on /notifications (unread, counted), opens it from there onto the
/// case, verifies it, and the notification is read.
#[tokio::test]
async fn a_handed_over_case_reaches_the_worker_who_verifies_on_the_notifications_page() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let verifier = format!("g{grid}-1");
    let reporter = app.login(&format!("g{grid}-2")).await;
    let community = app.login(&format!("c{}", &grid[..12])).await;
    let handler = format!("h{}", &grid[..6]);
    let handler_session = app.login(&handler).await;
    let department = Catalogue::seed().departments[0].code.clone();
    let category = Catalogue::seed().leaves().next().unwrap().name.clone();
    let c = driver.browser(true).await;
    for size in [PHONE, DESK] {
        window(&c, size).await;
        let id = report_case(&app, &reporter, &grid, "垃圾满溢").await;
        step(&app, &community, id, json!({"action": "file", "note": ""})).await;
        step(
            &app,
            &community,
            id,
            json!({"action": "dispatch", "department": department, "note": ""}),
        )
        .await;
        step(
            &app,
            &handler_session,
            id,
            json!({"action": "accept", "note": ""}),
        )
        .await;

        sign_in(&c, &app, &handler).await;
        let h1 = act_on_case_page(&c, &app, id, "handle", "已清运", None).await;
        assert!(h1.contains("待核查"), "{size:?}: {h1}");

        sign_in(&c, &app, &verifier).await;
        let bar = c
            .find(css("header.top a[href='/notifications']"))
            .await
            .unwrap_or_else(|_| panic!("no 通知 in the worker's top bar"))
            .text()
            .await
            .unwrap();
        println!("{size:?}: the worker's top bar link reads {bar:?}");
        if bar.chars().any(|ch| ch.is_ascii_digit()) {
            let n: i64 = bar
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap();
            assert!(n >= 1, "{size:?}: the top bar counts {n}");
        }
        c.goto(&app.url("/notifications")).await.unwrap();
        let heading = c.find(css("main h1")).await.unwrap().text().await.unwrap();
        let unread: i64 = heading
            .split_whitespace()
            .find_map(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("{size:?}: no unread count in {heading:?}"));
        assert!(unread >= 1, "{size:?}: {heading}");
        let item = format!(
            "(() => Array.from(document.querySelectorAll('ul.notifications li'))\
               .find(li => li.textContent.includes('#{id} ') && li.textContent.includes('待核查')))()"
        );
        let seen = wait_js(
            &c,
            &format!("(() => {{ const li = {item}; return !!li && [li.className, li.textContent.trim()]; }})()"),
            &format!("case #{id} on the worker's notifications"),
        )
        .await;
        println!("{size:?}: {verifier} is told: {seen} ({heading})");
        assert_eq!(seen[0], "unread", "{size:?}: {seen}");
        assert!(
            seen[1].as_str().unwrap_or_default().contains(&category),
            "{size:?}: the notification names the category: {seen}"
        );
        c.execute(
            &format!("{item}.querySelector('button[type=submit]').click();"),
            vec![],
        )
        .await
        .unwrap();
        wait_url(&c, "the case, opened from its notification", |u| {
            u.path == format!("/cases/{id}")
        })
        .await;
        let mine = offered(&c).await;
        assert!(
            mine.iter().any(|a| a == "verify"),
            "{size:?}: the worker is offered the check: {mine:?}"
        );
        let h1 = act_on_case_page(&c, &app, id, "verify", "现场已清理", None).await;
        assert!(h1.contains("已结案"), "{size:?}: {h1}");
        c.goto(&app.url("/notifications")).await.unwrap();
        let class = c
            .execute(&format!("return {item}.className;"), vec![])
            .await
            .unwrap();
        assert_eq!(class, json!(""), "{size:?}: opened, so read");
        assert_no_console_errors(&driver, &c, "on the notifications page").await;
    }
    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

/// Point 8: in Chinese, the case page, the case list, the notifications (hand-overs and
/// deadline warnings), the territory and indicator pages show no raw codes and no English
/// labels; the timeline names people, never their login codes; the language switch on a case
/// page comes back to the same case, in English and back in Chinese.
#[tokio::test]
async fn chinese_pages_show_no_raw_codes_name_people_and_the_switch_keeps_the_case() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let community_code = grid[..12].to_string();
    let worker = format!("g{grid}-1");
    let community = format!("c{community_code}");
    let handler = format!("h{}", &grid[..6]);
    let (w, cm, h) = (
        app.login(&worker).await,
        app.login(&community).await,
        app.login(&handler).await,
    );
    let department = Catalogue::seed().departments[0].code.clone();
    // One case being handled (`accepted`) and one waiting for the check (`handled`), both
    // through file and dispatch; then the deadline warnings of every open case.
    let mut ids = Vec::new();
    for handled in [false, true] {
        let id = report_case(&app, &w, &grid, "路灯不亮").await;
        step(&app, &cm, id, json!({"action": "file", "note": "属实"})).await;
        step(
            &app,
            &cm,
            id,
            json!({"action": "dispatch", "department": department, "note": ""}),
        )
        .await;
        step(&app, &h, id, json!({"action": "accept", "note": ""})).await;
        if handled {
            step(
                &app,
                &h,
                id,
                json!({"action": "handle", "feedback": "已更换灯泡", "photos": []}),
            )
            .await;
        }
        ids.push(id);
    }
    let later = tongxin_store::now_millis() + 40 * DAY_MS;
    let warned = tongxin_server::cases::warnings::scan_deadlines(app.store(), later)
        .await
        .unwrap();
    println!("deadline warnings written: {warned}");
    let (accepted, handled) = (ids[0], ids[1]);
    let logins = [worker.clone(), community.clone(), handler.clone()];

    let c = driver.browser(true).await;
    let mut found = Vec::new();
    for size in [PHONE, DESK] {
        window(&c, size).await;
        for (who, pages) in [
            (
                community.clone(),
                vec![
                    format!("/cases/{accepted}"),
                    format!("/cases/{handled}"),
                    "/cases".to_string(),
                    "/cases?status=accepted".to_string(),
                    "/notifications".to_string(),
                    "/territory".to_string(),
                    format!("/territory/{grid}"),
                    "/indicators".to_string(),
                    format!("/indicators?within={community_code}"),
                ],
            ),
            (
                worker.clone(),
                vec![
                    "/notifications".to_string(),
                    format!("/cases/{handled}"),
                    format!("/cases?within={grid}&view=open"),
                ],
            ),
        ] {
            sign_in(&c, &app, &who).await;
            for page in pages {
                c.goto(&app.url(&page)).await.unwrap();
                let raw = raw_codes(&c).await;
                println!("{size:?} {who} {page}: raw codes {raw:?}");
                if !raw.is_empty() {
                    found.push(format!("{size:?} {who} {page}: {raw:?}"));
                }
                if page.starts_with("/cases/") || page == "/notifications" {
                    let text = visible_text(&c).await;
                    for login in &logins {
                        if text.contains(login.as_str()) {
                            found.push(format!("{size:?} {who} {page}: login code {login}"));
                        }
                    }
                }
                if page.starts_with("/cases/") {
                    // Each step names who took it; the login code is only its title.
                    let people = c
                        .execute(
                            "return Array.from(document.querySelectorAll('ol.timeline li span[title]')).map(s => [s.title, s.textContent]);",
                            vec![],
                        )
                        .await
                        .unwrap();
                    let people = people.as_array().cloned().unwrap_or_default();
                    assert!(people.len() >= 4, "{size:?} {page}: timeline {people:?}");
                    for p in people {
                        let (login, shown) =
                            (p[0].as_str().unwrap_or(""), p[1].as_str().unwrap_or(""));
                        assert_eq!(
                            shown,
                            display_name(&app, login),
                            "{size:?} {page}: {login} by name"
                        );
                    }
                }
            }
        }

        // The switch on a case page keeps the case, both ways.
        sign_in(&c, &app, &community).await;
        let page = format!("/cases/{accepted}");
        c.goto(&app.url(&page)).await.unwrap();
        for (to, status, lang) in [("en", "Being handled", "en"), ("zh", "处置中", "zh-CN")] {
            c.find(css(&format!("header.top .me a[href^='/lang?to={to}']")))
                .await
                .unwrap_or_else(|_| panic!("no switch to {to} on {page}"))
                .click()
                .await
                .unwrap();
            let here = wait_url(&c, &format!("the case page in {to}"), |u| {
                u.path == page && !u.query.contains("to=")
            })
            .await;
            let shown = wait_js(
                &c,
                &format!("document.documentElement.lang === '{lang}' && document.querySelector('main h1').textContent"),
                &format!("the case in {lang}"),
            )
            .await;
            println!("{size:?}: switched to {to}: {here} {shown}");
            assert!(
                shown.as_str().unwrap_or_default().contains(status)
                    && shown
                        .as_str()
                        .unwrap_or_default()
                        .starts_with(&format!("#{accepted} ")),
                "{size:?}: {shown}"
            );
        }
        assert_no_console_errors(&driver, &c, "on the Chinese pages").await;
    }
    assert!(found.is_empty(), "raw codes on Chinese pages: {found:#?}");
    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

/// Point 9: a resident changes their password on /account (a wrong current password is
/// refused on the page) and signs in with the new one, not the old; the community finds the
/// resident's case by typing its number into the case list's search; the resident follows
/// the case on 我的上报, is asked to rate it once it is closed, rates it from the case page,
/// and 我的上报 shows the rating in words.
#[tokio::test]
async fn a_password_is_changed_a_case_found_by_number_and_a_resident_rates_from_my_reports() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let residents: Vec<_> = app
        .city
        .accounts
        .iter()
        .filter(|a| a.role == "resident")
        .cloned()
        .collect();
    assert!(!residents.is_empty(), "the demo has resident accounts");
    let department = Catalogue::seed().departments[0].code.clone();
    let mut passwords: HashMap<String, String> = HashMap::new();
    let c = driver.browser(true).await;
    for (n, size) in [PHONE, DESK].into_iter().enumerate() {
        window(&c, size).await;
        let account = &residents[n % residents.len()];
        let grid = account.node_code.clone();
        let resident = account.username.clone();
        let old = passwords
            .get(&resident)
            .cloned()
            .unwrap_or_else(|| PASSWORD.to_string());
        let new = format!("a-new-secret-{n}-for-{resident}");
        let session = login_with(&app, &resident, &old).await;
        let id = report_case(&app, &session, &grid, "小区路灯坏了").await;

        // 我的上报 lists the new case.
        let landed = sign_in_with(&c, &app, &resident, &old).await;
        assert!(!landed.query.contains("error="), "{size:?}: {landed}");
        c.goto(&app.url("/my-reports")).await.unwrap();
        let row = format!(
            "(() => {{ const a = document.querySelector('main table a[href=\"/cases/{id}\"]'); return a && a.closest('tr'); }})()"
        );
        let text = wait_js(
            &c,
            &format!("{row} && {row}.innerText"),
            &format!("case #{id} on 我的上报"),
        )
        .await;
        assert!(
            text.as_str().unwrap_or_default().contains("已上报")
                && !text.as_str().unwrap_or_default().contains("待您评价"),
            "{size:?}: {text}"
        );

        // The password, changed on /account: a wrong current one is refused there.
        for (current, ok) in [("not-my-password", false), (old.as_str(), true)] {
            c.goto(&app.url("/account")).await.unwrap();
            c.find(css("input[name=current_password]"))
                .await
                .unwrap()
                .send_keys(current)
                .await
                .unwrap();
            c.find(css("input[name=new_password]"))
                .await
                .unwrap()
                .send_keys(&new)
                .await
                .unwrap();
            c.find(css("form[action='/account/password'] button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            if ok {
                wait_url(&c, "the password changed", |u| u.query.contains("done=")).await;
                let said = c.find(css("main .ok")).await.unwrap().text().await.unwrap();
                assert!(said.contains("密码已修改"), "{size:?}: {said}");
            } else {
                let said = wait_js(
                    &c,
                    "(() => { const e = document.querySelector('main .err[role=alert]'); return e && e.textContent; })()",
                    "the refusal of a wrong current password",
                )
                .await;
                assert!(
                    said.as_str().unwrap_or_default().contains("当前密码"),
                    "{size:?}: {said}"
                );
            }
        }
        let refused = sign_in_with(&c, &app, &resident, &old).await;
        assert!(
            refused.query.contains("error=credentials"),
            "{size:?}: the old password still works: {refused}"
        );
        let landed = sign_in_with(&c, &app, &resident, &new).await;
        assert!(
            !landed.query.contains("error="),
            "{size:?}: the new password: {landed}"
        );
        let me = c
            .find(css("header.top .me"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(me.contains(&account.display_name), "{size:?}: {me}");
        passwords.insert(resident.clone(), new.clone());

        // The community types the case number into the list's search.
        let community = format!("c{}", &grid[..12]);
        sign_in(&c, &app, &community).await;
        c.goto(&app.url("/cases")).await.unwrap();
        let typed = if n == 0 {
            format!("{id}")
        } else {
            format!("#{id}")
        };
        // The search sits in the fold 筛选与搜索 when the list is not filtered.
        if let Ok(fold) = c.find(css("details.filter-box")).await
            && fold.attr("open").await.unwrap().is_none()
        {
            fold.find(css("summary"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
        retype(&c, "form.filters input[name=q]", &typed).await;
        c.find(css("form.filters button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_url(&c, &format!("case #{id} found by {typed:?}"), |u| {
            u.path == format!("/cases/{id}")
        })
        .await;
        let h1 = heading(&c).await;
        assert!(h1.starts_with(&format!("#{id} ")), "{size:?}: {h1}");

        // Round the loop; the resident is asked to rate on 我的上报 and rates on the case page.
        let (cm, h, w) = (
            app.login(&community).await,
            app.login(&format!("h{}", &grid[..6])).await,
            app.login(&format!("g{grid}-1")).await,
        );
        step(&app, &cm, id, json!({"action": "file", "note": ""})).await;
        step(
            &app,
            &cm,
            id,
            json!({"action": "dispatch", "department": department, "note": ""}),
        )
        .await;
        step(&app, &h, id, json!({"action": "accept", "note": ""})).await;
        step(
            &app,
            &h,
            id,
            json!({"action": "handle", "feedback": "已更换灯泡", "photos": []}),
        )
        .await;
        step(
            &app,
            &w,
            id,
            json!({"action": "verify", "passed": true, "note": "已亮"}),
        )
        .await;
        sign_in_with(&c, &app, &resident, &new).await;
        c.goto(&app.url("/my-reports")).await.unwrap();
        let text = wait_js(&c, &format!("{row} && {row}.innerText"), "the closed case").await;
        assert!(
            text.as_str().unwrap_or_default().contains("已结案")
                && text.as_str().unwrap_or_default().contains("待您评价"),
            "{size:?}: {text}"
        );
        c.execute(
            &format!("Array.from({row}.querySelectorAll('a')).find(a => a.textContent.includes('待您评价')).click();"),
            vec![],
        )
        .await
        .unwrap();
        wait_url(&c, "the case page, to rate", |u| {
            u.path == format!("/cases/{id}")
        })
        .await;
        let mine = offered(&c).await;
        assert!(
            mine.iter().any(|a| a == "rate") && mine.iter().all(|a| a == "rate" || a == "reopen"),
            "{size:?}: the resident rates (or reopens) their own case: {mine:?}"
        );
        let h1 = act_on_case_page(&c, &app, id, "rate", "很快就修好了", None).await;
        assert!(h1.contains("已结案"), "{size:?}: {h1}");
        let raw = raw_codes(&c).await;
        assert!(
            raw.is_empty(),
            "{size:?}: the rated case page shows {raw:?}"
        );
        c.goto(&app.url("/my-reports")).await.unwrap();
        let text = wait_js(&c, &format!("{row} && {row}.innerText"), "the rated case").await;
        println!("{size:?}: {resident} on 我的上报 after rating: {text}");
        assert!(
            !text.as_str().unwrap_or_default().contains("待您评价")
                && text.as_str().unwrap_or_default().contains("满意"),
            "{size:?}: the rating in words: {text}"
        );
        let raw = raw_codes(&c).await;
        assert!(raw.is_empty(), "{size:?}: 我的上报 shows {raw:?}");
        assert_no_console_errors(&driver, &c, "on the account, list and 我的上报 pages").await;
    }
    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}
