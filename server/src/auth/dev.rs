//! The demo mode's dev sign-in: pick a role, no password. It exists only in demo mode without
//! `[oidc]`, on a loopback address (`Config::dev_sign_in`); otherwise these routes answer 404.
//!
//! Its form is posted before any session exists, so it carries no CSRF token: the Origin check
//! of `http::csrf` alone guards it (a foreign page cannot sign a visitor in as someone).

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use frontend::model::Role;
use serde::Deserialize;
use tower_sessions::Session;

use super::user::{safe_next, sign_in, SessionUser};
use crate::http::error::AppError;
use crate::http::page::{escape, simple_page};
use crate::metrics::SignInResult;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct DevSignIn {
    role: String,
    next: Option<String>,
}

/// The dev sign-in page (GET /auth/login in the plain demo); `next` is already a safe path.
pub fn login_page(state: &AppState, next: &str) -> Response {
    if !state.config.dev_sign_in() {
        return AppError::SignInUnavailable.into_response();
    }
    let next = escape(next);
    let body = format!(
        r#"<section class="signin card">
  <h1>Sign in to the demo</h1>
  <p>This is the embedded demo homelab. Pick who you want to be; there is no password.</p>
  <form method="post" action="/auth/dev">
    <input type="hidden" name="next" value="{next}">
    <button class="primary" type="submit" name="role" value="admin">Sign in as an admin</button>
    <button class="primary" type="submit" name="role" value="viewer">Sign in as a family member</button>
  </form>
</section>"#
    );
    Html(simple_page("Sign in", true, &body)).into_response()
}

/// POST /auth/dev: signs in with the chosen role.
pub async fn dev_sign_in(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<DevSignIn>,
) -> Result<Response, AppError> {
    if !state.config.dev_sign_in() {
        return Err(AppError::SignInUnavailable);
    }
    let (role, name) = match form.role.as_str() {
        "admin" => (Role::Admin, "demo-admin"),
        "viewer" => (Role::Viewer, "demo-family"),
        other => {
            state.metrics.sign_in("dev", SignInResult::Failure);
            return Err(AppError::BadRequest(format!(
                "unknown role `{other}`: pick admin or viewer"
            )));
        }
    };
    let user = SessionUser {
        sub: format!("dev:{name}"),
        display_name: name.into(),
        role: Some(role),
        groups: Vec::new(),
        signed_in_at: jiff::Timestamp::now().as_second(),
        // The dev sign-in is its own authentication.
        authenticated_at: Some(jiff::Timestamp::now().as_second()),
        oidc: None,
    };
    sign_in(&session, user).await?;
    state.metrics.sign_in("dev", SignInResult::Success);
    Ok(Redirect::to(&safe_next(form.next.as_deref())).into_response())
}
