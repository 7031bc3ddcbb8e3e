//! Restore drills: proof that a backup can be restored, without touching what it backs up.
//!
//! The drill action ([`crate::actions::restore_drill`]) creates a scratch namespace per chosen
//! namespace and a Velero Restore mapping each one there. From then on the Restore is the
//! drill's state: the follower below sees it in the watch caches, records its progress in
//! SQLite as it runs, and once Velero has finished compares what came back with what the backup
//! holds (Velero's resource lists from its object store, the claims read from the cluster),
//! records the verdict, and notes when the scratch namespaces are gone (the clean-up action, or
//! anyone). The recorded drills go back into the caches, so the Backups page and the health
//! summary read them, and their coverage, from the same snapshot as everything else.
//!
//! - [`plan`]: names and objects a drill creates (pure).
//! - [`compare`]: what came back against what the backup holds (pure).
//! - [`download`]: Velero's files, through DownloadRequests.
//! - [`store`]: the SQL.

pub mod compare;
pub mod download;
pub mod plan;
pub mod store;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use frontend::model::drills::{Drill, DrillReport, DrillsView};
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim};
use kube::{Api, Client};
use sqlx::SqlitePool;

use crate::actions::velero::SCHEDULE_LABEL;
use crate::cluster::cache::now;
use crate::cluster::crds::{Backup, Restore};
use crate::cluster::ClusterCache;
use crate::db::DbError;

/// What the follower asks of the API besides the caches' reads, as RBAC names it: Velero's files
/// are asked for with DownloadRequests, the claims that came back and the scratch namespaces
/// are read.
pub const PERMISSIONS: &[(&str, &str, &[&str])] = &[
    ("velero.io", "downloadrequests", &["create", "get"]),
    ("", "persistentvolumeclaims", &["get"]),
    ("", "namespaces", &["get"]),
];

/// How often the follower looks at the drills' Restores.
const EVERY: Duration = Duration::from_secs(2);
/// Every this many rounds, finished drills' scratch namespaces are looked for.
const CLEANUP_EVERY: u32 = 5;
/// Comparisons tried before a drill is recorded as failed with the reason.
const COMPARE_TRIES: u32 = 5;

fn seconds(text: Option<&str>) -> Option<i64> {
    text.and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second())
}

/// The drill a Restore is, when the control plane made it (it carries [`plan::DRILL_LABEL`]).
pub fn from_restore(restore: &Restore, backups: &[Arc<Backup>]) -> Option<Drill> {
    let meta = &restore.metadata;
    meta.labels.as_ref()?.get(plan::DRILL_LABEL)?;
    let namespace = meta.namespace.clone().unwrap_or_default();
    let backup = restore.spec.backup_name.clone();
    let schedule = backups
        .iter()
        .find(|b| {
            b.metadata.namespace.as_deref() == Some(&namespace)
                && b.metadata.name.as_deref() == Some(&backup)
        })
        .and_then(|b| b.metadata.labels.as_ref()?.get(SCHEDULE_LABEL).cloned());
    let status = restore.status.clone().unwrap_or_default();
    let progress = status.progress.unwrap_or_default();
    let namespaces = restore
        .spec
        .included_namespaces
        .iter()
        .map(|ns| {
            let scratch = restore
                .spec
                .namespace_mapping
                .get(ns)
                .cloned()
                .unwrap_or_default();
            (ns.clone(), scratch)
        })
        .collect();
    Some(Drill {
        velero_namespace: namespace,
        restore: meta.name.clone().unwrap_or_default(),
        backup,
        schedule,
        namespaces,
        phase: status.phase.unwrap_or_else(|| "New".into()),
        items_restored: progress.items_restored.map(|n| n.max(0) as u64),
        total_items: progress.total_items.map(|n| n.max(0) as u64),
        warnings: status.warnings.unwrap_or(0).max(0) as u64,
        errors: status.errors.unwrap_or(0).max(0) as u64,
        started_at: meta
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.as_second())
            .unwrap_or_else(now),
        finished_at: seconds(status.completion_timestamp.as_deref()),
        verdict: None,
        report: None,
        cleaned_up_at: None,
    })
}

/// Whether what the Restore says now differs from the record.
fn progressed(seen: &Drill, known: &Drill) -> bool {
    (
        &seen.phase,
        seen.items_restored,
        seen.total_items,
        seen.warnings,
        seen.errors,
        seen.finished_at,
    ) != (
        &known.phase,
        known.items_restored,
        known.total_items,
        known.warnings,
        known.errors,
        known.finished_at,
    )
}

