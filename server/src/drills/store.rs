//! SQL of the drills: one row per drill's Restore, kept up to date while it runs, finished with
//! its verdict and report, and marked when its scratch namespaces are gone.

use frontend::model::drills::{Drill, DrillReport, Verdict};
use sqlx::{Row, SqlitePool};

use crate::db::DbError;

/// Writes what the Restore says now. A new drill is inserted; a known one has its progress
/// updated (never its verdict, report or clean-up, which only [`finish`] and [`cleaned_up`]
/// write).
pub async fn upsert(pool: &SqlitePool, d: &Drill) -> Result<(), DbError> {
    let namespaces = serde_json::to_string(&d.namespaces).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "insert into drills (velero_namespace, restore, backup, schedule, namespaces, phase,
                             items_restored, total_items, warnings, errors, started_at, finished_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (velero_namespace, restore) do update set
             phase = excluded.phase, items_restored = excluded.items_restored,
             total_items = excluded.total_items, warnings = excluded.warnings,
             errors = excluded.errors, finished_at = excluded.finished_at",
    )
    .bind(&d.velero_namespace)
    .bind(&d.restore)
    .bind(&d.backup)
    .bind(&d.schedule)
    .bind(namespaces)
    .bind(&d.phase)
    .bind(d.items_restored.map(|n| n as i64))
    .bind(d.total_items.map(|n| n as i64))
    .bind(d.warnings as i64)
    .bind(d.errors as i64)
    .bind(d.started_at)
    .bind(d.finished_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records the comparison of a finished drill.
pub async fn finish(
    pool: &SqlitePool,
    velero_namespace: &str,
    restore: &str,
    verdict: Verdict,
    report: &DrillReport,
) -> Result<(), DbError> {
    let report = serde_json::to_string(report).unwrap_or_else(|_| "{}".into());
    sqlx::query(
        "update drills set verdict = ?, report = ? where velero_namespace = ? and restore = ?",
    )
    .bind(verdict.as_str())
    .bind(report)
    .bind(velero_namespace)
    .bind(restore)
    .execute(pool)
    .await?;
    Ok(())
}

/// Marks a drill's scratch namespaces gone at `at`.
pub async fn cleaned_up(
    pool: &SqlitePool,
    velero_namespace: &str,
    restore: &str,
    at: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "update drills set cleaned_up_at = ?
         where velero_namespace = ? and restore = ? and cleaned_up_at is null",
    )
    .bind(at)
    .bind(velero_namespace)
    .bind(restore)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every drill, newest first.
pub async fn all(pool: &SqlitePool) -> Result<Vec<Drill>, DbError> {
    let rows = sqlx::query(
        "select velero_namespace, restore, backup, schedule, namespaces, phase, items_restored,
                total_items, warnings, errors, started_at, finished_at, verdict, report,
                cleaned_up_at
         from drills order by started_at desc, restore desc",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let namespaces: String = r.get("namespaces");
            let verdict: Option<String> = r.get("verdict");
            let report: Option<String> = r.get("report");
            Drill {
                velero_namespace: r.get("velero_namespace"),
                restore: r.get("restore"),
                backup: r.get("backup"),
                schedule: r.get("schedule"),
                namespaces: serde_json::from_str(&namespaces).unwrap_or_default(),
                phase: r.get("phase"),
                items_restored: r.get::<Option<i64>, _>("items_restored").map(|n| n as u64),
                total_items: r.get::<Option<i64>, _>("total_items").map(|n| n as u64),
                warnings: r.get::<i64, _>("warnings") as u64,
                errors: r.get::<i64, _>("errors") as u64,
                started_at: r.get("started_at"),
                finished_at: r.get("finished_at"),
                verdict: verdict.as_deref().and_then(Verdict::parse),
                report: report.and_then(|t| serde_json::from_str(&t).ok()),
                cleaned_up_at: r.get("cleaned_up_at"),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drill(restore: &str, started_at: i64) -> Drill {
        Drill {
            velero_namespace: "velero".into(),
            restore: restore.into(),
            backup: "daily-20261205030000".into(),
            schedule: Some("daily".into()),
            namespaces: vec![("media".into(), "drill-media-20261205030000".into())],
            phase: "InProgress".into(),
            items_restored: Some(3),
            total_items: Some(9),
            warnings: 0,
            errors: 0,
            started_at,
            finished_at: None,
            verdict: None,
            report: None,
            cleaned_up_at: None,
        }
    }

    #[tokio::test]
    async fn a_drill_is_updated_as_it_runs_then_finished_and_cleaned_up_once() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        upsert(&pool, &drill("drill-1", 100)).await.unwrap();
        upsert(&pool, &drill("drill-0", 50)).await.unwrap();
        let mut done = drill("drill-1", 999);
        done.phase = "Completed".into();
        done.finished_at = Some(130);
        upsert(&pool, &done).await.unwrap();
        let report = DrillReport {
            warnings: vec!["media: x".into()],
            ..DrillReport::default()
        };
        finish(&pool, "velero", "drill-1", Verdict::Warnings, &report)
            .await
            .unwrap();
        cleaned_up(&pool, "velero", "drill-1", 200).await.unwrap();
        cleaned_up(&pool, "velero", "drill-1", 300).await.unwrap();
        let all = all(&pool).await.unwrap();
        assert_eq!(all.len(), 2);
        let d = &all[0];
        assert_eq!(d.restore, "drill-1");
        assert_eq!(d.started_at, 100, "a drill's start is kept");
        assert_eq!(d.phase, "Completed");
        assert_eq!(d.verdict, Some(Verdict::Warnings));
        assert_eq!(d.report.as_ref().unwrap().warnings, vec!["media: x"]);
        assert_eq!(d.cleaned_up_at, Some(200));
        assert_eq!(d.namespaces[0].1, "drill-media-20261205030000");
    }
}
