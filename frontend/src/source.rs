//! What pages read from the server. The server implements these traits over its watch caches and
//! SQLite, and provides them as context; pages render on the server only, so they call them
//! directly and no page view sends a request to the Kubernetes API.

use std::sync::Arc;

use crate::model::alerts::AlertsView;
use crate::model::events::{EventFilter, EventsView};
use crate::model::{
    BackupsView, Freshness, GitOpsView, HealthSummary, NodeDetail, NodeSummary, ServiceDetail,
    ServiceEntry, ServiceHistory, SourceProblem, StorageView, Topology,
};

/// Read access to the cluster caches, already turned into view types.
pub trait ClusterSource: Send + Sync + 'static {
    fn nodes(&self) -> Vec<NodeSummary>;
    fn freshness(&self) -> Freshness;
    /// Why some panels cannot show current data (CRD missing, RBAC, API unreachable).
    fn problems(&self) -> Vec<SourceProblem>;
    fn health(&self) -> HealthSummary;
    fn services(&self) -> Vec<ServiceEntry>;
    fn service(&self, id: &str) -> Option<ServiceDetail>;
    fn topology(&self) -> Topology;
    fn node(&self, name: &str) -> Option<NodeDetail>;
    /// Velero schedules, backups, storage locations and what they cover.
    fn backups(&self) -> BackupsView;
    /// Volumes, claims, Longhorn and the storage tiers.
    fn storage(&self) -> StorageView;
    /// Flux Kustomizations and HelmReleases.
    fn gitops(&self) -> GitOpsView;
    /// The version of the pod tables' live panel ([`crate::components::live_region::PODS`]):
    /// it changes whenever any pod in the cluster does.
    fn pods_version(&self) -> u64;
    /// Unix seconds the views were computed as of (the demo's are fixed): ages count from it.
    fn now(&self) -> i64;
    /// The cluster's events, filtered for the Events page.
    fn events(&self, filter: EventFilter) -> EventsView;
    /// Alertmanager's alerts and silences, and whether they are current.
    fn alerts(&self) -> AlertsView;
}

/// The shared handle pages take from context.
pub type Cluster = Arc<dyn ClusterSource>;

/// Each service's recorded status history, kept in memory by the server's recorder so a page
/// view reads no database either.
pub trait HistorySource: Send + Sync + 'static {
    /// History of the service `namespace/name`; None before anything was recorded.
    fn history(&self, id: &str) -> Option<ServiceHistory>;
}

/// The shared handle pages take from context.
pub type History = Arc<dyn HistorySource>;

/// Markdown to HTML for AAR text fields. The server's renderer sanitises the result (no script,
/// event handler or `javascript:`/`data:` URL survives), so pages may insert it as HTML.
pub trait MarkdownSource: Send + Sync + 'static {
    fn to_safe_html(&self, markdown: &str) -> String;
    /// The same without a paragraph around a single paragraph (list items, table cells).
    fn to_safe_inline_html(&self, markdown: &str) -> String;
}

/// The shared handle pages take from context.
pub type Markdown = Arc<dyn MarkdownSource>;

/// The Status page's notices, kept in memory by the server (a page view reads no database).
pub trait NoticeSource: Send + Sync + 'static {
    /// Notices that hold now or are to come, soonest first.
    fn current(&self) -> Vec<crate::model::notices::Notice>;
    /// The wall clock notices are read against (the demo's cluster has its own moment).
    fn now(&self) -> i64;
}

/// The shared handle pages take from context.
pub type Notices = Arc<dyn NoticeSource>;
