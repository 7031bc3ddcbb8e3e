//! The health summary card: Operational, Degraded or Down, and every reason with a link.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::model::{HealthLevel, HealthSummary};

pub fn tone(level: HealthLevel) -> Tone {
    match level {
        HealthLevel::Operational => Tone::Good,
        HealthLevel::Degraded => Tone::Warn,
        HealthLevel::Down => Tone::Bad,
    }
}

/// The classes of the overall health badge; the live island sets the same ones.
pub fn tone_class_of(level: HealthLevel) -> &'static str {
    match level {
        HealthLevel::Operational => "badge good",
        HealthLevel::Degraded => "badge warn",
        HealthLevel::Down => "badge bad",
    }
}

#[component]
pub fn HealthCard(health: HealthSummary) -> impl IntoView {
    let count = health.reasons.len();
    let reasons = health
        .reasons
        .into_iter()
        .map(|r| {
            let subject = match r.link {
                Some(href) => view! { <a href=href>{r.subject}</a> }.into_any(),
                None => view! { <span>{r.subject}</span> }.into_any(),
            };
            let area = r.area.clone();
            // The guarded action that addresses it: its preview, where the admin confirms.
            let fix = r.fix.map(|(words, href)| {
                view! { " "<a class="button" data-test="health-fix" href=href>{words}</a> }
            });
            view! {
                <li data-test="health-reason" data-area=area>
                    <StatusBadge tone=tone(r.level) text=r.level.words()/>
                    " "<span class="area">{r.area}</span>" "{subject}": "{r.message}
                    {fix}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card health" data-test="health" aria-labelledby="health-title">
            <h2 id="health-title">"Cluster health: "<span class=tone_class_of(health.level) data-live-health="">{health.level.words()}</span></h2>
            {(count > 0).then(|| view! {
                <details open=count <= 8>
                    <summary>{format!("{count} reason{}", if count == 1 { "" } else { "s" })}</summary>
                    <ul class="reasons">{reasons}</ul>
                </details>
            })}
        </section>
    }
}
