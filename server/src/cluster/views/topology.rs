//! Topology: physical hosts (from the `[topology]` configuration, else a node label), the nodes on
//! them with what they offer against what their pods request, and the storage tiers.

use std::collections::{BTreeMap, HashMap};

use frontend::model::{Host, NodeDetail, StorageTier, Topology, TopologyNode, Usage};
use k8s_openapi::api::core::v1::Pod;

use super::nodes::{self, GPU_RESOURCES};
use super::{events, quantity, workloads, Snapshot};
use crate::config::TopologyConfig;

/// A pod still holds its requests unless it has finished.
fn holds_resources(pod: &Pod) -> bool {
    !matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

/// Sum of a resource's requests over a pod's containers, in the resource's unit (millicores for
/// CPU, bytes for memory, a count for GPUs).
fn requested(pod: &Pod, resource: &str) -> u64 {
    let parse = |q: &str| match resource {
        "cpu" => quantity::parse_cpu_millis(q),
        "memory" => quantity::parse_bytes(q),
        _ => quantity::parse_count(q),
    };
    pod.spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .filter_map(|c| c.resources.as_ref()?.requests.as_ref()?.get(resource))
                .filter_map(|q| parse(&q.0))
                .sum()
        })
        .unwrap_or(0)
}

/// The pods holding resources on each node, by node name: one pass over the pods for all nodes.
fn pods_by_node(snap: &Snapshot) -> HashMap<&str, Vec<&Pod>> {
    let mut by_node: HashMap<&str, Vec<&Pod>> = HashMap::new();
    for pod in snap.pods.iter().map(|p| p.as_ref()) {
        if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            if holds_resources(pod) {
                by_node.entry(node).or_default().push(pod);
            }
        }
    }
    by_node
}

