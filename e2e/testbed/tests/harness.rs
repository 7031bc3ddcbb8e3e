//! Proof that the test control plane is the real thing: CRD schemas validate, RBAC denies, watches
//! see other clients' writes, the controller manager's PV binder acts, and the demo fixture loads;
//! and that the test Alertmanager is one: a silence suppresses an alert.
//!
//! Every cluster test here shares one cluster
//! ([`TestCluster::shared`]). Needs `scripts/kube.sh` to have been run.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Node, PersistentVolume, Pod};
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::{watcher, WatchStreamExt};
use serde_json::json;
use testbed::alertmanager::{Alertmanager, CREATED_BY};
use testbed::cluster::{demo_fixture_path, TestCluster};

/// How long a test waits for something the cluster does by itself.
const WAIT: Duration = Duration::from_secs(30);

/// The API's status code of a failed request, or a description of what happened instead.
fn status_code<T: std::fmt::Debug>(result: Result<T, kube::Error>) -> Result<u16, String> {
    match result {
        Err(kube::Error::Api(status)) => Ok(status.code),
        other => Err(format!("expected an API error, got {other:?}")),
    }
}

fn velero(kind: &str) -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("velero.io", "v1", kind))
}

#[tokio::test]
async fn a_velero_object_that_breaks_the_crd_schema_is_rejected_with_422() -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    cluster
        .apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: schema-test\n")
        .await?;
    let client = cluster.admin_client();

    let backups: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "schema-test", &velero("Backup"));
    let mut backup: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "velero.io/v1", "kind": "Backup",
        "metadata": {"name": "nightly"},
        "spec": {"ttl": 12, "includedNamespaces": ["media"]},
    }))?;
    let rejected = backups.create(&PostParams::default(), &backup).await;
    let message = format!("{rejected:?}");
    assert_eq!(status_code(rejected), Ok(422), "{message}");
    assert!(
        message.contains("spec.ttl"),
        "the error names the field: {message}"
    );

    // The same object with a valid duration is accepted: the schema, not the kind, refused it.
    backup.data["spec"]["ttl"] = json!("720h0m0s");
    backups.create(&PostParams::default(), &backup).await?;

    let locations: Api<DynamicObject> =
        Api::namespaced_with(client, "schema-test", &velero("BackupStorageLocation"));
    let location: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "velero.io/v1", "kind": "BackupStorageLocation",
        "metadata": {"name": "default"},
        "spec": {"provider": "aws", "objectStorage": {"bucket": "b"}, "accessMode": "Sideways"},
    }))?;
    let rejected = locations.create(&PostParams::default(), &location).await;
    let message = format!("{rejected:?}");
    assert_eq!(status_code(rejected), Ok(422), "{message}");
    assert!(
        message.contains("accessMode"),
        "the error names the enum: {message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_service_account_without_a_role_binding_is_forbidden() -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    let nobody = cluster
        .service_account_client("rbac-test", "nobody", None)
        .await?;
    let pods: Api<Pod> = Api::namespaced(nobody, "rbac-test");
    assert_eq!(
        status_code(pods.list(&ListParams::default()).await),
        Ok(403)
    );

    // With a binding to the aggregated `view` role the same request is allowed.
    let viewer = cluster
        .service_account_client("rbac-test", "viewer", Some("view"))
        .await?;
    let pods: Api<Pod> = Api::namespaced(viewer.clone(), "rbac-test");
    pods.list(&ListParams::default()).await?;
    // ... and `view` still does not allow writing.
    let config_maps: Api<ConfigMap> = Api::namespaced(viewer, "rbac-test");
    let config_map: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "nope"}}))?;
    assert_eq!(
        status_code(
            config_maps
                .create(&PostParams::default(), &config_map)
                .await
        ),
        Ok(403)
    );
    Ok(())
}

#[tokio::test]
async fn a_watch_sees_a_change_made_through_another_client() -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    cluster
        .apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: watch-test\n")
        .await?;
    let watched: Api<ConfigMap> = Api::namespaced(cluster.admin_client(), "watch-test");
    let writer = cluster
        .service_account_client("watch-test", "writer", Some("edit"))
        .await?;
    let written: Api<ConfigMap> = Api::namespaced(writer, "watch-test");

    let mut events = watcher(
        watched,
        watcher::Config::default().fields("metadata.name=greeting"),
    )
    .applied_objects()
    .boxed();
    let config_map: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "greeting"}, "data": {"text": "hello"},
    }))?;
    written.create(&PostParams::default(), &config_map).await?;
    let seen = tokio::time::timeout(WAIT, events.try_next()).await??;
    let text = |cm: Option<ConfigMap>| {
        cm.and_then(|cm| cm.data)
            .and_then(|d| d.get("text").cloned())
    };
    assert_eq!(text(seen).as_deref(), Some("hello"));

    written
        .patch(
            "greeting",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"text": "changed"}})),
        )
        .await?;
    let seen = tokio::time::timeout(WAIT, events.try_next()).await??;
    assert_eq!(text(seen).as_deref(), Some("changed"));
    Ok(())
}

