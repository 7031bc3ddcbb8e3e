//! Notifications: people are told when a service goes down or comes back, a node goes
//! NotReady, a volume is Released or faulted, or a backup fails or goes stale, before they ask.
//!
//! - [`watch`]: what is seen in the published views (pure).
//! - [`debounce`]: what has held long enough to be news, against what was announced (pure).
//! - [`message`]: the words, one message per audience for a group of changes (pure).
//! - [`store`]: the announced states and the deliveries, in SQLite.
//! - [`deliver`]: sending with retries.
//!
//! Delivered and given-up messages are kept for 90 days, then deleted.
//!
//! A change is announced once: its new state is stored in the transaction that queues its
//! messages, and a restart resumes from what was stored. Delivery is at least once: a crash
//! between a target's answer and the write of "delivered" sends that message again.

pub mod debounce;
pub mod deliver;
pub mod message;
pub mod store;
pub mod watch;

use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::Notify;

use crate::cluster::ClusterView;
use crate::config::NotifyConfig;
use crate::db::DbError;
use crate::metrics::Metrics;
use debounce::{Announced, Change, Tracker};
use frontend::model::notify::{NotificationsView, TargetRow};
use frontend::model::Audience;
use store::Queued;

/// How often the views are looked at: debounce times are counted in whole seconds.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Deliveries shown on the Notifications page.
const RECENT: i64 = 50;
/// Ended deliveries are kept this long, then deleted (checked hourly).
const KEEP_SECS: i64 = 90 * 86_400;
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Why a notification request was refused.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("target: no target is named `{0}`")]
    NoSuchTarget(String),
    #[error("the demo sends no notifications")]
    Demo,
    #[error(transparent)]
    Db(#[from] DbError),
}

pub struct Notifier {
    pool: SqlitePool,
    config: NotifyConfig,
    public_url: String,
    metrics: Arc<Metrics>,
    demo: bool,
    /// Maintenance windows keep their services quiet.
    notices: Arc<crate::notices::Notices>,
    http: reqwest::Client,
    /// Rung when a delivery is queued, so it goes out without waiting for the next pass.
    wake: Notify,
}

impl Notifier {
    pub fn new(
        pool: SqlitePool,
        config: NotifyConfig,
        public_url: String,
        metrics: Arc<Metrics>,
        demo: bool,
        notices: Arc<crate::notices::Notices>,
    ) -> reqwest::Result<Arc<Self>> {
        Ok(Arc::new(Notifier {
            pool,
            config,
            public_url,
            metrics,
            demo,
            notices,
            http: deliver::client()?,
            wake: Notify::new(),
        }))
    }

