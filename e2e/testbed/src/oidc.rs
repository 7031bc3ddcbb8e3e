//! A real OpenID Connect provider for tests: the npm `oidc-provider` run by
//! `e2e/oidc/provider.mjs`, configured the way Authentik serves the `homelab` application.
//!
//! The issuer is `http://127.0.0.1:<port>/application/o/homelab/` (trailing slash included), ID
//! tokens are RS256 with a key generated at start-up and carry `groups`, `preferred_username`,
//! `email`, `name` and `auth_time`; `sub` is the SHA-256 of the user name in hex. PKCE S256 is
//! required, refresh tokens come only with `offline_access`, and there is an end-session endpoint.
//! Users: `admin` (group `homelab-admins`), `family` (group `family`), `stranger` (no group); any
//! password is accepted.
//! A users file ([`TestOidcOptions::users_file`]) adds users and is read again at every login and
//! refresh, so a test can change someone's groups while the provider runs; a known signing key
//! ([`TestOidcOptions::signing_key_pem`]) lets a test make tokens the provider's JWKS vouches for.
//!
//! The provider is a child process stopped by PID when [`TestOidc`] is dropped; it also exits by
//! itself when the test process is gone (it watches its parent PID), so a panic, an abort or a
//! `static` fixture that is never dropped leaves nothing behind. Its stderr is kept in a temporary
//! file: [`TestOidc::log`].
//!
//! The provider's cookies are `authentik_session`, `authentik_interaction` and
//! `authentik_interaction_resume`: cookies are not separated by port on 127.0.0.1, so the app
//! under test must not use these names.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::Url;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// How long the provider may take to print its ready line. Usually under a second; the
/// margin is for 2 cores shared with a build or another suite (CI once saw over 30 s).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Redirects and pages [`TestOidc::login`] goes through before giving up.
const MAX_LOGIN_STEPS: usize = 12;
/// Accepted by the provider for every user.
pub const PASSWORD: &str = "test-password";
/// Redirect URIs accepted when none is given: any path on any port of 127.0.0.1, so one provider
/// can serve apps started later on ports not known yet.
pub const ANY_LOOPBACK_URI: &str = r"http://127\.0\.0\.1:[0-9]+/.*";

/// How to start the provider; `TestOidcOptions::default()` is Authentik's usual shape.
#[derive(Debug, Clone, Default)]
pub struct TestOidcOptions {
    redirect_uris: Vec<String>,
    redirect_uri_regexes: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    post_logout_redirect_uri_regexes: Vec<String>,
    id_token_ttl: Option<Duration>,
    access_token_ttl: Option<Duration>,
    hs256: bool,
    issuer_path: Option<String>,
    client_secret: Option<String>,
    explicit_consent: bool,
    signing_key_pem: Option<String>,
    users_file: Option<PathBuf>,
    extra_args: Vec<String>,
}

impl TestOidcOptions {
    /// Allows this redirect URI (exact match). Without any redirect URI or regex, every
    /// [`ANY_LOOPBACK_URI`] is allowed; the same holds for post-logout redirect URIs.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Allows redirect URIs matching this regex in full, like Authentik's "regex" mode.
    pub fn redirect_uri_regex(mut self, regex: impl Into<String>) -> Self {
        self.redirect_uri_regexes.push(regex.into());
        self
    }

