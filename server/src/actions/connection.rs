//! The connection actions are sent over: the server's own client, or one impersonating the
//! signed-in admin so the API server checks their RBAC (`actions.impersonate`).

use kube::Client;

use super::error::ActionError;

/// The connection to the cluster actions are sent over.
#[derive(Clone)]
pub struct Connection {
    /// The server's own client (its ServiceAccount).
    pub client: Client,
    /// What it was made from: impersonating clients are derived from it.
    pub config: kube::Config,
}

/// The signed-in admin, as actions impersonate them (`actions.impersonate`).
#[derive(Clone, Debug)]
pub struct Impersonation {
    pub user: String,
    pub groups: Vec<String>,
}

impl Connection {
    /// The client an action is sent with: the server's own, or one that sends every request
    /// with Impersonate-User and Impersonate-Group of `admin`, so the API server checks the
    /// admin's own RBAC and records them in its audit log.
    pub fn client_for(&self, admin: Option<&Impersonation>) -> Result<Client, ActionError> {
        let Some(admin) = admin else {
            return Ok(self.client.clone());
        };
        let mut config = self.config.clone();
        config.auth_info.impersonate = Some(admin.user.clone());
        config.auth_info.impersonate_groups = Some(admin.groups.clone());
        Client::try_from(config).map_err(|e| ActionError::Unreachable(e.to_string()))
    }
}
