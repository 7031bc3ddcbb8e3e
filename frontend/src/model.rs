//! Types shared by the server and the browser. View types are computed on the server by pure
//! functions over the watch caches; pages and islands only display them.
//!
//! Long because it is the one list of what pages and islands are given, grouped by page in the
//! order of the navigation (the AAR types are in `model/aar.rs`, the actions' in `model/actions.rs`).

use serde::{Deserialize, Serialize};

/// Who is signed in, as pages and islands see it. Keyed on the provider's `sub`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// Opaque subject from the identity provider; sessions and audit entries are keyed on it.
    pub sub: String,
    /// What to show: `preferred_username`, else the email, else the subject.
    pub display_name: String,
    pub role: Role,
}

/// What a signed-in person may see and do. Decided on the server from the provider's groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and does everything.
    Admin,
    /// Family: the Status and Services pages only.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }
}

/// One Kubernetes node as the overview pages show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub name: String,
    /// The physical machine it runs on, from the topology configuration or a node label.
    pub host: Option<String>,
    pub roles: Vec<String>,
    pub ready: Readiness,
    /// Cordoned: `spec.unschedulable`.
    pub cordoned: bool,
    pub kubelet_version: String,
    /// Allocatable CPU in millicores.
    pub cpu_millis: u64,
    /// Allocatable memory in bytes.
    pub memory_bytes: u64,
    pub gpus: Vec<GpuCapacity>,
    pub internal_ip: Option<String>,
    /// Conditions other than Ready that are True (pressure, network unavailable).
    pub problems: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Readiness {
    Ready,
    NotReady,
    Unknown,
}

/// An extended GPU resource a node advertises, such as `nvidia.com/gpu: 4`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuCapacity {
    pub resource: String,
    pub count: u64,
}

/// How current the cluster data behind a page is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// Unix seconds of the last change or resync the caches saw.
    pub as_of: i64,
    /// `demo` for the embedded demo homelab, `live` for a real cluster.
    pub mode: String,
    /// Set while the API is unreachable: the unix time since which the data may be out of date.
    pub stale_since: Option<i64>,
}

/// Why a panel cannot show current data for a kind of object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum SourceProblem {
    /// The API server does not serve this resource: its CRD is not installed.
    NotInstalled { kind: String, resource: String },
    /// RBAC forbids reading it; `permission` says what to grant.
    Forbidden { kind: String, permission: String },
    /// The watch broke; the panel shows what was last seen.
    Stale {
        kind: String,
        since: i64,
        reason: String,
    },
}

impl SourceProblem {
    pub fn kind(&self) -> &str {
        match self {
            SourceProblem::NotInstalled { kind, .. }
            | SourceProblem::Forbidden { kind, .. }
            | SourceProblem::Stale { kind, .. } => kind,
        }
    }
}

/// Overall health, as the top of every admin page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthLevel {
    Operational,
    Degraded,
    Down,
}

impl HealthLevel {
    const ALL: [HealthLevel; 3] = [
        HealthLevel::Operational,
        HealthLevel::Degraded,
        HealthLevel::Down,
    ];

    /// The name the JSON carries.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthLevel::Operational => "operational",
            HealthLevel::Degraded => "degraded",
            HealthLevel::Down => "down",
        }
    }

    /// The inverse of `as_str`: how the browser reads the live stream without serde.
    pub fn parse(name: &str) -> Option<HealthLevel> {
        Self::ALL.into_iter().find(|level| level.as_str() == name)
    }

    pub fn words(self) -> &'static str {
        match self {
            HealthLevel::Operational => "Operational",
            HealthLevel::Degraded => "Degraded",
            HealthLevel::Down => "Down",
        }
    }
}

/// One reason the cluster is not fully operational.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReason {
    /// Degraded or Down: how much this one reason weighs.
    pub level: HealthLevel,
    /// What area it is about: node, workload, storage, backup, gitops.
    pub area: String,
    /// The object, as `namespace/name` or a node name.
    pub subject: String,
    pub message: String,
    /// Where to look at it.
    pub link: Option<String>,
    /// The guarded action that addresses it, as (button words, preview address).
    #[serde(default)]
    pub fix: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthSummary {
    pub level: HealthLevel,
    pub reasons: Vec<HealthReason>,
}

