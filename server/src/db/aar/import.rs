//! Many AARs in one transaction (a Markdown import): each matched on title and incident date,
//! then created, given a new version, or left alone; all or nothing.

use frontend::model::aar::AarContent;
use sqlx::SqlitePool;

use super::edit::keep_evidence;
use super::version::{insert, load, write, write_tx, Author};
use crate::aar::diff;
use crate::db::DbError;

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Imports AARs in one transaction: each is matched on title and incident date; a new one is
/// created, a changed one gets a new version, an equal one is left alone. All or nothing.
#[tracing::instrument(skip_all, fields(count = aars.len()))]
pub async fn import(
    pool: &SqlitePool,
    aars: &[AarContent],
    by: &Author,
) -> Result<ImportReport, DbError> {
    let mut tx = write_tx(pool).await?;
    let mut report = ImportReport::default();
    for content in aars {
        let existing: Option<i64> =
            sqlx::query_scalar("select id from aars where title = ? and incident_date = ?")
                .bind(&content.title)
                .bind(&content.incident_date)
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            None => {
                insert(&mut tx, content, by, "imported from Markdown").await?;
                report.created += 1;
            }
            Some(id) => {
                let current = load(&mut tx, id).await?;
                let content = &keep_evidence(&current.content, content);
                match diff::changes(&current.content, content) {
                    None => report.unchanged += 1,
                    Some(changes) => {
                        let changes = format!("imported from Markdown: {changes}");
                        write(&mut tx, &current, content, by, &changes).await?;
                        report.updated += 1;
                    }
                }
            }
        }
    }
    tx.commit().await?;
    if report.created + report.updated > 0 {
        // Merge the search index's segments into one, as a bulk write leaves many: each query
        // then reads one list per word instead of merging a list from every segment.
        sqlx::query("insert into aar_fts(aar_fts) values('optimize')")
            .execute(pool)
            .await?;
    }
    Ok(report)
}
