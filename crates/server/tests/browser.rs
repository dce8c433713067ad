//! The pages in a real browser: Debian's chromium driven headless through chromedriver
//! (WebDriver, via `fantoccini`) against the real app on port 0 over the small demo city.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver`
//! (`apt-get install -y chromium chromium-driver`). Under `CI=true` a missing driver fails the
//! test; elsewhere the test prints a note and passes without running.

#[path = "browser/cases_pages.rs"]
mod cases_pages;
mod common;
#[path = "browser/councils.rs"]
mod councils;
#[path = "browser/paging.rs"]
mod paging;
#[path = "browser/roles.rs"]
mod roles;
#[path = "browser/sweep.rs"]
mod sweep;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tongxin_core::cases::catalogue::Catalogue;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long any one thing may take to appear (the machine may be slow and busy).
const PATIENCE: Duration = Duration::from_secs(30);
const PHONE: (u32, u32) = (390, 844);
const DESK: (u32, u32) = (1366, 900);

/// One browser at a time: each test starts its own chromedriver and chromium, and two cores
/// do not run several of them well side by side.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// --- chromedriver ---------------------------------------------------------------------------

/// A chromedriver started by this test on a free port, in its own process group, with the
/// browser profiles it handed out. Dropping it asks the driver to shut down (closing its
/// browsers), then kills the whole process group and removes the profiles.
struct Driver {
    child: Child,
    port: u16,
    profiles: Mutex<Vec<TempDir>>,
    _log_dir: TempDir,
}

