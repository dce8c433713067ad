//! The indicator rollups against the timeline: a generated history plus live transitions,
//! then every node level and several periods answered both ways, on every engine.

use crate::common::{App, apps, interior_point};
use serde_json::json;
use tongxin_core::cases::calendar::Calendar;
use tongxin_core::cases::catalogue::Catalogue;
use tongxin_core::cases::indicators::{DAY_MS, china_day, day_start};
use tongxin_demo::load::cases::{EnterpriseFigures, HistoryRequest, load_history};
use tongxin_store::cases::indicators::{
    Breakdown, breakdown, category_mix, daily, grid_page, indicators, rebuild, timeline_breakdown,
    timeline_totals,
};
use tongxin_store::now_millis;

async fn rollup_rows(app: &App) -> Vec<(String, String, i64, String)> {
    let rows: Vec<(String, String, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT dim, node, day, reported, closed, due, closed_on_time FROM case_rollups ORDER BY dim, node, day",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    let full: Vec<(String, String, i64, String)> = rows
        .into_iter()
        .map(|(d, n, day, a, b, c, e)| (d, n, day, format!("{a}/{b}/{c}/{e}")))
        .collect();
    full.into_iter().filter(|r| r.3 != "0/0/0/0").collect()
}

async fn live_transitions(app: &App) {
    let grid = app.city.grids[3].code.clone();
    let worker = app.login(&format!("g{grid}-1")).await;
    let staff = app.login(&format!("c{}", &grid[..12])).await;
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    for n in 0..3 {
        let case = app
            .post(&worker.auth(), "/api/v1/cases", &json!({"category": "0101", "description": format!("测试{n}"), "lon": lon, "lat": lat}))
            .await
            .expect(201);
        let id = case["id"].as_i64().unwrap();
        let path = format!("/api/v1/cases/{id}/actions");
        app.post(&staff.auth(), &path, &json!({"action": "file", "note": ""}))
            .await
            .expect(200);
        if n > 0 {
            app.post(
                &staff.auth(),
                &path,
                &json!({"action": "dispatch", "department": "cgj", "note": ""}),
            )
            .await
            .expect(200);
        }
    }
}

#[tokio::test]
async fn rollups_answer_exactly_as_the_timeline_does() {
    for app in apps().await {
        let catalogue = Catalogue::seed();
        let calendar = Calendar::builtin();
        let written = load_history(
            app.store(),
            &HistoryRequest {
                city: &app.city,
                catalogue: &catalogue,
                calendar: &calendar,
                cases: 1_500,
                seed: 11,
                figures: EnterpriseFigures::SMALL,
                password_hash: "x",
            },
        )
        .await
        .unwrap();
        assert_eq!(written, 1_500, "no enterprises in a city without people");
        live_transitions(&app).await;

        let store = app.store();
        let district = app.districts()[0].clone();
        let street = app.streets_of(&district)[0].clone();
        let community = app.city.grids[3].code[..12].to_string();
        let nodes = [
            vec![String::from("4501")],
            vec![district.clone()],
            vec![street],
            vec![community.clone()],
            vec![district, community],
        ];
        let today = china_day(now_millis());
        let periods = [
            (today - 365, today + 1),
            (today - 30, today + 1),
            (today - 200, today - 100),
            (today, today + 1),
        ];
        let now = now_millis();
        for prefixes in &nodes {
            for (from, to) in periods {
                let (from, to) = (day_start(from), day_start(to));
                let fast = indicators(store, prefixes, from, to, now).await.unwrap();
                assert_eq!(fast.source, "rollup");
                let slow = timeline_totals(store, prefixes, from, to).await.unwrap();
                assert_eq!(
                    fast.counts, slow,
                    "{}: {prefixes:?} {from}..{to}",
                    app.label
                );
            }
            assert!(
                indicators(store, prefixes, now - DAY_MS, now, now)
                    .await
                    .unwrap()
                    .source
                    == "timeline",
                "a period that is not whole days comes from the timeline"
            );
        }
        let year = (day_start(today - 365), day_start(today + 1));
        let whole = timeline_totals(store, &["4501".into()], year.0, year.1)
            .await
            .unwrap();
        assert!(whole.reported > 1_500 && whole.closed > 1_000, "{whole:?}");
        for by in [Breakdown::Category, Breakdown::Department] {
            for prefixes in [&nodes[0], &nodes[1]] {
                let fast = breakdown(store, prefixes, year.0, year.1, by)
                    .await
                    .unwrap();
                let mut slow: Vec<_> = timeline_breakdown(store, prefixes, year.0, year.1, by)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|r| !r.counts.is_zero())
                    .collect();
                slow.sort_by(|a, b| a.key.cmp(&b.key));
                assert_eq!(fast.len(), slow.len(), "{}: {by:?}", app.label);
                for (f, s) in fast.iter().zip(&slow) {
                    assert_eq!(f.key, s.key);
                    assert_eq!(
                        (
                            f.counts.reported,
                            f.counts.closed,
                            f.counts.due,
                            f.counts.closed_on_time
                        ),
                        (
                            s.counts.reported,
                            s.counts.closed,
                            s.counts.due,
                            s.counts.closed_on_time
                        ),
                        "{}: {by:?} {:?}",
                        app.label,
                        f.key
                    );
                    assert_eq!(f.counts.rework_of_reported, s.counts.rework_of_reported);
                    assert_eq!(f.counts.reports_confirmed, s.counts.reports_confirmed);
                }
            }
        }
        grid_figures_follow_the_rollup_rules(&app, &periods, now).await;
        // The category mix chart's one-column sum agrees with the breakdown.
        let mut mix = category_mix(store, &nodes[0], china_day(year.0), china_day(year.1))
            .await
            .unwrap();
        mix.sort();
        let mut from_breakdown: Vec<(String, i64)> =
            breakdown(store, &nodes[0], year.0, year.1, Breakdown::Category)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.counts.reported > 0)
                .map(|r| (r.key.unwrap_or_default(), r.counts.reported))
                .collect();
        from_breakdown.sort();
        assert_eq!(mix, from_breakdown, "{}", app.label);
        // Rebuilding from scratch gives the rows kept incrementally.
        let kept = rollup_rows(&app).await;
        rebuild(store).await.unwrap();
        assert_eq!(rollup_rows(&app).await, kept, "{}", app.label);
        app.cleanup().await;
    }
}

