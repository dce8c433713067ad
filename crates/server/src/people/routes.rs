//! Where people is reached: its JSON API with the OpenAPI paths (`api`, merged by `lib.rs`)
//! and its pages (`pages`). Nothing else registers a route of this capability.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API under `/api/v1`, each route with its OpenAPI path.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(crate::people::api::residents::post_resident))
        .routes(routes!(crate::people::api::residents::search_residents))
        .routes(routes!(
            crate::people::api::residents::get_resident,
            crate::people::api::residents::patch_resident
        ))
        .routes(routes!(crate::people::api::residents::reveal_resident))
        .routes(routes!(crate::people::api::residents::move_resident))
        .routes(routes!(crate::people::api::residents::resident_history))
        .routes(routes!(crate::people::api::residents::post_household))
        .routes(routes!(crate::people::api::residents::get_household))
        .routes(routes!(crate::people::api::residents::set_household_head))
        .routes(routes!(
            crate::people::api::organisations::list_organisations,
            crate::people::api::organisations::post_organisation
        ))
        .routes(routes!(crate::people::api::organisations::get_organisation))
        .routes(routes!(
            crate::people::api::organisations::list_party_orgs,
            crate::people::api::organisations::post_party_org
        ))
        .routes(routes!(
            crate::people::api::organisations::list_party_members
        ))
        .routes(routes!(
            crate::people::api::organisations::post_party_member
        ))
        .routes(routes!(crate::people::api::spreadsheets::export_ledger))
        .routes(routes!(crate::people::api::spreadsheets::import_ledger))
        .routes(routes!(crate::people::api::spreadsheets::ledger_template))
}
