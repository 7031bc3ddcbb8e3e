//! Keeps the caches' alerts current: reads Alertmanager every `alerts.refresh_secs`. A failed
//! read keeps the last alerts and marks them unreachable (since when, and why), the way a watch
//! cache goes stale; it never stops the reader or the server.

use std::sync::Arc;
use std::time::Duration;

use frontend::model::alerts::{AlertSource, AlertsView};

use super::read;
use crate::cluster::cache::now;
use crate::cluster::ClusterCache;
use crate::config::AlertsConfig;

/// The demo's Alertmanager answers, as API v2 JSON: `{"alerts": [...], "silences": [...]}`.
const DEMO_ALERTS: &str = include_str!("../../demo/alerts.json");

/// The longest a read may take: a hung Alertmanager is unreachable, not a stuck reader.
const MAX_READ: Duration = Duration::from_secs(10);

/// Fills the demo's alerts, read as of `as_of` (the demo's moment).
pub fn load_demo(cache: &ClusterCache, as_of: i64) -> Result<(), String> {
    let recorded: serde_json::Value =
        serde_json::from_str(DEMO_ALERTS).map_err(|e| format!("demo alerts: {e}"))?;
    let part = |key: &str| serde_json::to_vec(&recorded[key]).unwrap_or_default();
    cache.set_alerts(AlertsView {
        source: AlertSource::Live { as_of },
        url: None,
        alerts: read::alerts(&part("alerts"))?,
        silences: read::silences(&part("silences"))?,
    });
    Ok(())
}

/// Starts reading the configured Alertmanager; does nothing when none is configured.
pub fn spawn(cache: Arc<ClusterCache>, config: &AlertsConfig) {
    let Some(url) = config.alertmanager_url.clone() else {
        return;
    };
    let url = url.trim_end_matches('/').to_owned();
    let every = Duration::from_secs(config.refresh_secs.into());
    let http = match reqwest::Client::builder()
        .timeout(every.min(MAX_READ))
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            cache.set_alerts(AlertsView {
                source: AlertSource::Unreachable {
                    since: now(),
                    reason: format!("no HTTP client: {e}"),
                    as_of: None,
                },
                url: Some(url),
                ..AlertsView::default()
            });
            return;
        }
    };
    cache.set_alerts(AlertsView {
        source: AlertSource::Starting,
        url: Some(url.clone()),
        ..AlertsView::default()
    });
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let result = fetch(&http, &url).await;
            let mut view = (*cache.alerts()).clone();
            match result {
                Ok((alerts, silences)) => {
                    view.source = AlertSource::Live { as_of: now() };
                    view.alerts = alerts;
                    view.silences = silences;
                }
                Err(reason) => {
                    let (since, as_of) = match view.source {
                        AlertSource::Unreachable { since, as_of, .. } => (since, as_of),
                        AlertSource::Live { as_of } => (now(), Some(as_of)),
                        _ => (now(), None),
                    };
                    if !matches!(view.source, AlertSource::Unreachable { .. }) {
                        tracing::warn!(%url, %reason, "Alertmanager cannot be read");
                    }
                    view.source = AlertSource::Unreachable {
                        since,
                        reason,
                        as_of,
                    };
                }
            }
            cache.set_alerts(view);
        }
    });
}

/// One read of both lists.
async fn fetch(
    http: &reqwest::Client,
    url: &str,
) -> Result<
    (
        Vec<frontend::model::alerts::Alert>,
        Vec<frontend::model::alerts::Silence>,
    ),
    String,
> {
    let alerts = get(http, &format!("{url}/api/v2/alerts")).await?;
    let silences = get(http, &format!("{url}/api/v2/silences")).await?;
    Ok((read::alerts(&alerts)?, read::silences(&silences)?))
}

async fn get(http: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let response = http.get(url).send().await.map_err(|e| {
        if e.is_timeout() {
            format!("no answer within {} s", MAX_READ.as_secs())
        } else if e.is_connect() {
            "connection refused or host unreachable".to_owned()
        } else {
            e.to_string()
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("it answered {status}"));
    }
    response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
}
