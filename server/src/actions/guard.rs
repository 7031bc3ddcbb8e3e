//! The one guard every action goes through: preview as a server-side dry run, confirmation by
//! typing the target's name, a recent sign-in, the previewed resourceVersion, and one audit entry
//! per attempt. Admin role and CSRF token are checked before a request gets here (the access
//! policy and the CSRF middleware), and again by the handlers' `Admin` extractor.

use frontend::model::actions::{ActionPreview, FieldChange};
use frontend::model::Viewer;
use kube::Client;
use serde_json::Value;
use sqlx::SqlitePool;

use super::audit::{self, NewEntry};
use super::{changes, Action, ActionError};
use crate::metrics::{ActionResult, Metrics};

/// The limits of the configuration that actions are checked against.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_replicas: i32,
    /// An action needs a sign-in no older than this (seconds).
    pub recent_sign_in_secs: i64,
}

/// What the admin sent with the confirmation form.
#[derive(Clone, Debug)]
pub struct Confirmation {
    pub resource_version: String,
    pub typed_name: String,
    pub reason: Option<String>,
}

fn resource_version(object: &Value) -> String {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Reads the target fresh and dry-runs the change. A refusal is part of the preview (the page
/// says why and offers no form); errors reading the target are errors.
pub async fn preview(
    client: Option<&Client>,
    action: &Action,
    limits: Limits,
) -> Result<ActionPreview, ActionError> {
    let client = client.ok_or(ActionError::NoCluster)?;
    let current = action.read(client).await?;
    let version = resource_version(&current);
    let (changes, refusal) = match action.check(&current, limits.max_replicas) {
        Ok(()) => {
            let after = action.send(client, &version, true).await?;
            (changes(&current, &after, action.fields()), None)
        }
        Err(refused) => (Vec::new(), Some(refused.to_string())),
    };
    Ok(ActionPreview {
        title: action.title(),
        target: action.target(),
        confirm_name: action.confirm_name().to_owned(),
        command: action.command(),
        resource_version: version,
        changes,
        refusal,
        fields: action.to_fields(),
        problem: None,
    })
}

/// Whether a sign-in at `signed_in_at` is recent enough to act at `now`.
pub fn recent(signed_in_at: i64, now: i64, limits: Limits) -> bool {
    now - signed_in_at <= limits.recent_sign_in_secs
}

/// Everything that identifies one attempt, for [`run`].
pub struct Attempt<'a> {
    pub client: Option<&'a Client>,
    pub db: &'a SqlitePool,
    pub metrics: &'a Metrics,
    pub actor: &'a Viewer,
    pub action: &'a Action,
    pub confirmation: &'a Confirmation,
    pub limits: Limits,
    pub now: i64,
    /// When the admin last signed in (unix seconds).
    pub signed_in_at: i64,
}

/// Checks the confirmation and sends the change; records the attempt in the audit log whatever
/// happened. An error writing the audit entry fails the request (and is logged), but cannot
/// undo a change already made: the change is sent only after every check passed.
pub async fn run(a: Attempt<'_>) -> Result<Vec<FieldChange>, ActionError> {
    let result = attempt(&a).await;
    let (outcome, message, changes) = match &result {
        Ok(changes) => ("done", String::new(), changes.clone()),
        Err(
            e @ (ActionError::Invalid(_)
            | ActionError::Refused(_)
            | ActionError::Stale { .. }
            | ActionError::SignInAgain
            | ActionError::NoCluster),
        ) => ("refused", e.to_string(), Vec::new()),
        Err(e) => ("failed", e.to_string(), Vec::new()),
    };
    a.metrics.action(
        a.action.kind(),
        match outcome {
            "done" => ActionResult::Done,
            "refused" => ActionResult::Refused,
            _ => ActionResult::Failed,
        },
    );
    let command = a.action.command();
    let target = a.action.target();
    audit::record(
        a.db,
        &NewEntry {
            at: a.now,
            actor_sub: &a.actor.sub,
            actor_name: &a.actor.display_name,
            action: a.action.kind(),
            target: &target,
            reason: a.confirmation.reason.as_deref(),
            command: &command,
            changes: &changes,
            outcome,
            message: &message,
        },
    )
    .await?;
    tracing::info!(
        actor = %a.actor.display_name, action = a.action.kind(), target = %target, outcome,
        "guarded action"
    );
    result
}

async fn attempt(a: &Attempt<'_>) -> Result<Vec<FieldChange>, ActionError> {
    let c = a.confirmation;
    if !recent(a.signed_in_at, a.now, a.limits) {
        return Err(ActionError::SignInAgain);
    }
    if c.typed_name.trim() != a.action.confirm_name() {
        return Err(ActionError::Refused(format!(
            "type the name {} to confirm",
            a.action.confirm_name()
        )));
    }
    let client = a.client.ok_or(ActionError::NoCluster)?;
    let current = a.action.read(client).await?;
    let version = resource_version(&current);
    if version != c.resource_version {
        return Err(ActionError::Stale {
            previewed: c.resource_version.clone(),
            current: version,
        });
    }
    a.action.check(&current, a.limits.max_replicas)?;
    // Conditional on the previewed version: a change in between is the API server's 409.
    let after = a
        .action
        .send(client, &c.resource_version, false)
        .await
        .map_err(|e| match e {
            ActionError::Api { code: 409, .. } => ActionError::Stale {
                previewed: c.resource_version.clone(),
                current: "newer".into(),
            },
            other => other,
        })?;
    Ok(changes(&current, &after, a.action.fields()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_counts_as_recent_within_the_window() {
        let limits = Limits {
            max_replicas: 10,
            recent_sign_in_secs: 900,
        };
        assert!(recent(1_000, 1_900, limits));
        assert!(!recent(1_000, 1_901, limits));
    }
}
