//! Velero Backups made the way `velero backup create` makes them, and the checks that keep a
//! backup taken from this page out of Velero's known traps. Pure: the objects are read by
//! [`super::velero_backup`] and passed in.
//!
//! - From a schedule: the spec is the schedule's template, the labels are the template's (else
//!   the schedule's) plus `velero.io/schedule-name`, the annotations are the schedule's, and with
//!   `useOwnerReferencesInBackup` the schedule owns the backup (velero v1.16
//!   `BackupBuilder::FromSchedule`). The name is `<schedule>-<UTC yyyyMMddHHmmss>`
//!   (`Schedule::TimestampedName`).
//! - Ad hoc: only the chosen namespaces; Velero picks the default storage location.

use kube::api::{ApiResource, GroupVersionKind};
use serde_json::{json, Map, Value};

/// Velero's kind `kind` (velero.io/v1), for the dynamic API.
pub fn resource(kind: &str) -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("velero.io", "v1", kind))
}

/// The label Velero puts on every backup of a schedule; its retention and `velero backup get
/// --selector` go by it.
pub const SCHEDULE_LABEL: &str = "velero.io/schedule-name";
/// A label value's limit. Velero v1.16 writes the schedule's name into [`SCHEDULE_LABEL`]
/// unshortened, so a schedule with a longer name can never have a backup: its own runs fail too.
pub const LABEL_VALUE_MAX: usize = 63;

/// `yyyyMMddHHmmss` in UTC, as Velero stamps backup names.
pub fn stamp(now: jiff::Timestamp) -> String {
    now.strftime("%Y%m%d%H%M%S").to_string()
}

fn str_at<'a>(object: &'a Value, pointer: &str) -> Option<&'a str> {
    object.pointer(pointer).and_then(Value::as_str)
}

/// The Backup `velero backup create --from-schedule` would create from `schedule` at `now`.
pub fn from_schedule(schedule: &Value, now: jiff::Timestamp) -> Value {
    let name = str_at(schedule, "/metadata/name").unwrap_or_default();
    let namespace = str_at(schedule, "/metadata/namespace").unwrap_or_default();
    let template = schedule
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut labels = template
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .or_else(|| {
            schedule
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
        })
        .cloned()
        .unwrap_or_default();
    labels.insert(SCHEDULE_LABEL.into(), json!(name));
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(format!("{name}-{}", stamp(now))));
    metadata.insert("namespace".into(), json!(namespace));
    metadata.insert("labels".into(), Value::Object(labels));
    if let Some(annotations) = schedule.pointer("/metadata/annotations") {
        metadata.insert("annotations".into(), annotations.clone());
    }
    if owned_by_schedule(schedule) {
        metadata.insert(
            "ownerReferences".into(),
            json!([{
                "apiVersion": "velero.io/v1",
                "kind": "Schedule",
                "name": name,
                "uid": str_at(schedule, "/metadata/uid").unwrap_or_default(),
                "controller": true,
            }]),
        );
    }
    json!({
        "apiVersion": "velero.io/v1",
        "kind": "Backup",
        "metadata": metadata,
        "spec": template,
    })
}

/// The name of an ad hoc backup of `namespaces` at `now`: `<namespace>-manual-<stamp>` for one
/// namespace, `manual-<stamp>` for several.
pub fn ad_hoc_name(namespaces: &[String], now: jiff::Timestamp) -> String {
    match namespaces {
        [one] => format!("{one}-manual-{}", stamp(now)),
        _ => format!("manual-{}", stamp(now)),
    }
}

/// An ad hoc Backup of `namespaces`, in Velero's namespace `velero_namespace`.
pub fn ad_hoc(velero_namespace: &str, namespaces: &[String], now: jiff::Timestamp) -> Value {
    json!({
        "apiVersion": "velero.io/v1",
        "kind": "Backup",
        "metadata": {"name": ad_hoc_name(namespaces, now), "namespace": velero_namespace},
        "spec": {"includedNamespaces": namespaces},
    })
}

/// Whether backups of `schedule` are owned by it (deleting the schedule deletes them).
pub fn owned_by_schedule(schedule: &Value) -> bool {
    schedule
        .pointer("/spec/useOwnerReferencesInBackup")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Why a backup of `schedule` cannot be created at all, if it cannot.
pub fn schedule_refusal(schedule: &Value) -> Option<String> {
    let name = str_at(schedule, "/metadata/name").unwrap_or_default();
    (name.len() > LABEL_VALUE_MAX).then(|| {
        format!(
            "schedule {name} has a {}-character name, but the {SCHEDULE_LABEL} label Velero puts on its backups holds at most {LABEL_VALUE_MAX}: \
             the API server refuses every backup of it, Velero's own runs included. Rename the schedule, or back up its namespaces ad hoc.",
            name.len()
        )
    })
}

/// The storage location a backup writes to: the one `named`, else the default one among
/// `locations` (the BackupStorageLocations of Velero's namespace).
pub fn location<'a>(named: Option<&str>, locations: &'a [Value]) -> Result<&'a Value, String> {
    match named.filter(|n| !n.is_empty()) {
        Some(name) => locations
            .iter()
            .find(|l| str_at(l, "/metadata/name") == Some(name))
            .ok_or_else(|| format!("there is no backup storage location named {name}")),
        None => locations
            .iter()
            .find(|l| l.pointer("/spec/default").and_then(Value::as_bool) == Some(true))
            .ok_or_else(|| {
                "no backup storage location is marked default, and the backup names none".into()
            }),
    }
}

