//! Notices and maintenance windows: what admins post for the Status page. They are kept in
//! memory (a page view reads no database) and reread after every write; a task watches the
//! clock, so pages cached before a window began or ended are made again when it does.
//!
//! - [`store`]: their SQL.
//! - [`form`]: the posted form, checked field by field (pure).

pub mod form;
pub mod store;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::SqlitePool;

use crate::db::DbError;
use frontend::model::notices::Notice;
use frontend::source::NoticeSource;

/// Ended notices stay on the admins' page this long.
pub const KEEP_ENDED_SECS: i64 = 7 * 86_400;

pub struct Notices {
    pool: SqlitePool,
    /// Notices ending after the last reread, soonest start first.
    list: RwLock<Vec<Notice>>,
    /// Changes when what pages show of notices does: a write, a window beginning or ending.
    version: AtomicU64,
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl Notices {
    pub async fn open(pool: SqlitePool) -> Result<Arc<Self>, DbError> {
        let notices = Arc::new(Notices {
            pool,
            list: RwLock::new(Vec::new()),
            version: AtomicU64::new(0),
        });
        notices.reread().await?;
        Ok(notices)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Reads the notices again (after a write).
    pub async fn reread(&self) -> Result<(), DbError> {
        let list = store::ending_after(&self.pool, now() - KEEP_ENDED_SECS).await?;
        *self.list.write().unwrap_or_else(|e| e.into_inner()) = list;
        self.version.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Every notice kept: current, coming and recently ended.
    pub fn all(&self) -> Vec<Notice> {
        self.list.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether a maintenance notice about service `id` holds at `at`.
    pub fn in_maintenance(&self, id: &str, at: i64) -> bool {
        self.list
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|n| n.maintenance && n.holds_at(at) && n.about(id))
    }

    /// Watches the clock: when a notice begins or ends, pages showing notices are made again.
    pub fn spawn_clock(self: &Arc<Self>) {
        let notices = self.clone();
        tokio::spawn(async move {
            let mut holding: Vec<i64> = Vec::new();
            loop {
                let at = now();
                let now_holding: Vec<i64> = notices
                    .all()
                    .iter()
                    .filter(|n| n.holds_at(at) || n.starts_at > at)
                    .map(|n| n.id * 2 + i64::from(n.holds_at(at)))
                    .collect();
                if now_holding != holding {
                    holding = now_holding;
                    notices.version.fetch_add(1, Ordering::Release);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

impl NoticeSource for Notices {
    fn current(&self) -> Vec<Notice> {
        let at = now();
        self.all().into_iter().filter(|n| n.ends_at > at).collect()
    }

    fn now(&self) -> i64 {
        now()
    }
}
