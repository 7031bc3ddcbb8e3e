//! The state every handler can reach. Handlers extract only the part they need.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use crate::auth::oidc::Oidc;
use crate::cluster::ClusterView;
use crate::config::Config;
use crate::history::StatusHistory;
use crate::metrics::Metrics;

#[derive(Clone, FromRef)]
pub struct AppState {
    /// The validated configuration; its Debug redacts secrets.
    pub config: Arc<Config>,
    /// The one SQLite pool of the process.
    pub db: SqlitePool,
    /// The connection actions are sent over; None in demo mode (there is no cluster to change).
    pub kube: Option<crate::actions::Connection>,
    /// The watch caches pages are rendered from.
    pub cluster: Arc<ClusterView>,
    /// Each service's recorded status history.
    pub history: Arc<StatusHistory>,
    /// Notices and maintenance windows for the Status page.
    pub notices: Arc<crate::notices::Notices>,
    /// Messages about changes, and their deliveries.
    pub notifier: Arc<crate::notify::Notifier>,
    /// Where cargo-leptos put the site, and the names of its hashed files.
    pub leptos: LeptosOptions,
    /// The OIDC provider as discovered at start-up; None without `[oidc]` (the plain demo).
    pub oidc: Option<Arc<Oidc>>,
    /// Counters and histograms for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Given at SIGTERM: open streams end, `/readyz` turns 503.
    pub shutdown: crate::http::shutdown::Shutdown,
    /// Permits for live streams without sign-in (`server.public_streams`).
    pub public_streams: Arc<tokio::sync::Semaphore>,
    /// Logs followed at once (`http::log_follow`), each holding a stream to the API server.
    #[from_ref(skip)]
    pub log_follows: Arc<tokio::sync::Semaphore>,
    /// Sessions: in memory, kept in SQLite.
    pub sessions: crate::auth::sessions::Sessions,
    /// The pages rendered from the current views.
    pub pages: Arc<crate::http::page_cache::PageCache>,
}
