//! A year of case history for the demo city: every case walks the real state machine
//! ([`machine::apply`]) on the real working calendar and catalogue limits, so the indicators
//! and maps computed from it behave like a city's.
//!
//! Rhythms: more reports on weekdays and office hours, fewer on holidays, a summer (rainy
//! season) peak; hot-spot grids report several times their share; the category mix leans on
//! city appearance and street order as in digital city management. Outcomes: a few reports
//! are cancelled, some dispatches are returned, some handling runs late, some verifications
//! fail (rework), some cases are escalated, reopened or supervised, and the recent ones are
//! still open — some past their deadline.
//!
//! Enterprise problems are generated apart, with exact totals (the seed's 587 problems of
//! which 338 resolved), so the enterprise figures are what the records say.

use super::rng::{Rng, Stream};
use tongxin_core::Millis;
use tongxin_core::cases::calendar::{Calendar, Duration, LocalDate, Weekday};
use tongxin_core::cases::catalogue::{Catalogue, Category, StepLimits, TimeLimit};
use tongxin_core::cases::deadlines::{Clocks, clocks_after, step_deadline};
use tongxin_core::cases::machine::{self, CaseState, Command, Rules, Satisfaction, Status, Tier};

pub const DEFAULT_CASES: usize = 1_000_000;
pub const HISTORY_DAYS: i64 = 365;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// Categories of enterprise problems (企业诉求).
pub const ENTERPRISE_MAJOR: &str = "24";

/// Someone who acts on cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub id: i64,
    pub username: String,
}

/// A grid as the history needs it: where reports fall and who works there.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryGrid {
    pub code: String,
    pub lon: f64,
    pub lat: f64,
    /// Half the grid's extent in degrees, to scatter report points.
    pub spread: f64,
    pub population: i64,
    pub workers: Vec<Actor>,
    /// The community's staff, who file and dispatch.
    pub community_staff: Actor,
    /// The district's department handler, who accepts and handles.
    pub handler: Actor,
    /// The district's administrator, who supervises.
    pub supervisor: Actor,
}

/// An enterprise served by a commissioner.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEnterprise {
    pub organisation_id: i64,
    /// Index into the grids.
    pub grid: usize,
    pub commissioner: Actor,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryOptions {
    pub cases: usize,
    pub seed: u64,
    /// The history ends here (UTC ms) and reaches back [`HISTORY_DAYS`].
    pub now: Millis,
    pub enterprise_problems: usize,
    pub enterprise_resolved: usize,
}

/// A generated case: its final row and its whole timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryCase {
    pub category_code: String,
    pub category_version: i64,
    pub channel: &'static str,
    pub grid_code: String,
    pub lon: f64,
    pub lat: f64,
    pub address: String,
    pub description: String,
    pub reporter_id: i64,
    pub organisation_id: Option<i64>,
    pub state: CaseState,
    pub reported_at: Millis,
    pub clocks: Clocks,
    pub updated_at: Millis,
    pub events: Vec<HistoryEvent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    pub at: Millis,
    pub actor_id: i64,
    pub actor: String,
    pub command: &'static str,
    pub from_status: Option<&'static str>,
    pub to_status: &'static str,
    pub note: String,
    pub step_due_at: Option<Millis>,
}

/// Generates the history in chunks (a million cases do not need to sit in memory at once).
pub struct HistoryGenerator<'a> {
    grids: &'a [HistoryGrid],
    enterprises: &'a [HistoryEnterprise],
    catalogue: &'a Catalogue,
    calendar: &'a Calendar,
    opts: HistoryOptions,
    rng: Rng,
    grid_weights: Vec<f64>,
    leaves: Vec<&'a Category>,
    leaf_weights: Vec<f64>,
    enterprise_leaves: Vec<&'a Category>,
    produced: usize,
    enterprise_produced: usize,
}

/// Cumulative weights, for drawing by binary search.
fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut sum = 0.0;
    weights
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

fn draw(rng: &mut Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let x = rng.unit() * total;
    cumulative
        .partition_point(|&c| c <= x)
        .min(cumulative.len() - 1)
}

