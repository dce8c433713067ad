//! Ledgers in and out: residents, buildings and organisations from XLSX/CSV (all-or-nothing,
//! or the good rows with the rest reported), templates, and exports masked by right.

use super::organisations::{NewOrganisationRequest, check_organisation, organisation_row};
use super::residents::{Place, build_row};
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::territory::point_to_wgs84;
use crate::util::reach_within;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::people::{ValidResident, tags_from_column, validate_resident};
use tongxin_core::territory::{GridCode, NewBuilding};
pub use tongxin_sheets::Format as SheetFormat;
use tongxin_sheets::{Format, Limits, Sheet, check_headers};
use tongxin_store::people::{self, HouseholdRow, ResidentQuery};
use tongxin_store::territory::{self, BuildingRow};
use tongxin_store::{audit, commit, now_millis, reserve_ids, sync_ids};
use utoipa::{IntoParams, ToSchema};

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerReport {
    pub format: String,
    /// Detected text encoding of a CSV (utf-8, utf-8-bom, gb18030).
    pub encoding: Option<String>,
    pub rows: usize,
    pub imported: usize,
    pub dry_run: bool,
    /// Each bad row: `index` = the row number as seen in Excel, `field` = the column, and why.
    pub rejected: Vec<FieldError>,
}

pub struct ImportOptions {
    pub filename: Option<String>,
    /// Import the good rows and report the rest (otherwise nothing unless all are good).
    pub partial: bool,
    pub dry_run: bool,
}

pub(crate) fn row_error(line: usize, column: &str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: Some(column.to_string()),
        index: Some(line),
        code: None,
        reason: reason.into(),
    }
}

pub(crate) fn read_sheet(
    bytes: &[u8],
    opts: &ImportOptions,
    required: &[&str],
    optional: &[&str],
) -> ApiResult<(tongxin_sheets::ReadReport, Vec<Option<usize>>)> {
    let report = tongxin_sheets::read(bytes, opts.filename.as_deref(), &Limits::default())
        .map_err(|e| {
            ApiError::invalid(
                format!("文件无法读取 / the file cannot be read: {e}"),
                vec![],
            )
        })?;
    let columns = check_headers(&report.sheet, required, optional).map_err(|e| {
        ApiError::invalid(
            format!("表头不符 / the header row does not match: {e}"),
            vec![],
        )
    })?;
    let specs: Vec<&str> = required.iter().chain(optional).copied().collect();
    check_cell_lengths(&report.sheet, &specs, &columns)?;
    Ok((report, columns))
}

/// The longest a cell may be: the same table as the JSON API, by the English name of the
/// column it was read as ("地址|address" → address).
pub(crate) fn cell_max_chars(spec: &str) -> usize {
    crate::util::max_chars(spec.rsplit('|').next().unwrap_or(spec))
}

/// Refuses the whole sheet when any cell is longer than its column allows, naming each
/// (up to 100). `columns[i]` is where `specs[i]` was found in the sheet.
pub(crate) fn check_cell_lengths(
    sheet: &Sheet,
    specs: &[&str],
    columns: &[Option<usize>],
) -> ApiResult<()> {
    let mut limits = vec![crate::util::max_chars(""); sheet.headers.len()];
    for (spec, column) in specs.iter().zip(columns) {
        if let Some(c) = column.filter(|c| *c < limits.len()) {
            limits[c] = cell_max_chars(spec);
        }
    }
    let too_long: Vec<FieldError> = sheet
        .rows
        .iter()
        .flat_map(|row| {
            row.cells
                .iter()
                .enumerate()
                .filter(|(c, cell)| cell.chars().count() > limits[*c])
                .map(|(c, _)| {
                    row_error(
                        row.line,
                        &sheet.headers[c],
                        format!("最多 {} 字 / at most {} characters", limits[c], limits[c]),
                    )
                })
        })
        .take(100)
        .collect();
    if too_long.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        format!(
            "有 {} 个单元格过长，未导入任何行 / cells too long; nothing was imported",
            too_long.len()
        ),
        too_long,
    ))
}

pub(crate) fn cell(sheet: &Sheet, row: usize, col: Option<usize>) -> &str {
    col.and_then(|c| sheet.rows[row].cells.get(c))
        .map(String::as_str)
        .unwrap_or("")
}

pub(crate) fn summarise(
    read: &tongxin_sheets::ReadReport,
    imported: usize,
    dry_run: bool,
    rejected: Vec<FieldError>,
) -> LedgerReport {
    LedgerReport {
        format: read.format.as_str().into(),
        encoding: read.encoding.map(|e| e.as_str().to_string()),
        rows: read.sheet.rows.len(),
        imported,
        dry_run,
        rejected,
    }
}

/// Ends an import: all-or-nothing unless `partial`; the report lists every bad row.
pub(crate) fn verdict(report: &LedgerReport, partial: bool) -> ApiResult<()> {
    if report.rejected.is_empty() || partial {
        return Ok(());
    }
    let n = report.rejected.len();
    let mut err = ApiError::invalid(
        format!("{n} 行有问题，未导入任何数据 / {n} row problem(s); nothing was imported"),
        report.rejected.clone(),
    );
    err.slug = "ledger-import";
    Err(err)
}

