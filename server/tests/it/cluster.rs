//! The watch caches against a real kube-apiserver (`testbed::cluster`): changes arrive through
//! the watch within two seconds, a missing CRD and a missing permission become panel states, and
//! an unreachable API leaves the last state with a stale marker, then recovers by itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontend::model::{HealthLevel, ServiceStatus, SourceProblem};
use homelab::cluster::cache::SourceState;
use homelab::cluster::views::{health, services};
use homelab::cluster::{live, ClusterCache};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Patch, PatchParams};
use kube::Api;
use serde_json::json;
use testbed::cluster::{TestCluster, TestClusterOptions};
use tokio::net::TcpListener;

/// A namespace or name no other test uses.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{:x}", rand_suffix())
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now()) as u32
}

/// Polls `check` until it holds or `limit` passes; returns how long it took.
pub(crate) async fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    check().then(|| start.elapsed())
}

pub(crate) async fn synced_cache(client: kube::Client) -> Arc<ClusterCache> {
    let cache = ClusterCache::new();
    live::start(client, cache.clone());
    let synced = within(Duration::from_secs(20), || cache.is_synced()).await;
    assert!(
        synced.is_some(),
        "caches did not sync: {:?}",
        cache.problems()
    );
    cache
}

/// A namespace `ns` with a Deployment `web` of one pod behind an HTTPRoute, pinned to a node of
/// its own, also named `ns`, whose kubelet (kwok) runs it: the scheduler places the pod, kwok
/// starts it and the Deployment controller counts it ready, as on a real cluster.
pub(crate) async fn start_app(cluster: &TestCluster, ns: &str) {
    cluster
        .apply_yaml(&format!(
            r#"apiVersion: v1
kind: Node
metadata:
  name: {ns}
  labels: {{kubernetes.io/hostname: {ns}}}
status:
  capacity: {{cpu: "4", memory: 16Gi, pods: "110"}}
  allocatable: {{cpu: "4", memory: 16Gi, pods: "110"}}
---
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
  labels: {{app.kubernetes.io/name: web}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app.kubernetes.io/name: web}}}}
  template:
    metadata: {{labels: {{app.kubernetes.io/name: web}}}}
    spec:
      nodeSelector: {{kubernetes.io/hostname: {ns}}}
      terminationGracePeriodSeconds: 0
      containers: [{{name: web, image: nginx, resources: {{requests: {{cpu: 100m}}}}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: {ns}
  labels: {{app.kubernetes.io/name: web}}
  annotations: {{homelab.fletcherlabs.net/name: Web Test, homelab.fletcherlabs.net/audience: family}}
spec:
  hostnames: [web.{ns}.example]
  rules: [{{backendRefs: [{{name: web, port: 80}}]}}]
"#
        ))
        .await
        .unwrap();
    cluster.run_node(ns).await.unwrap();
}

/// The app of [`start_app`] starts crash-looping, or runs again: the kubelets (kwok) wait its
/// containers in CrashLoopBackOff, not ready, and the Deployment controller counts the ready
/// replicas down to 0, or back up.
pub(crate) async fn crash(cluster: &TestCluster, ns: &str, crashing: bool) {
    let changed = cluster.crash_pods(ns, crashing.then_some(1)).await.unwrap();
    assert!(changed > 0, "no pod of {ns} to crash");
}

/// How long a test app's pod may take to be placed and started.
pub(crate) const START: Duration = Duration::from_secs(30);

fn entry_status(cache: &ClusterCache, id: &str) -> Option<ServiceStatus> {
    services::catalog(&cache.snapshot())
        .into_iter()
        .find(|e| e.id == id)
        .map(|e| e.status)
}

#[tokio::test]
async fn a_deployment_whose_pod_crashes_shows_down_in_the_catalog_within_two_seconds() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-watch");
    start_app(cluster, &ns).await;
    let client = kube::Client::try_from(cluster.admin_config()).unwrap();
    let cache = synced_cache(client.clone()).await;
    let id = format!("{ns}/web");
    let up = within(START, || {
        entry_status(&cache, &id) == Some(ServiceStatus::Up)
    })
    .await;
    assert!(up.is_some(), "not up: {:?}", entry_status(&cache, &id));

    // From the pod's crash, through the kubelet, the ReplicaSet and Deployment controllers and
    // the watch, to the catalog.
    crash(cluster, &ns, true).await;
    let took = within(Duration::from_secs(2), || {
        entry_status(&cache, &id) == Some(ServiceStatus::Down)
    })
    .await;
    assert!(
        took.is_some(),
        "the catalog still says {:?}",
        entry_status(&cache, &id)
    );
    println!("a pod's crash reached the catalog in {:?}", took.unwrap());
    crash(cluster, &ns, false).await;
    let back = within(Duration::from_secs(2), || {
        entry_status(&cache, &id) == Some(ServiceStatus::Up)
    })
    .await;
    assert!(
        back.is_some(),
        "not up again: {:?}",
        entry_status(&cache, &id)
    );
}

