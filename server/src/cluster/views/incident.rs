//! The incident page of a service or a node, from one snapshot and the audit log's entries:
//! the trouble's start (its first Warning event or firing alert), what changed in the last day,
//! and the parts the admin reads. Pure, so fixtures test it.

use frontend::model::actions::AuditEntry;
use frontend::model::events::EventRow;
use frontend::model::incident::{Change, Incident, Subject};
use frontend::model::{ClaimSummary, Readiness, ServiceStatus};

use super::{backups, nodes, services, topology, Snapshot};
use crate::evidence::offer::action_concerns;

/// How far back the changes go.
pub const CHANGES_SINCE: i64 = 24 * 3600;
/// Backups listed at most.
const BACKUPS: usize = 5;
/// Event reasons that tell of a change (a rollout, a scale, a restart), not a failure.
const CHANGE_REASONS: &[&str] = &[
    "ScalingReplicaSet",
    "SuccessfulCreate",
    "SuccessfulDelete",
    "Killing",
    "Pulled",
];

/// The names an AAR about this subject is filtered by: the service's workloads, or the node.
pub fn names(snap: &Snapshot, subject: &Subject) -> Vec<String> {
    match subject {
        Subject::Node { name } => vec![name.clone()],
        Subject::Service { id, .. } => {
            let mut names: Vec<String> = services::catalog(snap)
                .into_iter()
                .find(|e| &e.id == id)
                .map(|e| e.workloads.into_iter().map(|w| w.name).collect())
                .unwrap_or_default();
            names.sort();
            names.dedup();
            names
        }
    }
}

/// The Warning events among `events`.
fn warnings_of(events: &[EventRow]) -> Vec<EventRow> {
    events.iter().filter(|e| e.warning).cloned().collect()
}

fn began(warnings: &[EventRow], alerts: &[frontend::model::alerts::Alert]) -> Option<i64> {
    warnings
        .iter()
        .filter_map(|e| e.first_seen)
        .chain(
            alerts
                .iter()
                .filter(|a| a.is_firing())
                .filter_map(|a| a.since),
        )
        .min()
}

fn changes(
    snap: &Snapshot,
    events: &[EventRow],
    actions: &[AuditEntry],
    names: &[String],
) -> Vec<Change> {
    let since = snap.now - CHANGES_SINCE;
    let mut out: Vec<Change> = events
        .iter()
        .filter(|e| !e.warning && CHANGE_REASONS.contains(&e.reason.as_str()))
        .filter_map(|e| {
            let at = e.last_seen.filter(|t| *t >= since)?;
            Some(Change {
                at,
                what: format!("{} {}: {}", e.object(), e.reason, e.message),
            })
        })
        .chain(
            actions
                .iter()
                .filter(|a| a.at >= since && action_concerns(names, &a.target))
                .map(|a| Change {
                    at: a.at,
                    what: format!("{} on {} by {}: {}", a.action, a.target, a.actor, a.outcome),
                }),
        )
        .collect();
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.what.cmp(&b.what)));
    out
}

fn last_backups(snap: &Snapshot, namespaces: &[&str]) -> Vec<frontend::model::BackupSummary> {
    let mut out: Vec<_> = snap
        .backups
        .iter()
        .filter(|b| {
            namespaces.iter().any(|ns| {
                backups::includes(&b.spec.included_namespaces, &b.spec.excluded_namespaces, ns)
            })
        })
        .map(|b| backups::summary(b))
        .collect();
    backups::newest_first(&mut out);
    out.truncate(BACKUPS);
    out
}

/// The incident page of service `id`; None when there is no such service.
pub fn of_service(snap: &Snapshot, id: &str, actions: &[AuditEntry]) -> Option<Incident> {
    let detail = services::detail(snap, id)?;
    let subject = Subject::Service {
        id: id.to_owned(),
        name: detail.entry.name.clone(),
    };
    let names = names(snap, &subject);
    let warnings = warnings_of(&detail.events);
    let namespace = id.split('/').next().unwrap_or("");
    Some(Incident {
        status: detail.entry.status.words().to_owned(),
        healthy: detail.entry.status == ServiceStatus::Up,
        now: snap.now,
        began: began(&warnings, &detail.alerts),
        history: None,
        changes: changes(snap, &detail.events, actions, &names),
        warnings,
        alerts: detail.alerts,
        alerts_problem: snap.alerts.problem(),
        pods: detail.pods,
        claims: detail.claims,
        backups: last_backups(snap, &[namespace]),
        subject,
    })
}

