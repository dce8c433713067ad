//! Tongxin HTTP: the JSON API (with OpenAPI), pages and auth, on one axum router.

pub mod access;
pub mod audit;
pub mod cases;
pub mod context;
pub mod deliberation;
pub mod disclosure;
pub mod error;
mod idempotency;
pub mod map;
pub mod open311;
pub mod ops;
mod pages;
pub mod people;
pub mod state;
pub mod territory;
pub mod util;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
pub use axum::{Router, serve};
pub use state::{AppState, ServerConfig};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use util::TextLimits;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "同心 Tongxin API", version = "1", description = "Grassroots governance platform. Errors are RFC 9457 problem+json; lists paginate with `next_cursor`; POSTs accept `Idempotency-Key`; cookie-authenticated writes need `X-CSRF-Token`. Every string in a request body has a `maxLength` (in characters); a longer one is refused with 422 naming the field. Phone and citizen ID numbers typed into free text (case descriptions, addresses, notes) are masked for every reader; entitled staff see the original through the audited `…/reveal`."),
    components(schemas(error::Problem, error::FieldError)),
    modifiers(&SecurityAddon),
    tags((name = "access", description = "Sign-in, users, roles, tokens"),
         (name = "territory", description = "Divisions, grids, compounds, buildings, point → grid"),
         (name = "people", description = "Residents, households, organisations, party organisations (ID and phone numbers encrypted at rest, masked unless revealed)"),
         (name = "cases", description = "The closed loop: report, file, dispatch, handle, verify, close (with rework, escalation, reopen)"),
         (name = "audit", description = "The audit trail"),
         (name = "map", description = "The one map: boundaries, measures per node, a node's panel, case markers"),
         (name = "integrations", description = "Outbound webhooks: subscriptions and their delivery log"),
         (name = "disclosure", description = "Three-affairs disclosure (三务公开): catalogue, committee, drafts, two-member approval, publication on a hash chain, corrections, overdue warnings, chain check"),
         (name = "deliberation", description = "Councils (老友议事会, 居民议事会, 居民代表会议): charters, members, elections by secret ballot, motions with statutory quorum and majority; 逢四说事 sessions and items; 四议两公开 matters; decisions tracked to completion"))
)]
pub struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                access::session::SESSION_COOKIE,
            ))),
        );
    }
}

/// Problems, in this one place rather than at each route: every response documented with an
/// [`error::Problem`] body is served as `application/problem+json` (RFC 9457), and the answers
/// every route of a kind may give are documented where a route does not say them itself: 404
/// for a path naming what does not exist or is out of the caller's reach, 400 for a body or
/// query string that does not parse, 422 for a JSON body a field of which is refused.
struct ProblemJson;

impl utoipa::Modify for ProblemJson {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let name = <error::Problem as utoipa::ToSchema>::name();
        let problem_ref = format!("#/components/schemas/{name}");
        let problem = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(name.clone())))
                            .build(),
                    )
                    .build(),
            )
        };
        for operation in util::operations_mut(openapi) {
            let params = operation.parameters.as_deref().unwrap_or_default();
            let in_path = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let in_query = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            let json_body = operation
                .request_body
                .as_ref()
                .is_some_and(|b| b.content.contains_key("application/json"));
            let responses = &mut operation.responses.responses;
            if in_path {
                responses
                    .entry("404".into())
                    .or_insert_with(|| problem("no such resource, or outside the caller's reach"));
            }
            if in_query || operation.request_body.is_some() {
                responses
                    .entry("400".into())
                    .or_insert_with(|| problem("the query string or the body does not parse"));
            }
            if json_body {
                responses
                    .entry("422".into())
                    .or_insert_with(|| problem("a field is refused (named in `errors`)"));
            }
            for response in responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                let is_problem = response
                    .content
                    .get("application/json")
                    .and_then(|c| c.schema.as_ref())
                    .is_some_and(|s| matches!(s, RefOr::Ref(r) if r.ref_location == problem_ref));
                if is_problem
                    && let Some(content) = response.content.shift_remove("application/json")
                {
                    response
                        .content
                        .insert("application/problem+json".into(), content);
                }
            }
        }
    }
}

/// The JSON API of every capability with its OpenAPI document: each capability's
/// `routes::api()` registers its handlers with their `#[utoipa::path]`, so a route and its
/// documentation cannot drift apart. The modifiers that look at every operation run last.
fn api_parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(access::routes::api())
        .merge(territory::routes::api())
        .merge(audit::routes::api())
        .merge(people::routes::api())
        .merge(cases::routes::api())
        .merge(map::routes::api())
        .merge(webhooks::routes::api())
        .merge(disclosure::routes::api())
        .merge(deliberation::routes::api())
        .split_for_parts();
    TextLimits.modify(&mut doc);
    ProblemJson.modify(&mut doc);
    (router, doc)
}

/// The OpenAPI document the server serves at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_parts().1
}

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let limit = state.config.max_body_bytes;
    let (api, doc) = api_parts();
    Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", doc))
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout_submit))
        .route("/lang", get(pages::switch_lang))
        .route("/assets/{name}", get(pages::asset))
        .route("/admin", get(pages::admin::admin_page))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(access::routes::pages())
        .merge(territory::routes::pages())
        .merge(cases::routes::pages())
        .merge(map::routes::pages())
        .merge(disclosure::routes::pages())
        .merge(deliberation::routes::pages())
        .merge(open311::routes::georeport())
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(from_fn_with_state(state.clone(), idempotency::idempotent))
        .layer(from_fn_with_state(state.clone(), access::session::resolve_caller))
        .layer(from_fn(ops::track))
        .layer(DefaultBodyLimit::max(limit))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only, never the query string: it may carry coordinates or names.
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

async fn no_route() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not-found",
        "未找到 / Not found",
        "没有这个地址 / no such route",
    )
}

async fn wrong_method() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "方法不允许 / Method not allowed",
        "此地址不支持该 HTTP 方法 / this route does not accept that HTTP method",
    )
}

/// Builds the state (loading the grid index) for a store.
pub async fn state_for(
    store: tongxin_store::Store,
    config: ServerConfig,
) -> Result<AppState, tongxin_store::StoreError> {
    let locator = territory::locator::Locator::load(&store).await?;
    let state = AppState::new(store, config, locator);
    cases::admin::load(&state).await?;
    Ok(state)
}

/// Background upkeep: every 30 seconds the SQLite WAL is checkpointed and case deadlines are
/// scanned for warnings; expired sessions are deleted every ten minutes.
pub fn spawn_housekeeping(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            round += 1;
            if let Err(e) = state.store.checkpoint().await {
                tracing::warn!(error = %e, "checkpoint failed");
            }
            let catalogue = state.catalogue.read().expect("catalogue lock").clone();
            match cases::warnings::escalate_overdue(
                &state.store,
                &state.working_calendar(),
                &catalogue,
                tongxin_store::now_millis(),
            )
            .await
            {
                Ok(n) if n > 0 => tracing::info!(cases = n, "overdue cases escalated"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "escalation scan failed"),
            }
            match cases::warnings::scan_deadlines(&state.store, tongxin_store::now_millis()).await {
                Ok(n) if n > 0 => tracing::info!(notifications = n, "deadline warnings sent"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "deadline scan failed"),
            }
            if round % 20 != 1 {
                continue;
            }
            match tongxin_store::access::delete_expired_sessions(
                &state.store,
                tongxin_store::now_millis(),
            )
            .await
            {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session cleanup failed"),
            }
        }
    })
}
