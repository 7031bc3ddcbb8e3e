//! The one path of every page's data: the watch caches ([`super::cache`]) → one snapshot of
//! them ([`views::Snapshot`]) → the pure views ([`views`]) → [`Views`], every view computed
//! from that one snapshot and published as an immutable, versioned whole. Pages, the live
//! stream, `/api/v1/status`, the access policy and the status history read the latest
//! [`Views`]; nothing per request walks the caches.
//!
//! A burst of cache changes (an initial list, a rollout, a node going away) is computed once:
//! the publisher waits [`COALESCE`] after the first change and takes everything that arrived
//! meanwhile. Outside the demo (whose clock is frozen) it also recomputes every [`TICK`], as the
//! ages the views carry move on with time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use frontend::model::{
    Audience, BackupProgressUpdate, BackupsView, Freshness, GitOpsView, HealthSummary, LiveUpdate,
    NodeSummary, Role, ServiceEntry, SourceProblem, StorageView, Topology,
};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use tokio::sync::watch;

use super::views::{drills, gitops, health, nodes, services, storage, topology, Snapshot};
use super::ClusterCache;
use crate::config::TopologyConfig;
use frontend::components::live_region::{LivePanel, PODS};

/// Changes closer together than this are computed as one.
pub const COALESCE: Duration = Duration::from_millis(100);
/// How often the views are recomputed without a change, so ages stay true.
pub const TICK: Duration = Duration::from_secs(30);

/// Every view, computed from one snapshot of the caches.
pub struct Views {
    /// Counts publications: a page rendered from version `v` is current while this is `v`.
    pub version: u64,
    /// Every cache had listed its kind (or knew it could not) when these were computed:
    /// `/readyz` waits for the first such publication.
    pub synced: bool,
    /// What the views were computed from, for the pages computed on demand (a service's or a
    /// node's detail).
    pub snapshot: Snapshot,
    pub freshness: Freshness,
    pub problems: Vec<SourceProblem>,
    pub nodes: Vec<NodeSummary>,
    pub health: HealthSummary,
    pub services: Vec<ServiceEntry>,
    pub topology: Topology,
    pub backups: BackupsView,
    pub storage: StorageView,
    pub gitops: GitOpsView,
    /// Changes whenever a pod does: the version of the pod tables' live panel.
    pub pods_version: u64,
    /// The live stream's update, per role, made on first use: every tab shares it.
    live: [OnceLock<LiveUpdate>; 2],
}

impl Views {
    /// Runs every view over one snapshot of `cache`.
    pub fn compute(cache: &ClusterCache, hosts: &TopologyConfig, version: u64) -> Self {
        // Synced is read before the snapshot: a cache that syncs in between is in the snapshot
        // anyway, and the next publication says so.
        let synced = cache.is_synced();
        let snapshot = cache.snapshot();
        let health = health::summary(&snapshot);
        Views {
            version,
            synced,
            freshness: cache.freshness(),
            problems: cache.problems(),
            nodes: nodes::summaries(&snapshot.nodes),
            backups: drills::backups_page(&snapshot, &health),
            health,
            services: services::catalog(&snapshot),
            topology: topology::topology(&snapshot, hosts),
            storage: storage::view(&snapshot),
            gitops: gitops::view(&snapshot),
            pods_version: pods_version(&snapshot),
            snapshot,
            live: Default::default(),
        }
    }

    /// Whether `namespace/name` is a service family members may see.
    pub fn is_family_service(&self, id: &str) -> bool {
        self.services
            .iter()
            .any(|s| s.id == id && s.audience == Audience::Family)
    }

    /// What the live stream sends a person with `role`.
    pub fn live_update(&self, role: Role) -> &LiveUpdate {
        let slot = match role {
            Role::Admin => &self.live[0],
            Role::Viewer => &self.live[1],
        };
        slot.get_or_init(|| self.make_live_update(role))
    }

    fn make_live_update(&self, role: Role) -> LiveUpdate {
        let admin = role == Role::Admin;
        let services = self
            .services
            .iter()
            .filter(|s| admin || s.audience == Audience::Family)
            .map(|s| (s.id.clone(), s.status))
            .collect();
        let panels = if admin {
            vec![
                panel(&self.backups),
                panel(&self.storage),
                panel(&self.gitops),
                panel(&self.topology),
                (PODS.to_string(), self.pods_version),
            ]
        } else {
            Vec::new()
        };
        LiveUpdate {
            as_of: self.freshness.as_of,
            stale_since: self.freshness.stale_since,
            health: admin.then_some(self.health.level),
            services,
            backups: if admin {
                running_backups(&self.snapshot)
            } else {
                Vec::new()
            },
            panels,
        }
    }
}