pub const RESIDENT_REQUIRED: [&str; 3] = ["姓名|name", "身份证号|citizen_id", "网格代码|grid_code"];
pub const RESIDENT_OPTIONAL: [&str; 10] = [
    "手机号|phone",
    "户号|household_no",
    "与户主关系|relation",
    "楼栋编号|building_id",
    "单元|unit",
    "房号|room",
    "地址|address",
    "标签|tags",
    "状态|status",
    "序号|no",
];

pub(crate) struct ResidentLine {
    line: usize,
    valid: ValidResident,
    grid: String,
    building_id: Option<i64>,
    unit: String,
    room: String,
    address: String,
    household_no: String,
    head: bool,
    id_hash: String,
}

/// `f(0..n)` computed on all cores, in order (the work must be pure computation).
pub(crate) fn in_parallel<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    if threads < 2 || n < 10_000 {
        return (0..n).map(f).collect();
    }
    let per = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..n)
            .step_by(per)
            .map(|start| {
                let f = &f;
                scope.spawn(move || (start..(start + per).min(n)).map(f).collect::<Vec<R>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().expect("a validation thread panicked"))
            .collect()
    })
}

/// Checks one grid (and optional building) once per import: exists, reachable.
pub(crate) struct PlaceCache<'a> {
    state: &'a AppState,
    actor: &'a Actor,
    grids: HashMap<String, Result<(), String>>,
    buildings: HashMap<i64, Option<BuildingRow>>,
}

impl PlaceCache<'_> {
    async fn grid(&mut self, code: &str) -> ApiResult<Result<(), String>> {
        if let Some(v) = self.grids.get(code) {
            return Ok(v.clone());
        }
        let verdict = match GridCode::parse(code) {
            Err(e) => Err(e.to_string()),
            Ok(_) if authorize(self.actor, Action::ManagePeople, Target::Node(code)).is_err() => {
                Err(format!(
                    "网格 {code} 不存在或不在您的管辖范围 / grid {code} not found"
                ))
            }
            Ok(_) => match territory::get_grid(&self.state.store, code).await? {
                Some(_) => Ok(()),
                None => Err(format!(
                    "网格 {code} 不存在或不在您的管辖范围 / grid {code} not found"
                )),
            },
        };
        self.grids.insert(code.to_string(), verdict.clone());
        Ok(verdict)
    }

    async fn building(&mut self, id: i64) -> ApiResult<Option<BuildingRow>> {
        if !self.buildings.contains_key(&id) {
            let b = territory::get_building(&self.state.store, id).await?;
            self.buildings.insert(id, b);
        }
        Ok(self.buildings[&id].clone())
    }
}

pub async fn import_residents(
    state: &AppState,
    actor: &Actor,
    bytes: &[u8],
    opts: &ImportOptions,
    request_id: Option<String>,
) -> ApiResult<LedgerReport> {
    let (read, cols) = read_sheet(bytes, opts, &RESIDENT_REQUIRED, &RESIDENT_OPTIONAL)?;
    let ledger = ResidentSheet {
        sheet: &read.sheet,
        cols: &cols,
    };
    let checked = ledger.check_numbers(&state.config.protector, super::today());
    let valid_hashes: Vec<String> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok().map(|(_, hash)| hash.clone()))
        .collect();
    // Begun before the grids and buildings are checked: holding the writer lock, nothing can
    // remove them before the rows that refer to them are written (a bulk transaction does not
    // enforce foreign keys on SQLite).
    let mut tx = state.store.begin_bulk().await?;
    let mut rejected = Vec::new();
    // The database looks for already registered IDs while this thread checks the places.
    let (existing, lines) = tokio::join!(
        people::existing_id_hashes(&mut tx, &valid_hashes),
        ledger.lines(state, actor, checked, &mut rejected),
    );
    let existing: HashSet<String> = existing?.into_iter().collect();
    let mut kept: Vec<ResidentLine> = Vec::with_capacity(valid_hashes.len());
    for l in lines? {
        if existing.contains(&l.id_hash) {
            rejected.push(row_error(
                l.line,
                &ledger.header(1),
                "该身份证号已登记 / this ID number is already registered",
            ));
        } else {
            kept.push(l);
        }
    }
    // Inserting in keyed-hash order turns the unique-index inserts from random into appends.
    // (Sorting by a cached key moves each line once, not at every comparison.)
    kept.sort_by_cached_key(|l| l.id_hash.clone());
    rejected.sort_by_key(|e| e.index);
    let mut report = summarise(&read, kept.len(), opts.dry_run, rejected);
    verdict(&report, opts.partial)?;
    if opts.dry_run || kept.is_empty() {
        if kept.is_empty() {
            report.imported = 0;
        }
        return Ok(report);
    }
    let first_grid = kept.first().map(|l| l.grid.clone());
    write_residents(state, &mut tx, kept).await?;
    audit::record(&mut tx, &audit_entry(actor, "resident.import", "resident_ledger", format!("{} rows", report.rows))
        .node(first_grid)
        .after(Some(serde_json::json!({"rows": report.rows, "imported": report.imported, "rejected": report.rejected.len(), "format": report.format, "encoding": report.encoding})))
        .request(request_id)).await?;
    commit(tx).await?;
    Ok(report)
}

