//! Loading the demo city's councils: per community a 老友议事会 with its charter, its
//! election by secret ballot (counted and published by the same rules as any election, the
//! members coming out of the result), and a year of motions, each decided by the statutory
//! quorum and majority. One transaction, bulk inserts.

use crate::councils::{
    CommunityRoll, PlannedElection, PlannedMotion, RollResident, plan_elections, plan_motions,
};
use std::collections::HashMap;
use tongxin_core::Millis;
use tongxin_core::audit::AuditEntry;
use tongxin_core::deliberation::ballots::{
    BallotMode, BallotStatus, Choice, Counts, counts_from_votes, decide,
};
use tongxin_core::deliberation::councils::MemberRole;
use tongxin_store::deliberation::ballots::{
    self as ballots, BALLOT_COLUMNS, BallotRow, ELECTION, Elector, MOTION, OptionRow, Paper, Tally,
    ballot_values, count_election, marks_text, members_from_result, paper_key,
};
use tongxin_store::deliberation::councils::{
    self as councils, COUNCIL_COLUMNS, CharterRow, CouncilRow, MemberRow, council_values,
};
use tongxin_store::{
    Store, StoreError, Val, audit, bulk_insert, now_millis, reserve_ids, sync_ids,
};

/// What the loader wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CouncilDemoCounts {
    pub councils: usize,
    pub members: usize,
    pub party_members: usize,
    pub buildings_not_covered: usize,
    pub elections: usize,
    pub election_papers: usize,
    pub motions: usize,
    pub motions_passed: usize,
    pub votes: usize,
    /// Demo resident and party-member accounts linked to a council member, so they can vote.
    pub linked_accounts: usize,
}

/// The registry as the generator sees it: per community its buildings and residents, with
/// party membership from the party-member registry and adulthood on `now`'s date.
async fn rolls(store: &Store, now: Millis) -> Result<Vec<CommunityRoll>, StoreError> {
    let (communities, buildings, residents) = councils::demo_rolls(store).await?;
    let today = tongxin_core::cases::calendar::LocalDate::from_millis(now, 480).to_string();
    let year: i64 = today[..4].parse().unwrap_or(0);
    let born_by = format!("{:04}{}", year - 18, &today[4..]);
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<CommunityRoll> = communities
        .into_iter()
        .enumerate()
        .map(|(i, (code, name))| {
            index.insert(code.clone(), i);
            CommunityRoll {
                community_code: code,
                community_name: name,
                buildings: Vec::new(),
                residents: Vec::new(),
            }
        })
        .collect();
    for (id, community) in buildings {
        if let Some(&i) = index.get(&community) {
            out[i].buildings.push(id);
        }
    }
    for r in residents {
        if let Some(&i) = r.grid_code.get(..12).and_then(|c| index.get(c)) {
            out[i].residents.push(RollResident {
                id: r.id,
                adult: r.birth_date.as_str() <= born_by.as_str(),
                building_id: r.building_id,
                grid_code: r.grid_code,
                party_member: r.party_member != 0,
            });
        }
    }
    Ok(out)
}

/// Everything one ballot writes besides its row.
struct BallotRecords {
    options: Vec<OptionRow>,
    electors: Vec<Elector>,
    voters: Vec<(i64, i64)>,
    papers: Vec<Paper>,
}

fn election_records(
    ballot_id: i64,
    e: &PlannedElection,
    names: &HashMap<i64, String>,
) -> BallotRecords {
    BallotRecords {
        options: e
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| OptionRow {
                ballot_id,
                option_no: i as i64 + 1,
                label: names.get(&c.resident_id).cloned().unwrap_or_default(),
                resident_id: Some(c.resident_id),
                building_id: c.building_id,
                party_member: i64::from(c.party_member),
            })
            .collect(),
        electors: e
            .electorate
            .iter()
            .map(|&r| Elector {
                resident_id: r,
                valid_from: i64::MIN,
                valid_to: i64::MAX,
            })
            .collect(),
        voters: e.voters.clone(),
        papers: e
            .papers
            .iter()
            .map(|p| (paper_key(), None, p.clone()))
            .collect(),
    }
}

