//! The task that keeps the evidence: after every change of the watch caches (coalesced), and
//! every [`ALERTS_EVERY`] for the alerts that keep firing, the Warning events, Backups and
//! firing alerts that are new or changed since the last write are written; once an hour, what is
//! older than `evidence.keep_days` is pruned. An event the API server has already
//! forgotten stays in SQLite: that is the point.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;

use super::record::{self, AlertRecord, BackupRecord, EventRecord};
use super::store;
use crate::cluster::ClusterCache;

/// Changes closer together than this are written as one.
const COALESCE: Duration = Duration::from_secs(1);
/// How often old evidence is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// How often an alert that keeps firing has its last time written again: a window that starts
/// later than its first write still finds it.
const ALERTS_EVERY: Duration = Duration::from_secs(60);

/// What was written last, so that an unchanged object is not written again.
#[derive(Default)]
pub struct Written {
    events: HashMap<String, EventRecord>,
    backups: HashMap<(String, String), BackupRecord>,
    alerts: HashMap<String, AlertRecord>,
}

impl Written {
    /// The records of `events` and `backups` that are new or differ from what was written, and
    /// seen at or after `keep_from` (older ones would only be pruned again).
    pub fn changed(
        &mut self,
        events: Vec<EventRecord>,
        backups: Vec<BackupRecord>,
        keep_from: i64,
    ) -> (Vec<EventRecord>, Vec<BackupRecord>) {
        let events: Vec<EventRecord> = events
            .into_iter()
            .filter(|e| e.last_seen >= keep_from)
            .filter(|e| self.events.get(&e.key) != Some(e))
            .collect();
        let backups: Vec<BackupRecord> = backups
            .into_iter()
            .filter(|b| b.completed.or(b.started).unwrap_or(b.seen) >= keep_from)
            .filter(|b| self.backups.get(&(b.namespace.clone(), b.name.clone())) != Some(b))
            .collect();
        (events, backups)
    }

    /// Notes what was written.
    pub fn wrote(&mut self, events: &[EventRecord], backups: &[BackupRecord]) {
        for e in events {
            self.events.insert(e.key.clone(), e.clone());
        }
        for b in backups {
            self.backups
                .insert((b.namespace.clone(), b.name.clone()), b.clone());
        }
    }

    /// The alerts that are new, or changed, or last written [`ALERTS_EVERY`] or more before
    /// they were seen again.
    pub fn changed_alerts(&self, alerts: Vec<AlertRecord>) -> Vec<AlertRecord> {
        let every = ALERTS_EVERY.as_secs() as i64;
        alerts
            .into_iter()
            .filter(
                |a| match self.alerts.get(&super::offer::alert_key(&a.alert)) {
                    None => true,
                    Some(w) => w.alert != a.alert || a.last_seen - w.last_seen >= every,
                },
            )
            .collect()
    }

    /// Notes the alerts written.
    pub fn wrote_alerts(&mut self, alerts: &[AlertRecord]) {
        for a in alerts {
            self.alerts
                .insert(super::offer::alert_key(&a.alert), a.clone());
        }
    }

    /// Forgets what is older than `keep_from`, as the database did.
    pub fn prune(&mut self, keep_from: i64) {
        self.alerts.retain(|_, a| a.last_seen >= keep_from);
        self.events.retain(|_, e| e.last_seen >= keep_from);
        self.backups
            .retain(|_, b| b.completed.or(b.started).unwrap_or(b.seen) >= keep_from);
    }
}

/// The time evidence is judged by: the demo homelab's own moment in demo mode (its events are
/// from then), now otherwise.
fn clock(cache: &ClusterCache) -> i64 {
    if cache.is_demo() {
        crate::cluster::demo::DEMO_NOW
    } else {
        crate::cluster::cache::now()
    }
}

/// Writes what the caches hold now that is new or changed; returns the first problem.
pub async fn record_once(
    pool: &SqlitePool,
    cache: &ClusterCache,
    written: &mut Written,
    keep_days: u32,
) -> Result<(), crate::db::DbError> {
    let now = clock(cache);
    let keep_from = now - i64::from(keep_days) * 86_400;
    let events = cache
        .events
        .state()
        .iter()
        .filter_map(|e| record::event(e))
        .collect();
    let backups = cache
        .backups
        .state()
        .iter()
        .filter_map(|b| record::backup(b, now))
        .collect();
    let (events, backups) = written.changed(events, backups, keep_from);
    if !events.is_empty() {
        store::record_events(pool, &events).await?;
    }
    if !backups.is_empty() {
        store::record_backups(pool, &backups).await?;
    }
    written.wrote(&events, &backups);
    let alerts = written.changed_alerts(
        cache
            .alerts()
            .alerts
            .iter()
            .filter_map(|a| record::alert(a, now))
            .filter(|a| a.last_seen >= keep_from)
            .collect(),
    );
    if !alerts.is_empty() {
        store::record_alerts(pool, &alerts).await?;
    }
    written.wrote_alerts(&alerts);
    Ok(())
}