#[tokio::test]
async fn apply_yaml_stores_status_through_the_status_subresource() -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    cluster
        .apply_yaml(
            r#"
apiVersion: v1
kind: Node
metadata:
  name: status-test-node
  labels: {kubernetes.io/hostname: status-test-node}
status:
  conditions:
    - {type: Ready, status: "False", reason: KubeletNotReady, message: "test says so"}
---
apiVersion: v1
kind: Namespace
metadata: {name: status-test}
---
apiVersion: velero.io/v1
kind: Backup
metadata: {name: weekly, namespace: status-test}
spec: {ttl: 24h0m0s}
status: {phase: PartiallyFailed, errors: 2}
"#,
        )
        .await?;
    let node = Api::<Node>::all(cluster.admin_client())
        .get("status-test-node")
        .await?;
    let ready = node
        .status
        .and_then(|s| s.conditions)
        .and_then(|c| c.into_iter().find(|c| c.type_ == "Ready"));
    assert_eq!(ready.map(|c| c.status).as_deref(), Some("False"));

    let backups: Api<DynamicObject> =
        Api::namespaced_with(cluster.admin_client(), "status-test", &velero("Backup"));
    let backup = backups.get("weekly").await?;
    assert_eq!(backup.data["status"]["phase"], "PartiallyFailed");
    assert_eq!(backup.data["status"]["errors"], 2);
    Ok(())
}

#[tokio::test]
async fn a_released_volume_becomes_available_once_its_claim_ref_is_cleared() -> anyhow::Result<()> {
    let cluster = TestCluster::shared().await?;
    cluster
        .apply_yaml(
            r#"
apiVersion: v1
kind: PersistentVolume
metadata: {name: released-test-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: manual
  hostPath: {path: /tmp/released-test-pv}
  claimRef: {namespace: gone, name: data, uid: 00000000-0000-0000-0000-000000000001}
"#,
        )
        .await?;
    let volumes: Api<PersistentVolume> = Api::all(cluster.admin_client());
    let phase = |pv: &PersistentVolume| pv.status.as_ref().and_then(|s| s.phase.clone());
    let wait_for = |wanted: &'static str| {
        let volumes = volumes.clone();
        async move {
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let pv = volumes.get("released-test-pv").await?;
                if phase(&pv).as_deref() == Some(wanted) {
                    return anyhow::Ok(());
                }
                if tokio::time::Instant::now() > deadline {
                    anyhow::bail!("the volume stayed {:?}, expected {wanted}", phase(&pv));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    // Its claim does not exist: the binder marks it Released.
    wait_for("Released").await?;
    volumes
        .patch(
            "released-test-pv",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"claimRef": null}})),
        )
        .await?;
    wait_for("Available").await?;
    Ok(())
}

#[tokio::test]
async fn the_demo_fixture_loads() -> anyhow::Result<()> {
    let path = demo_fixture_path();
    if !path.exists() {
        println!("skipped: {} does not exist yet", path.display());
        return Ok(());
    }
    // A cluster of its own without the workload controllers: the demo as a still picture, its
    // pods and statuses as written (the shared running cluster would run them).
    let cluster = TestCluster::start().await?;
    let objects = cluster.load_demo().await?;
    assert!(!objects.is_empty(), "the demo fixture applied no object");
    let nodes = Api::<Node>::all(cluster.admin_client())
        .list(&ListParams::default())
        .await?;
    assert!(!nodes.items.is_empty(), "the demo fixture has Nodes");
    // Applying it again changes nothing and fails nothing (server-side apply is idempotent).
    let again = cluster.load_demo().await?;
    assert_eq!(again.len(), objects.len());
    Ok(())
}

/// The alert of `alerts` whose `alertname` label is `name`.
fn alert_named<'a>(alerts: &'a [serde_json::Value], name: &str) -> Option<&'a serde_json::Value> {
    alerts
        .iter()
        .find(|alert| alert["labels"]["alertname"] == name)
}

