//! A real Prometheus Alertmanager for tests, on 127.0.0.1 on a free port, spoken to through its
//! API v2 as Prometheus and `amtool` do.
//!
//! The binary comes from `scripts/kube.sh alertmanager`, which builds it from the Go module proxy
//! into `$HOMELAB_KUBE_DIR/alertmanager-<version>/` (the version is read from
//! `e2e/kube/alertmanager/go.mod` at compile time, so the two never disagree). Its web UI is a
//! placeholder page: the UI's built files are not in the Go module.
//!
//! It runs with a single receiver that sends nothing (`none`), no gossip
//! (`--cluster.listen-address=`) and its data in a temporary directory, so it sends no traffic
//! anywhere. What it answers is returned as JSON values rather than types of our own: the tests
//! see the field names Alertmanager really uses (`labels`, `annotations`, `startsAt`, `endsAt`,
//! `fingerprint`, `status.state`, `status.silencedBy`, ... for alerts; `id`, `matchers`,
//! `status.state`, `createdBy`, `comment` for silences).
//!
//! The process is stopped by PID by [`Alertmanager::stop`] or when the [`Alertmanager`] is dropped,
//! and by the same watchdog as a cluster's servers if the test process dies first.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{json, Map, Value};

use crate::cluster::{required_version, KubeDir};
use crate::processes::{free_port, log_tail, Processes};

/// The Go module that pins Alertmanager (only its version is used).
const ALERTMANAGER_GO_MOD: &str = include_str!("../../kube/alertmanager/go.mod");
/// The process's name, and its log file's (`<name>.log`).
const NAME: &str = "alertmanager";
/// A single receiver that sends nothing, and every alert routed to it.
const CONFIG: &str = "route:\n  receiver: none\nreceivers:\n  - name: none\n";
/// How long Alertmanager may take to answer `/-/ready` (under a second when the cores are free).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How often readiness is polled.
const POLL: Duration = Duration::from_millis(100);
/// How long posted alerts and new silences last (their `endsAt`).
const LIFETIME: SignedDuration = SignedDuration::from_hours(1);
/// `createdBy` of the silences made here.
pub const CREATED_BY: &str = "testbed";

/// `<kube dir>/alertmanager-<version>/alertmanager`, or says how to build it.
pub fn binary() -> anyhow::Result<PathBuf> {
    let version = required_version(ALERTMANAGER_GO_MOD, "github.com/prometheus/alertmanager")
        .context("e2e/kube/alertmanager/go.mod names no Alertmanager version")?;
    let path = KubeDir::default_root()?
        .join(format!("alertmanager-{version}"))
        .join("alertmanager");
    if !path.is_file() {
        bail!(
            "{} is missing: run scripts/kube.sh alertmanager (about a minute on 2 cores, once)",
            path.display()
        );
    }
    Ok(path)
}

