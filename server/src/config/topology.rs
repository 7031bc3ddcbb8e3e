//! `[[topology.hosts]]`: the physical machines and the Kubernetes nodes on them, for the Topology
//! page, with the demo homelab's machines when none are configured.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TopologyConfig {
    pub hosts: Vec<HostConfig>,
}

/// One physical machine.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    pub name: String,
    pub description: String,
    /// Kubernetes node names running on it.
    pub nodes: Vec<String>,
}

impl TopologyConfig {
    /// The homelab of CLUSTER-SETUP.md, used by demo mode when no `[topology]` is configured.
    pub fn demo() -> Self {
        let host = |name: &str, description: &str, nodes: &[&str]| HostConfig {
            name: name.into(),
            description: description.into(),
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
        };
        Self {
            hosts: vec![
                host("Dell R730", "Storage server: NFS exports (/mnt/rust/media 30 TB, /mnt/nvme_storage); hosts the k3s-master1 VM. Single point of failure for storage.", &["k3s-master1"]),
                host("Dell R630", "GPU compute: 2x Xeon E5-2697A v4, 384 GB, Tesla T4 (time-sliced), Optane, NVMe and SAS SSD tiers.", &["k3s3"]),
                host("Dell OptiPlex Micro", "Light compute with Intel QuickSync for transcoding, 512 GB NVMe, 2.5GbE.", &["k3s1", "k3s2"]),
            ],
        }
    }
}
