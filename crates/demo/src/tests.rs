//! Invariants of the demo city. Every check returns `Err` with a reason, so the mutation
//! tests at the end can show that each check really fails on broken data.

use super::geometry::{ring_area, ring_bbox, ring_contains};
use super::*;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use tongxin_core::access::{Binding, Role};
use tongxin_core::territory::{
    DivisionCode, GRID_WORKERS_MAX, GRID_WORKERS_MIN, GridAttributes, GridCode, Level, NewBuilding,
    NewCompound, NewDivision, NodeCode,
};

type Ring = [[f64; 2]];

fn default_city() -> &'static DemoCity {
    static CITY: OnceLock<DemoCity> = OnceLock::new();
    CITY.get_or_init(|| generate(&DemoOptions::default()))
}

fn default_flat() -> &'static DemoCity {
    static CITY: OnceLock<DemoCity> = OnceLock::new();
    CITY.get_or_init(|| build(&DemoOptions::default(), false))
}

fn small(seed: u64) -> DemoCity {
    generate(&DemoOptions {
        size: DemoSize::Small,
        seed,
    })
}

fn ensure(ok: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(msg()) }
}

fn of_kind(city: &DemoCity, kind: DivisionKind) -> Vec<&DemoDivision> {
    city.divisions.iter().filter(|d| d.kind == kind).collect()
}

// ---------------------------------------------------------------------------------------
// Checks.

/// Codes, kinds, parent links, grid numbering, attribute ranges.
fn check_codes(city: &DemoCity) -> Result<(), String> {
    let first = city.divisions.first().ok_or("no divisions")?;
    ensure(
        first.code == "450100" && first.kind == DivisionKind::City && first.parent_code.is_none(),
        || "first division must be the city 450100".into(),
    )?;
    let mut seen: HashMap<&str, &DemoDivision> = HashMap::new();
    for d in &city.divisions {
        let code = DivisionCode::parse(&d.code).map_err(|e| e.to_string())?;
        ensure(code.level() == d.kind.level(), || {
            format!("{}: level/kind", d.code)
        })?;
        let new = NewDivision {
            code: d.code.clone(),
            name: d.name.clone(),
            kind: d.kind,
            parent_code: d.parent_code.clone(),
        };
        new.validate().map_err(|e| format!("{}: {e}", d.code))?;
        if let Some(p) = &d.parent_code {
            ensure(seen.contains_key(p.as_str()), || {
                format!("{}: parent {p} missing or listed after the child", d.code)
            })?;
            let parent = DivisionCode::parse(p).map_err(|e| e.to_string())?;
            code.check_parent(&parent).map_err(|e| e.to_string())?;
        }
        match d.kind {
            DivisionKind::Street => {
                let seg: u32 = d.code[6..9].parse().unwrap();
                ensure(
                    (1..=99).contains(&seg) && d.name.ends_with("街道"),
                    || format!("{}: street segment/name", d.code),
                )?;
            }
            DivisionKind::Community => {
                let seg: u32 = d.code[9..12].parse().unwrap();
                ensure(
                    (1..=199).contains(&seg) && d.name.ends_with("社区"),
                    || format!("{}: community segment/name", d.code),
                )?;
            }
            _ => {}
        }
        ensure(seen.insert(&d.code, d).is_none(), || {
            format!("duplicate {}", d.code)
        })?;
    }
    // Divisions come level by level.
    let levels: Vec<Level> = city.divisions.iter().map(|d| d.kind.level()).collect();
    ensure(levels.windows(2).all(|w| w[0] <= w[1]), || {
        "divisions not ordered city, districts, streets, communities".into()
    })?;

    // Grids: valid, unique, community + contiguous sequence in list order.
    let mut grid_codes = HashSet::new();
    let mut next_seq: HashMap<String, u16> = HashMap::new();
    for g in &city.grids {
        let code = GridCode::parse(&g.code).map_err(|e| e.to_string())?;
        let community = code.community();
        ensure(
            seen.get(community.as_str())
                .is_some_and(|d| d.kind == DivisionKind::Community),
            || format!("{}: community missing", g.code),
        )?;
        let expect = next_seq.entry(community.to_string()).or_insert(1);
        ensure(code.sequence() == *expect, || {
            format!(
                "{}: sequence {} expected {}",
                g.code,
                code.sequence(),
                expect
            )
        })?;
        *expect += 1;
        ensure(grid_codes.insert(g.code.clone()), || {
            format!("duplicate grid {}", g.code)
        })?;
        let attrs = GridAttributes {
            code: g.code.clone(),
            name: g.name.clone(),
            kind: g.kind,
            households: g.households,
            population: g.population,
            party_unit_kind: g.party_unit_kind,
            party_unit_name: g.party_unit_name.clone(),
        };
        attrs.validate().map_err(|e| format!("{}: {e}", g.code))?;
        let seq = code.sequence();
        let community_name = &seen[community.as_str()].name;
        ensure(
            g.party_unit_name
                .starts_with(&format!("{community_name}第{seq}网格党")),
            || format!("{}: party unit name {:?}", g.code, g.party_unit_name),
        )?;
        match g.kind {
            GridKind::Base => {
                ensure((250..=500).contains(&g.households), || {
                    format!("{}: base grid households {}", g.code, g.households)
                })?;
                ensure(g.name == format!("{community_name}第{seq}网格"), || {
                    format!("{}: name {:?}", g.code, g.name)
                })?;
            }
            GridKind::Dedicated => ensure(g.name.ends_with("专属网格"), || {
                format!("{}: dedicated grid name {:?}", g.code, g.name)
            })?,
        }
        let ratio = g.population as f64 / g.households as f64;
        ensure((2.59..=3.01).contains(&ratio), || {
            format!("{}: population/households {ratio}", g.code)
        })?;
    }
    for c in city
        .divisions
        .iter()
        .filter(|d| d.kind == DivisionKind::Community)
    {
        ensure(next_seq.contains_key(&c.code), || {
            format!("{}: no grids", c.code)
        })?;
    }
    Ok(())
}

