//! The link sweep: as each demo role (and signed out), start at "/" and the role's navigation
//! and follow every same-origin link breadth-first (GET only, never sign-out; at most three
//! addresses per route pattern), counting every answer that is not 2xx; a 403/404 counts only
//! when it is not a deliberate page in the site's layout. On one page per route pattern and
//! role, opened in the browser at phone size with its scripts run, every visible control has
//! an accessible name, nothing is wider than the phone and a page in the layout starts with a
//! skip link. The links the scripts draw (the map's panels) join the sweep.

use super::*;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use tongxin_core::cases::calendar::Calendar;
use tongxin_demo::DEFAULT_SEED;

/// Addresses visited per route pattern and role.
const PER_PATTERN: usize = 3;
/// A bound on the addresses one role visits, whatever the pages link to.
const MOST_PER_ROLE: usize = 600;
/// Fetches sent together from the page.
const BATCH: usize = 6;

/// The small city with the rest of the demo on it, as `tongxin demo` loads it: people, a
/// year of cases, disclosure, councils and deliberation.
async fn app_with_the_demo() -> App {
    let app = sqlite_app().await;
    with_people(&app).await;
    let calendar = Calendar::builtin();
    tongxin_demo::load::cases::load_history(
        app.store(),
        &tongxin_demo::load::cases::HistoryRequest {
            city: &app.city,
            catalogue: &Catalogue::seed(),
            calendar: &calendar,
            cases: 300,
            seed: DEFAULT_SEED,
            figures: tongxin_demo::load::cases::EnterpriseFigures::SMALL,
            password_hash: "x",
        },
    )
    .await
    .unwrap();
    let hash = tongxin_server::access::password::hash_password(PASSWORD).unwrap();
    tongxin_demo::load::disclosure::load(app.store(), &app.city, DEFAULT_SEED, &hash)
        .await
        .unwrap();
    tongxin_demo::load::councils::load_councils(app.store(), DEFAULT_SEED)
        .await
        .unwrap();
    tongxin_demo::load::sessions::load_sessions(
        app.store(),
        &calendar,
        DEFAULT_SEED,
        tongxin_store::now_millis(),
    )
    .await
    .unwrap();
    app
}

/// The route pattern of an address: runs of digits become N, query values are dropped (the
/// keys stay, sorted).
fn pattern(address: &str) -> String {
    let (path, query) = address.split_once('?').unwrap_or((address, ""));
    let mut out = String::new();
    let mut in_digits = false;
    for ch in path.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            out.push(ch);
            in_digits = false;
        }
    }
    let mut keys: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map(|(k, _)| k).unwrap_or(p))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if !keys.is_empty() {
        out.push('?');
        out.push_str(&keys.join("=&"));
        out.push('=');
    }
    out
}

/// Links the sweep never follows: signing out, and anything that is not a page to read.
fn followed(address: &str) -> bool {
    let path = address.split('?').next().unwrap_or_default();
    !(path == "/logout" || path.starts_with("/auth/") || path.starts_with("/api/v1/auth/"))
}

/// What a GET from the page answered.
#[derive(Debug)]
struct Answer {
    address: String,
    status: u16,
    /// Where the answer came from after redirects.
    landed: String,
    html: bool,
    /// HTML in the site's layout (its top bar and main region).
    in_layout: bool,
    links: Vec<String>,
    /// The start of the page's main text or of the body (for failure messages).
    says: String,
}

