//! The SQL of the status history: `service_status`, `status_hourly` and `status_daily`.

use std::collections::HashMap;

use frontend::model::ServiceStatus;
use sqlx::SqlitePool;

use super::summary::StateSeconds;
use super::tracker::{Changes, Current};
use crate::db::DbError;

/// Hourly rows are kept this long, then folded into daily rows; the bar needs seven days.
pub const HOURLY_RETENTION_SECS: i64 = 8 * 86_400;

pub fn status_name(status: ServiceStatus) -> &'static str {
    status.as_str()
}

pub fn parse_status(name: &str) -> ServiceStatus {
    match name {
        "up" => ServiceStatus::Up,
        "degraded" => ServiceStatus::Degraded,
        "down" => ServiceStatus::Down,
        "scaled_to_zero" => ServiceStatus::ScaledToZero,
        _ => ServiceStatus::Unknown,
    }
}

/// Splits `[from, to)` at hour boundaries: (hour start, seconds in it).
pub fn split_hours(from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let hour = at - at.rem_euclid(3600);
        let end = (hour + 3600).min(to);
        out.push((hour, end - at));
        at = end;
    }
    out
}

pub async fn load_current(pool: &SqlitePool) -> Result<HashMap<String, Current>, DbError> {
    let rows: Vec<(String, String, i64, i64)> =
        sqlx::query_as("select service, status, since, accounted_until from service_status")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(service, status, since, accounted_until)| {
            let status = parse_status(&status);
            let current = Current {
                status,
                since,
                accounted_until,
                accruing: status,
            };
            (service, current)
        })
        .collect())
}