pub(crate) type CheckedNumbers = Result<(ValidResident, String), Vec<(&'static str, String)>>;

/// A residents ledger read from a sheet, with its columns located.
pub(crate) struct ResidentSheet<'a> {
    sheet: &'a Sheet,
    cols: &'a [Option<usize>],
}

impl ResidentSheet<'_> {
    fn cell(&self, row: usize, col: usize) -> &str {
        cell(self.sheet, row, self.cols[col])
    }

    fn header(&self, col: usize) -> String {
        self.sheet.headers[self.cols[col].unwrap_or(0)].clone()
    }

    /// Each row's name, ID and phone checked and its ID keyed-hashed: pure computation, on
    /// all cores.
    fn check_numbers(
        &self,
        p: &tongxin_store::protect::Protector,
        today: u32,
    ) -> Vec<CheckedNumbers> {
        in_parallel(self.sheet.rows.len(), |r| {
            validate_resident(
                self.cell(r, 0),
                self.cell(r, 1),
                Some(self.cell(r, 3)),
                self.cell(r, 10),
                today,
            )
            .map(|v| {
                let hash = p.id_hash(&v.citizen_id);
                (v, hash)
            })
        })
    }

    /// The rows that pass every check of their own (numbers, grid, building, address, no
    /// repeated ID); each failure goes to `rejected` with its line and column.
    async fn lines(
        &self,
        state: &AppState,
        actor: &Actor,
        checked: Vec<CheckedNumbers>,
        rejected: &mut Vec<FieldError>,
    ) -> ApiResult<Vec<ResidentLine>> {
        let mut places = PlaceCache {
            state,
            actor,
            grids: HashMap::new(),
            buildings: HashMap::new(),
        };
        let mut lines: Vec<ResidentLine> = Vec::with_capacity(checked.len());
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(checked.len());
        for ((r, row), checked) in self.sheet.rows.iter().enumerate().zip(checked) {
            let line = row.line;
            let before = rejected.len();
            let valid = match checked {
                Ok(v) => Some(v),
                Err(errors) => {
                    for (field, reason) in errors {
                        let col = match field {
                            "name" => 0,
                            "citizen_id" => 1,
                            "phone" => 3,
                            _ => 10,
                        };
                        rejected.push(row_error(line, &self.header(col), reason));
                    }
                    None
                }
            };
            let grid = self.cell(r, 2).to_string();
            if let Err(reason) = places.grid(&grid).await? {
                rejected.push(row_error(line, &self.header(2), reason));
            }
            let building_id = self.building(&mut places, r, &grid, rejected).await?;
            let address = self.cell(r, 9).to_string();
            if building_id.is_none() && address.is_empty() && rejected.len() == before {
                rejected.push(row_error(
                    line,
                    &self.header_or(9, "地址"),
                    "没有楼栋编号时须填写地址 / give a building_id or an address",
                ));
            }
            if let Some((v, _)) = &valid {
                match seen.entry(v.citizen_id.expose().to_string()) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        let first = *first.get();
                        rejected.push(row_error(
                            line,
                            &self.header(1),
                            format!("与第 {first} 行身份证号重复 / same ID number as row {first}"),
                        ));
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(line);
                    }
                }
            }
            if let (true, Some((valid, id_hash))) = (rejected.len() == before, valid) {
                lines.push(ResidentLine {
                    line,
                    valid,
                    grid,
                    building_id,
                    unit: self.cell(r, 7).to_string(),
                    room: self.cell(r, 8).to_string(),
                    address,
                    household_no: self.cell(r, 4).to_string(),
                    head: matches!(self.cell(r, 5), "户主" | "head" | "本人"),
                    id_hash,
                });
            }
        }
        Ok(lines)
    }

    fn header_or(&self, col: usize, default: &str) -> String {
        self.cols[col].map_or_else(|| default.into(), |c| self.sheet.headers[c].clone())
    }

    /// The row's building, if it names one that exists in the row's grid.
    async fn building(
        &self,
        places: &mut PlaceCache<'_>,
        r: usize,
        grid: &str,
        rejected: &mut Vec<FieldError>,
    ) -> ApiResult<Option<i64>> {
        let text = self.cell(r, 6);
        if text.is_empty() {
            return Ok(None);
        }
        let line = self.sheet.rows[r].line;
        let reason = match text.parse::<i64>() {
            Err(_) => "楼栋编号须为整数 / building_id must be an integer".to_string(),
            Ok(id) => match places.building(id).await? {
                Some(b) if b.grid_code == grid => return Ok(Some(id)),
                Some(b) => format!(
                    "楼栋 {id} 在网格 {} 而不在 {grid} / building {id} lies in another grid",
                    b.grid_code
                ),
                None => format!("楼栋 {id} 不存在 / building does not exist"),
            },
        };
        rejected.push(row_error(line, &self.header(6), reason));
        Ok(None)
    }
}

