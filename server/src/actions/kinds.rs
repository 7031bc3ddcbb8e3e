//! What each action changes, how it is sent, and when it is refused. Each one reads its target
//! fresh from the API server (never from the caches: the preview must show what is there now),
//! and names the fields it changes so the preview and the audit entry show exactly those.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Node, PersistentVolume, PersistentVolumeClaim};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::{velero, ActionError};
use crate::cluster::views::quantity::parse_bytes;

/// Field manager of every change the control plane sends.
const MANAGER: &str = "homelab-control-plane";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
}

impl WorkloadKind {
    fn parse(text: &str) -> Result<Self, ActionError> {
        match text {
            "Deployment" => Ok(WorkloadKind::Deployment),
            "StatefulSet" => Ok(WorkloadKind::StatefulSet),
            other => Err(ActionError::Invalid(format!(
                "kind must be Deployment or StatefulSet, not {other:?}"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
        }
    }

    fn resource(self) -> ApiResource {
        match self {
            WorkloadKind::Deployment => ApiResource::erase::<Deployment>(&()),
            WorkloadKind::StatefulSet => ApiResource::erase::<StatefulSet>(&()),
        }
    }
}

/// The Flux objects that can be reconciled, suspended and resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FluxKind {
    Kustomization,
    HelmRelease,
}

impl FluxKind {
    fn parse(text: &str) -> Result<Self, ActionError> {
        match text {
            "Kustomization" => Ok(FluxKind::Kustomization),
            "HelmRelease" => Ok(FluxKind::HelmRelease),
            other => Err(ActionError::Invalid(format!(
                "kind must be Kustomization or HelmRelease, not {other:?}"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "Kustomization",
            FluxKind::HelmRelease => "HelmRelease",
        }
    }

    fn resource(self) -> ApiResource {
        let gvk = match self {
            FluxKind::Kustomization => {
                GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization")
            }
            FluxKind::HelmRelease => {
                GroupVersionKind::gvk("helm.toolkit.fluxcd.io", "v2", "HelmRelease")
            }
        };
        ApiResource::from_gvk(&gvk)
    }
}

/// What to do to a Flux object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FluxOp {
    /// Ask for a reconcile now (the `reconcile.fluxcd.io/requestedAt` annotation).
    Reconcile,
    Suspend,
    Resume,
}

impl FluxOp {
    fn as_str(self) -> &'static str {
        match self {
            FluxOp::Reconcile => "reconcile",
            FluxOp::Suspend => "suspend",
            FluxOp::Resume => "resume",
        }
    }
}

/// Where a backup's contents come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackupFrom {
    /// The template of this Schedule (in the backup's namespace).
    Schedule(String),
    /// Only these namespaces, ad hoc.
    Namespaces(Vec<String>),
}

/// An action on one object, as the preview and confirmation forms carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Set a workload's replicas through the scale subresource.
    Scale {
        kind: WorkloadKind,
        namespace: String,
        name: String,
        replicas: i32,
    },
    /// Remove a Released PersistentVolume's claimRef so it becomes Available.
    ClearClaimRef { volume: String },
    /// Point a Released PersistentVolume's claimRef at the claim `namespace/claim` (name and
    /// namespace set, uid and resourceVersion dropped), so that claim binds to it.
    PointClaimRef {
        volume: String,
        namespace: String,
        claim: String,
    },
    /// Mark a node unschedulable, or schedulable again.
    Cordon { node: String, cordon: bool },
    /// Replace a workload's pods (the `kubectl rollout restart` annotation).
    Restart {
        kind: WorkloadKind,
        namespace: String,
        name: String,
    },
    /// Reconcile, suspend or resume a Flux Kustomization or HelmRelease.
    Flux {
        kind: FluxKind,
        namespace: String,
        name: String,
        op: FluxOp,
    },
    /// Create a Velero Backup in Velero's `namespace`. `force` goes ahead although the storage
    /// location is Unavailable.
    Backup {
        namespace: String,
        from: BackupFrom,
        force: bool,
    },
}

/// What an action is checked against, read fresh from the API server.
#[derive(Clone, Debug, Default)]
pub struct Current {
    /// The object the action changes; for a backup, the Schedule it copies (`{}` ad hoc).
    pub object: Value,
    /// The storage location a backup writes to.
    pub location: Option<Value>,
    /// An ad hoc backup's namespaces that do not exist.
    pub missing_namespaces: Vec<String>,
    /// The claim a volume is to be pointed at (`Null`: it does not exist).
    pub claim: Option<Value>,
    /// A Deployment scaled to zero, whole: whether its pods mount claims.
    pub workload: Option<Value>,
}

impl Current {
    /// The resourceVersion the confirmation must carry (empty for an ad hoc backup, which
    /// changes no existing object).
    pub fn resource_version(&self) -> String {
        self.object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

/// The annotation `kubectl rollout restart` sets on the pod template.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// The annotation `flux reconcile` sets.
const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string()
}

/// The fields of a form, by name.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Result<&'a str, ActionError> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ActionError::Invalid(format!("the form has no {name}")))
}

/// A Kubernetes object name of the DNS subdomain kind (workloads, volumes, nodes, Flux objects,
/// schedules): checked before a preview, so nothing unchecked reaches its kubectl line or a URL.
fn dns_subdomain(what: &str, text: &str) -> Result<String, ActionError> {
    let ok = !text.is_empty()
        && text.len() <= 253
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && text
            .split('.')
            .all(|part| !part.is_empty() && !part.starts_with('-') && !part.ends_with('-'));
    if ok {
        Ok(text.to_owned())
    } else {
        let shown: String = text.chars().take(80).collect();
        Err(ActionError::Invalid(format!(
            "{what} {shown:?} is not a valid name (lowercase letters, digits, '-' and '.', at \
             most 253)"
        )))
    }
}

/// A Kubernetes object name of the DNS label kind (namespaces, claims): checked here so a typo
/// is named in words rather than as the API server's 422.
fn dns_label(what: &str, text: &str) -> Result<String, ActionError> {
    let ok = !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-');
    if ok {
        Ok(text.to_owned())
    } else {
        let shown: String = text.chars().take(80).collect();
        Err(ActionError::Invalid(format!(
            "{what} {shown:?} is not a valid name (lowercase letters, digits and '-', at most 63)"
        )))
    }
}

/// Every `namespaces` field, each a comma-separated list; in order, without repeats.
fn namespace_list(fields: &[(String, String)]) -> Result<Vec<String>, ActionError> {
    let mut out: Vec<String> = Vec::new();
    for (_, value) in fields.iter().filter(|(k, _)| k == "namespaces") {
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let ns = dns_label("namespace", part)?;
            if !out.contains(&ns) {
                out.push(ns);
            }
        }
    }
    if out.is_empty() {
        return Err(ActionError::Invalid(
            "choose at least one namespace to back up".into(),
        ));
    }
    Ok(out)
}

