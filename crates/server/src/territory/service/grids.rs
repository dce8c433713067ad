//! Grid import: every feature checked (code, parent, attributes, geometry), every problem
//! reported, and nothing written unless all are good.

use super::locator::{Locator, polygon_from_json, polygon_to_json};
use crate::access::audit_entry;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::territory::{GridAttributes, GridCode, GridKind, Level, PartyUnitKind};
use tongxin_geo::geojson::{GridFeature, parse_feature_collection, write_feature_collection};
use tongxin_geo::polygon::Polygon;
use tongxin_geo::validate::{Candidate, Tolerance, validate_grids};
use tongxin_store::territory::{self, GridRow};
use tongxin_store::{audit, now_millis};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct GapWarning {
    pub community_code: String,
    pub reason: String,
    pub gap_area_m2: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub features: usize,
    pub created: usize,
    pub updated: usize,
    /// Every offending feature: index (0-based, in file order), code and reason.
    pub problems: Vec<FieldError>,
    /// Gaps inside communities: reported, not refused.
    pub warnings: Vec<GapWarning>,
}

pub(crate) fn problem(index: usize, code: Option<&str>, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: None,
        index: Some(index),
        code: code.map(str::to_string),
        reason: reason.into(),
    }
}

pub(crate) fn int_prop(props: &Map<String, Value>, key: &str) -> Result<i64, String> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| format!("{key} 须为整数 / {key} must be an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("{key} 须为整数 / {key} must be an integer")),
        Some(_) => Err(format!("{key} 须为整数 / {key} must be an integer")),
    }
}

pub(crate) fn str_prop<'a>(props: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    props
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Grid attributes from a feature's properties, with defaults for the optional ones.
pub(crate) fn attributes(
    code: &GridCode,
    props: &Map<String, Value>,
) -> Result<GridAttributes, String> {
    let name = str_prop(props, "name")
        .map(str::to_string)
        .unwrap_or_else(|| format!("第{}网格", code.sequence()));
    let kind = match str_prop(props, "kind") {
        None => GridKind::Base,
        Some(k) => GridKind::parse(k).ok_or_else(|| {
            format!("kind 须为 base 或 dedicated，而不是 {k:?} / kind must be base or dedicated")
        })?,
    };
    let party_unit_kind = match str_prop(props, "party_unit_kind") {
        None => PartyUnitKind::Branch,
        Some(k) => PartyUnitKind::parse(k)
            .ok_or_else(|| format!("party_unit_kind 须为 branch 或 group，而不是 {k:?}"))?,
    };
    let party_unit_name = str_prop(props, "party_unit_name")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{name}党支部"));
    let attrs = GridAttributes {
        code: code.to_string(),
        name,
        kind,
        households: int_prop(props, "households")?,
        population: int_prop(props, "population")?,
        party_unit_kind,
        party_unit_name,
    };
    attrs.validate().map_err(|e| e.to_string())?;
    Ok(attrs)
}

pub(crate) struct Checked {
    index: usize,
    code: GridCode,
    attrs: Option<GridAttributes>,
    polygon: Polygon,
}

/// Checks code shape, duplicates, the parent community and the actor's reach.
pub(crate) async fn check_codes(
    state: &AppState,
    actor: &Actor,
    features: Vec<GridFeature>,
    problems: &mut Vec<FieldError>,
) -> ApiResult<Vec<Checked>> {
    let mut seen = HashSet::new();
    let mut community_ok: HashMap<String, Result<(), String>> = HashMap::new();
    let mut checked = Vec::with_capacity(features.len());
    for f in features {
        let Some(raw) = f.code.as_deref() else {
            problems.push(problem(
                f.index,
                None,
                "缺少 properties.code / properties.code is missing",
            ));
            continue;
        };
        let code = match GridCode::parse(raw) {
            Ok(c) => c,
            Err(e) => {
                problems.push(problem(f.index, Some(raw), e.to_string()));
                continue;
            }
        };
        if !seen.insert(code.clone()) {
            problems.push(problem(
                f.index,
                Some(raw),
                "文件中网格代码重复 / grid code repeated in the file",
            ));
            continue;
        }
        let community = code.community().to_string();
        if !community_ok.contains_key(&community) {
            let verdict = check_community(state, actor, &community, raw).await?;
            community_ok.insert(community.clone(), verdict);
        }
        if let Some(Err(reason)) = community_ok.get(&community) {
            problems.push(problem(f.index, Some(raw), reason.clone()));
        }
        let attrs = match attributes(&code, &f.properties) {
            Ok(a) => Some(a),
            Err(reason) => {
                problems.push(problem(f.index, Some(raw), reason));
                None
            }
        };
        checked.push(Checked {
            index: f.index,
            code,
            attrs,
            polygon: f.polygon,
        });
    }
    Ok(checked)
}

