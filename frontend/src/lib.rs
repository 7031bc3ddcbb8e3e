//! The Leptos app: the page shell, one file per page, the islands that ship as WASM, and the types
//! both sides share.
//!
//! # Layout
//! - [`model`]: request/response and view types, serde on both sides.
//! - [`source`]: what a page needs from the server, as small traits the server implements and
//!   provides through context (pages render on the server only, so they read them directly).
//! - [`app`]: the HTML shell and the router.
//! - [`context`]: what a page knows about its request.
//! - [`pages`]: one module per page; rendered on the server only (islands mode).
//! - [`components`]: server-rendered building blocks shared by pages.
//! - [`html`]: escaping for text the renderer leaves as it is (a textarea's).
//! - [`words`]: wording the pages and the islands share.
//! - [`islands`]: the only parts compiled to WASM and hydrated in the browser.

// Deeply nested views make deep types; the WASM build needs more room than the default.
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod context;
pub mod html;
pub mod islands;
pub mod model;
pub mod pages;
pub mod source;
pub mod words;

/// Entry point of the WASM build: hydrates the islands and nothing else.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