impl Action {
    /// Reads an action from form or query fields (`action` names it).
    pub fn from_fields(fields: &[(String, String)]) -> Result<Action, ActionError> {
        let workload = || -> Result<(WorkloadKind, String, String), ActionError> {
            Ok((
                WorkloadKind::parse(field(fields, "kind")?)?,
                dns_label("namespace", field(fields, "namespace")?)?,
                dns_subdomain("name", field(fields, "name")?)?,
            ))
        };
        match field(fields, "action")? {
            "scale" => {
                let replicas = field(fields, "replicas")?;
                let replicas = replicas.parse::<i32>().map_err(|_| {
                    ActionError::Invalid(format!(
                        "replicas must be a whole number, not {replicas:?}"
                    ))
                })?;
                let (kind, namespace, name) = workload()?;
                Ok(Action::Scale {
                    kind,
                    namespace,
                    name,
                    replicas,
                })
            }
            "clear-claim-ref" => Ok(Action::ClearClaimRef {
                volume: dns_subdomain("volume", field(fields, "name")?)?,
            }),
            "point-claim-ref" => Ok(Action::PointClaimRef {
                volume: dns_subdomain("volume", field(fields, "name")?)?,
                namespace: dns_label("namespace", field(fields, "claim_namespace")?)?,
                claim: dns_label("claim", field(fields, "claim")?)?,
            }),
            op @ ("cordon" | "uncordon") => Ok(Action::Cordon {
                node: dns_subdomain("node", field(fields, "name")?)?,
                cordon: op == "cordon",
            }),
            "restart" => {
                let (kind, namespace, name) = workload()?;
                Ok(Action::Restart {
                    kind,
                    namespace,
                    name,
                })
            }
            op @ ("reconcile" | "suspend" | "resume") => Ok(Action::Flux {
                kind: FluxKind::parse(field(fields, "kind")?)?,
                namespace: dns_label("namespace", field(fields, "namespace")?)?,
                name: dns_subdomain("name", field(fields, "name")?)?,
                op: match op {
                    "reconcile" => FluxOp::Reconcile,
                    "suspend" => FluxOp::Suspend,
                    _ => FluxOp::Resume,
                },
            }),
            "backup" => {
                let from = match field(fields, "schedule") {
                    Ok(schedule) => BackupFrom::Schedule(dns_subdomain("schedule", schedule)?),
                    Err(_) => BackupFrom::Namespaces(namespace_list(fields)?),
                };
                Ok(Action::Backup {
                    namespace: dns_label("namespace", field(fields, "namespace")?)?,
                    from,
                    force: field(fields, "force").is_ok_and(|f| f == "yes"),
                })
            }
            other => Err(ActionError::Invalid(format!(
                "there is no action {other:?}"
            ))),
        }
    }

