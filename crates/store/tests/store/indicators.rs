//! Indicator figures on seven hand-made cases whose every figure is computed by hand below:
//! the rollups kept by each insert and transition equal a rebuild from scratch, and the
//! totals, trend, breakdowns, bars per child node and category mix are exact on the rollup
//! path (city, district, community), the grid tally path (a grid) and the timeline path.
//!
//! The cases (2026, Beijing time; "3/2 9h" is 2 March 09:00):
//! 1. G1 0101: reported 3/2 9h, filed 3/2 10h (due 11h: on time), dispatched to cgj 3/2 12h
//!    (handling due 3/5 12h), accepted, handled, closed 3/4 10h, rated satisfied 3/6.
//! 2. G1 0101: reported 3/3 9h, filed 3/3 14h (due 11h: late), dispatched to sw 3/4 9h,
//!    returned 3/4 15h, dispatched to cgj 3/5 9h (handling due 3/10 9h); open, step due 3/6 9h.
//! 3. G2 0202: reported 3/3 10h, cancelled 3/3 11h.
//! 4. G3 0101: reported 3/2 8h, never filed; step due 3/2 10h.
//! 5. G4 0202: reported 2/27 9h, filed 2/27 10h (on time), dispatched to sw 2/28 9h (handling
//!    due 3/3 9h), handled 3/2 9h, sent back for rework 3/2 10h, handled again, closed 3/4 10h
//!    (late), rated unsatisfied.
//! 6. G5 (district 450105) 0303: reported 3/31 9h, filed 3/31 10h (on time), escalated 4/1 9h,
//!    dispatched to cgj 4/1 10h (handling due 4/3 10h), closed 4/2 10h, reopened 4/3 9h; open,
//!    step due 4/4 9h.
//! 7. G1 0303: reported 3/10 9h, merged into case 1 at 3/10 10h.

use crate::assert_same_on_every_engine;
use crate::cases::{G1, G2, G3, G4, G5, insert, new_case, seed_case_grids, transition};
use crate::testing;
use sqlx::Row;
use tongxin_core::cases::calendar::LocalDate;
use tongxin_core::cases::indicators::{Counts, day_start};
use tongxin_store::Store;
use tongxin_store::cases::CaseRow;
use tongxin_store::cases::indicators::{
    Breakdown, BreakdownRow, Indicators, breakdown, by_child, category_mix, daily, indicators,
    rebuild, reported_by_category, timeline_totals,
};

const HOUR: i64 = 3_600_000;

/// The Beijing day number of a date in 2026.
fn day(month: u8, d: u8) -> i64 {
    LocalDate::new(2026, month, d).unwrap().day_number()
}

/// `hour` o'clock Beijing time on a date in 2026.
fn at(month: u8, d: u8, hour: i64) -> i64 {
    day_start(day(month, d)) + hour * HOUR
}

