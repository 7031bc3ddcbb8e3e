//! Topology: the nodes of the cluster, where they run, and what they offer.

use leptos::prelude::*;

use leptos_router::hooks::use_params_map;

use crate::components::alerts::AlertTable;
use crate::components::banner::PanelProblems;
use crate::components::events::EventTable;
use crate::components::health::HealthCard;
use crate::components::live_region::{LivePanel, LiveRegion, PODS};
use crate::components::page_title::PageTitle;
use crate::components::pods::PodTable;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::model::{NodeSummary, Readiness, Topology, Usage};
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

fn percent(u: &Usage) -> u64 {
    u.requested
        .saturating_mul(100)
        .checked_div(u.allocatable)
        .unwrap_or(0)
        .min(999)
}

fn usage_text(u: &Usage) -> String {
    match u.resource.as_str() {
        "cpu" => format!(
            "CPU {} of {} cores requested",
            format_cpu(u.requested),
            format_cpu(u.allocatable)
        ),
        "memory" => format!(
            "Memory {} of {}",
            format_bytes(u.requested),
            format_bytes(u.allocatable)
        ),
        gpu => format!("{gpu}: {} of {}", u.requested, u.allocatable),
    }
}

const NODE_H: i32 = 118;
const HOST_PAD: i32 = 12;

/// The hosts and their nodes as an SVG drawn on the server: one column per host, one box per
/// node with its state in words and a bar per resource.
#[component]
fn TopologyDiagram(topology: Topology) -> impl IntoView {
    let columns = topology.hosts.len().max(1) as i32;
    let col_w = 320;
    let width = columns * (col_w + 16);
    let tallest = topology
        .hosts
        .iter()
        .map(|h| h.nodes.len() as i32)
        .max()
        .unwrap_or(0);
    let height = 48 + tallest.max(1) * (NODE_H + 10) + HOST_PAD;
    let hosts = topology
        .hosts
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let x = i as i32 * (col_w + 16);
            let h = 48 + (host.nodes.len() as i32).max(1) * (NODE_H + 10);
            let nodes = host
                .nodes
                .iter()
                .enumerate()
                .map(|(j, n)| {
                    let y = 44 + j as i32 * (NODE_H + 10);
                    let (tone, state) = node_state(&n.summary);
                    let bars = n
                        .usage
                        .iter()
                        .take(3)
                        .enumerate()
                        .map(|(k, u)| {
                            let by = y + 58 + k as i32 * 20;
                            let pct = percent(u);
                            let w = ((col_w - 40) as u64 * pct.min(100) / 100) as i32;
                            let class = if pct > 90 { "bar-fill hot" } else { "bar-fill" };
                            view! {
                                <text x=x + 20 y=by - 3 class="svg-small">{usage_text(u)}</text>
                                <rect x=x + 20 y=by width=col_w - 40 height=6 rx=3 class="bar"/>
                                <rect x=x + 20 y=by width=w height=6 rx=3 class=class/>
                            }
                        })
                        .collect_view();
                    let href = format!("/topology/{}", n.summary.name);
                    view! {
                        <a href=href>
                            <rect x=x + 10 y=y width=col_w - 20 height=NODE_H rx=8 class=format!("node {}", tone_class(tone))/>
                            <text x=x + 20 y=y + 20 class="svg-title">{n.summary.name.clone()}</text>
                            <text x=x + col_w - 20 y=y + 20 text-anchor="end" class="svg-small">{state}</text>
                            <text x=x + 20 y=y + 36 class="svg-small">{format!("{} · {} pods", n.summary.roles.join(", "), n.pods)}</text>
                            {bars}
                        </a>
                    }
                })
                .collect_view();
            view! {
                <g data-test="host" data-host=host.name.clone()>
                    <rect x=x y=0 width=col_w height=h rx=10 class="host"/>
                    <text x=x + 12 y=26 class="svg-title">{host.name.clone()}</text>
                    {nodes}
                </g>
            }
        })
        .collect_view();
    view! {
        <div class="diagram" role="region" tabindex="0" aria-label="Topology diagram">
            <svg viewBox=format!("0 0 {width} {height}") width=width height=height aria-labelledby="topo-title" data-test="topology-diagram">
                <title id="topo-title">"Hosts, the nodes on them, and what their pods request"</title>
                {hosts}
            </svg>
        </div>
    }
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "good",
        Tone::Warn => "warn",
        Tone::Bad => "bad",
        Tone::Neutral => "neutral",
    }
}

