//! Deterministic residents, households, organisations and party organisations for a
//! [`DemoCity`]: the "people and organisations" (人、组织) that live in its grids.
//!
//! [`generate_people`] fills every grid of a city with households roughly in proportion to
//! the grid's `households` attribute (the people are a sample of it: the attribute is the
//! ledger figure, these are the records), registers the units of each community's area
//! (6,387 of them report to their community in the default city — 双报到 — plus a few
//! hundred that have not), builds each community's party tree (大党委 → 党总支 → 网格党支部
//! → 楼栋党小组) and places party members, mostly in-service members (在职党员) who
//! registered where they live, in the branch of their own grid.
//!
//! Identity numbers are valid GB 11643 numbers (district address code, a realistic birth
//! date, a sequence that keeps them unique city-wide and whose parity is the sex). Phones are
//! valid, unique mobiles. Ages are taken on [`AGE_REFERENCE_DATE`].
//!
//! Pure computation: no I/O, no clock, no global state. The same city and options always
//! give the same people.

use super::geometry::ring_contains;
use super::names;
use super::rng::{Rng, Stream, mix64};
use super::{DEFAULT_GRIDS, DEFAULT_SEED, DemoCity, DemoDivision};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use tongxin_core::people::{OrgKind, PartyOrgKind, Tag, age_on, check_char, days_in_month};
use tongxin_core::territory::{DivisionKind, GridKind};

/// Residents generated when none are asked for.
pub const DEFAULT_RESIDENTS: usize = 200_000;
/// Ages (and so tags such as 高龄 and who may be a party member) are taken on this day.
pub const AGE_REFERENCE_DATE: u32 = 20260101;

/// Units that reported to their community (双报到) in the default city (seed report §9).
const DEFAULT_REGISTERED_ORGS: usize = 6_387;
/// Units in the default city that have not reported.
const DEFAULT_UNREGISTERED_ORGS: usize = 412;
/// Party members at full scale (seed report §9: 80,000+ reported to communities).
const FULL_PARTY_MEMBERS: usize = 80_000;
/// Below [`DEFAULT_RESIDENTS`], members are this share of residents.
const PARTY_MEMBER_SHARE: f64 = 0.4;

/// Household sizes 1–5: probabilities. Mean 2.8; the last household of each grid is cut to
/// fit, which brings the mean to ≈ 2.7, as in Nanning's census.
const HOUSEHOLD_SIZES: [f64; 5] = [0.17, 0.27, 0.27, 0.17, 0.12];

/// Birth years covered by the identity sequence table.
const FIRST_BIRTH_YEAR: u32 = 1925;
const LAST_BIRTH_YEAR: u32 = 2025;
const DATE_SLOTS: usize = (LAST_BIRTH_YEAR - FIRST_BIRTH_YEAR + 1) as usize * 12 * 31;

/// Mobile prefixes handed out (all accepted by `Phone::parse`).
const PHONE_PREFIXES: [u32; 30] = [
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
    180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 199,
];
const PHONE_SPACE: u64 = PHONE_PREFIXES.len() as u64 * 100_000_000;
/// Odd, not divisible by 3 or 5: coprime to `PHONE_SPACE`, so `k ↦ k·M + c` is a bijection.
const PHONE_MULTIPLIER: u64 = 2_654_435_761;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PeopleOptions {
    pub residents: usize,
    pub seed: u64,
}

