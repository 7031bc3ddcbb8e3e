//! Pages from the cache (`http::page_cache`), through the whole server: a page is rendered once
//! per published version and role, every request still gets its own nonce, CSRF token and name,
//! and a change in the caches is on the next page view.

use std::io::Read;
use std::time::Duration;

use homelab::http::page_cache::PageCache;
use k8s_openapi::api::apps::v1::Deployment;
use kube::runtime::watcher;
use reqwest::StatusCode;

use crate::cluster::within;
use crate::support::{config, dev_signed_in as signed_in, Browser, TestApp};

/// The value of the first `attr="..."` after `after` in `html`.
fn attribute(html: &str, after: &str, attr: &str) -> String {
    let from = html.find(after).unwrap_or_else(|| panic!("no {after}"));
    let marker = format!("{attr}=\"");
    let start = from + html[from..].find(&marker).unwrap() + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

fn renders(cache: &PageCache) -> u64 {
    cache.renders()
}

/// Waits until the start-up's publications (the publisher's first run, the status history's
/// first record) are over: the views and history versions stay put for a second and a half.
async fn settled(app: &TestApp) {
    let generation = || {
        (
            app.state.cluster.views().version,
            app.state.history.version(),
        )
    };
    let mut last = generation();
    let mut quiet = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = generation();
        quiet = if now == last { quiet + 1 } else { 0 };
        last = now;
        if quiet >= 15 {
            return;
        }
    }
    panic!("the versions kept changing: {last:?}");
}

#[tokio::test]
async fn a_page_is_rendered_once_per_version_and_role_with_each_requests_own_values() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    let pages = app.state.pages.clone();
    let family = signed_in(&app, "viewer").await;
    let other = signed_in(&app, "viewer").await;
    let admin = signed_in(&app, "admin").await;
    settled(&app).await;

    let before = renders(&pages);
    let first = family.text("/").await;
    let second = family.text("/").await;
    let theirs = other.text("/").await;
    assert_eq!(renders(&pages), before + 1, "one render for three views");
    assert!(first.contains("Plex"), "{first}");

    // Each response has its own nonce, matching its Content-Security-Policy.
    let response = family.get("/").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    let nonce = attribute(&html, "<script", "nonce");
    assert!(
        csp.contains(&format!("'nonce-{nonce}'")),
        "{csp} vs {nonce}"
    );
    assert_ne!(attribute(&first, "<script", "nonce"), nonce);
    // Each session its own CSRF token, in the form it is checked from.
    let token = attribute(&first, "name=\"csrf\"", "value");
    assert_eq!(token, attribute(&second, "name=\"csrf\"", "value"));
    assert_ne!(token, attribute(&theirs, "name=\"csrf\"", "value"));
    let signed_out = family
        .post_form("/auth/logout", &[("csrf", token.as_str())])
        .await;
    assert_eq!(
        signed_out.status(),
        StatusCode::SEE_OTHER,
        "the cached page's token works"
    );
    assert!(
        first.contains("data-test=\"user\""),
        "the name is on the page"
    );

    // Another role has its own page.
    let admin_page = admin.text("/").await;
    assert_eq!(renders(&pages), before + 2);
    assert_ne!(
        admin_page.contains("href=\"/storage\""),
        first.contains("href=\"/storage\""),
        "admins see the admin navigation, family members do not"
    );

    // gzip, for clients that take it: the same page.
    let gz = other
        .http
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let bytes = gz.bytes().await.unwrap();
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    let strip_nonce = |html: &str| {
        let nonce = attribute(html, "<script", "nonce");
        html.replace(&nonce, "")
    };
    assert_eq!(strip_nonce(&unzipped), strip_nonce(&theirs));
    assert_eq!(renders(&pages), before + 2);

    // Plex goes down in the caches: the next view is rendered anew and shows it.
    let cache = &app.state.cluster.cache;
    let version = app.state.cluster.views().version;
    let mut plex: Deployment = cache
        .deployments
        .state()
        .iter()
        .find(|d| d.metadata.name.as_deref() == Some("plex"))
        .map(|d| (**d).clone())
        .expect("the demo's Plex");
    let status = plex.status.get_or_insert_with(Default::default);
    status.ready_replicas = Some(0);
    status.available_replicas = Some(0);
    cache.deployments.apply(watcher::Event::Apply(plex));
    within(Duration::from_secs(5), || {
        app.state.cluster.views().version > version
    })
    .await
    .expect("new views published");
    let after = other.text("/").await;
    assert_eq!(renders(&pages), before + 3);
    assert_ne!(strip_nonce(&after), strip_nonce(&theirs));
    let plex_row = |html: &str| {
        let at = html.find("Plex").unwrap();
        html[at.saturating_sub(600)..at + 600].to_owned()
    };
    assert_ne!(plex_row(&after), plex_row(&theirs), "Plex's status changed");
    app.stop().await;
}

#[tokio::test]
async fn the_benchmark_floor_is_a_fixed_page_behind_the_same_checks_and_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    let family = signed_in(&app, "viewer").await;
    assert_eq!(
        family.get("/bench/floor").await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;

    let mut cfg = config(dir.path());
    cfg.server.bench_floor = true;
    let app = TestApp::start(cfg).await.unwrap();
    let anonymous = Browser::new(&app);
    assert_ne!(anonymous.get("/bench/floor").await.status(), StatusCode::OK);
    let family = signed_in(&app, "viewer").await;
    let floor = family.get("/bench/floor").await;
    assert_eq!(floor.status(), StatusCode::OK);
    assert_eq!(floor.bytes().await.unwrap().len(), 2048);
    app.stop().await;
}
