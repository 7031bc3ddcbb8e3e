//! The service catalog: one entry per app, from its HTTPRoute (the URL), its workloads (the
//! status) and annotations for display. Our own annotations (`homelab.fletcherlabs.net/*`) win;
//! the Homepage dashboard's (`gethomepage.dev/*`) are read too, so a cluster already annotated
//! for Homepage needs nothing new.

use std::collections::{BTreeMap, BTreeSet};

use frontend::model::{Audience, ServiceDetail, ServiceEntry, ServiceStatus, WorkloadSummary};

use super::events;
use super::workloads::{self, Workload};
use super::Snapshot;
use crate::alerts::ties;

/// Prefix of this project's annotations.
pub const PREFIX: &str = "homelab.fletcherlabs.net/";
const HOMEPAGE: &str = "gethomepage.dev/";

/// Status from the workloads' replicas: all ready is up, some is degraded, none is down, and a
/// service whose workloads all want zero replicas was scaled to zero on purpose.
pub fn status_of(workloads: &[WorkloadSummary]) -> ServiceStatus {
    if workloads.is_empty() {
        return ServiceStatus::Unknown;
    }
    if workloads.iter().all(|w| w.desired == 0) {
        return ServiceStatus::ScaledToZero;
    }
    let wanted: Vec<_> = workloads.iter().filter(|w| w.desired > 0).collect();
    if wanted.iter().all(|w| w.ready >= w.desired) {
        ServiceStatus::Up
    } else if wanted.iter().all(|w| w.ready == 0) {
        ServiceStatus::Down
    } else {
        ServiceStatus::Degraded
    }
}

