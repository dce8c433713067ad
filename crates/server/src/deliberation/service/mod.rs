//! Residents decide (no HTTP here; the API and the pages call these): councils (charter, members, rules), elections by secret ballot
//! and motions; 逢四说事 sessions and items, 四议两公开 matters, decisions tracked to
//! completion. Every access goes through `authorize` with the community's code; every change
//! writes its audit record in its transaction.

pub mod ballots;
pub mod boards;
pub mod councils;
pub mod decisions;
pub mod matters;
pub mod sessions;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::deliberation::ballots::Refusal;
use tongxin_core::territory::{Level, NodeCode};
use tongxin_store::deliberation::councils::{self as store_councils, CouncilRow};

pub use tongxin_store::deliberation::councils::rules_of;

/// The council, if the actor may `action` on its community (else 404 / 403).
pub async fn council_for(
    state: &AppState,
    actor: &Actor,
    id: i64,
    action: Action,
) -> ApiResult<CouncilRow> {
    let council = store_councils::get_council(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(
        actor,
        Action::ViewDeliberation,
        Target::Record(&council.community_code),
    )?;
    // Whoever sees the council is told plainly that they may not change it.
    authorize(actor, action, Target::Node(&council.community_code))
        .map_err(|_| ApiError::forbidden())?;
    Ok(council)
}

/// The registry resident the actor votes as (see docs/councils.md: an account is linked to a
/// resident by someone who manages that resident's grid).
pub async fn voter_of(state: &AppState, actor: &Actor) -> ApiResult<i64> {
    store_councils::resident_of_user(&state.store, actor.user_id)
        .await?
        .ok_or_else(|| {
            ApiError::forbidden_as(
                "not-linked",
                "账号未关联居民 / Account not linked to a resident",
                "您的账号尚未关联居民档案，请联系社区或网格员关联后再投票 / your account is not linked to a resident record; ask your community or grid worker to link it before voting",
            )
        })
}

/// A refused vote as the API answers it.
pub fn refusal(r: Refusal) -> ApiError {
    let detail = r.to_string();
    match r {
        Refusal::NotOpen | Refusal::Closed | Refusal::AlreadyVoted | Refusal::ShowOfHands => {
            ApiError::conflict(detail)
        }
        Refusal::NotEligible => {
            ApiError::forbidden_as("not-eligible", "无投票资格 / Not eligible", detail)
        }
        Refusal::Invalid { field, reason } => ApiError::field(&field, reason),
    }
}

/// Today's date in Beijing (YYYY-MM-DD) at a UTC time.
pub fn beijing_date(at: i64) -> String {
    tongxin_core::cases::calendar::LocalDate::from_millis(at, 480).to_string()
}

/// The community code, checked to be one.
pub fn community_code(field: &str, code: &str) -> ApiResult<String> {
    match NodeCode::parse(code) {
        Ok(node) if node.level() == Level::Community => Ok(node.to_string()),
        _ => Err(ApiError::field(
            field,
            format!("须为 12 位社区代码，收到 {code:?} / must be a 12-digit community code"),
        )),
    }
}

/// A record found by id, if the actor may `action` on its community (404 when absent or
/// out of reach, 403 when visible but not allowed).
pub fn in_reach<T>(
    actor: &Actor,
    action: Action,
    row: Option<T>,
    community: impl Fn(&T) -> &str,
) -> ApiResult<T> {
    let row = row.ok_or_else(ApiError::not_found)?;
    authorize(actor, action, Target::Record(community(&row)))?;
    Ok(row)
}

/// `authorize` for something belonging to `community`.
pub fn allow(actor: &Actor, action: Action, community: &str) -> ApiResult<()> {
    authorize(actor, action, Target::Node(community))?;
    Ok(())
}

/// Text that must be present and not too long.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max_chars {
        return Err(ApiError::field(
            field,
            format!("须为 1–{max_chars} 字 / must have 1–{max_chars} characters"),
        ));
    }
    Ok(v.to_string())
}

/// Optional text, trimmed, within a length.
pub fn optional_text(field: &str, value: Option<&str>, max_chars: usize) -> ApiResult<String> {
    let v = value.unwrap_or("").trim();
    if v.chars().count() > max_chars {
        return Err(ApiError::field(
            field,
            format!("最多 {max_chars} 字 / at most {max_chars} characters"),
        ));
    }
    Ok(v.to_string())
}