pub(crate) async fn write_residents(
    state: &AppState,
    tx: &mut tongxin_store::Tx,
    kept: Vec<ResidentLine>,
) -> ApiResult<()> {
    let backend = state.store.backend();
    let now = now_millis();
    let first_resident = reserve_ids(tx, backend, "residents", kept.len()).await?;
    tongxin_store::bulk_cache(
        tx,
        (kept.len() as i64 / 400).clamp(tongxin_store::DEFAULT_CACHE_MIB, 1_024),
    )
    .await?;
    // Rows sharing (grid, household number) form one household; rows without a number
    // are a household of their own.
    let mut groups: HashMap<(String, String), usize> = HashMap::new();
    let mut household_of = Vec::with_capacity(kept.len());
    let mut households: Vec<HouseholdRow> = Vec::new();
    let first_household = reserve_ids(tx, backend, "households", 0).await?;
    let mut head_marked = HashSet::new();
    for (i, l) in kept.iter().enumerate() {
        let key = (
            l.grid.clone(),
            if l.household_no.is_empty() {
                format!("#{i}")
            } else {
                l.household_no.clone()
            },
        );
        let index = *groups.entry(key).or_insert_with(|| {
            households.push(HouseholdRow {
                id: first_household + households.len() as i64,
                grid_code: l.grid.clone(),
                district_code: l.grid[..6].into(),
                building_id: l.building_id,
                unit: l.unit.clone(),
                room: l.room.clone(),
                address: l.address.clone(),
                head_resident_id: None,
                created_at: now,
                updated_at: now,
            });
            households.len() - 1
        });
        let resident_id = first_resident + i as i64;
        let h = &mut households[index];
        if l.head && !head_marked.contains(&index) {
            h.head_resident_id = Some(resident_id);
            head_marked.insert(index);
        } else if h.head_resident_id.is_none() {
            h.head_resident_id = Some(resident_id);
        }
        household_of.push(index);
    }
    people::insert_households(tx, households).await?;
    // Rows are built (and their numbers sealed) lazily, while the previous chunk is written.
    let p = &state.config.protector;
    let rows = kept.into_iter().enumerate().map(|(i, l)| {
        let place = Place {
            household_id: Some(first_household + household_of[i] as i64),
            building_id: l.building_id,
            grid_code: l.grid,
            unit: l.unit,
            room: l.room,
        };
        let sealed_id = p.citizen_id_hashed(&l.valid.citizen_id, l.id_hash);
        let reason = "台账导入 / ledger import";
        build_row(
            state,
            first_resident + i as i64,
            &l.valid,
            sealed_id,
            (&place, now, reason),
        )
    });
    people::insert_residents(tx, rows).await?;
    sync_ids(tx, backend, "residents").await?;
    sync_ids(tx, backend, "households").await?;
    tongxin_store::bulk_cache(tx, tongxin_store::DEFAULT_CACHE_MIB).await?;
    Ok(())
}

pub const BUILDING_REQUIRED: [&str; 6] = [
    "社区代码|community_code",
    "名称|name",
    "经度|lon",
    "纬度|lat",
    "层数|floors",
    "户数|households",
];
pub const BUILDING_OPTIONAL: [&str; 3] = ["小区编号|compound_id", "坐标系|crs", "序号|no"];

