//! SQL of the evidence kept for AARs: upserts from the recorder, pruning, and what an incident
//! window holds (with the audit log's actions, read here rather than in the actions code, which
//! only ever appends to it).

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use frontend::model::aar::{AarContent, EvidenceView};

use super::offer;
use super::record::{AlertRecord, BackupRecord, EventRecord};
use crate::aar::window;
use crate::db::DbError;

/// The evidence section of an AAR: what is kept for its window, filtered (see [`offer`]).
pub async fn for_aar(
    pool: &SqlitePool,
    aar: &AarContent,
    keep_days: u32,
) -> Result<EvidenceView, DbError> {
    let window = window::check(aar.window_start.as_deref(), aar.window_end.as_deref())
        .ok()
        .flatten();
    let Some(w) = window else {
        return Ok(offer::offer(aar, keep_days, &[], &[], &[], &[]));
    };
    let events = events_between(pool, w.start, w.end).await?;
    let backups = backups_between(pool, w.start, w.end).await?;
    let actions = crate::actions::audit::between(pool, w.start, w.end).await?;
    let alerts = alerts_between(pool, w.start, w.end).await?;
    let mut view = offer::offer(aar, keep_days, &events, &backups, &actions, &alerts);
    let drills = crate::drills::store::all(pool).await?;
    view.drills = offer::drill_items(aar, w, &drills);
    Ok(view)
}

/// Writes `events` in one transaction; a known event gets its new count, times and message.
#[tracing::instrument(skip_all, fields(count = events.len()))]
pub async fn record_events(pool: &SqlitePool, events: &[EventRecord]) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    for e in events {
        sqlx::query(
            "insert into evidence_events (key, namespace, object_kind, object_name, node, reason,
                                          message, count, first_seen, last_seen)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (key) do update set
                 message = excluded.message,
                 count = max(count, excluded.count),
                 first_seen = min(first_seen, excluded.first_seen),
                 last_seen = max(last_seen, excluded.last_seen)",
        )
        .bind(&e.key)
        .bind(&e.namespace)
        .bind(&e.object_kind)
        .bind(&e.object_name)
        .bind(&e.node)
        .bind(&e.reason)
        .bind(&e.message)
        .bind(e.count)
        .bind(e.first_seen)
        .bind(e.last_seen)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes `backups` in one transaction; a known run gets its new phase, times and counts.
#[tracing::instrument(skip_all, fields(count = backups.len()))]
pub async fn record_backups(pool: &SqlitePool, backups: &[BackupRecord]) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    for b in backups {
        sqlx::query(
            "insert into evidence_backups (namespace, name, schedule, phase, started, completed,
                                           errors, warnings, failure_reason, namespaces, seen)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (namespace, name) do update set
                 schedule = excluded.schedule,
                 phase = excluded.phase,
                 started = excluded.started,
                 completed = excluded.completed,
                 errors = excluded.errors,
                 warnings = excluded.warnings,
                 failure_reason = excluded.failure_reason,
                 namespaces = excluded.namespaces",
        )
        .bind(&b.namespace)
        .bind(&b.name)
        .bind(&b.schedule)
        .bind(&b.phase)
        .bind(b.started)
        .bind(b.completed)
        .bind(b.errors)
        .bind(b.warnings)
        .bind(&b.failure_reason)
        .bind(serde_json::to_string(&b.namespaces)?)
        .bind(b.seen)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes `alerts` in one transaction; a known firing gets its later last time and its summary.
