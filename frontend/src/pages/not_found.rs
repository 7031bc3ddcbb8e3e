//! The page for any path no route matches.

use leptos::prelude::*;

use crate::components::page_title::PageTitle;

/// Makes the response of the page being rendered a 404 (pages for a missing node or service).
pub fn answer_404() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

/// Makes the response a 400: the page was asked for with a value it refuses (and says which).
pub fn answer_400() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::BAD_REQUEST);
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    answer_404();
    view! {
        <PageTitle parts=vec!["Not found".to_string()]/><h1>"Not found"</h1>
        <p>"There is no page at this address. "<a href="/">"Back to Status"</a></p>
    }
}
