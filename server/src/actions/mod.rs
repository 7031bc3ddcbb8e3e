//! Guarded admin actions. Every action goes through the same steps ([`guard`]): it is previewed
//! as a server-side dry run showing each field that will change and the equivalent kubectl
//! command; the admin confirms by typing the target's name; the change is sent with the
//! resourceVersion that was previewed (so a change in between is refused by the API server with
//! 409); and every attempt, refused, failed or done, leaves one audit entry ([`audit`]).
//!
//! One module per kind of action, each with its form, checks, read and send, and its tests:
//! [`scale`], [`claim_ref`] (clear or point a Released volume's claimRef), [`cordon`],
//! [`restart`], [`flux`] (reconcile, suspend, resume), [`velero_backup`], [`restore_drill`] and
//! [`drill_cleanup`]. What they share is
//! in [`kind`]: the [`kind::Kind`] trait, what an action is checked against, the form's names
//! checked. [`Action`] below is the one type the router and the guard see.
//!
//! - [`velero`]: Backups made the way `velero backup create` makes them, and Velero's traps.
//! - [`guard`]: preview, confirm, apply and audit, shared by every action.
//! - [`audit`]: the append-only audit log in SQLite.
//! - [`connection`]: the server's client, or one impersonating the admin.
//! - [`error`]: why an action did not happen.

pub mod audit;
pub mod claim_ref;
pub mod connection;
pub mod cordon;
pub mod drill_cleanup;
pub mod error;
pub mod flux;
pub mod guard;
pub mod kind;
pub mod restart;
pub mod restore_drill;
pub mod scale;
pub mod velero;
pub mod velero_backup;

use kube::Client;
use serde_json::Value;

pub use connection::{Connection, Impersonation};
pub use error::ActionError;

use flux::FluxOp;
use kind::{Current, Kind, Permissions};

/// An action on one object, as the preview and confirmation forms carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Scale(scale::Scale),
    ClearClaimRef(claim_ref::Clear),
    PointClaimRef(claim_ref::Point),
    Cordon(cordon::Cordon),
    Restart(restart::Restart),
    Flux(flux::Flux),
    Backup(velero_backup::Backup),
    Drill(restore_drill::Drill),
    DrillCleanup(drill_cleanup::Cleanup),
}

/// `$body` with `$kind` bound to the action's kind, whichever it is.
macro_rules! each {
    ($action:expr, $kind:ident => $body:expr) => {
        match $action {
            Action::Scale($kind) => $body,
            Action::ClearClaimRef($kind) => $body,
            Action::PointClaimRef($kind) => $body,
            Action::Cordon($kind) => $body,
            Action::Restart($kind) => $body,
            Action::Flux($kind) => $body,
            Action::Backup($kind) => $body,
            Action::Drill($kind) => $body,
            Action::DrillCleanup($kind) => $body,
        }
    };
}

impl Action {
    /// Reads an action from form or query fields (`action` names it).
    pub fn from_fields(fields: &[(String, String)]) -> Result<Action, ActionError> {
        let action = kind::field(fields, "action")?;
        if let Some(op) = FluxOp::parse(action) {
            return flux::Flux::from_fields(op, fields).map(Action::Flux);
        }
        match action {
            "scale" => scale::Scale::from_fields(fields).map(Action::Scale),
            "clear-claim-ref" => claim_ref::Clear::from_fields(fields).map(Action::ClearClaimRef),
            "point-claim-ref" => claim_ref::Point::from_fields(fields).map(Action::PointClaimRef),
            "cordon" | "uncordon" => {
                cordon::Cordon::from_fields(action == "cordon", fields).map(Action::Cordon)
            }
            "restart" => restart::Restart::from_fields(fields).map(Action::Restart),
            "backup" => velero_backup::Backup::from_fields(fields).map(Action::Backup),
            "restore-drill" => restore_drill::Drill::from_fields(fields).map(Action::Drill),
            "drill-cleanup" => {
                drill_cleanup::Cleanup::from_fields(fields).map(Action::DrillCleanup)
            }
            other => Err(ActionError::Invalid(format!(
                "there is no action {other:?}"
            ))),
        }
    }

    /// The fields that say this action again (the confirmation form's hidden inputs).
    pub fn to_fields(&self) -> Vec<(String, String)> {
        each!(self, k => k.to_fields())
    }

    /// The same action, going ahead although the storage location is Unavailable.
    pub fn forced(&self) -> Option<Action> {
        match self {
            Action::Backup(backup) => backup.forced().map(Action::Backup),
            _ => None,
        }
    }

