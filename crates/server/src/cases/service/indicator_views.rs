//! The figures of the indicators page for a scope and a number of days — the totals, the
//! daily trend, the children's on-time rates and the category mix — read once a minute at most
//! for views longer than a month.

use crate::error::ApiResult;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tongxin_core::cases::indicators::{Counts, china_day, day_start};
use tongxin_store::Store;
use tongxin_store::cases::indicators::{self as store, Breakdown};

/// What the page shows, computed once a minute at most for views longer than a month (a
/// year of a district reads thousands of rollup rows; a month is always live).
pub struct IndicatorView {
    pub figures: store::Indicators,
    pub trend: Vec<(i64, Counts)>,
    pub children: Vec<(String, Counts)>,
    pub mix: Vec<(String, i64)>,
}

pub type ViewCache = Arc<Mutex<HashMap<String, (Instant, Arc<IndicatorView>)>>>;

pub async fn indicator_view(
    db: &Store,
    cache: &ViewCache,
    prefixes: &[String],
    days: i64,
    now: i64,
) -> ApiResult<Arc<IndicatorView>> {
    let to_day = china_day(now) + 1;
    let key = format!("{}|{days}|{to_day}", prefixes.join(","));
    if days > 31
        && let Some((at, data)) = cache.lock().expect("cache lock").get(&key)
        && at.elapsed() < Duration::from_secs(60)
    {
        return Ok(data.clone());
    }
    let (from, to) = (day_start(to_day - days), day_start(to_day));
    let grid = store::grid_page(db, prefixes, to_day - days, to_day, now).await?;
    let (figures, trend, grid_mix) = match grid {
        Some((figures, trend, mix)) => (figures, trend, Some(mix)),
        None => (
            store::indicators(db, prefixes, from, to, now).await?,
            store::daily(db, prefixes, to_day - days, to_day).await?,
            None,
        ),
    };
    let prefix = prefixes[0].clone();
    let child_len = match prefix.len() {
        0..=4 => 6,
        5..=6 => 9,
        _ => 12,
    };
    let children = if prefix.len() < 12 {
        store::by_child(db, &prefix, child_len, to_day - days, to_day).await?
    } else {
        Vec::new()
    };
    let mut mix = if let Some(rows) = grid_mix {
        rows.into_iter()
            .map(|r| (r.key.unwrap_or_default(), r.counts.reported))
            .collect()
    } else if prefixes.iter().all(|p| p.len() <= 6) {
        store::category_mix(db, prefixes, to_day - days, to_day).await?
    } else {
        store::breakdown(db, prefixes, from, to, Breakdown::Category)
            .await?
            .into_iter()
            .map(|r| (r.key.unwrap_or_default(), r.counts.reported))
            .collect()
    };
    mix.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    mix.truncate(10);
    let data = Arc::new(IndicatorView {
        figures,
        trend,
        children,
        mix,
    });
    if days > 31 {
        cache
            .lock()
            .expect("cache lock")
            .insert(key, (Instant::now(), data.clone()));
    }
    Ok(data)
}