    /// Allows this post-logout redirect URI (exact match).
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uris.push(uri.into());
        self
    }

    /// Allows post-logout redirect URIs matching this regex in full.
    pub fn post_logout_redirect_uri_regex(mut self, regex: impl Into<String>) -> Self {
        self.post_logout_redirect_uri_regexes.push(regex.into());
        self
    }

    /// ID token lifetime in whole seconds (at least one; default 300).
    pub fn id_token_ttl(mut self, ttl: Duration) -> Self {
        self.id_token_ttl = Some(ttl);
        self
    }

    /// Access token lifetime in whole seconds (at least one; default 300).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = Some(ttl);
        self
    }

    /// Signs ID tokens with HS256 and the client secret (Authentik without a signing key) and
    /// advertises HS256 in discovery.
    pub fn hs256(mut self) -> Self {
        self.hs256 = true;
        self
    }

    /// Another issuer path, e.g. `/application/o/other/` (default `/application/o/homelab/`).
    pub fn issuer_path(mut self, path: impl Into<String>) -> Self {
        self.issuer_path = Some(path.into());
        self
    }

    /// A fixed client secret instead of a random one.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Shows a consent page with a "Continue" button instead of Authentik's implicit consent.
    pub fn explicit_consent(mut self) -> Self {
        self.explicit_consent = true;
        self
    }

    /// Signs with this RSA private key (PEM) instead of a fresh one, so a test can make tokens
    /// the provider's JWKS vouches for (see [`generate_rsa_pem`]).
    pub fn signing_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.signing_key_pem = Some(pem.into());
        self
    }

    /// Users from this JSON file (`[{"username","groups",…}]`), read again at every login, token
    /// and refresh: rewrite it to change a user's groups while the provider runs.
    pub fn users_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.users_file = Some(path.into());
        self
    }

    /// Any other `provider.mjs` argument (see `e2e/oidc/README.md`).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "--port".to_owned(),
            "0".to_owned(),
            "--exit-with-parent".to_owned(),
        ];
        let lists = [
            ("--redirect-uri", &self.redirect_uris),
            ("--redirect-uri-regex", &self.redirect_uri_regexes),
            (
                "--post-logout-redirect-uri",
                &self.post_logout_redirect_uris,
            ),
            (
                "--post-logout-redirect-uri-regex",
                &self.post_logout_redirect_uri_regexes,
            ),
        ];
        for (flag, values) in lists {
            for value in values {
                args.extend([flag.to_owned(), value.clone()]);
            }
        }
        if self.redirect_uris.is_empty() && self.redirect_uri_regexes.is_empty() {
            args.extend([
                "--redirect-uri-regex".to_owned(),
                ANY_LOOPBACK_URI.to_owned(),
            ]);
        }
        if self.post_logout_redirect_uris.is_empty()
            && self.post_logout_redirect_uri_regexes.is_empty()
        {
            args.extend([
                "--post-logout-redirect-uri-regex".to_owned(),
                ANY_LOOPBACK_URI.to_owned(),
            ]);
        }
        if let Some(ttl) = self.id_token_ttl {
            args.extend([
                "--id-token-ttl".to_owned(),
                ttl.as_secs().max(1).to_string(),
            ]);
        }
        if let Some(ttl) = self.access_token_ttl {
            args.extend([
                "--access-token-ttl".to_owned(),
                ttl.as_secs().max(1).to_string(),
            ]);
        }
        if self.hs256 {
            args.push("--hs256".to_owned());
        }
        if let Some(path) = &self.issuer_path {
            args.extend(["--issuer-path".to_owned(), path.clone()]);
        }
        if let Some(secret) = &self.client_secret {
            args.extend(["--client-secret".to_owned(), secret.clone()]);
        }
        if self.explicit_consent {
            args.push("--consent".to_owned());
        }
        if let Some(path) = &self.users_file {
            args.extend(["--users-file".to_owned(), path.display().to_string()]);
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }
}

/// The ready line `provider.mjs` prints on stdout.
#[derive(Debug, Deserialize)]
struct Ready {
    issuer: String,
    port: u16,
    client_id: String,
    client_secret: String,
}

/// A running provider; stopped when dropped.
pub struct TestOidc {
    ready: Ready,
    child: Child,
    log: tempfile::NamedTempFile,
    /// The `--signing-key` file, kept until the provider stops.
    _signing_key: Option<tempfile::NamedTempFile>,
}

impl std::fmt::Debug for TestOidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestOidc")
            .field("issuer", &self.ready.issuer)
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

