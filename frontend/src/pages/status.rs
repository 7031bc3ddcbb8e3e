//! The family Status page: is everything up? Big and clear on a phone.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::model::Readiness;
use crate::source::Cluster;

#[component]
pub fn StatusPage() -> impl IntoView {
    let nodes = use_context::<Cluster>()
        .map(|c| c.nodes())
        .unwrap_or_default();
    let ready = nodes.iter().filter(|n| n.ready == Readiness::Ready).count();
    let (tone, words) = if nodes.is_empty() {
        (Tone::Neutral, "No cluster data yet".to_string())
    } else if ready == nodes.len() {
        (Tone::Good, "All systems running".to_string())
    } else {
        (Tone::Bad, "Something is wrong".to_string())
    };
    view! {
        <h1>"Status"</h1>
        <section class="card" data-test="status-summary">
            <StatusBadge tone=tone text=words/>
            <p>{format!("{ready} of {} machines ready", nodes.len())}</p>
        </section>
    }
}
