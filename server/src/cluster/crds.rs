//! Slim typed views of the third-party custom resources the homelab runs (Gateway API, Velero,
//! Longhorn, Flux). Each declares only the fields the views read: serde drops the rest while
//! decoding, which keeps the watch caches small. Schemas come from the real CRDs installed in the
//! cluster, so these types need none of their own.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use serde::{Deserialize, Serialize};

/// A reference to a parent Gateway.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ParentRef {
    pub name: String,
    pub namespace: Option<String>,
}

/// A backend a route sends traffic to: a Service in the route's namespace unless said otherwise.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BackendRef {
    pub name: String,
    pub namespace: Option<String>,
    pub port: Option<i32>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RouteRule {
    #[serde(default)]
    pub backend_refs: Vec<BackendRef>,
}

/// gateway.networking.k8s.io/v1 HTTPRoute: the hostname is a service's URL.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "HTTPRoute",
    plural = "httproutes"
)]
#[kube(namespaced, status = "HttpRouteStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteSpec {
    #[serde(default)]
    pub hostnames: Vec<String>,
    #[serde(default)]
    pub parent_refs: Vec<ParentRef>,
    #[serde(default)]
    pub rules: Vec<RouteRule>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HttpRouteStatus {
    #[serde(default)]
    pub parents: Vec<RouteParentStatus>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RouteParentStatus {
    pub parent_ref: ParentRef,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Listener {
    pub name: String,
    pub hostname: Option<String>,
    pub port: i32,
    pub protocol: String,
}

/// gateway.networking.k8s.io/v1 Gateway.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "Gateway",
    plural = "gateways"
)]
#[kube(namespaced, status = "GatewayStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    pub gateway_class_name: String,
    #[serde(default)]
    pub listeners: Vec<Listener>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct GatewayStatus {
    #[serde(default)]
    pub addresses: Vec<GatewayAddress>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct GatewayAddress {
    pub value: String,
}

/// velero.io/v1 Backup.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "velero.io",
    version = "v1",
    kind = "Backup",
    plural = "backups"
)]
#[kube(namespaced, status = "BackupStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct BackupSpec {
    #[serde(default)]
    pub included_namespaces: Vec<String>,
    #[serde(default)]
    pub excluded_namespaces: Vec<String>,
    pub storage_location: Option<String>,
    pub ttl: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackupStatus {
    pub phase: Option<String>,
    pub start_timestamp: Option<String>,
    pub completion_timestamp: Option<String>,
    pub expiration: Option<String>,
    pub progress: Option<BackupProgress>,
    pub errors: Option<i64>,
    pub warnings: Option<i64>,
    pub failure_reason: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackupProgress {
    pub items_backed_up: Option<i64>,
    pub total_items: Option<i64>,
}

/// velero.io/v1 Schedule. The template is kept whole: a backup "from the schedule" copies it.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "velero.io",
    version = "v1",
    kind = "Schedule",
    plural = "schedules"
)]
#[kube(namespaced, status = "ScheduleStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct ScheduleSpec {
    pub schedule: String,
    #[serde(default)]
    pub paused: bool,
    #[serde(default)]
    pub use_owner_references_in_backup: bool,
    #[serde(default)]
    pub template: serde_json::Value,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleStatus {
    pub phase: Option<String>,
    pub last_backup: Option<String>,
    #[serde(default)]
    pub validation_errors: Vec<String>,
}

