//! What every action kind shares: the [`Kind`] trait each one implements (the guard calls it
//! through [`Action`](super::Action)), what an action is checked against ([`Current`]), the
//! form's fields checked by name, and the conditional merge patch the patching kinds send.
//!
//! Each kind reads its target fresh from the API server (never from the caches: the preview
//! must show what is there now) and names the fields it changes, so the preview and the audit
//! entry show exactly those.

use std::future::Future;

use frontend::model::actions::FieldChange;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::error::ActionError;

/// Field manager of every change the control plane sends.
pub const MANAGER: &str = "homelab-control-plane";

/// What a kind asks of the API, as RBAC names it: (group, resource, verbs).
pub type Permissions = &'static [(&'static str, &'static str, &'static [&'static str])];

/// One kind of action: how it reads from and writes back to a form, how people and kubectl
/// name it, what it reads, refuses and sends.
pub trait Kind {
    /// The action's name in the form's `action` field, the audit log and the metrics.
    fn name(&self) -> &'static str;
    /// The fields that say this action again (the confirmation form's hidden inputs).
    fn to_fields(&self) -> Vec<(String, String)>;
    /// What people call it.
    fn title(&self) -> String;
    /// The target, as the audit log names it: `Deployment media/plex`, `PersistentVolume pv-1`.
    fn target(&self) -> String;
    /// What the admin types to confirm.
    fn confirm_name(&self) -> String;
    /// The same change from a terminal.
    fn command(&self) -> String;
    /// `get` for [`Kind::read`], `patch` or `create` for [`Kind::send`]. `cluster::rbac` holds
    /// the shipped ClusterRole to exactly the watch caches' reads plus these.
    fn permissions(&self) -> Permissions;
    /// The fields this action changes, as JSON pointers into what [`Kind::read`] returns.
    fn fields(&self) -> &'static [&'static str];
    /// Whether the action creates a new object (so nothing is there before it).
    fn creates(&self) -> bool {
        false
    }
    /// The target as it is now, and whatever else its checks need.
    fn read(&self, client: &Client) -> impl Future<Output = Result<Current, ActionError>> + Send;
    /// Refuses what must not be done, with the reason; otherwise the warnings to show.
    fn check(&self, current: &Current, max_replicas: i32) -> Result<Vec<String>, ActionError>;
    /// The namespace whose data this action puts at risk, if any: the preview offers to back
    /// it up first.
    fn stateful_namespace(&self, _current: &Current) -> Option<String> {
        None
    }
    /// Sends the change (a dry run changes nothing) and returns the object as the API server
    /// answered.
    fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> impl Future<Output = Result<Value, ActionError>> + Send;
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
    /// A restore drill's scratch namespaces that exist already.
    pub existing_namespaces: Vec<String>,
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

/// The workloads that can be scaled and restarted.
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

    pub fn resource(self) -> ApiResource {
        match self {
            WorkloadKind::Deployment => ApiResource::erase::<Deployment>(&()),
            WorkloadKind::StatefulSet => ApiResource::erase::<StatefulSet>(&()),
        }
    }
}

/// A workload named by a form's `kind`, `namespace` and `name`.
pub fn workload(
    fields: &[(String, String)],
) -> Result<(WorkloadKind, String, String), ActionError> {
    Ok((
        WorkloadKind::parse(field(fields, "kind")?)?,
        dns_label("namespace", field(fields, "namespace")?)?,
        dns_subdomain("name", field(fields, "name")?)?,
    ))
}

/// Every `namespaces` field, each a comma-separated list of namespace names; in order, without
/// repeats. `empty` says what to choose when there is none.
pub fn namespace_list(
    fields: &[(String, String)],
    empty: &str,
) -> Result<Vec<String>, ActionError> {
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
        return Err(ActionError::Invalid(empty.into()));
    }
    Ok(out)
}

/// The fields of a form, by name.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Result<&'a str, ActionError> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ActionError::Invalid(format!("the form has no {name}")))
}

/// A Kubernetes object name of the DNS subdomain kind (workloads, volumes, nodes, Flux objects,
/// schedules): checked before a preview, so nothing unchecked reaches its kubectl line or a URL.
pub fn dns_subdomain(what: &str, text: &str) -> Result<String, ActionError> {
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
pub fn dns_label(what: &str, text: &str) -> Result<String, ActionError> {
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

/// The API of a namespaced resource in `namespace`.
pub fn namespaced(client: &Client, resource: &ApiResource, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), namespace, resource)
}

