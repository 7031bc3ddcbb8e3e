//! Who is signed in and what they may open. Authorization is decided here, in one middleware
//! ([`authorize`]), for every request: the access policy ([`policy`]) maps each path to the
//! lowest role that may open it, and pages never decide it by hiding links alone. Handlers that
//! need the person take [`CurrentUser`] or [`Admin`], which read what `authorize` found.
//!
//! Sign-in goes through the OpenID Connect provider ([`oidc`], Authentik in production) or, in
//! demo mode without `[oidc]` on loopback, the dev sign-in ([`dev`]). Either ends in [`sign_in`],
//! which starts the session under a fresh id with a fresh CSRF token.
//!
//! Sessions are stored server-side in SQLite (tower-sessions); the cookie holds only a random id.
//! A session ends after `session.idle_timeout_minutes` without a request (the store's expiry,
//! moved forward at most once a minute), after `session.absolute_timeout_hours` since sign-in
//! (checked here), when the ID token expires and cannot be refreshed, or at sign-out.

pub mod dev;
pub mod oidc;
pub mod policy;
pub mod secret;
pub mod sessions;
pub mod user;

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use frontend::model::{RequestContext, Role, Viewer};
use serde::Deserialize;
use tower_sessions::Session;

use crate::config::Config;
use crate::http::error::{AppError, ErrorPage};
use crate::http::page::simple_page;
use crate::http::security::CspNonce;
use crate::metrics::{Metrics, SignInResult};
use crate::state::AppState;
use policy::{Access, PathCheck};
use user::new_csrf_token;
pub use user::{safe_next, sign_in, SessionUser, CSRF_KEY, SEEN_KEY, USER_KEY};

/// How often (seconds) a request moves the idle expiry forward; in between, reads write nothing.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// Loads the session user, enforces the access policy for the path, and hands handlers and the
/// page renderer a [`RequestContext`] (and a [`CurrentUser`] when someone with a role is signed in).
pub async fn authorize(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let demo = state.config.demo;
    match policy::check_path(&path) {
        PathCheck::Canonical => {}
        PathCheck::TrailingSlash(to) => {
            let to = match request.uri().query() {
                Some(query) => format!("{to}?{query}"),
                None => to,
            };
            return Redirect::permanent(&to).into_response();
        }
        PathCheck::Refused(why) => {
            return AppError::BadRequest(why.to_owned()).into_response_for(&path, demo, "")
        }
    }
    let family_service = |namespace: &str, name: &str| {
        state
            .cluster
            .views()
            .is_family_service(&format!("{namespace}/{name}"))
    };
    let access = policy::required(&path, state.config.public_status, family_service);
    if access == Access::Public && policy::is_asset(&path) {
        return next.run(request).await;
    }
    let token = policy::bearer_token_for(&path).and_then(|kind| match kind {
        policy::BearerToken::Status => state.config.status_token.as_deref(),
        policy::BearerToken::Metrics => state.config.metrics_token.as_deref(),
    });
    if bearer_token_matches(&request, token) {
        request.extensions_mut().insert(RequestContext {
            viewer: None,
            nonce: String::new(),
            demo,
            csrf: String::new(),
        });
        return next.run(request).await;
    }
    let user = match current_user(&state, &session).await {
        Ok(user) => user,
        Err(e) => return e.into_response_for(&path, demo, ""),
    };
    let csrf = match &user {
        Some(_) => match csrf_token(&session).await {
            Ok(token) => token,
            Err(e) => return e.into_response_for(&path, demo, ""),
        },
        None => String::new(),
    };
    let viewer = user.as_ref().and_then(SessionUser::viewer);
    let verdict = match (access, &user, &viewer) {
        (Access::Public, _, _) => Ok(()),
        (_, None, _) => Err(AppError::SignInRequired),
        (_, Some(_), None) => Err(AppError::NoAccess),
        (Access::Admin, _, Some(v)) if v.role != Role::Admin => Err(AppError::Forbidden),
        _ => Ok(()),
    };
    if let Err(e) = verdict {
        return e.into_response_for(&path, demo, &csrf);
    }
    let nonce = request
        .extensions()
        .get::<CspNonce>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    if let Some(v) = &viewer {
        request.extensions_mut().insert(CurrentUser(v.clone()));
    }
    request.extensions_mut().insert(RequestContext {
        viewer,
        nonce,
        demo,
        csrf: csrf.clone(),
    });
    // A handler's error answers JSON; a browser asking for a page gets it as a page (a script's
    // fetch, which does not ask for HTML, keeps the JSON).
    let wants_page = !policy::is_api(&path)
        && request
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    let response = next.run(request).await;
    match response.extensions().get::<ErrorPage>() {
        Some(page) if wants_page => page.clone().into_response_for(&path, demo, &csrf),
        _ => response,
    }
}