/// GETs the addresses from inside the page, together; for an HTML answer, its same-origin
/// links (resolved, without fragments).
const FETCH_ALL: &str = r#"
const parse = (text, base) => {
  const doc = new DOMParser().parseFromString(text, 'text/html');
  const links = [];
  for (const a of doc.querySelectorAll('a[href]')) {
    const raw = a.getAttribute('href').trim();
    if (/^(javascript|mailto|tel|data):/i.test(raw)) continue;
    let u;
    try { u = new URL(raw, base); } catch (e) { continue; }
    if (u.origin !== location.origin) continue;
    links.push(u.pathname + u.search);
  }
  const main = doc.querySelector('main') || doc.body;
  return {
    layout: !!doc.querySelector('header.top') && !!doc.querySelector('main'),
    links,
    says: ((main && main.textContent) || '').replace(/\s+/g, ' ').trim().slice(0, 240),
  };
};
return Promise.all(arguments[0].map(address =>
  fetch(address, {credentials: 'same-origin'}).then(async r => {
    const ctype = r.headers.get('content-type') || '';
    const landed = r.url.startsWith(location.origin) ? r.url.slice(location.origin.length) : r.url;
    if (ctype.startsWith('text/html')) {
      const p = parse(await r.text(), r.url);
      return {address, status: r.status, landed, html: true, layout: p.layout, links: p.links, says: p.says};
    }
    const says = r.ok ? (await r.arrayBuffer(), ctype) : (await r.text()).slice(0, 240);
    return {address, status: r.status, landed, html: false, layout: false, links: [], says};
  }).catch(e => ({address, status: 0, landed: '', html: false, layout: false, links: [], says: String(e)}))
));
"#;

