//! Authorization on what the router really serves. Every route of the router
//! (`homelab::http::routes`, so a new route is tried by default) is asked for as a family member,
//! as nobody, and (for posts) from a foreign origin, through every path form an attacker might
//! use to make the policy and the router read a path differently (`%2e%2e`, `%2E%2E`, `..%2f`,
//! `%252e`, `//`, `/./`, a trailing slash, upper case). Requests go out as raw HTTP/1.1: an HTTP
//! client library would normalise the very paths under test.

use std::time::Duration;

use homelab::auth::policy::{self, Rule};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{config, Browser, TestApp};

/// The status and headers of a raw request; the body is not waited for (a stream never ends).
struct Answer {
    status: u16,
    head: String,
}

impl Answer {
    fn location(&self) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("location").then(|| v.trim())
        })
    }
}

/// Sends `method path` exactly as written, with the session cookie of `browser` (if any).
async fn raw(app: &TestApp, browser: Option<&Browser>, method: &str, path: &str) -> Answer {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let cookie = browser
        .and_then(|b| b.session())
        .map(|s| format!("Cookie: homelab_session={s}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\n{cookie}\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no answer"));
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: no status line in {head:?}"));
    Answer { status, head }
}

/// A concrete path for a route pattern: `media/plex` for a service (the family's), else values
/// that exist in the demo homelab.
fn concrete(pattern: &str) -> String {
    pattern
        .replace("{namespace}", "media")
        .replace("{name}", "plex")
        .replace("{node}", "k3s1")
        .replace("{id}", "1")
        .replace("{position}", "0")
        .replace("{version}", "1")
        .replace("{*file}", "homelab.css")
}

/// The forms of `path` that name another path than they seem to, reached from `/services/`
/// (which the family may open). The server must refuse each before the policy sees it.
fn disguised(path: &str) -> Vec<String> {
    let rest = path.trim_start_matches('/');
    vec![
        format!("/services/%2e%2e/{rest}"),
        format!("/services/%2E%2E/{rest}"),
        format!("/services/..%2f{rest}"),
        format!("/services/%252e%252e/{rest}"),
        format!("/services/../{rest}"),
        format!("//{rest}"),
        format!("/./{rest}"),
    ]
}

