//! The case pages in a real browser, at phone and desk size, over a year of demo cases: the
//! case list's total and page numbers move through the list keeping its filters; the
//! early-warning list names each case's grid and department and dispatches from the list;
//! a department's handler attaches an after-photo to the handle step, and the case page shows
//! the before and after photos and the case's point inside its grid's outline.

use super::*;

/// The small city with a year of demo cases, and many of them running late: a report from
/// every grid, and every open case a few hours or days past its step deadline.
async fn app_with_late_cases() -> App {
    let app = sqlite_app().await;
    let catalogue = Catalogue::seed();
    let calendar = tongxin_core::cases::calendar::Calendar::builtin();
    tongxin_demo::load::cases::load_history(
        app.store(),
        &tongxin_demo::load::cases::HistoryRequest {
            city: &app.city,
            catalogue: &catalogue,
            calendar: &calendar,
            cases: 1_500,
            seed: 11,
            figures: tongxin_demo::load::cases::EnterpriseFigures::SMALL,
            password_hash: "x",
        },
    )
    .await
    .unwrap();
    for g in &app.city.grids {
        let who = app.login(&format!("g{}-1", g.code)).await;
        app.post(
            &who.auth(),
            "/api/v1/cases",
            &json!({"category": "0102", "description": "乱堆物料", "grid_code": g.code}),
        )
        .await
        .expect(201);
    }
    sqlx::query(
        "UPDATE cases SET step_due_at = $1 - (id % 97) * 3600000 \
         WHERE status IN ('reported', 'filed', 'dispatched', 'accepted', 'handled')",
    )
    .bind(tongxin_store::now_millis())
    .execute(app.store().pool())
    .await
    .unwrap();
    app
}

/// A case in `grid` reported by its worker and filed by its community, `dispatched` to the
/// city's urban management bureau or not, and long overdue (`due` ms after 1970, so it heads
/// the warning list).
async fn late_case(app: &App, grid: &str, dispatched: bool, due: i64) -> i64 {
    let worker = app.login(&format!("g{grid}-1")).await;
    let community = app.login(&format!("c{}", &grid[..12])).await;
    let id = app
        .post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": "1101", "description": "井盖缺失", "grid_code": grid}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let mut steps = vec![json!({"action": "file", "note": ""})];
    if dispatched {
        steps.push(json!({"action": "dispatch", "department": "cgj", "note": ""}));
    }
    for body in steps {
        app.post(
            &community.auth(),
            &format!("/api/v1/cases/{id}/actions"),
            &body,
        )
        .await
        .expect(200);
    }
    sqlx::query("UPDATE cases SET step_due_at = $1 WHERE id = $2")
        .bind(due)
        .bind(id)
        .execute(app.store().pool())
        .await
        .unwrap();
    id
}

