//! The public portal's rendered pages, kept below the state that holds them.

use std::collections::HashMap;
use std::sync::RwLock;

impl PortalCache {
    /// Drops a community's rendered pages (every language) after a publication.
    pub fn invalidate(&self, community: &str) {
        let mut pages = self.pages.write().expect("portal cache lock");
        pages.retain(|key, _| !key.starts_with(community));
    }
}

/// Rendered public pages, per community and language, dropped when the community publishes.
#[derive(Default)]
pub struct PortalCache {
    pub(crate) pages: RwLock<HashMap<String, axum::body::Bytes>>,
}

impl PortalCache {
    pub fn get(&self, key: &str) -> Option<axum::body::Bytes> {
        self.pages
            .read()
            .expect("portal cache lock")
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: String, page: axum::body::Bytes) {
        self.pages
            .write()
            .expect("portal cache lock")
            .insert(key, page);
    }
}
