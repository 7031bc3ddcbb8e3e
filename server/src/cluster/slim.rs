//! What the caches keep of each object: what the views read, and no more. Every object is
//! slimmed as it enters a cache ([`super::cache::Cache::apply`]), whether it came from a watch,
//! the demo or a test, so the views see the same shape everywhere.
//!
//! All kinds lose their managed fields and `kubectl apply`'s last-applied annotation (often
//! larger than the object). Pods keep their node, each container's name and resources, their
//! claim volumes and their whole status; the pod templates of Deployments, StatefulSets and
//! DaemonSets keep their labels and claim volumes. A view that needs another field must add it
//! here first: the slimming test lists what is kept.

use std::any::Any;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodTemplateSpec};
use kube::Resource;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops from `object` what no view reads.
pub fn slim<K: Resource + 'static>(object: &mut K) {
    let meta = object.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
    let any = object as &mut dyn Any;
    if let Some(pod) = any.downcast_mut::<Pod>() {
        if let Some(spec) = pod.spec.as_mut() {
            pod_spec(spec);
        }
    } else if let Some(d) = any.downcast_mut::<Deployment>() {
        if let Some(spec) = d.spec.as_mut() {
            template(&mut spec.template);
        }
    } else if let Some(s) = any.downcast_mut::<StatefulSet>() {
        if let Some(spec) = s.spec.as_mut() {
            template(&mut spec.template);
        }
    } else if let Some(d) = any.downcast_mut::<DaemonSet>() {
        if let Some(spec) = d.spec.as_mut() {
            template(&mut spec.template);
        }
    }
}

/// A pod's node, its containers' names and resources (the topology sums requests), and the
/// volumes that are claims (a workload's claims are found through them).
fn pod_spec(spec: &mut PodSpec) {
    let container = |c: Container| Container {
        name: c.name,
        resources: c.resources,
        ..Container::default()
    };
    *spec = PodSpec {
        node_name: spec.node_name.take(),
        containers: std::mem::take(&mut spec.containers)
            .into_iter()
            .map(container)
            .collect(),
        init_containers: spec
            .init_containers
            .take()
            .map(|cs| cs.into_iter().map(container).collect()),
        volumes: spec.volumes.take().map(|vs| {
            vs.into_iter()
                .filter(|v| v.persistent_volume_claim.is_some())
                .collect()
        }),
        ..PodSpec::default()
    };
}

/// A pod template's labels (they select the workload's pods) and its spec as a pod's.
fn template(template: &mut PodTemplateSpec) {
    if let Some(meta) = template.metadata.as_mut() {
        meta.annotations = None;
        meta.managed_fields = None;
    }
    if let Some(spec) = template.spec.as_mut() {
        pod_spec(spec);
    }
}