impl Default for PeopleOptions {
    fn default() -> Self {
        PeopleOptions {
            residents: DEFAULT_RESIDENTS,
            seed: DEFAULT_SEED,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DemoPeople {
    /// By grid (in city order), keys 1, 2, 3, …
    pub households: Vec<DemoHousehold>,
    /// By household; the head first in each household.
    pub residents: Vec<DemoResident>,
    /// By community.
    pub organisations: Vec<DemoOrganisation>,
    /// Parents before children; keys 1, 2, 3, …
    pub party_orgs: Vec<DemoPartyOrg>,
    /// By resident.
    pub party_members: Vec<DemoPartyMember>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoHousehold {
    /// 1-based, unique; residents refer to it.
    pub key: u32,
    pub grid_code: String,
    /// Index into `city.buildings`; that building's grid is this household's grid. None for
    /// a household at a street address (no compound building).
    pub building_index: Option<usize>,
    /// "2单元"; empty at a street address.
    pub unit: String,
    /// "1203" (floor 12, room 3).
    pub room: String,
    /// The full address, from the city down to the room.
    pub address: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoResident {
    pub name: String,
    /// 18 characters, valid (GB 11643), unique in the city; address code = the district.
    pub citizen_id: String,
    /// A valid mobile, unique in the city.
    pub phone: Option<String>,
    pub household_key: u32,
    pub is_head: bool,
    pub grid_code: String,
    /// Sorted, no repeats.
    pub tags: Vec<Tag>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoOrganisation {
    pub name: String,
    pub kind: OrgKind,
    pub community_code: String,
    pub grid_code: String,
    /// Inside the grid's polygon.
    pub lon: f64,
    pub lat: f64,
    pub contact_name: String,
    pub contact_phone: String,
    /// Reported to the community (双报到).
    pub registered: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoPartyOrg {
    /// 1-based, unique; children and members refer to it.
    pub key: u32,
    pub parent_key: Option<u32>,
    pub kind: PartyOrgKind,
    pub name: String,
    pub community_code: String,
    /// Set for grid branches and building groups.
    pub grid_code: Option<String>,
    /// Set for building groups: index into `city.buildings`.
    pub building_index: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoPartyMember {
    /// Index into `residents`.
    pub resident_index: usize,
    /// The grid branch or building group of the member's own grid.
    pub org_key: u32,
    /// An in-service member (在职党员) who registered where they live.
    pub in_service: bool,
    /// Index into `organisations`: the member's employer, for in-service members.
    pub employer_index: Option<usize>,
}

/// Figures counted from generated records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PeopleCounts {
    pub households: usize,
    pub residents: usize,
    pub with_phone: usize,
    pub organisations: usize,
    pub registered_organisations: usize,
    pub party_orgs: usize,
    pub grid_branches: usize,
    pub building_groups: usize,
    pub party_members: usize,
    pub in_service_members: usize,
}

impl DemoPeople {
    /// Counts taken from the records themselves.
    pub fn counts(&self) -> PeopleCounts {
        let party = |k: PartyOrgKind| self.party_orgs.iter().filter(|o| o.kind == k).count();
        PeopleCounts {
            households: self.households.len(),
            residents: self.residents.len(),
            with_phone: self.residents.iter().filter(|r| r.phone.is_some()).count(),
            organisations: self.organisations.len(),
            registered_organisations: self.organisations.iter().filter(|o| o.registered).count(),
            party_orgs: self.party_orgs.len(),
            grid_branches: party(PartyOrgKind::GridBranch),
            building_groups: party(PartyOrgKind::BuildingGroup),
            party_members: self.party_members.len(),
            in_service_members: self.party_members.iter().filter(|m| m.in_service).count(),
        }
    }
}

/// Builds the people of `city`. Deterministic: equal inputs give equal outputs.
pub fn generate_people(city: &DemoCity, opts: &PeopleOptions) -> DemoPeople {
    let survey = Survey::new(city, opts.seed);
    let population = populate(city, &survey, opts);
    let organisations = organisations(city, &survey, opts.seed);
    let party = party_orgs(city, &survey, opts.seed);
    let party_members = party_members(&population, &party, &organisations, opts);
    DemoPeople {
        households: population.households,
        residents: population.residents,
        organisations,
        party_orgs: party.orgs,
        party_members,
    }
}

// ---------------------------------------------------------------------------------------
// Survey: what the city offers, indexed once.

struct Community {
    code: String,
    /// "金湖社区".
    name: String,
    /// "南宁市青秀区新竹街道金湖社区".
    prefix: String,
    /// Grid indices, in city order.
    grids: Vec<usize>,
    /// Street names for households outside compounds.
    roads: Vec<String>,
}

struct GridInfo {
    community: usize,
    /// Position in its community, from 0.
    position: usize,
    /// Index into `Survey::districts`.
    district: usize,
    /// Residential buildings (households > 0), indices into `city.buildings`.
    homes: Vec<usize>,
    home_households: i64,
    /// All buildings of the grid.
    buildings: Vec<usize>,
    bbox: [f64; 4],
}

struct Survey {
    /// District codes, in city order.
    districts: Vec<String>,
    communities: Vec<Community>,
    grids: Vec<GridInfo>,
}

const ROAD_FIRST: [&str; 24] = [
    "民族", "友爱", "朝阳", "星光", "桃源", "竹溪", "长湖", "民主", "建政", "新民", "人民", "园湖",
    "明秀", "秀灵", "江北", "大学", "白沙", "亭洪", "青山", "金浦", "古城", "凤翔", "滨湖", "共和",
];
const ROAD_SUFFIX: [&str; 5] = ["路", "大道", "街", "巷", "里"];

impl Survey {
    fn new(city: &DemoCity, seed: u64) -> Survey {
        let by_code: HashMap<&str, &DemoDivision> = city
            .divisions
            .iter()
            .map(|d| (d.code.as_str(), d))
            .collect();
        let name_of = |code: &str| by_code.get(code).map_or("", |d| d.name.as_str());
        let districts: Vec<String> = city
            .divisions
            .iter()
            .filter(|d| d.kind == DivisionKind::District)
            .map(|d| d.code.clone())
            .collect();
        let district_slot: HashMap<&str, usize> = districts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let mut rng = lane(seed, 0);
        let mut communities: Vec<Community> = Vec::new();
        let mut community_slot: HashMap<&str, usize> = HashMap::new();
        let mut grids = Vec::with_capacity(city.grids.len());
        let mut grid_slot: HashMap<&str, usize> = HashMap::with_capacity(city.grids.len());
        for (gi, g) in city.grids.iter().enumerate() {
            let code = &g.code[..12];
            let ci = *community_slot.entry(code).or_insert_with(|| {
                let name = name_of(code).to_string();
                let short = name.strip_suffix("社区").unwrap_or(&name).to_string();
                let mut roads = vec![format!("{short}路")];
                while roads.len() < 3 {
                    let road = format!("{}{}", rng.pick(&ROAD_FIRST), rng.pick(&ROAD_SUFFIX));
                    if !roads.contains(&road) {
                        roads.push(road);
                    }
                }
                let prefix = format!(
                    "{}{}{}{}",
                    name_of("450100"),
                    name_of(&g.code[..6]),
                    name_of(&g.code[..9]),
                    name
                );
                communities.push(Community {
                    code: code.to_string(),
                    name,
                    prefix,
                    grids: Vec::new(),
                    roads,
                });
                communities.len() - 1
            });
            let position = communities[ci].grids.len();
            communities[ci].grids.push(gi);
            grid_slot.insert(g.code.as_str(), gi);
            grids.push(GridInfo {
                community: ci,
                position,
                district: district_slot.get(&g.code[..6]).copied().unwrap_or(0),
                homes: Vec::new(),
                home_households: 0,
                buildings: Vec::new(),
                bbox: bbox(&g.boundary),
            });
        }
        for (bi, b) in city.buildings.iter().enumerate() {
            if let Some(&gi) = grid_slot.get(b.grid_code.as_str()) {
                let info = &mut grids[gi];
                info.buildings.push(bi);
                if b.households > 0 {
                    info.homes.push(bi);
                    info.home_households += b.households;
                }
            }
        }
        Survey {
            districts: if districts.is_empty() {
                vec![String::from("450100")]
            } else {
                districts
            },
            communities,
            grids,
        }
    }
}

/// An independent generator for one concern of this module.
fn lane(seed: u64, lane: u64) -> Rng {
    Rng::new(
        mix64(seed ^ mix64(0x7065_6f70_6c65_0000 | lane)),
        Stream::People,
    )
}

fn bbox(ring: &[[f64; 2]]) -> [f64; 4] {
    ring.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        },
    )
}

/// A uniform point inside `ring` (rejection from its bounding box).
fn point_in(ring: &[[f64; 2]], bbox: [f64; 4], rng: &mut Rng) -> [f64; 2] {
    for _ in 0..256 {
        let p = [
            rng.range_f64(bbox[0], bbox[2]),
            rng.range_f64(bbox[1], bbox[3]),
        ];
        if ring_contains(ring, p) {
            return p;
        }
    }
    // Not reached for the city's warped rectangles; the vertex centroid of a convex ring.
    let n = ring.len().saturating_sub(1).max(1);
    let sum = ring
        .iter()
        .take(n)
        .fold([0.0, 0.0], |s, p| [s[0] + p[0], s[1] + p[1]]);
    [sum[0] / n as f64, sum[1] / n as f64]
}

/// Splits `total` into parts proportional to `weights` (largest remainder, ties to the
/// first), each part at least 2 (or 1) when `total` allows it for every part.
fn proportional(total: usize, weights: &[f64]) -> Vec<usize> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let min = match total / n {
        0 => 0,
        1 => 1,
        _ => 2,
    };
    let rest = total - min * n;
    let sum: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| {
            if sum > 0.0 {
                rest as f64 * w.max(0.0) / sum
            } else {
                rest as f64 / n as f64
            }
        })
        .collect();
    let mut out: Vec<usize> = exact.iter().map(|e| min + e.floor() as usize).collect();
    let mut have: usize = out.iter().sum();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let mut k = 0;
    while have < total {
        out[order[k % n]] += 1;
        have += 1;
        k += 1;
    }
    // Rounding noise could overshoot by a unit or two: take from the largest parts.
    while have > total {
        let i = (0..n).max_by_key(|&i| (out[i], n - i)).unwrap_or(0);
        out[i] -= 1;
        have -= 1;
    }
    out
}

// ---------------------------------------------------------------------------------------
// Households and residents.

struct Population {
    households: Vec<DemoHousehold>,
    residents: Vec<DemoResident>,
    /// Per resident: age on [`AGE_REFERENCE_DATE`] and grid index.
    ages: Vec<u8>,
    grids: Vec<u32>,
}

/// Hands out the rooms of one building, each at most once, in a scrambled order.
struct Rooms {
    floors: u32,
    per_floor: u32,
    slots: u64,
    stride: u64,
    offset: u64,
    used: u32,
}

impl Rooms {
    fn new(floors: i64, households: i64, rng: &mut Rng) -> Rooms {
        let floors = floors.clamp(1, 99) as u32;
        let per_floor = 2;
        let per_unit = i64::from(floors * per_floor);
        let units = ((households.max(1) + per_unit - 1) / per_unit).max(1) as u64;
        let slots = units * per_unit as u64;
        let mut stride = 1 + rng.next_u64() % slots;
        while gcd(stride, slots) != 1 {
            stride = stride % slots + 1;
        }
        Rooms {
            floors,
            per_floor,
            slots,
            stride,
            offset: rng.next_u64() % slots,
            used: 0,
        }
    }

    /// (unit, floor, room on the floor), all from 1. Once the planned rooms are taken,
    /// further units are added, so rooms never repeat.
    fn next(&mut self) -> (u64, u64, u64) {
        let n = u64::from(self.used);
        self.used += 1;
        let s = if n < self.slots {
            (n * self.stride + self.offset) % self.slots
        } else {
            n
        };
        let per_unit = u64::from(self.floors * self.per_floor);
        let within = s % per_unit;
        (
            s / per_unit + 1,
            within / u64::from(self.per_floor) + 1,
            within % u64::from(self.per_floor) + 1,
        )
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Sequence numbers of identity numbers, per district, birth date and sex.
struct IdSequences {
    used: Vec<u16>,
}

impl IdSequences {
    fn new(districts: usize) -> IdSequences {
        IdSequences {
            used: vec![0; districts * DATE_SLOTS * 2],
        }
    }

    /// The birth date (possibly moved within its year should the date be full) and a
    /// sequence: odd for men (1, 3, …, 999), even for women (2, 4, …, 998).
    fn take(&mut self, district: usize, year: u32, month: u32, day: u32, male: bool) -> (u32, u16) {
        let (mut m, mut d) = (month, day);
        let limit = if male { 500 } else { 499 };
        for _ in 0..372 {
            let slot = ((district * (LAST_BIRTH_YEAR - FIRST_BIRTH_YEAR + 1) as usize
                + (year - FIRST_BIRTH_YEAR) as usize)
                * 12
                + (m - 1) as usize)
                * 31
                + (d - 1) as usize;
            let count = &mut self.used[slot * 2 + usize::from(male)];
            if *count < limit {
                *count += 1;
                let seq = if male { *count * 2 - 1 } else { *count * 2 };
                return (year * 10000 + m * 100 + d, seq);
            }
            d += 1;
            if d > days_in_month(year, m) {
                d = 1;
                m = m % 12 + 1;
            }
        }
        panic!("more than 499 people of one sex born on every day of {year} in one district");
    }
}

fn citizen_id(address: &[u8], birth: u32, seq: u16) -> String {
    let mut b = [b'0'; 18];
    b[..6].copy_from_slice(&address[..6]);
    let mut v = birth;
    for i in (6..14).rev() {
        b[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let mut s = seq;
    for i in (14..17).rev() {
        b[i] = b'0' + (s % 10) as u8;
        s /= 10;
    }
    b[17] = check_char(&b[..17]) as u8;
    b.iter().map(|&c| c as char).collect()
}

/// Residents and organisations share one offset, so their numbers never collide.
fn phone_offset(seed: u64) -> u64 {
    mix64(seed ^ 0x7068_6f6e_6573) % PHONE_SPACE
}

/// The k-th mobile number: a bijection of k over all numbers with the listed prefixes.
fn mobile(k: u64, offset: u64) -> String {
    let v = ((k % PHONE_SPACE) * PHONE_MULTIPLIER + offset) % PHONE_SPACE;
    let prefix = PHONE_PREFIXES[(v / 100_000_000) as usize];
    format!("{prefix}{:08}", scramble(v % 100_000_000))
}

/// A bijection of 0..100,000,000 that hides the affine steps between consecutive numbers:
/// a permutation of 27-bit words (odd multiplications and xor-shifts), walked until it
/// lands back in range.
fn scramble(mut x: u64) -> u64 {
    const MASK: u64 = (1 << 27) - 1;
    loop {
        x = (x.wrapping_mul(0x2c1b_3c6d) ^ 0x5bd_1e99) & MASK;
        x ^= x >> 13;
        x = x.wrapping_mul(0x297a_2d39) & MASK;
        x ^= x >> 11;
        if x < 100_000_000 {
            return x;
        }
    }
}

/// The members of one household: (age, male), the head first.
fn household_members(size: usize, rng: &mut Rng, out: &mut Vec<(u32, bool)>) {
    out.clear();
    let age = |rng: &mut Rng, lo: u32, hi: u32| rng.range_i64(i64::from(lo), i64::from(hi)) as u32;
    match size {
        1 => {
            let a = match rng.index(100) {
                0..=32 => age(rng, 19, 34),
                33..=57 => age(rng, 35, 59),
                58..=71 => age(rng, 60, 69),
                _ => older(rng, 70, 95),
            };
            // Older people living alone are mostly women.
            out.push((a, rng.chance(if a >= 70 { 0.35 } else { 0.55 })));
        }
        2 => {
            let r = rng.unit();
            if r < 0.6 {
                // A couple, often retired.
                let head = match rng.index(4) {
                    0 => age(rng, 22, 35),
                    1 => age(rng, 36, 59),
                    _ => older(rng, 60, 92),
                };
                let male = rng.chance(0.7);
                out.push((head, male));
                out.push((spouse(head, rng), !male));
            } else if r < 0.85 {
                // A single parent and a child.
                let head = age(rng, 28, 55);
                out.push((head, rng.chance(0.3)));
                out.push((age(rng, 0, (head - 20).min(25)), rng.chance(0.5)));
            } else {
                // An adult child and an elderly parent.
                let head = age(rng, 35, 62);
                out.push((head, rng.chance(0.55)));
                out.push((older(rng, head + 22, (head + 33).min(95)), rng.chance(0.4)));
            }
        }
        _ => {
            // A couple with children, grandparents filling the rest.
            let head = age(rng, 27, 62);
            let male = rng.chance(0.75);
            out.push((head, male));
            out.push((spouse(head, rng), !male));
            let rest = size - 2;
            let children = match rest {
                1 => usize::from(rng.chance(0.75)),
                2 => 2 - usize::from(rng.chance(0.35)),
                _ => 2,
            };
            let oldest_child = (head - 21).min(30);
            for _ in 0..children {
                out.push((age(rng, 0, oldest_child), rng.chance(0.52)));
            }
            for _ in children..rest {
                let lo = (head + 22).min(95);
                out.push((older(rng, lo, (head + 34).min(95)), rng.chance(0.4)));
            }
        }
    }
}

/// An age in lo..=hi, the younger ages more likely (fewer people reach the higher ones).
fn older(rng: &mut Rng, lo: u32, hi: u32) -> u32 {
    let span = f64::from(hi - lo + 1);
    (lo + (span * rng.unit().powf(1.8)) as u32).min(hi)
}

fn spouse(head: u32, rng: &mut Rng) -> u32 {
    (head as i64 + rng.range_i64(-5, 4)).clamp(20, 95) as u32
}

fn household_size(rng: &mut Rng) -> usize {
    let mut r = rng.unit();
    for (i, p) in HOUSEHOLD_SIZES.iter().enumerate() {
        if r < *p {
            return i + 1;
        }
        r -= p;
    }
    HOUSEHOLD_SIZES.len()
}

/// A birth date giving `age` on [`AGE_REFERENCE_DATE`] (never 1 January, so the age is exact).
fn birth_date(age: u32, rng: &mut Rng) -> (u32, u32, u32) {
    let year = (AGE_REFERENCE_DATE / 10000 - 1 - age).clamp(FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR);
    let month = rng.range_i64(1, 12) as u32;
    let first = if month == 1 { 2 } else { 1 };
    let day = rng.range_i64(first, i64::from(days_in_month(year, month))) as u32;
    (year, month, day)
}

fn tags(age: u32, male: bool, size: usize, household_tags: &[Tag], rng: &mut Rng) -> Vec<Tag> {
    let mut tags = Vec::new();
    // In `Tag` order, so the list comes out sorted.
    if age >= 70 && size == 1 {
        tags.push(Tag::ElderlyAlone);
    }
    if age >= 80 {
        tags.push(Tag::Elderly);
    }
    if rng.chance(if age >= 60 { 0.045 } else { 0.015 }) {
        tags.push(Tag::Disability);
    }
    if household_tags.contains(&Tag::LowIncome) {
        tags.push(Tag::LowIncome);
    }
    if male && age >= 22 && rng.chance(0.03) {
        tags.push(Tag::Veteran);
    }
    if rng.chance(if !(6..80).contains(&age) { 0.03 } else { 0.008 }) {
        tags.push(Tag::KeyCare);
    }
    if age < 16 && rng.chance(0.03) {
        tags.push(Tag::LeftBehindChild);
    }
    if (18..60).contains(&age) && rng.chance(0.035) {
        tags.push(Tag::Unemployed);
    }
    if rng.chance(if age >= 60 { 0.02 } else { 0.004 }) {
        tags.push(Tag::SeriousIllness);
    }
    if household_tags.contains(&Tag::Rental) {
        tags.push(Tag::Rental);
    }
    tags
}

fn phone_chance(age: u32) -> f64 {
    match age {
        0..=5 => 0.0,
        6..=11 => 0.5,
        12..=17 => 0.9,
        18..=74 => 0.98,
        _ => 0.9,
    }
}

fn populate(city: &DemoCity, survey: &Survey, opts: &PeopleOptions) -> Population {
    let mut rng = lane(opts.seed, 1);
    let weights: Vec<f64> = city
        .grids
        .iter()
        .map(|g| g.households.max(1) as f64)
        .collect();
    let per_grid = proportional(opts.residents, &weights);
    let mut rooms: Vec<Rooms> = city
        .buildings
        .iter()
        .map(|b| Rooms::new(b.floors, b.households, &mut rng))
        .collect();
    let mut ids = IdSequences::new(survey.districts.len());
    let phone_offset = phone_offset(opts.seed);
    let mut phones = 0u64;
    // House numbers on a community's roads: each grid has its own block of numbers.
    let block = per_grid.iter().max().copied().unwrap_or(0) / 3 + 1;

    let n = opts.residents;
    let mut households = Vec::with_capacity(n * 10 / 25 + city.grids.len());
    let mut residents = Vec::with_capacity(n);
    let mut ages = Vec::with_capacity(n);
    let mut grid_of = Vec::with_capacity(n);
    let mut members = Vec::with_capacity(5);
    let mut household_tags = Vec::with_capacity(2);
    for (gi, grid) in city.grids.iter().enumerate() {
        let info = &survey.grids[gi];
        let community = &survey.communities[info.community];
        // The address code of an identity number: the district of the grid.
        let address_code = &grid.code.as_bytes()[..6];
        let in_buildings = if info.home_households > 0 {
            (info.home_households as f64 / grid.households.max(1) as f64).min(1.0)
        } else {
            0.0
        };
        let road = &community.roads[info.position % community.roads.len()];
        let first_number = (info.position / community.roads.len()) * block + 1;
        let mut at_road = 0usize;
        let mut left = per_grid[gi];
        while left > 0 {
            let size = household_size(&mut rng).min(left);
            left -= size;
            let key = households.len() as u32 + 1;
            let household = if in_buildings > 0.0 && rng.chance(in_buildings) {
                let mut pick = rng.range_i64(0, info.home_households - 1);
                let mut b = info.homes[0];
                for &h in &info.homes {
                    b = h;
                    pick -= city.buildings[h].households;
                    if pick < 0 {
                        break;
                    }
                }
                let (unit, floor, room) = rooms[b].next();
                let unit = format!("{unit}单元");
                let room = format!("{floor}{room:02}");
                let address = format!(
                    "{}{}{unit}{room}室",
                    community.prefix, city.buildings[b].name
                );
                DemoHousehold {
                    key,
                    grid_code: grid.code.clone(),
                    building_index: Some(b),
                    unit,
                    room,
                    address,
                }
            } else {
                // Self-built houses and old street buildings: three households a house.
                let number = first_number + at_road / 3;
                let room = format!("{}01", at_road % 3 + 1);
                at_road += 1;
                let address = format!("{}{road}{number}号{room}室", community.prefix);
                DemoHousehold {
                    key,
                    grid_code: grid.code.clone(),
                    building_index: None,
                    unit: String::new(),
                    room,
                    address,
                }
            };
            households.push(household);

            household_tags.clear();
            if rng.chance(0.025) {
                household_tags.push(Tag::LowIncome);
            }
            if rng.chance(0.18) {
                household_tags.push(Tag::Rental);
            }
            household_members(size, &mut rng, &mut members);
            let mut surname = String::new();
            for (i, &(age, male)) in members.iter().enumerate() {
                let mut name = names::person(&mut rng);
                if i == 0 {
                    surname = name.chars().next().map(String::from).unwrap_or_default();
                } else if age + 16 < members[0].0 {
                    // The head's children take the head's surname.
                    let len = name.chars().next().map_or(0, char::len_utf8);
                    name.replace_range(..len, &surname);
                }
                let (y, m, d) = birth_date(age, &mut rng);
                let (birth, seq) = ids.take(info.district, y, m, d, male);
                let phone = if rng.chance(phone_chance(age)) {
                    phones += 1;
                    Some(mobile(phones - 1, phone_offset))
                } else {
                    None
                };
                residents.push(DemoResident {
                    name,
                    citizen_id: citizen_id(address_code, birth, seq),
                    phone,
                    household_key: key,
                    is_head: i == 0,
                    grid_code: grid.code.clone(),
                    tags: tags(age, male, size, &household_tags, &mut rng),
                });
                ages.push(age_on(birth, AGE_REFERENCE_DATE).min(255) as u8);
                grid_of.push(gi as u32);
            }
        }
    }
    Population {
        households,
        residents,
        ages,
        grids: grid_of,
    }
}

// ---------------------------------------------------------------------------------------
// Organisations.

struct OrgDraft {
    name: String,
    kind: OrgKind,
    grid: usize,
    point: Option<[f64; 2]>,
}

const NAME_FIRST: [&str; 36] = [
    "金", "银", "桂", "荔", "锦", "明", "秀", "凤", "龙", "朝", "新", "华", "和", "安", "富", "康",
    "兴", "嘉", "翠", "青", "邕", "绿", "恒", "盛", "鼎", "宏", "博", "创", "泰", "信", "德", "源",
    "达", "通", "宇", "君",
];
const NAME_SECOND: [&str; 30] = [
    "城", "江", "湖", "邦", "诚", "晟", "瑞", "丰", "联", "润", "海", "程", "之", "佳", "远", "航",
    "辉", "铭", "腾", "峰", "森", "禾", "越", "悦", "鑫", "昊", "晨", "星", "茂", "合",
];
const INDUSTRIES: [&str; 24] = [
    "商贸",
    "科技",
    "建筑工程",
    "餐饮管理",
    "物流",
    "电子商务",
    "医药",
    "文化传媒",
    "家政服务",
    "汽车服务",
    "食品",
    "网络科技",
    "广告",
    "装饰工程",
    "信息技术",
    "教育咨询",
    "农业发展",
    "环保科技",
    "人力资源",
    "旅游",
    "酒店管理",
    "建材",
    "糖业",
    "投资",
];
const SOCIAL: [&str; 14] = [
    "志愿者协会",
    "老年人协会",
    "文体协会",
    "书画协会",
    "调解服务中心",
    "社会工作服务站",
    "慈善互助会",
    "家长互助会",
    "青年志愿服务队",
    "老友议事会",
    "舞蹈队",
    "残疾人协会",
    "红白理事会",
    "时间银行服务站",
];
const PUBLIC_UNITS: [&str; 12] = [
    "派出所",
    "税务所",
    "供电所",
    "邮政支局",
    "司法所",
    "文化站",
    "社保服务站",
    "市场监督管理所",
    "消防救援站",
    "自来水营业所",
    "图书分馆",
    "城管中队",
];
const SCHOOLS: [&str; 5] = ["小学", "中学", "幼儿园", "实验学校", "培训学校"];
const HEALTH: [&str; 6] = [
    "社区卫生服务站",
    "诊所",
    "口腔诊所",
    "中医馆",
    "医院",
    "妇幼保健站",
];
const OTHER: [&str; 5] = [
    "商会",
    "个体劳动者协会",
    "农贸市场管理处",
    "宗祠理事会",
    "商圈管理办公室",
];

/// Claims a name made by `make` that no organisation has yet; after a few tries the name
/// gets a branch number.
fn unique_name(
    used: &mut HashSet<String>,
    rng: &mut Rng,
    make: impl Fn(&mut Rng) -> String,
) -> String {
    for _ in 0..8 {
        let name = make(rng);
        if used.insert(name.clone()) {
            return name;
        }
    }
    let base = make(rng);
    for n in 2.. {
        let name = format!("{base}第{n}分部");
        if used.insert(name.clone()) {
            return name;
        }
    }
    unreachable!("the numbers run out")
}

fn general_org(
    kind: OrgKind,
    short: &str,
    district: &str,
    used: &mut HashSet<String>,
    rng: &mut Rng,
) -> String {
    match kind {
        OrgKind::Enterprise => unique_name(used, rng, |rng| {
            let place = if rng.chance(0.5) { "南宁" } else { "广西" };
            format!(
                "{place}{}{}{}有限公司",
                rng.pick(&NAME_FIRST),
                rng.pick(&NAME_SECOND),
                rng.pick(&INDUSTRIES)
            )
        }),
        OrgKind::SocialOrganisation => {
            unique_name(used, rng, |rng| format!("{short}社区{}", rng.pick(&SOCIAL)))
        }
        OrgKind::GovernmentUnit => unique_name(used, rng, |rng| {
            if rng.chance(0.1) {
                format!("{district}{}", rng.pick(&names::DEPARTMENTS))
            } else {
                format!("{short}{}", rng.pick(&PUBLIC_UNITS))
            }
        }),
        OrgKind::School => unique_name(used, rng, |rng| {
            format!("南宁市{short}{}", rng.pick(&SCHOOLS))
        }),
        OrgKind::Hospital => unique_name(used, rng, |rng| format!("{short}{}", rng.pick(&HEALTH))),
        OrgKind::PropertyCompany | OrgKind::OwnersCommittee | OrgKind::Other => {
            unique_name(used, rng, |rng| format!("{short}{}", rng.pick(&OTHER)))
        }
    }
}

/// Kind of the general units of an area, by share.
fn general_kind(rng: &mut Rng) -> OrgKind {
    let r = rng.unit();
    if r < 0.68 {
        OrgKind::Enterprise
    } else if r < 0.80 {
        OrgKind::SocialOrganisation
    } else if r < 0.89 {
        OrgKind::GovernmentUnit
    } else if r < 0.93 {
        OrgKind::School
    } else if r < 0.97 {
        OrgKind::Hospital
    } else {
        OrgKind::Other
    }
}

fn institution_kind(name: &str) -> OrgKind {
    if ["小学", "中学", "幼儿园"].iter().any(|s| name.ends_with(s)) {
        OrgKind::School
    } else if ["医院", "卫生服务中心"].iter().any(|s| name.ends_with(s)) {
        OrgKind::Hospital
    } else {
        OrgKind::Enterprise
    }
}

/// Organisation targets for a city: 6,387 registered and 412 unregistered in the
/// default-size city, in proportion to grids otherwise.
fn org_targets(grids: usize) -> (usize, usize) {
    let scale = |n: usize| (n as f64 * grids as f64 / f64::from(DEFAULT_GRIDS)).round() as usize;
    (
        scale(DEFAULT_REGISTERED_ORGS),
        scale(DEFAULT_UNREGISTERED_ORGS),
    )
}

fn organisations(city: &DemoCity, survey: &Survey, seed: u64) -> Vec<DemoOrganisation> {
    let mut rng = lane(seed, 2);
    let (registered, unregistered) = org_targets(city.grids.len());
    let total = registered + unregistered;
    let mut used: HashSet<String> = HashSet::with_capacity(total * 2);

    // Units every community has by its structure: the institution of each dedicated grid,
    // the property company (most compounds) and owners' committee (some) of each compound.
    let mut structural: Vec<Vec<OrgDraft>> =
        survey.communities.iter().map(|_| Vec::new()).collect();
    let mut grid_slot: HashMap<&str, usize> = HashMap::with_capacity(city.grids.len());
    for (gi, g) in city.grids.iter().enumerate() {
        grid_slot.insert(g.code.as_str(), gi);
        if g.kind == GridKind::Dedicated {
            let name = g
                .name
                .strip_suffix("专属网格")
                .unwrap_or(&g.name)
                .to_string();
            let kind = institution_kind(&name);
            let point = survey.grids[gi]
                .buildings
                .iter()
                .find(|&&b| city.buildings[b].compound_key.is_none())
                .map(|&b| [city.buildings[b].lon, city.buildings[b].lat]);
            if used.insert(name.clone()) {
                structural[survey.grids[gi].community].push(OrgDraft {
                    name,
                    kind,
                    grid: gi,
                    point,
                });
            }
        }
    }
    for c in &city.compounds {
        let Some(&gi) = grid_slot.get(c.grid_code.as_str()) else {
            continue;
        };
        let homes: Vec<usize> = survey.grids[gi]
            .buildings
            .iter()
            .copied()
            .filter(|&b| city.buildings[b].compound_key == Some(c.key))
            .collect();
        let at_building = |rng: &mut Rng| {
            (!homes.is_empty()).then(|| {
                let b = &city.buildings[*rng.pick(&homes)];
                [b.lon, b.lat]
            })
        };
        let community = survey.grids[gi].community;
        if rng.chance(0.93) {
            let name = format!("{}物业服务中心", c.name);
            if used.insert(name.clone()) {
                let point = at_building(&mut rng);
                structural[community].push(OrgDraft {
                    name,
                    kind: OrgKind::PropertyCompany,
                    grid: gi,
                    point,
                });
            }
        }
        if rng.chance(0.55) {
            let name = format!("{}业主委员会", c.name);
            if used.insert(name.clone()) {
                let point = at_building(&mut rng);
                structural[community].push(OrgDraft {
                    name,
                    kind: OrgKind::OwnersCommittee,
                    grid: gi,
                    point,
                });
            }
        }
    }
    // Should a tiny city have more structural units than its target, keep the first ones.
    let mut budget = total;
    for list in &mut structural {
        list.truncate(budget);
        budget -= list.len();
    }

    // The other units of each area, in proportion to its grids.
    let weights: Vec<f64> = survey
        .communities
        .iter()
        .map(|c| c.grids.len() as f64 * rng.range_f64(0.6, 1.4))
        .collect();
    let quotas = if survey.communities.is_empty() {
        Vec::new()
    } else {
        proportional(budget, &weights)
    };
    let mut drafts: Vec<OrgDraft> = Vec::with_capacity(total);
    for (ci, (community, list)) in survey.communities.iter().zip(structural).enumerate() {
        drafts.extend(list);
        let short = community
            .name
            .strip_suffix("社区")
            .unwrap_or(&community.name);
        let district = city
            .divisions
            .iter()
            .find(|d| d.code == community.code[..6])
            .map_or("", |d| d.name.as_str());
        for _ in 0..quotas[ci] {
            let kind = general_kind(&mut rng);
            let name = general_org(kind, short, district, &mut used, &mut rng);
            drafts.push(OrgDraft {
                name,
                kind,
                grid: *rng.pick(&community.grids),
                point: None,
            });
        }
    }

    // Which units have not reported: any but government units (they must report).
    let mut candidates: Vec<usize> = (0..drafts.len())
        .filter(|&i| drafts[i].kind != OrgKind::GovernmentUnit)
        .collect();
    rng.shuffle(&mut candidates);
    let mut registered = vec![true; drafts.len()];
    for &i in candidates.iter().take(unregistered) {
        registered[i] = false;
    }

    let phone_offset = phone_offset(seed);
    drafts
        .into_iter()
        .zip(registered)
        .enumerate()
        .map(|(i, (draft, registered))| {
            let grid = &city.grids[draft.grid];
            let info = &survey.grids[draft.grid];
            let point = draft
                .point
                .unwrap_or_else(|| point_in(&grid.boundary, info.bbox, &mut rng));
            DemoOrganisation {
                name: draft.name,
                kind: draft.kind,
                community_code: survey.communities[info.community].code.clone(),
                grid_code: grid.code.clone(),
                lon: point[0],
                lat: point[1],
                contact_name: names::person(&mut rng),
                // Counted down from the top of the number space, so never a resident's.
                contact_phone: mobile(PHONE_SPACE - 1 - i as u64, phone_offset),
                registered,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Party organisations and members.

struct PartyTree {
    orgs: Vec<DemoPartyOrg>,
    /// Per grid: its grid branch.
    grid_branch: Vec<u32>,
    /// Per building: its building group, if any.
    building_group: Vec<Option<u32>>,
}

const ORDINALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn party_orgs(city: &DemoCity, survey: &Survey, seed: u64) -> PartyTree {
    let mut rng = lane(seed, 3);
    let mut orgs: Vec<DemoPartyOrg> = Vec::with_capacity(city.grids.len() * 2);
    let mut grid_branch = vec![0; city.grids.len()];
    let mut building_group = vec![None; city.buildings.len()];
    fn push(
        orgs: &mut Vec<DemoPartyOrg>,
        parent: Option<u32>,
        kind: PartyOrgKind,
        name: String,
        community: &str,
        grid: Option<&str>,
        building: Option<usize>,
    ) -> u32 {
        let key = orgs.len() as u32 + 1;
        orgs.push(DemoPartyOrg {
            key,
            parent_key: parent,
            kind,
            name,
            community_code: community.to_string(),
            grid_code: grid.map(str::to_string),
            building_index: building,
        });
        key
    }
    for c in &survey.communities {
        let big = push(
            &mut orgs,
            None,
            PartyOrgKind::BigCommittee,
            format!("{}大党委", c.name),
            &c.code,
            None,
            None,
        );
        // Larger communities split their grids among general branches (党总支).
        let n = c.grids.len();
        let generals = if n >= 12 && rng.chance(0.5) {
            (1 + n / 15).min(ORDINALS.len())
        } else {
            0
        };
        let general_keys: Vec<u32> = (0..generals)
            .map(|i| {
                push(
                    &mut orgs,
                    Some(big),
                    PartyOrgKind::GeneralBranch,
                    format!("{}第{}党总支", c.name, ORDINALS[i]),
                    &c.code,
                    None,
                    None,
                )
            })
            .collect();
        for (pos, &gi) in c.grids.iter().enumerate() {
            let grid = &city.grids[gi];
            // Institution grids sit directly under the big committee.
            let parent = if general_keys.is_empty() || grid.kind == GridKind::Dedicated {
                big
            } else {
                general_keys[pos * general_keys.len() / n]
            };
            let seq: u32 = grid
                .code
                .get(12..)
                .and_then(|s| s.parse().ok())
                .unwrap_or(pos as u32 + 1);
            grid_branch[gi] = push(
                &mut orgs,
                Some(parent),
                PartyOrgKind::GridBranch,
                format!("{}第{seq}网格党支部", c.name),
                &c.code,
                Some(&grid.code),
                None,
            );
        }
        for &gi in &c.grids {
            for &b in &survey.grids[gi].homes {
                if rng.chance(0.5) {
                    let building = &city.buildings[b];
                    building_group[b] = Some(push(
                        &mut orgs,
                        Some(grid_branch[gi]),
                        PartyOrgKind::BuildingGroup,
                        format!("{}党小组", building.name),
                        &c.code,
                        Some(&building.grid_code),
                        Some(b),
                    ));
                }
            }
        }
    }
    PartyTree {
        orgs,
        grid_branch,
        building_group,
    }
}

/// How many party members `residents` residents have.
fn member_target(residents: usize) -> usize {
    if residents >= DEFAULT_RESIDENTS {
        FULL_PARTY_MEMBERS
    } else {
        (residents as f64 * PARTY_MEMBER_SHARE).round() as usize
    }
}

fn party_members(
    population: &Population,
    party: &PartyTree,
    organisations: &[DemoOrganisation],
    opts: &PeopleOptions,
) -> Vec<DemoPartyMember> {
    let mut rng = lane(opts.seed, 4);
    // Weighted sampling without replacement (Efraimidis–Spirakis): smallest -ln(u)/w win.
    let mut keyed: Vec<(f64, u32)> = population
        .ages
        .iter()
        .enumerate()
        .filter(|(_, age)| **age >= 18)
        .map(|(i, &age)| {
            let w = match age {
                18..=24 => 0.6,
                25..=59 => 1.0,
                _ => 0.35,
            };
            (-(1.0 - rng.unit()).ln() / w, i as u32)
        })
        .collect();
    let target = member_target(opts.residents).min(keyed.len());
    if target == 0 {
        return Vec::new();
    }
    let by_key = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if target < keyed.len() {
        keyed.select_nth_unstable_by(target - 1, by_key);
        keyed.truncate(target);
    }
    let mut chosen: Vec<usize> = keyed.into_iter().map(|(_, i)| i as usize).collect();
    chosen.sort_unstable();

    let employers: Vec<usize> = organisations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.registered && o.kind != OrgKind::OwnersCommittee)
        .map(|(i, _)| i)
        .collect();
    chosen
        .into_iter()
        .map(|r| {
            let resident = &population.residents[r];
            let grid = population.grids[r] as usize;
            let household = &population.households[resident.household_key as usize - 1];
            let group = household
                .building_index
                .and_then(|b| party.building_group[b]);
            let org_key = match group {
                Some(key) if rng.chance(0.6) => key,
                _ => party.grid_branch[grid],
            };
            let in_service = population.ages[r] < 60 && !employers.is_empty() && rng.chance(0.95);
            DemoPartyMember {
                resident_index: r,
                org_key,
                in_service,
                employer_index: in_service.then(|| *rng.pick(&employers)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Invariants of the generated people. Every check returns `Err` with a reason, so the
    //! mutation tests at the end show that each one really fails on broken records.

    use super::*;
    use crate::{DemoOptions, DemoSize, generate};
    use std::sync::OnceLock;
    use std::time::Instant;
    use tongxin_core::people::{CitizenId, Phone, check_name};

    /// The date identity numbers are checked against.
    const TODAY: u32 = 20261126;

    fn ensure(ok: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
        if ok { Ok(()) } else { Err(msg()) }
    }

    fn default_city() -> &'static DemoCity {
        static CITY: OnceLock<DemoCity> = OnceLock::new();
        CITY.get_or_init(|| generate(&DemoOptions::default()))
    }

    fn default_people() -> &'static DemoPeople {
        static PEOPLE: OnceLock<DemoPeople> = OnceLock::new();
        PEOPLE.get_or_init(|| generate_people(default_city(), &PeopleOptions::default()))
    }

    fn small_city() -> &'static DemoCity {
        static CITY: OnceLock<DemoCity> = OnceLock::new();
        CITY.get_or_init(|| {
            generate(&DemoOptions {
                size: DemoSize::Small,
                seed: DEFAULT_SEED,
            })
        })
    }

    fn small_people() -> &'static DemoPeople {
        static PEOPLE: OnceLock<DemoPeople> = OnceLock::new();
        PEOPLE.get_or_init(|| generate_people(small_city(), &small_opts(2_000)))
    }

    fn small_opts(residents: usize) -> PeopleOptions {
        PeopleOptions {
            residents,
            seed: DEFAULT_SEED,
        }
    }

    fn birth(r: &DemoResident) -> u32 {
        r.citizen_id[6..14].parse().unwrap_or(0)
    }

    // -----------------------------------------------------------------------------------
    // Checks.

    /// Households, residents, identity numbers, phones, tags.
    fn check_residents(
        city: &DemoCity,
        people: &DemoPeople,
        expected: usize,
    ) -> Result<(), String> {
        ensure(people.residents.len() == expected, || {
            format!("{} residents, expected {expected}", people.residents.len())
        })?;
        let grids: HashMap<&str, usize> = city
            .grids
            .iter()
            .enumerate()
            .map(|(i, g)| (g.code.as_str(), i))
            .collect();
        let mut rooms = HashSet::new();
        for (i, h) in people.households.iter().enumerate() {
            ensure(h.key as usize == i + 1, || {
                format!("household {i}: key {}", h.key)
            })?;
            ensure(grids.contains_key(h.grid_code.as_str()), || {
                format!("household {}: unknown grid {}", h.key, h.grid_code)
            })?;
            ensure(!h.address.is_empty() && !h.room.is_empty(), || {
                format!("household {}: no address", h.key)
            })?;
            if let Some(b) = h.building_index {
                let building = city
                    .buildings
                    .get(b)
                    .ok_or_else(|| format!("household {}: no building {b}", h.key))?;
                ensure(building.grid_code == h.grid_code, || {
                    format!("household {}: building {b} is in another grid", h.key)
                })?;
                let floor: i64 = h.room[..h.room.len() - 2].parse().unwrap_or(0);
                ensure(
                    h.unit.ends_with("单元") && (1..=building.floors).contains(&floor),
                    || format!("household {}: unit {} room {}", h.key, h.unit, h.room),
                )?;
                ensure(h.address.contains(&building.name), || {
                    format!("household {}: address {}", h.key, h.address)
                })?;
                ensure(rooms.insert((b, h.unit.as_str(), h.room.as_str())), || {
                    format!("household {}: room {}{} taken twice", h.key, h.unit, h.room)
                })?;
            }
        }
        let mut heads = vec![0usize; people.households.len()];
        let mut sizes = vec![0usize; people.households.len()];
        let mut ids = HashSet::with_capacity(people.residents.len());
        let mut phones = HashSet::with_capacity(people.residents.len());
        for (i, r) in people.residents.iter().enumerate() {
            let h = people
                .households
                .get((r.household_key as usize).wrapping_sub(1))
                .ok_or_else(|| format!("resident {i}: no household {}", r.household_key))?;
            ensure(r.grid_code == h.grid_code, || {
                format!(
                    "resident {i}: grid {} but household in {}",
                    r.grid_code, h.grid_code
                )
            })?;
            heads[h.key as usize - 1] += usize::from(r.is_head);
            sizes[h.key as usize - 1] += 1;
            check_name(&r.name).map_err(|e| format!("resident {i}: {e}"))?;
            let id =
                CitizenId::parse(&r.citizen_id, TODAY).map_err(|e| format!("resident {i}: {e}"))?;
            ensure(id.expose() == r.citizen_id, || {
                format!("resident {i}: id not canonical")
            })?;
            ensure(ids.insert(r.citizen_id.as_str()), || {
                format!("resident {i}: identity number used twice")
            })?;
            ensure(r.citizen_id[..6] == r.grid_code[..6], || {
                format!("resident {i}: address code is not the district")
            })?;
            if let Some(p) = &r.phone {
                let phone = Phone::parse(p).map_err(|e| format!("resident {i}: {e}"))?;
                ensure(phone.expose() == p && p.len() == 11, || {
                    format!("resident {i}: not a mobile")
                })?;
                ensure(phones.insert(p.as_str()), || {
                    format!("resident {i}: phone used twice")
                })?;
            }
        }
        for o in &people.organisations {
            ensure(phones.insert(o.contact_phone.as_str()), || {
                format!("{}: contact phone used twice", o.name)
            })?;
        }
        for (h, (&heads, &size)) in heads.iter().zip(&sizes).enumerate() {
            ensure(heads == 1 && (1..=5).contains(&size), || {
                format!("household {}: {heads} heads, {size} people", h + 1)
            })?;
        }
        for (i, r) in people.residents.iter().enumerate() {
            let age = age_on(birth(r), AGE_REFERENCE_DATE);
            let size = sizes[r.household_key as usize - 1];
            ensure(age <= 96, || format!("resident {i}: {age} years old"))?;
            ensure(r.tags.windows(2).all(|w| w[0] < w[1]), || {
                format!("resident {i}: tags unsorted or repeated")
            })?;
            ensure(r.tags.contains(&Tag::Elderly) == (age >= 80), || {
                format!("resident {i}: elderly tag at {age}")
            })?;
            ensure(
                r.tags.contains(&Tag::ElderlyAlone) == (age >= 70 && size == 1),
                || format!("resident {i}: elderly-alone tag at {age} in a household of {size}"),
            )?;
            ensure(!r.tags.contains(&Tag::LeftBehindChild) || age < 18, || {
                format!("resident {i}: left-behind child at {age}")
            })?;
        }
        Ok(())
    }

    /// Organisations: in a grid of their community, inside its polygon, valid contacts.
    fn check_organisations(city: &DemoCity, people: &DemoPeople) -> Result<(), String> {
        let grids: HashMap<&str, &crate::DemoGrid> =
            city.grids.iter().map(|g| (g.code.as_str(), g)).collect();
        let mut names = HashSet::new();
        for o in &people.organisations {
            let grid = grids
                .get(o.grid_code.as_str())
                .ok_or_else(|| format!("{}: unknown grid {}", o.name, o.grid_code))?;
            ensure(grid.code[..12] == o.community_code, || {
                format!(
                    "{}: grid {} is not in {}",
                    o.name, o.grid_code, o.community_code
                )
            })?;
            ensure(ring_contains(&grid.boundary, [o.lon, o.lat]), || {
                format!(
                    "{}: ({}, {}) outside grid {}",
                    o.name, o.lon, o.lat, o.grid_code
                )
            })?;
            ensure(names.insert(o.name.as_str()), || {
                format!("{}: name used twice", o.name)
            })?;
            check_name(&o.contact_name).map_err(|e| format!("{}: {e}", o.name))?;
            Phone::parse(&o.contact_phone).map_err(|e| format!("{}: {e}", o.name))?;
        }
        Ok(())
    }

    /// The party tree and its members.
    fn check_party(city: &DemoCity, people: &DemoPeople) -> Result<(), String> {
        let mut branch_of_grid: HashMap<&str, u32> = HashMap::new();
        let mut big_committees = HashSet::new();
        for (i, o) in people.party_orgs.iter().enumerate() {
            ensure(o.key as usize == i + 1, || {
                format!("{}: key {}", o.name, o.key)
            })?;
            let parent = match o.parent_key {
                Some(p) => {
                    ensure(p < o.key, || format!("{}: parent listed after it", o.name))?;
                    let parent = &people.party_orgs[p as usize - 1];
                    ensure(parent.community_code == o.community_code, || {
                        format!("{}: parent in another community", o.name)
                    })?;
                    Some(parent)
                }
                None => None,
            };
            o.kind
                .check_parent(parent.map(|p| p.kind))
                .map_err(|e| format!("{}: {e}", o.name))?;
            match o.kind {
                PartyOrgKind::BigCommittee => {
                    ensure(big_committees.insert(o.community_code.as_str()), || {
                        format!("{}: second big committee", o.name)
                    })?;
                    ensure(o.name.ends_with("社区大党委"), || {
                        format!("{}: name", o.name)
                    })?;
                }
                PartyOrgKind::GridBranch => {
                    let grid = o
                        .grid_code
                        .as_deref()
                        .ok_or_else(|| format!("{}: no grid", o.name))?;
                    ensure(grid[..12] == o.community_code, || {
                        format!("{}: grid in another community", o.name)
                    })?;
                    ensure(branch_of_grid.insert(grid, o.key).is_none(), || {
                        format!("{}: second branch of grid {grid}", o.name)
                    })?;
                    ensure(o.name.ends_with("网格党支部"), || {
                        format!("{}: name", o.name)
                    })?;
                }
                PartyOrgKind::BuildingGroup => {
                    let b = o
                        .building_index
                        .and_then(|b| city.buildings.get(b))
                        .ok_or_else(|| format!("{}: no building", o.name))?;
                    ensure(
                        Some(b.grid_code.as_str()) == o.grid_code.as_deref()
                            && parent.and_then(|p| p.grid_code.as_deref())
                                == Some(b.grid_code.as_str()),
                        || format!("{}: building, group and branch grids differ", o.name),
                    )?;
                }
                PartyOrgKind::GeneralBranch | PartyOrgKind::Branch => {}
            }
        }
        for g in &city.grids {
            ensure(branch_of_grid.contains_key(g.code.as_str()), || {
                format!("grid {} has no party branch", g.code)
            })?;
        }
        let mut members = HashSet::new();
        for m in &people.party_members {
            let r = people
                .residents
                .get(m.resident_index)
                .ok_or_else(|| format!("member {}: no resident", m.resident_index))?;
            ensure(members.insert(m.resident_index), || {
                format!("member {}: listed twice", m.resident_index)
            })?;
            ensure(age_on(birth(r), TODAY) >= 18, || {
                format!("member {}: under 18", m.resident_index)
            })?;
            let org = people
                .party_orgs
                .get((m.org_key as usize).wrapping_sub(1))
                .ok_or_else(|| format!("member {}: no org {}", m.resident_index, m.org_key))?;
            ensure(
                matches!(
                    org.kind,
                    PartyOrgKind::GridBranch | PartyOrgKind::BuildingGroup
                ) && org.grid_code.as_deref() == Some(r.grid_code.as_str()),
                || format!("member {}: not in a unit of their grid", m.resident_index),
            )?;
            ensure(
                m.employer_index
                    .is_none_or(|e| e < people.organisations.len())
                    && (m.employer_index.is_some() == m.in_service),
                || format!("member {}: employer", m.resident_index),
            )?;
        }
        Ok(())
    }

    fn check_all(city: &DemoCity, people: &DemoPeople, residents: usize) -> Result<(), String> {
        check_residents(city, people, residents)?;
        check_organisations(city, people)?;
        check_party(city, people)
    }

    fn share(part: usize, whole: usize) -> f64 {
        part as f64 / whole.max(1) as f64
    }

    // -----------------------------------------------------------------------------------
    // Tests.

    #[test]
    fn default_city_at_200k_has_the_reported_shape() {
        let city = default_city();
        let people = default_people();
        check_all(city, people, DEFAULT_RESIDENTS).unwrap();
        let n = people.counts();
        assert_eq!(n.residents, 200_000);
        assert_eq!(n.registered_organisations, 6_387);
        assert!(
            (6_387 + 200..6_387 + 800).contains(&n.organisations),
            "{} organisations",
            n.organisations
        );
        assert_eq!(n.party_members, 80_000);
        assert_eq!(n.grid_branches, 6_764);
        let of_kind = |k: PartyOrgKind| people.party_orgs.iter().filter(|o| o.kind == k).count();
        assert_eq!(of_kind(PartyOrgKind::BigCommittee), 260);
        assert!(of_kind(PartyOrgKind::GeneralBranch) > 50);
        assert!(
            n.building_groups > 500,
            "{} building groups",
            n.building_groups
        );
        assert!(share(n.in_service_members, n.party_members) > 0.7, "{n:?}");

        // Every grid has households; mean size ≈ 2.7; ~85% with a phone.
        let grids: HashSet<&str> = people
            .households
            .iter()
            .map(|h| h.grid_code.as_str())
            .collect();
        assert_eq!(grids.len(), city.grids.len());
        let mean = share(n.residents, n.households);
        assert!((2.5..=2.85).contains(&mean), "mean household {mean}");
        let phones = share(n.with_phone, n.residents);
        assert!((0.8..=0.9).contains(&phones), "phone share {phones}");
        // Compound buildings hold about 7% of the city's households (659 compounds in 6,764
        // grids); the people follow.
        let in_buildings = share(
            people
                .households
                .iter()
                .filter(|h| h.building_index.is_some())
                .count(),
            n.households,
        );
        assert!(
            (0.04..0.12).contains(&in_buildings),
            "{in_buildings} in buildings"
        );

        // Plausible ages and tags.
        let ages: Vec<u32> = people
            .residents
            .iter()
            .map(|r| age_on(birth(r), AGE_REFERENCE_DATE))
            .collect();
        let adults = share(ages.iter().filter(|&&a| a >= 18).count(), ages.len());
        assert!((0.7..0.9).contains(&adults), "adults {adults}");
        assert_eq!(ages.iter().min(), Some(&0));
        assert_eq!(ages.iter().max(), Some(&95));
        let mut rates = Vec::new();
        for tag in tongxin_core::people::ALL_TAGS {
            let count = people
                .residents
                .iter()
                .filter(|r| r.tags.contains(&tag))
                .count();
            let rate = share(count, n.residents);
            rates.push(format!("{} {:.2}%", tag.as_str(), rate * 100.0));
            assert!(rate > 0.001 && rate < 0.2, "{} at {rate}", tag.as_str());
        }
        println!("tags: {}", rates.join(", "));

        // Kinds of organisation.
        let orgs = |k: OrgKind| people.organisations.iter().filter(|o| o.kind == k).count();
        let property = orgs(OrgKind::PropertyCompany);
        assert!(
            (560..=659).contains(&property),
            "{property} property companies"
        );
        assert!((200..659).contains(&orgs(OrgKind::OwnersCommittee)));
        assert!(orgs(OrgKind::Enterprise) > n.organisations / 2);
        for k in [
            OrgKind::School,
            OrgKind::Hospital,
            OrgKind::GovernmentUnit,
            OrgKind::SocialOrganisation,
            OrgKind::Other,
        ] {
            assert!(orgs(k) > 50, "{} {}", k.as_str(), orgs(k));
        }
        assert!(
            people
                .organisations
                .iter()
                .filter(|o| o.kind == OrgKind::GovernmentUnit)
                .all(|o| o.registered)
        );
        println!("default people: {n:?}");
    }

    #[test]
    fn generation_time_and_determinism_at_200k() {
        let city = default_city();
        let t = Instant::now();
        let people = generate_people(city, &PeopleOptions::default());
        let elapsed = t.elapsed();
        println!(
            "generate_people: {} residents, {} households, {} organisations, {} members in {elapsed:?}",
            people.residents.len(),
            people.households.len(),
            people.organisations.len(),
            people.party_members.len()
        );
        assert!(people == *default_people(), "same inputs, same people");
    }

    #[test]
    fn small_city_with_2000_residents() {
        let city = small_city();
        let people = small_people();
        check_all(city, people, 2_000).unwrap();
        let n = people.counts();
        assert_eq!(n.party_members, 800);
        assert_eq!(n.grid_branches, 32);
        assert_eq!(
            n.registered_organisations,
            (6_387.0 * 32.0 / 6_764.0_f64).round() as usize
        );
        let grids: HashSet<&str> = people
            .households
            .iter()
            .map(|h| h.grid_code.as_str())
            .collect();
        assert_eq!(grids.len(), 32);
    }

    #[test]
    fn other_scales_keep_every_invariant() {
        let city = small_city();
        for residents in [0, 1, 10, 63, 64, 5_000] {
            let people = generate_people(city, &small_opts(residents));
            check_all(city, &people, residents).unwrap();
            let adults = people
                .residents
                .iter()
                .filter(|r| age_on(birth(r), AGE_REFERENCE_DATE) >= 18)
                .count();
            let target = (residents as f64 * 0.4).round() as usize;
            assert_eq!(
                people.party_members.len(),
                target.min(adults),
                "{residents}"
            );
        }
        // 64 residents over 32 grids: every grid gets a household.
        let people = generate_people(city, &small_opts(64));
        let grids: HashSet<&str> = people
            .households
            .iter()
            .map(|h| h.grid_code.as_str())
            .collect();
        assert_eq!(grids.len(), 32);
    }

    #[test]
    fn same_inputs_same_people_other_seed_other_people() {
        let city = small_city();
        assert_eq!(generate_people(city, &small_opts(2_000)), *small_people());
        let other = generate_people(
            city,
            &PeopleOptions {
                residents: 2_000,
                seed: 7,
            },
        );
        check_all(city, &other, 2_000).unwrap();
        assert_ne!(other.residents, small_people().residents);
        assert_ne!(other.organisations, small_people().organisations);
    }

    #[test]
    fn proportional_split_is_exact() {
        let w = [3.0, 1.0, 0.0, 2.5, 1e-9];
        for total in [0, 1, 4, 9, 10, 11, 1_000, 123_457] {
            let parts = proportional(total, &w);
            assert_eq!(parts.iter().sum::<usize>(), total);
            if total >= 10 {
                assert!(parts.iter().all(|&p| p >= 2), "{parts:?}");
            }
        }
        assert_eq!(proportional(100, &[1.0, 1.0, 2.0, 0.0]), [25, 25, 48, 2]);
    }

    #[test]
    fn phones_and_ids_are_bijective_and_valid() {
        let offset = phone_offset(DEFAULT_SEED);
        let mut seen = HashSet::new();
        for k in (0..20_000).chain(PHONE_SPACE - 20_000..PHONE_SPACE) {
            let p = mobile(k, offset);
            assert!(Phone::parse(&p).is_ok() && p.len() == 11, "{p}");
            assert!(seen.insert(p));
        }
        let mut suffixes: Vec<u64> = (0..100_000_000 - 5_000)
            .step_by(997)
            .map(scramble)
            .collect();
        suffixes.extend((100_000_000 - 5_000..100_000_000).map(scramble));
        let count = suffixes.len();
        suffixes.sort_unstable();
        suffixes.dedup();
        assert_eq!(suffixes.len(), count);
        assert!(suffixes.iter().all(|&s| s < 100_000_000));
        let id = citizen_id(b"450103", 19491231, 2);
        assert_eq!(id, CitizenId::compose("450103", 19491231, 2));
        let mut seq = IdSequences::new(1);
        let (date, first) = seq.take(0, 1990, 2, 28, true);
        assert_eq!((date, first), (19900228, 1));
        for _ in 1..500 {
            seq.take(0, 1990, 2, 28, true);
        }
        // The day is full for men: the next one moves to 1 March.
        assert_eq!(seq.take(0, 1990, 2, 28, true), (19900301, 1));
        assert_eq!(seq.take(0, 1990, 2, 28, false), (19900228, 2));
    }

    /// Scaled mode: 2,000,000 residents on the default city. Slow in debug; run with
    /// `cargo test -p tongxin-core --release two_million -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn two_million_residents() {
        let city = default_city();
        let opts = PeopleOptions {
            residents: 2_000_000,
            seed: DEFAULT_SEED,
        };
        let t = Instant::now();
        let people = generate_people(city, &opts);
        println!("2M residents in {:?}: {:?}", t.elapsed(), people.counts());
        check_all(city, &people, 2_000_000).unwrap();
        assert_eq!(people.party_members.len(), 80_000);
    }

    // -----------------------------------------------------------------------------------
    // The checks must be able to fail.

    type Edit = Box<dyn FnOnce(&mut DemoPeople)>;

    fn broken(edit: impl FnOnce(&mut DemoPeople)) -> Result<(), String> {
        let mut people = small_people().clone();
        edit(&mut people);
        check_all(small_city(), &people, 2_000)
    }

    #[test]
    fn checks_pass_before_breaking() {
        broken(|_| {}).unwrap();
    }

    #[test]
    fn checks_catch_broken_residents() {
        let city = small_city();
        let cases: Vec<(&str, Edit)> = vec![
            ("missing resident", Box::new(|p| drop(p.residents.pop()))),
            (
                "duplicate id",
                Box::new(|p| p.residents[1].citizen_id = p.residents[0].citizen_id.clone()),
            ),
            (
                "bad check digit",
                Box::new(|p| {
                    let id = &mut p.residents[0].citizen_id;
                    let last = if id.ends_with('0') { "1" } else { "0" };
                    id.replace_range(17.., last);
                }),
            ),
            (
                "duplicate phone",
                Box::new(|p| {
                    let phone = p.residents.iter().find_map(|r| r.phone.clone());
                    let other = p.residents.iter().rposition(|r| r.phone.is_some()).unwrap();
                    p.residents[other].phone = phone;
                }),
            ),
            (
                "landline",
                Box::new(|p| p.residents[0].phone = Some("0771-5612345".into())),
            ),
            (
                "two heads",
                Box::new(|p| {
                    let i = p.residents.iter().position(|r| !r.is_head).unwrap();
                    p.residents[i].is_head = true;
                }),
            ),
            (
                "wrong grid",
                Box::new(|p| p.residents[0].grid_code = city.grids[5].code.clone()),
            ),
            (
                "building of another grid",
                Box::new(|p| {
                    let h = p
                        .households
                        .iter_mut()
                        .find(|h| h.building_index.is_some())
                        .unwrap();
                    let b = city
                        .buildings
                        .iter()
                        .position(|b| b.grid_code != h.grid_code)
                        .unwrap();
                    h.building_index = Some(b);
                }),
            ),
            (
                "missing elderly tag",
                Box::new(|p| {
                    let r = p
                        .residents
                        .iter_mut()
                        .find(|r| r.tags.contains(&Tag::Elderly))
                        .unwrap();
                    r.tags.retain(|t| *t != Tag::Elderly);
                }),
            ),
            (
                "district code",
                Box::new(|p| {
                    let r = &mut p.residents[0];
                    let other = if r.citizen_id.starts_with("450103") {
                        "450105"
                    } else {
                        "450103"
                    };
                    r.citizen_id = CitizenId::compose(other, birth(r), 1);
                }),
            ),
        ];
        for (what, edit) in cases {
            assert!(broken(edit).is_err(), "{what} not caught");
        }
    }

    #[test]
    fn checks_catch_broken_organisations_and_party() {
        let city = small_city();
        let cases: Vec<(&str, Edit)> = vec![
            (
                "org outside its grid",
                Box::new(|p| p.organisations[0].lon += 1.0),
            ),
            (
                "org in a grid of another community",
                Box::new(|p| {
                    let o = &mut p.organisations[0];
                    let g = city
                        .grids
                        .iter()
                        .find(|g| g.code[..12] != o.community_code)
                        .unwrap();
                    o.grid_code = g.code.clone();
                }),
            ),
            (
                "grid without branch",
                Box::new(|p| {
                    let o = p
                        .party_orgs
                        .iter_mut()
                        .find(|o| o.kind == PartyOrgKind::GridBranch)
                        .unwrap();
                    o.grid_code = Some(city.grids[31].code.clone());
                }),
            ),
            (
                "branch under a building group",
                Box::new(|p| {
                    let group = p
                        .party_orgs
                        .iter()
                        .find(|o| o.kind == PartyOrgKind::BuildingGroup)
                        .unwrap()
                        .key;
                    let o = p.party_orgs.last_mut().unwrap();
                    o.kind = PartyOrgKind::GridBranch;
                    o.parent_key = Some(group);
                }),
            ),
            (
                "root with a parent",
                Box::new(|p| p.party_orgs[0].parent_key = Some(2)),
            ),
            (
                "child before parent",
                Box::new(|p| {
                    let o = p
                        .party_orgs
                        .iter_mut()
                        .rev()
                        .find(|o| o.parent_key.is_some())
                        .unwrap();
                    let key = o.key;
                    o.parent_key = Some(key + 1);
                }),
            ),
            (
                "member twice",
                Box::new(|p| {
                    let m = p.party_members[0].clone();
                    p.party_members.push(m);
                }),
            ),
            (
                "minor member",
                Box::new(|p| {
                    let child = p
                        .residents
                        .iter()
                        .position(|r| age_on(birth(r), TODAY) < 10)
                        .unwrap();
                    p.party_members[0].resident_index = child;
                }),
            ),
            (
                "member in another grid's branch",
                Box::new(|p| {
                    let m = &mut p.party_members[0];
                    let grid = &p.residents[m.resident_index].grid_code;
                    m.org_key = p
                        .party_orgs
                        .iter()
                        .find(|o| {
                            o.kind == PartyOrgKind::GridBranch
                                && o.grid_code.as_deref() != Some(grid.as_str())
                        })
                        .unwrap()
                        .key;
                }),
            ),
            (
                "in service without employer",
                Box::new(|p| {
                    let m = p.party_members.iter_mut().find(|m| m.in_service).unwrap();
                    m.employer_index = None;
                }),
            ),
        ];
        for (what, edit) in cases {
            assert!(broken(edit).is_err(), "{what} not caught");
        }
    }
}