/// `Authorization: Bearer <token>` with the token configured for this path (`status_token`,
/// `metrics_token`), compared in constant time. No token configured: never.
fn bearer_token_matches(request: &Request, token: Option<&str>) -> bool {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return false;
    };
    request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| crate::http::csrf::tokens_match(given, token))
}

/// The session's user, or None when signed out. Ends the session when it has outlived its
/// absolute limit, or when the ID token expired and could not be refreshed; refreshes (and so
/// re-reads the groups) when the ID token expired and a refresh token is at hand.
async fn current_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<SessionUser>, AppError> {
    let Some(mut user) = session.get::<SessionUser>(USER_KEY).await? else {
        return Ok(None);
    };
    let now = jiff::Timestamp::now().as_second();
    let max_age = state.config.session.absolute_timeout_hours as i64 * 3600;
    if outlived(&user, now, max_age) {
        tracing::info!(sub = %user.sub, "session reached its absolute lifetime: signed out");
        session.flush().await?;
        return Ok(None);
    }
    if user.oidc.as_ref().is_some_and(|t| now >= t.expires_at) {
        let refreshed = match &state.oidc {
            Some(oidc) => oidc.refresh(&user).await,
            None => Ok(None),
        };
        match refreshed {
            Ok(Some(updated)) => {
                if updated.role != user.role {
                    tracing::info!(sub = %user.sub, from = ?user.role, to = ?updated.role, "role changed at refresh");
                }
                user = updated;
                session.insert(USER_KEY, &user).await?;
            }
            Ok(None) => {
                tracing::info!(sub = %user.sub, "ID token expired and no refresh token: sign in again");
                session.flush().await?;
                return Ok(None);
            }
            Err(e) => {
                tracing::warn!(sub = %user.sub, error = %e, "refresh failed: signed out");
                session.flush().await?;
                return Ok(None);
            }
        }
    }
    let seen = session.get::<i64>(SEEN_KEY).await?.unwrap_or(0);
    if now - seen >= TOUCH_INTERVAL_SECS {
        session.insert(SEEN_KEY, now).await?;
    }
    Ok(Some(user))
}

/// How often expired sessions are deleted from the database.
const SESSION_CLEANUP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes the expired sessions now, so a server that was down for a while does not keep them
/// until its first tick, then every [`SESSION_CLEANUP_EVERY`] in the background.
pub async fn start_session_cleanup(
    store: sessions::Sessions,
) -> Result<(), tower_sessions::session_store::Error> {
    use tower_sessions::ExpiredDeletion;
    store.delete_expired().await?;
    tokio::spawn(async move {
        if let Err(e) = store
            .continuously_delete_expired(SESSION_CLEANUP_EVERY)
            .await
        {
            tracing::error!(error = %e, "expired-session cleanup stopped");
        }
    });
    Ok(())
}

/// When the session's person last authenticated (unix seconds); guarded actions need a recent
/// one. None when signed out or unknown.
pub async fn authenticated_at(session: &Session) -> Result<Option<i64>, AppError> {
    Ok(session
        .get::<SessionUser>(USER_KEY)
        .await?
        .and_then(|u| u.authenticated_at))
}

/// Past the absolute session lifetime (`max_age` seconds since sign-in)?
fn outlived(user: &SessionUser, now: i64, max_age: i64) -> bool {
    now - user.signed_in_at > max_age
}

/// The session's CSRF token; made here for a session signed in before tokens existed.
async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await? {
        return Ok(token);
    }
    let token = new_csrf_token();
    session.insert(CSRF_KEY, &token).await?;
    Ok(token)
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// Set by a guarded action whose sign-in is too old: sign in again even with a session.
    #[serde(default)]
    reauth: Option<String>,
}

/// GET /auth/login: off to the OIDC provider when `[oidc]` is configured, else the demo's dev
/// sign-in page (demo mode on loopback only), else 404.
pub async fn login(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    let Some(oidc) = &state.oidc else {
        return dev::login_page(&state, &next);
    };
    // Already signed in with a role: no need to bother the provider, unless a fresh sign-in is
    // asked for. Without a role, go again: the groups may have changed since.
    let reauthenticate = q.reauth.is_some();
    if let Ok(Some(user)) = session.get::<SessionUser>(USER_KEY).await {
        if user.role.is_some() && !reauthenticate {
            return Redirect::to(&next).into_response();
        }
    }
    match oidc.begin(&session, next, reauthenticate).await {
        Ok(redirect) => redirect.into_response(),
        Err(e) => AppError::from(e).into_response_for("/auth/login", state.config.demo, ""),
    }
}

