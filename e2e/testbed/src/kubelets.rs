//! kwok as the kubelets of a running test cluster ([`TestClusterOptions::running`]), one kwok
//! process per node: it renews the node's Lease, reports it Ready, starts the pods the scheduler
//! binds to it (Running and Ready at once), removes deleted ones, and serves the kubelet API the
//! API server proxies `pods/log` to. What kwok does is written down in `kwok/stages.yaml`; every
//! container's log is the file [`TestCluster::pod_log_path`].
//!
//! A node is cut off, as k3s1 lost its network, by killing its kwok: the Lease is no longer
//! renewed, and after [`NODE_MONITOR_GRACE`] the node lifecycle controller marks the node
//! NotReady and taints it for eviction. [`TestCluster::run_node`] brings it back.
//!
//! The API server reaches a kubelet API through the node's address of type `InternalDNS`
//! (`localhost`), added to each node kwok runs, and through no other type: the nodes keep the
//! homelab's own addresses, which no test may send traffic to.
//!
//! [`TestClusterOptions::running`]: crate::cluster::TestClusterOptions::running

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, Context};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use crate::cluster::TestCluster;
use crate::processes::free_port;

/// How long a node may go without a heartbeat before the node lifecycle controller marks it
/// NotReady (the controller manager's `--node-monitor-grace-period`; Kubernetes' default is
/// 40 s).
pub const NODE_MONITOR_GRACE: Duration = Duration::from_secs(8);
/// The Lease duration kwok writes; it renews each Lease at a quarter of it.
const LEASE_SECONDS: u64 = 4;
/// The stages: what kwok does with nodes and pods.
const STAGES: &str = include_str!("../kwok/stages.yaml");

/// kwok's configuration: the stages, and every container's log and previous instance's log.
/// (kwok follows a log when the request asks; its `follow` field does not matter.)
pub(crate) fn config(log_file: &Path, previous_file: &Path) -> String {
    let logs = json!({
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "ClusterLogs",
        "metadata": {"name": "every-container"},
        "spec": {"logs": [{"logsFile": log_file, "previousLogsFile": previous_file, "follow": true}]},
    });
    format!("{STAGES}\n---\n{logs}\n")
}

impl TestCluster {
    /// Starts the kubelet (kwok) of node `name`: the node becomes Ready and runs the pods bound
    /// to it. Also what brings a node back after [`TestCluster::cut_off`]; a node whose kubelet
    /// runs is left as it is.
    pub async fn run_node(&self, name: &str) -> anyhow::Result<()> {
        let binary = self
            .kube_dir()
            .kwok
            .clone()
            .context("kwok is missing: run scripts/kube.sh kwok")?;
        let nodes: Api<Node> = Api::all(self.admin_client());
        // Strategic merge: added to the node's addresses by type.
        let address =
            json!({"status": {"addresses": [{"type": "InternalDNS", "address": "localhost"}]}});
        nodes
            .patch_status(name, &PatchParams::default(), &Patch::Strategic(&address))
            .await
            .with_context(|| format!("adding the kubelet's address to node {name}"))?;
        let mut kubelets = self
            .kubelets
            .lock()
            .map_err(|_| anyhow!("kubelets poisoned"))?;
        let process = format!("kwok-{name}");
        if kubelets.pid_of(&process).is_some() {
            return Ok(());
        }
        let port = free_port()?;
        let file = |f: &str| self.dir().join(f).display().to_string();
        kubelets.spawn(
            process.as_str(),
            Command::new(binary)
                .arg(format!("--kubeconfig={}", self.kubeconfig_path().display()))
                .arg(format!("--config={}", file("kwok.yaml")))
                .arg(format!("--manage-single-node={name}"))
                .arg(format!("--server-address=127.0.0.1:{port}"))
                .arg(format!("--node-port={port}"))
                .arg(format!("--tls-cert-file={}", file("kubelet.crt")))
                .arg(format!("--tls-private-key-file={}", file("kubelet.key")))
                .arg(format!("--node-lease-duration-seconds={LEASE_SECONDS}")),
            &self.dir().join(format!("{process}.log")),
        )
    }

    /// Cuts node `name` off: its kubelet dies (SIGKILL), so its heartbeat stops and the node
    /// lifecycle controller marks it NotReady after [`NODE_MONITOR_GRACE`].
    pub fn cut_off(&self, name: &str) -> anyhow::Result<()> {
        self.kubelets
            .lock()
            .map_err(|_| anyhow!("kubelets poisoned"))?
            .kill(&format!("kwok-{name}"))
    }

    /// Makes the pods of `namespace` crash-loop (their kubelet waits them in CrashLoopBackOff,
    /// not ready, with `restarts` restarts), or with `None` run again, through the annotation
    /// kwok acts on ([`crate::demo::CRASH_LOOP_ANNOTATION`]). Returns how many pods it changed.
    pub async fn crash_pods(
        &self,
        namespace: &str,
        restarts: Option<u32>,
    ) -> anyhow::Result<usize> {
        let pods: Api<Pod> = Api::namespaced(self.admin_client(), namespace);
        let value = restarts.map(|n| n.to_string());
        let patch =
            json!({"metadata": {"annotations": {crate::demo::CRASH_LOOP_ANNOTATION: value}}});
        let list = pods.list(&Default::default()).await?;
        for pod in &list {
            let name = pod.metadata.name.as_deref().unwrap_or_default();
            pods.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .with_context(|| format!("annotating pod {namespace}/{name}"))?;
        }
        Ok(list.items.len())
    }

    /// The file kwok serves as the log of every container (`pods/log`).
    pub fn pod_log_path(&self) -> PathBuf {
        self.dir().join("pods.log")
    }

    /// The file kwok serves as the log of every container's previous instance (`previous=true`).
    pub fn previous_pod_log_path(&self) -> PathBuf {
        self.dir().join("previous.log")
    }

    /// Adds `line` to every container's log as a container runtime writes it (CRI format: the
    /// time, the stream, `F` for a full line), which is what kwok serves.
    pub fn write_pod_log(&self, line: &str) -> anyhow::Result<()> {
        append_cri_line(&self.pod_log_path(), line)
    }

    /// The same for every container's previous instance.
    pub fn write_previous_pod_log(&self, line: &str) -> anyhow::Result<()> {
        append_cri_line(&self.previous_pod_log_path(), line)
    }
}

fn append_cri_line(path: &Path, line: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let now = k8s_openapi::jiff::Timestamp::now();
    let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
    writeln!(file, "{now:.9} stdout F {line}")?;
    Ok(())
}
