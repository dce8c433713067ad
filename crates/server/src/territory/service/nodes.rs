use super::locator::{NodeRef, polygon_from_json, polygon_to_json};
use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{Cursor, PageOut, clamp_limit, reach_within};
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::territory::{
    DivisionCode, DivisionKind, GridCode, NewBuilding, NewCompound, NewDivision, staffing_note,
};
use tongxin_geo::crs::{Crs, check_lon_lat, to_wgs84};
use tongxin_store::territory::{
    self, BuildingRow, CompoundRow, DivisionRow, GridRow, TerritoryCounts,
};
use tongxin_store::{audit, now_millis};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct CountsView {
    pub districts: i64,
    pub streets: i64,
    pub communities: i64,
    pub grids: i64,
    pub compounds: i64,
    pub buildings: i64,
    pub households: i64,
    pub population: i64,
    pub grid_workers: i64,
}

impl From<TerritoryCounts> for CountsView {
    fn from(c: TerritoryCounts) -> Self {
        CountsView {
            districts: c.districts,
            streets: c.streets,
            communities: c.communities,
            grids: c.grids,
            compounds: c.compounds,
            buildings: c.buildings,
            households: c.households,
            population: c.population,
            grid_workers: c.grid_workers,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DivisionView {
    pub code: String,
    pub name: String,
    pub level: String,
    pub kind: String,
    pub parent_code: Option<String>,
    /// From the city down to this node.
    pub path: Vec<NodeRef>,
    /// Totals of the subtree (present when the caller reaches the whole node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<CountsView>,
    /// GeoJSON Polygon geometry, when asked for with `geometry=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<serde_json::Value>,
}

pub(crate) fn geometry(boundary: &str) -> Option<serde_json::Value> {
    let coords: serde_json::Value = serde_json::from_str(boundary).ok()?;
    Some(serde_json::json!({"type": "Polygon", "coordinates": coords}))
}

pub(crate) fn division_view(
    state: &AppState,
    row: DivisionRow,
    with_geometry: bool,
) -> DivisionView {
    DivisionView {
        path: state.locator().path(&row.code),
        geometry: if with_geometry {
            row.boundary.as_deref().and_then(geometry)
        } else {
            None
        },
        code: row.code,
        name: row.name,
        level: row.level,
        kind: row.kind,
        parent_code: row.parent_code,
        counts: None,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DivisionListQuery {
    /// Parent code; omitted = the top of the tree.
    pub parent: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeometryQuery {
    /// Include the boundary as GeoJSON geometry.
    pub geometry: Option<bool>,
}

pub(crate) fn reaches_whole(actor: &Actor, code: &str) -> bool {
    actor.bindings.iter().any(|b| b.node.reaches(code))
}

#[derive(Deserialize, ToSchema)]
pub struct NewDivisionRequest {
    pub code: String,
    pub name: String,
    /// city, district, development_zone, street, town, community or village.
    pub kind: String,
    pub parent_code: Option<String>,
    /// Optional GeoJSON Polygon geometry (WGS-84).
    pub geometry: Option<serde_json::Value>,
}

pub(crate) fn boundary_from_geometry(g: &serde_json::Value) -> ApiResult<String> {
    let ty = g.get("type").and_then(|t| t.as_str());
    if ty != Some("Polygon") {
        return Err(ApiError::field(
            "geometry",
            "须为 GeoJSON Polygon / must be a GeoJSON Polygon",
        ));
    }
    let coords = g
        .get("coordinates")
        .ok_or_else(|| ApiError::field("geometry", "缺少 coordinates / coordinates missing"))?;
    let polygon =
        polygon_from_json(&coords.to_string()).map_err(|e| ApiError::field("geometry", e))?;
    for ring in polygon.rings() {
        if ring.len() < 4 || ring.first() != ring.last() {
            return Err(ApiError::field(
                "geometry",
                "环须闭合且至少 4 个点 / rings must be closed with at least 4 positions",
            ));
        }
        for p in ring {
            check_lon_lat(p[0], p[1]).map_err(|e| ApiError::field("geometry", e.to_string()))?;
        }
    }
    Ok(polygon_to_json(&polygon))
}

/// Creates a division under an existing parent (API and CLI).
pub async fn create_division(
    state: &AppState,
    actor: &Actor,
    req: &NewDivisionRequest,
    request_id: Option<String>,
) -> ApiResult<DivisionRow> {
    let kind = DivisionKind::parse(&req.kind).ok_or_else(|| {
        ApiError::field("kind", format!("未知类型 {:?} / unknown kind", req.kind))
    })?;
    let new = NewDivision {
        code: req.code.clone(),
        name: req.name.trim().to_string(),
        kind,
        parent_code: req.parent_code.clone(),
    };
    let (code, parent) = new
        .validate()
        .map_err(|e| ApiError::field(e.field(), e.to_string()))?;
    let boundary = req
        .geometry
        .as_ref()
        .map(boundary_from_geometry)
        .transpose()?;
    match &parent {
        Some(p) => {
            authorize(actor, Action::ManageTerritory, Target::Node(p.as_str()))?;
            if territory::get_division(&state.store, p.as_str())
                .await?
                .is_none()
            {
                return Err(ApiError::field(
                    "parent_code",
                    format!("上级 {p} 不存在 / parent {p} does not exist"),
                ));
            }
        }
        None => authorize(actor, Action::ManageTerritory, Target::Node(code.as_str()))?,
    }
    let now = now_millis();
    let row = DivisionRow {
        code: code.to_string(),
        parent_code: parent.map(|p| p.to_string()),
        level: code.level().as_str().into(),
        kind: kind.as_str().into(),
        name: new.name.clone(),
        district_code: code.district_prefix().into(),
        boundary,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.store.begin().await?;
    territory::insert_division(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "division.create", "division", row.code.clone()).node(Some(row.code.clone())).before(None).after(Some(serde_json::json!({"name": row.name, "kind": row.kind, "parent_code": row.parent_code}))).request(request_id),
    )
    .await?;
    tx.commit().await?;
    super::grids::rebuild_locator(state).await?;
    Ok(row)
}

#[derive(Serialize, ToSchema)]
pub struct PartyUnitView {
    /// branch or group.
    pub kind: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct GridView {
    pub code: String,
    pub name: String,
    /// base or dedicated.
    pub kind: String,
    pub community_code: String,
    pub households: i64,
    pub population: i64,
    pub party_unit: PartyUnitView,
    /// Active grid-worker accounts bound to this grid (norm: 3–4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid_workers: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staffing_note: Option<String>,
    pub path: Vec<NodeRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<serde_json::Value>,
}

pub(crate) fn grid_view(state: &AppState, row: GridRow, with_geometry: bool) -> GridView {
    GridView {
        path: state.locator().path(&row.code),
        geometry: if with_geometry {
            geometry(&row.boundary)
        } else {
            None
        },
        code: row.code,
        name: row.name,
        kind: row.kind,
        community_code: row.community_code,
        households: row.households,
        population: row.population,
        party_unit: PartyUnitView {
            kind: row.party_unit_kind,
            name: row.party_unit_name,
        },
        grid_workers: None,
        staffing_note: None,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WithinQuery {
    /// A division or grid code; omitted = everything the caller reaches.
    pub within: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check everything and report, write nothing.
    pub dry_run: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub within: Option<String>,
}

/// What the export answers: an RFC 7946 FeatureCollection of the grids' polygons.
#[derive(Serialize, ToSchema)]
pub struct GridCollection {
    /// "FeatureCollection".
    #[serde(rename = "type")]
    pub kind: String,
    pub features: Vec<GridFeature>,
}

#[derive(Serialize, ToSchema)]
pub struct GridFeature {
    /// "Feature".
    #[serde(rename = "type")]
    pub kind: String,
    pub properties: GridProperties,
    /// A GeoJSON Polygon (WGS 84; exterior ring counter-clockwise).
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
}

/// A grid's attributes, as the import reads them back.
#[derive(Serialize, ToSchema)]
pub struct GridProperties {
    pub code: String,
    pub name: String,
    /// base or dedicated.
    pub kind: String,
    pub community_code: String,
    pub households: i64,
    pub population: i64,
    /// branch or group.
    pub party_unit_kind: String,
    pub party_unit_name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    pub lon: Option<String>,
    pub lat: Option<String>,
    /// wgs84 (default; GPS, Tianditu), gcj02 (Amap, Tencent, WeChat) or bd09 (Baidu).
    pub crs: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LocateAnswer {
    /// True when the point lies in a grid.
    pub found: bool,
    pub wgs84: [f64; 2],
    pub crs: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid: Option<NodeRef>,
    /// City → district → street → community → grid.
    pub path: Vec<NodeRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

pub(crate) fn parse_coord(name: &str, value: Option<&str>) -> ApiResult<f64> {
    let v =
        value.ok_or_else(|| ApiError::field(name, format!("缺少 {name} / {name} is required")))?;
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .ok_or_else(|| {
            ApiError::field(
                name,
                format!("{name} 须为数字，收到 {v:?} / {name} must be a number"),
            )
        })
}

/// Converts a point given in `crs` to WGS-84, checking range and the CRS name.
pub fn point_to_wgs84(lon: f64, lat: f64, crs: Option<&str>) -> ApiResult<(f64, f64, Crs)> {
    let crs: Crs = match crs {
        None => Crs::Wgs84,
        Some(c) => c
            .parse()
            .map_err(|e: tongxin_geo::crs::UnknownCrs| ApiError::field("crs", e.to_string()))?,
    };
    check_lon_lat(lon, lat).map_err(|e| ApiError::field("lon/lat", e.to_string()))?;
    let (x, y) = to_wgs84(crs, lon, lat);
    Ok((x, y, crs))
}

#[derive(Serialize, ToSchema)]
pub struct CompoundView {
    pub id: i64,
    pub community_code: String,
    pub grid_code: String,
    pub name: String,
    pub households: i64,
}

impl From<CompoundRow> for CompoundView {
    fn from(r: CompoundRow) -> Self {
        CompoundView {
            id: r.id,
            community_code: r.community_code,
            grid_code: r.grid_code,
            name: r.name,
            households: r.households,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewCompoundRequest {
    pub community_code: String,
    pub grid_code: String,
    pub name: String,
    pub households: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BuildingView {
    pub id: i64,
    pub community_code: String,
    pub compound_id: Option<i64>,
    pub grid_code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub floors: i64,
    pub households: i64,
}

impl From<BuildingRow> for BuildingView {
    fn from(r: BuildingRow) -> Self {
        BuildingView {
            id: r.id,
            community_code: r.community_code,
            compound_id: r.compound_id,
            grid_code: r.grid_code,
            name: r.name,
            lon: r.lon,
            lat: r.lat,
            floors: r.floors,
            households: r.households,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewBuildingRequest {
    pub community_code: String,
    pub compound_id: Option<i64>,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// Coordinate system of lon/lat: wgs84 (default), gcj02 or bd09.
    pub crs: Option<String>,
    pub floors: i64,
    pub households: i64,
}

pub async fn list_divisions(
    state: &AppState,
    ctx: &Context,
    q: DivisionListQuery,
) -> ApiResult<PageOut<DivisionView>> {
    let actor = &ctx.actor;
    if let Some(parent) = &q.parent {
        DivisionCode::parse(parent).map_err(|e| ApiError::field("parent", e.to_string()))?;
        authorize(actor, Action::ViewTerritory, Target::Node(parent))?;
    }
    let after = Cursor::decode(q.cursor.as_deref())?;
    let page = territory::list_divisions(
        &state.store,
        q.parent.as_deref(),
        after.as_deref(),
        clamp_limit(q.limit),
    )
    .await?;
    let items = page
        .items
        .into_iter()
        .filter(|d| authorize(actor, Action::ViewTerritory, Target::Node(&d.code)).is_ok())
        .map(|d| division_view(state, d, false))
        .collect();
    Ok(PageOut::new(items, page.next))
}

pub async fn get_division(
    state: &AppState,
    ctx: &Context,
    code: String,
    q: GeometryQuery,
) -> ApiResult<DivisionView> {
    let actor = &ctx.actor;
    let parsed = DivisionCode::parse(&code).map_err(|e| ApiError::field("code", e.to_string()))?;
    authorize(actor, Action::ViewTerritory, Target::Node(&code))?;
    let row = territory::get_division(&state.store, &code)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut view = division_view(state, row, q.geometry.unwrap_or(false));
    if reaches_whole(actor, &code) {
        view.counts = Some(
            territory::counts(&state.store, parsed.scope_prefix())
                .await?
                .into(),
        );
    }
    Ok(view)
}

pub async fn post_division(
    state: &AppState,
    ctx: &Context,
    req: NewDivisionRequest,
) -> ApiResult<DivisionView> {
    let actor = &ctx.actor;
    let row = create_division(state, actor, &req, ctx.request_id.clone()).await?;
    Ok(division_view(state, row, false))
}

pub async fn list_grids(
    state: &AppState,
    ctx: &Context,
    q: WithinQuery,
) -> ApiResult<PageOut<GridView>> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
    let after = Cursor::decode(q.cursor.as_deref())?;
    let page = territory::list_grids(
        &state.store,
        &prefixes,
        after.as_deref(),
        clamp_limit(q.limit),
    )
    .await?;
    let items = page
        .items
        .into_iter()
        .map(|g| grid_view(state, g, false))
        .collect();
    Ok(PageOut::new(items, page.next))
}

pub async fn get_grid(
    state: &AppState,
    ctx: &Context,
    code: String,
    q: GeometryQuery,
) -> ApiResult<GridView> {
    let actor = &ctx.actor;
    GridCode::parse(&code).map_err(|e| ApiError::field("code", e.to_string()))?;
    authorize(actor, Action::ViewTerritory, Target::Node(&code))?;
    let row = territory::get_grid(&state.store, &code)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut view = grid_view(state, row, q.geometry.unwrap_or(false));
    let workers = territory::grid_worker_count(&state.store, &code).await?;
    view.grid_workers = Some(workers);
    view.staffing_note = staffing_note(workers as usize).map(str::to_string);
    Ok(view)
}

pub async fn locate(state: &AppState, ctx: &Context, q: LocateQuery) -> ApiResult<LocateAnswer> {
    let actor = &ctx.actor;
    authorize(actor, Action::Locate, Target::Platform)?;
    let lon = parse_coord("lon", q.lon.as_deref())?;
    let lat = parse_coord("lat", q.lat.as_deref())?;
    let (x, y, crs) = point_to_wgs84(lon, lat, q.crs.as_deref())?;
    let locator = state.locator();
    let answer = match locator.locate(x, y) {
        Some(code) => {
            let path = locator.path(code);
            LocateAnswer {
                found: true,
                wgs84: [x, y],
                crs: crs.as_str().into(),
                grid: path.last().cloned(),
                path,
                message: None,
            }
        }
        None => LocateAnswer {
            found: false,
            wgs84: [x, y],
            crs: crs.as_str().into(),
            grid: None,
            path: Vec::new(),
            message: Some("该位置不在任何网格内 / the point is outside every grid".into()),
        },
    };
    Ok(answer)
}

pub async fn post_compound(
    state: &AppState,
    ctx: &Context,
    req: NewCompoundRequest,
) -> ApiResult<CompoundView> {
    let actor = &ctx.actor;
    let new = NewCompound {
        community_code: req.community_code.clone(),
        grid_code: req.grid_code.clone(),
        name: req.name.trim().into(),
        households: req.households,
    };
    let (_, grid) = new
        .validate()
        .map_err(|e| ApiError::field(e.field(), e.to_string()))?;
    authorize(actor, Action::ManageTerritory, Target::Node(grid.as_str()))?;
    if territory::get_grid(&state.store, grid.as_str())
        .await?
        .is_none()
    {
        return Err(ApiError::field(
            "grid_code",
            format!("网格 {grid} 不存在 / grid does not exist"),
        ));
    }
    let mut row = CompoundRow {
        id: 0,
        community_code: new.community_code.clone(),
        grid_code: new.grid_code.clone(),
        district_code: grid.district_prefix().into(),
        name: new.name.clone(),
        households: new.households,
        created_at: now_millis(),
    };
    let mut tx = state.store.begin().await?;
    row.id = territory::insert_compound(&mut tx, &row).await?;
    audit::record(&mut tx, &audit_entry(actor, "compound.create", "compound", row.id.to_string()).node(Some(row.grid_code.clone())).before(None).after(Some(serde_json::json!({"name": row.name, "grid_code": row.grid_code, "households": row.households}))).request(ctx.request_id.clone())).await?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn list_compounds(
    state: &AppState,
    ctx: &Context,
    q: WithinQuery,
) -> ApiResult<PageOut<CompoundView>> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
    let after = Cursor::decode_i64(q.cursor.as_deref())?;
    let page =
        territory::list_compounds(&state.store, &prefixes, after, clamp_limit(q.limit)).await?;
    Ok(PageOut::new(
        page.items.into_iter().map(Into::into).collect(),
        page.next,
    ))
}

pub async fn post_building(
    state: &AppState,
    ctx: &Context,
    req: NewBuildingRequest,
) -> ApiResult<BuildingView> {
    let actor = &ctx.actor;
    let (lon, lat, _) = point_to_wgs84(req.lon, req.lat, req.crs.as_deref())?;
    let new = NewBuilding {
        community_code: req.community_code.clone(),
        compound_id: req.compound_id,
        name: req.name.trim().into(),
        lon,
        lat,
        floors: req.floors,
        households: req.households,
    };
    let community = new
        .validate()
        .map_err(|e| ApiError::field(e.field(), e.to_string()))?;
    authorize(
        actor,
        Action::ManageTerritory,
        Target::Node(community.as_str()),
    )?;
    let grid = state
        .locator()
        .locate(lon, lat)
        .map(str::to_string)
        .filter(|g| g.starts_with(community.as_str()))
        .ok_or_else(|| ApiError::field("lon/lat", format!("位置不在社区 {community} 的任何网格内 / the position is not inside any grid of community {community}")))?;
    if let Some(id) = req.compound_id {
        let compound = territory::get_compound(&state.store, id).await?;
        if compound.is_none_or(|c| c.community_code != community.as_str()) {
            return Err(ApiError::field(
                "compound_id",
                format!("小区 {id} 不在社区 {community} / compound is not in this community"),
            ));
        }
    }
    let mut row = BuildingRow {
        id: 0,
        community_code: community.to_string(),
        compound_id: req.compound_id,
        grid_code: grid.clone(),
        district_code: community.district_prefix().into(),
        name: new.name.clone(),
        lon,
        lat,
        floors: new.floors,
        households: new.households,
        created_at: now_millis(),
    };
    let mut tx = state.store.begin().await?;
    row.id = territory::insert_building(&mut tx, &row).await?;
    audit::record(&mut tx, &audit_entry(actor, "building.create", "building", row.id.to_string()).node(Some(grid)).before(None).after(Some(serde_json::json!({"name": row.name, "grid_code": row.grid_code, "floors": row.floors}))).request(ctx.request_id.clone())).await?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn list_buildings(
    state: &AppState,
    ctx: &Context,
    q: WithinQuery,
) -> ApiResult<PageOut<BuildingView>> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::ViewTerritory, q.within.as_deref())?;
    let after = Cursor::decode_i64(q.cursor.as_deref())?;
    let page =
        territory::list_buildings(&state.store, &prefixes, after, clamp_limit(q.limit)).await?;
    Ok(PageOut::new(
        page.items.into_iter().map(Into::into).collect(),
        page.next,
    ))
}