/// Share of reports by major class (digital city management is mostly appearance and order).
fn major_weight(code: &str) -> f64 {
    match code {
        "01" => 0.24,
        "02" => 0.05,
        "03" => 0.05,
        "04" => 0.15,
        "05" => 0.01,
        "11" => 0.10,
        "12" => 0.07,
        "13" => 0.05,
        "21" => 0.07,
        "22" => 0.08,
        "23" => 0.09,
        _ => 0.02,
    }
}

const CHANNELS: [(&str, f64); 6] = [
    ("patrol", 0.55),
    ("hotline", 0.2),
    ("resident", 0.14),
    ("camera", 0.07),
    ("api", 0.02),
    ("meeting", 0.02),
];

impl<'a> HistoryGenerator<'a> {
    pub fn new(
        grids: &'a [HistoryGrid],
        enterprises: &'a [HistoryEnterprise],
        catalogue: &'a Catalogue,
        calendar: &'a Calendar,
        opts: HistoryOptions,
    ) -> HistoryGenerator<'a> {
        let mut rng = Rng::new(opts.seed, Stream::Cases);
        // One grid in ten is a hot spot (a market, a station square, an old quarter).
        let grid_weights = cumulative(grids.iter().map(|g| {
            let hot = if rng.chance(0.1) { 4.0 } else { 1.0 };
            (g.population.max(100) as f64) * hot
        }));
        let leaves: Vec<&Category> = catalogue
            .leaves()
            .filter(|l| l.limits.is_some() && !l.code.starts_with(ENTERPRISE_MAJOR))
            .collect();
        let leaf_weights = cumulative(leaves.iter().map(|l| {
            let major = l.parent.as_deref().unwrap_or("");
            let siblings = catalogue.children(major).count().max(1) as f64;
            // Within a class the first leaves are the common ones.
            let rank = catalogue
                .children(major)
                .position(|c| c.code == l.code)
                .unwrap_or(0) as f64;
            major_weight(major) / siblings * (2.0 / (1.0 + rank / 2.0))
        }));
        let enterprise_leaves = catalogue
            .leaves()
            .filter(|l| l.limits.is_some() && l.code.starts_with(ENTERPRISE_MAJOR))
            .collect();
        HistoryGenerator {
            grids,
            enterprises,
            catalogue,
            calendar,
            opts,
            rng,
            grid_weights,
            leaves,
            leaf_weights,
            enterprise_leaves,
            produced: 0,
            enterprise_produced: 0,
        }
    }

    /// Up to `n` more cases; empty when the history is complete. Enterprise problems come
    /// first.
    pub fn next_chunk(&mut self, n: usize) -> Vec<HistoryCase> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if self.enterprise_produced < self.enterprise_total() {
                let resolved = self.enterprise_produced < self.opts.enterprise_resolved;
                out.push(self.enterprise_case(resolved));
                self.enterprise_produced += 1;
            } else if self.produced < self.opts.cases {
                out.push(self.city_case());
                self.produced += 1;
            } else {
                break;
            }
        }
        out
    }

    fn enterprise_total(&self) -> usize {
        if self.enterprises.is_empty() || self.enterprise_leaves.is_empty() {
            0
        } else {
            self.opts.enterprise_problems
        }
    }

    fn start(&self) -> Millis {
        self.opts.now - HISTORY_DAYS * DAY_MS
    }

    /// A report time following the weekly, daily and seasonal rhythm.
    fn report_time(&mut self, from: Millis, to: Millis) -> Millis {
        loop {
            let at = from + (self.rng.unit() * (to - from) as f64) as i64;
            if self.rng.unit() < self.rhythm(at) {
                return at;
            }
        }
    }

    fn rhythm(&self, at: Millis) -> f64 {
        let offset = self.calendar.offset_minutes();
        let date = LocalDate::from_millis(at, offset);
        let hour = ((at + i64::from(offset) * 60_000).rem_euclid(DAY_MS) / HOUR_MS) as u32;
        let day = if self.calendar.is_holiday(date) {
            0.45
        } else if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.calendar.is_make_up_day(date)
        {
            0.6
        } else {
            1.0
        };
        let hourly = match hour {
            0..=5 => 0.04,
            6 => 0.2,
            7 => 0.5,
            8..=11 | 14..=17 => 1.0,
            12 | 13 => 0.55,
            18..=20 => 0.45,
            _ => 0.12,
        };
        // Nanning's rainy season (June–August) brings waterlogging, fallen trees, potholes.
        let season = 0.85 + 0.3 * seasonal_peak(date.day_number());
        day * hourly * season / 1.15
    }

    fn city_case(&mut self) -> HistoryCase {
        let grid_index = draw(&mut self.rng, &self.grid_weights);
        let leaf = self.leaves[draw(&mut self.rng, &self.leaf_weights)];
        let channel = {
            let x = self.rng.unit();
            let mut acc = 0.0;
            CHANNELS
                .iter()
                .find(|(_, w)| {
                    acc += w;
                    x < acc
                })
                .map_or("patrol", |(c, _)| c)
        };
        let reported_at = self.report_time(self.start(), self.opts.now);
        let grid = &self.grids[grid_index];
        let reporter = if channel == "patrol" || channel == "camera" {
            grid.workers[self.rng.index(grid.workers.len())].clone()
        } else {
            grid.community_staff.clone()
        };
        let plan = Plan::random(&mut self.rng, grid_index);
        self.walk(grid_index, leaf, channel, reporter, None, reported_at, plan)
    }

    fn enterprise_case(&mut self, resolved: bool) -> HistoryCase {
        let e = &self.enterprises[self.enterprise_produced % self.enterprises.len()];
        let leaf = self.enterprise_leaves[self.rng.index(self.enterprise_leaves.len())];
        // Resolved problems were raised early enough to have finished; the open ones are
        // recent and stop short of closing.
        let reported_at = if resolved {
            self.report_time(self.start(), self.opts.now - 150 * DAY_MS)
        } else {
            self.report_time(self.opts.now - 90 * DAY_MS, self.opts.now)
        };
        let plan = Plan {
            cancel: false,
            returned: false,
            escalate: false,
            rework: false,
            reopen: false,
            late_handling: self.rng.chance(0.15),
            stop_before: (!resolved).then(|| {
                *self.rng.pick(&[
                    Status::Filed,
                    Status::Dispatched,
                    Status::Accepted,
                    Status::Handled,
                ])
            }),
            rating: rating(&mut self.rng),
        };
        let (grid, organisation, commissioner) =
            (e.grid, Some(e.organisation_id), e.commissioner.clone());
        self.walk(
            grid,
            leaf,
            "enterprise",
            commissioner,
            organisation,
            reported_at,
            plan,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        grid_index: usize,
        leaf: &'a Category,
        channel: &'static str,
        reporter: Actor,
        organisation_id: Option<i64>,
        reported_at: Millis,
        plan: Plan,
    ) -> HistoryCase {
        let grid = &self.grids[grid_index];
        let limits = leaf.limits.expect("leaves with limits only");
        let lon = grid.lon + self.rng.range_f64(-grid.spread, grid.spread) * 0.5;
        let lat = grid.lat + self.rng.range_f64(-grid.spread, grid.spread) * 0.5;
        let mut case = HistoryCase {
            category_code: leaf.code.clone(),
            category_version: i64::from(leaf.version),
            channel,
            grid_code: grid.code.clone(),
            lon,
            lat,
            address: format!("{}网格内", grid.code),
            description: format!("{}：{}", leaf.name, describe(&leaf.name, &mut self.rng)),
            reporter_id: reporter.id,
            organisation_id,
            state: CaseState::reported(Tier::Grid),
            reported_at,
            clocks: Clocks {
                step_due_at: step_deadline(self.calendar, &limits, Status::Reported, reported_at),
                ..Clocks::default()
            },
            updated_at: reported_at,
            events: vec![HistoryEvent {
                at: reported_at,
                actor_id: reporter.id,
                actor: reporter.username.clone(),
                command: "report",
                from_status: None,
                to_status: Status::Reported.as_str(),
                note: String::new(),
                step_due_at: None,
            }],
        };
        let mut walker = Walker {
            calendar: self.calendar,
            limits,
            now: self.opts.now,
            at: reported_at,
            case: &mut case,
        };
        let department = self
            .catalogue
            .route(&leaf.code, &grid.code)
            .map(|d| d.code.clone())
            .unwrap_or_else(|| "cgj".into());
        walker.run(&mut self.rng, &plan, grid, &reporter, &department);
        case
    }
}

