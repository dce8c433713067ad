//! City-wide case tables: editing categories (new versions apply to new cases only) and the
//! city's own holiday tables. Both are kept in the settings table and loaded at start-up.

use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::cases::calendar::Calendar;
use tongxin_core::cases::calendar::LocalDate;
use tongxin_core::cases::catalogue::Catalogue;
use tongxin_core::cases::catalogue::Category;
use tongxin_core::cases::warnings::WarningRules;
use tongxin_store::{Store, StoreError};
use tongxin_store::{audit, commit};
use utoipa::ToSchema;

pub(crate) const CATALOGUE_KEY: &str = "case_catalogue";
pub(crate) const CALENDAR_KEY: &str = "calendar_tables";

/// Loads the stored catalogue and holiday tables into the state (start-up).
pub async fn load(state: &AppState) -> Result<(), StoreError> {
    if let Some(text) = state.store.setting(CATALOGUE_KEY).await? {
        let catalogue: Catalogue = serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("stored case catalogue: {e}")))?;
        *state.catalogue.write().expect("catalogue lock") = catalogue;
    }
    for text in stored_tables(&state.store).await? {
        let table = Calendar::parse_table(&text)
            .map_err(|e| StoreError::Corrupt(format!("stored calendar table: {e}")))?;
        state.apply_calendar_table(&table);
    }
    Ok(())
}

pub(crate) async fn stored_tables(store: &Store) -> Result<Vec<String>, StoreError> {
    Ok(match store.setting(CALENDAR_KEY).await? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("stored calendar tables: {e}")))?,
        None => Vec::new(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct RevisedCategory {
    pub code: String,
    pub version: u32,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub holidays: Vec<String>,
    pub make_up_days: Vec<String>,
    pub working_days: u32,
}

pub(crate) fn year_view(cal: &Calendar, year: i32) -> ApiResult<CalendarYear> {
    let first = LocalDate::new(year, 1, 1)
        .ok_or_else(|| ApiError::field("year", "年份无效 / invalid year"))?;
    let mut day = first;
    let (mut holidays, mut make_up, mut working) = (Vec::new(), Vec::new(), 0);
    while day.year == year {
        if cal.is_holiday(day) {
            holidays.push(day.to_string());
        }
        if cal.is_make_up_day(day) {
            make_up.push(day.to_string());
        }
        if cal.is_working_day(day) {
            working += 1;
        }
        day = day.next_day();
    }
    Ok(CalendarYear {
        year,
        holidays,
        make_up_days: make_up,
        working_days: working,
    })
}

/// The early-warning thresholds beside the map (clusters, spikes, repeated places, nearly due).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct WarningRulesView {
    pub cluster_min: i64,
    pub cluster_days: i64,
    pub spike_factor: f64,
    pub spike_min: i64,
    pub baseline_days: i64,
    pub place_min: i64,
    pub place_metres: f64,
    pub place_days: i64,
    pub due_soon_hours: i64,
}

impl From<WarningRules> for WarningRulesView {
    fn from(r: WarningRules) -> Self {
        WarningRulesView {
            cluster_min: r.cluster_min,
            cluster_days: r.cluster_days,
            spike_factor: r.spike_factor,
            spike_min: r.spike_min,
            baseline_days: r.baseline_days,
            place_min: r.place_min,
            place_metres: r.place_metres,
            place_days: r.place_days,
            due_soon_hours: r.due_soon_hours,
        }
    }
}

pub async fn revise_category(
    state: &AppState,
    ctx: &Context,
    code: String,
    updated: Category,
) -> ApiResult<RevisedCategory> {
    let actor = &ctx.actor;
    authorize(actor, Action::ManageCatalogue, Target::Platform)?;
    if updated.code != code {
        return Err(ApiError::field(
            "code",
            "请求体的 code 须与地址一致 / the body's code must match the path",
        ));
    }
    let (version, text, before) = {
        let mut catalogue = state.catalogue.write().expect("catalogue lock");
        let before = catalogue
            .category(&code)
            .cloned()
            .ok_or_else(ApiError::not_found)?;
        let mut draft = catalogue.clone();
        let version = draft.revise(updated.clone()).map_err(|e| {
            let message = e.to_string();
            if message.contains("version") || message.contains("版本") {
                ApiError::conflict(message)
            } else {
                ApiError::invalid(
                    message.clone(),
                    vec![FieldError::field("category", message)],
                )
            }
        })?;
        let text = serde_json::to_string(&draft).map_err(ApiError::internal)?;
        *catalogue = draft;
        (version, text, before)
    };
    state.store.set_setting(CATALOGUE_KEY, &text).await?;
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "case_category.revise", "case_category", code.clone())
            .before(serde_json::to_value(&before).ok())
            .after(serde_json::to_value(&updated).ok())
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(RevisedCategory { code, version })
}

pub async fn put_warning_rules(
    state: &AppState,
    ctx: &Context,
    v: WarningRulesView,
) -> ApiResult<WarningRulesView> {
    let actor = &ctx.actor;
    authorize(actor, Action::ManageCatalogue, Target::Platform)?;
    let rules = WarningRules {
        cluster_min: v.cluster_min,
        cluster_days: v.cluster_days,
        spike_factor: v.spike_factor,
        spike_min: v.spike_min,
        baseline_days: v.baseline_days,
        place_min: v.place_min,
        place_metres: v.place_metres,
        place_days: v.place_days,
        due_soon_hours: v.due_soon_hours,
    };
    rules
        .validate()
        .map_err(|(field, reason)| ApiError::field(field, reason))?;
    let text = serde_json::to_string(&rules).map_err(ApiError::internal)?;
    state
        .store
        .set_setting(super::patterns::WARNING_RULES_SETTING, &text)
        .await?;
    state.pattern_warnings.lock().expect("cache lock").clear();
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "warnings.rules", "settings", "warning_rules")
            .after(serde_json::from_str(&text).ok())
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(rules.into())
}
