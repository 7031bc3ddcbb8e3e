//! Drill a restore: one Completed Velero backup (or the newest Completed one of a schedule), one
//! or more of its namespaces restored by Velero into scratch namespaces of their own
//! ([`crate::drills::plan`]), never into the live ones. Refused, naming why, when the backup is
//! not Completed or does not hold a chosen namespace, when its storage location is not Available,
//! or when a scratch namespace exists already. What came back is followed and compared by
//! [`crate::drills`]; the clean-up is [`super::drill_cleanup`].

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, DynamicObject, ListParams, PostParams};
use kube::{Api, Client};
use serde_json::Value;

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions};
use super::velero::{self as velero_rules, SCHEDULE_LABEL};
use crate::drills::plan;

/// Which backup a drill restores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrillFrom {
    /// This backup.
    Backup(String),
    /// The newest Completed backup of this schedule.
    Latest(String),
}

/// Restore `namespaces` of a backup in Velero's `namespace` into scratch namespaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drill {
    pub namespace: String,
    pub from: DrillFrom,
    pub namespaces: Vec<String>,
}

fn velero(client: &Client, namespace: &str, kind: &str) -> Api<DynamicObject> {
    kind::namespaced(client, &velero_rules::resource(kind), namespace)
}

fn str_at<'a>(object: &'a Value, pointer: &str) -> Option<&'a str> {
    object.pointer(pointer).and_then(Value::as_str)
}

/// The namespaces a backup holds: `None` for every namespace (none named, or `*`).
pub fn backup_namespaces(backup: &Value) -> Option<Vec<String>> {
    let list: Vec<String> = backup
        .pointer("/spec/includedNamespaces")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    (!list.is_empty() && !list.iter().any(|n| n == "*")).then_some(list)
}

impl Drill {
    pub fn from_fields(fields: &[(String, String)]) -> Result<Self, ActionError> {
        // The Backups page's form names a backup as `<velero namespace>/<name>`.
        let (in_namespace, backup) = match kind::field(fields, "backup") {
            Ok(text) => match text.split_once('/') {
                Some((ns, name)) => (Some(ns), Ok(name)),
                None => (None, Ok(text)),
            },
            Err(e) => (None, Err(e)),
        };
        let namespace = match in_namespace {
            Some(ns) => ns,
            None => kind::field(fields, "namespace")?,
        };
        let from = match (backup, kind::field(fields, "schedule")) {
            (Ok(backup), _) => DrillFrom::Backup(kind::dns_subdomain("backup", backup)?),
            (Err(_), Ok(schedule)) => DrillFrom::Latest(kind::dns_subdomain("schedule", schedule)?),
            (Err(_), Err(_)) => {
                return Err(ActionError::Invalid(
                    "choose a backup, or a schedule whose latest backup to drill".into(),
                ))
            }
        };
        let namespaces = kind::namespace_list(
            fields,
            "choose at least one of the backup's namespaces to restore",
        )?;
        Ok(Drill {
            namespace: kind::dns_label("namespace", namespace)?,
            from,
            namespaces,
        })
    }

    /// The backup's name once read (the one named, or the schedule's newest Completed one).
    fn backup_name<'a>(&'a self, current: &'a Current) -> &'a str {
        match &self.from {
            DrillFrom::Backup(name) => name,
            DrillFrom::Latest(_) => str_at(&current.object, "/metadata/name").unwrap_or_default(),
        }
    }
}