/// 0 in winter, 1 at the height of summer.
fn seasonal_peak(day_number: i64) -> f64 {
    let day_of_year = (day_number.rem_euclid(365)) as f64;
    // Day 196 ≈ mid-July.
    0.5 + 0.5 * ((day_of_year - 196.0) / 365.0 * std::f64::consts::TAU).cos()
}

fn describe(category: &str, rng: &mut Rng) -> String {
    const WHERE: [&str; 8] = [
        "小区门口",
        "路口东侧",
        "菜市场旁",
        "公交站台附近",
        "学校门前",
        "巷子深处",
        "楼栋之间",
        "沿街商铺前",
    ];
    const WHAT: [&str; 5] = ["居民反映", "巡查发现", "多次出现", "影响通行", "请尽快处理"];
    format!("{}{}，{}", rng.pick(&WHERE), category, rng.pick(&WHAT))
}

fn rating(rng: &mut Rng) -> Option<Satisfaction> {
    if !rng.chance(0.75) {
        return None;
    }
    let x = rng.unit();
    Some(if x < 0.86 {
        Satisfaction::Satisfied
    } else if x < 0.96 {
        Satisfaction::Basic
    } else {
        Satisfaction::Dissatisfied
    })
}

/// What will happen to one case (drawn up front so the walk stays simple).
struct Plan {
    cancel: bool,
    returned: bool,
    escalate: bool,
    rework: bool,
    reopen: bool,
    late_handling: bool,
    stop_before: Option<Status>,
    rating: Option<Satisfaction>,
}