impl TestOidc {
    /// Starts `e2e/oidc/provider.mjs` with Node (the `NODE` variable, else `node` on PATH) and
    /// waits for its ready line.
    pub async fn start(opts: TestOidcOptions) -> anyhow::Result<TestOidc> {
        let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let script = e2e.join("oidc/provider.mjs");
        for package in ["oidc-provider", "express"] {
            let manifest = e2e.join("node_modules").join(package).join("package.json");
            if !manifest.is_file() {
                bail!(
                    "{} is missing: run `npm ci` in {}",
                    manifest.display(),
                    e2e.display()
                );
            }
        }
        let node = std::env::var_os("NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from);
        let mut args = opts.args();
        let signing_key = match &opts.signing_key_pem {
            Some(pem) => {
                let mut file = tempfile::Builder::new()
                    .prefix("test-oidc-key-")
                    .suffix(".pem")
                    .tempfile()
                    .context("creating the signing key file")?;
                std::io::Write::write_all(&mut file, pem.as_bytes())
                    .context("writing the signing key file")?;
                args.extend([
                    "--signing-key".to_owned(),
                    file.path().display().to_string(),
                ]);
                Some(file)
            }
            None => None,
        };
        let log = tempfile::Builder::new()
            .prefix("test-oidc-")
            .suffix(".log")
            .tempfile()
            .context("creating the provider's log file")?;
        let mut child = Command::new(&node)
            .arg(&script)
            .args(&args)
            .current_dir(&e2e)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().context("opening the provider's log file")?)
            .spawn()
            .with_context(|| {
                format!(
                    "starting `{}` (Node.js 20 or later is needed on PATH, or set NODE)",
                    node.display()
                )
            })?;

        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no stdout pipe"))?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let first = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(first);
            // The provider prints nothing more; keep the pipe open and drained until it exits.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });

        let mut oidc = TestOidc {
            ready: Ready {
                issuer: String::new(),
                port: 0,
                client_id: String::new(),
                client_secret: String::new(),
            },
            child,
            log,
            _signing_key: signing_key,
        };
        let line = match tokio::time::timeout(START_TIMEOUT, rx).await {
            Ok(Ok(Ok(line))) if !line.trim().is_empty() => line,
            Ok(Ok(Err(err))) => bail!("reading the provider's stdout: {err}"),
            Err(_) => bail!(
                "the OIDC provider printed nothing within {START_TIMEOUT:?}; its log:\n{}",
                oidc.log()
            ),
            Ok(_) => {
                // Stdout closed without a line: the process failed; let it finish writing.
                let status = oidc.child.wait().ok();
                bail!(
                    "the OIDC provider exited ({status:?}) before it was ready; its log:\n{}",
                    oidc.log()
                );
            }
        };
        oidc.ready = serde_json::from_str(&line)
            .with_context(|| format!("the provider's ready line is not JSON: {line}"))?;
        tracing::debug!(issuer = %oidc.ready.issuer, pid = oidc.child.id(), "test OIDC provider ready");
        Ok(oidc)
    }

    /// The issuer URL, with its trailing slash, exactly as in the tokens and in discovery.
    pub fn issuer(&self) -> &str {
        &self.ready.issuer
    }

    /// The discovery document's URL.
    pub fn discovery_url(&self) -> String {
        format!("{}.well-known/openid-configuration", self.ready.issuer)
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.ready.port
    }

    /// The client's id (`homelab`).
    pub fn client_id(&self) -> &str {
        &self.ready.client_id
    }

    /// The client's secret (random per start unless given in the options).
    pub fn client_secret(&self) -> &str {
        &self.ready.client_secret
    }