pub async fn import_buildings(
    state: &AppState,
    actor: &Actor,
    bytes: &[u8],
    opts: &ImportOptions,
    request_id: Option<String>,
) -> ApiResult<LedgerReport> {
    let (read, cols) = read_sheet(bytes, opts, &BUILDING_REQUIRED, &BUILDING_OPTIONAL)?;
    let sheet = &read.sheet;
    let header = |i: usize| sheet.headers[cols[i].unwrap_or(0)].clone();
    let locator = state.locator();
    let mut rejected = Vec::new();
    let mut rows = Vec::new();
    let now = now_millis();
    for (r, row) in sheet.rows.iter().enumerate() {
        let line = row.line;
        let number = |i: usize| cell(sheet, r, cols[i]).parse::<f64>().ok();
        let int = |i: usize| cell(sheet, r, cols[i]).parse::<i64>().ok();
        let mut bad = false;
        for (i, what) in [
            (2, "经度须为数字 / lon must be a number"),
            (3, "纬度须为数字 / lat must be a number"),
        ] {
            if number(i).is_none() {
                rejected.push(row_error(line, &header(i), what));
                bad = true;
            }
        }
        for (i, what) in [
            (4, "层数须为整数 / floors must be an integer"),
            (5, "户数须为整数 / households must be an integer"),
        ] {
            if int(i).is_none() {
                rejected.push(row_error(line, &header(i), what));
                bad = true;
            }
        }
        let (Some(lon), Some(lat), Some(floors), Some(households), false) =
            (number(2), number(3), int(4), int(5), bad)
        else {
            continue;
        };
        let crs = Some(cell(sheet, r, cols[7])).filter(|c| !c.is_empty());
        let (lon, lat) = match point_to_wgs84(lon, lat, crs) {
            Ok((x, y, _)) => (x, y),
            Err(e) => {
                rejected.push(row_error(line, &header(2), e.detail));
                continue;
            }
        };
        let compound_id = match cell(sheet, r, cols[6]) {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(c) => Some(c),
                Err(_) => {
                    rejected.push(row_error(
                        line,
                        &header(6),
                        "小区编号须为整数 / compound_id must be an integer",
                    ));
                    continue;
                }
            },
        };
        let new = NewBuilding {
            community_code: cell(sheet, r, cols[0]).into(),
            compound_id,
            name: cell(sheet, r, cols[1]).into(),
            lon,
            lat,
            floors,
            households,
        };
        let community = match new.validate() {
            Ok(c) => c,
            Err(e) => {
                let col = match e.field() {
                    "community_code" => 0,
                    "name" => 1,
                    "floors" => 4,
                    "households" => 5,
                    _ => 2,
                };
                rejected.push(row_error(line, &header(col), e.to_string()));
                continue;
            }
        };
        if authorize(
            actor,
            Action::ManageTerritory,
            Target::Node(community.as_str()),
        )
        .is_err()
        {
            rejected.push(row_error(
                line,
                &header(0),
                format!("社区 {community} 不存在或不在您的管辖范围 / community not found"),
            ));
            continue;
        }
        if let Some(c) = compound_id {
            let compound = territory::get_compound(&state.store, c).await?;
            if compound.is_none_or(|x| x.community_code != community.as_str()) {
                rejected.push(row_error(
                    line,
                    &header(6),
                    format!("小区 {c} 不存在或不在社区 {community} / compound {c} is not in community {community}"),
                ));
                continue;
            }
        }
        let Some(grid) = locator
            .locate(lon, lat)
            .filter(|g| g.starts_with(community.as_str()))
        else {
            rejected.push(row_error(line, &header(2), format!("楼栋位置不在社区 {community} 的任何网格内 / the building lies outside every grid of community {community}")));
            continue;
        };
        rows.push(BuildingRow {
            id: 0,
            community_code: community.to_string(),
            compound_id,
            grid_code: grid.to_string(),
            district_code: community.district_prefix().into(),
            name: new.name.trim().into(),
            lon,
            lat,
            floors,
            households,
            created_at: now,
        });
    }
    let report = summarise(&read, rows.len(), opts.dry_run, rejected);
    verdict(&report, opts.partial)?;
    if opts.dry_run || rows.is_empty() {
        return Ok(report);
    }
    let mut tx = state.store.begin().await?;
    for b in &rows {
        territory::insert_building(&mut tx, b).await?;
    }
    audit::record(&mut tx, &audit_entry(actor, "building.import", "building_ledger", format!("{} rows", report.rows))
        .node(rows.first().map(|b| b.grid_code.clone()))
        .after(Some(serde_json::json!({"rows": report.rows, "imported": report.imported, "rejected": report.rejected.len()}))).request(request_id)).await?;
    commit(tx).await?;
    Ok(report)
}

pub const ORG_REQUIRED: [&str; 5] = [
    "名称|name",
    "类型|kind",
    "社区代码|community_code",
    "经度|lon",
    "纬度|lat",
];
pub const ORG_OPTIONAL: [&str; 5] = [
    "坐标系|crs",
    "联系人|contact_name",
    "联系电话|contact_phone",
    "双报到|registered",
    "序号|no",
];