    /// The fields that say this action again (the confirmation form's hidden inputs).
    pub fn to_fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        match self {
            Action::Scale {
                kind,
                namespace,
                name,
                replicas,
            } => vec![
                f("action", "scale"),
                f("kind", kind.as_str()),
                f("namespace", namespace),
                f("name", name),
                f("replicas", &replicas.to_string()),
            ],
            Action::ClearClaimRef { volume } => {
                vec![f("action", "clear-claim-ref"), f("name", volume)]
            }
            Action::PointClaimRef {
                volume,
                namespace,
                claim,
            } => vec![
                f("action", "point-claim-ref"),
                f("name", volume),
                f("claim_namespace", namespace),
                f("claim", claim),
            ],
            Action::Cordon { node, .. } => vec![f("action", self.kind()), f("name", node)],
            Action::Restart {
                kind,
                namespace,
                name,
            } => vec![
                f("action", "restart"),
                f("kind", kind.as_str()),
                f("namespace", namespace),
                f("name", name),
            ],
            Action::Flux {
                kind,
                namespace,
                name,
                op,
            } => vec![
                f("action", op.as_str()),
                f("kind", kind.as_str()),
                f("namespace", namespace),
                f("name", name),
            ],
            Action::Backup {
                namespace,
                from,
                force,
            } => {
                let mut out = vec![f("action", "backup"), f("namespace", namespace)];
                match from {
                    BackupFrom::Schedule(s) => out.push(f("schedule", s)),
                    BackupFrom::Namespaces(list) => out.push(f("namespaces", &list.join(","))),
                }
                if *force {
                    out.push(f("force", "yes"));
                }
                out
            }
        }
    }

    /// The same action, going ahead although the storage location is Unavailable.
    pub fn forced(&self) -> Option<Action> {
        match self {
            Action::Backup {
                namespace,
                from,
                force: false,
            } => Some(Action::Backup {
                namespace: namespace.clone(),
                from: from.clone(),
                force: true,
            }),
            _ => None,
        }
    }

    /// The action's name in the audit log and the metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Scale { .. } => "scale",
            Action::ClearClaimRef { .. } => "clear-claim-ref",
            Action::PointClaimRef { .. } => "point-claim-ref",
            Action::Cordon { cordon: true, .. } => "cordon",
            Action::Cordon { cordon: false, .. } => "uncordon",
            Action::Restart { .. } => "restart",
            Action::Flux { op, .. } => op.as_str(),
            Action::Backup { .. } => "backup",
        }
    }

    /// What people call it.
    pub fn title(&self) -> String {
        match self {
            Action::Scale {
                kind,
                name,
                replicas,
                ..
            } => format!("Scale {} {name} to {replicas}", kind.as_str()),
            Action::ClearClaimRef { volume } => format!("Clear the claimRef of volume {volume}"),
            Action::PointClaimRef {
                volume,
                namespace,
                claim,
            } => format!("Point volume {volume} at claim {namespace}/{claim}"),
            Action::Cordon { node, cordon: true } => format!("Cordon node {node}"),
            Action::Cordon {
                node,
                cordon: false,
            } => format!("Uncordon node {node}"),
            Action::Restart { kind, name, .. } => {
                format!("Restart the pods of {} {name}", kind.as_str())
            }
            Action::Flux { kind, name, op, .. } => {
                let verb = match op {
                    FluxOp::Reconcile => "Reconcile",
                    FluxOp::Suspend => "Suspend",
                    FluxOp::Resume => "Resume",
                };
                format!("{verb} {} {name}", kind.as_str())
            }
            Action::Backup {
                from: BackupFrom::Schedule(s),
                ..
            } => format!("Back up now from schedule {s}"),
            Action::Backup {
                from: BackupFrom::Namespaces(list),
                ..
            } => format!("Back up namespace{} {}", plural(list), list.join(", ")),
        }
    }

    /// The target, as the audit log names it: `Deployment media/plex`, `PersistentVolume pv-1`.
    pub fn target(&self) -> String {
        match self {
            Action::Scale {
                kind,
                namespace,
                name,
                ..
            }
            | Action::Restart {
                kind,
                namespace,
                name,
            } => format!("{} {namespace}/{name}", kind.as_str()),
            Action::ClearClaimRef { volume } | Action::PointClaimRef { volume, .. } => {
                format!("PersistentVolume {volume}")
            }
            Action::Cordon { node, .. } => format!("Node {node}"),
            Action::Flux {
                kind,
                namespace,
                name,
                ..
            } => format!("{} {namespace}/{name}", kind.as_str()),
            Action::Backup {
                namespace,
                from: BackupFrom::Schedule(s),
                ..
            } => format!("Schedule {namespace}/{s}"),
            Action::Backup {
                from: BackupFrom::Namespaces(list),
                ..
            } => format!("Namespace{} {}", plural(list), list.join(", ")),
        }
    }

    /// What the admin types to confirm.
    pub fn confirm_name(&self) -> String {
        match self {
            Action::Scale { name, .. }
            | Action::Restart { name, .. }
            | Action::Flux { name, .. } => name.clone(),
            Action::ClearClaimRef { volume } | Action::PointClaimRef { volume, .. } => {
                volume.clone()
            }
            Action::Cordon { node, .. } => node.clone(),
            Action::Backup {
                from: BackupFrom::Schedule(s),
                ..
            } => s.clone(),
            Action::Backup {
                from: BackupFrom::Namespaces(list),
                ..
            } => list.join(","),
        }
    }

    /// The same change from a terminal.
    pub fn command(&self) -> String {
        match self {
            Action::Scale {
                kind,
                namespace,
                name,
                replicas,
            } => format!(
                "kubectl -n {namespace} scale {}/{name} --replicas={replicas}",
                kind.as_str().to_lowercase()
            ),
            Action::ClearClaimRef { volume } => format!(
                "kubectl patch pv {volume} --type=json -p '[{{\"op\":\"remove\",\"path\":\"/spec/claimRef\"}}]'"
            ),
            Action::PointClaimRef {
                volume,
                namespace,
                claim,
            } => format!(
                "kubectl patch pv {volume} --type=merge -p '{{\"spec\":{{\"claimRef\":{{\"namespace\":\"{namespace}\",\"name\":\"{claim}\",\"uid\":null,\"resourceVersion\":null}}}}}}'"
            ),
            Action::Cordon { node, cordon } => {
                format!("kubectl {} {node}", if *cordon { "cordon" } else { "uncordon" })
            }
            Action::Restart {
                kind,
                namespace,
                name,
            } => format!(
                "kubectl -n {namespace} rollout restart {}/{name}",
                kind.as_str().to_lowercase()
            ),
            Action::Flux {
                kind,
                namespace,
                name,
                op,
            } => format!(
                "flux {} {} {name} -n {namespace}",
                op.as_str(),
                match kind {
                    FluxKind::Kustomization => "kustomization",
                    FluxKind::HelmRelease => "helmrelease",
                }
            ),
            Action::Backup {
                namespace,
                from: BackupFrom::Schedule(s),
                ..
            } => format!("velero backup create --from-schedule {s} -n {namespace}"),
            Action::Backup {
                namespace,
                from: BackupFrom::Namespaces(list),
                ..
            } => {
                let name = match list.as_slice() {
                    [one] => format!("{one}-manual"),
                    _ => "manual".into(),
                };
                format!(
                    "velero backup create {name}-$(date -u +%Y%m%d%H%M%S) --include-namespaces {} -n {namespace}",
                    list.join(",")
                )
            }
        }
    }

    /// What this kind of action asks of the API, as RBAC names it (group, resource, verbs): `get`
    /// for [`Action::read`], `patch` or `create` for [`Action::send`]. `cluster::rbac` holds the
    /// shipped ClusterRole to exactly the watch caches' reads plus these.
    pub fn permissions(&self) -> &'static [(&'static str, &'static str, &'static [&'static str])] {
        match self {
            // The workload too: a Deployment scaled to zero is read whole, for its claims.
            Action::Scale { .. } => &[
                ("apps", "deployments/scale", &["get", "patch"]),
                ("apps", "statefulsets/scale", &["get", "patch"]),
                ("apps", "deployments", &["get"]),
            ],
            Action::ClearClaimRef { .. } => &[("", "persistentvolumes", &["get", "patch"])],
            Action::PointClaimRef { .. } => &[
                ("", "persistentvolumes", &["get", "patch"]),
                ("", "persistentvolumeclaims", &["get"]),
            ],
            Action::Cordon { .. } => &[("", "nodes", &["get", "patch"])],
            Action::Restart { .. } => &[
                ("apps", "deployments", &["get", "patch"]),
                ("apps", "statefulsets", &["get", "patch"]),
            ],
            Action::Flux { .. } => &[
                (
                    "kustomize.toolkit.fluxcd.io",
                    "kustomizations",
                    &["get", "patch"],
                ),
                ("helm.toolkit.fluxcd.io", "helmreleases", &["get", "patch"]),
            ],
            Action::Backup { .. } => &[
                ("velero.io", "backups", &["create"]),
                ("velero.io", "schedules", &["get"]),
                ("velero.io", "backupstoragelocations", &["list"]),
                ("", "namespaces", &["get"]),
            ],
        }
    }

    /// One action of each kind, for checks that must cover them all.
    pub fn samples() -> Vec<Action> {
        let s = String::new;
        vec![
            Action::Scale {
                kind: WorkloadKind::Deployment,
                namespace: s(),
                name: s(),
                replicas: 0,
            },
            Action::ClearClaimRef { volume: s() },
            Action::PointClaimRef {
                volume: s(),
                namespace: s(),
                claim: s(),
            },
            Action::Cordon {
                node: s(),
                cordon: true,
            },
            Action::Restart {
                kind: WorkloadKind::Deployment,
                namespace: s(),
                name: s(),
            },
            Action::Flux {
                kind: FluxKind::Kustomization,
                namespace: s(),
                name: s(),
                op: FluxOp::Reconcile,
            },
            Action::Backup {
                namespace: s(),
                from: BackupFrom::Namespaces(vec![]),
                force: false,
            },
        ]
    }

    /// The fields this action changes, as JSON pointers into what [`Action::read`] returns.
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Action::Scale { .. } => &["/spec/replicas"],
            Action::ClearClaimRef { .. } | Action::PointClaimRef { .. } => &["/spec/claimRef"],
            Action::Cordon { .. } => &["/spec/unschedulable"],
            Action::Restart { .. } => {
                &["/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"]
            }
            Action::Flux { .. } => &[
                "/spec/suspend",
                "/metadata/annotations/reconcile.fluxcd.io~1requestedAt",
            ],
            Action::Backup { .. } => &[
                "/metadata/name",
                "/metadata/labels",
                "/metadata/ownerReferences",
                "/spec/includedNamespaces",
                "/spec/excludedNamespaces",
                "/spec/includedResources",
                "/spec/excludedResources",
                "/spec/labelSelector",
                "/spec/storageLocation",
                "/spec/ttl",
                "/spec/snapshotVolumes",
                "/spec/defaultVolumesToFsBackup",
            ],
        }
    }

    /// Whether the action creates a new object (so nothing is there before it).
    pub fn creates(&self) -> bool {
        matches!(self, Action::Backup { .. })
    }

    /// The API of the object this action reads and changes, and its name.
    fn object_api(&self, client: &Client) -> (Api<DynamicObject>, &str) {
        let namespaced = |ar: ApiResource, ns: &str| Api::namespaced_with(client.clone(), ns, &ar);
        let cluster = |ar: ApiResource| Api::all_with(client.clone(), &ar);
        match self {
            Action::Scale {
                kind,
                namespace,
                name,
                ..
            }
            | Action::Restart {
                kind,
                namespace,
                name,
            } => (namespaced(kind.resource(), namespace), name),
            Action::ClearClaimRef { volume } | Action::PointClaimRef { volume, .. } => {
                (cluster(ApiResource::erase::<PersistentVolume>(&())), volume)
            }
            Action::Cordon { node, .. } => (cluster(ApiResource::erase::<Node>(&())), node),
            Action::Flux {
                kind,
                namespace,
                name,
                ..
            } => (namespaced(kind.resource(), namespace), name),
            Action::Backup {
                namespace, from, ..
            } => {
                let name = match from {
                    BackupFrom::Schedule(s) => s.as_str(),
                    BackupFrom::Namespaces(_) => "",
                };
                (namespaced(velero_resource("Schedule"), namespace), name)
            }
        }
    }

    /// The merge patch of this action (without the resourceVersion condition).
    fn patch(&self) -> Value {
        match self {
            Action::Scale { replicas, .. } => json!({"spec": {"replicas": replicas}}),
            Action::ClearClaimRef { .. } => json!({"spec": {"claimRef": null}}),
            Action::PointClaimRef {
                namespace, claim, ..
            } => json!({"spec": {"claimRef": {
                "namespace": namespace, "name": claim, "uid": null, "resourceVersion": null
            }}}),
            Action::Cordon { cordon: true, .. } => json!({"spec": {"unschedulable": true}}),
            Action::Cordon { cordon: false, .. } => json!({"spec": {"unschedulable": null}}),
            Action::Restart { .. } => json!({"spec": {"template": {"metadata": {"annotations": {
                RESTARTED_AT: now_rfc3339()
            }}}}}),
            Action::Flux {
                op: FluxOp::Reconcile,
                ..
            } => json!({"metadata": {"annotations": {REQUESTED_AT: now_rfc3339()}}}),
            Action::Flux {
                op: FluxOp::Suspend,
                ..
            } => json!({"spec": {"suspend": true}}),
            Action::Flux {
                op: FluxOp::Resume, ..
            } => json!({"spec": {"suspend": null}}),
            Action::Backup { .. } => Value::Null,
        }
    }

    /// The target as it is now (for a scale: its scale subresource), and what its checks need.
    pub async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        let (api, name) = self.object_api(client);
        let mut current = Current::default();
        match self {
            Action::Scale { kind, replicas, .. } => {
                current.object = scale_value(api.get_scale(name).await?);
                if *replicas == 0 && *kind == WorkloadKind::Deployment {
                    current.workload = Some(to_value(api.get(name).await?));
                }
            }
            Action::Backup {
                namespace, from, ..
            } => {
                let locations: Api<DynamicObject> = Api::namespaced_with(
                    client.clone(),
                    namespace,
                    &velero_resource("BackupStorageLocation"),
                );
                let locations: Vec<Value> = locations
                    .list(&Default::default())
                    .await?
                    .items
                    .into_iter()
                    .map(to_value)
                    .collect();
                let named = match from {
                    BackupFrom::Schedule(_) => {
                        current.object = to_value(api.get(name).await?);
                        current
                            .object
                            .pointer("/spec/template/storageLocation")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    }
                    BackupFrom::Namespaces(list) => {
                        current.object = json!({});
                        let namespaces: Api<Namespace> = Api::all(client.clone());
                        for ns in list {
                            if namespaces.get_opt(ns).await?.is_none() {
                                current.missing_namespaces.push(ns.clone());
                            }
                        }
                        None
                    }
                };
                current.location = velero::location(named.as_deref(), &locations).ok().cloned();
            }
            Action::PointClaimRef {
                namespace, claim, ..
            } => {
                current.object = to_value(api.get(name).await?);
                let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
                current.claim = Some(
                    claims
                        .get_opt(claim)
                        .await?
                        .map(to_value)
                        .unwrap_or(Value::Null),
                );
            }
            _ => current.object = to_value(api.get(name).await?),
        }
        Ok(current)
    }

    /// Refuses what must not be done, with the reason; otherwise the warnings to show.
    pub fn check(&self, current: &Current, max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let refuse = |reason: String| Err(ActionError::Refused(reason));
        let object = &current.object;
        match self {
            Action::Scale { replicas, .. } => {
                if !(0..=max_replicas).contains(replicas) {
                    return refuse(format!(
                        "replicas must be between 0 and {max_replicas} (the configured maximum), not {replicas}"
                    ));
                }
                Ok(Vec::new())
            }
            Action::ClearClaimRef { volume } => {
                released(volume, object)?;
                Ok(Vec::new())
            }
            Action::PointClaimRef {
                volume,
                namespace,
                claim,
            } => {
                released(volume, object)?;
                let pvc = current.claim.as_ref().filter(|c| !c.is_null()).ok_or_else(|| {
                    ActionError::Refused(format!(
                        "there is no claim {namespace}/{claim}: create it first (Pending), then point the volume at it"
                    ))
                })?;
                claim_fits(volume, object, &format!("{namespace}/{claim}"), pvc)
            }
            Action::Cordon { node, cordon } => {
                let cordoned = object
                    .pointer("/spec/unschedulable")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                match (cordon, cordoned) {
                    (true, true) => refuse(format!("node {node} is already cordoned")),
                    (false, false) => refuse(format!("node {node} is not cordoned")),
                    _ => Ok(Vec::new()),
                }
            }
            Action::Restart { .. } => Ok(Vec::new()),
            Action::Flux { kind, name, op, .. } => {
                let suspended = object
                    .pointer("/spec/suspend")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                match (op, suspended) {
                    (FluxOp::Suspend, true) => {
                        refuse(format!("{} {name} is already suspended", kind.as_str()))
                    }
                    (FluxOp::Resume, false) => {
                        refuse(format!("{} {name} is not suspended", kind.as_str()))
                    }
                    (FluxOp::Reconcile, true) => refuse(format!(
                        "{} {name} is suspended: Flux ignores reconcile requests until it is resumed",
                        kind.as_str()
                    )),
                    _ => Ok(Vec::new()),
                }
            }
            Action::Backup {
                namespace,
                from,
                force,
            } => {
                let mut warnings = Vec::new();
                match from {
                    BackupFrom::Schedule(_) => {
                        if let Some(reason) = velero::schedule_refusal(object) {
                            return refuse(reason);
                        }
                        warnings.extend(velero::schedule_warnings(object));
                    }
                    BackupFrom::Namespaces(_) if !current.missing_namespaces.is_empty() => {
                        return refuse(format!(
                            "no namespace {} in the cluster",
                            current.missing_namespaces.join(", ")
                        ));
                    }
                    BackupFrom::Namespaces(_) => {}
                }
                let Some(location) = &current.location else {
                    let named = object
                        .pointer("/spec/template/storageLocation")
                        .and_then(Value::as_str);
                    return refuse(match named {
                        Some(n) => format!("there is no backup storage location {n} in {namespace}"),
                        None => format!(
                            "no backup storage location in {namespace} is marked default, so Velero has nowhere to write"
                        ),
                    });
                };
                match velero::location_state(location, *force) {
                    Ok(warning) => warnings.extend(warning),
                    Err(reason) => return Err(ActionError::NeedsOverride(reason)),
                }
                Ok(warnings)
            }
        }
    }

    /// The namespace whose data this action puts at risk, when it touches stateful things: a
    /// StatefulSet, or a Deployment mounting claims, scaled to zero; a volume's claimRef cleared
    /// or re-pointed (the claim's namespace). The preview offers to back it up first.
    pub fn stateful_namespace(&self, current: &Current) -> Option<String> {
        match self {
            Action::Scale {
                kind: WorkloadKind::StatefulSet,
                namespace,
                replicas: 0,
                ..
            } => Some(namespace.clone()),
            Action::Scale {
                namespace,
                replicas: 0,
                ..
            } => {
                let volumes = current
                    .workload
                    .as_ref()?
                    .pointer("/spec/template/spec/volumes")?
                    .as_array()?;
                volumes
                    .iter()
                    .any(|v| v.get("persistentVolumeClaim").is_some())
                    .then(|| namespace.clone())
            }
            Action::ClearClaimRef { .. } | Action::PointClaimRef { .. } => current
                .object
                .pointer("/spec/claimRef/namespace")
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        }
    }

    /// Sends the change: a merge patch conditional on the resourceVersion read (the API server
    /// answers 409 if the object moved on), or for a backup the new Backup. A dry run changes
    /// nothing.
    pub async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        if let Action::Backup {
            namespace, from, ..
        } = self
        {
            let now = jiff::Timestamp::now();
            let backup = match from {
                BackupFrom::Schedule(_) => velero::from_schedule(&current.object, now),
                BackupFrom::Namespaces(list) => velero::ad_hoc(namespace, list, now),
            };
            let backup: DynamicObject = serde_json::from_value(backup)
                .map_err(|e| ActionError::Invalid(format!("the backup is malformed: {e}")))?;
            let api: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), namespace, &velero_resource("Backup"));
            let params = PostParams {
                dry_run,
                field_manager: Some(MANAGER.into()),
            };
            return Ok(to_value(api.create(&params, &backup).await?));
        }
        let mut params = PatchParams::apply(MANAGER);
        params.force = false;
        params.dry_run = dry_run;
        let mut patch = self.patch();
        if let Some(object) = patch.as_object_mut() {
            let metadata = object.entry("metadata").or_insert_with(|| json!({}));
            if let Some(metadata) = metadata.as_object_mut() {
                metadata.insert("resourceVersion".into(), json!(current.resource_version()));
            }
        }
        let patch = Patch::Merge(&patch);
        let (api, name) = self.object_api(client);
        if let Action::Scale { .. } = self {
            return Ok(scale_value(api.patch_scale(name, &params, &patch).await?));
        }
        Ok(to_value(api.patch(name, &params, &patch).await?))
    }
}

