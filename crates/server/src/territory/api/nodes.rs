use crate::access::Authenticated;
use crate::access::session::request_id;
use crate::context::Context;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::territory::service::grids::{ImportReport, export_grids, import_grids};
use crate::territory::service::nodes::*;
use crate::util::{ApiJson, ApiQuery, PageOut, reach_within};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tongxin_core::access::Action;

#[utoipa::path(get, path = "/api/v1/divisions", tag = "territory", params(DivisionListQuery),
    responses((status = 200, body = PageOut<DivisionView>)))]
pub async fn list_divisions(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<DivisionListQuery>,
) -> ApiResult<Json<PageOut<DivisionView>>> {
    Ok(Json(
        crate::territory::service::nodes::list_divisions(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/divisions/{code}", tag = "territory", params(("code" = String, Path), GeometryQuery),
    responses((status = 200, body = DivisionView), (status = 404, body = crate::error::Problem)))]
pub async fn get_division(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<GeometryQuery>,
) -> ApiResult<Json<DivisionView>> {
    Ok(Json(
        crate::territory::service::nodes::get_division(&state, &ctx, code, q).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/divisions", tag = "territory", request_body = NewDivisionRequest,
    responses((status = 201, body = DivisionView), (status = 422, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn post_division(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewDivisionRequest>,
) -> ApiResult<(StatusCode, Json<DivisionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::territory::service::nodes::post_division(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/grids", tag = "territory", params(WithinQuery),
    responses((status = 200, body = PageOut<GridView>)))]
pub async fn list_grids(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<WithinQuery>,
) -> ApiResult<Json<PageOut<GridView>>> {
    Ok(Json(
        crate::territory::service::nodes::list_grids(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/grids/{code}", tag = "territory", params(("code" = String, Path), GeometryQuery),
    responses((status = 200, body = GridView), (status = 404, body = crate::error::Problem)))]
pub async fn get_grid(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<GeometryQuery>,
) -> ApiResult<Json<GridView>> {
    Ok(Json(
        crate::territory::service::nodes::get_grid(&state, &ctx, code, q).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/grids/import", tag = "territory", params(ImportQuery),
    request_body(content = Object, content_type = "application/geo+json", description = "RFC 7946 FeatureCollection of Polygon grids, as the export gives it; properties.code required, the other properties optional"),
    responses((status = 200, body = ImportReport), (status = 422, body = crate::error::Problem, description = "every offending feature in `errors` (index, code, reason); nothing imported")))]
pub async fn post_grid_import(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: String,
) -> ApiResult<Json<ImportReport>> {
    let report = import_grids(
        &state,
        &actor,
        &body,
        q.dry_run.unwrap_or(false),
        request_id(&headers),
    )
    .await?;
    Ok(Json(report))
}

#[utoipa::path(get, path = "/api/v1/grids/export", tag = "territory", params(ExportQuery),
    responses((status = 200, content_type = "application/geo+json", body = GridCollection)))]
pub async fn get_grid_export(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let prefixes = reach_within(&actor, Action::ViewTerritory, q.within.as_deref())?;
    let text = export_grids(&state, &prefixes).await?;
    let mut resp = text.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/locate", tag = "territory", params(LocateQuery),
    responses((status = 200, body = LocateAnswer), (status = 422, body = crate::error::Problem)))]
pub async fn locate(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<LocateQuery>,
) -> ApiResult<Json<LocateAnswer>> {
    Ok(Json(
        crate::territory::service::nodes::locate(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/compounds", tag = "territory", request_body = NewCompoundRequest,
    responses((status = 201, body = CompoundView), (status = 422, body = crate::error::Problem)))]
pub async fn post_compound(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewCompoundRequest>,
) -> ApiResult<(StatusCode, Json<CompoundView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::territory::service::nodes::post_compound(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/compounds", tag = "territory", params(WithinQuery),
    responses((status = 200, body = PageOut<CompoundView>)))]
pub async fn list_compounds(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<WithinQuery>,
) -> ApiResult<Json<PageOut<CompoundView>>> {
    Ok(Json(
        crate::territory::service::nodes::list_compounds(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/buildings", tag = "territory", request_body = NewBuildingRequest,
    responses((status = 201, body = BuildingView), (status = 422, body = crate::error::Problem)))]
pub async fn post_building(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewBuildingRequest>,
) -> ApiResult<(StatusCode, Json<BuildingView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::territory::service::nodes::post_building(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/buildings", tag = "territory", params(WithinQuery),
    responses((status = 200, body = PageOut<BuildingView>)))]
pub async fn list_buildings(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<WithinQuery>,
) -> ApiResult<Json<PageOut<BuildingView>>> {
    Ok(Json(
        crate::territory::service::nodes::list_buildings(&state, &ctx, q).await?,
    ))
}