/// A grid has no rollup rows: its figures are tallied from its own cases by the rollups' rules
/// and agree with the timeline — totals, the trend by day and the breakdowns.
async fn grid_figures_follow_the_rollup_rules(app: &App, periods: &[(i64, i64)], now: i64) {
    let store = app.store();
    let mut busiest: Vec<(i64, String)> = Vec::new();
    for g in &app.city.grids {
        let slow = timeline_totals(store, std::slice::from_ref(&g.code), 0, now + DAY_MS)
            .await
            .unwrap();
        busiest.push((slow.reported, g.code.clone()));
    }
    busiest.sort();
    let grids: Vec<String> = busiest
        .iter()
        .rev()
        .take(3)
        .map(|(_, g)| g.clone())
        .collect();
    assert!(
        busiest.last().unwrap().0 > 0,
        "the history reached some grid"
    );
    for prefixes in [vec![grids[0].clone()], grids.clone()] {
        for &(from_day, to_day) in periods {
            let (from, to) = (day_start(from_day), day_start(to_day));
            let fast = indicators(store, &prefixes, from, to, now).await.unwrap();
            assert_eq!(fast.source, "grid tally", "{prefixes:?}");
            let slow = timeline_totals(store, &prefixes, from, to).await.unwrap();
            assert_eq!(
                fast.counts, slow,
                "{}: {prefixes:?} {from_day}..{to_day}",
                app.label
            );
            let days = daily(store, &prefixes, from_day, to_day).await.unwrap();
            let mut summed = tongxin_core::cases::indicators::Counts::default();
            for (day, c) in &days {
                assert!((from_day..to_day).contains(day), "{day} outside the period");
                summed += *c;
            }
            assert_eq!(
                summed, slow,
                "{}: the trend of {prefixes:?} adds up",
                app.label
            );
            let (page, page_days, page_mix) = grid_page(store, &prefixes, from_day, to_day, now)
                .await
                .unwrap()
                .expect("a grid is tallied");
            assert_eq!(page, fast, "{}: the page's totals", app.label);
            assert_eq!(page_days, days, "{}: the page's trend", app.label);
            let categories = breakdown(store, &prefixes, from, to, Breakdown::Category)
                .await
                .unwrap();
            assert_eq!(page_mix, categories, "{}: the page's categories", app.label);
            for by in [Breakdown::Category, Breakdown::Department] {
                let fast = breakdown(store, &prefixes, from, to, by).await.unwrap();
                let mut slow: Vec<_> = timeline_breakdown(store, &prefixes, from, to, by)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|r| !r.counts.is_zero())
                    .collect();
                slow.sort_by(|a, b| a.key.cmp(&b.key));
                assert_eq!(fast, slow, "{}: {by:?} of {prefixes:?}", app.label);
            }
        }
    }
}

