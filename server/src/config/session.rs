//! `[session]`: how long a sign-in lasts and what its cookie is called, with the check that the
//! name takes the `__Host-` prefix.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// A session unused for this long ends.
    pub idle_timeout_minutes: u64,
    /// No session lives longer than this, used or not.
    pub absolute_timeout_hours: u64,
    /// Name of the session cookie; over https it gets the `__Host-` prefix.
    pub cookie_name: String,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: 8 * 60,
            absolute_timeout_hours: 7 * 24,
            cookie_name: "homelab_session".into(),
        }
    }
}

/// A cookie name we can prefix: a plain token, and no `__` prefix of its own.
pub(super) fn valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with("__")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its own large error"
    )]

    use crate::config::tests::refused;

    #[test]
    fn a_cookie_name_with_its_own_prefix_is_refused() {
        for name in ["__Host-x", "", "a b", "a;b"] {
            let err = refused(|jail| {
                jail.set_env("HOMELAB_DEMO", "true");
                jail.set_env("HOMELAB_SESSION__COOKIE_NAME", name);
                Ok(None)
            });
            assert!(err.contains("session.cookie_name"), "{name}: {err}");
        }
    }
}
