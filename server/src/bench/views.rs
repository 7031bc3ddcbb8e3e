//! `homelab bench views`: the pure views over a synthetic cluster (5,000 pods and 500
//! deployments by default) loaded into the watch caches: time per view (snapshot of the caches
//! plus the view), for one publication of all of them (what a burst of changes costs), and for
//! the details a request computes; and the process's resident memory holding them.

use std::time::Instant;

use serde::Serialize;

use super::{quantile, rss_bytes};
use crate::cluster::demo::{self, DemoError};
use crate::cluster::published::Views;
use crate::cluster::synthetic::{self, Size};
use crate::cluster::views::{drills, gitops, health, services, storage, topology};
use crate::cluster::ClusterCache;
use crate::config::TopologyConfig;

#[derive(Debug, Serialize)]
pub struct ViewTiming {
    pub view: &'static str,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct ViewsReport {
    pub pods: usize,
    pub deployments: usize,
    pub nodes: usize,
    pub iterations: usize,
    /// Resident size before the caches were filled, and after, in MiB.
    pub rss_start_mib: f64,
    pub rss_loaded_mib: f64,
    pub timings: Vec<ViewTiming>,
    /// A Pod as k3s serves it (`cluster::slim::k3s_pod`), as JSON bytes: whole, and as the
    /// caches keep it.
    pub pod_bytes_served: usize,
    pub pod_bytes_cached: usize,
}

fn json_bytes(pod: &k8s_openapi::api::core::v1::Pod) -> usize {
    serde_json::to_vec(pod).map_or(0, |v| v.len())
}

fn mib(bytes: Option<u64>) -> f64 {
    bytes
        .map(|b| b as f64 / (1024.0 * 1024.0))
        .unwrap_or(f64::NAN)
}

pub fn run(size: Size, iterations: usize) -> Result<ViewsReport, DemoError> {
    let rss_start = rss_bytes();
    let cache = ClusterCache::new();
    {
        let yaml = synthetic::yaml(size);
        demo::load_yaml(&cache, &yaml)?;
    }
    let hosts = TopologyConfig::default();
    let first = Views::compute(&cache, &hosts, 1);
    let some_service = first.services.first().map(|s| s.id.clone());
    let some_node = first.nodes.first().map(|n| n.name.clone());
    drop(first);
    type Case<'a> = (&'static str, Box<dyn Fn() -> usize + 'a>);
    let cases: Vec<Case> = vec![
        (
            "every view (one publication)",
            Box::new(|| Views::compute(&cache, &hosts, 2).services.len()),
        ),
        (
            "health",
            Box::new(|| health::summary(&cache.snapshot()).reasons.len()),
        ),
        (
            "services (catalog, Status page)",
            Box::new(|| services::catalog(&cache.snapshot()).len()),
        ),
        (
            "service detail (per request)",
            Box::new(|| {
                some_service
                    .as_deref()
                    .and_then(|id| services::detail(&cache.snapshot(), id))
                    .map_or(0, |d| d.pods.len())
            }),
        ),
        (
            "topology",
            Box::new(|| topology::topology(&cache.snapshot(), &hosts).hosts.len()),
        ),
        (
            "node detail (per request)",
            Box::new(|| {
                some_node
                    .as_deref()
                    .and_then(|n| topology::node_detail(&cache.snapshot(), n))
                    .map_or(0, |d| d.pods.len())
            }),
        ),
        (
            "backups",
            Box::new(|| {
                let snap = cache.snapshot();
                drills::backups_page(&snap, &health::summary(&snap))
                    .schedules
                    .len()
            }),
        ),
        (
            "storage",
            Box::new(|| storage::view(&cache.snapshot()).volumes.len()),
        ),
        (
            "gitops",
            Box::new(|| gitops::view(&cache.snapshot()).kustomizations.len()),
        ),
    ];
    let mut timings = Vec::new();
    for (name, case) in &cases {
        // One untimed run warms caches and allocator.
        std::hint::black_box(case());
        let mut samples: Vec<f64> = (0..iterations)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(case());
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        timings.push(ViewTiming {
            view: name,
            p50_ms: quantile(&samples, 0.5),
            p99_ms: quantile(&samples, 0.99),
            max_ms: samples.last().copied().unwrap_or_default(),
        });
    }
    let pod = crate::cluster::slim::k3s_pod();
    let mut cached = pod.clone();
    crate::cluster::slim::slim(&mut cached);
    Ok(ViewsReport {
        pods: size.pods,
        deployments: size.deployments,
        nodes: size.nodes(),
        iterations,
        rss_start_mib: mib(rss_start),
        rss_loaded_mib: mib(rss_bytes()),
        timings,
        pod_bytes_served: json_bytes(&pod),
        pod_bytes_cached: json_bytes(&cached),
    })
}

/// The report as the table docs/benchmarks.md shows.
pub fn table(r: &ViewsReport) -> String {
    let mut out = format!(
        "Views over a synthetic cluster: {} pods, {} deployments, {} nodes ({} runs each)\n\n\
         | view | p50 | p99 | max | target |\n|---|---|---|---|---|\n",
        r.pods, r.deployments, r.nodes, r.iterations
    );
    for t in &r.timings {
        // A publication runs once per burst of changes, off the request path: what it must meet
        // is a change reaching the pages within a second.
        let (limit, label) = if t.view.starts_with("every view") {
            (1000.0, "< 1 s")
        } else {
            (5.0, "< 5 ms")
        };
        let verdict = if t.p99_ms < limit { "met" } else { "MISSED" };
        out.push_str(&format!(
            "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {label}: {verdict} |\n",
            t.view, t.p50_ms, t.p99_ms, t.max_ms
        ));
    }
    out.push_str(&format!(
        "\nResident memory: {:.1} MiB before loading, {:.1} MiB with the caches filled \
         (target < 150 MB: {}).\n",
        r.rss_start_mib,
        r.rss_loaded_mib,
        if r.rss_loaded_mib * 1.048_576 < 150.0 {
            "met"
        } else {
            "MISSED"
        }
    ));
    out.push_str(&format!(
        "A Pod as k3s serves it: {} bytes of JSON; as the caches keep it: {} bytes.\n",
        r.pod_bytes_served, r.pod_bytes_cached
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_times_every_view() {
        let r = run(
            Size {
                pods: 200,
                deployments: 20,
            },
            3,
        )
        .unwrap();
        assert_eq!(r.timings.len(), 9);
        assert!(r.timings.iter().all(|t| t.max_ms >= t.p50_ms));
        assert!(table(&r).contains("| topology |"));
    }
}
