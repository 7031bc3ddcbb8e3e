//! `homelab db backup` and `homelab db check`: an online copy of the database and its integrity
//! checks, safe to run while the server writes.
//!
//! The copy is made with `VACUUM INTO`, which reads the database inside one read transaction: in
//! WAL mode writers go on meanwhile, and the copy holds exactly what was committed when it began
//! (a consistent snapshot, compacted, without a WAL file beside it).

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use super::DbError;

/// What `check` found wrong, one line per problem as SQLite words it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// `PRAGMA integrity_check` lines other than `ok`.
    pub integrity: Vec<String>,
    /// `PRAGMA foreign_key_check` rows: table, rowid, parent table.
    pub foreign_keys: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.integrity.is_empty() && self.foreign_keys.is_empty()
    }
}

/// The database file of a data directory.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("homelab.db")
}

/// Opens an existing database file, never creating one: a typo in a path must not produce an
/// empty database that then "passes" the check.
async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, DbError> {
    if !path.is_file() {
        return Err(DbError::Missing {
            path: path.display().to_string(),
        });
    }
    // No journal mode set: the file keeps its own (WAL for the server's database).
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .map_err(|source| DbError::Open {
            path: path.display().to_string(),
            source,
        })
}

/// Copies the database at `source` to a new file `target`, consistently, while others may write.
/// Refuses to overwrite anything at `target`.
#[tracing::instrument(skip_all, fields(source = %source.display(), target = %target.display()))]
pub async fn backup(source: &Path, target: &Path) -> Result<(), DbError> {
    if target.exists() {
        return Err(DbError::BackupExists {
            path: target.display().to_string(),
        });
    }
    let target_text = target.to_str().ok_or_else(|| DbError::BackupPath {
        path: target.display().to_string(),
    })?;
    let mut conn = connect(source, false).await?;
    sqlx::query("vacuum into ?")
        .bind(target_text)
        .execute(&mut conn)
        .await
        .map_err(|source| DbError::Backup {
            path: target.display().to_string(),
            source,
        })?;
    conn.close().await?;
    Ok(())
}

/// Copies the database at `source` to `target`, replacing what is there only once the new copy
/// is complete and passes the checks: a scheduled copy (Velero's pre-backup hook) at a fixed path,
/// where a failed run leaves the last good copy in place.
#[tracing::instrument(skip_all, fields(source = %source.display(), target = %target.display()))]
pub async fn backup_replacing(source: &Path, target: &Path) -> Result<(), DbError> {
    let mut partial = target.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let io = |source: std::io::Error| DbError::DataDir {
        path: target.display().to_string(),
        source,
    };
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    backup(source, &partial).await?;
    let report = check(&partial).await?;
    if !report.is_ok() {
        let _ = std::fs::remove_file(&partial);
        return Err(DbError::NotFound(format!(
            "the new copy failed its checks, so {} was kept: {}",
            target.display(),
            report.integrity.join("; ")
        )));
    }
    std::fs::rename(&partial, target).map_err(io)
}

/// What [`restore`] did.
#[derive(Debug)]
pub struct Restored {
    /// Where the database it replaced was kept; None when there was none.
    pub previous: Option<PathBuf>,
}