fn motion_records(ballot_id: i64, m: &PlannedMotion, members: &[MemberRow]) -> BallotRecords {
    let named = m.mode == BallotMode::Open;
    let mut papers: Vec<Paper> = m
        .votes
        .iter()
        .map(|(r, _, c)| {
            if named {
                (format!("r{r}"), Some(*r), vec![c.option_no()])
            } else {
                (paper_key(), None, vec![c.option_no()])
            }
        })
        .collect();
    papers.sort_by(|a, b| a.0.cmp(&b.0));
    BallotRecords {
        options: [Choice::For, Choice::Against, Choice::Abstain]
            .iter()
            .map(|c| OptionRow {
                ballot_id,
                option_no: c.option_no(),
                label: c.as_str().into(),
                resident_id: None,
                building_id: None,
                party_member: 0,
            })
            .collect(),
        electors: members
            .iter()
            .map(|mm| Elector {
                resident_id: mm.resident_id,
                valid_from: mm.term_start,
                valid_to: mm.term_end,
            })
            .collect(),
        voters: m.votes.iter().map(|(r, at, _)| (*r, *at)).collect(),
        papers,
    }
}

fn tally_of(records: &BallotRecords) -> Tally {
    let mut marks: HashMap<i64, u64> = HashMap::new();
    for (_, _, p) in &records.papers {
        for m in p {
            *marks.entry(*m).or_default() += 1;
        }
    }
    let mut marks: Vec<(i64, u64)> = marks.into_iter().collect();
    marks.sort();
    Tally {
        papers: records.papers.len() as u64,
        voters: records.voters.len() as u64,
        marks,
    }
}

