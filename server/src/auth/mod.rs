//! Who is signed in and what they may open. Authorization is decided here, in one middleware,
//! for every request: the access policy maps each path to the lowest role that may open it, and
//! pages never decide it by hiding links alone.
//!
//! Sessions are stored server-side in SQLite (tower-sessions); the cookie holds only a random id.

pub mod dev;
pub mod policy;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use frontend::model::{RequestContext, Role, Viewer};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::http::error::AppError;
use crate::http::security::CspNonce;
use crate::state::AppState;
use policy::Access;

/// Session key of the signed-in user.
pub const USER_KEY: &str = "user";

/// The signed-in user as the session stores it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionUser {
    pub sub: String,
    pub display_name: String,
    /// None: signed in, but in neither the admin nor the viewer groups.
    pub role: Option<Role>,
    /// Unix seconds of the sign-in; the absolute session lifetime counts from here.
    pub signed_in_at: i64,
}

/// Loads the session user, enforces the access policy for the path, and hands the page
/// renderer a [`RequestContext`].
pub async fn authorize(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let access = policy::required(&path);
    if access == Access::Public && policy::is_asset(&path) {
        return next.run(request).await;
    }
    let user = match current_user(&state, &session).await {
        Ok(user) => user,
        Err(e) => return e.into_response_for(&path),
    };
    let viewer = user.as_ref().and_then(|u| {
        u.role.map(|role| Viewer {
            sub: u.sub.clone(),
            display_name: u.display_name.clone(),
            role,
        })
    });
    let verdict = match (access, &user, &viewer) {
        (Access::Public, _, _) => Ok(()),
        (_, None, _) => Err(AppError::SignInRequired),
        (_, Some(_), None) => Err(AppError::NoAccess),
        (Access::Admin, _, Some(v)) if v.role != Role::Admin => Err(AppError::Forbidden),
        _ => Ok(()),
    };
    if let Err(e) = verdict {
        return e.into_response_for(&path);
    }
    let nonce = request
        .extensions()
        .get::<CspNonce>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    request.extensions_mut().insert(RequestContext {
        viewer,
        nonce,
        demo: state.config.demo,
    });
    next.run(request).await
}

/// The session's user, or None when signed out or the session has outlived its absolute limit.
async fn current_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<SessionUser>, AppError> {
    let Some(user) = session.get::<SessionUser>(USER_KEY).await? else {
        return Ok(None);
    };
    let max_age = state.config.session.absolute_timeout_hours as i64 * 3600;
    if jiff::Timestamp::now().as_second() - user.signed_in_at > max_age {
        session.flush().await?;
        return Ok(None);
    }
    Ok(Some(user))
}

/// Starts a session for `user` under a fresh id, so an id planted before sign-in is worthless.
pub async fn sign_in(session: &Session, user: SessionUser) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(USER_KEY, user).await?;
    Ok(())
}

impl AppError {
    fn into_response_for(self, path: &str) -> Response {
        if policy::is_api(path) {
            self.into_response()
        } else {
            self.into_page_response(path)
        }
    }
}