    /// The `sub` claim the provider gives a user: SHA-256 of the user name, in lower-case hex.
    pub fn subject(username: &str) -> String {
        Sha256::digest(username.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// What the provider wrote to stderr so far (warnings and failed requests).
    pub fn log(&self) -> String {
        let mut text = String::new();
        match self.log.reopen() {
            Ok(mut file) => {
                if let Err(err) = file.read_to_string(&mut text) {
                    text = format!("(cannot read the log: {err})");
                }
            }
            Err(err) => text = format!("(cannot open the log: {err})"),
        }
        text
    }

    /// A client like a browser for [`TestOidc::login`] and the app: a cookie store, and no
    /// redirect followed by itself.
    pub fn http_client() -> anyhow::Result<reqwest::Client> {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the HTTP client")
    }

    /// Signs in without a browser: follows `authorize_url` through the provider's pages (login
    /// form with `user` and [`PASSWORD`], consent if shown) and returns the URL the provider
    /// redirects to outside itself, i.e. the app's callback with `code` and `state` (or with
    /// `error`), without requesting it.
    ///
    /// `http` must keep cookies and follow no redirects ([`TestOidc::http_client`]). When its
    /// cookies already hold a provider session, the provider asks nothing and `user` is not used:
    /// take a fresh client to sign in as someone else.
    pub async fn login(
        &self,
        http: &reqwest::Client,
        authorize_url: &str,
        user: &str,
    ) -> anyhow::Result<String> {
        let issuer = Url::parse(&self.ready.issuer).context("parsing the issuer")?;
        let mut url = Url::parse(authorize_url).context("parsing the authorize URL")?;
        let mut form: Option<Vec<(&str, &str)>> = None;
        let mut login_posted = false;
        for _ in 0..MAX_LOGIN_STEPS {
            let request = match form.take() {
                Some(fields) => http.post(url.clone()).form(&fields),
                None => http.get(url.clone()),
            };
            let response = request
                .send()
                .await
                .with_context(|| format!("requesting {url}"))?;
            if response.url() != &url {
                bail!("the HTTP client followed a redirect by itself: build it with redirect::Policy::none()");
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok())
                    .ok_or_else(|| anyhow!("{status} from {url} without a Location"))?;
                let target = url
                    .join(location)
                    .with_context(|| format!("bad Location {location}"))?;
                if target.origin() != issuer.origin() {
                    return Ok(target.into());
                }
                url = target;
                continue;
            }
            let is_html = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("text/html"));
            let body = response.text().await.unwrap_or_default();
            if !status.is_success() || !is_html {
                bail!(
                    "{status} from {url} (does the HTTP client keep cookies?): {}",
                    excerpt(&body)
                );
            }
            let action = form_action(&body)
                .ok_or_else(|| anyhow!("a page without a form at {url}: {}", excerpt(&body)))?;
            let target = url
                .join(&action)
                .with_context(|| format!("bad form action {action}"))?;
            if body.contains("name=\"username\"") {
                if login_posted {
                    bail!("the provider refused user {user:?}: {}", excerpt(&body));
                }
                login_posted = true;
                form = Some(vec![("username", user), ("password", PASSWORD)]);
            } else {
                form = Some(Vec::new());
            }
            url = target;
        }
        bail!("no redirect out of the provider after {MAX_LOGIN_STEPS} steps, last at {url}")
    }
}

