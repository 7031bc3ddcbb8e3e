//! Service status history: every change of a service's status is recorded in SQLite, and the
//! time in each status is added up per hour (then per day), so the Status page can answer "was
//! Plex up last night?" with a 7-day bar and an uptime percentage.
//!
//! - [`tracker`]: the pure state machine from observations to rows.
//! - [`store`]: its SQL.
//! - [`summary`]: from hourly rows to the bars (pure).
//! - [`recorder`]: the task that feeds it from the watch caches.
//!
//! Pages read the summaries from memory (refreshed after every write), so a page view reads
//! neither the Kubernetes API nor the database.

pub mod recorder;
pub mod store;
pub mod summary;
pub mod tracker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use frontend::model::{ServiceHistory, ServiceStatus};
use frontend::source::HistorySource;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use sqlx::SqlitePool;
use tokio::sync::Mutex;

use crate::db::DbError;
use tracker::Tracker;

/// Compaction of old hourly rows runs at most this often.
const COMPACT_EVERY_SECS: i64 = 3600;

pub struct StatusHistory {
    pool: SqlitePool,
    tz: TimeZone,
    inner: Mutex<Inner>,
    summaries: RwLock<HashMap<String, ServiceHistory>>,
    /// Counts refreshes of `summaries`: pages cached from older ones are old.
    version: AtomicU64,
}

struct Inner {
    tracker: Tracker,
    last_compact: i64,
}

impl StatusHistory {
    /// Loads what the last run recorded and resumes from `now`.
    pub async fn open(pool: SqlitePool, tz: TimeZone, now: Timestamp) -> Result<Self, DbError> {
        let saved = store::load_current(&pool).await?;
        let history = StatusHistory {
            pool,
            tz,
            inner: Mutex::new(Inner {
                tracker: Tracker::resume(saved, now.as_second()),
                last_compact: 0,
            }),
            summaries: RwLock::new(HashMap::new()),
            version: AtomicU64::new(0),
        };
        {
            let inner = history.inner.lock().await;
            history.refresh(&inner.tracker, now).await?;
        }
        Ok(history)
    }

    /// Changes whenever the summaries pages read do.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Records the statuses seen at `now` (see [`Tracker::observe`]); `flush` adds up time in
    /// unchanged statuses too and refreshes today's bars.
    pub async fn observe(
        &self,
        now: Timestamp,
        seen: &[(String, ServiceStatus)],
        flush: bool,
    ) -> Result<(), DbError> {
        let mut inner = self.inner.lock().await;
        let secs = now.as_second();
        let changes = inner.tracker.observe(secs, seen, flush);
        if !changes.is_empty() {
            store::apply(&self.pool, &changes).await?;
        }
        if flush && secs - inner.last_compact >= COMPACT_EVERY_SECS {
            store::compact(&self.pool, secs - store::HOURLY_RETENTION_SECS).await?;
            inner.last_compact = secs;
        }
        if flush || !changes.is_empty() {
            self.refresh(&inner.tracker, now).await?;
        }
        Ok(())
    }

    async fn refresh(&self, tracker: &Tracker, now: Timestamp) -> Result<(), DbError> {
        let from = now.as_second() - (summary::DAYS as i64 + 1) * 86_400;
        let mut hourly = store::hourly_since(&self.pool, from).await?;
        let mut ids: Vec<String> = tracker.all().keys().cloned().collect();
        ids.extend(
            hourly
                .keys()
                .filter(|id| tracker.get(id).is_none())
                .cloned(),
        );
        let summaries: HashMap<String, ServiceHistory> = ids
            .into_iter()
            .map(|id| {
                let rows = hourly.remove(&id).unwrap_or_default();
                let current = tracker.get(&id);
                let mut h = summary::history(&rows, current.map(|c| c.since), now, &self.tz);
                h.status = current.map(|c| c.status);
                (id, h)
            })
            .collect();
        *self.summaries.write().unwrap_or_else(|e| e.into_inner()) = summaries;
        self.version.fetch_add(1, Ordering::Release);
        Ok(())
    }
}

impl HistorySource for StatusHistory {
    fn history(&self, id: &str) -> Option<ServiceHistory> {
        self.summaries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }
}
