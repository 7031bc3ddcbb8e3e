//! Back up now: a Velero Backup made from a Schedule's template, or of chosen namespaces ad
//! hoc, refused when Velero could not complete it (no storage location, a schedule name too
//! long for its label, namespaces that do not exist). The Backup's shape and Velero's traps are
//! in [`super::velero`].

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DynamicObject, PostParams};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions};
use super::velero;

/// Where a backup's contents come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackupFrom {
    /// The template of this Schedule (in the backup's namespace).
    Schedule(String),
    /// Only these namespaces, ad hoc.
    Namespaces(Vec<String>),
}

/// Create a Velero Backup in Velero's `namespace`. `force` goes ahead although the storage
/// location is Unavailable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backup {
    pub namespace: String,
    pub from: BackupFrom,
    pub force: bool,
}

impl Backup {
    pub fn from_fields(fields: &[(String, String)]) -> Result<Self, ActionError> {
        let from = match kind::field(fields, "schedule") {
            Ok(schedule) => BackupFrom::Schedule(kind::dns_subdomain("schedule", schedule)?),
            Err(_) => BackupFrom::Namespaces(kind::namespace_list(
                fields,
                "choose at least one namespace to back up",
            )?),
        };
        Ok(Backup {
            namespace: kind::dns_label("namespace", kind::field(fields, "namespace")?)?,
            from,
            force: kind::field(fields, "force").is_ok_and(|f| f == "yes"),
        })
    }

    /// The same backup, going ahead although the storage location is Unavailable.
    pub fn forced(&self) -> Option<Backup> {
        (!self.force).then(|| Backup {
            force: true,
            ..self.clone()
        })
    }

    fn api(&self, client: &Client, kind: &str) -> Api<DynamicObject> {
        kind::namespaced(client, &velero::resource(kind), &self.namespace)
    }
}

fn plural(list: &[String]) -> &'static str {
    if list.len() == 1 {
        ""
    } else {
        "s"
    }
}