#[component]
pub fn TopologyPage() -> impl IntoView {
    let cluster = use_context::<Cluster>();
    let topology = cluster.as_ref().map(|c| c.topology()).unwrap_or(Topology {
        hosts: vec![],
        tiers: vec![],
    });
    let version = topology.version();
    let health = cluster.as_ref().map(|c| c.health());
    let problems = cluster.as_ref().map(|c| c.problems()).unwrap_or_default();
    let hosts_text = topology
        .hosts
        .iter()
        .map(|h| view! { <li><strong>{h.name.clone()}</strong>": "{h.description.clone()}</li> })
        .collect_view();
    let rows = topology
        .hosts
        .iter()
        .flat_map(|h| h.nodes.iter().map(move |n| (h.name.clone(), n.clone())))
        .map(|(host, n)| {
            let node = n.summary;
            let (tone, state) = node_state(&node);
            let gpus = if node.gpus.is_empty() {
                "none".to_string()
            } else {
                node.gpus.iter().map(|g| format!("{} × {}", g.count, g.resource)).collect::<Vec<_>>().join(", ")
            };
            view! {
                <tr data-test="node-row" data-node=node.name.clone()>
                    <th scope="row"><a href=format!("/topology/{}", node.name)>{node.name.clone()}</a></th>
                    <td>{host}</td>
                    <td>{node.roles.join(", ")}</td>
                    <td><StatusBadge tone=tone text=state/></td>
                    <td class="num">{format_cpu(node.cpu_millis)}</td>
                    <td class="num">{format_bytes(node.memory_bytes)}</td>
                    <td>{gpus}</td>
                    <td class="num">{n.pods}</td>
                    <td>{n.disk_tags.join(", ")}</td>
                    <td>{node.kubelet_version.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let tiers = topology
        .tiers
        .iter()
        .map(|t| view! { <tr data-test="tier-row"><th scope="row">{t.name.clone()}</th><td>{t.classes.join(", ")}</td><td>{t.provisioner.clone()}</td><td class="num">{t.volumes}</td></tr> })
        .collect_view();
    view! {
        <PageTitle parts=vec!["Topology".to_string()]/><h1>"Topology"</h1>
        {health.map(|h| view! { <HealthCard health=h/> })}
        <PanelProblems problems=problems kinds=&["Node", "Pod", "CSINode", "StorageClass", "Node.longhorn.io"]/>
        <LiveRegion key=Topology::KEY version>
        <TopologyDiagram topology=topology.clone()/>
        <ul class="hosts">{hosts_text}</ul>
        <TableRegion label="Nodes">
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
                        <th scope="col">"Pods"</th>
                        <th scope="col">"Disk tags"</th>
                        <th scope="col">"Kubelet"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
        <TableRegion label="Storage tiers">
            <table data-test="tiers">
                <caption>"Storage tiers"</caption>
                <thead><tr><th scope="col">"Tier"</th><th scope="col">"Classes"</th><th scope="col">"Provisioner"</th><th scope="col">"Volumes"</th></tr></thead>
                <tbody>{tiers}</tbody>
            </table>
        </TableRegion>
        </LiveRegion>
    }
}

#[component]
pub fn NodePage() -> impl IntoView {
    let params = use_params_map();
    let name = params.with_untracked(|p| p.get("node").unwrap_or_default());
    let cluster = use_context::<Cluster>();
    let pods_version = cluster.as_ref().map_or(0, |c| c.pods_version());
    let now = cluster.as_ref().map_or(0, |c| c.now());
    let alerts_problem = cluster.as_ref().and_then(|c| c.alerts().problem());
    let Some(d) = cluster.and_then(|c| c.node(&name)) else {
        crate::pages::not_found::answer_404();
        return view! { <PageTitle parts=vec!["No such node".to_string(), "Topology".to_string()]/><h1>"No such node"</h1><p><a href="/topology">"Back to Topology"</a></p> }
            .into_any();
    };
    let (tone, state) = node_state(&d.node.summary);
    let usage = d
        .node
        .usage
        .iter()
        .map(|u| view! { <li>{usage_text(u)}" ("{percent(u)}"%)"</li> })
        .collect_view();
    let conditions = d
        .conditions
        .into_iter()
        .map(|(t, s, m)| view! { <tr><th scope="row">{t}</th><td>{s}</td><td class="wrap">{m}</td></tr> })
        .collect_view();
    view! {
        <p><a href="/topology">"← Topology"</a></p>
        <PageTitle parts=vec![d.node.summary.name.clone(), "Topology".to_string()]/><h1>{d.node.summary.name.clone()}</h1>
        <section class="card">
            <StatusBadge tone=tone text=state/>
            <p>{d.node.summary.roles.join(", ")}" · kubelet "{d.node.summary.kubelet_version.clone()}" · "{d.node.summary.internal_ip.clone().unwrap_or_default()}</p>
            <ul>{usage}</ul>
            <p>"CSI drivers: "{d.node.csi_drivers.join(", ")}</p>
            {
                let (op, words) = if d.node.summary.cordoned { ("uncordon", "Uncordon…") } else { ("cordon", "Cordon…") };
                view! { <a class="button" data-test="cordon" href=format!("/actions/preview?action={op}&name={}", d.node.summary.name)>{words}</a> }
            }
        </section>
        <p><a class="button" href=format!("/incidents/nodes/{}", d.node.summary.name) data-test="incident-link">"Incident page"</a></p>
        <TableRegion label="Conditions"><table><caption>"Conditions"</caption><tbody>{conditions}</tbody></table></TableRegion>
        <LiveRegion key=PODS version=pods_version><PodTable pods=d.pods/></LiveRegion>
        <AlertTable alerts=d.alerts now problem=alerts_problem/>
            <EventTable events=d.events now with_object=true/>
    }
    .into_any()
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