pub async fn import_organisations(
    state: &AppState,
    actor: &Actor,
    bytes: &[u8],
    opts: &ImportOptions,
    request_id: Option<String>,
) -> ApiResult<LedgerReport> {
    let (read, cols) = read_sheet(bytes, opts, &ORG_REQUIRED, &ORG_OPTIONAL)?;
    let sheet = &read.sheet;
    let header = |i: usize| sheet.headers[cols[i].unwrap_or(0)].clone();
    let mut rejected = Vec::new();
    let mut good = Vec::new();
    for (r, row) in sheet.rows.iter().enumerate() {
        let line = row.line;
        let (Ok(lon), Ok(lat)) = (
            cell(sheet, r, cols[3]).parse::<f64>(),
            cell(sheet, r, cols[4]).parse::<f64>(),
        ) else {
            rejected.push(row_error(
                line,
                &header(3),
                "经纬度须为数字 / lon and lat must be numbers",
            ));
            continue;
        };
        let registered = match cell(sheet, r, cols[8]) {
            "" | "否" | "no" | "false" | "0" => false,
            "是" | "yes" | "true" | "1" => true,
            other => {
                rejected.push(row_error(
                    line,
                    &header(8),
                    format!("应为 是/否，而不是 {other:?} / expected yes or no"),
                ));
                continue;
            }
        };
        let req = NewOrganisationRequest {
            name: cell(sheet, r, cols[0]).into(),
            kind: cell(sheet, r, cols[1]).into(),
            community_code: cell(sheet, r, cols[2]).into(),
            lon,
            lat,
            crs: Some(cell(sheet, r, cols[5]).to_string()).filter(|c| !c.is_empty()),
            contact_name: cell(sheet, r, cols[6]).into(),
            contact_phone: Some(cell(sheet, r, cols[7]).to_string()),
            registered,
        };
        if authorize(
            actor,
            Action::ManagePeople,
            Target::Node(&req.community_code),
        )
        .is_err()
        {
            rejected.push(row_error(
                line,
                &header(2),
                "社区不存在或不在您的管辖范围 / community not found",
            ));
            continue;
        }
        match check_organisation(state, &req) {
            Ok(placed) => good.push((req, placed)),
            Err(errors) => {
                for (field, reason) in errors {
                    let col = match field {
                        "name" => 0,
                        "kind" => 1,
                        "community_code" => 2,
                        "contact_phone" => 7,
                        _ => 3,
                    };
                    rejected.push(row_error(line, &header(col), reason));
                }
            }
        }
    }
    let report = summarise(&read, good.len(), opts.dry_run, rejected);
    verdict(&report, opts.partial)?;
    if opts.dry_run || good.is_empty() {
        return Ok(report);
    }
    let backend = state.store.backend();
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    let first = reserve_ids(&mut tx, backend, "organisations", good.len()).await?;
    let rows: Vec<_> = good
        .into_iter()
        .enumerate()
        .map(|(i, (req, placed))| organisation_row(state, first + i as i64, &req, placed, now))
        .collect();
    people::insert_organisations(&mut tx, &rows).await?;
    sync_ids(&mut tx, backend, "organisations").await?;
    audit::record(&mut tx, &audit_entry(actor, "organisation.import", "organisation_ledger", format!("{} rows", report.rows))
        .node(rows.first().map(|o| o.grid_code.clone()))
        .after(Some(serde_json::json!({"rows": report.rows, "imported": report.imported, "rejected": report.rejected.len()}))).request(request_id)).await?;
    commit(tx).await?;
    Ok(report)
}

/// The file to send: bytes, content type and a file name.
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub filename: String,
}

pub(crate) fn canonical(specs: &[&str]) -> Vec<String> {
    specs
        .iter()
        .map(|s| s.split('|').next().unwrap_or(s).to_string())
        .collect()
}

