//! What came back, compared with what the backup holds; pure. The backup's contents are
//! Velero's `BackupResourceList` (kind → `namespace/name`), what Velero restored is its
//! `RestoreResourceList` (kind → `namespace/name(action)`), its warnings and errors are
//! `RestoreResults`, and the claims found are read from the cluster.

use std::collections::{BTreeMap, BTreeSet};

use frontend::model::drills::{DrillNamespace, DrillReport, KindCount, Verdict};
use serde_json::Value;

use super::plan;

/// Kind → entries, as Velero's resource lists are written.
pub type ResourceList = BTreeMap<String, Vec<String>>;

/// The claim kind's key in the resource lists.
const CLAIMS: &str = "v1/PersistentVolumeClaim";

/// The namespace and name of a list entry (`media/plex(created)`), and its action if any.
fn entry(text: &str) -> (Option<&str>, &str, Option<&str>) {
    let (item, action) = match text.strip_suffix(')').and_then(|t| t.rsplit_once('(')) {
        Some((item, action)) => (item, Some(action)),
        None => (text, None),
    };
    match item.split_once('/') {
        Some((ns, name)) => (Some(ns), name, action),
        None => (None, item, action),
    }
}

/// The names of `kind` in namespace `namespace` in `list`, with the actions Velero took.
fn in_namespace<'a>(
    list: &'a ResourceList,
    kind: &str,
    namespaces: &[&str],
) -> Vec<(&'a str, Option<&'a str>)> {
    list.get(kind)
        .into_iter()
        .flatten()
        .filter_map(|e| match entry(e) {
            (Some(ns), name, action) if namespaces.contains(&ns) => Some((name, action)),
            _ => None,
        })
        .collect()
}

