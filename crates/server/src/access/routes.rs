//! Where access is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(crate::access::api::users::login))
        .routes(routes!(crate::access::api::users::logout))
        .routes(routes!(crate::access::api::users::me))
        .routes(routes!(crate::access::api::users::post_password))
        .routes(routes!(
            crate::access::api::users::list_users,
            crate::access::api::users::post_user
        ))
        .routes(routes!(crate::access::api::users::disable_user))
        .routes(routes!(crate::access::api::users::enable_user))
        .routes(routes!(crate::access::api::users::post_token))
        .routes(routes!(crate::access::api::users::revoke_token))
}

/// The pages (and feeds) people open in a browser or a calendar.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/account", get(crate::access::pages::account_page))
        .route(
            "/account/password",
            post(crate::access::pages::password_submit),
        )
}