/// Who a service is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Family,
    Admin,
}

/// Whether a service works, from its workloads' ready replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    Up,
    Degraded,
    Down,
    ScaledToZero,
    Unknown,
}

impl ServiceStatus {
    pub fn words(self) -> &'static str {
        match self {
            ServiceStatus::Up => "Up",
            ServiceStatus::Degraded => "Degraded",
            ServiceStatus::Down => "Down",
            ServiceStatus::ScaledToZero => "Scaled to zero",
            ServiceStatus::Unknown => "Unknown",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Up => "up",
            ServiceStatus::Degraded => "degraded",
            ServiceStatus::Down => "down",
            ServiceStatus::ScaledToZero => "scaled_to_zero",
            ServiceStatus::Unknown => "unknown",
        }
    }

    /// The inverse of `as_str`: how the browser reads the live stream without serde.
    pub fn parse(name: &str) -> Option<ServiceStatus> {
        [
            ServiceStatus::Up,
            ServiceStatus::Degraded,
            ServiceStatus::Down,
            ServiceStatus::ScaledToZero,
            ServiceStatus::Unknown,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

/// A Deployment, StatefulSet or DaemonSet behind a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadSummary {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub desired: u32,
    pub ready: u32,
}

/// One entry of the service catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceEntry {
    /// `namespace/name` of the app; the detail page's address.
    pub id: String,
    pub name: String,
    pub category: String,
    pub description: String,
    /// A short icon slug (e.g. `jellyfin`).
    pub icon: Option<String>,
    pub audience: Audience,
    pub url: Option<String>,
    pub status: ServiceStatus,
    pub workloads: Vec<WorkloadSummary>,
}

/// A pod, as detail pages list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodSummary {
    pub namespace: String,
    pub name: String,
    pub node: Option<String>,
    pub phase: String,
    pub ready: bool,
    pub restarts: i32,
    /// Why a container is waiting or terminated (CrashLoopBackOff, ImagePullBackOff...), or why
    /// the pod is not scheduled (Unschedulable).
    pub reason: Option<String>,
    /// What the scheduler said of a pod it could not place ("0/4 nodes are available: 1 node(s)
    /// were unschedulable, ..."), or what the kubelet said of a waiting container.
    #[serde(default)]
    pub message: Option<String>,
}

/// A persistent volume claim an app uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSummary {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    pub storage_class: Option<String>,
    pub capacity: Option<String>,
    pub volume: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDetail {
    pub entry: ServiceEntry,
    pub pods: Vec<PodSummary>,
    pub claims: Vec<ClaimSummary>,
    pub events: Vec<events::EventRow>,
    /// Alertmanager's alerts about its pods, workloads and claims.
    pub alerts: Vec<alerts::Alert>,
    /// Its routes as last checked from outside.
    #[serde(default)]
    pub checks: Vec<checks::RouteCheck>,
    /// A certificate with this many days left or fewer is a problem.
    #[serde(default)]
    pub cert_warn_days: i64,
}

/// The family status API (`/api/v1/status`): one line per family service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyStatus {
    pub service: String,
    pub status: ServiceStatus,
    pub url: Option<String>,
    /// Unix seconds since which the service has had this status, when known.
    pub since: Option<i64>,
    /// A maintenance notice holds for it now: its status is expected to be off.
    #[serde(default)]
    pub maintenance: bool,
    /// The notices about it (or the whole homelab) that hold now or are to come.
    #[serde(default)]
    pub notices: Vec<notices::PublicNotice>,
}

/// What one hour of a service's history looked like, for the 7-day bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HourState {
    Up,
    Degraded,
    Down,
    /// Scaled to zero on purpose.
    Off,
    /// The server was not running, or could not see the cluster.
    NoData,
}

impl HourState {
    pub fn as_str(self) -> &'static str {
        match self {
            HourState::Up => "up",
            HourState::Degraded => "degraded",
            HourState::Down => "down",
            HourState::Off => "off",
            HourState::NoData => "no-data",
        }
    }
}

