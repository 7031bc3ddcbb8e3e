//! Live mode: reflector watchers against the Kubernetes API fill the caches, with backoff, and
//! reconnect by themselves. Page views never call the API; only these watches do.
//!
//! Each watch records how its source is doing: a 404 on the initial list means the CRD is not
//! installed, a 403 that RBAC forbids it (the panel names the permission), anything else that the
//! API is unreachable (the cache keeps its last state and the pages say how old it is).

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;

use super::cache::{now, with_cache_fields, Cache, SourceState};
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
    Client::try_from(kube_config(config).await?).map_err(LiveError::Client)
}

/// The configuration `client` connects with (actions derive impersonating clients from it).
pub async fn kube_config(config: &ClusterConfig) -> Result<kube::Config, LiveError> {
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
        // A context names a kubeconfig's context: read $KUBECONFIG or ~/.kube/config with it
        // rather than fall back to in-cluster, where it would be silently ignored.
        None if options.context.is_some() => kube::Config::from_kubeconfig(&options)
            .await
            .map_err(LiveError::Kubeconfig)?,
        None => kube::Config::infer().await.map_err(LiveError::Infer)?,
    };
    Ok(kube_config)
}

/// Starts one watcher per cached kind on `client`.
pub fn start(client: Client, cache: Arc<ClusterCache>) {
    macro_rules! watch_all {
        ([$($field:ident: $kind:ty),* $(,)?]) => {
            $(spawn_watch(client.clone(), cache.clone(), |c: &ClusterCache| &c.$field);)*
        };
    }
    with_cache_fields!(watch_all!());
}

/// What a failed watch means for the panel.
fn classify(error: &watcher::Error) -> SourceState {
    let api_code = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(e))
        | watcher::Error::WatchStartFailed(kube::Error::Api(e)) => Some(e.code),
        watcher::Error::WatchError(e) => Some(e.code),
        _ => None,
    };
    match api_code {
        Some(404) => SourceState::NotInstalled,
        Some(403) => SourceState::Forbidden,
        _ => SourceState::Disconnected {
            since: now(),
            reason: error.to_string(),
        },
    }
}

fn spawn_watch<K>(client: Client, cache: Arc<ClusterCache>, select: fn(&ClusterCache) -> &Cache<K>)
where
    K: Resource<DynamicType = ()> + Clone + Debug + DeserializeOwned + Send + Sync + 'static,
{
    // Events of both types are kept: object pages and the Events page list Normal ones too (the
    // API server drops events after an hour, which bounds them).
    run(
        Api::<K>::all(client),
        watcher::Config::default(),
        cache,
        select,
    );
}

/// Longest pause between two attempts to (re)start a watch.
const MAX_RETRY: Duration = Duration::from_secs(30);

/// Watches forever. After any failure the watch starts over with a fresh list once the API
/// answers again (with backoff): a resumed watch would send nothing for kinds that did not change,
/// leaving their panels marked stale, and a fresh list also drops what was deleted meanwhile.
fn run<K>(
    api: Api<K>,
    config: watcher::Config,
    cache: Arc<ClusterCache>,
    select: fn(&ClusterCache) -> &Cache<K>,
) where
    K: Resource<DynamicType = ()> + Clone + Debug + DeserializeOwned + Send + Sync + 'static,
{
    tokio::spawn(async move {
        let mut delay = Duration::from_secs(1);
        loop {
            let mut stream = watcher::watcher(api.clone(), config.clone()).boxed();
            let mut failure = None;
            while let Some(event) = stream.next().await {
                match event {
                    Ok(event) => {
                        if matches!(event, Event::InitDone) {
                            delay = Duration::from_secs(1);
                        }
                        select(&cache).apply(event);
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            let state = match &failure {
                Some(e) => classify(e),
                None => SourceState::Disconnected {
                    since: now(),
                    reason: "the watch ended".into(),
                },
            };
            if let (SourceState::Disconnected { .. }, Some(e)) = (&state, &failure) {
                tracing::warn!(kind = %K::kind(&()), error = %e, retry_in = ?delay, "watch failed; retrying");
            }
            select(&cache).set_source(state);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RETRY);
        }
    });
}
