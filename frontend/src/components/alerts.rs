//! Alerts as the service, node and Alerts pages list them: severity, name and summary, the
//! labels that place them, since when, and the silence that hides one.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::when::When;
use crate::model::alerts::Alert;

/// `alerts` in a table; `problem` (Alertmanager unreachable or not configured) is said above
/// it, and an empty list says so in words.
#[component]
pub fn AlertTable(
    alerts: Vec<Alert>,
    now: i64,
    problem: Option<String>,
    #[prop(default = "Alerts")] caption: &'static str,
) -> impl IntoView {
    let problem = problem
        .map(|p| view! { <p class="banner warn" role="status" data-test="alerts-problem">{p}</p> });
    if alerts.is_empty() {
        return view! {
            <section class="card" data-test="alerts">
                <h2>{caption}</h2>{problem}<p class="muted">"No alerts."</p>
            </section>
        }
        .into_any();
    }
    let rows = alerts
        .into_iter()
        .map(|a| {
            let tone = match (a.is_firing(), a.is_critical()) {
                (false, _) => Tone::Neutral,
                (true, true) => Tone::Bad,
                (true, false) => Tone::Warn,
            };
            let severity = if a.severity.is_empty() { "none".to_string() } else { a.severity.clone() };
            let state = if a.is_firing() { "firing" } else { "silenced" };
            let labels = a
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            let hidden = (!a.silenced_by.is_empty()).then(|| {
                view! { <div class="small muted">"silenced by "{a.silenced_by.join(", ")}</div> }
            });
            view! {
                <tr data-test="alert" data-alert=a.name.clone() data-state=state data-severity=severity.clone()>
                    <td data-label="Severity"><StatusBadge tone=tone text=severity.clone()/></td>
                    <th scope="row" data-label="Alert">{a.name.clone()}{hidden}</th>
                    <td data-label="Summary" class="wrap">{a.summary.clone()}</td>
                    <td data-label="Labels" class="wrap small"><code>{labels}</code></td>
                    <td data-label="Since"><When now at=a.since/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {problem}
        <TableRegion label=caption>
            <table data-test="alerts" class="stack">
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Severity"</th><th scope="col">"Alert"</th><th scope="col">"Summary"</th>
                    <th scope="col">"Labels"</th><th scope="col">"Since"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
    }
    .into_any()
}
