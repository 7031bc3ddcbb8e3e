//! The watch caches: one reflector store per resource kind, the same whether a watcher or the
//! demo loader fills it, so the UI has one code path. Each cache also knows how it is doing
//! (syncing, synced, the CRD is not installed, RBAC forbids it, the API is unreachable), which
//! the pages show instead of crashing or going blank.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use frontend::model::{Freshness, SourceProblem};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::{CSINode, StorageClass};
use kube::runtime::reflector::{store::Writer, Store};
use kube::runtime::watcher;
use kube::Resource;
use tokio::sync::watch;

use super::crds::{
    Backup, BackupStorageLocation, Gateway, HTTPRoute, HelmRelease, Kustomization, LonghornNode,
    Restore, Schedule, Volume,
};

/// Unix seconds now.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// How a cache's source is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceState {
    /// The initial list has not completed yet.
    Syncing,
    /// Synced and watching.
    Live,
    /// The API has no such resource: its CRD is not installed.
    NotInstalled,
    /// RBAC forbids listing or watching it.
    Forbidden,
    /// The watch broke (API unreachable); the cache keeps the last state it saw.
    Disconnected { since: i64, reason: String },
}

/// What every cache tells when it changes, shared by all of them.
struct Changes {
    /// A new number after every change: what the publisher and the recorders wait on.
    counter: watch::Sender<u64>,
    /// Unix seconds of the last change of any cache.
    last_change: AtomicI64,
    /// When the oldest change not yet published arrived (the publication delay's start).
    unpublished_since: Mutex<Option<tokio::time::Instant>>,
}

impl Changes {
    fn note(&self) {
        self.unpublished_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(tokio::time::Instant::now);
        self.counter.send_modify(|v| *v += 1);
    }
}

/// The store of one resource kind, the writer that fills it, and how its source is doing.
pub struct Cache<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    reader: Store<K>,
    writer: Mutex<Writer<K>>,
    state: RwLock<SourceState>,
    changes: Arc<Changes>,
    /// Unix seconds of this cache's own last change (the shared one is any cache's).
    own_last_change: AtomicI64,
    /// An initial list has completed at least once: what it holds came from the API server.
    listed_once: std::sync::atomic::AtomicBool,
}

/// One cache at a glance, for `/metrics`.
#[derive(Clone, Debug)]
pub struct CacheSummary {
    /// The API resource, `plural.group` (`deployments.apps`, `nodes`, `nodes.longhorn.io`).
    pub resource: String,
    pub source: SourceState,
    pub objects: usize,
    /// Unix seconds of the last list or change applied; 0 before the first.
    pub last_change: i64,
}