/// Compounds lie in a base grid of their community; buildings add up and stand inside
/// their grid's ring.
fn check_compounds(city: &DemoCity) -> Result<(), String> {
    let grids: HashMap<&str, &DemoGrid> = city.grids.iter().map(|g| (g.code.as_str(), g)).collect();
    let mut per_grid: HashMap<&str, i64> = HashMap::new();
    let mut names = HashSet::new();
    for (i, c) in city.compounds.iter().enumerate() {
        ensure(c.key as usize == i + 1, || {
            format!("compound key {} at {i}", c.key)
        })?;
        let new = NewCompound {
            community_code: c.community_code.clone(),
            grid_code: c.grid_code.clone(),
            name: c.name.clone(),
            households: c.households,
        };
        new.validate()
            .map_err(|e| format!("compound {}: {e}", c.key))?;
        let grid = grids
            .get(c.grid_code.as_str())
            .ok_or("compound grid missing")?;
        ensure(grid.kind == GridKind::Base, || {
            format!("compound {} in a dedicated grid", c.key)
        })?;
        *per_grid.entry(&c.grid_code).or_default() += c.households;
        ensure(names.insert(&c.name), || {
            format!("duplicate compound name {}", c.name)
        })?;
    }
    for (code, households) in per_grid {
        ensure(households <= grids[code].households, || {
            format!("{code}: compounds hold more households than the grid")
        })?;
    }
    let mut building_households: HashMap<u32, (usize, i64)> = HashMap::new();
    for b in &city.buildings {
        let new = NewBuilding {
            community_code: b.community_code.clone(),
            compound_id: b.compound_key.map(i64::from),
            name: b.name.clone(),
            lon: b.lon,
            lat: b.lat,
            floors: b.floors,
            households: b.households,
        };
        new.validate().map_err(|e| format!("{}: {e}", b.name))?;
        ensure((6..=33).contains(&b.floors), || {
            format!("{}: floors {}", b.name, b.floors)
        })?;
        let grid = grids
            .get(b.grid_code.as_str())
            .ok_or("building grid missing")?;
        ensure(b.grid_code.starts_with(&b.community_code), || {
            format!("{}: grid not in community", b.name)
        })?;
        ensure(ring_contains(&grid.boundary, [b.lon, b.lat]), || {
            format!(
                "{} at ({}, {}) is outside grid {}",
                b.name, b.lon, b.lat, grid.code
            )
        })?;
        match b.compound_key {
            Some(key) => {
                let compound = city
                    .compounds
                    .get(key as usize - 1)
                    .ok_or("building of unknown compound")?;
                ensure(compound.grid_code == b.grid_code, || {
                    format!("{}: not in its compound's grid", b.name)
                })?;
                ensure(b.households > 0 && b.households <= b.floors * 8, || {
                    format!(
                        "{}: {} households on {} floors",
                        b.name, b.households, b.floors
                    )
                })?;
                let e = building_households.entry(key).or_default();
                e.0 += 1;
                e.1 += b.households;
            }
            None => ensure(grid.kind == GridKind::Dedicated, || {
                format!("{}: stand-alone building outside a dedicated grid", b.name)
            })?,
        }
    }
    for c in &city.compounds {
        let (n, households) = building_households.get(&c.key).copied().unwrap_or_default();
        ensure(n >= 2 && households == c.households, || {
            format!(
                "compound {}: {n} buildings with {households} households, declared {}",
                c.key, c.households
            )
        })?;
    }
    Ok(())
}

