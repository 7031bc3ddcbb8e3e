//! What each action changes, how it is sent, and when it is refused. Each one reads its target
//! fresh from the API server (never from the caches: the preview must show what is there now),
//! and names the fields it changes so the preview and the audit entry show exactly those.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::PersistentVolume;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::ActionError;

/// The highest replica count the scale action accepts unless configured otherwise.
pub const DEFAULT_MAX_REPLICAS: i32 = 10;

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

impl Action {
    /// Reads an action from form or query fields (`action` names it).
    pub fn from_fields(fields: &[(String, String)]) -> Result<Action, ActionError> {
        match field(fields, "action")? {
            "scale" => {
                let replicas = field(fields, "replicas")?;
                let replicas = replicas.parse::<i32>().map_err(|_| {
                    ActionError::Invalid(format!(
                        "replicas must be a whole number, not {replicas:?}"
                    ))
                })?;
                Ok(Action::Scale {
                    kind: WorkloadKind::parse(field(fields, "kind")?)?,
                    namespace: field(fields, "namespace")?.to_owned(),
                    name: field(fields, "name")?.to_owned(),
                    replicas,
                })
            }
            "clear-claim-ref" => Ok(Action::ClearClaimRef {
                volume: field(fields, "name")?.to_owned(),
            }),
            op @ ("cordon" | "uncordon") => Ok(Action::Cordon {
                node: field(fields, "name")?.to_owned(),
                cordon: op == "cordon",
            }),
            "restart" => Ok(Action::Restart {
                kind: WorkloadKind::parse(field(fields, "kind")?)?,
                namespace: field(fields, "namespace")?.to_owned(),
                name: field(fields, "name")?.to_owned(),
            }),
            op @ ("reconcile" | "suspend" | "resume") => Ok(Action::Flux {
                kind: FluxKind::parse(field(fields, "kind")?)?,
                namespace: field(fields, "namespace")?.to_owned(),
                name: field(fields, "name")?.to_owned(),
                op: match op {
                    "reconcile" => FluxOp::Reconcile,
                    "suspend" => FluxOp::Suspend,
                    _ => FluxOp::Resume,
                },
            }),
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
        }
    }