pub(crate) async fn check_community(
    state: &AppState,
    actor: &Actor,
    community: &str,
    grid: &str,
) -> ApiResult<Result<(), String>> {
    let missing = format!(
        "上级社区 {community} 不存在或不在您的管辖范围 / parent community {community} not found"
    );
    if authorize(actor, Action::ManageTerritory, Target::Node(grid)).is_err() {
        return Ok(Err(missing));
    }
    Ok(
        match territory::get_division(&state.store, community).await? {
            Some(d) if d.level == Level::Community.as_str() => Ok(()),
            Some(_) => Err(format!(
                "{community} 不是社区 / {community} is not a community"
            )),
            None => Err(missing),
        },
    )
}

/// Existing grids (other than those being replaced) and community boundaries, parsed.
pub(crate) async fn load_context(
    state: &AppState,
) -> ApiResult<(Vec<(String, String, Polygon)>, HashMap<String, Polygon>)> {
    let mut existing = Vec::new();
    for (code, _name, boundary) in territory::all_grid_boundaries(&state.store).await? {
        let polygon = polygon_from_json(&boundary).map_err(ApiError::internal)?;
        let community = code[..12].to_string();
        existing.push((code, community, polygon));
    }
    let mut communities = HashMap::new();
    for d in territory::communities_with_boundaries(&state.store, &["".to_string()]).await? {
        if let Some(b) = d.boundary {
            communities.insert(d.code, polygon_from_json(&b).map_err(ApiError::internal)?);
        }
    }
    Ok((existing, communities))
}

pub async fn import_grids(
    state: &AppState,
    actor: &Actor,
    text: &str,
    dry_run: bool,
    request_id: Option<String>,
) -> ApiResult<ImportReport> {
    let (features, feature_problems) = parse_feature_collection(text).map_err(|e| {
        ApiError::invalid(
            format!("GeoJSON 无法读取 / GeoJSON cannot be read: {e}"),
            vec![],
        )
    })?;
    let total = features.len() + feature_problems.len();
    let mut problems: Vec<FieldError> = feature_problems
        .into_iter()
        .map(|p| problem(p.index, p.code.as_deref(), p.reason))
        .collect();
    if total == 0 {
        return Err(ApiError::invalid(
            "FeatureCollection 没有要素 / the FeatureCollection has no features",
            vec![],
        ));
    }
    let checked = check_codes(state, actor, features, &mut problems).await?;
    let (existing, communities) = load_context(state).await?;
    let existing_refs: Vec<(&str, &str, &Polygon)> = existing
        .iter()
        .map(|(c, m, p)| (c.as_str(), m.as_str(), p))
        .collect();
    let community_codes: Vec<String> = checked
        .iter()
        .map(|c| c.code.community().to_string())
        .collect();
    let candidates: Vec<Candidate> = checked
        .iter()
        .zip(&community_codes)
        .map(|(c, community)| Candidate {
            index: c.index,
            code: c.code.as_str(),
            community_code: community,
            polygon: &c.polygon,
        })
        .collect();
    let report = validate_grids(
        &candidates,
        &existing_refs,
        &communities,
        &Tolerance::default(),
    );
    problems.extend(
        report
            .problems
            .into_iter()
            .map(|p| problem(p.index, Some(&p.code), p.reason)),
    );
    problems.sort_by_key(|p| p.index);
    let warnings: Vec<GapWarning> = report
        .warnings
        .into_iter()
        .map(|w| GapWarning {
            community_code: w.community_code,
            reason: w.reason,
            gap_area_m2: w.gap_area_m2,
        })
        .collect();
    let existing_codes: HashSet<&str> = existing.iter().map(|(c, _, _)| c.as_str()).collect();
    let updated = checked
        .iter()
        .filter(|c| existing_codes.contains(c.code.as_str()))
        .count();
    let mut out = ImportReport {
        dry_run,
        features: total,
        created: checked.len() - updated,
        updated,
        problems,
        warnings,
    };
    if !out.problems.is_empty() {
        let n = out.problems.len();
        let mut err = ApiError::invalid(
            format!(
                "{n} 个要素有问题，未导入任何网格 / {n} feature problem(s); nothing was imported"
            ),
            std::mem::take(&mut out.problems),
        );
        err.slug = "grid-import";
        return Err(err);
    }
    if dry_run {
        return Ok(out);
    }
    write_grids(state, actor, &checked, request_id).await?;
    rebuild_locator(state).await?;
    Ok(out)
}

