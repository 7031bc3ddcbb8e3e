//! Audit.

use leptos::prelude::*;

use crate::components::empty::EmptyState;

#[component]
pub fn AuditPage() -> impl IntoView {
    view! { <EmptyState title="Audit">"Audited admin actions will be listed here."</EmptyState> }
}
