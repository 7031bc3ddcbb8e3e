//! `[notify]`: who is told when something changes, and how patiently. Each `[[notify.targets]]`
//! is an ntfy topic or a generic JSON webhook, for the family (media services up or down, in
//! plain words) or the admins (everything, with a link to the incident page).

use serde::{Deserialize, Serialize};

use super::error::ConfigError;

/// How a target is sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// An ntfy topic URL: the text as the body, the title and link as headers.
    Ntfy,
    /// Any URL taking a JSON body (Home Assistant, Discord, Slack, Gotify): the body carries
    /// `title`, `message`, `text` and `content`, so each finds the field it reads.
    Webhook,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Ntfy => "ntfy",
            TargetKind::Webhook => "webhook",
        }
    }
}

/// One place messages go.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// How the Notifications page and `/metrics` name it; unique.
    pub name: String,
    pub kind: TargetKind,
    pub url: String,
    /// Sent as `Authorization: Bearer <token>`; leave it out for an open topic.
    #[serde(default)]
    pub token: Option<String>,
    /// `family` (media services' up and down only) or `admin` (everything).
    pub audience: frontend::model::Audience,
}

impl std::fmt::Debug for TargetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("audience", &self.audience)
            .finish()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Seconds a new status must hold before it is sent, so a rollout is not an outage.
    pub debounce_secs: u32,
    /// Seconds changes are gathered into one message after the first of them is due.
    pub group_secs: u32,
    /// Seconds before the first retry of a failed delivery; each retry waits twice as long (up
    /// to an hour).
    pub retry_secs: u32,
    /// Attempts before a delivery is given up (and shown so on the Notifications page).
    pub max_attempts: u32,
    pub targets: Vec<TargetConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            debounce_secs: 120,
            group_secs: 30,
            retry_secs: 30,
            max_attempts: 8,
            targets: Vec::new(),
        }
    }
}

impl NotifyConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: String| Err(ConfigError::Invalid { key, reason });
        if !(1..=86_400).contains(&self.debounce_secs) {
            return invalid(
                "notify.debounce_secs",
                "must be between 1 and 86400 (seconds)".into(),
            );
        }
        if self.group_secs > 3600 {
            return invalid(
                "notify.group_secs",
                "must be between 0 and 3600 (seconds)".into(),
            );
        }
        if !(1..=3600).contains(&self.retry_secs) {
            return invalid(
                "notify.retry_secs",
                "must be between 1 and 3600 (seconds)".into(),
            );
        }
        if !(1..=50).contains(&self.max_attempts) {
            return invalid("notify.max_attempts", "must be between 1 and 50".into());
        }
        for (i, t) in self.targets.iter().enumerate() {
            let which = format!("target {} (`{}`)", i + 1, t.name);
            let name_ok = !t.name.is_empty()
                && t.name.len() <= 63
                && t.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !name_ok {
                return invalid(
                    "notify.targets",
                    format!("{which}: name must be 1 to 63 letters, digits, `-` or `_`"),
                );
            }
            if self.targets[..i].iter().any(|o| o.name == t.name) {
                return invalid(
                    "notify.targets",
                    format!("{which}: another target has this name"),
                );
            }
            if let Err(reason) = super::server::http_url(&t.url) {
                return invalid(
                    "notify.targets",
                    format!("{which}: url `{}` {reason}", t.url),
                );
            }
            if t.token
                .as_deref()
                .is_some_and(|token| token.trim().is_empty())
            {
                return invalid(
                    "notify.targets",
                    format!("{which}: token is empty; leave it out for a target without one"),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its own large error"
    )]

    use crate::config::tests::refused;
    use crate::config::Config;

    const TARGETS: &str = r#"
        demo = true
        [notify]
        debounce_secs = 5
        [[notify.targets]]
        name = "family"
        kind = "ntfy"
        url = "https://ntfy.example.net/plex-up"
        audience = "family"
        [[notify.targets]]
        name = "admins"
        kind = "webhook"
        url = "http://127.0.0.1:8123/api/webhook/homelab"
        token = "s3cret"
        audience = "admin"
    "#;

    #[test]
    fn targets_are_read_and_their_tokens_kept_out_of_debug_output() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("homelab.toml", TARGETS)?;
            let config = Config::load(Some("homelab.toml".as_ref())).expect("targets");
            assert_eq!(config.notify.debounce_secs, 5);
            assert_eq!(config.notify.targets.len(), 2);
            assert_eq!(config.notify.targets[1].token.as_deref(), Some("s3cret"));
            let debug = format!("{:?}", config.notify);
            assert!(!debug.contains("s3cret"), "{debug}");
            Ok(())
        });
    }

    #[test]
    fn targets_can_be_given_in_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.set_env(
                "HOMELAB_NOTIFY__TARGETS",
                r#"[{name="family",kind="ntfy",url="http://127.0.0.1:9/family",audience="family"}]"#,
            );
            let config = Config::load(None).expect("a target from the environment");
            assert_eq!(config.notify.targets[0].name, "family");
            assert_eq!(config.notify.targets[0].url, "http://127.0.0.1:9/family");
            Ok(())
        });
    }

    #[test]
    fn a_bad_target_is_named_with_what_is_wrong() {
        for (change, says) in [
            (
                (
                    "url = \"https://ntfy.example.net/plex-up\"",
                    "url = \"ntfy/plex\"",
                ),
                "target 1 (`family`): url `ntfy/plex`",
            ),
            (
                ("token = \"s3cret\"", "token = \" \""),
                "target 2 (`admins`): token is empty",
            ),
            (
                ("name = \"admins\"", "name = \"family\""),
                "another target has this name",
            ),
            (
                ("name = \"admins\"", "name = \"the admins\""),
                "name must be",
            ),
            (("kind = \"webhook\"", "kind = \"smtp\""), "smtp"),
            (
                ("debounce_secs = 5", "debounce_secs = 0"),
                "notify.debounce_secs",
            ),
        ] {
            let err = refused(|jail| {
                jail.create_file("homelab.toml", &TARGETS.replace(change.0, change.1))?;
                Ok(Some("homelab.toml".into()))
            });
            assert!(err.contains(says), "{change:?}: {err}");
        }
    }
}