pub(crate) async fn write_grids(
    state: &AppState,
    actor: &Actor,
    checked: &[Checked],
    request_id: Option<String>,
) -> ApiResult<()> {
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    for c in checked {
        let attrs = c
            .attrs
            .as_ref()
            .ok_or_else(|| ApiError::internal("attributes missing after validation"))?;
        let row = GridRow {
            code: c.code.to_string(),
            community_code: c.code.community().to_string(),
            district_code: c.code.district_prefix().to_string(),
            name: attrs.name.clone(),
            kind: attrs.kind.as_str().into(),
            households: attrs.households,
            population: attrs.population,
            party_unit_kind: attrs.party_unit_kind.as_str().into(),
            party_unit_name: attrs.party_unit_name.clone(),
            boundary: polygon_to_json(&c.polygon),
            created_at: now,
            updated_at: now,
        };
        let before = territory::upsert_grid(&mut tx, &row).await?;
        audit::record(
            &mut tx,
            &audit_entry(
                actor,
                if before.is_some() {
                    "grid.update"
                } else {
                    "grid.create"
                },
                "grid",
                row.code.clone(),
            )
            .node(Some(row.code.clone()))
            .before(before.as_ref().map(grid_summary))
            .after(Some(grid_summary(&row)))
            .request(request_id.clone()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What the audit trail keeps of a grid: attributes and the boundary's size, not every vertex.
pub(crate) fn grid_summary(row: &GridRow) -> Value {
    let area = polygon_from_json(&row.boundary)
        .map(|p| p.area_m2().round())
        .unwrap_or(0.0);
    serde_json::json!({
        "name": row.name, "kind": row.kind, "households": row.households,
        "population": row.population, "party_unit": row.party_unit_name,
        "area_m2": area,
    })
}

pub async fn rebuild_locator(state: &AppState) -> ApiResult<()> {
    let started = std::time::Instant::now();
    let locator = Locator::load(&state.store).await?;
    tracing::info!(
        grids = locator.grid_count(),
        ms = started.elapsed().as_millis() as u64,
        "grid index rebuilt"
    );
    state.replace_locator(locator);
    Ok(())
}

/// Grids under `prefixes` as a GeoJSON FeatureCollection (round-trips through import).
pub async fn export_grids(state: &AppState, prefixes: &[String]) -> ApiResult<String> {
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = territory::list_grids(&state.store, prefixes, after.as_deref(), 1000).await?;
        rows.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut features = Vec::with_capacity(rows.len());
    for r in &rows {
        let polygon = polygon_from_json(&r.boundary).map_err(ApiError::internal)?;
        let props: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "code": r.code, "name": r.name, "kind": r.kind, "community_code": r.community_code,
            "households": r.households, "population": r.population,
            "party_unit_kind": r.party_unit_kind, "party_unit_name": r.party_unit_name,
        }))
        .map_err(ApiError::internal)?;
        features.push((props, polygon));
    }
    let refs: Vec<(Map<String, Value>, &Polygon)> =
        features.iter().map(|(m, p)| (m.clone(), p)).collect();
    Ok(write_feature_collection(&refs))
}
