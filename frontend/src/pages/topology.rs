//! Topology: the nodes of the cluster, where they run, and what they offer.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::model::{NodeSummary, Readiness};
use crate::source::Cluster;

/// Bytes as the largest binary unit that keeps a number of at least 1 (e.g. "384 GiB").
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Millicores as cores ("64", "3.5").
pub fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{:.1}", millis as f64 / 1000.0)
    }
}

fn node_state(node: &NodeSummary) -> (Tone, String) {
    match (node.ready, node.cordoned) {
        (Readiness::Ready, false) if node.problems.is_empty() => (Tone::Good, "Ready".into()),
        (Readiness::Ready, true) => (Tone::Warn, "Ready, cordoned".into()),
        (Readiness::Ready, false) => (Tone::Warn, format!("Ready, {}", node.problems.join(", "))),
        (Readiness::NotReady, _) => (Tone::Bad, "Not ready".into()),
        (Readiness::Unknown, _) => (Tone::Bad, "Unknown".into()),
    }
}

#[component]
pub fn TopologyPage() -> impl IntoView {
    let nodes = use_context::<Cluster>()
        .map(|c| c.nodes())
        .unwrap_or_default();
    let rows = nodes
        .into_iter()
        .map(|node| {
            let (tone, state) = node_state(&node);
            let gpus = if node.gpus.is_empty() {
                "none".to_string()
            } else {
                node.gpus
                    .iter()
                    .map(|g| format!("{} × {}", g.count, g.resource))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            view! {
                <tr data-test="node-row" data-node=node.name.clone()>
                    <th scope="row">{node.name.clone()}</th>
                    <td>{node.host.clone().unwrap_or_else(|| "unknown".into())}</td>
                    <td>{node.roles.join(", ")}</td>
                    <td><StatusBadge tone=tone text=state/></td>
                    <td class="num">{format_cpu(node.cpu_millis)}</td>
                    <td class="num">{format_bytes(node.memory_bytes)}</td>
                    <td>{gpus}</td>
                    <td>{node.kubelet_version.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1>"Topology"</h1>
        <div class="table-wrap">
            <table data-test="nodes">
                <caption>"Nodes"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Node"</th>
                        <th scope="col">"Host"</th>
                        <th scope="col">"Roles"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"CPU"</th>
                        <th scope="col">"Memory"</th>
                        <th scope="col">"GPUs"</th>
                        <th scope="col">"Kubelet"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_the_largest_unit_that_fits() {
        assert_eq!(format_bytes(384 * 1024 * 1024 * 1024), "384 GiB");
        assert_eq!(format_bytes(1536 * 1024 * 1024), "1.5 GiB");
        assert_eq!(format_bytes(512), "512 B");
    }

    #[test]
    fn cpu_shows_whole_cores_without_decimals() {
        assert_eq!(format_cpu(64_000), "64");
        assert_eq!(format_cpu(3_500), "3.5");
    }
}
