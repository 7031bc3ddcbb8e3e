//! The Backups, Storage and GitOps views against a real kube-apiserver with the real Velero,
//! Longhorn and Flux CRDs (`testbed::cluster`): objects are applied as the controllers would
//! write them (Velero's kinds carry their status in the object; Longhorn, Flux and core kinds go
//! through the status subresource), and each change must reach the views through the watches.
//! Every test uses namespaces and names of its own, so they share one control plane. The last
//! test serves the pages in-process with the Velero, Longhorn and Flux caches marked not
//! installed, as a cluster without those CRDs leaves them.

use std::time::Duration;

use frontend::model::{HealthLevel, Readiness};
use homelab::cluster::crds::Volume;
use homelab::cluster::views::{backups, gitops, health, storage};
use homelab::cluster::ClusterCache;
use k8s_openapi::api::core::v1::PersistentVolume;
use kube::api::{Patch, PatchParams};
use kube::Api;
use serde_json::json;
use testbed::cluster::TestCluster;

use super::cluster::{synced_cache, unique, within};

/// How long a change may take to reach the views.
const ARRIVES: Duration = Duration::from_secs(5);

/// An RFC 3339 time `minutes` ago.
fn minutes_ago(minutes: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes)).to_string()
}

fn namespace(ns: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n")
}

fn schedule_yaml(ns: &str, name: &str, cron: &str) -> String {
    format!(
        r#"apiVersion: velero.io/v1
kind: Schedule
metadata: {{name: {name}, namespace: {ns}}}
spec:
  schedule: "{cron}"
  template: {{includedNamespaces: [media], ttl: 72h0m0s, storageLocation: default}}
status: {{phase: Enabled}}
"#
    )
}

fn backup_yaml(ns: &str, schedule: &str, name: &str, phase: &str, started: &str) -> String {
    format!(
        r#"apiVersion: velero.io/v1
kind: Backup
metadata:
  name: {name}
  namespace: {ns}
  labels: {{velero.io/schedule-name: {schedule}}}
spec: {{includedNamespaces: [media], ttl: 72h0m0s}}
status:
  phase: {phase}
  startTimestamp: "{started}"
  errors: {errors}
  progress: {{itemsBackedUp: 412, totalItems: 1050}}
"#,
        errors = u8::from(phase == "Failed") * 3,
    )
}

fn schedule_row(cache: &ClusterCache, name: &str) -> Option<frontend::model::ScheduleRow> {
    let snap = cache.snapshot();
    backups::view(&snap, &health::summary(&snap))
        .schedules
        .into_iter()
        .find(|s| s.name == name)
}

async fn start() -> (
    &'static TestCluster,
    kube::Client,
    std::sync::Arc<ClusterCache>,
) {
    let cluster = TestCluster::shared().await.unwrap();
    let client = kube::Client::try_from(cluster.admin_config()).unwrap();
    let cache = synced_cache(client.clone()).await;
    (cluster, client, cache)
}

#[tokio::test]
async fn a_new_backup_appears_on_its_schedules_row_with_its_progress() {
    let (cluster, _, cache) = start().await;
    let ns = unique("it-velero");
    cluster
        .apply_yaml(&format!(
            "{}{}---\n{}",
            namespace(&ns),
            schedule_yaml(&ns, "hourly", "0 * * * *"),
            backup_yaml(&ns, "hourly", "hourly-1", "Completed", &minutes_ago(50)),
        ))
        .await
        .unwrap();
    let first = within(ARRIVES, || {
        schedule_row(&cache, "hourly")
            .and_then(|r| r.last_backup)
            .is_some_and(|b| b.name == "hourly-1")
    })
    .await;
    assert!(first.is_some(), "row: {:?}", schedule_row(&cache, "hourly"));
    let row = schedule_row(&cache, "hourly").unwrap();
    assert!(
        row.next_run.is_some() && row.cron_error.is_none(),
        "{row:?}"
    );
    assert!(row.warnings.is_empty(), "{:?}", row.warnings);

    cluster
        .apply_yaml(&backup_yaml(
            &ns,
            "hourly",
            "hourly-2",
            "InProgress",
            &minutes_ago(1),
        ))
        .await
        .unwrap();
    let took = within(ARRIVES, || {
        schedule_row(&cache, "hourly")
            .and_then(|r| r.last_backup)
            .is_some_and(|b| b.name == "hourly-2")
    })
    .await;
    assert!(took.is_some(), "the new backup did not reach its row");
    println!(
        "a new Backup reached its schedule's row in {:?}",
        took.unwrap()
    );
    let last = schedule_row(&cache, "hourly").unwrap().last_backup.unwrap();
    assert_eq!(last.phase, "InProgress");
    assert_eq!(
        (last.items_backed_up, last.total_items),
        (Some(412), Some(1050))
    );
}

