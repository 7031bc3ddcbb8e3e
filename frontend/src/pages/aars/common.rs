//! What several AAR pages show alike: Markdown rendered through the server's sanitising renderer,
//! and the severity badge. A leaf the page modules import by its own path.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::model::aar::Severity;
use crate::source::Markdown;

/// Sanitised HTML of Markdown (the server's renderer cleans it).
pub(super) fn md(text: &str) -> String {
    use_context::<Markdown>()
        .map(|m| m.to_safe_html(text))
        .unwrap_or_default()
}

pub(super) fn md_inline(text: &str) -> String {
    use_context::<Markdown>()
        .map(|m| m.to_safe_inline_html(text))
        .unwrap_or_default()
}

pub(super) fn severity_badge(severity: Option<Severity>) -> impl IntoView {
    let (tone, text) = match severity {
        Some(Severity::Critical) => (Tone::Bad, "Critical"),
        Some(Severity::High) => (Tone::Warn, "High"),
        Some(Severity::Medium) => (Tone::Neutral, "Medium"),
        Some(Severity::Low) => (Tone::Good, "Low"),
        None => (Tone::Neutral, "Unrated"),
    };
    view! { <StatusBadge tone=tone text=text/> }
}
