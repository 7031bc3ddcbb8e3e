//! `[server]`: where the server listens and is reached, where its data and site live, and the
//! limits of a request; with the check that `public_url` is an origin.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The URL people use to reach the server; `https://` turns on HSTS and `__Host-` cookies.
    pub public_url: String,
    /// Where the SQLite database lives; created on first start.
    pub data_dir: PathBuf,
    /// The site built by cargo-leptos (`pkg/` with the hashed JS, WASM and CSS).
    pub site_root: PathBuf,
    /// Longest a request may take before it is answered 408.
    pub request_timeout_secs: u64,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Log as JSON lines (for Loki) instead of human-readable text.
    pub json_logs: bool,
    /// With `public_status`: the most live streams open at once without sign-in; more are
    /// answered 503 (the page still works, without live updates). Signed-in streams count not.
    pub public_streams: usize,
    /// Answer `/bench/floor`: a fixed 2 KB page through the whole middleware stack (session,
    /// authorization, headers, compression) without the app's work, the floor `make bench`
    /// compares pages to. Off: it is 404.
    pub bench_floor: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: "http://127.0.0.1:3000".into(),
            data_dir: PathBuf::from("data"),
            site_root: PathBuf::from("target/site"),
            request_timeout_secs: 30,
            body_limit_bytes: 1024 * 1024,
            json_logs: false,
            public_streams: 100,
            bench_floor: false,
        }
    }
}

/// An http:// or https:// URL with a host, or why `value` is not one.
pub(super) fn http_url(value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err("must start with http:// or https:// and name a host".into());
    }
    Ok(url)
}

/// The public URL must be an origin: routes live at the root, and `__Host-` cookies need `/`.
pub(super) fn check_public_url(value: &str) -> Result<(), String> {
    let url = http_url(value)?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("must be a scheme, a host and an optional port only, like \
                    https://homelab.example.net (the server serves from the root of its host)"
            .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its own large error"
    )]

    use crate::config::tests::refused;

    #[test]
    fn a_public_url_with_a_path_is_refused() {
        let err = refused(|jail| {
            jail.set_env("HOMELAB_DEMO", "true");
            jail.set_env("HOMELAB_SERVER__PUBLIC_URL", "https://example.net/homelab");
            Ok(None)
        });
        assert!(err.contains("server.public_url"), "{err}");
        assert!(err.contains("root of its host"), "{err}");
    }
}
