//! A status shown in words and colour together, never by colour alone.

use leptos::prelude::*;

/// How good something is; picks the colour class next to the words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Neutral,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Good => "badge good",
            Tone::Warn => "badge warn",
            Tone::Bad => "badge bad",
            Tone::Neutral => "badge neutral",
        }
    }
}

/// The tone of a service status.
pub fn service_tone(status: crate::model::ServiceStatus) -> Tone {
    use crate::model::ServiceStatus::*;
    match status {
        Up => Tone::Good,
        Degraded | ScaledToZero => Tone::Warn,
        Down => Tone::Bad,
        Unknown => Tone::Neutral,
    }
}

#[component]
pub fn StatusBadge(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=tone.class()>{text}</span> }
}
