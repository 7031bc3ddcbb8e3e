//! After-action reviews (AARs): the record as stored and edited, and what the AAR pages show.
//! Dates are ISO `YYYY-MM-DD` strings, checked by the server before they are stored (the browser
//! build needs no date library for them).

use serde::{Deserialize, Serialize};

/// How bad the incident was. Imported AARs that say nothing are unrated (`None`), not guessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// A draft is being written; a published AAR is the reviewed record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AarStatus {
    #[default]
    Draft,
    Published,
}

impl AarStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AarStatus::Draft => "draft",
            AarStatus::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<AarStatus> {
        [AarStatus::Draft, AarStatus::Published]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// P0 (drop everything) to P3 (when there is time). Ordered so that P0 sorts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }

    /// The number stored in SQLite (0 to 3), so that ordering by it is ordering by urgency.
    pub fn rank(self) -> i64 {
        self as i64
    }

    pub fn from_rank(rank: i64) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.rank() == rank)
    }

    pub fn parse(text: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStatus {
    #[default]
    Open,
    Done,
    Dropped,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 3] = [ItemStatus::Open, ItemStatus::Done, ItemStatus::Dropped];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::Done => "done",
            ItemStatus::Dropped => "dropped",
        }
    }

    pub fn parse(text: &str) -> Option<ItemStatus> {
        ItemStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// One line of the timeline: `when` is free text as people write it ("June 14 AM", "Detection",
/// or empty when the entry has no label).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub when: String,
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub text: String,
    pub owner: Option<String>,
    pub priority: Option<Priority>,
    pub status: ItemStatus,
    pub due: Option<String>,
    pub done_on: Option<String>,
}

/// A section the fixed fields have no place for ("Configuration Changes", "Security Concern"),
/// kept as written so that nothing imported is lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraSection {
    pub heading: String,
    /// Markdown.
    pub body: String,
}

/// The content of an AAR: everything an admin writes. Text fields are Markdown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AarContent {
    pub title: String,
    /// First day of the incident.
    pub incident_date: String,
    /// Last day, when it spanned several ("June 15-16").
    pub incident_end: Option<String>,
    /// "Evening", "Night", "Early Morning": the part of the day, as written.
    pub time_of_day: Option<String>,
    pub severity: Option<Severity>,
    pub status: AarStatus,
    /// What happened.
    pub summary: String,
    pub timeline: Vec<TimelineEntry>,
    pub direct_cause: String,
    pub contributing_factors: Vec<String>,
    pub went_well: Vec<String>,
    pub could_improve: Vec<String>,
    pub lessons: Vec<String>,
    pub action_items: Vec<ActionItem>,
    pub extra_sections: Vec<ExtraSection>,
    pub tags: Vec<String>,
    /// Services and nodes the incident concerns.
    pub services: Vec<String>,
    /// Start of the incident window, UTC, `YYYY-MM-DDTHH:MM`: the cluster's evidence between
    /// it and [`AarContent::window_end`] is offered for the timeline.
    #[serde(default)]
    pub window_start: Option<String>,
    /// End of the incident window (after the start), UTC, `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub window_end: Option<String>,
    /// Keys of the evidence attached to the timeline (`event:…`, `backup:…`, `action:…`), so
    /// that it is not offered twice. Set only by attaching; forms and imports keep it as stored.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// A stored AAR: its content, and the version every save is checked against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aar {
    pub id: i64,
    /// Starts at 1; each save adds one. A save based on an older version is refused.
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
    pub content: AarContent,
}

/// One row of the AAR list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AarRow {
    pub id: i64,
    pub title: String,
    pub incident_date: String,
    pub severity: Option<Severity>,
    pub status: AarStatus,
    pub tags: Vec<String>,
    pub services: Vec<String>,
    pub open_items: i64,
}

/// Part of a search snippet: text, highlighted where it matched. Never HTML.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// A search result, best first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub row: AarRow,
    pub snippet: Vec<SnippetPart>,
}

/// An open action item with the AAR it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItem {
    pub aar_id: i64,
    pub aar_title: String,
    pub aar_version: i64,
    pub incident_date: String,
    /// Position of the item within its AAR (0-based).
    pub position: i64,
    pub item: ActionItem,
}

/// An action item's fields as the inline editor shows and sends them ("" for none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineItem {
    /// open, done or dropped.
    pub status: String,
    /// P0 to P3, or "".
    pub priority: String,
    pub owner: String,
    /// YYYY-MM-DD, or "".
    pub due: String,
    /// Set by the server when the item is done; ignored when sent.
    pub done_on: String,
}

impl InlineItem {
    pub fn of(item: &ActionItem) -> InlineItem {
        InlineItem {
            status: item.status.as_str().to_owned(),
            priority: item
                .priority
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            owner: item.owner.clone().unwrap_or_default(),
            due: item.due.clone().unwrap_or_default(),
            done_on: item.done_on.clone().unwrap_or_default(),
        }
    }
}

/// The server's answer to an inline edit of an action item (a flat struct: the WASM that reads
/// it stays small).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InlineItemReply {
    /// Saved as `version`, `item` as stored (with its done date).
    pub saved: bool,
    pub version: i64,
    pub item: InlineItem,
    /// Not saved: the field at fault (`status`, `priority`, `owner`, `due`), or "" for the whole
    /// item (a newer version was saved meanwhile, the item is gone), and why.
    pub field: String,
    pub message: String,
}

/// One kept revision: who saved which version when, and what it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionInfo {
    pub version: i64,
    pub at: String,
    pub by: String,
    pub changes: String,
}

