//! A synthetic cluster for benchmarks: `deployments` Deployments spread over namespaces, each
//! with an HTTPRoute and a claim on its own volume, and `pods` pods shared out among them and
//! placed on nodes of 100 pods each, plus some Warning events. Ordinary Kubernetes objects (as
//! one YAML stream), so the same objects load into the caches directly or into a real API
//! server for the watch caches to pick up.

use serde_json::{json, Value};

/// Pods per node: k3s's default limit is 110.
const PODS_PER_NODE: usize = 100;
/// Deployments per namespace.
const PER_NAMESPACE: usize = 20;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub pods: usize,
    pub deployments: usize,
}

impl Size {
    pub fn nodes(&self) -> usize {
        self.pods.div_ceil(PODS_PER_NODE).max(1)
    }
}

fn namespace_of(d: usize) -> String {
    format!("team-{:02}", d / PER_NAMESPACE)
}

/// Every object of the synthetic cluster, namespaces first.
pub fn objects(size: Size) -> Vec<Value> {
    let deployments = size.deployments.max(1);
    let mut out = Vec::with_capacity(size.pods + 4 * deployments + size.nodes());
    for ns in 0..deployments.div_ceil(PER_NAMESPACE) {
        out.push(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("team-{ns:02}")}}));
    }
    for n in 0..size.nodes() {
        out.push(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": format!("node-{n:03}"),
                "labels": {"kubernetes.io/hostname": format!("node-{n:03}")}},
            "status": {
                "capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                "allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                    "lastHeartbeatTime": "2025-06-16T17:59:00Z",
                    "lastTransitionTime": "2025-06-01T00:00:00Z"}],
                "nodeInfo": {"kubeletVersion": "v1.32.5+k3s1", "architecture": "amd64",
                    "osImage": "Ubuntu 24.04", "containerRuntimeVersion": "containerd://2.0.5",
                    "kernelVersion": "6.8.0", "kubeProxyVersion": "", "machineID": "m",
                    "systemUUID": "s", "bootID": "b", "operatingSystem": "linux"},
            },
        }));
    }
    // Pods shared out as evenly as the counts allow.
    let per = size.pods / deployments;
    let extra = size.pods % deployments;
    let mut pod = 0;
    for d in 0..deployments {
        let ns = namespace_of(d);
        let name = format!("app-{d:04}");
        let replicas = per + usize::from(d < extra);
        // One in fifty is having a bad day: fewer ready replicas than desired.
        let ready = if d % 50 == 7 { replicas / 2 } else { replicas };
        let labels = json!({"app.kubernetes.io/name": name});
        out.push(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                    {"name": "app", "image": "registry.example/app:1.0"}]}},
            },
            "status": {"replicas": replicas, "readyReplicas": ready,
                "availableReplicas": ready, "updatedReplicas": replicas},
        }));
        out.push(json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "parentRefs": [{"name": "main-gateway", "namespace": "gateway"}],
                "hostnames": [format!("{name}.example.test")],
                "rules": [{"backendRefs": [{"name": name, "port": 80}]}],
            },
        }));
        out.push(json!({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": format!("pv-{d:04}")},
            "spec": {
                "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                "storageClassName": "longhorn", "persistentVolumeReclaimPolicy": "Delete",
                "csi": {"driver": "driver.longhorn.io", "volumeHandle": format!("pv-{d:04}")},
                "claimRef": {"namespace": ns, "name": format!("{name}-data")},
            },
            "status": {"phase": "Bound"},
        }));
        out.push(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": format!("{name}-data"), "namespace": ns},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "longhorn",
                "volumeName": format!("pv-{d:04}"),
                "resources": {"requests": {"storage": "10Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "10Gi"}},
        }));
        for r in 0..replicas {
            let node = format!("node-{:03}", pod / PODS_PER_NODE);
            pod += 1;
            let is_ready = r < ready;
            out.push(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("{name}-{r}"), "namespace": ns, "labels": labels,
                    "creationTimestamp": "2025-06-10T00:00:00Z"},
                "spec": {"nodeName": node, "containers": [{"name": "app",
                    "image": "registry.example/app:1.0",
                    "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}}}]},
                "status": {
                    "phase": "Running",
                    "conditions": [{"type": "Ready",
                        "status": if is_ready { "True" } else { "False" }}],
                    "containerStatuses": [{"name": "app", "ready": is_ready,
                        "restartCount": if is_ready { 0 } else { 12 },
                        "image": "registry.example/app:1.0", "imageID": "",
                        "started": is_ready}],
                },
            }));
        }
        if d % 5 == 0 {
            out.push(json!({
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": format!("{name}.warning"), "namespace": ns},
                "type": "Warning", "reason": "BackOff",
                "message": "Back-off restarting failed container app",
                "involvedObject": {"kind": "Pod", "namespace": ns, "name": format!("{name}-0")},
                "lastTimestamp": "2025-06-16T17:50:00Z", "count": 3,
            }));
        }
    }
    out.push(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "longhorn"}, "provisioner": "driver.longhorn.io",
    }));
    out
}

/// The objects as one YAML stream (JSON documents, which YAML reads as they are).
pub fn yaml(size: Size) -> String {
    objects(size)
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{demo, ClusterCache};

    #[test]
    fn the_counts_asked_for_are_the_counts_loaded() {
        let cache = ClusterCache::new();
        let size = Size {
            pods: 1_003,
            deployments: 100,
        };
        demo::load_yaml(&cache, &yaml(size)).unwrap();
        let snap = cache.snapshot();
        assert_eq!(snap.pods.len(), 1_003);
        assert_eq!(snap.deployments.len(), 100);
        assert_eq!(snap.nodes.len(), 11);
        assert_eq!(snap.http_routes.len(), 100);
        assert_eq!(snap.pvs.len(), 100);
    }
}
