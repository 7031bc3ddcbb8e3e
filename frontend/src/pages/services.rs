//! The service catalog: every app by category with its status and URL, and a detail page per
//! service (workloads, pods, claims, recent warnings).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::alerts::AlertTable;
use crate::components::banner::PanelProblems;
use crate::components::events::EventTable;
use crate::components::live_region::{LiveRegion, PODS};
use crate::components::page_title::PageTitle;
use crate::components::pods::PodTable;
use crate::components::route_checks::RouteCheckTable;
use crate::components::status_badge::LiveServiceBadge;
use crate::components::table_region::TableRegion;
use crate::model::{Audience, Role, ServiceEntry};
use crate::source::Cluster;

const KINDS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "HTTPRoute", "Pod"];

fn is_admin() -> bool {
    crate::context::request_context()
        .viewer
        .is_some_and(|v| v.role == Role::Admin)
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    let cluster = use_context::<Cluster>();
    let admin = is_admin();
    // Family members see the family services; admins see everything.
    let services: Vec<ServiceEntry> = cluster
        .as_ref()
        .map(|c| c.services())
        .unwrap_or_default()
        .into_iter()
        .filter(|s| admin || s.audience == Audience::Family)
        .collect();
    let problems = cluster.as_ref().map(|c| c.problems()).unwrap_or_default();
    let mut categories: Vec<String> = services.iter().map(|s| s.category.clone()).collect();
    categories.dedup();
    let sections = categories
        .into_iter()
        .map(|category| {
            let rows = services
                .iter()
                .filter(|s| s.category == category)
                .map(|s| {
                    let ready: u32 = s.workloads.iter().map(|w| w.ready).sum();
                    let desired: u32 = s.workloads.iter().map(|w| w.desired).sum();
                    let href = format!("/services/{}", s.id);
                    view! {
                        <tr data-test="service-row" data-service=s.id.clone() data-status=s.status.as_str()>
                            <th scope="row"><a href=href>{s.name.clone()}</a></th>
                            <td><LiveServiceBadge id=s.id.clone() name=s.name.clone() status=s.status/></td>
                            <td class="num">{format!("{ready}/{desired}")}</td>
                            <td>{s.url.clone().map(|u| view! { <a href=u.clone()>{u.trim_start_matches("https://").to_string()}</a> })}</td>
                            <td class="wrap">{s.description.clone()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <TableRegion label=category.clone()>
                    <table data-test="service-table">
                        <caption>{category.clone()}</caption>
                        <thead><tr>
                            <th scope="col">"Service"</th><th scope="col">"Status"</th>
                            <th scope="col">"Ready"</th><th scope="col">"URL"</th><th scope="col">"About"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </TableRegion>
            }
        })
        .collect_view();
    view! {
        <PageTitle parts=vec!["Services".to_string()]/><h1>"Services"</h1>
        <PanelProblems problems=problems kinds=KINDS/>
        <div class="stack">{sections}</div>
    }
}

#[component]
pub fn ServiceDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| {
        format!(
            "{}/{}",
            p.get("namespace").unwrap_or_default(),
            p.get("name").unwrap_or_default()
        )
    });
    let admin = is_admin();
    let cluster = use_context::<Cluster>();
    let pods_version = cluster.as_ref().map_or(0, |c| c.pods_version());
    let now = cluster.as_ref().map_or(0, |c| c.now());
    let alerts_problem = cluster.as_ref().and_then(|c| c.alerts().problem());
    let detail = cluster
        .and_then(|c| c.service(&id))
        .filter(|d| admin || d.entry.audience == Audience::Family);
    let Some(d) = detail else {
        crate::pages::not_found::answer_404();
        return view! { <PageTitle parts=vec!["No such service".to_string(), "Services".to_string()]/><h1>"No such service"</h1><p><a href="/services">"Back to Services"</a></p> }.into_any();
    };
    let e = d.entry;
    let workloads = e
        .workloads
        .iter()
        .map(|w| {
            // Deployments and StatefulSets scale through the guarded action's preview.
            let scalable = w.kind == "Deployment" || w.kind == "StatefulSet";
            let scale = scalable.then(|| {
                let label = format!("Replicas for {} {}", w.kind, w.name);
                view! {
                    <form method="get" action="/actions/preview" class="inline" data-test="scale-form">
                        <input type="hidden" name="action" value="scale"/>
                        <input type="hidden" name="kind" value=w.kind.clone()/>
                        <input type="hidden" name="namespace" value=w.namespace.clone()/>
                        <input type="hidden" name="name" value=w.name.clone()/>
                        <input type="number" name="replicas" min="0" value=w.desired.to_string() aria-label=label class="narrow"/>
                        <button type="submit">"Scale…"</button>
                    </form>
                    " "
                    <a class="button" data-test="restart" href=format!("/actions/preview?action=restart&kind={}&namespace={}&name={}", w.kind, w.namespace, w.name)>"Restart…"</a>
                }
            });
            view! { <tr><th scope="row">{w.kind.clone()}" "{w.name.clone()}</th><td class="num">{format!("{}/{}", w.ready, w.desired)}</td><td>{scale}</td></tr> }
        })
        .collect_view();
    let claims = d
        .claims
        .into_iter()
        .map(|c| view! { <tr><th scope="row">{c.name}</th><td>{c.phase}</td><td>{c.storage_class.unwrap_or_default()}</td><td>{c.capacity.unwrap_or_default()}</td></tr> })
        .collect_view();
    view! {
        <p><a href="/services">"← Services"</a></p>
        <PageTitle parts=vec![e.name.clone(), "Services".to_string()]/><h1>{e.name.clone()}</h1>
        <section class="card">
            <LiveServiceBadge id=e.id.clone() name=e.name.clone() status=e.status/>
            {e.url.clone().map(|u| view! { " "<a href=u.clone()>{u.clone()}</a> })}
            <p>{e.description.clone()}</p>
        </section>
        {admin.then(|| view! {
            <p><a class="button" href=format!("/incidents/services/{}", e.id) data-test="incident-link">"Incident page"</a></p>
            <TableRegion label="Workloads"><table><caption>"Workloads"</caption><tbody>{workloads}</tbody></table></TableRegion>
            <LiveRegion key=PODS version=pods_version><PodTable pods=d.pods with_node=true/></LiveRegion>
            <TableRegion label="Volume claims"><table><caption>"Volume claims"</caption>
                <thead><tr><th scope="col">"Claim"</th><th scope="col">"Phase"</th><th scope="col">"Class"</th><th scope="col">"Size"</th></tr></thead>
                <tbody>{claims}</tbody></table></TableRegion>
            <RouteCheckTable checks=d.checks now cert_warn_days=d.cert_warn_days/>
            <AlertTable alerts=d.alerts now problem=alerts_problem/>
            <EventTable events=d.events now with_object=true/>
        })}
    }
    .into_any()
}
