//! Panels that follow the cluster without a reload. A page wraps a panel's server-rendered HTML
//! in a [`LiveRegion`] carrying the version of the data it shows; the live stream sends each
//! panel's current version, and when one on the page differs, the page's island fetches the page
//! again and swaps in that panel's new HTML. Statuses and progress bars are patched in place
//! (cheaper); tables whose rows come and go (new backups, a PV turning Released, a Flux object
//! failing) are swapped this way, so there is one renderer for every panel: the server's.

use leptos::prelude::*;

use crate::model::{BackupsView, GitOpsView, StorageView, Topology};

/// A view shown as a live panel.
pub trait LivePanel: serde::Serialize + Clone {
    /// The key pages and the stream name the panel by.
    const KEY: &'static str;

    /// A version of the view's data: equal data, equal version, within one server process (the
    /// page and the stream both compute it there). The clock a view was computed at is left
    /// out, so only a change in the cluster makes a new version. 53 bits of the hash, so that
    /// the browser's JSON number holds it exactly.
    fn version(&self) -> u64 {
        use std::hash::{DefaultHasher, Hasher};
        let mut hasher = DefaultHasher::new();
        hasher.write(&serde_json::to_vec(&self.without_clock()).unwrap_or_default());
        hasher.finish() >> 11
    }

    fn without_clock(&self) -> Self {
        self.clone()
    }
}

impl LivePanel for BackupsView {
    const KEY: &'static str = "backups";
    fn without_clock(&self) -> Self {
        BackupsView {
            now: 0,
            ..self.clone()
        }
    }
}

impl LivePanel for GitOpsView {
    const KEY: &'static str = "gitops";
    fn without_clock(&self) -> Self {
        GitOpsView {
            now: 0,
            ..self.clone()
        }
    }
}

impl LivePanel for StorageView {
    const KEY: &'static str = "storage";
}

impl LivePanel for Topology {
    const KEY: &'static str = "topology";
}

/// The key of the pod tables on the service and node pages. Their version is not a hash of one
/// view but of every pod's resource version ([`crate::source::ClusterSource::pods_version`]):
/// one cheap number for the stream, and a page whose pods did not change swaps in the same rows.
pub const PODS: &str = "pods";

#[component]
pub fn LiveRegion(key: &'static str, version: u64, children: Children) -> impl IntoView {
    view! {
        <div class="live-region" data-live-region=key data-live-version=version.to_string()>
            {children()}
        </div>
    }
}
