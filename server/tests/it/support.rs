//! Helpers: the homelab server in-process on 127.0.0.1:0 (demo caches, a temporary data
//! directory, optionally signing in through a [`TestOidc`]), a browser-like HTTP client, and the
//! process's log output captured at every level.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use homelab::config::{Config, OidcConfig};
use homelab::state::AppState;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{LOCATION, ORIGIN};
use reqwest::{StatusCode, Url};
use testbed::oidc::TestOidc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server started by [`TestApp::start`]; stopped (gracefully) by [`TestApp::stop`] or dropped
/// with its runtime.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`, also its `server.public_url`.
    pub base: String,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Demo caches (no cluster needed), data in `data_dir`, logs only through the test subscriber.
pub fn config(data_dir: &Path) -> Config {
    // Tests count what they write: the demo's past (its AAR log, actions, status week) stays out.
    let mut config = Config {
        demo: true,
        demo_empty: true,
        ..Config::default()
    };
    config.server.data_dir = data_dir.to_owned();
    config
}

/// `config` signing in through `oidc` (demo caches, real sign-in).
pub fn oidc_config(data_dir: &Path, oidc: &TestOidc) -> Config {
    let mut config = config(data_dir);
    config.oidc = Some(OidcConfig {
        issuer_url: oidc.issuer().to_owned(),
        client_id: oidc.client_id().to_owned(),
        client_secret: oidc.client_secret().to_owned(),
        ..OidcConfig::default()
    });
    config
}

/// The server watching the shared test cluster as the shipped ServiceAccount (bound by the
/// shipped ClusterRoleBinding to the shipped ClusterRole, not as cluster admin), signing in
/// through a fresh `TestOidc`. The temporary directory holds its data and kubeconfig.
pub async fn start_as_shipped_service_account() -> (TestApp, TestOidc, tempfile::TempDir) {
    start_as_shipped_service_account_with(|_| {}).await
}

/// [`start_as_shipped_service_account`], with the configuration changed by `configure` first.
pub async fn start_as_shipped_service_account_with(
    configure: impl FnOnce(&mut Config),
) -> (TestApp, TestOidc, tempfile::TempDir) {
    let cluster = testbed::cluster::TestCluster::shared().await.unwrap();
    start_as_shipped_service_account_on(cluster, configure).await
}

/// [`start_as_shipped_service_account_with`] watching `cluster`.
pub async fn start_as_shipped_service_account_on(
    cluster: &testbed::cluster::TestCluster,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, TestOidc, tempfile::TempDir) {
    crate::deploy::apply_shipped_rbac(cluster).await;
    let yaml = cluster
        .service_account_kubeconfig("homelab", "homelab", None)
        .await
        .unwrap();
    start_with_kubeconfig(&yaml, configure).await
}

/// The server watching the shared test cluster through the kubeconfig `yaml`, signing in
/// through a fresh `TestOidc`, with the configuration changed by `configure`.
pub async fn start_with_kubeconfig(
    yaml: &str,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, TestOidc, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, yaml).unwrap();
    let oidc = TestOidc::start(testbed::oidc::TestOidcOptions::default())
        .await
        .unwrap();
    let mut cfg = oidc_config(dir.path(), &oidc);
    cfg.demo = false;
    cfg.cluster.kubeconfig = Some(kubeconfig);
    configure(&mut cfg);
    let app = TestApp::start(cfg).await.unwrap();
    (app, oidc, dir)
}

