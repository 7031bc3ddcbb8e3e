//! Live mode: reflector watchers against the Kubernetes API fill the caches, with backoff, and
//! reconnect by themselves. Page views never call the API; only these watches do.

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use kube::{Api, Client, Resource};

use super::cache::Cache;
use super::ClusterCache;
use crate::config::ClusterConfig;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot read the kubeconfig: {0}")]
    Kubeconfig(#[source] kube::config::KubeconfigError),
    #[error("cannot build a Kubernetes client: {0}")]
    Client(#[source] kube::Error),
    #[error("no Kubernetes configuration found (in-cluster or ~/.kube/config): {0}")]
    Infer(#[source] kube::config::InferConfigError),
}

/// A client from the configured kubeconfig and context, or in-cluster config.
pub async fn client(config: &ClusterConfig) -> Result<Client, LiveError> {
    let options = kube::config::KubeConfigOptions {
        context: config.context.clone().filter(|c| !c.is_empty()),
        ..Default::default()
    };
    let kube_config = match &config.kubeconfig {
        Some(path) => {
            let file = kube::config::Kubeconfig::read_from(path).map_err(LiveError::Kubeconfig)?;
            kube::Config::from_custom_kubeconfig(file, &options)
                .await
                .map_err(LiveError::Kubeconfig)?
        }
        None => kube::Config::infer().await.map_err(LiveError::Infer)?,
    };
    Client::try_from(kube_config).map_err(LiveError::Client)
}

/// Starts one watcher per cached kind. Returns once they are spawned; `/readyz` reports when
/// their initial lists are in.
pub async fn start(config: &ClusterConfig, cache: Arc<ClusterCache>) -> Result<(), LiveError> {
    let client = client(config).await?;
    let pending = Arc::new(std::sync::atomic::AtomicUsize::new(2));
    spawn_watch(
        Api::<Node>::all(client.clone()),
        cache.clone(),
        |c| &c.nodes,
        pending.clone(),
    );
    spawn_watch(Api::<Pod>::all(client), cache, |c| &c.pods, pending);
    Ok(())
}

fn spawn_watch<K>(
    api: Api<K>,
    cache: Arc<ClusterCache>,
    select: fn(&ClusterCache) -> &Cache<K>,
    pending: Arc<std::sync::atomic::AtomicUsize>,
) where
    K: Resource<DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    tokio::spawn(async move {
        let mut counted = false;
        let mut stream = watcher(api, watcher::Config::default())
            .default_backoff()
            .boxed();
        while let Some(event) = stream.next().await {
            match event {
                Ok(mut event) => {
                    strip(&mut event);
                    select(&cache).apply(&event);
                    cache.touch();
                    if matches!(event, Event::InitDone) && !counted {
                        counted = true;
                        if pending.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
                            cache.mark_synced(false);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(kind = %K::kind(&()), error = %e, "watch failed; retrying")
                }
            }
        }
    });
}

fn watcher<K>(
    api: Api<K>,
    config: watcher::Config,
) -> impl futures::Stream<Item = watcher::Result<Event<K>>>
where
    K: Resource<DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + 'static,
{
    watcher::watcher(api, config)
}

/// Drops what no view reads (managed fields, last-applied annotations) to keep memory small.
fn strip<K: Resource>(event: &mut Event<K>) {
    let meta = match event {
        Event::Apply(o) | Event::Delete(o) | Event::InitApply(o) => o.meta_mut(),
        Event::Init | Event::InitDone => return,
    };
    meta.managed_fields = None;
    if let Some(a) = meta.annotations.as_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}
