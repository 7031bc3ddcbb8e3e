//! Storage.

use leptos::prelude::*;

use crate::components::empty::EmptyState;

#[component]
pub fn StoragePage() -> impl IntoView {
    view! { <EmptyState title="Storage">"Persistent volumes and Longhorn arrive with the storage view."</EmptyState> }
}
