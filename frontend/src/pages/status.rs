//! The family Status page: is Plex up? Family-audience services only, big and clear on a phone,
//! each with its status in words and colour and a link; nothing about internals. Admins also see
//! the cluster health summary above it.

use leptos::prelude::*;

use crate::components::health::HealthCard;
use crate::components::notices::NoticeList;
use crate::components::page_title::PageTitle;
use crate::components::status_badge::{LiveServiceBadge, StatusBadge, Tone};
use crate::components::uptime::UptimeBar;
use crate::context::request_context;
use crate::model::{Audience, Role, ServiceStatus};
use crate::source::{Cluster, History, Notices};

#[component]
pub fn StatusPage() -> impl IntoView {
    let cluster = use_context::<Cluster>();
    let history = use_context::<History>();
    let notices = use_context::<Notices>();
    let now = notices.as_ref().map(|n| n.now()).unwrap_or_default();
    let current = notices.map(|n| n.current()).unwrap_or_default();
    let in_maintenance = |id: &str| {
        current
            .iter()
            .any(|n| n.maintenance && n.holds_at(now) && n.about(id))
    };
    let admin = request_context()
        .viewer
        .is_some_and(|v| v.role == Role::Admin);
    let services: Vec<_> = cluster
        .as_ref()
        .map(|c| c.services())
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.audience == Audience::Family)
        .collect();
    // A service in a maintenance window is expected to be off: it is not "not working".
    let all_up = services
        .iter()
        .all(|s| s.status == ServiceStatus::Up || in_maintenance(&s.id));
    let headline = if services.is_empty() {
        "No services to show yet"
    } else if all_up {
        "Everything is working"
    } else {
        "Something is not working"
    };
    let names: Vec<(String, String)> = services
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let cards = services
        .into_iter()
        .map(|s| {
            let link = s.url.clone().map(|u| {
                let host = u.trim_start_matches("https://").to_string();
                view! { <a class="open" href=u>{host}</a> }
            });
            let past = history.as_ref().and_then(|h| h.history(&s.id));
            // "Since" only when the recorder has seen the status the page shows.
            let since = past
                .as_ref()
                .filter(|p| p.status == Some(s.status))
                .and_then(|p| p.since_label.clone())
                .map(|label| view! { <span class="since" data-test="since">"Since " {label}</span> });
            let bar = past.map(|p| view! { <UptimeBar history=p/> });
            // In a maintenance window the card says so instead of its live status.
            let maintenance = in_maintenance(&s.id);
            let badge = if maintenance {
                view! { <StatusBadge tone=Tone::Neutral text="Maintenance"/> }.into_any()
            } else {
                view! { <LiveServiceBadge id=s.id.clone() name=s.name.clone() status=s.status family=true/> }.into_any()
            };
            let shown = if maintenance { "maintenance" } else { s.status.as_str() };
            view! {
                <li class="service-card" data-test="family-service" data-service=s.id.clone() data-status=shown>
                    <span class="service-name">{s.name}</span>
                    {badge}
                    {since}
                    {link}
                    {bar}
                </li>
            }
        })
        .collect_view();
    view! {
        <PageTitle parts=vec!["Status".to_string()]/><h1>"Status"</h1>
        {admin.then(|| cluster.as_ref().map(|c| view! { <HealthCard health=c.health()/> }))}
        <p class="headline" data-test="status-headline">{headline}</p>
        <NoticeList notices=current.clone() now names admin/>
        {admin.then(|| view! { <p><a href="/notices" data-test="post-notice">"Post a notice or a maintenance window"</a></p> })}
        <ul class="service-cards">{cards}</ul>
    }
}
