//! Configuration: a TOML file, then `HOMELAB_*` environment variables on top (nested keys joined by
//! a double underscore: `HOMELAB_SERVER__LISTEN`). Every key is documented in
//! `homelab.example.toml`. A bad value is reported with its key and the reason, and the process
//! exits with code 2 before anything starts.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Everything the server reads at start-up.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Serve the embedded demo homelab instead of a real cluster, with a dev sign-in on loopback.
    pub demo: bool,
    /// With `demo`, start from an empty database: no AAR log, past actions or status week.
    pub demo_empty: bool,
    pub server: ServerConfig,
    pub cluster: ClusterConfig,
    /// Sign-in through an OpenID Connect provider (Authentik). Required outside demo mode.
    pub oidc: Option<OidcConfig>,
    pub session: SessionConfig,
    /// The family Status page (service names, up or down, links) without sign-in.
    pub public_status: bool,
    /// A read-only bearer token for `/api/v1/status` (scripts, Home Assistant, Homepage
    /// widgets) without a session. Unset: only signed-in people (or `public_status`).
    pub status_token: Option<String>,
    /// A bearer token for `/metrics` (Prometheus). Unset: only signed-in admins may read it.
    pub metrics_token: Option<String>,
    /// The physical machines and the nodes on them, for the Topology page.
    pub topology: TopologyConfig,
    /// Limits of the guarded admin actions.
    pub actions: ActionsConfig,
    /// The cluster's evidence kept for AARs.
    pub evidence: EvidenceConfig,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceConfig {
    /// Days the Warning events and backup runs the caches saw are kept for AAR timelines.
    pub keep_days: u32,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        Self { keep_days: 30 }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionsConfig {
    /// The most replicas the scale action sets.
    pub max_replicas: i32,
    /// An action needs a sign-in no older than this; older sessions sign in again first.
    pub recent_sign_in_minutes: u64,
    /// Longest an action (with its backup first) may wait for the API server; it is then audited
    /// as failed. Less than `server.request_timeout_secs`, so the outcome is always audited.
    pub timeout_secs: u64,
    /// Where Velero runs: ad hoc backups (and "back up first") are created there.
    pub velero_namespace: String,
    /// Send actions as the signed-in admin (Impersonate-User and Impersonate-Group), so the
    /// cluster's own RBAC and audit log apply per person. `deploy/components/impersonate` turns it on.
    pub impersonate: bool,
    /// Put before the admin's user name and each group name when impersonating: set them to the
    /// API server's `--oidc-username-prefix` and `--oidc-groups-prefix`, so the names match its
    /// RoleBindings.
    pub impersonate_user_prefix: String,
    pub impersonate_group_prefix: String,
}

impl Default for ActionsConfig {
    fn default() -> Self {
        Self {
            max_replicas: DEFAULT_MAX_REPLICAS,
            recent_sign_in_minutes: 15,
            timeout_secs: 20,
            velero_namespace: "velero".into(),
            impersonate: false,
            impersonate_user_prefix: String::new(),
            impersonate_group_prefix: String::new(),
        }
    }
}

/// The highest replica count the scale action accepts unless configured otherwise.
pub const DEFAULT_MAX_REPLICAS: i32 = 10;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TopologyConfig {
    pub hosts: Vec<HostConfig>,
}

/// One physical machine.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    pub name: String,
    pub description: String,
    /// Kubernetes node names running on it.
    pub nodes: Vec<String>,
}

