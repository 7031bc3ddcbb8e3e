//! Evidence for AARs: a Warning event and a Velero Backup created in a real kube-apiserver reach
//! SQLite through the watch caches and the recorder, and are offered to an AAR whose window and
//! services match, not to others; pruning; and over HTTP (the demo homelab), attaching evidence
//! to the timeline with a plain form post, once, and the audited actions taken for an AAR.

use std::time::{Duration, Instant};

use frontend::model::aar::{AarContent, EvidenceView};
use homelab::aar::window;
use homelab::db::aar::{self as store, Author};
use homelab::evidence::{recorder, store as evidence};
use reqwest::StatusCode;
use testbed::cluster::TestCluster;

use crate::cluster::{synced_cache, unique};
use crate::support::{config, location, Browser, TestApp};

fn aar(title: &str, services: &[&str], start: i64, end: i64) -> AarContent {
    AarContent {
        title: title.into(),
        incident_date: "2025-06-14".into(),
        summary: "s".into(),
        services: services.iter().map(|s| s.to_string()).collect(),
        window_start: Some(window::form_time(start)),
        window_end: Some(window::form_time(end)),
        ..AarContent::default()
    }
}

/// The keys of the items offered that this test made (their keys name its namespace or its
/// event's uid): other tests share the cluster, and a backup of every namespace they take in the
/// same hour is rightly offered to any AAR.
fn keys(view: &EvidenceView, ours: &[&str]) -> Vec<String> {
    view.events
        .iter()
        .chain(&view.backups)
        .chain(&view.actions)
        .map(|i| i.key.clone())
        .filter(|k| ours.iter().any(|o| k.contains(o)))
        .collect()
}

