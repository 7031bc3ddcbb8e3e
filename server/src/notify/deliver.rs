//! Sending queued messages: one HTTP POST per delivery, retried with a doubling wait until it is
//! delivered or given up. Each attempt's outcome is stored and counted in `/metrics`.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use super::store::{self, Attempt, Due};
use super::Notifier;
use crate::config::{TargetConfig, TargetKind};

/// The longest one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two attempts.
const MAX_WAIT_SECS: i64 = 3600;
/// Deliveries attempted in one pass.
const BATCH: i64 = 20;

pub fn client() -> reqwest::Result<reqwest::Client> {
    // A target answering with a redirect is a misconfigured target, not a place to follow.
    reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Header values are visible ASCII: anything else in a title becomes `?` (the body keeps it).
fn header_text(text: &str) -> String {
    text.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// One attempt at one delivery.
async fn send(http: &reqwest::Client, target: &TargetConfig, d: &Due) -> Result<(), String> {
    let mut request = http.post(&target.url);
    request = match target.kind {
        TargetKind::Ntfy => {
            let mut r = request
                .header("Title", header_text(&d.title))
                .header(CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(d.body.clone());
            if let Some(link) = &d.link {
                r = r.header("Click", header_text(link));
            }
            r
        }
        TargetKind::Webhook => request
            .header(CONTENT_TYPE, "application/json")
            .body(d.payload.clone()),
    };
    if let Some(token) = &target.token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())
        } else if e.is_connect() {
            "connection refused or host unreachable".to_owned()
        } else {
            format!("sending failed: {e}")
        }
    })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("it answered {status}"))
    }
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones.
pub fn backoff(retry_secs: u32, attempts: i64) -> i64 {
    let doubled = i64::from(retry_secs).saturating_mul(1_i64 << attempts.clamp(0, 20));
    doubled.min(MAX_WAIT_SECS)
}

/// Attempts every due delivery once.
pub async fn pass(notifier: &Notifier) -> Result<(), crate::db::DbError> {
    let now = jiff::Timestamp::now().as_second();
    for d in store::due(&notifier.pool, now, BATCH).await? {
        let target = notifier.config.targets.iter().find(|t| t.name == d.target);
        let result = match target {
            Some(t) => send(&notifier.http, t, &d).await,
            None => Err(format!(
                "no target is named `{}` in the configuration any more",
                d.target
            )),
        };
        let now = jiff::Timestamp::now().as_second();
        let attempt = match result {
            Ok(()) => {
                notifier.metrics.notification(&d.target, "delivered");
                Attempt::Delivered
            }
            Err(error) => {
                let last =
                    target.is_none() || d.attempts + 1 >= i64::from(notifier.config.max_attempts);
                notifier.metrics.notification(&d.target, "failed");
                if last {
                    notifier.metrics.notification(&d.target, "given_up");
                    tracing::warn!(target = %d.target, %error, attempts = d.attempts + 1, "a notification was given up");
                } else {
                    tracing::info!(target = %d.target, %error, "a notification failed; it is retried");
                }
                Attempt::Failed {
                    error,
                    retry_at: (!last)
                        .then(|| now + backoff(notifier.config.retry_secs, d.attempts)),
                }
            }
        };
        store::record(&notifier.pool, d.id, now, attempt).await?;
    }
    notifier
        .metrics
        .notifications_waiting(store::waiting(&notifier.pool).await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_retry_waits_twice_as_long_up_to_an_hour() {
        assert_eq!(backoff(30, 0), 30);
        assert_eq!(backoff(30, 1), 60);
        assert_eq!(backoff(30, 3), 240);
        assert_eq!(backoff(30, 10), 3600);
        assert_eq!(backoff(3600, 60), 3600);
    }

    #[test]
    fn a_title_outside_visible_ascii_is_made_safe_for_a_header() {
        assert_eq!(header_text("Plex · down\n"), "Plex ? down?");
    }
}
