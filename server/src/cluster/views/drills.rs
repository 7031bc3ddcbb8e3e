//! Restore drill coverage: for every namespace with volumes that a schedule backs up, and for
//! every schedule, the newest drill that proved it restorable, and whether that is too long ago
//! (`drills.max_age_days`) or never happened.

use frontend::model::drills::{Coverage, Drill, DrillsView};
use frontend::model::{BackupsView, HealthSummary};

use super::backups;
use super::Snapshot;

const DAY: i64 = 86_400;

/// The newest drill among `drills` matching `covers` that proved it, and the newest at all.
fn newest(drills: &[Drill], covers: impl Fn(&Drill) -> bool) -> (Option<&Drill>, Option<&Drill>) {
    let mut matching: Vec<&Drill> = drills.iter().filter(|d| covers(d)).collect();
    matching.sort_by_key(|d| std::cmp::Reverse(d.started_at));
    let proved = matching
        .iter()
        .filter(|d| d.verdict.is_some_and(|v| v.proves()))
        .max_by_key(|d| d.finished_at.unwrap_or(d.started_at))
        .copied();
    let last_compared = matching.iter().find(|d| d.verdict.is_some()).copied();
    (proved, last_compared)
}

fn row(
    snap: &Snapshot,
    subject: String,
    schedules: Vec<String>,
    found: (Option<&Drill>, Option<&Drill>),
    max_age_days: u32,
) -> Coverage {
    let (proved, last) = found;
    let last_success = proved.map(|d| (d.id(), d.finished_at.unwrap_or(d.started_at)));
    let overdue = last_success
        .as_ref()
        .is_none_or(|(_, at)| snap.now - at > i64::from(max_age_days) * DAY);
    Coverage {
        subject,
        schedules,
        last_success,
        last_verdict: last.and_then(|d| d.verdict),
        overdue,
    }
}

/// The drills as recorded, with the coverage of every backed-up namespace with volumes and of
/// every schedule that is not paused.
pub fn view(snap: &Snapshot) -> DrillsView {
    let recorded = &snap.drills;
    let max_age_days = recorded.max_age_days;
    let drills = &recorded.recent;
    let namespaces = backups::coverage(snap)
        .into_iter()
        .filter(|c| !c.schedules.is_empty())
        .map(|c| {
            let found = newest(drills, |d| {
                d.namespaces.iter().any(|(ns, _)| *ns == c.namespace)
            });
            row(snap, c.namespace, c.schedules, found, max_age_days)
        })
        .collect();
    let mut schedules: Vec<Coverage> = snap
        .schedules
        .iter()
        .filter(|s| !s.spec.paused)
        .map(|s| {
            let namespace = s.metadata.namespace.clone().unwrap_or_default();
            let name = s.metadata.name.clone().unwrap_or_default();
            let found = newest(drills, |d| {
                d.velero_namespace == namespace && d.schedule.as_deref() == Some(name.as_str())
            });
            row(
                snap,
                format!("{namespace}/{name}"),
                Vec::new(),
                found,
                max_age_days,
            )
        })
        .collect();
    schedules.sort_by(|a, b| a.subject.cmp(&b.subject));
    DrillsView {
        recent: drills.clone(),
        namespaces,
        schedules,
        max_age_days,
    }
}

/// The Backups page: [`backups::view`] with the drills and their coverage.
pub fn backups_page(snap: &Snapshot, health: &HealthSummary) -> BackupsView {
    BackupsView {
        drills: view(snap),
        ..backups::view(snap, health)
    }
}

/// Why a coverage row is overdue, in words.
pub fn overdue_words(c: &Coverage, what: &str, now: i64, max_age_days: u32) -> String {
    match &c.last_success {
        None => format!("{what} has never been proven restorable by a restore drill"),
        Some((_, at)) => format!(
            "{what} was last proven restorable {} ago, more than {max_age_days} days",
            backups::duration_words(now - at)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::views::fixtures;
    use frontend::model::drills::Verdict;
    use std::sync::Arc;

    fn drill(restore: &str, ns: &str, verdict: Verdict, finished_at: i64) -> Drill {
        Drill {
            velero_namespace: "velero".into(),
            restore: restore.into(),
            backup: "daily-20250615030000".into(),
            schedule: Some("daily-critical".into()),
            namespaces: vec![(ns.into(), format!("drill-{ns}-1"))],
            phase: "Completed".into(),
            items_restored: None,
            total_items: None,
            warnings: 0,
            errors: 0,
            started_at: finished_at - 60,
            finished_at: Some(finished_at),
            verdict: Some(verdict),
            report: None,
            cleaned_up_at: None,
        }
    }

    #[test]
    fn a_namespace_is_overdue_until_a_drill_proves_it_and_again_once_that_is_too_old() {
        let mut snap = fixtures::demo_snapshot();
        snap.now = 100 * DAY;
        snap.drills = Arc::new(DrillsView {
            recent: vec![
                drill("drill-2", "media", Verdict::Failed, 99 * DAY),
                drill("drill-1", "media", Verdict::Passed, 98 * DAY),
                drill("drill-0", "ai", Verdict::Warnings, 5 * DAY),
            ],
            max_age_days: 30,
            ..DrillsView::default()
        });
        let v = view(&snap);
        let media = v.namespaces.iter().find(|c| c.subject == "media").unwrap();
        assert_eq!(
            media.last_success,
            Some(("velero/drill-1".into(), 98 * DAY))
        );
        assert_eq!(
            media.last_verdict,
            Some(Verdict::Failed),
            "the newest drill failed"
        );
        assert!(!media.overdue);
        assert_eq!(
            media.schedules,
            ["daily-critical", "hourly-longhorn", "weekly-full"]
        );
        let ai = v.namespaces.iter().find(|c| c.subject == "ai").unwrap();
        assert!(ai.overdue, "95 days is more than 30");
        assert!(overdue_words(ai, "namespace ai", snap.now, 30).contains("more than 30 days"));
        let monitoring = v
            .namespaces
            .iter()
            .find(|c| c.subject == "monitoring")
            .unwrap();
        assert!(monitoring.overdue && monitoring.last_success.is_none());
        let daily = v
            .schedules
            .iter()
            .find(|c| c.subject == "velero/daily-critical")
            .unwrap();
        assert!(
            !daily.overdue,
            "media's drill was of a daily-critical backup"
        );
        snap.drills = Arc::new(DrillsView {
            max_age_days: 30,
            ..DrillsView::default()
        });
        let v = view(&snap);
        assert!(v
            .namespaces
            .iter()
            .all(|c| c.overdue && c.last_success.is_none()));
    }
}
