//! Restore drills against a real Velero (its server and AWS plugin, built from the Go module
//! proxy) backing up to a real S3 server (`testbed::velero`), with the control plane as the
//! shipped ServiceAccount under the shipped admission policy: a namespace backed up through "Back
//! up now" is restored into a scratch namespace and compared, the live namespace is untouched,
//! and the clean-up removes only the scratch namespace; each refusal is named and audited, and
//! creates nothing.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Service};
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use reqwest::StatusCode;
use serde_json::json;
use testbed::cluster::TestCluster;
use testbed::velero::{resource, Velero};

use crate::actions::{audit_entries, preview_and_run};
use crate::cluster::unique;
use crate::running::{until, until_page};
use crate::support::{start_as_shipped_service_account_with, Browser, TestApp};

/// A small namespace with a bit of everything a drill compares.
fn shop_yaml(ns: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: prices, namespace: {ns}}}
data: {{tea: "3"}}
---
apiVersion: v1
kind: Service
metadata: {{name: till, namespace: {ns}}}
spec:
  ports: [{{port: 80}}]
  selector: {{app: till}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: till, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: till}}}}
  template:
    metadata: {{labels: {{app: till}}}}
    spec:
      containers: [{{name: till, image: "registry.local/till:1"}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: ledger, namespace: {ns}}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: drill-test-none
  resources: {{requests: {{storage: 1Gi}}}}
"#
    )
}

/// Every object of the kinds a drill restores in `ns`, as `kind/name → (uid, what it holds)`:
/// its spec's generation, or a ConfigMap's data (the cluster's controllers update statuses, so
/// resourceVersions move without anyone touching the objects).
async fn state_of(cluster: &TestCluster, ns: &str) -> BTreeMap<String, (String, String)> {
    let client = cluster.admin_client();
    let mut out = BTreeMap::new();
    let mut note = |kind: &str,
                    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
                    holds: String| {
        if meta.name.as_deref() == Some("kube-root-ca.crt") {
            return;
        }
        out.insert(
            format!("{kind}/{}", meta.name.clone().unwrap_or_default()),
            (meta.uid.clone().unwrap_or_default(), holds),
        );
    };
    let lp = ListParams::default();
    for o in Api::<ConfigMap>::namespaced(client.clone(), ns)
        .list(&lp)
        .await
        .unwrap()
    {
        note("ConfigMap", &o.metadata, format!("{:?}", o.data));
    }
    for o in Api::<Service>::namespaced(client.clone(), ns)
        .list(&lp)
        .await
        .unwrap()
    {
        note(
            "Service",
            &o.metadata,
            format!("{:?}", o.spec.map(|s| s.ports)),
        );
    }
    for o in Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns)
        .list(&lp)
        .await
        .unwrap()
    {
        note(
            "PersistentVolumeClaim",
            &o.metadata,
            format!("{:?}", o.spec.map(|s| s.resources)),
        );
    }
    for o in Api::<k8s_openapi::api::apps::v1::Deployment>::namespaced(client.clone(), ns)
        .list(&lp)
        .await
        .unwrap()
    {
        note(
            "Deployment",
            &o.metadata,
            format!("{:?}", o.metadata.generation),
        );
    }
    out
}

fn velero_api(cluster: &TestCluster, ns: &str, kind: &str) -> Api<DynamicObject> {
    Api::namespaced_with(cluster.admin_client(), ns, &resource(kind))
}

/// Real Velero in a namespace of its own on the shared cluster, the server as the shipped
/// ServiceAccount (Back up now into that namespace), an admin signed in.
async fn setup(
    prefix: &str,
) -> (
    &'static TestCluster,
    Velero,
    TestApp,
    Browser,
    tempfile::TempDir,
) {
    let cluster = TestCluster::shared().await.unwrap();
    let velero_ns = unique(prefix);
    let velero = Velero::start(cluster, &velero_ns).await.unwrap();
    let vns = velero_ns.clone();
    let (app, oidc, dir) =
        start_as_shipped_service_account_with(move |c| c.actions.velero_namespace = vns).await;
    let admin = Browser::new(&app);
    admin.sign_in(&oidc, "admin", "/").await;
    (cluster, velero, app, admin, dir)
}

