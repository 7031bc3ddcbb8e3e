//! Kubernetes events as the object pages and the Events page list them.

use serde::{Deserialize, Serialize};

/// One event about one object (the API server folds repeats into one with a count).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    /// Warning rather than Normal.
    pub warning: bool,
    pub namespace: String,
    /// The kind and name of the object it is about.
    pub kind: String,
    pub name: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
    /// Unix seconds of the first and the last occurrence.
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

impl EventRow {
    /// `Kind/name`, as kubectl names the object.
    pub fn object(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// The Events page's filters, as the query string gives them; empty means any.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFilter {
    /// `Warning`, `Normal`, or empty.
    #[serde(default, rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub kind: String,
    /// The object's name, exactly (links from the volume and backup tables use it).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub reason: String,
    /// Words the reason, object or message contain, ignoring case.
    #[serde(default)]
    pub text: String,
}

/// The Events page: what the filters matched (newest first, at most [`EventsView::LIMIT`]),
/// and the values each filter can take.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsView {
    pub filter: EventFilter,
    pub rows: Vec<EventRow>,
    /// How many events matched, shown or not.
    pub matched: usize,
    /// How many events the cache holds.
    pub total: usize,
    pub namespaces: Vec<String>,
    pub kinds: Vec<String>,
    pub reasons: Vec<String>,
    /// Why the filter was refused, naming the field; no rows then.
    pub problem: Option<String>,
}

impl EventsView {
    /// Rows a page shows at most; the count says how many more matched.
    pub const LIMIT: usize = 500;
}