#[tokio::test]
async fn a_node_turning_not_ready_and_a_route_changing_host_show_within_two_seconds() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-route");
    start_app(cluster, &ns).await;
    let node = unique("it-node");
    cluster
        .apply_yaml(&format!(
            "apiVersion: v1\nkind: Node\nmetadata: {{name: {node}}}\nstatus:\n  conditions:\n  - {{type: Ready, status: 'True', reason: KubeletReady, message: ok}}\n"
        ))
        .await
        .unwrap();
    let client = kube::Client::try_from(cluster.admin_config()).unwrap();
    let cache = synced_cache(client.clone()).await;

    let nodes: Api<Node> = Api::all(client.clone());
    let not_ready = json!({"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "network down", "lastHeartbeatTime": null, "lastTransitionTime": null}]}});
    nodes
        .patch_status(
            &node,
            &PatchParams::default(),
            &Patch::Strategic(&not_ready),
        )
        .await
        .unwrap();
    let took = within(Duration::from_secs(2), || {
        health::summary(&cache.snapshot())
            .reasons
            .iter()
            .any(|r| r.subject == node && r.message.contains("not ready"))
    })
    .await;
    assert!(took.is_some(), "no health reason for {node}");
    assert!(health::summary(&cache.snapshot()).level >= HealthLevel::Degraded);

    let routes: Api<kube::api::DynamicObject> = Api::namespaced_with(
        client,
        &ns,
        &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "gateway.networking.k8s.io",
            "v1",
            "HTTPRoute",
        )),
    );
    let host = json!({"spec": {"hostnames": [format!("moved.{ns}.example")]}});
    routes
        .patch("web", &PatchParams::default(), &Patch::Merge(&host))
        .await
        .unwrap();
    let id = format!("{ns}/web");
    let want = format!("https://moved.{ns}.example");
    let took = within(Duration::from_secs(2), || {
        services::catalog(&cache.snapshot())
            .iter()
            .any(|e| e.id == id && e.url.as_deref() == Some(want.as_str()))
    })
    .await;
    assert!(took.is_some(), "the route's new hostname did not arrive");
}

#[tokio::test]
async fn a_forbidden_resource_names_the_missing_permission_and_the_rest_still_syncs() {
    let cluster = TestCluster::shared().await.unwrap();
    let role = unique("it-nodes-only");
    cluster
        .apply_yaml(&format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {role}}}\nrules:\n- apiGroups: ['']\n  resources: [nodes, pods, events, persistentvolumes, persistentvolumeclaims]\n  verbs: [list, watch]\n"
        ))
        .await
        .unwrap();
    let client = cluster
        .service_account_client("it-rbac", &unique("viewer"), Some(&role))
        .await
        .unwrap();
    let cache = synced_cache(client).await;
    let problems = cache.problems();
    let deployments = problems
        .iter()
        .find(|p| p.kind() == "Deployment")
        .expect("a problem for Deployments");
    assert_eq!(
        deployments,
        &SourceProblem::Forbidden {
            kind: "Deployment".into(),
            permission: "list and watch on deployments.apps".into()
        }
    );
    assert!(problems
        .iter()
        .any(|p| matches!(p, SourceProblem::Forbidden { kind, .. } if kind == "Backup")));
    assert_eq!(
        cache.nodes.source(),
        SourceState::Live,
        "nodes are allowed and synced"
    );
}

#[tokio::test]
async fn a_cluster_without_the_crds_says_they_are_not_installed() {
    let cluster = TestCluster::start_with(
        TestClusterOptions::default()
            .without_crds()
            .controllers(Vec::<String>::new()),
    )
    .await
    .unwrap();
    let client = kube::Client::try_from(cluster.admin_config()).unwrap();
    let cache = synced_cache(client).await;
    let problems = cache.problems();
    for kind in [
        "HTTPRoute",
        "Backup",
        "Schedule",
        "Volume",
        "Kustomization",
        "HelmRelease",
    ] {
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, SourceProblem::NotInstalled { kind: k, .. } if k == kind)),
            "{kind} should be reported as not installed: {problems:?}"
        );
    }
    assert!(cache.nodes.problem().is_none());
}

/// A TCP relay in front of the API server, so a test can cut the API off and bring it back on
/// the same address while the real server keeps running.
struct Relay {
    addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(addr: std::net::SocketAddr, upstream: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    break;
                };
                conns.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { addr, task }
    }

    /// Cuts every connection and stops listening (dropping the task drops its connections).
    fn stop(self) -> std::net::SocketAddr {
        self.task.abort();
        self.addr
    }
}