#[tokio::test]
async fn a_backup_set_to_failed_turns_its_schedule_into_a_warning() {
    let (cluster, _, cache) = start().await;
    let ns = unique("it-velero");
    let started = minutes_ago(20);
    cluster
        .apply_yaml(&format!(
            "{}{}---\n{}",
            namespace(&ns),
            schedule_yaml(&ns, "daily", "0 3 * * *"),
            backup_yaml(&ns, "daily", "daily-1", "InProgress", &started),
        ))
        .await
        .unwrap();
    let subject = format!("Schedule {ns}/daily");
    let seen = within(ARRIVES, || schedule_row(&cache, "daily").is_some()).await;
    assert!(seen.is_some());
    // Running for the first time: not yet a reason to worry.
    assert!(
        schedule_row(&cache, "daily").unwrap().warnings.is_empty(),
        "{:?}",
        schedule_row(&cache, "daily")
    );

    cluster
        .apply_yaml(&backup_yaml(&ns, "daily", "daily-1", "Failed", &started))
        .await
        .unwrap();
    let took = within(ARRIVES, || {
        health::summary(&cache.snapshot())
            .reasons
            .iter()
            .any(|r| r.subject == subject && r.message.contains("Failed"))
    })
    .await;
    assert!(took.is_some(), "no health reason for {subject}");
    println!(
        "a Failed backup reached the health summary in {:?}",
        took.unwrap()
    );
    let row = schedule_row(&cache, "daily").unwrap();
    assert!(
        row.warnings
            .iter()
            .any(|w| w.contains("is Failed (3 errors")),
        "{:?}",
        row.warnings
    );
    assert!(health::summary(&cache.snapshot()).level >= HealthLevel::Degraded);
}

#[tokio::test]
async fn an_invalid_cron_expression_shows_on_its_row_and_nothing_crashes() {
    let (cluster, _, cache) = start().await;
    let ns = unique("it-velero");
    cluster
        .apply_yaml(&format!(
            "{}{}",
            namespace(&ns),
            schedule_yaml(&ns, "odd", "0 25 * * *")
        ))
        .await
        .unwrap();
    let seen = within(ARRIVES, || schedule_row(&cache, "odd").is_some()).await;
    assert!(seen.is_some());
    let row = schedule_row(&cache, "odd").unwrap();
    assert!(
        row.cron_error.is_some() && row.next_run.is_none(),
        "{row:?}"
    );
    assert!(
        row.warnings.iter().any(|w| w.contains("cannot be read")),
        "{row:?}"
    );
}

#[tokio::test]
async fn a_storage_location_set_unavailable_shows_with_its_message() {
    let (cluster, _, cache) = start().await;
    let ns = unique("it-bsl");
    let location = |phase: &str, message: &str| {
        format!(
            r#"apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {{name: minio, namespace: {ns}}}
spec: {{provider: aws, objectStorage: {{bucket: velero, prefix: k3s-home}}}}
status: {{phase: {phase}, message: "{message}", lastValidationTime: "{}"}}
"#,
            minutes_ago(0)
        )
    };
    cluster
        .apply_yaml(&format!("{}{}", namespace(&ns), location("Available", "")))
        .await
        .unwrap();
    let find = || {
        let snap = cache.snapshot();
        backups::view(&snap, &health::summary(&snap))
            .locations
            .into_iter()
            .find(|l| l.namespace == ns && l.name == "minio")
    };
    assert!(
        within(ARRIVES, || find().is_some_and(|l| l.phase == "Available"))
            .await
            .is_some()
    );

    let message = "BackupStorageLocation \\\"minio\\\" is unavailable: minio: Invalid command line arguments: 0 drives provided";
    cluster
        .apply_yaml(&location("Unavailable", message))
        .await
        .unwrap();
    let took = within(ARRIVES, || find().is_some_and(|l| l.phase == "Unavailable")).await;
    assert!(took.is_some(), "still {:?}", find());
    let row = find().unwrap();
    assert!(
        row.message
            .as_deref()
            .is_some_and(|m| m.contains("0 drives provided")),
        "{row:?}"
    );
    assert!(row.last_validated.is_some());
    let subject = format!("BackupStorageLocation {ns}/minio");
    assert!(health::summary(&cache.snapshot())
        .reasons
        .iter()
        .any(|r| r.subject == subject && r.message.contains("0 drives provided")));
}

