//! The demo's route checks, as recorded: every route answering but Bazarr's (its pod
//! crash-loops), the protected ones sending people to sign in. The demo sends no traffic.

use frontend::model::checks::{RouteCheck, RouteChecksView};

use crate::cluster::ClusterCache;

/// Each check's `at` is seconds before the demo's moment.
const DEMO_CHECKS: &str = include_str!("../../demo/route-checks.json");

/// Fills the demo's recorded checks, as of `as_of`.
pub fn load(cache: &ClusterCache, as_of: i64, cert_warn_days: i64) -> Result<(), String> {
    let mut checks: Vec<RouteCheck> =
        serde_json::from_str(DEMO_CHECKS).map_err(|e| format!("demo route checks: {e}"))?;
    for c in &mut checks {
        c.at = as_of - c.at;
    }
    cache.set_route_checks(RouteChecksView {
        enabled: true,
        cert_warn_days,
        checks,
    });
    Ok(())
}