impl TopologyConfig {
    /// The homelab of CLUSTER-SETUP.md, used by demo mode when no `[topology]` is configured.
    pub fn demo() -> Self {
        let host = |name: &str, description: &str, nodes: &[&str]| HostConfig {
            name: name.into(),
            description: description.into(),
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
        };
        Self {
            hosts: vec![
                host("Dell R730", "Storage server: NFS exports (/mnt/rust/media 30 TB, /mnt/nvme_storage); hosts the k3s-master1 VM. Single point of failure for storage.", &["k3s-master1"]),
                host("Dell R630", "GPU compute: 2x Xeon E5-2697A v4, 384 GB, Tesla T4 (time-sliced), Optane, NVMe and SAS SSD tiers.", &["k3s3"]),
                host("Dell OptiPlex Micro", "Light compute with Intel QuickSync for transcoding, 512 GB NVMe, 2.5GbE.", &["k3s1", "k3s2"]),
            ],
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The URL people use to reach the server; `https://` turns on HSTS and `__Host-` cookies.
    pub public_url: String,
    /// Where the SQLite database lives; created on first start.
    pub data_dir: PathBuf,
    /// The site built by cargo-leptos (`pkg/` with the hashed JS, WASM and CSS).
    pub site_root: PathBuf,
    /// Longest a request may take before it is answered 408.
    pub request_timeout_secs: u64,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Log as JSON lines (for Loki) instead of human-readable text.
    pub json_logs: bool,
    /// With `public_status`: the most live streams open at once without sign-in; more are
    /// answered 503 (the page still works, without live updates). Signed-in streams count not.
    pub public_streams: usize,
    /// Answer `/bench/floor`: a fixed 2 KB page through the whole middleware stack (session,
    /// authorization, headers, compression) without the app's work, the floor `make bench`
    /// compares pages to. Off: it is 404.
    pub bench_floor: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Path of a kubeconfig file; unset means `$KUBECONFIG`, then `~/.kube/config`, then the
    /// in-cluster ServiceAccount (kube's `Config::infer`).
    pub kubeconfig: Option<PathBuf>,
    /// Context of the kubeconfig to use; empty means its current context. With `kubeconfig`
    /// unset, a context of `$KUBECONFIG` or `~/.kube/config` (an error when there is neither).
    pub context: Option<String>,
    /// IANA time zone the cluster's cron schedules (Velero) run in, e.g. `Europe/Berlin`.
    pub timezone: String,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            timezone: "UTC".into(),
        }
    }
}

