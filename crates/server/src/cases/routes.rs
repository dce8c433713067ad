//! Where cases is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(crate::cases::api::list_categories))
        .routes(routes!(
            crate::cases::api::admin::get_category,
            crate::cases::api::admin::revise_category
        ))
        .routes(routes!(
            crate::cases::api::admin::get_calendar,
            crate::cases::api::admin::put_calendar
        ))
        .routes(routes!(
            crate::cases::api::list_cases,
            crate::cases::api::post_case
        ))
        .routes(routes!(crate::cases::api::nearby_cases))
        .routes(routes!(crate::cases::api::get_case))
        .routes(routes!(crate::cases::api::support_case))
        .routes(routes!(crate::cases::api::reveal_case))
        .routes(routes!(crate::cases::api::indicators::get_indicators))
        .routes(routes!(crate::cases::api::indicators::get_breakdown))
        .routes(routes!(
            crate::cases::api::enterprise::list_assignments,
            crate::cases::api::enterprise::assign
        ))
        .routes(routes!(crate::cases::api::enterprise::summary))
        .routes(routes!(crate::cases::api::media::upload))
        .routes(routes!(crate::cases::api::media::get_media))
        .routes(routes!(crate::cases::api::media::get_thumbnail))
        .routes(routes!(crate::cases::api::patrols::start_patrol))
        .routes(routes!(crate::cases::api::patrols::coverage))
        .routes(routes!(crate::cases::api::patrols::add_points))
        .routes(routes!(crate::cases::api::patrols::end_patrol))
        .routes(routes!(crate::cases::api::list_notifications))
        .routes(routes!(crate::cases::api::read_notification))
        .routes(routes!(crate::cases::api::post_action))
        .routes(routes!(
            crate::cases::api::admin::get_warning_rules,
            crate::cases::api::admin::put_warning_rules
        ))
}

/// The pages (and feeds) people open in a browser or a calendar.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/cases", get(crate::cases::pages::list_page))
        .route("/cases/dispatch", post(crate::cases::pages::bulk_dispatch))
        .route("/cases/warnings", get(crate::cases::pages::warnings_page))
        .route(
            "/indicators",
            get(crate::cases::pages::indicators::indicators_page),
        )
        .route(
            "/indicators/export",
            get(crate::cases::pages::indicators::export),
        )
        .route("/cases/{id}", get(crate::cases::pages::detail_page))
        .route("/cases/{id}/act", post(crate::cases::pages::act_submit))
        .route(
            "/cases/{id}/reveal",
            post(crate::cases::pages::reveal_submit),
        )
        .route("/my-reports", get(crate::cases::pages::my_reports_page))
        .route(
            "/notifications",
            get(crate::cases::pages::notifications::notifications_page),
        )
        .route(
            "/notifications/read-all",
            post(crate::cases::pages::notifications::read_all),
        )
        .route(
            "/notifications/{id}/open",
            post(crate::cases::pages::notifications::open_notification),
        )
        .route(
            "/report",
            get(crate::cases::pages::report::report_page)
                .post(crate::cases::pages::report::report_submit),
        )
}
