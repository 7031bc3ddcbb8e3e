//! `[checks]`: outside-in checks of every HTTPRoute: whether it runs, how often, where the
//! Gateway answers, which CA to trust, and which routes must be behind sign-in.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::error::ConfigError;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChecksConfig {
    /// Request every route's hostname on an interval. Off: no traffic (the demo never sends
    /// any; it shows recorded results).
    pub enabled: bool,
    /// Seconds between two rounds (5 to 86400).
    pub interval_secs: u32,
    /// The longest one request may take (1 to 60 seconds).
    pub timeout_secs: u32,
    /// Where the Gateway answers, `address:port` (e.g. `192.168.10.224:443`): every hostname
    /// is requested there, with its own name in TLS (SNI) and `Host`. Unset: by DNS.
    pub gateway_address: Option<String>,
    /// PEM file of a CA to trust besides the system's (a homelab's own CA).
    pub ca_file: Option<PathBuf>,
    /// Routes meant to be behind sign-in, by hostname or `namespace/name`; the annotation
    /// `homelab.fletcherlabs.net/protected: "true"` on an HTTPRoute says the same.
    pub protected: Vec<String>,
    /// A certificate expiring within this many days is a problem (and a notification).
    pub cert_warn_days: u32,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            interval_secs: 60,
            timeout_secs: 10,
            gateway_address: None,
            ca_file: None,
            protected: Vec::new(),
            cert_warn_days: 14,
        }
    }
}

impl ChecksConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: String| Err(ConfigError::Invalid { key, reason });
        if !(5..=86_400).contains(&self.interval_secs) {
            return invalid(
                "checks.interval_secs",
                "must be between 5 and 86400 (seconds)".into(),
            );
        }
        if !(1..=60).contains(&self.timeout_secs) {
            return invalid(
                "checks.timeout_secs",
                "must be between 1 and 60 (seconds)".into(),
            );
        }
        if let Some(address) = &self.gateway_address {
            if address.parse::<std::net::SocketAddr>().is_err() {
                return invalid(
                    "checks.gateway_address",
                    format!("`{address}` is not an address:port like 192.168.10.224:443"),
                );
            }
        }
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path).map_err(|e| ConfigError::Invalid {
                key: "checks.ca_file",
                reason: format!("cannot read {}: {e}", path.display()),
            })?;
            if reqwest::Certificate::from_pem_bundle(&pem).map_or(true, |c| c.is_empty()) {
                return invalid(
                    "checks.ca_file",
                    format!("{} holds no PEM certificate", path.display()),
                );
            }
        }
        if self.cert_warn_days > 365 {
            return invalid("checks.cert_warn_days", "must be at most 365".into());
        }
        Ok(())
    }

    /// The gateway address, checked by [`validate`](Self::validate).
    pub fn gateway(&self) -> Option<std::net::SocketAddr> {
        self.gateway_address.as_deref().and_then(|a| a.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its own large error"
    )]

    use crate::config::tests::refused;

    #[test]
    fn a_bad_gateway_address_ca_file_or_interval_names_the_key() {
        for (key, value, says) in [
            (
                "HOMELAB_CHECKS__GATEWAY_ADDRESS",
                "gateway.lan",
                "`checks.gateway_address`: `gateway.lan` is not an address:port",
            ),
            (
                "HOMELAB_CHECKS__CA_FILE",
                "/nonexistent/ca.pem",
                "`checks.ca_file`: cannot read",
            ),
            (
                "HOMELAB_CHECKS__CA_FILE",
                "Cargo.toml",
                "holds no PEM certificate",
            ),
            (
                "HOMELAB_CHECKS__INTERVAL_SECS",
                "1",
                "`checks.interval_secs`",
            ),
        ] {
            let err = refused(|jail| {
                jail.set_env("HOMELAB_DEMO", "true");
                if value == "Cargo.toml" {
                    jail.create_file("Cargo.toml", "[package]\nname = \"x\"\n")?;
                }
                jail.set_env(key, value);
                Ok(None)
            });
            assert!(err.contains(says), "{value}: {err}");
        }
    }
}
