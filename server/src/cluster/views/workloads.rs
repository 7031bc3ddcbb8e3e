//! Workloads (Deployments, StatefulSets, DaemonSets), their pods and claims, in
//! one shape the service catalog and detail pages share.

use std::collections::BTreeMap;

use frontend::model::{ClaimSummary, PodSummary, WorkloadSummary};
use k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::Snapshot;

/// A workload of any kind, reduced to what the views compare.
pub struct Workload<'a> {
    pub summary: WorkloadSummary,
    pub meta: &'a ObjectMeta,
    /// Labels its pods carry (the pod template's).
    pub pod_labels: BTreeMap<String, String>,
    pub pod_spec: Option<&'a PodSpec>,
}

impl Workload<'_> {
    /// The app a workload belongs to: its `app.kubernetes.io/name` label, else its name.
    pub fn app_name(&self) -> &str {
        self.meta
            .labels
            .as_ref()
            .and_then(|l| l.get("app.kubernetes.io/name"))
            .map(String::as_str)
            .unwrap_or(&self.summary.name)
    }
}

fn to_u32(n: Option<i32>) -> u32 {
    n.unwrap_or(0).max(0) as u32
}

impl<'a> Workload<'a> {
    /// Builds a workload from the parts every kind has: its metadata, pod template and counts.
    fn new(
        kind: &str,
        meta: &'a ObjectMeta,
        template: Option<&'a PodTemplateSpec>,
        desired: Option<i32>,
        ready: Option<i32>,
    ) -> Self {
        Workload {
            summary: WorkloadSummary {
                kind: kind.into(),
                namespace: meta.namespace.clone().unwrap_or_default(),
                name: meta.name.clone().unwrap_or_default(),
                desired: to_u32(desired),
                ready: to_u32(ready),
            },
            meta,
            pod_labels: template
                .and_then(|t| t.metadata.as_ref())
                .and_then(|m| m.labels.clone())
                .unwrap_or_default(),
            pod_spec: template.and_then(|t| t.spec.as_ref()),
        }
    }
}

/// Every workload of the snapshot. An unset replica count means one, as the API defaults it.
pub fn all(snap: &Snapshot) -> Vec<Workload<'_>> {
    let deployments = snap.deployments.iter().map(|d| {
        let spec = d.spec.as_ref();
        Workload::new(
            "Deployment",
            &d.metadata,
            spec.map(|s| &s.template),
            Some(spec.and_then(|s| s.replicas).unwrap_or(1)),
            d.status.as_ref().and_then(|s| s.ready_replicas),
        )
    });
    let statefulsets = snap.statefulsets.iter().map(|s| {
        let spec = s.spec.as_ref();
        Workload::new(
            "StatefulSet",
            &s.metadata,
            spec.map(|s| &s.template),
            Some(spec.and_then(|s| s.replicas).unwrap_or(1)),
            s.status.as_ref().and_then(|s| s.ready_replicas),
        )
    });
    let daemonsets = snap.daemonsets.iter().map(|d| {
        let status = d.status.as_ref();
        Workload::new(
            "DaemonSet",
            &d.metadata,
            d.spec.as_ref().map(|s| &s.template),
            status.map(|s| s.desired_number_scheduled),
            status.map(|s| s.number_ready),
        )
    });
    deployments.chain(statefulsets).chain(daemonsets).collect()
}

/// True when every label of `selector` is on `labels` (and the selector is not empty).
pub fn selects(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    let Some(labels) = labels else { return false };
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

pub fn pod_summary(pod: &Pod) -> PodSummary {
    let status = pod.status.as_ref();
    let containers = status.and_then(|s| s.container_statuses.as_ref());
    let container = containers.and_then(|cs| {
        cs.iter().find_map(|c| {
            let state = c.state.as_ref()?;
            match (&state.waiting, &state.terminated) {
                (Some(w), _) if w.reason.is_some() => Some((w.reason.clone(), w.message.clone())),
                (_, Some(t)) if t.reason.is_some() => Some((t.reason.clone(), t.message.clone())),
                _ => None,
            }
        })
    });
    // A pod the scheduler could not place says why in its PodScheduled condition.
    let unscheduled = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        })
        .map(|c| (c.reason.clone(), c.message.clone()));
    let (reason, message) = container.or(unscheduled).unwrap_or_default();
    PodSummary {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        phase: status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Unknown".into()),
        ready: status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
        restarts: containers
            .map(|cs| cs.iter().map(|c| c.restart_count).sum())
            .unwrap_or(0),
        reason,
        message,
    }
}

