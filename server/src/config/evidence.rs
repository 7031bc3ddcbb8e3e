//! `[evidence]`: how long the cluster's Warning events and backup runs are kept for AAR timelines.

use serde::{Deserialize, Serialize};

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
}
