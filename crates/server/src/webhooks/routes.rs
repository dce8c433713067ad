//! Where webhooks is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            crate::webhooks::api::list_subscriptions,
            crate::webhooks::api::post_subscription
        ))
        .routes(routes!(crate::webhooks::api::delete_subscription))
        .routes(routes!(crate::webhooks::api::list_deliveries))
}
