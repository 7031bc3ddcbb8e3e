//! Guarded actions as their pages show them: the preview, the result, and the audit log.

use serde::{Deserialize, Serialize};

/// Every kind of action as the audit log names it (the server's `Action::kind`; a test there
/// holds the two together): the audit page's filter.
pub const ACTION_KINDS: &[&str] = &[
    "scale",
    "clear-claim-ref",
    "point-claim-ref",
    "cordon",
    "uncordon",
    "restart",
    "reconcile",
    "suspend",
    "resume",
    "backup",
    "restore-drill",
    "drill-cleanup",
];

/// One field an action changes, as the preview and the audit entry show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// A JSON pointer into the object, e.g. `/spec/replicas`.
    pub field: String,
    /// The value now and after, as compact JSON (`null` when absent).
    pub before: String,
    pub after: String,
}

/// What the preview page shows before anything happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPreview {
    pub title: String,
    pub target: String,
    /// What the admin types to confirm.
    pub confirm_name: String,
    /// The equivalent kubectl, velero or flux command.
    pub command: String,
    /// The resourceVersion previewed; the change is refused if the object moved on.
    pub resource_version: String,
    /// Field by field, from a server-side dry run.
    pub changes: Vec<FieldChange>,
    /// Why the action cannot be done to this object now; no form is offered then.
    pub refusal: Option<String>,
    /// The fields that name the action (hidden inputs of the confirmation form).
    pub fields: Vec<(String, String)>,
    /// A problem with the last confirmation (wrong name typed), shown above the form.
    pub problem: Option<String>,
    /// What the admin should know before confirming (a schedule owning its backups).
    pub warnings: Vec<String>,
    /// With a refusal the admin may override (an Unavailable storage location): the preview
    /// that goes ahead anyway.
    pub override_href: Option<String>,
    /// The namespace whose data the action puts at risk: offered to back up first.
    pub backup_first: Option<String>,
    /// AARs the action can be linked to (id, title), newest first.
    pub aars: Vec<(i64, String)>,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub title: String,
    pub target: String,
    pub command: String,
    /// done, refused or failed.
    pub outcome: String,
    pub message: String,
    pub changes: Vec<FieldChange>,
    /// What else happened on the way (a backup taken first).
    pub notes: Vec<String>,
    /// Where to look again (the preview, for a stale confirmation).
    pub again: Option<String>,
}

/// One audit log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
    pub command: String,
    pub changes: Vec<FieldChange>,
    pub outcome: String,
    pub message: String,
    /// The AAR the action was taken for.
    pub aar_id: Option<i64>,
}

/// Which audit entries to show; every field narrows the list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// Who acted, as the log names them.
    pub actor: Option<String>,
    /// A part of the target (`media/plex`, `PersistentVolume`), any case.
    pub target: Option<String>,
    /// Only entries older than this entry: the page after the one that ended there.
    pub before: Option<i64>,
}

impl AuditFilter {
    /// This filter's query string without `before`, for the pages' links.
    pub fn query(&self) -> String {
        let pairs = [
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("actor", &self.actor),
            ("target", &self.target),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| {
                v.as_ref()
                    .map(|v| format!("{k}={}", crate::html::url_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub filter: AuditFilter,
    /// How many entries the filter matches in the whole log.
    pub total: i64,
    /// The `before` of the next, older page; None on the last page.
    pub older: Option<i64>,
    /// Everyone who appears in the log, for the filter.
    pub actors: Vec<String>,
}

/// What an action page renders, provided as context by its handler.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionPage {
    Preview(ActionPreview),
    Outcome(ActionOutcome),
    /// The audit log, newest first, with the filters applied.
    Audit(AuditPage),
}
