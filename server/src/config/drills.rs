//! `[drills]`: how recently every backed-up namespace must have been proven restorable by a
//! restore drill before the health summary says so.

use serde::{Deserialize, Serialize};

use super::error::ConfigError;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DrillsConfig {
    /// A namespace (or a schedule) whose last passed drill is older than this many days, or
    /// that never had one, is overdue: a row on the Backups page and a health reason (1 to 3650).
    pub max_age_days: u32,
}

impl Default for DrillsConfig {
    fn default() -> Self {
        Self { max_age_days: 90 }
    }
}

impl DrillsConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=3650).contains(&self.max_age_days) {
            return Err(ConfigError::Invalid {
                key: "drills.max_age_days",
                reason: "must be between 1 and 3650 (days)".into(),
            });
        }
        Ok(())
    }
}