fn panel<P: LivePanel>(view: &P) -> (String, u64) {
    (P::KEY.to_string(), view.version())
}

/// A hash of every pod's name and resource version (53 bits, like the panels'): any pod
/// created, changed or gone makes a new one, at the cost of one pass over the pods. The pods'
/// hashes are summed, so the order a cache lists them in does not matter.
fn pods_version(snapshot: &Snapshot) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let build = BuildHasherDefault::<DefaultHasher>::default();
    let sum = snapshot.pods.iter().fold(0u64, |sum, pod| {
        let meta = &pod.metadata;
        sum.wrapping_add(build.hash_one((&meta.namespace, &meta.name, &meta.resource_version)))
    });
    sum >> 11
}

/// Backups Velero has not finished, with their progress (items backed up of total items).
fn running_backups(snapshot: &Snapshot) -> Vec<BackupProgressUpdate> {
    const FINISHED: &[&str] = &[
        "Completed",
        "PartiallyFailed",
        "Failed",
        "FailedValidation",
        "Deleting",
    ];
    snapshot
        .backups
        .iter()
        .filter_map(|b| {
            let status = b.status.as_ref()?;
            let phase = status.phase.clone().unwrap_or_else(|| "New".into());
            if FINISHED.contains(&phase.as_str()) {
                return None;
            }
            let progress = status.progress.as_ref();
            Some(BackupProgressUpdate {
                id: super::views::key(&b.metadata),
                phase,
                done: progress.and_then(|p| p.items_backed_up).unwrap_or(0).max(0) as u64,
                total: progress.and_then(|p| p.total_items).unwrap_or(0).max(0) as u64,
            })
        })
        .collect()
}

/// Computes [`Views`] from the caches and hands out the latest.
pub struct Publisher {
    cache: Arc<ClusterCache>,
    hosts: TopologyConfig,
    latest: watch::Sender<Arc<Views>>,
    /// How many times the views were computed (what the coalescing saves is visible here).
    computed: AtomicU64,
    /// Seconds from a change's arrival to the publication that holds it (`/metrics`).
    delay: Histogram,
}

/// 100 ms (the coalescing window) to about 2.5 s.
fn delay_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.1, 1.25, 15))
}

impl Publisher {
    /// A publisher with the views of the caches as they are now as version 1.
    pub fn new(cache: Arc<ClusterCache>, hosts: TopologyConfig) -> Arc<Self> {
        let first = Views::compute(&cache, &hosts, 1);
        Arc::new(Publisher {
            cache,
            hosts,
            latest: watch::channel(Arc::new(first)).0,
            computed: AtomicU64::new(1),
            delay: delay_histogram(),
        })
    }

    pub fn cache(&self) -> &Arc<ClusterCache> {
        &self.cache
    }

    /// The latest views.
    pub fn current(&self) -> Arc<Views> {
        self.latest.borrow().clone()
    }