/// One admin per node and level, 3–4 workers per grid, every role present and bindable.
fn check_accounts(city: &DemoCity) -> Result<(), String> {
    let nodes: HashSet<&str> = city
        .divisions
        .iter()
        .map(|d| d.code.as_str())
        .chain(city.grids.iter().map(|g| g.code.as_str()))
        .collect();
    let mut usernames = HashSet::new();
    let mut by_role_node: HashMap<(&str, &str), usize> = HashMap::new();
    let mut roles = HashSet::new();
    for a in &city.accounts {
        ensure(usernames.insert(a.username.as_str()), || {
            format!("duplicate user {}", a.username)
        })?;
        ensure(a.password == DEMO_PASSWORD, || {
            format!("{}: password", a.username)
        })?;
        ensure(!a.display_name.trim().is_empty(), || {
            format!("{}: display name", a.username)
        })?;
        let role = Role::parse(a.role).ok_or_else(|| format!("{}: role {}", a.username, a.role))?;
        let node = NodeCode::parse(&a.node_code).map_err(|e| e.to_string())?;
        ensure(nodes.contains(a.node_code.as_str()), || {
            format!("{}: node {} does not exist", a.username, a.node_code)
        })?;
        Binding::new(role, node).map_err(|e| format!("{}: {e}", a.username))?;
        *by_role_node
            .entry((a.role, a.node_code.as_str()))
            .or_default() += 1;
        roles.insert(a.role);
        if role == Role::GridWorker {
            ensure(
                a.username.starts_with(&format!("g{}-", a.node_code)),
                || format!("{}: worker username", a.username),
            )?;
        }
    }
    for role in tongxin_core::access::ALL_ROLES {
        ensure(roles.contains(role.as_str()), || {
            format!("no {} account", role.as_str())
        })?;
    }
    let count = |role: Role, node: &str| {
        by_role_node
            .get(&(role.as_str(), node))
            .copied()
            .unwrap_or(0)
    };
    ensure(count(Role::CityAdmin, "450100") == 1, || {
        "city admin".into()
    })?;
    ensure(count(Role::Auditor, "450100") == 1, || "auditor".into())?;
    let total = |role: Role| {
        city.accounts
            .iter()
            .filter(|a| a.role == role.as_str())
            .count()
    };
    ensure(
        total(Role::CityAdmin) == 1 && total(Role::Auditor) == 1,
        || "one city admin and auditor".into(),
    )?;
    for d in &city.divisions {
        let role = match d.kind {
            DivisionKind::City => Role::CityAdmin,
            DivisionKind::District => Role::DistrictAdmin,
            DivisionKind::Street => Role::StreetAdmin,
            _ => Role::CommunityAdmin,
        };
        ensure(count(role, &d.code) == 1, || {
            format!("{}: needs one {}", d.code, role.as_str())
        })?;
    }
    for (role, kind) in [
        (Role::DistrictAdmin, DivisionKind::District),
        (Role::StreetAdmin, DivisionKind::Street),
        (Role::CommunityAdmin, DivisionKind::Community),
    ] {
        ensure(total(role) == of_kind(city, kind).len(), || {
            format!("extra {}", role.as_str())
        })?;
    }
    for g in &city.grids {
        let n = count(Role::GridWorker, &g.code);
        ensure((GRID_WORKERS_MIN..=GRID_WORKERS_MAX).contains(&n), || {
            format!("{}: {n} grid workers", g.code)
        })?;
    }
    for a in city
        .accounts
        .iter()
        .filter(|a| a.role == "department_handler")
    {
        ensure(a.node_code.len() == 6, || {
            format!("{}: handler node", a.username)
        })?;
    }
    Ok(())
}

