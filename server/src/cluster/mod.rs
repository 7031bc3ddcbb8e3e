//! The cluster as the server knows it: in-memory watch caches, filled either by `kube::runtime`
//! watchers against a real API server or, in demo mode, from the embedded demo homelab; each
//! object slimmed on entry to what the views read ([`slim`]). The
//! pipeline to pages is [`published`]: caches → snapshot → views → one published, versioned set.
//! [`rbac`] lists what the server asks of the API, for the shipped ClusterRole.

pub mod cache;
pub mod crds;
pub mod demo;
pub mod live;
pub mod logs;
pub mod published;
pub mod rbac;
pub mod slim;
pub mod source;
pub mod synthetic;
pub mod views;

pub use cache::ClusterCache;
pub use source::ClusterView;
