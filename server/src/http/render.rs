//! Pages whose data lives outside the watch caches (SQLite, a dry run against the API): an
//! ordinary async handler loads the data, then renders the Leptos app for the request with that
//! data provided as context, which the page component reads. The same renderer answers a refused
//! form post with the form as typed and its problems, so forms need no WASM, no session flash
//! and no second request.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use leptos::prelude::provide_context;

use crate::http::error::AppError;
use crate::state::AppState;
use frontend::app::shell;
use frontend::source::{Cluster, History, Notices};

/// Renders the Leptos app for `parts`' path, with the usual context and whatever `extra`
/// provides, answering with `status`.
pub async fn render_app<F>(
    state: &AppState,
    mut parts: axum::http::request::Parts,
    extra: F,
    status: StatusCode,
) -> Response
where
    F: Fn() + Clone + Send + Sync + 'static,
{
    // A refused post is answered with the page itself.
    parts.method = Method::GET;
    let cluster: Cluster = state.cluster.clone();
    let history: History = state.history.clone();
    let notices: Notices = state.notices.clone();
    let options = state.leptos.clone();
    let markdown = crate::aar::markdown::renderer();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_context(cluster.clone());
            provide_context(history.clone());
            provide_context(notices.clone());
            provide_context(markdown.clone());
            extra();
        },
        move || shell(options.clone()),
    );
    let mut response = handler(Request::from_parts(parts, Body::empty())).await;
    *response.status_mut() = status;
    response
}

/// The value of form field `name`, empty when the form has none.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// The fields of a urlencoded form body (the CSRF check has already read it once), without the
/// CSRF token.
pub async fn form_fields(
    state: &AppState,
    request: Request,
) -> Result<(axum::http::request::Parts, Vec<(String, String)>), AppError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, state.config.server.body_limit_bytes)
        .await
        .map_err(|_| AppError::BadRequest("the form is too large or broken".into()))?;
    let fields = url::form_urlencoded::parse(&bytes)
        .into_owned()
        .filter(|(k, _)| k != crate::http::csrf::CSRF_FIELD)
        .collect();
    Ok((parts, fields))
}
