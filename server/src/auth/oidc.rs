//! Sign-in through an OpenID Connect provider: Authentik in production, `testbed::oidc` in tests.
//!
//! - Discovery runs once at start-up ([`Oidc::discover`]); a failure stops the server with a
//!   message naming what is wrong (an issuer mismatch shows both strings, since Authentik's issuer
//!   ends with a slash and is compared exactly). The JWKS is read then too.
//! - Authorization code flow with PKCE (S256), `state` and `nonce`. Those three and the page to
//!   return to are kept in the pre-login session ([`PENDING_KEY`]) and checked on the callback:
//!   the state in constant time, the nonce in the ID token. Each is single-use.
//! - The ID token is fully verified: signature against the provider's JWKS with the algorithms
//!   pinned to RS256 and ES256 (a provider left on Authentik's HS256-with-client-secret is
//!   refused with a message saying to select a signing key), issuer, audience, expiry and issue
//!   time with `oidc.clock_skew_secs` of leeway, nonce, and `at_hash` when present.
//! - Recent sign-in for guarded actions is the ID token's `auth_time` (when the person last
//!   authenticated at the provider, which may be long before the callback: Authentik re-issues
//!   tokens silently while its own session lives). Every sign-in sends `max_age` (the absolute
//!   session lifetime), so the provider must include `auth_time`; a step-up sends `max_age=0` and
//!   `prompt=login`, and its answer must carry an `auth_time` no older than the request.
//! - Groups come from the ID token's `groups` claim, else from userinfo; [`policy::role_for_groups`]
//!   turns them into a role. The display name is `preferred_username`, else the email; sessions
//!   and the audit log are keyed on `sub` (an opaque hash in Authentik).
//! - With a refresh token (`offline_access` granted), an expired ID token is refreshed and the
//!   groups re-read ([`Oidc::refresh`]); without one, the session ends and the person signs in
//!   again. Group changes therefore apply at the next refresh or sign-in.
//! - Sign-out goes to the provider's end-session endpoint with `id_token_hint` and
//!   `post_logout_redirect_uri` ([`Oidc::end_session_url`]).
//! - The HTTP client follows no redirects: a provider (or whoever controls its answers) cannot
//!   point the server at another host (SSRF).
//!
//! Tokens are kept in the session as [`Secret`]s and never logged; errors carry only messages
//! built here, never response bodies.
//!
//! Long because it is one flow: discovery, the redirect, the callback's checks and the refresh
//! share the provider's client and the pending sign-ins, and are reviewed together.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::Redirect;
use chrono::Utc;
use frontend::model::Role;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, DiscoveryError, EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdToken, IdTokenClaims, IdTokenFields, IssuerUrl,
    JwsSigningAlgorithm, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardErrorResponse, StandardTokenResponse, SubjectIdentifier,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::policy;
use super::secret::Secret;
use super::user::{OidcTokens, SessionUser};
use crate::config::Config;

/// Session key of the sign-ins started in this browser and not finished yet.
pub const PENDING_KEY: &str = "oidc.pending";
/// The redirect URI registered at the provider is `<server.public_url>` plus this.
pub const CALLBACK_PATH: &str = "/auth/callback";
/// The post-logout redirect URI registered at the provider is `<server.public_url>` plus this.
pub const SIGNED_OUT_PATH: &str = "/auth/signed-out";

/// Signing algorithms accepted for ID tokens: asymmetric only, so a token cannot be made with
/// the client secret (which the provider's admins, and a leaked config, also know).
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 2] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
];
/// A sign-in not finished within this long is dropped (the provider's own codes last a minute).
const PENDING_TTL_SECS: i64 = 600;
/// Sign-ins started in parallel (several tabs) that are kept; the oldest goes first.
const MAX_PENDING: usize = 4;
/// Timeout of each request to the provider.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a refresh result is reused by requests that still hold the refresh token it used
/// (only while its ID token is unexpired).
const REFRESH_REUSE: Duration = Duration::from_secs(120);
/// Lifetime assumed for a refresh answer that carries neither an ID token nor `expires_in`.
const DEFAULT_TOKEN_SECS: i64 = 300;

/// Authentik's `groups` claim: the names of the user's groups. `None` when the provider did not
/// put it into the token, and userinfo is asked instead.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GroupsClaim {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

impl AdditionalClaims for GroupsClaim {}

