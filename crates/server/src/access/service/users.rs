use super::audit_entry;
use crate::access::password::{burn_verification, check_strength, hash_password, verify_password};
use crate::access::session::first_node;
use crate::access::session::{TOKEN_PREFIX, random_token, secret_hash};
use crate::context::Context;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;

use serde::{Deserialize, Serialize};
use tongxin_core::access::{self, Action, Actor, Binding, Role, Target, authorize, may_grant};
use tongxin_core::territory::NodeCode;
use tongxin_store::access::{self as store_access};
use tongxin_store::{audit, now_millis};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct RoleBindingView {
    /// One of city_admin, district_admin, street_admin, community_admin, grid_worker,
    /// department_handler, party_member, resident, auditor.
    pub role: String,
    pub role_name: String,
    pub node: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub user_id: i64,
    pub username: String,
    pub roles: Vec<RoleBindingView>,
    /// Send this in `X-CSRF-Token` with cookie-authenticated writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

pub(crate) fn role_views(bindings: &[Binding]) -> Vec<RoleBindingView> {
    bindings
        .iter()
        .map(|b| RoleBindingView {
            role: b.role.as_str().into(),
            role_name: b.role.name_zh().into(),
            node: b.node.to_string(),
        })
        .collect()
}

/// Checks a username and password; the same answer for unknown users and wrong passwords.
pub async fn check_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> ApiResult<Actor> {
    let now = now_millis();
    if let Err(wait_ms) = state.login_throttle.check(username, now) {
        return Err(ApiError::too_many_attempts(format!(
            "该账号登录失败次数过多，请 {} 分钟后再试 / too many failed sign-ins for this account; try again in {} min",
            wait_ms / 60_000 + 1,
            wait_ms / 60_000 + 1
        )));
    }
    let result = verify_credentials(state, username, password).await;
    match &result {
        Ok(_) => state.login_throttle.record_success(username),
        Err(e) if e.is_unauthenticated() => state.login_throttle.record_failure(username, now),
        Err(_) => {}
    }
    result
}

pub(crate) async fn verify_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> ApiResult<Actor> {
    let bad = || ApiError::unauthenticated("用户名或密码错误 / wrong username or password");
    let Some(user) = store_access::find_user_by_name(&state.store, username).await? else {
        let p = password.to_string();
        let _ = tokio::task::spawn_blocking(move || burn_verification(&p)).await;
        return Err(bad());
    };
    let (p, h) = (password.to_string(), user.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&p, &h))
        .await
        .map_err(ApiError::internal)?;
    if !ok {
        return Err(bad());
    }
    if user.is_disabled() {
        return Err(ApiError::unauthenticated("账号已停用 / account disabled"));
    }
    crate::access::session::load_actor(state, user.id, access::Credential::Session)
        .await?
        .ok_or_else(bad)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    #[schema(max_length = 1000)]
    pub current_password: String,
    #[schema(max_length = 1000)]
    pub new_password: String,
}

