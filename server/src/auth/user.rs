//! The signed-in person as the session holds them, and how a session starts: [`sign_in`] gives
//! it a fresh id and a fresh CSRF token, whichever way the person signed in (OIDC or the dev
//! sign-in), and [`safe_next`] keeps the way back on this site.

use base64::Engine;
use frontend::model::{Role, Viewer};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::secret::Secret;

/// Session key of the signed-in user ([`SessionUser`]).
pub const USER_KEY: &str = "user";
/// Session key of the per-session CSRF token, set at sign-in.
pub const CSRF_KEY: &str = "csrf";
/// Session key of the unix second the session was last seen; moving it saves the session, which
/// moves the idle expiry of the row and the cookie.
pub const SEEN_KEY: &str = "seen";

/// The signed-in user as the session stores it. Keyed on the provider's `sub`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionUser {
    /// The provider's subject (an opaque hash in Authentik): what sessions and audit entries
    /// are keyed on.
    pub sub: String,
    /// What to show: `preferred_username`, else the email, else the subject.
    pub display_name: String,
    /// None: signed in, but in neither the admin nor the viewer groups.
    pub role: Option<Role>,
    /// The provider's group names, as actions impersonate them (`actions.impersonate`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Unix seconds of the sign-in; the absolute session lifetime counts from here.
    pub signed_in_at: i64,
    /// Unix seconds the person last authenticated at the provider (the ID token's `auth_time`),
    /// which guarded actions need to be recent. None: unknown, so never recent.
    #[serde(default)]
    pub authenticated_at: Option<i64>,
    /// What refresh and sign-out need from the provider; None after the dev sign-in.
    #[serde(default)]
    pub oidc: Option<OidcTokens>,
}

impl SessionUser {
    pub fn viewer(&self) -> Option<Viewer> {
        self.role.map(|role| Viewer {
            sub: self.sub.clone(),
            display_name: self.display_name.clone(),
            role,
        })
    }
}

/// What refresh and sign-out need, kept in the session user. Not `Debug`-printable in clear.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OidcTokens {
    /// The last ID token: `id_token_hint` at sign-out.
    pub id_token: Secret,
    /// Present when `offline_access` was granted.
    pub refresh_token: Option<Secret>,
    /// Unix seconds at which the ID token expires: then refresh, or sign in again.
    pub expires_at: i64,
}

pub fn new_csrf_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a session for `user` under a fresh id with a fresh CSRF token, and drops whatever the
/// pre-login session held: an id or a token planted before sign-in is worthless after it.
pub async fn sign_in(
    session: &Session,
    user: SessionUser,
) -> Result<(), tower_sessions::session::Error> {
    session.clear().await;
    session.cycle_id().await?;
    session.insert(USER_KEY, user).await?;
    session.insert(CSRF_KEY, new_csrf_token()).await?;
    session
        .insert(SEEN_KEY, jiff::Timestamp::now().as_second())
        .await?;
    Ok(())
}

/// Where to go after sign-in: a local path only, never another site. Whitespace and control
/// characters are refused too: browsers drop tabs and newlines from URLs, so `/\t/evil.example`
/// would become `//evil.example`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/topology")), "/topology");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/a b")), "/");
        assert_eq!(
            safe_next(Some("/services/media/jellyfin")),
            "/services/media/jellyfin"
        );
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn csrf_tokens_are_long_and_fresh() {
        let a = new_csrf_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_csrf_token());
    }
}
