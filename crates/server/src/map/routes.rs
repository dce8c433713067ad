//! Where map is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(crate::map::api::geometry))
        .routes(routes!(crate::map::api::measures))
        .routes(routes!(crate::map::api::node))
        .routes(routes!(crate::map::api::case_markers))
}

/// The pages (and feeds) people open in a browser or a calendar.
pub fn pages() -> Router<AppState> {
    Router::new().route("/map", get(crate::map::pages::map_page))
}
