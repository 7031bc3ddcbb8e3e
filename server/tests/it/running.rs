//! The control plane against a running cluster (`TestCluster::shared_demo`: the scheduler,
//! the workload controllers and kwok as the kubelets) with the demo homelab applied as in real
//! life (`testbed::demo`): its actions, sent as the shipped ServiceAccount, make and remove real
//! pods, and its pages show them.

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams};
use testbed::cluster::TestCluster;
use testbed::kubelets::NODE_MONITOR_GRACE;
use testbed::oidc::TestOidc;
use tokio::sync::{Mutex, MutexGuard};

use crate::actions::preview_and_run;
use crate::support::{start_as_shipped_service_account_on, Browser, TestApp};

/// How long a test waits for something the cluster or the server does by itself.
const WAIT: Duration = Duration::from_secs(60);

/// One scenario at a time: each changes the shared demo (a node cut off, a pod pending) and
/// puts it back before the next.
static SCENARIO: Mutex<()> = Mutex::const_new(());

/// The shared running cluster, with the demo homelab applied once, and this test's turn.
async fn running_demo() -> (&'static TestCluster, MutexGuard<'static, ()>) {
    let turn = SCENARIO.lock().await;
    (TestCluster::shared_demo().await.unwrap(), turn)
}

/// A scenario on the running demo: its turn, the server as the shipped ServiceAccount, an admin
/// signed in, and the `media` namespace's pods.
pub(crate) struct Scenario {
    pub(crate) cluster: &'static TestCluster,
    pub(crate) app: TestApp,
    pub(crate) oidc: TestOidc,
    pub(crate) admin: Browser,
    pub(crate) pods: Api<Pod>,
    _turn: MutexGuard<'static, ()>,
    _dir: tempfile::TempDir,
}

async fn scenario() -> Scenario {
    scenario_with(|_| {}).await
}

/// A scenario whose server's configuration `configure` changes.
pub(crate) async fn scenario_with(
    configure: impl FnOnce(&mut homelab::config::Config),
) -> Scenario {
    let (cluster, turn) = running_demo().await;
    let (app, oidc, dir) = start_as_shipped_service_account_on(cluster, configure).await;
    let admin = Browser::new(&app);
    admin.sign_in(&oidc, "admin", "/").await;
    Scenario {
        cluster,
        pods: Api::namespaced(cluster.admin_client(), "media"),
        app,
        oidc,
        admin,
        _turn: turn,
        _dir: dir,
    }
}

impl Scenario {
    /// Stops the server and starts it again on the same database and configuration (a new
    /// port), with the admin signed in again.
    pub(crate) async fn restart(self) -> Scenario {
        let Scenario {
            cluster,
            app,
            oidc,
            pods,
            _turn,
            _dir,
            ..
        } = self;
        let config = (*app.state.config).clone();
        app.stop().await;
        let app = TestApp::start(config).await.unwrap();
        let admin = Browser::new(&app);
        admin.sign_in(&oidc, "admin", "/").await;
        Scenario {
            cluster,
            app,
            oidc,
            admin,
            pods,
            _turn,
            _dir,
        }
    }
}

/// Sets `spec.unschedulable` of node `name`, as a cordon or an uncordon does.
pub(crate) async fn set_cordon(cluster: &TestCluster, name: &str, cordoned: bool) {
    let nodes: Api<Node> = Api::all(cluster.admin_client());
    let patch = serde_json::json!({"spec": {"unschedulable": cordoned}});
    nodes
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
}

/// Polls `check` until it returns something; panics naming `what` and the last thing seen.
pub(crate) async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    testbed::poll::until(what, WAIT, || {
        let seen = check();
        async move { Ok(seen.await) }
    })
    .await
    .unwrap()
}

/// Reloads `path` until its HTML `shows` what the test waits for; returns that HTML.
pub(crate) async fn until_page(
    browser: &Browser,
    path: &str,
    what: &str,
    shows: impl Fn(&str) -> bool,
) -> String {
    until(what, || async {
        let html = browser.text(path).await;
        if shows(&html) {
            Ok(html)
        } else {
            Err(html)
        }
    })
    .await
}

