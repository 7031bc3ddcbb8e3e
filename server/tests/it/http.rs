//! What the HTTP layer promises, each seen from outside: exit code 2 naming a bad key, HSTS over
//! https, JSON log lines, brotli, the immutable cache of hashed assets, 413 for a body over the
//! limit and 408 for a request slower than the timeout.

use std::time::Duration;

use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, STRICT_TRANSPORT_SECURITY,
};
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::support::{config, Browser, ServerProcess, TestApp};

#[tokio::test]
async fn a_bad_configuration_stops_the_server_with_exit_code_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("homelab.toml");
    std::fs::write(&file, "[server]\nrequest_timeout_secs = 0\n").unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_homelab"))
        .args(["serve", "--config"])
        .arg(&file)
        .env_remove("HOMELAB_CONFIG")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("server.request_timeout_secs") && stderr.contains("at least 1"),
        "{stderr}"
    );
}

#[tokio::test]
async fn over_https_responses_carry_hsts_and_log_lines_are_json_objects() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(
        dir.path(),
        &[
            ("HOMELAB_SERVER__JSON_LOGS", "true"),
            ("HOMELAB_LOG", "info"),
            // The URL people use; TLS ends in front of the server (the Gateway).
            ("HOMELAB_SERVER__PUBLIC_URL", "https://homelab.example.net"),
        ],
    )
    .await;
    let response = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    let hsts = response
        .headers()
        .get(STRICT_TRANSPORT_SECURITY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(hsts.contains("max-age="), "{hsts:?}");

    server.terminate();
    let stdout = server.child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = 0;
    while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
    {
        let entry: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}"));
        for key in ["timestamp", "level", "target", "fields"] {
            assert!(entry.get(key).is_some(), "no {key} in {line}");
        }
        seen += 1;
    }
    assert!(seen >= 2, "the serving and stopped lines at least: {seen}");
    let status = server.child.wait().await.unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn pages_are_compressed_and_hashed_assets_are_served_precompressed_and_cached_for_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/homelab.0123abcd.css"), "body { margin: 0 }").unwrap();
    // What `cargo leptos build --release --precompress` puts beside each file (stand-ins here:
    // the server sends the files as they are, never compressing an asset itself).
    std::fs::write(site.join("pkg/homelab.0123abcd.css.br"), "brotli bytes").unwrap();
    std::fs::write(site.join("pkg/homelab.0123abcd.css.gz"), "gzip bytes").unwrap();
    let mut cfg = config(&dir.path().join("data"));
    cfg.server.site_root = site;
    let app = TestApp::start(cfg).await.unwrap();
    let browser = Browser::new(&app);
    browser
        .post_form("/auth/dev", &[("role", "admin"), ("next", "/")])
        .await;
    let page = browser
        .http
        .get(app.url("/topology"))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()
            .get(CONTENT_ENCODING)
            .unwrap()
            .to_str()
            .unwrap(),
        "br"
    );
    assert_eq!(
        page.headers().get(CACHE_CONTROL).unwrap().to_str().unwrap(),
        "no-store"
    );
    let asset = browser.get("/pkg/homelab.0123abcd.css").await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(
        asset
            .headers()
            .get(CACHE_CONTROL)
            .unwrap()
            .to_str()
            .unwrap(),
        "public, max-age=31536000, immutable"
    );
    for (encoding, body) in [("br", "brotli bytes"), ("gzip", "gzip bytes")] {
        let asset = browser
            .http
            .get(app.url("/pkg/homelab.0123abcd.css"))
            .header(ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(asset.headers()[CONTENT_ENCODING], encoding);
        assert_eq!(
            asset.headers()[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            asset.text().await.unwrap(),
            body,
            "the {encoding} file as it is"
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_a_request_slower_than_the_timeout_is_408() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.server.body_limit_bytes = 4096;
    cfg.server.request_timeout_secs = 1;
    let app = TestApp::start(cfg).await.unwrap();
    let admin = Browser::new(&app);
    admin
        .post_form("/auth/dev", &[("role", "admin"), ("next", "/")])
        .await;
    let csrf = admin.csrf("/aars/new").await;
    let big = "x".repeat(10_000);
    let refused = admin
        .post_form("/aars/new", &[("csrf", &csrf), ("summary", &big)])
        .await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A post that promises 100 bytes and sends 10: the server gives up after the timeout.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let session = admin.session().unwrap();
    let head = format!(
        "POST /aars/new HTTP/1.1\r\nHost: {addr}\r\nOrigin: {}\r\nCookie: homelab_session={session}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncsrf=abcde",
        app.base
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn readyz_stays_503_while_the_cluster_was_never_reached() {
    let port = crate::support::free_port();
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: x\ncontexts:\n- name: c\n  context:\n    cluster: gone\n    user: u\ncurrent-context: c\n"
    );
    let (app, _oidc, _dir) = crate::support::start_with_kubeconfig(&kubeconfig, |_| {}).await;
    // Long enough for every watch to have failed at least once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["cluster_cache_synced"], false, "{body}");
    assert_eq!(body["database"], true, "{body}");
    app.stop().await;
}
