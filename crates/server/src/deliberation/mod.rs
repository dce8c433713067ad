//! Residents decide, over HTTP: 逢四说事 sessions and items, 四议两公开 matters, decisions
//! tracked to completion. Every access goes through `authorize` with the community's code.

pub mod decisions;
pub mod demo;
pub mod matters;
pub mod sessions;

use crate::error::{ApiError, ApiResult};
use tongxin_core::access::{Action, Actor, Target, authorize};
use tongxin_core::territory::{Level, NodeCode};

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
