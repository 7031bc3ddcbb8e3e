//! Guarded actions when something goes wrong, against the real API server as the shipped
//! ServiceAccount: an authentication older than the window (although the callback just ran),
//! a target deleted after the preview (404), a change in between that only the API server's
//! precondition can see (409), a cluster policy that rejects the change (422), the refusals of
//! "back up first", and refusals of the other kinds. Each ends with a clear message, nothing
//! changed, and an audit entry saying what happened.

use std::time::Duration;

use homelab::actions::guard::send_unless_changed;
use homelab::actions::kind::WorkloadKind;
use homelab::actions::scale::Scale;
use homelab::actions::{Action, ActionError};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kube::api::{DynamicObject, Patch, PatchParams};
use kube::Api;
use reqwest::StatusCode;
use serde_json::json;
use testbed::cluster::TestCluster;
use tower_sessions::SessionStore;
use tower_sessions_sqlx_store::SqliteStore;

use crate::actions::{
    admin_session, audit_entries, deployment_yaml, input, preview_and_run, preview_and_run_with,
    replicas,
};
use crate::cluster::unique;
use crate::support::{
    location, query_param, start_as_shipped_service_account_with, start_with_kubeconfig, Browser,
    TestApp,
};

/// The session's `authenticated_at` as the server stored it.
async fn authenticated_at(app: &TestApp, browser: &Browser) -> Option<i64> {
    let id = browser.session().unwrap();
    let record = SqliteStore::new(app.state.db.clone())
        .load(&id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    record.data["user"]["authenticated_at"].as_i64()
}

/// Posts the confirmation of the preview at `query` (already fetched as `html`).
async fn confirm(browser: &Browser, query: &str, html: &str, name: &str) -> reqwest::Response {
    let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    fields.push(("csrf".into(), input(html, "csrf").unwrap()));
    fields.push((
        "resource_version".into(),
        input(html, "resource_version").unwrap(),
    ));
    fields.push(("confirm".into(), name.into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post_form("/actions/run", &pairs).await
}

#[tokio::test]
async fn an_old_authentication_cannot_act_although_the_callback_just_ran_and_the_step_up_asks_again(
) {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-step-up");
    cluster.apply_yaml(&deployment_yaml(&ns)).await.unwrap();
    let (app, oidc, _dir) =
        start_as_shipped_service_account_with(|c| c.actions.recent_sign_in_minutes = 1).await;
    let deployments: Api<Deployment> = Api::namespaced(cluster.admin_client(), &ns);
    let browser = Browser::new(&app);

    // An ordinary sign-in asks for auth_time through max_age (the absolute session lifetime).
    let authorize = browser.begin_sign_in("/").await;
    assert_eq!(
        query_param(&authorize, "max_age").as_deref(),
        Some("604800")
    );
    let callback = browser.provider_login(&oidc, &authorize, "admin").await;
    assert_eq!(
        browser.http.get(callback).send().await.unwrap().status(),
        303
    );
    let first = authenticated_at(&app, &browser).await.unwrap();

    // A minute later the app's session is gone, and the person signs in again: the provider's
    // own session still lives, so it answers without asking for the password, and the ID token
    // says when the person really authenticated.
    tokio::time::sleep(Duration::from_secs(62)).await;
    browser.set_session("gone");
    assert_eq!(browser.sign_in(&oidc, "admin", "/").await.status(), 303);
    assert_eq!(authenticated_at(&app, &browser).await, Some(first));

    // Acting is refused although the callback ran a moment ago: back through the provider.
    let query = format!("action=scale&kind=Deployment&namespace={ns}&name=grafana&replicas=0");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    let refused = confirm(&browser, &query, &html, "grafana").await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let step_up = location(&refused);
    assert!(
        step_up.starts_with("/auth/login?reauth=1&next="),
        "{step_up}"
    );
    assert_eq!(replicas(&deployments).await, Some(1));

    // The step-up asks the provider to authenticate again (max_age=0, prompt=login); the login
    // form is posted again, and the new auth_time counts.
    let to_provider = browser.get(&step_up).await;
    assert_eq!(to_provider.status(), StatusCode::SEE_OTHER);
    let authorize = location(&to_provider);
    assert_eq!(query_param(&authorize, "max_age").as_deref(), Some("0"));
    assert_eq!(query_param(&authorize, "prompt").as_deref(), Some("login"));
    let callback = browser.provider_login(&oidc, &authorize, "admin").await;
    let back = browser.http.get(callback).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert!(location(&back).starts_with("/actions/preview?"));
    assert!(authenticated_at(&app, &browser).await.unwrap() > first);
    assert_eq!(preview_and_run(&browser, &query, "grafana").await, 200);
    assert_eq!(replicas(&deployments).await, Some(0));

    let entries = audit_entries(&app, &format!("Deployment {ns}/grafana")).await;
    let outcomes: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["done", "refused"]);
    assert!(entries[1].message.contains("sign in again"), "{entries:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_target_deleted_after_the_preview_is_reported_gone_and_audited() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-gone");
    cluster.apply_yaml(&deployment_yaml(&ns)).await.unwrap();
    let (app, browser, _oidc, _dir) = admin_session().await;
    let deployments: Api<Deployment> = Api::namespaced(cluster.admin_client(), &ns);

    let query = format!("action=scale&kind=Deployment&namespace={ns}&name=grafana&replicas=0");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    deployments
        .delete("grafana", &Default::default())
        .await
        .unwrap();
    let gone = confirm(&browser, &query, &html, "grafana").await;
    assert_eq!(gone.status(), 404);
    let page = gone.text().await.unwrap();
    assert!(
        page.contains(&format!("Deployment {ns}/grafana is gone")),
        "{page}"
    );
    assert!(deployments.get_opt("grafana").await.unwrap().is_none());

    let entries = audit_entries(&app, &format!("Deployment {ns}/grafana")).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].outcome, "failed");
    assert!(entries[0].message.contains("deleted after the preview"));
    assert!(entries[0].changes.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_change_between_reading_and_sending_is_the_api_servers_409_and_changes_nothing() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-precondition");
    cluster.apply_yaml(&deployment_yaml(&ns)).await.unwrap();
    crate::deploy::apply_shipped_rbac(cluster).await;
    // The shipped ServiceAccount, waiting until RBAC has seen its role.
    let client = cluster
        .service_account_client("homelab", "homelab", Some("homelab"))
        .await
        .unwrap();
    let deployments: Api<Deployment> = Api::namespaced(cluster.admin_client(), &ns);
    let action = Action::Scale(Scale {
        kind: WorkloadKind::Deployment,
        namespace: ns.clone(),
        name: "grafana".into(),
        replicas: 0,
    });
    // Read as the guard reads it; then someone else changes the object; then the send.
    let current = action.read(&client).await.unwrap();
    deployments
        .patch(
            "grafana",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"touched": "yes"}}})),
        )
        .await
        .unwrap();
    let result = send_unless_changed(&action, &client, &current).await;
    assert!(
        matches!(&result, Err(ActionError::Stale { .. })),
        "{result:?}"
    );
    assert_eq!(replicas(&deployments).await, Some(1));
    // Read again, the same send goes through.
    let current = action.read(&client).await.unwrap();
    send_unless_changed(&action, &client, &current)
        .await
        .unwrap();
    assert_eq!(replicas(&deployments).await, Some(0));
}

