//! The SQLite database: one pool for the whole process, WAL mode, foreign keys on, and the
//! migrations in `migrations/` applied at start. SQL lives in one module per aggregate
//! ([`aar`]: after-action reviews); [`backup`] holds the online copy and the integrity checks of
//! `homelab db`.

pub mod aar;
pub mod backup;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no database at {path}")]
    Missing { path: String },
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("{path} already exists: a backup never overwrites a file; choose a new name")]
    BackupExists { path: String },
    #[error("the backup path {path} is not valid UTF-8")]
    BackupPath { path: String },
    #[error("the backup to {path} failed: {source}")]
    Backup {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database error")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The thing asked for does not exist (the message names it).
    #[error("{0}")]
    NotFound(String),
    /// A save based on an older version than the stored one: refused, nothing written.
    #[error("this AAR was saved by {by} at {at} (version {current}) after the version you edited (version {based_on}); your changes were not saved")]
    Stale {
        based_on: i64,
        current: i64,
        by: String,
        at: String,
    },
    /// A second AAR with the same title and incident date (the key imports match on).
    #[error("an AAR titled \"{title}\" on {date} exists already")]
    Duplicate { title: String, date: String },
    /// A stored JSON document that no longer reads as the current types.
    #[error("stored data cannot be read: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// Opens (creating when missing) `homelab.db` in `data_dir` and brings its schema up to date.
#[tracing::instrument(skip_all, fields(data_dir = %data_dir.display()))]
pub async fn open(data_dir: &Path) -> Result<SqlitePool, DbError> {
    std::fs::create_dir_all(data_dir).map_err(|source| DbError::DataDir {
        path: data_dir.display().to_string(),
        source,
    })?;
    let url = format!("sqlite://{}", backup::database_path(data_dir).display());
    let options = SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!("../migrations").run(&pool).await?;
    Ok(pool)
}

/// Answers whether the database takes a query; `/readyz` uses it.
pub async fn ping(pool: &SqlitePool) -> bool {
    sqlx::query_scalar::<_, i64>("select 1")
        .fetch_one(pool)
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_creates_the_file_and_applies_migrations_once() {
        let dir = tempfile::tempdir().unwrap();
        let pool = open(dir.path()).await.unwrap();
        assert!(dir.path().join("homelab.db").is_file());
        assert!(ping(&pool).await);
        pool.close().await;
        // A second start finds the schema current and changes nothing.
        let pool = open(dir.path()).await.unwrap();
        let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(applied >= 1);
    }
}