impl ClusterConfig {
    /// The time zone `timezone` names, from the time zone database compiled into the binary.
    pub fn time_zone(&self) -> Result<jiff::tz::TimeZone, ConfigError> {
        jiff::tz::TimeZone::get(self.timezone.trim()).map_err(|_| ConfigError::Invalid {
            key: "cluster.timezone",
            reason: format!(
                "unknown time zone `{}`: use an IANA name such as `UTC` or `Europe/Berlin`",
                self.timezone
            ),
        })
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    /// Issuer URL, compared exactly; Authentik's ends with a slash.
    pub issuer_url: String,
    pub client_id: String,
    /// Never logged: `Config`'s Debug shows it redacted.
    pub client_secret: String,
    /// Groups whose members are admins.
    pub admin_groups: Vec<String>,
    /// Groups whose members may see the Status and Services pages.
    pub viewer_groups: Vec<String>,
    /// Clock difference tolerated when checking token times, in seconds.
    pub clock_skew_secs: u64,
    /// Scopes asked for. `openid` is required; `profile` carries Authentik's `groups`;
    /// `offline_access` brings a refresh token when the provider grants it.
    pub scopes: Vec<String>,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            issuer_url: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            admin_groups: vec!["homelab-admins".into()],
            viewer_groups: vec!["family".into()],
            clock_skew_secs: 60,
            scopes: ["openid", "profile", "email", "offline_access"]
                .map(String::from)
                .to_vec(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// A session unused for this long ends.
    pub idle_timeout_minutes: u64,
    /// No session lives longer than this, used or not.
    pub absolute_timeout_hours: u64,
    /// Name of the session cookie; over https it gets the `__Host-` prefix.
    pub cookie_name: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: "http://127.0.0.1:3000".into(),
            data_dir: PathBuf::from("data"),
            site_root: PathBuf::from("target/site"),
            request_timeout_secs: 30,
            body_limit_bytes: 1024 * 1024,
            json_logs: false,
            public_streams: 100,
            bench_floor: false,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: 8 * 60,
            absolute_timeout_hours: 7 * 24,
            cookie_name: "homelab_session".into(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("demo", &self.demo)
            .field("server", &self.server)
            .field("cluster", &self.cluster)
            .field("oidc", &self.oidc)
            .field("session", &self.session)
            .field("public_status", &self.public_status)
            .field(
                "status_token",
                &self.status_token.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("admin_groups", &self.admin_groups)
            .field("viewer_groups", &self.viewer_groups)
            .field("clock_skew_secs", &self.clock_skew_secs)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Settings outside any section, so that `HOMELAB_<KEY>` variables can be told apart from other
/// HOMELAB_* variables (HOMELAB_CONFIG, HOMELAB_LOG, the scripts' HOMELAB_CACHE).
const TOP_LEVEL_KEYS: &[&str] = &[
    "demo",
    "demo_empty",
    "public_status",
    "status_token",
    "metrics_token",
];

/// Why the configuration was refused. Each names the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{0}")]
    Parse(String),
    #[error("config key `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl Config {
    /// Reads the file (when given), then `HOMELAB_*` environment variables, and validates.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let config: Config = Self::sources(file)?
            .extract()
            .map_err(|e| ConfigError::Parse(describe(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// `server.data_dir` alone, read from the same sources as [`Config::load`]: the commands that
    /// only open the database (`aar`, `db`) need no sign-in settings, so none are checked.
    pub fn load_data_dir(file: Option<&Path>) -> Result<PathBuf, ConfigError> {
        Self::sources(file)?
            .extract_inner("server.data_dir")
            .map_err(|e| ConfigError::Parse(describe(e)))
    }

    /// The defaults, then the file (when given), then `HOMELAB_*` environment variables.
    fn sources(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::File {
                    path: path.to_owned(),
                    reason: "no such file".into(),
                });
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        // Only `HOMELAB_DEMO` and sectioned keys (`HOMELAB_SERVER__LISTEN`) are settings; other
        // HOMELAB_* variables (HOMELAB_CONFIG, HOMELAB_LOG, the scripts' HOMELAB_CACHE) are not.
        let env = Env::prefixed("HOMELAB_").split("__").filter(|key| {
            let key = key.as_str();
            TOP_LEVEL_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k))
                || key.contains('.')
                || key.contains("__")
        });
        Ok(figment.merge(env))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        if let Err(reason) = check_public_url(&self.server.public_url) {
            return invalid("server.public_url", &reason);
        }
        if self.server.request_timeout_secs == 0 {
            return invalid("server.request_timeout_secs", "must be at least 1");
        }
        if self.actions.max_replicas < 0 {
            return invalid("actions.max_replicas", "must be 0 or more");
        }
        if self.actions.recent_sign_in_minutes == 0 {
            return invalid("actions.recent_sign_in_minutes", "must be at least 1");
        }
        if self.actions.timeout_secs == 0
            || self.actions.timeout_secs >= self.server.request_timeout_secs
        {
            return invalid(
                "actions.timeout_secs",
                &format!(
                    "must be at least 1 and less than server.request_timeout_secs ({}), so an \
                     action's outcome is audited before the request is cut off",
                    self.server.request_timeout_secs
                ),
            );
        }
        if !(1..=3650).contains(&self.evidence.keep_days) {
            return invalid("evidence.keep_days", "must be between 1 and 3650 (days)");
        }
        if self.server.body_limit_bytes < 1024 {
            return invalid("server.body_limit_bytes", "must be at least 1024");
        }
        if self.session.idle_timeout_minutes == 0 {
            return invalid("session.idle_timeout_minutes", "must be at least 1");
        }
        if self.session.absolute_timeout_hours == 0 {
            return invalid("session.absolute_timeout_hours", "must be at least 1");
        }
        if !valid_cookie_name(&self.session.cookie_name) {
            return invalid(
                "session.cookie_name",
                "must be letters, digits, `_` or `-`, not starting with `__` \
                 (the `__Host-` prefix is added over https)",
            );
        }
        self.cluster.time_zone()?;
        for (i, host) in self.topology.hosts.iter().enumerate() {
            if host.name.trim().is_empty() {
                return Err(ConfigError::Invalid {
                    key: "topology.hosts",
                    reason: format!("host {} has no name", i + 1),
                });
            }
        }
        match &self.oidc {
            None if !self.demo => {
                return invalid(
                    "oidc",
                    "missing: outside demo mode the server needs an [oidc] section \
                     (issuer_url, client_id, client_secret) to sign people in",
                )
            }
            None if !self.server.listen.ip().is_loopback() => {
                return invalid(
                    "server.listen",
                    "demo mode without [oidc] must listen on a loopback address: its dev \
                     sign-in lets anyone pick a role",
                )
            }
            None => {}
            Some(oidc) => {
                let issuer_ok = url::Url::parse(&oidc.issuer_url)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
                if !issuer_ok {
                    return invalid("oidc.issuer_url", "must be an http:// or https:// URL");
                }
                if oidc.client_id.is_empty() {
                    return invalid("oidc.client_id", "must not be empty");
                }
                if oidc.client_secret.is_empty() {
                    return invalid("oidc.client_secret", "must not be empty");
                }
                if oidc.admin_groups.is_empty() {
                    return invalid("oidc.admin_groups", "must name at least one group");
                }
                if !oidc.scopes.iter().any(|s| s == "openid") {
                    return invalid("oidc.scopes", "must include `openid`");
                }
                if oidc.clock_skew_secs > 600 {
                    return invalid(
                        "oidc.clock_skew_secs",
                        "must be at most 600: a larger leeway keeps expired tokens valid",
                    );
                }
            }
        }
        Ok(())
    }

    /// The dev sign-in (pick a role, no password) exists only in demo mode without `[oidc]`, on
    /// loopback. With `[oidc]`, demo mode signs in through the provider like production.
    pub fn dev_sign_in(&self) -> bool {
        self.demo && self.oidc.is_none() && self.server.listen.ip().is_loopback()
    }

    /// Served over https: secure-only cookies with the `__Host-` prefix, and HSTS.
    pub fn https(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }

    /// The origin of `server.public_url` as browsers send it in `Origin`: `https://host[:port]`,
    /// default port left out.
    pub fn public_origin(&self) -> String {
        url::Url::parse(&self.server.public_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }

    /// `server.public_url` joined with an absolute path, e.g. `/auth/callback`.
    pub fn public_url_for(&self, path: &str) -> String {
        format!("{}{path}", self.server.public_url.trim_end_matches('/'))
    }

    /// The session cookie's name: `session.cookie_name`, with `__Host-` over https (the browser
    /// then only accepts it secure, host-only and for `/`).
    pub fn session_cookie_name(&self) -> String {
        if self.https() {
            format!("__Host-{}", self.session.cookie_name)
        } else {
            self.session.cookie_name.clone()
        }
    }
}

/// The public URL must be an origin: routes live at the root, and `__Host-` cookies need `/`.
fn check_public_url(value: &str) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must start with http:// or https://".into());
    }
    if !url.has_host() || url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("must be a scheme, a host and an optional port only, like \
                    https://homelab.example.net (the server serves from the root of its host)"
            .into());
    }
    Ok(())
}

/// A cookie name we can prefix: a plain token, and no `__` prefix of its own.
fn valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with("__")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Figment's error, worded for a person: which key, what was wrong, and where it came from.
fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(src) => format!(" (from {src})"),
                    None => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            let kind = e.kind.to_string();
            if key.is_empty() {
                format!("config: {kind}{source}")
            } else {
                format!("config key `{key}`: {kind}{source}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment's Jail closures return its own large error"
)]
mod tests {
    use super::*;
    use figment::Jail;

    const OIDC: &str = "[oidc]\nissuer_url = \"https://auth.example/application/o/homelab/\"\n\
                        client_id = \"homelab\"\nclient_secret = \"s3cret\"\n";

    /// Runs `f` with a private environment and working directory, and returns its error text.
    fn refused(setup: impl FnOnce(&mut Jail) -> figment::error::Result<Option<PathBuf>>) -> String {
        let mut message = String::new();
        Jail::expect_with(|jail| {
            let file = setup(jail)?;
            message = Config::load(file.as_deref())
                .expect_err("config should be refused")
                .to_string();
            Ok(())
        });
        message
    }

    #[test]
    fn demo_mode_needs_no_oidc_section() {
        Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            let config = Config::load(None).expect("demo config");
            assert!(config.demo);
            assert!(config.dev_sign_in());
            Ok(())
        });
    }

