//! `/api/v1/live`: one server-sent-event stream per browser tab, carrying a [`LiveUpdate`] after
//! every change to the watch caches (at most a few per second). Browsers cap connections per
//! host, so every panel of a page shares this one stream.
//!
//! With `public_status`, people who are not signed in get it too, carrying only what the public
//! Status page shows (the family services' status and the data's age), at most one update every
//! [`PUBLIC_EVERY`], and at most `server.public_streams` such streams at once (503 beyond).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use frontend::components::live_region::LivePanel;
use frontend::model::{Audience, BackupProgressUpdate, LiveUpdate, RequestContext, Role};
use frontend::source::ClusterSource;
use futures::Stream;

use crate::cluster::ClusterView;
use crate::state::AppState;

/// Changes closer together than this are sent as one update.
const COALESCE: Duration = Duration::from_millis(250);

/// Public streams send at most one update this often, whatever the cluster does.
const PUBLIC_EVERY: Duration = Duration::from_secs(2);

/// How soon a browser reconnects after the server ended the stream for a shutdown.
const RECONNECT: Duration = Duration::from_secs(1);

/// The update a person with `role` may see.
pub fn update_for(view: &ClusterView, role: Role) -> LiveUpdate {
    let freshness = view.freshness();
    let services = view
        .services()
        .into_iter()
        .filter(|s| role == Role::Admin || s.audience == Audience::Family)
        .map(|s| (s.id, s.status))
        .collect();
    let admin = role == Role::Admin;
    let backups = if admin {
        running_backups(view)
    } else {
        Vec::new()
    };
    let panels = if admin {
        vec![
            panel(&view.backups()),
            panel(&view.storage()),
            panel(&view.gitops()),
            panel(&view.topology()),
        ]
    } else {
        Vec::new()
    };
    LiveUpdate {
        as_of: freshness.as_of,
        stale_since: freshness.stale_since,
        health: admin.then(|| view.health().level),
        services,
        backups,
        panels,
    }
}

fn panel<P: LivePanel>(view: &P) -> (String, u64) {
    (P::KEY.to_string(), view.version())
}

/// Backups Velero has not finished, with their progress (items backed up of total items).
fn running_backups(view: &ClusterView) -> Vec<BackupProgressUpdate> {
    const FINISHED: &[&str] = &[
        "Completed",
        "PartiallyFailed",
        "Failed",
        "FailedValidation",
        "Deleting",
    ];
    view.cache
        .backups
        .state()
        .iter()
        .filter_map(|b| {
            let status = b.status.as_ref()?;
            let phase = status.phase.clone().unwrap_or_else(|| "New".into());
            if FINISHED.contains(&phase.as_str()) {
                return None;
            }
            let progress = status.progress.as_ref();
            Some(BackupProgressUpdate {
                id: format!(
                    "{}/{}",
                    b.metadata.namespace.as_deref().unwrap_or(""),
                    b.metadata.name.as_deref().unwrap_or("")
                ),
                phase,
                done: progress.and_then(|p| p.items_backed_up).unwrap_or(0).max(0) as u64,
                total: progress.and_then(|p| p.total_items).unwrap_or(0).max(0) as u64,
            })
        })
        .collect()
}

pub async fn stream(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
) -> Response {
    // `authorize` only lets signed-in viewers and admins (or anyone, with `public_status`) here.
    let (role, permit, every) = match ctx.viewer {
        Some(viewer) => (viewer.role, None, COALESCE),
        None => match state.public_streams.clone().try_acquire_owned() {
            Ok(permit) => (Role::Viewer, Some(permit), PUBLIC_EVERY),
            Err(_) => {
                let message = "too many live streams without sign-in are open: the page works, \
                               without live updates; reload later or sign in";
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "30")],
                    Json(serde_json::json!({ "error": message })),
                )
                    .into_response();
            }
        },
    };
    let mut changes = state.cluster.cache.subscribe();
    let view = state.cluster.clone();
    let shutdown = state.shutdown.clone();
    let stream = async_stream(move |tx| async move {
        // Held as long as the stream is open.
        let _permit = permit;
        loop {
            let update = update_for(&view, role);
            let data = serde_json::to_string(&update).unwrap_or_default();
            if tx
                .send(Ok(Event::default().event("update").data(data)))
                .await
                .is_err()
            {
                break;
            }
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { break },
                // Gone between changes: end now, and give back a public stream's permit.
                () = tx.closed() => break,
                () = shutdown.begun() => {
                    // The stream ends here, so the server can stop; the browser reconnects
                    // (to the next pod) after the retry time this last event sets.
                    let bye = Event::default().event("shutdown").data("restarting").retry(RECONNECT);
                    let _ = tx.send(Ok(bye)).await;
                    break;
                }
            }
            tokio::time::sleep(every).await;
            changes.mark_unchanged();
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

/// A stream fed by a task through a small channel; the task ends when the client goes away.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<Event, Infallible>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(f(tx));
    tokio_stream_from(rx)
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Event, Infallible>>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{demo, ClusterCache};
    use crate::config::TopologyConfig;

    #[test]
    fn family_members_get_family_services_and_no_health() {
        let cache = ClusterCache::new();
        demo::load(&cache).unwrap();
        let view = ClusterView {
            cache,
            topology: TopologyConfig::default(),
        };
        let family = update_for(&view, Role::Viewer);
        assert!(family.health.is_none());
        assert!(family.services.iter().any(|(id, _)| id == "media/plex"));
        assert!(!family.services.iter().any(|(id, _)| id == "media/sonarr"));
        let admin = update_for(&view, Role::Admin);
        assert!(admin.health.is_some());
        assert!(admin.services.len() > family.services.len());
        assert!(family.backups.is_empty());
        let running = admin
            .backups
            .iter()
            .find(|b| b.id == "velero/hourly-longhorn-20250616180000")
            .expect("the demo's running backup");
        assert_eq!(
            (running.phase.as_str(), running.done, running.total),
            ("InProgress", 412, 1050)
        );
    }
}
