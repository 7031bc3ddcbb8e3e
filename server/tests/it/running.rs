//! The control plane against a running cluster (`TestCluster::shared_running`: the scheduler,
//! the workload controllers and kwok as the kubelets) with the demo homelab applied as in real
//! life (`testbed::demo`): its actions, sent as the shipped ServiceAccount, make and remove real
//! pods, and its pages show them.

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use testbed::cluster::TestCluster;
use tokio::sync::OnceCell;

use crate::actions::preview_and_run;
use crate::support::{start_as_shipped_service_account_on, Browser};

/// How long a test waits for something the cluster or the server does by itself.
const WAIT: Duration = Duration::from_secs(60);

static DEMO: OnceCell<()> = OnceCell::const_new();

/// The shared running cluster, with the demo homelab applied once.
async fn running_demo() -> &'static TestCluster {
    let cluster = TestCluster::shared_running().await.unwrap();
    DEMO.get_or_init(|| async {
        cluster.load_demo_running().await.unwrap();
    })
    .await;
    cluster
}

/// Polls `check` until it returns something; panics naming `what` and the last thing seen.
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match check().await {
            Ok(value) => return value,
            Err(last) if tokio::time::Instant::now() > deadline => {
                panic!("{what}: not within {WAIT:?}; last seen: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// The pods of app `name` in `media` (by its `app.kubernetes.io/name`), as (pod name, Running
/// and Ready); pods being deleted left out.
async fn app_pods(pods: &Api<Pod>, name: &str) -> Vec<(String, bool)> {
    let selector = format!("app.kubernetes.io/name={name}");
    let mut found: Vec<(String, bool)> = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| {
            let status = p.status.unwrap_or_default();
            let ready = status.phase.as_deref() == Some("Running")
                && status
                    .conditions
                    .unwrap_or_default()
                    .iter()
                    .any(|c| c.type_ == "Ready" && c.status == "True");
            (p.metadata.name.unwrap_or_default(), ready)
        })
        .collect();
    found.sort();
    found
}

/// Names of the app's pods, once there are `count` and all of them run.
async fn running(pods: &Api<Pod>, name: &str, count: usize) -> Vec<String> {
    until(&format!("{count} {name} pods running"), || async {
        let found = app_pods(pods, name).await;
        if found.len() == count && found.iter().all(|(_, ready)| *ready) {
            Ok(found.into_iter().map(|(pod, _)| pod).collect())
        } else {
            Err(format!("{found:?}"))
        }
    })
    .await
}

#[tokio::test]
async fn scaling_plex_from_the_control_plane_runs_its_pods_and_zero_switches_it_off() {
    let cluster = running_demo().await;
    let (app, oidc, _dir) = start_as_shipped_service_account_on(cluster, |_| {}).await;
    let admin = Browser::new(&app);
    admin.sign_in(&oidc, "admin", "/").await;
    let family = Browser::new(&app);
    family.sign_in(&oidc, "family", "/").await;
    let pods: Api<Pod> = Api::namespaced(cluster.admin_client(), "media");
    let first = running(&pods, "plex", 1).await;

    let scale = "action=scale&kind=Deployment&namespace=media&name=plex&replicas=";
    assert_eq!(
        preview_and_run(&admin, &format!("{scale}2"), "plex").await,
        200
    );
    let both = running(&pods, "plex", 2).await;
    assert!(both.contains(&first[0]), "the first pod stays: {both:?}");
    until("Plex's page lists both pods", || async {
        let html = admin.text("/services/media/plex").await;
        let shown = both.iter().all(|pod| html.contains(pod.as_str()));
        if shown {
            Ok(())
        } else {
            Err(html)
        }
    })
    .await;

    assert_eq!(
        preview_and_run(&admin, &format!("{scale}0"), "plex").await,
        200
    );
    until("no Plex pod left", || async {
        let found = app_pods(&pods, "plex").await;
        if found.is_empty() {
            Ok(())
        } else {
            Err(format!("{found:?}"))
        }
    })
    .await;
    until(
        "the family's Status page says Plex is switched off",
        || async {
            let html = family.text("/").await;
            let off = html.contains(r#"data-service="media/plex" data-status="scaled_to_zero""#);
            if off {
                Ok(())
            } else {
                Err(html)
            }
        },
    )
    .await;
    assert_eq!(
        preview_and_run(&admin, &format!("{scale}1"), "plex").await,
        200
    );
    running(&pods, "plex", 1).await;
    app.stop().await;
}

#[tokio::test]
async fn a_rollout_restart_replaces_the_pod_and_the_service_page_follows() {
    let cluster = running_demo().await;
    let (app, oidc, _dir) = start_as_shipped_service_account_on(cluster, |_| {}).await;
    let admin = Browser::new(&app);
    admin.sign_in(&oidc, "admin", "/").await;
    let pods: Api<Pod> = Api::namespaced(cluster.admin_client(), "media");
    let before = running(&pods, "sonarr", 1).await;
    until("Sonarr's page shows its pod", || async {
        let html = admin.text("/services/media/sonarr").await;
        if html.contains(before[0].as_str()) {
            Ok(())
        } else {
            Err(html)
        }
    })
    .await;

    let restart = "action=restart&kind=Deployment&namespace=media&name=sonarr";
    assert_eq!(preview_and_run(&admin, restart, "sonarr").await, 200);
    let after = until("a new Sonarr pod in place of the old", || async {
        let found = app_pods(&pods, "sonarr").await;
        match found.as_slice() {
            [(pod, true)] if *pod != before[0] => Ok(pod.clone()),
            _ => Err(format!("{found:?}")),
        }
    })
    .await;
    until(
        "Sonarr's page shows the new pod and not the old",
        || async {
            let html = admin.text("/services/media/sonarr").await;
            if html.contains(after.as_str()) && !html.contains(before[0].as_str()) {
                Ok(())
            } else {
                Err(html)
            }
        },
    )
    .await;
    app.stop().await;
}

/// Jellyfin runs on k3s1 only (its nodeSelector and Intel GPU), and k3s1 was cordoned after
/// Jellyfin started: a restart leaves its new pod nowhere to go, and its page says why.
#[tokio::test]
async fn restarting_jellyfin_behind_the_cordon_leaves_its_pod_pending_with_the_schedulers_reason() {
    let cluster = running_demo().await;
    let (app, oidc, _dir) = start_as_shipped_service_account_on(cluster, |_| {}).await;
    let admin = Browser::new(&app);
    admin.sign_in(&oidc, "admin", "/").await;
    let pods: Api<Pod> = Api::namespaced(cluster.admin_client(), "media");
    let before = running(&pods, "jellyfin", 1).await;
    let on = pods.get(&before[0]).await.unwrap().spec.unwrap().node_name;
    assert_eq!(on.as_deref(), Some("k3s1"), "it started before the cordon");

    let restart = "action=restart&kind=Deployment&namespace=media&name=jellyfin";
    assert_eq!(preview_and_run(&admin, restart, "jellyfin").await, 200);
    let html = until(
        "Jellyfin's page shows a pending pod and the scheduler's reason",
        || async {
            let html = admin.text("/services/media/jellyfin").await;
            let shown = !html.contains(before[0].as_str())
                && html.contains("Unschedulable")
                && html.contains("data-test=\"pod-message\"");
            if shown {
                Ok(html)
            } else {
                Err(html)
            }
        },
    )
    .await;
    assert!(html.contains("node(s) were unschedulable"), "{html}");
    let found = app_pods(&pods, "jellyfin").await;
    assert!(matches!(found.as_slice(), [(_, false)]), "{found:?}");
    app.stop().await;
}
