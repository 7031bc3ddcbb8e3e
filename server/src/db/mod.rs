//! The SQLite database: one pool for the whole process, WAL mode, foreign keys on, and the
//! migrations in `migrations/` applied at start. SQL lives in one module per aggregate
//! ([`aar`]: after-action reviews, a directory with one file per concern: the stored version,
//! edits, reads, search, import); [`backup`] holds the online copy and the integrity checks of
//! `homelab db`.

pub mod aar;
pub mod backup;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
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
    /// A migration failed; the database was put back as it was before the first new one.
    #[error("migration {version} ({description}) failed: {source}; the database was left as it was before (a copy is kept at {copy})")]
    MigrationFailed {
        version: i64,
        description: String,
        copy: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
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

/// The migrations of `migrations/`, compiled in.
static MIGRATIONS: Migrator = sqlx::migrate!("../migrations");

/// Opens (creating when missing) `homelab.db` in `data_dir` and brings its schema up to date.
pub async fn open(data_dir: &Path) -> Result<SqlitePool, DbError> {
    open_with(data_dir, &MIGRATIONS).await
}

/// [`open`] with other migrations (tests add a failing one). Before an existing database gets a
/// migration it has not had, a copy is written beside it (`homelab.db.before-<version>`, named in
/// the log); when a migration fails, that copy is put back, so the database is exactly as it was
/// (sqlx commits each migration on its own, so without this the ones before the failing one
/// would stay applied).
#[tracing::instrument(skip_all, fields(data_dir = %data_dir.display()))]
pub async fn open_with(data_dir: &Path, migrator: &Migrator) -> Result<SqlitePool, DbError> {
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
    let Some(first) = first_pending(&pool, migrator).await? else {
        return Ok(pool);
    };
    let database = backup::database_path(data_dir);
    let copy = data_dir.join(format!("homelab.db.before-{}", first.version));
    let fresh = !has_schema(&pool).await?;
    if !fresh {
        if copy.exists() {
            // From an earlier attempt at the same upgrade: it holds the database before it.
            tracing::warn!(copy = %copy.display(), "a copy from before this upgrade exists; kept");
        } else {
            backup::backup(&database, &copy).await?;
        }
        tracing::warn!(
            copy = %copy.display(), version = first.version, migration = %first.description,
            "new migrations to apply: the database was copied first"
        );
    }
    if let Err(source) = migrator.run(&pool).await {
        pool.close().await;
        let failed = failed_version(&source).unwrap_or(first.version);
        let description = migrator
            .iter()
            .find(|m| m.version == failed)
            .map(|m| m.description.to_string())
            .unwrap_or_default();
        if !fresh {
            backup::put_in_place(&copy, &database)?;
        }
        tracing::error!(version = failed, error = %source, "migration failed; database put back");
        return Err(DbError::MigrationFailed {
            version: failed,
            description,
            copy: copy.display().to_string(),
            source,
        });
    }
    Ok(pool)
}

/// The first migration of `migrator` the database has not had, if any.
async fn first_pending<'m>(
    pool: &SqlitePool,
    migrator: &'m Migrator,
) -> Result<Option<&'m sqlx::migrate::Migration>, DbError> {
    let applied: Vec<i64> = if has_schema(pool).await? {
        sqlx::query_scalar("select version from _sqlx_migrations where success")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    Ok(migrator.iter().find(|m| !applied.contains(&m.version)))
}

/// Whether the database has had migrations (a new file has not).
async fn has_schema(pool: &SqlitePool) -> Result<bool, DbError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "select count(*) from sqlite_master where type = 'table' and name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?
        > 0)
}

/// The version a migration error names, when it names one.
fn failed_version(error: &sqlx::migrate::MigrateError) -> Option<i64> {
    match error {
        sqlx::migrate::MigrateError::ExecuteMigration(_, version) => Some(*version),
        _ => None,
    }
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

    /// The project's migrations and `extra` ones (file name, SQL) in a directory of their own.
    async fn migrator_with(extra: &[(&str, &str)]) -> (tempfile::TempDir, Migrator) {
        let dir = tempfile::tempdir().unwrap();
        let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        for file in std::fs::read_dir(ours).unwrap() {
            let file = file.unwrap();
            std::fs::copy(file.path(), dir.path().join(file.file_name())).unwrap();
        }
        for (name, sql) in extra {
            std::fs::write(dir.path().join(name), sql).unwrap();
        }
        let migrator = Migrator::new(dir.path()).await.unwrap();
        (dir, migrator)
    }

    async fn tables(pool: &SqlitePool) -> Vec<String> {
        sqlx::query_scalar("select name from sqlite_master where type = 'table' order by name")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_upgrade_copies_the_database_first_and_a_failed_one_leaves_it_as_it_was() {
        let data = tempfile::tempdir().unwrap();
        let pool = open(data.path()).await.unwrap();
        let by = aar::Author::now("alice");
        let content = frontend::model::aar::AarContent {
            title: "Before the upgrade".into(),
            incident_date: "2026-12-01".into(),
            ..Default::default()
        };
        aar::create(&pool, &content, &by).await.unwrap();
        let before = tables(&pool).await;
        pool.close().await;

        // A good migration, then a failing one: both undone, the copy kept and named.
        let (_m, migrator) = migrator_with(&[
            (
                "29990101000000_good.sql",
                "create table t_good (x integer);",
            ),
            (
                "29990102000000_bad.sql",
                "create table t_bad (y integer); insert into nowhere values (1);",
            ),
        ])
        .await;
        let error = open_with(data.path(), &migrator).await.unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("migration 29990102000000 (bad) failed"),
            "{message}"
        );
        assert!(message.contains("left as it was"), "{message}");
        let copy = data.path().join("homelab.db.before-29990101000000");
        assert!(message.contains(&copy.display().to_string()), "{message}");
        assert!(copy.is_file());
        let pool = open(data.path()).await.unwrap();
        assert_eq!(tables(&pool).await, before);
        let titles: Vec<String> = sqlx::query_scalar("select title from aars")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(titles, ["Before the upgrade"]);
        pool.close().await;

        // The good one alone goes through, the copy still beside it.
        let (_m, migrator) = migrator_with(&[(
            "29990101000000_good.sql",
            "create table t_good (x integer);",
        )])
        .await;
        let pool = open_with(data.path(), &migrator).await.unwrap();
        assert!(tables(&pool).await.contains(&"t_good".to_string()));
        assert!(copy.is_file());
    }

    #[tokio::test]
    async fn a_new_database_gets_its_schema_without_a_copy() {
        let data = tempfile::tempdir().unwrap();
        open(data.path()).await.unwrap();
        let files: Vec<String> = std::fs::read_dir(data.path())
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| f.contains("before"))
            .collect();
        assert!(files.is_empty(), "{files:?}");
    }

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
