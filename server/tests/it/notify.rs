//! Notifications against real parts: the running test cluster's changes, sent to a real HTTP
//! receiver on 127.0.0.1 (standing in for ntfy and a webhook), with the server restarted in
//! between; and deliveries that fail, retried, counted and shown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use frontend::model::Audience;
use homelab::config::{Config, TargetConfig, TargetKind};

use crate::actions::preview_and_run;
use crate::running::{metric, running, scenario_with, set_cordon, until, until_page};
use crate::support::{start_as_shipped_service_account_with, Browser, TestApp};

/// One request the receiver took.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) title: Option<String>,
    pub(crate) authorization: Option<String>,
    pub(crate) body: String,
    pub(crate) at: Instant,
}

#[derive(Default)]
struct Inbox {
    received: Mutex<Vec<Received>>,
    /// Requests still to be answered 500.
    fail: AtomicUsize,
}

/// A real HTTP server taking POSTs on any path, answering 500 to the first `fail` of them.
pub(crate) struct Receiver {
    base: String,
    inbox: Arc<Inbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub(crate) async fn start(fail: usize) -> Receiver {
        async fn take(
            State(inbox): State<Arc<Inbox>>,
            Path(path): Path<String>,
            headers: HeaderMap,
            body: String,
        ) -> StatusCode {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            inbox.received.lock().unwrap().push(Received {
                path: format!("/{path}"),
                title: header("title"),
                authorization: header("authorization"),
                body,
                at: Instant::now(),
            });
            let failing = inbox
                .fail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            }
        }
        let inbox = Arc::new(Inbox::default());
        inbox.fail.store(fail, Ordering::SeqCst);
        let app = axum::Router::new()
            .route("/{*path}", post(take))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { base, inbox, task }
    }

    pub(crate) fn at(&self, path: &str) -> Vec<Received> {
        self.inbox
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn target(name: &str, kind: TargetKind, url: String, audience: Audience) -> TargetConfig {
    TargetConfig {
        name: name.into(),
        kind,
        url,
        token: Some(format!("token-of-{name}")),
        audience,
    }
}

const DEBOUNCE: u32 = 3;

pub(crate) fn notify_to(config: &mut Config, receiver: &Receiver) {
    config.notify.debounce_secs = DEBOUNCE;
    config.notify.group_secs = 1;
    config.notify.retry_secs = 1;
    config.notify.targets = vec![
        target(
            "family",
            TargetKind::Ntfy,
            format!("{}/family", receiver.base),
            Audience::Family,
        ),
        target(
            "admins",
            TargetKind::Webhook,
            format!("{}/admins", receiver.base),
            Audience::Admin,
        ),
    ];
}

/// The admins' webhook bodies about `service`, as JSON.
fn admin_about(receiver: &Receiver, service: &str) -> Vec<serde_json::Value> {
    receiver
        .at("/admins")
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.body).unwrap())
        .filter(|body| {
            body["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["key"] == format!("service:{service}"))
        })
        .collect()
}

/// The announced state of `key` as stored, if any.
async fn stored_state(app: &TestApp, key: &str) -> Option<String> {
    sqlx::query_scalar("select state from notify_state where key = ?")
        .bind(key)
        .fetch_optional(&app.state.db)
        .await
        .unwrap()
}