#[tokio::test]
async fn an_unreachable_api_keeps_the_last_state_marked_stale_and_recovers_by_itself() {
    let cluster = TestCluster::shared().await.unwrap();
    let upstream: std::net::SocketAddr = cluster
        .server_url()
        .trim_start_matches("https://")
        .parse()
        .unwrap();
    // A node of its own, so the test does not depend on what other tests created first.
    let node = unique("it-stale-node");
    cluster
        .apply_yaml(&format!(
            "apiVersion: v1\nkind: Node\nmetadata: {{name: {node}}}\n"
        ))
        .await
        .unwrap();
    let relay = Relay::start("127.0.0.1:0".parse().unwrap(), upstream).await;
    let mut config = cluster.admin_config();
    config.cluster_url = format!("https://{}", relay.addr).parse().unwrap();
    let cache = synced_cache(kube::Client::try_from(config).unwrap()).await;
    let nodes_before = cache.nodes.state().len();
    assert!(nodes_before > 0);
    assert!(cache.freshness().stale_since.is_none());

    let addr = relay.stop();
    let stale = within(Duration::from_secs(30), || {
        cache.freshness().stale_since.is_some()
    })
    .await;
    assert!(
        stale.is_some(),
        "the caches never noticed the API went away"
    );
    assert_eq!(
        cache.nodes.state().len(),
        nodes_before,
        "the last known state is kept"
    );

    // The API comes back on the same address; a change made meanwhile arrives without a restart.
    let ns = unique("it-back");
    start_app(cluster, &ns).await;
    let _relay = Relay::start(addr, upstream).await;
    let id = format!("{ns}/web");
    let back = within(Duration::from_secs(60), || {
        cache.freshness().stale_since.is_none()
            && entry_status(&cache, &id) == Some(ServiceStatus::Up)
    })
    .await;
    assert!(back.is_some(), "not recovered: {:?}", cache.problems());
}

#[tokio::test]
async fn the_configured_kubeconfig_context_is_used_and_an_unknown_one_is_named() {
    let cluster = TestCluster::shared().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    // The current context points at a port nothing listens on; `homelab` at the test API server.
    let kubeconfig = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "testbed", "cluster": {"server": cluster.server_url(),
                "certificate-authority": cluster.ca_path()}},
            {"name": "elsewhere", "cluster": {"server": "https://127.0.0.1:1",
                "certificate-authority": cluster.ca_path()}},
        ],
        "users": [{"name": "admin", "user": {"token": cluster.admin_token()}}],
        "contexts": [
            {"name": "homelab", "context": {"cluster": "testbed", "user": "admin"}},
            {"name": "other", "context": {"cluster": "elsewhere", "user": "admin"}},
        ],
        "current-context": "other",
    });
    std::fs::write(&path, kubeconfig.to_string()).unwrap();
    let config = |context: Option<&str>| homelab::config::ClusterConfig {
        kubeconfig: Some(path.clone()),
        context: context.map(str::to_owned),
        ..Default::default()
    };

    let chosen = live::client(&config(Some("homelab"))).await.unwrap();
    let version = chosen.apiserver_version().await.unwrap();
    assert_eq!(format!("v{}.{}", version.major, version.minor), "v1.32");

    let current = live::client(&config(None)).await.unwrap();
    assert!(
        current.apiserver_version().await.is_err(),
        "the current context is elsewhere"
    );

    let unknown = live::client(&config(Some("nope"))).await.err().unwrap();
    assert!(
        unknown.to_string().contains("nope"),
        "the error names the context: {unknown}"
    );
}

/// `make bench` loads its synthetic cluster with `testbed --apply` (eight documents at a time):
/// every object arrives, status included, and the watch caches hold all of it.
#[tokio::test]
async fn the_synthetic_cluster_applied_concurrently_reaches_the_watch_caches_whole() {
    use homelab::cluster::synthetic::{self, Size};

    // A cluster of its own: the shared one's other objects would blur the counts.
    let cluster = TestCluster::start().await.unwrap();
    let size = Size {
        pods: 230,
        deployments: 23,
    };
    let applied = cluster
        .apply_yaml_concurrently(&synthetic::yaml(size), 8)
        .await
        .unwrap();
    assert_eq!(applied, synthetic::objects(size).len());
    let cache = synced_cache(cluster.admin_client()).await;
    let snap = cache.snapshot();
    assert_eq!(snap.pods.len(), 230);
    assert_eq!(snap.deployments.len(), 23);
    assert_eq!(snap.nodes.len(), 3);
    assert_eq!(snap.http_routes.len(), 23);
    assert_eq!((snap.pvs.len(), snap.pvcs.len()), (23, 23));
    // The one in fifty having a bad day got its status through the status subresource.
    let bad_day = snap
        .deployments
        .iter()
        .find(|d| d.metadata.name.as_deref() == Some("app-0007"))
        .unwrap();
    let ready = bad_day.status.as_ref().and_then(|s| s.ready_replicas);
    assert_eq!(ready, Some(5));
}
