//! Events: every event the watch cache holds, filtered by type, namespace, kind, reason, object
//! name and text, newest first. The query string is the filter, so a filtered view is a link
//! (the volume and backup tables link to their object's events).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::banner::PanelProblems;
use crate::components::events::EventTable;
use crate::components::page_title::PageTitle;
use crate::model::events::{EventFilter, EventsView};
use crate::source::Cluster;

/// A select of the values one filter can take, "any" first.
fn choice(
    label: &'static str,
    name: &'static str,
    values: Vec<String>,
    chosen: &str,
) -> impl IntoView {
    let options = values
        .into_iter()
        .map(|v| {
            let selected = v == chosen;
            let label = v.clone();
            view! { <option value=v selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <label>{label}<select name=name><option value="">"any"</option>{options}</select></label>
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = query.with_untracked(|q| {
        let get = |k: &str| q.get(k).unwrap_or_default();
        EventFilter {
            type_: get("type"),
            namespace: get("namespace"),
            kind: get("kind"),
            name: get("name"),
            reason: get("reason"),
            text: get("text"),
        }
    });
    let cluster = use_context::<Cluster>();
    let Some(cluster) = cluster else {
        return view! { <PageTitle parts=vec!["Events".to_string()]/><h1>"Events"</h1> }.into_any();
    };
    let now = cluster.now();
    let problems = cluster.problems();
    let EventsView {
        filter,
        rows,
        matched,
        total,
        namespaces,
        kinds,
        reasons,
        problem,
    } = cluster.events(filter);
    if problem.is_some() {
        crate::pages::not_found::answer_400();
    }
    let types = vec!["Warning".to_string(), "Normal".to_string()];
    let count = match (matched, rows.len()) {
        (m, shown) if m > shown => {
            format!("{m} of {total} events match; the newest {shown} are shown.")
        }
        (1, _) => format!("1 of {total} events matches."),
        (m, _) => format!("{m} of {total} events match."),
    };
    view! {
        <PageTitle parts=vec!["Events".to_string()]/><h1>"Events"</h1>
        <PanelProblems problems=problems kinds=&["Event"]/>
        <form method="get" action="/events" class="filters card" data-test="event-filters">
            {choice("Type", "type", types, &filter.type_)}
            {choice("Namespace", "namespace", namespaces, &filter.namespace)}
            {choice("Kind", "kind", kinds, &filter.kind)}
            {choice("Reason", "reason", reasons, &filter.reason)}
            <label>"Object name"<input type="text" name="name" value=filter.name.clone() maxlength="253"/></label>
            <label>"Text"<input type="search" name="text" value=filter.text.clone() maxlength="253"/></label>
            <button type="submit">"Filter"</button>
            " "<a href="/events">"Clear"</a>
        </form>
        {match problem {
            Some(p) => view! { <p class="error" role="alert" data-test="events-problem">{p}</p> }.into_any(),
            None => view! {
                <p data-test="events-count">{count}</p>
                <EventTable events=rows now with_object=true caption="Events, newest first"/>
            }.into_any(),
        }}
    }
    .into_any()
}
