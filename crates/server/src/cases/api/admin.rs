//! City-wide case tables: editing categories (new versions apply to new cases only) and the
//! city's own holiday tables. Both are kept in the settings table and loaded at start-up.

use crate::access::session::request_id;
use crate::access::{Authenticated, audit_entry};
use crate::cases::service::admin::*;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::ApiJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::cases::calendar::Calendar;
use tongxin_core::cases::catalogue::Category;
use tongxin_store::{audit, commit};

#[utoipa::path(get, path = "/api/v1/case-categories/{code}", tag = "cases", params(("code" = String, Path)),
    responses((status = 200, body = Object, description = "the whole category (limits per step, department, attributes, version)"), (status = 404, body = crate::error::Problem)))]
pub async fn get_category(
    State(state): State<AppState>,
    Authenticated(_actor): Authenticated,
    Path(code): Path<String>,
) -> ApiResult<Json<Category>> {
    let catalogue = state.catalogue.read().expect("catalogue lock");
    catalogue
        .category(&code)
        .cloned()
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

#[utoipa::path(put, path = "/api/v1/case-categories/{code}", tag = "cases", params(("code" = String, Path)),
    request_body(content = serde_json::Value, description = "the whole category as read, with its current version; limits, department and attributes may change"),
    responses((status = 200, body = RevisedCategory), (status = 409, body = crate::error::Problem, description = "someone changed it first"), (status = 422, body = crate::error::Problem)))]
pub async fn revise_category(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
    ApiJson(updated): ApiJson<Category>,
) -> ApiResult<Json<RevisedCategory>> {
    Ok(Json(
        crate::cases::service::admin::revise_category(&state, &ctx, code, updated).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "cases", params(("year" = i32, Path)),
    responses((status = 200, body = CalendarYear)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    Authenticated(_actor): Authenticated,
    Path(year): Path<i32>,
) -> ApiResult<Json<CalendarYear>> {
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::field(
            "year",
            "须在 2000–2100 / must be 2000–2100",
        ));
    }
    Ok(Json(year_view(&state.working_calendar(), year)?))
}

#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "cases", params(("year" = i32, Path)),
    request_body(content = String, content_type = "text/plain", description = "the year's table: `year 2027`, then `holiday YYYY-MM-DD[..YYYY-MM-DD] name` and `workday YYYY-MM-DD name` lines"),
    responses((status = 200, body = CalendarYear), (status = 422, body = crate::error::Problem, description = "names the line and the reason")))]
pub async fn put_calendar(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(year): Path<i32>,
    body: String,
) -> ApiResult<Json<CalendarYear>> {
    authorize(&actor, Action::ManageCatalogue, Target::Platform)?;
    let table =
        Calendar::parse_table(&body).map_err(|e| ApiError::field("table", e.to_string()))?;
    if table.year != year {
        return Err(ApiError::field(
            "table",
            format!(
                "表中年份 {} 与地址 {year} 不符 / the table is for {}",
                table.year, table.year
            ),
        ));
    }
    let mut texts = stored_tables(&state.store).await?;
    texts.retain(|t| {
        Calendar::parse_table(t)
            .map(|p| p.year != year)
            .unwrap_or(false)
    });
    texts.push(body.clone());
    state
        .store
        .set_setting(
            CALENDAR_KEY,
            &serde_json::to_string(&texts).map_err(ApiError::internal)?,
        )
        .await?;
    state.apply_calendar_table(&table);
    let mut tx = state.store.begin().await?;
    audit::record(&mut tx, &audit_entry(&actor, "calendar.replace", "calendar", year.to_string())
        .after(Some(serde_json::json!({"holidays": table.holidays.len(), "make_up_days": table.make_up_days.len()}))).request(request_id(&headers))).await?;
    commit(tx).await?;
    Ok(Json(year_view(&state.working_calendar(), year)?))
}

#[utoipa::path(get, path = "/api/v1/warnings/rules", tag = "cases",
    responses((status = 200, body = WarningRulesView)))]
pub async fn get_warning_rules(
    State(state): State<AppState>,
    Authenticated(_actor): Authenticated,
) -> ApiResult<Json<WarningRulesView>> {
    Ok(Json(
        crate::cases::patterns::warning_rules(&state.store)
            .await
            .into(),
    ))
}

#[utoipa::path(put, path = "/api/v1/warnings/rules", tag = "cases", request_body = WarningRulesView,
    responses((status = 200, body = WarningRulesView), (status = 422, body = crate::error::Problem)))]
pub async fn put_warning_rules(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(v): ApiJson<WarningRulesView>,
) -> ApiResult<Json<WarningRulesView>> {
    Ok(Json(
        crate::cases::service::admin::put_warning_rules(&state, &ctx, v).await?,
    ))
}
