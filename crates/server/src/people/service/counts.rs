//! The registry's counts of a node (residents, households, organisations, party
//! organisations and members) for the territory pages; a city-wide count reads every
//! resident, so a node's counts are kept a minute.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tongxin_store::{StoreError, people};

pub type CountsCache = Arc<Mutex<HashMap<String, (Instant, people::PeopleCounts)>>>;

/// Registry counts change slowly; a city-wide count reads every resident, so keep it a minute.
pub async fn registry_counts(
    store: &tongxin_store::Store,
    cache: &CountsCache,
    prefix: &str,
) -> Result<people::PeopleCounts, StoreError> {
    if let Some((at, c)) = cache.lock().expect("cache lock").get(prefix)
        && at.elapsed() < Duration::from_secs(60)
    {
        return Ok(c.clone());
    }
    let counts = people::counts(store, prefix).await?;
    cache
        .lock()
        .expect("cache lock")
        .insert(prefix.to_string(), (Instant::now(), counts.clone()));
    Ok(counts)
}
