//! SQL for after-action reviews: the AARs, their action items, their revisions and the search
//! index, written together in one transaction per change so that they never disagree.

use frontend::model::aar::{
    Aar, AarContent, AarFilter, AarRow, AarStatus, ActionItem, ItemStatus, OpenItem, Priority,
    RevisionInfo, SearchHit, Severity, TimelineEntry,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::DbError;
use crate::aar::form::ItemChange;
use crate::aar::{diff, search};

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

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Stores a new AAR as version 1.
#[tracing::instrument(skip_all)]
pub async fn create(pool: &SqlitePool, content: &AarContent, by: &Author) -> Result<Aar, DbError> {
    let mut tx = write_tx(pool).await?;
    let id = insert(&mut tx, content, by, "created").await?;
    tx.commit().await?;
    get(pool, id).await
}

/// Saves `content` over AAR `id` if `based_on` is still its version; otherwise refuses with
/// [`DbError::Stale`] and writes nothing. A save that changes nothing makes no new version.
#[tracing::instrument(skip_all, fields(id))]
pub async fn update(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    content: &AarContent,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |current, next| {
        *next = keep_evidence(current, content);
        Ok(None)
    })
    .await
}

/// The one way an AAR changes: in a write transaction, refused with [`DbError::Stale`] unless
/// `based_on` is still its version; `change` edits a copy of the current content (and may name
/// the change, else the fields that differ name it); a new version is written only when
/// something differs.
async fn revise(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    by: &Author,
    change: impl FnOnce(&AarContent, &mut AarContent) -> Result<Option<&'static str>, DbError>,
) -> Result<Aar, DbError> {
    let mut tx = write_tx(pool).await?;
    let current = load(&mut tx, id).await?;
    if current.version != based_on {
        return Err(stale(&current, based_on));
    }
    let mut content = current.content.clone();
    let named = change(&current.content, &mut content)?;
    if let Some(changes) = diff::changes(&current.content, &content) {
        let changes = named.map(str::to_owned).unwrap_or(changes);
        write(&mut tx, &current, &content, by, &changes).await?;
    }
    tx.commit().await?;
    get(pool, id).await
}

/// Sets an item's status; a done one keeps its done date (else `today`), others have none.
fn set_status(item: &mut ActionItem, status: ItemStatus, today: &str) {
    item.done_on = match status {
        ItemStatus::Done => item.done_on.clone().or_else(|| Some(today.to_owned())),
        ItemStatus::Open | ItemStatus::Dropped => None,
    };
    item.status = status;
}

/// The action item `position` of `content`, or the error naming it.
fn item_mut(
    content: &mut AarContent,
    id: i64,
    position: usize,
) -> Result<&mut ActionItem, DbError> {
    content
        .action_items
        .get_mut(position)
        .ok_or_else(|| DbError::NotFound(format!("AAR {id} has no action item {}", position + 1)))
}

/// `content` with the evidence keys of `stored`: forms and imports do not carry them, and an
/// edit must not make attached evidence be offered again.
fn keep_evidence(stored: &AarContent, content: &AarContent) -> AarContent {
    AarContent {
        evidence: stored.evidence.clone(),
        ..content.clone()
    }
}

/// Appends `entry` to the timeline of AAR `id` and notes `key` as attached (a new version,
/// checked like [`update`]). Evidence attached already changes nothing (a second click).
#[tracing::instrument(skip_all, fields(id, key))]
pub async fn attach_evidence(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    key: &str,
    entry: TimelineEntry,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |current, next| {
        if !current.evidence.iter().any(|k| k == key) {
            next.timeline.push(entry);
            next.evidence.push(key.to_owned());
        }
        Ok(Some("timeline: evidence attached"))
    })
    .await
}

/// Sets the status of action item `position` of AAR `id` (a new version, checked like
/// [`update`]). Done items get `today` as their done date; reopened ones lose it.
#[tracing::instrument(skip_all, fields(id, position))]
pub async fn set_item_status(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    position: usize,
    status: ItemStatus,
    today: &str,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |_, next| {
        set_status(item_mut(next, id, position)?, status, today);
        Ok(None)
    })
    .await
}

