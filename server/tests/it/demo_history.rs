//! The demo homelab's past on a fresh demo database: the AAR log, the actions its AARs describe,
//! evidence, and the status week; written once, however often the demo restarts, and never into
//! a database outside demo mode.

use frontend::source::HistorySource;
use sqlx::SqlitePool;

use crate::support::{config, start_as_shipped_service_account, TestApp};

async fn count(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn counts(pool: &SqlitePool) -> [i64; 5] {
    [
        count(pool, "select count(*) from aars").await,
        count(pool, "select count(*) from aar_revisions").await,
        count(pool, "select count(*) from audit_log").await,
        count(pool, "select count(*) from status_hourly").await,
        count(pool, "select count(*) from notify_delivery").await,
    ]
}

#[tokio::test]
async fn a_fresh_demo_gets_the_homelabs_past_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.demo_empty = false;
    let app = TestApp::start(cfg.clone()).await.unwrap();
    let pool = app.state.db.clone();

    let [aars, _, actions, hours, deliveries] = counts(&pool).await;
    assert_eq!(aars, 8);
    assert_eq!(actions, 7);
    assert!(hours > 0);
    assert_eq!(deliveries, 6);
    // The Notifications page shows the past deliveries: the family's, one after two failed
    // attempts, and one given up; and what is announced now.
    let admin = crate::support::dev_signed_in(&app, "admin").await;
    let page = admin.text("/notifications").await;
    for shown in [
        "Jellyfin is down.",
        "Jellyfin is back up.",
        "it answered 502 Bad Gateway",
        r#"data-state="given up""#,
        "The demo sends nothing",
        "data-test=\"announced\"",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    // The coming maintenance window, on the Status page and in the API.
    let status = admin.text("/").await;
    assert!(
        status.contains("Jellyfin moves to another GPU node"),
        "{status}"
    );
    assert!(status.contains("Maintenance coming"), "{status}");
    assert!(
        status.contains(r#"data-test="notice-aar""#) && status.contains("k3s1 Networking Failure"),
        "admins see the AAR it links to: {status}"
    );
    let api: serde_json::Value = admin.get("/api/v1/status").await.json().await.unwrap();
    let jellyfin = api
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "Jellyfin")
        .unwrap();
    assert_eq!(jellyfin["maintenance"], false, "not yet: {jellyfin}");
    assert_eq!(jellyfin["notices"][0]["maintenance"], true, "{jellyfin}");
    let linked = count(
        &pool,
        "select count(*) from audit_log a join aars r on r.id = a.aar_id
         where r.title = 'Longhorn CSI Complete Failure' and a.action = 'clear-claim-ref'",
    )
    .await;
    assert_eq!(linked, 3);
    let longhorn = homelab::db::aar::all(&pool)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.content.title == "Longhorn CSI Complete Failure")
        .unwrap();
    assert!(longhorn
        .content
        .evidence
        .contains(&"backup:velero/daily-critical-20250615030000".to_string()));

    // The week is what the Status page reads: Plex was down for the outage, Bazarr is in its
    // crash loop since the recorded time, shifted to end now.
    let plex = app.state.history.history("media/plex").unwrap();
    let permille = plex.uptime_permille.unwrap();
    assert!((800..900).contains(&permille), "plex {permille}");
    assert_eq!(plex.covers_from_label, None, "a whole week is recorded");
    let bazarr = app.state.history.history("media/bazarr").unwrap();
    assert!(
        matches!(bazarr.status, Some(s) if s != frontend::model::ServiceStatus::Up),
        "{:?}",
        bazarr.status
    );
    // Since 11:52:08 of the demo's day, 6 h 7 min 52 s before the demo's moment.
    let crash_loop = homelab::cluster::demo::DEMO_NOW - 1_750_074_728;
    let now = jiff::Timestamp::now().as_second();
    let since = bazarr.since.unwrap();
    assert!(
        (now - crash_loop - since).abs() < 60,
        "since {since}, now {now}"
    );
    let before = counts(&pool).await;
    app.stop().await;

    // A restart writes nothing more, and an edit made in the demo stays.
    let pool = homelab::db::open(dir.path()).await.unwrap();
    sqlx::query("update aars set title = 'Renamed in the demo' where id = 1")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let again = TestApp::start(cfg).await.unwrap();
    assert_eq!(counts(&again.state.db).await, before);
    let renamed = count(
        &again.state.db,
        "select count(*) from aars where title = 'Renamed in the demo'",
    )
    .await;
    assert_eq!(renamed, 1);
    again.stop().await;
}

#[tokio::test]
async fn a_database_outside_demo_mode_gets_none_of_it() {
    let (app, _oidc, _dir) = start_as_shipped_service_account().await;
    let [aars, revisions, actions, _, deliveries] = counts(&app.state.db).await;
    assert_eq!((aars, revisions, actions, deliveries), (0, 0, 0, 0));
    app.stop().await;
}
