//! A consistent-enough copy of every cache, taken once per page view: views read it without
//! holding any lock.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::{CSINode, StorageClass};

use crate::cluster::crds::{
    Backup, BackupStorageLocation, Gateway, HTTPRoute, HelmRelease, Kustomization, LonghornNode,
    Restore, Schedule, Volume,
};
use crate::cluster::ClusterCache;

#[derive(Clone, Default)]
pub struct Snapshot {
    pub nodes: Vec<Arc<Node>>,
    pub pods: Vec<Arc<Pod>>,
    pub deployments: Vec<Arc<Deployment>>,
    pub statefulsets: Vec<Arc<StatefulSet>>,
    pub daemonsets: Vec<Arc<DaemonSet>>,
    pub pvs: Vec<Arc<PersistentVolume>>,
    pub pvcs: Vec<Arc<PersistentVolumeClaim>>,
    pub storage_classes: Vec<Arc<StorageClass>>,
    pub csi_nodes: Vec<Arc<CSINode>>,
    pub events: Vec<Arc<Event>>,
    pub http_routes: Vec<Arc<HTTPRoute>>,
    pub gateways: Vec<Arc<Gateway>>,
    pub backups: Vec<Arc<Backup>>,
    pub schedules: Vec<Arc<Schedule>>,
    pub storage_locations: Vec<Arc<BackupStorageLocation>>,
    pub restores: Vec<Arc<Restore>>,
    pub longhorn_volumes: Vec<Arc<Volume>>,
    pub longhorn_nodes: Vec<Arc<LonghornNode>>,
    pub kustomizations: Vec<Arc<Kustomization>>,
    pub helm_releases: Vec<Arc<HelmRelease>>,
    /// Alertmanager's alerts, as last read.
    pub alerts: Arc<frontend::model::alerts::AlertsView>,
    /// The routes' outside-in checks, as of the last round.
    pub route_checks: Arc<frontend::model::checks::RouteChecksView>,
    /// The restore drills as recorded (their coverage is computed by the views).
    pub drills: Arc<frontend::model::drills::DrillsView>,
    /// Unix seconds the views treat as now (fixed in tests).
    pub now: i64,
    /// The time zone cron schedules run in; None is UTC.
    pub time_zone: Option<jiff::tz::TimeZone>,
}

impl Snapshot {
    /// The time zone cron schedules run in (`cluster.timezone`).
    pub fn tz(&self) -> jiff::tz::TimeZone {
        self.time_zone.clone().unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

impl ClusterCache {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            nodes: self.nodes.state(),
            pods: self.pods.state(),
            deployments: self.deployments.state(),
            statefulsets: self.statefulsets.state(),
            daemonsets: self.daemonsets.state(),
            pvs: self.pvs.state(),
            pvcs: self.pvcs.state(),
            storage_classes: self.storage_classes.state(),
            csi_nodes: self.csi_nodes.state(),
            events: self.events.state(),
            http_routes: self.http_routes.state(),
            gateways: self.gateways.state(),
            backups: self.backups.state(),
            schedules: self.schedules.state(),
            storage_locations: self.storage_locations.state(),
            restores: self.restores.state(),
            longhorn_volumes: self.longhorn_volumes.state(),
            longhorn_nodes: self.longhorn_nodes.state(),
            kustomizations: self.kustomizations.state(),
            helm_releases: self.helm_releases.state(),
            alerts: self.alerts(),
            route_checks: self.route_checks(),
            drills: self.drills(),
            // The demo is a recording of the homelab at one moment: its ages, staleness, next
            // runs and the last 14 days of backups are computed as of then, not the wall clock.
            now: if self.is_demo() {
                crate::cluster::demo::DEMO_NOW
            } else {
                crate::cluster::cache::now()
            },
            time_zone: Some(self.time_zone()),
        }
    }
}