#[tokio::test]
async fn a_volume_moved_to_released_is_highlighted_with_its_claim() {
    let (cluster, client, cache) = start().await;
    let ns = unique("it-pv");
    let class = unique("it-manual");
    let pv = |name: &str, claim: &str| {
        format!(
            r#"apiVersion: v1
kind: PersistentVolume
metadata: {{name: {name}}}
spec:
  accessModes: [ReadWriteMany]
  capacity: {{storage: 10Ti}}
  storageClassName: {class}
  persistentVolumeReclaimPolicy: Retain
  nfs: {{server: 192.0.2.20, path: /mnt/rust/media/tv}}
  claimRef: {{apiVersion: v1, kind: PersistentVolumeClaim, namespace: {ns}, name: {claim}, uid: 0c56d195-f648-5da6-a6c7-8f0f36d59079}}
"#
        )
    };
    let tv = unique("it-tv");
    let music = unique("it-music");
    cluster
        .apply_yaml(&format!(
            r#"{}{}---
{}---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: sonarr-tv, namespace: {ns}}}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: {class}
  volumeName: {tv}
  resources: {{requests: {{storage: 10Ti}}}}
"#,
            namespace(&ns),
            pv(&tv, "sonarr-tv"),
            pv(&music, "lidarr-music"),
        ))
        .await
        .unwrap();

    // The recreated claim has a new uid and the other claim is gone: both volumes are Released
    // (the PV controller says so too; setting it here keeps the test independent of its timing).
    let pvs: Api<PersistentVolume> = Api::all(client);
    for name in [&tv, &music] {
        pvs.patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {"phase": "Released"}})),
        )
        .await
        .unwrap();
    }
    let released = |name: &str| {
        storage::view(&cache.snapshot())
            .volumes
            .into_iter()
            .find(|v| v.name == name)
            .and_then(|v| v.released)
    };
    let took = within(ARRIVES, || {
        released(&tv).is_some() && released(&music).is_some()
    })
    .await;
    assert!(took.is_some(), "not highlighted as Released");
    println!(
        "a Released volume reached the storage view in {:?}",
        took.unwrap()
    );
    let tv_claim = released(&tv).unwrap();
    assert_eq!(tv_claim.claim, format!("{ns}/sonarr-tv"));
    assert!(tv_claim.exists, "{tv_claim:?}");
    assert!(
        tv_claim.hint.contains("waits for this volume"),
        "{tv_claim:?}"
    );
    let music_claim = released(&music).unwrap();
    assert_eq!(music_claim.claim, format!("{ns}/lidarr-music"));
    assert!(!music_claim.exists);
    let view = storage::view(&cache.snapshot());
    let first_released = view
        .volumes
        .iter()
        .position(|v| v.name == tv || v.name == music)
        .unwrap();
    assert!(
        view.volumes[..first_released]
            .iter()
            .all(|v| v.released.is_some()),
        "Released volumes come first"
    );
}

#[tokio::test]
async fn a_longhorn_volume_turning_degraded_changes_the_health_summary() {
    let (cluster, client, cache) = start().await;
    let ns = unique("it-longhorn");
    let name = unique("pvc");
    cluster
        .apply_yaml(&format!(
            r#"{}apiVersion: longhorn.io/v1beta2
kind: Volume
metadata: {{name: {name}, namespace: {ns}}}
spec: {{size: "2147483648", numberOfReplicas: 2, frontend: blockdev}}
status:
  state: attached
  robustness: healthy
  currentNodeID: k3s2
  kubernetesStatus: {{namespace: media, pvcName: overseerr-config, pvName: {name}}}
"#,
            namespace(&ns)
        ))
        .await
        .unwrap();
    let attached = within(ARRIVES, || {
        storage::view(&cache.snapshot())
            .longhorn_volumes
            .iter()
            .any(|v| v.name == name && v.node.as_deref() == Some("k3s2"))
    })
    .await;
    assert!(attached.is_some(), "the volume did not arrive");
    let degraded_reason = |cache: &ClusterCache| {
        health::summary(&cache.snapshot())
            .reasons
            .into_iter()
            .any(|r| r.area == "storage" && r.subject == name && r.message.contains("degraded"))
    };
    assert!(!degraded_reason(&cache));

    let volumes: Api<Volume> = Api::namespaced(client, &ns);
    volumes
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {"robustness": "degraded"}})),
        )
        .await
        .unwrap();
    let took = within(ARRIVES, || degraded_reason(&cache)).await;
    assert!(took.is_some(), "no health reason for the degraded volume");
    println!(
        "a degraded Longhorn volume reached the health summary in {:?}",
        took.unwrap()
    );
    assert!(health::summary(&cache.snapshot()).level >= HealthLevel::Degraded);
}