/// The API of a cluster-wide resource.
pub fn cluster(client: &Client, resource: &ApiResource) -> Api<DynamicObject> {
    Api::all_with(client.clone(), resource)
}

/// The object `name`, whole, as what an action is checked against.
pub async fn get(api: &Api<DynamicObject>, name: &str) -> Result<Current, ActionError> {
    Ok(Current {
        object: to_value(api.get(name).await?),
        ..Current::default()
    })
}

/// `patch` made conditional on the resourceVersion read (the API server answers 409 if the
/// object moved on), with the parameters it is sent with.
pub fn conditional(mut patch: Value, current: &Current, dry_run: bool) -> (PatchParams, Value) {
    let mut params = PatchParams::apply(MANAGER);
    params.force = false;
    params.dry_run = dry_run;
    if let Some(object) = patch.as_object_mut() {
        let metadata = object.entry("metadata").or_insert_with(|| json!({}));
        if let Some(metadata) = metadata.as_object_mut() {
            metadata.insert("resourceVersion".into(), json!(current.resource_version()));
        }
    }
    (params, patch)
}

/// Sends `patch` to `name` as a merge patch, conditional on what was read.
pub async fn send_patch(
    api: &Api<DynamicObject>,
    name: &str,
    patch: Value,
    current: &Current,
    dry_run: bool,
) -> Result<Value, ActionError> {
    let (params, patch) = conditional(patch, current, dry_run);
    Ok(to_value(
        api.patch(name, &params, &Patch::Merge(&patch)).await?,
    ))
}

/// Now, to the second, as annotations carry it.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string()
}

pub fn to_value<T: serde::Serialize>(object: T) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// The value at `pointer` in `object`, as compact JSON.
fn at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .map(Value::to_string)
        .unwrap_or_else(|| "null".into())
}

/// The fields among `pointers` that differ between `before` and `after`.
pub fn changes(before: &Value, after: &Value, pointers: &[&str]) -> Vec<FieldChange> {
    pointers
        .iter()
        .map(|p| FieldChange {
            field: (*p).to_owned(),
            before: at(before, p),
            after: at(after, p),
        })
        .filter(|c| c.before != c.after)
        .collect()
}

/// A form from literal pairs, for the kinds' tests.
#[cfg(test)]
pub fn form(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fields_that_differ_are_changes() {
        let before = json!({"spec": {"replicas": 1, "paused": false}});
        let after = json!({"spec": {"replicas": 0, "paused": false}});
        let c = changes(
            &before,
            &after,
            &["/spec/replicas", "/spec/paused", "/spec/x"],
        );
        assert_eq!(
            c,
            vec![FieldChange {
                field: "/spec/replicas".into(),
                before: "1".into(),
                after: "0".into()
            }]
        );
    }

    #[test]
    fn names_are_checked_in_words() {
        let e = workload(&form(&[
            ("kind", "Deployment"),
            ("namespace", "../../etc"),
            ("name", "grafana"),
        ]))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("namespace \"../../etc\" is not a valid name"),
            "{e}"
        );
        let e = workload(&form(&[
            ("kind", "DaemonSet"),
            ("namespace", "x"),
            ("name", "y"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("Deployment or StatefulSet"));
        assert!(dns_subdomain("volume", "pvc-68ac1102-62b5-5568-827a-8ddfb5f183ed").is_ok());
        let e = dns_subdomain("node", "k3s1;rm").unwrap_err();
        assert!(e.to_string().contains("node \"k3s1;rm\""), "{e}");
    }

    #[test]
    fn a_patch_carries_the_resource_version_read() {
        let current = Current {
            object: json!({"metadata": {"resourceVersion": "42"}}),
            ..Current::default()
        };
        let (params, patch) = conditional(json!({"spec": {"replicas": 0}}), &current, true);
        assert!(params.dry_run);
        assert_eq!(
            patch,
            json!({"spec": {"replicas": 0}, "metadata": {"resourceVersion": "42"}})
        );
    }
}