fn topology_node(
    snap: &Snapshot,
    summary: frontend::model::NodeSummary,
    by_node: &HashMap<&str, Vec<&Pod>>,
) -> TopologyNode {
    let pods: &[&Pod] = by_node
        .get(summary.name.as_str())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut usage = vec![
        Usage {
            resource: "cpu".into(),
            allocatable: summary.cpu_millis,
            requested: pods.iter().map(|p| requested(p, "cpu")).sum(),
        },
        Usage {
            resource: "memory".into(),
            allocatable: summary.memory_bytes,
            requested: pods.iter().map(|p| requested(p, "memory")).sum(),
        },
    ];
    for gpu in &summary.gpus {
        usage.push(Usage {
            resource: gpu.resource.clone(),
            allocatable: gpu.count,
            requested: pods.iter().map(|p| requested(p, &gpu.resource)).sum(),
        });
    }
    let csi_drivers = snap
        .csi_nodes
        .iter()
        .find(|c| c.metadata.name.as_deref() == Some(summary.name.as_str()))
        .map(|c| c.spec.drivers.iter().map(|d| d.name.clone()).collect())
        .unwrap_or_default();
    let mut disk_tags: Vec<String> = snap
        .longhorn_nodes
        .iter()
        .filter(|n| n.metadata.name.as_deref() == Some(summary.name.as_str()))
        .flat_map(|n| {
            n.spec
                .disks
                .values()
                .flat_map(|d| d.tags.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    disk_tags.sort();
    disk_tags.dedup();
    TopologyNode {
        pods: pods.len(),
        summary,
        usage,
        csi_drivers,
        disk_tags,
    }
}

pub fn topology(snap: &Snapshot, config: &TopologyConfig) -> Topology {
    let by_node = pods_by_node(snap);
    let mut nodes: BTreeMap<String, TopologyNode> = nodes::summaries(&snap.nodes)
        .into_iter()
        .map(|s| (s.name.clone(), topology_node(snap, s, &by_node)))
        .collect();
    let mut hosts = Vec::new();
    for h in &config.hosts {
        let on: Vec<TopologyNode> = h.nodes.iter().filter_map(|n| nodes.remove(n)).collect();
        hosts.push(Host {
            name: h.name.clone(),
            description: h.description.clone(),
            nodes: on,
        });
    }
    // Nodes no configured host names: grouped by their host label, else under "Unassigned".
    let mut rest: BTreeMap<String, Vec<TopologyNode>> = BTreeMap::new();
    for (_, n) in nodes {
        let host = n
            .summary
            .host
            .clone()
            .unwrap_or_else(|| "Unassigned".into());
        rest.entry(host).or_default().push(n);
    }
    for (name, on) in rest {
        hosts.push(Host {
            name,
            description: String::new(),
            nodes: on,
        });
    }
    Topology {
        hosts,
        tiers: tiers(snap),
    }
}

/// StorageClasses grouped into tiers: Longhorn by disk selector, NFS, local-path, others by
/// provisioner; each with the number of volumes on it.
pub fn tiers(snap: &Snapshot) -> Vec<StorageTier> {
    let mut tiers: BTreeMap<String, StorageTier> = BTreeMap::new();
    for sc in &snap.storage_classes {
        let name = sc.metadata.name.clone().unwrap_or_default();
        let params = sc.parameters.clone().unwrap_or_default();
        let tier = match sc.provisioner.as_str() {
            "driver.longhorn.io" => match params.get("diskSelector").filter(|d| !d.is_empty()) {
                Some(sel) => format!("Longhorn {sel}"),
                None => "Longhorn default".into(),
            },
            p if p.contains("nfs") => "NFS".into(),
            "rancher.io/local-path" => "local-path".into(),
            p => p.to_string(),
        };
        let volumes = snap
            .pvs
            .iter()
            .filter(|pv| {
                pv.spec
                    .as_ref()
                    .and_then(|s| s.storage_class_name.as_deref())
                    == Some(name.as_str())
            })
            .count();
        let entry = tiers.entry(tier.clone()).or_insert_with(|| StorageTier {
            name: tier,
            classes: Vec::new(),
            provisioner: sc.provisioner.clone(),
            volumes: 0,
        });
        entry.classes.push(name);
        entry.volumes += volumes;
    }
    tiers.into_values().collect()
}

/// One node with its conditions, pods and recent warnings.
pub fn node_detail(snap: &Snapshot, name: &str) -> Option<NodeDetail> {
    let node = snap
        .nodes
        .iter()
        .find(|n| n.metadata.name.as_deref() == Some(name))?;
    let summary = nodes::summary(node);
    let conditions = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|c| (c.type_, c.status, c.message.unwrap_or_default()))
        .collect();
    let mut pods: Vec<_> = snap
        .pods
        .iter()
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(name))
        .map(|p| workloads::pod_summary(p))
        .collect();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let events = events::about(snap, |kind, ns, obj| match kind {
        "Node" => obj == name,
        "Pod" => pods.iter().any(|p| p.namespace == ns && p.name == obj),
        _ => false,
    });
    let on_node: Vec<(String, String)> = pods
        .iter()
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect();
    let alerts = crate::alerts::ties::of_node(&snap.alerts.alerts, name, &on_node);
    Some(NodeDetail {
        node: topology_node(snap, summary, &pods_by_node(snap)),
        conditions,
        pods,
        events,
        alerts,
    })
}

/// GPU resources a topology shows, re-exported for pages that list them.
pub const GPUS: &[&str] = GPU_RESOURCES;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TopologyConfig;

    #[test]
    fn the_demo_topology_puts_nodes_on_their_hosts_with_gpu_use() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let t = topology(&snap, &TopologyConfig::demo());
        let names: Vec<_> = t.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Dell R730", "Dell R630", "Dell OptiPlex Micro"]);
        let r630 = &t.hosts[1];
        assert_eq!(r630.nodes[0].summary.name, "k3s3");
        let gpu = r630.nodes[0]
            .usage
            .iter()
            .find(|u| u.resource == "nvidia.com/gpu")
            .expect("gpu usage");
        assert_eq!(gpu.allocatable, 4);
        assert!(
            gpu.requested >= 2,
            "ollama and automatic1111 each request one: {gpu:?}"
        );
        assert!(r630.nodes[0].disk_tags.contains(&"optane".to_string()));
        let tiers: Vec<_> = t.tiers.iter().map(|t| t.name.as_str()).collect();
        assert!(
            tiers.contains(&"Longhorn optane")
                && tiers.contains(&"NFS")
                && tiers.contains(&"local-path"),
            "{tiers:?}"
        );
    }

    #[test]
    fn unconfigured_nodes_fall_back_to_their_host_label() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let t = topology(&snap, &TopologyConfig::default());
        assert!(t
            .hosts
            .iter()
            .any(|h| h.name == "r630" && h.nodes[0].summary.name == "k3s3"));
    }

    #[test]
    fn a_node_detail_has_its_pods_and_conditions() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let d = node_detail(&snap, "k3s1").expect("k3s1");
        assert!(d.pods.iter().any(|p| p.name.starts_with("jellyfin")));
        assert!(d
            .conditions
            .iter()
            .any(|(t, s, _)| t == "Ready" && s == "True"));
        assert!(node_detail(&snap, "nope").is_none());
    }
}
