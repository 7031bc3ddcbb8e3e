//! Alerts from Alertmanager (API v2), read on an interval like a watch cache with its own
//! freshness ([`frontend::model::alerts::AlertSource`]), kept in the cluster caches so every view
//! is computed from one snapshot: service and node pages list the alerts about them, and a
//! critical alert that fires makes the health summary Degraded.
//!
//! - [`read`]: Alertmanager's JSON to alerts and silences (pure).
//! - [`ties`]: which alerts are about a service or a node (pure).
//! - [`poll`]: the reader that keeps them current, and the demo's recorded answers.

pub mod poll;
pub mod read;
pub mod ties;
