//! A string that must never reach a log: tokens kept in the session for refresh and sign-out.
//!
//! `Debug` prints `[redacted]` and there is no `Display`, so `?user` or `%token` in a log line
//! shows nothing. It is `Serialize` only because the server-side session store (SQLite) must keep
//! it; it never goes into a response.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_output_hides_the_value() {
        let secret = Secret::new("eyJhbGciOiJSUzI1NiJ9.payload.signature");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            "\"eyJhbGciOiJSUzI1NiJ9.payload.signature\""
        );
    }
}