/// One local day of a service's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHistory {
    /// The day as people say it, e.g. `Mon 16 Jun`.
    pub label: String,
    /// The day's hours from local midnight, up to now for today (23 or 25 on a DST change).
    pub hours: Vec<HourState>,
    /// Tenths of a percent the service was up while it was meant to run; None without data.
    pub uptime_permille: Option<u32>,
}

/// A service's recorded status history: what the Status page answers "was Plex up last night?"
/// with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceHistory {
    /// The status last recorded, and the unix seconds since which the service has had it.
    pub status: Option<ServiceStatus>,
    pub since: Option<i64>,
    /// `since` in the cluster's time zone, e.g. `Mon 16 Jun 14:02`.
    pub since_label: Option<String>,
    /// The last seven days, oldest first.
    pub days: Vec<DayHistory>,
    /// Over those days; time scaled to zero or without data does not count.
    pub uptime_permille: Option<u32>,
    /// When the recorded data begins, in the cluster's time zone (`19:13` today, `Mon 16 Jun
    /// 19:13` before), when that is inside the seven days: the uptime covers only that period.
    #[serde(default)]
    pub covers_from_label: Option<String>,
}

/// How much of a resource a node offers and how much its pods request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub resource: String,
    pub allocatable: u64,
    pub requested: u64,
}

/// A node on the topology page: its summary plus what runs on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopologyNode {
    pub summary: NodeSummary,
    pub pods: usize,
    pub usage: Vec<Usage>,
    /// CSI drivers registered on it (CSINode).
    pub csi_drivers: Vec<String>,
    /// Longhorn disk tags on it (optane, nvme, sas-ssd...).
    pub disk_tags: Vec<String>,
}

/// A physical machine and the nodes it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    pub description: String,
    pub nodes: Vec<TopologyNode>,
}

/// A storage tier: StorageClasses grouped (Longhorn optane, nvme, sas-ssd, default; NFS; local-path).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageTier {
    pub name: String,
    pub classes: Vec<String>,
    pub provisioner: String,
    pub volumes: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    pub hosts: Vec<Host>,
    pub tiers: Vec<StorageTier>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeDetail {
    pub node: TopologyNode,
    pub conditions: Vec<(String, String, String)>,
    pub pods: Vec<PodSummary>,
    pub events: Vec<events::EventRow>,
    /// Alertmanager's alerts about the node and its pods.
    pub alerts: Vec<alerts::Alert>,
}

/// What the server knows about the request being rendered, put into the request's extensions by
/// the server's middleware and read by the shell during server-side rendering.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub viewer: Option<Viewer>,
    /// Per-request nonce for the inline hydration loader, echoed in the Content-Security-Policy.
    pub nonce: String,
    /// Demo mode: every page shows a visible marker.
    pub demo: bool,
    /// The session's CSRF token (empty when signed out): every form that changes something
    /// carries it in a hidden `csrf` field; scripts send it as `X-CSRF-Token`.
    pub csrf: String,
}

/// What the live stream (`/api/v1/live`, server-sent events) pushes to a browser tab after the
/// caches change: enough to refresh the statuses on any page without a reload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveUpdate {
    /// Unix seconds of the newest change the caches saw.
    pub as_of: i64,
    pub stale_since: Option<i64>,
    /// The overall health; only sent to admins.
    pub health: Option<HealthLevel>,
    /// Each service's status, by id (`namespace/app`); family members get the family ones only.
    pub services: Vec<(String, ServiceStatus)>,
    /// Backups still running, with their progress; only sent to admins.
    #[serde(default)]
    pub backups: Vec<BackupProgressUpdate>,
    /// The version of each live panel's data (see `components::live_region`); only sent to
    /// admins. A page holding a panel whose version changed fetches its new HTML.
    #[serde(default)]
    pub panels: Vec<(String, u64)>,
}

/// A running backup's progress, as the live stream carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupProgressUpdate {
    /// `namespace/name` of the Backup.
    pub id: String,
    pub phase: String,
    pub done: u64,
    pub total: u64,
}