/// A running Alertmanager. See the module documentation.
pub struct Alertmanager {
    // Declared first: dropped (the server killed) before the directory is removed.
    processes: Processes,
    port: u16,
    url: String,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

impl fmt::Debug for Alertmanager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Alertmanager")
            .field("url", &self.url)
            .field("pid", &self.processes.pid_of(NAME))
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl Alertmanager {
    /// Starts Alertmanager ([`binary`]) with the null receiver, and waits until it is ready.
    pub async fn start() -> anyhow::Result<Self> {
        let began = Instant::now();
        let binary = binary()?;
        let dir = tempfile::Builder::new()
            .prefix("homelab-alertmanager-")
            .tempdir()?;
        let path = dir.path().to_owned();
        let mut processes = Processes::start(&path)?;
        fs::write(path.join("alertmanager.yml"), CONFIG)?;
        let port = free_port()?;
        processes.spawn(
            NAME,
            Command::new(&binary)
                .arg(format!(
                    "--config.file={}",
                    path.join("alertmanager.yml").display()
                ))
                .arg(format!("--storage.path={}", path.join("data").display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                // No gossip: a lone instance, listening on nothing else.
                .arg("--cluster.listen-address="),
            &path.join(format!("{NAME}.log")),
        )?;
        let http = reqwest::Client::builder()
            // Whatever HTTP(S)_PROXY says, 127.0.0.1 is reached directly.
            .no_proxy()
            // No connection outlives a request: each #[tokio::test] has its own runtime, and a
            // pooled connection belongs to the one it was opened in.
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the HTTP client")?;
        let mut alertmanager = Self {
            processes,
            port,
            url: format!("http://127.0.0.1:{port}"),
            http,
            dir,
        };
        alertmanager.wait_ready().await?;
        eprintln!(
            "testbed: Alertmanager at {} ready in {:.1}s (log in {})",
            alertmanager.url,
            began.elapsed().as_secs_f64(),
            path.join(format!("{NAME}.log")).display()
        );
        Ok(alertmanager)
    }

    /// Polls `/-/ready` until it answers 200, failing early if the process exits.
    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let ready = format!("{}/-/ready", self.url);
        loop {
            self.processes.check_alive(self.dir.path())?;
            let seen = match self.http.get(&ready).send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => format!("HTTP {}", response.status()),
                Err(e) => e.to_string(),
            };
            if Instant::now() > deadline {
                bail!(
                    "Alertmanager not ready within {READY_TIMEOUT:?} ({seen}); the end of its log:\n{}",
                    log_tail(&self.log_path())
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PID of the process, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.processes.pid_of(NAME)
    }

    /// Its output (`alertmanager.log` in its directory).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("{NAME}.log"))
    }

    /// Its directory: configuration, `data/` and the log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Fires one alert as Prometheus does (`POST /api/v2/alerts`): starting now, ending in an
    /// hour unless posted again.
    pub async fn post_alert(
        &self,
        labels: &[(&str, &str)],
        annotations: &[(&str, &str)],
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let alert = json!({
            "labels": object(labels),
            "annotations": object(annotations),
            "startsAt": rfc3339(now),
            "endsAt": rfc3339(now + LIFETIME),
        });
        self.send(self.http.post(self.api("alerts")).json(&[alert]))
            .await
            .context("posting an alert")?;
        Ok(())
    }

    /// `GET /api/v2/alerts`: every alert Alertmanager holds (active, silenced and inhibited).
    pub async fn alerts(&self) -> anyhow::Result<Vec<Value>> {
        let response = self.send(self.http.get(self.api("alerts"))).await?;
        response.json().await.context("reading the alerts")
    }

    /// Silences alerts whose labels equal all `matchers` (`POST /api/v2/silences`), from now for
    /// an hour, created by [`CREATED_BY`]. Returns the silence's id.
    pub async fn silence(
        &self,
        matchers: &[(&str, &str)],
        comment: &str,
    ) -> anyhow::Result<String> {
        let now = Timestamp::now();
        let matchers: Vec<Value> = matchers
            .iter()
            .map(|(name, value)| {
                json!({"name": name, "value": value, "isRegex": false, "isEqual": true})
            })
            .collect();
        let silence = json!({
            "matchers": matchers,
            "startsAt": rfc3339(now),
            "endsAt": rfc3339(now + LIFETIME),
            "createdBy": CREATED_BY,
            "comment": comment,
        });
        let response = self
            .send(self.http.post(self.api("silences")).json(&silence))
            .await
            .context("creating a silence")?;
        // The answer is `{"silenceID": ...}`, not the silence.
        let body: Value = response.json().await.context("reading the new silence")?;
        body.get("silenceID")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("a new silence without silenceID: {body}"))
    }

    /// `GET /api/v2/silences`: every silence, expired ones included until they are forgotten.
    pub async fn silences(&self) -> anyhow::Result<Vec<Value>> {
        let response = self.send(self.http.get(self.api("silences"))).await?;
        response.json().await.context("reading the silences")
    }

    /// Expires a silence now (`DELETE /api/v2/silence/{id}`); expiring it again is no error.
    pub async fn expire_silence(&self, id: &str) -> anyhow::Result<()> {
        let url = format!("{}/api/v2/silence/{id}", self.url);
        self.send(self.http.delete(url))
            .await
            .with_context(|| format!("expiring silence {id}"))?;
        Ok(())
    }

    /// Kills Alertmanager (SIGKILL, by PID); its port answers no more. Stopping it again does
    /// nothing.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if self.processes.pid_of(NAME).is_some() {
            self.processes.kill(NAME)?;
        }
        Ok(())
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/v2/{path}", self.url)
    }

    /// Sends a request; a status other than 2xx is an error carrying the body Alertmanager
    /// answered with (it says what was wrong).
    async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .context("Alertmanager did not answer")?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            bail!("Alertmanager answered {status}: {}", body.trim());
        }
        Ok(response)
    }
}

/// Label or annotation pairs as a JSON object.
fn object(pairs: &[(&str, &str)]) -> Value {
    let map: Map<String, Value> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), Value::from(*value)))
        .collect();
    Value::Object(map)
}

/// RFC 3339 in UTC with milliseconds, as Alertmanager writes its own times.
fn rfc3339(at: Timestamp) -> String {
    format!("{at:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_version_is_read_from_the_go_module() {
        assert_eq!(
            required_version(ALERTMANAGER_GO_MOD, "github.com/prometheus/alertmanager").as_deref(),
            Some("v0.35.0")
        );
    }

    #[test]
    fn times_are_rfc3339_in_utc_with_milliseconds() -> anyhow::Result<()> {
        let at: Timestamp = "2026-12-05T16:18:24.519123Z".parse()?;
        assert_eq!(rfc3339(at), "2026-12-05T16:18:24.519Z");
        assert_eq!(rfc3339(at + LIFETIME), "2026-12-05T17:18:24.519Z");
        Ok(())
    }
}