/// A ValidatingAdmissionPolicy that refuses scaling Deployments of `ns` to zero, bound.
fn freeze_policy(name: &str, ns: &str) -> String {
    format!(
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {{name: {name}}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [UPDATE]
        resources: [deployments/scale]
  validations:
    - expression: "has(object.spec.replicas) && object.spec.replicas > 0"
      message: "scaling to zero is frozen during the maintenance window"
      reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {{name: {name}}}
spec:
  policyName: {name}
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {{kubernetes.io/metadata.name: {ns}}}
"#
    )
}

#[tokio::test]
async fn a_policy_that_rejects_the_change_after_the_preview_is_a_422_with_its_message() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-policy");
    cluster.apply_yaml(&deployment_yaml(&ns)).await.unwrap();
    let (app, browser, _oidc, _dir) = admin_session().await;
    let deployments: Api<Deployment> = Api::namespaced(cluster.admin_client(), &ns);

    let query = format!("action=scale&kind=Deployment&namespace={ns}&name=grafana&replicas=0");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(html.contains("data-field=\"/spec/replicas\""), "{html}");
    // The policy arrives between the preview and the confirmation; a dry run shows when the
    // API server enforces it.
    cluster.apply_yaml(&freeze_policy(&ns, &ns)).await.unwrap();
    let dry = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let mut enforced = false;
    for _ in 0..200 {
        let answer = deployments
            .patch_scale(
                "grafana",
                &dry,
                &Patch::Merge(json!({"spec": {"replicas": 0}})),
            )
            .await;
        if matches!(&answer, Err(kube::Error::Api(s)) if s.code == 422) {
            enforced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(enforced, "the policy was not enforced within 20 s");

    let rejected = confirm(&browser, &query, &html, "grafana").await;
    assert_eq!(rejected.status(), 422);
    let page = rejected.text().await.unwrap();
    assert!(
        page.contains("frozen during the maintenance window"),
        "{page}"
    );
    assert_eq!(replicas(&deployments).await, Some(1));
    let entries = audit_entries(&app, &format!("Deployment {ns}/grafana")).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].outcome, "failed");
    assert!(entries[0].message.contains("422"), "{entries:?}");
    assert!(entries[0].changes.is_empty());

    let policies = Api::<DynamicObject>::all_with(
        cluster.admin_client(),
        &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicyBinding",
        )),
    );
    policies.delete(&ns, &Default::default()).await.unwrap();
    app.stop().await;
}

