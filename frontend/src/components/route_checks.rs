//! A service's routes as checked from outside: what each hostname answered, how fast, and how
//! many days its certificate has left.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::when::When;
use crate::model::checks::{Outcome, RouteCheck};

#[component]
pub fn RouteCheckTable(checks: Vec<RouteCheck>, now: i64, cert_warn_days: i64) -> impl IntoView {
    if checks.is_empty() {
        return ().into_any();
    }
    let rows = checks
        .into_iter()
        .map(|c| {
            let (tone, words) = match c.outcome {
                Outcome::Answered => (Tone::Good, "Answers"),
                Outcome::Exposed => (Tone::Bad, "Open without sign-in"),
                Outcome::Failed => (Tone::Bad, "Fails"),
            };
            let cert = c.cert_days.map(|d| {
                let class = if d <= cert_warn_days { "warn-text" } else { "" };
                view! { <span class=class data-test="cert-days" data-days=d>{format!("{d} days")}</span> }
            });
            let outcome = match c.outcome {
                Outcome::Answered => "answered",
                Outcome::Exposed => "exposed",
                Outcome::Failed => "failed",
            };
            let host = c.hostname.clone();
            view! {
                <tr data-test="route-check" data-host=host data-outcome=outcome>
                    <th scope="row" data-label="Hostname">{c.hostname}{c.protected.then_some(" (behind sign-in)")}</th>
                    <td data-label="Result"><StatusBadge tone text=words/></td>
                    <td data-label="Code" class="num" data-test="route-code">{c.code.map(|x| x.to_string()).unwrap_or_else(|| "–".into())}</td>
                    <td data-label="Latency" class="num" data-test="route-latency">{format!("{} ms", c.latency_ms)}</td>
                    <td data-label="Certificate">{cert}</td>
                    <td data-label="Checked"><When now at=Some(c.at)/></td>
                    <td data-label="Detail" class="wrap">{c.detail.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label="Routes, checked from outside">
            <table data-test="route-checks" class="stack">
                <caption>"Routes, checked from outside"</caption>
                <thead><tr><th scope="col">"Hostname"</th><th scope="col">"Result"</th><th scope="col">"Code"</th><th scope="col">"Latency"</th><th scope="col">"Certificate left"</th><th scope="col">"Checked"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
    }
    .into_any()
}
