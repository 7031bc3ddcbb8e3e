//! Sign-in through a real OpenID Connect provider shaped like Authentik (`testbed::oidc`):
//! roles from groups, sessions, refresh, sign-out, CSRF, and every rejection on its own.

use std::time::Duration;

use chrono::Utc;
use homelab::auth::oidc::{AppIdToken, AppIdTokenClaims, GroupsClaim, Oidc};
use homelab::config::Config;
use openidconnect::core::{CoreHmacKey, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey};
use openidconnect::{
    Audience, EndUserUsername, IssuerUrl, JsonWebKeyId, Nonce, StandardClaims, SubjectIdentifier,
};
use reqwest::StatusCode;
use testbed::oidc::{generate_rsa_pem, TestOidc, TestOidcOptions};
use tower_sessions::session::{Id, Record};
use tower_sessions::SessionStore;
use tower_sessions_sqlx_store::SqliteStore;

use crate::support::{
    config, location, oidc_config, query_param, with_query_param, Browser, LogCapture, TestApp,
};

async fn provider() -> TestOidc {
    TestOidc::start(TestOidcOptions::default()).await.unwrap()
}

/// A provider and an app signing in through it, with data in `dir`.
async fn app_with(oidc: &TestOidc, dir: &tempfile::TempDir) -> TestApp {
    TestApp::start(oidc_config(dir.path(), oidc)).await.unwrap()
}

/// The body, without the `<!>` markers Leptos puts between adjacent text nodes.
async fn body(response: reqwest::Response) -> String {
    response.text().await.unwrap().replace("<!>", "")
}

/// Signed in as `user` (the callback redirected to `/`).
async fn signed_in(app: &TestApp, oidc: &TestOidc, user: &str) -> Browser {
    let browser = Browser::new(app);
    let response = browser.sign_in(oidc, user, "/").await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        body(response).await
    );
    assert_eq!(location(&response), "/");
    browser
}

/// Asserts the browser is signed out: pages redirect to sign-in, the API answers 401.
async fn assert_signed_out(browser: &Browser) {
    let page = browser.get("/topology").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/auth/login?next=/topology");
    let api = browser.get("/api/v1/status").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        api.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "error": "sign-in required" })
    );
}

/// The callback's status and page for a sign-in refused with a message containing `reason`.
async fn assert_refused(response: reqwest::Response, reason: &str) {
    let status = response.status();
    let html = body(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("Sign-in failed"), "{html}");
    assert!(html.contains(reason), "expected {reason:?} in {html}");
}