/// Velero's namespace with a default storage location in `phase`.
fn velero_with_location(velero: &str, phase: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata: {{name: {velero}}}
---
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {{name: nas, namespace: {velero}}}
spec:
  provider: aws
  default: true
  objectStorage: {{bucket: velero}}
status: {{phase: {phase}, message: "bucket velero not found"}}
"#
    )
}

/// A StatefulSet `db` and a Deployment `app` mounting claim `data`, and a Deployment `web`
/// without claims, in `ns`.
fn stateful_yaml(ns: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: {ns}}}
spec:
  replicas: 1
  serviceName: db
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec: {{containers: [{{name: db, image: postgres}}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata: {{labels: {{app: app}}}}
    spec:
      containers: [{{name: app, image: nginx}}]
      volumes: [{{name: data, persistentVolumeClaim: {{claimName: data}}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: nginx}}]}}
"#
    )
}

#[tokio::test]
async fn back_up_first_is_offered_for_data_at_risk_and_its_refusals_change_nothing() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-first");
    let velero = unique("it-first-velero");
    cluster.apply_yaml(&stateful_yaml(&ns)).await.unwrap();
    cluster
        .apply_yaml(&velero_with_location(&velero, "Unavailable"))
        .await
        .unwrap();
    let velero_ns = velero.clone();
    let (app, oidc, _dir) =
        start_as_shipped_service_account_with(|c| c.actions.velero_namespace = velero_ns).await;
    let browser = Browser::new(&app);
    browser.sign_in(&oidc, "admin", "/").await;
    let admin = cluster.admin_client();
    let statefulsets: Api<StatefulSet> = Api::namespaced(admin.clone(), &ns);
    let scale = |kind: &str, name: &str| {
        format!("action=scale&kind={kind}&namespace={ns}&name={name}&replicas=0")
    };

    // Offered where data is at risk: a StatefulSet, a Deployment mounting a claim; not for a
    // Deployment without one.
    for (kind, name, offered) in [
        ("StatefulSet", "db", true),
        ("Deployment", "app", true),
        ("Deployment", "web", false),
    ] {
        let html = browser
            .text(&format!("/actions/preview?{}", scale(kind, name)))
            .await;
        assert_eq!(
            html.contains("data-test=\"backup-first\""),
            offered,
            "{kind} {name}: {html}"
        );
    }

    // The default location is Unavailable: the backup is refused, and with it the action.
    let (status, page) = preview_and_run_with(
        &browser,
        &scale("StatefulSet", "db"),
        "db",
        &[("backup_first", "yes")],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("the backup first was not taken"), "{page}");
    assert!(page.contains("Unavailable"), "{page}");
    let db = statefulsets.get("db").await.unwrap();
    assert_eq!(db.spec.unwrap().replicas, Some(1));
    let backups = Api::<DynamicObject>::namespaced_with(
        admin.clone(),
        &velero,
        &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "velero.io",
            "v1",
            "Backup",
        )),
    );
    assert!(backups
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .is_empty());

    // Nothing at risk, nothing to back up: asking for it anyway is refused.
    let (status, page) = preview_and_run_with(
        &browser,
        &scale("Deployment", "web"),
        "web",
        &[("backup_first", "yes")],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("nothing to back up first"), "{page}");
    let web: Api<Deployment> = Api::namespaced(admin.clone(), &ns);
    assert_eq!(replicas_of(&web, "web").await, Some(1));

    // The audit log: the refused backup (with why), the refused StatefulSet scale, the refused
    // Deployment scale.
    let all = homelab::actions::audit::list(&app.state.db, None, None, 10)
        .await
        .unwrap();
    let seen: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("scale", "refused"),
            ("scale", "refused"),
            ("backup", "refused")
        ]
    );
    assert!(all[2].message.contains("Unavailable"), "{all:?}");
    app.stop().await;
}

async fn replicas_of(api: &Api<Deployment>, name: &str) -> Option<i32> {
    api.get(name).await.unwrap().spec.unwrap().replicas
}