impl Kind for Drill {
    fn name(&self) -> &'static str {
        "restore-drill"
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let mut out = vec![
            f("action", "restore-drill"),
            f("namespace", &self.namespace),
        ];
        match &self.from {
            DrillFrom::Backup(b) => out.push(f("backup", b)),
            DrillFrom::Latest(s) => out.push(f("schedule", s)),
        }
        out.push(f("namespaces", &self.namespaces.join(",")));
        out
    }

    fn title(&self) -> String {
        let what = match &self.from {
            DrillFrom::Backup(b) => format!("backup {b}"),
            DrillFrom::Latest(s) => format!("the latest backup of schedule {s}"),
        };
        format!(
            "Drill a restore of {} from {what}",
            self.namespaces.join(", ")
        )
    }

    fn target(&self) -> String {
        match &self.from {
            DrillFrom::Backup(b) => format!("Backup {}/{b}", self.namespace),
            DrillFrom::Latest(s) => format!("Schedule {}/{s}", self.namespace),
        }
    }

    fn confirm_name(&self) -> String {
        match &self.from {
            DrillFrom::Backup(b) => b.clone(),
            DrillFrom::Latest(s) => s.clone(),
        }
    }

    fn command(&self) -> String {
        let backup = match &self.from {
            DrillFrom::Backup(b) => b.clone(),
            DrillFrom::Latest(s) => format!("$(velero backup get -l {SCHEDULE_LABEL}={s} …)"),
        };
        let mapping: Vec<String> = self
            .namespaces
            .iter()
            .map(|ns| {
                let scratch = match &self.from {
                    DrillFrom::Backup(b) => plan::scratch_namespace(ns, b),
                    DrillFrom::Latest(_) => format!("drill-{ns}-…"),
                };
                format!("{ns}:{scratch}")
            })
            .collect();
        format!(
            "velero restore create drill-$(date -u +%Y%m%d%H%M%S) --from-backup {backup} --include-namespaces {} --namespace-mappings {} --include-cluster-resources=false --exclude-resources pods,replicasets.apps,events -n {}",
            self.namespaces.join(","),
            mapping.join(","),
            self.namespace
        )
    }

    fn permissions(&self) -> Permissions {
        &[
            ("velero.io", "backups", &["get", "list"]),
            ("velero.io", "backupstoragelocations", &["list"]),
            ("velero.io", "restores", &["create"]),
            ("", "namespaces", &["get", "create", "delete"]),
        ]
    }

    fn fields(&self) -> &'static [&'static str] {
        &[
            "/metadata/name",
            "/spec/backupName",
            "/spec/includedNamespaces",
            "/spec/namespaceMapping",
            "/spec/includeClusterResources",
            "/spec/excludedResources",
        ]
    }

    fn creates(&self) -> bool {
        true
    }

    /// The backup, its storage location, and which scratch namespaces exist already.
    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        let backups = velero(client, &self.namespace, "Backup");
        let backup = match &self.from {
            DrillFrom::Backup(name) => kind::to_value(backups.get(name).await?),
            DrillFrom::Latest(schedule) => {
                let params = ListParams::default().labels(&format!("{SCHEDULE_LABEL}={schedule}"));
                let mut done: Vec<Value> = backups
                    .list(&params)
                    .await?
                    .items
                    .into_iter()
                    .map(kind::to_value)
                    .filter(|b| str_at(b, "/status/phase") == Some("Completed"))
                    .collect();
                done.sort_by(|a, b| {
                    str_at(a, "/status/completionTimestamp")
                        .cmp(&str_at(b, "/status/completionTimestamp"))
                });
                done.pop().ok_or_else(|| {
                    ActionError::Refused(format!(
                        "schedule {schedule} has no Completed backup in {} to drill",
                        self.namespace
                    ))
                })?
            }
        };
        let locations: Vec<Value> = velero(client, &self.namespace, "BackupStorageLocation")
            .list(&Default::default())
            .await?
            .items
            .into_iter()
            .map(kind::to_value)
            .collect();
        let named = str_at(&backup, "/spec/storageLocation").map(str::to_owned);
        let name = str_at(&backup, "/metadata/name").unwrap_or_default();
        let namespaces: Api<Namespace> = Api::all(client.clone());
        let mut existing = Vec::new();
        for ns in &self.namespaces {
            let scratch = plan::scratch_namespace(ns, name);
            if namespaces.get_opt(&scratch).await?.is_some() {
                existing.push(scratch);
            }
        }
        Ok(Current {
            location: velero_rules::location(named.as_deref(), &locations)
                .ok()
                .cloned(),
            object: backup,
            existing_namespaces: existing,
            ..Current::default()
        })
    }

    fn check(&self, current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let refuse = |reason: String| Err(ActionError::Refused(reason));
        let backup = &current.object;
        let name = self.backup_name(current);
        let phase = str_at(backup, "/status/phase").unwrap_or("New");
        if phase != "Completed" {
            return refuse(format!(
                "backup {name} is {phase}: only a Completed backup is drilled, since anything else would fail or restore part of what it should"
            ));
        }
        if let Some(held) = backup_namespaces(backup) {
            let missing: Vec<&str> = self
                .namespaces
                .iter()
                .filter(|ns| !held.contains(ns))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return refuse(format!(
                    "backup {name} does not hold namespace {} (it holds {})",
                    missing.join(", "),
                    held.join(", ")
                ));
            }
        }
        let Some(location) = &current.location else {
            let named = str_at(backup, "/spec/storageLocation").unwrap_or("(the default)");
            return refuse(format!(
                "backup {name}'s storage location {named} is not in {}: Velero cannot read it back",
                self.namespace
            ));
        };
        if str_at(location, "/status/phase") != Some("Available") {
            let location_name = str_at(location, "/metadata/name").unwrap_or_default();
            let phase = str_at(location, "/status/phase").unwrap_or("not yet checked");
            let why = str_at(location, "/status/message")
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            return refuse(format!(
                "backup storage location {location_name} is {phase}{why}: Velero cannot read backup {name} from it, so a drill now would fail. Fix the location first."
            ));
        }
        if !current.existing_namespaces.is_empty() {
            return refuse(format!(
                "scratch namespace {} exists already, from an earlier drill of this backup: clean it up first (a drill never restores on top of anything)",
                current.existing_namespaces.join(", ")
            ));
        }
        Ok(vec![format!(
            "Velero restores {} into {} (new namespaces, labelled {}); the live namespaces are not touched. Deployments and StatefulSets come back with their replica counts, so their pods start there.",
            self.namespaces.join(", "),
            plan::mapping(&self.namespaces, name)
                .into_values()
                .collect::<Vec<_>>()
                .join(", "),
            plan::DRILL_LABEL
        )])
    }

    /// Creates the scratch namespaces, then the Restore; if the Restore is refused, removes the
    /// namespaces it just made, so a failed drill leaves nothing behind.
    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        let backup = self.backup_name(current).to_owned();
        let restore_name = plan::restore_name(jiff::Timestamp::now());
        let params = PostParams {
            dry_run,
            field_manager: Some(kind::MANAGER.into()),
        };
        let namespaces: Api<Namespace> = Api::all(client.clone());
        let mut made: Vec<String> = Vec::new();
        let result = async {
            for (source, scratch) in plan::mapping(&self.namespaces, &backup) {
                let object = plan::namespace_object(
                    &scratch,
                    &source,
                    &self.namespace,
                    &backup,
                    &restore_name,
                );
                let object: Namespace = serde_json::from_value(object).map_err(|e| {
                    ActionError::Invalid(format!("the namespace is malformed: {e}"))
                })?;
                namespaces.create(&params, &object).await?;
                made.push(scratch);
            }
            let restore =
                plan::restore_object(&self.namespace, &restore_name, &backup, &self.namespaces);
            let restore: DynamicObject = serde_json::from_value(restore)
                .map_err(|e| ActionError::Invalid(format!("the restore is malformed: {e}")))?;
            let created = velero(client, &self.namespace, "Restore")
                .create(&params, &restore)
                .await?;
            Ok(kind::to_value(created))
        }
        .await;
        if result.is_err() && !dry_run {
            for scratch in &made {
                if let Err(e) = namespaces.delete(scratch, &DeleteParams::default()).await {
                    tracing::warn!(namespace = %scratch, error = %e, "removing a failed drill's namespace");
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::kind::form;
    use serde_json::json;

    fn drill() -> Drill {
        Drill {
            namespace: "velero".into(),
            from: DrillFrom::Backup("daily-20261205030000".into()),
            namespaces: vec!["media".into()],
        }
    }

    fn current(phase: &str, location: &str, existing: &[&str]) -> Current {
        Current {
            object: json!({"metadata": {"name": "daily-20261205030000"},
                           "spec": {"includedNamespaces": ["media", "ai"]},
                           "status": {"phase": phase}}),
            location: Some(json!({"metadata": {"name": "default"},
                                  "status": {"phase": location, "message": "dial tcp: connection refused"}})),
            existing_namespaces: existing.iter().map(|s| s.to_string()).collect(),
            ..Current::default()
        }
    }

    #[test]
    fn a_drill_is_refused_for_a_backup_not_completed_an_unavailable_location_or_an_existing_scratch(
    ) {
        let ok = drill()
            .check(&current("Completed", "Available", &[]), 10)
            .unwrap();
        assert!(ok[0].contains("drill-media-20261205030000"), "{ok:?}");
        let e = drill()
            .check(&current("PartiallyFailed", "Available", &[]), 10)
            .unwrap_err();
        assert!(e.to_string().contains("is PartiallyFailed"), "{e}");
        let e = drill()
            .check(&current("Completed", "Unavailable", &[]), 10)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("location default is Unavailable (dial tcp: connection refused)"),
            "{e}"
        );
        assert!(matches!(e, ActionError::Refused(_)), "not to be overridden");
        let e = drill()
            .check(
                &current("Completed", "Available", &["drill-media-20261205030000"]),
                10,
            )
            .unwrap_err();
        assert!(e.to_string().contains("exists already"), "{e}");
        let mut other = drill();
        other.namespaces = vec!["home".into()];
        let e = other
            .check(&current("Completed", "Available", &[]), 10)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("does not hold namespace home (it holds media, ai)"),
            "{e}"
        );
    }

    #[test]
    fn forms_read_back_and_say_what_is_missing() {
        let d = drill();
        assert_eq!(Drill::from_fields(&d.to_fields()).unwrap(), d);
        let latest = Drill::from_fields(&form(&[
            ("namespace", "velero"),
            ("schedule", "daily"),
            ("namespaces", "media"),
            ("namespaces", "ai, media"),
        ]))
        .unwrap();
        assert_eq!(latest.from, DrillFrom::Latest("daily".into()));
        assert_eq!(latest.namespaces, vec!["media", "ai"]);
        let from_page = Drill::from_fields(&form(&[
            ("backup", "velero/daily-20261205030000"),
            ("namespaces", "media"),
        ]))
        .unwrap();
        assert_eq!(from_page, d);
        let e = Drill::from_fields(&form(&[("namespace", "velero"), ("namespaces", "media")]))
            .unwrap_err();
        assert!(e.to_string().contains("choose a backup"), "{e}");
        let e = Drill::from_fields(&form(&[("namespace", "velero"), ("backup", "b")])).unwrap_err();
        assert!(e.to_string().contains("at least one"), "{e}");
        assert_eq!(
            backup_namespaces(&json!({"spec": {"includedNamespaces": ["*"]}})),
            None
        );
    }
}
