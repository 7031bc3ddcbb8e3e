//! Services.

use leptos::prelude::*;

use crate::components::empty::EmptyState;

#[component]
pub fn ServicesPage() -> impl IntoView {
    view! { <EmptyState title="Services">"The service catalog arrives with the cluster overview."</EmptyState> }
}
