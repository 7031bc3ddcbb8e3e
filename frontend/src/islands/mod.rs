//! Islands: the only components compiled to WASM and hydrated in the browser. Everything else on
//! a page is plain server-rendered HTML, which keeps the first visit light on a phone.

pub mod action_item;
pub mod freshness;
#[cfg(feature = "hydrate")]
mod json;
pub mod log_follow;