/// Sets the status, priority, owner and due date of action item `position` of AAR `id` (a new
/// version, checked like [`update`]); the done date as [`set_item_status`] sets it.
#[tracing::instrument(skip_all, fields(id, position))]
pub async fn update_item(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    position: usize,
    change: &ItemChange,
    today: &str,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |_, next| {
        let item = item_mut(next, id, position)?;
        set_status(item, change.status, today);
        item.priority = change.priority;
        item.owner = change.owner.clone();
        item.due = change.due.clone();
        Ok(None)
    })
    .await
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

/// One AAR as it is now.
#[tracing::instrument(skip_all, fields(id))]
pub async fn get(pool: &SqlitePool, id: i64) -> Result<Aar, DbError> {
    let mut conn = pool.acquire().await?;
    load(&mut conn, id).await
}

/// Every AAR, oldest incident first (for export).
#[tracing::instrument(skip_all)]
pub async fn all(pool: &SqlitePool) -> Result<Vec<Aar>, DbError> {
    let ids: Vec<i64> = sqlx::query_scalar("select id from aars order by incident_date, id")
        .fetch_all(pool)
        .await?;
    let mut conn = pool.acquire().await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load(&mut conn, id).await?);
    }
    Ok(out)
}

/// The revisions of AAR `id`, newest first.
#[tracing::instrument(skip_all, fields(id))]
pub async fn revisions(pool: &SqlitePool, id: i64) -> Result<Vec<RevisionInfo>, DbError> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "select version, at, by, changes
         from aar_revisions
         where aar_id = ?
         order by version desc",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, at, by, changes)| RevisionInfo {
            version,
            at,
            by,
            changes,
        })
        .collect())
}

/// AAR `id` as it was at `version`.
#[tracing::instrument(skip_all, fields(id, version))]
pub async fn revision(pool: &SqlitePool, id: i64, version: i64) -> Result<Aar, DbError> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "select at, by, snapshot from aar_revisions where aar_id = ? and version = ?",
    )
    .bind(id)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    let (at, by, snapshot) =
        row.ok_or_else(|| DbError::NotFound(format!("AAR {id} has no version {version}")))?;
    Ok(Aar {
        id,
        version,
        updated_at: at,
        updated_by: by,
        content: serde_json::from_str(&snapshot)?,
    })
}

/// The AARs matching `filter` (its search text aside), newest incident first.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &SqlitePool, filter: &AarFilter) -> Result<Vec<AarRow>, DbError> {
    let mut query = QueryBuilder::<Sqlite>::new(ROW_SELECT);
    query.push(" from aars a where 1 = 1");
    push_filters(&mut query, filter);
    query.push(" order by a.incident_date desc, a.id desc");
    let rows: Vec<RowTuple> = query.build_query_as().fetch_all(pool).await?;
    rows.into_iter().map(row_from).collect()
}

