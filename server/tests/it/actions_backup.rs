//! Back up now, against the real API server with Velero's real CRDs, as the shipped
//! ServiceAccount: a Backup from a schedule is the schedule's template with its label and a
//! velero-style name, and passes the Backup CRD's schema; an Unavailable storage location
//! refuses it unless the admin goes ahead; a schedule name too long for the label is refused;
//! an ad hoc backup takes only its namespaces; "back up first" creates the Backup before the
//! action and both are audited.

use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Api;
use serde_json::json;
use testbed::cluster::TestCluster;

use crate::actions::{admin_session, audit_entries, input, preview_and_run, preview_and_run_with};
use crate::cluster::unique;
use crate::support::{location, start_as_shipped_service_account_with, Browser};

fn backups(cluster: &TestCluster, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk("velero.io", "v1", "Backup"));
    Api::namespaced_with(cluster.admin_client(), namespace, &ar)
}

async fn backups_of(api: &Api<DynamicObject>, schedule: Option<&str>) -> Vec<DynamicObject> {
    let params = match schedule {
        Some(s) => ListParams::default().labels(&format!("velero.io/schedule-name={s}")),
        None => ListParams::default(),
    };
    api.list(&params).await.unwrap().items
}

/// Velero's namespace with an Available default location and an Unavailable one.
fn velero_yaml(velero: &str, long: &str) -> String {
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
status: {{phase: Available}}
---
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {{name: offsite, namespace: {velero}}}
spec:
  provider: aws
  objectStorage: {{bucket: offsite}}
status: {{phase: Unavailable, message: "BackupStorageLocation \"offsite\" is unavailable: bucket not found"}}
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {{name: daily-media, namespace: {velero}}}
spec:
  schedule: "0 3 * * *"
  useOwnerReferencesInBackup: true
  template:
    includedNamespaces: [media]
    storageLocation: nas
    ttl: 720h0m0s
    snapshotVolumes: false
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {{name: weekly-offsite, namespace: {velero}}}
spec:
  schedule: "0 4 * * 0"
  template:
    includedNamespaces: ["*"]
    storageLocation: offsite
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {{name: {long}, namespace: {velero}}}
spec:
  schedule: "0 5 * * *"
  template: {{includedNamespaces: [media]}}
"#
    )
}

