//! What an AAR is offered for its timeline: the evidence of its incident window that concerns
//! its services and nodes, each worded as the timeline entry it becomes. Pure functions.
//!
//! The filter: an AAR names services and nodes in free text ("plex", "media", "k3s1"). A name
//! matches an object when it is the object's namespace, its name, or the start of its name
//! followed by `-` (the pods and replica sets of a Deployment `plex` are `plex-7d9f-…`), or the
//! node it happened on; case is ignored. A backup matches when it includes one of the named
//! namespaces, when its schedule's name matches, or when it includes every namespace (it then
//! concerns every service). An AAR naming nothing is offered everything in its window.

use frontend::model::aar::{AarContent, EvidenceItem, EvidenceKind, EvidenceView, TimelineEntry};
use frontend::model::actions::AuditEntry;
use frontend::model::alerts::Alert;
use frontend::model::drills::Drill;

use super::record::{AlertRecord, BackupRecord, EventRecord};
use crate::aar::window::{self, Window};

/// The filter in words, for the page.
pub fn filter_words(services: &[String]) -> String {
    if services.is_empty() {
        return "This AAR names no services or nodes: everything in its window is offered. \
                Name some (Edit, \"Services and nodes\") to narrow it."
            .into();
    }
    format!(
        "Only what concerns {}: objects in a namespace of that name, named so or starting with \
         it and a dash, or on a node of that name; backups that include such a namespace or \
         every namespace, or whose schedule is named so.",
        services.join(", ")
    )
}

/// Whether `name` (an AAR's service or node) names the object `namespace`/`object`.
fn names(name: &str, namespace: &str, object: &str) -> bool {
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return false;
    }
    let object = object.to_lowercase();
    namespace.eq_ignore_ascii_case(&name)
        || object == name
        || object
            .strip_prefix(&name)
            .is_some_and(|rest| rest.starts_with('-'))
}

fn any_names(services: &[String], namespace: &str, object: &str) -> bool {
    services.iter().any(|s| names(s, namespace, object))
}

/// Whether a Warning event concerns one of `services`.
pub fn event_concerns(services: &[String], e: &EventRecord) -> bool {
    services.is_empty()
        || any_names(services, &e.namespace, &e.object_name)
        || e.node
            .as_deref()
            .is_some_and(|node| any_names(services, "", node))
}

/// Whether an alert concerns one of `services`: by the namespace and object its labels name
/// (`pod`, `deployment`, `statefulset`, `daemonset`, `persistentvolumeclaim`), or its node.
pub fn alert_concerns(services: &[String], a: &Alert) -> bool {
    if services.is_empty() {
        return true;
    }
    let namespace = a.label("namespace").unwrap_or("");
    let objects = [
        "pod",
        "deployment",
        "statefulset",
        "daemonset",
        "persistentvolumeclaim",
    ];
    let named = objects
        .iter()
        .filter_map(|l| a.label(l))
        .any(|object| any_names(services, namespace, object));
    named
        || (!namespace.is_empty() && any_names(services, namespace, ""))
        || a.label("node")
            .is_some_and(|node| any_names(services, "", node))
}

/// Whether a backup run concerns one of `services`.
pub fn backup_concerns(services: &[String], b: &BackupRecord) -> bool {
    services.is_empty()
        || b.all_namespaces()
        || b.namespaces.iter().any(|ns| any_names(services, ns, ""))
        || b.schedule
            .as_deref()
            .is_some_and(|s| any_names(services, "", s))
}

/// Whether a restore drill concerns one of `services`: it restored one of their namespaces.
pub fn drill_concerns(services: &[String], d: &Drill) -> bool {
    services.is_empty()
        || d.namespaces
            .iter()
            .any(|(ns, _)| any_names(services, ns, ""))
}

pub fn drill_key(d: &Drill) -> String {
    format!("drill:{}", d.id())
}

pub fn drill_entry(d: &Drill) -> TimelineEntry {
    let namespaces: Vec<&str> = d.namespaces.iter().map(|(ns, _)| ns.as_str()).collect();
    let verdict = d.verdict.map_or("not compared", |v| v.words());
    let problem = d
        .report
        .as_ref()
        .and_then(|r| r.problem.as_deref())
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    TimelineEntry {
        when: window::label(d.finished_at.unwrap_or(d.started_at)),
        text: format!(
            "Restore drill {} of {} from backup {}: {verdict}{problem}; Velero {} with {} warnings, {} errors",
            d.restore,
            namespaces.join(", "),
            d.backup,
            d.phase,
            d.warnings,
            d.errors
        ),
    }
}