/// Full-text search ranked by bm25 over every match (title matches weigh more), with a
/// highlighted snippet per hit; the list filters apply too. Empty or punctuation-only queries
/// find nothing.
///
/// Ordered by FTS5's `rank` column rather than `bm25(...)`: FTS5 then sorts inside the virtual
/// table and `snippet()` runs for the rows returned only; sorted outside, SQLite computes the
/// snippet of every match before sorting. The list rows of the hits are a second query by id.
/// docs/benchmarks.md, "Search benchmark".
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &SqlitePool,
    filter: &AarFilter,
    limit: i64,
) -> Result<Vec<SearchHit>, DbError> {
    let Some(fts) = search::fts_query(&filter.q) else {
        return Ok(Vec::new());
    };
    let filtered = !filter.severity.is_empty()
        || !filter.tag.is_empty()
        || !filter.service.is_empty()
        || filter.open_items;
    // The match and the filters, shared by both queries.
    let push_where = |query: &mut QueryBuilder<'_, Sqlite>| {
        query.push(" from aar_fts where aar_fts match ");
        query.push_bind(fts.clone());
        if filtered {
            query.push(" and rowid in (select a.id from aars a where 1 = 1");
            push_filters(query, filter);
            query.push(")");
        }
    };
    let mut conn = pool.acquire().await?;

    let mut ranked = QueryBuilder::<Sqlite>::new("select rowid, snippet(aar_fts, -1, ");
    ranked.push_bind(search::HIT_START.to_string());
    ranked.push(", ");
    ranked.push_bind(search::HIT_END.to_string());
    ranked.push(", '…', 16)");
    push_where(&mut ranked);
    ranked.push(" and rank match 'bm25(5.0, 1.0)'");
    ranked.push(" order by rank limit ");
    ranked.push_bind(limit);
    let ranked: Vec<(i64, String)> = ranked.build_query_as().fetch_all(&mut *conn).await?;
    if ranked.is_empty() {
        return Ok(Vec::new());
    }

    let mut rows = QueryBuilder::<Sqlite>::new(ROW_SELECT);
    rows.push(" from aars a where a.id in (");
    let mut list = rows.separated(", ");
    for (id, _) in &ranked {
        list.push_bind(*id);
    }
    rows.push(")");
    let mut rows: std::collections::HashMap<i64, AarRow> = rows
        .build_query_as::<RowTuple>()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| row_from(r).map(|row| (row.id, row)))
        .collect::<Result<_, DbError>>()?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, snippet)| {
            rows.remove(&id).map(|row| SearchHit {
                row,
                snippet: search::snippet_parts(&snippet),
            })
        })
        .collect())
}

/// Open action items across all AARs: P0 first (no priority last), then the oldest incident.
#[tracing::instrument(skip_all)]
pub async fn open_items(pool: &SqlitePool) -> Result<Vec<OpenItem>, DbError> {
    let rows: Vec<OpenItemRow> = sqlx::query_as(
        "select a.id as aar_id, a.title as aar_title, a.version as aar_version, a.incident_date,
                i.position, i.text, i.owner, i.priority, i.status, i.due, i.done_on
         from aar_action_items i
         join aars a on a.id = i.aar_id
         where i.status = 'open'
         order by i.priority is null, i.priority, a.incident_date, a.id, i.position",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OpenItem {
            aar_id: r.aar_id,
            aar_title: r.aar_title,
            aar_version: r.aar_version,
            incident_date: r.incident_date,
            position: r.item.position,
            item: r.item.into_item(),
        })
        .collect())
}

/// Every tag and every service any AAR names, sorted: the choices of the list filters.
#[tracing::instrument(skip_all)]
pub async fn facets(pool: &SqlitePool) -> Result<(Vec<String>, Vec<String>), DbError> {
    let tags = sqlx::query_scalar(
        "select distinct j.value from aars, json_each(aars.tags) j order by j.value",
    )
    .fetch_all(pool)
    .await?;
    let services = sqlx::query_scalar(
        "select distinct j.value from aars, json_each(aars.services) j order by j.value",
    )
    .fetch_all(pool)
    .await?;
    Ok((tags, services))
}

