//! `[actions]`: the limits of the guarded admin actions, and whether they run impersonating the
//! signed-in admin.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionsConfig {
    /// The most replicas the scale action sets.
    pub max_replicas: i32,
    /// An action needs a sign-in no older than this; older sessions sign in again first.
    pub recent_sign_in_minutes: u64,
    /// Longest an action (with its backup first) may wait for the API server; it is then audited
    /// as failed. Less than `server.request_timeout_secs`, so the outcome is always audited.
    pub timeout_secs: u64,
    /// Where Velero runs: ad hoc backups (and "back up first") are created there.
    pub velero_namespace: String,
    /// Send actions as the signed-in admin (Impersonate-User and Impersonate-Group), so the
    /// cluster's own RBAC and audit log apply per person. `deploy/components/impersonate` turns it on.
    pub impersonate: bool,
    /// Put before the admin's user name and each group name when impersonating: set them to the
    /// API server's `--oidc-username-prefix` and `--oidc-groups-prefix`, so the names match its
    /// RoleBindings.
    pub impersonate_user_prefix: String,
    pub impersonate_group_prefix: String,
}

impl Default for ActionsConfig {
    fn default() -> Self {
        Self {
            max_replicas: DEFAULT_MAX_REPLICAS,
            recent_sign_in_minutes: 15,
            timeout_secs: 20,
            velero_namespace: "velero".into(),
            impersonate: false,
            impersonate_user_prefix: String::new(),
            impersonate_group_prefix: String::new(),
        }
    }
}

/// The highest replica count the scale action accepts unless configured otherwise.
pub const DEFAULT_MAX_REPLICAS: i32 = 10;
