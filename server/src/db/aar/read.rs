//! Reads: one AAR as it is now or as it was, its revisions, every AAR for the export, the
//! filtered list, the open action items and the choices of the list filters. The list's row and
//! filters are shared with `search`, whose hits are list rows too.

use frontend::model::aar::{Aar, AarFilter, AarRow, AarStatus, OpenItem, RevisionInfo, Severity};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::version::{load, ItemRow};
use crate::db::DbError;

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

pub(super) const ROW_SELECT: &str = "select a.id, a.title, a.incident_date, a.severity, a.status, a.tags, \
     a.services, (select count(*) from aar_action_items i where i.aar_id = a.id and i.status = 'open')";

#[derive(sqlx::FromRow)]
struct OpenItemRow {
    aar_id: i64,
    aar_title: String,
    aar_version: i64,
    incident_date: String,
    #[sqlx(flatten)]
    item: ItemRow,
}

pub(super) type RowTuple = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
);

pub(super) fn push_filters(query: &mut QueryBuilder<'_, Sqlite>, filter: &AarFilter) {
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

pub(super) fn row_from(
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

#[cfg(test)]
mod tests {
    use frontend::model::aar::{ActionItem, Priority};

    use super::*;
    use crate::db::aar::edit::create;
    use crate::db::aar::fixtures::{pool, sample};
    use crate::db::aar::version::Author;

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
}