#[tokio::test]
async fn a_kustomization_that_is_not_ready_shows_its_message() {
    let (cluster, _, cache) = start().await;
    let ns = unique("it-flux");
    let kustomization = |status: &str, message: &str| {
        format!(
            r#"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: apps, namespace: {ns}}}
spec:
  interval: 10m0s
  path: ./clusters/k3s-home/apps
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
status:
  conditions:
  - {{type: Ready, status: "{status}", reason: {reason}, message: "{message}", lastTransitionTime: "{at}", observedGeneration: 1}}
  lastAppliedRevision: main@sha1:73eb7443d0d0d64342a722f17f94ffe2c29c3b0d
"#,
            reason = if status == "True" {
                "ReconciliationSucceeded"
            } else {
                "BuildFailed"
            },
            at = minutes_ago(0),
        )
    };
    cluster
        .apply_yaml(&format!(
            "{}{}",
            namespace(&ns),
            kustomization("True", "Applied revision: main@sha1:73eb744")
        ))
        .await
        .unwrap();
    let find = || {
        gitops::view(&cache.snapshot())
            .kustomizations
            .into_iter()
            .find(|k| k.namespace == ns && k.name == "apps")
    };
    assert!(within(ARRIVES, || find()
        .is_some_and(|k| k.ready == Readiness::Ready))
    .await
    .is_some());

    let message =
        "kustomize build failed: accumulating resources: missing file ./oauth2-proxy.yaml";
    cluster
        .apply_yaml(&kustomization("False", message))
        .await
        .unwrap();
    let took = within(ARRIVES, || {
        find().is_some_and(|k| k.ready == Readiness::NotReady)
    })
    .await;
    assert!(took.is_some(), "still {:?}", find());
    println!(
        "a Kustomization turning not Ready reached the GitOps view in {:?}",
        took.unwrap()
    );
    let k = find().unwrap();
    assert_eq!(k.message.as_deref(), Some(message));
    assert_eq!(k.reason.as_deref(), Some("BuildFailed"));
    assert_eq!(
        gitops::view(&cache.snapshot()).kustomizations[0].ready,
        Readiness::NotReady
    );
    let subject = format!("Kustomization {ns}/apps");
    assert!(health::summary(&cache.snapshot())
        .reasons
        .iter()
        .any(|r| r.subject == subject && r.message.contains("missing file")));
}

#[tokio::test]
async fn without_velero_longhorn_and_flux_each_page_says_what_is_not_installed() {
    use homelab::cluster::cache::SourceState;

    use super::support::{config, Browser, TestApp};

    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    let cache = &app.state.cluster.cache;
    let before = app.state.cluster.views().version;
    macro_rules! not_installed {
        ($($field:ident),*) => {$(
            cache.$field.replace(Vec::new());
            cache.$field.set_source(SourceState::NotInstalled);
        )*};
    }
    not_installed!(
        backups,
        schedules,
        storage_locations,
        longhorn_volumes,
        longhorn_nodes,
        kustomizations,
        helm_releases
    );
    app.views_after(before).await;
    let browser = Browser::new(&app);
    let signed_in = browser
        .post_form("/auth/dev", &[("role", "admin"), ("next", "/backups")])
        .await;
    assert_eq!(signed_in.status(), reqwest::StatusCode::SEE_OTHER);
    let page = |path: &'static str| {
        let browser = &browser;
        async move {
            let response = browser.get(path).await;
            assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
            response.text().await.unwrap()
        }
    };

    let backups = page("/backups").await;
    for kind in ["Schedule", "Backup", "BackupStorageLocation"] {
        assert!(
            backups.contains(&format!("{kind}: not installed in this cluster")),
            "{kind}: {backups}"
        );
    }
    assert!(!backups.contains("data-test=\"schedule-row\""));

    let storage = page("/storage").await;
    assert!(storage
        .contains("Volume: not installed in this cluster (the API has no volumes.longhorn.io)"));
    assert!(storage.contains(
        "Node.longhorn.io: not installed in this cluster (the API has no nodes.longhorn.io)"
    ));
    assert!(
        storage.contains("data-test=\"released-volume\""),
        "volumes are still listed"
    );
    assert!(
        !storage.contains("longhorn-empty"),
        "the panel says why instead"
    );

    let gitops = page("/gitops").await;
    assert!(gitops.contains("Kustomization: not installed in this cluster"));
    assert!(gitops.contains("HelmRelease: not installed in this cluster"));
    app.stop().await;
}
