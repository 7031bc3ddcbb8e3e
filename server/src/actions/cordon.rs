//! Cordon a node (no new pods are scheduled on it) or uncordon it, as `kubectl cordon` does.

use k8s_openapi::api::core::v1::Node;
use kube::api::{ApiResource, DynamicObject};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions};

/// Mark a node unschedulable (`cordon`), or schedulable again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cordon {
    pub node: String,
    pub cordon: bool,
}

impl Cordon {
    pub fn from_fields(cordon: bool, fields: &[(String, String)]) -> Result<Self, ActionError> {
        Ok(Cordon {
            node: kind::dns_subdomain("node", kind::field(fields, "name")?)?,
            cordon,
        })
    }

    fn verb(&self) -> &'static str {
        if self.cordon {
            "cordon"
        } else {
            "uncordon"
        }
    }

    fn api(client: &Client) -> Api<DynamicObject> {
        kind::cluster(client, &ApiResource::erase::<Node>(&()))
    }
}

impl Kind for Cordon {
    fn name(&self) -> &'static str {
        self.verb()
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        vec![
            ("action".into(), self.verb().into()),
            ("name".into(), self.node.clone()),
        ]
    }

    fn title(&self) -> String {
        let verb = if self.cordon { "Cordon" } else { "Uncordon" };
        format!("{verb} node {}", self.node)
    }

    fn target(&self) -> String {
        format!("Node {}", self.node)
    }

    fn confirm_name(&self) -> String {
        self.node.clone()
    }

    fn command(&self) -> String {
        format!("kubectl {} {}", self.verb(), self.node)
    }

    fn permissions(&self) -> Permissions {
        &[("", "nodes", &["get", "patch"])]
    }

    fn fields(&self) -> &'static [&'static str] {
        &["/spec/unschedulable"]
    }

    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        kind::get(&Self::api(client), &self.node).await
    }

    fn check(&self, current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let cordoned = current
            .object
            .pointer("/spec/unschedulable")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let node = &self.node;
        match (self.cordon, cordoned) {
            (true, true) => Err(ActionError::Refused(format!(
                "node {node} is already cordoned"
            ))),
            (false, false) => Err(ActionError::Refused(format!("node {node} is not cordoned"))),
            _ => Ok(Vec::new()),
        }
    }

    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        // Uncordoning removes the field, as kubectl does, rather than setting it false.
        let unschedulable = if self.cordon {
            json!(true)
        } else {
            Value::Null
        };
        let patch = json!({"spec": {"unschedulable": unschedulable}});
        kind::send_patch(&Self::api(client), &self.node, patch, current, dry_run).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::kind::form;

    #[test]
    fn a_node_is_cordoned_once_and_uncordoned_once() {
        let on = |unschedulable: bool| Current {
            object: json!({"spec": {"unschedulable": unschedulable}}),
            ..Current::default()
        };
        let cordon = Cordon::from_fields(true, &form(&[("name", "k3s1")])).unwrap();
        let uncordon = Cordon::from_fields(false, &form(&[("name", "k3s1")])).unwrap();
        assert!(cordon.check(&on(false), 10).is_ok());
        assert_eq!(
            cordon.check(&on(true), 10).unwrap_err().to_string(),
            "node k3s1 is already cordoned"
        );
        assert!(uncordon.check(&on(true), 10).is_ok());
        assert_eq!(
            uncordon.check(&on(false), 10).unwrap_err().to_string(),
            "node k3s1 is not cordoned"
        );
        assert_eq!(uncordon.to_fields()[0].1, "uncordon");
        let e = Cordon::from_fields(true, &form(&[("name", "k3s1;rm")])).unwrap_err();
        assert!(e.to_string().contains("node \"k3s1;rm\""), "{e}");
    }
}
