//! Backups.

use leptos::prelude::*;

use crate::components::empty::EmptyState;

#[component]
pub fn BackupsPage() -> impl IntoView {
    view! { <EmptyState title="Backups">"Velero schedules and backups arrive with the backups view."</EmptyState> }
}
