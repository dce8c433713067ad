//! The deliberation and disclosure pages in a real browser over a year of the demo's
//! deliberation and disclosure: every long list is paged with its total and page numbers,
//! the page links work (page 2 shows other rows than page 1), nothing is wider than a
//! 390 px phone, page 1 stays short on a phone, and every control has an accessible name.

use super::*;
use tongxin_core::cases::calendar::Calendar;
use tongxin_demo::DEFAULT_SEED;

/// The small city with the demo's year of disclosure and deliberation, as `tongxin demo`
/// loads it.
async fn app_with_a_year() -> App {
    let app = sqlite_app().await;
    let hash = tongxin_server::access::password::hash_password(PASSWORD).unwrap();
    tongxin_demo::load::disclosure::load(app.store(), &app.city, DEFAULT_SEED, &hash)
        .await
        .unwrap();
    tongxin_demo::load::sessions::load_sessions(
        app.store(),
        &Calendar::builtin(),
        DEFAULT_SEED,
        tongxin_store::now_millis(),
    )
    .await
    .unwrap();
    app
}

async fn count(app: &App, sql: &'static str, community: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(community)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    n
}

/// The controls on the page without an accessible name, computed the way a screen reader
/// does for these elements: aria-label, aria-labelledby, an associated label, the text, the
/// title, the alt of an image inside.
const UNNAMED_CONTROLS: &str = r#"
const missing = [];
for (const el of document.querySelectorAll('input, select, textarea, button, a')) {
  if (el.tagName === 'INPUT' && el.type === 'hidden') continue;
  const field = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName);
  let name = (el.getAttribute('aria-label') || '').trim();
  if (!name && el.getAttribute('aria-labelledby')) {
    name = el.getAttribute('aria-labelledby').split(/\s+/)
      .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  }
  if (!name && el.labels) name = Array.from(el.labels).map(l => l.textContent).join(' ').trim();
  if (!name && !field) name = (el.textContent || '').trim();
  if (!name && el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) name = (el.value || '').trim();
  if (!name) name = (el.getAttribute('title') || '').trim();
  if (!name) { const img = el.querySelector('img[alt]'); if (img) name = img.alt.trim(); }
  if (!name) missing.push(el.outerHTML.slice(0, 200));
}
return missing;
"#;

/// What a page looks like to the test: its size against the window, its unnamed controls.
struct Shape {
    overflow: i64,
    height: i64,
    unnamed: Vec<String>,
}