#[tokio::test]
async fn a_backup_from_a_schedule_passes_the_crd_and_carries_its_label_and_traps_are_refused() {
    let cluster = TestCluster::shared().await.unwrap();
    let velero = unique("it-velero");
    let long = format!("nightly-{}", "x".repeat(60));
    cluster
        .apply_yaml(&velero_yaml(&velero, &long))
        .await
        .unwrap();
    let (app, browser, _oidc, _dir) = admin_session().await;
    let api = backups(cluster, &velero);

    // From a schedule: the preview warns that the schedule owns its backups.
    let query = format!("action=backup&namespace={velero}&schedule=daily-media");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(html.contains("useOwnerReferencesInBackup"), "{html}");
    assert!(html.contains("velero backup create --from-schedule daily-media"));
    assert!(
        backups_of(&api, None).await.is_empty(),
        "the preview created a backup"
    );
    assert_eq!(preview_and_run(&browser, &query, "daily-media").await, 200);
    let made = backups_of(&api, Some("daily-media")).await;
    assert_eq!(made.len(), 1);
    let backup = &made[0];
    let name = backup.metadata.name.clone().unwrap();
    let stamp = name.strip_prefix("daily-media-").unwrap();
    assert!(
        stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()),
        "{name}"
    );
    // The template, through the real CRD schema (which prunes what it does not know).
    assert_eq!(backup.data["spec"]["includedNamespaces"], json!(["media"]));
    assert_eq!(backup.data["spec"]["storageLocation"], json!("nas"));
    assert_eq!(backup.data["spec"]["ttl"], json!("720h0m0s"));
    assert_eq!(backup.data["spec"]["snapshotVolumes"], json!(false));
    let schedules = Api::<DynamicObject>::namespaced_with(
        cluster.admin_client(),
        &velero,
        &ApiResource::from_gvk(&GroupVersionKind::gvk("velero.io", "v1", "Schedule")),
    );
    let schedule = schedules.get("daily-media").await.unwrap();
    let owners = backup.metadata.owner_references.clone().unwrap();
    assert_eq!(owners[0].uid, schedule.metadata.uid.unwrap());
    let entries = audit_entries(&app, &format!("Schedule {velero}/daily-media")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, "done");
    assert!(entries[0]
        .changes
        .iter()
        .any(|c| c.field == "/metadata/name" && c.after.contains(&name)));

    // Its location is Unavailable: refused with Velero's message, no form, nothing created...
    let query = format!("action=backup&namespace={velero}&schedule=weekly-offsite");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(html.contains("offsite is Unavailable"), "{html}");
    assert!(input(&html, "resource_version").is_none());
    let version = schedules
        .get("weekly-offsite")
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let csrf = browser.csrf("/audit").await;
    let refused = browser
        .post_form(
            "/actions/run",
            &[
                ("csrf", &csrf),
                ("action", "backup"),
                ("namespace", &velero),
                ("schedule", "weekly-offsite"),
                ("resource_version", &version),
                ("confirm", "weekly-offsite"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(backups_of(&api, Some("weekly-offsite")).await.is_empty());
    // ...unless the admin goes ahead, which the preview offers as its own link.
    assert!(html.contains("force=yes"), "{html}");
    let (status, page) = preview_and_run_with(
        &browser,
        &format!("{query}&force=yes"),
        "weekly-offsite",
        &[],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(backups_of(&api, Some("weekly-offsite")).await.len(), 1);
    let entries = audit_entries(&app, &format!("Schedule {velero}/weekly-offsite")).await;
    let outcomes: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["done", "refused"]);

    // A schedule that is not there: the API server's 404, in its words.
    let missing = browser
        .get(&format!(
            "/actions/preview?action=backup&namespace={velero}&schedule=no-such-schedule"
        ))
        .await;
    assert_eq!(missing.status(), 404);
    let html = missing.text().await.unwrap();
    assert!(
        html.contains("schedules.velero.io \"no-such-schedule\" not found"),
        "{html}"
    );

    // A schedule name longer than a label value: refused before the API server would be.
    let query = format!("action=backup&namespace={velero}&schedule={long}");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(html.contains("68-character name"), "{html}");
    assert!(input(&html, "resource_version").is_none());

    // Ad hoc: only the chosen namespace, no schedule label; a namespace that is not there is
    // refused.
    let media = unique("it-media");
    cluster
        .apply_yaml(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {media}}}\n"
        ))
        .await
        .unwrap();
    // Taken for an AAR: the preview offers it, a number that is no AAR is refused, and the
    // audit entry names the one chosen.
    let csrf = browser.csrf("/aars/new").await;
    let created = browser
        .post_form(
            "/aars/new",
            &crate::aars::new_aar(&csrf, "Media backups missing"),
        )
        .await;
    let aar_id: String = location(&created)
        .trim_start_matches("/aars/")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let query = format!("action=backup&namespace={velero}&namespaces={media}");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(
        html.contains("Media backups missing (2025-06-20)"),
        "{html}"
    );
    let (status, page) = preview_and_run_with(&browser, &query, &media, &[("aar", "999999")]).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("there is no AAR 999999"), "{page}");
    let (status, page) = preview_and_run_with(&browser, &query, &media, &[("aar", &aar_id)]).await;
    assert_eq!(status, 200, "{page}");
    let entries = audit_entries(&app, &format!("Namespace {media}")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].aar_id, Some(aar_id.parse().unwrap()));
    // The AAR shows the action in its timeline.
    let aar_page = browser.text(&format!("/aars/{aar_id}")).await;
    assert!(aar_page.contains("data-test=\"aar-action\""), "{aar_page}");
    assert!(
        aar_page.contains(&format!("Namespace {media}")),
        "{aar_page}"
    );
    let ad_hoc: Vec<DynamicObject> = backups_of(&api, None)
        .await
        .into_iter()
        .filter(|b| b.data["spec"]["includedNamespaces"] == json!([media]))
        .collect();
    assert_eq!(ad_hoc.len(), 1);
    assert!(ad_hoc[0]
        .metadata
        .name
        .as_deref()
        .unwrap()
        .starts_with(&format!("{media}-manual-")));
    assert!(!ad_hoc[0]
        .metadata
        .labels
        .clone()
        .unwrap_or_default()
        .contains_key("velero.io/schedule-name"));
    let html = browser
        .text(&format!(
            "/actions/preview?action=backup&namespace={velero}&namespaces=no-such-namespace-here"
        ))
        .await;
    assert!(
        html.contains("no namespace no-such-namespace-here in the cluster"),
        "{html}"
    );
    app.stop().await;
}

