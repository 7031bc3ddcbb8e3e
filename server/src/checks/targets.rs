//! What to check: every hostname of every HTTPRoute, with the service it belongs to and whether
//! it is meant to be behind sign-in. Pure.

use crate::cluster::views::services::{route_app, PREFIX};
use crate::cluster::views::Snapshot;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The catalog's id of the route's service (`media/plex`).
    pub service: String,
    /// `namespace/name` of the HTTPRoute.
    pub route: String,
    pub hostname: String,
    pub protected: bool,
}

/// Every route's hostnames. `protected` names routes (by hostname or `namespace/name`) meant
/// to be behind sign-in, besides those annotated `homelab.fletcherlabs.net/protected: "true"`.
pub fn targets(snap: &Snapshot, protected: &[String]) -> Vec<Target> {
    let mut out = Vec::new();
    for r in &snap.http_routes {
        let namespace = r.metadata.namespace.clone().unwrap_or_default();
        let name = r.metadata.name.clone().unwrap_or_default();
        let route = format!("{namespace}/{name}");
        let annotated = r
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(&format!("{PREFIX}protected")))
            .is_some_and(|v| v == "true");
        for hostname in &r.spec.hostnames {
            // A wildcard names no host to request.
            if hostname.starts_with('*') {
                continue;
            }
            out.push(Target {
                service: format!("{namespace}/{}", route_app(r)),
                route: route.clone(),
                hostname: hostname.clone(),
                protected: annotated || protected.iter().any(|p| p == hostname || p == &route),
            });
        }
    }
    out.sort_by(|a, b| a.hostname.cmp(&b.hostname));
    out.dedup_by(|a, b| a.hostname == b.hostname);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::views::fixtures::demo_snapshot;

    #[test]
    fn every_demo_route_is_a_target_named_for_its_service_and_sign_in_is_configured_or_annotated() {
        let snap = demo_snapshot();
        let all = targets(&snap, &["media/plex".into()]);
        let find = |host: &str| all.iter().find(|t| t.hostname == host).unwrap();
        assert_eq!(find("plex.fletcherlabs.net").service, "media/plex");
        assert!(
            find("plex.fletcherlabs.net").protected,
            "configured by route name"
        );
        assert_eq!(
            find("longhorn.fletcherlabs.net").service,
            "longhorn-system/longhorn-ui"
        );
        assert!(find("prometheus.fletcherlabs.net").protected, "annotated");
        assert!(!find("jellyfin.fletcherlabs.net").protected);
        assert_eq!(all.len(), snap.http_routes.len());
    }
}
