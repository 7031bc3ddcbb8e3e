//! Why a configuration is refused, and figment's errors worded for a person. A leaf: the loader in
//! `config/mod.rs` and the sections that check their own values (`cluster.timezone`) both use it.

use std::path::PathBuf;

/// Why the configuration was refused. Each names the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{0}")]
    Parse(String),
    #[error("config key `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

/// Figment's error, worded for a person: which key, what was wrong, and where it came from.
pub(super) fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(src) => format!(" (from {src})"),
                    None => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            let kind = e.kind.to_string();
            if key.is_empty() {
                format!("config: {kind}{source}")
            } else {
                format!("config key `{key}`: {kind}{source}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
