//! Events, as object pages and the Events page list them: newest first, the type as a badge,
//! the count, first and last seen.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::when::When;
use crate::model::events::EventRow;

/// The events about an object (`with_object` when they are about several: a service's pods,
/// a node and its pods, or the whole cluster). `now` is the views' now, for the ages.
#[component]
pub fn EventTable(
    events: Vec<EventRow>,
    now: i64,
    #[prop(optional)] with_object: bool,
    #[prop(default = "Events")] caption: &'static str,
) -> impl IntoView {
    if events.is_empty() {
        return view! { <section class="card" data-test="events"><h2>{caption}</h2><p class="muted">"No events: the API server keeps them for an hour."</p></section> }
            .into_any();
    }
    let rows = events
        .into_iter()
        .map(|e| {
            let (tone, kind) = if e.warning {
                (Tone::Warn, "Warning")
            } else {
                (Tone::Neutral, "Normal")
            };
            let object = with_object.then(|| {
                view! { <td data-label="Object">{(!e.namespace.is_empty()).then(|| format!("{}/", e.namespace))}{e.object()}</td> }
            });
            view! {
                <tr data-test="event" data-type=kind>
                    <td data-label="Type"><StatusBadge tone=tone text=kind.to_string()/></td>
                    <th scope="row" data-label="Reason">{e.reason}</th>
                    {object}
                    <td data-label="Message" class="wrap">{e.message}</td>
                    <td data-label="Count" class="num">{e.count}</td>
                    <td data-label="First seen"><When now at=e.first_seen/></td>
                    <td data-label="Last seen"><When now at=e.last_seen/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label=caption>
            <table data-test="events" class="stack">
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Type"</th><th scope="col">"Reason"</th>
                    {with_object.then(|| view! { <th scope="col">"Object"</th> })}
                    <th scope="col">"Message"</th><th scope="col">"Count"</th>
                    <th scope="col">"First seen"</th><th scope="col">"Last seen"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
    }
    .into_any()
}