/// How a storage location stands: `Ok(None)` when Available, `Ok(Some(warning))` when it is
/// unknown or (with `force`) Unavailable, `Err(reason)` when Unavailable without `force`.
pub fn location_state(location: &Value, force: bool) -> Result<Option<String>, String> {
    let name = str_at(location, "/metadata/name").unwrap_or_default();
    match str_at(location, "/status/phase") {
        Some("Available") => Ok(None),
        Some("Unavailable") => {
            let why = str_at(location, "/status/message").unwrap_or("no message");
            let text = format!("backup storage location {name} is Unavailable ({why})");
            if force {
                Ok(Some(format!(
                    "{text}: you chose to go ahead; Velero will most likely fail this backup"
                )))
            } else {
                Err(format!("{text}: a backup now would fail. Fix the location first, or go ahead anyway if you know better."))
            }
        }
        _ => Ok(Some(format!(
            "Velero has not reported whether backup storage location {name} is available"
        ))),
    }
}

/// The warnings a backup of `schedule` carries.
pub fn schedule_warnings(schedule: &Value) -> Vec<String> {
    let name = str_at(schedule, "/metadata/name").unwrap_or_default();
    let mut out = Vec::new();
    if owned_by_schedule(schedule) {
        out.push(format!(
            "schedule {name} sets useOwnerReferencesInBackup: this backup will be owned by the schedule, \
             and deleting (or re-creating) the schedule deletes it along with every other backup of it"
        ));
    }
    if schedule.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        out.push(format!(
            "schedule {name} is paused: this backup is taken once, the schedule stays paused"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> jiff::Timestamp {
        "2026-11-25T23:04:05Z".parse().unwrap()
    }

    fn schedule(name: &str) -> Value {
        json!({
            "apiVersion": "velero.io/v1", "kind": "Schedule",
            "metadata": {"name": name, "namespace": "velero", "uid": "u-1",
                         "labels": {"kustomize.toolkit.fluxcd.io/name": "velero"},
                         "annotations": {"team": "homelab"}},
            "spec": {"schedule": "0 3 * * *",
                     "template": {"includedNamespaces": ["media"], "ttl": "720h0m0s",
                                  "storageLocation": "default"}}
        })
    }

    #[test]
    fn a_backup_from_a_schedule_is_its_template_labelled_and_named_like_velero_does() {
        let b = from_schedule(&schedule("daily-media"), at());
        assert_eq!(b["metadata"]["name"], "daily-media-20261125230405");
        assert_eq!(b["metadata"]["namespace"], "velero");
        assert_eq!(b["metadata"]["labels"][SCHEDULE_LABEL], "daily-media");
        // Without template labels, the schedule's own labels come along (as velero does).
        assert_eq!(
            b["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
            "velero"
        );
        assert_eq!(b["metadata"]["annotations"]["team"], "homelab");
        assert_eq!(b["spec"]["includedNamespaces"], json!(["media"]));
        assert_eq!(b["spec"]["ttl"], "720h0m0s");
        assert!(b["metadata"].get("ownerReferences").is_none());
    }

    #[test]
    fn template_labels_win_over_the_schedules_and_owner_references_follow_the_flag() {
        let mut s = schedule("weekly");
        s["spec"]["template"]["metadata"] = json!({"labels": {"tier": "gold"}});
        s["spec"]["useOwnerReferencesInBackup"] = json!(true);
        let b = from_schedule(&s, at());
        assert_eq!(
            b["metadata"]["labels"],
            json!({"tier": "gold", SCHEDULE_LABEL: "weekly"})
        );
        assert_eq!(b["metadata"]["ownerReferences"][0]["uid"], "u-1");
        assert_eq!(b["metadata"]["ownerReferences"][0]["kind"], "Schedule");
        assert!(schedule_warnings(&s)[0].contains("useOwnerReferencesInBackup"));
    }

    #[test]
    fn a_schedule_name_too_long_for_the_label_is_refused_with_its_length() {
        assert!(schedule_refusal(&schedule(&"a".repeat(63))).is_none());
        let e = schedule_refusal(&schedule(&"a".repeat(64))).unwrap();
        assert!(e.contains("64-character name"), "{e}");
        assert!(e.contains("at most 63"), "{e}");
    }

    #[test]
    fn ad_hoc_backups_name_their_one_namespace() {
        let one = vec!["media".to_string()];
        assert_eq!(ad_hoc_name(&one, at()), "media-manual-20261125230405");
        let two = vec!["media".to_string(), "monitoring".to_string()];
        let b = ad_hoc("velero", &two, at());
        assert_eq!(b["metadata"]["name"], "manual-20261125230405");
        assert_eq!(
            b["spec"]["includedNamespaces"],
            json!(["media", "monitoring"])
        );
    }

    #[test]
    fn the_location_is_the_named_one_or_the_default_and_unavailable_needs_force() {
        let locations = vec![
            json!({"metadata": {"name": "nas"}, "spec": {"default": true}, "status": {"phase": "Available"}}),
            json!({"metadata": {"name": "b2"}, "status": {"phase": "Unavailable", "message": "bucket gone"}}),
            json!({"metadata": {"name": "new"}}),
        ];
        assert_eq!(
            location(None, &locations).unwrap()["metadata"]["name"],
            "nas"
        );
        let b2 = location(Some("b2"), &locations).unwrap();
        let e = location_state(b2, false).unwrap_err();
        assert!(e.contains("b2 is Unavailable (bucket gone)"), "{e}");
        assert!(location_state(b2, true)
            .unwrap()
            .unwrap()
            .contains("go ahead"));
        assert_eq!(location_state(&locations[0], false), Ok(None));
        assert!(location_state(&locations[2], false).unwrap().is_some());
        assert!(location(Some("s3"), &locations)
            .unwrap_err()
            .contains("no backup storage location named s3"));
        assert!(location(None, &locations[1..]).is_err());
    }
}