    /// The action's name in the audit log and the metrics.
    pub fn kind(&self) -> &'static str {
        each!(self, k => k.name())
    }

    pub fn title(&self) -> String {
        each!(self, k => k.title())
    }

    pub fn target(&self) -> String {
        each!(self, k => k.target())
    }

    pub fn confirm_name(&self) -> String {
        each!(self, k => k.confirm_name())
    }

    pub fn command(&self) -> String {
        each!(self, k => k.command())
    }

    pub fn permissions(&self) -> Permissions {
        each!(self, k => k.permissions())
    }

    pub fn fields(&self) -> &'static [&'static str] {
        each!(self, k => k.fields())
    }

    pub fn creates(&self) -> bool {
        each!(self, k => k.creates())
    }

    pub async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        each!(self, k => k.read(client).await)
    }

    pub fn check(&self, current: &Current, max_replicas: i32) -> Result<Vec<String>, ActionError> {
        each!(self, k => k.check(current, max_replicas))
    }

    pub fn stateful_namespace(&self, current: &Current) -> Option<String> {
        each!(self, k => k.stateful_namespace(current))
    }

    pub async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        each!(self, k => k.send(client, current, dry_run).await)
    }

    /// One action of each kind, for checks that must cover them all (the shipped ClusterRole,
    /// the audit filter).
    pub fn samples() -> Vec<Action> {
        let s = String::new;
        vec![
            Action::Scale(scale::Scale {
                kind: kind::WorkloadKind::Deployment,
                namespace: s(),
                name: s(),
                replicas: 0,
            }),
            Action::ClearClaimRef(claim_ref::Clear { volume: s() }),
            Action::PointClaimRef(claim_ref::Point {
                volume: s(),
                namespace: s(),
                claim: s(),
            }),
            Action::Cordon(cordon::Cordon {
                node: s(),
                cordon: true,
            }),
            Action::Restart(restart::Restart {
                kind: kind::WorkloadKind::Deployment,
                namespace: s(),
                name: s(),
            }),
            Action::Flux(flux::Flux {
                kind: flux::FluxKind::Kustomization,
                namespace: s(),
                name: s(),
                op: FluxOp::Reconcile,
            }),
            Action::Backup(velero_backup::Backup {
                namespace: s(),
                from: velero_backup::BackupFrom::Namespaces(vec![]),
                force: false,
            }),
            Action::Drill(restore_drill::Drill {
                namespace: s(),
                from: restore_drill::DrillFrom::Backup(s()),
                namespaces: vec![],
            }),
            Action::DrillCleanup(drill_cleanup::Cleanup { namespace: s() }),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kind::form;

    #[test]
    fn every_kind_reads_back_from_its_form_and_unknown_ones_are_named() {
        for mut action in Action::samples() {
            // Samples have empty names; give each valid ones so its form reads back.
            match &mut action {
                Action::Backup(b) => {
                    b.namespace = "velero".into();
                    b.from = velero_backup::BackupFrom::Namespaces(vec!["media".into()]);
                }
                Action::Drill(d) => {
                    d.namespace = "velero".into();
                    d.from = restore_drill::DrillFrom::Backup("daily-1".into());
                    d.namespaces = vec!["media".into()];
                }
                other => {
                    let mut fields = other.to_fields();
                    for (k, v) in fields.iter_mut() {
                        if k != "action" && k != "kind" && v.is_empty() {
                            *v = "x".into();
                        }
                    }
                    *other = Action::from_fields(&fields).unwrap();
                }
            }
            assert_eq!(Action::from_fields(&action.to_fields()).unwrap(), action);
            assert_eq!(action.to_fields()[0].1, action.kind());
        }
        let e = Action::from_fields(&form(&[("action", "explode")])).unwrap_err();
        assert_eq!(e.to_string(), "there is no action \"explode\"");
        let e = Action::from_fields(&form(&[("name", "x")])).unwrap_err();
        assert_eq!(e.to_string(), "the form has no action");
    }

    #[test]
    fn only_a_backup_can_be_forced() {
        for action in Action::samples() {
            let backup = matches!(action, Action::Backup(_));
            assert_eq!(action.forced().is_some(), backup, "{action:?}");
        }
    }

    #[test]
    fn every_kind_of_action_is_in_the_audit_filter() {
        let mut kinds: Vec<&str> = Action::samples().iter().map(Action::kind).collect();
        kinds.extend(["uncordon", "suspend", "resume"]);
        for kind in kinds {
            assert!(
                frontend::model::actions::ACTION_KINDS.contains(&kind),
                "{kind} is missing from ACTION_KINDS"
            );
        }
        assert_eq!(frontend::model::actions::ACTION_KINDS.len(), 12);
    }
}
