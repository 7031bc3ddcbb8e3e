//! SQL of the notifications: the announced states, and the deliveries with their attempts.

use sqlx::{Row, SqlitePool};

use super::debounce::{Announced, Seen};
use super::message::Message;
use crate::db::DbError;
use frontend::model::notify::{AnnouncedRow, DeliveryRow};

/// Every announced state, as the tracker resumes from it.
#[tracing::instrument(skip_all)]
pub async fn load(pool: &SqlitePool) -> Result<Vec<Announced>, DbError> {
    let rows = sqlx::query(
        "select key, state, subject, name, words, link, family, since
         from notify_state",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let state: String = r.get("state");
            Announced {
                seen: Seen {
                    key: r.get("key"),
                    ok: state == "up" || state == super::debounce::OK,
                    state,
                    subject: r.get("subject"),
                    name: r.get("name"),
                    words: r.get("words"),
                    link: r.get("link"),
                    family: r.get::<i64, _>("family") != 0,
                },
                since: r.get("since"),
            }
        })
        .collect())
}

/// A message for one target, as queued.
pub struct Queued<'a> {
    pub target: &'a str,
    pub kind: &'static str,
    pub message: &'a Message,
}

/// In one transaction: the states to store (a service's in any state, another subject's only
/// while it is a problem), the keys to forget, and the messages to send. A crash before the
/// commit sends and stores nothing, so the change is found again after the restart; after it,
/// the messages are queued and the change is not found again.
#[tracing::instrument(skip_all, fields(states = states.len(), queued = queued.len()))]
pub async fn commit(
    pool: &SqlitePool,
    now: i64,
    states: &[Announced],
    forget: &[String],
    queued: &[Queued<'_>],
) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    for a in states {
        let s = &a.seen;
        if s.ok && !s.key.starts_with("service:") {
            sqlx::query("delete from notify_state where key = ?")
                .bind(&s.key)
                .execute(&mut *tx)
                .await?;
            continue;
        }
        sqlx::query(
            "insert into notify_state (key, state, subject, name, words, link, family, since)
             values (?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (key) do update set
                 state = excluded.state, subject = excluded.subject, name = excluded.name,
                 words = excluded.words, link = excluded.link, family = excluded.family,
                 since = excluded.since",
        )
        .bind(&s.key)
        .bind(&s.state)
        .bind(&s.subject)
        .bind(&s.name)
        .bind(&s.words)
        .bind(&s.link)
        .bind(s.family as i64)
        .bind(a.since)
        .execute(&mut *tx)
        .await?;
    }
    for key in forget {
        sqlx::query("delete from notify_state where key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    for q in queued {
        sqlx::query(
            "insert into notify_delivery (target, kind, created_at, title, body, link, payload,
                                          next_attempt_at)
             values (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(q.target)
        .bind(q.kind)
        .bind(now)
        .bind(&q.message.title)
        .bind(&q.message.body)
        .bind(&q.message.link)
        .bind(q.message.payload.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A delivery the sender is to attempt.
pub struct Due {
    pub id: i64,
    pub target: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub payload: String,
    pub attempts: i64,
}

/// Deliveries due at `now`, oldest first.
pub async fn due(pool: &SqlitePool, now: i64, limit: i64) -> Result<Vec<Due>, DbError> {
    let rows = sqlx::query(
        "select id, target, title, body, link, payload, attempts
         from notify_delivery
         where delivered_at is null and given_up_at is null and next_attempt_at <= ?
         order by id
         limit ?",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            id: r.get("id"),
            target: r.get("target"),
            title: r.get("title"),
            body: r.get("body"),
            link: r.get("link"),
            payload: r.get("payload"),
            attempts: r.get("attempts"),
        })
        .collect())
}

/// The earliest time a waiting delivery is due, if any waits.
pub async fn next_due(pool: &SqlitePool) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "select min(next_attempt_at) from notify_delivery
         where delivered_at is null and given_up_at is null",
    )
    .fetch_one(pool)
    .await?)
}

/// What one attempt came to.
pub enum Attempt {
    Delivered,
    /// Failed; tried again at `retry_at`, or given up when None.
    Failed {
        error: String,
        retry_at: Option<i64>,
    },
}

pub async fn record(pool: &SqlitePool, id: i64, now: i64, attempt: Attempt) -> Result<(), DbError> {
    match attempt {
        Attempt::Delivered => {
            sqlx::query(
                "update notify_delivery set attempts = attempts + 1, delivered_at = ?
                 where id = ?",
            )
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
        }
        Attempt::Failed { error, retry_at } => {
            sqlx::query(
                "update notify_delivery
                 set attempts = attempts + 1, last_error = ?,
                     next_attempt_at = coalesce(?, next_attempt_at),
                     given_up_at = case when ? is null then ? end
                 where id = ?",
            )
            .bind(error)
            .bind(retry_at)
            .bind(retry_at)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

/// Deletes deliveries that ended (delivered or given up) before `before`; returns how many.
/// Waiting ones stay whatever their age.
#[tracing::instrument(skip_all)]
pub async fn prune(pool: &SqlitePool, before: i64) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "delete from notify_delivery
         where created_at < ? and (delivered_at is not null or given_up_at is not null)",
    )
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected())
}

/// Deliveries waiting to be sent or retried.
pub async fn waiting(pool: &SqlitePool) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "select count(*) from notify_delivery where delivered_at is null and given_up_at is null",
    )
    .fetch_one(pool)
    .await?)
}

