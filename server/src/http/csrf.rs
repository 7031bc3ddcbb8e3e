//! The one CSRF check, for every request that is not GET or HEAD (GETs change nothing here).
//!
//! Two conditions, both required:
//! 1. **Same origin**: the `Origin` header equals the origin of `server.public_url`. Every
//!    current browser sends `Origin` on every POST (also on same-origin form posts), so a request
//!    without one is refused rather than let through on `Sec-Fetch-Site` or `Referer`: the rule
//!    stays one comparison, and scripts calling the API must send `Origin` themselves.
//! 2. **The session's token**: the `X-CSRF-Token` header, or the `csrf` field of an
//!    `application/x-www-form-urlencoded` or `multipart/form-data` body (a file upload; buffered
//!    within the body limit, then handed on unchanged), equals the token
//!    the sign-in (`auth::sign_in`) put into the session; compared in constant time. Pages carry it in a hidden `csrf` field of each form, and in
//!    `<meta name="csrf-token">` for scripts.
//!
//! Pre-login posts ([`PRE_LOGIN_PATHS`]: the demo's dev sign-in) have no session and so no token
//! yet; the Origin check alone guards them, which is what stops a foreign page from signing a
//! visitor in. `/auth/logout` without a session has nothing to end and needs no token either.
//!
//! This runs inside `auth::authorize`, so a request without a session to a protected
//! path has already been answered 401 (or redirected) and a signed-in one carries its token in
//! the [`RequestContext`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use frontend::model::RequestContext;
use subtle::ConstantTimeEq;

use std::sync::Arc;

use crate::config::Config;
use crate::http::error::AppError;

/// Header carrying the token for scripts.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form field carrying the token.
pub const CSRF_FIELD: &str = "csrf";
/// Posts made before sign-in, guarded by the Origin check alone.
pub const PRE_LOGIN_PATHS: &[&str] = &["/auth/dev"];

pub async fn check(State(config): State<Arc<Config>>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let demo = config.demo;
    let refuse = |reason: &'static str| {
        tracing::warn!(path = %path, reason, "request refused by the CSRF check");
        AppError::Csrf(reason).into_response_for(&path, demo, "")
    };

    let origin = request.headers().get(header::ORIGIN);
    if origin.map(|o| o.as_bytes()) != Some(config.public_origin().as_bytes()) {
        return refuse(
            "this request did not come from this site's own pages (its Origin is not \
             server.public_url); reload the page and try again",
        );
    }
    if PRE_LOGIN_PATHS.contains(&path.as_str()) {
        return next.run(request).await;
    }
    let expected = request
        .extensions()
        .get::<RequestContext>()
        .map(|ctx| ctx.csrf.clone())
        .unwrap_or_default();
    if expected.is_empty() {
        if path == "/auth/logout" {
            return next.run(request).await;
        }
        return refuse("this request needs a signed-in session");
    }

    let (parts, body) = request.into_parts();
    let (token, body) = match header_token(&parts.headers) {
        Some(token) => (Some(token), body),
        None if is_form(&parts.headers) => {
            let limit = config.server.body_limit_bytes;
            let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
                return AppError::BadRequest("the request body is too large or broken".into())
                    .into_response_for(&path, demo, "");
            };
            let token = url::form_urlencoded::parse(&bytes)
                .find(|(key, _)| key == CSRF_FIELD)
                .map(|(_, value)| value.into_owned());
            (token, Body::from(bytes))
        }
        None if is_multipart(&parts.headers) => {
            let limit = config.server.body_limit_bytes;
            let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
                return AppError::BadRequest(format!(
                    "the upload is larger than this server accepts ({limit} bytes, \
                     server.body_limit_bytes) or was broken off"
                ))
                .into_response_for(&path, demo, "");
            };
            let token = multipart_token(&parts.headers, bytes.clone()).await;
            (token, Body::from(bytes))
        }
        None => (None, body),
    };
    if !token.is_some_and(|t| tokens_match(&t, &expected)) {
        return refuse(
            "this form was out of date or did not come from this site (CSRF token missing or \
             wrong); reload the page and try again",
        );
    }
    next.run(Request::from_parts(parts, body)).await
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
        })
}

/// The `csrf` field of a buffered multipart body (a file upload), wherever it is among the parts.
async fn multipart_token(headers: &HeaderMap, bytes: axum::body::Bytes) -> Option<String> {
    use axum::extract::FromRequest;
    let mut request = Request::new(Body::from(bytes));
    *request.headers_mut() = headers.clone();
    let mut form = axum::extract::Multipart::from_request(request, &())
        .await
        .ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(CSRF_FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

/// Constant-time comparison (the length may show; the tokens' length is public anyway).
pub(crate) fn tokens_match(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_match_only_when_equal_and_present() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
        assert!(!tokens_match("ab", "abc"));
        assert!(!tokens_match("", ""));
    }

    #[test]
    fn form_bodies_are_recognised_with_or_without_a_charset() {
        let mut headers = HeaderMap::new();
        assert!(!is_form(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        assert!(is_form(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(!is_form(&headers));
    }
}
