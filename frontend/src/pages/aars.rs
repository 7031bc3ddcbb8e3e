//! After-action reviews.

use leptos::prelude::*;

use crate::components::empty::EmptyState;

#[component]
pub fn AarsPage() -> impl IntoView {
    view! { <EmptyState title="After-action reviews">"The AAR log arrives with its own part of the product."</EmptyState> }
}
