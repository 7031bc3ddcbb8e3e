//! `[cluster]`: which Kubernetes API server to watch (kubeconfig and context) and the time zone its
//! cron schedules run in.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::error::ConfigError;

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

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its own large error"
    )]

    use figment::Jail;

    use crate::config::tests::refused;
    use crate::config::Config;

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
}
