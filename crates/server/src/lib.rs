//! Tongxin HTTP: the JSON API (with OpenAPI), pages and auth, on one axum router.

pub mod access;
pub mod audit;
pub mod cases;
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
use axum::routing::{delete, get, patch, post, put};
pub use axum::{Router, serve};
pub use state::{AppState, ServerConfig};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use util::TextLimits;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "同心 Tongxin API", version = "1", description = "Grassroots governance platform. Errors are RFC 9457 problem+json; lists paginate with `next_cursor`; POSTs accept `Idempotency-Key`; cookie-authenticated writes need `X-CSRF-Token`. Every string in a request body has a `maxLength` (in characters); a longer one is refused with 422 naming the field. Phone and citizen ID numbers typed into free text (case descriptions, addresses, notes) are masked for every reader; entitled staff see the original through the audited `…/reveal`."),
    paths(
        access::login, access::logout, access::me, access::post_password, access::post_user, access::list_users,
        access::disable_user, access::enable_user, access::post_token, access::revoke_token,
        territory::list_divisions, territory::get_division, territory::post_division,
        territory::list_grids, territory::get_grid, territory::post_grid_import, territory::get_grid_export,
        territory::locate, territory::post_compound, territory::list_compounds,
        territory::post_building, territory::list_buildings,
        audit::list_audit,
        people::post_resident, people::search_residents, people::get_resident, people::patch_resident,
        people::reveal_resident, people::move_resident, people::resident_history,
        people::post_household, people::get_household, people::set_household_head,
        people::post_organisation, people::list_organisations, people::get_organisation,
        people::post_party_org, people::list_party_orgs, people::post_party_member, people::list_party_members,
        people::import_ledger, people::ledger_template, people::export_ledger,
        cases::list_categories, cases::post_case, cases::get_case, cases::post_action, cases::list_cases,
        cases::nearby_cases, cases::support_case, cases::reveal_case, cases::list_notifications, cases::read_notification,
        cases::indicators::get_indicators, cases::indicators::get_breakdown, cases::enterprise::assign, cases::enterprise::list_assignments,
        cases::enterprise::summary, cases::media::upload, cases::media::get_media, cases::media::get_thumbnail, cases::patrols::start_patrol, cases::patrols::add_points,
        deliberation::sessions::get_schedule, deliberation::sessions::put_schedule,
        deliberation::sessions::plan, deliberation::sessions::list_sessions, deliberation::sessions::get_session,
        deliberation::sessions::record_session, deliberation::sessions::post_item, deliberation::sessions::list_items,
        deliberation::sessions::get_item, deliberation::sessions::reveal_item, deliberation::sessions::post_item_action, deliberation::sessions::overdue_items,
        deliberation::matters::post_matter, deliberation::matters::list_matters, deliberation::matters::get_matter,
        deliberation::matters::post_stage,
        deliberation::decisions::post_decision, deliberation::decisions::list_decisions,
        deliberation::decisions::get_decision, deliberation::decisions::post_progress,
        deliberation::decisions::post_link, deliberation::decisions::post_parent, deliberation::decisions::post_rating,
        cases::patrols::end_patrol, cases::patrols::coverage, cases::admin::revise_category, cases::admin::get_category,
        cases::admin::get_calendar, cases::admin::put_calendar,
        map::geometry, map::measures, map::node, map::case_markers,
        cases::admin::get_warning_rules, cases::admin::put_warning_rules,
        webhooks::post_subscription, webhooks::list_subscriptions, webhooks::delete_subscription, webhooks::list_deliveries,
        disclosure::list_items, disclosure::post_item, disclosure::list_committee, disclosure::post_member, disclosure::delete_member,
        disclosure::list_postings, disclosure::post_posting, disclosure::get_posting, disclosure::approve, disclosure::publish,
        disclosure::post_correction, disclosure::list_overdue, disclosure::verify,
        deliberation::councils::post_council, deliberation::councils::list_councils, deliberation::councils::get_council,
        deliberation::councils::put_rules, deliberation::councils::post_charter, deliberation::councils::list_charters,
        deliberation::councils::post_member, deliberation::councils::patch_member, deliberation::councils::put_user_resident,
        deliberation::ballots::post_election, deliberation::ballots::list_elections, deliberation::ballots::get_election,
        deliberation::ballots::post_election_vote, deliberation::ballots::close_election, deliberation::ballots::publish_election,
        deliberation::ballots::post_motion, deliberation::ballots::list_motions, deliberation::ballots::get_motion,
        deliberation::ballots::post_motion_vote, deliberation::ballots::post_hands, deliberation::ballots::close_motion,
    ),
    components(schemas(error::Problem, error::FieldError)),
    modifiers(&SecurityAddon, &TextLimits, &ProblemJson),
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

fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(access::login))
        .route("/auth/logout", post(access::logout))
        .route("/auth/me", get(access::me))
        .route("/auth/password", post(access::post_password))
        .route("/users", get(access::list_users).post(access::post_user))
        .route("/users/{id}/disable", post(access::disable_user))
        .route("/users/{id}/enable", post(access::enable_user))
        .route("/tokens", post(access::post_token))
        .route("/tokens/{id}", delete(access::revoke_token))
        .route(
            "/divisions",
            get(territory::list_divisions).post(territory::post_division),
        )
        .route("/divisions/{code}", get(territory::get_division))
        .route("/grids", get(territory::list_grids))
        .route("/grids/import", post(territory::post_grid_import))
        .route("/grids/export", get(territory::get_grid_export))
        .route("/grids/{code}", get(territory::get_grid))
        .route("/locate", get(territory::locate))
        .route(
            "/compounds",
            get(territory::list_compounds).post(territory::post_compound),
        )
        .route(
            "/buildings",
            get(territory::list_buildings).post(territory::post_building),
        )
        .route("/audit", get(audit::list_audit))
        .route("/residents", post(people::post_resident))
        .route("/residents/search", post(people::search_residents))
        .route(
            "/residents/{id}",
            get(people::get_resident).patch(people::patch_resident),
        )
        .route("/residents/{id}/reveal", post(people::reveal_resident))
        .route("/residents/{id}/move", post(people::move_resident))
        .route("/residents/{id}/history", get(people::resident_history))
        .route("/households", post(people::post_household))
        .route("/households/{id}", get(people::get_household))
        .route("/households/{id}/head", post(people::set_household_head))
        .route(
            "/organisations",
            get(people::list_organisations).post(people::post_organisation),
        )
        .route("/organisations/{id}", get(people::get_organisation))
        .route(
            "/party-orgs",
            get(people::list_party_orgs).post(people::post_party_org),
        )
        .route("/party-orgs/{id}/members", get(people::list_party_members))
        .route("/party-members", post(people::post_party_member))
        .route("/ledgers/{kind}/export", get(people::export_ledger))
        .route("/case-categories", get(cases::list_categories))
        .route(
            "/case-categories/{code}",
            get(cases::admin::get_category).put(cases::admin::revise_category),
        )
        .route(
            "/calendar/{year}",
            get(cases::admin::get_calendar).put(cases::admin::put_calendar),
        )
        .route("/cases", get(cases::list_cases).post(cases::post_case))
        .route("/cases/nearby", get(cases::nearby_cases))
        .route("/cases/{id}", get(cases::get_case))
        .route("/cases/{id}/support", post(cases::support_case))
        .route("/cases/{id}/reveal", post(cases::reveal_case))
        .route("/indicators", get(cases::indicators::get_indicators))
        .route(
            "/indicators/breakdown",
            get(cases::indicators::get_breakdown),
        )
        .route(
            "/commissioners/assignments",
            get(cases::enterprise::list_assignments).post(cases::enterprise::assign),
        )
        .route("/enterprise/summary", get(cases::enterprise::summary))
        .route("/media", post(cases::media::upload))
        .route("/media/{hash}", get(cases::media::get_media))
        .route("/media/{hash}/thumbnail", get(cases::media::get_thumbnail))
        .route(
            "/communities/{code}/session-schedule",
            get(deliberation::sessions::get_schedule).put(deliberation::sessions::put_schedule),
        )
        .route(
            "/communities/{code}/sessions",
            get(deliberation::sessions::list_sessions),
        )
        .route(
            "/communities/{code}/sessions/plan",
            post(deliberation::sessions::plan),
        )
        .route("/sessions/{id}", get(deliberation::sessions::get_session))
        .route(
            "/sessions/{id}/record",
            post(deliberation::sessions::record_session),
        )
        .route(
            "/session-items",
            get(deliberation::sessions::list_items).post(deliberation::sessions::post_item),
        )
        .route(
            "/session-items/overdue",
            get(deliberation::sessions::overdue_items),
        )
        .route("/session-items/{id}", get(deliberation::sessions::get_item))
        .route(
            "/session-items/{id}/reveal",
            post(deliberation::sessions::reveal_item),
        )
        .route(
            "/session-items/{id}/actions",
            post(deliberation::sessions::post_item_action),
        )
        .route(
            "/matters",
            get(deliberation::matters::list_matters).post(deliberation::matters::post_matter),
        )
        .route("/matters/{id}", get(deliberation::matters::get_matter))
        .route(
            "/matters/{id}/stages",
            post(deliberation::matters::post_stage),
        )
        .route(
            "/decisions",
            get(deliberation::decisions::list_decisions)
                .post(deliberation::decisions::post_decision),
        )
        .route(
            "/decisions/{id}",
            get(deliberation::decisions::get_decision),
        )
        .route(
            "/decisions/{id}/progress",
            post(deliberation::decisions::post_progress),
        )
        .route(
            "/decisions/{id}/links",
            post(deliberation::decisions::post_link),
        )
        .route(
            "/decisions/{id}/parent",
            post(deliberation::decisions::post_parent),
        )
        .route(
            "/decisions/{id}/rate",
            post(deliberation::decisions::post_rating),
        )
        .route("/patrols", post(cases::patrols::start_patrol))
        .route("/patrols/coverage", get(cases::patrols::coverage))
        .route("/patrols/{id}/points", post(cases::patrols::add_points))
        .route("/patrols/{id}/end", post(cases::patrols::end_patrol))
        .route("/notifications", get(cases::list_notifications))
        .route("/notifications/{id}/read", post(cases::read_notification))
        .route("/cases/{id}/actions", post(cases::post_action))
        .route("/ledgers/{kind}/import", post(people::import_ledger))
        .route("/ledgers/{kind}/template", get(people::ledger_template))
        .route(
            "/warnings/rules",
            get(cases::admin::get_warning_rules).put(cases::admin::put_warning_rules),
        )
        .route(
            "/webhooks",
            get(webhooks::list_subscriptions).post(webhooks::post_subscription),
        )
        .route("/webhooks/{id}", delete(webhooks::delete_subscription))
        .route("/webhooks/{id}/deliveries", get(webhooks::list_deliveries))
        .route("/map/geometry", get(map::geometry))
        .route("/map/measures", get(map::measures))
        .route("/map/node/{code}", get(map::node))
        .route("/map/cases", get(map::case_markers))
        .route(
            "/disclosure/communities/{code}/items",
            get(disclosure::list_items).post(disclosure::post_item),
        )
        .route(
            "/disclosure/communities/{code}/committee",
            get(disclosure::list_committee).post(disclosure::post_member),
        )
        .route(
            "/disclosure/communities/{code}/committee/{user_id}",
            delete(disclosure::delete_member),
        )
        .route(
            "/disclosure/communities/{code}/postings",
            get(disclosure::list_postings).post(disclosure::post_posting),
        )
        .route(
            "/disclosure/communities/{code}/overdue",
            get(disclosure::list_overdue),
        )
        .route("/disclosure/postings/{id}", get(disclosure::get_posting))
        .route(
            "/disclosure/postings/{id}/approve",
            post(disclosure::approve),
        )
        .route(
            "/disclosure/postings/{id}/publish",
            post(disclosure::publish),
        )
        .route(
            "/disclosure/postings/{id}/corrections",
            post(disclosure::post_correction),
        )
        .route("/disclosure/verify", get(disclosure::verify))
        .merge(deliberation_routes())
}

