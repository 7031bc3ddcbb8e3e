//! Restore drills: a backup's namespaces restored by Velero into scratch namespaces, what came
//! back compared with what the backup holds, and how recently each namespace and schedule was
//! proven restorable.

use serde::{Deserialize, Serialize};

/// How a drill ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Completed, and everything the backup holds came back.
    Passed,
    /// Completed with Velero's warnings; everything came back.
    Warnings,
    /// Not Completed, or something the backup holds did not come back.
    Failed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Warnings => "warnings",
            Verdict::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        [Verdict::Passed, Verdict::Warnings, Verdict::Failed]
            .into_iter()
            .find(|v| v.as_str() == text)
    }

    pub fn words(self) -> &'static str {
        match self {
            Verdict::Passed => "Passed",
            Verdict::Warnings => "Passed with warnings",
            Verdict::Failed => "Failed",
        }
    }

    /// Whether the drill proves the namespace restorable.
    pub fn proves(self) -> bool {
        matches!(self, Verdict::Passed | Verdict::Warnings)
    }
}

/// One kind of object: how many the backup holds of the namespace, how many came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// As Velero keys it: `apps/v1/Deployment`, `v1/ConfigMap`.
    pub kind: String,
    pub backed_up: u64,
    pub restored: u64,
}

/// One restored namespace, compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillNamespace {
    pub source: String,
    pub scratch: String,
    pub kinds: Vec<KindCount>,
    /// The backup's claims of this namespace, and whether each is in the scratch namespace.
    pub claims: Vec<(String, bool)>,
}

/// What a finished drill found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillReport {
    pub namespaces: Vec<DrillNamespace>,
    /// Velero's warnings and errors about the restore, each prefixed with where
    /// (`velero: `, `cluster: `, `<namespace>: `).
    pub warnings: Vec<String>,
    pub errors: Vec<String>,
    /// Why the comparison could not be made (the lists could not be read), if it could not.
    pub problem: Option<String>,
}

/// One drill, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drill {
    /// The Restore's namespace (Velero's) and name.
    pub velero_namespace: String,
    pub restore: String,
    pub backup: String,
    /// The schedule the backup came from, if any.
    pub schedule: Option<String>,
    /// `(namespace, scratch namespace)`, in order.
    pub namespaces: Vec<(String, String)>,
    /// Velero's phase of the Restore.
    pub phase: String,
    pub items_restored: Option<u64>,
    pub total_items: Option<u64>,
    pub warnings: u64,
    pub errors: u64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// Set once the comparison is made.
    pub verdict: Option<Verdict>,
    pub report: Option<DrillReport>,
    /// When its scratch namespaces were seen gone.
    pub cleaned_up_at: Option<i64>,
}

impl Drill {
    /// `namespace/name` of the Restore: the drill's page is `/drills/<namespace>/<name>`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.velero_namespace, self.restore)
    }

    /// Whether Velero is still at it.
    pub fn running(&self) -> bool {
        !matches!(
            self.phase.as_str(),
            "Completed" | "PartiallyFailed" | "Failed" | "FailedValidation"
        )
    }
}

/// How recently one namespace (or one schedule's backups) was proven restorable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// A namespace, or a schedule as `<velero namespace>/<schedule>`.
    pub subject: String,
    /// The schedules that back the namespace up (empty for a schedule's own row).
    pub schedules: Vec<String>,
    /// The newest drill that proved it: its id and when it finished.
    pub last_success: Option<(String, i64)>,
    /// The newest drill of it, whatever its verdict.
    pub last_verdict: Option<Verdict>,
    /// Never proven, or not within `drills.max_age_days`.
    pub overdue: bool,
}

/// The drills the Backups page and the health summary read: recent drills and the coverage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillsView {
    /// Newest first.
    pub recent: Vec<Drill>,
    /// Per namespace that a schedule backs up, then per schedule.
    pub namespaces: Vec<Coverage>,
    pub schedules: Vec<Coverage>,
    /// `drills.max_age_days`.
    pub max_age_days: u32,
}

impl Default for DrillsView {
    fn default() -> Self {
        DrillsView {
            recent: Vec::new(),
            namespaces: Vec::new(),
            schedules: Vec::new(),
            max_age_days: 90,
        }
    }
}
