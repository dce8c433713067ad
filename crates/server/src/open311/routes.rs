//! Where Open311 (GeoReport v2) is reached: its endpoints, in JSON or XML by the file
//! extension, outside `/api/v1` and documented by the GeoReport specification.

use crate::state::AppState;
use axum::Router;
use axum::routing::get;

/// The GeoReport v2 endpoints (`{file}` is `name.json` or `name.xml`).
pub fn georeport() -> Router<AppState> {
    Router::new()
        .route(
            "/open311/v2/{file}",
            get(crate::open311::get_root).post(crate::open311::post_request),
        )
        .route(
            "/open311/v2/services/{file}",
            get(crate::open311::get_service),
        )
        .route(
            "/open311/v2/requests/{file}",
            get(crate::open311::get_request),
        )
        .route("/open311/v2/tokens/{file}", get(crate::open311::get_token))
}
