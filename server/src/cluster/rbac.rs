//! What the server asks of the Kubernetes API, as RBAC names it: the one list the shipped
//! ClusterRole (`deploy/base/clusterrole.yaml`) must equal, verb for verb. Tests hold both sides
//! to it: every watch cache's kind is listed with `list` and `watch` (unit test below), and the
//! ClusterRole grants exactly these (integration test against the real API server).
//!
//! The write verbs are those of the guarded actions (`crate::actions`); an action added or
//! changed there changes this list, and the ClusterRole with it. The one read outside the caches
//! is a container's log (`super::logs::PERMISSION`).

/// One API resource (or subresource, `deployments/scale`) and the verbs used on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    /// API group; `""` is the core group.
    pub group: &'static str,
    pub resource: &'static str,
    pub verbs: &'static [&'static str],
}

/// Watched kinds: list and watch are all the reflectors use.
const WATCH: &[&str] = &["list", "watch"];
/// Watched kinds an action changes: `get` because an action reads its target fresh for the
/// preview and the resourceVersion check rather than trust the cache, `patch` to change it.
const WATCH_AND_PATCH: &[&str] = &["get", "list", "watch", "patch"];

const fn p(
    group: &'static str,
    resource: &'static str,
    verbs: &'static [&'static str],
) -> Permission {
    Permission {
        group,
        resource,
        verbs,
    }
}

/// Every permission the server uses, and no other: a verb is added with the action that uses it.
pub const PERMISSIONS: &[Permission] = &[
    // Cordon and uncordon.
    p("", "nodes", WATCH_AND_PATCH),
    p("", "pods", WATCH),
    // A container's log (the logs page), and nothing else of a pod's subresources.
    p("", "pods/log", &["get"]),
    // Warning and Normal, for the object pages and the Events page.
    p("", "events", WATCH),
    // Clear a Released volume's claimRef, or point it at a claim (read fresh, to check it fits).
    p("", "persistentvolumes", WATCH_AND_PATCH),
    // Get: a restore drill reads the claims that came back.
    p("", "persistentvolumeclaims", &["get", "list", "watch"]),
    // An ad hoc backup checks its namespaces exist. A restore drill creates its scratch
    // namespaces and its clean-up deletes them: the shipped admission policy
    // (deploy/base/admission-policy.yaml) lets this account create and delete only namespaces
    // with the drill's label.
    p("", "namespaces", &["get", "create", "delete"]),
    // Restart (the rollout restart annotation on the pod template).
    p("apps", "deployments", WATCH_AND_PATCH),
    p("apps", "statefulsets", WATCH_AND_PATCH),
    p("apps", "daemonsets", WATCH),
    // Scale through the scale subresource: read it for the preview, patch it.
    p("apps", "deployments/scale", &["get", "patch"]),
    p("apps", "statefulsets/scale", &["get", "patch"]),
    p("storage.k8s.io", "storageclasses", WATCH),
    p("storage.k8s.io", "csinodes", WATCH),
    p("gateway.networking.k8s.io", "httproutes", WATCH),
    p("gateway.networking.k8s.io", "gateways", WATCH),
    // Back up now: a Backup created from a schedule's template (read fresh) or ad hoc.
    // Get: a restore drill reads the backup it restores.
    p("velero.io", "backups", &["get", "create", "list", "watch"]),
    // Restore drills: a Restore into scratch namespaces, followed in the caches; Velero's lists
    // of what a backup holds and what came back, through DownloadRequests.
    p("velero.io", "restores", &["create", "list", "watch"]),
    p("velero.io", "downloadrequests", &["create", "get"]),
    p("velero.io", "schedules", &["get", "list", "watch"]),
    p("velero.io", "backupstoragelocations", WATCH),
    p("longhorn.io", "volumes", WATCH),
    p("longhorn.io", "nodes", WATCH),
    // Reconcile now (the requestedAt annotation), suspend and resume.
    p(
        "kustomize.toolkit.fluxcd.io",
        "kustomizations",
        WATCH_AND_PATCH,
    ),
    p("helm.toolkit.fluxcd.io", "helmreleases", WATCH_AND_PATCH),
];

