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
use super::error::ActionError;
use super::kind::{changes, Current};
use super::velero_backup::{Backup, BackupFrom};
use super::Action;
use crate::metrics::{ActionResult, Metrics};

/// The limits of the configuration that actions are checked against.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_replicas: i32,
    /// An action needs a sign-in no older than this (seconds).
    pub recent_sign_in_secs: i64,
    /// Longest a preview or a run waits for the API server.
    pub timeout: std::time::Duration,
}

impl From<&crate::config::ActionsConfig> for Limits {
    fn from(config: &crate::config::ActionsConfig) -> Self {
        Limits {
            max_replicas: config.max_replicas,
            recent_sign_in_secs: config.recent_sign_in_minutes as i64 * 60,
            timeout: std::time::Duration::from_secs(config.timeout_secs),
        }
    }
}

/// What the admin sent with the confirmation form.
#[derive(Clone, Debug, Default)]
pub struct Confirmation {
    pub resource_version: String,
    pub typed_name: String,
    pub reason: Option<String>,
    /// Take a Velero backup of the namespace at risk first (offered by the preview).
    pub backup_first: bool,
    /// The AAR this action is taken for; it then shows in that AAR's timeline.
    pub aar_id: Option<i64>,
}

/// Reads the target fresh and dry-runs the change. A refusal is part of the preview (the page
/// says why and offers no form); errors reading the target are errors.
pub async fn preview(
    client: Option<&Client>,
    action: &Action,
    limits: Limits,
) -> Result<ActionPreview, ActionError> {
    let client = client.ok_or(ActionError::NoCluster)?;
    tokio::time::timeout(limits.timeout, read_and_dry_run(client, action, limits))
        .await
        .unwrap_or(Err(ActionError::TimedOut(limits.timeout.as_secs())))
}

async fn read_and_dry_run(
    client: &Client,
    action: &Action,
    limits: Limits,
) -> Result<ActionPreview, ActionError> {
    let current = action.read(client).await?;
    let mut preview = ActionPreview {
        title: action.title(),
        target: action.target(),
        confirm_name: action.confirm_name(),
        command: action.command(),
        resource_version: current.resource_version(),
        changes: Vec::new(),
        refusal: None,
        fields: action.to_fields(),
        problem: None,
        warnings: Vec::new(),
        override_href: None,
        backup_first: None,
        aars: Vec::new(),
    };
    match action.check(&current, limits.max_replicas) {
        Ok(warnings) => {
            let after = action.send(client, &current, true).await?;
            preview.changes = changes(&before(action, &current), &after, action.fields());
            preview.warnings = warnings;
            preview.backup_first = action.stateful_namespace(&current);
        }
        Err(refused) => preview.refusal = Some(refused.to_string()),
    }
    Ok(preview)
}

/// What is there before the action: nothing, for one that creates its object.
fn before(action: &Action, current: &Current) -> Value {
    if action.creates() {
        Value::Null
    } else {
        current.object.clone()
    }
}

/// Whether an authentication at `authenticated_at` is recent enough to act at `now`; an unknown
/// time never is.
pub fn recent(authenticated_at: Option<i64>, now: i64, limits: Limits) -> bool {
    authenticated_at.is_some_and(|at| now - at <= limits.recent_sign_in_secs)
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
    /// Where a backup taken first goes (`actions.velero_namespace`).
    pub velero_namespace: &'a str,
    pub now: i64,
    /// When the admin last authenticated at the provider (unix seconds), if known.
    pub authenticated_at: Option<i64>,
}

/// What a done action changed, and what else happened on the way (a backup taken first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Done {
    pub changes: Vec<FieldChange>,
    pub notes: Vec<String>,
}

/// Checks the confirmation and sends the change; records the attempt in the audit log whatever
/// happened. An error writing the audit entry fails the request (and is logged), but cannot
/// undo a change already made: the change is sent only after every check passed.
pub async fn run(a: Attempt<'_>) -> Result<Done, ActionError> {
    // A hung API server ends here, in time to audit it, not in the request's own timeout.
    let result = tokio::time::timeout(a.limits.timeout, attempt(&a))
        .await
        .unwrap_or(Err(ActionError::TimedOut(a.limits.timeout.as_secs())));
    let changes = result
        .as_ref()
        .map(|d| d.changes.clone())
        .unwrap_or_default();
    record(
        &a,
        a.action,
        &result.as_ref().map(|_| ()),
        &changes,
        a.confirmation.reason.as_deref(),
    )
    .await?;
    result
}

/// An attempt that failed before the guard could begin (no client to send it with): audited
/// all the same.
pub async fn fail(a: Attempt<'_>, e: ActionError) -> Result<Done, ActionError> {
    record(
        &a,
        a.action,
        &Err(&e),
        &[],
        a.confirmation.reason.as_deref(),
    )
    .await?;
    Err(e)
}