impl<K> Cache<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    fn new(changes: Arc<Changes>) -> Self {
        let writer = Writer::default();
        Self {
            reader: writer.as_reader(),
            writer: Mutex::new(writer),
            state: RwLock::new(SourceState::Syncing),
            changes,
            own_last_change: AtomicI64::new(0),
            listed_once: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Listed at least once, or known not to be listable (no CRD, no permission): a cluster
    /// unreachable from the start is not synced, however its watches failed.
    pub fn ready(&self) -> bool {
        self.listed_once.load(Ordering::Relaxed)
            || matches!(
                self.source(),
                SourceState::NotInstalled | SourceState::Forbidden
            )
    }

    /// Every object currently known, in no particular order.
    pub fn state(&self) -> Vec<Arc<K>> {
        self.reader.state()
    }

    /// Applies one watcher event (initial list, change or deletion), its object slimmed to what
    /// the views read ([`super::slim`]), and tells subscribers.
    pub fn apply(&self, mut event: watcher::Event<K>) {
        if let watcher::Event::Apply(o) | watcher::Event::Delete(o) | watcher::Event::InitApply(o) =
            &mut event
        {
            super::slim::slim(o);
        }
        {
            // A poisoned lock only means another thread panicked mid-apply; the store itself
            // is still consistent, so keep serving it.
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            writer.apply_watcher_event(&event);
        }
        match event {
            watcher::Event::InitDone => {
                self.listed_once.store(true, Ordering::Relaxed);
                self.set_source(SourceState::Live);
            }
            watcher::Event::Apply(_) | watcher::Event::Delete(_) => {
                // A successful event after a broken watch means the source is back.
                if !matches!(self.source(), SourceState::Live) {
                    self.set_source(SourceState::Live);
                }
            }
            watcher::Event::Init | watcher::Event::InitApply(_) => return,
        }
        let at = now();
        self.changes.last_change.store(at, Ordering::Relaxed);
        self.own_last_change.store(at, Ordering::Relaxed);
        self.changes.note();
    }

    /// Replaces the whole content, as an initial list does.
    pub fn replace(&self, objects: Vec<K>) {
        self.apply(watcher::Event::Init);
        for object in objects {
            self.apply(watcher::Event::InitApply(object));
        }
        self.apply(watcher::Event::InitDone);
    }

    pub fn source(&self) -> SourceState {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_source(&self, state: SourceState) {
        let mut current = self.state.write().unwrap_or_else(|e| e.into_inner());
        // Keep the time the source first broke, not the time of the latest retry.
        if let (SourceState::Disconnected { since, .. }, SourceState::Disconnected { reason, .. }) =
            (&*current, &state)
        {
            *current = SourceState::Disconnected {
                since: *since,
                reason: reason.clone(),
            };
        } else {
            *current = state;
        }
        drop(current);
        self.changes.note();
    }

    /// The API resource as RBAC and kubectl name it: `plural.group`, or `plural` in the core group.
    pub fn resource() -> String {
        match K::group(&()).as_ref() {
            "" => K::plural(&()).to_string(),
            group => format!("{}.{group}", K::plural(&())),
        }
    }

    pub fn summary(&self) -> CacheSummary {
        CacheSummary {
            resource: Self::resource(),
            source: self.source(),
            objects: self.reader.state().len(),
            last_change: self.own_last_change.load(Ordering::Relaxed),
        }
    }

    /// The problem a panel built on this cache must show, if any.
    pub fn problem(&self) -> Option<SourceProblem> {
        let resource = Self::resource();
        let kind = match K::group(&()).as_ref() {
            // Longhorn's Node has the core Node's kind: qualify it so panels can tell them apart.
            group if !group.is_empty() && CORE_KINDS.contains(&K::kind(&()).as_ref()) => {
                format!("{}.{group}", K::kind(&()))
            }
            _ => K::kind(&()).to_string(),
        };
        match self.source() {
            SourceState::Live | SourceState::Syncing => None,
            SourceState::NotInstalled => Some(SourceProblem::NotInstalled { kind, resource }),
            SourceState::Forbidden => Some(SourceProblem::Forbidden {
                kind,
                permission: format!("list and watch on {resource}"),
            }),
            SourceState::Disconnected { since, reason } => Some(SourceProblem::Stale {
                kind,
                since,
                reason,
            }),
        }
    }
}

/// Kinds of the core API the caches hold; a custom resource of the same kind is named with its
/// group in [`SourceProblem`]s (`Node.longhorn.io`).
const CORE_KINDS: &[&str] = &[
    "Node",
    "Pod",
    "Event",
    "PersistentVolume",
    "PersistentVolumeClaim",
];

/// Declares the caches once: the struct fields, their construction, and a list of every cache's
/// problem for the freshness banner.
macro_rules! caches {
    ([$($field:ident: $kind:ty),* $(,)?]) => {
        /// All watch caches of the server, shared by every request.
        pub struct ClusterCache {
            $(pub $field: Cache<$kind>,)*
            changes: Arc<Changes>,
            demo: std::sync::atomic::AtomicBool,
            time_zone: RwLock<jiff::tz::TimeZone>,
            /// Alertmanager's alerts, kept here so views read them from the same snapshot.
            alerts: RwLock<Arc<frontend::model::alerts::AlertsView>>,
            /// The routes' outside-in checks, likewise.
            route_checks: RwLock<Arc<frontend::model::checks::RouteChecksView>>,
            /// The restore drills as recorded, kept here so views read them from the same
            /// snapshot (coverage is computed from them and the schedules).
            drills: RwLock<Arc<frontend::model::drills::DrillsView>>,
        }

        impl ClusterCache {
            pub fn new() -> Arc<Self> {
                let changes = Arc::new(Changes {
                    counter: watch::channel(0).0,
                    last_change: AtomicI64::new(0),
                    unpublished_since: Mutex::new(None),
                });
                Arc::new(Self {
                    $($field: Cache::new(changes.clone()),)*
                    changes,
                    demo: std::sync::atomic::AtomicBool::new(false),
                    time_zone: RwLock::new(jiff::tz::TimeZone::UTC),
                    alerts: RwLock::default(),
                    route_checks: RwLock::default(),
                    drills: RwLock::default(),
                })
            }

            /// The problems of every cache, for banners.
            pub fn problems(&self) -> Vec<SourceProblem> {
                let mut out = Vec::new();
                $(if let Some(p) = self.$field.problem() { out.push(p); })*
                out
            }

            /// Every cache at a glance, in the order of the one list.
            pub fn summaries(&self) -> Vec<CacheSummary> {
                vec![$(self.$field.summary(),)*]
            }

            /// Every cache has completed its initial list at least once (or knows it cannot:
            /// no CRD, no permission). `/readyz` waits for this.
            pub fn is_synced(&self) -> bool {
                true $(&& self.$field.ready())*
            }
        }
    };
}

/// The one list of cached kinds. `with_cache_fields!(callback!(args...))` calls
/// `callback!(args... [field: Kind, ...])`, so the demo loader and the live watchers walk the
/// same list as the struct declares.
macro_rules! with_cache_fields {
    ($callback:ident ! ( $($args:tt)* )) => {
        $callback! { $($args)* [
            nodes: Node,
            pods: Pod,
            deployments: Deployment,
            statefulsets: StatefulSet,
            daemonsets: DaemonSet,
            pvs: PersistentVolume,
            pvcs: PersistentVolumeClaim,
            storage_classes: StorageClass,
            csi_nodes: CSINode,
            events: Event,
            http_routes: HTTPRoute,
            gateways: Gateway,
            backups: Backup,
            schedules: Schedule,
            storage_locations: BackupStorageLocation,
            restores: Restore,
            longhorn_volumes: Volume,
            longhorn_nodes: LonghornNode,
            kustomizations: Kustomization,
            helm_releases: HelmRelease,
        ] }
    };
}
pub(crate) use with_cache_fields;

with_cache_fields!(caches!());

impl ClusterCache {
    /// A receiver that sees a new number after every change to any cache.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.counter.subscribe()
    }

    /// When the oldest change not yet in published views arrived, forgotten as it is read: the
    /// publisher takes it just before it reads the caches, so what arrives after waits for the
    /// next publication and is timed from its own arrival.
    pub fn take_unpublished_since(&self) -> Option<tokio::time::Instant> {
        self.changes
            .unpublished_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Replaces the alerts; the views are computed again when what they show changed (a read
    /// that only moves the time of the last read waits for the next publication).
    pub fn set_alerts(&self, alerts: frontend::model::alerts::AlertsView) {
        use frontend::model::alerts::AlertSource;
        let mut slot = self.alerts.write().unwrap_or_else(|e| e.into_inner());
        let same_state = |a: &AlertSource, b: &AlertSource| match (a, b) {
            (AlertSource::Live { .. }, AlertSource::Live { .. }) => true,
            _ => a == b,
        };
        let changed = slot.alerts != alerts.alerts
            || slot.silences != alerts.silences
            || !same_state(&slot.source, &alerts.source);
        *slot = Arc::new(alerts);
        drop(slot);
        if changed {
            self.changes.note();
        }
    }

    /// The alerts as last read.
    pub fn alerts(&self) -> Arc<frontend::model::alerts::AlertsView> {
        self.alerts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the route checks; the views are computed again (a round changes latencies).
    pub fn set_route_checks(&self, checks: frontend::model::checks::RouteChecksView) {
        *self.route_checks.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(checks);
        self.changes.note();
    }

    /// Replaces the drills (their `recent` and `max_age_days`; the coverage is the views').
    pub fn set_drills(&self, drills: frontend::model::drills::DrillsView) {
        let mut slot = self.drills.write().unwrap_or_else(|e| e.into_inner());
        let changed = **slot != drills;
        *slot = Arc::new(drills);
        drop(slot);
        if changed {
            self.changes.note();
        }
    }

    /// The drills as last recorded.
    pub fn drills(&self) -> Arc<frontend::model::drills::DrillsView> {
        self.drills
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The route checks of the last round.
    pub fn route_checks(&self) -> Arc<frontend::model::checks::RouteChecksView> {
        self.route_checks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_demo(&self, demo: bool) {
        self.demo.store(demo, Ordering::Relaxed);
    }

    /// Filled from the embedded demo homelab rather than a cluster.
    pub fn is_demo(&self) -> bool {
        self.demo.load(Ordering::Relaxed)
    }

    /// The time zone cron schedules run in (`cluster.timezone`); UTC until set.
    pub fn set_time_zone(&self, tz: jiff::tz::TimeZone) {
        *self.time_zone.write().unwrap_or_else(|e| e.into_inner()) = tz;
    }

    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        self.time_zone
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn freshness(&self) -> Freshness {
        let stale_since = self
            .problems()
            .iter()
            .filter_map(|p| match p {
                SourceProblem::Stale { since, .. } => Some(*since),
                _ => None,
            })
            .min();
        Freshness {
            as_of: self.changes.last_change.load(Ordering::Relaxed),
            mode: if self.demo.load(Ordering::Relaxed) {
                "demo"
            } else {
                "live"
            }
            .into(),
            stale_since,
        }
    }
}