/// GET /auth/callback: finishes the sign-in and starts the session under a new id.
pub async fn callback(
    State(config): State<Arc<Config>>,
    State(oidc): State<Option<Arc<oidc::Oidc>>>,
    State(metrics): State<Arc<Metrics>>,
    session: Session,
    Query(query): Query<oidc::CallbackQuery>,
) -> Response {
    let demo = config.demo;
    let Some(oidc) = &oidc else {
        return AppError::SignInUnavailable.into_response();
    };
    let (user, next) = match oidc.finish(&session, query).await {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(error = %e, "sign-in refused");
            metrics.sign_in("oidc", SignInResult::Failure);
            return AppError::from(e).into_response_for(oidc::CALLBACK_PATH, demo, "");
        }
    };
    metrics.sign_in(
        "oidc",
        if user.role.is_some() {
            SignInResult::Success
        } else {
            SignInResult::NoAccess
        },
    );
    tracing::info!(
        sub = %user.sub,
        user = %user.display_name,
        role = ?user.role,
        refresh = user.oidc.as_ref().is_some_and(|t| t.refresh_token.is_some()),
        "signed in"
    );
    if let Err(e) = sign_in(&session, user).await {
        return AppError::from(e).into_response_for(oidc::CALLBACK_PATH, demo, "");
    }
    Redirect::to(&next).into_response()
}

/// POST /auth/logout: ends the server session, then (after an OIDC sign-in) sends the browser to
/// the provider's end-session endpoint with `id_token_hint` and `post_logout_redirect_uri`.
pub async fn logout(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let user = session.get::<SessionUser>(USER_KEY).await?;
    session.flush().await?;
    let Some(user) = user else {
        return Ok(Redirect::to(after_logout(&state)).into_response());
    };
    tracing::info!(sub = %user.sub, "signed out");
    let end_session = match (&state.oidc, &user.oidc) {
        (Some(oidc), Some(tokens)) => oidc.end_session_url(tokens),
        _ => None,
    };
    Ok(match end_session {
        Some(url) => Redirect::to(&url).into_response(),
        None => Redirect::to(after_logout(&state)).into_response(),
    })
}

/// Where sign-out lands without a provider to visit: the dev sign-in page in the plain demo.
fn after_logout(state: &AppState) -> &'static str {
    if state.oidc.is_some() {
        oidc::SIGNED_OUT_PATH
    } else {
        "/auth/login"
    }
}

/// GET /auth/signed-out: where the provider sends the browser back after sign-out.
pub async fn signed_out(State(state): State<AppState>) -> Response {
    let body = r#"<section class="signin card" data-test="signed-out">
  <h1>Signed out</h1>
  <p>You are signed out of the homelab.</p>
  <p><a class="primary" href="/auth/login">Sign in again</a></p>
</section>"#;
    Html(simple_page("Signed out", state.config.demo, body)).into_response()
}

/// The signed-in person with a role, as [`authorize`] found them. For handlers; the policy
/// itself is already enforced by then, so a rejection here means a route outside the policy.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Viewer);

/// A signed-in admin: 403 for anyone else.
#[derive(Clone, Debug)]
pub struct Admin(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(AppError::SignInRequired)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentUser>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let CurrentUser(viewer) =
            <CurrentUser as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        if viewer.role == Role::Admin {
            Ok(Admin(viewer))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl AppError {
    /// This error as the client expects it: JSON under `/api`, a page (or the sign-in redirect)
    /// elsewhere. `csrf` is the session's token, for the sign-out form on the no-access page.
    pub(crate) fn into_response_for(self, path: &str, demo: bool, csrf: &str) -> Response {
        if policy::is_api(path) {
            self.into_response()
        } else {
            self.into_page_response(path, demo, csrf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(signed_in_at: i64) -> SessionUser {
        SessionUser {
            sub: "abc".into(),
            display_name: "someone".into(),
            role: Some(Role::Viewer),
            groups: Vec::new(),
            signed_in_at,
            authenticated_at: Some(signed_in_at),
            oidc: None,
        }
    }

    #[test]
    fn a_session_ends_after_its_absolute_lifetime() {
        let hours = 3600;
        assert!(!outlived(&user(1_000), 1_000 + 168 * hours, 168 * hours));
        assert!(outlived(&user(1_000), 1_001 + 168 * hours, 168 * hours));
    }

    #[test]
    fn the_session_user_debug_output_hides_the_tokens() {
        let mut u = user(1);
        u.oidc = Some(user::OidcTokens {
            id_token: secret::Secret::new("eyJ.id.token"),
            refresh_token: Some(secret::Secret::new("refresh-me")),
            expires_at: 2,
        });
        let debug = format!("{u:?}");
        assert!(
            !debug.contains("eyJ") && !debug.contains("refresh-me"),
            "{debug}"
        );
    }
}
