//! The Notifications page: where messages go, what was sent and how it went, and what is
//! announced as wrong now.

use serde::{Deserialize, Serialize};

use super::Audience;

/// One configured target, without its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRow {
    pub name: String,
    /// `ntfy` or `webhook`.
    pub kind: String,
    pub audience: Audience,
    /// The host it sends to (the full URL may hold a secret topic).
    pub host: String,
}

/// One message to one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub target: String,
    /// Sent by "Send test" rather than by a change.
    pub test: bool,
    pub created_at: i64,
    pub title: String,
    pub body: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
    pub given_up_at: Option<i64>,
    pub last_error: Option<String>,
}

impl DeliveryRow {
    /// Delivered, given up, retrying or waiting, in a word.
    pub fn state(&self) -> &'static str {
        match (self.delivered_at, self.given_up_at, self.attempts) {
            (Some(_), _, _) => "delivered",
            (_, Some(_), _) => "given up",
            (_, _, 0) => "waiting",
            _ => "retrying",
        }
    }
}

/// A subject announced as not fine, and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncedRow {
    pub subject: String,
    pub words: String,
    pub link: String,
    pub since: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsView {
    pub now: i64,
    pub targets: Vec<TargetRow>,
    pub deliveries: Vec<DeliveryRow>,
    pub announced: Vec<AnnouncedRow>,
    pub debounce_secs: u32,
    pub group_secs: u32,
    /// The demo: past deliveries are shown, nothing is sent.
    pub demo: bool,
    /// The target a test was just queued for.
    pub tested: Option<String>,
}