/// Directed edges of a ring, as exact bit patterns.
fn edges(ring: &Ring) -> impl Iterator<Item = ([u64; 2], [u64; 2])> + '_ {
    ring.windows(2).map(|w| {
        (
            [w[0][0].to_bits(), w[0][1].to_bits()],
            [w[1][0].to_bits(), w[1][1].to_bits()],
        )
    })
}

/// `children` tile `parent` exactly: closed CCW rings, areas add up, bboxes inside, every
/// child edge is shared (reversed) with exactly one sibling or lies on the parent's ring,
/// every parent edge is covered once, and sample points fall in exactly one child.
fn check_tiling(label: &str, parent: &Ring, children: &[&Ring]) -> Result<(), String> {
    for ring in std::iter::once(parent).chain(children.iter().copied()) {
        ensure(ring.len() >= 5 && ring.first() == ring.last(), || {
            format!("{label}: ring not closed")
        })?;
        ensure(ring_area(ring) > 0.0, || {
            format!("{label}: ring not counter-clockwise")
        })?;
        ensure(ring.windows(2).all(|w| w[0] != w[1]), || {
            format!("{label}: zero-length edge")
        })?;
        ensure(
            ring.iter().all(|p| p[0].is_finite() && p[1].is_finite()),
            || format!("{label}: non-finite coordinate"),
        )?;
    }
    let parent_area = ring_area(parent);
    let sum: f64 = children.iter().map(|r| ring_area(r)).sum();
    ensure(((sum - parent_area) / parent_area).abs() < 1e-9, || {
        format!("{label}: children area {sum} ≠ parent area {parent_area}")
    })?;
    let pb = ring_bbox(parent);
    for c in children {
        let b = ring_bbox(c);
        ensure(
            b[0] >= pb[0] && b[1] >= pb[1] && b[2] <= pb[2] && b[3] <= pb[3],
            || format!("{label}: child bbox {b:?} outside parent bbox {pb:?}"),
        )?;
    }
    let mut child_edges = HashMap::new();
    for c in children {
        for e in edges(c) {
            ensure(child_edges.insert(e, ()).is_none(), || {
                format!("{label}: edge used twice")
            })?;
        }
    }
    let parent_edges: HashSet<_> = edges(parent).collect();
    for &(a, b) in child_edges.keys() {
        ensure(
            child_edges.contains_key(&(b, a)) || parent_edges.contains(&(a, b)),
            || format!("{label}: edge {a:?}→{b:?} is neither shared nor on the parent"),
        )?;
    }
    for e in &parent_edges {
        ensure(child_edges.contains_key(e), || {
            format!("{label}: parent edge not covered")
        })?;
    }
    // Sample points over the parent's bbox: inside the parent ⇒ exactly one child.
    const K: usize = 11;
    for i in 0..K {
        for j in 0..K {
            let p = [
                pb[0] + (pb[2] - pb[0]) * (i as f64 + 0.37) / K as f64,
                pb[1] + (pb[3] - pb[1]) * (j as f64 + 0.61) / K as f64,
            ];
            let expected = usize::from(ring_contains(parent, p));
            let found = children.iter().filter(|c| ring_contains(c, p)).count();
            ensure(found == expected, || {
                format!("{label}: point {p:?} in {found} children, expected {expected}")
            })?;
        }
    }
    Ok(())
}

fn check_geometry(city: &DemoCity) -> Result<(), String> {
    let mut children: HashMap<&str, Vec<&Ring>> = HashMap::new();
    for d in &city.divisions[1..] {
        let parent = d.parent_code.as_deref().ok_or("missing parent")?;
        children.entry(parent).or_default().push(&d.boundary);
    }
    for g in &city.grids {
        children.entry(&g.code[..12]).or_default().push(&g.boundary);
    }
    for d in &city.divisions {
        let kids = children
            .get(d.code.as_str())
            .ok_or_else(|| format!("{}: no children", d.code))?;
        check_tiling(&d.code, &d.boundary, kids)?;
    }
    check_vertices_in_one_grid(city)
}