/// The newest AARs' ids and titles (an action's "taken for" choice), newest incident first.
#[tracing::instrument(skip_all)]
pub async fn titles(pool: &SqlitePool, limit: i64) -> Result<Vec<(i64, String)>, DbError> {
    Ok(sqlx::query_as(
        "select id, title || ' (' || incident_date || ')' from aars
         order by incident_date desc, id desc limit ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

// --- Internals ------------------------------------------------------------------------------

/// A write transaction that takes the write lock at once (`begin immediate`): a save reads the
/// current version and then writes, and a deferred transaction whose snapshot another writer
/// has overtaken fails at its first write with SQLITE_BUSY. Immediate, the second saver waits
/// (up to the busy timeout), then reads the new version and is refused as stale, with the message
/// that says so.
async fn write_tx(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, Sqlite>, DbError> {
    Ok(pool.begin_with("begin immediate").await?)
}

const ROW_SELECT: &str = "select a.id, a.title, a.incident_date, a.severity, a.status, a.tags, \
     a.services, (select count(*) from aar_action_items i where i.aar_id = a.id and i.status = 'open')";

/// A row of `aar_action_items`.
#[derive(sqlx::FromRow)]
struct ItemRow {
    position: i64,
    text: String,
    owner: Option<String>,
    priority: Option<i64>,
    status: String,
    due: Option<String>,
    done_on: Option<String>,
}

impl ItemRow {
    fn into_item(self) -> ActionItem {
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

#[derive(sqlx::FromRow)]
struct OpenItemRow {
    aar_id: i64,
    aar_title: String,
    aar_version: i64,
    incident_date: String,
    #[sqlx(flatten)]
    item: ItemRow,
}

type RowTuple = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
);

fn push_filters(query: &mut QueryBuilder<'_, Sqlite>, filter: &AarFilter) {
    if !filter.severity.is_empty() {
        query.push(" and a.severity = ");
        query.push_bind(filter.severity.clone());
    }
    if !filter.tag.is_empty() {
        query.push(" and exists (select 1 from json_each(a.tags) j where j.value = ");
        query.push_bind(filter.tag.clone());
        query.push(")");
    }
    if !filter.service.is_empty() {
        query.push(" and exists (select 1 from json_each(a.services) j where j.value = ");
        query.push_bind(filter.service.clone());
        query.push(")");
    }
    if filter.open_items {
        query.push(
            " and exists (select 1 from aar_action_items i where i.aar_id = a.id and i.status = 'open')",
        );
    }
}

fn row_from(
    (id, title, incident_date, severity, status, tags, services, open_items): RowTuple,
) -> Result<AarRow, DbError> {
    Ok(AarRow {
        id,
        title,
        incident_date,
        severity: severity.as_deref().and_then(Severity::parse),
        status: AarStatus::parse(&status).unwrap_or_default(),
        tags: serde_json::from_str(&tags)?,
        services: serde_json::from_str(&services)?,
        open_items,
    })
}

fn stale(current: &Aar, based_on: i64) -> DbError {
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

async fn insert(
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
async fn write(
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

async fn load(conn: &mut SqliteConnection, id: i64) -> Result<Aar, DbError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn pool() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        (dir, pool)
    }

    fn sample(title: &str) -> AarContent {
        AarContent {
            title: title.into(),
            incident_date: "2025-06-14".into(),
            severity: Some(Severity::High),
            summary: "Node k3s1 lost connectivity.".into(),
            timeline: vec![TimelineEntry {
                when: "Detection".into(),
                text: "Longhorn pods in CrashLoopBackOff".into(),
            }],
            tags: vec!["network".into()],
            services: vec!["longhorn".into(), "k3s1".into()],
            action_items: vec![
                ActionItem {
                    text: "Create node network monitoring".into(),
                    priority: Some(Priority::P2),
                    ..ActionItem::default()
                },
                ActionItem {
                    text: "Investigate k3s1 logs".into(),
                    owner: Some("AI Team".into()),
                    priority: Some(Priority::P1),
                    ..ActionItem::default()
                },
            ],
            ..AarContent::default()
        }
    }

    #[tokio::test]
    async fn a_created_aar_reads_back_equal_with_its_first_revision() {
        let (_dir, pool) = pool().await;
        let content = sample("k3s1 Networking Failure");
        let aar = create(&pool, &content, &Author::now("alice"))
            .await
            .unwrap();
        assert_eq!(aar.version, 1);
        assert_eq!(aar.content, content);
        let revs = revisions(&pool, aar.id).await.unwrap();
        assert_eq!(revs.len(), 1);
        assert_eq!(
            (revs[0].by.as_str(), revs[0].changes.as_str()),
            ("alice", "created")
        );
    }

    #[tokio::test]
    async fn a_save_based_on_an_old_version_is_refused_and_changes_nothing() {
        let (_dir, pool) = pool().await;
        let aar = create(&pool, &sample("Gateway TLS"), &Author::now("alice"))
            .await
            .unwrap();
        let mut first = aar.content.clone();
        first.summary = "Alice's summary".into();
        let mut second = aar.content.clone();
        second.summary = "Bob's summary".into();
        update(&pool, aar.id, 1, &first, &Author::now("alice"))
            .await
            .unwrap();
        let refused = update(&pool, aar.id, 1, &second, &Author::now("bob")).await;
        match refused {
            Err(e @ DbError::Stale { .. }) => {
                let message = e.to_string();
                assert!(message.contains("alice"), "{message}");
                assert!(message.contains("version 2"), "{message}");
                assert!(message.contains("not saved"), "{message}");
            }
            other => panic!("expected Stale, got {other:?}"),
        }
        let now = get(&pool, aar.id).await.unwrap();
        assert_eq!(now.version, 2);
        assert_eq!(now.content.summary, "Alice's summary");
    }

    #[tokio::test]
    async fn of_two_simultaneous_saves_of_one_version_exactly_one_wins() {
        let (_dir, pool) = pool().await;
        let aar = create(&pool, &sample("Race"), &Author::now("alice"))
            .await
            .unwrap();
        for round in 0..5 {
            let base = get(&pool, aar.id).await.unwrap();
            let mut a = base.content.clone();
            a.summary = format!("alice {round}");
            let mut b = base.content.clone();
            b.summary = format!("bob {round}");
            let (alice, bob) = (Author::now("alice"), Author::now("bob"));
            let (ra, rb) = tokio::join!(
                update(&pool, aar.id, base.version, &a, &alice),
                update(&pool, aar.id, base.version, &b, &bob),
            );
            let stale = |r: &Result<Aar, DbError>| matches!(r, Err(DbError::Stale { .. }));
            assert!(
                (ra.is_ok() && stale(&rb)) || (rb.is_ok() && stale(&ra)),
                "{ra:?} / {rb:?}"
            );
            assert_eq!(get(&pool, aar.id).await.unwrap().version, base.version + 1);
        }
    }

    #[tokio::test]
    async fn every_edit_is_kept_as_a_revision_that_can_be_read_back() {
        let (_dir, pool) = pool().await;
        let v1 = sample("Longhorn CSI Failure");
        let aar = create(&pool, &v1, &Author::now("alice")).await.unwrap();
        let mut v2 = v1.clone();
        v2.title = "Longhorn CSI Complete Failure".into();
        v2.lessons.push("Never change kubelet paths".into());
        update(&pool, aar.id, 1, &v2, &Author::now("bob"))
            .await
            .unwrap();
        // Saving the same content again is no edit.
        update(&pool, aar.id, 2, &v2, &Author::now("bob"))
            .await
            .unwrap();
        let revs = revisions(&pool, aar.id).await.unwrap();
        assert_eq!(revs.len(), 2);
        assert_eq!(revs[0].version, 2);
        assert_eq!(revs[0].by, "bob");
        assert_eq!(revs[0].changes, "title, lessons");
        assert_eq!(revision(&pool, aar.id, 1).await.unwrap().content, v1);
        assert_eq!(revision(&pool, aar.id, 2).await.unwrap().content, v2);
        assert!(matches!(
            revision(&pool, aar.id, 3).await,
            Err(DbError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn marking_an_item_done_dates_it_and_removes_it_from_the_open_items() {
        let (_dir, pool) = pool().await;
        let aar = create(&pool, &sample("k3s1"), &Author::now("alice"))
            .await
            .unwrap();
        let open = open_items(&pool).await.unwrap();
        // P1 before P2, whatever their order in the AAR.
        let texts: Vec<_> = open.iter().map(|o| o.item.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Investigate k3s1 logs", "Create node network monitoring"]
        );
        let done = set_item_status(
            &pool,
            aar.id,
            1,
            1,
            ItemStatus::Done,
            "2025-06-20",
            &Author::now("alice"),
        )
        .await
        .unwrap();
        assert_eq!(done.version, 2);
        assert_eq!(
            done.content.action_items[1].done_on.as_deref(),
            Some("2025-06-20")
        );
        let open = open_items(&pool).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].item.text, "Create node network monitoring");
        // The old version still has it open.
        let old = revision(&pool, aar.id, 1).await.unwrap();
        assert_eq!(old.content.action_items[1].status, ItemStatus::Open);
    }

    #[tokio::test]
    async fn open_items_come_highest_priority_first_then_oldest() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        let mut newer = sample("Newer");
        newer.incident_date = "2025-06-16".into();
        newer.action_items = vec![ActionItem {
            text: "newer P0".into(),
            priority: Some(Priority::P0),
            ..ActionItem::default()
        }];
        let mut older = sample("Older");
        older.incident_date = "2025-06-01".into();
        older.action_items = vec![
            ActionItem {
                text: "older none".into(),
                ..ActionItem::default()
            },
            ActionItem {
                text: "older P0".into(),
                priority: Some(Priority::P0),
                ..ActionItem::default()
            },
            ActionItem {
                text: "older P3".into(),
                priority: Some(Priority::P3),
                ..ActionItem::default()
            },
        ];
        create(&pool, &newer, &by).await.unwrap();
        create(&pool, &older, &by).await.unwrap();
        let texts: Vec<_> = open_items(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.item.text)
            .collect();
        assert_eq!(texts, ["older P0", "newer P0", "older P3", "older none"]);
    }

    #[tokio::test]
    async fn a_second_aar_with_the_same_title_and_date_is_refused() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        create(&pool, &sample("Same"), &by).await.unwrap();
        let err = create(&pool, &sample("Same"), &by).await.unwrap_err();
        assert!(matches!(err, DbError::Duplicate { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn the_list_filters_by_severity_tag_service_and_open_items() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        create(&pool, &sample("One"), &by).await.unwrap();
        let mut other = sample("Two");
        other.severity = Some(Severity::Low);
        other.tags = vec!["dns".into()];
        other.services = vec!["oauth2-proxy".into()];
        other.action_items.clear();
        create(&pool, &other, &by).await.unwrap();
        let titles = |rows: Vec<AarRow>| rows.into_iter().map(|r| r.title).collect::<Vec<_>>();
        let filter = |f: AarFilter| {
            let pool = pool.clone();
            async move { titles(list(&pool, &f).await.unwrap()) }
        };
        assert_eq!(filter(AarFilter::default()).await.len(), 2);
        let by_sev = AarFilter {
            severity: "low".into(),
            ..AarFilter::default()
        };
        assert_eq!(filter(by_sev).await, ["Two"]);
        let by_tag = AarFilter {
            tag: "network".into(),
            ..AarFilter::default()
        };
        assert_eq!(filter(by_tag).await, ["One"]);
        let by_service = AarFilter {
            service: "oauth2-proxy".into(),
            ..AarFilter::default()
        };
        assert_eq!(filter(by_service).await, ["Two"]);
        let with_open = AarFilter {
            open_items: true,
            ..AarFilter::default()
        };
        assert_eq!(filter(with_open).await, ["One"]);
        let (tags, services) = facets(&pool).await.unwrap();
        assert_eq!(tags, ["dns", "network"]);
        assert_eq!(services, ["k3s1", "longhorn", "oauth2-proxy"]);
    }

    #[tokio::test]
    async fn search_finds_a_word_of_the_timeline_and_highlights_it() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        let aar = create(&pool, &sample("k3s1 Networking Failure"), &by)
            .await
            .unwrap();
        let mut other = sample("Gateway TLS");
        other.timeline.clear();
        other.summary = "ALPN was off".into();
        create(&pool, &other, &by).await.unwrap();
        let q = |q: &str| AarFilter {
            q: q.into(),
            ..AarFilter::default()
        };
        let hits = search(&pool, &q("crashloopbackoff"), 20).await.unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].row.id, aar.id);
        let marked: Vec<_> = hits[0].snippet.iter().filter(|p| p.hit).collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(marked[0].text, "CrashLoopBackOff");
        // The list filters apply to hits too.
        let filtered = |severity: &str, open_items: bool| AarFilter {
            q: "crashloopbackoff".into(),
            severity: severity.into(),
            open_items,
            ..AarFilter::default()
        };
        assert_eq!(
            search(&pool, &filtered("high", true), 20)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(search(&pool, &filtered("low", false), 20)
            .await
            .unwrap()
            .is_empty());
        // Query syntax in the input is text, not FTS5 syntax.
        assert!(search(&pool, &q("\"unbalanced AND ("), 20)
            .await
            .unwrap()
            .is_empty());
        assert!(search(&pool, &q("  "), 20).await.unwrap().is_empty());
        // An edit is searchable at once, and the old text is gone from the index.
        let mut edited = aar.content.clone();
        edited.timeline[0].text = "Pods were evicted".into();
        update(&pool, aar.id, 1, &edited, &by).await.unwrap();
        assert!(search(&pool, &q("crashloopbackoff"), 20)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(search(&pool, &q("evicted"), 20).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn attached_evidence_is_a_revision_kept_by_later_edits_and_never_attached_twice() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        let aar = create(&pool, &sample("Evidence"), &by).await.unwrap();
        let entry = TimelineEntry {
            when: "2025-06-14 20:00 UTC".into(),
            text: "Warning BackOff on Pod media/plex-1".into(),
        };
        let v2 = attach_evidence(&pool, aar.id, 1, "event:u1", entry.clone(), &by)
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(v2.content.timeline.last(), Some(&entry));
        assert_eq!(v2.content.evidence, ["event:u1"]);
        let again = attach_evidence(&pool, aar.id, 2, "event:u1", entry.clone(), &by)
            .await
            .unwrap();
        assert_eq!((again.version, again.content.timeline.len()), (2, 2));
        // Based on an old version: refused like any other save.
        let stale = attach_evidence(&pool, aar.id, 1, "event:u2", entry, &by).await;
        assert!(matches!(stale, Err(DbError::Stale { .. })), "{stale:?}");
        // A form save (which carries no keys) keeps them.
        let mut edited = v2.content.clone();
        edited.evidence.clear();
        edited.summary = "edited".into();
        let v3 = update(&pool, aar.id, 2, &edited, &by).await.unwrap();
        assert_eq!(v3.content.evidence, ["event:u1"]);
        assert_eq!(
            revisions(&pool, aar.id).await.unwrap()[1].changes,
            "timeline: evidence attached"
        );
    }

    #[tokio::test]
    async fn the_best_match_is_found_however_old_and_however_many_matches_there_are() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        let many = (0..1_200)
            .map(|n| AarContent {
                title: format!("Outage {n}"),
                incident_date: "2025-06-14".into(),
                summary: if n == 0 {
                    // The oldest, behind 1,199 newer matches: the best bm25 score.
                    "kernel kernel kernel kernel".into()
                } else {
                    format!("kernel panic number {n} with many other words around it")
                },
                severity: (n == 0).then_some(Severity::High),
                ..AarContent::default()
            })
            .collect::<Vec<_>>();
        import(&pool, &many, &by).await.unwrap();
        let q = |q: &str, severity: &str| AarFilter {
            q: q.into(),
            severity: severity.into(),
            ..AarFilter::default()
        };
        let hits = search(&pool, &q("kernel", ""), 20).await.unwrap();
        assert_eq!(hits.len(), 20);
        assert_eq!(hits[0].row.title, "Outage 0");
        // With a filter, the one high-severity match.
        let hits = search(&pool, &q("kernel", "high"), 20).await.unwrap();
        assert_eq!(
            hits.iter()
                .map(|h| h.row.title.as_str())
                .collect::<Vec<_>>(),
            ["Outage 0"]
        );
        let aar = create(
            &pool,
            &AarContent {
                title: "Rare".into(),
                incident_date: "2025-06-15".into(),
                summary: "zebra".into(),
                severity: Some(Severity::Low),
                ..AarContent::default()
            },
            &by,
        )
        .await
        .unwrap();
        let hits = search(&pool, &q("zebra", "low"), 20).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.row.id).collect::<Vec<_>>(), [aar.id]);
        assert!(search(&pool, &q("kernel", "low"), 20)
            .await
            .unwrap()
            .is_empty());
    }
}
