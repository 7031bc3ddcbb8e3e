//! The embedded demo homelab: ordinary Kubernetes YAML (`server/demo/homelab.yaml`) describing the
//! homelab of CLUSTER-SETUP.md, loaded into the same caches a live cluster fills. The test
//! harness applies the same file to a real API server.

use kube::Resource;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::cache::{with_cache_fields, Cache};
use super::ClusterCache;

/// The fixture, compiled into the binary so the demo needs no files.
pub const HOMELAB_YAML: &str = include_str!("../../demo/homelab.yaml");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo fixture document {index}: {reason}")]
    Document { index: usize, reason: String },
}

#[derive(Deserialize)]
struct TypeMeta {
    #[serde(rename = "apiVersion", default)]
    api_version: String,
    #[serde(default)]
    kind: String,
}

/// Objects of one kind collected from the stream, applied to their cache at the end.
struct Batch<'a, K: Resource<DynamicType = ()> + Clone + 'static> {
    cache: &'a Cache<K>,
    objects: Vec<K>,
}

impl<'a, K: Resource<DynamicType = ()> + Clone + DeserializeOwned + 'static> Batch<'a, K> {
    fn new(cache: &'a Cache<K>) -> Self {
        Self {
            cache,
            objects: Vec::new(),
        }
    }

    fn matches(&self, meta: &TypeMeta) -> bool {
        meta.api_version == K::api_version(&()) && meta.kind == K::kind(&())
    }

    fn push(&mut self, value: serde_yaml::Value) -> Result<(), String> {
        self.objects
            .push(serde_yaml::from_value(value).map_err(|e| e.to_string())?);
        Ok(())
    }

    fn apply(self) {
        self.cache.replace(self.objects);
    }
}

/// Declares, once, which kinds the demo fills: each gets a batch, a match and an apply.
macro_rules! load_kinds {
    ($cache:expr, $yaml:expr, [$($field:ident: $kind:ty),* $(,)?]) => {{
        $(let mut $field = Batch::new(&$cache.$field);)*
        for (index, document) in serde_yaml::Deserializer::from_str($yaml).enumerate() {
            let err = |reason: String| DemoError::Document { index, reason };
            let value = serde_yaml::Value::deserialize(document).map_err(|e| err(e.to_string()))?;
            if value.is_null() {
                continue;
            }
            let meta: TypeMeta = serde_yaml::from_value(value.clone()).map_err(|e| err(e.to_string()))?;
            $(if $field.matches(&meta) {
                $field.push(value).map_err(err)?;
                continue;
            })*
        }
        $($field.apply();)*
    }};
}

/// Parses a multi-document YAML stream into the caches. Kinds the caches do not hold are
/// skipped; a document that is not valid for its kind is an error naming the document, and
/// then no cache has been touched.
pub fn load_yaml(cache: &ClusterCache, yaml: &str) -> Result<(), DemoError> {
    with_cache_fields!(load_kinds!(cache, yaml,));
    Ok(())
}

/// Fills the caches with the embedded demo homelab.
pub fn load(cache: &ClusterCache) -> Result<(), DemoError> {
    load_yaml(cache, HOMELAB_YAML)?;
    crate::checks::demo::load(
        cache,
        DEMO_NOW,
        crate::config::ChecksConfig::default().cert_warn_days.into(),
    )
    .map_err(|reason| DemoError::Document { index: 0, reason })?;
    crate::alerts::poll::load_demo(cache, DEMO_NOW)
        .map_err(|reason| DemoError::Document { index: 0, reason })?;
    cache.set_demo(true);
    Ok(())
}

/// The time the demo fixture describes (CLUSTER-SETUP.md's last update): views of the demo
/// in tests are computed as of then.
pub const DEMO_NOW: i64 = 1_750_096_800; // 2025-06-16T18:00:00Z

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_fixture_fills_every_cache() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let mut names: Vec<_> = snap
            .nodes
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        names.sort();
        assert_eq!(names, ["k3s-master1", "k3s1", "k3s2", "k3s3"]);
        assert!(!snap.pods.is_empty());
        assert_eq!(snap.http_routes.len(), 17);
        assert_eq!(snap.backups.len(), 30);
        assert_eq!(snap.schedules.len(), 3);
        assert_eq!(snap.longhorn_volumes.len(), 13);
        assert_eq!(snap.kustomizations.len(), 5);
        assert_eq!(snap.helm_releases.len(), 5);
        assert_eq!(snap.storage_classes.len(), 6);
    }

    #[test]
    fn a_document_invalid_for_its_kind_is_named_and_nothing_is_loaded() {
        let yaml = "apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Node\nspec: {unschedulable: maybe}\n";
        let cache = ClusterCache::new();
        let err = load_yaml(&cache, yaml).unwrap_err().to_string();
        assert!(err.starts_with("demo fixture document 1:"), "{err}");
        assert!(cache.nodes.state().is_empty());
    }
}