/// The backup's claims in namespace `source`.
pub fn claim_names(backed_up: &ResourceList, source: &str) -> Vec<String> {
    in_namespace(backed_up, CLAIMS, &[source])
        .into_iter()
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Compares each `(source, scratch)` namespace: per kind the backup holds (leaving out what the
/// drill does not restore), how many Velero restored or found there already; per claim, whether
/// `claims_found` has it in the scratch namespace.
pub fn namespaces(
    mapping: &[(String, String)],
    backed_up: &ResourceList,
    restored: &ResourceList,
    claims_found: &BTreeSet<(String, String)>,
) -> Vec<DrillNamespace> {
    mapping
        .iter()
        .map(|(source, scratch)| {
            let kinds = backed_up
                .keys()
                .filter(|kind| !plan::left_out(kind))
                .filter_map(|kind| {
                    let held = in_namespace(backed_up, kind, &[source]).len() as u64;
                    (held > 0).then(|| {
                        // Velero names the entries by the namespace restored into; older
                        // versions by the source. Either is this drill's.
                        let back = in_namespace(restored, kind, &[scratch, source])
                            .iter()
                            .filter(|(_, action)| *action != Some("failed"))
                            .count() as u64;
                        KindCount {
                            kind: kind.clone(),
                            backed_up: held,
                            restored: back,
                        }
                    })
                })
                .collect();
            let claims = in_namespace(backed_up, CLAIMS, &[source])
                .into_iter()
                .map(|(name, _)| {
                    let found = claims_found.contains(&(scratch.clone(), name.to_owned()));
                    (name.to_owned(), found)
                })
                .collect();
            DrillNamespace {
                source: source.clone(),
                scratch: scratch.clone(),
                kinds,
                claims,
            }
        })
        .collect()
}

/// Velero's `RestoreResults` (`{"warnings": {"velero": [..], "cluster": [..], "namespaces":
/// {ns: [..]}}, "errors": {..}}`) as lines prefixed with where.
pub fn messages(results: &Value, which: &str) -> Vec<String> {
    let part = &results[which];
    let mut out = Vec::new();
    for scope in ["velero", "cluster"] {
        for m in part[scope].as_array().into_iter().flatten() {
            out.push(format!("{scope}: {}", m.as_str().unwrap_or_default()));
        }
    }
    if let Some(map) = part["namespaces"].as_object() {
        for (ns, list) in map {
            for m in list.as_array().into_iter().flatten() {
                out.push(format!("{ns}: {}", m.as_str().unwrap_or_default()));
            }
        }
    }
    out
}

/// The verdict on a drill whose Restore ended in `phase`.
pub fn verdict(phase: &str, report: &DrillReport) -> Verdict {
    let all_back = report.namespaces.iter().all(|n| {
        n.kinds.iter().all(|k| k.restored >= k.backed_up)
            && n.claims.iter().all(|(_, found)| *found)
    });
    match phase {
        "Completed" if report.problem.is_none() && all_back => {
            if report.warnings.is_empty() {
                Verdict::Passed
            } else {
                Verdict::Warnings
            }
        }
        _ => Verdict::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(v: Value) -> ResourceList {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn kinds_and_claims_are_counted_per_namespace_leaving_out_pods() {
        let backed_up = list(json!({
            "apps/v1/Deployment": ["media/plex", "media/sonarr", "home/hass"],
            "v1/ConfigMap": ["media/plex-config"],
            "v1/PersistentVolumeClaim": ["media/plex-config", "media/sonarr-config"],
            "v1/Pod": ["media/plex-7d9"],
            "v1/Namespace": ["media"],
        }));
        let restored = list(json!({
            "apps/v1/Deployment": ["drill-media-1/plex(created)", "drill-media-1/sonarr(failed)"],
            "v1/ConfigMap": ["drill-media-1/plex-config(skipped)"],
            "v1/PersistentVolumeClaim": ["drill-media-1/plex-config(created)", "drill-media-1/sonarr-config(created)"],
        }));
        let found: BTreeSet<(String, String)> =
            [("drill-media-1".to_string(), "plex-config".to_string())].into();
        let mapping = vec![("media".to_string(), "drill-media-1".to_string())];
        let n = &namespaces(&mapping, &backed_up, &restored, &found)[0];
        let count = |kind: &str| {
            n.kinds
                .iter()
                .find(|k| k.kind == kind)
                .map(|k| (k.backed_up, k.restored))
        };
        assert_eq!(
            count("apps/v1/Deployment"),
            Some((2, 1)),
            "the failed one is not back"
        );
        assert_eq!(
            count("v1/ConfigMap"),
            Some((1, 1)),
            "skipped: it was there already"
        );
        assert_eq!(count("v1/Pod"), None, "pods are left out of a drill");
        assert_eq!(
            n.claims,
            vec![
                ("plex-config".into(), true),
                ("sonarr-config".into(), false)
            ]
        );
        let report = DrillReport {
            namespaces: vec![n.clone()],
            ..DrillReport::default()
        };
        assert_eq!(verdict("Completed", &report), Verdict::Failed);
    }

    #[test]
    fn the_verdict_needs_everything_back_and_counts_warnings() {
        let ok = DrillNamespace {
            source: "media".into(),
            scratch: "drill-media-1".into(),
            kinds: vec![KindCount {
                kind: "v1/Service".into(),
                backed_up: 1,
                restored: 1,
            }],
            claims: vec![("data".into(), true)],
        };
        let mut report = DrillReport {
            namespaces: vec![ok],
            ..DrillReport::default()
        };
        assert_eq!(verdict("Completed", &report), Verdict::Passed);
        assert_eq!(verdict("PartiallyFailed", &report), Verdict::Failed);
        let results = json!({"warnings": {"velero": [], "cluster": ["could not restore x"],
                                          "namespaces": {"media": ["already exists"]}}});
        report.warnings = messages(&results, "warnings");
        assert_eq!(
            report.warnings,
            vec!["cluster: could not restore x", "media: already exists"]
        );
        assert_eq!(verdict("Completed", &report), Verdict::Warnings);
        report.problem = Some("the lists could not be read".into());
        assert_eq!(verdict("Completed", &report), Verdict::Failed);
    }
}