/// The seven cases of the module's header, written as the server writes them: each reported,
/// then moved on one transition at a time.
async fn load(store: &Store) {
    seed_case_grids(store).await;
    let reported = |grid: &str, category: &str, m, d, h| CaseRow {
        step_due_at: Some(at(m, d, h + 2)),
        ..new_case(grid, category, at(m, d, h))
    };
    let rows = vec![
        reported(G1, "0101", 3, 2, 9),
        reported(G1, "0101", 3, 3, 9),
        reported(G2, "0202", 3, 3, 10),
        reported(G3, "0101", 3, 2, 8),
        reported(G4, "0202", 2, 27, 9),
        reported(G5, "0303", 3, 31, 9),
        reported(G1, "0303", 3, 10, 9),
    ];
    let ids = insert(store, &rows).await;
    assert_eq!(ids, (1..=7).collect::<Vec<_>>());
    let mut c: Vec<CaseRow> = rows
        .into_iter()
        .zip(ids)
        .map(|(r, id)| CaseRow { id, ..r })
        .collect();
    let s = store;

    let c1 = &mut c[0];
    transition(s, c1, "file", "filed", at(3, 2, 10), |c| {
        c.step_due_at = Some(at(3, 3, 10))
    })
    .await;
    transition(s, c1, "dispatch", "dispatched", at(3, 2, 12), |c| {
        c.department = Some("cgj".into());
        c.dispatched_at = Some(at(3, 2, 12));
        c.handle_due_at = Some(at(3, 5, 12));
        c.step_due_at = Some(at(3, 3, 12));
    })
    .await;
    transition(s, c1, "accept", "accepted", at(3, 3, 9), |c| {
        c.step_due_at = Some(at(3, 5, 12))
    })
    .await;
    transition(s, c1, "handle", "handled", at(3, 4, 9), |c| {
        c.step_due_at = Some(at(3, 5, 9))
    })
    .await;
    transition(s, c1, "verify", "closed", at(3, 4, 10), |c| {
        c.closed_at = Some(at(3, 4, 10));
        c.step_due_at = None;
    })
    .await;
    transition(s, c1, "rate", "closed", at(3, 6, 10), |c| {
        c.rating = Some("satisfied".into())
    })
    .await;

    let c2 = &mut c[1];
    transition(s, c2, "file", "filed", at(3, 3, 14), |c| {
        c.step_due_at = Some(at(3, 4, 14))
    })
    .await;
    transition(s, c2, "dispatch", "dispatched", at(3, 4, 9), |c| {
        c.department = Some("sw".into());
        c.dispatched_at = Some(at(3, 4, 9));
        c.handle_due_at = Some(at(3, 6, 9));
        c.step_due_at = Some(at(3, 5, 9));
    })
    .await;
    transition(s, c2, "return", "filed", at(3, 4, 15), |c| {
        c.department = None;
        c.dispatched_at = None;
        c.handle_due_at = None;
        c.step_due_at = Some(at(3, 5, 15));
    })
    .await;
    transition(s, c2, "dispatch", "dispatched", at(3, 5, 9), |c| {
        c.department = Some("cgj".into());
        c.dispatched_at = Some(at(3, 5, 9));
        c.handle_due_at = Some(at(3, 10, 9));
        c.step_due_at = Some(at(3, 6, 9));
    })
    .await;

    transition(s, &mut c[2], "cancel", "cancelled", at(3, 3, 11), |c| {
        c.step_due_at = None
    })
    .await;

    let c5 = &mut c[4];
    transition(s, c5, "file", "filed", at(2, 27, 10), |c| {
        c.step_due_at = Some(at(2, 28, 10))
    })
    .await;
    transition(s, c5, "dispatch", "dispatched", at(2, 28, 9), |c| {
        c.department = Some("sw".into());
        c.dispatched_at = Some(at(2, 28, 9));
        c.handle_due_at = Some(at(3, 3, 9));
        c.step_due_at = Some(at(3, 1, 9));
    })
    .await;
    transition(s, c5, "accept", "accepted", at(3, 1, 9), |c| {
        c.step_due_at = Some(at(3, 2, 9))
    })
    .await;
    transition(s, c5, "handle", "handled", at(3, 2, 9), |c| {
        c.step_due_at = Some(at(3, 2, 12))
    })
    .await;
    transition(s, c5, "verify", "accepted", at(3, 2, 10), |c| {
        c.rework_count = 1;
        c.step_due_at = Some(at(3, 3, 10));
    })
    .await;
    transition(s, c5, "handle", "handled", at(3, 4, 9), |c| {
        c.step_due_at = Some(at(3, 4, 12))
    })
    .await;
    transition(s, c5, "verify", "closed", at(3, 4, 10), |c| {
        c.closed_at = Some(at(3, 4, 10));
        c.rating = Some("unsatisfied".into());
        c.step_due_at = None;
    })
    .await;

    let c6 = &mut c[5];
    transition(s, c6, "file", "filed", at(3, 31, 10), |c| {
        c.step_due_at = Some(at(4, 1, 10))
    })
    .await;
    transition(s, c6, "escalate", "filed", at(4, 1, 9), |c| {
        c.tier = tongxin_core::cases::machine::Tier::Street;
        c.escalation_count = 1;
    })
    .await;
    transition(s, c6, "dispatch", "dispatched", at(4, 1, 10), |c| {
        c.department = Some("cgj".into());
        c.dispatched_at = Some(at(4, 1, 10));
        c.handle_due_at = Some(at(4, 3, 10));
        c.step_due_at = Some(at(4, 2, 10));
    })
    .await;
    transition(s, c6, "handle", "handled", at(4, 2, 9), |_| {}).await;
    transition(s, c6, "verify", "closed", at(4, 2, 10), |c| {
        c.closed_at = Some(at(4, 2, 10));
        c.step_due_at = None;
    })
    .await;
    transition(s, c6, "reopen", "dispatched", at(4, 3, 9), |c| {
        c.closed_at = None;
        c.reopen_count = 1;
        c.step_due_at = Some(at(4, 4, 9));
    })
    .await;

    transition(s, &mut c[6], "merge", "merged", at(3, 10, 10), |c| {
        c.merged_into = Some(1);
        c.step_due_at = None;
    })
    .await;
}

