//! Where people is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(crate::people::post_resident))
        .routes(routes!(crate::people::search_residents))
        .routes(routes!(
            crate::people::get_resident,
            crate::people::patch_resident
        ))
        .routes(routes!(crate::people::reveal_resident))
        .routes(routes!(crate::people::move_resident))
        .routes(routes!(crate::people::resident_history))
        .routes(routes!(crate::people::post_household))
        .routes(routes!(crate::people::get_household))
        .routes(routes!(crate::people::set_household_head))
        .routes(routes!(
            crate::people::list_organisations,
            crate::people::post_organisation
        ))
        .routes(routes!(crate::people::get_organisation))
        .routes(routes!(
            crate::people::list_party_orgs,
            crate::people::post_party_org
        ))
        .routes(routes!(crate::people::list_party_members))
        .routes(routes!(crate::people::post_party_member))
        .routes(routes!(crate::people::export_ledger))
        .routes(routes!(crate::people::import_ledger))
        .routes(routes!(crate::people::ledger_template))
}
