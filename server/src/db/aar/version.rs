//! One version of an AAR as stored: the `aars` row, its action items, its revision and its search
//! index row, written together inside a caller's write transaction, and loaded back. Everything
//! that writes builds on this; it builds on nothing else here.

use frontend::model::aar::{Aar, AarContent, ActionItem, ItemStatus, Priority, Severity};
use sqlx::{Sqlite, SqliteConnection, SqlitePool};

use crate::aar::search;
use crate::db::DbError;

/// Who saved, and when (RFC 3339, UTC).
#[derive(Clone, Debug)]
pub struct Author {
    pub name: String,
    pub at: String,
}

impl Author {
    /// `name`, now.
    pub fn now(name: &str) -> Author {
        Author {
            name: name.to_owned(),
            at: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string()),
        }
    }
}

/// A write transaction that takes the write lock at once (`begin immediate`): a save reads the
/// current version and then writes, and a deferred transaction whose snapshot another writer
/// has overtaken fails at its first write with SQLITE_BUSY. Immediate, the second saver waits
/// (up to the busy timeout), then reads the new version and is refused as stale, with the message
/// that says so.
pub(super) async fn write_tx(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, Sqlite>, DbError> {
    Ok(pool.begin_with("begin immediate").await?)
}

/// A row of `aar_action_items`.
#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    pub(super) position: i64,
    pub(super) text: String,
    pub(super) owner: Option<String>,
    pub(super) priority: Option<i64>,
    pub(super) status: String,
    pub(super) due: Option<String>,
    pub(super) done_on: Option<String>,
}

impl ItemRow {
    pub(super) fn into_item(self) -> ActionItem {
        ActionItem {
            text: self.text,
            owner: self.owner,
            priority: self.priority.and_then(Priority::from_rank),
            status: ItemStatus::parse(&self.status).unwrap_or_default(),
            due: self.due,
            done_on: self.done_on,
        }
    }
}

pub(super) fn stale(current: &Aar, based_on: i64) -> DbError {
    DbError::Stale {
        based_on,
        current: current.version,
        by: current.updated_by.clone(),
        at: current.updated_at.clone(),
    }
}

/// The stored document: the content without its action items (they have their own rows).
fn doc_json(content: &AarContent) -> Result<String, DbError> {
    let mut doc = content.clone();
    doc.action_items = Vec::new();
    Ok(serde_json::to_string(&doc)?)
}

pub(super) async fn insert(
    conn: &mut SqliteConnection,
    content: &AarContent,
    by: &Author,
    changes: &str,
) -> Result<i64, DbError> {
    let result = sqlx::query(
        "insert into aars (title, incident_date, severity, status, tags, services, doc, version,
                           created_at, created_by, updated_at, updated_by)
         values (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
    )
    .bind(&content.title)
    .bind(&content.incident_date)
    .bind(content.severity.map(Severity::as_str))
    .bind(content.status.as_str())
    .bind(serde_json::to_string(&content.tags)?)
    .bind(serde_json::to_string(&content.services)?)
    .bind(doc_json(content)?)
    .bind(&by.at)
    .bind(&by.name)
    .bind(&by.at)
    .bind(&by.name)
    .execute(&mut *conn)
    .await
    .map_err(|e| duplicate_or(e, content))?;
    let id = result.last_insert_rowid();
    write_parts(conn, id, 1, content, by, changes).await?;
    Ok(id)
}

/// The next version of `current`: the row, its items, a revision and the search index.
pub(super) async fn write(
    conn: &mut SqliteConnection,
    current: &Aar,
    content: &AarContent,
    by: &Author,
    changes: &str,
) -> Result<(), DbError> {
    let version = current.version + 1;
    // `and version = ?` again: the transaction's read may predate another writer's commit.
    let result = sqlx::query(
        "update aars
         set title = ?, incident_date = ?, severity = ?, status = ?, tags = ?, services = ?,
             doc = ?, version = ?, updated_at = ?, updated_by = ?
         where id = ? and version = ?",
    )
    .bind(&content.title)
    .bind(&content.incident_date)
    .bind(content.severity.map(Severity::as_str))
    .bind(content.status.as_str())
    .bind(serde_json::to_string(&content.tags)?)
    .bind(serde_json::to_string(&content.services)?)
    .bind(doc_json(content)?)
    .bind(version)
    .bind(&by.at)
    .bind(&by.name)
    .bind(current.id)
    .bind(current.version)
    .execute(&mut *conn)
    .await
    .map_err(|e| duplicate_or(e, content))?;
    if result.rows_affected() != 1 {
        let now = load(conn, current.id).await?;
        return Err(stale(&now, current.version));
    }
    sqlx::query("delete from aar_action_items where aar_id = ?")
        .bind(current.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("delete from aar_fts where rowid = ?")
        .bind(current.id)
        .execute(&mut *conn)
        .await?;
    write_parts(conn, current.id, version, content, by, changes).await
}

/// Items, revision and index rows of `version` (the old ones are already gone).
async fn write_parts(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    content: &AarContent,
    by: &Author,
    changes: &str,
) -> Result<(), DbError> {
    for (position, item) in content.action_items.iter().enumerate() {
        sqlx::query(
            "insert into aar_action_items (aar_id, position, text, owner, priority, status, due,
                                           done_on)
             values (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&item.text)
        .bind(&item.owner)
        .bind(item.priority.map(Priority::rank))
        .bind(item.status.as_str())
        .bind(&item.due)
        .bind(&item.done_on)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "insert into aar_revisions (aar_id, version, at, by, changes, snapshot)
         values (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(version)
    .bind(&by.at)
    .bind(&by.name)
    .bind(changes)
    .bind(serde_json::to_string(content)?)
    .execute(&mut *conn)
    .await?;
    sqlx::query("insert into aar_fts (rowid, title, body) values (?, ?, ?)")
        .bind(id)
        .bind(&content.title)
        .bind(search::document_text(content))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn load(conn: &mut SqliteConnection, id: i64) -> Result<Aar, DbError> {
    let row: Option<(i64, String, String, String)> =
        sqlx::query_as("select version, updated_at, updated_by, doc from aars where id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let (version, updated_at, updated_by, doc) =
        row.ok_or_else(|| DbError::NotFound(format!("there is no AAR {id}")))?;
    let mut content: AarContent = serde_json::from_str(&doc)?;
    let items: Vec<ItemRow> = sqlx::query_as(
        "select position, text, owner, priority, status, due, done_on
         from aar_action_items
         where aar_id = ?
         order by position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    content.action_items = items.into_iter().map(ItemRow::into_item).collect();
    Ok(Aar {
        id,
        version,
        updated_at,
        updated_by,
        content,
    })
}

fn duplicate_or(e: sqlx::Error, content: &AarContent) -> DbError {
    let unique = e
        .as_database_error()
        .is_some_and(|d| d.is_unique_violation());
    if unique {
        DbError::Duplicate {
            title: content.title.clone(),
            date: content.incident_date.clone(),
        }
    } else {
        DbError::Sqlx(e)
    }
}
