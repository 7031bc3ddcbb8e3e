//! An incident page: one service or node, and everything an admin reads in an incident, on one
//! screen.

use serde::{Deserialize, Serialize};

use crate::model::alerts::Alert;
use crate::model::events::EventRow;
use crate::model::{BackupSummary, ClaimSummary, PodSummary, ServiceHistory};

/// What the incident is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// A service, by its id `namespace/name`.
    Service {
        id: String,
        name: String,
    },
    Node {
        name: String,
    },
}

impl Subject {
    /// The page's address.
    pub fn path(&self) -> String {
        match self {
            Subject::Service { id, .. } => format!("/incidents/services/{id}"),
            Subject::Node { name } => format!("/incidents/nodes/{name}"),
        }
    }

    /// How the form names it back to the server: `service:media/plex`, `node:k3s1`.
    pub fn key(&self) -> String {
        match self {
            Subject::Service { id, .. } => format!("service:{id}"),
            Subject::Node { name } => format!("node:{name}"),
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Subject::Service { name, .. } | Subject::Node { name } => name,
        }
    }
}

/// A change in the last day: an audited action, or a rollout or scale the events tell of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Unix seconds.
    pub at: i64,
    pub what: String,
}

/// Everything the incident page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub subject: Subject,
    /// The status now, in words ("Down", "Not ready"), and whether it is bad.
    pub status: String,
    pub healthy: bool,
    /// The views' now.
    pub now: i64,
    /// The first Warning event or firing alert: where an AAR's window starts.
    pub began: Option<i64>,
    /// The service's status over its recorded days (services only).
    pub history: Option<ServiceHistory>,
    pub changes: Vec<Change>,
    /// Warning events, newest first.
    pub warnings: Vec<EventRow>,
    pub alerts: Vec<Alert>,
    /// Why the alerts may be missing or old.
    pub alerts_problem: Option<String>,
    pub pods: Vec<PodSummary>,
    pub claims: Vec<ClaimSummary>,
    /// The last backups that hold its namespace, newest first.
    pub backups: Vec<BackupSummary>,
}
