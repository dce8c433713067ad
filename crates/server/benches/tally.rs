//! Tallying a ballot of 10,000 votes (issue 7: ≤ 50 ms), through the store, on SQLite and —
//! when `TONGXIN_TEST_DATABASE_URL` is set — PostgreSQL. Run with
//! `cargo bench -p tongxin-server --bench tally`; `BENCH_DEMO_COUNCILS=1` instead times the
//! demo councils loader on the default city.
//!
//! The ballot is a secret election of 25 seats among 30 candidates with 10,000 papers (each
//! ticking up to 25 names), sealed as after closing. One tally is the count queries (papers,
//! voters, votes per candidate) plus the count under the council's rules (threshold, seats,
//! ties, buildings covered): exactly what `GET /api/v1/elections/{id}` does once closed.

use std::time::{Duration, Instant};
use tongxin_core::deliberation::councils::CouncilRules;
use tongxin_demo::{self as demo, DemoOptions, DemoSize, PeopleOptions};
use tongxin_store::deliberation::ballots::count_election;
use tongxin_store::deliberation::ballots::{self as ballots, BallotRow, Elector, OptionRow, Paper};
use tongxin_store::deliberation::councils::{self as councils, CouncilRow};
use tongxin_store::protect::Protector;
use tongxin_store::{Store, testing};

const VOTES: usize = 10_000;
const CANDIDATES: i64 = 30;
const SEATS: i64 = 25;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A city with at least `VOTES` residents, one council and one closed election with `VOTES`
/// papers; returns the ballot id.
async fn prepare(store: &Store) -> i64 {
    let city = demo::generate(&DemoOptions {
        size: DemoSize::Small,
        seed: demo::DEFAULT_SEED,
    });
    tongxin_demo::load::city::load(store, &city, "x")
        .await
        .unwrap();
    let people = demo::generate_people(
        &city,
        &PeopleOptions {
            residents: VOTES + 100,
            seed: demo::DEFAULT_SEED,
        },
    );
    tongxin_demo::load::people::load_people(store, &Protector::ephemeral(), &city, &people)
        .await
        .unwrap();
    let residents: Vec<(i64,)> = sqlx::query_as("SELECT id FROM residents ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let community = city
        .divisions
        .iter()
        .find(|d| d.code.len() == 12)
        .unwrap()
        .code
        .clone();
    let now = tongxin_store::now_millis();
    let mut tx = store.begin().await.unwrap();
    let council = councils::insert_council(
        &mut tx,
        &CouncilRow {
            id: 0,
            community_code: community.clone(),
            compound_id: None,
            district_code: community[..6].into(),
            kind: tongxin_core::deliberation::councils::CouncilKind::ResidentsCouncil,
            name: "bench".into(),
            rules: serde_json::to_string(&CouncilRules::default()).unwrap(),
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .unwrap();
    let ballot = ballots::insert_ballot(
        &mut tx,
        &BallotRow {
            id: 0,
            council_id: council,
            community_code: community.clone(),
            district_code: community[..6].into(),
            kind: tongxin_core::deliberation::ballots::BallotKind::Election,
            mode: tongxin_core::deliberation::ballots::BallotMode::Secret,
            title: "bench".into(),
            body: String::new(),
            meeting_date: None,
            seats: SEATS,
            term_start: Some(now),
            term_end: Some(now + 1),
            rules: serde_json::to_string(&CouncilRules::default()).unwrap(),
            electorate_kind: "listed".into(),
            electorate_size: VOTES as i64,
            opens_at: now - 2,
            closes_at: now - 1,
            sealed: 0,
            hands: None,
            status: tongxin_core::deliberation::ballots::BallotStatus::Open,
            result: None,
            published_at: None,
            created_by: "bench".into(),
            created_at: now,
            version: 1,
        },
    )
    .await
    .unwrap();
    let options: Vec<OptionRow> = (1..=CANDIDATES)
        .map(|n| OptionRow {
            ballot_id: ballot,
            option_no: n,
            label: format!("候选人{n}"),
            resident_id: Some(residents[n as usize].0),
            building_id: None,
            party_member: 0,
        })
        .collect();
    ballots::insert_options(&mut tx, &options).await.unwrap();
    let voters: Vec<i64> = residents.iter().take(VOTES).map(|r| r.0).collect();
    let electors: Vec<Elector> = voters
        .iter()
        .map(|&r| Elector {
            resident_id: r,
            valid_from: i64::MIN,
            valid_to: i64::MAX,
        })
        .collect();
    ballots::insert_electorate(&mut tx, ballot, &electors)
        .await
        .unwrap();
    let voted: Vec<(i64, i64)> = voters.iter().map(|&r| (r, now - 2)).collect();
    ballots::insert_voters(&mut tx, ballot, &voted)
        .await
        .unwrap();
    // Paper i ticks the candidates n with (i * n) % 7 < 5, at most SEATS of them.
    let papers: Vec<Paper> = (0..VOTES as i64)
        .map(|i| {
            let marks: Vec<i64> = (1..=CANDIDATES)
                .filter(|n| (i * n + n) % 7 < 5)
                .take(SEATS as usize)
                .collect();
            (ballots::paper_key(), None, marks)
        })
        .collect();
    ballots::insert_papers(&mut tx, ballot, &papers)
        .await
        .unwrap();
    ballots::seal(&mut tx, ballot).await.unwrap();
    tx.commit().await.unwrap();
    ballot
}

async fn bench(label: &str, store: &Store) {
    let ballot = prepare(store).await;
    let row = ballots::get_ballot(store, ballot).await.unwrap().unwrap();
    let options = ballots::options(store, ballot).await.unwrap();
    let area = councils::area_buildings(store, &row.community_code, None)
        .await
        .unwrap();
    let mut samples = Vec::new();
    let mut elected = 0;
    for _ in 0..60 {
        let started = Instant::now();
        let tally = ballots::tally(store, ballot).await.unwrap();
        let result = count_election(&row, &options, &tally, &area);
        samples.push(started.elapsed());
        assert_eq!(tally.papers, VOTES as u64);
        elected = result.elected.len();
    }
    samples.drain(..10);
    samples.sort();
    println!(
        "{label}: tally of {VOTES} votes ({} marks counted, {elected} elected): median {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} runs (target ≤ 50 ms)",
        ballots::tally(store, ballot)
            .await
            .unwrap()
            .marks
            .iter()
            .map(|m| m.1)
            .sum::<u64>(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    );
}

/// With `BENCH_DEMO_COUNCILS=1`: the default city (260 communities, 200,000 residents) on
/// SQLite, then the demo councils loader, timed.
async fn demo_councils() {
    let db = testing::sqlite().await;
    let city = demo::generate(&DemoOptions {
        size: DemoSize::Default,
        seed: demo::DEFAULT_SEED,
    });
    tongxin_demo::load::city::load(&db.store, &city, "x")
        .await
        .unwrap();
    let people = demo::generate_people(&city, &PeopleOptions::default());
    tongxin_demo::load::people::load_people(&db.store, &Protector::ephemeral(), &city, &people)
        .await
        .unwrap();
    let started = Instant::now();
    let counts = tongxin_demo::load::councils::load_councils(&db.store, demo::DEFAULT_SEED)
        .await
        .unwrap();
    println!(
        "demo councils for the default city on SQLite: {:.1} s, {counts:?}",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    if std::env::var("BENCH_DEMO_COUNCILS").is_ok() {
        return demo_councils().await;
    }
    for db in testing::all().await {
        bench(db.label, &db.store).await;
    }
}
