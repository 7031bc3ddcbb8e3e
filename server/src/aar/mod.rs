//! After-action reviews: what the server does with them besides storing them (that is
//! `db::aar`). Pure functions, each in a module named for what it does:
//!
//! - [`import`]: the Markdown format of CLUSTER-SETUP.md's AAR log, parsed whole or not at all.
//! - [`export`]: AARs back to that format, so that an export imports as the same AARs.
//! - [`markdown`]: text fields rendered to HTML and sanitised.
//! - [`search`]: the full-text index's document and query, and its snippets.
//! - [`diff`]: which fields a save changed, for the revision history.
//! - [`form`]: the create/edit form read and validated field by field.
//! - [`window`]: the incident window (two UTC times) the cluster's evidence is offered for.
//! - [`cli`]: `homelab aar import` and `homelab aar export`.
//! - [`bench`]: `homelab bench aar-search`, search latency over synthetic AARs.

pub mod bench;
pub mod cli;
pub mod diff;
pub mod export;
pub mod form;
pub mod import;
pub mod markdown;
pub mod search;
pub mod window;
