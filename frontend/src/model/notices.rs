//! Notices on the Status page: what admins tell the family, about which services, and when. A
//! maintenance notice shows its services as "Maintenance" while it holds.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: i64,
    pub text: String,
    /// Service ids (`media/plex`); empty: the whole homelab.
    pub services: Vec<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub maintenance: bool,
    /// The AAR it links to (shown to admins), with its title.
    pub aar: Option<(i64, String)>,
    pub created_by: String,
}

impl Notice {
    pub fn holds_at(&self, now: i64) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    pub fn about(&self, service: &str) -> bool {
        self.services.is_empty() || self.services.iter().any(|s| s == service)
    }
}

/// A notice as `/api/v1/status` gives it with each service (nothing an admin-only page holds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicNotice {
    pub text: String,
    pub starts: i64,
    pub ends: i64,
    pub maintenance: bool,
}

impl From<&Notice> for PublicNotice {
    fn from(n: &Notice) -> Self {
        PublicNotice {
            text: n.text.clone(),
            starts: n.starts_at,
            ends: n.ends_at,
            maintenance: n.maintenance,
        }
    }
}

/// The form to post a notice, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeForm {
    pub text: String,
    pub services: Vec<String>,
    /// `YYYY-MM-DDTHH:MM`, UTC.
    pub starts: String,
    pub ends: String,
    pub maintenance: bool,
    /// An AAR id, or empty.
    pub aar: String,
}

/// The admins' Notices page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticesView {
    pub now: i64,
    /// Current and coming notices, then the last ended ones.
    pub notices: Vec<Notice>,
    /// Every service of the catalog, as (id, name), to pick from.
    pub services: Vec<(String, String)>,
    /// The AARs a notice may link to, as (id, title), newest first.
    pub aars: Vec<(i64, String)>,
    pub form: NoticeForm,
    /// What is wrong with the form, as (field, message).
    pub problems: Vec<(String, String)>,
}
