//! Fixture builders for view tests: `Node::test("k3s1").ready().cordoned()`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub trait NodeFixture: Sized {
    fn test(name: &str) -> Self;
    fn ready(self) -> Self;
    fn not_ready(self) -> Self;
    fn cordoned(self) -> Self;
    fn condition(self, type_: &str, status: &str) -> Self;
    fn capacity(self, cpu: &str, memory: &str) -> Self;
    fn gpu(self, resource: &str, count: &str) -> Self;
    fn host(self, host: &str) -> Self;
    fn role(self, role: &str) -> Self;
}

impl NodeFixture for Node {
    fn test(name: &str) -> Self {
        Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            spec: Some(NodeSpec::default()),
            status: Some(NodeStatus {
                node_info: Some(NodeSystemInfo {
                    kubelet_version: "v1.32.5+k3s1".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }
    }

    fn ready(self) -> Self {
        self.condition("Ready", "True")
    }

    fn not_ready(self) -> Self {
        self.condition("Ready", "False")
    }

    fn cordoned(mut self) -> Self {
        self.spec.get_or_insert_with(Default::default).unschedulable = Some(true);
        self
    }

    fn condition(mut self, type_: &str, status: &str) -> Self {
        let s = self.status.get_or_insert_with(Default::default);
        s.conditions
            .get_or_insert_with(Vec::new)
            .push(NodeCondition {
                type_: type_.into(),
                status: status.into(),
                ..Default::default()
            });
        self
    }

    fn capacity(mut self, cpu: &str, memory: &str) -> Self {
        let s = self.status.get_or_insert_with(Default::default);
        let a = s.allocatable.get_or_insert_with(BTreeMap::new);
        a.insert("cpu".into(), Quantity(cpu.into()));
        a.insert("memory".into(), Quantity(memory.into()));
        self
    }

    fn gpu(mut self, resource: &str, count: &str) -> Self {
        let s = self.status.get_or_insert_with(Default::default);
        s.allocatable
            .get_or_insert_with(BTreeMap::new)
            .insert(resource.into(), Quantity(count.into()));
        self
    }

    fn host(self, host: &str) -> Self {
        self.label(super::nodes::HOST_LABEL, host)
    }

    fn role(self, role: &str) -> Self {
        self.label(&format!("node-role.kubernetes.io/{role}"), "true")
    }
}

trait Labelled {
    fn label(self, key: &str, value: &str) -> Self;
}

impl Labelled for Node {
    fn label(mut self, key: &str, value: &str) -> Self {
        self.metadata
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
        self
    }
}