/// The incident page of node `name`; None when there is no such node.
pub fn of_node(snap: &Snapshot, name: &str, actions: &[AuditEntry]) -> Option<Incident> {
    let detail = topology::node_detail(snap, name)?;
    let subject = Subject::Node {
        name: name.to_owned(),
    };
    let summary = nodes::summaries(&snap.nodes)
        .into_iter()
        .find(|n| n.name == name)?;
    let warnings = warnings_of(&detail.events);
    let mut namespaces: Vec<String> = detail.pods.iter().map(|p| p.namespace.clone()).collect();
    namespaces.sort();
    namespaces.dedup();
    let namespaces: Vec<&str> = namespaces.iter().map(String::as_str).collect();
    let backups = last_backups(snap, &namespaces);
    let claims: Vec<ClaimSummary> = Vec::new();
    Some(Incident {
        status: match summary.ready {
            Readiness::Ready if summary.cordoned => "Ready, cordoned".to_owned(),
            Readiness::Ready => "Ready".to_owned(),
            Readiness::NotReady => "Not ready".to_owned(),
            Readiness::Unknown => "Unknown".to_owned(),
        },
        healthy: summary.ready == Readiness::Ready && !summary.cordoned,
        now: snap.now,
        began: began(&warnings, &detail.alerts),
        history: None,
        changes: changes(snap, &detail.events, actions, &[name.to_owned()]),
        warnings,
        alerts: detail.alerts,
        alerts_problem: snap.alerts.problem(),
        pods: detail.pods,
        claims,
        backups,
        subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::views::fixtures::demo_snapshot;

    #[test]
    fn bazarrs_incident_begins_at_its_first_warning_or_alert_with_its_crashing_pod() {
        let snap = demo_snapshot();
        let i = of_service(&snap, "media/bazarr", &[]).expect("bazarr");
        assert!(!i.healthy);
        assert_eq!(i.status, "Down");
        assert!(i.warnings.iter().all(|e| e.warning) && !i.warnings.is_empty());
        assert_eq!(i.alerts[0].name, "KubePodCrashLooping");
        let first = i
            .warnings
            .iter()
            .filter_map(|e| e.first_seen)
            .chain(i.alerts.iter().filter_map(|a| a.since))
            .min();
        assert_eq!(i.began, first);
        assert_eq!(i.pods[0].reason.as_deref(), Some("CrashLoopBackOff"));
        assert!(!i.backups.is_empty(), "the media namespace is backed up");
        assert_eq!(names(&snap, &i.subject), ["bazarr"]);
        assert!(of_service(&snap, "media/nothing", &[]).is_none());
    }

    #[test]
    fn a_services_changes_are_its_audited_actions_of_the_last_day() {
        let snap = demo_snapshot();
        let action = |at: i64, target: &str| AuditEntry {
            id: at,
            at,
            actor: "Admin".into(),
            action: "restart".into(),
            target: target.into(),
            reason: None,
            command: String::new(),
            changes: Vec::new(),
            outcome: "done".into(),
            message: String::new(),
            aar_id: None,
        };
        let actions = [
            action(snap.now - 600, "Deployment media/bazarr"),
            action(snap.now - 700, "Deployment media/plex"),
            action(snap.now - 2 * CHANGES_SINCE, "Deployment media/bazarr"),
        ];
        let i = of_service(&snap, "media/bazarr", &actions).unwrap();
        let audited: Vec<_> = i
            .changes
            .iter()
            .filter(|c| c.what.starts_with("restart"))
            .collect();
        assert_eq!(audited.len(), 1, "{:?}", i.changes);
        assert_eq!(
            audited[0].what,
            "restart on Deployment media/bazarr by Admin: done"
        );
    }

    #[test]
    fn a_node_incident_lists_its_pods_and_its_own_alerts() {
        let snap = demo_snapshot();
        let i = of_node(&snap, "k3s3", &[]).expect("k3s3");
        assert!(!i.pods.is_empty());
        assert!(i
            .alerts
            .iter()
            .any(|a| a.name == "NodeFilesystemSpaceFillingUp"));
        assert!(of_node(&snap, "k3s9", &[]).is_none());
    }
}