impl TestApp {
    /// Binds 127.0.0.1:0, points `server.listen` and `server.public_url` at it, builds and serves.
    pub async fn start(mut config: Config) -> anyhow::Result<TestApp> {
        init_logs();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        config.server.listen = addr;
        config.server.public_url = format!("http://{addr}");
        let (state, router) = homelab::startup::build(config).await?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            homelab::http::serve(listener, router, shutdown)
                .await
                .unwrap();
        });
        Ok(TestApp {
            base: format!("http://{addr}"),
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits for the views published after version `before`: pages read the published views,
    /// so a test that changes the caches directly waits for them before reading a page.
    pub async fn views_after(&self, before: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.state.cluster.views().version <= before {
            assert!(
                std::time::Instant::now() < deadline,
                "no views published after version {before} within 5 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Stops serving and waits for it; the database stays for another start.
    pub async fn stop(mut self) {
        self.state.shutdown.begin();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.state.db.close().await;
    }
}

/// A browser for tests: a cookie jar (shared by the app and the provider, both on 127.0.0.1,
/// as in a real browser), no redirects followed, and the app's Origin on every POST.
#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    base: Url,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Browser {
            http,
            jar,
            base: Url::parse(&app.base).unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.base.join(path).unwrap())
            .send()
            .await
            .unwrap()
    }

    /// The page at `path`, as text, whatever its status.
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// A form post from the app's own origin.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_form_from(path, fields, Some(self.origin().as_str()))
            .await
    }

    /// A form post with the given Origin header (or none).
    pub async fn post_form_from(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.http.post(self.base.join(path).unwrap()).form(fields);
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        request.send().await.unwrap()
    }

    /// A `multipart/form-data` post from the app's own origin, as a browser sends a file form:
    /// `fields` as text parts, then `file` (its name and bytes) as the part `file_field`.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file: Option<(&str, &[u8])>,
    ) -> reqwest::Response {
        const BOUNDARY: &str = "----homelab-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((filename, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{file_field}\"; \
                     filename=\"{filename}\"\r\nContent-Type: text/markdown\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.http
            .post(self.base.join(path).unwrap())
            .header(ORIGIN, self.origin())
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    /// The value of the cookie `name` the jar would send to the app.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        header.to_str().ok()?.split("; ").find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    /// The session cookie's value.
    pub fn session(&self) -> Option<String> {
        self.cookie("homelab_session")
    }

    /// Sets the session cookie as a browser would keep it.
    pub fn set_session(&self, value: &str) {
        self.jar.add_cookie_str(
            &format!("homelab_session={value}; Path=/; HttpOnly; SameSite=Lax"),
            &self.base,
        );
    }

    /// The CSRF token of the page at `path` (hidden `csrf` field or the `csrf-token` meta tag).
    pub async fn csrf(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.unwrap();
        csrf_in(&html).unwrap_or_else(|| panic!("no CSRF token in {path}: {html}"))
    }

    /// GET /auth/login?next=…: the provider's authorization URL the app redirects to.
    pub async fn begin_sign_in(&self, next: &str) -> String {
        let response = self
            .get(&format!("/auth/login?next={}", urlencode(next)))
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        location(&response)
    }

    /// Through the provider's login page as `user`: the app's callback URL with code and state.
    pub async fn provider_login(&self, oidc: &TestOidc, authorize_url: &str, user: &str) -> String {
        oidc.login(&self.http, authorize_url, user).await.unwrap()
    }

    /// The whole sign-in; returns the callback's response (a redirect to `next` on success).
    pub async fn sign_in(&self, oidc: &TestOidc, user: &str, next: &str) -> reqwest::Response {
        let authorize = self.begin_sign_in(next).await;
        let callback = self.provider_login(oidc, &authorize, user).await;
        self.http.get(callback).send().await.unwrap()
    }
}

/// A browser signed in to the demo `app` through its dev sign-in, as `role` (`admin`, `viewer`).
pub async fn dev_signed_in(app: &TestApp, role: &str) -> Browser {
    let browser = Browser::new(app);
    let response = browser
        .post_form("/auth/dev", &[("role", role), ("next", "/")])
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    browser
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("{} without a Location", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The value of a query parameter of `url`.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `url` with the query parameter `name` set to `value`.
pub fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.into()
}

fn csrf_in(html: &str) -> Option<String> {
    for marker in ["name=\"csrf\" value=\"", "name=\"csrf-token\" content=\""] {
        if let Some(start) = html.find(marker) {
            let rest = &html[start + marker.len()..];
            return Some(rest[..rest.find('"')?].to_owned());
        }
    }
    None
}

// --- Captured logs -------------------------------------------------------------------------

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
static CAPTURING: AtomicUsize = AtomicUsize::new(0);

fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    LOGS.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

struct CaptureWriter;

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        logs().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One subscriber for the whole test binary, recording every level (and `log` records) while
/// some test captures, nothing otherwise.
fn init_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        use tracing_subscriber::Layer;
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(|| CaptureWriter)
            // Dynamic: decided at each event, not cached per call site. `cookie_store` is the test
            // browser's cookie jar (the server's OIDC client keeps no cookies): it logs the
            // cookies the test itself receives, which is no server log.
            .with_filter(tracing_subscriber::filter::dynamic_filter_fn(|meta, _| {
                CAPTURING.load(Ordering::Relaxed) > 0 && !meta.target().starts_with("cookie_store")
            }));
        let _ = tracing_subscriber::registry().with(layer).try_init();
    });
}

/// While alive, everything logged by the process at any level is recorded.
pub struct LogCapture {
    start: usize,
}

impl LogCapture {
    pub fn start() -> LogCapture {
        init_logs();
        CAPTURING.fetch_add(1, Ordering::SeqCst);
        LogCapture {
            start: logs().lock().unwrap().len(),
        }
    }

    /// What was logged since this capture started (other tests running meanwhile included).
    pub fn text(&self) -> String {
        let logs = logs().lock().unwrap();
        String::from_utf8_lossy(&logs[self.start..]).into_owned()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        CAPTURING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A free loopback port (bound, then let go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real `homelab serve --demo` binary on a free port, data in `data_dir`, with `env` on top;
/// its stdout piped (the log lines). Killed when dropped.
pub struct ServerProcess {
    pub base: String,
    pub child: tokio::process::Child,
}

impl ServerProcess {
    pub async fn start(data_dir: &Path, env: &[(&str, &str)]) -> ServerProcess {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_homelab"));
        command
            .args(["serve", "--demo"])
            .env_remove("HOMELAB_CONFIG")
            .env("HOMELAB_SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("HOMELAB_SERVER__PUBLIC_URL", &base)
            .env("HOMELAB_SERVER__DATA_DIR", data_dir)
            .env("HOMELAB_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().unwrap();
        let started = std::time::Instant::now();
        loop {
            let ready = reqwest::get(format!("{base}/readyz")).await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "never ready"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        ServerProcess { base, child }
    }

    /// Sends SIGTERM (the way Kubernetes stops a pod).
    pub fn terminate(&self) {
        let pid = self.child.id().unwrap().to_string();
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(kill.success());
    }
}