pub type AppIdToken = IdToken<
    GroupsClaim,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub type AppIdTokenClaims = IdTokenClaims<GroupsClaim, CoreGenderClaim>;
type AppTokenResponse = StandardTokenResponse<
    IdTokenFields<
        GroupsClaim,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
/// The client type `from_provider_metadata` returns: authorization endpoint set, token and
/// userinfo endpoints maybe set (discovery may lack them), the others not set.
type AppClient = openidconnect::Client<
    GroupsClaim,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    AppTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A sign-in started in this browser, waiting for its callback.
#[derive(Clone, Serialize, Deserialize)]
struct PendingSignIn {
    state: Secret,
    nonce: Secret,
    pkce_verifier: Secret,
    /// The local path to return to.
    next: String,
    /// Unix seconds.
    started_at: i64,
    /// A step-up before a guarded action: the answer must show a fresh authentication.
    #[serde(default)]
    step_up: bool,
}

/// What a verified ID token says about the person.
#[derive(Clone, Debug)]
pub struct Identity {
    pub sub: String,
    pub display_name: String,
    /// `None` when the token has no `groups` claim.
    pub groups: Option<Vec<String>>,
    /// Unix seconds.
    pub expires_at: i64,
    /// When the person last authenticated at the provider (`auth_time`), unix seconds.
    pub auth_time: Option<i64>,
}

/// Why discovery or a sign-in failed. Messages are for people and hold no secrets.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("OIDC discovery failed: {0}")]
    Discovery(String),
    #[error(
        "the provider signs ID tokens with {0}, which is keyed with the client secret; in \
         Authentik, select a signing key (a certificate) in the OAuth2 provider's settings so \
         that tokens are signed with RS256 (or ES256)"
    )]
    SharedSecretSigning(String),
    #[error("no sign-in was in progress in this browser, or it took too long; please start again")]
    NoPendingSignIn,
    #[error(
        "the answer from the identity provider does not belong to this browser's sign-in \
         (state mismatch); please start again"
    )]
    StateMismatch,
    #[error("the answer came from another issuer than the configured identity provider")]
    IssuerMismatch,
    #[error("the identity provider did not sign you in: {0}")]
    Provider(String),
    #[error("the identity provider refused the authorization code: {0}")]
    CodeRefused(String),
    #[error("the ID token was refused: {0}")]
    IdToken(String),
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the refresh was refused: {0}")]
    Refresh(String),
    /// The session could not be read or written; answered as the session store's error.
    #[error("session store error")]
    Session(#[from] tower_sessions::session::Error),
}