/// Prunes what was last seen more than `keep_days` ago.
pub async fn prune_once(
    pool: &SqlitePool,
    cache: &ClusterCache,
    written: &mut Written,
    keep_days: u32,
) -> Result<(u64, u64), crate::db::DbError> {
    let keep_from = clock(cache) - i64::from(keep_days) * 86_400;
    written.prune(keep_from);
    store::prune(pool, keep_from).await
}

pub fn spawn(pool: SqlitePool, cache: Arc<ClusterCache>, keep_days: u32) {
    tokio::spawn(async move {
        let mut written = Written::default();
        let mut changes = cache.subscribe();
        let mut prune = tokio::time::interval(PRUNE_EVERY);
        let mut alerts = tokio::time::interval(ALERTS_EVERY);
        alerts.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        // What is there already (the demo homelab is loaded once and never changes).
        if let Err(e) = record_once(&pool, &cache, &mut written, keep_days).await {
            tracing::warn!(error = %e, "recording evidence for AARs failed");
        }
        loop {
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    tokio::time::sleep(COALESCE).await;
                    changes.mark_unchanged();
                    if let Err(e) = record_once(&pool, &cache, &mut written, keep_days).await {
                        tracing::warn!(error = %e, "recording evidence for AARs failed");
                    }
                }
                _ = alerts.tick() => {
                    if let Err(e) = record_once(&pool, &cache, &mut written, keep_days).await {
                        tracing::warn!(error = %e, "recording evidence for AARs failed");
                    }
                }
                _ = prune.tick() => {
                    match prune_once(&pool, &cache, &mut written, keep_days).await {
                        Ok((events, backups)) if events + backups > 0 => {
                            tracing::info!(events, backups, keep_days, "pruned old evidence");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "pruning old evidence failed"),
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: &str, count: i64, last: i64) -> EventRecord {
        EventRecord {
            key: key.into(),
            namespace: "media".into(),
            object_kind: "Pod".into(),
            object_name: "plex-1".into(),
            node: None,
            reason: "BackOff".into(),
            message: "m".into(),
            count,
            first_seen: 0,
            last_seen: last,
        }
    }

    #[test]
    fn a_firing_alert_is_written_when_new_changed_or_a_minute_on() {
        let alert = frontend::model::alerts::Alert {
            fingerprint: "fp".into(),
            name: "PlexDown".into(),
            severity: "critical".into(),
            summary: "s".into(),
            labels: Vec::new(),
            since: Some(100),
            silenced_by: Vec::new(),
            inhibited: false,
        };
        let at = |now: i64| record::alert(&alert, now).unwrap();
        let mut w = Written::default();
        assert_eq!(w.changed_alerts(vec![at(100)]).len(), 1);
        w.wrote_alerts(&[at(100)]);
        assert!(
            w.changed_alerts(vec![at(130)]).is_empty(),
            "seen again within the minute"
        );
        assert_eq!(w.changed_alerts(vec![at(160)]), [at(160)]);
        let silenced = frontend::model::alerts::Alert {
            silenced_by: vec!["s".into()],
            ..alert.clone()
        };
        assert!(
            record::alert(&silenced, 200).is_none(),
            "nobody was told of it"
        );
    }

    #[test]
    fn only_new_changed_and_recent_objects_are_written() {
        let mut w = Written::default();
        let (e, _) = w.changed(vec![event("a", 1, 100), event("old", 1, 5)], vec![], 50);
        assert_eq!(e.len(), 1, "the old one would be pruned at once");
        w.wrote(&e, &[]);
        let (e, _) = w.changed(vec![event("a", 1, 100)], vec![], 50);
        assert!(e.is_empty(), "unchanged");
        let (e, _) = w.changed(vec![event("a", 2, 160)], vec![], 50);
        assert_eq!(e, [event("a", 2, 160)]);
        w.wrote(&e, &[]);
        w.prune(200);
        let (e, _) = w.changed(vec![event("a", 2, 260)], vec![], 200);
        assert_eq!(e.len(), 1);
    }
}
