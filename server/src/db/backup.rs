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