/// Puts the backup at `from` in place of the data directory's database, with the server
/// stopped. The backup must pass the checks and be a homelab database; the database it replaces
/// is kept beside it as `homelab.db.replaced-<unix seconds>` (its WAL checkpointed into it
/// first, so nothing committed is left behind). The server migrates it forward at its next start.
#[tracing::instrument(skip_all, fields(from = %from.display(), data_dir = %data_dir.display()))]
pub async fn restore(from: &Path, data_dir: &Path, now: i64) -> Result<Restored, DbError> {
    let report = check(from).await?;
    if !report.is_ok() {
        return Err(DbError::NotFound(format!(
            "{} failed its checks, so nothing was restored: {}",
            from.display(),
            report
                .integrity
                .iter()
                .chain(&report.foreign_keys)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let mut conn = connect(from, true).await?;
    let tables: i64 = sqlx::query_scalar(
        "select count(*) from sqlite_master where type = 'table' and name in ('_sqlx_migrations', 'aars')",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    if tables != 2 {
        return Err(DbError::NotFound(format!(
            "{} is an SQLite database but not a homelab one (no AARs, no migrations): nothing was restored",
            from.display()
        )));
    }
    let database = database_path(data_dir);
    let io = |source: std::io::Error| DbError::DataDir {
        path: database.display().to_string(),
        source,
    };
    let previous = if database.is_file() {
        let mut conn = connect(&database, false).await?;
        sqlx::query("pragma wal_checkpoint(truncate)")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let kept = data_dir.join(format!("homelab.db.replaced-{now}"));
        std::fs::rename(&database, &kept).map_err(io)?;
        Some(kept)
    } else {
        None
    };
    put_in_place(from, &database)?;
    Ok(Restored { previous })
}

/// Copies `copy` over `database` (through a temporary file, renamed into place), its WAL and
/// shared-memory files removed first so that nothing of the replaced database is replayed. The
/// copy itself is kept. For a restore, and for an upgrade whose migration failed.
pub(super) fn put_in_place(copy: &Path, database: &Path) -> Result<(), DbError> {
    let io = |source: std::io::Error| DbError::DataDir {
        path: database.display().to_string(),
        source,
    };
    for suffix in ["-wal", "-shm"] {
        let mut side = database.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
    }
    let partial = database.with_extension("db.restoring");
    std::fs::copy(copy, &partial).map_err(io)?;
    std::fs::rename(&partial, database).map_err(io)
}

/// Runs SQLite's integrity and foreign key checks on the database at `path`, reading only.
#[tracing::instrument(skip_all, fields(path = %path.display()))]
pub async fn check(path: &Path) -> Result<CheckReport, DbError> {
    let mut conn = connect(path, true).await?;
    // A file that is not a database fails here, as the first read of it.
    let integrity: Vec<String> = sqlx::query_scalar("pragma integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|source| DbError::Open {
            path: path.display().to_string(),
            source,
        })?;
    let integrity = integrity.into_iter().filter(|line| line != "ok").collect();
    let rows: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("select \"table\", rowid, parent from pragma_foreign_key_check")
            .fetch_all(&mut conn)
            .await?;
    let foreign_keys = rows
        .into_iter()
        .map(|(table, rowid, parent)| match rowid {
            Some(id) => format!("{table} row {id} points at a missing row of {parent}"),
            None => format!("{table}: a row points at a missing row of {parent}"),
        })
        .collect();
    conn.close().await?;
    Ok(CheckReport {
        integrity,
        foreign_keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn database(dir: &Path) -> PathBuf {
        let pool = super::super::open(dir).await.unwrap();
        pool.close().await;
        database_path(dir)
    }

    #[tokio::test]
    async fn a_backup_of_a_fresh_database_passes_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path()).await;
        let copy = dir.path().join("copy.db");
        backup(&db, &copy).await.unwrap();
        assert_eq!(check(&copy).await.unwrap(), CheckReport::default());
    }

    #[tokio::test]
    async fn a_replacing_backup_swaps_in_a_checked_copy_and_a_restore_keeps_what_it_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let pool = super::super::open(dir.path()).await.unwrap();
        let by = super::super::aar::Author::now("alice");
        let aar = |title: &str| frontend::model::aar::AarContent {
            title: title.into(),
            incident_date: "2026-12-01".into(),
            ..Default::default()
        };
        super::super::aar::create(&pool, &aar("First"), &by)
            .await
            .unwrap();
        let db = database_path(dir.path());
        let copy = dir.path().join("backup").join("homelab.db");
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::write(&copy, b"an older copy").unwrap();
        backup_replacing(&db, &copy).await.unwrap();
        assert!(check(&copy).await.unwrap().is_ok());
        // Later writes, then the restore of the copy: they are gone, and kept aside.
        super::super::aar::create(&pool, &aar("Second"), &by)
            .await
            .unwrap();
        pool.close().await;
        let restored = restore(&copy, dir.path(), 1_000).await.unwrap();
        let kept = restored.previous.unwrap();
        assert_eq!(kept, dir.path().join("homelab.db.replaced-1000"));
        let titles = |path: PathBuf| async move {
            let mut conn = connect(&path, true).await.unwrap();
            let titles: Vec<String> = sqlx::query_scalar("select title from aars order by id")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            titles
        };
        assert_eq!(titles(db.clone()).await, ["First"]);
        assert_eq!(titles(kept).await, ["First", "Second"]);
        assert!(!dir.path().join("homelab.db-wal").exists());
    }

    #[tokio::test]
    async fn a_restore_of_something_else_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path()).await;
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all").unwrap();
        assert!(restore(&junk, dir.path(), 1).await.is_err());
        let other = dir.path().join("other.db");
        let mut conn = SqliteConnectOptions::new()
            .filename(&other)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::query("create table t (x)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let error = restore(&other, dir.path(), 1).await.unwrap_err();
        assert!(error.to_string().contains("not a homelab one"), "{error}");
        assert!(!dir.path().join("homelab.db.replaced-1").exists());
        // The data directory's database is still the homelab one.
        let mut conn = connect(&db, true).await.unwrap();
        let aars: i64 = sqlx::query_scalar("select count(*) from aars")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(aars, 0);
    }

    #[tokio::test]
    async fn a_backup_never_overwrites_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path()).await;
        let copy = dir.path().join("copy.db");
        std::fs::write(&copy, b"yesterday's backup").unwrap();
        let error = backup(&db, &copy).await.unwrap_err();
        assert!(matches!(error, DbError::BackupExists { .. }), "{error}");
        assert!(error.to_string().contains("copy.db"), "{error}");
        assert_eq!(std::fs::read(&copy).unwrap(), b"yesterday's backup");
    }

    #[tokio::test]
    async fn a_missing_database_is_an_error_not_a_new_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.db");
        let error = check(&missing).await.unwrap_err();
        assert!(matches!(error, DbError::Missing { .. }), "{error}");
        assert!(!missing.exists());
    }

    #[tokio::test]
    async fn the_check_reports_broken_foreign_keys_and_a_file_that_is_no_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fk.db");
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(false)
            .connect()
            .await
            .unwrap();
        for sql in [
            "create table parent (id integer primary key)",
            "create table child (id integer primary key, parent_id integer references parent(id))",
            "insert into child (id, parent_id) values (7, 42)",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
        let report = check(&path).await.unwrap();
        assert!(!report.is_ok());
        assert_eq!(
            report.foreign_keys,
            vec!["child row 7 points at a missing row of parent"]
        );

        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
        assert!(check(&garbage).await.is_err());
    }
}
