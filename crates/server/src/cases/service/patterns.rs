//! Patterns in the reports that warn before any deadline does: clusters of one category in one
//! grid, spikes of a category over its baseline, and places reports keep coming from — under
//! the city's warning rules, computed for a scope at most once a minute.

use crate::territory::locator::Locator;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tongxin_core::cases::indicators::china_day;
use tongxin_core::cases::warnings::WarningRules;
use tongxin_store::Store;
use tongxin_store::cases::{self, CaseRow};
use tongxin_store::now_millis;

/// A place reports keep coming from, named as people know it (never by its coordinates).
#[derive(Debug, Clone)]
pub struct RepeatedPlace {
    /// The grid's name, then the address of the newest report there when it has one; empty
    /// when that report could not be found.
    pub name: String,
    pub reports: i64,
    pub newest: i64,
}

/// Clusters, spikes and repeated places of one scope, computed at one time.
#[derive(Debug, Clone, Default)]
pub struct PatternWarnings {
    pub rules: WarningRules,
    pub clusters: Vec<(String, String, i64)>,
    /// (category, today's reports, baseline mean per day)
    pub spikes: Vec<(String, i64, f64)>,
    pub places: Vec<RepeatedPlace>,
    /// What could not be read: (Chinese, English, the error). Shown in the panel; a result
    /// with errors is not kept.
    pub errors: Vec<(&'static str, &'static str, String)>,
}

pub type PatternCache = Arc<Mutex<HashMap<String, (Instant, Arc<PatternWarnings>)>>>;

pub(crate) const PATTERN_TTL: Duration = Duration::from_secs(60);
pub const WARNING_RULES_SETTING: &str = "warning_rules";

/// The city's warning rules (defaults until an administrator sets them).
pub async fn warning_rules(store: &Store) -> WarningRules {
    store
        .setting(WARNING_RULES_SETTING)
        .await
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// How a place is named: its grid, then the address of the newest report from it.
pub(crate) fn place_name(locator: &Locator, case: &CaseRow) -> String {
    let grid = locator
        .path(&case.grid_code)
        .last()
        .map(|n| n.name.clone())
        .unwrap_or_else(|| case.grid_code.clone());
    let address = case.address.trim();
    if address.is_empty() {
        grid
    } else {
        format!("{grid} · {address}")
    }
}

/// The warnings of a scope, from the cache when computed less than a minute ago.
pub async fn pattern_warnings(
    store: &Store,
    locator: &Locator,
    cache: &PatternCache,
    prefixes: &[String],
) -> Arc<PatternWarnings> {
    let key = prefixes.join(",");
    if let Some((at, data)) = cache.lock().expect("cache lock").get(&key)
        && at.elapsed() < PATTERN_TTL
    {
        return data.clone();
    }
    let rules = warning_rules(store).await;
    let now = now_millis();
    let day = 86_400_000;
    let mut errors = Vec::new();
    let clusters = cases::clusters(
        store,
        prefixes,
        now - rules.cluster_days * day,
        rules.cluster_min,
    )
    .await
    .unwrap_or_else(|e| {
        errors.push((
            "聚集未能计算：",
            "Clusters could not be computed: ",
            e.to_string(),
        ));
        Vec::new()
    });
    let today = china_day(now);
    let mut per_category: HashMap<String, (i64, i64)> = HashMap::new();
    if prefixes.iter().all(|p| p.len() <= 6) {
        let reported = tongxin_store::cases::indicators::reported_by_category(
            store,
            prefixes,
            today - rules.baseline_days,
            today + 1,
        )
        .await
        .unwrap_or_else(|e| {
            errors.push((
                "突增未能计算：",
                "Spikes could not be computed: ",
                e.to_string(),
            ));
            Vec::new()
        });
        for (category, d, n) in reported {
            let e = per_category.entry(category).or_default();
            if d == today {
                e.0 += n;
            } else {
                e.1 += n;
            }
        }
    }
    let mut spikes: Vec<(String, i64, f64)> = per_category
        .into_iter()
        .filter(|(_, (t, base))| rules.is_spike(*t, *base))
        .map(|(c, (t, base))| (c, t, base as f64 / rules.baseline_days as f64))
        .collect();
    spikes.sort_by_key(|s| std::cmp::Reverse(s.1));
    let cells = cases::repeated_places(
        store,
        prefixes,
        now - rules.place_days * day,
        rules.place_cell_degrees(),
        rules.place_min,
    )
    .await
    .unwrap_or_else(|e| {
        errors.push((
            "同一地点反复上报未能计算：",
            "Repeated places could not be computed: ",
            e.to_string(),
        ));
        Vec::new()
    });
    let newest: Vec<i64> = cells.iter().map(|c| c.3).collect();
    let named: HashMap<i64, String> = cases::cases_by_ids(store, &newest)
        .await
        .unwrap_or_else(|e| {
            errors.push((
                "地点名称未能读取：",
                "The places' names could not be read: ",
                e.to_string(),
            ));
            Vec::new()
        })
        .iter()
        .map(|c| (c.id, place_name(locator, c)))
        .collect();
    let places = cells
        .into_iter()
        .map(|(_, _, reports, newest)| RepeatedPlace {
            name: named.get(&newest).cloned().unwrap_or_default(),
            reports,
            newest,
        })
        .collect();
    let data = Arc::new(PatternWarnings {
        rules,
        clusters,
        spikes,
        places,
        errors,
    });
    if data.errors.is_empty() {
        cache
            .lock()
            .expect("cache lock")
            .insert(key, (Instant::now(), data.clone()));
    }
    data
}