/// The drills among `drills` that finished in the AAR's window and concern its services.
pub fn drill_items(aar: &AarContent, w: Window, drills: &[Drill]) -> Vec<EvidenceItem> {
    let mut items: Vec<EvidenceItem> = drills
        .iter()
        .filter(|d| {
            overlaps(w, d.started_at, d.finished_at.unwrap_or(d.started_at))
                && drill_concerns(&aar.services, d)
        })
        .map(|d| {
            let key = drill_key(d);
            EvidenceItem {
                attached: aar.evidence.contains(&key),
                key,
                kind: EvidenceKind::Drill,
                at: d.started_at,
                entry: drill_entry(d),
            }
        })
        .collect();
    items.sort_by_key(|i| i.at);
    items
}

/// Whether an audited action's target (`Deployment media/plex`, `Node k3s1`) concerns one of
/// `services`.
pub fn action_concerns(services: &[String], target: &str) -> bool {
    if services.is_empty() {
        return true;
    }
    let object = target.split_once(' ').map_or(target, |(_, o)| o);
    let (namespace, name) = object.split_once('/').unwrap_or(("", object));
    any_names(services, namespace, name)
}

/// Whether `[from, to]` overlaps the window.
fn overlaps(w: Window, from: i64, to: i64) -> bool {
    from <= w.end && to >= w.start
}

pub fn event_entry(e: &EventRecord) -> TimelineEntry {
    let object = if e.namespace.is_empty() || e.object_kind == "Node" {
        format!("{} {}", e.object_kind, e.object_name)
    } else {
        format!("{} {}/{}", e.object_kind, e.namespace, e.object_name)
    };
    let node = match &e.node {
        Some(node) if e.object_kind != "Node" => format!(" on {node}"),
        _ => String::new(),
    };
    let repeated = if e.count > 1 {
        format!(" ({} times, until {})", e.count, window::label(e.last_seen))
    } else {
        String::new()
    };
    TimelineEntry {
        when: window::label(e.first_seen),
        text: format!(
            "Warning {} on {object}{node}: {}{repeated}",
            e.reason,
            e.message.trim()
        ),
    }
}

pub fn backup_entry(b: &BackupRecord) -> TimelineEntry {
    let schedule = b
        .schedule
        .as_deref()
        .map(|s| format!(" of schedule {s}"))
        .unwrap_or_default();
    let finished = b
        .completed
        .map(|c| format!(", finished {}", window::label(c)))
        .unwrap_or_default();
    let counts = if b.errors > 0 || b.warnings > 0 {
        format!(", {} errors, {} warnings", b.errors, b.warnings)
    } else {
        String::new()
    };
    let reason = b
        .failure_reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    TimelineEntry {
        when: window::label(b.at()),
        text: format!(
            "Velero backup {}{schedule}: {}{finished}{counts}{reason}",
            b.name, b.phase
        ),
    }
}

pub fn action_entry(a: &AuditEntry) -> TimelineEntry {
    let reason = a
        .reason
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|r| format!(" (reason: {r})"))
        .unwrap_or_default();
    TimelineEntry {
        when: window::label(a.at),
        text: format!(
            "Guarded action {} on {} by {}: {}{reason}",
            a.action, a.target, a.actor, a.outcome
        ),
    }
}

/// An Alertmanager alert as a timeline entry: when it started firing, its name, severity, what
/// its labels place it on, and its summary.
pub fn alert_entry(a: &Alert) -> TimelineEntry {
    let on = [
        "namespace",
        "pod",
        "deployment",
        "statefulset",
        "persistentvolumeclaim",
        "node",
    ]
    .iter()
    .filter_map(|l| a.label(l).map(|v| format!("{l}={v}")))
    .collect::<Vec<_>>();
    let on = if on.is_empty() {
        String::new()
    } else {
        format!(" ({})", on.join(", "))
    };
    let severity = if a.severity.is_empty() {
        String::new()
    } else {
        format!(" {}", a.severity)
    };
    TimelineEntry {
        when: a.since.map(window::label).unwrap_or_default(),
        text: format!("Alert{severity} {} fired{on}: {}", a.name, a.summary.trim()),
    }
}