/// Loads the recorded drills into the caches and, with a cluster, starts following the drills'
/// Restores there.
pub async fn spawn(
    pool: SqlitePool,
    cache: Arc<ClusterCache>,
    client: Option<Client>,
    max_age_days: u32,
) -> Result<(), DbError> {
    let follower = Follower {
        pool,
        cache,
        max_age_days,
        tries: HashMap::new(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default(),
    };
    follower.publish().await?;
    if let Some(client) = client {
        tokio::spawn(follower.run(client));
    }
    Ok(())
}

struct Follower {
    pool: SqlitePool,
    cache: Arc<ClusterCache>,
    max_age_days: u32,
    /// Comparisons tried per drill, while they fail.
    tries: HashMap<String, u32>,
    http: reqwest::Client,
}

impl Follower {
    async fn publish(&self) -> Result<(), DbError> {
        self.cache.set_drills(DrillsView {
            recent: store::all(&self.pool).await?,
            max_age_days: self.max_age_days,
            ..DrillsView::default()
        });
        Ok(())
    }

    async fn run(mut self, client: Client) {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for round in 0u32.. {
            ticks.tick().await;
            let cleanup = round % CLEANUP_EVERY == 0;
            if let Err(e) = self.round(&client, cleanup).await {
                tracing::warn!(error = %e, "following the restore drills");
            }
        }
    }

    async fn round(&mut self, client: &Client, cleanup: bool) -> Result<(), DbError> {
        let snap = self.cache.snapshot();
        let known: HashMap<String, Drill> = store::all(&self.pool)
            .await?
            .into_iter()
            .map(|d| (d.id(), d))
            .collect();
        let mut changed = false;
        for restore in &snap.restores {
            let Some(seen) = from_restore(restore, &snap.backups) else {
                continue;
            };
            let record = known.get(&seen.id());
            if record.is_none_or(|k| progressed(&seen, k)) {
                store::upsert(&self.pool, &seen).await?;
                changed = true;
            }
            let compared = record.is_some_and(|k| k.verdict.is_some());
            if !seen.running() && !compared {
                changed |= self.compare(client, &seen).await?;
            }
        }
        if cleanup {
            for drill in known.values() {
                if drill.running() || drill.cleaned_up_at.is_some() {
                    continue;
                }
                if self.scratch_gone(client, drill).await {
                    store::cleaned_up(&self.pool, &drill.velero_namespace, &drill.restore, now())
                        .await?;
                    changed = true;
                }
            }
        }
        if changed {
            self.publish().await?;
        }
        Ok(())
    }

    /// Compares a finished drill and records its verdict; on a failure to read Velero's files,
    /// tries again next round, up to [`COMPARE_TRIES`], then records the failure. Whether
    /// anything was recorded.
    async fn compare(&mut self, client: &Client, drill: &Drill) -> Result<bool, DbError> {
        let mut report = report(client, &self.http, drill).await;
        if report.problem.is_some() {
            let tries = self.tries.entry(drill.id()).or_default();
            *tries += 1;
            if *tries < COMPARE_TRIES && drill.phase != "Failed" {
                return Ok(false);
            }
            if drill.phase == "Failed" || drill.phase == "FailedValidation" {
                report.problem = Some(format!(
                    "Velero ended the restore {}: {}",
                    drill.phase,
                    report.problem.take().unwrap_or_default()
                ));
            }
        }
        self.tries.remove(&drill.id());
        let verdict = compare::verdict(&drill.phase, &report);
        store::finish(
            &self.pool,
            &drill.velero_namespace,
            &drill.restore,
            verdict,
            &report,
        )
        .await?;
        tracing::info!(drill = %drill.id(), verdict = verdict.as_str(), "restore drill compared");
        Ok(true)
    }

    /// Whether none of the drill's scratch namespaces exists any more.
    async fn scratch_gone(&self, client: &Client, drill: &Drill) -> bool {
        let api: Api<Namespace> = Api::all(client.clone());
        for (_, scratch) in &drill.namespaces {
            match api.get_opt(scratch).await {
                Ok(None) => {}
                _ => return false,
            }
        }
        true
    }
}

/// What came back, compared; a problem in words when Velero's files could not be read.
async fn report(client: &Client, http: &reqwest::Client, drill: &Drill) -> DrillReport {
    let ns = &drill.velero_namespace;
    let fetch = |kind: &'static str, name: &str| {
        let name = name.to_owned();
        async move { download::fetch(client, http, ns, kind, &name).await }
    };
    let lists = async {
        let backed_up = fetch("BackupResourceList", &drill.backup).await?;
        let restored = fetch("RestoreResourceList", &drill.restore).await?;
        let results = fetch("RestoreResults", &drill.restore).await?;
        Ok::<_, String>((backed_up, restored, results))
    }
    .await;
    let (backed_up, restored, results) = match lists {
        Ok(lists) => lists,
        Err(problem) => {
            return DrillReport {
                problem: Some(problem),
                ..DrillReport::default()
            }
        }
    };
    let backed_up: compare::ResourceList = serde_json::from_value(backed_up).unwrap_or_default();
    let restored: compare::ResourceList = serde_json::from_value(restored).unwrap_or_default();
    let mut found = BTreeSet::new();
    for (source, scratch) in &drill.namespaces {
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), scratch);
        let names = compare::claim_names(&backed_up, source);
        for name in names {
            if let Ok(Some(_)) = claims.get_opt(&name).await {
                found.insert((scratch.clone(), name));
            }
        }
    }
    DrillReport {
        namespaces: compare::namespaces(&drill.namespaces, &backed_up, &restored, &found),
        warnings: compare::messages(&results, "warnings"),
        errors: compare::messages(&results, "errors"),
        problem: None,
    }
}
