//! What the cluster and the audit log recorded around an AAR's incident, shown on the AAR: the
//! guarded actions taken for it, and the evidence of its incident window with buttons that append
//! an item to the timeline.

use leptos::prelude::*;

use crate::context::request_context;
use crate::model::aar::{AarAction, EvidenceItem, EvidenceView};

/// The guarded actions taken for the AAR, under its timeline.
#[component]
pub(super) fn TakenActions(actions: Vec<AarAction>) -> impl IntoView {
    let rows = actions
        .into_iter()
        .map(|a| {
            let reason = a.reason.map(|r| format!(" (reason: {r})"));
            let outcome = a.outcome.clone();
            view! {
                <li data-test="aar-action" data-outcome=outcome>
                    <strong>{a.when}": "</strong>{a.action}" on "{a.target}" by "{a.actor}": "
                    <span class="outcome">{a.outcome}</span>{reason}
                    " "<a class="small" href="/audit">"audit log #"{a.id}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <h3>"Actions taken for this AAR"</h3>
        <p class="small muted">"Guarded actions whose audit entry names this AAR."</p>
        <ul data-test="aar-actions">{rows}</ul>
    }
}

/// What the cluster recorded in the incident window, each item with a button that appends it to
/// the timeline (a plain form post).
#[component]
pub(super) fn Evidence(aar_id: i64, version: i64, view: EvidenceView) -> impl IntoView {
    let csrf = request_context().csrf;
    let keep = format!(
        "The server keeps warning events and backup runs for {} days.",
        view.keep_days
    );
    let Some(window) = view.window else {
        return view! {
            <section class="card" id="evidence" data-test="evidence">
                <h2>"Evidence from the cluster"</h2>
                <p class="muted" data-test="no-window">
                    "Set the incident window (Edit, “Incident window”) to be offered the Warning events, "
                    "backup runs and guarded actions of that time. "{keep}
                </p>
            </section>
        }
        .into_any();
    };
    let group = move |title: &'static str, test: &'static str, items: Vec<EvidenceItem>| {
        let empty = items
            .is_empty()
            .then(|| view! { <li class="muted">"None in the window."</li> });
        let csrf = csrf.clone();
        let rows = items
            .into_iter()
            .map(|item| {
                let control = if item.attached {
                    view! { <span class="small muted" data-test="attached">"On the timeline"</span> }.into_any()
                } else {
                    view! {
                        <form class="inline" method="post" action=format!("/aars/{aar_id}/evidence")>
                            <input type="hidden" name="csrf" value=csrf.clone()/>
                            <input type="hidden" name="version" value=version/>
                            <input type="hidden" name="key" value=item.key.clone()/>
                            <button class="link" type="submit" data-test="add-to-timeline">"Add to timeline"</button>
                        </form>
                    }
                    .into_any()
                };
                view! {
                    <li data-test="evidence-item" data-key=item.key.clone() data-attached=item.attached.to_string()>
                        <strong>{item.entry.when}": "</strong>{item.entry.text}" "{control}
                    </li>
                }
            })
            .collect_view();
        view! { <h3>{title}</h3><ul data-test=test>{empty}{rows}</ul> }
    };
    view! {
        <section class="card" id="evidence" data-test="evidence">
            <h2>"Evidence from the cluster"</h2>
            <p>"Incident window: "{window}</p>
            <p class="small muted" data-test="evidence-filter">{view.filter}" "{keep}</p>
            {group("Warning events", "evidence-events", view.events)}
            {group("Backup runs", "evidence-backups", view.backups)}
            {group("Guarded actions", "evidence-actions", view.actions)}
            {group("Alerts", "evidence-alerts", view.alerts)}
            {group("Restore drills", "evidence-drills", view.drills)}
        </section>
    }
    .into_any()
}
