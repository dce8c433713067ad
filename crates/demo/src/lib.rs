//! A deterministic synthetic city shaped like Nanning (南宁), for demos, tests and benchmarks.
//!
//! [`generate`] builds the whole territory from a seed: the city 450100, its seven real
//! districts, streets (real names where known), 260 communities, 6,764 grids, 659
//! residential compounds with their buildings, and one login for every role and level.
//! Every figure a report shows about the demo must be *counted from these records*; nothing
//! here is a constant to print (see [`DemoCity::counts`]).
//!
//! Geometry: the city is a box around Nanning (centre 108.366 E, 22.817 N, 0.5° × 0.4°),
//! cut into districts, streets, communities and grids by nested row layouts, then bent by a
//! gentle smooth warp. Each level tiles its parent exactly: children lie inside the parent,
//! do not overlap, and leave no gap. Neighbours share bit-identical vertices, and every ring
//! lists every vertex on its boundary (no T-junctions), so a half-open point-in-polygon test
//! puts any point of the city in exactly one grid. Rings are closed, counter-clockwise,
//! `[lon, lat]` in WGS-84.
//!
//! Accounts (all with the password [`DEMO_PASSWORD`]): `admin` (city_admin, 450100),
//! `auditor` (450100), `d<district>` (district_admin), `s<street>` (street_admin),
//! `c<community>` (community_admin), `g<grid>-<n>` (3–4 grid_workers per grid, n from 1),
//! `h<district>` (department_handler), and samples `r<grid>` (resident) and `p<grid>`
//! (party_member) in up to eight communities.
//!
//! The generators (this module, `cases`, `councils`, `disclosure`, `people`) are pure
//! computation: no I/O, no clock, no global state, so the same options always give the same
//! city. [`load`] writes what they generate into a store; the CLI's `tongxin demo`, the tests
//! and the benches all go through it.

pub mod cases;
pub mod councils;
pub mod disclosure;
mod geometry;
pub mod load;
mod names;
pub mod people;
mod rng;
#[cfg(test)]
mod tests;

use geometry::{Rect, VertexIndex, Warp};
use names::{DistrictSpec, NameBook};
use rng::{Rng, Stream, allocate};
use serde::Serialize;
use tongxin_core::access::Role;
use tongxin_core::territory::{DivisionKind, GridKind, PartyUnitKind};

pub use people::{
    AGE_REFERENCE_DATE, DEFAULT_RESIDENTS, DemoHousehold, DemoOrganisation, DemoPartyMember,
    DemoPartyOrg, DemoPeople, DemoResident, PeopleCounts, PeopleOptions, generate_people,
};

/// The documented password of every demo account, so a new user can log in at once.
pub const DEMO_PASSWORD: &str = "tongxin-demo";
/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 20240601;

const CITY_CODE: &str = "450100";
const CITY_NAME: &str = "南宁市";
/// Centre of the city box, [lon, lat].
const CITY_CENTRE: [f64; 2] = [108.366, 22.817];
const CITY_HALF_WIDTH: f64 = 0.25;
const CITY_HALF_HEIGHT: f64 = 0.2;

// Default-size targets, taken from the seed report; the generated records realise them.
const DEFAULT_COMMUNITIES: u32 = 260;
const DEFAULT_GRIDS: u32 = 6_764;
const DEFAULT_COMPOUNDS: u32 = 659;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoSize {
    /// 2 districts, 4 streets, 8 communities, 32 grids: for tests.
    Small,
    /// The Nanning-sized city: 7 districts, 260 communities, 6,764 grids, 659 compounds.
    #[default]
    Default,
}

