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
    pub fn class(self) -> &'static str {
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

/// The classes of a service status badge; the live island sets the same ones.
pub fn service_tone_class(status: crate::model::ServiceStatus) -> &'static str {
    service_tone(status).class()
}

/// A service's status badge that the live stream keeps current (`data-live-service`).
/// `family` picks the family page's words ("Working") over the admin ones ("Up"); `name` is what
/// the live island calls the service when it announces a change (`words::status_change`).
#[component]
pub fn LiveServiceBadge(
    id: String,
    name: String,
    status: crate::model::ServiceStatus,
    #[prop(optional)] family: bool,
) -> impl IntoView {
    let words = if family {
        crate::words::family_words(status)
    } else {
        status.words()
    };
    view! {
        <span
            class=service_tone_class(status)
            data-live-service=id
            data-live-words=if family { "family" } else { "admin" }
            data-status=status.as_str()
            data-live-name=name
        >
            {words}
        </span>
    }
}

#[component]
pub fn StatusBadge(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=tone.class()>{text}</span> }
}