fn nav_links(html: &str) -> Vec<&str> {
    let nav = &html[html.find("aria-label=\"Main\"").unwrap()..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    nav.split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect()
}

#[tokio::test]
async fn an_admin_signs_in_through_the_provider_and_sees_admin_navigation() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = Browser::new(&app);

    let authorize = browser.begin_sign_in("/topology").await;
    assert!(
        authorize.starts_with(&format!("{}auth?", oidc.issuer())),
        "{authorize}"
    );
    assert_eq!(
        query_param(&authorize, "code_challenge_method").unwrap(),
        "S256"
    );
    assert_eq!(
        query_param(&authorize, "redirect_uri").unwrap(),
        app.url("/auth/callback")
    );
    let scope = query_param(&authorize, "scope").unwrap();
    assert_eq!(scope, "openid profile email offline_access");
    let pre_login = browser
        .session()
        .expect("a pre-login session holds state and nonce");

    let callback = browser.provider_login(&oidc, &authorize, "admin").await;
    let response = browser.http.get(&callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/topology");
    let session = browser.session().unwrap();
    assert_ne!(session, pre_login, "a new session id at sign-in");

    let page = browser.get("/topology").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body(page).await;
    assert_eq!(
        nav_links(&html),
        [
            "/",
            "/topology",
            "/services",
            "/backups",
            "/storage",
            "/gitops",
            "/alerts",
            "/events",
            "/notifications",
            "/aars",
            "/audit"
        ]
    );
    // Authentik's `sub` is an opaque hash: the page shows the user name instead.
    assert!(html.contains("admin (admin)"), "{html}");
    assert!(!html.contains(&TestOidc::subject("admin")), "{html}");

    // The pre-login session is gone from the store.
    let store = SqliteStore::new(app.state.db.clone());
    let old: Id = pre_login.parse().unwrap();
    assert!(store.load(&old).await.unwrap().is_none());
}

#[tokio::test]
async fn a_family_member_sees_status_and_services_only_and_gets_403_for_admin_pages_and_api() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = signed_in(&app, &oidc, "family").await;

    let home = browser.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = body(home).await;
    assert_eq!(nav_links(&html), ["/", "/services"]);
    assert!(html.contains("family (viewer)"), "{html}");
    assert_eq!(browser.get("/services").await.status(), StatusCode::OK);

    for page in [
        "/topology",
        "/backups",
        "/storage",
        "/gitops",
        "/alerts",
        "/events",
        "/notifications",
        "/incidents/services/media/plex",
        "/aars",
        "/audit",
    ] {
        let response = browser.get(page).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{page}");
        assert!(body(response).await.contains("Admins only"), "{page}");
    }
    for api in ["/api/v1/nodes", "/api/v1/actions/scale"] {
        let response = browser.get(api).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{api}");
        assert_eq!(
            response.json::<serde_json::Value>().await.unwrap(),
            serde_json::json!({ "error": "this needs the admin role" })
        );
    }
    let csrf = browser.csrf("/").await;
    let post = browser
        .post_form("/api/v1/actions/scale", &[("csrf", &csrf)])
        .await;
    assert_eq!(post.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_user_in_neither_group_gets_the_no_access_page_not_a_sign_in_loop() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = signed_in(&app, &oidc, "stranger").await;

    for path in ["/", "/services", "/topology"] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let html = body(response).await;
        assert!(html.contains("<h1>No access</h1>"), "{html}");
        assert!(html.contains("action=\"/auth/logout\""), "{html}");
    }
    let api = browser.get("/api/v1/status").await;
    assert_eq!(api.status(), StatusCode::FORBIDDEN);

    // Signing in again goes through the provider (the groups may have changed) and ends on the
    // same page, not in a loop.
    let again = browser.sign_in(&oidc, "stranger", "/").await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/").await.status(), StatusCode::FORBIDDEN);

    // The no-access page's sign-out works.
    let csrf = browser.csrf("/").await;
    let out = browser.post_form("/auth/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_signed_out(&browser).await;
}

#[tokio::test]
async fn signing_out_ends_the_session_goes_to_the_provider_and_the_old_cookie_no_longer_works() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = signed_in(&app, &oidc, "admin").await;
    let cookie = browser.session().unwrap();

    // The sign-out form posts here and is redirected to the provider: the CSP allows that.
    let page = browser.get("/").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    let provider_origin = format!("http://127.0.0.1:{}", oidc.port());
    assert!(
        csp.contains(&format!("form-action 'self' {provider_origin};")),
        "{csp}"
    );

    let csrf = browser.csrf("/").await;
    let out = browser.post_form("/auth/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let end_session = location(&out);
    assert!(
        end_session.starts_with(&format!("{}session/end?", oidc.issuer())),
        "{end_session}"
    );
    assert_eq!(
        query_param(&end_session, "post_logout_redirect_uri").unwrap(),
        app.url("/auth/signed-out")
    );
    assert_eq!(query_param(&end_session, "client_id").unwrap(), "homelab");
    let hint = query_param(&end_session, "id_token_hint").unwrap();
    assert_eq!(hint.split('.').count(), 3, "a JWT: {hint}");
    // The provider accepts the hint and the redirect URI: it shows its sign-out page.
    let provider_page = browser.http.get(&end_session).send().await.unwrap();
    assert_eq!(provider_page.status(), StatusCode::OK);
    assert!(body(provider_page).await.contains("op.logoutForm"));

    assert_signed_out(&browser).await;
    // Another client presenting the old cookie gets nothing either.
    let replay = Browser::new(&app);
    replay.set_session(&cookie);
    assert_signed_out(&replay).await;

    let signed_out = browser.get("/auth/signed-out").await;
    assert_eq!(signed_out.status(), StatusCode::OK);
    assert!(body(signed_out).await.contains("Signed out"));
}

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = signed_in(&app, &oidc, "admin").await;
    let cookie = browser.session().unwrap();
    app.stop().await;

    let app = app_with(&oidc, &dir).await;
    let browser = Browser::new(&app);
    browser.set_session(&cookie);
    let page = browser.get("/topology").await;
    assert_eq!(page.status(), StatusCode::OK);
}

