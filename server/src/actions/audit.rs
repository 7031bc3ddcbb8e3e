//! The audit log: one row per attempted action, append-only (the schema's triggers refuse any
//! update or delete).

use frontend::model::actions::{AuditEntry, AuditFilter, AuditPage, FieldChange};
use sqlx::SqlitePool;

use crate::db::DbError;

/// An attempt to record.
pub struct NewEntry<'a> {
    pub at: i64,
    pub actor_sub: &'a str,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub reason: Option<&'a str>,
    pub command: &'a str,
    pub changes: &'a [FieldChange],
    pub outcome: &'a str,
    pub message: &'a str,
    /// The AAR the action was taken for.
    pub aar_id: Option<i64>,
}

pub async fn record(pool: &SqlitePool, e: &NewEntry<'_>) -> Result<i64, DbError> {
    let changes = serde_json::to_string(e.changes).unwrap_or_else(|_| "[]".into());
    let id = sqlx::query_scalar(
        "insert into audit_log (at, actor_sub, actor_name, action, target, reason, command,
                                changes, outcome, message, aar_id)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id",
    )
    .bind(e.at)
    .bind(e.actor_sub)
    .bind(e.actor_name)
    .bind(e.action)
    .bind(e.target)
    .bind(e.reason)
    .bind(e.command)
    .bind(changes)
    .bind(e.outcome)
    .bind(e.message)
    .bind(e.aar_id)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// An audit_log row as stored (`changes` as JSON text).
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    actor_name: String,
    action: String,
    target: String,
    reason: Option<String>,
    command: String,
    changes: String,
    outcome: String,
    message: String,
    aar_id: Option<i64>,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor_name,
            action: r.action,
            target: r.target,
            reason: r.reason,
            command: r.command,
            changes: serde_json::from_str(&r.changes).unwrap_or_default(),
            outcome: r.outcome,
            message: r.message,
            aar_id: r.aar_id,
        }
    }
}

const SELECT: &str = "select id, at, actor_name, action, target, reason, command, changes, \
                      outcome, message, aar_id from audit_log";

/// The actions attempted in `[from, to]` (unix seconds), oldest first: an AAR's evidence.
#[tracing::instrument(skip_all)]
pub async fn between(pool: &SqlitePool, from: i64, to: i64) -> Result<Vec<AuditEntry>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} where at between ? and ? order by at, id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// The actions taken for AAR `aar_id`, oldest first: its timeline shows them.
#[tracing::instrument(skip_all, fields(aar_id))]
pub async fn for_aar(pool: &SqlitePool, aar_id: i64) -> Result<Vec<AuditEntry>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} where aar_id = ? order by at, id"))
        .bind(aar_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// Entries shown on one page of the audit log.
pub const PAGE_SIZE: i64 = 100;

/// One page of the entries `filter` matches, newest first, from just older than `filter.before`
/// on (keyset paging: a page stays the same while new entries arrive), with how many match in
/// the whole log and everyone who appears in it.
#[tracing::instrument(skip_all)]
pub async fn page(pool: &SqlitePool, filter: &AuditFilter) -> Result<AuditPage, DbError> {
    // Every filter is optional: `?n is null or ...`. The target is a substring, any case, with
    // LIKE's wildcards taken literally.
    const WHERE: &str = "where (?1 is null or action = ?1) and (?2 is null or outcome = ?2)
         and (?3 is null or actor_name = ?3)
         and (?4 is null or lower(target) like '%' || ?4 || '%' escape '\\')";
    let target = filter.target.as_deref().map(|t| {
        t.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    });
    let mut conn = pool.acquire().await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} {WHERE} and (?5 is null or id < ?5) order by id desc limit ?6"
    ))
    .bind(&filter.action)
    .bind(&filter.outcome)
    .bind(&filter.actor)
    .bind(&target)
    .bind(filter.before)
    .bind(PAGE_SIZE + 1)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("select count(*) from audit_log {WHERE}"))
        .bind(&filter.action)
        .bind(&filter.outcome)
        .bind(&filter.actor)
        .bind(&target)
        .fetch_one(&mut *conn)
        .await?;
    let actors: Vec<String> =
        sqlx::query_scalar("select distinct actor_name from audit_log order by actor_name")
            .fetch_all(&mut *conn)
            .await?;
    let mut entries: Vec<AuditEntry> = rows.into_iter().map(AuditEntry::from).collect();
    let older = if entries.len() as i64 > PAGE_SIZE {
        entries.truncate(PAGE_SIZE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        filter: filter.clone(),
        total,
        older,
        actors,
    })
}

