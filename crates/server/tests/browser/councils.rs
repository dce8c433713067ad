//! A council in a real browser, at phone and desk size: the community's staff create a motion
//! through the council page, a resident whose account is linked opens the council, follows
//! the vote link and votes, and the count shows the vote; an account not linked is told why
//! before any form. Then the staff link that account to a resident and close the motion from
//! the page.

use super::*;
use tongxin_demo::DEFAULT_SEED;

/// The small city with its people and the demo's councils (each demo resident account linked
/// to a member of their community's council).
async fn app_with_councils() -> App {
    let app = sqlite_app().await;
    with_people(&app).await;
    tongxin_demo::load::councils::load_councils(app.store(), DEFAULT_SEED)
        .await
        .unwrap();
    app
}

/// A demo resident account serving on a council now: (login, council id, community).
async fn serving_resident(app: &App) -> (String, i64, String) {
    sqlx::query_as(
        "SELECT u.username, c.id, c.community_code FROM user_residents l \
         JOIN users u ON u.id = l.user_id \
         JOIN council_members m ON m.resident_id = l.resident_id \
         JOIN councils c ON c.id = m.council_id \
         WHERE u.username LIKE 'r%' AND m.term_start <= $1 AND m.term_end > $1 \
         ORDER BY u.id LIMIT 1",
    )
    .bind(tongxin_store::now_millis())
    .fetch_one(app.store().pool())
    .await
    .expect("a demo resident serving on a council")
}

/// An adult of the community linked to no account and serving on no council.
async fn free_adult(app: &App, community: &str) -> i64 {
    for id in adults(app, community).await.into_iter().rev() {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM user_residents WHERE resident_id = $1) \
                  + (SELECT COUNT(*) FROM council_members WHERE resident_id = $1)",
        )
        .bind(id)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        if n == 0 {
            return id;
        }
    }
    panic!("no free adult in {community}");
}

async fn text_of(c: &Client, selector: &str) -> String {
    match c.find(css(selector)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => panic!("no {selector}; {}", whereabouts(c).await),
    }
}

async fn click(c: &Client, selector: &str) {
    match c.find(css(selector)).await {
        Ok(e) => e.click().await.unwrap(),
        Err(_) => panic!("nothing to click at {selector}; {}", whereabouts(c).await),
    }
}

/// Opens the `details` block `selector` if it is closed.
async fn open_details(c: &Client, selector: &str) {
    let d = match c.find(css(selector)).await {
        Ok(d) => d,
        Err(_) => panic!("no {selector} on the page; {}", whereabouts(c).await),
    };
    if d.attr("open").await.unwrap().is_none() {
        d.find(css("summary")).await.unwrap().click().await.unwrap();
    }
}

async fn back_on_council(c: &Client, cid: i64, what: &str) -> String {
    wait_url(c, what, |u| {
        u.path == format!("/councils/{cid}") && u.query.contains("done=")
    })
    .await;
    text_of(c, "main p.ok").await
}