// --- Rejected sign-ins -----------------------------------------------------------------------

#[tokio::test]
async fn a_callback_with_the_wrong_state_is_refused() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = Browser::new(&app);
    let authorize = browser.begin_sign_in("/").await;
    let callback = browser.provider_login(&oidc, &authorize, "admin").await;

    let forged = with_query_param(&callback, "state", "not-the-state");
    let response = browser.http.get(&forged).send().await.unwrap();
    assert_refused(response, "state mismatch").await;
    let missing = browser.get("/auth/callback?code=abc").await;
    assert_refused(missing, "state mismatch").await;
    assert_signed_out(&browser).await;
}

#[tokio::test]
async fn a_replayed_authorization_code_is_refused() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = Browser::new(&app);
    let authorize = browser.begin_sign_in("/").await;
    let callback = browser.provider_login(&oidc, &authorize, "admin").await;
    let first = browser.http.get(&callback).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);

    // The same callback in another browser: no sign-in in progress there.
    let attacker = Browser::new(&app);
    let replay = attacker.http.get(&callback).send().await.unwrap();
    assert_refused(replay, "sign-in was in progress").await;
    assert_signed_out(&attacker).await;

    // In a browser with a sign-in in progress, and its state: the provider refuses the used code.
    let authorize = attacker.begin_sign_in("/").await;
    let state = query_param(&authorize, "state").unwrap();
    let replay = with_query_param(&callback, "state", &state);
    let response = attacker.http.get(&replay).send().await.unwrap();
    assert_refused(response, "refused the authorization code: invalid_grant").await;
    assert_signed_out(&attacker).await;

    // And the state is single-use too: the same callback again finds nothing in progress.
    let again = attacker.http.get(&replay).send().await.unwrap();
    assert_refused(again, "sign-in was in progress").await;
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = Browser::new(&app);
    let authorize = browser.begin_sign_in("/").await;
    // The provider puts whatever nonce the authorization request carries into the ID token.
    let tampered = with_query_param(&authorize, "nonce", "a-nonce-of-someone-else");
    let callback = browser.provider_login(&oidc, &tampered, "admin").await;
    let response = browser.http.get(&callback).send().await.unwrap();
    assert_refused(response, "Invalid nonce").await;
    assert_signed_out(&browser).await;
}

/// Claims as the provider would issue them for `admin`, for tokens the tests sign themselves.
fn claims(oidc: &TestOidc, audience: &str, expires_in: chrono::Duration) -> AppIdTokenClaims {
    let now = Utc::now();
    AppIdTokenClaims::new(
        IssuerUrl::new(oidc.issuer().to_owned()).unwrap(),
        vec![Audience::new(audience.to_owned())],
        now + expires_in,
        now - chrono::Duration::seconds(5),
        StandardClaims::new(SubjectIdentifier::new(TestOidc::subject("admin")))
            .set_preferred_username(Some(EndUserUsername::new("admin".into()))),
        GroupsClaim {
            groups: Some(vec!["homelab-admins".into()]),
        },
    )
    .set_nonce(Some(Nonce::new("the-nonce".into())))
}

