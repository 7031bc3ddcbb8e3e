//! The Notifications page (admins, by the access policy): `GET /notifications` renders the
//! targets, what is announced and the last deliveries; `POST /notifications/test` (CSRF-checked)
//! queues a test message for one target and comes back to the page.

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::provide_context;
use serde::Deserialize;

use crate::auth::Admin;
use crate::http::error::AppError;
use crate::http::render::{field, form_fields, render_app};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct PageQuery {
    tested: Option<String>,
}

/// GET /notifications
pub async fn page(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<PageQuery>,
    request: Request,
) -> Result<Response, AppError> {
    // The demo's views are as of its own moment, like its deliveries.
    let now = state.cluster.views().snapshot.now;
    let view = state.notifier.view(now, query.tested).await?;
    let (parts, _) = request.into_parts();
    Ok(render_app(
        &state,
        parts,
        move || provide_context(view.clone()),
        StatusCode::OK,
    )
    .await)
}

/// POST /notifications/test with `target=<name>`
pub async fn send_test(
    State(state): State<AppState>,
    _admin: Admin,
    request: Request,
) -> Result<Response, AppError> {
    let (_, fields) = form_fields(&state, request).await?;
    let target = field(&fields, "target").to_owned();
    state.notifier.send_test(&target).await?;
    let back = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("tested", &target)
        .finish();
    Ok(Redirect::to(&format!("/notifications?{back}")).into_response())
}
