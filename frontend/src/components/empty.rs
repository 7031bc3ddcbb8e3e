//! The placeholder for a page whose data comes with a later part of the product.

use leptos::prelude::*;

#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="empty" data-test="empty-state">
            <h1>{title}</h1>
            <p>{children()}</p>
        </section>
    }
}