/// The key id the provider publishes in its JWKS.
async fn provider_kid(oidc: &TestOidc) -> Option<JsonWebKeyId> {
    let jwks: serde_json::Value = reqwest::get(format!("{}jwks", oidc.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"][0]["kid"]
        .as_str()
        .map(|kid| JsonWebKeyId::new(kid.to_owned()))
}

fn rs256(claims: AppIdTokenClaims, pem: &str, kid: Option<JsonWebKeyId>) -> String {
    let key = CoreRsaPrivateSigningKey::from_pem(pem, kid).unwrap();
    AppIdToken::new(
        claims,
        &key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap()
    .to_string()
}

/// The provider signing with a key the test knows, and the app's verifier from its discovery.
async fn provider_with_known_key(clock_skew_secs: u64) -> (TestOidc, Oidc, String) {
    let pem = generate_rsa_pem().await.unwrap();
    let oidc = TestOidc::start(TestOidcOptions::default().signing_key_pem(pem.clone()))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = oidc_config(dir.path(), &oidc);
    config.oidc.as_mut().unwrap().clock_skew_secs = clock_skew_secs;
    let verifier = Oidc::discover(&config).await.unwrap();
    (oidc, verifier, pem)
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    let (oidc, verifier, pem) = provider_with_known_key(60).await;
    let kid = provider_kid(&oidc).await;
    let hour = chrono::Duration::hours(1);
    // Signed with the provider's own key: only the audience differs.
    let ours = rs256(claims(&oidc, "homelab", hour), &pem, kid.clone());
    verifier.verify_id_token(&ours, "the-nonce").unwrap();
    let theirs = rs256(claims(&oidc, "another-app", hour), &pem, kid);
    let err = verifier
        .verify_id_token(&theirs, "the-nonce")
        .unwrap_err()
        .to_string();
    assert!(err.contains("Invalid audiences"), "{err}");
    assert!(err.contains("another-app"), "{err}");
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    // The provider mints ID tokens at the code exchange, so its own are always fresh there: this
    // one is signed with its key and expired five minutes ago, beyond the minute of leeway.
    let (oidc, verifier, pem) = provider_with_known_key(60).await;
    let kid = provider_kid(&oidc).await;
    let expired = rs256(
        claims(&oidc, "homelab", chrono::Duration::minutes(-5)),
        &pem,
        kid,
    );
    let err = verifier
        .verify_id_token(&expired, "the-nonce")
        .unwrap_err()
        .to_string();
    assert!(err.contains("ID token expired"), "{err}");
}

#[tokio::test]
async fn an_id_token_signed_by_another_key_is_refused() {
    let (oidc, verifier, _) = provider_with_known_key(60).await;
    let kid = provider_kid(&oidc).await;
    let other = generate_rsa_pem().await.unwrap();
    let forged = rs256(
        claims(&oidc, "homelab", chrono::Duration::hours(1)),
        &other,
        kid,
    );
    let err = verifier
        .verify_id_token(&forged, "the-nonce")
        .unwrap_err()
        .to_string();
    assert!(err.contains("Signature verification failed"), "{err}");
}

#[tokio::test]
async fn the_clock_skew_leeway_is_the_configured_one() {
    let just_expired = chrono::Duration::seconds(-20);
    for (skew, accepted) in [(60, true), (0, false)] {
        let (oidc, verifier, pem) = provider_with_known_key(skew).await;
        let kid = provider_kid(&oidc).await;
        let token = rs256(claims(&oidc, "homelab", just_expired), &pem, kid);
        let result = verifier.verify_id_token(&token, "the-nonce");
        assert_eq!(result.is_ok(), accepted, "skew {skew}: {result:?}");
    }
}

#[tokio::test]
async fn an_hs256_id_token_is_refused_with_a_message_about_the_signing_key() {
    let (oidc, verifier, _) = provider_with_known_key(60).await;
    // HS256 with the client secret: what Authentik issues when no signing key is selected.
    let key = CoreHmacKey::new(oidc.client_secret().as_bytes().to_vec());
    let token = AppIdToken::new(
        claims(&oidc, "homelab", chrono::Duration::hours(1)),
        &key,
        CoreJwsSigningAlgorithm::HmacSha256,
        None,
        None,
    )
    .unwrap()
    .to_string();
    let err = verifier
        .verify_id_token(&token, "the-nonce")
        .unwrap_err()
        .to_string();
    assert!(err.contains("HS256"), "{err}");
    assert!(err.contains("select a signing key"), "{err}");
}

#[tokio::test]
async fn a_provider_left_on_hs256_is_refused_at_start_up() {
    let oidc = TestOidc::start(TestOidcOptions::default().hs256())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = TestApp::start(oidc_config(dir.path(), &oidc))
        .await
        .err()
        .unwrap();
    let message = format!("{err:#}");
    assert!(message.contains("HS256"), "{message}");
    assert!(message.contains("select a signing key"), "{message}");
}

#[tokio::test]
async fn an_issuer_without_its_trailing_slash_fails_at_start_up_showing_both_strings() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = oidc_config(dir.path(), &oidc);
    let without_slash = oidc.issuer().trim_end_matches('/').to_owned();
    config.oidc.as_mut().unwrap().issuer_url = without_slash.clone();
    let err = TestApp::start(config).await.err().unwrap();
    let message = format!("{err:#}");
    assert!(
        message.contains(&format!("`{}`", oidc.issuer())),
        "{message}"
    );
    assert!(message.contains(&format!("`{without_slash}`")), "{message}");
    assert!(message.contains("trailing slash"), "{message}");
}

#[tokio::test]
async fn an_unreachable_provider_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut config = config(dir.path());
    config.oidc = Some(homelab::config::OidcConfig {
        issuer_url: format!("http://127.0.0.1:{port}/application/o/homelab/"),
        client_id: "homelab".into(),
        client_secret: "s3cret".into(),
        ..Default::default()
    });
    let message = format!("{:#}", TestApp::start(config).await.err().unwrap());
    assert!(message.contains("OIDC discovery failed"), "{message}");
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
}

// --- Sessions and cookies --------------------------------------------------------------------

#[tokio::test]
async fn a_forged_or_altered_session_cookie_is_refused() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = signed_in(&app, &oidc, "admin").await;
    let cookie = browser.session().unwrap();
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);

    let mut altered = cookie.clone().into_bytes();
    let last = altered.len() - 2;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for value in [
        altered.as_str(),
        "AAAAAAAAAAAAAAAAAAAAAA",
        "not a session id",
        "",
    ] {
        let forger = Browser::new(&app);
        forger.set_session(value);
        assert_signed_out(&forger).await;
    }
}