/// The pod table of a page (the events below it name old pods too).
fn pods_table(html: &str) -> &str {
    let start = html.find("data-test=\"pods\"").unwrap_or(html.len());
    let rest = &html[start..];
    &rest[..rest.find("</table>").unwrap_or(rest.len())]
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
pub(crate) async fn running(pods: &Api<Pod>, name: &str, count: usize) -> Vec<String> {
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
    let s = scenario().await;
    let (admin, pods) = (&s.admin, &s.pods);
    let family = Browser::new(&s.app);
    family.sign_in(&s.oidc, "family", "/").await;
    let first = running(pods, "plex", 1).await;

    let scale = "action=scale&kind=Deployment&namespace=media&name=plex&replicas=";
    assert_eq!(
        preview_and_run(admin, &format!("{scale}2"), "plex").await,
        200
    );
    let both = running(pods, "plex", 2).await;
    assert!(both.contains(&first[0]), "the first pod stays: {both:?}");
    until_page(
        admin,
        "/services/media/plex",
        "Plex's page lists both pods",
        |html| both.iter().all(|pod| html.contains(pod.as_str())),
    )
    .await;

    assert_eq!(
        preview_and_run(admin, &format!("{scale}0"), "plex").await,
        200
    );
    until("no Plex pod left", || async {
        let found = app_pods(pods, "plex").await;
        if found.is_empty() {
            Ok(())
        } else {
            Err(format!("{found:?}"))
        }
    })
    .await;
    until_page(
        &family,
        "/",
        "the family's Status page says Plex is switched off",
        |html| html.contains(r#"data-service="media/plex" data-status="scaled_to_zero""#),
    )
    .await;
    assert_eq!(
        preview_and_run(admin, &format!("{scale}1"), "plex").await,
        200
    );
    running(pods, "plex", 1).await;
    s.app.stop().await;
}

#[tokio::test]
async fn a_rollout_restart_replaces_the_pod_and_the_service_page_follows() {
    let s = scenario().await;
    let (admin, pods) = (&s.admin, &s.pods);
    let before = running(pods, "sonarr", 1).await;
    until_page(
        admin,
        "/services/media/sonarr",
        "Sonarr's page shows its pod",
        |html| html.contains(before[0].as_str()),
    )
    .await;

    let restart = "action=restart&kind=Deployment&namespace=media&name=sonarr";
    assert_eq!(preview_and_run(admin, restart, "sonarr").await, 200);
    let after = until("a new Sonarr pod in place of the old", || async {
        let found = app_pods(pods, "sonarr").await;
        match found.as_slice() {
            [(pod, true)] if *pod != before[0] => Ok(pod.clone()),
            _ => Err(format!("{found:?}")),
        }
    })
    .await;
    until_page(
        admin,
        "/services/media/sonarr",
        "Sonarr's page shows the new pod and not the old",
        |html| {
            let pods = pods_table(html);
            pods.contains(after.as_str()) && !pods.contains(before[0].as_str())
        },
    )
    .await;
    s.app.stop().await;
}

/// Plex runs on k3s2 only (its nodeSelector): with k3s2 cordoned from the control plane, a
/// second Plex pod has nowhere to go, and Plex's page says why while the first keeps running.
#[tokio::test]
async fn cordoning_k3s2_then_scaling_plex_leaves_the_new_pod_pending_with_the_schedulers_reason() {
    let s = scenario().await;
    let (admin, pods) = (&s.admin, &s.pods);
    let first = running(pods, "plex", 1).await;

    assert_eq!(
        preview_and_run(admin, "action=cordon&name=k3s2", "k3s2").await,
        200
    );
    let scale = "action=scale&kind=Deployment&namespace=media&name=plex&replicas=";
    assert_eq!(
        preview_and_run(admin, &format!("{scale}2"), "plex").await,
        200
    );
    let html = until_page(
        admin,
        "/services/media/plex",
        "Plex's page shows the pending pod and the scheduler's reason",
        |html| html.contains("Unschedulable") && html.contains("data-test=\"pod-message\""),
    )
    .await;
    assert!(html.contains("node(s) were unschedulable"), "{html}");
    assert!(
        html.contains(first[0].as_str()),
        "the first pod is still listed: {html}"
    );
    let found = app_pods(pods, "plex").await;
    assert_eq!(
        found.iter().filter(|(_, ready)| *ready).count(),
        1,
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "{found:?}");

    // Back as the demo has it.
    assert_eq!(
        preview_and_run(admin, &format!("{scale}1"), "plex").await,
        200
    );
    assert_eq!(
        preview_and_run(admin, "action=uncordon&name=k3s2", "k3s2").await,
        200
    );
    assert_eq!(running(pods, "plex", 1).await, first);
    s.app.stop().await;
}

/// Jellyfin runs on k3s1 only (its nodeSelector and Intel GPU), and k3s1 was cordoned after
/// Jellyfin started: a restart leaves its new pod nowhere to go, and its page says why.
#[tokio::test]
async fn restarting_jellyfin_behind_the_cordon_leaves_its_pod_pending_with_the_schedulers_reason() {
    let s = scenario().await;
    let (cluster, admin, pods) = (s.cluster, &s.admin, &s.pods);
    let before = running(pods, "jellyfin", 1).await;
    let on = pods.get(&before[0]).await.unwrap().spec.unwrap().node_name;
    assert_eq!(on.as_deref(), Some("k3s1"), "it started before the cordon");

    let restart = "action=restart&kind=Deployment&namespace=media&name=jellyfin";
    assert_eq!(preview_and_run(admin, restart, "jellyfin").await, 200);
    let html = until_page(
        admin,
        "/services/media/jellyfin",
        "Jellyfin's page shows a pending pod and the scheduler's reason",
        |html| {
            !pods_table(html).contains(before[0].as_str())
                && html.contains("Unschedulable")
                && html.contains("data-test=\"pod-message\"")
        },
    )
    .await;
    assert!(html.contains("node(s) were unschedulable"), "{html}");
    let found = app_pods(pods, "jellyfin").await;
    assert!(matches!(found.as_slice(), [(_, false)]), "{found:?}");

    // Back as the demo has it: Jellyfin running on k3s1, k3s1 cordoned.
    set_cordon(cluster, "k3s1", false).await;
    running(pods, "jellyfin", 1).await;
    set_cordon(cluster, "k3s1", true).await;
    s.app.stop().await;
}

/// What the demo shows broken is broken on the running cluster for the reason the cluster holds.
#[tokio::test]
async fn the_demos_broken_parts_are_broken_for_their_own_reasons() {
    let s = scenario().await;
    let admin = &s.admin;
    // Bazarr: its pod crash-loops (kwok's crash-loop stage), with the fixture's 74 restarts.
    let html = until_page(
        admin,
        "/services/media/bazarr",
        "Bazarr's page shows its crash loop",
        |html| html.contains("CrashLoopBackOff"),
    )
    .await;
    assert!(html.contains(">74<"), "{html}");
    assert!(
        html.contains("back-off 5m0s restarting failed container=bazarr"),
        "{html}"
    );
    // Grafana wants no replicas; k3s1 is cordoned.
    let status = admin.text("/").await;
    assert!(
        status.contains("node is cordoned: no new pods are scheduled on it"),
        "{status}"
    );
    let services = admin.text("/services").await;
    assert!(
        services.contains(r#"data-service="monitoring/grafana" data-status="scaled_to_zero""#),
        "{services}"
    );
    s.app.stop().await;
}

/// The health summary's reason saying k3s1 is not ready (other tests' nodes may be too).
fn k3s1_not_ready(html: &str) -> Option<&str> {
    html.split("data-test=\"health-reason\"")
        .skip(1)
        .map(|r| r.split("</li>").next().unwrap_or(r))
        .find(|r| r.contains("k3s1") && r.contains("node is not ready; it ran"))
}

/// k3s1 losing its network: its kubelet stops, the node lifecycle controller marks it NotReady
/// within the grace period, the health summary says so and names what ran there; the heartbeat
/// returns and so does the node.
#[tokio::test]
async fn cutting_k3s1_off_turns_it_not_ready_in_the_health_summary_until_it_returns() {
    let s = scenario().await;
    let (cluster, admin, pods) = (s.cluster, &s.admin, &s.pods);
    running(pods, "jellyfin", 1).await;

    cluster.cut_off("k3s1").unwrap();
    let cut = tokio::time::Instant::now();
    let status = until_page(
        admin,
        "/",
        "the health summary says k3s1 is not ready",
        |html| k3s1_not_ready(html).is_some(),
    )
    .await;
    let took = cut.elapsed();
    assert!(
        took <= NODE_MONITOR_GRACE + Duration::from_secs(10),
        "shown after {took:?}"
    );
    let reason = k3s1_not_ready(&status).unwrap();
    assert!(reason.contains("media/jellyfin"), "{reason}");

    cluster.run_node("k3s1").await.unwrap();
    until("k3s1 ready again in the health summary", || async {
        let html = admin.text("/").await;
        if k3s1_not_ready(&html).is_some() {
            Err(html)
        } else {
            Ok(())
        }
    })
    .await;
    running(pods, "jellyfin", 1).await;
    s.app.stop().await;
}

/// A container's log, written as a container runtime writes it, reaches an admin's logs page
/// through the API server as the shipped ServiceAccount: shown as text, downloaded as a file;
/// a bad field or an unknown pod is told, and family members are refused.
#[tokio::test]
async fn an_admin_reads_a_pods_log_through_the_api_server_and_a_bad_query_is_named() {
    let s = scenario().await;
    let (cluster, admin, pods) = (s.cluster, &s.admin, &s.pods);
    let pod = running(pods, "sonarr", 1).await.remove(0);
    let marker = format!("logs-it-{}", std::process::id());
    cluster
        .write_pod_log(&format!("{marker} <script>alert(1)</script>"))
        .unwrap();
    let path = format!("/pods/media/{pod}/logs");
    // The pod may be newer than the views the server last published: wait for them.
    until_page(
        admin,
        "/services/media/sonarr",
        "the pod's link to its logs",
        |h| h.contains(&format!("href=\"{path}\"")),
    )
    .await;

    let html = admin.text(&path).await;
    assert!(
        html.contains(&format!("{marker} &lt;script&gt;alert(1)&lt;/script&gt;")),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"), "shown as text");

    let download = admin.get(&format!("{path}?download=1&tail=5")).await;
    assert_eq!(download.status(), 200);
    let disposition = download.headers()["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"{pod}-sonarr.log\"")
    );
    assert!(download.text().await.unwrap().contains(&marker));

    for (query, status, says) in [
        (
            "?tail=lots",
            400,
            "tail must be a number of lines from 1 to 10000",
        ),
        ("?container=db", 400, "is not in this pod; it has sonarr"),
        ("?previous=maybe", 400, "previous must be on or off"),
    ] {
        let response = admin.get(&format!("{path}{query}")).await;
        assert_eq!(response.status(), status, "{query}");
        let html = response.text().await.unwrap();
        assert!(html.contains(says), "{query}: {html}");
        assert!(html.contains("data-test=\"log-query\""), "the form stays");
    }
    let missing = admin.get("/pods/media/no-such-pod/logs").await;
    assert_eq!(missing.status(), 404);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("there is no pod media/no-such-pod"));

    let family = Browser::new(&s.app);
    family.sign_in(&s.oidc, "family", "/").await;
    assert_eq!(family.get(&path).await.status(), 403);
    s.app.stop().await;
}

/// What the scheduler and the workload controllers say of a pod reaches its logs page, its
/// service's page and the Events page, from the watch cache; a Warning written as a kubelet
/// writes one is told apart from them by the type filter; a bad filter is named.
#[tokio::test]
async fn the_clusters_own_events_show_on_the_pod_service_and_events_pages() {
    let s = scenario().await;
    let (cluster, admin, pods) = (s.cluster, &s.admin, &s.pods);
    let pod = running(pods, "sonarr", 1).await.remove(0);
    let about_pod = format!("/events?kind=Pod&namespace=media&name={pod}");
    let html = until_page(admin, &about_pod, "the scheduler's event", |h| {
        h.contains("Successfully assigned")
    })
    .await;
    assert!(html.contains("data-type=\"Normal\""), "{html}");
    assert!(!html.contains("data-type=\"Warning\""), "{html}");

    // The pod's event and its ReplicaSet's, on the service's page.
    until_page(
        admin,
        "/services/media/sonarr",
        "the pod's and the ReplicaSet's events on Sonarr's page",
        |h| h.contains("Successfully assigned") && h.contains("SuccessfulCreate"),
    )
    .await;
    let logs = admin.text(&format!("/pods/media/{pod}/logs")).await;
    assert!(logs.contains("Successfully assigned"), "{logs}");

    let reason = format!("ProbeFailed{}", std::process::id());
    // As a row shows it (the reason filter's options list every reason).
    let row = format!(">{reason}</th>");
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(cluster.admin_client(), "media");
    let warning: k8s_openapi::api::core::v1::Event = serde_json::from_value(serde_json::json!({
        "metadata": {"generateName": "sonarr-warning-"},
        "involvedObject": {"kind": "Pod", "namespace": "media", "name": pod, "apiVersion": "v1"},
        "type": "Warning", "reason": reason, "count": 4,
        "message": "Readiness probe failed: connection refused",
        "firstTimestamp": "2026-12-05T10:00:00Z", "lastTimestamp": "2026-12-05T10:05:00Z",
        "source": {"component": "kubelet"},
    }))
    .unwrap();
    let created = events.create(&Default::default(), &warning).await.unwrap();
    let warnings = until_page(
        admin,
        "/events?type=Warning&namespace=media",
        "the written warning",
        |h| h.contains(&row),
    )
    .await;
    assert!(!warnings.contains("Successfully assigned"), "{warnings}");
    let normal = admin.text("/events?type=Normal&namespace=media").await;
    assert!(!normal.contains(&row) && normal.contains("Successfully assigned"));
    let by_text = admin.text("/events?text=connection%20REFUSED").await;
    assert!(by_text.contains(&row), "{by_text}");

    let bad = admin.get("/events?type=Error").await;
    assert_eq!(bad.status(), 400);
    let bad = bad.text().await.unwrap();
    assert!(
        bad.contains("type: \"Error\" is not an event type"),
        "{bad}"
    );

    let family = Browser::new(&s.app);
    family.sign_in(&s.oidc, "family", "/").await;
    assert_eq!(family.get("/events").await.status(), 403);
    events
        .delete(
            created.metadata.name.as_deref().unwrap(),
            &Default::default(),
        )
        .await
        .unwrap();
    s.app.stop().await;
}

/// The health reasons on the admin's status page, as text.
fn health_reasons(html: &str) -> Vec<String> {
    html.split("data-test=\"health-reason\"")
        .skip(1)
        .map(|part| part.split("</li>").next().unwrap_or("").to_owned())
        .collect()
}

/// The running demo with a real Alertmanager read every second, and a critical alert posted for
/// Plex's namespace and pod (with another namespace's pod of the same name, not Plex's); its
/// summary.
async fn plex_alerting() -> (testbed::alertmanager::Alertmanager, Scenario, String) {
    let am = testbed::alertmanager::Alertmanager::start().await.unwrap();
    let url = am.url().to_owned();
    let s = scenario_with(|config| {
        config.alerts.alertmanager_url = Some(url);
        config.alerts.refresh_secs = 1;
    })
    .await;
    let pod = running(&s.pods, "plex", 1).await.remove(0);
    let summary = format!("Plex stopped answering ({})", std::process::id());
    let labels = [
        ("alertname", "PlexDown"),
        ("severity", "critical"),
        ("namespace", "media"),
        ("pod", pod.as_str()),
    ];
    am.post_alert(&labels, &[("summary", &summary)])
        .await
        .unwrap();
    let elsewhere = [
        ("alertname", "Elsewhere"),
        ("severity", "critical"),
        ("namespace", "ai"),
        ("pod", pod.as_str()),
    ];
    am.post_alert(&elsewhere, &[("summary", "not Plex")])
        .await
        .unwrap();
    (am, s, summary)
}

/// The health summary shows the alert's summary among its reasons.
async fn until_in_health(admin: &Browser, summary: &str) -> String {
    until_page(admin, "/", "the alert in the health summary", |h| {
        health_reasons(h).iter().any(|r| r.contains(summary))
    })
    .await
}

/// An alert posted to Alertmanager for Plex's namespace and pod shows on Plex's page and, being
/// critical, in the health summary within the refresh interval; an AAR started from Plex's
/// incident page holds it, and the recorder has kept it as evidence offered for the window.
#[tokio::test]
async fn an_alert_for_plex_reaches_its_page_the_health_summary_and_an_aars_evidence() {
    let (_am, s, summary) = plex_alerting().await;
    let admin = &s.admin;
    let plex = until_page(
        admin,
        "/services/media/plex",
        "the alert on Plex's page",
        |h| h.contains("data-alert=\"PlexDown\" data-state=\"firing\""),
    )
    .await;
    assert!(plex.contains(&summary), "{plex}");
    assert!(
        !plex.contains("data-alert=\"Elsewhere\""),
        "tied by namespace too: {plex}"
    );
    let status = until_in_health(admin, &summary).await;
    let reason = health_reasons(&status)
        .into_iter()
        .find(|r| r.contains(&summary))
        .unwrap();
    assert!(reason.contains("data-area=\"alert\""), "{reason}");
    assert!(
        health_reasons(&status)
            .iter()
            .any(|r| r.contains("not Plex")),
        "every critical alert counts, tied to a service or not"
    );

    // Started from the incident page: a draft whose timeline holds the alert.
    let incident = admin.text("/incidents/services/media/plex").await;
    assert!(incident.contains(&summary), "{incident}");
    let csrf = admin.csrf("/incidents/services/media/plex").await;
    let started = admin
        .post_form(
            "/incidents/aar",
            &[("csrf", &csrf), ("subject", "service:media/plex")],
        )
        .await;
    assert_eq!(started.status(), 303);
    let edit = started.headers()["location"].to_str().unwrap().to_owned();
    let form = admin.text(&edit).await;
    assert!(form.contains("Alert critical PlexDown fired"), "{form}");
    assert!(form.contains("name=\"services\""), "{form}");
    // The recorder keeps the firing (within a second of its arrival): the AAR's page lists it
    // with the evidence of its window.
    let evidence_alerts = |h: &str| {
        h.split("data-test=\"evidence-alerts\"")
            .nth(1)
            .unwrap_or_default()
            .split("</ul>")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    until_page(
        admin,
        edit.trim_end_matches("/edit"),
        "the recorded alert offered",
        |h| evidence_alerts(h).contains("PlexDown"),
    )
    .await;
    s.app.stop().await;
}

/// A silence on the alert takes it out of the health summary, and Plex's page shows it silenced,
/// by which silence.
#[tokio::test]
async fn a_silence_takes_plexs_alert_out_of_the_health_summary() {
    let (am, s, summary) = plex_alerting().await;
    let admin = &s.admin;
    until_in_health(admin, &summary).await;
    let silence = am
        .silence(&[("alertname", "PlexDown")], "Plex maintenance")
        .await
        .unwrap();
    until_page(admin, "/", "the silenced alert out of the summary", |h| {
        !health_reasons(h).iter().any(|r| r.contains(&summary))
    })
    .await;
    let plex = until_page(
        admin,
        "/services/media/plex",
        "the alert shown silenced",
        |h| h.contains("data-alert=\"PlexDown\" data-state=\"silenced\""),
    )
    .await;
    assert!(plex.contains(&silence), "the silence is named: {plex}");
    let alerts = admin.text("/alerts").await;
    assert!(alerts.contains("Plex maintenance"), "{alerts}");
    s.app.stop().await;
}

/// With Alertmanager stopped, the alert panels say it cannot be read and keep the last alerts;
/// every page still answers; family members see no alerts.
#[tokio::test]
async fn a_stopped_alertmanager_is_a_panel_state_not_a_failure() {
    let (mut am, s, summary) = plex_alerting().await;
    let admin = &s.admin;
    until_in_health(admin, &summary).await;
    am.stop().unwrap();
    let alerts = until_page(admin, "/alerts", "the unreachable panel state", |h| {
        h.contains("data-test=\"alerts-problem\"")
    })
    .await;
    assert!(alerts.contains("Alertmanager cannot be read"), "{alerts}");
    assert!(
        alerts.contains("PlexDown"),
        "the last alerts stay, marked: {alerts}"
    );
    let plex = admin.text("/services/media/plex").await;
    assert!(plex.contains("Alertmanager cannot be read"), "{plex}");
    assert_eq!(admin.get("/").await.status(), 200);

    let family = Browser::new(&s.app);
    family.sign_in(&s.oidc, "family", "/").await;
    assert_eq!(family.get("/alerts").await.status(), 403);
    let family_plex = family.text("/services/media/plex").await;
    assert!(!family_plex.contains("PlexDown"), "{family_plex}");
    s.app.stop().await;
}

/// The value of metric `name` in a `/metrics` answer.
pub(crate) fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Following a pod's log: a line the container writes after the stream opened arrives as an
/// event, the follow is counted open, and dropping the stream (the tab closing) closes it,
/// counted; a bad container is named, and family members are refused.
#[tokio::test]
async fn a_followed_log_brings_new_lines_and_closing_the_tab_ends_the_api_servers_stream() {
    let s = scenario().await;
    let (cluster, admin, pods) = (s.cluster, &s.admin, &s.pods);
    let pod = running(pods, "sonarr", 1).await.remove(0);
    // The server follows the pods its views know.
    until_page(
        admin,
        "/services/media/sonarr",
        "Sonarr's pod listed",
        |h| pods_table(h).contains(pod.as_str()),
    )
    .await;
    let path = format!("/pods/media/{pod}/logs/follow?container=sonarr");
    let closed_before = metric(
        &admin.text("/metrics").await,
        "homelab_log_follows_closed_total",
    );

    let mut stream = admin.get(&path).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let marker = format!("followed-{}", std::process::id());
    // kwok starts following at the end of the file: write until the line comes through.
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !seen.contains(&format!("data: {marker}")) {
        assert!(tokio::time::Instant::now() < deadline, "no line: {seen}");
        cluster.write_pod_log(&marker).unwrap();
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await
        {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(seen.contains("event: line"), "{seen}");
    let open = metric(&admin.text("/metrics").await, "homelab_log_follows");
    assert_eq!(open, 1.0);

    drop(stream);
    until("the follow closed", || async {
        let text = admin.text("/metrics").await;
        let (open, closed) = (
            metric(&text, "homelab_log_follows"),
            metric(&text, "homelab_log_follows_closed_total"),
        );
        if open == 0.0 && closed == closed_before + 1.0 {
            Ok(())
        } else {
            Err(format!("open {open}, closed {closed}"))
        }
    })
    .await;

    let bad = admin
        .get(&format!("/pods/media/{pod}/logs/follow?container=db"))
        .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("is not in this pod"));
    let family = Browser::new(&s.app);
    family.sign_in(&s.oidc, "family", "/").await;
    assert_eq!(family.get(&path).await.status(), 403);
    s.app.stop().await;
}
