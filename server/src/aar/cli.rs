//! `homelab aar import FILE` and `homelab aar export [--id ID] [OUT]`: the Markdown import and
//! export from the command line, against the database in a data directory.

use std::path::{Path, PathBuf};

use crate::db::aar::{self as store, Author, ImportReport};
use crate::db::{self, DbError};

use super::{export, import};

/// What can stop an `aar` command; each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}; nothing was imported")]
    Parse {
        path: PathBuf,
        #[source]
        source: import::ParseError,
    },
    #[error("database: {0}")]
    Db(#[from] DbError),
}

/// Imports `file` whole (or nothing) as `by`.
pub async fn import_file(data_dir: &Path, file: &Path, by: &str) -> Result<ImportReport, CliError> {
    let text = std::fs::read_to_string(file).map_err(|source| CliError::Read {
        path: file.to_owned(),
        source,
    })?;
    let aars = super::parse_import(&text).map_err(|source| CliError::Parse {
        path: file.to_owned(),
        source,
    })?;
    let pool = db::open(data_dir).await?;
    let report = store::import(&pool, &aars, &Author::now(by)).await;
    pool.close().await;
    Ok(report?)
}

/// The Markdown of AAR `id`, or of all of them; written to `out`, or returned for stdout.
pub async fn export(
    data_dir: &Path,
    id: Option<i64>,
    out: Option<&Path>,
) -> Result<Option<String>, CliError> {
    let pool = db::open(data_dir).await?;
    let text = match id {
        Some(id) => store::get(&pool, id)
            .await
            .map(|a| export::export(&a.content)),
        None => store::all(&pool)
            .await
            .map(|all| export::export_all(all.iter().map(|a| &a.content))),
    };
    pool.close().await;
    let text = text?;
    match out {
        Some(path) => {
            std::fs::write(path, text).map_err(|source| CliError::Write {
                path: path.to_owned(),
                source,
            })?;
            Ok(None)
        }
        None => Ok(Some(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_log_imports_once_and_exports_back_to_the_same_aars() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("log.md");
        std::fs::write(&file, include_str!("../../demo/aar-log.md")).unwrap();
        let first = import_file(dir.path(), &file, "cli").await.unwrap();
        assert_eq!(first.created, 8);
        let second = import_file(dir.path(), &file, "cli").await.unwrap();
        assert_eq!(
            (second.created, second.updated, second.unchanged),
            (0, 0, 8)
        );

        let out = dir.path().join("out.md");
        assert_eq!(export(dir.path(), None, Some(&out)).await.unwrap(), None);
        let exported = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            import::parse(&exported).unwrap(),
            import::parse(include_str!("../../demo/aar-log.md")).unwrap()
        );
        let one = export(dir.path(), Some(1), None).await.unwrap().unwrap();
        assert!(
            one.starts_with("### AAR: k3s1 Networking Failure (June 14, 2025)"),
            "{one}"
        );
        assert!(matches!(
            export(dir.path(), Some(99), None).await,
            Err(CliError::Db(DbError::NotFound(_)))
        ));
    }

    #[tokio::test]
    async fn a_broken_file_names_its_line_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("log.md");
        std::fs::write(
            &file,
            "### AAR: Fine (June 1, 2025)\n\n### AAR: Broken (Juno 1, 2025)\n",
        )
        .unwrap();
        let e = import_file(dir.path(), &file, "cli").await.unwrap_err();
        let message = e.to_string();
        assert!(
            message.contains("line 3: `Juno 1, 2025` is not a date"),
            "{message}"
        );
        assert!(message.ends_with("nothing was imported"), "{message}");
        let pool = db::open(dir.path()).await.unwrap();
        let count: i64 = sqlx::query_scalar("select count(*) from aars")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 0);
    }
}