#[tokio::test]
async fn idle_and_outlived_sessions_are_signed_out_and_the_apps_cleanup_deletes_them() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let idle = signed_in(&app, &oidc, "admin").await;
    let outlived = signed_in(&app, &oidc, "family").await;
    let current = signed_in(&app, &oidc, "admin").await;
    let ids = |b: &Browser| b.session().unwrap();
    let (idle_id, outlived_id, current_id) = (ids(&idle), ids(&outlived), ids(&current));
    // The server's own store: it holds sessions in memory in front of SQLite.
    let store = app.state.sessions.clone();
    let now = tower_sessions::cookie::time::OffsetDateTime::now_utc();

    // Unused past the idle limit: the expiry the last request set has passed.
    let mut record = session_record(&app, &idle_id).await;
    record.expiry_date = now - tower_sessions::cookie::time::Duration::minutes(1);
    store.save(&record).await.unwrap();
    // Used all along, but signed in longer ago than the absolute limit (7 days).
    let mut record = session_record(&app, &outlived_id).await;
    record.data.get_mut("user").unwrap()["signed_in_at"] =
        serde_json::json!(jiff::Timestamp::now().as_second() - 8 * 24 * 3600);
    store.save(&record).await.unwrap();

    assert_signed_out(&idle).await;
    assert_signed_out(&outlived).await;
    assert_eq!(current.get("/topology").await.status(), StatusCode::OK);

    // The server's own cleanup (at start-up, then every ten minutes) deletes the expired rows;
    // the outlived one was deleted when it was refused.
    app.stop().await;
    let app = app_with(&oidc, &dir).await;
    let rows: Vec<String> = sqlx::query_scalar("select id from tower_sessions")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert!(!rows.contains(&idle_id), "{rows:?}");
    assert!(!rows.contains(&outlived_id), "{rows:?}");
    assert!(rows.contains(&current_id), "{rows:?}");
    let browser = Browser::new(&app);
    browser.set_session(&current_id);
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);
}

// --- CSRF --------------------------------------------------------------------------------------

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = signed_in(&app, &oidc, "admin").await;
    let csrf = browser.csrf("/").await;

    for fields in [vec![], vec![("csrf", "wrong")], vec![("csrf", &csrf[..10])]] {
        let response = browser.post_form("/auth/logout", &fields).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{fields:?}");
        assert!(body(response).await.contains("CSRF token missing or wrong"));
    }
    let api = browser.post_form("/api/v1/actions/scale", &[]).await;
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    assert!(api.json::<serde_json::Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("CSRF"));
    // Still signed in: nothing happened.
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);

    // The header works as well as the form field.
    let response = browser
        .http
        .post(app.url("/auth/logout"))
        .header("origin", browser.origin())
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_signed_out(&browser).await;
}