async fn shape(c: &Client) -> Shape {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth - window.innerWidth, document.documentElement.scrollHeight];",
            vec![],
        )
        .await
        .unwrap();
    let unnamed = c.execute(UNNAMED_CONTROLS, vec![]).await.unwrap();
    Shape {
        overflow: v[0].as_i64().unwrap_or(0),
        height: v[1].as_i64().unwrap_or(0),
        unnamed: unnamed
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The pager of the list `param` on the page: (total it states, number of pages), checking
/// that it shows the total as "共 N 条".
async fn pager_of(c: &Client, param: &str) -> (i64, i64) {
    let selector = format!("nav.pager[data-param={param}]");
    let nav = match c.find(css(&selector)).await {
        Ok(n) => n,
        Err(_) => panic!("no pager for {param}; {}", whereabouts(c).await),
    };
    let total: i64 = nav
        .attr("data-total")
        .await
        .unwrap()
        .unwrap_or_default()
        .parse()
        .unwrap();
    let pages: i64 = nav
        .attr("data-pages")
        .await
        .unwrap()
        .unwrap_or_default()
        .parse()
        .unwrap();
    let text = nav.text().await.unwrap();
    assert!(
        text.contains(&format!("共 {total} 条")),
        "the {param} pager says {text:?}"
    );
    (total, pages)
}

/// The texts of the rows `rows` (a CSS selector) of the list on the page.
async fn rows(c: &Client, rows: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(css(rows)).await.unwrap() {
        out.push(e.text().await.unwrap_or_default());
    }
    out
}

/// Follows the pager's link to page 2 of `param` the way a person does, and returns the
/// rows shown there.
async fn to_page_two(c: &Client, param: &str, rows_selector: &str) -> Vec<String> {
    let link = format!("nav.pager[data-param={param}] a[data-page='2']");
    let a = match c.find(css(&link)).await {
        Ok(a) => a,
        Err(_) => panic!("no link to page 2 of {param}; {}", whereabouts(c).await),
    };
    a.click().await.unwrap();
    wait_url(c, &format!("page 2 of {param}"), |u| {
        u.query.contains(&format!("{param}=2"))
    })
    .await;
    let current = c
        .find(css(&format!(
            "nav.pager[data-param={param}] [aria-current=page]"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        current, "2",
        "page 2 of {param} is marked as the current page"
    );
    rows(c, rows_selector).await
}

#[tokio::test]
async fn deliberation_and_disclosure_pages_are_paged_named_and_fit_a_phone() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = app_with_a_year().await;
    let community = app.city.grids[0].code[..12].to_string();
    let items = count(
        &app,
        "SELECT COUNT(*) FROM session_items WHERE community_code = $1",
        &community,
    )
    .await;
    let published = count(
        &app,
        "SELECT COUNT(*) FROM disclosure_postings WHERE community_code = $1 AND status = 'published'",
        &community,
    )
    .await;
    let current = count(
        &app,
        "SELECT COUNT(*) FROM disclosure_postings p WHERE community_code = $1 AND status = 'published' \
         AND NOT EXISTS (SELECT 1 FROM disclosure_postings n WHERE n.supersedes = p.id AND n.status = 'published')",
        &community,
    )
    .await;
    assert!(
        items > 20 && published > 20 && current > 10,
        "the demo year has long lists: {items} items, {published} published ({current} current)"
    );
    let c = driver.browser(true).await;
    let staff = format!("c{community}");
    let mut problems = Vec::new();
    for size in [PHONE, DESK] {
        window(&c, size).await;
        sign_in(&c, &app, &staff).await;
        // (page, the list to page through, the rows of that list, the total expected)
        let pages = [
            (
                format!("/deliberation/{community}"),
                "items_page",
                "#items tbody tr",
                items,
            ),
            (
                format!("/disclosure/{community}"),
                "page",
                "#postings > article.posting",
                current,
            ),
            (
                format!("/disclosure/{community}/staff"),
                "published_page",
                "#published tr:has(td)",
                published,
            ),
        ];
        for (page, param, row, expected) in pages {
            c.goto(&app.url(&page)).await.unwrap();
            let s = shape(&c).await;
            if let Ok(dir) = std::env::var("TONGXIN_SHOTS") {
                c.set_window_size(size.0, s.height as u32 + 100)
                    .await
                    .unwrap();
                let png = c.screenshot().await.unwrap();
                std::fs::write(
                    format!("{dir}/{}-{}.png", size.0, page.replace('/', "_")),
                    png,
                )
                .unwrap();
                window(&c, size).await;
            }
            println!(
                "{}x{} {page}: {} px high, {} px too wide, {} unnamed controls",
                size.0,
                size.1,
                s.height,
                s.overflow,
                s.unnamed.len()
            );
            if s.overflow > 0 {
                problems.push(format!("{page} at {size:?}: {} px too wide", s.overflow));
            }
            if size == PHONE && s.height >= 2_500 {
                problems.push(format!("{page} on a phone: {} px high", s.height));
            }
            if !s.unnamed.is_empty() {
                problems.push(format!("{page}: controls without a name: {:#?}", s.unnamed));
            }
            let (total, pages) = pager_of(&c, param).await;
            assert_eq!(total, expected, "{page}: the total of {param}");
            assert!(pages >= 2, "{page}: {total} rows fit one page?");
            let first = rows(&c, row).await;
            assert!(!first.is_empty(), "{page}: no rows on page 1");
            let second = to_page_two(&c, param, row).await;
            assert!(!second.is_empty(), "{page}: no rows on page 2");
            assert!(
                first.iter().all(|r| !second.contains(r)),
                "{page}: page 2 repeats page 1: {first:?} / {second:?}"
            );
            let s = shape(&c).await;
            if s.overflow > 0 {
                problems.push(format!(
                    "{page} page 2 at {size:?}: {} px too wide",
                    s.overflow
                ));
            }
            if !s.unnamed.is_empty() {
                problems.push(format!(
                    "{page} page 2: controls without a name: {:#?}",
                    s.unnamed
                ));
            }
        }
        // The pages the lists lead to: an item, a matter, a decision, a correction form.
        let mut leads = Vec::new();
        for (page, link) in [
            (
                format!("/deliberation/{community}"),
                "#items a[href^='/deliberation/items/']",
            ),
            (
                format!("/deliberation/{community}"),
                "#matters a[href^='/deliberation/matters/']",
            ),
            (
                format!("/deliberation/{community}"),
                "#decisions a[href^='/deliberation/decisions/']",
            ),
            (
                format!("/disclosure/{community}/staff"),
                "#published a[href$='/correct']",
            ),
        ] {
            c.goto(&app.url(&page)).await.unwrap();
            match c.find(css(link)).await {
                Ok(a) => leads.push(a.attr("href").await.unwrap().unwrap_or_default()),
                Err(_) => panic!("no {link} on {page}; {}", whereabouts(&c).await),
            }
        }
        for page in leads {
            c.goto(&app.url(&page)).await.unwrap();
            let s = shape(&c).await;
            println!(
                "{}x{} {page}: {} px high, {} px too wide, {} unnamed controls",
                size.0,
                size.1,
                s.height,
                s.overflow,
                s.unnamed.len()
            );
            if s.overflow > 0 {
                problems.push(format!("{page} at {size:?}: {} px too wide", s.overflow));
            }
            if !s.unnamed.is_empty() {
                problems.push(format!("{page}: controls without a name: {:#?}", s.unnamed));
            }
        }
        // The city's overviews: every community, page by page.
        sign_in(&c, &app, "admin").await;
        for page in ["/deliberation", "/disclosure/staff"] {
            c.goto(&app.url(page)).await.unwrap();
            let s = shape(&c).await;
            println!(
                "admin {}x{} {page}: {} px high, {} px too wide",
                size.0, size.1, s.height, s.overflow
            );
            if s.overflow > 0 {
                problems.push(format!("{page} at {size:?}: {} px too wide", s.overflow));
            }
            if !s.unnamed.is_empty() {
                problems.push(format!("{page}: controls without a name: {:#?}", s.unnamed));
            }
            let communities = app
                .city
                .divisions
                .iter()
                .filter(|d| d.code.len() == 12)
                .count() as i64;
            let (total, _) = pager_of(&c, "page").await;
            assert_eq!(total, communities, "{page}: every community counted");
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert_no_console_errors(&driver, &c, "on the paged pages").await;
    app.cleanup().await;
}