#[tokio::test]
async fn statefulsets_and_helm_releases_reach_the_api_and_repeated_states_are_refused() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-kinds");
    let node = unique("it-schedulable-node");
    let yaml = format!(
        r#"{stateful}---
apiVersion: v1
kind: Node
metadata: {{name: {node}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: plex, namespace: {ns}}}
spec:
  interval: 30m
  chart:
    spec:
      chart: plex
      sourceRef: {{kind: HelmRepository, name: plex, namespace: flux-system}}
"#,
        stateful = stateful_yaml(&ns)
    );
    cluster.apply_yaml(&yaml).await.unwrap();
    let (app, browser, _oidc, _dir) = admin_session().await;
    let admin = cluster.admin_client();

    // A StatefulSet is scaled and restarted through the API.
    let statefulsets: Api<StatefulSet> = Api::namespaced(admin.clone(), &ns);
    let scale = format!("action=scale&kind=StatefulSet&namespace={ns}&name=db&replicas=2");
    assert_eq!(preview_and_run(&browser, &scale, "db").await, 200);
    assert_eq!(
        statefulsets.get("db").await.unwrap().spec.unwrap().replicas,
        Some(2)
    );
    let restart = format!("action=restart&kind=StatefulSet&namespace={ns}&name=db");
    assert_eq!(preview_and_run(&browser, &restart, "db").await, 200);
    let template = statefulsets.get("db").await.unwrap().spec.unwrap().template;
    assert!(template
        .metadata
        .unwrap()
        .annotations
        .unwrap_or_default()
        .contains_key("kubectl.kubernetes.io/restartedAt"));

    // A schedulable node cannot be uncordoned.
    let html = browser
        .text(&format!("/actions/preview?action=uncordon&name={node}"))
        .await;
    assert!(html.contains("is not cordoned"), "{html}");

    // A HelmRelease: resume refused while it runs; suspend; suspend again refused; resume.
    let releases = Api::<DynamicObject>::namespaced_with(
        admin.clone(),
        &ns,
        &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "helm.toolkit.fluxcd.io",
            "v2",
            "HelmRelease",
        )),
    );
    let flux = |op: &str| format!("action={op}&kind=HelmRelease&namespace={ns}&name=plex");
    let html = browser
        .text(&format!("/actions/preview?{}", flux("resume")))
        .await;
    assert!(html.contains("is not suspended"), "{html}");
    assert_eq!(
        preview_and_run(&browser, &flux("suspend"), "plex").await,
        200
    );
    assert_eq!(
        releases.get("plex").await.unwrap().data["spec"]["suspend"],
        json!(true)
    );
    let html = browser
        .text(&format!("/actions/preview?{}", flux("suspend")))
        .await;
    assert!(html.contains("is already suspended"), "{html}");
    assert_eq!(
        preview_and_run(&browser, &flux("resume"), "plex").await,
        200
    );
    assert!(releases.get("plex").await.unwrap().data["spec"]
        .get("suspend")
        .is_none_or(|v| v.is_null() || v == &json!(false)));
    app.stop().await;
}

/// Sends `signal` (`STOP`, `CONT`) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

/// Lets a frozen process run again however the test ends.
struct Thaw(u32);

impl Drop for Thaw {
    fn drop(&mut self) {
        signal(self.0, "CONT");
    }
}

#[tokio::test]
async fn an_api_server_that_stops_answering_is_a_timeout_audited_as_failed() {
    // A control plane of its own: this test freezes its API server.
    let cluster = TestCluster::start().await.unwrap();
    cluster
        .apply_yaml(&deployment_yaml("frozen"))
        .await
        .unwrap();
    crate::deploy::apply_shipped_rbac(&cluster).await;
    let yaml = cluster
        .service_account_kubeconfig("homelab", "homelab", Some("homelab"))
        .await
        .unwrap();
    let (app, oidc, _dir) = start_with_kubeconfig(&yaml, |c| c.actions.timeout_secs = 2).await;
    let browser = Browser::new(&app);
    browser.sign_in(&oidc, "admin", "/").await;
    let query = "action=scale&kind=Deployment&namespace=frozen&name=grafana&replicas=0";
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(html.contains("data-field=\"/spec/replicas\""), "{html}");

    let pid = cluster.pid_of("kube-apiserver").unwrap();
    signal(pid, "STOP");
    let thaw = Thaw(pid);
    let started = std::time::Instant::now();
    let response = confirm(&browser, query, &html, "grafana").await;
    let took = started.elapsed();
    drop(thaw);
    assert_eq!(response.status(), 504);
    let page = response.text().await.unwrap();
    assert!(page.contains("did not answer within 2 s"), "{page}");
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let entries = audit_entries(&app, "Deployment frozen/grafana").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].outcome, "failed");
    assert!(entries[0].message.contains("may or may not have been made"));
    // It timed out reading the target, before anything was sent.
    let deployments: Api<Deployment> = Api::namespaced(cluster.admin_client(), "frozen");
    assert_eq!(replicas(&deployments).await, Some(1));
    app.stop().await;
}