/// Pods of a workload: same namespace, carrying its pod template's labels.
pub fn pods_of(snap: &Snapshot, w: &Workload<'_>) -> Vec<PodSummary> {
    let mut pods: Vec<PodSummary> = snap
        .pods
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(w.summary.namespace.as_str()))
        .filter(|p| selects(&w.pod_labels, p.metadata.labels.as_ref()))
        .map(|p| pod_summary(p))
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    pods
}

/// Claims a workload mounts: its pod template's PVC volumes, and a StatefulSet's claim templates
/// are found by name prefix.
pub fn claims_of(snap: &Snapshot, w: &Workload<'_>) -> Vec<ClaimSummary> {
    let names: Vec<String> = w
        .pod_spec
        .and_then(|s| s.volumes.as_ref())
        .map(|vs| {
            vs.iter()
                .filter_map(|v| {
                    v.persistent_volume_claim
                        .as_ref()
                        .map(|c| c.claim_name.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out: Vec<ClaimSummary> = snap
        .pvcs
        .iter()
        .filter(|c| c.metadata.namespace.as_deref() == Some(w.summary.namespace.as_str()))
        .filter(|c| {
            let name = c.metadata.name.as_deref().unwrap_or("");
            names.iter().any(|n| n == name)
                || (w.summary.kind == "StatefulSet"
                    && name.ends_with(&format!("-{}-0", w.summary.name)))
        })
        .map(|c| {
            let spec = c.spec.as_ref();
            ClaimSummary {
                namespace: c.metadata.namespace.clone().unwrap_or_default(),
                name: c.metadata.name.clone().unwrap_or_default(),
                phase: c
                    .status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_else(|| "Unknown".into()),
                storage_class: spec.and_then(|s| s.storage_class_name.clone()),
                capacity: spec
                    .and_then(|s| s.resources.as_ref())
                    .and_then(|r| r.requests.as_ref())
                    .and_then(|r| r.get("storage"))
                    .map(|q| q.0.clone()),
                volume: spec.and_then(|s| s.volume_name.clone()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    use super::pod_summary;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "jellyfin-1", "namespace": "media"},
            "spec": {"containers": [{"name": "jellyfin"}]},
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn a_pod_the_scheduler_could_not_place_says_why() {
        let summary = pod_summary(&pod(json!({
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/4 nodes are available: 1 node(s) were unschedulable."}],
        })));
        assert_eq!(summary.phase, "Pending");
        assert_eq!(summary.reason.as_deref(), Some("Unschedulable"));
        assert_eq!(
            summary.message.as_deref(),
            Some("0/4 nodes are available: 1 node(s) were unschedulable.")
        );
    }

    #[test]
    fn a_waiting_container_gives_its_reason_and_message_before_the_pods() {
        let summary = pod_summary(&pod(json!({
            "phase": "Running",
            "conditions": [{"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "jellyfin", "image": "x", "imageID": "", "ready": false,
                "restartCount": 74, "state": {"waiting": {"reason": "CrashLoopBackOff",
                "message": "back-off 5m0s restarting failed container=jellyfin"}}}],
        })));
        assert_eq!(summary.reason.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(
            summary.message.as_deref(),
            Some("back-off 5m0s restarting failed container=jellyfin")
        );
        assert_eq!(summary.restarts, 74);
        let running = pod_summary(&pod(json!({"phase": "Running"})));
        assert_eq!((running.reason, running.message), (None, None));
    }
}