/// The last `limit` deliveries, newest first, for the Notifications page.
pub async fn recent(pool: &SqlitePool, limit: i64) -> Result<Vec<DeliveryRow>, DbError> {
    let rows = sqlx::query(
        "select id, target, kind, created_at, title, body, attempts, next_attempt_at,
                delivered_at, given_up_at, last_error
         from notify_delivery
         order by id desc
         limit ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeliveryRow {
            id: r.get("id"),
            target: r.get("target"),
            test: r.get::<String, _>("kind") == "test",
            created_at: r.get("created_at"),
            title: r.get("title"),
            body: r.get("body"),
            attempts: r.get("attempts"),
            next_attempt_at: r.get("next_attempt_at"),
            delivered_at: r.get("delivered_at"),
            given_up_at: r.get("given_up_at"),
            last_error: r.get("last_error"),
        })
        .collect())
}

/// Problems and services announced as not fine, for the Notifications page.
pub async fn announced_problems(pool: &SqlitePool) -> Result<Vec<AnnouncedRow>, DbError> {
    let rows = sqlx::query(
        "select subject, words, link, since from notify_state
         where state not in ('up', 'ok')
         order by since desc",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AnnouncedRow {
            subject: r.get("subject"),
            words: r.get("words"),
            link: r.get("link"),
            since: r.get("since"),
        })
        .collect())
}

/// A delivery of the demo's past, written as it ended.
pub struct Past<'a> {
    pub target: &'a str,
    pub at: i64,
    pub message: &'a Message,
    pub attempts: i64,
    /// Delivered at `at` plus this many seconds; None: given up then.
    pub delivered_after: Option<i64>,
    pub last_error: Option<&'a str>,
}

/// Writes the demo's past deliveries and what they announced, in one transaction.
pub async fn write_past(
    pool: &SqlitePool,
    states: &[Announced],
    past: &[Past<'_>],
) -> Result<(), DbError> {
    let now = past.iter().map(|p| p.at).max().unwrap_or_default();
    commit(pool, now, states, &[], &[]).await?;
    let mut tx = pool.begin().await?;
    for p in past {
        let ended = p.at + p.delivered_after.unwrap_or(3600);
        sqlx::query(
            "insert into notify_delivery (target, kind, created_at, title, body, link, payload,
                                          attempts, next_attempt_at, delivered_at, given_up_at,
                                          last_error)
             values (?, 'change', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.target)
        .bind(p.at)
        .bind(&p.message.title)
        .bind(&p.message.body)
        .bind(&p.message.link)
        .bind(p.message.payload.to_string())
        .bind(p.attempts)
        .bind(ended)
        .bind(p.delivered_after.map(|_| ended))
        .bind(p.delivered_after.is_none().then_some(ended))
        .bind(p.last_error)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pruning_deletes_old_ended_deliveries_and_keeps_waiting_ones() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path()).await.unwrap();
        let m = super::super::message::test("t", "http://127.0.0.1");
        let q = |target| Queued {
            target,
            kind: "test",
            message: &m,
        };
        commit(&pool, 100, &[], &[], &[q("old"), q("waiting")])
            .await
            .unwrap();
        commit(&pool, 5_000, &[], &[], &[q("new")]).await.unwrap();
        let ids: Vec<(i64, String)> = sqlx::query_as("select id, target from notify_delivery")
            .fetch_all(&pool)
            .await
            .unwrap();
        for (id, target) in &ids {
            if target != "waiting" {
                record(&pool, *id, 200, Attempt::Delivered).await.unwrap();
            }
        }
        assert_eq!(
            prune(&pool, 1_000).await.unwrap(),
            1,
            "only the old delivered one"
        );
        let left: Vec<String> =
            sqlx::query_scalar("select target from notify_delivery order by id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(left, ["waiting", "new"]);
    }
}
