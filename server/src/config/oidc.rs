//! `[oidc]`: sign-in through an OpenID Connect provider (Authentik), with a `Debug` that keeps the
//! client secret out of logs.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    /// Issuer URL, compared exactly; Authentik's ends with a slash.
    pub issuer_url: String,
    pub client_id: String,
    /// Never logged: `Config`'s Debug shows it redacted.
    pub client_secret: String,
    /// Groups whose members are admins.
    pub admin_groups: Vec<String>,
    /// Groups whose members may see the Status and Services pages.
    pub viewer_groups: Vec<String>,
    /// Clock difference tolerated when checking token times, in seconds.
    pub clock_skew_secs: u64,
    /// Scopes asked for. `openid` is required; `profile` carries Authentik's `groups`;
    /// `offline_access` brings a refresh token when the provider grants it.
    pub scopes: Vec<String>,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            issuer_url: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            admin_groups: vec!["homelab-admins".into()],
            viewer_groups: vec!["family".into()],
            clock_skew_secs: 60,
            scopes: ["openid", "profile", "email", "offline_access"]
                .map(String::from)
                .to_vec(),
        }
    }
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("admin_groups", &self.admin_groups)
            .field("viewer_groups", &self.viewer_groups)
            .field("clock_skew_secs", &self.clock_skew_secs)
            .field("scopes", &self.scopes)
            .finish()
    }
}
