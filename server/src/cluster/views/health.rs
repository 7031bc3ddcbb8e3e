//! The health summary: Operational, Degraded or Down, with every reason, computed from the
//! caches the way the homelab's documentation tried to keep it by hand.
//!
//! Long because it is the one place health is decided (nodes, storage, backups, GitOps and the
//! services each add their reasons here); its tests are the last 40%.

use std::collections::BTreeSet;

use frontend::model::{HealthLevel, HealthReason, HealthSummary, Readiness, ServiceStatus};

use super::{backups, nodes, services, Snapshot};

/// Longhorn's CSI driver: every node with Longhorn disks must have it registered.
pub const LONGHORN_DRIVER: &str = "driver.longhorn.io";

fn reason(
    level: HealthLevel,
    area: &str,
    subject: impl Into<String>,
    message: impl Into<String>,
    link: &str,
) -> HealthReason {
    HealthReason {
        level,
        area: area.into(),
        subject: subject.into(),
        message: message.into(),
        link: Some(link.into()),
        fix: None,
    }
}

/// `r` with the guarded action that addresses it (its preview page).
fn with_fix(mut r: HealthReason, words: &str, preview_query: String) -> HealthReason {
    r.fix = Some((words.into(), format!("/actions/preview?{preview_query}")));
    r
}

/// The workloads with pods on node `node`, as `namespace/name`, sorted: what the node's outage
/// touches. A ReplicaSet's pods are named for their Deployment (the ReplicaSet's name without
/// the pod template hash).
fn workloads_on(snap: &Snapshot, node: &str) -> Vec<String> {
    let names: BTreeSet<String> = snap
        .pods
        .iter()
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .filter_map(|p| {
            let owner = p
                .metadata
                .owner_references
                .as_ref()?
                .iter()
                .find(|o| o.controller == Some(true))?;
            let hash = p
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("pod-template-hash"));
            let name = match (owner.kind.as_str(), hash) {
                ("ReplicaSet", Some(hash)) => owner.name.strip_suffix(&format!("-{hash}"))?,
                ("ReplicaSet", None) => return None,
                _ => owner.name.as_str(),
            };
            Some(format!("{}/{name}", p.metadata.namespace.as_deref()?))
        })
        .collect();
    names.into_iter().collect()
}

