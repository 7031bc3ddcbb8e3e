//! `actions.impersonate`: actions are sent as the signed-in admin (Impersonate-User and
//! Impersonate-Group), so the cluster's own RBAC decides. The server runs as the shipped
//! ServiceAccount with the impersonate overlay; the admin's group has no RoleBinding at first,
//! so the API's 403 is shown and audited, and after a RoleBinding for the group in one
//! namespace the same action is done there.

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use testbed::cluster::TestCluster;

use crate::actions::{audit_entries, deployment_yaml, input, preview_and_run, replicas};
use crate::cluster::unique;
use crate::support::{start_with_kubeconfig, Browser};

#[tokio::test]
async fn with_impersonation_an_admin_without_a_role_binding_gets_the_apis_403_shown_and_audited() {
    let cluster = TestCluster::shared().await.unwrap();
    crate::deploy::apply_shipped_rbac(cluster).await;
    let impersonate = crate::deploy::apply_impersonate_role(cluster).await;
    let ns = unique("it-impersonate");
    cluster.apply_yaml(&deployment_yaml(&ns)).await.unwrap();
    // A ServiceAccount of its own, bound to the shipped ClusterRole and the overlay's.
    let account = unique("homelab-impersonating");
    cluster
        .service_account_kubeconfig("homelab", &account, Some(&impersonate))
        .await
        .unwrap();
    let kubeconfig = cluster
        .service_account_kubeconfig("homelab", &account, Some("homelab"))
        .await
        .unwrap();
    let (app, oidc, _dir) =
        start_with_kubeconfig(&kubeconfig, |c| c.actions.impersonate = true).await;
    let browser = Browser::new(&app);
    browser.sign_in(&oidc, "admin", "/").await;
    let query = format!("action=scale&kind=Deployment&namespace={ns}&name=grafana&replicas=0");

    // The preview reads as the admin: the API server refuses, naming the impersonated user.
    let preview = browser.get(&format!("/actions/preview?{query}")).await;
    assert_eq!(preview.status(), 403);
    let html = preview.text().await.unwrap();
    assert!(
        html.contains("User \"admin\" cannot get resource"),
        "{html}"
    );

    // A confirmation sent anyway is refused by the API server too, shown and audited.
    let deployments: Api<Deployment> = Api::namespaced(cluster.admin_client(), &ns);
    let version = deployments
        .get("grafana")
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let csrf = browser.csrf("/audit").await;
    let run = browser
        .post_form(
            "/actions/run",
            &[
                ("csrf", &csrf),
                ("action", "scale"),
                ("kind", "Deployment"),
                ("namespace", &ns),
                ("name", "grafana"),
                ("replicas", "0"),
                ("resource_version", &version),
                ("confirm", "grafana"),
            ],
        )
        .await;
    assert_eq!(run.status(), 403);
    let page = run.text().await.unwrap();
    assert!(page.contains("403 Forbidden"), "{page}");
    let target = format!("Deployment {ns}/grafana");
    let entries = audit_entries(&app, &target).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, "failed");
    assert!(
        entries[0].message.contains("User \"admin\""),
        "{}",
        entries[0].message
    );
    assert_eq!(replicas(&deployments).await, Some(1));

    // A RoleBinding for the admin's group in this namespace: now the same action is done, as
    // the admin (the server's own ServiceAccount could have done it all along).
    cluster
        .apply_yaml(&format!(
            r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: scaler, namespace: {ns}}}
rules:
  - apiGroups: [apps]
    resources: [deployments, deployments/scale]
    verbs: [get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: homelab-admins-scale, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: scaler}}
subjects:
  - {{apiGroup: rbac.authorization.k8s.io, kind: Group, name: homelab-admins}}
"#
        ))
        .await
        .unwrap();
    let mut status = reqwest::StatusCode::FORBIDDEN;
    for _ in 0..40 {
        // The authorizer sees a new binding within moments.
        let html = browser.text(&format!("/actions/preview?{query}")).await;
        if input(&html, "resource_version").is_some() {
            status = preview_and_run(&browser, &query, "grafana").await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(status, 200);
    assert_eq!(replicas(&deployments).await, Some(0));
    app.stop().await;
}
