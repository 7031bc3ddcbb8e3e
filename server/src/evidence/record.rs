//! The rows kept of watch-cache objects: a Warning event, a Velero backup run, an alert that
//! fired. Pure functions, so the recorder only decides when to write.

use frontend::model::alerts::Alert;
use k8s_openapi::api::core::v1::Event;

use crate::cluster::crds::Backup;
use crate::cluster::views::backups::SCHEDULE_LABEL;
use crate::cluster::views::unix;

/// A Warning event as kept (its columns in `evidence_events` have the same names).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRecord {
    /// The event's uid; `namespace/name` when it has none (the demo's fixtures).
    pub key: String,
    pub namespace: String,
    pub object_kind: String,
    pub object_name: String,
    /// The node that reported it (the kubelet's host), or the node it is about.
    pub node: Option<String>,
    pub reason: String,
    pub message: String,
    pub count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
}

/// A Velero backup run as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupRecord {
    pub namespace: String,
    pub name: String,
    pub schedule: Option<String>,
    pub phase: String,
    pub started: Option<i64>,
    pub completed: Option<i64>,
    pub errors: i64,
    pub warnings: i64,
    pub failure_reason: Option<String>,
    /// Included namespaces; empty (or `*`) means all.
    pub namespaces: Vec<String>,
    /// When it was first seen; its time when it never started.
    pub seen: i64,
}

impl BackupRecord {
    /// The time it is placed at: its start, else when it was seen.
    pub fn at(&self) -> i64 {
        self.started.unwrap_or(self.seen)
    }

    /// Whether it covers every namespace.
    pub fn all_namespaces(&self) -> bool {
        self.namespaces.is_empty() || self.namespaces.iter().any(|n| n == "*")
    }
}

/// An alert's firing as kept: the alert, and the last time the server saw it firing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertRecord {
    pub alert: Alert,
    pub last_seen: i64,
}

impl AlertRecord {
    /// When it started firing.
    pub fn started(&self) -> i64 {
        self.alert.since.unwrap_or(self.last_seen)
    }
}

/// The row of an alert seen firing at `now`; None for a silenced or inhibited one (it was not
/// what anyone was told) and for one without a start.
pub fn alert(a: &Alert, now: i64) -> Option<AlertRecord> {
    let since = a.since?;
    a.is_firing().then(|| AlertRecord {
        alert: a.clone(),
        last_seen: now.max(since),
    })
}

/// The row of a Warning event; None for other events and for one without any time.
pub fn event(e: &Event) -> Option<EventRecord> {
    if e.type_.as_deref() != Some("Warning") {
        return None;
    }
    let namespace = e.metadata.namespace.clone().unwrap_or_default();
    let key = match &e.metadata.uid {
        Some(uid) if !uid.is_empty() => uid.clone(),
        _ => format!("{namespace}/{}", e.metadata.name.as_deref()?),
    };
    let series_last = e
        .series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| t.0.as_second());
    let event_time = e.event_time.as_ref().map(|t| t.0.as_second());
    let created = e
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0.as_second());
    let first_seen = e
        .first_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or(event_time)
        .or(created)?;
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or(series_last)
        .or(event_time)
        .unwrap_or(first_seen)
        .max(first_seen);
    let o = &e.involved_object;
    let object_kind = o.kind.clone().unwrap_or_default();
    let object_name = o.name.clone().unwrap_or_default();
    let reporter = e
        .source
        .as_ref()
        .and_then(|s| s.host.clone())
        .or_else(|| e.reporting_instance.clone())
        .filter(|h| !h.is_empty());
    let node = if object_kind == "Node" {
        Some(object_name.clone())
    } else {
        reporter
    };
    let count = e
        .series
        .as_ref()
        .and_then(|s| s.count)
        .or(e.count)
        .unwrap_or(1)
        .max(1);
    Some(EventRecord {
        key,
        namespace,
        object_kind,
        object_name,
        node,
        reason: e.reason.clone().unwrap_or_default(),
        message: e.message.clone().unwrap_or_default(),
        count: i64::from(count),
        first_seen,
        last_seen,
    })
}

/// The row of a Backup, first seen at `now` unless it says when it was created.
pub fn backup(b: &Backup, now: i64) -> Option<BackupRecord> {
    let status = b.status.clone().unwrap_or_default();
    let created = b
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0.as_second());
    Some(BackupRecord {
        namespace: b.metadata.namespace.clone().unwrap_or_default(),
        name: b.metadata.name.clone()?,
        schedule: b
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(SCHEDULE_LABEL))
            .cloned(),
        phase: status.phase.unwrap_or_else(|| "New".into()),
        started: unix(status.start_timestamp.as_deref()),
        completed: unix(status.completion_timestamp.as_deref()),
        errors: status.errors.unwrap_or(0),
        warnings: status.warnings.unwrap_or(0),
        failure_reason: status.failure_reason.filter(|r| !r.is_empty()),
        namespaces: b.spec.included_namespaces.clone(),
        seen: created.unwrap_or(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_yaml(yaml: &str) -> Event {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn a_warning_event_is_kept_with_its_node_count_and_times() {
        let e = event_yaml(
            "metadata: {name: plex-1.17, namespace: media, uid: u-1}
involvedObject: {kind: Pod, namespace: media, name: plex-7d9f-abcde}
reason: BackOff
message: Back-off restarting failed container
source: {component: kubelet, host: k3s2}
firstTimestamp: '2025-06-14T20:00:00Z'
lastTimestamp: '2025-06-14T20:40:00Z'
count: 12
type: Warning",
        );
        let r = event(&e).unwrap();
        assert_eq!(r.key, "u-1");
        assert_eq!(r.node.as_deref(), Some("k3s2"));
        assert_eq!(r.count, 12);
        assert_eq!(r.last_seen - r.first_seen, 2400);
        let mut normal = e.clone();
        normal.type_ = Some("Normal".into());
        assert_eq!(event(&normal), None);
    }

    #[test]
    fn a_node_event_is_about_that_node_and_a_uid_less_one_keyed_by_name() {
        let e = event_yaml(
            "metadata: {name: k3s1.abc, namespace: default, creationTimestamp: '2025-06-16T16:58:44Z'}
involvedObject: {kind: Node, name: k3s1}
reason: NodeNotReady
message: not ready
source: {component: node-controller}
type: Warning",
        );
        let r = event(&e).unwrap();
        assert_eq!(r.key, "default/k3s1.abc");
        assert_eq!(r.node.as_deref(), Some("k3s1"));
        assert_eq!((r.count, r.first_seen), (1, r.last_seen));
    }
}
