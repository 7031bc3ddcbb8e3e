//! Storage: Released volumes first (the claim they still point at, whether it exists, what to
//! do), the storage tiers with the volumes on each, persistent volumes and claims, and Longhorn
//! volumes and nodes (or why Longhorn cannot be shown).

use leptos::prelude::*;

use crate::components::banner::PanelProblems;
use crate::components::live_region::{LivePanel, LiveRegion};
use crate::components::page_title::PageTitle;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::model::{Robustness, StorageView, VolumeRow};
use crate::pages::topology::format_bytes;
use crate::source::Cluster;

const KINDS: &[&str] = &["PersistentVolume", "PersistentVolumeClaim", "StorageClass"];
const LONGHORN_KINDS: &[&str] = &["Volume", "Node.longhorn.io"];

fn volume_phase_tone(phase: &str) -> Tone {
    match phase {
        "Bound" => Tone::Good,
        "Available" => Tone::Neutral,
        "Released" | "Pending" => Tone::Warn,
        "Failed" | "Lost" => Tone::Bad,
        _ => Tone::Neutral,
    }
}

pub fn robustness_tone(r: Robustness) -> Tone {
    match r {
        Robustness::Healthy => Tone::Good,
        Robustness::Degraded => Tone::Warn,
        Robustness::Faulted => Tone::Bad,
        Robustness::Unknown => Tone::Neutral,
    }
}

fn yes_no(ok: bool, yes: &'static str, no: &'static str) -> impl IntoView {
    if ok {
        view! { <StatusBadge tone=Tone::Good text=yes/> }
    } else {
        view! { <StatusBadge tone=Tone::Warn text=no/> }
    }
}

#[component]
fn ReleasedVolumes(volumes: Vec<VolumeRow>) -> impl IntoView {
    let items = volumes
        .into_iter()
        .filter_map(|v| {
            let r = v.released?;
            // Prefilled with the claim it points at: a recreated claim of that name is the usual
            // one to hand the volume to.
            let (claim_ns, claim_name) = r
                .claim
                .split_once('/')
                .map(|(n, c)| (n.to_owned(), c.to_owned()))
                .unwrap_or_default();
            let state = match (r.exists, &r.phase) {
                (false, _) => "no longer exists".to_string(),
                (true, Some(p)) => format!("exists, {p}"),
                (true, None) => "exists".to_string(),
            };
            Some(view! {
                <li data-test="released-volume" data-volume=v.name.clone() data-claim=r.claim.clone() data-claim-exists=r.exists.to_string()>
                    <strong>{v.name.clone()}</strong>
                    " ("{v.capacity.clone().unwrap_or_default()}", "{v.storage_class.clone().unwrap_or_default()}") still points at "
                    <strong>{r.claim.clone()}</strong>": "
                    <StatusBadge tone=if r.exists { Tone::Warn } else { Tone::Bad } text=state/>
                    <div class="small">{r.hint.clone()}</div>
                    <a class="button" data-test="clear-claim-ref" href=format!("/actions/preview?action=clear-claim-ref&name={}", v.name)>"Clear claimRef…"</a>
                    <form method="get" action="/actions/preview" class="inline" data-test="point-claim-ref">
                        <input type="hidden" name="action" value="point-claim-ref"/>
                        <input type="hidden" name="name" value=v.name.clone()/>
                        <label for=format!("pc-ns-{}", v.name)>"or point it at claim: namespace "</label>
                        <input id=format!("pc-ns-{}", v.name) name="claim_namespace" value=claim_ns size="12" required/>
                        <label for=format!("pc-name-{}", v.name)>" name "</label>
                        <input id=format!("pc-name-{}", v.name) name="claim" value=claim_name size="16" required/>
                        <button type="submit">"Point at claim…"</button>
                    </form>
                </li>
            })
        })
        .collect::<Vec<_>>();
    (!items.is_empty()).then(|| {
        view! {
            <section class="card released" data-test="released-volumes" aria-labelledby="released-title">
                <h2 id="released-title">{format!("Released volumes: {}", items.len())}</h2>
                <p class="small">"A Released volume keeps its data but binds to no claim until its claimRef is cleared."</p>
                <ul class="reasons">{items}</ul>
            </section>
        }
    })
}

