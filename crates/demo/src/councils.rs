//! The demo city's councils: one 老友议事会 per community whose residents' representatives
//! (two or three per building, as 组织法 allows per resident group) elect it by secret ballot a
//! year ago, and a year of monthly motions voted openly, secretly or by a show of hands.
//!
//! Generation happens in two steps, because the members come out of the election count
//! (done by the same rules as any election): `plan_elections`, then `plan_motions` for the
//! members elected.

use super::rng::{Rng, Stream};
use tongxin_core::Millis;
use tongxin_core::deliberation::ballots::{BallotMode, Choice};
use tongxin_core::deliberation::councils::{CouncilKind, CouncilRules, add_months};

const DAY: Millis = 86_400_000;
const HOUR: Millis = 3_600_000;

/// A resident of the registry as the generator needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollResident {
    pub id: i64,
    pub building_id: Option<i64>,
    pub grid_code: String,
    pub party_member: bool,
    pub adult: bool,
}

/// One community: its buildings and its residents (in a stable order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityRoll {
    pub community_code: String,
    pub community_name: String,
    pub buildings: Vec<i64>,
    pub residents: Vec<RollResident>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCandidate {
    pub resident_id: i64,
    pub building_id: Option<i64>,
    pub party_member: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedElection {
    pub community_code: String,
    pub kind: CouncilKind,
    pub name: String,
    pub charter: String,
    pub rules: CouncilRules,
    pub title: String,
    pub seats: u32,
    pub opens_at: Millis,
    pub closes_at: Millis,
    pub term_start: Millis,
    pub term_end: Millis,
    /// Numbered 1, 2, … in this order.
    pub candidates: Vec<PlannedCandidate>,
    /// The listed electorate: residents' representatives.
    pub electorate: Vec<i64>,
    /// Who voted, and when.
    pub voters: Vec<(i64, Millis)>,
    /// Anonymous papers (candidate numbers), in shuffled order, unconnected to `voters`.
    pub papers: Vec<Vec<i64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedMotion {
    pub title: String,
    pub body: String,
    pub mode: BallotMode,
    pub meeting_date: String,
    pub opens_at: Millis,
    pub closes_at: Millis,
    /// Open and secret ballots: who voted, when and how (for a secret ballot the loader
    /// stores the choices as anonymous papers).
    pub votes: Vec<(i64, Millis, Choice)>,
    /// Show of hands: present, for, against, abstain.
    pub hands: Option<[u64; 4]>,
}

const CHARTER: &str = "第一条 本会是社区居民在社区党组织领导下协商议事的自治组织，议事范围为本社区（小区）公共事务和公益事业。\n第二条 成员由居民代表无记名投票选举产生，每届任期五年，每栋楼至少一名成员，党员成员约占三分之一。\n第三条 会议须有过半数成员出席方为有效；表决事项须经到会成员过半数同意方为通过。\n第四条 议事程序：民意收集、议题研究、大会表决、方案执行、结果公开。\n第五条 表决结果和执行情况在社区公开栏及平台公示。";

const TOPICS: [(&str, &str); 12] = [
    (
        "加装电梯方案",
        "老旧楼栋加装电梯的选址、费用分摊和施工时间。",
    ),
    ("小区停车位划分", "重新划定小区停车位并设置临时停车区。"),
    (
        "垃圾分类投放点调整",
        "将垃圾分类投放点移至远离住户窗口的位置，并定时投放。",
    ),
    (
        "惠民资金项目：路灯维修",
        "使用社区惠民资金维修小区路灯和楼道照明。",
    ),
    (
        "惠民资金项目：健身器材",
        "使用社区惠民资金更新小区健身器材。",
    ),
    ("楼道杂物清理", "开展楼道杂物集中清理，消除消防隐患。"),
    (
        "电动车集中充电棚",
        "建设电动自行车集中充电棚，禁止入户充电。",
    ),
    ("物业服务费调整", "就物业服务费标准调整征求意见并表决。"),
    (
        "雨污分流改造",
        "配合雨污分流改造工程，确定施工期间的出行安排。",
    ),
    ("小区绿化提升", "补种绿植、修整绿化带，并认领养护。"),
    ("长者饭堂开设", "在社区服务中心开设长者饭堂，确定开放时间。"),
    ("文明养犬公约", "制定小区文明养犬公约，划定遛狗区域。"),
];

fn council_name(community: &str) -> String {
    format!("{community}老友议事会")
}

/// Groups of a community (by building, else by grid) with their adult residents.
fn groups(c: &CommunityRoll) -> Vec<(Option<i64>, Vec<&RollResident>)> {
    let mut out: Vec<(Option<i64>, String, Vec<&RollResident>)> = Vec::new();
    for r in c.residents.iter().filter(|r| r.adult) {
        let key = r
            .building_id
            .map(|b| b.to_string())
            .unwrap_or_else(|| r.grid_code.clone());
        match out.iter_mut().find(|(_, k, _)| *k == key) {
            Some((_, _, list)) => list.push(r),
            None => out.push((r.building_id, key, vec![r])),
        }
    }
    out.into_iter().map(|(b, _, list)| (b, list)).collect()
}

/// One election per community with adult residents; ids are the registry's.
pub fn plan_elections(rolls: &[CommunityRoll], seed: u64, now: Millis) -> Vec<PlannedElection> {
    let mut rng = Rng::new(seed, Stream::Councils);
    rolls
        .iter()
        .filter_map(|c| plan_election(c, &mut rng, now))
        .collect()
}

fn plan_election(c: &CommunityRoll, rng: &mut Rng, now: Millis) -> Option<PlannedElection> {
    let groups = groups(c);
    if groups.is_empty() {
        return None;
    }
    // A seat per building (the 99-seat 老友议事会 of ~5,000 households is the anchor).
    let seats = (groups.len() as u32).clamp(7, 99);
    let rules = CouncilRules {
        seats,
        ..CouncilRules::default()
    };
    // A candidate per group (a party member in every third group where there is one), then
    // a fifth more from the largest groups: a competitive election.
    let mut candidates = Vec::new();
    let mut electorate = Vec::new();
    for (i, (building, people)) in groups.iter().enumerate() {
        let want_party = i % 3 == 0;
        let pick = people
            .iter()
            .position(|r| r.party_member == want_party)
            .unwrap_or(0);
        candidates.push(PlannedCandidate {
            resident_id: people[pick].id,
            building_id: *building,
            party_member: people[pick].party_member,
        });
        // Two or three representatives per group, the candidate not among them.
        let reps = 2 + rng.index(2);
        let mut picks: Vec<i64> = people
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != pick)
            .map(|(_, r)| r.id)
            .collect();
        rng.shuffle(&mut picks);
        electorate.extend(picks.into_iter().take(reps));
    }
    let group_reps = candidates.len();
    let extra = (seats as usize).div_ceil(5);
    let mut by_size: Vec<usize> = (0..groups.len()).collect();
    by_size.sort_by_key(|&i| std::cmp::Reverse(groups[i].1.len()));
    for &g in by_size.iter().take(extra) {
        let (building, people) = &groups[g];
        if let Some(r) = people.iter().rev().find(|r| {
            !candidates.iter().any(|c| c.resident_id == r.id) && !electorate.contains(&r.id)
        }) {
            candidates.push(PlannedCandidate {
                resident_id: r.id,
                building_id: *building,
                party_member: r.party_member,
            });
        }
    }
    let opens_at = now - 380 * DAY - (now - 380 * DAY).rem_euclid(DAY) + HOUR;
    let closes_at = opens_at + 8 * HOUR;
    let term_start = closes_at + DAY - 9 * HOUR;
    let term_end = add_months(term_start, rules.term_months);
    let mut voters = Vec::new();
    let mut papers = Vec::new();
    for &voter in &electorate {
        if !rng.chance(0.86) {
            continue;
        }
        voters.push((voter, opens_at + rng.range_i64(0, 8 * HOUR - 1)));
        let mut marks: Vec<i64> = Vec::new();
        for (n, _) in candidates.iter().enumerate() {
            let p = if n < group_reps { 0.78 } else { 0.3 };
            if rng.chance(p) {
                marks.push(n as i64 + 1);
            }
        }
        // Too many ticks: the voter drops the newcomers first.
        marks.truncate(seats as usize);
        papers.push(marks);
    }
    voters.sort_by_key(|v| v.1);
    rng.shuffle(&mut papers);
    Some(PlannedElection {
        community_code: c.community_code.clone(),
        kind: CouncilKind::FriendsCouncil,
        name: council_name(&c.community_name),
        charter: CHARTER.into(),
        rules,
        title: format!("{}第一届成员选举", council_name(&c.community_name)),
        seats,
        opens_at,
        closes_at,
        term_start,
        term_end,
        candidates,
        electorate,
        voters,
        papers,
    })
}

/// A motion a month for the past year, voted by the members elected.
pub fn plan_motions(
    community_code: &str,
    members: &[i64],
    seed: u64,
    now: Millis,
) -> Vec<PlannedMotion> {
    let salt = community_code
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    let mut rng = Rng::new(seed ^ salt, Stream::Councils);
    let mut out = Vec::new();
    for month in (1..=12).rev() {
        let day = now - month * 30 * DAY;
        let start = day - day.rem_euclid(DAY) + 11 * HOUR; // 19:00 Beijing
        let (title, body) = TOPICS[rng.index(TOPICS.len())];
        let mode = match rng.index(5) {
            0 | 1 => BallotMode::ShowOfHands,
            2 | 3 => BallotMode::Open,
            _ => BallotMode::Secret,
        };
        let attendance = rng.range_f64(0.35, 0.98);
        let support = rng.range_f64(0.3, 0.95);
        let mut votes = Vec::new();
        for &m in members {
            if !rng.chance(attendance) {
                continue;
            }
            let u = rng.unit();
            let choice = if u < support {
                Choice::For
            } else if u < support + (1.0 - support) * 0.7 {
                Choice::Against
            } else {
                Choice::Abstain
            };
            votes.push((m, start + rng.range_i64(0, HOUR), choice));
        }
        votes.sort_by_key(|v| v.1);
        let meeting_date =
            tongxin_core::cases::calendar::LocalDate::from_millis(start, 480).to_string();
        let hands = (mode == BallotMode::ShowOfHands).then(|| {
            let count = |c: Choice| votes.iter().filter(|v| v.2 == c).count() as u64;
            [
                votes.len() as u64,
                count(Choice::For),
                count(Choice::Against),
                count(Choice::Abstain),
            ]
        });
        out.push(PlannedMotion {
            title: title.into(),
            body: body.into(),
            mode,
            meeting_date,
            opens_at: start,
            closes_at: start + 2 * HOUR,
            votes: if hands.is_some() { Vec::new() } else { votes },
            hands,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roll() -> CommunityRoll {
        let residents = (0..300)
            .map(|i| RollResident {
                id: 1000 + i,
                building_id: Some(10 + i % 12),
                grid_code: "450103001002001".into(),
                party_member: i % 3 == 0,
                adult: i % 5 != 0,
            })
            .collect();
        CommunityRoll {
            community_code: "450103001002".into(),
            community_name: "测试社区".into(),
            buildings: (10..22).collect(),
            residents,
        }
    }

    #[test]
    fn elections_are_deterministic_and_secret() {
        let now = 1_790_000_000_000;
        let a = plan_elections(&[roll()], 7, now);
        let b = plan_elections(&[roll()], 7, now);
        assert_eq!(a, b);
        let e = &a[0];
        assert_eq!(e.seats, 12);
        assert!(e.candidates.len() > e.seats as usize);
        assert_eq!(e.voters.len(), e.papers.len());
        assert!(e.papers.iter().all(|p| p.len() <= e.seats as usize));
        let electorate: std::collections::HashSet<i64> = e.electorate.iter().copied().collect();
        assert!(e.voters.iter().all(|(v, _)| electorate.contains(v)));
        assert!(
            e.voters
                .iter()
                .all(|(_, at)| *at >= e.opens_at && *at < e.closes_at)
        );
        // Every building has a candidate.
        for b in 10..22 {
            assert!(e.candidates.iter().any(|c| c.building_id == Some(b)));
        }
        let party = e.candidates.iter().filter(|c| c.party_member).count();
        assert!(party * 4 >= e.candidates.len(), "{party} party candidates");
    }

    #[test]
    fn motions_cover_a_year() {
        let now = 1_790_000_000_000;
        let members: Vec<i64> = (1..=15).collect();
        let m = plan_motions("450103001002", &members, 7, now);
        assert_eq!(m.len(), 12);
        assert!(
            m.iter()
                .all(|x| x.closes_at < now && x.opens_at > now - 400 * DAY)
        );
        for x in &m {
            match x.mode {
                BallotMode::ShowOfHands => {
                    let h = x.hands.unwrap();
                    assert!(h[1] + h[2] + h[3] <= h[0] && h[0] <= 15);
                }
                _ => assert!(x.votes.iter().all(|v| members.contains(&v.0))),
            }
        }
    }
}