/// Jellyfin scaled to zero: after the debounce, one plain message to the family's ntfy topic
/// and one to the admins' webhook with the incident page; a restart of the control plane sends
/// neither again; scaled back, both hear it is resolved.
#[tokio::test]
async fn scaling_jellyfin_to_zero_tells_the_family_and_the_admins_once_and_its_return_is_resolved()
{
    let receiver = Receiver::start(0).await;
    let s = scenario_with(|c| notify_to(c, &receiver)).await;
    let cluster = s.cluster;
    running(&s.pods, "jellyfin", 1).await;
    until("Jellyfin's first sight stored as up", || async {
        match stored_state(&s.app, "service:media/jellyfin").await {
            Some(state) if state == "up" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    let scale = "action=scale&kind=Deployment&namespace=media&name=jellyfin&replicas=";
    let scaled = Instant::now();
    assert_eq!(
        preview_and_run(&s.admin, &format!("{scale}0"), "jellyfin").await,
        200
    );
    let family = until("one message on the family's topic", || async {
        match receiver.at("/family").as_slice() {
            [one] => Ok(one.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(family.body, "Jellyfin is switched off for now.");
    assert_eq!(
        family.title.as_deref(),
        Some("Jellyfin is switched off for now")
    );
    assert_eq!(
        family.authorization.as_deref(),
        Some("Bearer token-of-family")
    );
    assert!(
        family.at - scaled >= Duration::from_secs(DEBOUNCE.into()),
        "sent only after the status held for {DEBOUNCE} s"
    );
    let admin = until("one admin message about Jellyfin", || async {
        match admin_about(&receiver, "media/jellyfin").as_slice() {
            [one] => Ok(one.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let change = admin["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "service:media/jellyfin")
        .unwrap()
        .clone();
    assert_eq!(change["from"], "up");
    assert_eq!(change["to"], "scaled_to_zero");
    assert!(
        change["link"]
            .as_str()
            .unwrap()
            .ends_with("/incidents/services/media/jellyfin"),
        "{change}"
    );
    assert!(
        admin["message"]
            .as_str()
            .unwrap()
            .contains("media/jellyfin is Scaled to zero (was Up)"),
        "{admin}"
    );

    // The control plane restarts while Jellyfin is off: nothing is sent again.
    let s = s.restart().await;
    let (admin_browser, pods) = (&s.admin, &s.pods);
    until_page(
        admin_browser,
        "/services/media/jellyfin",
        "Jellyfin scaled to zero after the restart",
        |h| h.contains("Scaled to zero"),
    )
    .await;
    tokio::time::sleep(Duration::from_secs((DEBOUNCE + 3).into())).await;
    assert_eq!(
        receiver.at("/family").len(),
        1,
        "the family is not told twice"
    );
    assert_eq!(
        admin_about(&receiver, "media/jellyfin").len(),
        1,
        "nor the admins"
    );

    // Back: k3s1, Jellyfin's GPU node, is cordoned in the demo; let it start there.
    set_cordon(cluster, "k3s1", false).await;
    assert_eq!(
        preview_and_run(admin_browser, &format!("{scale}1"), "jellyfin").await,
        200
    );
    running(pods, "jellyfin", 1).await;
    let back = until("the family hears Jellyfin is back", || async {
        match receiver.at("/family").as_slice() {
            [_, back] => Ok(back.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(back.body, "Jellyfin is back up.");
    let resolved = until("the admins hear it is resolved", || async {
        match admin_about(&receiver, "media/jellyfin").as_slice() {
            [_, resolved] => Ok(resolved.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert!(
        resolved["message"]
            .as_str()
            .unwrap()
            .contains("Resolved: media/jellyfin is Up"),
        "{resolved}"
    );
    let page = admin_browser.text("/notifications").await;
    assert!(page.contains("Jellyfin is back up."), "{page}");
    set_cordon(cluster, "k3s1", true).await;
    s.app.stop().await;
}

/// The test messages a receiver got at `path` (changes are not sent in this test anyway).
fn tests_at(receiver: &Receiver, path: &str) -> usize {
    receiver
        .at(path)
        .iter()
        .filter(|r| r.body.contains(r#""audience":"test""#))
        .count()
}

/// "Send test" to a webhook answering 500 twice: the page shows it retrying with the answer,
/// the third attempt delivers it. To an ntfy topic nobody listens on: given up after
/// `max_attempts`, shown so. `/metrics` counts each attempt; an unknown target is named.
#[tokio::test]
async fn failed_deliveries_are_retried_counted_and_shown_and_a_dead_target_is_given_up() {
    let receiver = Receiver::start(2).await;
    let dead = format!("http://127.0.0.1:{}/topic", crate::support::free_port());
    let flaky = format!("{}/flaky", receiver.base);
    let (app, oidc, _dir) = start_as_shipped_service_account_with(|c| {
        // Changes of the shared cluster (other tests scale and delete) are never due here.
        c.notify.debounce_secs = 86_400;
        c.notify.retry_secs = 1;
        c.notify.max_attempts = 3;
        c.notify.targets = vec![
            target("flaky", TargetKind::Webhook, flaky, Audience::Admin),
            target("dead", TargetKind::Ntfy, dead, Audience::Family),
        ];
    })
    .await;
    let admin = Browser::new(&app);
    admin.sign_in(&oidc, "admin", "/notifications").await;
    let csrf = admin.csrf("/notifications").await;
    let refused = admin
        .post_form(
            "/notifications/test",
            &[("csrf", &csrf), ("target", "nobody")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let text = refused.text().await.unwrap();
    assert!(text.contains("no target is named `nobody`"), "{text}");
    for name in ["flaky", "dead"] {
        let sent = admin
            .post_form("/notifications/test", &[("csrf", &csrf), ("target", name)])
            .await;
        assert_eq!(sent.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(
            crate::support::location(&sent),
            format!("/notifications?tested={name}")
        );
    }

    let page = until_page(&admin, "/notifications", "the flaky target retrying", |h| {
        h.contains(r#"data-state="retrying" data-target="flaky""#)
    })
    .await;
    assert!(
        page.contains("it answered 500 Internal Server Error"),
        "{page}"
    );
    until("the third attempt delivered", || async {
        match tests_at(&receiver, "/flaky") {
            3 => Ok(()),
            n => Err(format!("{n} attempts")),
        }
    })
    .await;
    let page = until_page(&admin, "/notifications", "delivered and given up", |h| {
        h.contains(r#"data-state="delivered" data-target="flaky""#)
            && h.contains(r#"data-state="given up" data-target="dead""#)
    })
    .await;
    assert!(page.contains("connection refused"), "{page}");
    let metrics = admin.text("/metrics").await;
    let attempts = |target: &str, result: &str| {
        metric(
            &metrics,
            &format!(
                r#"homelab_notification_attempts_total{{target="{target}",result="{result}"}}"#
            ),
        )
    };
    assert_eq!(attempts("flaky", "failed"), 2.0);
    assert_eq!(attempts("flaky", "delivered"), 1.0);
    assert_eq!(attempts("dead", "failed"), 3.0);
    assert_eq!(attempts("dead", "given_up"), 1.0);
    assert_eq!(metric(&metrics, "homelab_notifications_waiting"), 0.0);
    assert_eq!(tests_at(&receiver, "/flaky"), 3, "nothing after delivery");
    app.stop().await;
}

/// A maintenance window for Plex: the family's Status page and `/api/v1/status` show the notice
/// and Plex as in maintenance; Plex scaled to zero inside it sends nothing; a form without an
/// end is refused naming the field; ended early, the same state is sent after the debounce.
#[tokio::test]
async fn a_maintenance_window_shows_on_the_status_page_and_keeps_plexs_notifications_quiet() {
    let receiver = Receiver::start(0).await;
    let s = scenario_with(|c| notify_to(c, &receiver)).await;
    let admin = &s.admin;
    running(&s.pods, "plex", 1).await;
    until("Plex's first sight stored as up", || async {
        match stored_state(&s.app, "service:media/plex").await {
            Some(state) if state == "up" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    let csrf = admin.csrf("/notices").await;
    let ends = homelab::aar::window::form_time(jiff::Timestamp::now().as_second() + 3600);
    let text = "Plex moves to the new GPU node tonight";
    let refused = admin
        .post_form(
            "/notices",
            &[
                ("csrf", &csrf),
                ("text", text),
                ("services", "media/plex"),
                ("maintenance", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains(r#"data-field="ends""#) && html.contains("say when it ends"),
        "{html}"
    );
    assert!(html.contains(text), "the form comes back as typed");
    let posted = admin
        .post_form(
            "/notices",
            &[
                ("csrf", &csrf),
                ("text", text),
                ("services", "media/plex"),
                ("ends", &ends),
                ("maintenance", "on"),
            ],
        )
        .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let count: i64 = sqlx::query_scalar("select count(*) from notices")
        .fetch_one(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "the refused form made nothing");

    let family = Browser::new(&s.app);
    family.sign_in(&s.oidc, "family", "/").await;
    let status = family.text("/").await;
    assert!(status.contains(text), "{status}");
    assert!(
        status.contains(r#"data-service="media/plex" data-status="maintenance""#),
        "{status}"
    );
    let api: serde_json::Value = family.get("/api/v1/status").await.json().await.unwrap();
    let plex = api
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "Plex")
        .unwrap();
    assert_eq!(plex["maintenance"], true, "{plex}");
    assert_eq!(plex["notices"][0]["text"], text, "{plex}");

    let scale = "action=scale&kind=Deployment&namespace=media&name=plex&replicas=";
    assert_eq!(
        preview_and_run(admin, &format!("{scale}0"), "plex").await,
        200
    );
    until_page(admin, "/services/media/plex", "Plex scaled to zero", |h| {
        h.contains("Scaled to zero")
    })
    .await;
    tokio::time::sleep(Duration::from_secs((DEBOUNCE + 3).into())).await;
    assert!(
        receiver.at("/family").is_empty(),
        "nothing to the family in the window"
    );
    assert!(
        admin_about(&receiver, "media/plex").is_empty(),
        "nor to the admins"
    );

    // Ended early with Plex still off: now it is news.
    let id: i64 = sqlx::query_scalar("select id from notices")
        .fetch_one(&s.app.state.db)
        .await
        .unwrap();
    let ended = admin
        .post_form(&format!("/notices/{id}/end"), &[("csrf", &csrf)])
        .await;
    assert_eq!(ended.status(), StatusCode::SEE_OTHER);
    let off = until("the family told once the window ended", || async {
        match receiver.at("/family").as_slice() {
            [one] => Ok(one.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(off.body, "Plex is switched off for now.");
    let again = admin
        .post_form(&format!("/notices/{id}/end"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        preview_and_run(admin, &format!("{scale}1"), "plex").await,
        200
    );
    running(&s.pods, "plex", 1).await;
    s.app.stop().await;
}