/// Every rollup row that holds something, in key order.
async fn rollup_rows(store: &Store) -> Vec<(String, String, i64, Counts)> {
    let sql = format!(
        "SELECT dim, node, day, {} FROM case_rollups ORDER BY dim, node, day",
        Counts::FIELDS.join(", ")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(store.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let values: Vec<i64> = (0..Counts::FIELDS.len())
                .map(|i| r.try_get::<i64, _>(3 + i).unwrap())
                .collect();
            (
                r.try_get::<String, _>(0).unwrap(),
                r.try_get::<String, _>(1).unwrap(),
                r.try_get::<i64, _>(2).unwrap(),
                Counts::from_values(&values),
            )
        })
        .filter(|(_, _, _, c)| !c.is_zero())
        .collect()
}

fn p(prefixes: &[&str]) -> Vec<String> {
    prefixes.iter().map(|s| s.to_string()).collect()
}

fn row(key: Option<&str>, counts: Counts) -> BreakdownRow {
    BreakdownRow {
        key: key.map(Into::into),
        counts,
    }
}

/// Handling time of case 1 (dispatched 3/2 12h, closed 3/4 10h) and case 5 (2/28 9h to
/// 3/4 10h).
const HANDLING_1: i64 = 46 * HOUR;
const HANDLING_5: i64 = 97 * HOUR;

/// What `indicators` must answer for a scope and period: (what, scope, period, counts, open
/// and overdue now, source).
type TotalsCase = (
    &'static str,
    Vec<String>,
    (i64, i64),
    Counts,
    i64,
    &'static str,
);

