//! Scale a Deployment or StatefulSet through its scale subresource, as `kubectl scale` does,
//! within `actions.max_replicas`.

use kube::api::Patch;
use kube::Client;
use serde_json::{json, Value};

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions, WorkloadKind};

/// Set a workload's replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scale {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub replicas: i32,
}

impl Scale {
    pub fn from_fields(fields: &[(String, String)]) -> Result<Self, ActionError> {
        let replicas = kind::field(fields, "replicas")?;
        let replicas = replicas.parse::<i32>().map_err(|_| {
            ActionError::Invalid(format!("replicas must be a whole number, not {replicas:?}"))
        })?;
        let (kind, namespace, name) = kind::workload(fields)?;
        Ok(Scale {
            kind,
            namespace,
            name,
            replicas,
        })
    }
}

impl Kind for Scale {
    fn name(&self) -> &'static str {
        "scale"
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        [
            ("action", "scale"),
            ("kind", self.kind.as_str()),
            ("namespace", &self.namespace),
            ("name", &self.name),
            ("replicas", &self.replicas.to_string()),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    fn title(&self) -> String {
        format!(
            "Scale {} {} to {}",
            self.kind.as_str(),
            self.name,
            self.replicas
        )
    }

    fn target(&self) -> String {
        format!("{} {}/{}", self.kind.as_str(), self.namespace, self.name)
    }

    fn confirm_name(&self) -> String {
        self.name.clone()
    }

    fn command(&self) -> String {
        format!(
            "kubectl -n {} scale {}/{} --replicas={}",
            self.namespace,
            self.kind.as_str().to_lowercase(),
            self.name,
            self.replicas
        )
    }

    fn permissions(&self) -> Permissions {
        // The workload too: a Deployment scaled to zero is read whole, for its claims.
        &[
            ("apps", "deployments/scale", &["get", "patch"]),
            ("apps", "statefulsets/scale", &["get", "patch"]),
            ("apps", "deployments", &["get"]),
        ]
    }

    fn fields(&self) -> &'static [&'static str] {
        &["/spec/replicas"]
    }

    /// The scale subresource; for a Deployment scaled to zero, the Deployment whole too.
    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        let api = kind::namespaced(client, &self.kind.resource(), &self.namespace);
        let mut current = Current {
            object: scale_value(api.get_scale(&self.name).await?),
            ..Current::default()
        };
        if self.replicas == 0 && self.kind == WorkloadKind::Deployment {
            current.workload = Some(kind::to_value(api.get(&self.name).await?));
        }
        Ok(current)
    }

    fn check(&self, _current: &Current, max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let replicas = self.replicas;
        if !(0..=max_replicas).contains(&replicas) {
            return Err(ActionError::Refused(format!(
                "replicas must be between 0 and {max_replicas} (the configured maximum), not {replicas}"
            )));
        }
        Ok(Vec::new())
    }

    /// A StatefulSet, or a Deployment mounting claims, scaled to zero puts its namespace's
    /// data at risk.
    fn stateful_namespace(&self, current: &Current) -> Option<String> {
        if self.replicas != 0 {
            return None;
        }
        if self.kind == WorkloadKind::StatefulSet {
            return Some(self.namespace.clone());
        }
        let volumes = current
            .workload
            .as_ref()?
            .pointer("/spec/template/spec/volumes")?
            .as_array()?;
        volumes
            .iter()
            .any(|v| v.get("persistentVolumeClaim").is_some())
            .then(|| self.namespace.clone())
    }

    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        let api = kind::namespaced(client, &self.kind.resource(), &self.namespace);
        let patch = json!({"spec": {"replicas": self.replicas}});
        let (params, patch) = kind::conditional(patch, current, dry_run);
        let scale = api
            .patch_scale(&self.name, &params, &Patch::Merge(&patch))
            .await?;
        Ok(scale_value(scale))
    }
}

/// A Scale as a value, with `spec.replicas` spelled out: the API leaves a zero out.
fn scale_value(scale: k8s_openapi::api::autoscaling::v1::Scale) -> Value {
    let mut value = kind::to_value(scale);
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
    use crate::actions::kind::form;

    fn scale(kind: WorkloadKind, replicas: i32) -> Scale {
        Scale {
            kind,
            namespace: "monitoring".into(),
            name: "grafana".into(),
            replicas,
        }
    }

    #[test]
    fn a_form_reads_back_and_bad_replicas_are_named() {
        let s = scale(WorkloadKind::StatefulSet, 1);
        assert_eq!(Scale::from_fields(&s.to_fields()).unwrap(), s);
        let e = Scale::from_fields(&form(&[
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
    }

    #[test]
    fn scaling_out_of_range_is_refused() {
        let none = Current::default();
        let s = |replicas| scale(WorkloadKind::Deployment, replicas);
        assert!(s(0).check(&none, 10).is_ok());
        assert!(s(10).check(&none, 10).is_ok());
        assert!(s(11).check(&none, 10).is_err());
        assert!(s(-1).check(&none, 10).is_err());
    }

    #[test]
    fn scaling_stateful_things_to_zero_offers_a_backup_of_the_namespace() {
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
    }
}