/// A half-open point-in-polygon test puts every grid vertex (not on the city's edge) in
/// exactly one grid of the whole city.
fn check_vertices_in_one_grid(city: &DemoCity) -> Result<(), String> {
    let bb = ring_bbox(&city.divisions[0].boundary);
    const B: usize = 64;
    let cell = |x: f64, y: f64| {
        let i = (((x - bb[0]) / (bb[2] - bb[0])) * B as f64).clamp(0.0, B as f64 - 1.0) as usize;
        let j = (((y - bb[1]) / (bb[3] - bb[1])) * B as f64).clamp(0.0, B as f64 - 1.0) as usize;
        (i, j)
    };
    let mut buckets: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (k, g) in city.grids.iter().enumerate() {
        let b = ring_bbox(&g.boundary);
        let (i0, j0) = cell(b[0], b[1]);
        let (i1, j1) = cell(b[2], b[3]);
        for i in i0..=i1 {
            for j in j0..=j1 {
                buckets.entry((i, j)).or_default().push(k);
            }
        }
    }
    let city_vertices: HashSet<[u64; 2]> = city.divisions[0]
        .boundary
        .iter()
        .map(|p| [p[0].to_bits(), p[1].to_bits()])
        .collect();
    let mut done = HashSet::new();
    for g in &city.grids {
        for p in &g.boundary {
            let key = [p[0].to_bits(), p[1].to_bits()];
            if city_vertices.contains(&key) || !done.insert(key) {
                continue;
            }
            let found = buckets[&cell(p[0], p[1])]
                .iter()
                .filter(|&&k| ring_contains(&city.grids[k].boundary, *p))
                .count();
            ensure(found == 1, || format!("vertex {p:?} lies in {found} grids"))?;
        }
    }
    Ok(())
}

fn check_all(city: &DemoCity) -> Result<(), String> {
    check_codes(city)?;
    check_compounds(city)?;
    check_accounts(city)?;
    check_geometry(city)
}