/// Asserts every figure of the module's header; returns them for comparing engines and runs.
async fn check_figures(store: &Store, label: &str) -> String {
    let mut all = Vec::new();
    let now = at(4, 10, 0);
    let march = (at(3, 1, 0), at(4, 1, 0));
    let city = p(&["4501"]);
    let community = p(&["450103001001"]);
    let grid1 = p(&[G1]);

    // Totals over March.
    let march_city = Counts {
        reported: 6,
        filed: 3,
        filed_on_time: 2,
        cancelled: 1,
        dispatched: 3,
        returned: 1,
        closed: 2,
        due: 3,
        closed_on_time: 1,
        closed_late: 1,
        rework: 1,
        rated: 2,
        satisfied: 1,
        handled_closed: 2,
        handling_ms_total: HANDLING_1 + HANDLING_5,
        reports_decided: 5,
        reports_confirmed: 3,
        ..Counts::default()
    };
    let march_community = Counts {
        reported: 4,
        filed: 2,
        filed_on_time: 1,
        cancelled: 1,
        dispatched: 3,
        returned: 1,
        closed: 1,
        due: 2,
        closed_on_time: 1,
        rated: 1,
        satisfied: 1,
        handled_closed: 1,
        handling_ms_total: HANDLING_1,
        reports_decided: 4,
        reports_confirmed: 2,
        ..Counts::default()
    };
    let march_grid = Counts {
        reported: 3,
        cancelled: 0,
        reports_decided: 3,
        ..march_community
    };
    let whole = Counts {
        reported: 7,
        filed: 4,
        filed_on_time: 3,
        cancelled: 1,
        dispatched: 5,
        returned: 1,
        closed: 2,
        due: 4,
        closed_on_time: 1,
        closed_late: 1,
        rework: 1,
        escalated: 1,
        reopened: 1,
        rated: 2,
        satisfied: 1,
        handled_closed: 2,
        handling_ms_total: HANDLING_1 + HANDLING_5,
        rework_of_reported: 1,
        reports_decided: 6,
        reports_confirmed: 4,
    };
    let street_march = Counts {
        reported: 5,
        reports_decided: 4,
        ..march_community
    };
    let expected: Vec<TotalsCase> = vec![
        ("city, March", city.clone(), march, march_city, 3, "rollup"),
        (
            "district, March",
            p(&["450103"]),
            march,
            Counts {
                reported: 5,
                filed: 2,
                filed_on_time: 1,
                reports_decided: 4,
                reports_confirmed: 2,
                ..march_city
            },
            2,
            "rollup",
        ),
        (
            "street, March",
            p(&["450103001"]),
            march,
            street_march,
            2,
            "rollup",
        ),
        (
            "community, March",
            community.clone(),
            march,
            march_community,
            1,
            "rollup",
        ),
        (
            "a community and a district, March",
            p(&["450103001001", "450105"]),
            march,
            Counts {
                reported: 5,
                filed: 3,
                filed_on_time: 2,
                reports_decided: 5,
                reports_confirmed: 3,
                ..march_community
            },
            2,
            "rollup",
        ),
        (
            "grid, March",
            grid1.clone(),
            march,
            march_grid,
            1,
            "grid tally",
        ),
        (
            "two grids, March",
            p(&[G1, G2]),
            march,
            march_community,
            1,
            "grid tally",
        ),
        (
            "city, February to April",
            city.clone(),
            (at(2, 1, 0), at(5, 1, 0)),
            whole,
            3,
            "rollup",
        ),
        (
            "grid, part of two days",
            grid1.clone(),
            (at(3, 2, 0), at(3, 3, 12)),
            Counts {
                reported: 2,
                filed: 1,
                filed_on_time: 1,
                dispatched: 1,
                reports_decided: 2,
                reports_confirmed: 2,
                ..Counts::default()
            },
            1,
            "timeline",
        ),
        (
            "city, part of a day",
            city.clone(),
            (at(3, 4, 9), at(3, 4, 12)),
            Counts {
                dispatched: 1,
                closed: 2,
                closed_late: 1,
                rated: 2,
                satisfied: 1,
                handled_closed: 2,
                handling_ms_total: HANDLING_1 + HANDLING_5,
                ..Counts::default()
            },
            3,
            "timeline",
        ),
    ];
    for (what, prefixes, (from, to), counts, open_overdue, source) in expected {
        let got = indicators(store, &prefixes, from, to, now).await.unwrap();
        assert_eq!(
            got,
            Indicators {
                counts,
                open_overdue,
                source,
            },
            "{label}: {what}"
        );
        assert_eq!(
            timeline_totals(store, &prefixes, from, to).await.unwrap(),
            counts,
            "{label}: {what}, counted from the timeline"
        );
        all.push(format!("{what}: {got:?}"));
    }

    // The trend by day.
    let (d1, d6) = (day(3, 1), day(3, 6));
    let city_days = vec![
        (
            day(3, 2),
            Counts {
                reported: 2,
                reports_decided: 1,
                reports_confirmed: 1,
                filed: 1,
                filed_on_time: 1,
                dispatched: 1,
                rework: 1,
                ..Counts::default()
            },
        ),
        (
            day(3, 3),
            Counts {
                reported: 2,
                reports_decided: 2,
                reports_confirmed: 1,
                due: 1,
                filed: 1,
                cancelled: 1,
                ..Counts::default()
            },
        ),
        (
            day(3, 4),
            Counts {
                closed: 2,
                closed_late: 1,
                rated: 2,
                satisfied: 1,
                handled_closed: 2,
                handling_ms_total: HANDLING_1 + HANDLING_5,
                dispatched: 1,
                returned: 1,
                ..Counts::default()
            },
        ),
        (
            day(3, 5),
            Counts {
                due: 1,
                closed_on_time: 1,
                dispatched: 1,
                ..Counts::default()
            },
        ),
    ];
    let got = daily(store, &city, d1, d6).await.unwrap();
    assert_eq!(got, city_days, "{label}: the city's days");
    all.push(format!("{got:?}"));
    let grid_days = vec![
        (
            day(3, 2),
            Counts {
                reported: 1,
                reports_decided: 1,
                reports_confirmed: 1,
                filed: 1,
                filed_on_time: 1,
                dispatched: 1,
                ..Counts::default()
            },
        ),
        (
            day(3, 3),
            Counts {
                reported: 1,
                reports_decided: 1,
                reports_confirmed: 1,
                filed: 1,
                ..Counts::default()
            },
        ),
        (
            day(3, 4),
            Counts {
                closed: 1,
                rated: 1,
                satisfied: 1,
                handled_closed: 1,
                handling_ms_total: HANDLING_1,
                dispatched: 1,
                returned: 1,
                ..Counts::default()
            },
        ),
        (
            day(3, 5),
            Counts {
                due: 1,
                closed_on_time: 1,
                dispatched: 1,
                ..Counts::default()
            },
        ),
    ];
    let got = daily(store, &grid1, d1, d6).await.unwrap();
    assert_eq!(got, grid_days, "{label}: the grid's days (grid tally)");
    all.push(format!("{got:?}"));
    let mut community_days = grid_days.clone();
    community_days[1].1 = Counts {
        reported: 2,
        reports_decided: 2,
        reports_confirmed: 1,
        filed: 1,
        cancelled: 1,
        ..Counts::default()
    };
    let got = daily(store, &community, d1, d6).await.unwrap();
    assert_eq!(
        got, community_days,
        "{label}: the community's days (rollup), with case 3"
    );

    // Breakdowns (case-based counts only).
    let cat_0101 = Counts {
        reported: 3,
        reports_decided: 2,
        reports_confirmed: 2,
        closed: 1,
        rated: 1,
        satisfied: 1,
        handled_closed: 1,
        handling_ms_total: HANDLING_1,
        due: 2,
        closed_on_time: 1,
        ..Counts::default()
    };
    let cat_0202 = Counts {
        reported: 1,
        reports_decided: 1,
        closed: 1,
        closed_late: 1,
        rated: 1,
        handled_closed: 1,
        handling_ms_total: HANDLING_5,
        due: 1,
        ..Counts::default()
    };
    let cat_0303_city = Counts {
        reported: 2,
        reports_decided: 2,
        reports_confirmed: 1,
        ..Counts::default()
    };
    let only_7 = Counts {
        reported: 1,
        reports_decided: 1,
        ..Counts::default()
    };
    let by = |prefixes: Vec<String>, b: Breakdown| async move {
        breakdown(store, &prefixes, march.0, march.1, b)
            .await
            .unwrap()
    };
    let expected_breakdowns = vec![
        (
            "city by category",
            by(city.clone(), Breakdown::Category).await,
            vec![
                row(Some("0101"), cat_0101),
                row(Some("0202"), cat_0202),
                row(Some("0303"), cat_0303_city),
            ],
        ),
        (
            "district by category",
            by(p(&["450103"]), Breakdown::Category).await,
            vec![
                row(Some("0101"), cat_0101),
                row(Some("0202"), cat_0202),
                row(Some("0303"), only_7),
            ],
        ),
        (
            "city by department",
            by(city.clone(), Breakdown::Department).await,
            vec![
                row(
                    None,
                    Counts {
                        reported: 3,
                        reports_decided: 2,
                        ..Counts::default()
                    },
                ),
                row(
                    Some("cgj"),
                    Counts {
                        reported: 3,
                        reports_decided: 3,
                        reports_confirmed: 3,
                        ..cat_0101
                    },
                ),
                row(
                    Some("sw"),
                    Counts {
                        reported: 0,
                        reports_decided: 0,
                        ..cat_0202
                    },
                ),
            ],
        ),
        (
            "grid by category (grid tally)",
            by(grid1.clone(), Breakdown::Category).await,
            vec![
                row(
                    Some("0101"),
                    Counts {
                        reported: 2,
                        reports_decided: 2,
                        ..cat_0101
                    },
                ),
                row(Some("0303"), only_7),
            ],
        ),
        (
            "grid by department (grid tally)",
            by(grid1.clone(), Breakdown::Department).await,
            vec![
                row(None, only_7),
                row(
                    Some("cgj"),
                    Counts {
                        reported: 2,
                        reports_decided: 2,
                        ..cat_0101
                    },
                ),
            ],
        ),
        (
            "community by grid (timeline)",
            by(community.clone(), Breakdown::Grid).await,
            vec![
                row(
                    Some(G1),
                    Counts {
                        reported: 3,
                        reports_decided: 3,
                        ..cat_0101
                    },
                ),
                row(Some(G2), only_7),
            ],
        ),
        (
            "community by reporter (timeline)",
            by(community.clone(), Breakdown::Reporter).await,
            vec![row(
                Some("1"),
                Counts {
                    reported: 4,
                    reports_decided: 4,
                    ..cat_0101
                },
            )],
        ),
    ];
    for (what, got, expected) in expected_breakdowns {
        assert_eq!(got, expected, "{label}: {what}");
        all.push(format!("{what}: {got:?}"));
    }

    // The bars per child node: reported, due, closed on time.
    let bars = |v: &[(&str, i64, i64, i64)]| -> Vec<(String, Counts)> {
        v.iter()
            .map(|(k, reported, due, closed_on_time)| {
                (
                    k.to_string(),
                    Counts {
                        reported: *reported,
                        due: *due,
                        closed_on_time: *closed_on_time,
                        ..Counts::default()
                    },
                )
            })
            .collect()
    };
    let (m1, a1) = (day(3, 1), day(4, 1));
    for (prefix, child_len, expected) in [
        ("4501", 6, bars(&[("450103", 5, 3, 1), ("450105", 1, 0, 0)])),
        (
            "450103",
            9,
            bars(&[("450103001", 5, 2, 1), ("450103002", 0, 1, 0)]),
        ),
        (
            "450103",
            12,
            bars(&[
                ("450103001001", 4, 2, 1),
                ("450103001002", 1, 0, 0),
                ("450103002001", 0, 1, 0),
            ]),
        ),
    ] {
        let got = by_child(store, prefix, child_len, m1, a1).await.unwrap();
        assert_eq!(got, expected, "{label}: children of {prefix}");
        all.push(format!("{got:?}"));
    }

    // The category mix: the days of February, March as a month, the day of April.
    let mix = |prefixes: Vec<String>, from, to| async move {
        category_mix(store, &prefixes, from, to).await.unwrap()
    };
    let s = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
        v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    };
    let (f27, a2) = (day(2, 27), day(4, 2));
    for (what, got, expected) in [
        (
            "city",
            mix(city.clone(), f27, a2).await,
            s(&[("0101", 3), ("0202", 2), ("0303", 2)]),
        ),
        (
            "district",
            mix(p(&["450103"]), f27, a2).await,
            s(&[("0101", 3), ("0202", 2), ("0303", 1)]),
        ),
        (
            "inside one month",
            mix(city.clone(), day(3, 5), day(3, 31)).await,
            s(&[("0303", 1)]),
        ),
        (
            "the other district",
            mix(p(&["450105"]), f27, a2).await,
            s(&[("0303", 1)]),
        ),
    ] {
        assert_eq!(got, expected, "{label}: category mix, {what}");
        all.push(format!("{what}: {got:?}"));
    }
    let mut per_day = reported_by_category(store, &city, day(3, 1), day(3, 4))
        .await
        .unwrap();
    per_day.retain(|(_, _, n)| *n > 0);
    per_day.sort();
    assert_eq!(
        per_day,
        [
            ("0101".to_string(), day(3, 2), 2),
            ("0101".to_string(), day(3, 3), 1),
            ("0202".to_string(), day(3, 3), 1),
        ],
        "{label}: reports per category and day"
    );
    all.push(format!("{per_day:?}"));
    all.join("\n")
}

#[tokio::test]
async fn rollups_kept_incrementally_equal_a_rebuild_and_every_figure_is_exact() {
    let mut answers = Vec::new();
    for db in testing::all().await {
        let label = db.label;
        let store = &db.store;
        load(store).await;
        let kept = rollup_rows(store).await;
        let figures = check_figures(store, label).await;
        rebuild(store).await.unwrap();
        let rebuilt = rollup_rows(store).await;
        assert_eq!(
            rebuilt, kept,
            "{label}: rebuilding gives the rows kept by each transition"
        );
        let again = check_figures(store, label).await;
        assert_eq!(again, figures, "{label}");
        answers.push((label, (kept, figures)));
        db.cleanup().await;
    }
    assert_same_on_every_engine("indicator rollups and figures", &answers);
}