#[tokio::test]
async fn a_silenced_alert_is_suppressed_by_alertmanager_until_the_silence_expires(
) -> anyhow::Result<()> {
    let mut alertmanager = Alertmanager::start().await?;
    let labels = [
        ("alertname", "PlexDown"),
        ("severity", "critical"),
        ("namespace", "media"),
        ("pod", "plex-0"),
    ];
    alertmanager
        .post_alert(&labels, &[("summary", "Plex has been down for 5 minutes")])
        .await?;

    let alerts = alertmanager.alerts().await?;
    let alert = alert_named(&alerts, "PlexDown").expect("the posted alert is listed");
    for (name, value) in labels {
        assert_eq!(alert["labels"][name], value, "label {name}: {alert}");
    }
    assert_eq!(
        alert["annotations"]["summary"],
        "Plex has been down for 5 minutes"
    );
    assert_eq!(alert["status"]["state"], "active", "{alert}");
    assert_eq!(alert["status"]["silencedBy"], json!([]), "{alert}");
    assert!(alert["fingerprint"].is_string(), "{alert}");
    assert!(alert["startsAt"].is_string() && alert["endsAt"].is_string());

    let id = alertmanager
        .silence(&[("alertname", "PlexDown")], "Plex maintenance")
        .await?;
    let alerts = alertmanager.alerts().await?;
    let alert = alert_named(&alerts, "PlexDown").expect("a silenced alert is still listed");
    assert_eq!(alert["status"]["state"], "suppressed", "{alert}");
    assert_eq!(alert["status"]["silencedBy"], json!([id]), "{alert}");
    let silences = alertmanager.silences().await?;
    let silence = silences
        .iter()
        .find(|s| s["id"] == id.as_str())
        .expect("the new silence is listed");
    assert_eq!(silence["status"]["state"], "active", "{silence}");
    assert_eq!(silence["createdBy"], CREATED_BY);
    assert_eq!(silence["comment"], "Plex maintenance");
    assert_eq!(
        silence["matchers"],
        json!([{"name": "alertname", "value": "PlexDown", "isRegex": false, "isEqual": true}])
    );

    // Expired, the silence stays listed (as expired) and the alert is active again.
    alertmanager.expire_silence(&id).await?;
    let alerts = alertmanager.alerts().await?;
    let alert = alert_named(&alerts, "PlexDown").expect("the alert is still listed");
    assert_eq!(alert["status"]["state"], "active", "{alert}");
    let silences = alertmanager.silences().await?;
    let silence = silences.iter().find(|s| s["id"] == id.as_str());
    assert_eq!(
        silence.map(|s| &s["status"]["state"]),
        Some(&json!("expired"))
    );

    // Stopped, its port answers no more; stopping again is no error.
    let port = alertmanager.port();
    alertmanager.stop()?;
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still answers after stop"
    );
    alertmanager.stop()?;
    Ok(())
}

/// The test Velero is the real thing: a Backup created in its namespace is taken and written to
/// the S3 server, and stopping the store makes its storage location Unavailable.
#[tokio::test]
async fn velero_backs_up_to_the_store_and_sees_it_go_away() -> anyhow::Result<()> {
    let cluster = TestCluster::start().await?;
    let mut server = testbed::velero::Velero::start(&cluster, "velero").await?;
    let client = cluster.admin_client();
    cluster
        .apply_yaml(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prices, namespace: shop}\ndata: {tea: '3'}\n",
        )
        .await?;
    let backups: Api<DynamicObject> = Api::namespaced_with(client, "velero", &velero("Backup"));
    let backup: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "velero.io/v1", "kind": "Backup",
        "metadata": {"name": "shop-1", "namespace": "velero"},
        "spec": {"includedNamespaces": ["shop"]},
    }))?;
    backups.create(&PostParams::default(), &backup).await?;
    testbed::poll::until("backup shop-1 Completed", Duration::from_secs(90), || {
        let backups = backups.clone();
        async move {
            let phase = backups.get("shop-1").await?.data["status"]["phase"].clone();
            Ok(if phase == "Completed" {
                Ok(())
            } else {
                Err(phase.to_string())
            })
        }
    })
    .await?;
    let keys = server.stored_keys();
    assert!(
        keys.iter().any(|k| k == "backups/shop-1/shop-1.tar.gz"),
        "{keys:?}"
    );
    server.stop_store()?;
    server.wait_location(&cluster, "Unavailable").await?;
    server.start_store().await?;
    server.wait_location(&cluster, "Available").await?;
    Ok(())
}