#[tokio::test]
async fn a_post_from_a_foreign_origin_is_refused() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = signed_in(&app, &oidc, "admin").await;
    let csrf = browser.csrf("/").await;
    let other_port = format!("http://127.0.0.1:{}", oidc.port());
    for origin in [
        Some("https://evil.example"),
        Some(other_port.as_str()),
        Some("null"),
        None,
    ] {
        let response = browser
            .post_form_from("/auth/logout", &[("csrf", &csrf)], origin)
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?}");
        assert!(body(response).await.contains("did not come from this site"));
    }
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn pages_and_api_without_a_session_are_refused() {
    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = Browser::new(&app);
    for page in ["/", "/services", "/topology", "/audit", "/anything-new"] {
        let response = browser.get(page).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(
            location(&response).starts_with("/auth/login?next="),
            "{page}"
        );
    }
    for api in ["/api/v1/status", "/api/v1/nodes"] {
        assert_eq!(
            browser.get(api).await.status(),
            StatusCode::UNAUTHORIZED,
            "{api}"
        );
    }
    let post = browser.post_form("/api/v1/actions/scale", &[]).await;
    assert_eq!(post.status(), StatusCode::UNAUTHORIZED);
    // Sign-in pages and health stay open.
    assert_eq!(browser.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(
        browser.get("/auth/login").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_dev_sign_in_needs_a_same_origin_post_and_is_absent_next_to_oidc() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    let browser = Browser::new(&app);
    let fields = [("role", "admin"), ("next", "/topology")];
    let foreign = browser
        .post_form_from("/auth/dev", &fields, Some("https://evil.example"))
        .await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_signed_out(&browser).await;
    let ok = browser.post_form("/auth/dev", &fields).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);

    let oidc = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&oidc, &dir).await;
    let browser = Browser::new(&app);
    let response = browser.post_form("/auth/dev", &fields).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// The first server-sent event of `response`, as JSON.
async fn first_event(response: &mut reqwest::Response) -> serde_json::Value {
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = response.chunk().await.unwrap().expect("the stream ended");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let data = text
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or_else(|| panic!("no data in {text:?}"));
    serde_json::from_str(data).unwrap()
}

#[tokio::test]
async fn the_public_live_stream_carries_the_status_page_only_and_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.public_status = true;
    config.server.public_streams = 2;
    let app = TestApp::start(config).await.unwrap();
    let anyone = Browser::new(&app);

    let mut first = anyone.get("/api/v1/live").await;
    assert_eq!(first.status(), StatusCode::OK);
    let update = first_event(&mut first).await;
    let ids: Vec<&str> = update["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s[0].as_str())
        .collect();
    assert!(ids.contains(&"media/plex"), "{update}");
    assert!(!ids.contains(&"media/sonarr"), "{update}");
    assert!(update["health"].is_null(), "{update}");
    assert_eq!(update["panels"], serde_json::json!([]));
    assert_eq!(update["backups"], serde_json::json!([]));

    // Two at once without sign-in; the third is told to come back later.
    let second = anyone.get("/api/v1/live").await;
    assert_eq!(second.status(), StatusCode::OK);
    let third = anyone.get("/api/v1/live").await;
    assert_eq!(third.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(third.headers()["retry-after"], "30");
    assert!(body(third).await.contains("too many live streams"));
    // A signed-in admin is not counted against the public streams.
    let admin = Browser::new(&app);
    let fields = [("role", "admin"), ("next", "/")];
    admin.post_form("/auth/dev", &fields).await;
    let mut own = admin.get("/api/v1/live").await;
    assert_eq!(own.status(), StatusCode::OK);
    assert!(first_event(&mut own).await["health"].is_string());

    // A public stream that closes gives its place back.
    drop(second);
    let mut again = None;
    for _ in 0..100 {
        let response = anyone.get("/api/v1/live").await;
        if response.status() == StatusCode::OK {
            again = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        again.is_some(),
        "the closed stream's place was not given back"
    );
}

#[tokio::test]
async fn public_status_opens_the_status_page_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.public_status = true;
    let app = TestApp::start(config).await.unwrap();
    let browser = Browser::new(&app);
    let status = browser.get("/").await;
    assert_eq!(status.status(), StatusCode::OK);
    let html = body(status).await;
    assert!(nav_links(&html).is_empty(), "{html}");
    assert!(html.contains("data-service=\"media/plex\""), "{html}");
    // The JSON: the family's services only.
    let api = browser.get("/api/v1/status").await;
    assert_eq!(api.status(), StatusCode::OK);
    let services: Vec<serde_json::Value> = api.json().await.unwrap();
    let names: Vec<&str> = services
        .iter()
        .filter_map(|s| s["service"].as_str())
        .collect();
    assert!(names.contains(&"Plex"), "{names:?}");
    assert!(!names.contains(&"Sonarr"), "{names:?}");
    assert_eq!(
        browser.get("/services").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        browser.get("/topology").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        browser.get("/api/v1/nodes").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Off by default.
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(crate::support::config(dir.path()))
        .await
        .unwrap();
    assert_eq!(
        Browser::new(&app).get("/").await.status(),
        StatusCode::SEE_OTHER
    );
}

// --- Refresh -----------------------------------------------------------------------------------

fn write_users(path: &std::path::Path, groups: &[&str]) {
    let users = serde_json::json!([{ "username": "temp", "groups": groups }]);
    std::fs::write(path, users.to_string()).unwrap();
}

/// Lifetime of the ID tokens of [`short_lived`]: long enough for the steps before expiry to run
/// on a loaded 2-core machine, short enough to wait for.
const TTL: Duration = Duration::from_secs(4);
/// Waiting this long makes sure the ID token has expired (whole seconds, no leeway).
const PAST_TTL: Duration = Duration::from_millis(4700);

/// A provider with short-lived ID tokens and a user `temp` whose groups the test rewrites.
async fn short_lived(users: &std::path::Path) -> TestOidc {
    TestOidc::start(
        TestOidcOptions::default()
            .id_token_ttl(TTL)
            .users_file(users),
    )
    .await
    .unwrap()
}

fn no_skew(config: &mut Config) {
    config.oidc.as_mut().unwrap().clock_skew_secs = 0;
}

#[tokio::test]
async fn with_offline_access_refresh_keeps_the_session_and_its_groups_current() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    write_users(&users, &["family"]);
    let oidc = short_lived(&users).await;
    let mut config = oidc_config(dir.path(), &oidc);
    no_skew(&mut config);
    let app = TestApp::start(config).await.unwrap();
    let browser = signed_in(&app, &oidc, "temp").await;
    assert_eq!(
        browser.get("/topology").await.status(),
        StatusCode::FORBIDDEN
    );

    // Made an admin at the provider: it shows once the ID token expires and is refreshed.
    write_users(&users, &["family", "homelab-admins"]);
    assert_eq!(
        browser.get("/topology").await.status(),
        StatusCode::FORBIDDEN
    );
    tokio::time::sleep(PAST_TTL).await;
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);

    // Removed from every group: no access after the next refresh, still signed in.
    write_users(&users, &[]);
    tokio::time::sleep(PAST_TTL).await;
    let response = browser.get("/").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(body(response).await.contains("No access"));
}

#[tokio::test]
async fn without_offline_access_an_expired_id_token_means_signing_in_again() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    write_users(&users, &["family"]);
    let oidc = short_lived(&users).await;
    let mut config = oidc_config(dir.path(), &oidc);
    no_skew(&mut config);
    config.oidc.as_mut().unwrap().scopes =
        ["openid", "profile", "email"].map(String::from).to_vec();
    let app = TestApp::start(config).await.unwrap();
    let browser = signed_in(&app, &oidc, "temp").await;
    assert_eq!(browser.get("/").await.status(), StatusCode::OK);
    tokio::time::sleep(PAST_TTL).await;
    let response = browser.get("/services").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/auth/login?next=/services");
    // Signing in again (the provider remembers the person) brings them back.
    let again = browser.sign_in(&oidc, "temp", "/services").await;
    assert_eq!(location(&again), "/services");
    assert_eq!(browser.get("/services").await.status(), StatusCode::OK);
}