    /// The action's name in the audit log and the metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Scale { .. } => "scale",
            Action::ClearClaimRef { .. } => "clear-claim-ref",
            Action::Cordon { cordon: true, .. } => "cordon",
            Action::Cordon { cordon: false, .. } => "uncordon",
            Action::Restart { .. } => "restart",
            Action::Flux { op, .. } => op.as_str(),
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
            } => {
                format!("Scale {} {name} to {replicas}", kind.as_str())
            }
            Action::ClearClaimRef { volume } => format!("Clear the claimRef of volume {volume}"),
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
            } => format!("{} {namespace}/{name}", kind.as_str()),
            Action::ClearClaimRef { volume } => format!("PersistentVolume {volume}"),
            Action::Cordon { node, .. } => format!("Node {node}"),
            Action::Restart {
                kind,
                namespace,
                name,
            } => format!("{} {namespace}/{name}", kind.as_str()),
            Action::Flux {
                kind,
                namespace,
                name,
                ..
            } => format!("{} {namespace}/{name}", kind.as_str()),
        }
    }

    /// What the admin types to confirm.
    pub fn confirm_name(&self) -> &str {
        match self {
            Action::Scale { name, .. } => name,
            Action::ClearClaimRef { volume } => volume,
            Action::Cordon { node, .. } => node,
            Action::Restart { name, .. } | Action::Flux { name, .. } => name,
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
        }
    }

    /// What this kind of action asks of the API, as RBAC names it (group, resource, verbs): `get`
    /// for [`Action::read`], `patch` for [`Action::send`]. `cluster::rbac` holds the shipped
    /// ClusterRole to exactly the watch caches' reads plus these.
    pub fn permissions(&self) -> &'static [(&'static str, &'static str, &'static [&'static str])] {
        match self {
            Action::Scale { .. } => &[
                ("apps", "deployments/scale", &["get", "patch"]),
                ("apps", "statefulsets/scale", &["get", "patch"]),
            ],
            Action::ClearClaimRef { .. } => &[("", "persistentvolumes", &["get", "patch"])],
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
        }
    }

    /// One action of each kind, for checks that must cover them all.
    pub fn samples() -> Vec<Action> {
        vec![
            Action::Scale {
                kind: WorkloadKind::Deployment,
                namespace: String::new(),
                name: String::new(),
                replicas: 0,
            },
            Action::ClearClaimRef {
                volume: String::new(),
            },
            Action::Cordon {
                node: String::new(),
                cordon: true,
            },
            Action::Restart {
                kind: WorkloadKind::Deployment,
                namespace: String::new(),
                name: String::new(),
            },
            Action::Flux {
                kind: FluxKind::Kustomization,
                namespace: String::new(),
                name: String::new(),
                op: FluxOp::Reconcile,
            },
        ]
    }

    /// The fields this action changes, as JSON pointers into what [`Action::read`] returns.
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Action::Scale { .. } => &["/spec/replicas"],
            Action::ClearClaimRef { .. } => &["/spec/claimRef"],
            Action::Cordon { .. } => &["/spec/unschedulable"],
            Action::Restart { .. } => {
                &["/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"]
            }
            Action::Flux { .. } => &[
                "/spec/suspend",
                "/metadata/annotations/reconcile.fluxcd.io~1requestedAt",
            ],
        }
    }

    /// The API of the object this action patches as a whole (not a subresource), and its
    /// namespace; None for a scale.
    fn object_api(&self, client: &Client) -> Option<(Api<DynamicObject>, &str)> {
        let namespaced = |ar: ApiResource, ns: &str| Api::namespaced_with(client.clone(), ns, &ar);
        match self {
            Action::Scale { .. } => None,
            Action::ClearClaimRef { volume } => {
                let ar = ApiResource::erase::<PersistentVolume>(&());
                Some((Api::all_with(client.clone(), &ar), volume))
            }
            Action::Cordon { node, .. } => {
                let ar = ApiResource::erase::<k8s_openapi::api::core::v1::Node>(&());
                Some((Api::all_with(client.clone(), &ar), node))
            }
            Action::Restart {
                kind,
                namespace,
                name,
            } => {
                let ar = match kind {
                    WorkloadKind::Deployment => ApiResource::erase::<Deployment>(&()),
                    WorkloadKind::StatefulSet => ApiResource::erase::<StatefulSet>(&()),
                };
                Some((namespaced(ar, namespace), name))
            }
            Action::Flux {
                kind,
                namespace,
                name,
                ..
            } => Some((namespaced(kind.resource(), namespace), name)),
        }
    }

    /// The merge patch of this action (without the resourceVersion condition).
    fn patch(&self) -> Value {
        match self {
            Action::Scale { replicas, .. } => json!({"spec": {"replicas": replicas}}),
            Action::ClearClaimRef { .. } => json!({"spec": {"claimRef": null}}),
            Action::Cordon { cordon: true, .. } => json!({"spec": {"unschedulable": true}}),
            Action::Cordon { cordon: false, .. } => json!({"spec": {"unschedulable": null}}),
            Action::Restart { .. } => json!({"spec": {"template": {"metadata": {"annotations": {
                RESTARTED_AT: now_rfc3339()
            }}}}}),
            Action::Flux {
                op: FluxOp::Reconcile,
                ..
            } => {
                json!({"metadata": {"annotations": {REQUESTED_AT: now_rfc3339()}}})
            }
            Action::Flux {
                op: FluxOp::Suspend,
                ..
            } => json!({"spec": {"suspend": true}}),
            Action::Flux {
                op: FluxOp::Resume, ..
            } => json!({"spec": {"suspend": null}}),
        }
    }

    /// The object as it is now (for a scale: its scale subresource).
    pub async fn read(&self, client: &Client) -> Result<Value, ActionError> {
        if let Action::Scale {
            kind,
            namespace,
            name,
            ..
        } = self
        {
            let scale = match kind {
                WorkloadKind::Deployment => {
                    Api::<Deployment>::namespaced(client.clone(), namespace)
                        .get_scale(name)
                        .await?
                }
                WorkloadKind::StatefulSet => {
                    Api::<StatefulSet>::namespaced(client.clone(), namespace)
                        .get_scale(name)
                        .await?
                }
            };
            return Ok(scale_value(scale));
        }
        let (api, name) = self
            .object_api(client)
            .ok_or_else(|| ActionError::Invalid("this action has no object to read".into()))?;
        Ok(to_value(api.get(name).await?))
    }

    /// Refuses what must not be done to `current`, with the reason.
    pub fn check(&self, current: &Value, max_replicas: i32) -> Result<(), ActionError> {
        let refuse = |reason: String| Err(ActionError::Refused(reason));
        match self {
            Action::Scale { replicas, .. } => {
                if !(0..=max_replicas).contains(replicas) {
                    return refuse(format!(
                        "replicas must be between 0 and {max_replicas} (the configured maximum), not {replicas}"
                    ));
                }
                Ok(())
            }
            Action::ClearClaimRef { volume } => {
                let phase = current
                    .pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                if phase != "Released" {
                    return refuse(format!(
                        "volume {volume} is {phase}, not Released: only a Released volume's claimRef is cleared, so no bound claim loses its data"
                    ));
                }
                if current.pointer("/spec/claimRef").is_none_or(Value::is_null) {
                    return refuse(format!("volume {volume} has no claimRef to clear"));
                }
                Ok(())
            }
            Action::Cordon { node, cordon } => {
                let cordoned = current
                    .pointer("/spec/unschedulable")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                match (cordon, cordoned) {
                    (true, true) => refuse(format!("node {node} is already cordoned")),
                    (false, false) => refuse(format!("node {node} is not cordoned")),
                    _ => Ok(()),
                }
            }
            Action::Restart { .. } => Ok(()),
            Action::Flux { kind, name, op, .. } => {
                let suspended = current
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
                    _ => Ok(()),
                }
            }
        }
    }

    /// Sends the change, conditional on `resource_version`; a dry run changes nothing.
    pub async fn send(
        &self,
        client: &Client,
        resource_version: &str,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        let mut params = PatchParams::apply(MANAGER);
        params.force = false;
        params.dry_run = dry_run;
        // A merge patch carrying metadata.resourceVersion is refused with 409 when the object
        // changed since: the API server enforces what the admin saw.
        let mut patch = self.patch();
        if let Some(object) = patch.as_object_mut() {
            let metadata = object.entry("metadata").or_insert_with(|| json!({}));
            if let Some(metadata) = metadata.as_object_mut() {
                metadata.insert("resourceVersion".into(), json!(resource_version));
            }
        }
        let patch = Patch::Merge(&patch);
        if let Action::Scale {
            kind,
            namespace,
            name,
            ..
        } = self
        {
            let scale = match kind {
                WorkloadKind::Deployment => {
                    Api::<Deployment>::namespaced(client.clone(), namespace)
                        .patch_scale(name, &params, &patch)
                        .await?
                }
                WorkloadKind::StatefulSet => {
                    Api::<StatefulSet>::namespaced(client.clone(), namespace)
                        .patch_scale(name, &params, &patch)
                        .await?
                }
            };
            return Ok(scale_value(scale));
        }
        let (api, name) = self
            .object_api(client)
            .ok_or_else(|| ActionError::Invalid("this action has no object to change".into()))?;
        Ok(to_value(api.patch(name, &params, &patch).await?))
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

    #[test]
    fn scaling_out_of_range_and_clearing_a_bound_volume_are_refused() {
        let scale = |replicas| Action::Scale {
            kind: WorkloadKind::Deployment,
            namespace: "media".into(),
            name: "plex".into(),
            replicas,
        };
        assert!(scale(0).check(&json!({}), 10).is_ok());
        assert!(scale(11).check(&json!({}), 10).is_err());
        assert!(scale(-1).check(&json!({}), 10).is_err());
        let clear = Action::ClearClaimRef {
            volume: "pv".into(),
        };
        let bound = json!({"spec": {"claimRef": {"name": "c"}}, "status": {"phase": "Bound"}});
        let e = clear.check(&bound, 10).unwrap_err().to_string();
        assert!(e.contains("is Bound, not Released"), "{e}");
        let released =
            json!({"spec": {"claimRef": {"name": "c"}}, "status": {"phase": "Released"}});
        assert!(clear.check(&released, 10).is_ok());
    }
}
