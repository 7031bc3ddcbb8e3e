//! The JSON status API for scripts: a read-only bearer token opens it and nothing else.

use crate::support::{config, TestApp};

#[tokio::test]
async fn the_status_token_opens_the_status_api_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.status_token = Some("family-widget-token".into());
    let app = TestApp::start(cfg).await.unwrap();
    let http = reqwest::Client::new();

    let ok = http
        .get(app.url("/api/v1/status"))
        .bearer_auth("family-widget-token")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["service"].as_str())
        .collect();
    assert!(
        names.contains(&"Plex") && names.contains(&"Jellyfin"),
        "{body}"
    );
    assert!(
        !names.contains(&"Sonarr"),
        "admin services stay out: {body}"
    );

    let wrong = http
        .get(app.url("/api/v1/status"))
        .bearer_auth("family-widget-tokem")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let none = http.get(app.url("/api/v1/status")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let elsewhere = http
        .get(app.url("/api/v1/live"))
        .bearer_auth("family-widget-token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        elsewhere.status(),
        401,
        "the token opens the status API only"
    );
    app.stop().await;
}

#[tokio::test]
async fn without_a_configured_token_a_bearer_header_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/status"))
        .bearer_auth("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    app.stop().await;
}
