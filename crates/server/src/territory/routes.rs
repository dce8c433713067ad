//! Where territory is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            crate::territory::api::nodes::list_divisions,
            crate::territory::api::nodes::post_division
        ))
        .routes(routes!(crate::territory::api::nodes::get_division))
        .routes(routes!(crate::territory::api::nodes::list_grids))
        .routes(routes!(crate::territory::api::nodes::post_grid_import))
        .routes(routes!(crate::territory::api::nodes::get_grid_export))
        .routes(routes!(crate::territory::api::nodes::get_grid))
        .routes(routes!(crate::territory::api::nodes::locate))
        .routes(routes!(
            crate::territory::api::nodes::list_compounds,
            crate::territory::api::nodes::post_compound
        ))
        .routes(routes!(
            crate::territory::api::nodes::list_buildings,
            crate::territory::api::nodes::post_building
        ))
}

/// The pages (and feeds) people open in a browser or a calendar.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/territory", get(crate::territory::pages::my_territory))
        .route("/territory/{code}", get(crate::territory::pages::node_page))
}
