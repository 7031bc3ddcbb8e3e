//! Views: pure functions from a cache [`Snapshot`] to the shared view types. No I/O here, so each
//! is unit-tested with fixtures.

pub mod backups;
pub mod drills;
pub mod events;
pub mod gitops;
pub mod health;
pub mod incident;
pub mod nodes;
pub mod quantity;
pub mod services;
pub mod snapshot;
pub mod storage;
pub mod topology;
pub mod workloads;

#[cfg(test)]
pub mod fixtures;

pub use snapshot::Snapshot;

/// Unix seconds of an RFC 3339 timestamp, or None when absent or malformed.
pub fn unix(ts: Option<&str>) -> Option<i64> {
    ts?.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// `namespace/name` of an object.
pub fn key(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    format!(
        "{}/{}",
        meta.namespace.as_deref().unwrap_or(""),
        meta.name.as_deref().unwrap_or("")
    )
}
