//! What each action changes, how it is sent, and when it is refused. Each one reads its target
//! fresh from the API server (never from the caches: the preview must show what is there now),
//! and names the fields it changes so the preview and the audit entry show exactly those.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::PersistentVolume;
use kube::api::{Patch, PatchParams};
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
        }
    }

    /// The action's name in the audit log and the metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Scale { .. } => "scale",
            Action::ClearClaimRef { .. } => "clear-claim-ref",
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
        }
    }

    /// What the admin types to confirm.
    pub fn confirm_name(&self) -> &str {
        match self {
            Action::Scale { name, .. } => name,
            Action::ClearClaimRef { volume } => volume,
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
        ]
    }

    /// The fields this action changes, as JSON pointers into what [`Action::read`] returns.
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Action::Scale { .. } => &["/spec/replicas"],
            Action::ClearClaimRef { .. } => &["/spec/claimRef"],
        }
    }

    /// The object as it is now (for a scale: its scale subresource).
    pub async fn read(&self, client: &Client) -> Result<Value, ActionError> {
        let value = match self {
            Action::Scale {
                kind: WorkloadKind::Deployment,
                namespace,
                name,
                ..
            } => scale_value(
                Api::<Deployment>::namespaced(client.clone(), namespace)
                    .get_scale(name)
                    .await?,
            ),
            Action::Scale {
                kind: WorkloadKind::StatefulSet,
                namespace,
                name,
                ..
            } => scale_value(
                Api::<StatefulSet>::namespaced(client.clone(), namespace)
                    .get_scale(name)
                    .await?,
            ),
            Action::ClearClaimRef { volume } => to_value(
                Api::<PersistentVolume>::all(client.clone())
                    .get(volume)
                    .await?,
            ),
        };
        Ok(value)
    }

    /// Refuses what must not be done to `current`, with the reason.
    pub fn check(&self, current: &Value, max_replicas: i32) -> Result<(), ActionError> {
        match self {
            Action::Scale { replicas, .. } => {
                if !(0..=max_replicas).contains(replicas) {
                    return Err(ActionError::Refused(format!(
                        "replicas must be between 0 and {max_replicas} (the configured maximum), not {replicas}"
                    )));
                }
                Ok(())
            }
            Action::ClearClaimRef { volume } => {
                let phase = current
                    .pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                if phase != "Released" {
                    return Err(ActionError::Refused(format!(
                        "volume {volume} is {phase}, not Released: only a Released volume's claimRef is cleared, so no bound claim loses its data"
                    )));
                }
                if current.pointer("/spec/claimRef").is_none_or(Value::is_null) {
                    return Err(ActionError::Refused(format!(
                        "volume {volume} has no claimRef to clear"
                    )));
                }
                Ok(())
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
        let version = json!({"resourceVersion": resource_version});
        let value = match self {
            Action::Scale {
                kind,
                namespace,
                name,
                replicas,
            } => {
                let patch = json!({"metadata": version, "spec": {"replicas": replicas}});
                let patch = Patch::Merge(&patch);
                match kind {
                    WorkloadKind::Deployment => scale_value(
                        Api::<Deployment>::namespaced(client.clone(), namespace)
                            .patch_scale(name, &params, &patch)
                            .await?,
                    ),
                    WorkloadKind::StatefulSet => scale_value(
                        Api::<StatefulSet>::namespaced(client.clone(), namespace)
                            .patch_scale(name, &params, &patch)
                            .await?,
                    ),
                }
            }
            Action::ClearClaimRef { volume } => {
                let patch = json!({"metadata": version, "spec": {"claimRef": null}});
                to_value(
                    Api::<PersistentVolume>::all(client.clone())
                        .patch(volume, &params, &Patch::Merge(&patch))
                        .await?,
                )
            }
        };
        Ok(value)
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