impl Driver {
    /// The driver, or `None` (with a note) when it is not installed outside CI.
    async fn start() -> Option<Driver> {
        let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
            .into_iter()
            .filter(|p| !Path::new(p).exists())
            .collect();
        if !missing.is_empty() {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            let note = format!(
                "browser tests need {} (apt-get update && apt-get install -y chromium chromium-driver)",
                missing.join(" and ")
            );
            if ci {
                panic!("{note}; they are required under CI=true");
            }
            eprintln!("SKIPPED: {note}");
            return None;
        }
        let port = free_port();
        let log_dir = tempfile::tempdir().unwrap();
        let log = log_dir.path().join("chromedriver.log");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let driver = Driver {
            child,
            port,
            profiles: Mutex::new(Vec::new()),
            _log_dir: log_dir,
        };
        let http = reqwest::Client::new();
        let status = format!("http://127.0.0.1:{port}/status");
        let started = Instant::now();
        loop {
            let answer = match http.get(&status).send().await {
                Ok(r) => r.json::<Value>().await.ok(),
                Err(_) => None,
            };
            if answer.is_some_and(|v| v["value"]["ready"] == true) {
                break;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not answer on port {port} within {PATIENCE:?}; log: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(driver)
    }

    /// A new headless chromium with a fresh profile.
    async fn browser(&self, javascript: bool) -> Client {
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={},{}", DESK.0, DESK.1),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        self.profiles.lock().unwrap().push(profile);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": args}),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| panic!("no browser session from chromedriver: {e}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver's own shutdown closes the browsers it started ...
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // ... and whatever is left of the group (the driver and its chromium) goes by force.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser console's errors since the last call (chromedriver's log endpoint), leaving
/// out the 404 of /favicon.ico, which the app does not serve.
async fn console_errors(driver: &Driver, c: &Client) -> Vec<String> {
    let session = c.session_id().await.unwrap().unwrap_or_default();
    let url = format!("http://127.0.0.1:{}/session/{session}/se/log", driver.port);
    let log: Value = reqwest::Client::new()
        .post(url)
        .json(&json!({"type": "browser"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["value"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                .filter(|m| !m.contains("/favicon.ico"))
                // A page for what is out of reach answers 404 on purpose.
                .filter(|m| !m.contains("status of 404"))
                .collect()
        })
        .unwrap_or_default()
}

async fn assert_no_console_errors(driver: &Driver, c: &Client, when: &str) {
    let errors = console_errors(driver, c).await;
    assert!(errors.is_empty(), "console errors {when}: {errors:#?}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// --- page helpers ---------------------------------------------------------------------------

fn css(selector: &str) -> Locator<'_> {
    Locator::Css(selector)
}

/// Where the browser is, and what it shows (for failure messages).
async fn whereabouts(c: &Client) -> String {
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let text = match c.find(css("body")).await {
        Ok(b) => b.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let text: String = text.chars().take(800).collect();
    format!("at {url}: {text}")
}

/// Runs `expr` (a JavaScript expression) until it is truthy; returns its value.
async fn wait_js(c: &Client, expr: &str, what: &str) -> Value {
    let started = Instant::now();
    let script = format!("return ({expr});");
    loop {
        if let Ok(v) = c.execute(&script, vec![]).await {
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return v;
            }
        }
        if started.elapsed() > PATIENCE {
            panic!(
                "waited {PATIENCE:?} for {what} ({expr}); {}",
                whereabouts(c).await
            );
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// A page address, taken apart.
#[derive(Debug)]
struct Here {
    path: String,
    query: String,
    full: String,
}

impl std::fmt::Display for Here {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full)
    }
}

/// Waits (without JavaScript) until the address satisfies `ok`.
async fn wait_url(c: &Client, what: &str, ok: impl Fn(&Here) -> bool) -> Here {
    let started = Instant::now();
    loop {
        if let Ok(u) = c.current_url().await {
            let here = Here {
                path: u.path().to_string(),
                query: u.query().unwrap_or_default().to_string(),
                full: u.to_string(),
            };
            if ok(&here) {
                return here;
            }
        }
        if started.elapsed() > PATIENCE {
            panic!("waited {PATIENCE:?} for {what}; {}", whereabouts(c).await);
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// A GET from inside the page (same origin, the session cookie): (status, body).
async fn fetch(c: &Client, path: &str) -> (u16, String) {
    let v = c
        .execute(
            "return fetch(arguments[0], {credentials: 'same-origin'})\
               .then(r => r.text().then(t => [r.status, t]));",
            vec![json!(path)],
        )
        .await
        .unwrap_or_else(|e| panic!("fetch {path} in the page: {e}"));
    (
        v[0].as_u64().unwrap_or_default() as u16,
        v[1].as_str().unwrap_or_default().to_string(),
    )
}

async fn fetch_json(c: &Client, path: &str) -> Value {
    let (status, body) = fetch(c, path).await;
    assert_eq!(status, 200, "GET {path} in the browser: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
}

/// The size in bytes of what a GET from the page returns.
async fn fetch_bytes(c: &Client, path: &str) -> u64 {
    let v = c
        .execute(
            "return fetch(arguments[0], {credentials: 'same-origin'})\
               .then(r => r.arrayBuffer().then(b => [r.status, b.byteLength]));",
            vec![json!(path)],
        )
        .await
        .unwrap_or_else(|e| panic!("fetch {path} in the page: {e}"));
    assert_eq!(v[0], 200, "GET {path} in the browser");
    v[1].as_u64().unwrap()
}

/// Signs in through the login form as a new session (the old cookies are thrown away).
async fn sign_in(c: &Client, app: &App, username: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.delete_all_cookies().await.unwrap();
    // A fresh form: its anti-CSRF cookie went with the others.
    c.goto(&app.url("/login")).await.unwrap();
    let name = c
        .wait()
        .for_element(css("input[name=username]"))
        .await
        .unwrap();
    name.send_keys(username).await.unwrap();
    c.find(css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let landed = wait_url(c, &format!("{username} signed in"), |u| u.path != "/login").await;
    // The header names the person; their login code is the link's title.
    let who = c
        .find(css("header.top .me a[href='/account']"))
        .await
        .unwrap()
        .attr("title")
        .await
        .unwrap()
        .unwrap_or_default();
    let shown = app
        .city
        .accounts
        .iter()
        .find(|a| a.username == username)
        .map(|a| a.display_name.clone())
        .unwrap_or_default();
    let text = c
        .find(css("header.top .me"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        who == username && text.contains(&shown),
        "signed in as {username}, the header says {text:?} ({who}) at {landed}"
    );
}

async fn window(c: &Client, (w, h): (u32, u32)) {
    c.set_window_size(w, h).await.unwrap();
}

/// The case page's heading, "#id category · status".
async fn heading(c: &Client) -> String {
    c.find(css("main h1")).await.unwrap().text().await.unwrap()
}

/// Takes `action` from the case page the way a person does: open its section, fill it in,
/// press its button; returns the heading of the page it lands on.
async fn act_on_case_page(
    c: &Client,
    app: &App,
    id: i64,
    action: &str,
    text: &str,
    department: Option<&str>,
) -> String {
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    let section =
        format!("details:has(form[action='/cases/{id}/act'] input[name=action][value={action}])");
    let details = match c.find(css(&section)).await {
        Ok(d) => d,
        Err(_) => panic!(
            "no {action:?} on the page of case {id}; {}",
            whereabouts(c).await
        ),
    };
    if details.attr("open").await.unwrap().is_none() {
        details
            .find(css("summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    let form = details.find(css("form")).await.unwrap();
    if !text.is_empty() {
        let area = form.find(css("textarea[name=text]")).await.unwrap();
        area.send_keys(text).await.unwrap();
    }
    if let Some(d) = department {
        form.find(css("select[name=department]"))
            .await
            .unwrap()
            .select_by_value(d)
            .await
            .unwrap();
    }
    if action == "verify" {
        form.find(css("input[name=passed][value='1']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    form.find(css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(c, &format!("{action} of case {id} done"), |u| {
        u.path == format!("/cases/{id}") && u.query.contains("done=")
    })
    .await;
    heading(c).await
}

/// What the community admin's map and indicators say about one grid.
#[derive(Debug, Clone)]
struct Readings {
    open: f64,
    colour: String,
    reported: i64,
    closed: i64,
}

async fn read_map_and_indicators(c: &Client, app: &App, community: &str, grid: &str) -> Readings {
    let measures = fetch_json(
        c,
        &format!("/api/v1/map/measures?level=grid&within={community}&measure=open"),
    )
    .await;
    let open = measures["values"][grid]
        .as_f64()
        .unwrap_or_else(|| panic!("no open count for grid {grid}: {measures}"));
    let indicators = fetch_json(c, &format!("/api/v1/indicators?within={community}")).await;
    c.goto(&app.url("/map")).await.unwrap();
    wait_js(
        c,
        "document.getElementById('map-app').dataset.ready === '1' && window.tongxinMap.ready",
        "the map to be drawn",
    )
    .await;
    let colour = wait_js(
        c,
        &format!("window.tongxinMap.colours[{}]", json!(grid)),
        "a colour for the grid",
    )
    .await;
    Readings {
        open,
        colour: colour.as_str().unwrap_or_default().to_string(),
        reported: indicators["reported"].as_i64().unwrap(),
        closed: indicators["closed"].as_i64().unwrap(),
    }
}

/// A real photo: a small PNG gradient written with the `image` crate.
fn png(dir: &Path) -> std::path::PathBuf {
    let img = image::RgbImage::from_fn(96, 64, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 3) as u8, 120])
    });
    let path = dir.join("street.png");
    img.save_with_format(&path, image::ImageFormat::Png)
        .unwrap();
    path
}

fn case_id(u: &Here) -> i64 {
    u.path
        .strip_prefix("/cases/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a case page: {u}"))
}

// --- tests ----------------------------------------------------------------------------------

#[tokio::test]
async fn phone_report_to_closure_through_the_pages() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let community = grid[..12].to_string();
    let worker = format!("g{grid}-1");
    let dispatcher = format!("c{community}");
    let handler = format!("h{}", &grid[..6]);
    let catalogue = Catalogue::seed();
    let category = catalogue.leaves().next().unwrap().code.clone();
    let department = catalogue.departments[0].code.clone();
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    let c = driver.browser(true).await;

    // Before: what the community sees.
    window(&c, DESK).await;
    sign_in(&c, &app, &dispatcher).await;
    let before = read_map_and_indicators(&c, &app, &community, &grid).await;
    println!("before: {before:?}");

    // The grid worker reports from a phone, with a photo.
    window(&c, PHONE).await;
    sign_in(&c, &app, &worker).await;
    c.goto(&app.url("/report")).await.unwrap();
    wait_js(
        &c,
        "document.getElementById('photo-label').hidden === false",
        "report.js to set up the form",
    )
    .await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(0) <= 0,
        "the report form is wider than a {}px phone by {overflow}px",
        PHONE.0
    );
    c.find(css("select#category"))
        .await
        .unwrap()
        .select_by_value(&category)
        .await
        .unwrap();
    c.find(css("textarea[name=description]"))
        .await
        .unwrap()
        .send_keys("人行道井盖缺失，行人易踩空")
        .await
        .unwrap();
    c.find(css("#lon"))
        .await
        .unwrap()
        .send_keys(&format!("{lon:.7}"))
        .await
        .unwrap();
    c.find(css("#lat"))
        .await
        .unwrap()
        .send_keys(&format!("{lat:.7}"))
        .await
        .unwrap();
    c.find(css("select#crs"))
        .await
        .unwrap()
        .select_by_value("wgs84")
        .await
        .unwrap();
    c.find(css("input[name=address]"))
        .await
        .unwrap()
        .send_keys("民族大道 100 号门前")
        .await
        .unwrap();
    let photos = tempfile::tempdir().unwrap();
    let photo = png(photos.path());
    c.find(css("#photo"))
        .await
        .unwrap()
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    wait_js(
        &c,
        "(() => { const i = document.querySelector('#photo-preview img'); \
           return !!i && i.complete && i.naturalWidth > 0 \
             && document.querySelector('input[name=photos]').value.length === 64; })()",
        "the uploaded photo's thumbnail",
    )
    .await;
    c.find(css("button#submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let landed = wait_url(&c, "the new case's page", |u| u.path.starts_with("/cases/")).await;
    let id = case_id(&landed);
    assert!(landed.query.contains("done="), "{landed}");
    let h1 = heading(&c).await;
    assert!(
        h1.starts_with(&format!("#{id} ")) && h1.contains("已上报"),
        "{h1}"
    );
    let thumbs = c.find_all(css(".timeline .photos img")).await.unwrap();
    assert_eq!(thumbs.len(), 1, "the photo is on the case's timeline");
    println!("reported case #{id} from the phone form: {h1}");
    assert_no_console_errors(&driver, &c, "while reporting from the phone").await;

    // The community's desk: the map and indicators now count it.
    window(&c, DESK).await;
    sign_in(&c, &app, &dispatcher).await;
    let reported = read_map_and_indicators(&c, &app, &community, &grid).await;
    println!("after reporting: {reported:?}");
    assert_eq!(reported.open, before.open + 1.0, "open cases of the grid");
    assert_eq!(reported.reported, before.reported + 1, "reported");
    assert_ne!(
        reported.colour, before.colour,
        "the grid's colour on the map follows its open cases"
    );

    let h1 = act_on_case_page(&c, &app, id, "file", "属实，立案", None).await;
    assert!(h1.contains("已立案"), "{h1}");

    // Dispatch from the map's warning panel when it lists the case (it lists cases due
    // within two hours: a filed case has 30 working minutes to be dispatched, so during
    // office hours it is there); otherwise from the case page.
    c.goto(&app.url("/map")).await.unwrap();
    let on_map = format!("#warnings form[action='/cases/{id}/act']");
    match c.find(css(&on_map)).await {
        Ok(form) => {
            let hidden = form
                .find(css("input[name=action]"))
                .await
                .unwrap()
                .attr("value")
                .await
                .unwrap();
            assert_eq!(hidden.as_deref(), Some("dispatch"));
            form.find(css("select[name=department]"))
                .await
                .unwrap()
                .select_by_value(&department)
                .await
                .unwrap();
            form.find(css("button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            let back = wait_url(&c, "back on the map after dispatch", |u| {
                u.path == "/map" && u.query.contains("done=")
            })
            .await;
            println!("dispatched case #{id} from the map's warning panel (back at {back})");
            assert!(
                c.find(css(&on_map)).await.is_err(),
                "the map still offers to dispatch case #{id}"
            );
            assert!(
                c.find(css("main .ok")).await.is_ok(),
                "the map confirms the dispatch"
            );
            c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
        }
        Err(_) => {
            let panel = c
                .find(css("#warnings"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let panel: String = panel.chars().take(120).collect();
            println!(
                "case #{id} is not in the map's warning panel (not due within two hours now); \
                 dispatching from the case page. Panel: {panel:?}"
            );
            act_on_case_page(&c, &app, id, "dispatch", "请尽快处置", Some(&department)).await;
        }
    }
    let h1 = heading(&c).await;
    assert!(h1.contains("已派遣"), "{h1}");

    // The department takes it and reports it handled.
    sign_in(&c, &app, &handler).await;
    let h1 = act_on_case_page(&c, &app, id, "accept", "", None).await;
    assert!(h1.contains("处置中"), "{h1}");
    let h1 = act_on_case_page(&c, &app, id, "handle", "已补装井盖", None).await;
    assert!(h1.contains("待核查"), "{h1}");

    // The grid worker checks on the spot and closes it.
    window(&c, PHONE).await;
    sign_in(&c, &app, &worker).await;
    let h1 = act_on_case_page(&c, &app, id, "verify", "现场核实已修复", None).await;
    assert!(h1.contains("已结案"), "{h1}");

    // After: the map and indicators let go of it.
    window(&c, DESK).await;
    sign_in(&c, &app, &dispatcher).await;
    let closed = read_map_and_indicators(&c, &app, &community, &grid).await;
    println!("after closing: {closed:?}");
    assert_eq!(closed.open, before.open, "open cases of the grid");
    assert_eq!(closed.closed, before.closed + 1, "closed");
    assert_eq!(closed.colour, before.colour, "the grid's colour is back");
    assert_no_console_errors(&driver, &c, "on the desk pages and the map").await;

    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

#[tokio::test]
async fn grid_worker_cannot_open_a_case_of_another_community() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let other = app
        .city
        .grids
        .iter()
        .find(|g| g.code[..12] != grid[..12])
        .unwrap()
        .code
        .clone();
    let stranger = app.login(&format!("g{other}-1")).await;
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let [lon, lat] = interior_point(&app.grid_ring(&other));
    let secret = "隔壁社区的私密描述";
    let case = app
        .post(
            &stranger.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": secret, "lon": lon, "lat": lat}),
        )
        .await
        .expect(201);
    let id = case["id"].as_i64().unwrap();

    let c = driver.browser(true).await;
    window(&c, PHONE).await;
    sign_in(&c, &app, &format!("g{grid}-1")).await;
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    let page = c.find(css("main")).await.unwrap().text().await.unwrap();
    println!("another community's case #{id} seen by g{grid}-1: {page:?}");
    assert!(!page.contains(secret), "the case leaked: {page}");
    assert!(!page.contains(&format!("#{id}")), "{page}");
    assert!(
        c.find(css("form[action$='/act']")).await.is_err(),
        "no actions offered on a case out of reach"
    );
    let err = c
        .find(css("main .err"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        err.contains("无权") || err.contains("没有") || err.contains("not found"),
        "{err}"
    );
    // The same answer as for a case that does not exist: nothing to learn from it.
    c.goto(&app.url("/cases/99999999")).await.unwrap();
    let missing = c.find(css("main")).await.unwrap().text().await.unwrap();
    assert_eq!(page, missing);
    assert_no_console_errors(&driver, &c, "on the case pages").await;
    // What the HTTP status says (a page for a case out of reach is a 404 in the API).
    let (status, _) = fetch(&c, &format!("/cases/{id}")).await;
    let (api_status, _) = fetch(&c, &format!("/api/v1/cases/{id}")).await;
    println!("HTTP status of /cases/{id}: {status}; of /api/v1/cases/{id}: {api_status}");
    assert_eq!(api_status, 404);
    assert_eq!(status, 404, "the page answers as the API does");

    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

#[tokio::test]
async fn map_draws_the_city_and_reports_its_load_time() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let c = driver.browser(true).await;
    window(&c, DESK).await;
    sign_in(&c, &app, "admin").await;
    let started = Instant::now();
    c.goto(&app.url("/map")).await.unwrap();
    wait_js(
        &c,
        "document.getElementById('map-app').dataset.ready === '1'",
        "#map-app[data-ready=1]",
    )
    .await;
    let wall = started.elapsed();
    let hook = c
        .execute(
            "const m = window.tongxinMap; return {ready: m.ready, level: m.level, node: m.node, \
               drawnPolygons: m.drawnPolygons, colours: m.colours, loadMs: m.loadMs};",
            vec![],
        )
        .await
        .unwrap();
    let grids = app.city.grids.len() as u64;
    let drawn = hook["drawnPolygons"].as_u64().unwrap_or(0);
    let colours = hook["colours"].as_object().map(|m| m.len()).unwrap_or(0);
    println!(
        "map: level {} node {} drawn {drawn} polygons ({grids} grids), {colours} colours, \
         loadMs {} (goto to data-ready {} ms)",
        hook["level"],
        hook["node"],
        hook["loadMs"],
        wall.as_millis()
    );
    assert_eq!(hook["ready"], true);
    assert!(drawn >= grids, "drew {drawn} polygons for {grids} grids");
    assert!(colours > 0, "no colours: {hook}");
    for (code, colour) in hook["colours"].as_object().unwrap() {
        let s = colour.as_str().unwrap_or_default();
        assert!(
            s.len() == 7 && s.starts_with('#'),
            "colour of {code}: {colour}"
        );
    }
    assert!(hook["loadMs"].as_f64().is_some(), "loadMs: {hook}");

    assert_no_console_errors(&driver, &c, "drawing the map").await;

    // Drill into the first grid's community: the grids there get colours of their own.
    let grid = &app.city.grids[0].code;
    let community = &grid[..12];
    c.execute(
        "return window.tongxinMap.drill(arguments[0]);",
        vec![json!(community)],
    )
    .await
    .unwrap();
    let drilled = wait_js(
        &c,
        &format!(
            "window.tongxinMap.node === {} && window.tongxinMap.colours[{}]",
            json!(community),
            json!(grid)
        ),
        "the community's grids coloured",
    )
    .await;
    println!(
        "drilled into {community}: level {}, grid {grid} coloured {drilled}",
        c.execute("return window.tongxinMap.level;", vec![])
            .await
            .unwrap()
    );
    assert_no_console_errors(&driver, &c, "drilling into a community").await;

    // A grid chosen twice (the two clicks of a double click) asks for its panel once.
    for _ in 0..2 {
        c.execute(
            "return window.tongxinMap.drill(arguments[0]);",
            vec![json!(grid)],
        )
        .await
        .unwrap();
    }
    let panel = format!("/api/v1/map/node/{grid}");
    wait_js(
        &c,
        &format!(
            "performance.getEntriesByType('resource').some(e => e.name.endsWith({}))",
            json!(panel)
        ),
        "the grid's panel requested",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // room for a second request to land
    let asked = c
        .execute(
            "return performance.getEntriesByType('resource').filter(e => e.name.endsWith(arguments[0])).length;",
            vec![json!(panel)],
        )
        .await
        .unwrap();
    assert_eq!(asked, json!(1), "{panel} requested {asked} times");

    let geometry = "/api/v1/map/geometry?level=grid&within=450100&detail=simplified";
    let bytes = fetch_bytes(&c, geometry).await;
    let full = fetch_bytes(
        &c,
        "/api/v1/map/geometry?level=grid&within=450100&detail=full",
    )
    .await;
    println!("geometry payload: {bytes} bytes simplified, {full} bytes full ({geometry})");
    assert!(bytes > 0 && bytes <= full);
    let loaded = c
        .execute(
            "return performance.getEntriesByType('resource')\
               .filter(e => e.name.indexOf('/api/v1/map/') >= 0)\
               .map(e => [e.name.replace(location.origin, ''), e.decodedBodySize, Math.round(e.duration)]);",
            vec![],
        )
        .await
        .unwrap();
    println!("map requests [path, bytes, ms]: {loaded}");

    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

#[tokio::test]
async fn report_form_is_light_and_works_without_javascript() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[1].code.clone();
    let worker = format!("g{grid}-1");
    let category = Catalogue::seed().leaves().nth(1).unwrap().code.clone();

    // Page weight, as the phone downloads it.
    let c = driver.browser(true).await;
    window(&c, PHONE).await;
    sign_in(&c, &app, &worker).await;
    c.goto(&app.url("/report")).await.unwrap();
    let mut total = 0;
    let mut parts = Vec::new();
    for path in ["/report", "/assets/app.css", "/assets/report.js"] {
        let n = fetch_bytes(&c, path).await;
        parts.push(format!("{path} {n} B"));
        total += n;
    }
    println!(
        "report form page weight: {} = {total} bytes",
        parts.join(" + ")
    );
    assert!(total <= 150 * 1024, "the report form weighs {total} bytes");
    assert_no_console_errors(&driver, &c, "on the report form").await;
    c.close().await.unwrap();

    // Scripts off: the plain form still makes a case.
    let c = driver.browser(false).await;
    window(&c, PHONE).await;
    sign_in(&c, &app, &worker).await;
    c.goto(&app.url("/report")).await.unwrap();
    // The script did not run: what it reveals is still marked hidden.
    for id in ["photo-label", "locate", "category-search"] {
        let e = c.find(css(&format!("#{id}"))).await.unwrap();
        assert!(
            e.attr("hidden").await.unwrap().is_some(),
            "#{id} was revealed, so scripts ran"
        );
        assert!(
            !e.is_displayed().await.unwrap(),
            "#{id} needs JavaScript and stays hidden without it"
        );
    }
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    c.find(css("select#category"))
        .await
        .unwrap()
        .select_by_value(&category)
        .await
        .unwrap();
    c.find(css("textarea[name=description]"))
        .await
        .unwrap()
        .send_keys("无脚本上报：路灯不亮")
        .await
        .unwrap();
    c.find(css("#lon"))
        .await
        .unwrap()
        .send_keys(&format!("{lon:.7}"))
        .await
        .unwrap();
    c.find(css("#lat"))
        .await
        .unwrap()
        .send_keys(&format!("{lat:.7}"))
        .await
        .unwrap();
    c.find(css("button#submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let landed = wait_url(&c, "the case page after the plain form", |u| {
        u.path.starts_with("/cases/")
    })
    .await;
    let id = case_id(&landed);
    let h1 = heading(&c).await;
    assert!(h1.contains("已上报"), "{h1}");
    println!("reported case #{id} without JavaScript: {h1}");
    let session = app.login(&worker).await;
    let case = app
        .get(&session.auth(), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    assert_eq!(case["grid_code"], grid.as_str());
    assert_eq!(case["category"], category.as_str());
    c.close().await.unwrap();

    drop(driver);
    app.cleanup().await;
}

/// Types `text` into the field `selector` after clearing it, then leaves the field (so its
/// change event fires).
async fn retype(c: &Client, selector: &str, text: &str) {
    let field = c.find(css(selector)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
    c.execute(
        "document.querySelector(arguments[0]).dispatchEvent(new Event('change'));",
        vec![json!(selector)],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_refused_report_says_where_it_landed_and_goes_through_once_corrected() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let elsewhere = app
        .city
        .grids
        .iter()
        .find(|g| g.code[..12] != grid[..12])
        .unwrap()
        .clone();
    let category = Catalogue::seed().leaves().next().unwrap().code.clone();
    let [x_out, y_out] = interior_point(&app.grid_ring(&elsewhere.code));
    let [x_in, y_in] = interior_point(&app.grid_ring(&grid));
    let c = driver.browser(true).await;
    sign_in(&c, &app, &format!("g{grid}-1")).await;
    for size in [PHONE, DESK] {
        window(&c, size).await;
        c.goto(&app.url("/report")).await.unwrap();
        wait_js(
            &c,
            "document.getElementById('photo-label').hidden === false",
            "report.js to set up the form",
        )
        .await;
        c.find(css("select#category"))
            .await
            .unwrap()
            .select_by_value(&category)
            .await
            .unwrap();
        retype(&c, "textarea[name=description]", "路灯不亮").await;
        retype(&c, "#lon", &format!("{x_out:.7}")).await;
        retype(&c, "#lat", &format!("{y_out:.7}")).await;
        // The grid is named as soon as the position is known.
        let hint = wait_js(
            &c,
            &format!(
                "document.getElementById('grid-hint').textContent.includes({:?}) && document.getElementById('grid-hint').textContent",
                elsewhere.name
            ),
            "the grid of the typed position",
        )
        .await;
        println!("{size:?}: hint {hint}");
        let first_key = c
            .execute(
                "return document.querySelector('input[name=idempotency_key]').value;",
                vec![],
            )
            .await
            .unwrap();
        c.find(css("button#submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The refusal names the grid, beside the button, in view.
        let refusal = wait_js(
            &c,
            &format!(
                "(() => {{ const s = document.getElementById('report-status'); const r = s.getBoundingClientRect(); \
                   return s.className === 'err' && s.textContent.includes({:?}) && r.top >= 0 && r.bottom <= window.innerHeight && s.textContent; }})()",
                elsewhere.name
            ),
            "the refusal, naming the grid, in view",
        )
        .await;
        println!("{size:?}: refusal {refusal}");
        let second_key = c
            .execute(
                "return document.querySelector('input[name=idempotency_key]').value;",
                vec![],
            )
            .await
            .unwrap();
        assert_ne!(
            first_key, second_key,
            "a refused submission gets a fresh key"
        );
        retype(&c, "#lon", &format!("{x_in:.7}")).await;
        retype(&c, "#lat", &format!("{y_in:.7}")).await;
        c.find(css("button#submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let landed = wait_url(&c, "the corrected report's case page", |u| {
            u.path.starts_with("/cases/")
        })
        .await;
        println!("{size:?}: corrected report landed at {landed}");
        let unexpected: Vec<String> = console_errors(&driver, &c)
            .await
            .into_iter()
            .filter(|e| !e.contains("/api/v1/cases - Failed to load resource: the server responded with a status of 422"))
            .collect();
        assert!(unexpected.is_empty(), "console errors: {unexpected:#?}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn desk_pages_fit_a_phone_without_sideways_scrolling() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].code.clone();
    let community = grid[..12].to_string();
    let c = driver.browser(true).await;
    window(&c, PHONE).await;
    let mut wide = Vec::new();
    for (who, pages) in [
        (
            "admin".to_string(),
            vec![
                "/indicators",
                "/admin",
                "/disclosure",
                "/cases",
                "/notifications",
                "/account",
            ],
        ),
        (
            format!("c{community}"),
            vec!["/disclosure/staff", "/deliberation", "/cases", "/territory"],
        ),
    ] {
        sign_in(&c, &app, &who).await;
        let community_pages = [
            format!("/disclosure/{community}"),
            format!("/deliberation/{community}"),
            format!("/territory/{grid}"),
        ];
        let pages = pages.into_iter().map(str::to_string).chain(community_pages);
        for page in pages {
            c.goto(&app.url(&page)).await.unwrap();
            let overflow = c
                .execute(
                    "return document.documentElement.scrollWidth - window.innerWidth;",
                    vec![],
                )
                .await
                .unwrap()
                .as_i64()
                .unwrap_or(0);
            println!("{who} {page}: {overflow}px wider than the phone");
            if overflow > 0 {
                wide.push(format!("{who} {page}: {overflow}px"));
            }
            // The top bar is two rows at most: who is signed in, then the pages (which scroll
            // sideways inside the bar when they do not fit).
            let bar = c
                .execute(
                    "const r = s => { const e = document.querySelector('header.top ' + s); return e && e.getBoundingClientRect(); }; \
                     const brand = r('.brand'), nav = r('nav.links'), me = r('.me'), link = r('nav.links a'); \
                     if (!brand || !nav || !me || !link) return true; \
                     return nav.height < 1.8 * link.height && me.bottom <= nav.top + 1 && Math.abs(me.top - brand.top) < brand.height;",
                    vec![],
                )
                .await
                .unwrap();
            if bar != serde_json::json!(true) {
                wide.push(format!(
                    "{who} {page}: the top bar takes more than two rows"
                ));
            }
        }
    }
    assert!(
        wide.is_empty(),
        "pages wider than a {}px phone: {wide:#?}",
        PHONE.0
    );
    app.cleanup().await;
}
