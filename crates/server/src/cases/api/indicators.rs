//! The indicators leaders are judged by, for any territory node and period (formulas in
//! docs/indicators.md), as JSON or as a CSV/XLSX download.

use crate::access::Authenticated;
use crate::cases::service::indicators::*;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::ApiQuery;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

#[utoipa::path(get, path = "/api/v1/indicators", tag = "cases", params(IndicatorQuery),
    responses((status = 200, description = "JSON, or the table as a CSV or XLSX download (`format`)",
        content((IndicatorView = "application/json"), (String = "text/csv"), (crate::util::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = crate::error::Problem)))]
pub async fn get_indicators(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<IndicatorQuery>,
) -> ApiResult<Response> {
    Ok(indicator_table(&state, &actor, &q).await?.into_response())
}

#[utoipa::path(get, path = "/api/v1/indicators/breakdown", tag = "cases", params(BreakdownQuery),
    responses((status = 200, description = "JSON, or the table as a CSV or XLSX download (`format`)",
        content((Vec<BreakdownView> = "application/json"), (String = "text/csv"), (crate::util::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = crate::error::Problem)))]
pub async fn get_breakdown(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<BreakdownQuery>,
) -> ApiResult<Response> {
    Ok(breakdown_table(&state, &actor, &q).await?.into_response())
}
