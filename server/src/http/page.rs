//! Small server-rendered pages outside the Leptos app (sign-in, errors), and HTML escaping.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};

pub use frontend::html::{escape, url_encode};

/// A complete document with the site's stylesheet around `body` (already escaped HTML).
pub fn simple_page(title: &str, demo: bool, body: &str) -> String {
    let marker = if demo {
        r#"<span class="demo-marker" data-test="demo-marker">demo</span>"#
    } else {
        ""
    };
    format!(
        r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>{} · Homelab</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/app.css"></head><body><a class="skip-link" href="#main">Skip to content</a><header class="topbar"><a class="brand" href="/">Homelab</a>{marker}</header><main id="main" tabindex="-1">{body}</main></body></html>"##,
        escape(title)
    )
}

/// Any path that is neither a route nor a file.
pub async fn not_found() -> impl IntoResponse {
    let body = r#"<section class="card"><h1>Not found</h1><p>There is no page at this address. <a href="/">Back to Status</a></p></section>"#;
    (
        StatusCode::NOT_FOUND,
        Html(simple_page("Not found", false, body)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