/// One Velero backup, as the Backups page lists and charts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSummary {
    pub namespace: String,
    pub name: String,
    /// The schedule that made it (`velero.io/schedule-name`); None for a manual backup.
    pub schedule: Option<String>,
    /// Velero's phase (New, InProgress, Completed, PartiallyFailed, Failed...); "Unknown" if unset.
    pub phase: String,
    /// Unix seconds it started, else when it was created.
    pub started: Option<i64>,
    pub completed: Option<i64>,
    pub errors: u64,
    pub warnings: u64,
    /// Progress from its status: items backed up of total items.
    pub items_backed_up: Option<u64>,
    pub total_items: Option<u64>,
    pub failure_reason: Option<String>,
    /// The namespaces it holds as its spec names them; empty: every namespace.
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// A Velero Schedule with its next run and its last backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRow {
    pub namespace: String,
    pub name: String,
    /// The cron expression as written (`spec.schedule`).
    pub cron: String,
    /// The expression in words ("Every hour, at minute 0"); None when it cannot be read.
    pub cron_words: Option<String>,
    /// Why the expression cannot be read: shown on the row instead of a next run.
    pub cron_error: Option<String>,
    /// Unix seconds of the next run.
    pub next_run: Option<i64>,
    /// The next run in the schedule's time zone ("Mon 16 Jun 2025 19:00 UTC").
    pub next_run_local: Option<String>,
    /// IANA name of the time zone the expression runs in.
    pub time_zone: String,
    /// How long its backups are kept, as written ("72h0m0s") and in words ("3 days").
    pub ttl: Option<String>,
    pub ttl_words: Option<String>,
    /// Empty means every namespace.
    pub included_namespaces: Vec<String>,
    pub excluded_namespaces: Vec<String>,
    /// Only objects with these labels are backed up (`matchLabels` as `key=value`).
    pub label_selector: Option<String>,
    pub storage_location: Option<String>,
    pub paused: bool,
    /// Its newest backup, whatever the phase (an InProgress one shows its progress).
    pub last_backup: Option<BackupSummary>,
    /// Unix seconds its newest Completed backup finished.
    pub last_completed: Option<i64>,
    /// The health summary's reasons about this schedule (stale, failed, paused, invalid).
    pub warnings: Vec<String>,
}

/// A Velero BackupStorageLocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageLocationRow {
    pub namespace: String,
    pub name: String,
    pub provider: String,
    /// `bucket/prefix`.
    pub bucket: Option<String>,
    pub default: bool,
    /// Available, Unavailable, or "Unknown" before the first validation.
    pub phase: String,
    pub message: Option<String>,
    /// Unix seconds of the last validation.
    pub last_validated: Option<i64>,
}

/// A namespace holding persistent volume claims, and the schedules that back it up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceCoverage {
    pub namespace: String,
    pub claims: usize,
    /// Schedules (not paused) whose namespaces include it; empty means nothing backs it up.
    pub schedules: Vec<String>,
}

/// Backups of one schedule (or the manual ones) over the timeline's window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRow {
    /// The schedule's name, or "manual".
    pub label: String,
    pub backups: Vec<BackupSummary>,
}

/// The last 14 days of backups per schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupTimeline {
    /// Unix seconds of the window's start and end.
    pub from: i64,
    pub to: i64,
    pub rows: Vec<TimelineRow>,
}

/// Everything the Backups page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupsView {
    /// Unix seconds ages are counted from.
    pub now: i64,
    /// `cluster.timezone`.
    pub time_zone: String,
    pub schedules: Vec<ScheduleRow>,
    pub locations: Vec<StorageLocationRow>,
    pub coverage: Vec<NamespaceCoverage>,
    pub timeline: BackupTimeline,
    /// The newest backups first.
    pub recent: Vec<BackupSummary>,
    /// Restore drills and how recently each namespace and schedule was proven restorable.
    #[serde(default)]
    pub drills: drills::DrillsView,
}

/// What a Released volume's claim reference points at now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasedClaim {
    /// `namespace/name` from the volume's `claimRef`.
    pub claim: String,
    /// A claim of that name exists now.
    pub exists: bool,
    /// Its phase, when it exists (a recreated claim waiting for this volume is Pending).
    pub phase: Option<String>,
    /// What to do about it, in a sentence.
    pub hint: String,
}

/// A PersistentVolume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeRow {
    pub name: String,
    pub phase: String,
    pub capacity: Option<String>,
    pub storage_class: Option<String>,
    pub reclaim_policy: Option<String>,
    /// `namespace/name` of the claim it is bound to (or, when Released, was).
    pub claim: Option<String>,
    /// Set for Released volumes.
    pub released: Option<ReleasedClaim>,
}

