//! Pods, as the service and node pages both list them.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::model::PodSummary;

/// Pods with their state in words (the waiting or unscheduled reason when there is one, and what
/// the scheduler or the kubelet said), restarts, and the node each runs on when `with_node`. A
/// pod's name leads to its logs (the table is on admins' pages only).
#[component]
pub fn PodTable(pods: Vec<PodSummary>, #[prop(optional)] with_node: bool) -> impl IntoView {
    let rows = pods
        .into_iter()
        .map(|p| {
            let tone = if p.ready { Tone::Good } else { Tone::Bad };
            let state = p.reason.clone().unwrap_or_else(|| p.phase.clone());
            let message = p
                .message
                .map(|m| view! { <div class="small muted wrap" data-test="pod-message">{m}</div> });
            let node = with_node.then(|| {
                view! { <td>{p.node.map(|n| view! { <a href=format!("/topology/{n}")>{n.clone()}</a> })}</td> }
            });
            view! {
                <tr data-test="pod-row">
                    <th scope="row"><a href=format!("/pods/{}/{}/logs", p.namespace, p.name) title="Logs">{p.namespace.clone()}"/"{p.name.clone()}</a></th>
                    <td><StatusBadge tone=tone text=state/>{message}</td>
                    {node}
                    <td class="num">{p.restarts}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label="Pods">
            <table data-test="pods">
                <caption>"Pods"</caption>
                <thead><tr>
                    <th scope="col">"Pod"</th><th scope="col">"State"</th>
                    {with_node.then(|| view! { <th scope="col">"Node"</th> })}
                    <th scope="col">"Restarts"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
    }
}