impl Plan {
    fn random(rng: &mut Rng, grid_index: usize) -> Plan {
        // Some grids are chronically slower (an old quarter, a construction zone).
        let slow_grid = grid_index % 17 == 3;
        Plan {
            cancel: rng.chance(0.035),
            returned: rng.chance(0.04),
            escalate: rng.chance(0.015),
            rework: rng.chance(0.05),
            reopen: rng.chance(0.006),
            late_handling: rng.chance(if slow_grid { 0.3 } else { 0.08 }),
            stop_before: None,
            rating: rating(rng),
        }
    }
}

/// Moves one case through the machine, stopping at `now`.
struct Walker<'c, 'a> {
    calendar: &'a Calendar,
    limits: StepLimits,
    now: Millis,
    at: Millis,
    case: &'c mut HistoryCase,
}

impl Walker<'_, '_> {
    fn run(
        &mut self,
        rng: &mut Rng,
        plan: &Plan,
        grid: &HistoryGrid,
        reporter: &Actor,
        department: &str,
    ) {
        let staff = &grid.community_staff;
        let handler = &grid.handler;
        if plan.cancel {
            let _ = self.step(rng, 0.5, staff, cancel());
            return;
        }
        let stop = |s: Status| plan.stop_before == Some(s);
        if stop(Status::Filed) || !self.step_usually_on_time(rng, 0.06, staff, file()) {
            return;
        }
        let mut rounds = 0;
        loop {
            rounds += 1;
            if stop(Status::Dispatched)
                || !self.step_usually_on_time(rng, 0.05, staff, dispatch(department))
            {
                return;
            }
            if plan.returned && rounds == 1 {
                if !self.step(rng, 0.3, handler, returned()) {
                    return;
                }
                continue;
            }
            if plan.escalate && rounds == 1 && self.case.state.tier.up().is_some() {
                if !self.step(rng, 0.8, staff, escalate()) {
                    return;
                }
                continue;
            }
            break;
        }
        if stop(Status::Accepted) || !self.step_usually_on_time(rng, 0.04, handler, accept()) {
            return;
        }
        if plan.late_handling && rng.chance(0.3) {
            let supervisor = &grid.supervisor;
            let _ = self.step_at(self.at + DAY_MS, supervisor, supervise());
        }
        let mut reworked = false;
        let mut reopened = false;
        loop {
            let handling = if plan.late_handling {
                rng.range_f64(1.05, 2.2)
            } else {
                rng.range_f64(0.1, 0.7)
            };
            if stop(Status::Handled) || !self.step(rng, handling, handler, handle()) {
                return;
            }
            if stop(Status::Closed) {
                return;
            }
            let verifier = &grid.workers[rng.index(grid.workers.len())];
            if plan.rework && !reworked {
                reworked = true;
                if !self.step(rng, 0.4, verifier, verify(false)) {
                    return;
                }
                continue;
            }
            if !self.step_usually_on_time(rng, 0.03, verifier, verify(true)) {
                return;
            }
            if let Some(r) = plan.rating {
                let _ = self.step_at(self.at + HOUR_MS, reporter, rate(r));
            }
            if plan.reopen && !reopened {
                reopened = true;
                if !self.step_at(self.at + 2 * DAY_MS, reporter, reopen()) {
                    return;
                }
                if !self.step(rng, 0.2, staff, dispatch(department))
                    || !self.step(rng, 0.2, handler, accept())
                {
                    return;
                }
                continue;
            }
            return;
        }
    }

