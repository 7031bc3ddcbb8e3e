//! `homelab bench churn`: a steady stream of pod status changes sent to a real API server (the
//! synthetic cluster in the test control plane), as an incident's restarts and failing probes
//! make them. Each change flips one pod's readiness, round robin over the synthetic pods, so
//! every change moves a service's ready count and with it the views and the pages. `make bench`
//! runs it beside a load run and reads how long each change took to reach the published views
//! from the server's `/metrics`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use serde::Serialize;
use serde_json::json;

/// Changes in flight at most; a tick finding them all busy is counted as skipped, not queued,
/// so a slow API server shows as a lower rate rather than a burst later.
const IN_FLIGHT: usize = 32;

/// What was sent.
#[derive(Debug, Serialize)]
pub struct Report {
    pub pods: usize,
    pub rate_asked: f64,
    pub seconds: f64,
    pub sent: u64,
    pub ok: u64,
    pub failed: u64,
    pub skipped: u64,
    /// Changes the API server accepted, per second.
    pub rate_done: f64,
    /// The API server's answer to a status patch: median and 99th percentile, ms.
    pub patch_p50_ms: f64,
    pub patch_p99_ms: f64,
}

/// Flips the readiness of the synthetic cluster's pods (`team-*` namespaces), `rate` a second
/// for `seconds`.
pub async fn run(kubeconfig: &Path, rate: f64, seconds: f64) -> anyhow::Result<Report> {
    if !(rate > 0.0 && rate <= 10_000.0) {
        anyhow::bail!("--rate must be above 0 and at most 10000 changes a second, not {rate}");
    }
    if !(seconds > 0.0 && seconds <= 3_600.0) {
        anyhow::bail!("--seconds must be above 0 and at most 3600, not {seconds}");
    }
    let file = Kubeconfig::read_from(kubeconfig)?;
    let config = kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default()).await?;
    let client = Client::try_from(config)?;
    let all: Api<Pod> = Api::all(client.clone());
    let pods: Vec<(String, String, bool)> = all
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter_map(|p| {
            let ns = p.metadata.namespace?;
            let ready = p
                .status?
                .conditions?
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            ns.starts_with("team-")
                .then_some((ns, p.metadata.name?, ready))
        })
        .collect();
    if pods.is_empty() {
        anyhow::bail!("no pods in team-* namespaces: is the synthetic cluster applied?");
    }
    let sent = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut skipped = 0;
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    let permits = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut ready: Vec<bool> = pods.iter().map(|p| p.2).collect();
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = 0;
    while started.elapsed().as_secs_f64() < seconds {
        ticks.tick().await;
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            skipped += 1;
            continue;
        };
        let i = next % pods.len();
        next += 1;
        ready[i] = !ready[i];
        let (ns, name, _) = &pods[i];
        let api: Api<Pod> = Api::namespaced(client.clone(), ns);
        let name = name.clone();
        let status = if ready[i] { "True" } else { "False" };
        let patch = json!({"status": {
            "conditions": [{"type": "Ready", "status": status}],
            "containerStatuses": [{"name": "app", "ready": ready[i],
                "restartCount": 0, "image": "registry.example/app:1.0", "imageID": "",
                "started": ready[i]}],
        }});
        let (sent, ok, failed, times) = (sent.clone(), ok.clone(), failed.clone(), times.clone());
        tasks.spawn(async move {
            let _permit = permit;
            sent.fetch_add(1, Ordering::Relaxed);
            let at = Instant::now();
            match api
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    ok.fetch_add(1, Ordering::Relaxed);
                    let ms = at.elapsed().as_secs_f64() * 1000.0;
                    times.lock().unwrap_or_else(|e| e.into_inner()).push(ms);
                }
                Err(e) => {
                    if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                        eprintln!("a status patch failed: {e}");
                    }
                }
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    let mut times = std::mem::take(&mut *times.lock().unwrap_or_else(|e| e.into_inner()));
    times.sort_by(f64::total_cmp);
    let ok = ok.load(Ordering::Relaxed);
    Ok(Report {
        pods: pods.len(),
        rate_asked: rate,
        seconds: elapsed,
        sent: sent.load(Ordering::Relaxed),
        ok,
        failed: failed.load(Ordering::Relaxed),
        skipped,
        rate_done: ok as f64 / elapsed,
        patch_p50_ms: super::quantile(&times, 0.5),
        patch_p99_ms: super::quantile(&times, 0.99),
    })
}