pub fn summary(snap: &Snapshot) -> HealthSummary {
    let mut reasons = Vec::new();

    // Nodes: NotReady is down for a control plane (the homelab has one) and degraded otherwise.
    let node_views = nodes::summaries(&snap.nodes);
    for n in &node_views {
        let link = format!("/topology/{}", n.name);
        let control_plane = n
            .roles
            .iter()
            .any(|r| r == "control-plane" || r == "master");
        match n.ready {
            Readiness::Ready => {}
            Readiness::NotReady | Readiness::Unknown => {
                let level = if control_plane {
                    HealthLevel::Down
                } else {
                    HealthLevel::Degraded
                };
                let ran = workloads_on(snap, &n.name);
                let message = if ran.is_empty() {
                    "node is not ready".to_owned()
                } else {
                    format!("node is not ready; it ran {}", ran.join(", "))
                };
                reasons.push(reason(level, "node", &n.name, message, &link));
            }
        }
        for p in &n.problems {
            reasons.push(reason(
                HealthLevel::Degraded,
                "node",
                &n.name,
                format!("node reports {p}"),
                &link,
            ));
        }
        if n.cordoned {
            reasons.push(with_fix(
                reason(
                    HealthLevel::Degraded,
                    "node",
                    &n.name,
                    "node is cordoned: no new pods are scheduled on it",
                    &link,
                ),
                "Uncordon…",
                format!("action=uncordon&name={}", n.name),
            ));
        }
    }
    if !node_views.is_empty() && node_views.iter().all(|n| n.ready != Readiness::Ready) {
        reasons.push(reason(
            HealthLevel::Down,
            "node",
            "cluster",
            "no node is ready",
            "/topology",
        ));
    }

    // Workloads, through the catalog so each app is named once.
    for s in services::catalog(snap) {
        let link = format!("/services/{}", s.id);
        match s.status {
            // Down for a failing route, with its replicas ready: the route's reason below says so.
            ServiceStatus::Down
                if snap.route_checks.of(&s.id).any(|c| c.failed())
                    && s.workloads.iter().all(|w| w.ready >= w.desired) => {}
            ServiceStatus::Down => reasons.push(reason(
                HealthLevel::Degraded,
                "workload",
                &s.id,
                format!("{} has no ready replicas", s.name),
                &link,
            )),
            ServiceStatus::Degraded => reasons.push(reason(
                HealthLevel::Degraded,
                "workload",
                &s.id,
                format!("{} is missing ready replicas", s.name),
                &link,
            )),
            ServiceStatus::ScaledToZero => {
                let r = reason(
                    HealthLevel::Degraded,
                    "workload",
                    &s.id,
                    format!("{} is scaled to zero", s.name),
                    &link,
                );
                let scalable = s
                    .workloads
                    .iter()
                    .find(|w| w.kind == "Deployment" || w.kind == "StatefulSet");
                reasons.push(match scalable {
                    Some(w) => with_fix(
                        r,
                        "Scale to 1…",
                        format!(
                            "action=scale&kind={}&namespace={}&name={}&replicas=1",
                            w.kind, w.namespace, w.name
                        ),
                    ),
                    None => r,
                });
            }
            ServiceStatus::Up | ServiceStatus::Unknown => {}
        }
    }

    // CSI: a node with Longhorn disks but no registered Longhorn driver cannot mount its volumes.
    let longhorn_nodes: BTreeSet<String> = snap
        .longhorn_nodes
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    for name in &longhorn_nodes {
        let registered = snap.csi_nodes.iter().any(|c| {
            c.metadata.name.as_deref() == Some(name.as_str())
                && c.spec.drivers.iter().any(|d| d.name == LONGHORN_DRIVER)
        });
        if !registered {
            reasons.push(reason(
                HealthLevel::Degraded,
                "storage",
                name,
                format!("CSI driver {LONGHORN_DRIVER} is not registered on this node"),
                "/storage",
            ));
        }
    }

    // Released PVs: their data is kept, but no claim can bind them until the claimRef is cleared.
    for pv in &snap.pvs {
        if pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Released") {
            let name = pv.metadata.name.clone().unwrap_or_default();
            let claim = pv
                .spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .map(|c| {
                    format!(
                        "{}/{}",
                        c.namespace.as_deref().unwrap_or(""),
                        c.name.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            reasons.push(with_fix(
                reason(
                    HealthLevel::Degraded,
                    "storage",
                    &name,
                    format!("volume is Released, still claimed by {claim}"),
                    "/storage",
                ),
                "Clear claimRef…",
                format!("action=clear-claim-ref&name={name}"),
            ));
        }
    }

    // Longhorn volumes that are not healthy (a detached volume reports "unknown": not a fault).
    for v in &snap.longhorn_volumes {
        let status = v.status.clone().unwrap_or_default();
        let robustness = status.robustness.as_deref().unwrap_or("unknown");
        let state = status.state.as_deref().unwrap_or("");
        if robustness == "faulted" || robustness == "degraded" {
            let level = if robustness == "faulted" {
                HealthLevel::Down
            } else {
                HealthLevel::Degraded
            };
            let name = v.metadata.name.clone().unwrap_or_default();
            reasons.push(reason(
                level,
                "storage",
                &name,
                format!("Longhorn volume is {robustness} ({state})"),
                "/storage",
            ));
        }
    }

    // Velero, per schedule: an expression Velero cannot run, a pause, a failed last backup, and
    // staleness: no Completed backup for more than twice the schedule's interval (or none ever,
    // once one has finished otherwise or the schedule is older than two intervals).
    for s in &snap.schedules {
        let name = s.metadata.name.clone().unwrap_or_default();
        let subject = backups::schedule_subject(s);
        let facts = backups::facts(snap, s);
        let namespace = s.metadata.namespace.clone().unwrap_or_default();
        let mut push = |message: String| {
            reasons.push(with_fix(
                reason(
                    HealthLevel::Degraded,
                    "backup",
                    &subject,
                    message,
                    "/backups",
                ),
                "Back up now",
                format!("action=backup&namespace={namespace}&schedule={name}"),
            ));
        };
        if let Err(e) = &facts.parsed {
            push(format!(
                "schedule {name} cannot be read ({e}): it takes no backups"
            ));
        }
        if s.spec.paused {
            push(format!(
                "schedule {name} is paused: it takes no new backups"
            ));
        }
        if let Some(last) = facts
            .last_finished()
            .filter(|b| backups::is_failure(&b.phase))
        {
            push(format!(
                "last backup of schedule {name} is {} ({} errors, {} warnings)",
                last.phase, last.errors, last.warnings
            ));
        }
        let interval = facts.parsed.as_ref().ok().and_then(|p| {
            jiff::Timestamp::from_second(snap.now)
                .ok()
                .and_then(|now| p.interval(now))
        });
        if let (false, Some(interval)) = (s.spec.paused, interval) {
            let words = backups::duration_words(interval);
            match facts.last_completed {
                Some(t) if snap.now - t > 2 * interval => push(format!(
                    "last completed backup of schedule {name} is {} old, more than twice its interval ({words})",
                    backups::duration_words(snap.now - t)
                )),
                Some(_) => {}
                None => {
                    let had_a_chance = facts.last_finished().is_some()
                        || facts.created.is_none_or(|c| snap.now - c > 2 * interval);
                    if had_a_chance {
                        push(format!(
                            "no backup of schedule {name} has completed (it runs every {words})"
                        ));
                    }
                }
            }
        }
    }
    for l in &snap.storage_locations {
        if l.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Unavailable") {
            let name = l.metadata.name.clone().unwrap_or_default();
            let msg = l
                .status
                .as_ref()
                .and_then(|s| s.message.clone())
                .unwrap_or_default();
            reasons.push(reason(
                HealthLevel::Degraded,
                "backup",
                format!("BackupStorageLocation {}", super::key(&l.metadata)),
                format!("backup location {name} is Unavailable: {msg}"),
                "/backups",
            ));
        }
    }

    // Restore drills: a namespace with volumes that a schedule backs up, not proven restorable
    // by a drill within drills.max_age_days. The fix drills its newest backup.
    let drills = super::drills::view(snap);
    for c in drills.namespaces.iter().filter(|c| c.overdue) {
        let ns = &c.subject;
        let mut r = reason(
            HealthLevel::Degraded,
            "restore",
            format!("Namespace {ns}"),
            super::drills::overdue_words(
                c,
                &format!("namespace {ns}"),
                snap.now,
                drills.max_age_days,
            ),
            "/backups#drills",
        );
        let schedule = snap.schedules.iter().find(|s| {
            s.metadata
                .name
                .as_deref()
                .is_some_and(|n| c.schedules.iter().any(|c| c == n))
        });
        if let Some(s) = schedule {
            r = with_fix(
                r,
                "Drill a restore",
                format!(
                    "action=restore-drill&namespace={}&schedule={}&namespaces={ns}",
                    s.metadata.namespace.as_deref().unwrap_or_default(),
                    s.metadata.name.as_deref().unwrap_or_default()
                ),
            );
        }
        reasons.push(r);
    }

    // Flux: suspended, or not Ready.
    let flux = snap
        .kustomizations
        .iter()
        .map(|k| {
            (
                "Kustomization",
                &k.metadata,
                k.spec.suspend,
                k.status.clone(),
            )
        })
        .chain(
            snap.helm_releases
                .iter()
                .map(|h| ("HelmRelease", &h.metadata, h.spec.suspend, h.status.clone())),
        );
    for (kind, meta, suspended, status) in flux {
        let subject = format!("{kind} {}", super::key(meta));
        if suspended {
            reasons.push(with_fix(
                reason(
                    HealthLevel::Degraded,
                    "gitops",
                    &subject,
                    "suspended: changes in Git are not applied",
                    "/gitops",
                ),
                "Resume…",
                format!(
                    "action=resume&kind={kind}&namespace={}&name={}",
                    meta.namespace.as_deref().unwrap_or(""),
                    meta.name.as_deref().unwrap_or("")
                ),
            ));
            continue;
        }
        let ready = status
            .as_ref()
            .and_then(|s| s.conditions.iter().find(|c| c.type_ == "Ready"));
        if let Some(c) = ready {
            if c.status != "True" {
                reasons.push(reason(
                    HealthLevel::Degraded,
                    "gitops",
                    &subject,
                    format!("not Ready: {}", c.message),
                    "/gitops",
                ));
            }
        }
    }

    // Alertmanager: a critical alert that fires (not silenced, not inhibited) is a reason in its
    // own words. The subject is what its labels place it on.
    for a in snap
        .alerts
        .alerts
        .iter()
        .filter(|a| a.is_firing() && a.is_critical())
    {
        let on = ["pod", "deployment", "statefulset", "persistentvolumeclaim"]
            .iter()
            .find_map(|l| a.label(l));
        let subject = match (a.label("namespace"), on, a.label("node")) {
            (Some(ns), Some(name), _) => format!("{ns}/{name}"),
            (_, _, Some(node)) => node.to_owned(),
            (Some(ns), None, None) => ns.to_owned(),
            _ => a.name.clone(),
        };
        reasons.push(reason(
            HealthLevel::Degraded,
            "alert",
            subject,
            format!("{}: {}", a.name, a.summary),
            "/alerts",
        ));
    }

    // Routes checked from outside: one failing, one open without the sign-in it is meant to
    // have, a certificate near its end. The subject is the hostname.
    let checks = &snap.route_checks;
    for c in &checks.checks {
        let link = format!("/services/{}", c.service);
        let detail = c.detail.clone().unwrap_or_default();
        if c.failed() {
            reasons.push(reason(
                HealthLevel::Degraded,
                "route",
                &c.hostname,
                format!("{} fails from outside: {detail}", c.hostname),
                &link,
            ));
        } else if c.exposed() {
            reasons.push(reason(
                HealthLevel::Degraded,
                "route",
                &c.hostname,
                format!(
                    "{} answers without sign-in (code {}): anyone who can reach it can use it",
                    c.hostname,
                    c.code.unwrap_or_default()
                ),
                &link,
            ));
        }
        if let Some(days) = c.cert_days.filter(|d| *d <= checks.cert_warn_days) {
            let when = if days < 0 {
                format!("expired {} days ago", -days)
            } else {
                format!("expires in {days} days")
            };
            reasons.push(reason(
                HealthLevel::Degraded,
                "certificate",
                &c.hostname,
                format!("The certificate of {} {when}", c.hostname),
                &link,
            ));
        }
    }

    let level = reasons
        .iter()
        .map(|r| r.level)
        .max()
        .unwrap_or(HealthLevel::Operational);
    HealthSummary { level, reasons }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use k8s_openapi::api::core::v1::Node;

    use super::*;
    use crate::cluster::views::fixtures::NodeFixture;

    #[test]
    fn an_empty_cluster_is_operational() {
        assert_eq!(
            summary(&Snapshot::default()).level,
            HealthLevel::Operational
        );
    }

    #[test]
    fn a_critical_alert_that_fires_degrades_health_in_its_own_words_and_a_silenced_one_not() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let alerts: Vec<_> = summary(&snap)
            .reasons
            .into_iter()
            .filter(|r| r.area == "alert")
            .collect();
        // The demo's critical Longhorn alert counts; its warning (Bazarr crash-looping) and its
        // silenced disk alert on k3s3 do not.
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].level, HealthLevel::Degraded);
        assert_eq!(alerts[0].subject, "media/overseerr-config");
        assert!(alerts[0]
            .message
            .starts_with("LonghornVolumeStatusCritical: Longhorn volume overseerr-config"));
        let mut quiet = snap.clone();
        let mut view = (*quiet.alerts).clone();
        view.alerts
            .iter_mut()
            .for_each(|a| a.silenced_by = vec!["s".into()]);
        quiet.alerts = Arc::new(view);
        assert!(!summary(&quiet).reasons.iter().any(|r| r.area == "alert"));
    }

    #[test]
    fn a_control_plane_that_is_not_ready_means_down_and_a_worker_degraded() {
        let snap = Snapshot {
            nodes: vec![
                Arc::new(Node::test("m").role("control-plane").not_ready()),
                Arc::new(Node::test("w").ready()),
            ],
            ..Default::default()
        };
        assert_eq!(summary(&snap).level, HealthLevel::Down);
        let snap = Snapshot {
            nodes: vec![
                Arc::new(Node::test("m").role("control-plane").ready()),
                Arc::new(Node::test("w").not_ready()),
            ],
            ..Default::default()
        };
        let s = summary(&snap);
        assert_eq!(s.level, HealthLevel::Degraded);
        assert_eq!(s.reasons[0].subject, "w");
    }

    #[test]
    fn a_node_that_is_not_ready_names_the_workloads_that_ran_on_it() {
        let pod = |name: &str, node: &str, owner: (&str, &str), hash: Option<&str>| {
            let mut labels = serde_json::Map::new();
            if let Some(hash) = hash {
                labels.insert("pod-template-hash".into(), hash.into());
            }
            let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
                "metadata": {"name": name, "namespace": "media", "labels": labels,
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner.0, "name": owner.1,
                        "uid": "u", "controller": true}]},
                "spec": {"nodeName": node, "containers": []},
            }))
            .unwrap();
            Arc::new(pod)
        };
        let snap = Snapshot {
            nodes: vec![
                Arc::new(Node::test("k3s-master1").role("control-plane").ready()),
                Arc::new(Node::test("k3s1").not_ready()),
            ],
            pods: vec![
                pod(
                    "jellyfin-7d9f-abcde",
                    "k3s1",
                    ("ReplicaSet", "jellyfin-7d9f"),
                    Some("7d9f"),
                ),
                pod(
                    "jellyfin-7d9f-fghij",
                    "k3s1",
                    ("ReplicaSet", "jellyfin-7d9f"),
                    Some("7d9f"),
                ),
                pod("db-0", "k3s1", ("StatefulSet", "db"), None),
                pod(
                    "plex-55c-xyz",
                    "k3s-master1",
                    ("ReplicaSet", "plex-55c"),
                    Some("55c"),
                ),
            ],
            ..Default::default()
        };
        let s = summary(&snap);
        let node = s.reasons.iter().find(|r| r.subject == "k3s1").unwrap();
        assert_eq!(
            node.message,
            "node is not ready; it ran media/db, media/jellyfin"
        );
        assert_eq!(node.level, HealthLevel::Degraded);
    }

    mod backups {
        use std::sync::Arc;

        use super::*;
        use crate::cluster::crds::{Backup, Schedule};
        use crate::cluster::views::fixtures::{BackupFixture, ScheduleFixture};

        /// 2025-06-16T18:30:00Z.
        const NOW: i64 = 1_750_098_600;

        fn backup_reasons(schedules: Vec<Schedule>, backups: Vec<Backup>) -> Vec<String> {
            let snap = Snapshot {
                schedules: schedules.into_iter().map(Arc::new).collect(),
                backups: backups.into_iter().map(Arc::new).collect(),
                now: NOW,
                ..Default::default()
            };
            summary(&snap)
                .reasons
                .into_iter()
                .filter(|r| r.area == "backup")
                .map(|r| format!("{}: {}", r.subject, r.message))
                .collect()
        }

        #[test]
        fn an_hourly_schedule_with_a_recent_completed_backup_is_fine() {
            let reasons = backup_reasons(
                vec![Schedule::test("hourly", "0 * * * *")],
                vec![Backup::test(
                    "h-18",
                    "hourly",
                    "Completed",
                    "2025-06-16T18:00:00Z",
                )],
            );
            assert!(reasons.is_empty(), "{reasons:?}");
        }

        #[test]
        fn a_last_completed_backup_older_than_twice_the_interval_is_stale() {
            let reasons = backup_reasons(
                vec![Schedule::test("hourly", "0 * * * *")],
                vec![
                    Backup::test("h-15", "hourly", "Completed", "2025-06-16T15:00:00Z"),
                    Backup::test("h-16", "hourly", "InProgress", "2025-06-16T16:00:00Z"),
                ],
            );
            assert_eq!(
                reasons,
                ["Schedule velero/hourly: last completed backup of schedule hourly is 3 hours old, more than twice its interval (1 hour)"]
            );
        }

        #[test]
        fn a_failed_last_backup_is_a_warning_even_when_not_yet_stale() {
            let reasons = backup_reasons(
                vec![Schedule::test("daily", "0 3 * * *")],
                vec![
                    Backup::test("d-15", "daily", "Completed", "2025-06-15T03:00:00Z"),
                    Backup::test("d-16", "daily", "Failed", "2025-06-16T03:00:00Z"),
                ],
            );
            assert_eq!(
                reasons,
                ["Schedule velero/daily: last backup of schedule daily is Failed (1 errors, 0 warnings)"]
            );
        }

        #[test]
        fn a_schedule_that_never_completed_is_stale_once_it_had_its_chance() {
            let never = backup_reasons(
                vec![Schedule::test("weekly", "0 4 * * 0")],
                vec![Backup::test(
                    "w-1",
                    "weekly",
                    "PartiallyFailed",
                    "2025-06-15T04:00:00Z",
                )],
            );
            assert!(
                never.iter().any(|r| r
                    .contains("no backup of schedule weekly has completed (it runs every 7 days)")),
                "{never:?}"
            );
            let old = backup_reasons(vec![Schedule::test("hourly", "0 * * * *")], vec![]);
            assert_eq!(old.len(), 1, "{old:?}");
            let brand_new = backup_reasons(
                vec![Schedule::test("hourly", "0 * * * *").created("2025-06-16T18:00:00Z")],
                vec![],
            );
            assert!(brand_new.is_empty(), "not yet due: {brand_new:?}");
        }

        #[test]
        fn a_paused_schedule_says_so_instead_of_being_stale() {
            let reasons =
                backup_reasons(vec![Schedule::test("hourly", "0 * * * *").paused()], vec![]);
            assert_eq!(
                reasons,
                ["Schedule velero/hourly: schedule hourly is paused: it takes no new backups"]
            );
        }

        #[test]
        fn an_unreadable_schedule_is_a_warning_not_a_crash() {
            let reasons = backup_reasons(vec![Schedule::test("odd", "0 25 * * *")], vec![]);
            assert_eq!(reasons.len(), 1, "{reasons:?}");
            assert!(
                reasons[0].starts_with("Schedule velero/odd: schedule odd cannot be read"),
                "{reasons:?}"
            );
        }
    }

    #[test]
    fn the_demo_homelab_names_each_of_its_known_problems() {
        let s = summary(&crate::cluster::views::fixtures::demo_snapshot());
        assert_eq!(s.level, HealthLevel::Degraded);
        let has = |area: &str, subject: &str| {
            s.reasons
                .iter()
                .any(|r| r.area == area && r.subject.contains(subject))
        };
        assert!(has("node", "k3s1"), "cordoned k3s1: {:#?}", s.reasons);
        assert!(has("workload", "monitoring/grafana"));
        assert!(has("workload", "media/bazarr"));
        assert!(has("storage", "nfs-media-tv"));
        assert!(has("storage", "nfs-media-music"));
        assert!(has("backup", "velero/minio"));
        assert!(
            has("backup", "velero/weekly-full"),
            "its last backup is PartiallyFailed"
        );
        assert!(has("gitops", "flux-system/monitoring"));
        assert!(has("gitops", "monitoring/oauth2-proxy"));
        assert!(s
            .reasons
            .iter()
            .any(|r| r.area == "storage" && r.message.contains("degraded")));
    }

    #[test]
    fn reasons_an_action_addresses_carry_its_preview() {
        let s = summary(&crate::cluster::views::fixtures::demo_snapshot());
        let fix = |area: &str, subject: &str| {
            s.reasons
                .iter()
                .find(|r| r.area == area && r.subject.contains(subject) && r.fix.is_some())
                .and_then(|r| r.fix.clone())
                .map(|(_, href)| href)
        };
        assert_eq!(
            fix("node", "k3s1").as_deref(),
            Some("/actions/preview?action=uncordon&name=k3s1")
        );
        assert_eq!(
            fix("storage", "nfs-media-music").as_deref(),
            Some("/actions/preview?action=clear-claim-ref&name=nfs-media-music")
        );
        let grafana = fix("workload", "monitoring/grafana").unwrap();
        assert!(
            grafana.contains(
                "action=scale&kind=Deployment&namespace=monitoring&name=grafana&replicas=1"
            ),
            "{grafana}"
        );
        let suspended = s
            .reasons
            .iter()
            .filter(|r| r.message.starts_with("suspended"))
            .collect::<Vec<_>>();
        assert!(!suspended.is_empty());
        assert!(suspended.iter().all(|r| r
            .fix
            .as_ref()
            .is_some_and(|(_, h)| h.contains("action=resume"))));
        // A schedule that is stale or failing: back up now, from that schedule.
        let schedules: Vec<_> = s
            .reasons
            .iter()
            .filter(|r| r.area == "backup" && r.subject.starts_with("Schedule "))
            .collect();
        assert!(!schedules.is_empty());
        for r in schedules {
            let (_, href) = r.fix.clone().unwrap();
            let name = r.subject.rsplit('/').next().unwrap();
            assert_eq!(
                href,
                format!("/actions/preview?action=backup&namespace=velero&schedule={name}")
            );
        }
        // A node that is not ready has no one-click fix.
        assert!(s
            .reasons
            .iter()
            .filter(|r| r.message.starts_with("node is not ready"))
            .all(|r| r.fix.is_none()));
    }

    #[test]
    fn a_failing_route_an_open_protected_one_and_a_certificate_near_its_end_are_reasons() {
        use frontend::model::checks::{Outcome, RouteCheck, RouteChecksView};
        let check = |host: &str, outcome: Outcome, code: u16, days: i64| RouteCheck {
            service: "monitoring/grafana".into(),
            route: "monitoring/grafana".into(),
            hostname: host.into(),
            protected: true,
            at: 0,
            outcome,
            code: Some(code),
            latency_ms: 3,
            cert_days: Some(days),
            detail: Some("answered 502 Bad Gateway".into()),
        };
        let snap = Snapshot {
            route_checks: Arc::new(RouteChecksView {
                enabled: true,
                cert_warn_days: 14,
                checks: vec![
                    check("a.example", Outcome::Failed, 502, 60),
                    check("b.example", Outcome::Exposed, 200, 60),
                    check("c.example", Outcome::Answered, 302, 9),
                    check("d.example", Outcome::Answered, 200, 15),
                ],
            }),
            ..Default::default()
        };
        let reasons: Vec<(String, String)> = summary(&snap)
            .reasons
            .into_iter()
            .map(|r| (r.area, r.message))
            .collect();
        assert_eq!(
            reasons,
            [
                ("route".to_owned(), "a.example fails from outside: answered 502 Bad Gateway".to_owned()),
                (
                    "route".to_owned(),
                    "b.example answers without sign-in (code 200): anyone who can reach it can use it"
                        .to_owned()
                ),
                ("certificate".to_owned(), "The certificate of c.example expires in 9 days".to_owned()),
            ]
        );
    }
}