/// Unwarped build: every polygon is an axis-aligned rectangle (with T-junction vertices),
/// siblings' interiors do not intersect, and grids are numbered west→east, north→south.
fn check_rectangles(city: &DemoCity) -> Result<(), String> {
    let rect_of = |ring: &Ring| -> Result<[f64; 4], String> {
        let b = ring_bbox(ring);
        ensure(
            ring.iter()
                .all(|p| p[0] == b[0] || p[0] == b[2] || p[1] == b[1] || p[1] == b[3]),
            || "ring is not a rectangle".into(),
        )?;
        Ok(b)
    };
    let mut groups: HashMap<&str, Vec<[f64; 4]>> = HashMap::new();
    for d in &city.divisions[1..] {
        groups
            .entry(d.parent_code.as_deref().unwrap())
            .or_default()
            .push(rect_of(&d.boundary)?);
    }
    for g in &city.grids {
        groups
            .entry(&g.code[..12])
            .or_default()
            .push(rect_of(&g.boundary)?);
    }
    for (parent, rects) in &groups {
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let overlap_x = a[2].min(b[2]) - a[0].max(b[0]);
                let overlap_y = a[3].min(b[3]) - a[1].max(b[1]);
                ensure(overlap_x <= 0.0 || overlap_y <= 0.0, || {
                    format!("{parent}: children {a:?} and {b:?} overlap")
                })?;
            }
        }
    }
    // Reading order inside each community.
    for c in city
        .divisions
        .iter()
        .filter(|d| d.kind == DivisionKind::Community)
    {
        let cb = ring_bbox(&c.boundary);
        let rects = &groups[c.code.as_str()];
        ensure(rects[0][0] == cb[0] && rects[0][3] == cb[3], || {
            format!("{}: grid 001 is not at the north-west corner", c.code)
        })?;
        for w in rects.windows(2) {
            let (prev, next) = (w[0], w[1]);
            let same_row = next[3] == prev[3] && next[0] == prev[2];
            let new_row = next[3] == prev[1] && next[0] == cb[0] && prev[2] == cb[2];
            ensure(same_row || new_row, || {
                format!("{}: grids not numbered west→east, north→south", c.code)
            })?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Tests.

#[test]
fn default_counts_come_out_exactly() {
    let city = default_city();
    let n = city.counts();
    assert_eq!(n.districts, 7);
    assert_eq!(n.communities, 260);
    assert_eq!(n.grids, 6_764);
    assert_eq!(n.compounds, 659);
    assert!((28..=56).contains(&n.streets), "{} streets", n.streets);
    let districts: Vec<(&str, &str)> = of_kind(city, DivisionKind::District)
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    assert_eq!(
        districts,
        [
            ("450102", "兴宁区"),
            ("450103", "青秀区"),
            ("450105", "江南区"),
            ("450107", "西乡塘区"),
            ("450108", "良庆区"),
            ("450109", "邕宁区"),
            ("450110", "武鸣区"),
        ]
    );
    for d in of_kind(city, DivisionKind::District) {
        let streets = of_kind(city, DivisionKind::Street)
            .iter()
            .filter(|s| s.parent_code.as_deref() == Some(&d.code))
            .count();
        assert!((4..=8).contains(&streets), "{}: {streets} streets", d.code);
    }
    let names: HashMap<&str, &str> = city
        .divisions
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    assert_eq!(names["450103001"], "新竹街道");
    assert_eq!(names["450103002"], "中山街道");
    assert_eq!(names["450103003"], "建政街道");
    // Grids per community within 15–40, ~5% dedicated, ~26 on average.
    let mut per_community: HashMap<&str, usize> = HashMap::new();
    for g in &city.grids {
        *per_community.entry(&g.code[..12]).or_default() += 1;
    }
    assert_eq!(per_community.len(), 260);
    assert!(per_community.values().all(|n| (15..=40).contains(n)));
    let share = n.dedicated_grids as f64 / n.grids as f64;
    assert!((0.03..=0.08).contains(&share), "dedicated share {share}");
    let groups = city
        .grids
        .iter()
        .filter(|g| g.party_unit_kind == PartyUnitKind::Group)
        .count();
    assert!(groups > 0 && groups < n.grids / 4, "{groups} party groups");
    // 3–4 workers on every grid.
    assert!(n.grid_workers >= 3 * n.grids && n.grid_workers <= 4 * n.grids);
    let mut per_community_compounds: HashMap<&str, usize> = HashMap::new();
    for c in &city.compounds {
        *per_community_compounds
            .entry(&c.community_code)
            .or_default() += 1;
    }
    assert_eq!(
        per_community_compounds.len(),
        260,
        "every community has a compound"
    );
}

#[test]
fn default_codes_and_attributes() {
    check_codes(default_city()).unwrap();
}

#[test]
fn default_compounds_and_buildings() {
    check_compounds(default_city()).unwrap();
}

#[test]
fn default_accounts() {
    check_accounts(default_city()).unwrap();
}

#[test]
fn default_geometry_tiles_exactly() {
    check_geometry(default_city()).unwrap();
}

#[test]
fn default_city_box_is_around_nanning() {
    let b = ring_bbox(&default_city().divisions[0].boundary);
    let centre = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    assert!((centre[0] - 108.366).abs() < 0.01 && (centre[1] - 22.817).abs() < 0.01);
    assert!(
        (b[2] - b[0] - 0.5).abs() < 0.02 && (b[3] - b[1] - 0.4).abs() < 0.02,
        "{b:?}"
    );
}

#[test]
fn unwarped_layout_is_rectangles_in_reading_order() {
    let flat = default_flat();
    check_rectangles(flat).unwrap();
    check_geometry(flat).unwrap();
    // The warp moves geometry only: same records otherwise.
    let city = default_city();
    assert_eq!(flat.accounts, city.accounts);
    assert_eq!(flat.compounds, city.compounds);
    assert!(
        flat.grids
            .iter()
            .zip(&city.grids)
            .all(|(a, b)| a.code == b.code && a.households == b.households)
    );
    assert_ne!(flat.grids[0].boundary, city.grids[0].boundary);
}

#[test]
fn generation_is_deterministic() {
    let a = generate(&DemoOptions::default());
    assert!(a == *default_city());
    let b = small(7);
    assert_eq!(b, small(7));
    let c = small(8);
    assert_ne!(b.grids[0].boundary, c.grids[0].boundary);
    assert_ne!(b.divisions[1].boundary, c.divisions[1].boundary);
    let other = generate(&DemoOptions {
        size: DemoSize::Default,
        seed: 1,
    });
    assert_ne!(
        other.grids[100].boundary,
        default_city().grids[100].boundary
    );
    assert_eq!(other.counts().grids, 6_764);
}

#[test]
fn small_city_has_the_same_shape() {
    let city = small(DEFAULT_SEED);
    let n = city.counts();
    assert_eq!(
        (n.districts, n.streets, n.communities, n.grids),
        (2, 4, 8, 32)
    );
    assert!((8..=16).contains(&n.compounds));
    assert!(n.dedicated_grids >= 1);
    let codes: Vec<&str> = of_kind(&city, DivisionKind::District)
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["450103", "450105"]);
    check_all(&city).unwrap();
    check_rectangles(&build(
        &DemoOptions {
            size: DemoSize::Small,
            seed: DEFAULT_SEED,
        },
        false,
    ))
    .unwrap();
}

#[test]
fn size_names_round_trip() {
    for size in [DemoSize::Small, DemoSize::Default] {
        assert_eq!(DemoSize::parse(size.as_str()), Some(size));
    }
    assert_eq!(DemoSize::parse("huge"), None);
    assert_eq!(DemoOptions::default().seed, 20240601);
}

#[test]
fn generation_time() {
    let t = std::time::Instant::now();
    let small_city = small(DEFAULT_SEED);
    let small_time = t.elapsed();
    let t = std::time::Instant::now();
    let city = generate(&DemoOptions::default());
    let default_time = t.elapsed();
    println!(
        "demo generate: small {small_time:?} ({} grids), default {default_time:?} ({:?})",
        small_city.grids.len(),
        city.counts()
    );
}

// ---------------------------------------------------------------------------------------
// The checks must be able to fail.

#[test]
fn checks_catch_broken_geometry() {
    let city = small(3);
    // Nudge one interior vertex of a grid: the shared edge no longer matches.
    let mut broken = city.clone();
    let ring = &mut broken.grids[5].boundary;
    ring[2][0] += 1e-7;
    assert!(check_geometry(&broken).is_err());
    // Reverse a ring: clockwise.
    let mut broken = city.clone();
    broken.grids[0].boundary.reverse();
    assert!(check_geometry(&broken).is_err());
    // Drop a grid: a gap.
    let mut broken = city.clone();
    broken.grids.remove(9);
    assert!(check_geometry(&broken).is_err());
    // Give two grids the same ring: overlap.
    let mut broken = city.clone();
    broken.grids[1].boundary = broken.grids[0].boundary.clone();
    assert!(check_geometry(&broken).is_err());
    // A community ring missing a T-junction vertex.
    let mut broken = city.clone();
    let c = broken
        .divisions
        .iter_mut()
        .find(|d| d.kind == DivisionKind::Community && d.boundary.len() > 5)
        .unwrap();
    c.boundary.remove(1);
    assert!(check_geometry(&broken).is_err());
    // Rectangles: overlapping siblings are caught.
    let mut flat = build(
        &DemoOptions {
            size: DemoSize::Small,
            seed: 3,
        },
        false,
    );
    flat.grids[1].boundary = flat.grids[0].boundary.clone();
    assert!(check_rectangles(&flat).is_err());
}

#[test]
fn checks_catch_broken_records() {
    let city = small(4);
    let mut broken = city.clone();
    broken.grids[3].code = broken.grids[2].code.clone();
    assert!(check_codes(&broken).is_err());
    let mut broken = city.clone();
    broken.divisions.swap(1, 3);
    assert!(check_codes(&broken).is_err());
    let mut broken = city.clone();
    // Leave grid 001 with a single worker.
    let first_grid = city.grids[0].code.clone();
    broken
        .accounts
        .retain(|a| a.node_code != first_grid || a.username.ends_with("-1"));
    assert!(check_accounts(&broken).is_err());
    let mut broken = city.clone();
    broken.accounts.push(DemoAccount {
        username: "admin2".into(),
        ..broken.accounts[0].clone()
    });
    assert!(check_accounts(&broken).is_err());
    let mut broken = city.clone();
    let b = broken
        .buildings
        .iter_mut()
        .find(|b| b.compound_key.is_some())
        .unwrap();
    b.lon += 0.2;
    assert!(check_compounds(&broken).is_err());
    let mut broken = city.clone();
    broken.compounds[0].households += 1;
    assert!(check_compounds(&broken).is_err());
}

#[test]
fn a_seed_that_once_rounded_a_small_grid_below_the_ratio() {
    let city = small(10_830_989_101_351_157_442);
    check_all(&city).unwrap();
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn small_cities_keep_every_invariant(seed in any::<u64>()) {
            let city = small(seed);
            prop_assert_eq!(city.grids.len(), 32);
            if let Err(e) = check_all(&city) {
                return Err(TestCaseError::fail(e));
            }
        }
    }
}