/// An alert firing is one piece of evidence per start: the same alert firing again later is
/// another.
pub fn alert_key(a: &Alert) -> String {
    format!("alert:{}@{}", a.fingerprint, a.since.unwrap_or(0))
}

pub fn event_key(e: &EventRecord) -> String {
    format!("event:{}", e.key)
}

pub fn backup_key(b: &BackupRecord) -> String {
    format!("backup:{}/{}", b.namespace, b.name)
}

pub fn action_key(a: &AuditEntry) -> String {
    format!("action:{}", a.id)
}

/// The evidence section of `aar`, from what the store holds for its window (`events`,
/// `backups`, `actions` may hold more than the window: they are filtered here too).
pub fn offer(
    aar: &AarContent,
    keep_days: u32,
    events: &[EventRecord],
    backups: &[BackupRecord],
    actions: &[AuditEntry],
    alerts: &[AlertRecord],
) -> EvidenceView {
    let window = window::check(aar.window_start.as_deref(), aar.window_end.as_deref())
        .ok()
        .flatten();
    let mut view = EvidenceView {
        window: window.map(|w| format!("{} to {}", window::label(w.start), window::label(w.end))),
        filter: filter_words(&aar.services),
        keep_days,
        ..EvidenceView::default()
    };
    let Some(w) = window else {
        return view;
    };
    let item = |key: String, kind, at, entry| EvidenceItem {
        attached: aar.evidence.contains(&key),
        key,
        kind,
        at,
        entry,
    };
    view.events = events
        .iter()
        .filter(|e| overlaps(w, e.first_seen, e.last_seen) && event_concerns(&aar.services, e))
        .map(|e| {
            item(
                event_key(e),
                EvidenceKind::Event,
                e.first_seen,
                event_entry(e),
            )
        })
        .collect();
    view.backups = backups
        .iter()
        .filter(|b| {
            overlaps(w, b.at(), b.completed.unwrap_or(b.at())) && backup_concerns(&aar.services, b)
        })
        .map(|b| item(backup_key(b), EvidenceKind::Backup, b.at(), backup_entry(b)))
        .collect();
    view.actions = actions
        .iter()
        .filter(|a| overlaps(w, a.at, a.at) && action_concerns(&aar.services, &a.target))
        .map(|a| item(action_key(a), EvidenceKind::Action, a.at, action_entry(a)))
        .collect();
    view.alerts = alerts
        .iter()
        .filter(|a| {
            overlaps(w, a.started(), a.last_seen) && alert_concerns(&aar.services, &a.alert)
        })
        .map(|a| {
            item(
                alert_key(&a.alert),
                EvidenceKind::Alert,
                a.started(),
                alert_entry(&a.alert),
            )
        })
        .collect();
    for list in [
        &mut view.events,
        &mut view.backups,
        &mut view.actions,
        &mut view.alerts,
    ] {
        list.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_749_931_200; // 2025-06-14T20:00:00Z

    fn ev(key: &str, ns: &str, kind: &str, name: &str, node: Option<&str>, at: i64) -> EventRecord {
        EventRecord {
            key: key.into(),
            namespace: ns.into(),
            object_kind: kind.into(),
            object_name: name.into(),
            node: node.map(Into::into),
            reason: "BackOff".into(),
            message: "Back-off restarting failed container".into(),
            count: 1,
            first_seen: at,
            last_seen: at,
        }
    }

    fn backup(name: &str, namespaces: &[&str], at: i64) -> BackupRecord {
        BackupRecord {
            namespace: "velero".into(),
            name: name.into(),
            schedule: Some("daily".into()),
            phase: "PartiallyFailed".into(),
            started: Some(at),
            completed: Some(at + 600),
            errors: 2,
            warnings: 1,
            failure_reason: None,
            namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
            seen: at,
        }
    }

    fn audit(id: i64, target: &str, at: i64) -> AuditEntry {
        AuditEntry {
            id,
            at,
            actor: "admin".into(),
            action: "scale".into(),
            target: target.into(),
            reason: Some("stuck".into()),
            command: String::new(),
            changes: Vec::new(),
            outcome: "done".into(),
            message: String::new(),
            aar_id: None,
        }
    }

    fn aar(services: &[&str]) -> AarContent {
        AarContent {
            services: services.iter().map(|s| s.to_string()).collect(),
            window_start: Some(window::form_time(T0)),
            window_end: Some(window::form_time(T0 + 3600)),
            ..AarContent::default()
        }
    }

    #[test]
    fn services_match_namespaces_names_with_a_dash_and_nodes_but_not_mere_prefixes() {
        let s = vec!["plex".to_owned(), "K3S1".to_owned()];
        assert!(event_concerns(
            &s,
            &ev("a", "media", "Pod", "plex-7d9f-x", None, 0)
        ));
        assert!(event_concerns(&s, &ev("b", "plex", "Pod", "db-0", None, 0)));
        assert!(event_concerns(
            &s,
            &ev("c", "ai", "Pod", "ollama-0", Some("k3s1"), 0)
        ));
        assert!(event_concerns(
            &s,
            &ev("d", "", "Node", "k3s1", Some("k3s1"), 0)
        ));
        assert!(!event_concerns(
            &s,
            &ev("e", "media", "Pod", "plexamp-0", None, 0)
        ));
        assert!(!event_concerns(
            &s,
            &ev("f", "media", "Pod", "sonarr-0", Some("k3s2"), 0)
        ));
        assert!(action_concerns(&s, "Deployment media/plex"));
        assert!(action_concerns(&s, "Node k3s1"));
        assert!(!action_concerns(&s, "PersistentVolume pvc-123"));
        assert!(backup_concerns(
            &["media".into()],
            &backup("b", &["media", "ai"], 0)
        ));
        assert!(backup_concerns(&["media".into()], &backup("b", &[], 0)));
        assert!(backup_concerns(&["daily".into()], &backup("b", &["ai"], 0)));
        assert!(!backup_concerns(
            &["media".into()],
            &backup("b", &["ai"], 0)
        ));
        assert!(filter_words(&s).contains("plex, K3S1"));
        assert!(filter_words(&[]).contains("everything in its window"));
    }

    #[test]
    fn only_the_window_s_matching_evidence_is_offered_and_attached_items_are_marked() {
        let events = [
            ev("in", "media", "Pod", "plex-1", Some("k3s2"), T0 + 60),
            ev("before", "media", "Pod", "plex-1", None, T0 - 7200),
            ev("other", "ai", "Pod", "ollama-1", Some("k3s3"), T0 + 60),
        ];
        let mut long = ev("spans", "media", "Pod", "plex-2", None, T0 - 7200);
        long.last_seen = T0 + 10;
        long.count = 40;
        let events = [events.as_slice(), &[long]].concat();
        let backups = [
            backup("in", &["media"], T0 + 1800),
            backup("late", &["media"], T0 + 7200),
        ];
        let actions = [
            audit(1, "Deployment media/plex", T0 + 100),
            audit(2, "Deployment ai/ollama", T0 + 100),
        ];
        let mut content = aar(&["plex", "media"]);
        content.evidence = vec!["event:in".into()];
        let view = offer(&content, 30, &events, &backups, &actions, &[]);
        let keys = |items: &[EvidenceItem]| items.iter().map(|i| i.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&view.events), ["event:spans", "event:in"]);
        assert_eq!(
            view.events.iter().map(|i| i.attached).collect::<Vec<_>>(),
            [false, true]
        );
        assert_eq!(keys(&view.backups), ["backup:velero/in"]);
        assert_eq!(keys(&view.actions), ["action:1"]);
        assert_eq!(
            view.window.as_deref(),
            Some("2025-06-14 20:00 UTC to 2025-06-14 21:00 UTC")
        );

        let no_window = AarContent {
            window_start: None,
            ..content
        };
        let view = offer(&no_window, 30, &events, &backups, &actions, &[]);
        assert!(view.window.is_none() && view.events.is_empty() && view.backups.is_empty());
    }

    fn firing(name: &str, labels: &[(&str, &str)], started: i64, last_seen: i64) -> AlertRecord {
        AlertRecord {
            alert: Alert {
                fingerprint: format!("fp-{name}"),
                name: name.into(),
                severity: "critical".into(),
                summary: format!("{name} fired"),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                since: Some(started),
                silenced_by: Vec::new(),
                inhibited: false,
            },
            last_seen,
        }
    }

    #[test]
    fn alerts_that_fired_in_the_window_about_the_named_services_are_offered() {
        let alerts = [
            firing(
                "PlexDown",
                &[("namespace", "media"), ("pod", "plex-1")],
                T0 - 600,
                T0 + 60,
            ),
            firing(
                "Earlier",
                &[("namespace", "media"), ("pod", "plex-1")],
                T0 - 7200,
                T0 - 3600,
            ),
            firing(
                "OllamaDown",
                &[("namespace", "ai"), ("pod", "ollama-1")],
                T0,
                T0 + 60,
            ),
            firing("Disk", &[("node", "k3s1")], T0 + 120, T0 + 180),
        ];
        let content = aar(&["plex", "k3s1"]);
        let view = offer(&content, 30, &[], &[], &[], &alerts);
        let keys: Vec<_> = view.alerts.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                format!("alert:fp-PlexDown@{}", T0 - 600),
                format!("alert:fp-Disk@{}", T0 + 120)
            ]
        );
        assert_eq!(view.alerts[0].kind, EvidenceKind::Alert);
        assert_eq!(
            view.alerts[0].entry.text,
            "Alert critical PlexDown fired (namespace=media, pod=plex-1): PlexDown fired"
        );
        assert!(!alert_concerns(&["media".into()], &alerts[2].alert));
        assert!(alert_concerns(&["ai".into()], &alerts[2].alert));
    }

    #[test]
    fn evidence_is_worded_with_its_time_object_and_outcome() {
        let mut e = ev("u", "media", "Pod", "plex-1", Some("k3s2"), T0);
        e.count = 12;
        e.last_seen = T0 + 2400;
        let entry = event_entry(&e);
        assert_eq!(entry.when, "2025-06-14 20:00 UTC");
        assert_eq!(
            entry.text,
            "Warning BackOff on Pod media/plex-1 on k3s2: Back-off restarting failed container \
             (12 times, until 2025-06-14 20:40 UTC)"
        );
        let b = backup_entry(&backup("daily-1", &["media"], T0));
        assert_eq!(
            b.text,
            "Velero backup daily-1 of schedule daily: PartiallyFailed, finished 2025-06-14 \
             20:10 UTC, 2 errors, 1 warnings"
        );
        let a = action_entry(&audit(7, "Deployment media/plex", T0));
        assert_eq!(
            a.text,
            "Guarded action scale on Deployment media/plex by admin: done (reason: stuck)"
        );
    }

    #[test]
    fn a_drill_in_the_window_of_its_namespace_is_offered_with_its_verdict() {
        use frontend::model::drills::Verdict;
        let w = Window {
            start: 1_000,
            end: 2_000,
        };
        let drill = |restore: &str, ns: &str, started: i64| Drill {
            velero_namespace: "velero".into(),
            restore: restore.into(),
            backup: "daily-critical-20250616030000".into(),
            schedule: Some("daily-critical".into()),
            namespaces: vec![(ns.into(), format!("drill-{ns}-1"))],
            phase: "Completed".into(),
            items_restored: Some(9),
            total_items: Some(9),
            warnings: 2,
            errors: 0,
            started_at: started,
            finished_at: Some(started + 60),
            verdict: Some(Verdict::Warnings),
            report: None,
            cleaned_up_at: None,
        };
        let aar = AarContent {
            services: vec!["media".into()],
            evidence: vec!["drill:velero/drill-b".into()],
            ..AarContent::default()
        };
        let drills = [
            drill("drill-a", "media", 1_500),
            drill("drill-b", "media", 1_100),
            drill("drill-c", "ai", 1_500),
            drill("drill-d", "media", 5_000),
        ];
        let items = drill_items(&aar, w, &drills);
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["drill:velero/drill-b", "drill:velero/drill-a"]);
        assert!(items[0].attached);
        assert_eq!(items[1].kind, EvidenceKind::Drill);
        assert!(
            items[1].entry.text.contains(
                "Restore drill drill-a of media from backup daily-critical-20250616030000: Passed with warnings"
            ),
            "{}",
            items[1].entry.text
        );
    }
}