pub fn download(
    format: Format,
    stem: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> ApiResult<Download> {
    Ok(match format {
        Format::Csv => Download {
            bytes: tongxin_sheets::write_csv(headers, rows),
            content_type: "text/csv; charset=utf-8",
            filename: format!("{stem}.csv"),
        },
        Format::Xlsx => Download {
            bytes: tongxin_sheets::write_xlsx(stem, headers, rows).map_err(ApiError::internal)?,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename: format!("{stem}.xlsx"),
        },
    })
}

/// The import template for a ledger kind (residents, buildings, organisations).
pub fn template(kind: &str, format: Format) -> ApiResult<Download> {
    let (required, optional, example, notes): (&[&str], &[&str], Vec<&str>, Vec<&str>) = match kind
    {
        "residents" => (
            &RESIDENT_REQUIRED,
            &RESIDENT_OPTIONAL,
            vec![
                "王芳",
                "11010519491231002X",
                "450103001001001",
                "13800135678",
                "A-12",
                "户主",
                "",
                "2单元",
                "1203",
                "民族大道 88 号",
                "独居老人",
                "",
                "",
            ],
            vec![
                "身份证号按 GB 11643 校验（含出生日期和校验位）；请把该列设为文本，避免 Excel 截断为科学计数法。",
                "同一网格内户号相同的行组成一户；与户主关系填“户主”者为户主。",
                "标签可填：独居老人、高龄老人、残疾人、低保户、退役军人、重点关爱、留守儿童、失业人员、大病患者、租户，多个用顿号分隔。",
                "没有楼栋编号时须填写地址。",
            ],
        ),
        "buildings" => (
            &BUILDING_REQUIRED,
            &BUILDING_OPTIONAL,
            vec![
                "450103001001",
                "金湖花园 3 栋",
                "108.3721",
                "22.8175",
                "18",
                "72",
                "",
                "wgs84",
                "",
            ],
            vec![
                "坐标系可填 wgs84（默认，GPS/天地图）、gcj02（高德、微信）或 bd09（百度）。",
                "楼栋位置须落在所属社区的某个网格内。",
            ],
        ),
        "organisations" => (
            &ORG_REQUIRED,
            &ORG_OPTIONAL,
            vec![
                "绿城物业服务有限公司",
                "物业公司",
                "450103001001",
                "108.3721",
                "22.8175",
                "wgs84",
                "陈经理",
                "13600001111",
                "是",
                "",
            ],
            vec![
                "类型可填：机关事业单位、企业、物业公司、业主委员会、社会组织、学校、医院、其他。",
                "双报到填 是 或 否。",
            ],
        ),
        _ => return Err(ApiError::not_found()),
    };
    let headers: Vec<String> = canonical(required)
        .into_iter()
        .chain(canonical(optional))
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let stem = format!("{kind}-template");
    Ok(match format {
        Format::Csv => Download {
            bytes: tongxin_sheets::template_csv(&headers, &example),
            content_type: "text/csv; charset=utf-8",
            filename: format!("{stem}.csv"),
        },
        Format::Xlsx => Download {
            bytes: tongxin_sheets::template_xlsx(kind, &headers, &example, &notes)
                .map_err(ApiError::internal)?,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename: format!("{stem}.xlsx"),
        },
    })
}

/// Residents under `prefixes` as a ledger; plain numbers only when `unmasked` (the caller
/// has checked the right and audits it).
pub async fn export_residents(
    state: &AppState,
    prefixes: Vec<String>,
    unmasked: bool,
    format: Format,
) -> ApiResult<Download> {
    let headers = canonical(&RESIDENT_REQUIRED)
        .into_iter()
        .chain(canonical(&RESIDENT_OPTIONAL))
        .collect::<Vec<_>>();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    let mut query = ResidentQuery {
        prefixes,
        limit: 1000,
        ..Default::default()
    };
    let p = &state.config.protector;
    loop {
        let page = people::search_residents(&state.store, &query).await?;
        let mut ids: Vec<i64> = page.items.iter().filter_map(|r| r.household_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let households: HashMap<i64, HouseholdRow> = people::get_households(&state.store, &ids)
            .await?
            .into_iter()
            .map(|h| (h.id, h))
            .collect();
        for r in &page.items {
            let (id, phone) = if unmasked {
                (
                    p.open(&r.id_sealed).map_err(ApiError::internal)?,
                    r.phone_sealed
                        .as_deref()
                        .map(|s| p.open(s))
                        .transpose()
                        .map_err(ApiError::internal)?
                        .unwrap_or_default(),
                )
            } else {
                (
                    r.id_masked.clone(),
                    r.phone_masked.clone().unwrap_or_default(),
                )
            };
            let tags: Vec<&str> = tags_from_column(&r.tags)
                .iter()
                .map(|t| t.name_zh())
                .collect();
            let household = r.household_id.and_then(|h| households.get(&h));
            let relation = if household.is_some_and(|h| h.head_resident_id == Some(r.id)) {
                "户主"
            } else {
                ""
            };
            rows.push(vec![
                r.name.clone(),
                id,
                r.grid_code.clone(),
                phone,
                r.household_id.map(|h| h.to_string()).unwrap_or_default(),
                relation.into(),
                r.building_id.map(|b| b.to_string()).unwrap_or_default(),
                r.unit.clone(),
                r.room.clone(),
                household.map(|h| h.address.clone()).unwrap_or_default(),
                tags.join("、"),
                r.status.clone(),
                String::new(),
            ]);
        }
        match page.next {
            Some(n) => query.after = n.parse().ok(),
            None => break,
        }
    }
    download(format, "residents", &headers, &rows)
}

/// Buildings under `prefixes` as a ledger in the import layout.
pub async fn export_buildings(
    state: &AppState,
    prefixes: &[String],
    format: Format,
) -> ApiResult<Download> {
    let headers = canonical(&BUILDING_REQUIRED)
        .into_iter()
        .chain(canonical(&BUILDING_OPTIONAL))
        .collect::<Vec<_>>();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = territory::list_buildings(&state.store, prefixes, after, 1000).await?;
        for b in &page.items {
            rows.push(vec![
                b.community_code.clone(),
                b.name.clone(),
                format!("{:.7}", b.lon),
                format!("{:.7}", b.lat),
                b.floors.to_string(),
                b.households.to_string(),
                b.compound_id.map(|c| c.to_string()).unwrap_or_default(),
                "wgs84".into(),
                b.id.to_string(),
            ]);
        }
        match page.next {
            Some(n) => after = n.parse().ok(),
            None => break,
        }
    }
    download(format, "buildings", &headers, &rows)
}

/// Organisations under `prefixes` as a ledger; contact phones masked unless `unmasked`.
pub async fn export_organisations(
    state: &AppState,
    prefixes: &[String],
    unmasked: bool,
    format: Format,
) -> ApiResult<Download> {
    let headers = canonical(&ORG_REQUIRED)
        .into_iter()
        .chain(canonical(&ORG_OPTIONAL))
        .collect::<Vec<_>>();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let p = &state.config.protector;
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page =
            people::list_organisations(&state.store, prefixes, None, None, after, 1000).await?;
        for o in &page.items {
            let phone = if unmasked {
                o.contact_phone_sealed
                    .as_deref()
                    .map(|s| p.open(s))
                    .transpose()
                    .map_err(ApiError::internal)?
                    .unwrap_or_default()
            } else {
                o.contact_phone_masked.clone().unwrap_or_default()
            };
            let kind = tongxin_core::people::OrgKind::parse(&o.kind)
                .map(|k| k.name_zh())
                .unwrap_or("其他");
            rows.push(vec![
                o.name.clone(),
                kind.into(),
                o.community_code.clone(),
                format!("{:.7}", o.lon),
                format!("{:.7}", o.lat),
                "wgs84".into(),
                o.contact_name.clone(),
                phone,
                if o.registered != 0 { "是" } else { "否" }.into(),
                o.id.to_string(),
            ]);
        }
        match page.next {
            Some(n) => after = n.parse().ok(),
            None => break,
        }
    }
    download(format, "organisations", &headers, &rows)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Original file name (helps tell CSV from XLSX; the content is sniffed anyway).
    pub filename: Option<String>,
    /// Import the good rows and report the rest; default: nothing unless every row is good.
    pub partial: Option<bool>,
    /// Check and report only.
    pub dry_run: Option<bool>,
}