async fn started() -> (tempfile::TempDir, TestApp, Browser, Browser) {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    let family = Browser::new(&app);
    let admin = Browser::new(&app);
    for (browser, role) in [(&family, "viewer"), (&admin, "admin")] {
        let response = browser
            .post_form("/auth/dev", &[("role", role), ("next", "/")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    (dir, app, family, admin)
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_policy_table() {
    let routes = homelab::http::routes();
    assert!(routes.len() > 30, "{routes:?}");
    for (pattern, methods) in &routes {
        assert!(!methods.is_empty(), "{pattern} answers no method");
        assert!(
            policy::ROUTES.iter().any(|(p, _)| p == pattern),
            "{pattern}: a route of the router with no line in auth::policy::ROUTES"
        );
        assert_eq!(
            policy::route_of(&concrete(pattern)).map(|(p, _)| p),
            Some(pattern.as_str()),
            "{pattern}: the table matches another route"
        );
    }
    for (pattern, _) in policy::ROUTES {
        assert!(
            routes.iter().any(|(p, _)| p == pattern),
            "{pattern}: in the policy table but not a route"
        );
    }
}

#[tokio::test]
async fn family_and_anonymous_get_the_policys_answer_on_every_route_in_every_path_form() {
    let (_dir, app, family, _admin) = started().await;
    for (pattern, methods) in homelab::http::routes() {
        let (_, rule) = policy::route_of(&concrete(&pattern)).unwrap();
        let path = concrete(&pattern);
        for method in methods.iter().map(|m| m.as_str()) {
            // A raw post carries no Origin, so the sign-in and sign-out posts (public) are
            // refused by the CSRF check: that is the foreign-origin test's part.
            let csrf_only = method == "POST" && rule == Rule::Public;
            // As a family member.
            let answer = raw(&app, Some(&family), method, &path).await;
            match rule {
                _ if csrf_only => {}
                Rule::Admin => assert_eq!(answer.status, 403, "family {method} {path}"),
                _ => assert!(
                    answer.status != 401 && answer.status != 403 && answer.status < 500,
                    "family {method} {path}: {}",
                    answer.status
                ),
            }
            // As nobody: only public routes answer; pages send to sign-in, the API says 401.
            let answer = raw(&app, None, method, &path).await;
            match rule {
                _ if csrf_only => {}
                Rule::Public => assert!(
                    answer.status != 401
                        && answer.status != 403
                        && !answer
                            .location()
                            .is_some_and(|l| l.starts_with("/auth/login?")),
                    "anonymous {method} {path}: {}",
                    answer.status
                ),
                _ if policy::is_api(&path) => {
                    assert_eq!(answer.status, 401, "anonymous {method} {path}")
                }
                _ => {
                    assert_eq!(answer.status, 303, "anonymous {method} {path}");
                    assert!(
                        answer
                            .location()
                            .is_some_and(|l| l.starts_with("/auth/login?next=")),
                        "anonymous {method} {path}: {}",
                        answer.head
                    );
                }
            }
            // Disguised, by anyone: refused before the policy, whatever the path names.
            for form in disguised(&path) {
                for who in [Some(&family), None] {
                    let answer = raw(&app, who, method, &form).await;
                    assert_eq!(answer.status, 400, "{method} {form} ({:?})", who.is_some());
                }
            }
            if path != "/" {
                // A trailing slash is sent to the path itself, where the policy decides.
                let answer = raw(&app, Some(&family), method, &format!("{path}/")).await;
                assert_eq!(answer.status, 308, "{method} {path}/");
                assert_eq!(answer.location(), Some(path.as_str()), "{method} {path}/");
                // Another case is another path: never the admin's page for the family.
                let upper = path.to_uppercase();
                let answer = raw(&app, Some(&family), method, &upper).await;
                assert!(
                    answer.status == 403 || answer.status == 404,
                    "family {method} {upper}: {}",
                    answer.status
                );
            }
        }
    }
}

#[tokio::test]
async fn a_post_from_a_foreign_origin_is_refused_on_every_post_route() {
    let (_dir, app, _family, admin) = started().await;
    let csrf = admin.csrf("/aars/new").await;
    for (pattern, methods) in homelab::http::routes() {
        if !methods.contains(&axum::http::Method::POST) {
            continue;
        }
        let path = concrete(&pattern);
        for origin in ["https://evil.example", "null"] {
            let response = admin
                .post_form_from(&path, &[("csrf", &csrf)], Some(origin))
                .await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} from {origin}"
            );
        }
    }
    let aars: i64 = sqlx::query_scalar("select count(*) from aars")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(aars, 0, "nothing was written");
}

#[tokio::test]
async fn family_gets_403_on_an_admin_audience_service_and_only_family_services_on_the_stream() {
    let (_dir, _app, family, admin) = started().await;
    assert_eq!(
        family.get("/services/media/plex").await.status(),
        StatusCode::OK
    );
    let sonarr = "/services/media/sonarr";
    assert_eq!(family.get(sonarr).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(admin.get(sonarr).await.status(), StatusCode::OK);

    // The first event of the live stream, as each role receives it over HTTP.
    async fn first_update(browser: &Browser) -> serde_json::Value {
        let mut response = browser.get("/api/v1/live").await;
        assert_eq!(response.status(), StatusCode::OK);
        let mut text = String::new();
        while !text.contains("\n\n") {
            let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        let data = text
            .lines()
            .find_map(|l| l.strip_prefix("data:"))
            .unwrap()
            .trim();
        serde_json::from_str(data).unwrap()
    }
    let ids = |update: &serde_json::Value| -> Vec<String> {
        update["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[0].as_str().unwrap().to_owned())
            .collect()
    };
    let theirs = first_update(&family).await;
    let all = first_update(&admin).await;
    assert!(ids(&theirs).contains(&"media/plex".to_owned()));
    assert!(!ids(&theirs).contains(&"media/sonarr".to_owned()));
    assert!(ids(&all).contains(&"media/sonarr".to_owned()));
    assert!(theirs["health"].is_null(), "{theirs}");
    assert_eq!(theirs["panels"], serde_json::json!([]));
    assert_eq!(theirs["backups"], serde_json::json!([]));
}

#[tokio::test]
async fn a_bad_path_parameter_and_a_missing_asset_get_the_apps_answer() {
    let (_dir, app, _family, admin) = started().await;
    let response = admin
        .http
        .get(format!("{}/aars/abc", app.base))
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap();
    assert!(page.contains("data-test=\"error-page\""), "{page}");
    assert!(page.contains("Cannot parse"), "{page}");

    let missing = Browser::new(&app).get("/pkg/no-such-file.wasm").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let cache = missing
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(!cache.contains("immutable"), "{cache}");
    assert!(cache.contains("no-store"), "{cache}");
}
