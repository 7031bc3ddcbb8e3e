//! The session store: sessions read from memory, kept in SQLite so they survive a restart.
//!
//! A session with an idle timeout is saved after every request, only to move its expiry on.
//! Those saves stay in memory and reach SQLite at most once per [`PERSIST_EXPIRY_EVERY`]; a save
//! that changes what the session holds (sign-in, refresh, CSRF token) is written through at once.
//! After a restart a session's idle expiry is therefore up to that much earlier than it was.
//! Sign-out deletes from both at once, and an expired session is never answered from memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use tower_sessions::cookie::time::{Duration, OffsetDateTime};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions::SessionStore;
use tower_sessions_sqlx_store::SqliteStore;

/// How far an expiry may move on in memory before it is written to SQLite.
pub const PERSIST_EXPIRY_EVERY: Duration = Duration::minutes(1);

struct Held {
    record: Record,
    /// The expiry SQLite has for it.
    persisted_expiry: OffsetDateTime,
}

/// Memory in front of [`SqliteStore`]; clones share both.
#[derive(Clone)]
pub struct Sessions {
    memory: Arc<RwLock<HashMap<Id, Held>>>,
    sqlite: SqliteStore,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

impl Sessions {
    pub fn new(sqlite: SqliteStore) -> Self {
        Sessions {
            memory: Arc::default(),
            sqlite,
        }
    }

    fn remember(&self, record: &Record, persisted_expiry: OffsetDateTime) {
        self.memory
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                record.id,
                Held {
                    record: record.clone(),
                    persisted_expiry,
                },
            );
    }

    fn forget(&self, id: &Id) {
        self.memory
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Sessions held in memory.
    pub fn in_memory(&self) -> usize {
        self.memory.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // SQLite picks a free id; memory follows it.
        self.sqlite.create(record).await?;
        self.remember(record, record.expiry_date);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let persisted = {
            let memory = self.memory.read().unwrap_or_else(|e| e.into_inner());
            memory.get(&record.id).and_then(|held| {
                let only_expiry_moved = held.record.data == record.data
                    && record.expiry_date - held.persisted_expiry < PERSIST_EXPIRY_EVERY
                    && record.expiry_date >= held.persisted_expiry;
                only_expiry_moved.then_some(held.persisted_expiry)
            })
        };
        match persisted {
            Some(expiry) => self.remember(record, expiry),
            None => {
                self.sqlite.save(record).await?;
                self.remember(record, record.expiry_date);
            }
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let held = {
            let memory = self.memory.read().unwrap_or_else(|e| e.into_inner());
            memory.get(id).map(|h| h.record.clone())
        };
        match held {
            Some(record) if record.expiry_date > OffsetDateTime::now_utc() => Ok(Some(record)),
            Some(_) => {
                self.forget(id);
                Ok(None)
            }
            // Not seen since the start: SQLite has it, or nobody does.
            None => {
                let record = self.sqlite.load(id).await?;
                if let Some(record) = &record {
                    self.remember(record, record.expiry_date);
                }
                Ok(record)
            }
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.forget(id);
        self.sqlite.delete(id).await
    }
}

#[async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = OffsetDateTime::now_utc();
        self.memory
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, held| held.record.expiry_date > now);
        self.sqlite.delete_expired().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Sessions, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        let sqlite = SqliteStore::new(pool);
        (dir, Sessions::new(sqlite.clone()), sqlite)
    }

    fn record(minutes: i64) -> Record {
        Record {
            id: Id::default(),
            data: HashMap::from([("user".to_owned(), serde_json::json!("ann"))]),
            expiry_date: OffsetDateTime::now_utc() + Duration::minutes(minutes),
        }
    }

    #[tokio::test]
    async fn an_expiry_that_only_moved_stays_in_memory_and_a_changed_session_is_written_through() {
        let (_dir, sessions, sqlite) = store().await;
        let mut r = record(60);
        sessions.create(&mut r).await.unwrap();
        let written = sqlite.load(&r.id).await.unwrap().unwrap().expiry_date;

        // The next request only moves the expiry on: memory has it, SQLite not yet.
        let mut moved = r.clone();
        moved.expiry_date += Duration::seconds(20);
        sessions.save(&moved).await.unwrap();
        assert_eq!(
            sessions.load(&r.id).await.unwrap().unwrap().expiry_date,
            moved.expiry_date
        );
        assert_eq!(
            sqlite.load(&r.id).await.unwrap().unwrap().expiry_date,
            written
        );

        // Past a minute of movement, SQLite gets it.
        let mut later = moved.clone();
        later.expiry_date = r.expiry_date + Duration::seconds(61);
        sessions.save(&later).await.unwrap();
        assert_eq!(
            sqlite.load(&r.id).await.unwrap().unwrap().expiry_date,
            later.expiry_date
        );

        // What the session holds changes: written through at once.
        let mut changed = later.clone();
        changed.data.insert("csrf".into(), serde_json::json!("t"));
        sessions.save(&changed).await.unwrap();
        assert_eq!(
            sqlite.load(&r.id).await.unwrap().unwrap().data,
            changed.data
        );
    }

    #[tokio::test]
    async fn sign_out_and_expiry_take_effect_at_once_and_a_restart_reads_sqlite() {
        let (_dir, sessions, sqlite) = store().await;
        let mut kept = record(60);
        sessions.create(&mut kept).await.unwrap();
        let mut gone = record(60);
        sessions.create(&mut gone).await.unwrap();
        sessions.delete(&gone.id).await.unwrap();
        assert!(sessions.load(&gone.id).await.unwrap().is_none());
        assert!(sqlite.load(&gone.id).await.unwrap().is_none());

        let mut expired = kept.clone();
        expired.expiry_date = OffsetDateTime::now_utc() - Duration::seconds(1);
        sessions.save(&expired).await.unwrap();
        assert!(sessions.load(&kept.id).await.unwrap().is_none());
        assert_eq!(sessions.in_memory(), 0);

        // A new process: nothing in memory, the session comes from SQLite.
        let mut again = record(60);
        sessions.create(&mut again).await.unwrap();
        let restarted = Sessions::new(sqlite.clone());
        assert_eq!(
            restarted.load(&again.id).await.unwrap().unwrap().data,
            again.data
        );
        assert_eq!(restarted.in_memory(), 1);
        restarted.delete_expired().await.unwrap();
        assert_eq!(restarted.in_memory(), 1);
    }
}
