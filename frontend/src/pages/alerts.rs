//! Alerts: what Alertmanager holds, firing first, then the silenced ones and the silences in
//! force, with the state of the source (read when, or unreachable since when and why).

use leptos::prelude::*;

use crate::components::alerts::AlertTable;
use crate::components::page_title::PageTitle;
use crate::components::table_region::TableRegion;
use crate::components::when::When;
use crate::model::alerts::{AlertSource, AlertsView};
use crate::source::Cluster;

#[component]
pub fn AlertsPage() -> impl IntoView {
    let Some(cluster) = use_context::<Cluster>() else {
        return view! { <PageTitle parts=vec!["Alerts".to_string()]/><h1>"Alerts"</h1> }.into_any();
    };
    let now = cluster.now();
    let view = cluster.alerts();
    let problem = view.problem();
    let AlertsView {
        source,
        url,
        alerts,
        silences,
    } = view;
    let read = match source {
        AlertSource::Live { as_of } => Some(as_of),
        AlertSource::Unreachable { as_of, .. } => as_of,
        _ => None,
    };
    let (firing, silenced): (Vec<_>, Vec<_>) = alerts.into_iter().partition(|a| a.is_firing());
    let silence_rows = silences
        .into_iter()
        .map(|s| {
            view! {
                <tr data-test="silence" data-silence=s.id.clone()>
                    <th scope="row" data-label="Matchers"><code>{s.matchers.join(", ")}</code></th>
                    <td data-label="Comment" class="wrap">{s.comment}</td>
                    <td data-label="By">{s.created_by}</td>
                    <td data-label="Ends"><When now at=s.ends/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <PageTitle parts=vec!["Alerts".to_string()]/><h1>"Alerts"</h1>
        <p class="muted" data-test="alerts-source">
            {url.map(|u| view! { "From "<a href=u.clone()>{u.clone()}</a>"; " })}
            {read.map(|t| view! { "read "<When now at=Some(t)/>"." })}
        </p>
        <AlertTable alerts=firing now problem caption="Firing"/>
        <AlertTable alerts=silenced now problem=None caption="Silenced or inhibited"/>
        <TableRegion label="Silences in force">
            <table data-test="silences" class="stack">
                <caption>"Silences in force"</caption>
                <thead><tr><th scope="col">"Matchers"</th><th scope="col">"Comment"</th><th scope="col">"By"</th><th scope="col">"Ends"</th></tr></thead>
                <tbody>{silence_rows}</tbody>
            </table>
        </TableRegion>
    }
    .into_any()
}