    /// A receiver that sees every publication.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Views>> {
        self.latest.subscribe()
    }

    /// How many times the views were computed since start.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// From a change's arrival in a cache to the publication holding it, in seconds; shared
    /// with the registry of `/metrics`.
    pub fn delay(&self) -> &Histogram {
        &self.delay
    }

    /// Computes the views now and publishes them as the next version.
    pub fn publish(&self) {
        let version = self.latest.borrow().version + 1;
        let since = self.cache.take_unpublished_since();
        let views = Views::compute(&self.cache, &self.hosts, version);
        self.computed.fetch_add(1, Ordering::Relaxed);
        self.latest.send_replace(Arc::new(views));
        if let Some(since) = since {
            self.delay.observe(since.elapsed().as_secs_f64());
        }
    }

    /// Publishes after every burst of changes, and every [`TICK`] outside the demo, until the
    /// caches are dropped.
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let publisher = self.clone();
        tokio::spawn(async move {
            let mut changes = publisher.cache.subscribe();
            // Whatever happened before this task ran is not in version 1 for sure.
            changes.mark_changed();
            loop {
                let tick = async {
                    if publisher.cache.is_demo() {
                        std::future::pending::<()>().await
                    } else {
                        tokio::time::sleep(TICK).await
                    }
                };
                tokio::select! {
                    changed = changes.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        tokio::time::sleep(COALESCE).await;
                        changes.mark_unchanged();
                    }
                    () = tick => {}
                }
                publisher.publish();
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::demo;
    use k8s_openapi::api::core::v1::Pod;
    use kube::runtime::watcher;

    fn pod(name: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "media", "labels": {"app": "plex"}},
            "status": {"phase": "Running"}
        }))
        .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_changes_is_computed_once_and_published_as_one_version() {
        let cache = ClusterCache::new();
        demo::load(&cache).unwrap();
        let publisher = Publisher::new(cache.clone(), TopologyConfig::default());
        let task = publisher.spawn();
        // The first run publishes what arrived before it started.
        tokio::time::sleep(COALESCE * 2).await;
        let before = (publisher.computed(), publisher.current().version);

        // A burst: 20 changes over 40 ms, the publisher free to run between any two of them.
        for i in 0..20 {
            cache
                .pods
                .apply(watcher::Event::Apply(pod(&format!("burst-{i}"))));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(COALESCE * 3).await;
        let after = (publisher.computed(), publisher.current().version);
        assert_eq!(
            after,
            (before.0 + 1, before.1 + 1),
            "one computation for 20 changes"
        );
        assert_eq!(
            publisher.current().snapshot.pods.len(),
            cache.pods.state().len()
        );

        // Nothing changes, and the demo's clock is frozen: nothing is computed.
        tokio::time::sleep(TICK * 3).await;
        assert_eq!((publisher.computed(), publisher.current().version), after);
        task.abort();
    }

    /// The delay histogram's count and sum, as `/metrics` shows them.
    fn delays(publisher: &Publisher) -> (u64, f64) {
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register("d", "", publisher.delay().clone());
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        let value = |name: &str| {
            let line = text.lines().find(|l| l.starts_with(name)).unwrap();
            line.rsplit(' ').next().unwrap().parse::<f64>().unwrap()
        };
        (value("d_count") as u64, value("d_sum"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_publication_is_timed_from_the_oldest_change_it_holds() {
        let cache = ClusterCache::new();
        let publisher = Publisher::new(cache.clone(), TopologyConfig::default());
        publisher.publish();
        assert_eq!(delays(&publisher).0, 0, "nothing changed, nothing timed");
        cache.pods.apply(watcher::Event::Apply(pod("first")));
        tokio::time::advance(Duration::from_millis(200)).await;
        cache.pods.apply(watcher::Event::Apply(pod("second")));
        tokio::time::advance(Duration::from_millis(100)).await;
        publisher.publish();
        let (count, sum) = delays(&publisher);
        assert_eq!(count, 1);
        assert!(
            (sum - 0.3).abs() < 1e-6,
            "timed from the first change: {sum}"
        );
        publisher.publish();
        assert_eq!(
            delays(&publisher).0,
            1,
            "a publication without a change is not timed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn outside_the_demo_the_views_are_recomputed_as_time_passes() {
        let cache = ClusterCache::new();
        let publisher = Publisher::new(cache.clone(), TopologyConfig::default());
        let task = publisher.spawn();
        tokio::time::sleep(COALESCE * 2).await;
        let before = publisher.current().version;
        tokio::time::sleep(TICK * 2 + COALESCE).await;
        assert_eq!(publisher.current().version, before + 2);
        task.abort();
    }

    #[test]
    fn family_members_get_family_services_and_no_health() {
        let cache = ClusterCache::new();
        demo::load(&cache).unwrap();
        let views = Views::compute(&cache, &TopologyConfig::default(), 1);
        let family = views.live_update(Role::Viewer);
        assert!(family.health.is_none());
        assert!(family.services.iter().any(|(id, _)| id == "media/plex"));
        assert!(!family.services.iter().any(|(id, _)| id == "media/sonarr"));
        let admin = views.live_update(Role::Admin);
        assert!(admin.health.is_some());
        assert!(admin.services.len() > family.services.len());
        assert!(family.backups.is_empty());
        let running = admin
            .backups
            .iter()
            .find(|b| b.id == "velero/hourly-longhorn-20250616180000")
            .expect("the demo's running backup");
        assert_eq!(
            (running.phase.as_str(), running.done, running.total),
            ("InProgress", 412, 1050)
        );
        assert!(views.is_family_service("media/plex"));
        assert!(!views.is_family_service("media/sonarr"));
    }
}
