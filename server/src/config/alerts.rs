//! `[alerts]`: where Alertmanager answers, and how often it is read.

use serde::{Deserialize, Serialize};

use super::error::ConfigError;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Alertmanager's address, e.g. `http://kube-prometheus-stack-alertmanager.monitoring:9093`
    /// in the cluster. Unset: no alerts are read, and the alert panels say so.
    pub alertmanager_url: Option<String>,
    /// Seconds between two reads (1 to 3600).
    pub refresh_secs: u32,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            alertmanager_url: None,
            refresh_secs: 30,
        }
    }
}

impl AlertsConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=3600).contains(&self.refresh_secs) {
            return Err(ConfigError::Invalid {
                key: "alerts.refresh_secs",
                reason: "must be between 1 and 3600 (seconds)".into(),
            });
        }
        if let Some(url) = &self.alertmanager_url {
            super::server::http_url(url).map_err(|reason| ConfigError::Invalid {
                key: "alerts.alertmanager_url",
                reason: format!("`{url}` {reason}"),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its own large error"
    )]

    use crate::config::tests::refused;
    use crate::config::Config;

    #[test]
    fn alertmanager_is_optional_and_a_bad_address_or_interval_names_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            let config = Config::load(None).expect("demo");
            assert!(config.alerts.alertmanager_url.is_none());
            assert_eq!(config.alerts.refresh_secs, 30);
            jail.set_env("HOMELAB_ALERTS__ALERTMANAGER_URL", "http://127.0.0.1:9093");
            let config = Config::load(None).expect("with alertmanager");
            assert_eq!(
                config.alerts.alertmanager_url.as_deref(),
                Some("http://127.0.0.1:9093")
            );
            Ok(())
        });
        for (key, value, says) in [
            (
                "HOMELAB_ALERTS__ALERTMANAGER_URL",
                "alertmanager:9093",
                "`alerts.alertmanager_url`",
            ),
            (
                "HOMELAB_ALERTS__ALERTMANAGER_URL",
                "ftp://am",
                "must start with http://",
            ),
            ("HOMELAB_ALERTS__REFRESH_SECS", "0", "`alerts.refresh_secs`"),
        ] {
            let err = refused(|jail| {
                jail.set_env("HOMELAB_DEMO", "true");
                jail.set_env(key, value);
                Ok(None)
            });
            assert!(err.contains(says), "{value}: {err}");
        }
    }
}