/// velero.io/v1 Restore: watched for the restore drills' progress (`crate::drills`).
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "velero.io",
    version = "v1",
    kind = "Restore",
    plural = "restores"
)]
#[kube(namespaced, status = "RestoreStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct RestoreSpec {
    #[serde(default)]
    pub backup_name: String,
    #[serde(default)]
    pub included_namespaces: Vec<String>,
    #[serde(default)]
    pub namespace_mapping: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RestoreStatus {
    pub phase: Option<String>,
    pub start_timestamp: Option<String>,
    pub completion_timestamp: Option<String>,
    pub progress: Option<RestoreProgress>,
    pub errors: Option<i64>,
    pub warnings: Option<i64>,
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub validation_errors: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RestoreProgress {
    pub items_restored: Option<i64>,
    pub total_items: Option<i64>,
}

/// velero.io/v1 BackupStorageLocation.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "velero.io",
    version = "v1",
    kind = "BackupStorageLocation",
    plural = "backupstoragelocations"
)]
#[kube(
    namespaced,
    status = "BackupStorageLocationStatus",
    schema = "disabled"
)]
#[serde(rename_all = "camelCase")]
pub struct BackupStorageLocationSpec {
    pub provider: String,
    #[serde(default)]
    pub default: bool,
    pub object_storage: Option<ObjectStorage>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ObjectStorage {
    pub bucket: String,
    pub prefix: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackupStorageLocationStatus {
    pub phase: Option<String>,
    pub message: Option<String>,
    pub last_validation_time: Option<String>,
}

/// longhorn.io/v1beta2 Volume.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "longhorn.io",
    version = "v1beta2",
    kind = "Volume",
    plural = "volumes"
)]
#[kube(namespaced, status = "VolumeStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct VolumeSpec {
    pub size: Option<String>,
    pub number_of_replicas: Option<i64>,
    #[serde(default)]
    pub disk_selector: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VolumeStatus {
    pub state: Option<String>,
    pub robustness: Option<String>,
    #[serde(rename = "currentNodeID")]
    pub current_node_id: Option<String>,
    pub kubernetes_status: Option<VolumeKubernetesStatus>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VolumeKubernetesStatus {
    pub pv_name: Option<String>,
    pub pvc_name: Option<String>,
    pub namespace: Option<String>,
}

/// longhorn.io/v1beta2 Node: the disks Longhorn may schedule replicas on, with their tags.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "longhorn.io",
    version = "v1beta2",
    kind = "Node",
    plural = "nodes"
)]
#[kube(namespaced, status = "LonghornNodeStatus", schema = "disabled")]
#[kube(root = "LonghornNode")]
#[serde(rename_all = "camelCase")]
pub struct LonghornNodeSpec {
    #[serde(default)]
    pub disks: BTreeMap<String, LonghornDisk>,
    #[serde(default)]
    pub allow_scheduling: bool,
    /// Node tags (a StorageClass's `nodeSelector` picks nodes by them).
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LonghornDisk {
    pub path: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub allow_scheduling: bool,
    pub storage_reserved: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LonghornNodeStatus {
    #[serde(default)]
    pub disk_status: BTreeMap<String, LonghornDiskStatus>,
    #[serde(default)]
    pub conditions: Vec<LonghornCondition>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LonghornDiskStatus {
    pub storage_available: Option<i64>,
    pub storage_maximum: Option<i64>,
    pub storage_scheduled: Option<i64>,
}

/// Longhorn's conditions have the shape of Kubernetes ones but optional fields.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LonghornCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

/// Flux's reference to the object it applies from.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SourceRef {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// kustomize.toolkit.fluxcd.io/v1 Kustomization.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "kustomize.toolkit.fluxcd.io",
    version = "v1",
    kind = "Kustomization",
    plural = "kustomizations"
)]
#[kube(namespaced, status = "FluxStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct KustomizationSpec {
    pub path: Option<String>,
    pub interval: Option<String>,
    #[serde(default)]
    pub suspend: bool,
    pub source_ref: Option<SourceRef>,
}

/// What Kustomizations and HelmReleases report alike.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FluxStatus {
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub last_applied_revision: Option<String>,
    pub last_attempted_revision: Option<String>,
    pub last_handled_reconcile_at: Option<String>,
    /// HelmRelease v2: the releases made, newest first (its applied revision is the chart version).
    #[serde(default)]
    pub history: Vec<HelmReleaseSnapshot>,
}

/// One release a HelmRelease made.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseSnapshot {
    pub chart_name: Option<String>,
    pub chart_version: Option<String>,
    pub app_version: Option<String>,
    pub last_deployed: Option<String>,
    pub status: Option<String>,
}

/// helm.toolkit.fluxcd.io/v2 HelmRelease.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "helm.toolkit.fluxcd.io",
    version = "v2",
    kind = "HelmRelease",
    plural = "helmreleases"
)]
#[kube(namespaced, status = "FluxStatus", schema = "disabled")]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseSpec {
    pub interval: Option<String>,
    #[serde(default)]
    pub suspend: bool,
    pub chart: Option<HelmChart>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HelmChart {
    pub spec: Option<HelmChartSpec>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartSpec {
    pub chart: String,
    pub version: Option<String>,
    pub source_ref: Option<SourceRef>,
}