    /// Takes the next step mostly within the limit, past it with probability `late_share`.
    fn step_usually_on_time(
        &mut self,
        rng: &mut Rng,
        late_share: f64,
        actor: &Actor,
        command: Command,
    ) -> bool {
        let share = fraction(rng, late_share);
        self.step(rng, share, actor, command)
    }

    /// Takes the next step after `share` of the running step's limit (in working time).
    fn step(&mut self, rng: &mut Rng, share: f64, actor: &Actor, command: Command) -> bool {
        let limit = self.running_limit();
        let minutes = (limit as f64 * share).max(1.0) as u32;
        let jitter = rng.range_i64(0, 59_999);
        let at = self
            .calendar
            .add_working(self.at, Duration::Minutes(minutes))
            + jitter;
        self.step_at(at, actor, command)
    }

    fn running_limit(&self) -> u64 {
        let minutes_per_day = self.calendar.hours().minutes_per_day();
        let limit: Option<TimeLimit> =
            tongxin_core::cases::deadlines::running_limit(&self.limits, self.case.state.status);
        limit.map_or(60, |l| l.working_minutes(minutes_per_day))
    }

    /// Applies `command` at `at` unless that lies beyond the end of the history.
    fn step_at(&mut self, at: Millis, actor: &Actor, command: Command) -> bool {
        let at = at.max(self.at + 1);
        if at >= self.now {
            return false;
        }
        let Ok(t) = machine::apply(&self.case.state, &command, at, &Rules::default()) else {
            return false;
        };
        let before = self.case.clocks;
        self.case.clocks = clocks_after(self.calendar, &self.limits, t.from, t.to, at, before);
        self.case.events.push(HistoryEvent {
            at,
            actor_id: actor.id,
            actor: actor.username.clone(),
            command: t.command.as_str(),
            from_status: Some(t.from.as_str()),
            to_status: t.to.as_str(),
            note: t.note,
            step_due_at: before.step_due_at,
        });
        self.case.state = t.state;
        self.case.updated_at = at;
        self.at = at;
        true
    }
}

/// Mostly well within the limit, now and then past it.
fn fraction(rng: &mut Rng, late_share: f64) -> f64 {
    if rng.chance(late_share) {
        rng.range_f64(1.05, 2.0)
    } else {
        rng.range_f64(0.05, 0.9)
    }
}

fn file() -> Command {
    Command::File {
        note: "核实属实，予以立案".into(),
    }
}

fn cancel() -> Command {
    Command::Cancel {
        reason: "经核实不属于受理范围".into(),
    }
}

fn dispatch(department: &str) -> Command {
    Command::Dispatch {
        department: department.into(),
        note: String::new(),
    }
}

fn returned() -> Command {
    Command::Return {
        reason: "不属于本部门职责，退回重派".into(),
    }
}

fn escalate() -> Command {
    Command::Escalate {
        reason: "本级无法解决，提请上级协调".into(),
    }
}

fn accept() -> Command {
    Command::Accept {
        note: String::new(),
    }
}

fn supervise() -> Command {
    Command::Supervise {
        note: "请加快办理".into(),
    }
}

fn handle() -> Command {
    Command::Handle {
        feedback: "已到现场处置完毕".into(),
        photos: Vec::new(),
    }
}

fn verify(passed: bool) -> Command {
    Command::Verify {
        passed,
        note: if passed {
            "现场核查已解决".into()
        } else {
            "现场核查未彻底解决，返工".into()
        },
    }
}