/// Backs `ns` up through "Back up now" and waits, on the Backups page, until it is Completed
/// with its items counted; returns the backup's name.
async fn back_up(cluster: &TestCluster, admin: &Browser, velero_ns: &str, ns: &str) -> String {
    let status = preview_and_run(
        admin,
        &format!("action=backup&namespace={velero_ns}&namespaces={ns}"),
        ns,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let backups = velero_api(cluster, velero_ns, "Backup");
    let name = backups.list(&ListParams::default()).await.unwrap().items[0]
        .metadata
        .name
        .clone()
        .unwrap();
    let html = until_page(
        admin,
        "/backups",
        "the backup Completed on the Backups page",
        |html| html.contains(&format!(r#"data-backup="{name}" data-phase="Completed""#)),
    )
    .await;
    let backup = backups.get(&name).await.unwrap();
    let total = backup.data["status"]["progress"]["totalItems"]
        .as_u64()
        .unwrap();
    assert!(total >= 5, "{backup:?}");
    assert!(
        html.contains(&format!("{total} of {total} items (100%)")),
        "the page shows Velero's count of what it backed up"
    );
    name
}

#[tokio::test]
async fn a_backup_taken_here_is_drilled_into_a_scratch_namespace_compared_and_cleaned_up() {
    let (cluster, _velero, app, admin, _dir) = setup("velero-drill").await;
    let velero_ns = app.state.config.actions.velero_namespace.clone();
    let shop = unique("shop");
    cluster.apply_yaml(&shop_yaml(&shop)).await.unwrap();
    let before = state_of(cluster, &shop).await;
    assert_eq!(before.len(), 4, "{before:?}");

    let backup = back_up(cluster, &admin, &velero_ns, &shop).await;
    let drill =
        format!("action=restore-drill&namespace={velero_ns}&backup={backup}&namespaces={shop}");
    let preview = admin.text(&format!("/actions/preview?{drill}")).await;
    let scratch = format!("drill-{shop}-{}", backup.rsplit('-').next().unwrap());
    assert!(
        preview.contains(&scratch),
        "the preview names the scratch namespace: {preview}"
    );
    assert_eq!(
        preview_and_run(&admin, &drill, &backup).await,
        StatusCode::OK
    );

    // Velero restores into the scratch namespace, labelled as the drill's.
    let ns = Api::<Namespace>::all(cluster.admin_client())
        .get(&scratch)
        .await
        .unwrap();
    let labels = ns.metadata.labels.unwrap_or_default();
    let restore = labels["homelab.fletcherlabs.net/drill"].clone();
    let page = format!("/drills/{velero_ns}/{restore}");
    let html = until_page(&admin, &page, "the drill compared", |h| {
        h.contains(r#"data-test="drill-namespace""#) || h.contains("Failed")
    })
    .await;
    assert!(html.contains("Passed"), "{html}");
    assert!(!html.contains(r#"data-ok="false""#), "{html}");
    for kind in [
        "apps/v1/Deployment",
        "v1/ConfigMap",
        "v1/Service",
        "v1/PersistentVolumeClaim",
    ] {
        assert!(
            html.contains(&format!(r#"data-kind="{kind}" data-ok="true""#)),
            "{kind}: {html}"
        );
    }
    assert!(
        html.contains(r#"data-found="true""#),
        "the claim came back: {html}"
    );
    let restored = state_of(cluster, &scratch).await;
    let names = |m: &BTreeMap<String, (String, String)>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&restored),
        names(&before),
        "the same objects came back"
    );
    assert_eq!(
        state_of(cluster, &shop).await,
        before,
        "the live namespace is untouched"
    );

    // Recorded, and on the Backups page.
    let backups_page = admin.text("/backups").await;
    assert!(
        backups_page.contains(&format!(r#"data-drill="{restore}""#)),
        "{backups_page}"
    );

    // Evidence for an AAR about the namespace, attached to its timeline with its verdict.
    let hour = |delta: i64| {
        let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(delta);
        t.strftime("%Y-%m-%dT%H:%M").to_string()
    };
    let (start, end) = (hour(-1), hour(1));
    let csrf = admin.csrf("/aars/new").await;
    let created = admin
        .post_form(
            "/aars/new",
            &[
                ("csrf", csrf.as_str()),
                ("title", "Drill of the shop"),
                ("incident_date", &start[..10]),
                ("status", "draft"),
                ("summary", "Proving the shop's backup."),
                ("services", shop.as_str()),
                ("window_start", start.as_str()),
                ("window_end", end.as_str()),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let aar = crate::support::location(&created);
    let aar = aar.split('?').next().unwrap().to_owned();
    let key = format!("drill:{velero_ns}/{restore}");
    let html = admin.text(&aar).await;
    assert!(html.contains(&format!(r#"data-key="{key}""#)), "{html}");
    let csrf = admin.csrf(&aar).await;
    let attached = admin
        .post_form(
            &format!("{aar}/evidence"),
            &[
                ("csrf", csrf.as_str()),
                ("version", "1"),
                ("key", key.as_str()),
            ],
        )
        .await;
    assert_eq!(attached.status(), StatusCode::SEE_OTHER);
    let html = admin.text(&aar).await;
    assert!(
        html.contains(&format!(
            "Restore drill {restore} of {shop} from backup {backup}: Passed"
        )),
        "{html}"
    );

    // The clean-up deletes the scratch namespace and nothing else.
    let cleanup = format!("action=drill-cleanup&namespace={scratch}");
    assert_eq!(
        preview_and_run(&admin, &cleanup, &scratch).await,
        StatusCode::OK
    );
    let namespaces = Api::<Namespace>::all(cluster.admin_client());
    until("the scratch namespace gone", || async {
        match namespaces.get_opt(&scratch).await.unwrap() {
            None => Ok(()),
            Some(n) => Err(format!("{:?}", n.status)),
        }
    })
    .await;
    until_page(&admin, &page, "the drill cleaned up", |h| {
        h.contains("cleaned up")
    })
    .await;
    assert_eq!(
        state_of(cluster, &shop).await,
        before,
        "the live namespace is untouched"
    );
    let done = audit_entries(&app, &format!("Backup {velero_ns}/{backup}")).await;
    assert_eq!(done[0].outcome, "done", "{done:?}");

    // The clean-up refuses a live namespace, and so would the API server.
    let live = format!("action=drill-cleanup&namespace={shop}");
    let html = admin.text(&format!("/actions/preview?{live}")).await;
    assert!(html.contains("was not made by a restore drill"), "{html}");
    let sa = cluster
        .service_account_client("homelab", "homelab", None)
        .await
        .unwrap();
    until("the admission policy in force", || async {
        match Api::<Namespace>::all(sa.clone())
            .delete(
                &shop,
                &kube::api::DeleteParams {
                    dry_run: true,
                    ..Default::default()
                },
            )
            .await
        {
            Err(kube::Error::Api(e)) if e.code == 403 && e.message.contains("restore drill") => {
                Ok(())
            }
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    // Nor may it create a namespace that is not a drill's.
    let unlabelled: Namespace =
        serde_json::from_value(json!({"metadata": {"name": unique("not-a-drill")}})).unwrap();
    let params = PostParams {
        dry_run: true,
        ..Default::default()
    };
    match Api::<Namespace>::all(sa).create(&params, &unlabelled).await {
        Err(kube::Error::Api(e)) => {
            assert!(
                e.code == 403 && e.message.contains("restore drill"),
                "{e:?}"
            )
        }
        other => panic!("a namespace without the drill label was created: {other:?}"),
    }
}

#[tokio::test]
async fn a_drill_is_refused_for_an_existing_scratch_a_backup_not_completed_and_an_unavailable_location(
) {
    let (cluster, mut velero, app, admin, _dir) = setup("velero-refuse").await;
    let velero_ns = app.state.config.actions.velero_namespace.clone();
    let shop = unique("shop");
    cluster.apply_yaml(&shop_yaml(&shop)).await.unwrap();
    let backup = back_up(cluster, &admin, &velero_ns, &shop).await;
    let restores = velero_api(cluster, &velero_ns, "Restore");
    let namespaces = Api::<Namespace>::all(cluster.admin_client());
    let scratch = format!("drill-{shop}-{}", backup.rsplit('-').next().unwrap());
    let target = format!("Backup {velero_ns}/{backup}");

    // Refused: what it says, audited, nothing created.
    let refused = |query: String, confirm: String, version: String, says: &'static str| {
        let admin = &admin;
        let restores = &restores;
        async move {
            let preview = admin.text(&format!("/actions/preview?{query}")).await;
            assert!(preview.contains(says), "{says}: {preview}");
            let before = restores
                .list(&ListParams::default())
                .await
                .unwrap()
                .items
                .len();
            let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            // A refused preview has no confirmation form; the nav's sign-out form has a token.
            fields.push((
                "csrf".into(),
                crate::actions::input(&preview, "csrf").unwrap(),
            ));
            fields.push(("resource_version".into(), version));
            fields.push(("confirm".into(), confirm));
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let response = admin.post_form("/actions/run", &pairs).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = response.text().await.unwrap();
            assert!(html.contains(says), "{says}: {html}");
            let after = restores
                .list(&ListParams::default())
                .await
                .unwrap()
                .items
                .len();
            assert_eq!(before, after, "{says}: no Restore was created");
        }
    };

    // A scratch namespace there already (an earlier drill's, not cleaned up).
    let earlier: Namespace = serde_json::from_value(json!({
        "metadata": {"name": scratch, "labels": {"homelab.fletcherlabs.net/drill": "drill-earlier"}}
    }))
    .unwrap();
    namespaces
        .create(&PostParams::default(), &earlier)
        .await
        .unwrap();
    let drill =
        format!("action=restore-drill&namespace={velero_ns}&backup={backup}&namespaces={shop}");
    let version = |name: String| {
        let backups = velero_api(cluster, &velero_ns, "Backup");
        async move {
            backups
                .get(&name)
                .await
                .unwrap()
                .metadata
                .resource_version
                .unwrap()
        }
    };
    refused(
        drill.clone(),
        backup.clone(),
        version(backup.clone()).await,
        "exists already",
    )
    .await;
    let entry = &audit_entries(&app, &target).await[0];
    assert_eq!(entry.outcome, "refused");
    assert!(entry.message.contains("exists already"), "{entry:?}");
    namespaces
        .delete(&scratch, &Default::default())
        .await
        .unwrap();

    // A backup Velero did not complete: it names a storage location that does not exist.
    let failed: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "velero.io/v1", "kind": "Backup",
        "metadata": {"name": "nowhere-1", "namespace": velero_ns},
        "spec": {"includedNamespaces": [shop], "storageLocation": "nowhere"},
    }))
    .unwrap();
    let backups = velero_api(cluster, &velero_ns, "Backup");
    backups
        .create(&PostParams::default(), &failed)
        .await
        .unwrap();
    until("Velero fails the backup", || async {
        let phase = backups.get("nowhere-1").await.unwrap().data["status"]["phase"].clone();
        if phase == "FailedValidation" {
            Ok(())
        } else {
            Err(phase.to_string())
        }
    })
    .await;
    let not_done =
        format!("action=restore-drill&namespace={velero_ns}&backup=nowhere-1&namespaces={shop}");
    refused(
        not_done,
        "nowhere-1".into(),
        version("nowhere-1".into()).await,
        "is FailedValidation",
    )
    .await;
    let entry = &audit_entries(&app, &format!("Backup {velero_ns}/nowhere-1")).await[0];
    assert_eq!(entry.outcome, "refused");
    assert!(
        entry.message.contains("only a Completed backup"),
        "{entry:?}"
    );
    assert!(namespaces
        .get_opt(&format!("drill-{shop}-nowhere-1"))
        .await
        .unwrap()
        .is_none());

    // The store stopped: Velero marks the location Unavailable, and a drill would fail.
    velero.stop_store().unwrap();
    velero.wait_location(cluster, "Unavailable").await.unwrap();
    refused(
        drill,
        backup.clone(),
        version(backup.clone()).await,
        "is Unavailable",
    )
    .await;
    let entry = &audit_entries(&app, &target).await[0];
    assert_eq!(entry.outcome, "refused");
    assert!(entry.message.contains("Unavailable"), "{entry:?}");
    assert!(
        namespaces.get_opt(&scratch).await.unwrap().is_none(),
        "nothing created"
    );
}