// --- Logs --------------------------------------------------------------------------------------

/// Every string value in a session record's data, by key path.
fn secrets_in(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) if s.len() >= 16 => out.push((path.to_owned(), s.clone())),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                secrets_in(v, &format!("{path}.{k}"), out);
            }
        }
        serde_json::Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                secrets_in(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

async fn session_record(app: &TestApp, cookie: &str) -> Record {
    SqliteStore::new(app.state.db.clone())
        .load(&cookie.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn no_secret_appears_in_the_logs_of_a_full_sign_in_refresh_and_sign_out() {
    let capture = LogCapture::start();
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    write_users(&users, &["homelab-admins"]);
    let oidc = short_lived(&users).await;
    let mut config = oidc_config(dir.path(), &oidc);
    no_skew(&mut config);
    let app = TestApp::start(config).await.unwrap();
    let browser = Browser::new(&app);

    let mut secrets: Vec<(String, String)> =
        vec![("client secret".into(), oidc.client_secret().into())];
    let authorize = browser.begin_sign_in("/topology").await;
    let pre_login = browser.session().unwrap();
    secrets.push(("pre-login cookie".into(), pre_login.clone()));
    let record = session_record(&app, &pre_login).await;
    for (key, value) in &record.data {
        secrets_in(value, key, &mut secrets);
    }
    let callback = browser.provider_login(&oidc, &authorize, "temp").await;
    secrets.push(("code".into(), query_param(&callback, "code").unwrap()));
    let response = browser.http.get(&callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);
    let cookie = browser.session().unwrap();
    secrets.push(("session cookie".into(), cookie.clone()));
    for (key, value) in &session_record(&app, &cookie).await.data {
        secrets_in(value, key, &mut secrets);
    }
    for (name, cookie) in ["authentik_session", "authentik_interaction"]
        .iter()
        .filter_map(|n| browser.cookie(n).map(|c| (n.to_string(), c)))
    {
        secrets.push((name, cookie));
    }

    // A refresh.
    tokio::time::sleep(PAST_TTL).await;
    assert_eq!(browser.get("/topology").await.status(), StatusCode::OK);
    for (key, value) in &session_record(&app, &cookie).await.data {
        secrets_in(value, key, &mut secrets);
    }

    let csrf = browser.csrf("/").await;
    let out = browser.post_form("/auth/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    secrets.push((
        "id_token_hint".into(),
        query_param(&location(&out), "id_token_hint").unwrap(),
    ));
    app.stop().await;

    let names: Vec<&str> = secrets.iter().map(|(k, _)| k.as_str()).collect();
    for wanted in [
        "oidc.pending[0].pkce_verifier",
        "oidc.pending[0].nonce",
        "oidc.pending[0].state",
        "user.oidc.refresh_token",
        "user.oidc.id_token",
        "csrf",
    ] {
        assert!(
            names.contains(&wanted),
            "{wanted} not found among {names:?}"
        );
    }
    let logs = capture.text();
    assert!(logs.contains("signed in"), "the capture works: {logs}");
    assert!(logs.contains("TRACE"), "every level is captured");
    assert!(logs.contains(&TestOidc::subject("temp")), "sub is logged");
    // `sub` is no secret: sessions and audit entries are keyed on it, and it is logged.
    for (name, secret) in secrets.iter().filter(|(name, _)| name != "user.sub") {
        assert!(
            !logs.contains(secret.as_str()),
            "the {name} appears in the logs"
        );
    }
    assert!(
        !logs.contains("eyJ"),
        "something like a JWT appears in the logs"
    );
}

#[tokio::test]
async fn a_handlers_error_is_a_page_for_a_browser_and_json_for_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(crate::support::config(dir.path()))
        .await
        .unwrap();
    let browser = Browser::new(&app);
    let signed_in = browser
        .post_form("/auth/dev", &[("role", "admin"), ("next", "/")])
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let get = |path: &'static str, accept: &'static str| {
        browser
            .http
            .get(app.url(path))
            .header(reqwest::header::ACCEPT, accept)
            .send()
    };
    // A browser navigating: an HTML page that says what was wrong, with the status.
    let page = get(
        "/actions/preview?action=explode",
        "text/html,application/xhtml+xml,*/*;q=0.8",
    )
    .await
    .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-test=\"error-page\""), "{html}");
    assert!(
        html.contains("There is no action &quot;explode&quot;"),
        "{html}"
    );
    let missing = get("/aars/999999", "text/html").await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("<h1>Not found</h1>"));
    // A script's fetch (no HTML asked for): the JSON error.
    let json = get("/actions/preview?action=explode", "*/*").await.unwrap();
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body["error"], "there is no action \"explode\"");
    app.stop().await;
}
