//! SQL of the notices.

use sqlx::{Row, SqlitePool};

use crate::db::DbError;
use frontend::model::notices::Notice;

/// A notice to write, checked.
pub struct NewNotice {
    pub text: String,
    pub services: Vec<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub maintenance: bool,
    pub aar_id: Option<i64>,
    pub created_by: String,
}

#[tracing::instrument(skip_all)]
pub async fn insert(pool: &SqlitePool, n: &NewNotice, now: i64) -> Result<i64, DbError> {
    let services = serde_json::to_string(&n.services).unwrap_or_else(|_| "[]".into());
    let id = sqlx::query(
        "insert into notices (text, services, starts_at, ends_at, maintenance, aar_id,
                              created_by, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&n.text)
    .bind(services)
    .bind(n.starts_at)
    .bind(n.ends_at)
    .bind(n.maintenance as i64)
    .bind(n.aar_id)
    .bind(&n.created_by)
    .bind(now)
    .execute(pool)
    .await?
    .last_insert_rowid();
    Ok(id)
}

/// Ends notice `id` at `now` (a notice not yet begun ends before it begins: it never holds).
/// NotFound when there is no such notice or it has ended already.
#[tracing::instrument(skip_all)]
pub async fn end(pool: &SqlitePool, id: i64, now: i64) -> Result<(), DbError> {
    let done = sqlx::query(
        "update notices set ends_at = ?, starts_at = min(starts_at, ?)
         where id = ? and ends_at > ?",
    )
    .bind(now)
    .bind(now)
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(DbError::NotFound(format!(
            "notice {id}: there is no such notice, or it has ended"
        )));
    }
    Ok(())
}

/// Notices ending after `since`, soonest start first, with their AAR's title.
pub async fn ending_after(pool: &SqlitePool, since: i64) -> Result<Vec<Notice>, DbError> {
    let rows = sqlx::query(
        "select n.id, n.text, n.services, n.starts_at, n.ends_at, n.maintenance, n.aar_id,
                n.created_by, a.title as aar_title
         from notices n left join aars a on a.id = n.aar_id
         where n.ends_at > ?
         order by n.starts_at, n.id",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let services: String = r.get("services");
            let aar_id: Option<i64> = r.get("aar_id");
            let aar_title: Option<String> = r.get("aar_title");
            Notice {
                id: r.get("id"),
                text: r.get("text"),
                services: serde_json::from_str(&services).unwrap_or_default(),
                starts_at: r.get("starts_at"),
                ends_at: r.get("ends_at"),
                maintenance: r.get::<i64, _>("maintenance") != 0,
                aar: aar_id.zip(aar_title),
                created_by: r.get("created_by"),
            }
        })
        .collect())
}

/// Whether AAR `id` exists.
pub async fn aar_exists(pool: &SqlitePool, id: i64) -> Result<bool, DbError> {
    Ok(
        sqlx::query_scalar::<_, i64>("select 1 from aars where id = ?")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .is_some(),
    )
}

/// The AARs a notice may link to, as (id, title), newest first.
pub async fn aar_titles(pool: &SqlitePool) -> Result<Vec<(i64, String)>, DbError> {
    Ok(
        sqlx::query_as("select id, title from aars order by incident_date desc, id desc limit 200")
            .fetch_all(pool)
            .await?,
    )
}