#[tracing::instrument(skip_all, fields(count = alerts.len()))]
pub async fn record_alerts(pool: &SqlitePool, alerts: &[AlertRecord]) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    for a in alerts {
        let labels: serde_json::Map<String, serde_json::Value> = a
            .alert
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect();
        sqlx::query(
            "insert into evidence_alerts (key, name, severity, summary, labels, started, last_seen)
             values (?, ?, ?, ?, ?, ?, ?)
             on conflict (key) do update set
                 summary = excluded.summary,
                 labels = excluded.labels,
                 last_seen = max(last_seen, excluded.last_seen)",
        )
        .bind(offer::alert_key(&a.alert))
        .bind(&a.alert.name)
        .bind(&a.alert.severity)
        .bind(&a.alert.summary)
        .bind(serde_json::Value::Object(labels).to_string())
        .bind(a.started())
        .bind(a.last_seen)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The alerts that fired at some time in `[from, to]`, oldest first.
#[tracing::instrument(skip_all)]
pub async fn alerts_between(
    pool: &SqlitePool,
    from: i64,
    to: i64,
) -> Result<Vec<AlertRecord>, DbError> {
    let rows: Vec<AlertRecord> = sqlx::query_as(
        "select key, name, severity, summary, labels, started, last_seen
         from evidence_alerts
         where last_seen >= ? and started <= ?
         order by started, key",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// A row of `evidence_alerts`: its labels are a JSON object, its key `fingerprint@started`.
impl<'r> sqlx::FromRow<'r, SqliteRow> for AlertRecord {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        let key: String = row.try_get("key")?;
        let labels: String = row.try_get("labels")?;
        let labels: std::collections::BTreeMap<String, String> = serde_json::from_str(&labels)
            .map_err(|e| sqlx::Error::ColumnDecode {
                index: "labels".into(),
                source: Box::new(e),
            })?;
        let started: i64 = row.try_get("started")?;
        Ok(AlertRecord {
            alert: frontend::model::alerts::Alert {
                fingerprint: key
                    .trim_start_matches("alert:")
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                name: row.try_get("name")?,
                severity: row.try_get("severity")?,
                summary: row.try_get("summary")?,
                labels: labels.into_iter().collect(),
                since: Some(started),
                silenced_by: Vec::new(),
                inhibited: false,
            },
            last_seen: row.try_get("last_seen")?,
        })
    }
}

/// Deletes the evidence last seen before `before` (unix seconds); returns how many events and
/// backups went.
#[tracing::instrument(skip_all, fields(before))]
pub async fn prune(pool: &SqlitePool, before: i64) -> Result<(u64, u64), DbError> {
    let mut tx = pool.begin().await?;
    let events = sqlx::query("delete from evidence_events where last_seen < ?")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let backups =
        sqlx::query("delete from evidence_backups where coalesce(completed, started, seen) < ?")
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    sqlx::query("delete from evidence_alerts where last_seen < ?")
        .bind(before)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((events, backups))
}

/// The events seen at some time in `[from, to]`, oldest first.
#[tracing::instrument(skip_all)]
pub async fn events_between(
    pool: &SqlitePool,
    from: i64,
    to: i64,
) -> Result<Vec<EventRecord>, DbError> {
    let rows: Vec<EventRecord> = sqlx::query_as(
        "select key, namespace, object_kind, object_name, node, reason, message, count,
                first_seen, last_seen
         from evidence_events
         where last_seen >= ? and first_seen <= ?
         order by first_seen, key",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// A row of `evidence_backups`: its included namespaces are stored as a JSON list.
impl<'r> sqlx::FromRow<'r, SqliteRow> for BackupRecord {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        let namespaces: String = row.try_get("namespaces")?;
        Ok(BackupRecord {
            namespace: row.try_get("namespace")?,
            name: row.try_get("name")?,
            schedule: row.try_get("schedule")?,
            phase: row.try_get("phase")?,
            started: row.try_get("started")?,
            completed: row.try_get("completed")?,
            errors: row.try_get("errors")?,
            warnings: row.try_get("warnings")?,
            failure_reason: row.try_get("failure_reason")?,
            namespaces: serde_json::from_str(&namespaces).map_err(|e| {
                sqlx::Error::ColumnDecode {
                    index: "namespaces".into(),
                    source: Box::new(e),
                }
            })?,
            seen: row.try_get("seen")?,
        })
    }
}

/// The backup runs that ran (or were seen) at some time in `[from, to]`, oldest first.
#[tracing::instrument(skip_all)]
pub async fn backups_between(
    pool: &SqlitePool,
    from: i64,
    to: i64,
) -> Result<Vec<BackupRecord>, DbError> {
    let rows: Vec<BackupRecord> = sqlx::query_as(
        "select namespace, name, schedule, phase, started, completed, errors, warnings,
                failure_reason, namespaces, seen
         from evidence_backups
         where coalesce(completed, started, seen) >= ? and coalesce(started, seen) <= ?
         order by coalesce(started, seen), name",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: &str, count: i64, first: i64, last: i64) -> EventRecord {
        EventRecord {
            key: key.into(),
            namespace: "media".into(),
            object_kind: "Pod".into(),
            object_name: "plex-1".into(),
            node: Some("k3s2".into()),
            reason: "BackOff".into(),
            message: format!("seen {count} times"),
            count,
            first_seen: first,
            last_seen: last,
        }
    }

    fn backup(name: &str, started: Option<i64>, seen: i64) -> BackupRecord {
        BackupRecord {
            namespace: "velero".into(),
            name: name.into(),
            schedule: None,
            phase: "Completed".into(),
            started,
            completed: started.map(|s| s + 60),
            errors: 0,
            warnings: 0,
            failure_reason: None,
            namespaces: vec!["media".into()],
            seen,
        }
    }

    #[tokio::test]
    async fn a_repeated_event_is_one_row_with_its_latest_count() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        record_events(&pool, &[event("u", 1, 100, 100)])
            .await
            .unwrap();
        record_events(&pool, &[event("u", 5, 100, 400)])
            .await
            .unwrap();
        let all = events_between(&pool, 0, 1000).await.unwrap();
        assert_eq!(all, [event("u", 5, 100, 400)]);
        // An event spanning the window's start is in it; one ending before it is not.
        assert_eq!(events_between(&pool, 300, 350).await.unwrap().len(), 1);
        assert!(events_between(&pool, 401, 500).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_alert_firing_is_one_row_that_keeps_its_labels_and_moves_its_last_time() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        let alert = frontend::model::alerts::Alert {
            fingerprint: "fp".into(),
            name: "PlexDown".into(),
            severity: "critical".into(),
            summary: "Plex is down".into(),
            labels: vec![
                ("namespace".into(), "media".into()),
                ("pod".into(), "plex-1".into()),
            ],
            since: Some(100),
            silenced_by: Vec::new(),
            inhibited: false,
        };
        let at = |last_seen| AlertRecord {
            alert: alert.clone(),
            last_seen,
        };
        record_alerts(&pool, &[at(100)]).await.unwrap();
        record_alerts(&pool, &[at(400)]).await.unwrap();
        assert_eq!(alerts_between(&pool, 0, 1000).await.unwrap(), [at(400)]);
        assert_eq!(alerts_between(&pool, 300, 350).await.unwrap().len(), 1);
        assert!(alerts_between(&pool, 401, 500).await.unwrap().is_empty());
        prune(&pool, 401).await.unwrap();
        assert!(alerts_between(&pool, 0, 1000).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn pruning_removes_only_what_was_last_seen_before_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        record_events(
            &pool,
            &[event("old", 1, 100, 200), event("new", 1, 100, 900)],
        )
        .await
        .unwrap();
        record_backups(
            &pool,
            &[
                backup("old", Some(100), 100),
                backup("never-ran", None, 950),
            ],
        )
        .await
        .unwrap();
        let mut updated = backup("old", Some(100), 100);
        updated.phase = "PartiallyFailed".into();
        record_backups(&pool, &[updated.clone()]).await.unwrap();
        assert_eq!(backups_between(&pool, 0, 1000).await.unwrap()[0], updated);
        assert_eq!(prune(&pool, 500).await.unwrap(), (1, 1));
        let events: Vec<String> = events_between(&pool, 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(events, ["new"]);
        let backups: Vec<String> = backups_between(&pool, 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(backups, ["never-ran"]);
        assert_eq!(prune(&pool, 500).await.unwrap(), (0, 0));
    }
}
