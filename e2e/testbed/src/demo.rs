//! The demo homelab (`server/demo/homelab.yaml`) on a running cluster, as it is in real life:
//! the cluster makes what the fixture only describes. Its Pods and the status of its workloads
//! are left out, so the Deployments and StatefulSets create their pods through the controllers,
//! the scheduler places them on the demo's nodes (labels, taints, cordons, GPUs and volumes
//! counting), and kwok runs them. What the demo shows broken stays broken for a reason the
//! cluster holds: Grafana wants 0 replicas, a workload whose pod the fixture shows crash-looping
//! gets the annotation that makes kwok crash it (`homelab.test/crash-loop`, valued with the
//! fixture's restart count), and k3s1 is cordoned the way it was: after its pods started (Jellyfin
//! keeps running there, and a new Jellyfin pod has nowhere to go).

use std::collections::HashMap;
use std::fs;
use std::time::Duration;

use anyhow::Context;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::{json, Value};

use crate::cluster::{apply_documents, demo_fixture_path, parse_documents, Mode, TestCluster};
use crate::poll;

/// The annotation on a pod template that makes kwok crash its containers.
pub const CRASH_LOOP_ANNOTATION: &str = "homelab.test/crash-loop";

fn kind(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

/// The workload that owns a fixture Pod, as (kind, namespace, name): a ReplicaSet's pods
/// belong to the Deployment its name (without the pod template hash) names.
fn owner(pod: &Value) -> Option<(String, String, String)> {
    let namespace = pod["metadata"]["namespace"].as_str()?.to_owned();
    let owner = pod["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|o| o["controller"] == json!(true))?;
    let name = owner["name"].as_str()?;
    match owner["kind"].as_str()? {
        "ReplicaSet" => {
            let hash = pod["metadata"]["labels"]["pod-template-hash"].as_str()?;
            let deployment = name.strip_suffix(&format!("-{hash}"))?;
            Some(("Deployment".into(), namespace, deployment.to_owned()))
        }
        kind @ ("StatefulSet" | "DaemonSet") => Some((kind.into(), namespace, name.to_owned())),
        _ => None,
    }
}

/// The highest restart count of a fixture Pod whose containers are in CrashLoopBackOff.
fn crash_loop_restarts(pod: &Value) -> Option<u64> {
    pod["status"]["containerStatuses"]
        .as_array()?
        .iter()
        .filter(|c| c["state"]["waiting"]["reason"] == json!("CrashLoopBackOff"))
        .filter_map(|c| c["restartCount"].as_u64())
        .max()
}

/// The fixture's documents as a running cluster starts from them (see the module comment).
/// Nodes also lose their conditions, so that their kubelet reports them afresh.
pub fn running_documents(docs: Vec<Value>) -> Vec<Value> {
    let crashing: HashMap<(String, String, String), u64> = docs
        .iter()
        .filter(|d| kind(d) == "Pod")
        .filter_map(|pod| Some((owner(pod)?, crash_loop_restarts(pod)?)))
        .collect();
    docs.into_iter()
        .filter(|d| !matches!(kind(d), "Pod" | "ReplicaSet"))
        .map(|mut doc| {
            match kind(&doc) {
                "Deployment" | "StatefulSet" | "DaemonSet" => {
                    if let Some(map) = doc.as_object_mut() {
                        map.remove("status");
                    }
                    let key = (
                        kind(&doc).to_owned(),
                        doc["metadata"]["namespace"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        doc["metadata"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                    if let Some(restarts) = crashing.get(&key) {
                        let template = &mut doc["spec"]["template"]["metadata"];
                        template["annotations"][CRASH_LOOP_ANNOTATION] =
                            json!(restarts.to_string());
                    }
                }
                "Node" => {
                    if let Some(status) = doc["status"].as_object_mut() {
                        status.remove("conditions");
                        status.remove("daemonEndpoints");
                    }
                }
                _ => {}
            }
            doc
        })
        .collect()
}

/// A cordoned node as it was before the cordon: schedulable, without the unschedulable taint.
fn uncordoned(node: &Value) -> Value {
    let mut node = node.clone();
    if let Some(spec) = node["spec"].as_object_mut() {
        spec.remove("unschedulable");
        if let Some(taints) = spec.get_mut("taints").and_then(Value::as_array_mut) {
            taints.retain(|t| t["key"] != json!("node.kubernetes.io/unschedulable"));
        }
    }
    node
}

/// The kinds that make pods: applied once the volumes and claims are in.
const WORKLOAD_KINDS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/// How long the demo's claims may take to bind, and its pods to be placed before the cordon.
const PLACED_TIMEOUT: Duration = Duration::from_secs(60);

impl TestCluster {
    /// Applies the demo homelab to a running cluster ([`running_documents`]) and starts a
    /// kubelet for each of its nodes; cordoned nodes are applied uncordoned first and cordoned
    /// once every wanted pod of the demo's Deployments and StatefulSets has a node. The pods
    /// start as kwok runs them: wait for what a test needs.
    pub async fn load_demo_running(&self) -> anyhow::Result<Vec<DynamicObject>> {
        let path = demo_fixture_path();
        let text = fs::read_to_string(&path)
            .with_context(|| format!("reading the demo fixture {}", path.display()))?;
        let docs = running_documents(parse_documents(&text)?);
        let cordoned: Vec<Value> = docs
            .iter()
            .filter(|d| kind(d) == "Node" && d["spec"]["unschedulable"] == json!(true))
            .cloned()
            .collect();
        // The volumes and claims before the workloads, as in a cluster that has run for a
        // while: a pod created before its claim is bound can sit in the scheduler's queue of
        // unschedulable pods for minutes.
        let (workloads, rest): (Vec<Value>, Vec<Value>) = docs
            .iter()
            .map(|d| {
                if kind(d) == "Node" {
                    uncordoned(d)
                } else {
                    d.clone()
                }
            })
            .partition(|d| WORKLOAD_KINDS.contains(&kind(d)));
        let client = self.admin_client();
        let mut applied = apply_documents(&client, rest, Mode::Apply)
            .await
            .with_context(|| format!("applying {} to a running cluster", path.display()))?;
        for node in applied
            .iter()
            .filter(|o| o.types.as_ref().is_some_and(|t| t.kind == "Node"))
        {
            self.run_node(node.metadata.name.as_deref().unwrap_or_default())
                .await?;
        }
        self.wait_bound(&docs).await?;
        applied.extend(
            apply_documents(&client, workloads, Mode::Apply)
                .await
                .context("applying the demo's workloads")?,
        );
        self.wait_placed(&docs).await?;
        apply_documents(&client, cordoned, Mode::Apply)
            .await
            .context("cordoning the demo's cordoned nodes")?;
        Ok(applied)
    }

    /// Waits until every claim the fixture shows Bound is Bound, and the PV controller has
    /// marked the binding complete (`pv.kubernetes.io/bind-completed`): the scheduler places no
    /// pod on a claim without it, and does not always try again when it comes.
    async fn wait_bound(&self, docs: &[Value]) -> anyhow::Result<()> {
        let claims: Api<PersistentVolumeClaim> = Api::all(self.admin_client());
        let wanted: Vec<(String, String)> = docs
            .iter()
            .filter(|d| kind(d) == "PersistentVolumeClaim")
            .filter(|d| d["status"]["phase"] == json!("Bound"))
            .filter_map(|d| {
                let meta = &d["metadata"];
                Some((
                    meta["namespace"].as_str()?.to_owned(),
                    meta["name"].as_str()?.to_owned(),
                ))
            })
            .collect();
        until_none_missing("the demo's claims Bound", || async {
            let bound: Vec<(String, String)> = claims
                .list(&ListParams::default())
                .await?
                .into_iter()
                .filter(|c| c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound"))
                .filter(|c| {
                    c.metadata
                        .annotations
                        .as_ref()
                        .is_some_and(|a| a.contains_key("pv.kubernetes.io/bind-completed"))
                })
                .filter_map(|c| Some((c.metadata.namespace?, c.metadata.name?)))
                .collect();
            Ok(wanted
                .iter()
                .filter(|w| !bound.contains(w))
                .map(|(ns, name)| format!("{ns}/{name}"))
                .collect())
        })
        .await
    }

    /// Waits until each Deployment and StatefulSet of `docs` has as many pods on a node as it
    /// wants replicas.
    async fn wait_placed(&self, docs: &[Value]) -> anyhow::Result<()> {
        until_none_missing("the demo's pods placed", || async {
            let mut missing = Vec::new();
            for doc in docs
                .iter()
                .filter(|d| matches!(kind(d), "Deployment" | "StatefulSet"))
            {
                let wanted = doc["spec"]["replicas"].as_u64().unwrap_or(1);
                let namespace = doc["metadata"]["namespace"].as_str().unwrap_or("default");
                let selector = doc["spec"]["selector"]["matchLabels"]
                    .as_object()
                    .map(|labels| {
                        labels
                            .iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                let pods: Api<Pod> = Api::namespaced(self.admin_client(), namespace);
                let placed = pods
                    .list(&ListParams::default().labels(&selector))
                    .await?
                    .into_iter()
                    .filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.is_some()))
                    .count() as u64;
                if placed < wanted {
                    let name = doc["metadata"]["name"].as_str().unwrap_or_default();
                    missing.push(format!("{namespace}/{name} {placed} of {wanted}"));
                }
            }
            Ok(missing)
        })
        .await
    }
}

/// Polls `missing` until it names nothing, or fails after [`PLACED_TIMEOUT`] naming what is
/// still missing.
async fn until_none_missing<F, Fut>(what: &str, mut missing: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Vec<String>>>,
{
    poll::until(what, PLACED_TIMEOUT, || {
        let left = missing();
        async move {
            let left = left.await?;
            Ok(if left.is_empty() {
                Ok(())
            } else {
                Err(format!("missing {}", left.join(", ")))
            })
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Vec<Value> {
        let text = fs::read_to_string(demo_fixture_path()).unwrap();
        running_documents(parse_documents(&text).unwrap())
    }

    #[test]
    fn the_running_demo_keeps_workloads_without_status_and_drops_their_pods() {
        let docs = fixture();
        assert!(docs.iter().all(|d| kind(d) != "Pod"));
        let deployments: Vec<&Value> = docs.iter().filter(|d| kind(d) == "Deployment").collect();
        assert!(deployments.len() > 10, "{}", deployments.len());
        assert!(deployments.iter().all(|d| d.get("status").is_none()));
        let grafana = deployments
            .iter()
            .find(|d| d["metadata"]["name"] == json!("grafana"))
            .unwrap();
        assert_eq!(grafana["spec"]["replicas"], json!(0), "still scaled to 0");
        let k3s1 = docs
            .iter()
            .find(|d| kind(d) == "Node" && d["metadata"]["name"] == json!("k3s1"))
            .unwrap();
        assert_eq!(k3s1["spec"]["unschedulable"], json!(true), "still cordoned");
        assert!(k3s1["status"].get("conditions").is_none());
        assert!(k3s1["status"]["addresses"].is_array(), "its addresses stay");
    }

    #[test]
    fn the_crash_looping_pod_of_the_fixture_marks_its_deployment_with_its_restarts() {
        let docs = fixture();
        let marked: Vec<(String, String)> = docs
            .iter()
            .filter_map(|d| {
                let value = d["spec"]["template"]["metadata"]["annotations"][CRASH_LOOP_ANNOTATION]
                    .as_str()?;
                Some((d["metadata"]["name"].as_str()?.to_owned(), value.to_owned()))
            })
            .collect();
        assert_eq!(marked, vec![("bazarr".to_owned(), "74".to_owned())]);
    }
}