fn plural(list: &[String]) -> &'static str {
    if list.len() == 1 {
        ""
    } else {
        "s"
    }
}

fn velero_resource(kind: &str) -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("velero.io", "v1", kind))
}

/// Refuses unless `volume` is Released and still has a claimRef.
fn released(volume: &str, pv: &Value) -> Result<(), ActionError> {
    let phase = pv
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    if phase != "Released" {
        return Err(ActionError::Refused(format!(
            "volume {volume} is {phase}, not Released: only a Released volume's claimRef is changed, so no bound claim loses its data"
        )));
    }
    if pv.pointer("/spec/claimRef").is_none_or(Value::is_null) {
        return Err(ActionError::Refused(format!(
            "volume {volume} has no claimRef to change"
        )));
    }
    Ok(())
}

/// Refuses pointing `volume` at a claim the PV binder would not bind to it: one bound elsewhere,
/// or whose storage class, access modes or size the volume does not satisfy.
fn claim_fits(
    volume: &str,
    pv: &Value,
    claim: &str,
    pvc: &Value,
) -> Result<Vec<String>, ActionError> {
    let refuse = |reason: String| Err(ActionError::Refused(reason));
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    if let Some(other) = text(pvc, "/spec/volumeName").filter(|v| v != volume) {
        return refuse(format!("claim {claim} is already bound to volume {other}"));
    }
    if text(pvc, "/status/phase").as_deref() == Some("Bound") {
        return refuse(format!("claim {claim} is already Bound"));
    }
    let pv_class = text(pv, "/spec/storageClassName").unwrap_or_default();
    let pvc_class = text(pvc, "/spec/storageClassName").unwrap_or_default();
    if pv_class != pvc_class {
        return refuse(format!(
            "claim {claim} asks for storage class {pvc_class:?} but volume {volume} is {pv_class:?}: the claim would never bind to it"
        ));
    }
    let modes = |v: &Value, p: &str| -> Vec<String> {
        v.pointer(p)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let offered = modes(pv, "/spec/accessModes");
    if let Some(m) = modes(pvc, "/spec/accessModes")
        .into_iter()
        .find(|m| !offered.contains(m))
    {
        return refuse(format!(
            "claim {claim} asks for access mode {m}, which volume {volume} does not offer"
        ));
    }
    let size = |v: &Value, p: &str| text(v, p).and_then(|q| parse_bytes(&q));
    match (
        size(pv, "/spec/capacity/storage"),
        size(pvc, "/spec/resources/requests/storage"),
    ) {
        (Some(has), Some(wants)) if has < wants => refuse(format!(
            "claim {claim} asks for more storage than volume {volume} holds"
        )),
        _ => Ok(Vec::new()),
    }
}

fn to_value<T: serde::Serialize>(object: T) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// A Scale as a value, with `spec.replicas` spelled out: the API leaves a zero out.
fn scale_value(scale: k8s_openapi::api::autoscaling::v1::Scale) -> Value {
    let mut value = to_value(scale);
    if let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) {
        spec.entry("replicas").or_insert(json!(0));
    } else if let Some(object) = value.as_object_mut() {
        object.insert("spec".into(), json!({"replicas": 0}));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms_read_back_into_the_same_action() {
        let scale = Action::Scale {
            kind: WorkloadKind::StatefulSet,
            namespace: "monitoring".into(),
            name: "grafana".into(),
            replicas: 1,
        };
        assert_eq!(Action::from_fields(&scale.to_fields()).unwrap(), scale);
        let clear = Action::ClearClaimRef {
            volume: "pv-media".into(),
        };
        assert_eq!(Action::from_fields(&clear.to_fields()).unwrap(), clear);
    }

    #[test]
    fn names_and_namespaces_are_checked_before_a_preview() {
        let e = Action::from_fields(&fields(&[
            ("action", "scale"),
            ("kind", "Deployment"),
            ("namespace", "../../etc"),
            ("name", "grafana"),
            ("replicas", "1"),
        ]))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("namespace \"../../etc\" is not a valid name"),
            "{e}"
        );
        let e =
            Action::from_fields(&fields(&[("action", "cordon"), ("name", "k3s1;rm")])).unwrap_err();
        assert!(e.to_string().contains("node \"k3s1;rm\""), "{e}");
        assert!(Action::from_fields(&fields(&[
            ("action", "clear-claim-ref"),
            ("name", "pvc-68ac1102-62b5-5568-827a-8ddfb5f183ed"),
        ]))
        .is_ok());
    }

    #[test]
    fn bad_forms_name_what_is_wrong() {
        let e = Action::from_fields(&fields(&[("action", "explode")])).unwrap_err();
        assert_eq!(e.to_string(), "there is no action \"explode\"");
        let e = Action::from_fields(&fields(&[
            ("action", "scale"),
            ("kind", "Deployment"),
            ("namespace", "media"),
            ("name", "plex"),
            ("replicas", "two"),
        ]))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "replicas must be a whole number, not \"two\""
        );
        let e = Action::from_fields(&fields(&[("action", "clear-claim-ref")])).unwrap_err();
        assert_eq!(e.to_string(), "the form has no name");
        let e = Action::from_fields(&fields(&[
            ("action", "scale"),
            ("kind", "DaemonSet"),
            ("namespace", "x"),
            ("name", "y"),
            ("replicas", "1"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("Deployment or StatefulSet"));
    }

    fn on(object: Value) -> Current {
        Current {
            object,
            ..Current::default()
        }
    }

    #[test]
    fn scaling_out_of_range_and_clearing_a_bound_volume_are_refused() {
        let scale = |replicas| Action::Scale {
            kind: WorkloadKind::Deployment,
            namespace: "media".into(),
            name: "plex".into(),
            replicas,
        };
        assert!(scale(0).check(&on(json!({})), 10).is_ok());
        assert!(scale(11).check(&on(json!({})), 10).is_err());
        assert!(scale(-1).check(&on(json!({})), 10).is_err());
        let clear = Action::ClearClaimRef {
            volume: "pv".into(),
        };
        let bound = json!({"spec": {"claimRef": {"name": "c"}}, "status": {"phase": "Bound"}});
        let e = clear.check(&on(bound), 10).unwrap_err().to_string();
        assert!(e.contains("is Bound, not Released"), "{e}");
        let released =
            json!({"spec": {"claimRef": {"name": "c"}}, "status": {"phase": "Released"}});
        assert!(clear.check(&on(released), 10).is_ok());
    }

    fn released_pv() -> Value {
        json!({
            "spec": {"claimRef": {"namespace": "media", "name": "old", "uid": "u"},
                     "storageClassName": "nfs", "accessModes": ["ReadWriteMany"],
                     "capacity": {"storage": "10Ti"}},
            "status": {"phase": "Released"}
        })
    }

    fn claim(class: &str, size: &str, phase: &str) -> Value {
        json!({
            "spec": {"storageClassName": class, "accessModes": ["ReadWriteMany"],
                     "resources": {"requests": {"storage": size}}},
            "status": {"phase": phase}
        })
    }

    #[test]
    fn a_volume_is_pointed_only_at_an_existing_pending_claim_it_satisfies() {
        let point = Action::PointClaimRef {
            volume: "nfs-media".into(),
            namespace: "media".into(),
            claim: "media-new".into(),
        };
        let with = |claim: Value| Current {
            object: released_pv(),
            claim: Some(claim),
            ..Current::default()
        };
        assert_eq!(
            point
                .check(&with(claim("nfs", "10Ti", "Pending")), 10)
                .unwrap(),
            Vec::<String>::new()
        );
        let refused = |c: Value| point.check(&with(c), 10).unwrap_err().to_string();
        assert!(refused(Value::Null).contains("there is no claim media/media-new"));
        assert!(refused(claim("nfs", "10Ti", "Bound")).contains("already Bound"));
        assert!(refused(claim("longhorn", "10Ti", "Pending")).contains("storage class"));
        assert!(refused(claim("nfs", "20Ti", "Pending")).contains("more storage"));
        let mut rwo = claim("nfs", "1Gi", "Pending");
        rwo["spec"]["accessModes"] = json!(["ReadWriteOncePod"]);
        assert!(refused(rwo).contains("access mode ReadWriteOncePod"));
        // The patch names the claim and drops what tied the volume to the old one.
        assert_eq!(
            point.patch(),
            json!({"spec": {"claimRef": {"namespace": "media", "name": "media-new", "uid": null, "resourceVersion": null}}})
        );
    }

    #[test]
    fn backups_are_refused_for_a_long_schedule_name_missing_namespaces_and_unavailable_locations() {
        let from = |s: &str| Action::Backup {
            namespace: "velero".into(),
            from: BackupFrom::Schedule(s.into()),
            force: false,
        };
        let available = json!({"metadata": {"name": "default"}, "status": {"phase": "Available"}});
        let unavailable = json!({"metadata": {"name": "default"}, "status": {"phase": "Unavailable", "message": "NAS offline"}});
        let schedule = |name: &str| json!({"metadata": {"name": name}, "spec": {"useOwnerReferencesInBackup": true}});
        let current = |name: &str, location: &Value| Current {
            object: schedule(name),
            location: Some(location.clone()),
            ..Current::default()
        };
        let warnings = from("daily")
            .check(&current("daily", &available), 10)
            .unwrap();
        assert!(
            warnings[0].contains("useOwnerReferencesInBackup"),
            "{warnings:?}"
        );
        let long = "x".repeat(64);
        assert!(matches!(
            from(&long).check(&current(&long, &available), 10),
            Err(ActionError::Refused(_))
        ));
        let e = from("daily")
            .check(&current("daily", &unavailable), 10)
            .unwrap_err();
        assert!(matches!(e, ActionError::NeedsOverride(_)), "{e}");
        assert!(e.to_string().contains("NAS offline"));
        let forced = from("daily").forced().unwrap();
        let warnings = forced.check(&current("daily", &unavailable), 10).unwrap();
        assert!(
            warnings.iter().any(|w| w.contains("Unavailable")),
            "{warnings:?}"
        );
        let no_location = Current {
            object: schedule("daily"),
            ..Current::default()
        };
        assert!(from("daily")
            .check(&no_location, 10)
            .unwrap_err()
            .to_string()
            .contains("marked default"));
        let ad_hoc = Action::Backup {
            namespace: "velero".into(),
            from: BackupFrom::Namespaces(vec!["media".into(), "gone".into()]),
            force: false,
        };
        let missing = Current {
            object: json!({}),
            location: Some(available),
            missing_namespaces: vec!["gone".into()],
            ..Current::default()
        };
        assert_eq!(
            ad_hoc.check(&missing, 10).unwrap_err().to_string(),
            "no namespace gone in the cluster"
        );
    }

    #[test]
    fn stateful_actions_offer_a_backup_of_the_namespace_at_risk() {
        let scale = |kind, replicas| Action::Scale {
            kind,
            namespace: "monitoring".into(),
            name: "grafana".into(),
            replicas,
        };
        let none = Current::default();
        assert_eq!(
            scale(WorkloadKind::StatefulSet, 0).stateful_namespace(&none),
            Some("monitoring".into())
        );
        assert_eq!(
            scale(WorkloadKind::StatefulSet, 1).stateful_namespace(&none),
            None
        );
        let with_claim = Current {
            workload: Some(json!({"spec": {"template": {"spec": {"volumes": [
                {"name": "data", "persistentVolumeClaim": {"claimName": "grafana"}}
            ]}}}})),
            ..Current::default()
        };
        let without = Current {
            workload: Some(json!({"spec": {"template": {"spec": {"volumes": [
                {"name": "tmp", "emptyDir": {}}
            ]}}}})),
            ..Current::default()
        };
        assert_eq!(
            scale(WorkloadKind::Deployment, 0).stateful_namespace(&with_claim),
            Some("monitoring".into())
        );
        assert_eq!(
            scale(WorkloadKind::Deployment, 0).stateful_namespace(&without),
            None
        );
        let clear = Action::ClearClaimRef {
            volume: "pv".into(),
        };
        assert_eq!(
            clear.stateful_namespace(&on(released_pv())),
            Some("media".into())
        );
    }

    #[test]
    fn new_forms_read_back_and_bad_names_are_named() {
        let ad_hoc = Action::Backup {
            namespace: "velero".into(),
            from: BackupFrom::Namespaces(vec!["media".into(), "monitoring".into()]),
            force: true,
        };
        assert_eq!(Action::from_fields(&ad_hoc.to_fields()).unwrap(), ad_hoc);
        let point = Action::PointClaimRef {
            volume: "pv".into(),
            namespace: "media".into(),
            claim: "c".into(),
        };
        assert_eq!(Action::from_fields(&point.to_fields()).unwrap(), point);
        // Checkboxes send one field each; repeats and blanks are dropped.
        let many = Action::from_fields(&fields(&[
            ("action", "backup"),
            ("namespace", "velero"),
            ("namespaces", "media"),
            ("namespaces", "home, media"),
        ]))
        .unwrap();
        assert_eq!(
            many,
            Action::Backup {
                namespace: "velero".into(),
                from: BackupFrom::Namespaces(vec!["media".into(), "home".into()]),
                force: false
            }
        );
        let e = Action::from_fields(&fields(&[
            ("action", "backup"),
            ("namespace", "velero"),
            ("namespaces", "Media!"),
        ]))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("namespace \"Media!\" is not a valid name"),
            "{e}"
        );
        let e = Action::from_fields(&fields(&[("action", "backup"), ("namespace", "velero")]))
            .unwrap_err();
        assert_eq!(e.to_string(), "choose at least one namespace to back up");
    }

    #[test]
    fn every_kind_of_action_is_in_the_audit_filter() {
        let mut kinds: Vec<&str> = Action::samples().iter().map(Action::kind).collect();
        kinds.extend(["uncordon", "suspend", "resume"]);
        for kind in kinds {
            assert!(
                frontend::model::actions::ACTION_KINDS.contains(&kind),
                "{kind} is missing from ACTION_KINDS"
            );
        }
        assert_eq!(frontend::model::actions::ACTION_KINDS.len(), 10);
    }
}