pub(crate) fn options(q: ImportQuery) -> ImportOptions {
    ImportOptions {
        filename: q.filename,
        partial: q.partial.unwrap_or(false),
        dry_run: q.dry_run.unwrap_or(false),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// xlsx (default) or csv.
    pub format: Option<String>,
}

pub(crate) fn parse_format(text: Option<&str>) -> ApiResult<Format> {
    match text.unwrap_or("xlsx") {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        other => Err(ApiError::field(
            "format",
            format!("须为 xlsx 或 csv，而不是 {other:?} / must be xlsx or csv"),
        )),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub within: Option<String>,
    pub format: Option<String>,
    /// Plain ID and phone numbers; needs the right to reveal them and is audited.
    pub unmasked: Option<bool>,
}

/// The residents' register as a file, masked unless `unmasked` and permitted; audited.
/// The scope of an export: the node asked for (which the actor must see, and for plain
/// numbers reveal) or all the actor may export.
fn export_reach(
    actor: &Actor,
    view: Action,
    unmasked: bool,
    within: Option<&str>,
) -> ApiResult<Vec<String>> {
    let action = if unmasked {
        Action::RevealPersonalData
    } else {
        view
    };
    if let Some(w) = within {
        authorize(actor, view, Target::Node(w))?;
        authorize(actor, action, Target::Node(w))?;
    }
    reach_within(actor, action, within)
}

async fn export_resident_register(
    state: &AppState,
    ctx: &Context,
    q: &ExportQuery,
) -> ApiResult<Download> {
    let actor = &ctx.actor;
    let format = parse_format(q.format.as_deref())?;
    let unmasked = q.unmasked.unwrap_or(false);
    let prefixes = export_reach(actor, Action::ViewPeople, unmasked, q.within.as_deref())?;
    let d = export_residents(state, prefixes.clone(), unmasked, format).await?;
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &crate::access::audit_entry(
            actor,
            if unmasked {
                "resident.export_unmasked"
            } else {
                "resident.export"
            },
            "resident_ledger",
            q.within.clone().unwrap_or_default(),
        )
        .node(q.within.clone())
        .after(Some(
            serde_json::json!({"scope": prefixes, "unmasked": unmasked, "format": format.as_str()}),
        ))
        .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(d)
}

/// A register (residents, buildings or organisations) as a file within the caller's reach.
pub async fn export_register(
    state: &AppState,
    ctx: &Context,
    kind: &str,
    q: &ExportQuery,
) -> ApiResult<Download> {
    let actor = &ctx.actor;
    match kind {
        "residents" => export_resident_register(state, ctx, q).await,
        "buildings" | "organisations" => {
            let format = parse_format(q.format.as_deref())?;
            let unmasked = q.unmasked.unwrap_or(false) && kind == "organisations";
            let prefixes =
                export_reach(actor, Action::ViewTerritory, unmasked, q.within.as_deref())?;
            let d = if kind == "buildings" {
                export_buildings(state, &prefixes, format).await?
            } else {
                export_organisations(state, &prefixes, unmasked, format).await?
            };
            if unmasked {
                let mut tx = state.store.begin().await?;
                audit::record(
                    &mut tx,
                    &crate::access::audit_entry(
                        actor,
                        "organisation.export_unmasked",
                        "organisation_ledger",
                        q.within.clone().unwrap_or_default(),
                    )
                    .node(q.within.clone())
                    .after(Some(serde_json::json!({"scope": prefixes})))
                    .request(ctx.request_id.clone()),
                )
                .await?;
                commit(tx).await?;
            }
            Ok(d)
        }
        _ => Err(ApiError::not_found()),
    }
}

/// Imports a register file (all-or-nothing unless `partial`); a dry run only reports.
pub async fn import_register(
    state: &AppState,
    ctx: &Context,
    kind: &str,
    file: &[u8],
    q: ImportQuery,
) -> ApiResult<LedgerReport> {
    let opts = options(q);
    let (actor, rid) = (&ctx.actor, ctx.request_id.clone());
    match kind {
        "residents" => import_residents(state, actor, file, &opts, rid).await,
        "buildings" => import_buildings(state, actor, file, &opts, rid).await,
        "organisations" => import_organisations(state, actor, file, &opts, rid).await,
        _ => Err(ApiError::not_found()),
    }
}
