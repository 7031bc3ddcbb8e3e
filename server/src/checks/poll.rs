//! The rounds of route checks: every route, at most a few at once, then all results together.

use std::sync::Arc;
use std::time::Duration;

use frontend::model::checks::{RouteCheck, RouteChecksView};
use futures::StreamExt;

use super::{probe, targets};
use crate::cluster::cache::now;
use crate::cluster::ClusterCache;
use crate::config::ChecksConfig;

/// Routes checked at once.
const AT_ONCE: usize = 8;

/// Starts the rounds when `checks.enabled`; the first runs at once.
pub fn spawn(cache: Arc<ClusterCache>, config: ChecksConfig) {
    if !config.enabled {
        return;
    }
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(config.interval_secs.into()));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let snap = cache.snapshot();
            let all = targets::targets(&snap, &config.protected);
            let client = match probe::client(&config, &all) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "route checks cannot run");
                    continue;
                }
            };
            let at = now();
            let timeout = config.timeout_secs;
            let checks: Vec<RouteCheck> = futures::stream::iter(all)
                .map(|t| {
                    let client = client.clone();
                    async move { probe::check(&client, &t, timeout, at).await }
                })
                .buffered(AT_ONCE)
                .collect()
                .await;
            cache.set_route_checks(RouteChecksView {
                enabled: true,
                cert_warn_days: config.cert_warn_days.into(),
                checks,
            });
        }
    });
}