fn annotation<'a>(a: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    a.get(&format!("{PREFIX}{key}"))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn homepage<'a>(a: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    a.get(&format!("{HOMEPAGE}{key}"))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// "sonarr.png" → "sonarr": Homepage icons name files; ours are slugs.
fn icon_slug(icon: &str) -> String {
    let base = icon.rsplit('/').next().unwrap_or(icon);
    base.trim_end_matches(".png")
        .trim_end_matches(".svg")
        .trim_end_matches(".webp")
        .to_lowercase()
}

fn default_category(namespace: &str) -> String {
    match namespace {
        "media" => "media".into(),
        "ai" => "ai".into(),
        _ => "infrastructure".into(),
    }
}

/// "open-webui" → "Open Webui".
fn title_case(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the catalog, sorted by category then name.
/// The app an HTTPRoute serves: its `app.kubernetes.io/name` label, else its own name. With
/// the route's namespace, the id of its service.
pub fn route_app(route: &crate::cluster::crds::HTTPRoute) -> String {
    route
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("app.kubernetes.io/name"))
        .cloned()
        .unwrap_or_else(|| route.metadata.name.clone().unwrap_or_default())
}

/// Whether a route of service `id` failed its last outside-in check.
fn route_fails(snap: &Snapshot, id: &str) -> bool {
    snap.route_checks.of(id).any(|c| c.failed())
}

pub fn catalog(snap: &Snapshot) -> Vec<ServiceEntry> {
    let all = workloads::all(snap);
    let mut claimed: BTreeSet<(String, String)> = BTreeSet::new();
    let mut entries = Vec::new();

    for route in &snap.http_routes {
        let namespace = route.metadata.namespace.clone().unwrap_or_default();
        let ann = route.metadata.annotations.clone().unwrap_or_default();
        let app = route_app(route);
        let backends: Vec<&str> = route
            .spec
            .rules
            .iter()
            .flat_map(|r| r.backend_refs.iter().map(|b| b.name.as_str()))
            .collect();
        let mine: Vec<&Workload<'_>> = all
            .iter()
            .filter(|w| w.summary.namespace == namespace)
            .filter(|w| {
                w.app_name() == app
                    || backends.contains(&w.summary.name.as_str())
                    || backends.contains(&w.app_name())
            })
            .collect();
        for w in &mine {
            claimed.insert((w.summary.namespace.clone(), w.summary.name.clone()));
        }
        let workloads: Vec<WorkloadSummary> = mine.iter().map(|w| w.summary.clone()).collect();
        let url = route.spec.hostnames.first().map(|h| format!("https://{h}"));
        let mut e = entry(&namespace, &app, &ann, url, workloads);
        // Ready pods behind a route that fails from outside (wrong backend, broken TLS, the
        // Gateway down) serve nobody.
        if matches!(e.status, ServiceStatus::Up | ServiceStatus::Degraded)
            && route_fails(snap, &e.id)
        {
            e.status = ServiceStatus::Down;
        }
        entries.push(e);
    }

    // Apps without a route (Loki, Velero, Prometheus's StatefulSet...) are services too.
    let mut by_app: BTreeMap<(String, String), Vec<&Workload<'_>>> = BTreeMap::new();
    for w in &all {
        if !claimed.contains(&(w.summary.namespace.clone(), w.summary.name.clone())) {
            by_app
                .entry((w.summary.namespace.clone(), w.app_name().to_string()))
                .or_default()
                .push(w);
        }
    }
    for ((namespace, app), ws) in by_app {
        let ann = ws[0].meta.annotations.clone().unwrap_or_default();
        let workloads = ws.iter().map(|w| w.summary.clone()).collect();
        entries.push(entry(&namespace, &app, &ann, None, workloads));
    }

    entries.sort_by(|a, b| {
        a.category
            .cmp(&b.category)
            .then(a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    entries
}

fn entry(
    namespace: &str,
    app: &str,
    ann: &BTreeMap<String, String>,
    url: Option<String>,
    mut workloads: Vec<WorkloadSummary>,
) -> ServiceEntry {
    workloads.sort_by(|a, b| a.name.cmp(&b.name));
    let name = annotation(ann, "name")
        .or(homepage(ann, "name"))
        .map(str::to_string)
        .unwrap_or_else(|| title_case(app));
    let category = annotation(ann, "category")
        .or(homepage(ann, "group"))
        .map(|c| c.to_lowercase())
        .unwrap_or_else(|| default_category(namespace));
    let audience = match annotation(ann, "audience") {
        Some("family") => Audience::Family,
        _ => Audience::Admin,
    };
    ServiceEntry {
        id: format!("{namespace}/{app}"),
        name,
        category,
        description: annotation(ann, "description")
            .or(homepage(ann, "description"))
            .unwrap_or("")
            .to_string(),
        icon: annotation(ann, "icon")
            .or(homepage(ann, "icon"))
            .map(icon_slug),
        audience,
        url,
        status: status_of(&workloads),
        workloads,
    }
}

/// One service with its pods, claims, events and alerts.
pub fn detail(snap: &Snapshot, id: &str) -> Option<ServiceDetail> {
    let entry = catalog(snap).into_iter().find(|e| e.id == id)?;
    let all = workloads::all(snap);
    let mine: Vec<&Workload<'_>> = all
        .iter()
        .filter(|w| {
            entry
                .workloads
                .iter()
                .any(|s| s.namespace == w.summary.namespace && s.name == w.summary.name)
        })
        .collect();
    let mut pods: Vec<_> = mine
        .iter()
        .flat_map(|w| workloads::pods_of(snap, w))
        .collect();
    pods.dedup_by(|a, b| a.name == b.name);
    let claims: Vec<_> = mine
        .iter()
        .flat_map(|w| workloads::claims_of(snap, w))
        .collect();
    let pod_names: BTreeSet<String> = pods.iter().map(|p| p.name.clone()).collect();
    let names: BTreeSet<String> = mine
        .iter()
        .map(|w| w.summary.name.clone())
        .chain(claims.iter().map(|c| c.name.clone()))
        .collect();
    let namespace = id.split('/').next().unwrap_or("").to_string();
    // A Deployment's ReplicaSets are named after it: their events (pods created, deleted)
    // belong to the service too.
    let events = events::about(snap, |kind, ns, name| {
        ns == namespace
            && (pod_names.contains(name)
                || names.contains(name)
                || (kind == "ReplicaSet"
                    && name
                        .rsplit_once('-')
                        .is_some_and(|(owner, _)| names.contains(owner))))
    });
    let alerts = ties::of_service(
        &snap.alerts.alerts,
        &ties::ServiceParts {
            namespace: &namespace,
            pods: &pod_names.iter().cloned().collect::<Vec<_>>(),
            workloads: &mine
                .iter()
                .map(|w| w.summary.name.clone())
                .collect::<Vec<_>>(),
            claims: &claims.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        },
    );
    let checks = snap.route_checks.of(id).cloned().collect();
    Some(ServiceDetail {
        entry,
        pods,
        claims,
        events,
        alerts,
        checks,
        cert_warn_days: snap.route_checks.cert_warn_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(desired: u32, ready: u32) -> WorkloadSummary {
        WorkloadSummary {
            kind: "Deployment".into(),
            namespace: "media".into(),
            name: "x".into(),
            desired,
            ready,
        }
    }

    #[test]
    fn status_follows_ready_replicas() {
        assert_eq!(status_of(&[w(1, 1)]), ServiceStatus::Up);
        assert_eq!(status_of(&[w(2, 1)]), ServiceStatus::Degraded);
        assert_eq!(status_of(&[w(1, 0)]), ServiceStatus::Down);
        assert_eq!(status_of(&[w(0, 0)]), ServiceStatus::ScaledToZero);
        assert_eq!(status_of(&[w(1, 1), w(1, 0)]), ServiceStatus::Degraded);
        assert_eq!(status_of(&[]), ServiceStatus::Unknown);
    }

    #[test]
    fn homepage_icons_become_slugs_and_names_get_title_case() {
        assert_eq!(icon_slug("sonarr.png"), "sonarr");
        assert_eq!(icon_slug("https://cdn.example/icons/Plex.svg"), "plex");
        assert_eq!(title_case("open-webui"), "Open Webui");
    }

    #[test]
    fn the_demo_catalog_reads_both_annotation_styles() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let cat = catalog(&snap);
        let jellyfin = cat
            .iter()
            .find(|e| e.id == "media/jellyfin")
            .expect("jellyfin");
        assert_eq!(jellyfin.name, "Jellyfin");
        assert_eq!(jellyfin.audience, Audience::Family);
        assert_eq!(
            jellyfin.url.as_deref(),
            Some("https://jellyfin.fletcherlabs.net")
        );
        assert_eq!(jellyfin.status, ServiceStatus::Up);
        let sonarr = cat.iter().find(|e| e.id == "media/sonarr").expect("sonarr");
        assert_eq!(sonarr.icon.as_deref(), Some("sonarr"));
        assert_eq!(sonarr.category, "media");
        assert_eq!(sonarr.audience, Audience::Admin);
        let grafana = cat
            .iter()
            .find(|e| e.id == "monitoring/grafana")
            .expect("grafana");
        assert_eq!(grafana.status, ServiceStatus::ScaledToZero);
        let bazarr = cat.iter().find(|e| e.id == "media/bazarr").expect("bazarr");
        assert_eq!(bazarr.status, ServiceStatus::Down);
        // Workloads without a route are listed too.
        assert!(
            cat.iter().any(|e| e.id == "monitoring/loki"),
            "{:?}",
            cat.iter().map(|e| &e.id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_service_detail_lists_its_crashing_pod_and_its_warnings() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let d = detail(&snap, "media/bazarr").expect("bazarr detail");
        assert_eq!(d.pods.len(), 1);
        assert_eq!(d.pods[0].reason.as_deref(), Some("CrashLoopBackOff"));
        assert!(
            d.events.iter().any(|e| e.reason == "BackOff"),
            "{:?}",
            d.events
        );
        assert!(!d.claims.is_empty());
    }
}