/// Loads councils, elections and a year of motions for every community with residents,
/// generated from `seed` relative to now. Does nothing if councils exist already.
pub async fn load_councils(store: &Store, seed: u64) -> Result<CouncilDemoCounts, StoreError> {
    let mut counts = CouncilDemoCounts::default();
    if councils::any_council(store).await? {
        return Ok(counts);
    }
    let now = now_millis();
    let rolls = rolls(store, now).await?;
    let area: HashMap<&str, &[i64]> = rolls
        .iter()
        .map(|r| (r.community_code.as_str(), r.buildings.as_slice()))
        .collect();
    let plans = plan_elections(&rolls, seed, now);
    let candidates: Vec<i64> = plans
        .iter()
        .flat_map(|e| e.candidates.iter().map(|c| c.resident_id))
        .collect();
    let names: HashMap<i64, String> = councils::people(store, &candidates)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let backend = store.backend();
    let mut tx = store.begin().await?;
    let first_council = reserve_ids(&mut tx, backend, "councils", plans.len()).await?;
    let first_ballot = reserve_ids(&mut tx, backend, "ballots", plans.len() * 13).await?;
    let mut next_ballot = first_ballot;
    let mut council_rows = Vec::new();
    let mut charters = Vec::new();
    let mut ballot_rows = Vec::new();
    let mut records = Vec::new();
    let mut members_all = Vec::new();
    for (i, e) in plans.iter().enumerate() {
        let council_id = first_council + i as i64;
        let rules_json =
            serde_json::to_string(&e.rules).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        council_rows.push(CouncilRow {
            id: council_id,
            community_code: e.community_code.clone(),
            compound_id: None,
            district_code: e.community_code[..6].into(),
            kind: e.kind,
            name: e.name.clone(),
            rules: rules_json.clone(),
            created_at: e.opens_at - 30 * 86_400_000,
            updated_at: e.opens_at - 30 * 86_400_000,
        });
        charters.push(CharterRow {
            council_id,
            version: 1,
            body: e.charter.clone(),
            note: "成立大会通过 / adopted at the founding meeting".into(),
            adopted_at: e.opens_at - 30 * 86_400_000,
            author: "system#0".into(),
        });
        let election_id = next_ballot;
        next_ballot += 1;
        let mut election = BallotRow {
            id: election_id,
            council_id,
            community_code: e.community_code.clone(),
            district_code: e.community_code[..6].into(),
            kind: ELECTION,
            mode: BallotMode::Secret,
            title: e.title.clone(),
            body: "由居民代表无记名投票差额选举产生 / elected by residents' representatives by secret ballot, more candidates than seats".into(),
            meeting_date: None,
            seats: i64::from(e.seats),
            term_start: Some(e.term_start),
            term_end: Some(e.term_end),
            rules: rules_json.clone(),
            electorate_kind: "listed".into(),
            electorate_size: e.electorate.len() as i64,
            opens_at: e.opens_at,
            closes_at: e.closes_at,
            sealed: 1,
            hands: None,
            status: BallotStatus::Published,
            result: None,
            published_at: Some(e.closes_at + 3_600_000),
            created_by: "system#0".into(),
            created_at: e.opens_at - 14 * 86_400_000,
            version: 1,
        };
        let rec = election_records(election_id, e, &names);
        let result = count_election(
            &election,
            &rec.options,
            &tally_of(&rec),
            area.get(e.community_code.as_str()).copied().unwrap_or(&[]),
        );
        let mut members = members_from_result(&election, &rec.options, &result, e.closes_at);
        for (k, m) in members.iter_mut().enumerate().take(2) {
            m.role = if k == 0 {
                MemberRole::Chair
            } else {
                MemberRole::ViceChair
            };
        }
        counts.elections += 1;
        counts.election_papers += rec.papers.len();
        counts.buildings_not_covered += result.buildings_not_covered.len();
        counts.party_members += members.iter().filter(|m| m.party_member != 0).count();
        election.result =
            Some(serde_json::to_string(&result).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        ballot_rows.push(election);
        records.push(rec);
        let serving: Vec<i64> = members.iter().map(|m| m.resident_id).collect();
        for m in plan_motions(&e.community_code, &serving, seed, now) {
            let id = next_ballot;
            next_ballot += 1;
            let rec = motion_records(id, &m, &members);
            let n = members.len() as u64;
            let outcome_counts = match m.hands {
                Some([present, f, a, ab]) => Counts {
                    members: n,
                    present,
                    in_favour: f,
                    against: a,
                    abstain: ab,
                },
                None => counts_from_votes(n, None, &tally_of(&rec).marks),
            };
            let outcome = decide(&e.rules, outcome_counts);
            counts.motions += 1;
            counts.motions_passed += usize::from(outcome.passed);
            counts.votes += rec.voters.len();
            ballot_rows.push(BallotRow {
                id,
                council_id,
                community_code: e.community_code.clone(),
                district_code: e.community_code[..6].into(),
                kind: MOTION,
                mode: m.mode,
                title: m.title.clone(),
                body: m.body.clone(),
                meeting_date: Some(m.meeting_date.clone()),
                seats: 1,
                term_start: None,
                term_end: None,
                rules: rules_json.clone(),
                electorate_kind: "members".into(),
                electorate_size: n as i64,
                opens_at: m.opens_at,
                closes_at: m.closes_at,
                sealed: 1,
                hands: m.hands.map(|[p, f, a, ab]| {
                    serde_json::json!({"present": p, "for": f, "against": a, "abstain": ab})
                        .to_string()
                }),
                status: BallotStatus::Published,
                result: Some(
                    serde_json::to_string(&outcome)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ),
                published_at: Some(m.closes_at),
                created_by: "system#0".into(),
                created_at: m.opens_at - 7 * 86_400_000,
                version: 1,
            });
            records.push(rec);
        }
        counts.members += members.len();
        members_all.extend(members);
    }
    counts.councils = council_rows.len();
    bulk_insert(
        &mut tx,
        "councils",
        &COUNCIL_COLUMNS,
        &council_rows,
        council_values,
    )
    .await?;
    councils::insert_charters(&mut tx, &charters).await?;
    councils::insert_members(&mut tx, &members_all).await?;
    bulk_insert(
        &mut tx,
        "ballots",
        &BALLOT_COLUMNS,
        &ballot_rows,
        ballot_values,
    )
    .await?;
    let options: Vec<OptionRow> = records
        .iter()
        .flat_map(|r| r.options.iter().cloned())
        .collect();
    ballots::insert_options(&mut tx, &options).await?;
    write_ballot_records(&mut tx, &ballot_rows, &records).await?;
    sync_ids(&mut tx, backend, "councils").await?;
    sync_ids(&mut tx, backend, "ballots").await?;
    audit::record(
        &mut tx,
        &AuditEntry {
            at: now,
            actor_id: 0,
            actor: "system".into(),
            action: "demo.councils".into(),
            entity_type: "city".into(),
            entity_id: "councils".into(),
            node_code: None,
            before: None,
            after: serde_json::to_value(counts).ok(),
            request_id: None,
        },
    )
    .await?;
    counts.linked_accounts = link_demo_voters(&mut tx, now).await?;
    tx.commit().await?;
    Ok(counts)
}

/// Links each demo resident and party-member account to a council member of its community
/// (a party member for a party-member account where there is one), so the demo's voters can
/// vote in their council's open motions.
async fn link_demo_voters(conn: &mut tongxin_store::Conn, now: i64) -> Result<usize, StoreError> {
    let (accounts, members) = councils::demo_voters(conn, now).await?;
    let mut free: HashMap<&str, Vec<(i64, bool)>> = HashMap::new();
    for (community, resident, party) in &members {
        free.entry(community.as_str())
            .or_default()
            .push((*resident, *party));
    }
    let mut linked = 0;
    for (user, party_account, community) in &accounts {
        let Some(pool) = free.get_mut(community.as_str()) else {
            continue;
        };
        let pick = pool
            .iter()
            .position(|(_, party)| party == party_account)
            .or(if pool.is_empty() { None } else { Some(0) });
        if let Some(i) = pick {
            let (resident, _) = pool.remove(i);
            councils::link_user(conn, *user, resident, now, "demo").await?;
            linked += 1;
        }
    }
    Ok(linked)
}

/// Electorates, voters and papers of every ballot, in three bulk inserts.
async fn write_ballot_records(
    conn: &mut tongxin_store::Conn,
    ballots_rows: &[BallotRow],
    records: &[BallotRecords],
) -> Result<(), StoreError> {
    let pairs = || ballots_rows.iter().map(|b| b.id).zip(records);
    let electors: Vec<(i64, &Elector)> = pairs()
        .flat_map(|(id, r)| r.electors.iter().map(move |e| (id, e)))
        .collect();
    bulk_insert(
        conn,
        "ballot_electorate",
        &["ballot_id", "resident_id", "valid_from", "valid_to"],
        &electors,
        |(id, e)| {
            vec![
                Val::Int(*id),
                Val::Int(e.resident_id),
                Val::Int(e.valid_from),
                Val::Int(e.valid_to),
            ]
        },
    )
    .await?;
    let voters: Vec<(i64, i64, i64)> = pairs()
        .flat_map(|(id, r)| r.voters.iter().map(move |(v, at)| (id, *v, *at)))
        .collect();
    bulk_insert(
        conn,
        "ballot_voters",
        &["ballot_id", "resident_id", "cast_at"],
        &voters,
        |(id, v, at)| vec![Val::Int(*id), Val::Int(*v), Val::Int(*at)],
    )
    .await?;
    let papers: Vec<(i64, &Paper)> = pairs()
        .flat_map(|(id, r)| r.papers.iter().map(move |p| (id, p)))
        .collect();
    bulk_insert(
        conn,
        "ballot_papers",
        &["ballot_id", "paper", "voter_id", "marks"],
        &papers,
        |(id, (key, voter, marks))| {
            vec![
                Val::Int(*id),
                Val::Text(key.clone()),
                Val::OptInt(*voter),
                Val::Text(marks_text(marks)),
            ]
        },
    )
    .await
}
