//! Where disclosure is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            crate::disclosure::api::list_items,
            crate::disclosure::api::post_item
        ))
        .routes(routes!(
            crate::disclosure::api::list_committee,
            crate::disclosure::api::post_member
        ))
        .routes(routes!(crate::disclosure::api::delete_member))
        .routes(routes!(
            crate::disclosure::api::list_postings,
            crate::disclosure::api::post_posting
        ))
        .routes(routes!(crate::disclosure::api::list_overdue))
        .routes(routes!(crate::disclosure::api::get_posting))
        .routes(routes!(crate::disclosure::api::approve))
        .routes(routes!(crate::disclosure::api::publish))
        .routes(routes!(crate::disclosure::api::post_correction))
        .routes(routes!(crate::disclosure::api::verify))
}

/// The pages (and feeds) people open in a browser or a calendar.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/disclosure", get(crate::disclosure::pages::picker_page))
        .route(
            "/disclosure/staff",
            get(crate::disclosure::pages::staff_home),
        )
        .route(
            "/disclosure/{code}",
            get(crate::disclosure::pages::portal_page),
        )
        .route(
            "/disclosure/{code}/staff",
            get(crate::disclosure::pages::staff_page),
        )
        .route(
            "/disclosure/{code}/staff/{form}",
            post(crate::disclosure::pages::staff_submit),
        )
        .route(
            "/disclosure/{code}/staff/postings/{id}/{act}",
            get(crate::disclosure::pages::correction_page)
                .post(crate::disclosure::pages::posting_submit),
        )
}
