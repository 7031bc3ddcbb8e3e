//! SIGTERM with browsers watching: the server binary, with 50 live streams open, ends them and
//! exits 0 within 2 s, its database intact. Before, one open tab kept it running until the tab
//! went away, so every rollout ended in SIGKILL.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::ServerProcess;

#[tokio::test]
async fn sigterm_ends_fifty_open_streams_and_exits_at_once_with_the_database_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), &[]).await;
    let base = server.base.clone();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let signed_in = http
        .post(format!("{base}/auth/dev"))
        .header(reqwest::header::ORIGIN, &base)
        .form(&[("role", "viewer"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);

    // Fifty tabs, each with its stream open and its first update read.
    let mut streams = Vec::new();
    for _ in 0..50 {
        let mut response = http
            .get(format!("{base}/api/v1/live"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.chunk().await.unwrap().unwrap();
        streams.push(response);
    }

    let term = Instant::now();
    server.terminate();
    let status = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .expect("the server still runs 10 s after SIGTERM")
        .unwrap();
    let took = term.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(took < Duration::from_secs(2), "exit took {took:?}");
    eprintln!("shutdown measured: 50 streams open, exited 0 after {took:?}");

    // Each stream was ended by the server with its last event, not cut.
    let mut text = String::new();
    while let Some(chunk) = streams[0].chunk().await.unwrap() {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: shutdown"), "{text}");

    let check = tokio::process::Command::new(env!("CARGO_BIN_EXE_homelab"))
        .args(["db", "check", "--data-dir"])
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    assert!(check.status.success(), "{check:?}");
}
