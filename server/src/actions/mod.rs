//! Guarded admin actions. Every action goes through the same steps ([`guard`]): it is previewed
//! as a server-side dry run showing each field that will change and the equivalent kubectl
//! command; the admin confirms by typing the target's name; the change is sent with the
//! resourceVersion that was previewed (so a change in between is refused by the API server with
//! 409); and every attempt, refused, failed or done, leaves one audit entry ([`audit`]).
//!
//! - [`kinds`]: what each action changes, and when it is refused.
//! - [`velero`]: Backups made the way `velero backup create` makes them, and Velero's traps.
//! - [`guard`]: preview, confirm, apply and audit, shared by every action.
//! - [`audit`]: the append-only audit log in SQLite.

pub mod audit;
pub mod guard;
pub mod kinds;
pub mod velero;

use frontend::model::actions::FieldChange;
use kube::Client;
use serde_json::Value;

pub use kinds::Action;

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

/// Why an action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The form named no action we know, or a field is missing or malformed.
    #[error("{0}")]
    Invalid(String),
    /// The guard refused before anything was sent (not Released, out of range, wrong name).
    #[error("{0}")]
    Refused(String),
    /// Refused unless the admin explicitly goes ahead (a backup to an Unavailable location).
    #[error("{0}")]
    NeedsOverride(String),
    /// The object changed between the preview and the confirmation.
    #[error("it changed since you looked (resourceVersion {previewed} is now {current}); review the preview again")]
    Stale { previewed: String, current: String },
    /// The target was deleted after the preview.
    #[error("{0} is gone: it was deleted after the preview, so nothing was changed")]
    Gone(String),
    /// The API server answered with an error (403 from RBAC, 404, 409, 422 from a schema).
    #[error("the Kubernetes API refused it ({code} {reason}): {message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    /// The sign-in is older than the configured window: sign in again, then confirm again.
    #[error("your sign-in is too old to act on the cluster: sign in again, then confirm")]
    SignInAgain,
    /// Demo mode: there is no cluster to change.
    #[error("the demo homelab is a recording: there is no cluster to change")]
    NoCluster,
    #[error("the API server could not be reached: {0}")]
    Unreachable(String),
    /// The API server did not answer in `actions.timeout_secs`; a change may have been made.
    #[error("the API server did not answer within {0} s: the change may or may not have been made, so look at the target before trying again")]
    TimedOut(u64),
    #[error("the audit log could not be written")]
    Audit(#[from] crate::db::DbError),
}

impl ActionError {
    /// The HTTP status the result page is answered with.
    pub fn status(&self) -> u16 {
        match self {
            ActionError::Invalid(_) => 400,
            ActionError::Refused(_) | ActionError::NeedsOverride(_) => 422,
            ActionError::Stale { .. } => 409,
            ActionError::Gone(_) => 404,
            ActionError::Api { code, .. } => *code,
            ActionError::SignInAgain => 401,
            ActionError::NoCluster => 409,
            ActionError::Unreachable(_) => 502,
            ActionError::TimedOut(_) => 504,
            ActionError::Audit(_) => 500,
        }
    }
}

impl From<kube::Error> for ActionError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(status) => ActionError::Api {
                code: status.code,
                reason: status.reason.clone(),
                message: status.message.clone(),
            },
            other => ActionError::Unreachable(other.to_string()),
        }
    }
}

/// The value at `pointer` in `object`, as compact JSON.
fn at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .map(Value::to_string)
        .unwrap_or_else(|| "null".into())
}

/// The fields among `pointers` that differ between `before` and `after`.
pub fn changes(before: &Value, after: &Value, pointers: &[&str]) -> Vec<FieldChange> {
    pointers
        .iter()
        .map(|p| FieldChange {
            field: (*p).to_owned(),
            before: at(before, p),
            after: at(after, p),
        })
        .filter(|c| c.before != c.after)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_fields_that_differ_are_changes() {
        let before = json!({"spec": {"replicas": 1, "paused": false}});
        let after = json!({"spec": {"replicas": 0, "paused": false}});
        let c = changes(
            &before,
            &after,
            &["/spec/replicas", "/spec/paused", "/spec/x"],
        );
        assert_eq!(
            c,
            vec![FieldChange {
                field: "/spec/replicas".into(),
                before: "1".into(),
                after: "0".into()
            }]
        );
    }

    #[test]
    fn an_api_error_keeps_its_code_and_message() {
        let e = ActionError::from(kube::Error::Api(
            kube::core::Status::failure("persistentvolumes \"x\" is forbidden", "Forbidden")
                .with_code(403)
                .boxed(),
        ));
        assert_eq!(e.status(), 403);
        assert!(e.to_string().contains("forbidden"), "{e}");
    }
}
