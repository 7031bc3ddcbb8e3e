//! Why an action did not happen, one variant per way it can fail, each with the HTTP status its
//! result page is answered with.

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

#[cfg(test)]
mod tests {
    use super::*;

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