impl DemoSize {
    pub fn as_str(self) -> &'static str {
        match self {
            DemoSize::Small => "small",
            DemoSize::Default => "default",
        }
    }

    pub fn parse(text: &str) -> Option<DemoSize> {
        match text {
            "small" => Some(DemoSize::Small),
            "default" => Some(DemoSize::Default),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DemoOptions {
    pub size: DemoSize,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            size: DemoSize::Default,
            seed: DEFAULT_SEED,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoCity {
    /// Parents before children: the city, then districts, streets, communities.
    pub divisions: Vec<DemoDivision>,
    /// By community, then by sequence (west→east, north→south).
    pub grids: Vec<DemoGrid>,
    pub compounds: Vec<DemoCompound>,
    pub buildings: Vec<DemoBuilding>,
    pub accounts: Vec<DemoAccount>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoDivision {
    pub code: String,
    pub name: String,
    pub kind: DivisionKind,
    pub parent_code: Option<String>,
    /// Closed ring, counter-clockwise, [lon, lat] WGS-84.
    pub boundary: Vec<[f64; 2]>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoGrid {
    /// 15 digits: community code + 3-digit sequence.
    pub code: String,
    pub name: String,
    pub kind: GridKind,
    pub households: i64,
    pub population: i64,
    pub party_unit_kind: PartyUnitKind,
    pub party_unit_name: String,
    /// Closed ring, counter-clockwise, [lon, lat] WGS-84.
    pub boundary: Vec<[f64; 2]>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoCompound {
    /// 1-based, unique; buildings refer to it.
    pub key: u32,
    pub community_code: String,
    pub grid_code: String,
    pub name: String,
    /// The sum of its buildings' households.
    pub households: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoBuilding {
    /// None for a stand-alone building (the main building of a dedicated grid's institution).
    pub compound_key: Option<u32>,
    pub community_code: String,
    pub grid_code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub floors: i64,
    pub households: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub display_name: String,
    /// One of the `access::Role` names: "city_admin", "district_admin", "street_admin",
    /// "community_admin", "grid_worker", "department_handler", "party_member", "resident",
    /// "auditor".
    pub role: &'static str,
    /// The division or grid code the role is bound to.
    pub node_code: String,
    /// Always [`DEMO_PASSWORD`].
    pub password: String,
}

/// Figures counted from a generated city's records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DemoCounts {
    pub districts: usize,
    pub streets: usize,
    pub communities: usize,
    pub grids: usize,
    pub dedicated_grids: usize,
    pub compounds: usize,
    pub buildings: usize,
    pub accounts: usize,
    pub grid_workers: usize,
    pub households: i64,
    pub population: i64,
}

impl DemoCity {
    /// Counts taken from the records themselves.
    pub fn counts(&self) -> DemoCounts {
        let of_kind = |k: DivisionKind| self.divisions.iter().filter(|d| d.kind == k).count();
        DemoCounts {
            districts: of_kind(DivisionKind::District),
            streets: of_kind(DivisionKind::Street),
            communities: of_kind(DivisionKind::Community),
            grids: self.grids.len(),
            dedicated_grids: self
                .grids
                .iter()
                .filter(|g| g.kind == GridKind::Dedicated)
                .count(),
            compounds: self.compounds.len(),
            buildings: self.buildings.len(),
            accounts: self.accounts.len(),
            grid_workers: self
                .accounts
                .iter()
                .filter(|a| a.role == Role::GridWorker.as_str())
                .count(),
            households: self.grids.iter().map(|g| g.households).sum(),
            population: self.grids.iter().map(|g| g.population).sum(),
        }
    }
}

/// Builds the demo city for `opts`. Deterministic: equal options give equal cities.
pub fn generate(opts: &DemoOptions) -> DemoCity {
    build(opts, true)
}

// ---------------------------------------------------------------------------------------
// Plan: how many of everything, and the names.

struct CommunityPlan {
    code: String,
    /// Without the 社区 suffix.
    short: String,
    grids: u32,
    compounds: u32,
}

struct StreetPlan {
    code: String,
    name: String,
    communities: Vec<CommunityPlan>,
}

struct DistrictPlan {
    spec: &'static DistrictSpec,
    streets: Vec<StreetPlan>,
}

impl DistrictPlan {
    fn grids(&self) -> u32 {
        self.streets.iter().map(StreetPlan::grids).sum()
    }
}

impl StreetPlan {
    fn grids(&self) -> u32 {
        self.communities.iter().map(|c| c.grids).sum()
    }
}

fn plan(opts: &DemoOptions, book: &mut NameBook) -> Vec<DistrictPlan> {
    let mut rng = Rng::new(opts.seed, Stream::Counts);
    let mut name_rng = Rng::new(opts.seed, Stream::Names);
    let specs: Vec<&'static DistrictSpec> = match opts.size {
        DemoSize::Small => vec![names::district("450103"), names::district("450105")],
        DemoSize::Default => names::DISTRICTS.iter().collect(),
    };
    let streets_of = |spec: &DistrictSpec| match opts.size {
        DemoSize::Small => 2,
        DemoSize::Default => spec.streets.len(),
    };

    // Communities per street, grids and compounds per community.
    let street_weights: Vec<f64> = specs
        .iter()
        .flat_map(|spec| {
            let base = if spec.urban { 1.25 } else { 0.7 };
            (0..streets_of(spec)).map(move |_| base)
        })
        .map(|base| base * rng.range_f64(0.8, 1.2))
        .collect();
    let per_street: Vec<u32> = match opts.size {
        DemoSize::Small => vec![2; street_weights.len()],
        DemoSize::Default => allocate(DEFAULT_COMMUNITIES, &street_weights, 3, 9, &mut rng),
    };
    let n_communities: u32 = per_street.iter().sum();
    let per_community_grids: Vec<u32> = match opts.size {
        DemoSize::Small => vec![4; n_communities as usize],
        DemoSize::Default => {
            let w: Vec<f64> = (0..n_communities)
                .map(|_| rng.range_f64(0.55, 1.45))
                .collect();
            allocate(DEFAULT_GRIDS, &w, 15, 40, &mut rng)
        }
    };
    let per_community_compounds: Vec<u32> = match opts.size {
        DemoSize::Small => (0..n_communities)
            .map(|_| rng.range_i64(1, 2) as u32)
            .collect(),
        DemoSize::Default => {
            let w: Vec<f64> = (0..n_communities)
                .map(|_| rng.range_f64(0.5, 1.5))
                .collect();
            allocate(DEFAULT_COMPOUNDS, &w, 1, 6, &mut rng)
        }
    };

    let mut street_index = 0;
    let mut community_index = 0;
    specs
        .into_iter()
        .map(|spec| {
            let streets = (0..streets_of(spec))
                .map(|s| {
                    let code = format!("{}{:03}", spec.code, s + 1);
                    let communities = (0..per_street[street_index])
                        .map(|c| {
                            let plan = CommunityPlan {
                                code: format!("{code}{:03}", c + 1),
                                short: book.community(spec, &mut name_rng),
                                grids: per_community_grids[community_index],
                                compounds: per_community_compounds[community_index],
                            };
                            community_index += 1;
                            plan
                        })
                        .collect();
                    street_index += 1;
                    StreetPlan {
                        code,
                        name: format!("{}街道", spec.streets[s]),
                        communities,
                    }
                })
                .collect();
            DistrictPlan { spec, streets }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Build.

/// `warp = false` keeps every polygon an axis-aligned rectangle (used by tests).
fn build(opts: &DemoOptions, warp: bool) -> DemoCity {
    let mut book = NameBook::new();
    let districts = plan(opts, &mut book);
    let mut geo_rng = Rng::new(opts.seed, Stream::Geometry);

    // 1. Rectangles, level by level.
    let city = Rect {
        x0: CITY_CENTRE[0] - CITY_HALF_WIDTH,
        y0: CITY_CENTRE[1] - CITY_HALF_HEIGHT,
        x1: CITY_CENTRE[0] + CITY_HALF_WIDTH,
        y1: CITY_CENTRE[1] + CITY_HALF_HEIGHT,
    };
    let district_rects = {
        // Place the districts by the real arrangement, areas ∝ grids × spread.
        let mut weight =
            |d: &DistrictPlan| f64::from(d.grids()) * d.spec.spread * geo_rng.range_f64(0.9, 1.1);
        let weights: Vec<(&str, f64)> =
            districts.iter().map(|d| (d.spec.code, weight(d))).collect();
        let rows: Vec<Vec<(usize, f64)>> = names::DISTRICT_ROWS
            .iter()
            .map(|row| {
                row.iter()
                    .filter_map(|code| {
                        weights
                            .iter()
                            .position(|(c, _)| c == code)
                            .map(|i| (i, weights[i].1))
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|row| !row.is_empty())
            .collect();
        let row_weights: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| r.iter().map(|(_, w)| *w).collect())
            .collect();
        let row_refs: Vec<&[f64]> = row_weights.iter().map(Vec::as_slice).collect();
        let cells = geometry::rows_layout(city, &row_refs);
        let mut rects = vec![city; districts.len()];
        for ((i, _), cell) in rows.iter().flatten().zip(cells) {
            rects[*i] = cell;
        }
        rects
    };
    let mut street_rects = Vec::new();
    let mut community_rects = Vec::new();
    let mut grid_rects = Vec::new();
    for (d, drect) in districts.iter().zip(&district_rects) {
        let w: Vec<f64> = d
            .streets
            .iter()
            .map(|s| f64::from(s.grids()) * geo_rng.range_f64(0.85, 1.15))
            .collect();
        for (s, srect) in d.streets.iter().zip(geometry::layout(*drect, &w)) {
            street_rects.push(srect);
            let w: Vec<f64> = s
                .communities
                .iter()
                .map(|c| f64::from(c.grids) * geo_rng.range_f64(0.85, 1.15))
                .collect();
            for (c, crect) in s.communities.iter().zip(geometry::layout(srect, &w)) {
                community_rects.push(crect);
                let w: Vec<f64> = (0..c.grids)
                    .map(|_| geo_rng.range_f64(0.75, 1.25))
                    .collect();
                grid_rects.push(geometry::layout(crect, &w));
            }
        }
    }

    // 2. Rings with every shared vertex, then the warp.
    let all_grid_rects: Vec<Rect> = grid_rects.iter().flatten().copied().collect();
    let index = VertexIndex::new(&all_grid_rects);
    let warp = if warp {
        Warp::random(CITY_CENTRE, &mut Rng::new(opts.seed, Stream::Warp))
    } else {
        Warp::identity(CITY_CENTRE)
    };
    let ring =
        |r: Rect| -> Vec<[f64; 2]> { index.ring(r).into_iter().map(|p| warp.apply(p)).collect() };

    // 3. Divisions, parents before children.
    let mut divisions = vec![DemoDivision {
        code: CITY_CODE.into(),
        name: CITY_NAME.into(),
        kind: DivisionKind::City,
        parent_code: None,
        boundary: ring(city),
    }];
    for (d, r) in districts.iter().zip(&district_rects) {
        divisions.push(DemoDivision {
            code: d.spec.code.into(),
            name: d.spec.name.into(),
            kind: DivisionKind::District,
            parent_code: Some(CITY_CODE.into()),
            boundary: ring(*r),
        });
    }
    let streets: Vec<(&DistrictPlan, &StreetPlan)> = districts
        .iter()
        .flat_map(|d| d.streets.iter().map(move |s| (d, s)))
        .collect();
    for ((d, s), r) in streets.iter().zip(&street_rects) {
        divisions.push(DemoDivision {
            code: s.code.clone(),
            name: s.name.clone(),
            kind: DivisionKind::Street,
            parent_code: Some(d.spec.code.into()),
            boundary: ring(*r),
        });
    }
    let communities: Vec<(&DistrictPlan, &StreetPlan, &CommunityPlan)> = streets
        .iter()
        .flat_map(|(d, s)| s.communities.iter().map(move |c| (*d, *s, c)))
        .collect();
    for ((_, s, c), r) in communities.iter().zip(&community_rects) {
        divisions.push(DemoDivision {
            code: c.code.clone(),
            name: format!("{}社区", c.short),
            kind: DivisionKind::Community,
            parent_code: Some(s.code.clone()),
            boundary: ring(*r),
        });
    }

    // 4. Grids, compounds and buildings, community by community.
    let mut attr_rng = Rng::new(opts.seed, Stream::Attributes);
    let mut name_rng = Rng::new(opts.seed, Stream::CompoundNames);
    let mut grids = Vec::with_capacity(all_grid_rects.len());
    let mut compounds = Vec::new();
    let mut buildings = Vec::new();
    for (ci, ((_, _, c), rects)) in communities.iter().zip(&grid_rects).enumerate() {
        let first = grids.len();
        let mut institutions: Vec<&str> = names::INSTITUTIONS.to_vec();
        attr_rng.shuffle(&mut institutions);
        // Dedicated grids: ~5%, at most a quarter of the community, so compounds fit.
        let max_dedicated = rects.len() / 4;
        let mut dedicated = 0;
        for (k, r) in rects.iter().enumerate() {
            let seq = k + 1;
            let forced = opts.size == DemoSize::Small && ci == 0 && seq == rects.len();
            let is_dedicated = (forced || attr_rng.chance(0.05)) && dedicated < max_dedicated;
            let community = format!("{}社区", c.short);
            let boundary = ring(*r);
            let (kind, households, name) = if is_dedicated {
                let institution = format!("{}{}", c.short, institutions[dedicated]);
                dedicated += 1;
                buildings.push(DemoBuilding {
                    compound_key: None,
                    community_code: c.code.clone(),
                    grid_code: format!("{}{:03}", c.code, seq),
                    name: format!("{institution}综合楼"),
                    lon: 0.0,
                    lat: 0.0,
                    floors: attr_rng.range_i64(6, 12),
                    households: 0,
                });
                let building = buildings.last_mut().expect("just pushed");
                place(building, *r, &boundary, &warp, &mut attr_rng);
                (
                    GridKind::Dedicated,
                    attr_rng.range_i64(20, 150),
                    format!("{institution}专属网格"),
                )
            } else {
                (
                    GridKind::Base,
                    attr_rng.range_i64(250, 500),
                    format!("{community}第{seq}网格"),
                )
            };
            // Rounding must not push a small grid below 2.6 people per household.
            let population = ((households as f64 * attr_rng.range_f64(2.6, 3.0)).round() as i64)
                .max((households as f64 * 2.6).ceil() as i64);
            let party_unit_kind = if kind == GridKind::Base && households < 280 {
                PartyUnitKind::Group
            } else {
                PartyUnitKind::Branch
            };
            let party_unit_name = match party_unit_kind {
                PartyUnitKind::Branch => format!("{community}第{seq}网格党支部"),
                PartyUnitKind::Group => format!("{community}第{seq}网格党小组"),
            };
            grids.push(DemoGrid {
                code: format!("{}{:03}", c.code, seq),
                name,
                kind,
                households,
                population,
                party_unit_kind,
                party_unit_name,
                boundary,
            });
        }

        // Compounds: each in its own base grid, taking 50–95% of the grid's households.
        let mut base: Vec<usize> = (first..grids.len())
            .filter(|&g| grids[g].kind == GridKind::Base)
            .collect();
        attr_rng.shuffle(&mut base);
        let mut chosen: Vec<usize> = base.into_iter().take(c.compounds as usize).collect();
        chosen.sort_unstable();
        for g in chosen {
            let key = compounds.len() as u32 + 1;
            let name = book.compound(&mut name_rng);
            let target =
                (grids[g].households as f64 * attr_rng.range_f64(0.5, 0.95)).round() as i64;
            let n_buildings = (target as f64 / 150.0).ceil().max(2.0) as usize
                + usize::from(attr_rng.chance(0.5));
            let shares = split(target, n_buildings, &mut attr_rng);
            let rect = rects[g - first];
            for (b, households) in shares.into_iter().enumerate() {
                let min_floors = ((households + 7) / 8).max(6);
                let mut building = DemoBuilding {
                    compound_key: Some(key),
                    community_code: c.code.clone(),
                    grid_code: grids[g].code.clone(),
                    name: format!("{name}{}栋", b + 1),
                    lon: 0.0,
                    lat: 0.0,
                    floors: attr_rng.range_i64(min_floors, 33),
                    households,
                };
                place(
                    &mut building,
                    rect,
                    &grids[g].boundary,
                    &warp,
                    &mut attr_rng,
                );
                buildings.push(building);
            }
            compounds.push(DemoCompound {
                key,
                community_code: c.code.clone(),
                grid_code: grids[g].code.clone(),
                name,
                households: target,
            });
        }
    }

    // 5. Accounts.
    let accounts = accounts(opts, &divisions, &grids);

    DemoCity {
        divisions,
        grids,
        compounds,
        buildings,
        accounts,
    }
}

/// Puts a building at a random point well inside its grid's rectangle, warped like the
/// grid. The warp bends edges by far less than the 15% margin; should a point still fall
/// outside the grid's ring, it moves toward the centre until it is inside.
fn place(building: &mut DemoBuilding, rect: Rect, ring: &[[f64; 2]], warp: &Warp, rng: &mut Rng) {
    let (mut fx, mut fy) = (rng.range_f64(0.15, 0.85), rng.range_f64(0.15, 0.85));
    let mut p = warp.apply(rect.at(fx, fy));
    while !geometry::ring_contains(ring, p) {
        fx = 0.5 + (fx - 0.5) / 2.0;
        fy = 0.5 + (fy - 0.5) / 2.0;
        p = warp.apply(rect.at(fx, fy));
    }
    building.lon = p[0];
    building.lat = p[1];
}

/// Splits `total` into `parts` positive shares of similar size that sum to `total`.
fn split(total: i64, parts: usize, rng: &mut Rng) -> Vec<i64> {
    let weights: Vec<f64> = (0..parts).map(|_| rng.range_f64(0.7, 1.3)).collect();
    let sum: f64 = weights.iter().sum();
    let mut shares: Vec<i64> = weights
        .iter()
        .map(|w| ((total as f64) * w / sum).floor() as i64)
        .collect();
    let rest = total - shares.iter().sum::<i64>();
    for i in 0..rest as usize {
        shares[i % parts] += 1;
    }
    shares
}

fn accounts(
    opts: &DemoOptions,
    divisions: &[DemoDivision],
    grids: &[DemoGrid],
) -> Vec<DemoAccount> {
    let mut rng = Rng::new(opts.seed, Stream::People);
    let mut out = Vec::with_capacity(grids.len() * 4 + divisions.len() + 64);
    let mut push = |username: String, display_name: String, role: Role, node: &str| {
        out.push(DemoAccount {
            username,
            display_name,
            role: role.as_str(),
            node_code: node.to_string(),
            password: DEMO_PASSWORD.to_string(),
        });
    };
    let of_kind = |k: DivisionKind| divisions.iter().filter(move |d| d.kind == k);

    push(
        "admin".into(),
        format!("{CITY_NAME}管理员"),
        Role::CityAdmin,
        CITY_CODE,
    );
    push(
        "auditor".into(),
        format!("{CITY_NAME}审计员"),
        Role::Auditor,
        CITY_CODE,
    );
    for d in of_kind(DivisionKind::District) {
        push(
            format!("d{}", d.code),
            format!("{}管理员", d.name),
            Role::DistrictAdmin,
            &d.code,
        );
    }
    for s in of_kind(DivisionKind::Street) {
        push(
            format!("s{}", s.code),
            format!("{}管理员", s.name),
            Role::StreetAdmin,
            &s.code,
        );
    }
    for c in of_kind(DivisionKind::Community) {
        push(
            format!("c{}", c.code),
            format!("{}管理员", c.name),
            Role::CommunityAdmin,
            &c.code,
        );
    }
    // 3–4 grid workers per grid: four where households are many.
    for g in grids {
        let workers = if g.households >= 380 { 4 } else { 3 };
        for n in 1..=workers {
            push(
                format!("g{}-{n}", g.code),
                names::person(&mut rng),
                Role::GridWorker,
                &g.code,
            );
        }
    }
    // One department handler per district, each for a different department.
    for (i, d) in of_kind(DivisionKind::District).enumerate() {
        let department = names::DEPARTMENTS[i % names::DEPARTMENTS.len()];
        push(
            format!("h{}", d.code),
            format!("{}（{}{department}）", names::person(&mut rng), d.name),
            Role::DepartmentHandler,
            &d.code,
        );
    }
    // Sample residents and party members in up to eight communities spread over the city.
    let communities: Vec<&DemoDivision> = of_kind(DivisionKind::Community).collect();
    let step = (communities.len() / 8).max(1);
    for c in communities.iter().step_by(step).take(8) {
        let resident_grid = format!("{}001", c.code);
        let member_grid = format!("{}002", c.code);
        push(
            format!("r{resident_grid}"),
            names::person(&mut rng),
            Role::Resident,
            &resident_grid,
        );
        push(
            format!("p{member_grid}"),
            names::person(&mut rng),
            Role::PartyMember,
            &member_grid,
        );
    }
    out
}