fn rate(satisfaction: Satisfaction) -> Command {
    Command::Rate {
        satisfaction,
        comment: String::new(),
    }
}

fn reopen() -> Command {
    Command::Reopen {
        reason: "问题再次出现".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64) -> Actor {
        Actor {
            id,
            username: format!("u{id}"),
        }
    }

    fn grids() -> Vec<HistoryGrid> {
        (1..=6)
            .map(|i| HistoryGrid {
                code: format!("450102001001{i:03}"),
                lon: 108.3 + i as f64 * 0.01,
                lat: 22.8,
                spread: 0.004,
                population: 800,
                workers: vec![actor(i * 10), actor(i * 10 + 1)],
                community_staff: actor(2),
                handler: actor(3),
                supervisor: actor(4),
            })
            .collect()
    }

    // 2026-11-27 00:00 Beijing.
    const NOW: Millis = 1_795_708_800_000;

    fn history(cases: usize) -> Vec<HistoryCase> {
        let grids = grids();
        let enterprises = vec![HistoryEnterprise {
            organisation_id: 7,
            grid: 0,
            commissioner: actor(99),
        }];
        let catalogue = Catalogue::seed();
        let calendar = Calendar::builtin();
        let mut g = HistoryGenerator::new(
            &grids,
            &enterprises,
            &catalogue,
            &calendar,
            HistoryOptions {
                cases,
                seed: 7,
                now: NOW,
                enterprise_problems: 30,
                enterprise_resolved: 20,
            },
        );
        let mut all = Vec::new();
        loop {
            let chunk = g.next_chunk(1000);
            if chunk.is_empty() {
                break;
            }
            all.extend(chunk);
        }
        all
    }

    #[test]
    fn every_case_is_a_valid_walk_through_the_machine_within_the_year() {
        let all = history(3000);
        assert_eq!(all.len(), 3030);
        for c in &all {
            assert!(c.reported_at >= NOW - HISTORY_DAYS * DAY_MS && c.reported_at < NOW);
            let mut state = CaseState::reported(Tier::Grid);
            let mut last = 0;
            for e in &c.events {
                assert!(
                    e.at > last && e.at < NOW,
                    "times increase and stay in the past"
                );
                last = e.at;
                if let Some(from) = e.from_status {
                    assert_eq!(from, state.status.as_str());
                    state.status = Status::parse(e.to_status).expect("a status");
                }
            }
            assert_eq!(state.status, c.state.status);
        }
    }

    #[test]
    fn enterprise_totals_are_exact() {
        let all = history(0);
        let enterprise: Vec<_> = all.iter().filter(|c| c.channel == "enterprise").collect();
        assert_eq!(enterprise.len(), 30);
        let closed = enterprise
            .iter()
            .filter(|c| c.state.status == Status::Closed)
            .count();
        assert_eq!(closed, 20);
        assert!(enterprise.iter().all(|c| c.organisation_id == Some(7)));
    }

    #[test]
    fn the_mix_looks_like_a_city() {
        let all = history(20_000);
        let share = |f: &dyn Fn(&HistoryCase) -> bool| {
            all.iter().filter(|c| f(c)).count() as f64 / all.len() as f64
        };
        let closed = share(&|c| c.state.status == Status::Closed);
        let cancelled = share(&|c| c.state.status == Status::Cancelled);
        let reworked = share(&|c| c.state.rework_count > 0);
        assert!(closed > 0.85 && closed < 0.99, "closed {closed}");
        assert!(
            cancelled > 0.02 && cancelled < 0.06,
            "cancelled {cancelled}"
        );
        assert!(reworked > 0.02 && reworked < 0.08, "rework {reworked}");
        let weekday = share(&|c| {
            let d = LocalDate::from_millis(c.reported_at, 480).weekday();
            !matches!(d, Weekday::Saturday | Weekday::Sunday)
        });
        assert!(weekday > 0.75, "weekday share {weekday}");
        let open_overdue =
            share(&|c| c.state.status.is_open() && c.clocks.step_due_at.is_some_and(|d| d < NOW));
        assert!(open_overdue > 0.0, "some open cases are overdue");
        // Deterministic.
        assert_eq!(history(500), history(500));
    }
}
