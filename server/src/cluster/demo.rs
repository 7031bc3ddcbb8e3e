//! The embedded demo homelab: ordinary Kubernetes YAML (`server/demo/homelab.yaml`) describing the
//! homelab of CLUSTER-SETUP.md, loaded into the same caches a live cluster fills. The test
//! harness applies the same file to a real API server.

use k8s_openapi::api::core::v1::{Node, Pod};
use serde::Deserialize;

use super::ClusterCache;

/// The fixture, compiled into the binary so the demo needs no files.
pub const HOMELAB_YAML: &str = include_str!("../../demo/homelab.yaml");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo fixture document {index}: {reason}")]
    Document { index: usize, reason: String },
}

/// The objects of the fixture that the caches hold, by kind.
#[derive(Default, Debug)]
pub struct DemoObjects {
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
}

#[derive(Deserialize)]
struct TypeMeta {
    #[serde(rename = "apiVersion", default)]
    api_version: String,
    #[serde(default)]
    kind: String,
}

/// Parses a multi-document YAML stream into typed objects. Kinds the caches do not hold are
/// skipped; a document that is not valid for its kind is an error naming the document.
pub fn parse(yaml: &str) -> Result<DemoObjects, DemoError> {
    let mut objects = DemoObjects::default();
    for (index, document) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        let err = |reason: String| DemoError::Document { index, reason };
        let value = serde_yaml::Value::deserialize(document).map_err(|e| err(e.to_string()))?;
        if value.is_null() {
            continue;
        }
        let meta: TypeMeta =
            serde_yaml::from_value(value.clone()).map_err(|e| err(e.to_string()))?;
        match (meta.api_version.as_str(), meta.kind.as_str()) {
            ("v1", "Node") => objects.nodes.push(typed(value).map_err(err)?),
            ("v1", "Pod") => objects.pods.push(typed(value).map_err(err)?),
            _ => {}
        }
    }
    Ok(objects)
}

fn typed<K: serde::de::DeserializeOwned>(value: serde_yaml::Value) -> Result<K, String> {
    serde_yaml::from_value(value).map_err(|e| e.to_string())
}

/// Fills the caches with the embedded demo homelab.
pub fn load(cache: &ClusterCache) -> Result<(), DemoError> {
    let objects = parse(HOMELAB_YAML)?;
    cache.nodes.replace(objects.nodes);
    cache.pods.replace(objects.pods);
    cache.mark_synced(true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_fixture_has_the_four_homelab_nodes() {
        let objects = parse(HOMELAB_YAML).unwrap();
        let mut names: Vec<_> = objects
            .nodes
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        names.sort();
        assert_eq!(names, ["k3s-master1", "k3s1", "k3s2", "k3s3"]);
        assert!(!objects.pods.is_empty());
    }

    #[test]
    fn a_document_invalid_for_its_kind_is_named() {
        let yaml = "apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Node\nspec: {unschedulable: maybe}\n";
        let err = parse(yaml).unwrap_err().to_string();
        assert!(err.starts_with("demo fixture document 1:"), "{err}");
    }
}