#[component]
pub fn StoragePage() -> impl IntoView {
    let cluster = use_context::<Cluster>();
    let Some(data) = cluster.as_ref().map(|c| c.storage()) else {
        return view! { <PageTitle parts=vec!["Storage".to_string()]/><h1>"Storage"</h1> }
            .into_any();
    };
    let problems = cluster.as_ref().map(|c| c.problems()).unwrap_or_default();
    let longhorn_missing = problems
        .iter()
        .any(|p| p.kind() == "Volume" || p.kind() == "Node.longhorn.io");
    let version = data.version();
    let StorageView {
        volumes,
        claims,
        tiers,
        longhorn_volumes,
        longhorn_nodes,
    } = data;
    let tier_rows = tiers
        .iter()
        .map(|t| {
            let on: Vec<String> = volumes
                .iter()
                .filter(|v| {
                    v.storage_class
                        .as_ref()
                        .is_some_and(|c| t.classes.contains(c))
                })
                .map(|v| v.claim.clone().unwrap_or_else(|| v.name.clone()))
                .collect();
            view! {
                <tr data-test="tier-row" data-tier=t.name.clone()>
                    <th scope="row">{t.name.clone()}</th>
                    <td>{t.classes.join(", ")}</td>
                    <td class="num">{t.volumes}</td>
                    <td class="wrap small">{on.join(", ")}</td>
                </tr>
            }
        })
        .collect_view();
    let volume_rows = volumes
        .iter()
        .map(|v| {
            let released = v.released.is_some();
            let claim_note = v.released.as_ref().map(|r| {
                let text = if r.exists { "claim exists" } else { "claim missing" };
                view! { <div class="small">{text}</div> }
            });
            view! {
                <tr data-test="volume-row" data-volume=v.name.clone() data-phase=v.phase.clone() class:released=released>
                    <th scope="row"><a href=format!("/events?kind=PersistentVolume&name={}", v.name) title="Events">{v.name.clone()}</a></th>
                    <td><StatusBadge tone=volume_phase_tone(&v.phase) text=v.phase.clone()/></td>
                    <td class="num">{v.capacity.clone().unwrap_or_default()}</td>
                    <td>{v.storage_class.clone().unwrap_or_default()}</td>
                    <td>{v.claim.clone().unwrap_or_default()}{claim_note}</td>
                    <td>{v.reclaim_policy.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let claim_rows = claims
        .into_iter()
        .map(|c| {
            view! {
                <tr data-test="claim-row" data-claim=format!("{}/{}", c.namespace, c.name) data-phase=c.phase.clone()>
                    <th scope="row"><a href=format!("/events?kind=PersistentVolumeClaim&namespace={}&name={}", c.namespace, c.name) title="Events">{c.namespace.clone()}"/"{c.name.clone()}</a></th>
                    <td><StatusBadge tone=volume_phase_tone(&c.phase) text=c.phase.clone()/></td>
                    <td class="num">{c.capacity.clone().unwrap_or_default()}</td>
                    <td>{c.storage_class.clone().unwrap_or_default()}</td>
                    <td>{c.volume.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let longhorn_volume_rows = longhorn_volumes
        .iter()
        .map(|v| {
            view! {
                <tr data-test="longhorn-volume-row" data-volume=v.name.clone() data-robustness=format!("{:?}", v.robustness).to_lowercase()>
                    <th scope="row">{v.claim.clone().unwrap_or_else(|| v.name.clone())}<div class="muted small">{v.name.clone()}</div></th>
                    <td data-label="Robustness"><StatusBadge tone=robustness_tone(v.robustness) text=v.robustness.words()/></td>
                    <td data-label="State">{v.state.clone()}</td>
                    <td data-label="Attached to">{v.node.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="num" data-label="Size">{v.size_bytes.map(format_bytes).unwrap_or_default()}</td>
                    <td class="num" data-label="Replicas">{v.replicas.map(|r| r.to_string()).unwrap_or_default()}</td>
                    <td data-label="Disks">{if v.disk_selector.is_empty() { "any disk".to_string() } else { v.disk_selector.join(", ") }}</td>
                </tr>
            }
        })
        .collect_view();
    let longhorn_node_rows = longhorn_nodes
        .iter()
        .map(|n| {
            let mut tags: Vec<String> = n.disks.iter().flat_map(|d| d.tags.clone()).collect();
            tags.sort();
            tags.dedup();
            let disks = n
                .disks
                .iter()
                .map(|d| {
                    view! {
                        <li>
                            <strong>{d.name.clone()}</strong>
                            {(!d.tags.is_empty()).then(|| format!(" [{}]", d.tags.join(", ")))}
                            ": "{format_bytes(d.schedulable_bytes)}" free of "{format_bytes(d.maximum_bytes)}
                            {(!d.schedulable).then_some(" (not schedulable)")}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <tr data-test="longhorn-node-row" data-node=n.name.clone()>
                    <th scope="row">{n.name.clone()}</th>
                    <td data-label="Ready">{yes_no(n.ready, "Ready", "Not ready")}</td>
                    <td data-label="Replicas">{yes_no(n.schedulable, "Schedulable", "Not schedulable")}</td>
                    <td data-label="Disk tags">{if tags.is_empty() { "none".to_string() } else { tags.join(", ") }}<div class="muted small">{n.tags.join(", ")}</div></td>
                    <td class="num" data-label="Schedulable space">{format_bytes(n.schedulable_bytes)}</td>
                    <td class="wrap" data-label="Disks"><details><summary>{format!("{} disk{}", n.disks.len(), if n.disks.len() == 1 { "" } else { "s" })}</summary><ul class="disks">{disks}</ul></details></td>
                </tr>
            }
        })
        .collect_view();
    let longhorn_empty = (longhorn_volumes.is_empty() && longhorn_nodes.is_empty() && !longhorn_missing)
        .then(|| view! { <p class="muted" data-test="longhorn-empty">"Longhorn reports no volumes and no nodes."</p> });
    view! {
        <PageTitle parts=vec!["Storage".to_string()]/><h1>"Storage"</h1>
        <PanelProblems problems=problems.clone() kinds=KINDS/>
        <LiveRegion key=StorageView::KEY version>
        <ReleasedVolumes volumes=volumes.clone()/>
        <TableRegion label="Storage tiers">
            <table data-test="tiers">
                <caption>"Storage tiers"</caption>
                <thead><tr><th scope="col">"Tier"</th><th scope="col">"Classes"</th><th scope="col">"Volumes"</th><th scope="col">"Used by"</th></tr></thead>
                <tbody>{tier_rows}</tbody>
            </table>
        </TableRegion>
        <TableRegion label="Persistent volumes">
            <table data-test="volumes">
                <caption>"Persistent volumes"</caption>
                <thead><tr><th scope="col">"Volume"</th><th scope="col">"Phase"</th><th scope="col">"Capacity"</th><th scope="col">"Class"</th><th scope="col">"Claim"</th><th scope="col">"Reclaim"</th></tr></thead>
                <tbody>{volume_rows}</tbody>
            </table>
        </TableRegion>
        <TableRegion label="Persistent volume claims">
            <table data-test="claims">
                <caption>"Persistent volume claims"</caption>
                <thead><tr><th scope="col">"Claim"</th><th scope="col">"Phase"</th><th scope="col">"Size"</th><th scope="col">"Class"</th><th scope="col">"Volume"</th></tr></thead>
                <tbody>{claim_rows}</tbody>
            </table>
        </TableRegion>
        <h2>"Longhorn"</h2>
        <PanelProblems problems=problems kinds=LONGHORN_KINDS/>
        {longhorn_empty}
        {(!longhorn_volumes.is_empty()).then(|| view! {
            <TableRegion label="Longhorn volumes">
                <table data-test="longhorn-volumes" class="stack">
                    <caption>"Longhorn volumes"</caption>
                    <thead><tr><th scope="col">"Volume"</th><th scope="col">"Robustness"</th><th scope="col">"State"</th><th scope="col">"Attached to"</th><th scope="col">"Size"</th><th scope="col">"Replicas"</th><th scope="col">"Disks"</th></tr></thead>
                    <tbody>{longhorn_volume_rows}</tbody>
                </table>
            </TableRegion>
        })}
        {(!longhorn_nodes.is_empty()).then(|| view! {
            <TableRegion label="Longhorn nodes">
                <table data-test="longhorn-nodes" class="stack">
                    <caption>"Longhorn nodes"</caption>
                    <thead><tr><th scope="col">"Node"</th><th scope="col">"Ready"</th><th scope="col">"Replicas"</th><th scope="col">"Disk tags"</th><th scope="col">"Schedulable space"</th><th scope="col">"Disks"</th></tr></thead>
                    <tbody>{longhorn_node_rows}</tbody>
                </table>
            </TableRegion>
        })}
        </LiveRegion>
    }
    .into_any()
}
