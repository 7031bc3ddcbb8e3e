//! The pages' window on the caches: [`frontend::source::ClusterSource`] implemented by taking a
//! snapshot and running the pure views over it.

use std::sync::Arc;

use frontend::model::{
    BackupsView, Freshness, GitOpsView, HealthSummary, NodeDetail, NodeSummary, ServiceDetail,
    ServiceEntry, SourceProblem, StorageView, Topology,
};
use frontend::source::ClusterSource;

use super::views::{backups, gitops, health, nodes, services, storage, topology};
use super::ClusterCache;
use crate::config::TopologyConfig;

pub struct ClusterView {
    pub cache: Arc<ClusterCache>,
    pub topology: TopologyConfig,
}

impl ClusterSource for ClusterView {
    fn nodes(&self) -> Vec<NodeSummary> {
        nodes::summaries(&self.cache.nodes.state())
    }

    fn freshness(&self) -> Freshness {
        self.cache.freshness()
    }

    fn problems(&self) -> Vec<SourceProblem> {
        self.cache.problems()
    }

    fn health(&self) -> HealthSummary {
        health::summary(&self.cache.snapshot())
    }

    fn services(&self) -> Vec<ServiceEntry> {
        services::catalog(&self.cache.snapshot())
    }

    fn service(&self, id: &str) -> Option<ServiceDetail> {
        services::detail(&self.cache.snapshot(), id)
    }

    fn topology(&self) -> Topology {
        topology::topology(&self.cache.snapshot(), &self.topology)
    }

    fn node(&self, name: &str) -> Option<NodeDetail> {
        topology::node_detail(&self.cache.snapshot(), name)
    }

    fn backups(&self) -> BackupsView {
        backups::view(&self.cache.snapshot())
    }

    fn storage(&self) -> StorageView {
        storage::view(&self.cache.snapshot())
    }

    fn gitops(&self) -> GitOpsView {
        gitops::view(&self.cache.snapshot())
    }
}