/// A fresh 2048-bit RSA private key in PKCS#1 PEM, made by Node (already needed for the
/// provider): for [`TestOidcOptions::signing_key_pem`], or to sign tokens the provider never made.
pub async fn generate_rsa_pem() -> anyhow::Result<String> {
    let node = std::env::var_os("NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from);
    let out = tokio::process::Command::new(node)
        .args([
            "-e",
            "const { generateKeyPairSync } = require('node:crypto');\
             process.stdout.write(generateKeyPairSync('rsa', { modulusLength: 2048 })\
             .privateKey.export({ type: 'pkcs1', format: 'pem' }))",
        ])
        .output()
        .await
        .context("running node to make an RSA key")?;
    if !out.status.success() {
        bail!(
            "node failed to make an RSA key: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8(out.stdout).context("the RSA key is not UTF-8")
}

impl Drop for TestOidc {
    fn drop(&mut self) {
        // SIGKILL: the provider keeps nothing worth a graceful stop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `action` of the first form in a page the provider rendered.
fn form_action(html: &str) -> Option<String> {
    let form = &html[html.find("<form")?..];
    let tag = &form[..form.find('>')?];
    let start = tag.find("action=\"")? + "action=\"".len();
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The visible text of a page, shortened for an error message.
fn excerpt(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().take(400).collect()
}

#[cfg(test)]
mod tests {
    //! The provider is real: the `openidconnect` crate signs in through it and verifies what it
    //! issues, and refuses what it should.

    use std::collections::HashMap;

    use openidconnect::core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
        CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
        CoreRsaPrivateSigningKey, CoreTokenIntrospectionResponse, CoreTokenType,
    };
    use openidconnect::{
        AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
        CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken,
        IdTokenFields, IssuerUrl, JsonWebKey, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
        ProviderMetadataWithLogout, RedirectUrl, Scope, StandardErrorResponse,
        StandardTokenResponse, TokenResponse,
    };
    use serde::Serialize;

    use super::*;

    /// Authentik puts the user's group names into the ID token with the `profile` scope.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Groups {
        #[serde(default)]
        groups: Vec<String>,
    }
    impl AdditionalClaims for Groups {}

    type AppIdToken = IdToken<
        Groups,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >;
    type AppTokenResponse = StandardTokenResponse<
        IdTokenFields<
            Groups,
            EmptyExtraTokenFields,
            CoreGenderClaim,
            CoreJweContentEncryptionAlgorithm,
            CoreJwsSigningAlgorithm,
        >,
        CoreTokenType,
    >;
    /// The client type `from_provider_metadata` returns: auth URL set, token and userinfo URLs
    /// maybe set, the others not set.
    type AppClient = openidconnect::Client<
        Groups,
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

    const CALLBACK: &str = "http://127.0.0.1:9/auth/callback";

    struct SignedIn {
        client: AppClient,
        metadata: ProviderMetadataWithLogout,
        nonce: Nonce,
        tokens: AppTokenResponse,
    }

    async fn discover(oidc: &TestOidc, http: &reqwest::Client) -> ProviderMetadataWithLogout {
        ProviderMetadataWithLogout::discover_async(
            IssuerUrl::new(oidc.issuer().to_owned()).unwrap(),
            http,
        )
        .await
        .unwrap()
    }

    /// The whole authorization code flow with PKCE S256, state and nonce, as the app does it.
    async fn sign_in(oidc: &TestOidc, user: &str, scopes: &[&str]) -> anyhow::Result<SignedIn> {
        let http = TestOidc::http_client()?;
        let metadata = discover(oidc, &http).await;
        let client = AppClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(oidc.client_id().to_owned()),
            Some(ClientSecret::new(oidc.client_secret().to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned())?);

        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (authorize_url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .url();

        let callback = Url::parse(&oidc.login(&http, authorize_url.as_str(), user).await?)?;
        assert!(callback.as_str().starts_with(CALLBACK), "{callback}");
        let query: HashMap<_, _> = callback.query_pairs().into_owned().collect();
        assert_eq!(query.get("state"), Some(state.secret()), "{callback}");
        assert_eq!(query.get("iss").map(String::as_str), Some(oidc.issuer()));
        let code = query
            .get("code")
            .ok_or_else(|| anyhow!("no code in {callback}"))?;

        let tokens = client
            .exchange_code(AuthorizationCode::new(code.clone()))?
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await?;
        Ok(SignedIn {
            client,
            metadata,
            nonce,
            tokens,
        })
    }

    fn id_token(signed_in: &SignedIn) -> &AppIdToken {
        signed_in.tokens.id_token().unwrap()
    }

    #[tokio::test]
    async fn id_token_from_the_provider_verifies_against_its_jwks() {
        let oidc = TestOidc::start(TestOidcOptions::default()).await.unwrap();
        assert!(oidc.issuer().ends_with("/application/o/homelab/"));

        let signed_in = sign_in(&oidc, "admin", &["profile", "email"])
            .await
            .unwrap();
        let token = id_token(&signed_in);
        assert_eq!(
            *token.signing_alg().unwrap(),
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256
        );
        let verifier = signed_in
            .client
            .id_token_verifier()
            .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
        let claims = token.claims(&verifier, &signed_in.nonce).unwrap();

        assert_eq!(claims.issuer().as_str(), oidc.issuer());
        assert_eq!(claims.audiences()[0].as_str(), "homelab");
        assert_eq!(claims.subject().as_str(), TestOidc::subject("admin"));
        assert_eq!(claims.subject().len(), 64);
        assert_eq!(
            claims.preferred_username().unwrap().as_str(),
            "admin",
            "profile claims are in the ID token"
        );
        assert_eq!(claims.email().unwrap().as_str(), "admin@homelab.test");
        assert!(claims.name().is_some());
        assert!(claims.auth_time().is_some());
        assert_eq!(claims.additional_claims().groups, ["homelab-admins"]);
        assert!(
            signed_in.tokens.refresh_token().is_none(),
            "no refresh token without offline_access"
        );
        assert!(signed_in
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()
            .unwrap()
            .url()
            .as_str()
            .starts_with(oidc.issuer()));

        // A wrong nonce is refused.
        let err = token
            .claims(&verifier, &Nonce::new("another".to_owned()))
            .unwrap_err();
        assert!(
            matches!(err, ClaimsVerificationError::InvalidNonce(_)),
            "{err}"
        );
    }

    #[tokio::test]
    async fn groups_and_refresh_tokens_follow_the_user_and_the_scopes() {
        let oidc = TestOidc::start(TestOidcOptions::default()).await.unwrap();
        for (user, groups) in [("family", vec!["family"]), ("stranger", vec![])] {
            let signed_in = sign_in(&oidc, user, &["profile", "email", "offline_access"])
                .await
                .unwrap();
            let verifier = signed_in.client.id_token_verifier();
            let claims = id_token(&signed_in)
                .claims(&verifier, &signed_in.nonce)
                .unwrap();
            assert_eq!(claims.additional_claims().groups, groups);
            assert_eq!(claims.subject().as_str(), TestOidc::subject(user));
            assert!(
                signed_in.tokens.refresh_token().is_some(),
                "offline_access gives a refresh token without prompt=consent"
            );
        }

        let err = sign_in(&oidc, "nobody", &["profile"]).await.err().unwrap();
        assert!(err.to_string().contains("refused user"), "{err:#}");
    }

    #[tokio::test]
    async fn id_token_signed_by_another_key_fails_verification() {
        let oidc = TestOidc::start(TestOidcOptions::default()).await.unwrap();
        let signed_in = sign_in(&oidc, "admin", &["profile"]).await.unwrap();
        let verifier = signed_in.client.id_token_verifier();
        let claims = id_token(&signed_in)
            .claims(&verifier, &signed_in.nonce)
            .unwrap()
            .clone();

        // Same claims and the provider's key id, another RSA key.
        let kid = signed_in.metadata.jwks().keys()[0].key_id().cloned();
        let forger = CoreRsaPrivateSigningKey::from_pem(&rsa_pem().await, kid).unwrap();
        let forged = AppIdToken::new(
            claims,
            &forger,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .unwrap();
        let err = forged.claims(&verifier, &signed_in.nonce).unwrap_err();
        assert!(
            matches!(err, ClaimsVerificationError::SignatureVerification(_)),
            "{err}"
        );
    }

    #[tokio::test]
    async fn hs256_tokens_pass_a_verifier_built_from_discovery_unless_algorithms_are_pinned() {
        let oidc = TestOidc::start(TestOidcOptions::default().hs256())
            .await
            .unwrap();
        let signed_in = sign_in(&oidc, "admin", &["profile"]).await.unwrap();
        let token = id_token(&signed_in);
        assert_eq!(
            *token.signing_alg().unwrap(),
            CoreJwsSigningAlgorithm::HmacSha256
        );
        // The client takes its allowed algorithms from discovery and has the secret: accepted.
        let from_discovery = signed_in.client.id_token_verifier();
        assert!(token.claims(&from_discovery, &signed_in.nonce).is_ok());
        // Pinned to RS256, as the app should: refused.
        let pinned = signed_in
            .client
            .id_token_verifier()
            .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
        let err = token.claims(&pinned, &signed_in.nonce).unwrap_err();
        assert!(
            matches!(err, ClaimsVerificationError::SignatureVerification(_)),
            "{err}"
        );
    }

    #[tokio::test]
    async fn id_token_ttl_gives_expired_tokens() {
        let oidc = TestOidc::start(TestOidcOptions::default().id_token_ttl(Duration::from_secs(1)))
            .await
            .unwrap();
        let signed_in = sign_in(&oidc, "family", &["profile"]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let err = id_token(&signed_in)
            .claims(&signed_in.client.id_token_verifier(), &signed_in.nonce)
            .unwrap_err();
        assert!(matches!(err, ClaimsVerificationError::Expired(_)), "{err}");
    }

    #[tokio::test]
    async fn pkce_and_redirect_uris_are_enforced() {
        let oidc = TestOidc::start(
            TestOidcOptions::default().redirect_uri("http://127.0.0.1:9/auth/callback"),
        )
        .await
        .unwrap();
        let http = TestOidc::http_client().unwrap();
        let base = format!(
            "{}auth?client_id=homelab&response_type=code&scope=openid&state=s",
            oidc.issuer()
        );
        // No code_challenge: the error goes back to the app.
        let url = format!("{base}&redirect_uri={CALLBACK}");
        let callback = oidc.login(&http, &url, "admin").await.unwrap();
        assert!(callback.contains("error=invalid_request"), "{callback}");
        // A redirect URI not registered: an error page at the provider.
        let url = format!(
            "{base}&redirect_uri=http://127.0.0.1:9/elsewhere&code_challenge_method=S256\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let err = oidc.login(&http, &url, "admin").await.unwrap_err();
        assert!(err.to_string().contains("redirect_uri"), "{err:#}");
    }

    #[tokio::test]
    async fn issuer_path_changes_the_issuer() {
        let oidc = TestOidc::start(TestOidcOptions::default().issuer_path("/application/o/other"))
            .await
            .unwrap();
        assert!(oidc.issuer().ends_with("/application/o/other/"));
        let metadata = discover(&oidc, &TestOidc::http_client().unwrap()).await;
        assert_eq!(metadata.issuer().as_str(), oidc.issuer());
    }

    #[tokio::test]
    async fn explicit_consent_shows_a_page_the_login_helper_gets_through() {
        let oidc = TestOidc::start(TestOidcOptions::default().explicit_consent())
            .await
            .unwrap();
        let signed_in = sign_in(&oidc, "admin", &["profile"]).await.unwrap();
        assert!(signed_in.tokens.access_token().secret().len() > 10);
    }

    #[tokio::test]
    async fn a_users_file_changes_groups_while_the_provider_runs() {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users.json");
        let write = |groups: &str| {
            std::fs::write(
                &users,
                format!(r#"[{{"username": "temp", "groups": [{groups}]}}]"#),
            )
            .unwrap()
        };
        write(r#""family""#);
        let oidc = TestOidc::start(TestOidcOptions::default().users_file(&users))
            .await
            .unwrap();
        let groups = |signed_in: &SignedIn| {
            let verifier = signed_in.client.id_token_verifier();
            id_token(signed_in)
                .claims(&verifier, &signed_in.nonce)
                .unwrap()
                .additional_claims()
                .groups
                .clone()
        };
        let first = sign_in(&oidc, "temp", &["profile"]).await.unwrap();
        assert_eq!(groups(&first), ["family"]);
        write(r#""homelab-admins""#);
        let second = sign_in(&oidc, "temp", &["profile"]).await.unwrap();
        assert_eq!(groups(&second), ["homelab-admins"]);
    }

    #[tokio::test]
    async fn a_given_signing_key_signs_the_tokens() {
        let pem = rsa_pem().await;
        let oidc = TestOidc::start(TestOidcOptions::default().signing_key_pem(pem.clone()))
            .await
            .unwrap();
        let signed_in = sign_in(&oidc, "admin", &["profile"]).await.unwrap();
        let verifier = signed_in.client.id_token_verifier();
        let claims = id_token(&signed_in)
            .claims(&verifier, &signed_in.nonce)
            .unwrap()
            .clone();
        // A token the test makes with that key verifies against the provider's JWKS.
        let kid = signed_in.metadata.jwks().keys()[0].key_id().cloned();
        let signer = CoreRsaPrivateSigningKey::from_pem(&pem, kid).unwrap();
        let minted = AppIdToken::new(
            claims,
            &signer,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .unwrap();
        assert!(minted.claims(&verifier, &signed_in.nonce).is_ok());
    }

    async fn rsa_pem() -> String {
        generate_rsa_pem().await.unwrap()
    }
}
