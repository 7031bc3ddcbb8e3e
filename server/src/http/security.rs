//! Security headers on every response, and the per-request nonce that lets exactly the inline
//! hydration loader run under a strict Content-Security-Policy.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;

use std::sync::Arc;

use crate::auth::oidc::Oidc;
use crate::config::Config;

/// The nonce of this request, read by the page renderer.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

fn new_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The policy: our own origin only, WASM allowed to compile, inline code only with the nonce.
/// `form_action` adds origins forms may end up at: browsers apply `form-action` to the redirects
/// after a post too, and sign-out posts here and is redirected to the identity provider.
pub fn content_security_policy(nonce: &str, form_action: &str) -> String {
    let form_action = if form_action.is_empty() {
        String::new()
    } else {
        format!(" {form_action}")
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'{form_action}; \
         frame-ancestors 'none'"
    )
}

/// The origin of the provider's end-session endpoint, where sign-out redirects a posted form;
/// empty without OIDC.
fn provider_origin(oidc: &Option<Arc<Oidc>>) -> String {
    oidc.as_ref()
        .and_then(|oidc| oidc.end_session_origin())
        .unwrap_or_default()
}

pub async fn headers(
    State(config): State<Arc<Config>>,
    State(oidc): State<Option<Arc<Oidc>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_asset = crate::auth::policy::is_asset(request.uri().path());
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_security_policy(&nonce, &provider_origin(&oidc)))
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if config.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // Pages carry personal data and live state: never cache them in shared caches.
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn forms_may_end_at_the_identity_provider_and_nowhere_else() {
        let csp = content_security_policy("n0nce", "https://auth.example.net");
        assert!(
            csp.contains("form-action 'self' https://auth.example.net;"),
            "{csp}"
        );
        let csp = content_security_policy("n0nce", "");
        assert!(csp.contains("form-action 'self';"), "{csp}");
        assert!(csp.contains("script-src 'self' 'nonce-n0nce'"), "{csp}");
    }
}