    #[test]
    fn evidence_is_kept_30_days_unless_set_and_zero_days_is_refused() {
        Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            assert_eq!(Config::load(None).expect("demo").evidence.keep_days, 30);
            jail.set_env("HOMELAB_EVIDENCE__KEEP_DAYS", "7");
            assert_eq!(Config::load(None).expect("demo").evidence.keep_days, 7);
            Ok(())
        });
        let err = refused(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.set_env("HOMELAB_EVIDENCE__KEEP_DAYS", "0");
            Ok(None)
        });
        assert!(err.contains("`evidence.keep_days`"), "{err}");
    }

    #[test]
    fn outside_demo_mode_a_missing_oidc_section_is_refused() {
        let err = refused(|_| Ok(None));
        assert!(err.contains("`oidc`"), "{err}");
        assert!(err.contains("outside demo mode"), "{err}");
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_key() {
        let err = refused(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.create_file("h.toml", "[server]\nrequest_timeout_secs = \"soon\"\n")?;
            Ok(Some("h.toml".into()))
        });
        assert!(err.contains("server.request_timeout_secs"), "{err}");
        assert!(err.contains("string"), "{err}");
    }

    #[test]
    fn a_bad_environment_value_names_its_key() {
        let err = refused(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.set_env("HOMELAB_SERVER__LISTEN", "nowhere");
            Ok(None)
        });
        assert!(err.contains("server.listen"), "{err}");
    }

    #[test]
    fn other_homelab_variables_are_not_settings() {
        Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.set_env("HOMELAB_LOG", "debug");
            jail.set_env("HOMELAB_CACHE", "/tmp/cache");
            assert!(Config::load(None).is_ok());
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_is_refused_rather_than_ignored() {
        let err = refused(|jail| {
            jail.create_file(
                "h.toml",
                "demo = true\n[server]\nlisten_adress = \"127.0.0.1:1\"\n",
            )?;
            Ok(Some("h.toml".into()))
        });
        assert!(err.contains("listen_adress"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_refused_with_the_reason() {
        let err = refused(|jail| {
            jail.create_file(
                "h.toml",
                "demo = true\n[server]\nrequest_timeout_secs = 0\n",
            )?;
            Ok(Some("h.toml".into()))
        });
        assert_eq!(
            err,
            "config key `server.request_timeout_secs`: must be at least 1"
        );
    }

    #[test]
    fn an_action_timeout_not_below_the_request_timeout_is_refused() {
        let err = refused(|jail| {
            jail.create_file(
                "h.toml",
                "demo = true\n[server]\nrequest_timeout_secs = 10\n[actions]\ntimeout_secs = 10\n",
            )?;
            Ok(Some("h.toml".into()))
        });
        assert!(err.contains("actions.timeout_secs"), "{err}");
        assert!(
            err.contains("less than server.request_timeout_secs (10)"),
            "{err}"
        );
    }

    #[test]
    fn demo_mode_on_a_public_address_without_oidc_is_refused() {
        let err = refused(|jail| {
            jail.create_file(
                "h.toml",
                "demo = true\n[server]\nlisten = \"0.0.0.0:3000\"\n",
            )?;
            Ok(Some("h.toml".into()))
        });
        assert!(err.contains("server.listen"), "{err}");
    }

    #[test]
    fn a_missing_config_file_is_named() {
        let err = refused(|_| Ok(Some("/nonexistent/homelab.toml".into())));
        assert!(err.contains("/nonexistent/homelab.toml"), "{err}");
    }

    #[test]
    fn demo_mode_with_an_oidc_section_signs_in_through_the_provider() {
        Jail::expect_with(|jail| {
            jail.create_file("h.toml", &format!("demo = true\n{OIDC}"))?;
            let config = Config::load(Some(Path::new("h.toml"))).expect("demo with oidc");
            assert!(config.demo);
            assert!(
                !config.dev_sign_in(),
                "no dev sign-in next to a real provider"
            );
            Ok(())
        });
    }

    #[test]
    fn a_public_url_with_a_path_is_refused() {
        let err = refused(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.set_env("HOMELAB_SERVER__PUBLIC_URL", "https://example.net/homelab");
            Ok(None)
        });
        assert!(err.contains("server.public_url"), "{err}");
        assert!(err.contains("root of its host"), "{err}");
    }

    #[test]
    fn an_https_public_url_gives_a_host_prefixed_cookie_and_its_origin() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "h.toml",
                &format!("[server]\npublic_url = \"https://Homelab.Example.net:443/\"\n{OIDC}"),
            )?;
            let config = Config::load(Some(Path::new("h.toml"))).expect("valid config");
            assert_eq!(config.session_cookie_name(), "__Host-homelab_session");
            assert_eq!(config.public_origin(), "https://homelab.example.net");
            assert_eq!(
                config.public_url_for("/auth/callback"),
                "https://Homelab.Example.net:443/auth/callback"
            );
            Ok(())
        });
    }

    #[test]
    fn a_cookie_name_with_its_own_prefix_is_refused() {
        for name in ["__Host-x", "", "a b", "a;b"] {
            let err = refused(|jail| {
                jail.set_env("HOMELAB_DEMO", "true");
                jail.set_env("HOMELAB_SESSION__COOKIE_NAME", name);
                Ok(None)
            });
            assert!(err.contains("session.cookie_name"), "{name}: {err}");
        }
    }

    #[test]
    fn oidc_scopes_without_openid_are_refused() {
        let err = refused(|jail| {
            jail.create_file("h.toml", &format!("{OIDC}scopes = [\"profile\"]\n"))?;
            Ok(Some("h.toml".into()))
        });
        assert_eq!(err, "config key `oidc.scopes`: must include `openid`");
    }

    #[test]
    fn a_clock_skew_over_ten_minutes_is_refused() {
        let err = refused(|jail| {
            jail.create_file("h.toml", &format!("{OIDC}clock_skew_secs = 3600\n"))?;
            Ok(Some("h.toml".into()))
        });
        assert!(err.contains("oidc.clock_skew_secs"), "{err}");
    }

    #[test]
    fn the_example_config_is_valid_and_shows_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../homelab.example.toml");
        Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            let config = Config::load(Some(&example)).expect("homelab.example.toml");
            let defaults = Config::default();
            assert_eq!(config.session.cookie_name, defaults.session.cookie_name);
            assert_eq!(config.server.public_url, defaults.server.public_url);
            assert!(!config.public_status);
            Ok(())
        });
    }

    /// Every key of the configuration: a full one serialised, optional parts present.
    fn struct_keys() -> std::collections::BTreeSet<String> {
        let full = Config {
            status_token: Some(String::new()),
            metrics_token: Some(String::new()),
            oidc: Some(OidcConfig::default()),
            cluster: ClusterConfig {
                kubeconfig: Some(PathBuf::new()),
                context: Some(String::new()),
                ..ClusterConfig::default()
            },
            topology: TopologyConfig::demo(),
            ..Config::default()
        };
        fn walk(
            prefix: &str,
            value: &serde_json::Value,
            out: &mut std::collections::BTreeSet<String>,
        ) {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, v) in map {
                        let path = if prefix.is_empty() {
                            key.clone()
                        } else {
                            format!("{prefix}.{key}")
                        };
                        walk(&path, v, out);
                    }
                }
                // An array of tables ([[topology.hosts]]): the keys of one element.
                serde_json::Value::Array(items) if items.first().is_some_and(|i| i.is_object()) => {
                    walk(prefix, &items[0], out)
                }
                _ => {
                    out.insert(prefix.to_owned());
                }
            }
        }
        let mut keys = std::collections::BTreeSet::new();
        walk(
            "",
            &serde_json::to_value(&full).expect("serialisable"),
            &mut keys,
        );
        keys
    }

    /// The keys `homelab.example.toml` shows, set or commented out (`# key = ...` under its
    /// section, `# [oidc]` included).
    fn example_keys() -> std::collections::BTreeSet<String> {
        let text = include_str!("../../homelab.example.toml");
        let mut section = String::new();
        let mut keys = std::collections::BTreeSet::new();
        for line in text.lines() {
            let line = line.trim_start_matches('#').trim();
            if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
                section = name.to_owned();
            } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_owned();
            } else if let Some((key, _)) = line.split_once(" = ") {
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    keys.insert(if section.is_empty() {
                        key.to_owned()
                    } else {
                        format!("{section}.{key}")
                    });
                }
            }
        }
        keys
    }

    /// The keys of the README's configuration table (its first column, several per row).
    fn readme_keys() -> std::collections::BTreeSet<String> {
        let text = include_str!("../../README.md");
        let start = text
            .find("| key | default | meaning |")
            .expect("the key table");
        text[start..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .flat_map(|row| {
                let first = row.split('|').nth(1).unwrap_or_default();
                first
                    .split(',')
                    .map(|k| k.trim().trim_matches('`').to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn every_key_is_in_the_example_and_the_readme_and_nothing_else_is() {
        let keys = struct_keys();
        assert!(keys.contains("topology.hosts.nodes"), "{keys:?}");
        assert_eq!(
            example_keys(),
            keys,
            "homelab.example.toml against the Config struct"
        );
        assert_eq!(
            readme_keys(),
            keys,
            "the README's key table against the Config struct"
        );
    }

    #[test]
    fn the_cluster_time_zone_defaults_to_utc_and_an_unknown_one_names_the_key() {
        Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            let config = Config::load(None).expect("demo");
            assert_eq!(config.cluster.timezone, "UTC");
            jail.set_env("HOMELAB_CLUSTER__TIMEZONE", "America/Chicago");
            let config = Config::load(None).expect("a real zone");
            let tz = config.cluster.time_zone().expect("known");
            assert_eq!(tz.iana_name(), Some("America/Chicago"));
            Ok(())
        });
        let err = refused(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.set_env("HOMELAB_CLUSTER__TIMEZONE", "Mars/Olympus_Mons");
            Ok(None)
        });
        assert!(
            err.starts_with("config key `cluster.timezone`: unknown time zone `Mars/Olympus_Mons`"),
            "{err}"
        );
    }

    #[test]
    fn public_status_is_off_unless_asked_for() {
        Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            assert!(!Config::load(None).expect("demo").public_status);
            jail.create_file("h.toml", "demo = true\npublic_status = true\n")?;
            let config = Config::load(Some(Path::new("h.toml"))).expect("public status");
            assert!(config.public_status);
            Ok(())
        });
    }

    /// As the pod runs it: the ConfigMap's file (the base's and the overlay's), the secrets from
    /// the Secret as environment.
    #[test]
    fn the_deployed_configuration_loads_with_its_secrets_from_the_environment() {
        for (which, file) in [
            ("base", include_str!("../../deploy/base/homelab.toml")),
            (
                "overlay",
                include_str!("../../deploy/overlays/k3s-home/homelab.toml"),
            ),
        ] {
            Jail::expect_with(|jail| {
                jail.create_file("homelab.toml", file)?;
                jail.set_env("HOMELAB_OIDC__CLIENT_SECRET", "from-the-secret");
                jail.set_env("HOMELAB_METRICS_TOKEN", "scrape-me");
                let config = Config::load(Some(Path::new("homelab.toml"))).expect(which);
                assert!(!config.demo && config.server.json_logs, "{which}");
                assert_eq!(config.server.listen.port(), 3000);
                assert_eq!(
                    config.server.data_dir,
                    Path::new("/data"),
                    "the PVC's mount"
                );
                assert_eq!(config.metrics_token.as_deref(), Some("scrape-me"));
                assert!(!config.actions.impersonate, "{which}");
                let debug = format!("{config:?}");
                assert!(
                    !debug.contains("scrape-me") && !debug.contains("from-the-secret"),
                    "{debug}"
                );
                Ok(())
            });
        }
    }

    /// deploy/components/impersonate turns impersonation on with the variable its patch adds to
    /// the pod (tests/it/deploy.rs checks the rendered Deployment carries it).
    #[test]
    fn the_impersonate_component_turns_impersonation_on() {
        let kustomization: serde_yaml::Value = serde_yaml::from_str(include_str!(
            "../../deploy/components/impersonate/kustomization.yaml"
        ))
        .expect("yaml");
        let patch: serde_yaml::Value = serde_yaml::from_str(
            kustomization["patches"][0]["patch"]
                .as_str()
                .expect("an inline patch"),
        )
        .expect("yaml");
        let var = &patch[0]["value"];
        let (name, value) = (
            var["name"].as_str().expect("name"),
            var["value"].as_str().expect("value"),
        );
        Jail::expect_with(|jail| {
            jail.create_file(
                "homelab.toml",
                include_str!("../../deploy/base/homelab.toml"),
            )?;
            jail.set_env("HOMELAB_OIDC__CLIENT_SECRET", "from-the-secret");
            jail.set_env(name, value);
            let config = Config::load(Some(Path::new("homelab.toml"))).expect("valid");
            assert!(config.actions.impersonate, "{name}={value}");
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_the_file_and_the_secret_is_redacted() {
        Jail::expect_with(|jail| {
            jail.create_file("h.toml", OIDC)?;
            jail.set_env("HOMELAB_OIDC__CLIENT_ID", "other");
            let config = Config::load(Some(Path::new("h.toml"))).expect("valid config");
            let oidc = config.oidc.as_ref().expect("oidc section");
            assert_eq!(oidc.client_id, "other");
            assert_eq!(oidc.admin_groups, vec!["homelab-admins"]);
            let debug = format!("{config:?}");
            assert!(!debug.contains("s3cret"), "{debug}");
            assert!(!config.dev_sign_in());
            Ok(())
        });
    }
}
