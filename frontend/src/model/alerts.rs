//! Alertmanager's alerts and silences as pages show them, and the state of the source.

use serde::{Deserialize, Serialize};

/// Where the alerts come from, and whether what pages show is current.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertSource {
    /// No `alerts.alertmanager_url`: the control plane reads no alerts.
    #[default]
    NotConfigured,
    /// Not read yet since the server started.
    Starting,
    /// Read at `as_of` (unix seconds).
    Live { as_of: i64 },
    /// The last read failed: what is shown is as of `as_of` (if ever read), failing since `since`.
    Unreachable {
        since: i64,
        reason: String,
        as_of: Option<i64>,
    },
}

/// An alert Alertmanager holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub fingerprint: String,
    /// The `alertname` label.
    pub name: String,
    /// The `severity` label (critical, warning, info...), empty when unset.
    pub severity: String,
    /// The `summary` annotation, else `description`, else the name.
    pub summary: String,
    /// Every label but `alertname` and `severity`, sorted by name.
    pub labels: Vec<(String, String)>,
    /// Unix seconds it started firing.
    pub since: Option<i64>,
    /// The silences that hide it; empty for a firing alert.
    pub silenced_by: Vec<String>,
    /// Inhibited by another alert.
    pub inhibited: bool,
}

impl Alert {
    /// Firing and neither silenced nor inhibited: what the health summary counts.
    pub fn is_firing(&self) -> bool {
        self.silenced_by.is_empty() && !self.inhibited
    }

    pub fn is_critical(&self) -> bool {
        self.severity.eq_ignore_ascii_case("critical")
    }

    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A silence that is in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    /// Its matchers as Alertmanager writes them: `alertname="PlexDown"`, `namespace=~"media|.*"`.
    pub matchers: Vec<String>,
    pub created_by: String,
    pub comment: String,
    /// Unix seconds it ends.
    pub ends: Option<i64>,
}

/// Everything read from Alertmanager, in one piece.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsView {
    pub source: AlertSource,
    /// Alertmanager's address, to link to.
    pub url: Option<String>,
    /// Active alerts, critical first, then the oldest first.
    pub alerts: Vec<Alert>,
    pub silences: Vec<Silence>,
}

impl AlertsView {
    /// What a panel must say instead of, or above, its alerts: None when they are current.
    pub fn problem(&self) -> Option<String> {
        match &self.source {
            AlertSource::Live { .. } => None,
            AlertSource::NotConfigured => Some(
                "Alerts are not read: set alerts.alertmanager_url to Alertmanager's address."
                    .into(),
            ),
            AlertSource::Starting => Some("Alertmanager has not been read yet.".into()),
            AlertSource::Unreachable { reason, .. } => Some(format!(
                "Alertmanager cannot be read ({reason}): the alerts shown may be out of date."
            )),
        }
    }
}
