//! Configuration: a TOML file, then `HOMELAB_*` environment variables on top (nested keys joined by
//! a double underscore: `HOMELAB_SERVER__LISTEN`). Every key is documented in
//! `homelab.example.toml`. A bad value is reported with its key and the reason, and the process
//! exits with code 2 before anything starts.
//!
//! This file holds [`Config`], its loading (defaults, file, environment) and its validation, which
//! checks the sections in one fixed order (the first bad key is the one reported). Each section's
//! type lives in a file named for it and is re-exported here, so `crate::config::ActionsConfig`
//! and the like keep working; the sections import nothing from this file (only [`ConfigError`]
//! from `error`), so dependencies point one way.

mod actions;
mod alerts;
mod checks;
mod cluster;
mod drills;
mod error;
mod evidence;
mod notify;
mod oidc;
mod server;
mod session;
mod topology;

use std::fmt;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

pub use actions::{ActionsConfig, DEFAULT_MAX_REPLICAS};
pub use alerts::AlertsConfig;
pub use checks::ChecksConfig;
pub use cluster::ClusterConfig;
pub use drills::DrillsConfig;
pub use error::ConfigError;
pub use evidence::EvidenceConfig;
pub use notify::{NotifyConfig, TargetConfig, TargetKind};
pub use oidc::OidcConfig;
pub use server::ServerConfig;
pub use session::SessionConfig;
pub use topology::{HostConfig, TopologyConfig};

use error::describe;
use server::check_public_url;
use session::valid_cookie_name;

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
    /// Alertmanager, read for alerts.
    pub alerts: AlertsConfig,
    /// Messages sent when a service, node, volume or backup changes.
    pub notify: NotifyConfig,
    /// Outside-in checks of every HTTPRoute.
    pub checks: ChecksConfig,
    /// How recently restore drills must have proven each backed-up namespace restorable.
    pub drills: DrillsConfig,
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
            .field("notify", &self.notify)
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
        self.alerts.validate()?;
        self.notify.validate()?;
        self.checks.validate()?;
        self.drills.validate()?;
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

#[cfg(test)]
mod tests;
