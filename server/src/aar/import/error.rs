//! Why a file was refused: the first problem found, with its line. A leaf, so that every step
//! of the reading can return it.

/// Why a file was refused: the first problem found, with its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

pub(super) fn err(line: usize, reason: impl Into<String>) -> ParseError {
    ParseError {
        line,
        reason: reason.into(),
    }
}