async fn fetch_all(c: &Client, addresses: &[String]) -> Vec<Answer> {
    let v = c
        .execute(FETCH_ALL, vec![json!(addresses)])
        .await
        .unwrap_or_else(|e| panic!("fetching {addresses:?} from the page: {e}"));
    v.as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|a| Answer {
            address: a["address"].as_str().unwrap_or_default().to_string(),
            status: a["status"].as_u64().unwrap_or(0) as u16,
            landed: a["landed"].as_str().unwrap_or_default().to_string(),
            html: a["html"] == true,
            in_layout: a["layout"] == true,
            links: a["links"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            says: a["says"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// The page as it stands in the browser (after its scripts ran): how much wider than the
/// window it is, its same-origin links, and (with every `details` opened) each visible
/// control without an accessible name. The name is what a screen reader would read:
/// aria-label, aria-labelledby, an associated or wrapping label, the text, the title, the alt
/// of an image inside, the placeholder as a last resort.
const LOOK: &str = r#"
const clean = s => (s || '').replace(/\s+/g, ' ').trim();
const overflow = document.documentElement.scrollWidth - window.innerWidth;
const links = [];
for (const a of document.querySelectorAll('a[href]')) {
  let u;
  try { u = new URL(a.getAttribute('href'), location.href); } catch (e) { continue; }
  if (u.origin === location.origin && /^https?:$/.test(u.protocol)) links.push(u.pathname + u.search);
}
for (const d of document.querySelectorAll('details')) d.open = true;
const shown = el => {
  const s = getComputedStyle(el);
  if (s.display === 'none' || s.visibility === 'hidden') return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
};
// A label's own words, without the controls inside it (a select's options are not a name).
const labelText = l => {
  const copy = l.cloneNode(true);
  for (const f of copy.querySelectorAll('input, select, textarea, button')) f.remove();
  return clean(copy.textContent);
};
const nameOf = el => {
  let n = clean(el.getAttribute('aria-label'));
  if (n) return n;
  const by = el.getAttribute('aria-labelledby');
  if (by) {
    n = clean(by.split(/\s+/).map(id => (document.getElementById(id) || {}).textContent || '').join(' '));
    if (n) return n;
  }
  if (el.labels && el.labels.length) {
    n = clean(Array.from(el.labels).map(labelText).join(' '));
    if (n) return n;
  }
  const tag = el.tagName;
  if (tag === 'INPUT' && ['submit', 'reset', 'button'].includes(el.type)) {
    n = clean(el.value) || (el.type === 'button' ? '' : el.type);
    if (n) return n;
  }
  if (tag === 'INPUT' && el.type === 'image') {
    n = clean(el.alt);
    if (n) return n;
  }
  if (tag === 'A' || tag === 'BUTTON') {
    n = clean(el.textContent);
    if (n) return n;
    n = clean(Array.from(el.querySelectorAll('img[alt]')).map(i => i.alt).join(' '));
    if (n) return n;
  }
  n = clean(el.getAttribute('title'));
  if (n) return n;
  return clean(el.getAttribute('placeholder'));
};
const describe = el => {
  const copy = el.cloneNode(false);
  let s = copy.outerHTML;
  if (el.tagName !== 'INPUT') s = s.replace(/<\/[a-z]+>$/i, '');
  const where = el.closest('form[action], section[id], div[id], nav[id], details');
  const at = where ? ' in ' + where.tagName.toLowerCase() + (where.id ? '#' + where.id : '') +
    (where.getAttribute('action') ? '[action=' + where.getAttribute('action') + ']' : '') : '';
  return s.slice(0, 180) + at;
};
const unnamed = [];
let controls = 0;
for (const el of document.querySelectorAll('input, select, textarea, button, a[href]')) {
  if (el.tagName === 'INPUT' && el.type === 'hidden') continue;
  if (!shown(el)) continue;
  controls += 1;
  if (!nameOf(el)) unnamed.push(describe(el));
}
// The first link of the page skips to a region that is there.
const first = document.querySelector('body a[href]');
const target = first && first.getAttribute('href').startsWith('#') && first.getAttribute('href').length > 1
  ? document.getElementById(first.getAttribute('href').slice(1)) : null;
const skip = !!target && !!first.textContent.trim();
return {overflow, links, unnamed, controls, skip};
"#;

/// What one page showed in the browser at phone size.
struct Look {
    overflow: i64,
    links: Vec<String>,
    controls: usize,
    unnamed: Vec<String>,
    skip_link: bool,
    console: Vec<String>,
}

/// Opens the page in the browser, lets its scripts finish (the map drawn, their requests
/// answered) and looks at it.
async fn look_at(driver: &Driver, c: &Client, app: &App, address: &str) -> Look {
    // What the sweep's own fetches logged (a deliberate 403 page, say) is not this page's.
    console_errors(driver, c).await;
    c.goto(&app.url(address)).await.unwrap();
    let scripted = c
        .execute(
            "return document.querySelectorAll('script[src]').length;",
            vec![],
        )
        .await
        .unwrap();
    if scripted.as_u64().unwrap_or(0) > 0 {
        // Until the map says it is drawn and no request has started for a moment.
        let started = Instant::now();
        let mut last = -1;
        while started.elapsed() < Duration::from_secs(10) {
            let v = c
                .execute(
                    "const m = document.getElementById('map-app'); \
                     return (m && m.dataset.ready !== '1') ? -1 \
                       : performance.getEntriesByType('resource').length;",
                    vec![],
                )
                .await
                .unwrap();
            let n = v.as_i64().unwrap_or(-1);
            if n >= 0 && n == last {
                break;
            }
            last = n;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let v = c.execute(LOOK, vec![]).await.unwrap();
    let strings = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    Look {
        overflow: v["overflow"].as_i64().unwrap_or(0),
        links: strings("links"),
        controls: v["controls"].as_u64().unwrap_or(0) as usize,
        unnamed: strings("unnamed"),
        skip_link: v["skip"] == true,
        console: console_errors(driver, c).await,
    }
}

/// One role's sweep: who signs in, where it starts.
struct Role {
    label: String,
    login: Option<String>,
}

/// What the sweep found for one role.
#[derive(Default)]
struct Found {
    visited: usize,
    /// Whether the sweep stopped at `MOST_PER_ROLE` addresses.
    capped: bool,
    sampled: usize,
    /// Deliberate 403/404 pages (in the layout), as "status address ← linked from".
    deliberate: Vec<String>,
    failures: Vec<String>,
    /// Visible controls checked for a name.
    controls: usize,
    unnamed: Vec<String>,
    wide: Vec<String>,
    /// Pages in the layout without a working skip link.
    no_skip: Vec<String>,
    /// Errors in the browser console (reported, not counted).
    console: Vec<String>,
    /// The route patterns visited, with how many addresses of each.
    seen_patterns: BTreeMap<String, usize>,
}

async fn sweep_role(driver: &Driver, app: &App, c: &Client, role: &Role) -> Found {
    let mut found = Found::default();
    // The page every fetch starts from (same origin, the role's cookies).
    c.goto(&app.url("/login")).await.unwrap();
    let mut starts = vec!["/".to_string()];
    match &role.login {
        Some(login) => {
            sign_in(c, app, login).await;
            let nav = c
                .execute(
                    "return Array.from(document.querySelectorAll('header.top a[href]'))\
                       .map(a => a.getAttribute('href'));",
                    vec![],
                )
                .await
                .unwrap();
            starts.extend(
                nav.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|h| h.as_str().map(str::to_string)),
            );
        }
        None => {
            c.delete_all_cookies().await.unwrap();
            starts.extend(["/disclosure".to_string(), "/login".to_string()]);
        }
    }
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut per_pattern: HashMap<String, usize> = HashMap::new();
    let mut sampled: HashSet<String> = HashSet::new();
    let mut linked_from: HashMap<String, String> = HashMap::new();
    let mut offer = |address: String,
                     from: &str,
                     queue: &mut VecDeque<String>,
                     linked_from: &mut HashMap<String, String>| {
        if !followed(&address) || seen.contains(&address) || seen.len() >= MOST_PER_ROLE {
            return;
        }
        let n = per_pattern.entry(pattern(&address)).or_default();
        if *n >= PER_PATTERN {
            return;
        }
        *n += 1;
        seen.insert(address.clone());
        linked_from.insert(address.clone(), from.to_string());
        queue.push_back(address);
    };
    for s in starts {
        offer(s, "(start)", &mut queue, &mut linked_from);
    }
    while !queue.is_empty() {
        // The language switch changes the session's language: alone, then back to Chinese.
        let batch: Vec<String> = if queue.front().is_some_and(|a| a.starts_with("/lang")) {
            vec![queue.pop_front().unwrap()]
        } else {
            let mut b = Vec::new();
            while b.len() < BATCH && queue.front().is_some_and(|a| !a.starts_with("/lang")) {
                b.push(queue.pop_front().unwrap());
            }
            b
        };
        let answers = fetch_all(c, &batch).await;
        if batch[0].starts_with("/lang") {
            fetch(c, "/lang?to=zh&back=/").await;
        }
        for a in answers {
            found.visited += 1;
            let from = linked_from.get(&a.address).cloned().unwrap_or_default();
            let ok = (200..300).contains(&a.status);
            let deliberate = matches!(a.status, 403 | 404) && a.html && a.in_layout;
            if !ok {
                let line = format!(
                    "{} {} ← {from}{}: {}",
                    a.status,
                    a.address,
                    if a.landed != a.address && !a.landed.is_empty() {
                        format!(" (landed at {})", a.landed)
                    } else {
                        String::new()
                    },
                    a.says
                );
                if deliberate {
                    found.deliberate.push(line);
                } else {
                    found.failures.push(line);
                }
            } else if role.login.is_some() && a.landed.starts_with("/login") {
                found.failures.push(format!(
                    "{} {} ← {from}: sent a signed-in {} to sign in",
                    a.status, a.address, role.label
                ));
            }
            let page = if a.landed.is_empty() {
                &a.address
            } else {
                &a.landed
            };
            for link in &a.links {
                offer(link.clone(), page, &mut queue, &mut linked_from);
            }
            // One page per route pattern at phone size, in the browser, scripts and all.
            let here = if a.landed.is_empty() {
                a.address.clone()
            } else {
                a.landed.clone()
            };
            if ok && a.html && !a.address.starts_with("/lang") && sampled.insert(pattern(&here)) {
                found.sampled += 1;
                let look = look_at(driver, c, app, &a.address).await;
                found.controls += look.controls;
                if look.overflow > 1 {
                    found.wide.push(format!(
                        "{here}: {}px wider than the {}px phone",
                        look.overflow, PHONE.0
                    ));
                }
                found
                    .unnamed
                    .extend(look.unnamed.iter().map(|u| format!("{here}: {u}")));
                if a.in_layout && !look.skip_link {
                    found.no_skip.push(here.clone());
                }
                found
                    .console
                    .extend(look.console.iter().map(|e| format!("{here}: {e}")));
                // Links the page's scripts drew (the map's panels) join the sweep.
                for l in look.links {
                    offer(l, &here, &mut queue, &mut linked_from);
                }
            }
        }
    }
    found.capped = seen.len() >= MOST_PER_ROLE;
    found.seen_patterns = per_pattern.into_iter().collect();
    found
}

#[tokio::test]
async fn sweep_every_link_as_every_role_at_phone_size() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let started = Instant::now();
    let app = app_with_the_demo().await;
    let loaded = started.elapsed();
    // A community with demo residents, and everyone above and within it.
    let resident = app
        .city
        .accounts
        .iter()
        .find(|a| a.role == "resident")
        .expect("a demo resident")
        .node_code
        .clone();
    let community = resident[..12].to_string();
    let grid = format!("{community}001");
    let (street, district) = (&community[..9], &community[..6]);
    let logins = [
        "admin".to_string(),
        "auditor".to_string(),
        format!("d{district}"),
        format!("s{street}"),
        format!("c{community}"),
        format!("g{grid}-1"),
        format!("h{district}"),
        format!("r{community}001"),
        format!("p{community}002"),
    ];
    let mut roles: Vec<Role> = logins
        .iter()
        .map(|l| Role {
            label: l.clone(),
            login: Some(l.clone()),
        })
        .collect();
    roles.push(Role {
        label: "signed out".into(),
        login: None,
    });
    for l in &logins {
        assert!(
            app.city.accounts.iter().any(|a| &a.username == l),
            "no demo account {l}"
        );
    }

    let c = driver.browser(true).await;
    window(&c, PHONE).await;
    let mut report: BTreeMap<usize, (String, Found, Duration)> = BTreeMap::new();
    for (i, role) in roles.iter().enumerate() {
        let t = Instant::now();
        let found = sweep_role(&driver, &app, &c, role).await;
        report.insert(i, (role.label.clone(), found, t.elapsed()));
    }
    c.close().await.unwrap();
    drop(driver);

    println!(
        "link sweep over the small demo (loaded in {:.1}s), {:.1}s in all:",
        loaded.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let (mut failures, mut unnamed, mut wide, mut no_skip, mut console) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (label, f, took) in report.values() {
        println!(
            "  {label}: {} pages visited{} ({} route patterns), {} sampled at phone size with {} \
             visible controls; {} deliberate 403/404, {} failures, {} unnamed controls, {} too \
             wide, {} without a skip link ({:.1}s)",
            f.visited,
            if f.capped {
                " (stopped at the bound)"
            } else {
                ""
            },
            f.seen_patterns.len(),
            f.sampled,
            f.controls,
            f.deliberate.len(),
            f.failures.len(),
            f.unnamed.len(),
            f.wide.len(),
            f.no_skip.len(),
            took.as_secs_f64()
        );
        let patterns: Vec<String> = f
            .seen_patterns
            .iter()
            .map(|(p, n)| format!("{p}×{n}"))
            .collect();
        println!("    {}", patterns.join(" "));
        for d in &f.deliberate {
            println!("    deliberate: {d}");
        }
        let mine = |list: &[String]| -> Vec<String> {
            list.iter().map(|x| format!("{label}: {x}")).collect()
        };
        failures.extend(mine(&f.failures));
        unnamed.extend(mine(&f.unnamed));
        wide.extend(mine(&f.wide));
        no_skip.extend(mine(&f.no_skip));
        console.extend(mine(&f.console));
    }
    for (what, list) in [
        ("non-2xx answers", &failures),
        ("controls without an accessible name", &unnamed),
        ("pages wider than the phone", &wide),
        ("pages in the layout without a skip link", &no_skip),
        ("console errors (reported, not counted)", &console),
    ] {
        println!("{} {what}", list.len());
        for x in list.iter() {
            println!("  {x}");
        }
    }
    app.cleanup().await;
    assert!(
        failures.is_empty() && unnamed.is_empty() && wide.is_empty() && no_skip.is_empty(),
        "{} non-2xx answers, {} unnamed controls, {} pages too wide, {} without a skip link \
         (listed above): {failures:#?}\n{unnamed:#?}\n{wide:#?}\n{no_skip:#?}",
        failures.len(),
        unnamed.len(),
        wide.len(),
        no_skip.len()
    );
}

#[test]
fn route_patterns_fold_numbers_and_query_values() {
    assert_eq!(pattern("/cases/12"), "/cases/N");
    assert_eq!(
        pattern("/cases?within=450102001&status=filed&page=2"),
        "/cases?page=&status=&within="
    );
    assert_eq!(pattern("/territory/450102"), "/territory/N");
    assert_eq!(pattern("/ballots/3/vote"), "/ballots/N/vote");
    assert_eq!(pattern("/map"), "/map");
    assert!(!followed("/logout"));
    assert!(followed("/disclosure"));
}
