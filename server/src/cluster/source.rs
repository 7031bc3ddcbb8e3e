//! The pages' window on the cluster: [`frontend::source::ClusterSource`] answered from the
//! latest published [`Views`]; only a service's or a node's detail is computed per request, from
//! the snapshot those views were computed from.

use std::sync::Arc;

use frontend::model::alerts::AlertsView;
use frontend::model::events::{EventFilter, EventsView};
use frontend::model::{
    BackupsView, Freshness, GitOpsView, HealthSummary, NodeDetail, NodeSummary, ServiceDetail,
    ServiceEntry, SourceProblem, StorageView, Topology,
};
use frontend::source::ClusterSource;

use super::published::{Publisher, Views};
use super::views::{events, services, topology};
use super::ClusterCache;
use crate::config::TopologyConfig;

pub struct ClusterView {
    /// The caches themselves: for the actions' fresh reads, metrics and readiness, never a page.
    pub cache: Arc<ClusterCache>,
    publisher: Arc<Publisher>,
}

impl ClusterView {
    /// The view of `cache`, with its current state published as version 1. Call
    /// [`ClusterView::spawn_publisher`] (inside a runtime) to follow changes.
    pub fn new(cache: Arc<ClusterCache>, hosts: TopologyConfig) -> Self {
        ClusterView {
            publisher: Publisher::new(cache.clone(), hosts),
            cache,
        }
    }

    /// Starts publishing new views after every burst of changes.
    pub fn spawn_publisher(&self) -> tokio::task::JoinHandle<()> {
        self.publisher.spawn()
    }

    /// The latest views.
    pub fn views(&self) -> Arc<Views> {
        self.publisher.current()
    }

    /// The publisher, to wait for new views.
    pub fn publisher(&self) -> &Arc<Publisher> {
        &self.publisher
    }
}

impl ClusterSource for ClusterView {
    fn nodes(&self) -> Vec<NodeSummary> {
        self.views().nodes.clone()
    }

    fn freshness(&self) -> Freshness {
        self.views().freshness.clone()
    }

    fn problems(&self) -> Vec<SourceProblem> {
        self.views().problems.clone()
    }

    fn health(&self) -> HealthSummary {
        self.views().health.clone()
    }

    fn services(&self) -> Vec<ServiceEntry> {
        self.views().services.clone()
    }

    fn service(&self, id: &str) -> Option<ServiceDetail> {
        services::detail(&self.views().snapshot, id)
    }

    fn topology(&self) -> Topology {
        self.views().topology.clone()
    }

    fn node(&self, name: &str) -> Option<NodeDetail> {
        topology::node_detail(&self.views().snapshot, name)
    }

    fn backups(&self) -> BackupsView {
        self.views().backups.clone()
    }

    fn storage(&self) -> StorageView {
        self.views().storage.clone()
    }

    fn gitops(&self) -> GitOpsView {
        self.views().gitops.clone()
    }

    fn pods_version(&self) -> u64 {
        self.views().pods_version
    }

    fn now(&self) -> i64 {
        self.views().snapshot.now
    }

    fn events(&self, filter: EventFilter) -> EventsView {
        events::page(&self.views().snapshot, filter)
    }

    fn alerts(&self) -> AlertsView {
        (*self.views().snapshot.alerts).clone()
    }
}
