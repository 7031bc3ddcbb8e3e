//! What the notifier sees in the published views: every service with its status, and every
//! node, storage and backup problem the health summary names. Pure.

use frontend::model::{Audience, HealthSummary, ServiceEntry, ServiceStatus};

use super::debounce::{Seen, PROBLEM};

/// The health summary's areas that are news on their own. Workloads are left out (their
/// services are seen directly), and so are alerts (Alertmanager routes its own) and GitOps.
const AREAS: [&str; 5] = ["node", "storage", "backup", "route", "certificate"];

/// Everything seen, or None while nothing can be told: a cluster not yet synced or out of sight
/// shows every service down without any of them being so.
pub fn seen(
    synced: bool,
    stale: bool,
    services: &[ServiceEntry],
    health: &HealthSummary,
) -> Option<Vec<Seen>> {
    if !synced || stale {
        return None;
    }
    let mut all: Vec<Seen> = services
        .iter()
        .filter(|s| s.status != ServiceStatus::Unknown)
        .map(|s| Seen {
            key: format!("service:{}", s.id),
            state: s.status.as_str().into(),
            ok: s.status == ServiceStatus::Up,
            subject: s.id.clone(),
            name: s.name.clone(),
            words: s.status.words().into(),
            link: format!("/incidents/services/{}", s.id),
            family: s.audience == Audience::Family,
        })
        .collect();
    for r in &health.reasons {
        if !AREAS.contains(&r.area.as_str()) {
            continue;
        }
        let key = format!("{}:{}", r.area, r.subject);
        // One line per subject: the first reason the summary gives for it.
        if all.iter().any(|s| s.key == key) {
            continue;
        }
        let link = if r.area == "node" {
            format!("/incidents/nodes/{}", r.subject)
        } else {
            r.link.clone().unwrap_or_else(|| "/".into())
        };
        all.push(Seen {
            key,
            state: PROBLEM.into(),
            ok: false,
            subject: r.subject.clone(),
            name: r.subject.clone(),
            words: r.message.clone(),
            link,
            family: false,
        });
    }
    Some(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::views::fixtures::demo_snapshot;
    use crate::cluster::views::{health, services};

    #[test]
    fn the_demo_is_seen_with_its_services_and_its_node_storage_and_backup_problems() {
        let snap = demo_snapshot();
        let summary = health::summary(&snap);
        let catalog = services::catalog(&snap);
        let seen = seen(true, false, &catalog, &summary).unwrap();
        let find = |key: &str| seen.iter().find(|s| s.key == key);
        let bazarr = find("service:media/bazarr").expect("bazarr");
        assert!(!bazarr.ok, "Bazarr crash-loops");
        assert!(find("service:media/jellyfin").expect("jellyfin").family);
        assert!(!bazarr.family, "Bazarr is the admins'");
        assert_eq!(bazarr.link, "/incidents/services/media/bazarr");
        let k3s1 = find("node:k3s1").expect("k3s1's problem");
        assert_eq!(k3s1.link, "/incidents/nodes/k3s1");
        assert!(seen.iter().any(|s| s.key.starts_with("backup:")));
        assert!(seen.iter().any(|s| s.key.starts_with("storage:")));
        assert!(!seen.iter().any(|s| s.key.starts_with("workload:")));
        assert!(
            super::seen(true, true, &catalog, &summary).is_none(),
            "stale views tell nothing"
        );
        assert!(super::seen(false, false, &catalog, &summary).is_none());
    }
}