/// A Pod as a k3s API server serves it (Jellyfin's, from the homelab): for the slimming test and
/// `homelab bench views`, which reports what one costs before and after.
pub fn k3s_pod() -> Pod {
    let value = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "jellyfin-7d9c5b8f6d-x2k4p", "namespace": "media",
            "uid": "3f1d2c4b-5a6e-4f70-8b9c-0d1e2f3a4b5c", "resourceVersion": "1842211",
            "creationTimestamp": "2025-06-16T10:12:00Z",
            "generateName": "jellyfin-7d9c5b8f6d-",
            "labels": {"app.kubernetes.io/name": "jellyfin", "app.kubernetes.io/instance": "jellyfin",
                "pod-template-hash": "7d9c5b8f6d"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-06-16T10:11:58Z",
                LAST_APPLIED: "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"jellyfin\"}}"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": "jellyfin-7d9c5b8f6d", "uid": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
                "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [
                {"manager": "k3s", "operation": "Update", "apiVersion": "v1",
                 "time": "2025-06-16T10:12:00Z", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {},
                    "f:app.kubernetes.io/instance": {}, "f:app.kubernetes.io/name": {},
                    "f:pod-template-hash": {}}, "f:ownerReferences": {".": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"jellyfin\"}": {".": {},
                    "f:env": {".": {}}, "f:image": {}, "f:imagePullPolicy": {},
                    "f:livenessProbe": {".": {}}, "f:name": {}, "f:ports": {".": {}},
                    "f:readinessProbe": {".": {}}, "f:resources": {".": {}},
                    "f:volumeMounts": {".": {}}}}, "f:nodeSelector": {}, "f:volumes": {".": {}}}}},
                {"manager": "k3s", "operation": "Update", "apiVersion": "v1",
                 "time": "2025-06-16T10:12:31Z", "fieldsType": "FieldsV1", "subresource": "status",
                 "fieldsV1": {"f:status": {"f:conditions": {".": {}}, "f:containerStatuses": {},
                    "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:startTime": {}}}}
            ]
        },
        "spec": {
            "nodeName": "k3s-worker1",
            "nodeSelector": {"kubernetes.io/hostname": "k3s-worker1"},
            "serviceAccountName": "default",
            "securityContext": {"fsGroup": 1000, "runAsUser": 1000, "runAsGroup": 1000},
            "containers": [{
                "name": "jellyfin", "image": "jellyfin/jellyfin:10.10.7",
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"name": "http", "containerPort": 8096, "protocol": "TCP"}],
                "env": [
                    {"name": "TZ", "value": "America/New_York"},
                    {"name": "JELLYFIN_PublishedServerUrl", "value": "https://jellyfin.example.net"},
                    {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
                    {"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "all"}
                ],
                "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                    "limits": {"memory": "4Gi", "nvidia.com/gpu": "1"}},
                "livenessProbe": {"httpGet": {"path": "/health", "port": 8096, "scheme": "HTTP"},
                    "initialDelaySeconds": 30, "periodSeconds": 10, "timeoutSeconds": 1,
                    "successThreshold": 1, "failureThreshold": 3},
                "readinessProbe": {"httpGet": {"path": "/health", "port": 8096, "scheme": "HTTP"},
                    "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                    "failureThreshold": 3},
                "volumeMounts": [
                    {"name": "config", "mountPath": "/config"},
                    {"name": "media", "mountPath": "/media", "readOnly": true},
                    {"name": "kube-api-access-7xk2q", "readOnly": true,
                     "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
                ],
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File"
            }],
            "volumes": [
                {"name": "config", "persistentVolumeClaim": {"claimName": "jellyfin-config"}},
                {"name": "media", "nfs": {"server": "nas.example.lan", "path": "/volume1/media"}},
                {"name": "kube-api-access-7xk2q", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace",
                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ]}}
            ],
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300}
            ],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
            "terminationGracePeriodSeconds": 30, "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0
        },
        "status": {
            "phase": "Running", "hostIP": "192.168.10.12", "podIP": "10.42.2.37",
            "startTime": "2025-06-16T10:12:00Z", "qosClass": "Burstable",
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True",
                 "lastTransitionTime": "2025-06-16T10:12:04Z"},
                {"type": "Initialized", "status": "True", "lastTransitionTime": "2025-06-16T10:12:00Z"},
                {"type": "Ready", "status": "True", "lastTransitionTime": "2025-06-16T10:12:31Z"},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2025-06-16T10:12:31Z"},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2025-06-16T10:12:00Z"}
            ],
            "containerStatuses": [{"name": "jellyfin", "ready": true, "restartCount": 0,
                "started": true, "image": "docker.io/jellyfin/jellyfin:10.10.7",
                "imageID": "docker.io/jellyfin/jellyfin@sha256:5b7c1f0e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c",
                "containerID": "containerd://8f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a2918",
                "state": {"running": {"startedAt": "2025-06-16T10:12:03Z"}}}]
        }
    });
    // A literal of the right shape: a failure here is a typo in the fixture, seen in its test.
    serde_json::from_value(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_keeps_what_the_views_read_and_loses_the_rest() {
        let before = k3s_pod();
        assert!(before.spec.is_some(), "the fixture parses");
        let mut pod = before.clone();
        slim(&mut pod);
        let spec = pod.spec.as_ref().unwrap();
        // Kept: what the views read, unchanged.
        assert_eq!(spec.node_name.as_deref(), Some("k3s-worker1"));
        assert_eq!(spec.containers[0].name, "jellyfin");
        assert_eq!(
            spec.containers[0].resources,
            before.spec.as_ref().unwrap().containers[0].resources
        );
        let volumes = spec.volumes.as_ref().unwrap();
        assert_eq!(volumes.len(), 1);
        assert_eq!(
            volumes[0]
                .persistent_volume_claim
                .as_ref()
                .unwrap()
                .claim_name,
            "jellyfin-config"
        );
        assert_eq!(pod.status, before.status);
        assert_eq!(pod.metadata.labels, before.metadata.labels);
        assert_eq!(
            pod.metadata.owner_references,
            before.metadata.owner_references
        );
        // Dropped.
        assert!(pod.metadata.managed_fields.is_none());
        let annotations = pod.metadata.annotations.as_ref().unwrap();
        assert!(!annotations.contains_key(LAST_APPLIED));
        assert!(spec.containers[0].env.is_none() && spec.containers[0].image.is_none());
        assert!(spec.tolerations.is_none() && spec.security_context.is_none());
        let size = |p: &Pod| serde_json::to_vec(p).unwrap().len();
        assert!(
            size(&pod) * 2 < size(&before),
            "{} -> {}",
            size(&before),
            size(&pod)
        );
    }

    #[test]
    fn an_object_is_slimmed_as_it_enters_a_cache() {
        let cache = crate::cluster::ClusterCache::new();
        cache
            .pods
            .apply(kube::runtime::watcher::Event::Apply(k3s_pod()));
        let cached = cache.pods.state();
        let spec = cached[0].spec.as_ref().unwrap();
        assert!(cached[0].metadata.managed_fields.is_none());
        assert!(spec.containers[0].env.is_none() && spec.tolerations.is_none());
        assert_eq!(spec.node_name.as_deref(), Some("k3s-worker1"));
    }

    #[test]
    fn a_workload_template_keeps_its_labels_and_claims() {
        let pod = k3s_pod();
        let mut deployment = Deployment {
            metadata: pod.metadata.clone(),
            spec: Some(k8s_openapi::api::apps::v1::DeploymentSpec {
                template: PodTemplateSpec {
                    metadata: Some(pod.metadata.clone()),
                    spec: pod.spec.clone(),
                },
                ..Default::default()
            }),
            status: None,
        };
        slim(&mut deployment);
        let template = &deployment.spec.as_ref().unwrap().template;
        let meta = template.metadata.as_ref().unwrap();
        assert_eq!(meta.labels, pod.metadata.labels);
        assert!(meta.annotations.is_none() && meta.managed_fields.is_none());
        let spec = template.spec.as_ref().unwrap();
        assert_eq!(spec.volumes.as_ref().unwrap().len(), 1);
        assert!(spec.containers[0].env.is_none());
        assert!(deployment.metadata.managed_fields.is_none());
    }
}