/// Changes the caller's own password: the current one must be right, the new one strong
/// enough and different; every other session of the user ends, this one stays.
///
/// `current_session` is the session id of the request (its cookie), kept signed in.
pub async fn change_password(
    state: &AppState,
    ctx: &Context,
    current_session: Option<String>,
    req: &PasswordChange,
) -> ApiResult<()> {
    let actor = &ctx.actor;
    let user = store_access::get_user(&state.store, actor.user_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (current, new) = (req.current_password.clone(), req.new_password.clone());
    let phc = user.password_hash.clone();
    let right = tokio::task::spawn_blocking(move || verify_password(&current, &phc))
        .await
        .map_err(ApiError::internal)?;
    if !right {
        return Err(ApiError::field(
            "current_password",
            "当前密码不对 / the current password is wrong",
        ));
    }
    check_strength(&new).map_err(|e| ApiError::field("new_password", e))?;
    if new == req.current_password {
        return Err(ApiError::field(
            "new_password",
            "新密码须与当前密码不同 / the new password must differ from the current one",
        ));
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let keep = current_session
        .map(|sid| secret_hash(&sid))
        .unwrap_or_default();
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    store_access::set_password(&mut tx, actor.user_id, &hash, now).await?;
    let ended = store_access::delete_other_sessions(&mut tx, actor.user_id, &keep).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "user.password", "user", actor.user_id.to_string())
            .node(first_node(actor))
            .after(Some(serde_json::json!({"other_sessions_ended": ended})))
            .request(ctx.request_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    pub role: String,
    pub node: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub username: String,
    #[schema(max_length = 64)]
    pub display_name: String,
    pub password: String,
    pub roles: Vec<RoleRequest>,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub roles: Vec<RoleBindingView>,
    pub created_at: i64,
}

/// Validates a username: 3–64 of letters, digits, `._-`.
pub fn check_username(name: &str) -> Result<(), String> {
    let ok_len = (3..=64).contains(&name.len());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(
            "用户名须为 3–64 个字母、数字或 ._- / username must be 3–64 of letters, digits, . _ -"
                .into(),
        )
    }
}

/// Parses requested roles into bindings, naming each bad one.
pub fn parse_bindings(roles: &[RoleRequest]) -> Result<Vec<Binding>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    if roles.is_empty() {
        errors.push(FieldError::field(
            "roles",
            "至少需要一个角色 / at least one role is required",
        ));
    }
    for (i, r) in roles.iter().enumerate() {
        let field = format!("roles[{i}]");
        let Some(role) = Role::parse(&r.role) else {
            errors.push(FieldError::field(
                format!("{field}.role"),
                format!("未知角色 {:?} / unknown role", r.role),
            ));
            continue;
        };
        match NodeCode::parse(&r.node) {
            Err(e) => errors.push(FieldError::field(format!("{field}.node"), e.to_string())),
            Ok(node) => match Binding::new(role, node) {
                Ok(b) => out.push(b),
                Err(e) => errors.push(FieldError::field(format!("{field}.node"), e.to_string())),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Creates a user with bindings and an audit record in one transaction (API and CLI).
pub async fn create_user(
    state: &AppState,
    actor: &Actor,
    req: &NewUserRequest,
    request_id: Option<String>,
) -> ApiResult<i64> {
    let mut errors = Vec::new();
    if let Err(e) = check_username(&req.username) {
        errors.push(FieldError::field("username", e));
    }
    if req.display_name.trim().is_empty() || req.display_name.chars().count() > 64 {
        errors.push(FieldError::field(
            "display_name",
            "姓名须为 1–64 个字符 / display_name must have 1–64 characters",
        ));
    }
    if let Err(e) = check_strength(&req.password) {
        errors.push(FieldError::field("password", e));
    }
    let bindings = match parse_bindings(&req.roles) {
        Ok(b) => b,
        Err(mut e) => {
            errors.append(&mut e);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid("用户信息有误 / invalid user", errors));
    }
    for b in &bindings {
        may_grant(actor, b)?;
        ensure_node_exists(state, b.node.as_str()).await?;
    }
    let password = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    let id = store_access::insert_user(&mut tx, &req.username, req.display_name.trim(), &hash, now)
        .await?;
    for b in &bindings {
        store_access::add_binding(&mut tx, id, b.role.as_str(), b.node.as_str()).await?;
    }
    let after = serde_json::json!({
        "username": req.username, "display_name": req.display_name.trim(),
        "roles": role_views(&bindings).iter().map(|r| format!("{}@{}", r.role, r.node)).collect::<Vec<_>>(),
    });
    audit::record(
        &mut tx,
        &audit_entry(actor, "user.create", "user", id.to_string())
            .node(bindings.first().map(|b| b.node.to_string()))
            .before(None)
            .after(Some(after))
            .request(request_id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn ensure_node_exists(state: &AppState, code: &str) -> ApiResult<()> {
    let exists = if code.len() == 15 {
        tongxin_store::territory::get_grid(&state.store, code)
            .await?
            .is_some()
    } else {
        tongxin_store::territory::get_division(&state.store, code)
            .await?
            .is_some()
    };
    if exists {
        Ok(())
    } else {
        Err(ApiError::field(
            "roles",
            format!("节点 {code} 不存在 / node {code} does not exist"),
        ))
    }
}

pub(crate) async fn user_view(state: &AppState, id: i64) -> ApiResult<UserView> {
    let user = store_access::get_user(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let bindings = store_access::bindings(&state.store, id).await?;
    Ok(to_view(user, bindings))
}

pub(crate) fn to_view(
    user: store_access::UserRow,
    bindings: Vec<store_access::BindingRow>,
) -> UserView {
    UserView {
        id: user.id,
        disabled: user.is_disabled(),
        username: user.username,
        display_name: user.display_name,
        created_at: user.created_at,
        roles: bindings
            .into_iter()
            .map(|b| RoleBindingView {
                role_name: Role::parse(&b.role)
                    .map(|r| r.name_zh())
                    .unwrap_or("")
                    .into(),
                role: b.role,
                node: b.node_code,
            })
            .collect(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only users bound somewhere under this node.
    pub within: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// The user, if `actor` may manage every one of the user's bindings: managing an account
/// (disabling it, minting its tokens) wields all its roles, so reaching one is not enough.
/// Hidden when the actor manages users where none of them lie.
pub(crate) async fn managed_user(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ApiResult<store_access::UserRow> {
    let user = store_access::get_user(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let bindings = store_access::bindings(&state.store, id).await?;
    let mut reached_any = false;
    let mut all_granted = true;
    for b in &bindings {
        let binding = Role::parse(&b.role)
            .zip(NodeCode::parse(&b.node_code).ok())
            .map(|(role, node)| Binding { role, node });
        match binding.map(|b| may_grant(actor, &b)) {
            Some(Ok(())) => reached_any = true,
            // Refused here: the account exists for the actor only if they manage users where
            // it is bound (a resident or grid worker of that grid does not).
            Some(Err(access::Denial::Forbidden)) => {
                reached_any |=
                    authorize(actor, Action::ManageUsers, Target::Record(&b.node_code)).is_ok();
                all_granted = false;
            }
            _ => all_granted = false,
        }
    }
    match (reached_any, all_granted) {
        (false, _) => Err(ApiError::not_found()),
        (true, false) => Err(ApiError::forbidden()),
        (true, true) => Ok(user),
    }
}

pub async fn set_user_disabled(
    state: &AppState,
    actor: &Actor,
    id: i64,
    disabled: bool,
    request_id: Option<String>,
) -> ApiResult<()> {
    let user = managed_user(state, actor, id).await?;
    if id == actor.user_id && disabled {
        return Err(ApiError::conflict(
            "不能停用自己的账号 / you cannot disable your own account",
        ));
    }
    let node = store_access::bindings(&state.store, id)
        .await?
        .first()
        .map(|b| b.node_code.clone());
    let mut tx = state.store.begin().await?;
    store_access::set_disabled(&mut tx, id, disabled, now_millis()).await?;
    audit::record(
        &mut tx,
        &audit_entry(
            actor,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            "user",
            id.to_string(),
        )
        .node(node)
        .before(Some(
            serde_json::json!({"username": user.username, "disabled": user.is_disabled()}),
        ))
        .after(Some(
            serde_json::json!({"username": user.username, "disabled": disabled}),
        ))
        .request(request_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    /// The integration's service account; its roles decide what the token may do.
    pub user_id: i64,
    #[schema(max_length = 64)]
    pub name: String,
    pub expires_in_days: Option<i64>,
    /// "open311": the token works only as an Open311 `api_key`; absent: the whole API.
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// Shown once; only its hash is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Issues an integration token for a user the actor manages (API and CLI).
pub async fn issue_token(
    state: &AppState,
    actor: &Actor,
    req: &NewTokenRequest,
    request_id: Option<String>,
) -> ApiResult<TokenView> {
    if req.name.trim().is_empty() || req.name.chars().count() > 64 {
        return Err(ApiError::field(
            "name",
            "名称须为 1–64 个字符 / name must have 1–64 characters",
        ));
    }
    if req
        .expires_in_days
        .is_some_and(|d| !(1..=3650).contains(&d))
    {
        return Err(ApiError::field(
            "expires_in_days",
            "须在 1–3650 天 / must be 1–3650 days",
        ));
    }
    managed_user(state, actor, req.user_id).await?;
    authorize_platform_integration(actor)?;
    let token = format!("{TOKEN_PREFIX}{}", random_token(24));
    let now = now_millis();
    let expires_at = req.expires_in_days.map(|d| now + d * 86_400_000);
    let mut tx = state.store.begin().await?;
    let id = store_access::create_token(
        &mut tx,
        req.user_id,
        req.name.trim(),
        &secret_hash(&token),
        now,
        expires_at,
    )
    .await?;
    match req.scope.as_deref() {
        None => {}
        Some("open311") => store_access::set_token_scope(&mut tx, id, "open311").await?,
        Some(other) => {
            return Err(ApiError::field(
                "scope",
                format!("须为 open311 或不填，而不是 {other:?} / must be open311 or absent"),
            ));
        }
    }
    audit::record(
        &mut tx,
        &audit_entry(actor, "token.create", "api_token", id.to_string()).node(first_node(actor)).before(None).after(Some(serde_json::json!({"user_id": req.user_id, "name": req.name.trim(), "expires_at": expires_at}))).request(request_id),
    )
    .await?;
    tx.commit().await?;
    Ok(TokenView {
        id,
        user_id: req.user_id,
        name: req.name.trim().into(),
        token: Some(token),
        expires_at,
        revoked_at: None,
    })
}

pub(crate) fn authorize_platform_integration(actor: &Actor) -> ApiResult<()> {
    authorize(actor, Action::ManageIntegrations, Target::Platform).map_err(Into::into)
}
