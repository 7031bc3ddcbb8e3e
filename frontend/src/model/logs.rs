//! A pod's container log as the logs page shows it.

use serde::{Deserialize, Serialize};

/// What the admin asked for: the API server's `pods/log` parameters, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    pub container: String,
    /// Lines from the end.
    pub tail: u32,
    /// Only lines of the last this many minutes.
    pub since_minutes: Option<u32>,
    /// The container's previous instance (after a restart or a crash).
    pub previous: bool,
    /// Each line with the time the runtime received it.
    pub timestamps: bool,
}

/// The logs page: the pod, the query, and the lines, or why there are none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodLogs {
    pub namespace: String,
    pub pod: String,
    /// The pod's containers, to choose from.
    pub containers: Vec<String>,
    pub query: LogQuery,
    /// The lines, each cut to a readable length and without control characters.
    pub lines: Vec<String>,
    /// How many lines were cut.
    pub cut_lines: usize,
    /// The log ran past the byte limit and was cut there.
    pub truncated: bool,
    /// What went wrong (a bad field, the API server's refusal), in words; no lines then.
    pub problem: Option<String>,
}
