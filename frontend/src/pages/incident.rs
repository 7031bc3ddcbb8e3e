//! An incident page: a service's or a node's status now and over its recorded days, what changed
//! in the last day, its Warning events, its alerts, its pods, volumes and last backups, on one
//! screen; and "Start an AAR", which writes a draft with the window, the names and the evidence
//! already in its timeline. The server's handler (`http::incidents`) provides [`Incident`].

use leptos::prelude::*;

use crate::components::alerts::AlertTable;
use crate::components::events::EventTable;
use crate::components::page_title::PageTitle;
use crate::components::pods::PodTable;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::uptime::UptimeBar;
use crate::components::when::{utc, When};
use crate::context::request_context;
use crate::model::incident::{Incident, Subject};

#[component]
pub fn IncidentPage() -> impl IntoView {
    let Some(i) = use_context::<Incident>() else {
        crate::pages::not_found::answer_404();
        return view! { <PageTitle parts=vec!["No such service or node".to_string(), "Incident".to_string()]/><h1>"No such service or node"</h1> }.into_any();
    };
    let now = i.now;
    let back = match &i.subject {
        Subject::Service { id, .. } => (format!("/services/{id}"), "← Service"),
        Subject::Node { name } => (format!("/topology/{name}"), "← Node"),
    };
    let began = match i.began {
        Some(t) => view! { <p data-test="incident-began">"Trouble began "<When now at=Some(t)/>" ("{utc(t)}"), at the first Warning event or alert."</p> }.into_any(),
        None => view! { <p class="muted" data-test="incident-began">"No Warning event or alert names it."</p> }.into_any(),
    };
    let changes = if i.changes.is_empty() {
        view! { <p class="muted">"Nothing changed in the last day."</p> }.into_any()
    } else {
        let items = i
            .changes
            .into_iter()
            .map(|c| view! { <li data-test="incident-change"><When now at=Some(c.at)/>": "{c.what}</li> })
            .collect_view();
        view! { <ul>{items}</ul> }.into_any()
    };
    let claims = i
        .claims
        .into_iter()
        .map(|c| view! { <tr><th scope="row">{c.name}</th><td>{c.phase}</td><td>{c.volume.unwrap_or_default()}</td></tr> })
        .collect_view();
    let backups = i
        .backups
        .into_iter()
        .map(|b| view! { <tr data-test="incident-backup"><th scope="row">{b.name}</th><td>{b.phase}</td><td><When now at=b.started/></td></tr> })
        .collect_view();
    view! {
        <p><a href=back.0>{back.1}</a></p>
        <PageTitle parts=vec![i.subject.title().to_string(), "Incident".to_string()]/><h1>"Incident: "{i.subject.title().to_string()}</h1>
        <section class="card">
            <StatusBadge tone=if i.healthy { Tone::Good } else { Tone::Bad } text=i.status/>
            {began}
            {i.history.map(|h| view! { <UptimeBar history=h/> })}
            <form method="post" action="/incidents/aar" data-test="start-aar">
                <input type="hidden" name="csrf" value=request_context().csrf/>
                <input type="hidden" name="subject" value=i.subject.key()/>
                <button type="submit" class="primary">"Start an AAR"</button>
                <span class="small muted">" A draft with the window, the names and the evidence in its timeline, for you to finish."</span>
            </form>
        </section>
        <section class="card"><h2>"Changes in the last day"</h2>{changes}</section>
        <AlertTable alerts=i.alerts now problem=i.alerts_problem/>
        <EventTable events=i.warnings now with_object=true caption="Warning events"/>
        <PodTable pods=i.pods with_node=true/>
        <TableRegion label="Volumes"><table class="stack"><caption>"Volumes"</caption>
            <thead><tr><th scope="col">"Claim"</th><th scope="col">"Phase"</th><th scope="col">"Volume"</th></tr></thead>
            <tbody>{claims}</tbody></table></TableRegion>
        <TableRegion label="Last backups of its namespace"><table class="stack"><caption>"Last backups of its namespace"</caption>
            <thead><tr><th scope="col">"Backup"</th><th scope="col">"Phase"</th><th scope="col">"Started"</th></tr></thead>
            <tbody>{backups}</tbody></table></TableRegion>
    }
    .into_any()
}