/// A Released volume whose old claim lived in `claims`, a Pending claim there that fits it, and
/// one that does not (another storage class).
fn volume_yaml(pv: &str, claims: &str, class: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata: {{name: {claims}}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {pv}}}
spec:
  capacity: {{storage: 2Gi}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: {class}
  hostPath: {{path: /tmp/{pv}}}
  claimRef: {{namespace: {claims}, name: media-old, uid: 00000000-0000-0000-0000-000000000002}}
status: {{phase: Released}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: media-new, namespace: {claims}}}
spec:
  storageClassName: {class}
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: other-class, namespace: {claims}}}
spec:
  storageClassName: {class}-other
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
"#
    )
}

#[tokio::test]
async fn pointing_a_released_volume_at_a_claim_binds_them_after_a_backup_taken_first() {
    let cluster = TestCluster::shared().await.unwrap();
    let velero = unique("it-velero-first");
    let claims = unique("it-claims");
    let pv = unique("it-repoint-pv");
    // A storage class of its own: no other test's volume can bind these claims.
    let class = unique("it-class");
    cluster
        .apply_yaml(&velero_yaml(&velero, "unused"))
        .await
        .unwrap();
    cluster
        .apply_yaml(&volume_yaml(&pv, &claims, &class))
        .await
        .unwrap();
    let velero_ns = velero.clone();
    let (app, oidc, _dir) =
        start_as_shipped_service_account_with(|c| c.actions.velero_namespace = velero_ns).await;
    let browser = Browser::new(&app);
    browser.sign_in(&oidc, "admin", "/").await;
    let pvs: Api<k8s_openapi::api::core::v1::PersistentVolume> = Api::all(cluster.admin_client());
    let pvcs: Api<k8s_openapi::api::core::v1::PersistentVolumeClaim> =
        Api::namespaced(cluster.admin_client(), &claims);

    // A claim of another storage class would never bind: refused, nothing changed.
    let other =
        format!("action=point-claim-ref&name={pv}&claim_namespace={claims}&claim=other-class");
    let html = browser.text(&format!("/actions/preview?{other}")).await;
    assert!(html.contains("would never bind"), "{html}");

    // The fitting claim: the preview offers to back up the old claim's namespace first.
    let query =
        format!("action=point-claim-ref&name={pv}&claim_namespace={claims}&claim=media-new");
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(html.contains("data-test=\"backup-first\""), "{html}");
    assert!(html.contains("data-field=\"/spec/claimRef\""), "{html}");
    let (status, page) =
        preview_and_run_with(&browser, &query, &pv, &[("backup_first", "yes")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("was created first"), "{page}");

    // The Backup exists, of that namespace only, created before the volume was changed.
    let made: Vec<DynamicObject> = backups_of(&backups(cluster, &velero), None)
        .await
        .into_iter()
        .filter(|b| b.data["spec"]["includedNamespaces"] == json!([claims]))
        .collect();
    assert_eq!(made.len(), 1);
    let claim_ref = pvs.get(&pv).await.unwrap().spec.unwrap().claim_ref.unwrap();
    assert_eq!(claim_ref.name.as_deref(), Some("media-new"));
    assert_eq!(claim_ref.uid, None);
    // The PV binder of the test bed binds the claim to the volume.
    let mut bound = false;
    for _ in 0..60 {
        let pvc = pvcs.get("media-new").await.unwrap();
        let phase = pvc.status.and_then(|s| s.phase).unwrap_or_default();
        if phase == "Bound" && pvc.spec.unwrap().volume_name.as_deref() == Some(pv.as_str()) {
            bound = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(bound, "claim media-new did not bind to {pv}");

    // Two audit entries, the backup first.
    let all = homelab::actions::audit::list(&app.state.db, None, None, 10)
        .await
        .unwrap();
    let kinds: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(kinds, [("point-claim-ref", "done"), ("backup", "done")]);
    assert!(all[1]
        .reason
        .as_deref()
        .unwrap()
        .starts_with("backup first"));

    // A volume that is Bound now: refused.
    let html = browser.text(&format!("/actions/preview?{query}")).await;
    assert!(html.contains("not Released"), "{html}");
    app.stop().await;
}
