//! The health summary: Operational, Degraded or Down, with every reason, computed from the
//! caches the way the homelab's documentation tried to keep it by hand.

use std::collections::BTreeSet;

use frontend::model::{HealthLevel, HealthReason, HealthSummary, Readiness, ServiceStatus};

use super::{nodes, services, Snapshot};

/// Longhorn's CSI driver: every node with Longhorn disks must have it registered.
pub const LONGHORN_DRIVER: &str = "driver.longhorn.io";

fn reason(
    level: HealthLevel,
    area: &str,
    subject: impl Into<String>,
    message: impl Into<String>,
    link: &str,
) -> HealthReason {
    HealthReason {
        level,
        area: area.into(),
        subject: subject.into(),
        message: message.into(),
        link: Some(link.into()),
    }
}

pub fn summary(snap: &Snapshot) -> HealthSummary {
    let mut reasons = Vec::new();

    // Nodes: NotReady is down for a control plane (the homelab has one) and degraded otherwise.
    let node_views = nodes::summaries(&snap.nodes);
    for n in &node_views {
        let link = format!("/topology/{}", n.name);
        let control_plane = n
            .roles
            .iter()
            .any(|r| r == "control-plane" || r == "master");
        match n.ready {
            Readiness::Ready => {}
            Readiness::NotReady | Readiness::Unknown => {
                let level = if control_plane {
                    HealthLevel::Down
                } else {
                    HealthLevel::Degraded
                };
                reasons.push(reason(level, "node", &n.name, "node is not ready", &link));
            }
        }
        for p in &n.problems {
            reasons.push(reason(
                HealthLevel::Degraded,
                "node",
                &n.name,
                format!("node reports {p}"),
                &link,
            ));
        }
        if n.cordoned {
            reasons.push(reason(
                HealthLevel::Degraded,
                "node",
                &n.name,
                "node is cordoned: no new pods are scheduled on it",
                &link,
            ));
        }
    }
    if !node_views.is_empty() && node_views.iter().all(|n| n.ready != Readiness::Ready) {
        reasons.push(reason(
            HealthLevel::Down,
            "node",
            "cluster",
            "no node is ready",
            "/topology",
        ));
    }

    // Workloads, through the catalog so each app is named once.
    for s in services::catalog(snap) {
        let link = format!("/services/{}", s.id);
        match s.status {
            ServiceStatus::Down => reasons.push(reason(
                HealthLevel::Degraded,
                "workload",
                &s.id,
                format!("{} has no ready replicas", s.name),
                &link,
            )),
            ServiceStatus::Degraded => reasons.push(reason(
                HealthLevel::Degraded,
                "workload",
                &s.id,
                format!("{} is missing ready replicas", s.name),
                &link,
            )),
            ServiceStatus::ScaledToZero => reasons.push(reason(
                HealthLevel::Degraded,
                "workload",
                &s.id,
                format!("{} is scaled to zero", s.name),
                &link,
            )),
            ServiceStatus::Up | ServiceStatus::Unknown => {}
        }
    }

    // CSI: a node with Longhorn disks but no registered Longhorn driver cannot mount its volumes.
    let longhorn_nodes: BTreeSet<String> = snap
        .longhorn_nodes
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    for name in &longhorn_nodes {
        let registered = snap.csi_nodes.iter().any(|c| {
            c.metadata.name.as_deref() == Some(name.as_str())
                && c.spec.drivers.iter().any(|d| d.name == LONGHORN_DRIVER)
        });
        if !registered {
            reasons.push(reason(
                HealthLevel::Degraded,
                "storage",
                name,
                format!("CSI driver {LONGHORN_DRIVER} is not registered on this node"),
                "/storage",
            ));
        }
    }

    // Released PVs: their data is kept, but no claim can bind them until the claimRef is cleared.
    for pv in &snap.pvs {
        if pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Released") {
            let name = pv.metadata.name.clone().unwrap_or_default();
            let claim = pv
                .spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .map(|c| {
                    format!(
                        "{}/{}",
                        c.namespace.as_deref().unwrap_or(""),
                        c.name.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            reasons.push(reason(
                HealthLevel::Degraded,
                "storage",
                &name,
                format!("volume is Released, still claimed by {claim}"),
                "/storage",
            ));
        }
    }

    // Longhorn volumes that are not healthy (a detached volume reports "unknown": not a fault).
    for v in &snap.longhorn_volumes {
        let status = v.status.clone().unwrap_or_default();
        let robustness = status.robustness.as_deref().unwrap_or("unknown");
        let state = status.state.as_deref().unwrap_or("");
        if robustness == "faulted" || robustness == "degraded" {
            let level = if robustness == "faulted" {
                HealthLevel::Down
            } else {
                HealthLevel::Degraded
            };
            let name = v.metadata.name.clone().unwrap_or_default();
            reasons.push(reason(
                level,
                "storage",
                &name,
                format!("Longhorn volume is {robustness} ({state})"),
                "/storage",
            ));
        }
    }

    // Velero: the last backup of each schedule failed.
    for s in &snap.schedules {
        let name = s.metadata.name.clone().unwrap_or_default();
        let last = snap
            .backups
            .iter()
            .filter(|b| {
                b.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("velero.io/schedule-name"))
                    == Some(&name)
            })
            .filter(|b| {
                b.status
                    .as_ref()
                    .and_then(|st| st.phase.as_deref())
                    .is_some_and(|p| p != "InProgress" && p != "New")
            })
            .max_by_key(|b| {
                b.status
                    .as_ref()
                    .and_then(|st| st.start_timestamp.clone())
                    .unwrap_or_default()
            });
        if let Some(phase) = last
            .and_then(|b| b.status.as_ref())
            .and_then(|st| st.phase.as_deref())
        {
            if phase == "Failed" || phase == "PartiallyFailed" {
                reasons.push(reason(
                    HealthLevel::Degraded,
                    "backup",
                    format!("velero/{name}"),
                    format!("last backup of schedule {name} is {phase}"),
                    "/backups",
                ));
            }
        }
    }
    for l in &snap.storage_locations {
        if l.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Unavailable") {
            let name = l.metadata.name.clone().unwrap_or_default();
            let msg = l
                .status
                .as_ref()
                .and_then(|s| s.message.clone())
                .unwrap_or_default();
            reasons.push(reason(
                HealthLevel::Degraded,
                "backup",
                format!("velero/{name}"),
                format!("backup location {name} is Unavailable: {msg}"),
                "/backups",
            ));
        }
    }

    // Flux: suspended, or not Ready.
    let flux = snap
        .kustomizations
        .iter()
        .map(|k| {
            (
                "Kustomization",
                &k.metadata,
                k.spec.suspend,
                k.status.clone(),
            )
        })
        .chain(
            snap.helm_releases
                .iter()
                .map(|h| ("HelmRelease", &h.metadata, h.spec.suspend, h.status.clone())),
        );
    for (kind, meta, suspended, status) in flux {
        let subject = format!("{kind} {}", super::key(meta));
        if suspended {
            reasons.push(reason(
                HealthLevel::Degraded,
                "gitops",
                &subject,
                "suspended: changes in Git are not applied",
                "/gitops",
            ));
            continue;
        }
        let ready = status
            .as_ref()
            .and_then(|s| s.conditions.iter().find(|c| c.type_ == "Ready"));
        if let Some(c) = ready {
            if c.status != "True" {
                reasons.push(reason(
                    HealthLevel::Degraded,
                    "gitops",
                    &subject,
                    format!("not Ready: {}", c.message),
                    "/gitops",
                ));
            }
        }
    }

    let level = reasons
        .iter()
        .map(|r| r.level)
        .max()
        .unwrap_or(HealthLevel::Operational);
    HealthSummary { level, reasons }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use k8s_openapi::api::core::v1::Node;

    use super::*;
    use crate::cluster::views::fixtures::NodeFixture;

    #[test]
    fn an_empty_cluster_is_operational() {
        assert_eq!(
            summary(&Snapshot::default()).level,
            HealthLevel::Operational
        );
    }

    #[test]
    fn a_control_plane_that_is_not_ready_means_down_and_a_worker_degraded() {
        let snap = Snapshot {
            nodes: vec![
                Arc::new(Node::test("m").role("control-plane").not_ready()),
                Arc::new(Node::test("w").ready()),
            ],
            ..Default::default()
        };
        assert_eq!(summary(&snap).level, HealthLevel::Down);
        let snap = Snapshot {
            nodes: vec![
                Arc::new(Node::test("m").role("control-plane").ready()),
                Arc::new(Node::test("w").not_ready()),
            ],
            ..Default::default()
        };
        let s = summary(&snap);
        assert_eq!(s.level, HealthLevel::Degraded);
        assert_eq!(s.reasons[0].subject, "w");
    }

    #[test]
    fn the_demo_homelab_names_each_of_its_known_problems() {
        let s = summary(&crate::cluster::demo::snapshot());
        assert_eq!(s.level, HealthLevel::Degraded);
        let has = |area: &str, subject: &str| {
            s.reasons
                .iter()
                .any(|r| r.area == area && r.subject.contains(subject))
        };
        assert!(has("node", "k3s1"), "cordoned k3s1: {:#?}", s.reasons);
        assert!(has("workload", "monitoring/grafana"));
        assert!(has("workload", "media/bazarr"));
        assert!(has("storage", "nfs-media-tv"));
        assert!(has("storage", "nfs-media-music"));
        assert!(has("backup", "velero/minio"));
        assert!(
            has("backup", "velero/weekly-full"),
            "its last backup is PartiallyFailed"
        );
        assert!(has("gitops", "flux-system/monitoring"));
        assert!(has("gitops", "monitoring/oauth2-proxy"));
        assert!(s
            .reasons
            .iter()
            .any(|r| r.area == "storage" && r.message.contains("degraded")));
    }
}