/// Longhorn's word for how well a volume's replicas are doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Robustness {
    Healthy,
    Degraded,
    Faulted,
    /// Longhorn says unknown (a detached volume does) or says nothing.
    Unknown,
}

impl Robustness {
    pub fn words(self) -> &'static str {
        match self {
            Robustness::Healthy => "Healthy",
            Robustness::Degraded => "Degraded",
            Robustness::Faulted => "Faulted",
            Robustness::Unknown => "Unknown",
        }
    }
}

/// A Longhorn volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LonghornVolumeRow {
    pub name: String,
    /// `namespace/name` of the claim using it.
    pub claim: Option<String>,
    pub size_bytes: Option<u64>,
    pub replicas: Option<i64>,
    /// Disk tags its replicas must land on (the tier).
    pub disk_selector: Vec<String>,
    /// attached, detached, attaching...
    pub state: String,
    pub robustness: Robustness,
    /// The node it is attached to.
    pub node: Option<String>,
}

/// One disk of a Longhorn node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LonghornDiskRow {
    pub name: String,
    pub path: Option<String>,
    pub tags: Vec<String>,
    pub schedulable: bool,
    pub maximum_bytes: u64,
    pub available_bytes: u64,
    pub reserved_bytes: u64,
    pub scheduled_bytes: u64,
    /// Space new replicas may still use: available less reserved, 0 when not schedulable.
    pub schedulable_bytes: u64,
}

/// A Longhorn node with its disks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LonghornNodeRow {
    pub name: String,
    pub ready: bool,
    /// Longhorn may schedule replicas on it (not cordoned, scheduling allowed).
    pub schedulable: bool,
    pub tags: Vec<String>,
    pub disks: Vec<LonghornDiskRow>,
    pub schedulable_bytes: u64,
}

/// Everything the Storage page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageView {
    /// Released volumes first, then by name.
    pub volumes: Vec<VolumeRow>,
    pub claims: Vec<ClaimSummary>,
    pub tiers: Vec<StorageTier>,
    pub longhorn_volumes: Vec<LonghornVolumeRow>,
    pub longhorn_nodes: Vec<LonghornNodeRow>,
}

/// A Flux Kustomization or HelmRelease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FluxObject {
    /// `Kustomization` or `HelmRelease`.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// From the Ready condition; Unknown without one.
    pub ready: Readiness,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub suspended: bool,
    /// What was last applied: a Git revision, or a chart version.
    pub applied_revision: Option<String>,
    /// What was last tried, when it differs from the applied one.
    pub attempted_revision: Option<String>,
    /// Unix seconds of the latest reconcile Flux recorded (the Ready condition's transition, a
    /// requested reconcile, or a Helm release, whichever is newest).
    pub last_reconcile: Option<i64>,
    /// Where it comes from: `GitRepository/flux-system ./path` or `chart@version`.
    pub source: Option<String>,
    pub interval: Option<String>,
}

/// Everything the GitOps page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitOpsView {
    pub now: i64,
    pub kustomizations: Vec<FluxObject>,
    pub helm_releases: Vec<FluxObject>,
}

pub mod aar;
pub mod actions;
pub mod alerts;
pub mod checks;
pub mod drills;
pub mod events;
pub mod incident;
pub mod logs;
pub mod notices;
pub mod notify;

#[cfg(test)]
mod tests {
    use super::{HealthLevel, ServiceStatus};

    /// The browser reads these names without serde: they must be the names serde writes.
    #[test]
    fn status_and_health_names_are_the_ones_serde_writes_and_read_back() {
        for status in [
            ServiceStatus::Up,
            ServiceStatus::Degraded,
            ServiceStatus::Down,
            ServiceStatus::ScaledToZero,
            ServiceStatus::Unknown,
        ] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(ServiceStatus::parse(status.as_str()), Some(status));
        }
        for level in HealthLevel::ALL {
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{}\"", level.as_str()));
            assert_eq!(HealthLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(ServiceStatus::parse("Up"), None);
        assert_eq!(HealthLevel::parse(""), None);
    }
}
