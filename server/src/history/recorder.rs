//! The task that feeds the status history from the published views: on every publication
//! (coalesced) and once a minute, so time in an unchanged status is added up too.

use std::sync::Arc;
use std::time::Duration;

use frontend::model::ServiceStatus;
use jiff::Timestamp;

use super::StatusHistory;
use crate::cluster::published::Views;
use crate::cluster::ClusterView;

/// Changes closer together than this are recorded as one.
const COALESCE: Duration = Duration::from_secs(1);
/// How often time in unchanged statuses is written; a crash loses at most this much.
const FLUSH_EVERY: Duration = Duration::from_secs(60);

/// What to record now: None until the caches have synced (a half-filled cache would show every
/// service down); every service Unknown while the cluster cannot be seen.
pub fn observed(views: &Views) -> Option<Vec<(String, ServiceStatus)>> {
    if !views.synced {
        return None;
    }
    let stale = views.freshness.stale_since.is_some();
    let seen = views
        .services
        .iter()
        .map(|s| {
            let status = if stale {
                ServiceStatus::Unknown
            } else {
                s.status
            };
            (s.id.clone(), status)
        })
        .collect();
    Some(seen)
}

pub fn spawn(history: Arc<StatusHistory>, view: Arc<ClusterView>) {
    tokio::spawn(async move {
        let mut changes = view.publisher().subscribe();
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let flush = tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    tokio::time::sleep(COALESCE).await;
                    changes.mark_unchanged();
                    false
                }
                _ = tick.tick() => true,
            };
            let Some(seen) = observed(&view.views()) else {
                continue;
            };
            if let Err(e) = history.observe(Timestamp::now(), &seen, flush).await {
                tracing::warn!(error = %e, "recording service status history failed");
            }
        }
    });
}
