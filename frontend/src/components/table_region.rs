//! A table that may be wider than the screen. It scrolls sideways inside a region that the
//! keyboard reaches (Tab to it, then the arrow keys) and that a screen reader names, so the
//! right-hand columns are never out of reach without a mouse (WCAG 2.1.1; axe's
//! `scrollable-region-focusable`). Every table on every page sits in one.

use leptos::prelude::*;

#[component]
pub fn TableRegion(
    /// What the region is called; usually the table's caption.
    #[prop(into)]
    label: String,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" tabindex="0" aria-label=label>
            {children()}
        </div>
    }
}
