//! What a page knows about its request: who asks, the CSP nonce, the CSRF token, demo mode.
//! The server attaches it to the request; pages and the shell read it here.

use crate::model::RequestContext;
#[cfg(feature = "ssr")]
use leptos::prelude::use_context;

/// The request context the server attached, or an empty one (e.g. while rendering route lists).
pub fn request_context() -> RequestContext {
    #[cfg(feature = "ssr")]
    {
        if let Some(parts) = use_context::<http::request::Parts>() {
            if let Some(ctx) = parts.extensions.get::<RequestContext>() {
                return ctx.clone();
            }
        }
    }
    RequestContext::default()
}