/// The links of a page whose address starts with `prefix` (as written in the HTML).
fn links(page: &str, prefix: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with(prefix))
        .map(|href| href.replace("&amp;", "&"))
        .collect()
}

#[tokio::test]
async fn indicator_exports_from_the_page_carry_their_view_and_hold_numbers() {
    use calamine::{Data, Reader, Xlsx};
    for app in apps().await {
        let label = app.label;
        let grid = app.city.grids[0].code.clone();
        let worker = app.login(&format!("g{grid}-1")).await;
        let category = Catalogue::seed().leaves().next().unwrap().code.clone();
        let [lon, lat] = interior_point(&app.grid_ring(&grid));
        app.post(
            &worker.auth(),
            "/api/v1/cases",
            &json!({"category": category, "description": "井盖破损", "lon": lon, "lat": lat}),
        )
        .await
        .expect(201);
        for who in [
            format!("d{}", &grid[..6]),
            "admin".into(),
            format!("c{}", &grid[..12]),
        ] {
            let s = app.login(&who).await;
            let page = app.get(&s.auth(), "/indicators").await;
            assert_eq!(page.status, 200, "{label}: {who}");
            let exports = links(&page.text, "/indicators/export");
            assert_eq!(exports.len(), 2, "{label}: {who}: {exports:?}");
            for href in exports {
                let file =
                    crate::common::send(app.req(&s.auth(), reqwest::Method::GET, &href)).await;
                assert_eq!(file.status, 200, "{label}: {who} {href}: {}", file.text);
                let disposition = file.header("content-disposition").unwrap_or_default();
                assert!(
                    disposition.contains("-all-") || disposition.contains(&grid[..6]),
                    "{label}: the file names its territory: {disposition}"
                );
                assert!(disposition.contains(".xlsx"), "{disposition}");
                let bytes = app
                    .http
                    .get(app.url(&href))
                    .header("cookie", s.cookie.as_str())
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                let mut book: Xlsx<_> =
                    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
                let names = book.sheet_names();
                assert!(names.iter().any(|n| n == "说明"), "{label}: {names:?}");
                let first = book.worksheet_range_at(0).unwrap().unwrap();
                let numbers = first
                    .rows()
                    .skip(1)
                    .flat_map(|r| r.iter())
                    .filter(|c| matches!(c, Data::Float(_) | Data::Int(_)))
                    .count();
                let texts_that_are_numbers = first
                    .rows()
                    .skip(1)
                    .flat_map(|r| r.iter())
                    .filter(|c| {
                        matches!(c, Data::String(t) if t.trim_end_matches('%').parse::<f64>().is_ok() && t.len() < 12 && !(t.starts_with('0') && t.as_bytes().get(1).is_some_and(u8::is_ascii_digit)))
                    })
                    .count();
                assert!(numbers > 0, "{label}: {href}: figures are numbers");
                assert_eq!(
                    texts_that_are_numbers, 0,
                    "{label}: {href}: no number stored as text"
                );
                let notes = book.worksheet_range("说明").unwrap();
                let said: String = notes
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect::<String>())
                    .collect();
                assert!(
                    said.contains("期间") && said.contains("辖区"),
                    "{label}: {said}"
                );
            }
        }
        // Out of reach: a page in the layout, not raw JSON.
        let d = app.login(&format!("d{}", &grid[..6])).await;
        let refused = app.get(&d.auth(), "/indicators/export?within=450999").await;
        assert!(
            refused.content_type().starts_with("text/html"),
            "{label}: {}",
            refused.text
        );
        app.cleanup().await;
    }
}
