//! Types shared by the server and the browser. View types are computed on the server by pure
//! functions over the watch caches; pages and islands only display them.

use serde::{Deserialize, Serialize};

/// Who is signed in, as pages and islands see it. Keyed on the provider's `sub`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// Opaque subject from the identity provider; sessions and audit entries are keyed on it.
    pub sub: String,
    /// What to show: `preferred_username`, else the email, else the subject.
    pub display_name: String,
    pub role: Role,
}

/// What a signed-in person may see and do. Decided on the server from the provider's groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and does everything.
    Admin,
    /// Family: the Status and Services pages only.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }
}

/// One Kubernetes node as the overview pages show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub name: String,
    /// The physical machine it runs on, from the topology configuration or a node label.
    pub host: Option<String>,
    pub roles: Vec<String>,
    pub ready: Readiness,
    /// Cordoned: `spec.unschedulable`.
    pub cordoned: bool,
    pub kubelet_version: String,
    /// Allocatable CPU in millicores.
    pub cpu_millis: u64,
    /// Allocatable memory in bytes.
    pub memory_bytes: u64,
    pub gpus: Vec<GpuCapacity>,
    pub internal_ip: Option<String>,
    /// Conditions other than Ready that are True (pressure, network unavailable).
    pub problems: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Readiness {
    Ready,
    NotReady,
    Unknown,
}

/// An extended GPU resource a node advertises, such as `nvidia.com/gpu: 4`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuCapacity {
    pub resource: String,
    pub count: u64,
}

/// How current the cluster data behind a page is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// Unix seconds of the last change or resync the caches saw.
    pub as_of: i64,
    /// `demo` for the embedded demo homelab, `live` for a real cluster.
    pub mode: String,
}

/// What the server knows about the request being rendered, put into the request's extensions by
/// the server's middleware and read by the shell during server-side rendering.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub viewer: Option<Viewer>,
    /// Per-request nonce for the inline hydration loader, echoed in the Content-Security-Policy.
    pub nonce: String,
    /// Demo mode: every page shows a visible marker.
    pub demo: bool,
    /// The session's CSRF token (empty when signed out): every form that changes something
    /// carries it in a hidden `csrf` field; scripts send it as `X-CSRF-Token`.
    pub csrf: String,
}