impl Kind for Backup {
    fn name(&self) -> &'static str {
        "backup"
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let mut out = vec![f("action", "backup"), f("namespace", &self.namespace)];
        match &self.from {
            BackupFrom::Schedule(s) => out.push(f("schedule", s)),
            BackupFrom::Namespaces(list) => out.push(f("namespaces", &list.join(","))),
        }
        if self.force {
            out.push(f("force", "yes"));
        }
        out
    }

    fn title(&self) -> String {
        match &self.from {
            BackupFrom::Schedule(s) => format!("Back up now from schedule {s}"),
            BackupFrom::Namespaces(list) => {
                format!("Back up namespace{} {}", plural(list), list.join(", "))
            }
        }
    }

    fn target(&self) -> String {
        match &self.from {
            BackupFrom::Schedule(s) => format!("Schedule {}/{s}", self.namespace),
            BackupFrom::Namespaces(list) => {
                format!("Namespace{} {}", plural(list), list.join(", "))
            }
        }
    }

    fn confirm_name(&self) -> String {
        match &self.from {
            BackupFrom::Schedule(s) => s.clone(),
            BackupFrom::Namespaces(list) => list.join(","),
        }
    }

    fn command(&self) -> String {
        let namespace = &self.namespace;
        match &self.from {
            BackupFrom::Schedule(s) => {
                format!("velero backup create --from-schedule {s} -n {namespace}")
            }
            BackupFrom::Namespaces(list) => {
                let name = match list.as_slice() {
                    [one] => format!("{one}-manual"),
                    _ => "manual".into(),
                };
                format!(
                    "velero backup create {name}-$(date -u +%Y%m%d%H%M%S) --include-namespaces {} -n {namespace}",
                    list.join(",")
                )
            }
        }
    }

    fn permissions(&self) -> Permissions {
        &[
            ("velero.io", "backups", &["create"]),
            ("velero.io", "schedules", &["get"]),
            ("velero.io", "backupstoragelocations", &["list"]),
            ("", "namespaces", &["get"]),
        ]
    }

    fn fields(&self) -> &'static [&'static str] {
        &[
            "/metadata/name",
            "/metadata/labels",
            "/metadata/ownerReferences",
            "/spec/includedNamespaces",
            "/spec/excludedNamespaces",
            "/spec/includedResources",
            "/spec/excludedResources",
            "/spec/labelSelector",
            "/spec/storageLocation",
            "/spec/ttl",
            "/spec/snapshotVolumes",
            "/spec/defaultVolumesToFsBackup",
        ]
    }

    fn creates(&self) -> bool {
        true
    }

    /// The Schedule (or `{}` ad hoc), the storage location the backup would write to, and the
    /// chosen namespaces that do not exist.
    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        let mut current = Current::default();
        let locations: Vec<Value> = self
            .api(client, "BackupStorageLocation")
            .list(&Default::default())
            .await?
            .items
            .into_iter()
            .map(kind::to_value)
            .collect();
        let named = match &self.from {
            BackupFrom::Schedule(schedule) => {
                current.object = kind::to_value(self.api(client, "Schedule").get(schedule).await?);
                current
                    .object
                    .pointer("/spec/template/storageLocation")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }
            BackupFrom::Namespaces(list) => {
                current.object = json!({});
                let namespaces: Api<Namespace> = Api::all(client.clone());
                for ns in list {
                    if namespaces.get_opt(ns).await?.is_none() {
                        current.missing_namespaces.push(ns.clone());
                    }
                }
                None
            }
        };
        current.location = velero::location(named.as_deref(), &locations).ok().cloned();
        Ok(current)
    }

    fn check(&self, current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let refuse = |reason: String| Err(ActionError::Refused(reason));
        let object = &current.object;
        let mut warnings = Vec::new();
        match &self.from {
            BackupFrom::Schedule(_) => {
                if let Some(reason) = velero::schedule_refusal(object) {
                    return refuse(reason);
                }
                warnings.extend(velero::schedule_warnings(object));
            }
            BackupFrom::Namespaces(_) if !current.missing_namespaces.is_empty() => {
                return refuse(format!(
                    "no namespace {} in the cluster",
                    current.missing_namespaces.join(", ")
                ));
            }
            BackupFrom::Namespaces(_) => {}
        }
        let namespace = &self.namespace;
        let Some(location) = &current.location else {
            let named = object
                .pointer("/spec/template/storageLocation")
                .and_then(Value::as_str);
            return refuse(match named {
                Some(n) => format!("there is no backup storage location {n} in {namespace}"),
                None => format!(
                    "no backup storage location in {namespace} is marked default, so Velero has nowhere to write"
                ),
            });
        };
        match velero::location_state(location, self.force) {
            Ok(warning) => warnings.extend(warning),
            Err(reason) => return Err(ActionError::NeedsOverride(reason)),
        }
        Ok(warnings)
    }

    /// Creates the Backup (never a patch: a backup is a new object).
    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        let now = jiff::Timestamp::now();
        let backup = match &self.from {
            BackupFrom::Schedule(_) => velero::from_schedule(&current.object, now),
            BackupFrom::Namespaces(list) => velero::ad_hoc(&self.namespace, list, now),
        };
        let backup: DynamicObject = serde_json::from_value(backup)
            .map_err(|e| ActionError::Invalid(format!("the backup is malformed: {e}")))?;
        let params = PostParams {
            dry_run,
            field_manager: Some(kind::MANAGER.into()),
        };
        let created = self.api(client, "Backup").create(&params, &backup).await?;
        Ok(kind::to_value(created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::kind::form;

    #[test]
    fn backups_are_refused_for_a_long_schedule_name_missing_namespaces_and_unavailable_locations() {
        let from = |s: &str| Backup {
            namespace: "velero".into(),
            from: BackupFrom::Schedule(s.into()),
            force: false,
        };
        let available = json!({"metadata": {"name": "default"}, "status": {"phase": "Available"}});
        let unavailable = json!({"metadata": {"name": "default"}, "status": {"phase": "Unavailable", "message": "NAS offline"}});
        let schedule = |name: &str| json!({"metadata": {"name": name}, "spec": {"useOwnerReferencesInBackup": true}});
        let current = |name: &str, location: &Value| Current {
            object: schedule(name),
            location: Some(location.clone()),
            ..Current::default()
        };
        let warnings = from("daily")
            .check(&current("daily", &available), 10)
            .unwrap();
        assert!(
            warnings[0].contains("useOwnerReferencesInBackup"),
            "{warnings:?}"
        );
        let long = "x".repeat(64);
        assert!(matches!(
            from(&long).check(&current(&long, &available), 10),
            Err(ActionError::Refused(_))
        ));
        let e = from("daily")
            .check(&current("daily", &unavailable), 10)
            .unwrap_err();
        assert!(matches!(e, ActionError::NeedsOverride(_)), "{e}");
        assert!(e.to_string().contains("NAS offline"));
        let forced = from("daily").forced().unwrap();
        assert!(forced.forced().is_none());
        let warnings = forced.check(&current("daily", &unavailable), 10).unwrap();
        assert!(
            warnings.iter().any(|w| w.contains("Unavailable")),
            "{warnings:?}"
        );
        let no_location = Current {
            object: schedule("daily"),
            ..Current::default()
        };
        assert!(from("daily")
            .check(&no_location, 10)
            .unwrap_err()
            .to_string()
            .contains("marked default"));
        let ad_hoc = Backup {
            namespace: "velero".into(),
            from: BackupFrom::Namespaces(vec!["media".into(), "gone".into()]),
            force: false,
        };
        let missing = Current {
            object: json!({}),
            location: Some(available),
            missing_namespaces: vec!["gone".into()],
            ..Current::default()
        };
        assert_eq!(
            ad_hoc.check(&missing, 10).unwrap_err().to_string(),
            "no namespace gone in the cluster"
        );
    }

    #[test]
    fn forms_read_back_and_bad_namespaces_are_named() {
        let ad_hoc = Backup {
            namespace: "velero".into(),
            from: BackupFrom::Namespaces(vec!["media".into(), "monitoring".into()]),
            force: true,
        };
        assert_eq!(Backup::from_fields(&ad_hoc.to_fields()).unwrap(), ad_hoc);
        // Checkboxes send one field each; repeats and blanks are dropped.
        let many = Backup::from_fields(&form(&[
            ("namespace", "velero"),
            ("namespaces", "media"),
            ("namespaces", "home, media"),
        ]))
        .unwrap();
        assert_eq!(
            many,
            Backup {
                namespace: "velero".into(),
                from: BackupFrom::Namespaces(vec!["media".into(), "home".into()]),
                force: false
            }
        );
        let e = Backup::from_fields(&form(&[("namespace", "velero"), ("namespaces", "Media!")]))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("namespace \"Media!\" is not a valid name"),
            "{e}"
        );
        let e = Backup::from_fields(&form(&[("namespace", "velero")])).unwrap_err();
        assert_eq!(e.to_string(), "choose at least one namespace to back up");
    }
}
