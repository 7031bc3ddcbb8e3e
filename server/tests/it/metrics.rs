//! `/metrics`: valid Prometheus text that an independent parser reads completely, counters that
//! move with requests and sign-ins, routes as patterns, and refusal without the token.

use prometheus_parse::{Sample, Scrape, Value};
use reqwest::StatusCode;

use crate::support::{config, Browser, TestApp};

const TOKEN: &str = "prometheus-scrape-token";

/// Scrapes with the token and parses every sample line; fails if the parser skipped any.
async fn scrape(app: &TestApp) -> Vec<Sample> {
    let response = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    assert_eq!(
        text.lines().last(),
        Some("# EOF"),
        "OpenMetrics ends with # EOF"
    );
    let parsed = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    assert!(!parsed.samples.is_empty(), "nothing parsed from:\n{text}");
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(
            parsed.samples.iter().any(|s| name.starts_with(&s.metric)),
            "the parser dropped `{line}`"
        );
    }
    parsed.samples
}

fn value(samples: &[Sample], metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(_) | Value::Summary(_) => f64::NAN,
        })
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_counters_move_with_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.metrics_token = Some(TOKEN.into());
    let app = TestApp::start(cfg).await.unwrap();
    let http = reqwest::Client::new();

    let healthz = [("route", "/healthz"), ("status", "200"), ("method", "GET")];
    let before = scrape(&app).await;
    let start = value(&before, "homelab_http_requests_total", &healthz).unwrap_or(0.0);
    for _ in 0..3 {
        assert_eq!(
            http.get(app.url("/healthz")).send().await.unwrap().status(),
            200
        );
    }
    // A page with path parameters, and a URL no route matches.
    http.get(app.url("/services/media/jellyfin"))
        .send()
        .await
        .unwrap();
    http.get(app.url("/no/such/page-123")).send().await.unwrap();
    let browser = Browser::new(&app);
    let signed_in = browser
        .post_form("/auth/dev", &[("role", "admin"), ("next", "/")])
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);

    let after = scrape(&app).await;
    assert_eq!(
        value(&after, "homelab_http_requests_total", &healthz),
        Some(start + 3.0)
    );
    assert!(
        after
            .iter()
            .any(|s| s.metric == "homelab_http_request_duration_seconds"
                && s.labels.get("route") == Some("/healthz")
                && matches!(&s.value, Value::Histogram(b) if !b.is_empty())),
        "a latency histogram for /healthz"
    );
    let routes: Vec<&str> = after.iter().filter_map(|s| s.labels.get("route")).collect();
    assert!(
        routes
            .iter()
            .all(|r| !r.contains("jellyfin") && !r.contains("page-123")),
        "routes are patterns, never raw URLs: {routes:?}"
    );
    assert!(routes.contains(&"unmatched"), "{routes:?}");
    assert_eq!(
        value(
            &after,
            "homelab_sign_ins_total",
            &[("method", "dev"), ("result", "success")]
        ),
        Some(1.0)
    );
    // The demo caches are all live; every cached kind reports its state.
    assert_eq!(
        value(
            &after,
            "homelab_watch_cache_state",
            &[("resource", "deployments.apps"), ("state", "live")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &after,
            "homelab_watch_cache_state",
            &[("resource", "nodes.longhorn.io"), ("state", "syncing")]
        ),
        Some(0.0)
    );
    assert!(
        value(
            &after,
            "homelab_watch_cache_objects",
            &[("resource", "nodes")]
        )
        .is_some_and(|n| n >= 4.0),
        "the demo homelab has four nodes"
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_are_refused_without_the_token_and_the_token_opens_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.metrics_token = Some(TOKEN.into());
    let app = TestApp::start(cfg).await.unwrap();
    let http = reqwest::Client::new();

    let none = http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(none.status(), 401, "no sign-in redirect for a scraper");
    let wrong = http
        .get(app.url("/metrics"))
        .bearer_auth("prometheus-scrape-tokem")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let elsewhere = http
        .get(app.url("/api/v1/status"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        elsewhere.status(),
        401,
        "the metrics token opens /metrics only"
    );

    // Family members are signed in but not admins.
    let family = Browser::new(&app);
    family
        .post_form("/auth/dev", &[("role", "viewer"), ("next", "/")])
        .await;
    assert_eq!(family.get("/metrics").await.status(), 403);
    let admin = Browser::new(&app);
    admin
        .post_form("/auth/dev", &[("role", "admin"), ("next", "/")])
        .await;
    assert_eq!(admin.get("/metrics").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn without_a_configured_metrics_token_a_bearer_header_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.public_status = true;
    let app = TestApp::start(cfg).await.unwrap();
    let response = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth("")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "never public, not even with public_status"
    );
    app.stop().await;
}