impl OidcError {
    pub fn status(&self) -> StatusCode {
        match self {
            OidcError::Unreachable(_) => StatusCode::BAD_GATEWAY,
            OidcError::Discovery(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// The provider as discovered at start-up, and the client registered there.
pub struct Oidc {
    client: AppClient,
    http: reqwest::Client,
    issuer: IssuerUrl,
    client_id: ClientId,
    end_session: Option<EndSessionUrl>,
    post_logout_redirect: PostLogoutRedirectUrl,
    scopes: Vec<Scope>,
    admin_groups: Vec<String>,
    viewer_groups: Vec<String>,
    clock_skew: chrono::Duration,
    /// `max_age` of an ordinary sign-in: the absolute session lifetime.
    max_age: Duration,
    /// Refreshes run one at a time; a result is kept briefly under the refresh token it used,
    /// so parallel requests of one session (loaded before the first one saved) do not spend a
    /// rotated refresh token twice.
    refreshes: tokio::sync::Mutex<HashMap<String, (Instant, SessionUser)>>,
}

impl fmt::Debug for Oidc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .finish_non_exhaustive()
    }
}

/// The HTTP client for the provider: no redirects followed (SSRF), bounded time.
fn http_client() -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .user_agent(concat!("homelab/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OidcError::Discovery(format!("cannot build the HTTP client: {}", chain(&e))))
}

/// An error and its sources on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

fn alg_name(alg: &CoreJwsSigningAlgorithm) -> String {
    serde_json::to_value(alg)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{alg:?}"))
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl Oidc {
    /// Reads the provider's discovery document and JWKS for `config.oidc`. Fails when the
    /// provider cannot be reached, names another issuer, or signs only with shared secrets.
    pub async fn discover(config: &Config) -> Result<Oidc, OidcError> {
        let Some(cfg) = &config.oidc else {
            return Err(OidcError::Discovery("no [oidc] section".into()));
        };
        let http = http_client()?;
        let issuer = IssuerUrl::new(cfg.issuer_url.clone())
            .map_err(|e| OidcError::Discovery(format!("`oidc.issuer_url`: {e}")))?;
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            cfg.issuer_url.trim_end_matches('/')
        );
        let metadata = ProviderMetadataWithLogout::discover_async(issuer.clone(), &http)
            .await
            .map_err(|e| {
                OidcError::Discovery(match e {
                    DiscoveryError::Validation(msg) => format!(
                        "{msg} at {discovery_url}: `oidc.issuer_url` must equal the provider's \
                         issuer exactly, trailing slash included (Authentik's ends with `/`)"
                    ),
                    DiscoveryError::Response(status, _, msg) if status.is_redirection() => {
                        format!(
                            "{msg}: the provider redirects, and redirects are not followed; \
                             set `oidc.issuer_url` to the issuer exactly"
                        )
                    }
                    DiscoveryError::Response(_, _, msg) => format!("{msg} ({discovery_url})"),
                    other => format!("{} ({discovery_url})", chain(&other)),
                })
            })?;
        let supported = metadata.id_token_signing_alg_values_supported();
        if !supported.iter().any(|alg| ALLOWED_ALGS.contains(alg)) {
            let names: Vec<String> = supported.iter().map(alg_name).collect();
            return Err(OidcError::SharedSecretSigning(names.join(", ")));
        }
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client_id = ClientId::new(cfg.client_id.clone());
        let redirect = RedirectUrl::new(config.public_url_for(CALLBACK_PATH))
            .map_err(|e| OidcError::Discovery(format!("redirect URI: {e}")))?;
        let post_logout_redirect =
            PostLogoutRedirectUrl::new(config.public_url_for(SIGNED_OUT_PATH))
                .map_err(|e| OidcError::Discovery(format!("post-logout redirect URI: {e}")))?;
        let client = AppClient::from_provider_metadata(
            metadata,
            client_id.clone(),
            Some(ClientSecret::new(cfg.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        if client.token_uri().is_none() {
            return Err(OidcError::Discovery(
                "the discovery document has no token endpoint".into(),
            ));
        }
        Ok(Oidc {
            client,
            http,
            issuer,
            client_id,
            end_session,
            post_logout_redirect,
            scopes: cfg
                .scopes
                .iter()
                .filter(|s| *s != "openid") // always sent by the client
                .map(|s| Scope::new(s.clone()))
                .collect(),
            admin_groups: cfg.admin_groups.clone(),
            viewer_groups: cfg.viewer_groups.clone(),
            clock_skew: chrono::Duration::seconds(cfg.clock_skew_secs as i64),
            max_age: Duration::from_secs(config.session.absolute_timeout_hours * 3600),
            refreshes: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The origin of the end-session endpoint (sign-out's form post ends there), if any.
    pub fn end_session_origin(&self) -> Option<String> {
        self.end_session
            .as_ref()
            .map(|e| e.url().origin().ascii_serialization())
    }

    /// The issuer, exactly as discovered.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// The role the configured groups give.
    pub fn role_for(&self, groups: &[String]) -> Option<Role> {
        policy::role_for_groups(groups, &self.admin_groups, &self.viewer_groups)
    }

    /// Starts a sign-in: remembers state, nonce and PKCE verifier in the session and returns the
    /// redirect to the provider's authorization endpoint. Every request carries `max_age`, which
    /// obliges the provider to send `auth_time`. `reauthenticate` (a step-up before a guarded
    /// action, when the last authentication is too old) sends `max_age=0` and `prompt=login`, so
    /// the provider asks for the password again even with a session of its own.
    pub async fn begin(
        &self,
        session: &Session,
        next: String,
        reauthenticate: bool,
    ) -> Result<Redirect, OidcError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(scope.clone());
        }
        request = if reauthenticate {
            request
                .set_max_age(Duration::ZERO)
                .add_prompt(CoreAuthPrompt::Login)
        } else {
            request.set_max_age(self.max_age)
        };
        let (url, state, nonce) = request.url();
        let now = now();
        let mut pending: Vec<PendingSignIn> = session.get(PENDING_KEY).await?.unwrap_or_default();
        pending.retain(|p| now - p.started_at <= PENDING_TTL_SECS);
        if pending.len() >= MAX_PENDING {
            pending.drain(..=pending.len() - MAX_PENDING);
        }
        pending.push(PendingSignIn {
            state: Secret::new(state.secret().clone()),
            nonce: Secret::new(nonce.secret().clone()),
            pkce_verifier: Secret::new(verifier.secret().clone()),
            next,
            started_at: now,
            step_up: reauthenticate,
        });
        session.insert(PENDING_KEY, pending).await?;
        Ok(Redirect::to(url.as_str()))
    }

    /// Finishes a sign-in from the callback's query: checks the state against the pending
    /// sign-ins (constant time, single use), exchanges the code with the PKCE verifier, verifies
    /// the ID token, reads the groups. Returns the user to sign in and where to go next.
    pub async fn finish(
        &self,
        session: &Session,
        query: CallbackQuery,
    ) -> Result<(SessionUser, String), OidcError> {
        let mut pending: Vec<PendingSignIn> = session.get(PENDING_KEY).await?.unwrap_or_default();
        if pending.is_empty() {
            return Err(OidcError::NoPendingSignIn);
        }
        let state = query.state.unwrap_or_default();
        // Compare against every entry, so the time taken does not say which one matched.
        let mut found = None;
        for (i, p) in pending.iter().enumerate() {
            if bool::from(p.state.expose().as_bytes().ct_eq(state.as_bytes())) {
                found = Some(i);
            }
        }
        let Some(index) = found else {
            return Err(OidcError::StateMismatch);
        };
        let started = pending.remove(index);
        if pending.is_empty() {
            session.remove_value(PENDING_KEY).await?;
        } else {
            session.insert(PENDING_KEY, &pending).await?;
        }
        if now() - started.started_at > PENDING_TTL_SECS {
            return Err(OidcError::NoPendingSignIn);
        }
        if let Some(iss) = &query.iss {
            // RFC 9207: the issuer of the authorization response, when the provider sends it.
            if iss != self.issuer.as_str() {
                return Err(OidcError::IssuerMismatch);
            }
        }
        if let Some(error) = &query.error {
            let text = match &query.error_description {
                Some(d) => format!("{error} ({d})"),
                None => error.clone(),
            };
            return Err(OidcError::Provider(text));
        }
        let Some(code) = query.code else {
            return Err(OidcError::Provider(
                "the answer has no authorization code".into(),
            ));
        };
        let tokens = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(
                started.pkce_verifier.expose().to_owned(),
            ))
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(e, OidcError::CodeRefused))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::IdToken("the token response has no ID token".into()))?;
        let nonce = Nonce::new(started.nonce.expose().to_owned());
        let claims = self.verify(id_token, Some(&nonce), Some(tokens.access_token()))?;
        let identity = identity(&claims);
        if started.step_up {
            // A step-up asked for max_age=0: an answer without a fresh auth_time did not
            // authenticate the person again, whatever the callback's time says.
            let skew = self.clock_skew.num_seconds();
            match identity.auth_time {
                Some(at) if at + skew >= started.started_at => {}
                Some(at) => {
                    return Err(OidcError::IdToken(format!(
                        "the provider did not ask for the password again: its auth_time ({at}) \
                         is older than the request ({})",
                        started.started_at
                    )))
                }
                None => {
                    return Err(OidcError::IdToken(
                        "the ID token has no auth_time, so the sign-in cannot count as recent"
                            .into(),
                    ))
                }
            }
        }
        let groups = match identity.groups.clone() {
            Some(groups) => groups,
            None => {
                self.userinfo_groups(tokens.access_token(), claims.subject())
                    .await?
            }
        };
        let user = SessionUser {
            role: self.role_for(&groups),
            groups: groups.clone(),
            sub: identity.sub,
            display_name: identity.display_name,
            signed_in_at: now(),
            authenticated_at: identity.auth_time,
            oidc: Some(OidcTokens {
                id_token: Secret::new(id_token.to_string()),
                refresh_token: tokens
                    .refresh_token()
                    .map(|t| Secret::new(t.secret().clone())),
                expires_at: identity.expires_at,
            }),
        };
        Ok((user, started.next))
    }

    /// Verifies an ID token: signature (RS256/ES256 only) against the JWKS, issuer, audience,
    /// expiry and issue time with the configured leeway, the nonce when one is expected (refresh
    /// answers may carry none), and `at_hash` when present.
    fn verify(
        &self,
        token: &AppIdToken,
        nonce: Option<&Nonce>,
        access_token: Option<&AccessToken>,
    ) -> Result<AppIdTokenClaims, OidcError> {
        let alg = token
            .signing_alg()
            .map_err(|e| OidcError::IdToken(e.to_string()))?;
        if alg.uses_shared_secret() {
            return Err(OidcError::SharedSecretSigning(alg_name(alg)));
        }
        let skew = self.clock_skew;
        let verifier = self
            .client
            .id_token_verifier()
            .set_allowed_algs(ALLOWED_ALGS)
            .set_time_fn(move || Utc::now() - skew)
            .set_issue_time_verifier_fn(move |iat| {
                if iat > Utc::now() + skew {
                    Err(format!("issued in the future ({iat})"))
                } else {
                    Ok(())
                }
            })
            .set_auth_time_verifier_fn(move |auth_time| match auth_time {
                Some(at) if at > Utc::now() + skew => {
                    Err(format!("authenticated in the future ({at})"))
                }
                _ => Ok(()),
            });
        let claims = match nonce {
            Some(nonce) => token.claims(&verifier, nonce),
            None => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        }
        .map_err(|e| OidcError::IdToken(e.to_string()))?
        .clone();
        if let (Some(expected), Some(access_token)) = (claims.access_token_hash(), access_token) {
            let key = token
                .signing_key(&verifier)
                .map_err(|e| OidcError::IdToken(e.to_string()))?;
            let actual = AccessTokenHash::from_token(access_token, alg, key)
                .map_err(|e| OidcError::IdToken(e.to_string()))?;
            if actual != *expected {
                return Err(OidcError::IdToken(
                    "the access token does not match the ID token's at_hash".into(),
                ));
            }
        }
        Ok(claims)
    }

    /// Verifies a serialized ID token as a sign-in would, with `nonce` expected. For tests that
    /// present tokens the provider's login would not give (another key, another audience).
    pub fn verify_id_token(&self, jwt: &str, nonce: &str) -> Result<Identity, OidcError> {
        let token: AppIdToken = jwt
            .parse()
            .map_err(|e: serde_json::Error| OidcError::IdToken(e.to_string()))?;
        let claims = self.verify(&token, Some(&Nonce::new(nonce.to_owned())), None)?;
        Ok(identity(&claims))
    }

    /// The `groups` from userinfo, for a provider that leaves them out of the ID token; no
    /// groups when there is no userinfo endpoint.
    async fn userinfo_groups(
        &self,
        access_token: &AccessToken,
        subject: &SubjectIdentifier,
    ) -> Result<Vec<String>, OidcError> {
        let Ok(request) = self
            .client
            .user_info(access_token.clone(), Some(subject.clone()))
        else {
            return Ok(Vec::new());
        };
        let claims: UserInfoClaims<GroupsClaim, CoreGenderClaim> = request
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::UserInfoError::Request(e) => OidcError::Unreachable(chain(&e)),
                openidconnect::UserInfoError::Parse(e) => {
                    OidcError::Provider(format!("unreadable userinfo answer at `{}`", e.path()))
                }
                other => OidcError::Provider(format!("userinfo: {other}")),
            })?;
        Ok(claims
            .additional_claims()
            .groups
            .clone()
            .unwrap_or_default())
    }

    /// Refreshes an expired session: a new ID token (verified, same `sub`) and the groups read
    /// again. `Ok(None)` when there is no refresh token: the person signs in again.
    pub async fn refresh(&self, user: &SessionUser) -> Result<Option<SessionUser>, OidcError> {
        let Some(tokens) = &user.oidc else {
            return Ok(None);
        };
        let Some(refresh_token) = &tokens.refresh_token else {
            return Ok(None);
        };
        let mut done = self.refreshes.lock().await;
        let fresh = |u: &SessionUser| u.oidc.as_ref().is_some_and(|t| t.expires_at > now());
        done.retain(|_, (at, u)| at.elapsed() < REFRESH_REUSE && fresh(u));
        if let Some((_, updated)) = done.get(refresh_token.expose()) {
            return Ok(Some(updated.clone()));
        }
        let refresh = RefreshToken::new(refresh_token.expose().to_owned());
        let response = self
            .client
            .exchange_refresh_token(&refresh)
            .map_err(|e| OidcError::Refresh(e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(e, OidcError::Refresh))?;
        let (id_token, display_name, groups, expires_at, auth_time) = match response.id_token() {
            Some(id_token) => {
                let claims = self.verify(id_token, None, Some(response.access_token()))?;
                if claims.subject().as_str() != user.sub {
                    return Err(OidcError::Refresh(
                        "the new ID token names another subject".into(),
                    ));
                }
                let identity = identity(&claims);
                let groups = match identity.groups {
                    Some(groups) => groups,
                    None => {
                        self.userinfo_groups(response.access_token(), claims.subject())
                            .await?
                    }
                };
                (
                    Secret::new(id_token.to_string()),
                    identity.display_name,
                    groups,
                    identity.expires_at,
                    identity.auth_time,
                )
            }
            None => {
                let subject = SubjectIdentifier::new(user.sub.clone());
                let groups = self
                    .userinfo_groups(response.access_token(), &subject)
                    .await?;
                let lifetime = response
                    .expires_in()
                    .map_or(DEFAULT_TOKEN_SECS, |d| d.as_secs() as i64);
                (
                    tokens.id_token.clone(),
                    user.display_name.clone(),
                    groups,
                    now() + lifetime,
                    None,
                )
            }
        };
        let updated = SessionUser {
            role: self.role_for(&groups),
            groups: groups.clone(),
            display_name,
            // A refresh authenticates nobody: it keeps the last authentication's time.
            authenticated_at: auth_time.or(user.authenticated_at),
            oidc: Some(OidcTokens {
                id_token,
                // Rotated when the provider sends a new one, else kept.
                refresh_token: response
                    .refresh_token()
                    .map(|t| Secret::new(t.secret().clone()))
                    .or_else(|| Some(refresh_token.clone())),
                expires_at,
            }),
            ..user.clone()
        };
        done.insert(
            refresh_token.expose().to_owned(),
            (Instant::now(), updated.clone()),
        );
        tracing::debug!(sub = %user.sub, role = ?updated.role, "session refreshed");
        Ok(Some(updated))
    }

    /// The provider's end-session URL with `id_token_hint`, `client_id` and
    /// `post_logout_redirect_uri`; None when discovery named no end-session endpoint.
    pub fn end_session_url(&self, tokens: &OidcTokens) -> Option<String> {
        let endpoint = self.end_session.clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(self.client_id.clone())
            .set_post_logout_redirect_uri(self.post_logout_redirect.clone());
        if let Ok(id_token) = tokens.id_token.expose().parse::<AppIdToken>() {
            request = request.set_id_token_hint(&id_token);
        }
        Some(request.http_get_url().to_string())
    }
}

/// Who the claims name, and what to show.
fn identity(claims: &AppIdTokenClaims) -> Identity {
    let display_name = claims
        .preferred_username()
        .map(|u| u.as_str().to_owned())
        .filter(|u| !u.is_empty())
        .or_else(|| claims.email().map(|e| e.as_str().to_owned()))
        .unwrap_or_else(|| claims.subject().as_str().to_owned());
    Identity {
        sub: claims.subject().as_str().to_owned(),
        display_name,
        groups: claims.additional_claims().groups.clone(),
        expires_at: claims.expiration().timestamp(),
        auth_time: claims.auth_time().map(|t| t.timestamp()),
    }
}

/// A token endpoint failure as a message: the provider's error code and description, the
/// transport error, or where the answer could not be read (never the answer itself).
fn token_error<RE: std::error::Error + 'static>(
    error: RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
    refused: fn(String) -> OidcError,
) -> OidcError {
    match error {
        RequestTokenError::ServerResponse(r) => {
            let mut text = r.error().as_ref().to_owned();
            if let Some(d) = r.error_description() {
                text.push_str(&format!(" ({d})"));
            }
            refused(text)
        }
        RequestTokenError::Request(e) => OidcError::Unreachable(chain(&e)),
        RequestTokenError::Parse(e, _) => {
            OidcError::Provider(format!("unreadable token response at `{}`", e.path()))
        }
        RequestTokenError::Other(text) => OidcError::Provider(text),
    }
}

/// The callback's query: `code` and `state`, or `error`; `iss` per RFC 9207. Not `Debug`: the
/// code is a credential.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}