fn deliberation_routes() -> Router<AppState> {
    use deliberation::{ballots, councils};
    Router::new()
        .route(
            "/councils",
            get(councils::list_councils).post(councils::post_council),
        )
        .route("/councils/{id}", get(councils::get_council))
        .route("/councils/{id}/rules", put(councils::put_rules))
        .route(
            "/councils/{id}/charters",
            get(councils::list_charters).post(councils::post_charter),
        )
        .route("/councils/{id}/members", post(councils::post_member))
        .route("/council-members/{id}", patch(councils::patch_member))
        .route("/users/{id}/resident", put(councils::put_user_resident))
        .route(
            "/councils/{id}/elections",
            get(ballots::list_elections).post(ballots::post_election),
        )
        .route("/elections/{id}", get(ballots::get_election))
        .route("/elections/{id}/votes", post(ballots::post_election_vote))
        .route("/elections/{id}/close", post(ballots::close_election))
        .route("/elections/{id}/publish", post(ballots::publish_election))
        .route(
            "/councils/{id}/motions",
            get(ballots::list_motions).post(ballots::post_motion),
        )
        .route("/motions/{id}", get(ballots::get_motion))
        .route("/motions/{id}/votes", post(ballots::post_motion_vote))
        .route("/motions/{id}/hands", post(ballots::post_hands))
        .route("/motions/{id}/close", post(ballots::close_motion))
}

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let limit = state.config.max_body_bytes;
    Router::new()
        .nest("/api/v1", api_routes())
        .merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout_submit))
        .route("/lang", get(pages::switch_lang))
        .route("/assets/{name}", get(pages::asset))
        .route("/map", get(pages::map::map_page))
        .route("/cases", get(pages::cases::list_page))
        .route("/cases/dispatch", post(pages::cases::bulk_dispatch))
        .route("/cases/warnings", get(pages::cases::warnings_page))
        .route("/indicators", get(pages::indicators::indicators_page))
        .route("/indicators/export", get(pages::indicators::export))
        .route("/territory", get(pages::territory::my_territory))
        .route("/admin", get(pages::admin::admin_page))
        .route("/territory/{code}", get(pages::territory::node_page))
        .route("/cases/{id}", get(pages::cases::detail_page))
        .route("/cases/{id}/act", post(pages::cases::act_submit))
        .route("/cases/{id}/reveal", post(pages::cases::reveal_submit))
        .route("/account", get(pages::account::account_page))
        .route("/my-reports", get(pages::cases::my_reports_page))
        .route("/account/password", post(pages::account::password_submit))
        .route(
            "/notifications",
            get(pages::notifications::notifications_page),
        )
        .route(
            "/notifications/read-all",
            post(pages::notifications::read_all),
        )
        .route(
            "/notifications/{id}/open",
            post(pages::notifications::open_notification),
        )
        .route("/councils", get(pages::councils::list_page))
        .route("/councils/{id}", get(pages::councils::council_page))
        .route(
            "/councils/{id}/motions",
            post(pages::councils::motion_submit),
        )
        .route(
            "/councils/{id}/elections",
            post(pages::councils::election_submit),
        )
        .route("/councils/{id}/link", post(pages::councils::link_submit))
        .route("/ballots/{id}/close", post(pages::councils::close_submit))
        .route(
            "/ballots/{id}/publish",
            post(pages::councils::publish_submit),
        )
        .route("/ballots/{id}/hands", post(pages::councils::hands_submit))
        .route(
            "/ballots/{id}/vote",
            get(pages::councils::vote_page).post(pages::councils::vote_submit),
        )
        .route(
            "/report",
            get(pages::report::report_page).post(pages::report::report_submit),
        )
        .route("/disclosure", get(pages::disclosure::picker_page))
        .route("/disclosure/staff", get(pages::disclosure::staff_home))
        .route("/disclosure/{code}", get(pages::disclosure::portal_page))
        .route("/disclosure/{code}/staff", get(pages::disclosure::staff_page))
        .route(
            "/disclosure/{code}/staff/{form}",
            post(pages::disclosure::staff_submit),
        )
        .route(
            "/disclosure/{code}/staff/postings/{id}/{act}",
            get(pages::disclosure::correction_page).post(pages::disclosure::posting_submit),
        )
        .route(
            "/open311/v2/{file}",
            get(open311::get_root).post(open311::post_request),
        )
        .route("/open311/v2/services/{file}", get(open311::get_service))
        .route("/open311/v2/requests/{file}", get(open311::get_request))
        .route("/open311/v2/tokens/{file}", get(open311::get_token))
        .route("/calendar/{file}", get(deliberation::sessions::ical_feed))
        .route("/deliberation", get(pages::deliberation::my_deliberation))
        .route("/deliberation/{code}", get(pages::deliberation::community_page))
        .route("/deliberation/{code}/items", post(pages::deliberation::raise_submit))
        .route("/deliberation/items/{id}", get(pages::deliberation::item_page))
        .route("/deliberation/items/{id}/act", post(pages::deliberation::item_submit))
        .route("/deliberation/matters/{id}", get(pages::deliberation::matter_page))
        .route("/deliberation/matters/{id}/stage", post(pages::deliberation::stage_submit))
        .route("/deliberation/decisions/{id}", get(pages::deliberation::decision_page))
        .route("/deliberation/decisions/{id}/progress", post(pages::deliberation::progress_submit))
        .route("/deliberation/decisions/{id}/rate", post(pages::deliberation::rate_submit))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
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
