//! Proof that a running test cluster behaves like one: the scheduler places pods, the workload
//! controllers create and remove them, kwok runs them and serves their logs through the API
//! server, a cordoned node takes nothing new, and a node cut off turns NotReady and comes back.
//!
//! Every test shares one running cluster ([`TestCluster::shared`]), each in its own
//! namespace with its own nodes. Needs `scripts/kube.sh` to have been run.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams, LogParams, Patch, PatchParams};
use serde_json::json;
use testbed::cluster::TestCluster;
use testbed::kubelets::NODE_MONITOR_GRACE;
use testbed::poll;

/// How long a test waits for something the cluster does by itself.
const WAIT: Duration = Duration::from_secs(60);

/// Waits until `check` returns something, or fails naming `what` and the last thing seen.
async fn eventually<T, F, Fut>(what: &str, check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Result<T, String>>>,
{
    poll::until(what, WAIT, check).await
}

/// A node like the homelab's (its own address, capacity and labels), run by kwok, and a
/// namespace holding one Deployment `app` of `replicas` pinned to it.
async fn node_and_app(
    cluster: &TestCluster,
    name: &str,
    replicas: i32,
) -> anyhow::Result<(Api<Pod>, Api<Deployment>)> {
    cluster
        .apply_yaml(&format!(
            r#"apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels: {{kubernetes.io/hostname: {name}, homelab.test/node: {name}}}
status:
  addresses: [{{type: InternalIP, address: 192.168.10.99}}, {{type: Hostname, address: {name}}}]
  capacity: {{cpu: "4", memory: 16Gi, pods: "110"}}
  allocatable: {{cpu: "4", memory: 16Gi, pods: "110"}}
---
apiVersion: v1
kind: Namespace
metadata: {{name: {name}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata: {{labels: {{app: app}}}}
    spec:
      nodeSelector: {{homelab.test/node: {name}}}
      terminationGracePeriodSeconds: 0
      containers: [{{name: app, image: "example.org/app:1", resources: {{requests: {{cpu: 100m}}}}}}]
"#
        ))
        .await?;
    cluster.run_node(name).await?;
    let client = cluster.admin_client();
    Ok((
        Api::namespaced(client.clone(), name),
        Api::namespaced(client, name),
    ))
}

/// Names of the pods that are Running and Ready.
async fn running_now(pods: &Api<Pod>) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = pods
        .list(&ListParams::default())
        .await?
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| {
            let status = p.status.as_ref();
            status.and_then(|s| s.phase.as_deref()) == Some("Running")
                && status
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .filter_map(|p| p.metadata.name)
        .collect();
    names.sort();
    Ok(names)
}

/// Names of the pods once exactly `count` are Running and Ready.
async fn running(pods: &Api<Pod>, count: usize) -> anyhow::Result<Vec<String>> {
    eventually(&format!("{count} pods running"), || async {
        let names = running_now(pods).await?;
        Ok(if names.len() == count {
            Ok(names)
        } else {
            Err(format!("{names:?}"))
        })
    })
    .await
}

async fn scale(deployments: &Api<Deployment>, replicas: i32) -> anyhow::Result<()> {
    let patch = json!({"spec": {"replicas": replicas}});
    deployments
        .patch("app", &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// The status of the node's Ready condition.
async fn ready(nodes: &Api<Node>, name: &str) -> anyhow::Result<String> {
    Ok(nodes
        .get(name)
        .await?
        .status
        .and_then(|s| s.conditions)
        .and_then(|c| c.into_iter().find(|c| c.type_ == "Ready"))
        .map(|c| c.status)
        .unwrap_or_default())
}

#[tokio::test]
async fn a_scaled_deployment_runs_its_pods_on_the_node_and_scaling_to_zero_removes_them(
) -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    let (pods, deployments) = node_and_app(cluster, "run-scale", 1).await?;
    let first = running(&pods, 1).await?;
    let pod = pods.get(&first[0]).await?;
    assert_eq!(
        pod.spec.and_then(|s| s.node_name).as_deref(),
        Some("run-scale"),
        "the scheduler bound it to the node"
    );

    scale(&deployments, 2).await?;
    running(&pods, 2).await?;

    scale(&deployments, 0).await?;
    eventually("no pod left", || async {
        let left = pods.list(&ListParams::default()).await?.items.len();
        Ok(if left == 0 {
            Ok(())
        } else {
            Err(format!("{left} pods"))
        })
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_running_pod_annotated_to_crash_loses_its_readiness_and_regains_it_without_the_annotation(
) -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    let (pods, deployments) = node_and_app(cluster, "run-crash", 1).await?;
    let name = running(&pods, 1).await?.remove(0);
    assert_eq!(cluster.crash_pods("run-crash", Some(3)).await?, 1);
    let waiting = eventually("the container waiting in CrashLoopBackOff", || async {
        let status = pods.get(&name).await?.status.unwrap_or_default();
        let container = status.container_statuses.unwrap_or_default().pop();
        let reason = container
            .as_ref()
            .and_then(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone());
        Ok(match (reason.as_deref(), container) {
            (Some("CrashLoopBackOff"), Some(c)) => Ok(c.restart_count),
            (other, _) => Err(format!("{other:?}")),
        })
    })
    .await?;
    assert_eq!(waiting, 3, "the annotation's restart count");
    eventually("the Deployment counting no ready replica", || async {
        let ready = deployments
            .get("app")
            .await?
            .status
            .and_then(|s| s.ready_replicas);
        Ok(if ready.unwrap_or(0) == 0 {
            Ok(())
        } else {
            Err(format!("{ready:?}"))
        })
    })
    .await?;

    cluster.crash_pods("run-crash", None).await?;
    assert_eq!(
        running(&pods, 1).await?,
        vec![name],
        "the same pod, ready again"
    );
    Ok(())
}

#[tokio::test]
async fn a_cordoned_node_leaves_a_new_pod_pending_with_the_schedulers_reason() -> anyhow::Result<()>
{
    let cluster = TestCluster::shared().await?;
    let (pods, deployments) = node_and_app(cluster, "run-cordon", 1).await?;
    running(&pods, 1).await?;
    let nodes: Api<Node> = Api::all(cluster.admin_client());
    nodes
        .patch(
            "run-cordon",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"unschedulable": true}})),
        )
        .await?;
    scale(&deployments, 2).await?;
    let message = eventually("a pending pod with the scheduler's reason", || async {
        let pending = pods
            .list(&ListParams::default())
            .await?
            .into_iter()
            .filter_map(|p| p.status?.conditions)
            .flatten()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False");
        Ok(match pending {
            Some(c) if c.reason.as_deref() == Some("Unschedulable") => {
                Ok(c.message.unwrap_or_default())
            }
            other => Err(format!("{other:?}")),
        })
    })
    .await?;
    assert!(message.contains("unschedulable"), "{message}");
    assert_eq!(
        running_now(&pods).await?.len(),
        1,
        "the old pod keeps running"
    );
    Ok(())
}

#[tokio::test]
async fn a_node_cut_off_turns_not_ready_within_the_grace_period_and_comes_back(
) -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    let (pods, _) = node_and_app(cluster, "run-cut", 1).await?;
    let nodes: Api<Node> = Api::all(cluster.admin_client());
    eventually("the node Ready and its pod running", || async {
        let (node, names) = (ready(&nodes, "run-cut").await?, running_now(&pods).await?);
        Ok(if node == "True" && names.len() == 1 {
            Ok(())
        } else {
            Err(format!("{node} {names:?}"))
        })
    })
    .await?;

    cluster.cut_off("run-cut")?;
    let cut = tokio::time::Instant::now();
    eventually("the node NotReady", || async {
        let node = ready(&nodes, "run-cut").await?;
        Ok(if node != "True" { Ok(()) } else { Err(node) })
    })
    .await?;
    // The Lease may have been renewed just before the cut; grace, a monitor period and a
    // lease's length after that at most.
    let took = cut.elapsed();
    assert!(
        took <= NODE_MONITOR_GRACE + Duration::from_secs(10),
        "NotReady after {took:?}"
    );
    eventually("tainted for eviction", || async {
        let taints = nodes
            .get("run-cut")
            .await?
            .spec
            .and_then(|s| s.taints)
            .unwrap_or_default();
        let evicting = taints
            .iter()
            .any(|t| t.key == "node.kubernetes.io/unreachable" && t.effect == "NoExecute");
        Ok(if evicting {
            Ok(())
        } else {
            Err(format!("{taints:?}"))
        })
    })
    .await?;

    cluster.run_node("run-cut").await?;
    eventually("the node Ready again", || async {
        let node = ready(&nodes, "run-cut").await?;
        Ok(if node == "True" { Ok(()) } else { Err(node) })
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_containers_log_written_by_the_test_reaches_a_client_through_the_api_server(
) -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    let (pods, _) = node_and_app(cluster, "run-log", 1).await?;
    let names = running(&pods, 1).await?;
    let line = format!("jellyfin: transcode started in {}", names[0]);
    cluster.write_pod_log(&line)?;
    // GET /api/v1/namespaces/run-log/pods/<pod>/log, as kubectl logs sends it.
    let log = pods.logs(&names[0], &LogParams::default()).await?;
    assert_eq!(log.trim_end(), line);
    Ok(())
}
