//! An election's result under the council's rules: valid if enough of the electorate voted;
//! the top candidates by votes among those over the threshold fill the seats; a tie at the
//! last seat is reported, never broken by chance; buildings left without a member are listed.

use super::councils::{CouncilRules, PartyShare, Share, party_share, uncovered_buildings};
use serde::{Deserialize, Serialize};

/// A candidate as the count sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The number on the paper (1, 2, 3, …).
    pub number: i64,
    pub resident_id: i64,
    pub building_id: Option<i64>,
    pub party_member: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateResult {
    pub number: i64,
    pub resident_id: i64,
    pub votes: u64,
    pub over_threshold: bool,
    pub elected: bool,
    /// Tied for the last seat(s): a further round decides.
    pub tied: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionResult {
    pub electorate: u64,
    /// Papers cast (blank papers included).
    pub votes_cast: u64,
    pub turnout: Share,
    pub turnout_needed: u64,
    /// Enough of the electorate voted for the election to stand.
    pub valid: bool,
    pub threshold: Share,
    /// Votes a candidate needs (of the votes cast).
    pub threshold_votes: u64,
    pub seats: u32,
    /// By votes, most first; ties by candidate number.
    pub candidates: Vec<CandidateResult>,
    /// Resident ids elected, in the order of `candidates`.
    pub elected: Vec<i64>,
    /// Seats left unfilled (too few over the threshold, or a tie).
    pub vacancies: u32,
    /// Candidates tied for the last seats (resident ids).
    pub ties: Vec<i64>,
    /// Buildings of the council's area with no elected member living there.
    pub buildings_not_covered: Vec<i64>,
    pub party_share: PartyShare,
    /// "中文 / English".
    pub summary: String,
}

/// Counts an election. `tally` is (candidate number, votes); `area_buildings` are the
/// buildings of the council's community or compound.
pub fn count(
    rules: &CouncilRules,
    seats: u32,
    electorate: u64,
    votes_cast: u64,
    candidates: &[Candidate],
    tally: &[(i64, u64)],
    area_buildings: &[i64],
) -> ElectionResult {
    let votes_of = |n: i64| {
        tally
            .iter()
            .filter(|(o, _)| *o == n)
            .map(|(_, v)| *v)
            .sum::<u64>()
    };
    let valid = rules.turnout.met(votes_cast, electorate);
    let threshold_votes = rules.election_threshold.needed(votes_cast);
    let mut ranked: Vec<CandidateResult> = candidates
        .iter()
        .map(|c| {
            let votes = votes_of(c.number);
            CandidateResult {
                number: c.number,
                resident_id: c.resident_id,
                votes,
                over_threshold: valid && rules.election_threshold.met(votes, votes_cast),
                elected: false,
                tied: false,
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.number.cmp(&b.number)));
    let eligible: Vec<usize> = (0..ranked.len())
        .filter(|&i| ranked[i].over_threshold)
        .collect();
    let seats_n = seats as usize;
    if eligible.len() <= seats_n {
        for &i in &eligible {
            ranked[i].elected = true;
        }
    } else {
        // The votes of the last seat: everyone above it is elected; if more share it than
        // seats remain, they are all tied and none of them takes a seat.
        let cut = ranked[eligible[seats_n - 1]].votes;
        let above = eligible.iter().filter(|&&i| ranked[i].votes > cut).count();
        let at_cut: Vec<usize> = eligible
            .iter()
            .copied()
            .filter(|&i| ranked[i].votes == cut)
            .collect();
        for &i in &eligible {
            if ranked[i].votes > cut {
                ranked[i].elected = true;
            }
        }
        if above + at_cut.len() <= seats_n {
            for &i in &at_cut {
                ranked[i].elected = true;
            }
        } else {
            for &i in &at_cut {
                ranked[i].tied = true;
            }
        }
    }
    let elected: Vec<i64> = ranked
        .iter()
        .filter(|c| c.elected)
        .map(|c| c.resident_id)
        .collect();
    let ties: Vec<i64> = ranked
        .iter()
        .filter(|c| c.tied)
        .map(|c| c.resident_id)
        .collect();
    let of = |r: i64| candidates.iter().find(|c| c.resident_id == r);
    let buildings_not_covered = uncovered_buildings(
        area_buildings,
        elected
            .iter()
            .filter_map(|&r| of(r).and_then(|c| c.building_id)),
    );
    let party = elected
        .iter()
        .filter(|&&r| of(r).is_some_and(|c| c.party_member))
        .count() as u64;
    let vacancies = seats.saturating_sub(elected.len() as u32);
    let summary = if !valid {
        format!(
            "选举无效：投票 {votes_cast} 人，选民 {electorate} 人，需 {} 人 / election void: {votes_cast} voted of {electorate}, {} needed",
            rules.turnout.needed(electorate),
            rules.turnout.needed(electorate)
        )
    } else {
        format!(
            "当选 {} 人，空缺 {vacancies} 席，得票须达 {threshold_votes} 票 / {} elected, {vacancies} seats vacant, {threshold_votes} votes needed",
            elected.len(),
            elected.len()
        )
    };
    ElectionResult {
        electorate,
        votes_cast,
        turnout: rules.turnout,
        turnout_needed: rules.turnout.needed(electorate),
        valid,
        threshold: rules.election_threshold,
        threshold_votes,
        seats,
        candidates: ranked,
        party_share: party_share(elected.len() as u64, party, rules.party_share_target),
        elected,
        vacancies,
        ties,
        buildings_not_covered,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands(n: i64) -> Vec<Candidate> {
        (1..=n)
            .map(|i| Candidate {
                number: i,
                resident_id: 100 + i,
                building_id: Some(10 + i % 3),
                party_member: i % 3 == 0,
            })
            .collect()
    }

    #[test]
    fn turnout_decides_validity() {
        let r = count(
            &CouncilRules::default(),
            2,
            100,
            50,
            &cands(3),
            &[(1, 50), (2, 50)],
            &[],
        );
        assert!(!r.valid);
        assert!(r.elected.is_empty());
        assert_eq!(r.turnout_needed, 51);
        assert_eq!(r.vacancies, 2);
    }

    #[test]
    fn top_n_over_the_threshold() {
        // 60 papers: threshold 31.
        let r = count(
            &CouncilRules::default(),
            2,
            100,
            60,
            &cands(4),
            &[(1, 40), (2, 31), (3, 45), (4, 30)],
            &[10, 11, 12, 13],
        );
        assert!(r.valid);
        assert_eq!(r.threshold_votes, 31);
        assert_eq!(r.elected, vec![103, 101]);
        assert_eq!(r.vacancies, 0);
        assert!(r.ties.is_empty());
        // 103 lives in building 10, 101 in 11.
        assert_eq!(r.buildings_not_covered, vec![12, 13]);
        assert_eq!(r.party_share.party_members, 1);
    }

    #[test]
    fn too_few_over_the_threshold_leaves_vacancies() {
        let r = count(
            &CouncilRules::default(),
            3,
            100,
            60,
            &cands(4),
            &[(1, 40), (2, 30), (3, 30), (4, 30)],
            &[],
        );
        assert_eq!(r.elected, vec![101]);
        assert_eq!(r.vacancies, 2);
    }

    #[test]
    fn a_tie_at_the_last_seat_is_reported() {
        let r = count(
            &CouncilRules::default(),
            2,
            100,
            60,
            &cands(4),
            &[(1, 50), (2, 40), (3, 40), (4, 10)],
            &[],
        );
        assert_eq!(r.elected, vec![101]);
        assert_eq!(r.ties, vec![102, 103]);
        assert_eq!(r.vacancies, 1);
        // A tie that fits the seats elects both.
        let r = count(
            &CouncilRules::default(),
            3,
            100,
            60,
            &cands(4),
            &[(1, 50), (2, 40), (3, 40), (4, 10)],
            &[],
        );
        assert_eq!(r.elected, vec![101, 102, 103]);
        assert!(r.ties.is_empty());
    }
}