/// With `impersonate = true` (issue 8), actions are sent as the signed-in admin: only the
/// optional component `deploy/components/impersonate` grants these.
pub const IMPERSONATE: &[Permission] = &[
    p("", "users", &["impersonate"]),
    p("", "groups", &["impersonate"]),
];

/// Every (group, resource, verb) of `permissions`, sorted: the form both sides are compared in.
pub fn triples(permissions: &[Permission]) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = permissions
        .iter()
        .flat_map(|p| {
            p.verbs
                .iter()
                .map(|v| (p.group.to_owned(), p.resource.to_owned(), (*v).to_owned()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::super::cache::with_cache_fields;
    use super::super::crds::{
        Backup, BackupStorageLocation, Gateway, HTTPRoute, HelmRelease, Kustomization,
        LonghornNode, Restore, Schedule, Volume,
    };
    use super::*;
    use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
    use k8s_openapi::api::core::v1::{Event, Node, PersistentVolume, PersistentVolumeClaim, Pod};
    use k8s_openapi::api::storage::v1::{CSINode, StorageClass};
    use kube::Resource;

    /// (group, plural) of every watch cache, from the one list of cached kinds.
    fn cached_kinds() -> Vec<(String, String)> {
        macro_rules! kinds {
            ([$($field:ident: $kind:ty),* $(,)?]) => {
                vec![$((<$kind>::group(&()).to_string(), <$kind>::plural(&()).to_string()),)*]
            };
        }
        with_cache_fields!(kinds!())
    }

    #[test]
    fn the_permissions_are_exactly_the_caches_reads_and_the_actions_verbs() {
        let mut used: Vec<(String, String, String)> = cached_kinds()
            .into_iter()
            .flat_map(|(g, r)| ["list", "watch"].map(|v| (g.clone(), r.clone(), v.to_owned())))
            .collect();
        let reads: Vec<_> = std::iter::once(super::super::logs::PERMISSION)
            .chain(crate::drills::PERMISSIONS.iter().copied())
            .collect();
        for action in crate::actions::Action::samples() {
            for (group, resource, verbs) in action.permissions().iter().chain(&reads) {
                for verb in *verbs {
                    used.push(((*group).into(), (*resource).into(), (*verb).into()));
                }
            }
        }
        used.sort();
        used.dedup();
        // Nothing granted that no code uses, nothing used that is not granted.
        assert_eq!(triples(PERMISSIONS), used);
    }

    #[test]
    fn every_watch_cache_has_list_and_watch_on_its_kind() {
        let granted = triples(PERMISSIONS);
        for (group, resource) in cached_kinds() {
            for verb in ["list", "watch"] {
                assert!(
                    granted.contains(&(group.clone(), resource.clone(), verb.to_owned())),
                    "{verb} on {resource} in group {group:?} is missing from PERMISSIONS"
                );
            }
        }
    }

    #[test]
    fn every_listed_resource_is_watched_or_used_by_an_action() {
        let cached = cached_kinds();
        let (group, resource, _) = super::super::logs::PERMISSION;
        let acted_on: Vec<(&str, &str)> = crate::actions::Action::samples()
            .iter()
            .flat_map(|a| a.permissions().iter().map(|(g, r, _)| (*g, *r)))
            .chain([(group, resource)])
            .chain(crate::drills::PERMISSIONS.iter().map(|(g, r, _)| (*g, *r)))
            .collect();
        for permission in PERMISSIONS {
            let watched =
                cached.contains(&(permission.group.to_owned(), permission.resource.to_owned()));
            let acted = acted_on.contains(&(permission.group, permission.resource));
            assert!(
                watched || acted,
                "{} in group {:?} is in PERMISSIONS but no cache watches it and no action uses it",
                permission.resource,
                permission.group
            );
            if watched {
                assert!(
                    permission.verbs.contains(&"list") && permission.verbs.contains(&"watch"),
                    "{}",
                    permission.resource
                );
            }
        }
    }
}
