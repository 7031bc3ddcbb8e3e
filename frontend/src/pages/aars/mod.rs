//! After-action reviews: the list (filters and search), one AAR with its history, the create and
//! edit form, the open action items of all AARs, and the Markdown import.
//!
//! The server loads what each page shows from SQLite before rendering and provides it as an
//! [`AarPage`] in context; every route under `/aars` renders [`AarsPage`], which shows whichever
//! it was given. Everything here is plain HTML: forms post without WASM and come back with
//! field-level messages when the server refuses them.
//!
//! One file per page (`list`, `detail`, `form`, `open_items`, `import`); what they share sits in
//! `common`, `items` and `evidence`, which siblings import by their own paths. This file only
//! dispatches, and defines nothing the pages import, so dependencies point one way.

mod common;
mod detail;
mod evidence;
mod form;
mod import;
mod items;
mod list;
mod open_items;

use leptos::prelude::*;

use crate::model::aar::AarPage;
use crate::pages::not_found::NotFound;
use detail::DetailPage;
use form::FormPage;
use import::ImportPage;
use list::ListPage;
use open_items::OpenItemsPage;

#[component]
pub fn AarsPage() -> impl IntoView {
    match use_context::<AarPage>() {
        Some(AarPage::List(view)) => view! { <ListPage view=view/> }.into_any(),
        Some(AarPage::Detail(view)) => {
            let view = *view;
            view! { <DetailPage view=view/> }.into_any()
        }
        Some(AarPage::Form(form)) => view! { <FormPage form=form/> }.into_any(),
        Some(AarPage::OpenItems(items)) => view! { <OpenItemsPage items=items/> }.into_any(),
        Some(AarPage::Import(view)) => view! { <ImportPage view=view/> }.into_any(),
        None => view! { <NotFound/> }.into_any(),
    }
}
