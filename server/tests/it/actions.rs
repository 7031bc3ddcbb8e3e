//! Guarded actions against the real API server, with the server running as the shipped
//! ServiceAccount bound to the shipped ClusterRole (not as cluster admin): each action changes
//! exactly its field on the real object, each refusal changes nothing, and every attempt leaves
//! one audit entry.

use std::time::Duration;

use frontend::model::actions::AuditEntry;
use homelab::actions::audit;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::PersistentVolume;
use kube::Api;
use reqwest::StatusCode;
use testbed::cluster::TestCluster;
use testbed::oidc::TestOidc;

use crate::cluster::unique;
use crate::support::{start_as_shipped_service_account, Browser, TestApp};

/// The server as the shipped ServiceAccount, and an admin signed in through the real provider.
pub(crate) async fn admin_session() -> (TestApp, Browser, TestOidc, tempfile::TempDir) {
    let (app, oidc, dir) = start_as_shipped_service_account().await;
    let browser = Browser::new(&app);
    let signed_in = browser.sign_in(&oidc, "admin", "/").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    (app, browser, oidc, dir)
}

/// spec.replicas of Deployment `grafana` as the API server has it now.
pub(crate) async fn replicas(deployments: &Api<Deployment>) -> Option<i32> {
    deployments
        .get("grafana")
        .await
        .unwrap()
        .spec
        .unwrap()
        .replicas
}

/// The value of the hidden input `name` in `html`.
pub(crate) fn input(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

pub(crate) async fn audit_entries(app: &TestApp, target: &str) -> Vec<AuditEntry> {
    audit::list(&app.state.db, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.target == target)
        .collect()
}

pub(crate) fn deployment_yaml(ns: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: grafana, namespace: {ns}, labels: {{app.kubernetes.io/name: grafana}}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app.kubernetes.io/name: grafana}}}}
  template:
    metadata: {{labels: {{app.kubernetes.io/name: grafana}}}}
    spec: {{containers: [{{name: grafana, image: grafana/grafana}}]}}
"#
    )
}

#[tokio::test]
async fn scaling_changes_only_the_replicas_and_refusals_change_nothing_each_audited() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-scale");
    cluster.apply_yaml(&deployment_yaml(&ns)).await.unwrap();
    let (app, browser, _oidc, _dir) = admin_session().await;
    let deployments: Api<Deployment> = Api::namespaced(cluster.admin_client(), &ns);
    let before = deployments.get("grafana").await.unwrap();
    let target = format!("Deployment {ns}/grafana");
    let query = format!("action=scale&kind=Deployment&namespace={ns}&name=grafana");

    // The preview: a dry run, nothing changed yet.
    let preview = browser
        .get(&format!("/actions/preview?{query}&replicas=0"))
        .await;
    assert_eq!(preview.status(), 200);
    let html = preview.text().await.unwrap();
    assert!(html.contains("data-field=\"/spec/replicas\""), "{html}");
    assert!(html.contains(&format!(
        "kubectl -n {ns} scale deployment/grafana --replicas=0"
    )));
    let version = input(&html, "resource_version").unwrap();
    let csrf = input(&html, "csrf").unwrap();
    assert_eq!(replicas(&deployments).await, Some(1));
    let ns_ref = ns.as_str();
    let form = |replicas: &'static str, confirm: &'static str, version: String| {
        vec![
            ("csrf", csrf.clone()),
            ("action", "scale".to_owned()),
            ("kind", "Deployment".to_owned()),
            ("namespace", ns_ref.to_owned()),
            ("name", "grafana".to_owned()),
            ("replicas", replicas.to_owned()),
            ("resource_version", version),
            ("confirm", confirm.to_owned()),
            ("reason", "grafana is crash-looping".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form("/actions/run", &pairs).await
        }
    };

    // Refused: the wrong name typed, out of range, a stale resourceVersion, no CSRF token.
    let wrong_name = post(form("0", "grafana2", version.clone())).await;
    assert_eq!(wrong_name.status(), 422);
    assert!(wrong_name
        .text()
        .await
        .unwrap()
        .contains("type the name grafana to confirm"));
    let too_many = post(form("11", "grafana", version.clone())).await;
    assert_eq!(too_many.status(), 422);
    assert!(too_many.text().await.unwrap().contains("between 0 and 10"));
    let stale = post(form("0", "grafana", "1".into())).await;
    assert_eq!(stale.status(), 409);
    assert!(stale
        .text()
        .await
        .unwrap()
        .contains("it changed since you looked"));
    let mut no_csrf = form("0", "grafana", version.clone());
    no_csrf.retain(|(k, _)| *k != "csrf");
    assert_eq!(post(no_csrf).await.status(), 403);
    let unchanged = deployments.get("grafana").await.unwrap();
    assert_eq!(
        unchanged.metadata.resource_version,
        before.metadata.resource_version
    );

    // Done: exactly spec.replicas changed on the real object.
    let done = post(form("0", "grafana", version.clone())).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("data-outcome=\"done\""));
    let after = deployments.get("grafana").await.unwrap();
    assert_eq!(after.spec.as_ref().unwrap().replicas, Some(0));
    let mut expected = before.spec.clone().unwrap();
    expected.replicas = Some(0);
    assert_eq!(after.spec.unwrap(), expected, "only the replicas changed");
    assert_eq!(after.metadata.labels, before.metadata.labels);

    // A family member's attempt is refused by the access policy, and audited too.
    let family = Browser::new(&app);
    let signed_in = family.sign_in(&_oidc, "family", "/").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let family_csrf = family.csrf("/").await;
    let mut family_form = form("0", "grafana", version.clone());
    family_form[0] = ("csrf", family_csrf);
    let pairs: Vec<(&str, &str)> = family_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(family.post_form("/actions/run", &pairs).await.status(), 403);
    assert_eq!(replicas(&deployments).await, Some(0));

    let entries = audit_entries(&app, &target).await;
    let outcomes: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.actor.as_str(), e.outcome.as_str()))
        .collect();
    // Newest first: the family attempt, done, then the refusals in reverse: no CSRF token (before
    // the guard), stale, out of range, wrong name. One entry per attempt.
    assert_eq!(
        outcomes,
        [
            ("family", "refused"),
            ("admin", "done"),
            ("admin", "refused"),
            ("admin", "refused"),
            ("admin", "refused"),
            ("admin", "refused"),
        ]
    );
    assert!(
        entries[2].message.contains("before the guard"),
        "{:?}",
        entries[2]
    );
    let done = &entries[1];
    assert_eq!(done.actor, "admin");
    assert_eq!(done.reason.as_deref(), Some("grafana is crash-looping"));
    assert_eq!(
        (
            done.changes[0].field.as_str(),
            done.changes[0].before.as_str(),
            done.changes[0].after.as_str()
        ),
        ("/spec/replicas", "1", "0")
    );
    app.stop().await;
}

