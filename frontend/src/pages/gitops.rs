//! GitOps.

use leptos::prelude::*;

use crate::components::empty::EmptyState;

#[component]
pub fn GitOpsPage() -> impl IntoView {
    view! { <EmptyState title="GitOps">"Flux Kustomizations and HelmReleases arrive with the GitOps view."</EmptyState> }
}
