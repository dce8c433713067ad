use crate::territory::locator::Locator;
use std::sync::{Arc, RwLock};
use tongxin_core::cases::calendar::{Calendar, YearTable};
use tongxin_store::Store;

/// Settings the server needs; the CLI assembles them from file, environment and flags.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub session_ttl_ms: i64,
    /// Mark cookies `Secure` (behind HTTPS in production).
    pub secure_cookies: bool,
    /// Largest request body accepted (grid imports are the biggest).
    pub max_body_bytes: usize,
    /// Keys for personal data at rest. The CLI always sets the configured key; the default
    /// is a throwaway key for tests.
    pub protector: tongxin_store::protect::Protector,
    /// Where uploaded photos are kept (content-addressed).
    pub media_dir: std::path::PathBuf,
    /// An XYZ tile URL (e.g. the national Tianditu service) drawn under the map; none = no
    /// base map (the map still works).
    pub map_tiles: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            session_ttl_ms: 12 * 3600 * 1000,
            secure_cookies: false,
            max_body_bytes: 64 * 1024 * 1024,
            protector: tongxin_store::protect::Protector::ephemeral(),
            media_dir: std::env::temp_dir().join(format!("tongxin-media-{}", std::process::id())),
            map_tiles: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    locator: Arc<RwLock<Arc<Locator>>>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub login_throttle: Arc<crate::access::throttle::LoginThrottle>,
    /// The case categories and routing (seeded; admin editing comes with the case pages).
    pub catalogue: Arc<RwLock<tongxin_core::cases::catalogue::Catalogue>>,
    calendar: Arc<RwLock<Arc<Calendar>>>,
    /// The case writer (group commit of reports).
    pub intake: crate::cases::intake::Intake,
    /// Pattern warnings (clusters, spikes, repeated places) per scope, recomputed at most
    /// once a minute: they look at weeks of reports and change slowly.
    pub pattern_warnings: crate::cases::patterns::PatternCache,
    /// Registry counts per node for the territory pages, recomputed at most once a minute.
    pub people_counts: crate::people::counts::CountsCache,
    /// Indicator page views longer than a month, recomputed at most once a minute.
    pub indicator_views: crate::cases::indicator_views::ViewCache,
    /// The public disclosure portal's rendered pages, dropped on publication.
    pub disclosure_portal: Arc<crate::disclosure::portal_cache::PortalCache>,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig, locator: Locator) -> Self {
        let intake = crate::cases::intake::Intake::start(store.clone());
        crate::webhooks::start(store.clone(), config.protector.clone());
        AppState {
            store,
            config: Arc::new(config),
            locator: Arc::new(RwLock::new(Arc::new(locator))),
            metrics: crate::ops::recorder::metrics_handle(),
            login_throttle: Arc::default(),
            catalogue: Arc::new(RwLock::new(
                tongxin_core::cases::catalogue::Catalogue::seed(),
            )),
            calendar: Arc::new(RwLock::new(Arc::new(Calendar::builtin()))),
            pattern_warnings: Default::default(),
            people_counts: Default::default(),
            indicator_views: Default::default(),
            disclosure_portal: Default::default(),
            intake,
        }
    }

    /// The current point → grid index; readers never wait for a rebuild.
    pub fn locator(&self) -> Arc<Locator> {
        self.locator.read().expect("locator lock").clone()
    }

    /// The working calendar deadlines are counted on.
    pub fn working_calendar(&self) -> Arc<Calendar> {
        self.calendar.read().expect("calendar lock").clone()
    }

    /// Applies a city's own holiday table for its year over the current calendar.
    pub fn apply_calendar_table(&self, table: &YearTable) {
        let mut guard = self.calendar.write().expect("calendar lock");
        let next = (**guard).clone().with_table(table);
        *guard = Arc::new(next);
    }

    pub fn replace_locator(&self, locator: Locator) {
        *self.locator.write().expect("locator lock") = Arc::new(locator);
    }
}
