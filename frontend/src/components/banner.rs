//! Banners about the data itself: how old it is when the API is unreachable, and panels whose
//! source is missing or forbidden.

use leptos::prelude::*;

use crate::islands::freshness::age_in_words;
use crate::model::{Freshness, SourceProblem};

/// "Data from 5 min ago": shown on every page while the cluster API is unreachable.
#[component]
pub fn StaleBanner(freshness: Freshness, now: i64) -> impl IntoView {
    freshness.stale_since.map(|since| {
        view! {
            <div class="banner warn" role="status" data-test="stale-banner">
                <strong>"Data from "{age_in_words(now - since)}". "</strong>
                "The cluster API cannot be reached; showing the last known state and reconnecting."
            </div>
        }
    })
}

/// Why a panel about `kinds` has no current data, or nothing when all is well.
#[component]
pub fn PanelProblems(
    problems: Vec<SourceProblem>,
    kinds: &'static [&'static str],
) -> impl IntoView {
    let relevant: Vec<_> = problems
        .into_iter()
        .filter(|p| kinds.contains(&p.kind()))
        .collect();
    relevant
        .into_iter()
        .map(|p| {
            let text = match &p {
                SourceProblem::NotInstalled { kind, resource } => {
                    format!("{kind}: not installed in this cluster (the API has no {resource}).")
                }
                SourceProblem::Forbidden { kind, permission } => {
                    format!("{kind}: not allowed to read it. The server's account needs {permission}.")
                }
                SourceProblem::Stale { kind, reason, .. } => {
                    format!("{kind}: showing the last known state; the watch is reconnecting ({reason}).")
                }
            };
            view! { <p class="banner neutral" data-test="panel-problem">{text}</p> }
        })
        .collect_view()
}