/// Writes one observation's changes, all or nothing.
pub async fn apply(pool: &SqlitePool, changes: &Changes) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    for credit in &changes.credits {
        for (hour, secs) in split_hours(credit.from, credit.to) {
            let s = StateSeconds::of(credit.status, secs);
            sqlx::query(
                "insert into status_hourly (service, hour, up, degraded, down, off, unknown)
                 values (?, ?, ?, ?, ?, ?, ?)
                 on conflict (service, hour) do update set
                   up = up + excluded.up, degraded = degraded + excluded.degraded,
                   down = down + excluded.down, off = off + excluded.off,
                   unknown = unknown + excluded.unknown",
            )
            .bind(&credit.service)
            .bind(hour)
            .bind(s.up)
            .bind(s.degraded)
            .bind(s.down)
            .bind(s.off)
            .bind(s.unknown)
            .execute(&mut *tx)
            .await?;
        }
    }
    for (service, c) in &changes.current {
        sqlx::query(
            "insert into service_status (service, status, since, accounted_until)
             values (?, ?, ?, ?)
             on conflict (service) do update set status = excluded.status,
               since = excluded.since, accounted_until = excluded.accounted_until",
        )
        .bind(service)
        .bind(status_name(c.status))
        .bind(c.since)
        .bind(c.accounted_until)
        .execute(&mut *tx)
        .await?;
    }
    for service in &changes.removed {
        sqlx::query("delete from service_status where service = ?")
            .bind(service)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every service's hourly rows from `since` on.
pub async fn hourly_since(
    pool: &SqlitePool,
    since: i64,
) -> Result<HashMap<String, HashMap<i64, StateSeconds>>, DbError> {
    type Row = (String, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "select service, hour, up, degraded, down, off, unknown from status_hourly where hour >= ?",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<String, HashMap<i64, StateSeconds>> = HashMap::new();
    for (service, hour, up, degraded, down, off, unknown) in rows {
        out.entry(service).or_default().insert(
            hour,
            StateSeconds {
                up,
                degraded,
                down,
                off,
                unknown,
            },
        );
    }
    Ok(out)
}

/// Folds hourly rows older than `before` into daily rows (UTC days) and deletes them, in one
/// transaction, so no second is counted twice or lost.
pub async fn compact(pool: &SqlitePool, before: i64) -> Result<u64, DbError> {
    let before = before - before.rem_euclid(3600);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "insert into status_daily (service, day, up, degraded, down, off, unknown)
         select service, hour - (hour % 86400), sum(up), sum(degraded), sum(down), sum(off),
                sum(unknown)
         from status_hourly where hour < ? group by 1, 2 order by 1, 2
         on conflict (service, day) do update set
           up = up + excluded.up, degraded = degraded + excluded.degraded,
           down = down + excluded.down, off = off + excluded.off,
           unknown = unknown + excluded.unknown",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query("delete from status_hourly where hour < ?")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::tracker::Credit;

    async fn pool() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        (dir, pool)
    }

    fn credit(status: ServiceStatus, from: i64, to: i64) -> Changes {
        Changes {
            credits: vec![Credit {
                service: "media/plex".into(),
                status,
                from,
                to,
            }],
            ..Default::default()
        }
    }

    async fn totals(pool: &SqlitePool, table: &str) -> (i64, i64) {
        sqlx::query_as(&format!(
            "select coalesce(sum(up), 0), coalesce(sum(down), 0) from {table}"
        ))
        .fetch_one(pool)
        .await
        .unwrap()
    }

    #[test]
    fn intervals_split_at_hour_boundaries() {
        assert_eq!(split_hours(3500, 3700), vec![(0, 100), (3600, 100)]);
        assert_eq!(split_hours(3600, 7200), vec![(3600, 3600)]);
        assert_eq!(split_hours(10, 10), vec![]);
        let long = split_hours(1800, 5 * 3600);
        assert_eq!(long.iter().map(|(_, s)| s).sum::<i64>(), 5 * 3600 - 1800);
    }

    #[tokio::test]
    async fn credits_add_up_per_hour_and_status() {
        let (_dir, pool) = pool().await;
        apply(&pool, &credit(ServiceStatus::Up, 0, 5400))
            .await
            .unwrap();
        apply(&pool, &credit(ServiceStatus::Down, 5400, 7200))
            .await
            .unwrap();
        let rows = hourly_since(&pool, 0).await.unwrap();
        let plex = &rows["media/plex"];
        assert_eq!(plex[&0].up, 3600);
        assert_eq!((plex[&3600].up, plex[&3600].down), (1800, 1800));
    }

    #[tokio::test]
    async fn compaction_moves_old_hours_to_days_without_losing_a_second() {
        let (_dir, pool) = pool().await;
        // Ten days of up time, then an hour down.
        let end = 10 * 86_400;
        apply(&pool, &credit(ServiceStatus::Up, 0, end))
            .await
            .unwrap();
        apply(&pool, &credit(ServiceStatus::Down, end, end + 3600))
            .await
            .unwrap();
        let deleted = compact(&pool, end + 3600 - HOURLY_RETENTION_SECS)
            .await
            .unwrap();
        assert_eq!(deleted, 2 * 24 + 1);
        let (hour_up, hour_down) = totals(&pool, "status_hourly").await;
        let (day_up, day_down) = totals(&pool, "status_daily").await;
        assert_eq!(hour_up + day_up, end);
        assert_eq!(hour_down + day_down, 3600);
        // Compacting again changes nothing.
        assert_eq!(
            compact(&pool, end + 3600 - HOURLY_RETENTION_SECS)
                .await
                .unwrap(),
            0
        );
        let days: i64 = sqlx::query_scalar("select count(*) from status_daily")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(days, 3, "days 0 and 1, and the first hour of day 2");
    }

    #[tokio::test]
    async fn current_status_survives_a_restart() {
        let (_dir, pool) = pool().await;
        let c = Current {
            status: ServiceStatus::Degraded,
            since: 42,
            accounted_until: 99,
            accruing: ServiceStatus::Degraded,
        };
        let changes = Changes {
            current: vec![("media/plex".into(), c.clone())],
            ..Default::default()
        };
        apply(&pool, &changes).await.unwrap();
        assert_eq!(load_current(&pool).await.unwrap()["media/plex"], c);
        let gone = Changes {
            removed: vec!["media/plex".into()],
            ..Default::default()
        };
        apply(&pool, &gone).await.unwrap();
        assert!(load_current(&pool).await.unwrap().is_empty());
    }
}
