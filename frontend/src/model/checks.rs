//! Outside-in checks of the HTTPRoutes: each route's hostname requested the way a browser does,
//! through the Gateway, with what it answered, how fast, and when its certificate expires.

use serde::{Deserialize, Serialize};

/// How one check came out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It answered, and not with a server error.
    Answered,
    /// A route meant to be behind sign-in answered an anonymous request 200 without sending it
    /// to the identity provider.
    Exposed,
    /// No answer, a broken TLS handshake, or a 5xx: the route fails.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteCheck {
    /// The service the route belongs to (`media/plex`).
    pub service: String,
    /// The HTTPRoute, `namespace/name`.
    pub route: String,
    pub hostname: String,
    /// Meant to be behind sign-in (configured, or annotated on the route).
    pub protected: bool,
    /// Unix seconds of the check.
    pub at: i64,
    pub outcome: Outcome,
    /// The HTTP status it answered, if it answered.
    pub code: Option<u16>,
    pub latency_ms: u64,
    /// Whole days until the served certificate expires (negative: expired).
    pub cert_days: Option<i64>,
    /// Why it failed, or where it redirected to.
    pub detail: Option<String>,
}

impl RouteCheck {
    pub fn failed(&self) -> bool {
        self.outcome == Outcome::Failed
    }

    pub fn exposed(&self) -> bool {
        self.outcome == Outcome::Exposed
    }
}

/// Every route's last check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteChecksView {
    /// Checks run (or were recorded, in the demo): false when `checks.enabled` is off.
    pub enabled: bool,
    /// A certificate expiring within this many days is a problem.
    pub cert_warn_days: i64,
    pub checks: Vec<RouteCheck>,
}

impl RouteChecksView {
    /// The checks of service `id`.
    pub fn of(&self, id: &str) -> impl Iterator<Item = &RouteCheck> {
        let id = id.to_owned();
        self.checks.iter().filter(move |c| c.service == id)
    }
}
