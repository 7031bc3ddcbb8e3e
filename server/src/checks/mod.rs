//! Outside-in checks of every HTTPRoute: each hostname requested the way a browser would, on an
//! interval, with the status, latency and certificate expiry kept in the caches, so the views
//! read them from the same snapshot as everything else. A route failing while its pods are Ready
//! makes its service Down; a route meant to be behind sign-in that answers 200 anonymously is a
//! problem in the health summary (and so a notification), as is a certificate near its end.
//!
//! - [`targets`]: what to check, from the routes (pure).
//! - [`probe`]: one request.
//! - [`poll`]: the rounds.
//! - [`demo`]: the demo's recorded results (it sends no traffic).
//!
//! Checks reach only what they are configured to reach: nothing unless `checks.enabled`, and
//! then the routes' hostnames, at `checks.gateway_address` when set. The demo never checks.

pub mod demo;
pub mod poll;
pub mod probe;
pub mod targets;