async fn ballot_of(app: &App, title: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM ballots WHERE title = $1")
        .bind(title)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn staff_create_a_motion_and_a_linked_resident_votes_from_the_pages() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = app_with_councils().await;
    let (resident, cid, community) = serving_resident(&app).await;
    let staff = format!("c{community}");
    let grid = format!("{community}001");
    let admin = app.login(&staff).await;
    let unlinked = "rnolink";
    app.post(
        &admin.auth(),
        "/api/v1/users",
        &json!({"username": unlinked, "display_name": "未关联居民", "password": PASSWORD,
                "roles": [{"role": "resident", "node": grid}]}),
    )
    .await
    .expect(201);
    let council = format!("/councils/{cid}");
    let c = driver.browser(true).await;

    let mut last = 0;
    for (size, title) in [
        (PHONE, "楼道加装扶手（手机）"),
        (DESK, "小区增设充电桩（桌面）"),
    ] {
        window(&c, size).await;

        // The staff create the motion from the council page.
        sign_in(&c, &app, &staff).await;
        c.goto(&app.url(&council)).await.unwrap();
        open_details(&c, "details#new-motion").await;
        let form = c.find(css("details#new-motion form")).await.unwrap();
        form.find(css("input[name=title]"))
            .await
            .unwrap()
            .send_keys(title)
            .await
            .unwrap();
        form.find(css("select[name=mode]"))
            .await
            .unwrap()
            .select_by_value("open")
            .await
            .unwrap();
        let closes = form
            .find(css("input[name=closes_at]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(!closes.is_empty(), "the closing time is filled in");
        if size == PHONE {
            let overflow = c
                .execute(
                    "return document.documentElement.scrollWidth - window.innerWidth;",
                    vec![],
                )
                .await
                .unwrap()
                .as_i64()
                .unwrap_or(0);
            assert!(
                overflow <= 0,
                "the council page with the motion form is {overflow}px wider than the phone"
            );
        }
        form.find(css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let said = back_on_council(&c, cid, "the new motion on the council page").await;
        println!("{size:?}: staff created {title:?}: {said}");
        assert!(said.contains(title), "{said}");
        let mid = ballot_of(&app, title).await;
        let row = format!("#motions tr[data-ballot='{mid}']");
        assert!(text_of(&c, &row).await.contains("投票中"));
        last = mid;

        // The linked resident: the vote link on the council page, the form, the count.
        sign_in(&c, &app, &resident).await;
        c.goto(&app.url(&council)).await.unwrap();
        assert!(
            c.find(css(&format!("form[action='{council}/motions']")))
                .await
                .is_err(),
            "a resident is offered the staff's motion form"
        );
        let voted_before = text_of(&c, &format!("{row} td.voted")).await;
        assert!(voted_before.starts_with("0 / "), "{voted_before}");
        let link = c
            .find(css(&format!("{row} a[href='/ballots/{mid}/vote']")))
            .await
            .unwrap_or_else(|_| panic!("no vote link for motion {mid} at {size:?}"));
        assert!(link.is_displayed().await.unwrap());
        link.click().await.unwrap();
        wait_url(&c, "the voting page", |u| {
            u.path == format!("/ballots/{mid}/vote")
        })
        .await;
        click(&c, "input[name=choice][value=for]").await;
        click(
            &c,
            &format!("form[action='/ballots/{mid}/vote'] button[type=submit]"),
        )
        .await;
        let said = back_on_council(&c, cid, "back on the council after voting").await;
        assert!(said.contains("投票已记录"), "{said}");
        let voted = text_of(&c, &format!("{row} td.voted")).await;
        println!("{size:?}: {resident} voted on motion {mid}; the count reads {voted:?}");
        assert!(
            voted.starts_with("1 / "),
            "the count shows the vote: {voted}"
        );
        assert!(text_of(&c, &row).await.contains("您已投票"));

        // An account not linked: the reason on the council page, and before any form.
        sign_in(&c, &app, unlinked).await;
        c.goto(&app.url(&council)).await.unwrap();
        let reason = text_of(&c, &row).await;
        assert!(reason.contains("尚未关联居民档案"), "{reason}");
        assert!(
            c.find(css(&format!("{row} a[href='/ballots/{mid}/vote']")))
                .await
                .is_err()
        );
        c.goto(&app.url(&format!("/ballots/{mid}/vote")))
            .await
            .unwrap();
        let before_any_form = c
            .execute(
                "const r = document.querySelector('main p.err'); \
                 const forms = [...document.querySelectorAll('main form')]; \
                 return !!r && r.offsetParent !== null && r.textContent \
                   && forms.every(f => f.offsetParent === null \
                        && (r.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING)) \
                   && r.textContent;",
                vec![],
            )
            .await
            .unwrap();
        println!("{size:?}: the unlinked account reads {before_any_form}");
        assert!(
            before_any_form
                .as_str()
                .is_some_and(|t| t.contains("尚未关联居民档案")),
            "the reason, shown before any (hidden) form: {before_any_form}; {}",
            whereabouts(&c).await
        );
    }

    // The staff link that account to a resident (not on the council), then close the motion.
    let adult = free_adult(&app, &community).await;
    sign_in(&c, &app, &staff).await;
    c.goto(&app.url(&council)).await.unwrap();
    open_details(&c, "details#link-account").await;
    let form = c.find(css("details#link-account form")).await.unwrap();
    form.find(css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(unlinked)
        .await
        .unwrap();
    form.find(css("input[name=resident_id]"))
        .await
        .unwrap()
        .send_keys(&adult.to_string())
        .await
        .unwrap();
    form.find(css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let said = back_on_council(&c, cid, "the account linked").await;
    println!("linked {unlinked} to resident {adult}: {said}");
    assert!(said.contains(unlinked) && said.contains(&adult.to_string()));
    let row = format!("#motions tr[data-ballot='{last}']");

    // Linked now, but not a member: told so, still before any form.
    sign_in(&c, &app, unlinked).await;
    c.goto(&app.url(&council)).await.unwrap();
    let reason = text_of(&c, &row).await;
    assert!(reason.contains("不在本次投票的名单内"), "{reason}");
    c.goto(&app.url(&format!("/ballots/{last}/vote")))
        .await
        .unwrap();
    let reason = text_of(&c, "main p.err").await;
    assert!(reason.contains("不在本次投票的名单内"), "{reason}");

    // The staff close the motion from its row: it is counted, and its vote link is gone.
    sign_in(&c, &app, &staff).await;
    c.goto(&app.url(&council)).await.unwrap();
    click(
        &c,
        &format!("{row} form[action='/ballots/{last}/close'] button"),
    )
    .await;
    let said = back_on_council(&c, cid, "the motion closed and counted").await;
    println!("closed motion {last}: {said}");
    assert!(said.contains("已结束并计票"), "{said}");
    let result = text_of(&c, &format!("{row} strong")).await;
    assert!(result.contains("通过"), "the counted result: {result}");
    assert!(
        c.find(css(&format!("{row} form[action='/ballots/{last}/close']")))
            .await
            .is_err(),
        "a counted motion is not offered to close again"
    );
    assert_no_console_errors(&driver, &c, "on the council pages").await;

    c.close().await.unwrap();
    drop(driver);
    app.cleanup().await;
}
