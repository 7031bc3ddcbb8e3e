//! How pages say things that the islands say again when the live stream changes them: the
//! words must match, so both take them from here.

use crate::model::ServiceStatus;

/// What a family member reads for each status.
pub fn family_words(status: ServiceStatus) -> &'static str {
    match status {
        ServiceStatus::Up => "Working",
        ServiceStatus::Degraded => "Having trouble",
        ServiceStatus::Down => "Not working",
        ServiceStatus::ScaledToZero => "Switched off",
        ServiceStatus::Unknown => "Unknown",
    }
}

/// "412 of 1050 items (39%)"; the Backups page and the live island.
pub fn progress_words(done: u64, total: u64) -> String {
    let percent = done
        .saturating_mul(100)
        .checked_div(total)
        .unwrap_or(0)
        .min(100);
    format!("{done} of {total} items ({percent}%)")
}
