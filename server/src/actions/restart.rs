//! Restart a workload's pods the way `kubectl rollout restart` does: a new timestamp in the
//! pod template's annotations makes the controller roll every pod.

use kube::Client;
use serde_json::{json, Value};

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions, WorkloadKind};

/// The annotation `kubectl rollout restart` sets on the pod template.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// Replace a workload's pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restart {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
}

impl Restart {
    pub fn from_fields(fields: &[(String, String)]) -> Result<Self, ActionError> {
        let (kind, namespace, name) = kind::workload(fields)?;
        Ok(Restart {
            kind,
            namespace,
            name,
        })
    }
}

impl Kind for Restart {
    fn name(&self) -> &'static str {
        "restart"
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        [
            ("action", "restart"),
            ("kind", self.kind.as_str()),
            ("namespace", &self.namespace),
            ("name", &self.name),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    fn title(&self) -> String {
        format!("Restart the pods of {} {}", self.kind.as_str(), self.name)
    }

    fn target(&self) -> String {
        format!("{} {}/{}", self.kind.as_str(), self.namespace, self.name)
    }

    fn confirm_name(&self) -> String {
        self.name.clone()
    }

    fn command(&self) -> String {
        format!(
            "kubectl -n {} rollout restart {}/{}",
            self.namespace,
            self.kind.as_str().to_lowercase(),
            self.name
        )
    }

    fn permissions(&self) -> Permissions {
        &[
            ("apps", "deployments", &["get", "patch"]),
            ("apps", "statefulsets", &["get", "patch"]),
        ]
    }

    fn fields(&self) -> &'static [&'static str] {
        &["/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"]
    }

    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        let api = kind::namespaced(client, &self.kind.resource(), &self.namespace);
        kind::get(&api, &self.name).await
    }

    fn check(&self, _current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        Ok(Vec::new())
    }

    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        let api = kind::namespaced(client, &self.kind.resource(), &self.namespace);
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {
            RESTARTED_AT: kind::now_rfc3339()
        }}}}});
        kind::send_patch(&api, &self.name, patch, current, dry_run).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_field_is_the_annotation_kubectl_sets() {
        let restart = Restart {
            kind: WorkloadKind::StatefulSet,
            namespace: "media".into(),
            name: "jellyfin".into(),
        };
        assert_eq!(Restart::from_fields(&restart.to_fields()).unwrap(), restart);
        // The pointer escapes the annotation's `/` as JSON pointers do.
        assert_eq!(
            restart.fields()[0]
                .rsplit_once('/')
                .map(|(_, k)| k.replace("~1", "/")),
            Some(RESTARTED_AT.to_owned())
        );
        assert_eq!(
            restart.command(),
            "kubectl -n media rollout restart statefulset/jellyfin"
        );
    }
}