#[tokio::test]
async fn a_warning_event_and_a_backup_are_recorded_and_offered_to_the_matching_aar_only() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-evidence");
    let now = jiff::Timestamp::now().as_second();
    let ts = |secs: i64| jiff::Timestamp::from_second(secs).unwrap().to_string();
    let yaml = format!(
        r#"apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: v1
kind: Event
metadata: {{name: plex-abc.1, namespace: {ns}}}
involvedObject: {{kind: Pod, namespace: {ns}, name: plex-7d9f-abc, apiVersion: v1}}
reason: BackOff
message: Back-off restarting failed container plex
source: {{component: kubelet, host: it-node-1}}
firstTimestamp: '{first}'
lastTimestamp: '{last}'
count: 7
type: Warning
---
apiVersion: v1
kind: Event
metadata: {{name: plex-abc.2, namespace: {ns}}}
involvedObject: {{kind: Pod, namespace: {ns}, name: plex-7d9f-abc, apiVersion: v1}}
reason: Pulled
message: Image pulled
source: {{component: kubelet, host: it-node-1}}
firstTimestamp: '{last}'
lastTimestamp: '{last}'
count: 1
type: Normal
---
apiVersion: velero.io/v1
kind: Backup
metadata:
  name: daily-{ns}
  namespace: {ns}
  labels: {{velero.io/schedule-name: daily-it}}
spec:
  includedNamespaces: [{ns}]
status:
  phase: PartiallyFailed
  startTimestamp: '{first}'
  completionTimestamp: '{last}'
  errors: 2
  warnings: 5
"#,
        first = ts(now - 600),
        last = ts(now - 60),
    );
    cluster.apply_yaml(&yaml).await.unwrap();
    let client = kube::Client::try_from(cluster.admin_config()).unwrap();
    let cache = synced_cache(client).await;
    let dir = tempfile::tempdir().unwrap();
    let pool = homelab::db::open(dir.path()).await.unwrap();
    recorder::spawn(pool.clone(), cache, 30);

    // The recorder writes what the caches saw.
    let start = Instant::now();
    let (event, backup) = loop {
        let event: Option<(String, i64, Option<String>)> = sqlx::query_as(
            "select key, count, node from evidence_events where namespace = ? and reason = 'BackOff'",
        )
        .bind(&ns)
        .fetch_optional(&pool)
        .await
        .unwrap();
        let backup: Option<(String, i64, i64)> = sqlx::query_as(
            "select phase, errors, warnings from evidence_backups where namespace = ?",
        )
        .bind(&ns)
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let (Some(e), Some(b)) = (&event, &backup) {
            break (e.clone(), b.clone());
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not recorded: event {event:?}, backup {backup:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((event.1, event.2.as_deref()), (7, Some("it-node-1")));
    assert_eq!(backup, ("PartiallyFailed".to_owned(), 2, 5));
    let normal: i64 =
        sqlx::query_scalar("select count(*) from evidence_events where namespace = ?")
            .bind(&ns)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(normal, 1, "Normal events are not evidence");

    // Offered to an AAR about `plex` (the pod's name) in a window around them...
    let by = Author::now("it");
    let matching = store::create(&pool, &aar("match", &["plex"], now - 3600, now), &by)
        .await
        .unwrap();
    let view = evidence::for_aar(&pool, &matching.content, 30)
        .await
        .unwrap();
    let event_key = format!("event:{}", event.0);
    assert_eq!(
        keys(&view, &[&ns, &event.0]),
        std::slice::from_ref(&event_key),
        "{view:?}"
    );
    assert!(view.events[0].entry.text.contains("(7 times"), "{view:?}");
    // ...the backup too when the AAR names its namespace...
    let by_ns = store::create(&pool, &aar("namespace", &[&ns], now - 3600, now), &by)
        .await
        .unwrap();
    let view = evidence::for_aar(&pool, &by_ns.content, 30).await.unwrap();
    assert_eq!(
        keys(&view, &[&ns, &event.0]),
        [event_key, format!("backup:{ns}/daily-{ns}")],
        "{view:?}"
    );
    assert!(view.backups[0].entry.text.contains("2 errors, 5 warnings"));
    // ...and not to one about other services, nor to one whose window is another day.
    let other = store::create(&pool, &aar("other", &["sonarr"], now - 3600, now), &by)
        .await
        .unwrap();
    let view = evidence::for_aar(&pool, &other.content, 30).await.unwrap();
    assert!(keys(&view, &[&ns, &event.0]).is_empty(), "{view:?}");
    let earlier = store::create(
        &pool,
        &aar("earlier", &[&ns], now - 3 * 86_400, now - 2 * 86_400),
        &by,
    )
    .await
    .unwrap();
    let view = evidence::for_aar(&pool, &earlier.content, 30)
        .await
        .unwrap();
    assert!(keys(&view, &[&ns, &event.0]).is_empty(), "{view:?}");

    // Pruning with a cut after them removes both; they are not offered any more.
    let (events, backups) = evidence::prune(&pool, now + 1).await.unwrap();
    assert!(events >= 1 && backups >= 1, "{events} {backups}");
    let view = evidence::for_aar(&pool, &by_ns.content, 30).await.unwrap();
    assert!(keys(&view, &[&ns, &event.0]).is_empty(), "{view:?}");
}

async fn admin(app: &TestApp) -> Browser {
    let browser = Browser::new(app);
    let response = browser
        .post_form("/auth/dev", &[("role", "admin"), ("next", "/")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    browser
}

/// Waits until `path` contains `needle` (the recorder runs beside the server).
async fn page_with(browser: &Browser, path: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let page = browser.get(path).await.text().await.unwrap();
        if page.contains(needle) {
            return page;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{needle} not on {path}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn evidence_of_the_window_is_attached_to_the_timeline_once_with_a_plain_form_post() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    let admin = admin(&app).await;
    let csrf = admin.csrf("/aars/new").await;
    // The demo homelab's bazarr crash loop (media, 2025-06-16 11:52 to 17:59 UTC).
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("title", "Bazarr crash loop"),
        ("incident_date", "2025-06-16"),
        ("status", "draft"),
        ("summary", "Bazarr restarted all afternoon."),
        ("services", "bazarr"),
        ("window_start", "2025-06-16T11:00"),
        ("window_end", "2025-06-16T10:00"),
    ];
    let refused = admin.post_form("/aars/new", &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("data-field=\"window_end\""), "{page}");
    assert!(page.contains("must be after its start"), "{page}");
    form.pop();
    form.push(("window_end", "2025-06-16T18:00"));
    let created = admin.post_form("/aars/new", &form).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let detail = location(&created);
    let id: i64 = detail
        .trim_start_matches("/aars/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let page = page_with(
        &admin,
        &format!("/aars/{id}"),
        "Warning BackOff on Pod media/bazarr",
    )
    .await;
    assert!(page.contains("Only what concerns bazarr"), "{page}");
    assert!(
        !page.contains("NodeNotReady"),
        "a Normal event is offered: {page}"
    );
    let key = page
        .split("data-test=\"evidence-item\" data-key=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(key.starts_with("event:"), "{key}");
    let csrf = admin.csrf(&format!("/aars/{id}")).await;
    let attach = [("csrf", csrf.as_str()), ("version", "1"), ("key", &key)];
    let response = admin
        .post_form(&format!("/aars/{id}/evidence"), &attach)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = admin
        .get(&format!("/aars/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("data-test=\"timeline-entry\"").count(), 1);
    assert!(
        page.contains("data-test=\"timeline-entry\"><strong>2025-06-16 11:52 UTC"),
        "{page}"
    );
    assert!(
        page.contains("(1473 times, until 2025-06-16 17:59 UTC)"),
        "{page}"
    );
    assert!(page.contains("data-attached=\"true\""), "{page}");
    assert!(
        !page.contains(&format!("name=\"key\" value=\"{key}\"")),
        "offered again: {page}"
    );

    // The same post again, based on the old version, is refused and changes nothing; with the
    // current version it changes nothing either (attached already).
    let stale = admin
        .post_form(&format!("/aars/{id}/evidence"), &attach)
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let again = [("csrf", csrf.as_str()), ("version", "2"), ("key", &key)];
    let response = admin
        .post_form(&format!("/aars/{id}/evidence"), &again)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let aar = store::get(&app.state.db, id).await.unwrap();
    assert_eq!((aar.version, aar.content.timeline.len()), (2, 1));
    // Evidence that is not offered is refused with the reason.
    let bogus = [
        ("csrf", csrf.as_str()),
        ("version", "2"),
        ("key", "event:nope"),
    ];
    let response = admin
        .post_form(&format!("/aars/{id}/evidence"), &bogus)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("no evidence `event:nope`"));

    // A guarded action taken for this AAR shows on its timeline, labelled as such.
    sqlx::query(
        "insert into audit_log (at, actor_sub, actor_name, action, target, reason, command,
                                changes, outcome, message, aar_id)
         values (1750080000, 'sub', 'admin', 'restart', 'Deployment media/bazarr', 'crash loop',
                 'kubectl -n media rollout restart deployment/bazarr', '[]', 'done', '', ?)",
    )
    .bind(id)
    .execute(&app.state.db)
    .await
    .unwrap();
    let page = admin
        .get(&format!("/aars/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Actions taken for this AAR"), "{page}");
    assert_eq!(
        page.matches("data-test=\"aar-action\"").count(),
        1,
        "{page}"
    );
    assert!(
        page.contains("restart on Deployment media/bazarr by admin"),
        "{page}"
    );
    app.stop().await;
}