    /// Starts watching the views and sending; the demo does neither (nothing in it changes, and
    /// it shows the deliveries its past recorded).
    pub async fn start(self: &Arc<Self>, view: Arc<ClusterView>) -> Result<(), DbError> {
        if self.demo {
            return Ok(());
        }
        let tracker = Tracker::resume(store::load(&self.pool).await?);
        let watcher = self.clone();
        tokio::spawn(async move { watcher.watch(view, tracker).await });
        let sender = self.clone();
        tokio::spawn(async move {
            let mut pruned = tokio::time::Instant::now();
            loop {
                if let Err(e) = deliver::pass(&sender).await {
                    tracing::warn!(error = %e, "sending notifications failed");
                }
                if pruned.elapsed() >= PRUNE_EVERY {
                    pruned = tokio::time::Instant::now();
                    let before = jiff::Timestamp::now().as_second() - KEEP_SECS;
                    match store::prune(&sender.pool, before).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(deleted = n, "old notification deliveries pruned"),
                        Err(e) => {
                            tracing::warn!(error = %e, "pruning notification deliveries failed")
                        }
                    }
                }
                let _ = tokio::time::timeout(LOOK_EVERY, sender.wake.notified()).await;
            }
        });
        Ok(())
    }

    async fn watch(self: Arc<Self>, view: Arc<ClusterView>, mut tracker: Tracker) {
        let debounce = i64::from(self.config.debounce_secs);
        let group = i64::from(self.config.group_secs);
        let mut ticks = tokio::time::interval(LOOK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Changes due but not yet sent, and when the first of them became due.
        let mut held: Vec<Change> = Vec::new();
        let mut held_since = 0;
        loop {
            ticks.tick().await;
            let now = jiff::Timestamp::now().as_second();
            let views = view.views();
            let seen = watch::seen(
                views.synced,
                views.freshness.stale_since.is_some(),
                &views.services,
                &views.health,
            );
            if let Some(seen) = seen {
                let quiet = |key: &str| {
                    key.strip_prefix("service:")
                        .is_some_and(|id| self.notices.in_maintenance(id, now))
                };
                let outcome = tracker.observe(now, &seen, debounce, quiet);
                if !outcome.baseline.is_empty() || !outcome.forget.is_empty() {
                    if let Err(e) =
                        store::commit(&self.pool, now, &outcome.baseline, &outcome.forget, &[])
                            .await
                    {
                        tracing::warn!(error = %e, "storing what notifications start from failed");
                    }
                }
                if held.is_empty() && !outcome.changes.is_empty() {
                    held_since = now;
                }
                hold(&mut held, outcome.changes);
            }
            if !held.is_empty() && now - held_since >= group {
                let changes = std::mem::take(&mut held);
                if let Err(e) = self.queue(now, &changes).await {
                    tracing::warn!(error = %e, "queueing notifications failed");
                }
            }
        }
    }

    /// Queues the messages about `changes` for every target, and stores their new states.
    async fn queue(&self, now: i64, changes: &[Change]) -> Result<(), DbError> {
        let family = message::compose(Audience::Family, changes, &self.public_url);
        let admin = message::compose(Audience::Admin, changes, &self.public_url);
        let queued: Vec<Queued> = self
            .config
            .targets
            .iter()
            .filter_map(|t| {
                let m = match t.audience {
                    Audience::Family => family.as_ref(),
                    Audience::Admin => admin.as_ref(),
                }?;
                Some(Queued {
                    target: &t.name,
                    kind: "change",
                    message: m,
                })
            })
            .collect();
        let states: Vec<Announced> = changes
            .iter()
            .map(|c| Announced {
                seen: c.to.clone(),
                since: now,
            })
            .collect();
        store::commit(&self.pool, now, &states, &[], &queued).await?;
        tracing::info!(
            changes = changes.len(),
            messages = queued.len(),
            "notifications queued"
        );
        self.wake.notify_one();
        Ok(())
    }

    /// "Send test": queues a test message for target `name`.
    pub async fn send_test(&self, name: &str) -> Result<(), NotifyError> {
        if self.demo {
            return Err(NotifyError::Demo);
        }
        let target = self
            .config
            .targets
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| NotifyError::NoSuchTarget(name.to_owned()))?;
        let now = jiff::Timestamp::now().as_second();
        let m = message::test(&target.name, &self.public_url);
        let queued = [Queued {
            target: &target.name,
            kind: "test",
            message: &m,
        }];
        store::commit(&self.pool, now, &[], &[], &queued).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// What the Notifications page shows.
    pub async fn view(
        &self,
        now: i64,
        tested: Option<String>,
    ) -> Result<NotificationsView, DbError> {
        let targets = self
            .config
            .targets
            .iter()
            .map(|t| TargetRow {
                name: t.name.clone(),
                kind: t.kind.as_str().into(),
                audience: t.audience,
                host: url::Url::parse(&t.url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default(),
            })
            .collect();
        Ok(NotificationsView {
            now,
            targets,
            deliveries: store::recent(&self.pool, RECENT).await?,
            announced: store::announced_problems(&self.pool).await?,
            debounce_secs: self.config.debounce_secs,
            group_secs: self.config.group_secs,
            demo: self.demo,
            tested,
        })
    }
}

/// Adds newly due changes to those held: a subject already held keeps its first `from` and
/// takes the new `to`, and one that is back where it was is dropped (nothing to tell).
fn hold(held: &mut Vec<Change>, new: Vec<Change>) {
    for c in new {
        match held.iter().position(|h| h.key() == c.key()) {
            Some(i) => {
                held[i].to = c.to;
                if held[i].from.state == held[i].to.state {
                    held.remove(i);
                }
            }
            None => held.push(c),
        }
    }
}
