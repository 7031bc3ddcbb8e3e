//! What a restore drill creates, pure: the scratch namespace each backed-up namespace is
//! restored into, and the Velero Restore that maps it there. Read by the drill action
//! ([`crate::actions::restore_drill`]), the clean-up action and the follower.
//!
//! A scratch namespace is named for the backup it tests (`drill-<namespace>-<backup's stamp>`),
//! so a second drill of the same backup while the first one's namespace is still there is
//! refused rather than restored on top of it. It carries [`DRILL_LABEL`] (the Restore's name):
//! the shipped admission policy lets the control plane create and delete only namespaces with
//! that label, so a drill can never delete a live namespace.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::actions::kind::MANAGER;

/// On a drill's scratch namespaces (value: the Restore's name) and on its Restore (value
/// `"true"`). `deploy/base/admission-policy.yaml` names it too.
pub const DRILL_LABEL: &str = "homelab.fletcherlabs.net/drill";
/// On a scratch namespace: the namespace it holds a copy of.
pub const SOURCE_ANNOTATION: &str = "homelab.fletcherlabs.net/drill-source";
/// On a scratch namespace: the backup it was restored from, `<velero namespace>/<name>`.
pub const BACKUP_ANNOTATION: &str = "homelab.fletcherlabs.net/drill-backup";
/// Who manages what a drill creates.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// A namespace name's limit.
const NAME_MAX: usize = 63;

/// The part of a backup's name that tells it apart: the `yyyyMMddHHmmss` Velero (and the Back up
/// now action) puts at its end, else the whole name.
fn backup_suffix(backup: &str) -> &str {
    match backup.rsplit_once('-') {
        Some((_, stamp)) if stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()) => stamp,
        _ => backup,
    }
}

/// The scratch namespace `namespace` of `backup` is restored into: `drill-<namespace>-<suffix>`,
/// cut to 63 characters (the namespace part is shortened first; no trailing `-`).
pub fn scratch_namespace(namespace: &str, backup: &str) -> String {
    let suffix = backup_suffix(backup);
    let room = NAME_MAX.saturating_sub("drill-".len() + 1 + suffix.len());
    let source: String = namespace.chars().take(room.max(1)).collect();
    let mut name = format!("drill-{}-{suffix}", source.trim_end_matches('-'));
    name.truncate(NAME_MAX);
    name.trim_end_matches('-').to_owned()
}

/// The Restore's name: `drill-<now, yyyyMMddHHmmss>`.
pub fn restore_name(now: jiff::Timestamp) -> String {
    format!("drill-{}", crate::actions::velero::stamp(now))
}

/// `namespace → scratch namespace` for each of `namespaces`, in order.
pub fn mapping(namespaces: &[String], backup: &str) -> BTreeMap<String, String> {
    namespaces
        .iter()
        .map(|ns| (ns.clone(), scratch_namespace(ns, backup)))
        .collect()
}

/// The scratch namespace `scratch` for `source`, labelled as the drill `restore`'s.
pub fn namespace_object(
    scratch: &str,
    source: &str,
    velero_namespace: &str,
    backup: &str,
    restore: &str,
) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": scratch,
            "labels": {DRILL_LABEL: restore, MANAGED_BY: MANAGER},
            "annotations": {
                SOURCE_ANNOTATION: source,
                BACKUP_ANNOTATION: format!("{velero_namespace}/{backup}"),
            },
        },
    })
}

/// The Restore of `namespaces` of `backup`, each mapped into its scratch namespace. Cluster-wide
/// objects are left out (a volume, a CRD or a ClusterRole restored would be the live one), and
/// so are pods and ReplicaSets: the restored Deployments and StatefulSets make their own, as
/// after a real restore.
pub fn restore_object(
    velero_namespace: &str,
    name: &str,
    backup: &str,
    namespaces: &[String],
) -> Value {
    json!({
        "apiVersion": "velero.io/v1",
        "kind": "Restore",
        "metadata": {
            "name": name,
            "namespace": velero_namespace,
            "labels": {DRILL_LABEL: "true", MANAGED_BY: MANAGER},
        },
        "spec": {
            "backupName": backup,
            "includedNamespaces": namespaces,
            "namespaceMapping": mapping(namespaces, backup),
            "includeClusterResources": false,
            "excludedResources": ["pods", "replicasets.apps", "events", "events.events.k8s.io"],
            "restorePVs": false,
        },
    })
}

/// The resources a drill leaves out, as [`restore_object`] names them and as the backup's
/// resource list keys them (`<group/version or version>/<Kind>`): not counted as missing.
pub fn left_out(key: &str) -> bool {
    matches!(
        key,
        "v1/Pod" | "apps/v1/ReplicaSet" | "v1/Event" | "events.k8s.io/v1/Event"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_namespaces_are_named_for_the_backup_and_fit_a_label() {
        assert_eq!(
            scratch_namespace("media", "daily-critical-20250615030000"),
            "drill-media-20250615030000"
        );
        assert_eq!(
            scratch_namespace("media", "before-upgrade"),
            "drill-media-before-upgrade"
        );
        let long = scratch_namespace(&"n".repeat(63), "daily-20250615030000");
        assert!(long.len() <= 63, "{long}");
        assert!(long.ends_with("-20250615030000"), "{long}");
        let odd = scratch_namespace("a-b-", &"x".repeat(70));
        assert!(odd.len() <= 63 && !odd.ends_with('-'), "{odd}");
    }

    #[test]
    fn a_restore_maps_every_namespace_and_leaves_cluster_objects_out() {
        let at: jiff::Timestamp = "2026-12-05T23:01:02Z".parse().unwrap();
        let name = restore_name(at);
        assert_eq!(name, "drill-20261205230102");
        let r = restore_object(
            "velero",
            &name,
            "daily-20261205030000",
            &["media".into(), "ai".into()],
        );
        assert_eq!(
            r["spec"]["namespaceMapping"]["media"],
            "drill-media-20261205030000"
        );
        assert_eq!(
            r["spec"]["namespaceMapping"]["ai"],
            "drill-ai-20261205030000"
        );
        assert_eq!(r["spec"]["includeClusterResources"], false);
        assert_eq!(r["metadata"]["labels"][DRILL_LABEL], "true");
        let ns = namespace_object("drill-media-1", "media", "velero", "b", &name);
        assert_eq!(ns["metadata"]["labels"][DRILL_LABEL], name.as_str());
        assert_eq!(ns["metadata"]["annotations"][BACKUP_ANNOTATION], "velero/b");
    }
}
