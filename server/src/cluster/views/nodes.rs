//! Nodes: readiness, cordon, capacity and GPUs, as the Topology and Status pages show them.

use std::sync::Arc;

use frontend::model::{GpuCapacity, NodeSummary, Readiness};
use k8s_openapi::api::core::v1::Node;

use super::quantity;

/// Label naming the physical machine a node runs on.
pub const HOST_LABEL: &str = "homelab.fletcherlabs.net/host";
const ROLE_PREFIX: &str = "node-role.kubernetes.io/";
/// Extended resources that are GPUs, as the NVIDIA and Intel device plugins advertise them.
pub const GPU_RESOURCES: &[&str] = &["nvidia.com/gpu", "gpu.intel.com/i915", "amd.com/gpu"];
/// Conditions that are bad when True.
const PRESSURE_CONDITIONS: &[&str] = &[
    "MemoryPressure",
    "DiskPressure",
    "PIDPressure",
    "NetworkUnavailable",
];

/// One summary per node, sorted by name.
pub fn summaries(nodes: &[Arc<Node>]) -> Vec<NodeSummary> {
    let mut out: Vec<NodeSummary> = nodes.iter().map(|n| summary(n)).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub fn summary(node: &Node) -> NodeSummary {
    let meta = &node.metadata;
    let labels = meta.labels.clone().unwrap_or_default();
    let mut roles: Vec<String> = labels
        .keys()
        .filter_map(|k| k.strip_prefix(ROLE_PREFIX))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    if roles.is_empty() {
        roles.push("worker".into());
    }
    let status = node.status.clone().unwrap_or_default();
    let conditions = status.conditions.unwrap_or_default();
    let ready = match conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status.as_str())
    {
        Some("True") => Readiness::Ready,
        Some("False") => Readiness::NotReady,
        _ => Readiness::Unknown,
    };
    let problems = conditions
        .iter()
        .filter(|c| PRESSURE_CONDITIONS.contains(&c.type_.as_str()) && c.status == "True")
        .map(|c| c.type_.clone())
        .collect();
    let allocatable = status.allocatable.or(status.capacity).unwrap_or_default();
    let gpus = GPU_RESOURCES
        .iter()
        .filter_map(|r| {
            let count = quantity::parse_count(&allocatable.get(*r)?.0)?;
            (count > 0).then(|| GpuCapacity {
                resource: (*r).to_string(),
                count,
            })
        })
        .collect();
    NodeSummary {
        name: meta.name.clone().unwrap_or_default(),
        host: labels.get(HOST_LABEL).cloned(),
        roles,
        ready,
        cordoned: node
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false),
        kubelet_version: status
            .node_info
            .map(|i| i.kubelet_version)
            .unwrap_or_default(),
        cpu_millis: allocatable
            .get("cpu")
            .and_then(|q| quantity::parse_cpu_millis(&q.0))
            .unwrap_or(0),
        memory_bytes: allocatable
            .get("memory")
            .and_then(|q| quantity::parse_bytes(&q.0))
            .unwrap_or(0),
        gpus,
        internal_ip: status
            .addresses
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.type_ == "InternalIP")
            .map(|a| a.address),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::views::fixtures::NodeFixture;

    #[test]
    fn a_ready_gpu_node_shows_its_gpus_and_capacity() {
        let node = Node::test("k3s3")
            .ready()
            .capacity("64", "384Gi")
            .gpu("nvidia.com/gpu", "4")
            .host("r630");
        let s = summary(&node);
        assert_eq!(s.ready, Readiness::Ready);
        assert_eq!(s.cpu_millis, 64_000);
        assert_eq!(s.memory_bytes, 384 * 1024 * 1024 * 1024);
        assert_eq!(
            s.gpus,
            vec![GpuCapacity {
                resource: "nvidia.com/gpu".into(),
                count: 4
            }]
        );
        assert_eq!(s.host.as_deref(), Some("r630"));
        assert_eq!(s.roles, vec!["worker"]);
    }

    #[test]
    fn a_cordoned_node_under_pressure_says_both() {
        let node = Node::test("k3s1")
            .ready()
            .cordoned()
            .condition("DiskPressure", "True");
        let s = summary(&node);
        assert!(s.cordoned);
        assert_eq!(s.problems, vec!["DiskPressure"]);
    }

    #[test]
    fn a_node_without_a_ready_condition_is_unknown_and_not_ready_is_not_ready() {
        assert_eq!(summary(&Node::test("a")).ready, Readiness::Unknown);
        assert_eq!(
            summary(&Node::test("b").not_ready()).ready,
            Readiness::NotReady
        );
    }

    #[test]
    fn summaries_are_sorted_by_name_and_roles_come_from_labels() {
        let nodes = vec![
            Arc::new(Node::test("k3s2")),
            Arc::new(Node::test("k3s-master1").role("control-plane")),
        ];
        let s = summaries(&nodes);
        assert_eq!(s[0].name, "k3s-master1");
        assert_eq!(s[0].roles, vec!["control-plane"]);
    }
}