/// Audits one attempt of `action` (and counts it).
async fn record(
    a: &Attempt<'_>,
    action: &Action,
    result: &Result<(), &ActionError>,
    changes: &[FieldChange],
    reason: Option<&str>,
) -> Result<(), ActionError> {
    let (outcome, message) = match result {
        Ok(()) => ("done", String::new()),
        Err(
            e @ (ActionError::Invalid(_)
            | ActionError::Refused(_)
            | ActionError::NeedsOverride(_)
            | ActionError::Stale { .. }
            | ActionError::SignInAgain
            | ActionError::NoCluster),
        ) => ("refused", e.to_string()),
        Err(e) => ("failed", e.to_string()),
    };
    a.metrics.action(
        action.kind(),
        match outcome {
            "done" => ActionResult::Done,
            "refused" => ActionResult::Refused,
            _ => ActionResult::Failed,
        },
    );
    let command = action.command();
    let target = action.target();
    audit::record(
        a.db,
        &NewEntry {
            at: a.now,
            actor_sub: &a.actor.sub,
            actor_name: &a.actor.display_name,
            action: action.kind(),
            target: &target,
            reason,
            command: &command,
            changes,
            outcome,
            message: &message,
            aar_id: a.confirmation.aar_id,
        },
    )
    .await?;
    tracing::info!(
        actor = %a.actor.display_name, action = action.kind(), target = %target, outcome,
        "guarded action"
    );
    Ok(())
}

async fn attempt(a: &Attempt<'_>) -> Result<Done, ActionError> {
    let c = a.confirmation;
    if !recent(a.authenticated_at, a.now, a.limits) {
        return Err(ActionError::SignInAgain);
    }
    if c.typed_name.trim() != a.action.confirm_name() {
        return Err(ActionError::Refused(format!(
            "type the name {} to confirm",
            a.action.confirm_name()
        )));
    }
    let client = a.client.ok_or(ActionError::NoCluster)?;
    let current = a.action.read(client).await.map_err(|e| match e {
        ActionError::Api { code: 404, .. } => ActionError::Gone(a.action.target()),
        other => other,
    })?;
    let version = current.resource_version();
    if version != c.resource_version {
        return Err(ActionError::Stale {
            previewed: c.resource_version.clone(),
            current: version,
        });
    }
    a.action.check(&current, a.limits.max_replicas)?;
    let mut notes = Vec::new();
    if c.backup_first {
        let namespace = a.action.stateful_namespace(&current).ok_or_else(|| {
            ActionError::Invalid(
                "this action puts no namespace's data at risk: there is nothing to back up first"
                    .into(),
            )
        })?;
        notes.push(backup_first(a, client, &namespace).await?);
    }
    let after = send_unless_changed(a.action, client, &current).await?;
    Ok(Done {
        changes: changes(&before(a.action, &current), &after, a.action.fields()),
        notes,
    })
}

/// Sends the change conditional on the resourceVersion `current` was read at: when the object
/// moved on in between, the API server answers 409 and nothing changes, which is the same
/// answer to the admin as a preview gone stale.
pub async fn send_unless_changed(
    action: &Action,
    client: &Client,
    current: &Current,
) -> Result<Value, ActionError> {
    action
        .send(client, current, false)
        .await
        .map_err(|e| match e {
            ActionError::Api { code: 409, .. } if !action.creates() => ActionError::Stale {
                previewed: current.resource_version(),
                current: "newer".into(),
            },
            other => other,
        })
}

/// Takes an ad hoc backup of `namespace` before the action, through the same checks (an
/// Unavailable storage location refuses it, and with it the action), as its own audited
/// attempt. Returns once the API server has created the Backup.
async fn backup_first(
    a: &Attempt<'_>,
    client: &Client,
    namespace: &str,
) -> Result<String, ActionError> {
    let backup = Action::Backup(Backup {
        namespace: a.velero_namespace.to_owned(),
        from: BackupFrom::Namespaces(vec![namespace.to_owned()]),
        force: false,
    });
    let result = async {
        let current = backup.read(client).await?;
        backup.check(&current, a.limits.max_replicas)?;
        backup.send(client, &current, false).await
    }
    .await;
    let changes = match &result {
        Ok(created) => changes(&Value::Null, created, backup.fields()),
        Err(_) => Vec::new(),
    };
    let reason = format!("backup first, before: {}", a.action.title());
    record(
        a,
        &backup,
        &result.as_ref().map(|_| ()),
        &changes,
        Some(&reason),
    )
    .await?;
    let created = result.map_err(|e| {
        ActionError::Refused(format!(
            "the backup first was not taken, so nothing was changed: {e}"
        ))
    })?;
    let name = created
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(format!(
        "Backup {}/{name} of namespace {namespace} was created first",
        a.velero_namespace
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_counts_as_recent_within_the_window() {
        let limits = Limits {
            max_replicas: 10,
            recent_sign_in_secs: 900,
            timeout: std::time::Duration::from_secs(20),
        };
        assert!(recent(Some(1_000), 1_900, limits));
        assert!(!recent(Some(1_000), 1_901, limits));
        assert!(!recent(None, 1_000, limits));
    }
}
