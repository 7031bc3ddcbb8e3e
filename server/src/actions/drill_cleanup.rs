//! Clean up after a restore drill: delete one scratch namespace the control plane made for a
//! drill, and nothing else. A namespace without the drill's label is refused here, and the
//! shipped admission policy refuses it again at the API server.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, Preconditions};
use kube::{Api, Client};
use serde_json::Value;

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions};
use crate::drills::plan::{BACKUP_ANNOTATION, DRILL_LABEL, SOURCE_ANNOTATION};

/// Delete the drill's scratch namespace `namespace`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cleanup {
    pub namespace: String,
}

impl Cleanup {
    pub fn from_fields(fields: &[(String, String)]) -> Result<Self, ActionError> {
        Ok(Cleanup {
            namespace: kind::dns_label("namespace", kind::field(fields, "namespace")?)?,
        })
    }
}

fn api(client: &Client) -> Api<Namespace> {
    Api::all(client.clone())
}

impl Kind for Cleanup {
    fn name(&self) -> &'static str {
        "drill-cleanup"
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        vec![
            ("action".into(), "drill-cleanup".into()),
            ("namespace".into(), self.namespace.clone()),
        ]
    }

    fn title(&self) -> String {
        format!("Clean up the drill namespace {}", self.namespace)
    }

    fn target(&self) -> String {
        format!("Namespace {}", self.namespace)
    }

    fn confirm_name(&self) -> String {
        self.namespace.clone()
    }

    fn command(&self) -> String {
        format!(
            "kubectl delete namespace {} -l {DRILL_LABEL}",
            self.namespace
        )
    }

    fn permissions(&self) -> Permissions {
        &[("", "namespaces", &["get", "delete"])]
    }

    fn fields(&self) -> &'static [&'static str] {
        &["/metadata/deletionTimestamp", "/status/phase"]
    }

    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        Ok(Current {
            object: kind::to_value(api(client).get(&self.namespace).await?),
            ..Current::default()
        })
    }

    fn check(&self, current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let labels = current.object.pointer("/metadata/labels");
        if labels.and_then(|l| l.get(DRILL_LABEL)).is_none() {
            return Err(ActionError::Refused(format!(
                "namespace {} was not made by a restore drill (it has no {DRILL_LABEL} label): the control plane deletes only its own drills' namespaces",
                self.namespace
            )));
        }
        let annotation = |key: &str| {
            current
                .object
                .pointer(&format!("/metadata/annotations/{}", key.replace('/', "~1")))
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned()
        };
        let mut warnings = vec![format!(
            "everything in {} (the copy of {} from backup {}) is deleted; the live namespace and the backup stay as they are",
            self.namespace,
            annotation(SOURCE_ANNOTATION),
            annotation(BACKUP_ANNOTATION)
        )];
        if current
            .object
            .pointer("/status/phase")
            .and_then(Value::as_str)
            == Some("Terminating")
        {
            warnings.push("it is being deleted already".into());
        }
        Ok(warnings)
    }

    /// Deletes the namespace, on condition that it is the one read (same uid and version).
    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        let uid = current
            .object
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let params = DeleteParams {
            dry_run,
            preconditions: Some(Preconditions {
                uid,
                resource_version: Some(current.resource_version()),
            }),
            ..DeleteParams::default()
        };
        let answer = api(client).delete(&self.namespace, &params).await?;
        Ok(answer.either(kind::to_value, |_| {
            // Gone at once (no finalizers): nothing left to show.
            serde_json::json!({"status": {"phase": "Deleted"}})
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_namespace_with_the_drill_label_is_cleaned_up() {
        let cleanup = Cleanup {
            namespace: "media".into(),
        };
        let live = Current {
            object: json!({"metadata": {"name": "media", "labels": {"app": "x"}}}),
            ..Current::default()
        };
        let e = cleanup.check(&live, 10).unwrap_err();
        assert!(
            e.to_string().contains("was not made by a restore drill"),
            "{e}"
        );
        let scratch = Current {
            object: json!({"metadata": {"name": "drill-media-1",
                "labels": {DRILL_LABEL: "drill-1"},
                "annotations": {SOURCE_ANNOTATION: "media", BACKUP_ANNOTATION: "velero/b"}}}),
            ..Current::default()
        };
        let w = Cleanup {
            namespace: "drill-media-1".into(),
        }
        .check(&scratch, 10)
        .unwrap();
        assert!(
            w[0].contains("the copy of media from backup velero/b"),
            "{w:?}"
        );
    }
}