async fn overflow(c: &Client) -> i64 {
    c.execute(
        "return document.documentElement.scrollWidth - window.innerWidth;",
        vec![],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap_or(0)
}

/// The case numbers in the case list's table, in order.
async fn listed_cases(c: &Client) -> Vec<i64> {
    c.execute(
        "return Array.from(document.querySelectorAll('form[action=\"/cases/dispatch\"] table a[href^=\"/cases/\"]'))\
           .map(a => parseInt(a.getAttribute('href').slice(7), 10));",
        vec![],
    )
    .await
    .unwrap()
    .as_array()
    .unwrap()
    .iter()
    .filter_map(Value::as_i64)
    .collect()
}

/// Clicks the pager's link `selector` and waits for the page it leads to.
async fn follow_pager(c: &Client, selector: &str, page: i64) -> Here {
    let link = c
        .find(css(&format!("nav.pager {selector}")))
        .await
        .unwrap_or_else(|_| panic!("no pager link {selector}"));
    link.click().await.unwrap();
    wait_url(c, &format!("page {page} of the list"), |u| {
        u.query.contains(&format!("page={page}"))
    })
    .await
}

#[tokio::test]
async fn page_numbers_move_through_the_case_list_and_the_warning_list_dispatches() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = app_with_late_cases().await;
    let grid = app.city.grids[0].clone();
    let district = grid.code[..6].to_string();
    let other = app
        .districts()
        .into_iter()
        .find(|d| *d != district)
        .unwrap();
    let community = format!("c{}", &grid.code[..12]);
    let (closed,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE grid_code >= $1 AND grid_code < $2 AND status = 'closed'",
    )
    .bind(&district)
    .bind(format!("{district}A"))
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    let pages = (closed + 49) / 50;
    assert!(pages >= 4, "{closed} closed cases in {district}");
    let c = driver.browser(true).await;
    for (n, size) in [PHONE, DESK].into_iter().enumerate() {
        window(&c, size).await;

        // The case list: the total, and page numbers that keep the filters.
        sign_in(&c, &app, &format!("d{district}")).await;
        c.goto(&app.url(&format!("/cases?within={district}&status=closed")))
            .await
            .unwrap();
        let total = c
            .find(css("#case-total"))
            .await
            .unwrap_or_else(|_| panic!("no total on the case list"))
            .text()
            .await
            .unwrap();
        assert!(
            total.contains(&format!("共 {closed} 件")),
            "{size:?}: {total}"
        );
        let first = listed_cases(&c).await;
        assert_eq!(first.len(), 50, "{size:?}");
        let here = follow_pager(&c, "a[rel=next]", 2).await;
        assert!(
            here.query.contains(&format!("within={district}"))
                && here.query.contains("status=closed"),
            "{size:?}: the filters are kept: {here}"
        );
        let second = listed_cases(&c).await;
        assert!(
            second.len() == 50 && second.iter().all(|id| !first.contains(id)),
            "{size:?}: page 2 shows other cases"
        );
        let third = follow_pager(&c, "a[data-page='3']", 3).await;
        assert!(third.query.contains("status=closed"), "{third}");
        let current = c
            .find(css("nav.pager [aria-current=page]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(current, "3", "{size:?}");
        follow_pager(&c, "a[rel=last]", pages).await;
        let last = listed_cases(&c).await;
        assert_eq!(last.len() as i64, closed - 50 * (pages - 1), "{size:?}");
        follow_pager(&c, "a[rel=first]", 1).await;
        assert_eq!(
            listed_cases(&c).await,
            first,
            "{size:?}: back at the first page"
        );
        let wide = overflow(&c).await;
        println!("{size:?}: the case list, {closed} cases in {pages} pages, {wide}px too wide");
        if size == PHONE {
            assert!(wide <= 0, "the case list is {wide}px wider than the phone");
        }

        // The warning list: grid and department by name; dispatch from the list.
        let with_department = late_case(&app, &grid.code, true, 1_000 + n as i64 * 10).await;
        let waiting = late_case(&app, &grid.code, false, 1_001 + n as i64 * 10).await;
        sign_in(&c, &app, &community).await;
        c.goto(&app.url("/cases/warnings")).await.unwrap();
        let total = c
            .find(css("#warning-total"))
            .await
            .unwrap_or_else(|_| panic!("no total on the warning list"))
            .text()
            .await
            .unwrap();
        println!("{size:?}: warning list {total}");
        let row = |id: i64| format!("#warning-cases tr[data-case='{id}']");
        let text = c
            .find(css(&row(with_department)))
            .await
            .unwrap_or_else(|_| panic!("case #{with_department} is not in the warning list"))
            .text()
            .await
            .unwrap();
        assert!(
            text.contains(&grid.name)
                && text.contains("南宁市城市管理综合行政执法局")
                && text.contains("超期"),
            "{size:?}: {text}"
        );
        assert!(
            !text.contains(&grid.code),
            "{size:?}: the grid by its name: {text}"
        );
        let form = c
            .find(css(&format!("{} form.dispatch", row(waiting))))
            .await
            .unwrap_or_else(|_| panic!("no dispatch for case #{waiting}"));
        let offered: Vec<String> = c
            .execute(
                "return Array.from(arguments[0].querySelectorAll('option')).map(o => o.value);",
                vec![serde_json::to_value(&form).unwrap()],
            )
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        assert!(
            offered.contains(&format!("cgj-{district}"))
                && offered.iter().all(|d| !d.ends_with(&format!("-{other}"))),
            "{size:?}: only the district's departments: {offered:?}"
        );
        form.find(css("select[name=department]"))
            .await
            .unwrap()
            .select_by_value(&format!("cgj-{district}"))
            .await
            .unwrap();
        form.find(css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let back = wait_url(&c, "back on the warning list after dispatch", |u| {
            u.path == "/cases/warnings" && u.query.contains("done=")
        })
        .await;
        println!("{size:?}: dispatched case #{waiting} from the warning list ({back})");
        assert!(c.find(css("main .ok")).await.is_ok(), "{size:?}: confirmed");
        assert!(
            c.find(css(&format!("{} form.dispatch", row(waiting))))
                .await
                .is_err(),
            "{size:?}: case #{waiting} is still offered for dispatch"
        );
        let session = app.login(&community).await;
        let case = app
            .get(&session.auth(), &format!("/api/v1/cases/{waiting}"))
            .await
            .expect(200);
        assert_eq!(case["status"], "dispatched");
        assert_eq!(case["department"], format!("cgj-{district}"));
        let wide = overflow(&c).await;
        if size == PHONE {
            assert!(
                wide <= 0,
                "the warning list is {wide}px wider than the phone"
            );
        }
        assert_no_console_errors(&driver, &c, "on the case and warning lists").await;
    }
    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}

#[tokio::test]
async fn a_handler_attaches_an_after_photo_and_the_case_page_shows_both_and_the_map() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[0].clone();
    let worker = app.login(&format!("g{}-1", grid.code)).await;
    let community = app.login(&format!("c{}", &grid.code[..12])).await;
    let handler = format!("h{}", &grid.code[..6]);
    let handler_session = app.login(&handler).await;
    let [lon, lat] = interior_point(&app.grid_ring(&grid.code));
    let dir = tempfile::tempdir().unwrap();
    let photo = png(dir.path());
    let c = driver.browser(true).await;
    for size in [PHONE, DESK] {
        // Reported with a photo, filed, dispatched and taken by the department.
        let bytes = {
            let img = image::RgbImage::from_fn(48, 32, |x, y| {
                image::Rgb([200, (x * 5) as u8, (y * 7) as u8])
            });
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).unwrap();
            out.into_inner()
        };
        let before = send(
            app.req(&worker.auth(), reqwest::Method::POST, "/api/v1/media")
                .header("content-type", "application/octet-stream")
                .body(bytes),
        )
        .await
        .json()["hash"]
            .as_str()
            .unwrap()
            .to_string();
        let id = app
            .post(
                &worker.auth(),
                "/api/v1/cases",
                &json!({"category": "1101", "description": "井盖破损", "lon": lon, "lat": lat, "photos": [before]}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        for (who, body) in [
            (&community, json!({"action": "file", "note": ""})),
            (
                &community,
                json!({"action": "dispatch", "department": "cgj", "note": ""}),
            ),
            (&handler_session, json!({"action": "accept", "note": ""})),
        ] {
            app.post(&who.auth(), &format!("/api/v1/cases/{id}/actions"), &body)
                .await
                .expect(200);
        }

        // The handler reports it handled with a photo of the result.
        window(&c, size).await;
        sign_in(&c, &app, &handler).await;
        c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
        let section =
            format!("details:has(form[action='/cases/{id}/act'] input[name=action][value=handle])");
        let details = c
            .find(css(&section))
            .await
            .unwrap_or_else(|_| panic!("no handle step for the handler on case #{id}"));
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
        wait_js(
            &c,
            &format!("(() => {{ const l = document.querySelector(\"{section} label.handle-photo\"); return !!l && !l.hidden; }})()"),
            "the handle form's photo field",
        )
        .await;
        form.find(css("textarea[name=text]"))
            .await
            .unwrap()
            .send_keys("已更换井盖")
            .await
            .unwrap();
        form.find(css("label.handle-photo input[type=file]"))
            .await
            .unwrap()
            .send_keys(&photo.display().to_string())
            .await
            .unwrap();
        wait_js(
            &c,
            &format!(
                "(() => {{ const f = document.querySelector(\"{section} form\"); const i = f.querySelector('.handle-preview img'); \
                   return !!i && i.complete && i.naturalWidth > 0 && f.photos.value.length === 64 && !f.querySelector('button[type=submit]').disabled; }})()"
            ),
            "the after-photo uploaded and shown",
        )
        .await;
        form.find(css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_url(&c, &format!("handle of case {id} done"), |u| {
            u.path == format!("/cases/{id}") && u.query.contains("done=")
        })
        .await;
        let h1 = heading(&c).await;
        assert!(h1.contains("待核查"), "{size:?}: {h1}");

        // Before and after, labelled, as the handler and as the community see them; and the
        // case's point inside its grid's outline.
        for who in [handler.clone(), format!("c{}", &grid.code[..12])] {
            sign_in(&c, &app, &who).await;
            c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
            for (part, label, hash) in [
                ("before", "处置前", Some(before.as_str())),
                ("after", "处置后", None),
            ] {
                let shown = wait_js(
                    &c,
                    &format!(
                        "(() => {{ const s = document.querySelector('#case-photos section.{part}'); if (!s) return false; \
                           const imgs = Array.from(s.querySelectorAll('img')); \
                           return s.querySelector('h3').textContent.includes({label:?}) && imgs.length === 1 && imgs.every(i => i.complete && i.naturalWidth > 0) \
                             && imgs[0].getAttribute('src'); }})()"
                    ),
                    &format!("the {part} photo on case #{id}"),
                )
                .await;
                if let Some(h) = hash {
                    assert!(
                        shown.as_str().unwrap_or_default().contains(h),
                        "{size:?}: {shown}"
                    );
                }
            }
            let map = c
                .execute(
                    "const m = document.getElementById('case-map'); if (!m) return null; const r = m.getBoundingClientRect(); \
                     const o = m.querySelector('path.outline'), p = m.querySelector('circle.point'); \
                     return {w: r.width, h: r.height, outline: !!o, point: !!p, inside: m.dataset.inside, \
                       label: m.getAttribute('aria-label'), \
                       pointInOutline: !!o && !!p && o.isPointInFill(new DOMPoint(p.cx.baseVal.value, p.cy.baseVal.value)), \
                       pointShown: !!p && p.parentNode === m && p.getBoundingClientRect().width > 0};",
                    vec![],
                )
                .await
                .unwrap();
            println!("{size:?} {who}: case #{id} map {map}");
            assert!(
                map["outline"] == true && map["point"] == true,
                "{size:?}: {map}"
            );
            assert_eq!(map["inside"], "1", "{size:?}: {map}");
            assert_eq!(map["pointInOutline"], true, "{size:?}: {map}");
            assert_eq!(
                map["pointShown"], true,
                "{size:?}: the point is drawn: {map}"
            );
            assert!(
                map["label"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(&grid.name),
                "{size:?}: {map}"
            );
            let w = map["w"].as_f64().unwrap_or(0.0);
            assert!(
                w > 100.0 && w <= size.0 as f64,
                "{size:?}: the map is {w}px wide"
            );
            let wide = overflow(&c).await;
            if size == PHONE {
                assert!(wide <= 0, "the case page is {wide}px wider than the phone");
            }
        }
        // Nothing on the case page came from elsewhere.
        let foreign = c
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(foreign, json!([]), "{size:?}");
        assert_no_console_errors(&driver, &c, "handling with a photo and on the case page").await;
    }
    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}