#[tokio::test]
async fn clearing_the_claim_ref_of_a_released_volume_makes_it_available_and_a_bound_one_is_refused()
{
    let cluster = TestCluster::shared().await.unwrap();
    let released = unique("it-released-pv");
    let bound = unique("it-bound-pv");
    let yaml = format!(
        r#"apiVersion: v1
kind: PersistentVolume
metadata: {{name: {released}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: manual
  hostPath: {{path: /tmp/{released}}}
  claimRef: {{namespace: media, name: gone-claim, uid: 00000000-0000-0000-0000-000000000001}}
status: {{phase: Released}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {bound}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: manual
  hostPath: {{path: /tmp/{bound}}}
status: {{phase: Available}}
"#
    );
    cluster.apply_yaml(&yaml).await.unwrap();
    let (app, browser, _oidc, _dir) = admin_session().await;
    let pvs: Api<PersistentVolume> = Api::all(cluster.admin_client());

    // A volume that is not Released: the preview says why, and a post is refused.
    let html = browser
        .text(&format!(
            "/actions/preview?action=clear-claim-ref&name={bound}"
        ))
        .await;
    assert!(html.contains("data-test=\"refusal\""), "{html}");
    assert!(html.contains("not Released"));
    let csrf = browser.csrf("/audit").await;
    let bound_version = pvs
        .get(&bound)
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let refused = browser
        .post_form(
            "/actions/run",
            &[
                ("csrf", &csrf),
                ("action", "clear-claim-ref"),
                ("name", &bound),
                ("resource_version", &bound_version),
                ("confirm", &bound),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        pvs.get(&bound)
            .await
            .unwrap()
            .metadata
            .resource_version
            .unwrap(),
        bound_version
    );

    // The Released one: previewed, confirmed, and its claimRef is gone on the real object.
    let html = browser
        .text(&format!(
            "/actions/preview?action=clear-claim-ref&name={released}"
        ))
        .await;
    assert!(html.contains("data-field=\"/spec/claimRef\""), "{html}");
    let version = input(&html, "resource_version").unwrap();
    let done = browser
        .post_form(
            "/actions/run",
            &[
                ("csrf", &csrf),
                ("action", "clear-claim-ref"),
                ("name", &released),
                ("resource_version", &version),
                ("confirm", &released),
            ],
        )
        .await;
    assert_eq!(done.status(), 200);
    let pv = pvs.get(&released).await.unwrap();
    assert!(pv.spec.unwrap().claim_ref.is_none());
    // The test bed runs the PV binder: a volume without a claimRef becomes Available.
    let available = tokio::time::timeout(
        Duration::from_secs(20),
        kube::runtime::wait::await_condition(
            pvs.clone(),
            &released,
            |pv: Option<&PersistentVolume>| {
                pv.and_then(|pv| pv.status.as_ref())
                    .and_then(|s| s.phase.as_deref())
                    == Some("Available")
            },
        ),
    )
    .await;
    assert!(
        matches!(available, Ok(Ok(Some(_)))),
        "volume {released} did not become Available: {available:?}"
    );

    let done_entries = audit_entries(&app, &format!("PersistentVolume {released}")).await;
    assert_eq!(done_entries.len(), 1);
    assert_eq!(done_entries[0].outcome, "done");
    assert_eq!(done_entries[0].changes[0].field, "/spec/claimRef");
    let refused_entries = audit_entries(&app, &format!("PersistentVolume {bound}")).await;
    assert_eq!(refused_entries.len(), 1);
    assert_eq!(refused_entries[0].outcome, "refused");
    app.stop().await;
}

/// Previews `query` and confirms it with `confirm`; returns the run's status.
pub(crate) async fn preview_and_run(browser: &Browser, query: &str, confirm: &str) -> StatusCode {
    preview_and_run_with(browser, query, confirm, &[]).await.0
}

/// [`preview_and_run`] with `extra` fields in the confirmation; returns the run's status and page.
pub(crate) async fn preview_and_run_with(
    browser: &Browser,
    query: &str,
    confirm: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, String) {
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    let Some(version) = input(&html, "resource_version") else {
        panic!("no confirmation form for {query}: {html}");
    };
    let csrf = input(&html, "csrf").unwrap();
    let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    fields.push(("csrf".into(), csrf));
    fields.push(("resource_version".into(), version));
    fields.push(("confirm".into(), confirm.into()));
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = browser.post_form("/actions/run", &pairs).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn cordon_restart_and_flux_suspend_each_change_their_field_on_the_real_object() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-more-actions");
    let node = unique("it-cordon-node");
    let yaml = format!(
        r#"{deployment}---
apiVersion: v1
kind: Node
metadata: {{name: {node}}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: media, namespace: {ns}}}
spec:
  interval: 10m0s
  path: ./clusters/k3s-home/apps/media
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
"#,
        deployment = deployment_yaml(&ns)
    );
    cluster.apply_yaml(&yaml).await.unwrap();
    let (app, browser, _oidc, _dir) = admin_session().await;
    let admin = cluster.admin_client();

    // Cordon: spec.unschedulable set; a second cordon is refused in the preview.
    let status = preview_and_run(&browser, &format!("action=cordon&name={node}"), &node).await;
    assert_eq!(status, 200);
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(admin.clone());
    let cordoned = nodes.get(&node).await.unwrap();
    assert_eq!(cordoned.spec.unwrap().unschedulable, Some(true));
    let again = browser
        .text(&format!("/actions/preview?action=cordon&name={node}"))
        .await;
    assert!(again.contains("is already cordoned"), "{again}");
    let status = preview_and_run(&browser, &format!("action=uncordon&name={node}"), &node).await;
    assert_eq!(status, 200);
    assert_eq!(
        nodes.get(&node).await.unwrap().spec.unwrap().unschedulable,
        None
    );

    // Restart: the pod template gets the restartedAt annotation, nothing else changes.
    let deployments: Api<Deployment> = Api::namespaced(admin.clone(), &ns);
    let before = deployments.get("grafana").await.unwrap();
    let query = format!("action=restart&kind=Deployment&namespace={ns}&name=grafana");
    assert_eq!(preview_and_run(&browser, &query, "grafana").await, 200);
    let after = deployments.get("grafana").await.unwrap();
    let annotations = after
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.annotations.clone())
        .unwrap_or_default();
    assert!(annotations.contains_key("kubectl.kubernetes.io/restartedAt"));
    assert_eq!(after.spec.unwrap().replicas, before.spec.unwrap().replicas);

    // Flux: suspend sets spec.suspend; a reconcile of a suspended object is refused; resume.
    let kustomizations = Api::<kube::api::DynamicObject>::namespaced_with(
        admin.clone(),
        &ns,
        &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "kustomize.toolkit.fluxcd.io",
            "v1",
            "Kustomization",
        )),
    );
    let flux = |op: &str| format!("action={op}&kind=Kustomization&namespace={ns}&name=media");
    assert_eq!(
        preview_and_run(&browser, &flux("suspend"), "media").await,
        200
    );
    let suspended = kustomizations.get("media").await.unwrap();
    assert_eq!(suspended.data["spec"]["suspend"], serde_json::json!(true));
    let refused = browser
        .text(&format!("/actions/preview?{}", flux("reconcile")))
        .await;
    assert!(
        refused.contains("Flux ignores reconcile requests"),
        "{refused}"
    );
    assert_eq!(
        preview_and_run(&browser, &flux("resume"), "media").await,
        200
    );
    assert_eq!(
        preview_and_run(&browser, &flux("reconcile"), "media").await,
        200
    );
    let resumed = kustomizations.get("media").await.unwrap();
    assert!(resumed.data["spec"]
        .get("suspend")
        .is_none_or(|v| v.is_null()));
    assert!(resumed
        .metadata
        .annotations
        .unwrap_or_default()
        .contains_key("reconcile.fluxcd.io/requestedAt"));

    let done: Vec<String> = audit::list(&app.state.db, None, Some("done"), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.target.contains(&ns) || e.target.contains(&node))
        .map(|e| e.action)
        .collect();
    assert_eq!(
        done,
        [
            "reconcile",
            "resume",
            "suspend",
            "restart",
            "uncordon",
            "cordon"
        ]
    );
    app.stop().await;
}