/// The newest entries first, optionally only one action or one outcome.
pub async fn list(
    pool: &SqlitePool,
    action: Option<&str>,
    outcome: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} where (?1 is null or action = ?1) and (?2 is null or outcome = ?2)
         order by id desc limit ?3"
    ))
    .bind(action)
    .bind(outcome)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(outcome: &'a str, changes: &'a [FieldChange]) -> NewEntry<'a> {
        NewEntry {
            at: 100,
            actor_sub: "sub-1",
            actor_name: "admin",
            action: "scale",
            target: "Deployment media/plex",
            reason: Some("plex is stuck"),
            command: "kubectl -n media scale deployment/plex --replicas=0",
            changes,
            outcome,
            message: "",
            aar_id: None,
        }
    }

    #[tokio::test]
    async fn the_whole_log_is_paged_newest_first_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        for n in 0..250 {
            let target = if n == 3 {
                "Deployment media/plex_100%".to_string()
            } else {
                format!("Deployment media/app-{n}")
            };
            let outcome = if n % 10 == 0 { "refused" } else { "done" };
            let actor = if n < 5 { "alice" } else { "bob" };
            let e = NewEntry {
                target: &target,
                actor_name: actor,
                ..entry(outcome, &[])
            };
            record(&pool, &e).await.unwrap();
        }
        let all = |f: AuditFilter| {
            let pool = pool.clone();
            async move { page(&pool, &f).await.unwrap() }
        };

        // Three pages of 100, 100 and 50, each starting below the last one's oldest entry.
        let first = all(AuditFilter::default()).await;
        assert_eq!((first.entries.len(), first.total), (100, 250));
        assert_eq!(first.entries[0].target, "Deployment media/app-249");
        assert_eq!(first.actors, ["alice", "bob"]);
        let second = all(AuditFilter {
            before: first.older,
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(second.entries[0].id, first.entries[99].id - 1);
        let third = all(AuditFilter {
            before: second.older,
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(third.entries.len(), 50);
        assert_eq!(third.older, None);
        assert_eq!(third.entries[49].target, "Deployment media/app-0");

        // Filters apply to the whole log, and count it.
        let refused = all(AuditFilter {
            outcome: Some("refused".into()),
            ..AuditFilter::default()
        })
        .await;
        assert_eq!((refused.entries.len(), refused.total), (25, 25));
        let alice = all(AuditFilter {
            actor: Some("alice".into()),
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(alice.total, 5);
        // A part of the target, any case; LIKE's wildcards are only text.
        let plex = all(AuditFilter {
            target: Some("PLEX_100%".into()),
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(plex.total, 1);
        let wildcard = all(AuditFilter {
            target: Some("app_1".into()),
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(wildcard.total, 0);
    }

    #[tokio::test]
    async fn entries_are_listed_newest_first_and_can_never_be_changed() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        let change = [FieldChange {
            field: "/spec/replicas".into(),
            before: "1".into(),
            after: "0".into(),
        }];
        record(&pool, &entry("refused", &[])).await.unwrap();
        let id = record(&pool, &entry("done", &change)).await.unwrap();
        let all = list(&pool, None, None, 10).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].id, id);
        assert_eq!(all[0].changes, change);
        assert_eq!(
            list(&pool, None, Some("refused"), 10).await.unwrap().len(),
            1
        );
        assert_eq!(
            list(&pool, Some("cordon"), None, 10).await.unwrap().len(),
            0
        );

        let update = sqlx::query("update audit_log set outcome = 'done'")
            .execute(&pool)
            .await
            .unwrap_err();
        assert!(update.to_string().contains("never changed"), "{update}");
        let delete = sqlx::query("delete from audit_log")
            .execute(&pool)
            .await
            .unwrap_err();
        assert!(delete.to_string().contains("never deleted"), "{delete}");
        assert_eq!(list(&pool, None, None, 10).await.unwrap().len(), 2);
    }
}