/// Filters of the AAR list; empty strings mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AarFilter {
    pub q: String,
    pub severity: String,
    pub tag: String,
    pub service: String,
    pub open_items: bool,
}

/// The list page: the filters as given, the choices for them, and either rows or search hits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AarListView {
    pub filter: AarFilter,
    pub all_tags: Vec<String>,
    pub all_services: Vec<String>,
    pub rows: Vec<AarRow>,
    /// Set when `filter.q` is not empty: the ranked hits (already filtered).
    pub hits: Option<Vec<SearchHit>>,
    /// A notice after a redirect ("Imported 3 AARs").
    pub notice: Option<String>,
}

/// The detail page of one AAR, or of one of its older revisions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AarDetailView {
    pub aar: Aar,
    pub revisions: Vec<RevisionInfo>,
    /// Some(version) when an older revision is shown (read-only).
    pub old_revision: Option<i64>,
    pub notice: Option<String>,
    /// The guarded actions taken for this AAR (audit entries naming it), oldest first.
    pub actions: Vec<AarAction>,
    /// What the cluster recorded in the incident window; None on an older revision.
    pub evidence: Option<EvidenceView>,
}

/// A guarded action taken for an AAR, from the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AarAction {
    /// The audit entry's id.
    pub id: i64,
    /// "2025-06-14 20:03 UTC".
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// done, refused or failed.
    pub outcome: String,
    pub reason: Option<String>,
}

/// What evidence is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EvidenceKind {
    /// A Kubernetes Warning event.
    Event,
    /// A Velero backup run.
    Backup,
    /// A guarded admin action from the audit log.
    Action,
    /// An alert from Alertmanager that fired.
    Alert,
    /// A restore drill and its verdict.
    Drill,
}

/// One piece of evidence offered for the timeline: the entry it becomes, and its key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// `event:<uid>`, `backup:<namespace>/<name>`, `action:<audit id>`.
    pub key: String,
    pub kind: EvidenceKind,
    /// Unix seconds, for ordering.
    pub at: i64,
    /// The timeline entry it becomes.
    pub entry: TimelineEntry,
    /// On the timeline already: shown, not offered again.
    pub attached: bool,
}

/// The evidence section of an AAR.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceView {
    /// "2025-06-14 20:00 UTC to 2025-06-14 23:30 UTC"; None when the AAR has no window.
    pub window: Option<String>,
    /// The filter applied, in words.
    pub filter: String,
    /// How many days the server keeps evidence.
    pub keep_days: u32,
    pub events: Vec<EvidenceItem>,
    pub backups: Vec<EvidenceItem>,
    pub actions: Vec<EvidenceItem>,
    /// Alertmanager's alerts that fired in the window.
    #[serde(default)]
    pub alerts: Vec<EvidenceItem>,
    /// Restore drills that finished in the window.
    #[serde(default)]
    pub drills: Vec<EvidenceItem>,
}

/// A form field's problem, by field name (`title`, `item_text.1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The create or edit form: what was entered (kept as typed, also when refused), the problems,
/// and the version it is based on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AarForm {
    /// None: a new AAR.
    pub id: Option<i64>,
    pub version: i64,
    pub fields: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
    /// A problem with the whole form (a newer version was saved meanwhile).
    pub conflict: Option<String>,
}

impl AarForm {
    pub fn value(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn error(&self, name: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    }
}

/// The import page: the pasted text (kept when refused) and what went wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub text: String,
    pub error: Option<String>,
}

/// What an AAR page shows; the server loads it before rendering and provides it as context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AarPage {
    List(AarListView),
    // Boxed: an AAR is large next to the other variants.
    Detail(Box<AarDetailView>),
    Form(AarForm),
    OpenItems(Vec<OpenItem>),
    Import(ImportView),
}

/// The most action items one AAR holds. The form's rows and an import are bounded by it, so a
/// field named `item_text.20000000` is refused before any row is built.
pub const MAX_ACTION_ITEMS: usize = 100;

/// The row of an action-item form field: `item_text.3` is `Some(Ok(3))`; a row past
/// [`MAX_ACTION_ITEMS`], or no row number, is `Some(Err(why))`; any other field is `None`.
pub fn item_row(key: &str) -> Option<Result<usize, String>> {
    let (_, index) = key.strip_prefix("item_")?.split_once('.')?;
    let digits = !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
    Some(match index.parse::<usize>() {
        Ok(n) if n < MAX_ACTION_ITEMS => Ok(n),
        _ if digits => Err(format!(
            "An AAR holds at most {MAX_ACTION_ITEMS} action items; a field names row {}.",
            if index.len() > 20 { "past that" } else { index }
        )),
        _ => Err("An action-item field ends in its row number, like item_text.3.".to_owned()),
    })
}

/// How many action-item rows a form has: its highest valid row plus one.
pub fn item_rows<'a>(keys: impl IntoIterator<Item = &'a str>) -> usize {
    keys.into_iter()
        .filter_map(|k| item_row(k)?.ok())
        .map(|n| n + 1)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod item_row_tests {
    use super::*;

    #[test]
    fn rows_past_the_limit_or_without_a_number_are_refused_not_wrapped() {
        assert_eq!(item_row("item_text.3"), Some(Ok(3)));
        assert_eq!(item_row("title"), None);
        assert!(item_row("item_text.100").unwrap().is_err());
        assert!(item_row("item_text.20000000").unwrap().is_err());
        // usize::MAX + 1 would wrap to 0 in a careless parse.
        assert!(item_row("item_text.18446744073709551616").unwrap().is_err());
        assert!(item_row("item_text.x").unwrap().is_err());
        assert_eq!(
            item_rows(["item_text.0", "item_text.20000000", "item_owner.4"]),
            5
        );
    }
}
