//! Which alerts are about a service or a node, by the labels Prometheus' Kubernetes rules put on
//! them: `namespace` with `pod`, `deployment`, `statefulset`, `daemonset` or
//! `persistentvolumeclaim`, and `node` (or an `instance` that is the node's name).

use frontend::model::alerts::Alert;

/// What a service is made of, in its namespace.
pub struct ServiceParts<'a> {
    pub namespace: &'a str,
    pub pods: &'a [String],
    pub workloads: &'a [String],
    pub claims: &'a [String],
}

/// The alerts about the service: in its namespace, naming one of its pods, workloads or claims.
pub fn of_service(alerts: &[Alert], parts: &ServiceParts) -> Vec<Alert> {
    alerts
        .iter()
        .filter(|a| a.label("namespace") == Some(parts.namespace))
        .filter(|a| {
            let named = |label: &str, among: &[String]| {
                a.label(label).is_some_and(|v| among.iter().any(|n| n == v))
            };
            named("pod", parts.pods)
                || named("deployment", parts.workloads)
                || named("statefulset", parts.workloads)
                || named("daemonset", parts.workloads)
                || named("persistentvolumeclaim", parts.claims)
        })
        .cloned()
        .collect()
}

/// The alerts about node `node`: naming it, or one of the pods on it (`(namespace, name)`).
pub fn of_node(alerts: &[Alert], node: &str, pods: &[(String, String)]) -> Vec<Alert> {
    alerts
        .iter()
        .filter(|a| {
            let instance = a
                .label("instance")
                .map(|i| i.split(':').next().unwrap_or(i));
            a.label("node") == Some(node)
                || instance == Some(node)
                || match (a.label("namespace"), a.label("pod")) {
                    (Some(ns), Some(pod)) => pods.iter().any(|(n, p)| n == ns && p == pod),
                    _ => false,
                }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(name: &str, labels: &[(&str, &str)]) -> Alert {
        Alert {
            fingerprint: name.into(),
            name: name.into(),
            severity: "critical".into(),
            summary: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            since: None,
            silenced_by: Vec::new(),
            inhibited: false,
        }
    }

    fn names(alerts: Vec<Alert>) -> Vec<String> {
        alerts.into_iter().map(|a| a.name).collect()
    }

    #[test]
    fn a_service_gets_the_alerts_naming_its_pods_workloads_and_claims_in_its_namespace() {
        let alerts = [
            alert("PodCrash", &[("namespace", "media"), ("pod", "plex-0")]),
            alert(
                "Replicas",
                &[("namespace", "media"), ("deployment", "plex")],
            ),
            alert(
                "Volume",
                &[
                    ("namespace", "media"),
                    ("persistentvolumeclaim", "plex-config"),
                ],
            ),
            alert("OtherNs", &[("namespace", "ai"), ("pod", "plex-0")]),
            alert("OtherPod", &[("namespace", "media"), ("pod", "sonarr-0")]),
            alert("NamespaceOnly", &[("namespace", "media")]),
        ];
        let parts = ServiceParts {
            namespace: "media",
            pods: &["plex-0".into()],
            workloads: &["plex".into()],
            claims: &["plex-config".into()],
        };
        assert_eq!(
            names(of_service(&alerts, &parts)),
            ["PodCrash", "Replicas", "Volume"]
        );
    }

    #[test]
    fn a_node_gets_the_alerts_naming_it_or_its_pods() {
        let alerts = [
            alert("Disk", &[("node", "k3s3")]),
            alert("Exporter", &[("instance", "k3s3:9100")]),
            alert("Pod", &[("namespace", "ai"), ("pod", "ollama-0")]),
            alert("Elsewhere", &[("node", "k3s1")]),
        ];
        let pods = [("ai".to_string(), "ollama-0".to_string())];
        assert_eq!(
            names(of_node(&alerts, "k3s3", &pods)),
            ["Disk", "Exporter", "Pod"]
        );
    }
}
