//! Fixture builders for view tests: `Node::test("k3s1").ready().cordoned()`.

use std::collections::BTreeMap;

use crate::cluster::demo::{self, DEMO_NOW};
use crate::cluster::views::Snapshot;
use crate::cluster::ClusterCache;

use k8s_openapi::api::core::v1::{Node, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub trait NodeFixture: Sized {
    fn test(name: &str) -> Self;
    fn ready(self) -> Self;
    fn not_ready(self) -> Self;
    fn cordoned(self) -> Self;
    fn condition(self, type_: &str, status: &str) -> Self;
    fn capacity(self, cpu: &str, memory: &str) -> Self;
    fn gpu(self, resource: &str, count: &str) -> Self;
    fn host(self, host: &str) -> Self;
    fn role(self, role: &str) -> Self;
}

impl NodeFixture for Node {
    fn test(name: &str) -> Self {
        Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            spec: Some(NodeSpec::default()),
            status: Some(NodeStatus {
                node_info: Some(NodeSystemInfo {
                    kubelet_version: "v1.32.5+k3s1".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }
    }

    fn ready(self) -> Self {
        self.condition("Ready", "True")
    }

    fn not_ready(self) -> Self {
        self.condition("Ready", "False")
    }

    fn cordoned(mut self) -> Self {
        self.spec.get_or_insert_with(Default::default).unschedulable = Some(true);
        self
    }

    fn condition(mut self, type_: &str, status: &str) -> Self {
        let s = self.status.get_or_insert_with(Default::default);
        s.conditions
            .get_or_insert_with(Vec::new)
            .push(NodeCondition {
                type_: type_.into(),
                status: status.into(),
                ..Default::default()
            });
        self
    }

    fn capacity(mut self, cpu: &str, memory: &str) -> Self {
        let s = self.status.get_or_insert_with(Default::default);
        let a = s.allocatable.get_or_insert_with(BTreeMap::new);
        a.insert("cpu".into(), Quantity(cpu.into()));
        a.insert("memory".into(), Quantity(memory.into()));
        self
    }

    fn gpu(mut self, resource: &str, count: &str) -> Self {
        let s = self.status.get_or_insert_with(Default::default);
        s.allocatable
            .get_or_insert_with(BTreeMap::new)
            .insert(resource.into(), Quantity(count.into()));
        self
    }

    fn host(self, host: &str) -> Self {
        self.label(super::nodes::HOST_LABEL, host)
    }

    fn role(self, role: &str) -> Self {
        self.label(&format!("node-role.kubernetes.io/{role}"), "true")
    }
}

trait Labelled {
    fn label(self, key: &str, value: &str) -> Self;
}

impl Labelled for Node {
    fn label(mut self, key: &str, value: &str) -> Self {
        self.metadata
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
        self
    }
}

/// `Schedule::test("hourly", "0 * * * *")`: a Velero schedule in `velero`, created long ago.
pub trait ScheduleFixture: Sized {
    fn test(name: &str, cron: &str) -> Self;
    fn created(self, at: &str) -> Self;
    fn paused(self) -> Self;
}

impl ScheduleFixture for crate::cluster::crds::Schedule {
    fn test(name: &str, cron: &str) -> Self {
        let mut s = Self::new(
            name,
            crate::cluster::crds::ScheduleSpec {
                schedule: cron.into(),
                template: serde_json::json!({"includedNamespaces": ["media"], "ttl": "72h0m0s"}),
                ..Default::default()
            },
        );
        s.metadata.namespace = Some("velero".into());
        s.created("2025-01-01T00:00:00Z")
    }

    fn created(mut self, at: &str) -> Self {
        self.metadata.creation_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                at.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            ));
        self
    }

    fn paused(mut self) -> Self {
        self.spec.paused = true;
        self
    }
}

/// `Backup::test("hourly-1", "hourly", "Completed", "2025-06-16T17:00:00Z")`: a backup its
/// schedule made, finished a minute after it started unless still running.
pub trait BackupFixture: Sized {
    fn test(name: &str, schedule: &str, phase: &str, started: &str) -> Self;
}

impl BackupFixture for crate::cluster::crds::Backup {
    fn test(name: &str, schedule: &str, phase: &str, started: &str) -> Self {
        let mut b = Self::new(name, Default::default());
        b.metadata.namespace = Some("velero".into());
        b.metadata.labels = Some(BTreeMap::from([(
            super::backups::SCHEDULE_LABEL.to_string(),
            schedule.to_string(),
        )]));
        let start: jiff::Timestamp = started.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let finished = super::backups::is_finished(phase)
            .then(|| (start + jiff::SignedDuration::from_secs(60)).to_string());
        b.status = Some(crate::cluster::crds::BackupStatus {
            phase: Some(phase.into()),
            start_timestamp: Some(start.to_string()),
            completion_timestamp: finished,
            errors: Some(i64::from(phase == "Failed")),
            ..Default::default()
        });
        b
    }
}

/// A snapshot of the demo homelab as of [`DEMO_NOW`], for view tests.
pub fn demo_snapshot() -> Snapshot {
    let cache = ClusterCache::new();
    demo::load(&cache).expect("the demo fixture loads");
    let mut snap = cache.snapshot();
    snap.now = DEMO_NOW;
    snap
}
