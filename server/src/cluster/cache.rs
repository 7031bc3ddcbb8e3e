//! The watch caches: one reflector store per resource kind, the same whether a watcher or the
//! demo loader fills it, so the UI has one code path.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use frontend::model::{Freshness, NodeSummary};
use frontend::source::ClusterSource;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::runtime::reflector::{store::Writer, Store};
use kube::runtime::watcher;
use kube::Resource;

use super::views;

/// The store of one resource kind and the writer that fills it.
pub struct Cache<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    reader: Store<K>,
    writer: Mutex<Writer<K>>,
}

impl<K> Default for Cache<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    fn default() -> Self {
        let writer = Writer::default();
        Self {
            reader: writer.as_reader(),
            writer: Mutex::new(writer),
        }
    }
}

impl<K> Cache<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    /// Every object currently known, in no particular order.
    pub fn state(&self) -> Vec<Arc<K>> {
        self.reader.state()
    }

    /// Applies one watcher event (initial list, change or deletion).
    pub fn apply(&self, event: &watcher::Event<K>) {
        // A poisoned lock only means another thread panicked mid-apply; the store itself is
        // still consistent, so keep serving it.
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.apply_watcher_event(event);
    }

    /// Replaces the whole content, as an initial list does.
    pub fn replace(&self, objects: Vec<K>) {
        self.apply(&watcher::Event::Init);
        for object in objects {
            self.apply(&watcher::Event::InitApply(object));
        }
        self.apply(&watcher::Event::InitDone);
    }
}

/// All watch caches of the server, shared by every request.
#[derive(Default)]
pub struct ClusterCache {
    pub nodes: Cache<Node>,
    pub pods: Cache<Pod>,
    /// Unix seconds of the last event any cache applied.
    last_change: AtomicI64,
    /// Every cache has completed its initial list at least once.
    synced: AtomicBool,
    demo: AtomicBool,
}

impl ClusterCache {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Records that the caches changed now.
    pub fn touch(&self) {
        self.last_change
            .store(jiff::Timestamp::now().as_second(), Ordering::Relaxed);
    }

    pub fn mark_synced(&self, demo: bool) {
        self.demo.store(demo, Ordering::Relaxed);
        self.synced.store(true, Ordering::Release);
        self.touch();
    }

    /// Every cache has completed its initial list; `/readyz` waits for this.
    pub fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}

impl ClusterSource for ClusterCache {
    fn nodes(&self) -> Vec<NodeSummary> {
        views::nodes::summaries(&self.nodes.state())
    }

    fn freshness(&self) -> Freshness {
        Freshness {
            as_of: self.last_change.load(Ordering::Relaxed),
            mode: if self.demo.load(Ordering::Relaxed) {
                "demo"
            } else {
                "live"
            }
            .into(),
        }
    }
}
