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

/// The sentence a screen reader hears when a service on the page changes status: "Plex is not
/// working." for the family, "Plex is now Down." for admins (the words of the badge it sees).
pub fn status_change(name: &str, status: ServiceStatus, family: bool) -> String {
    if family {
        format!("{name} is {}.", family_words(status).to_lowercase())
    } else {
        format!("{name} is now {}.", status.words())
    }
}

/// Most changes read out one after another; a burst (a node going down takes many services with
/// it) is summed up instead of flooding the listener.
pub const ANNOUNCE_AT_MOST: usize = 3;

/// What the page's live region says for one update's changes, if anything.
pub fn announcement(sentences: &[String]) -> Option<String> {
    match sentences.len() {
        0 => None,
        n if n <= ANNOUNCE_AT_MOST => Some(sentences.join(" ")),
        n => Some(format!(
            "{} And {} more services changed status.",
            sentences[..ANNOUNCE_AT_MOST - 1].join(" "),
            n - (ANNOUNCE_AT_MOST - 1)
        )),
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

#[cfg(test)]
mod tests {
    use super::{announcement, status_change};
    use crate::model::ServiceStatus;

    #[test]
    fn a_change_is_one_sentence_in_the_words_the_reader_sees() {
        assert_eq!(
            status_change("Plex", ServiceStatus::Down, true),
            "Plex is not working."
        );
        assert_eq!(
            status_change("Plex", ServiceStatus::Up, true),
            "Plex is working."
        );
        assert_eq!(
            status_change("Plex", ServiceStatus::Down, false),
            "Plex is now Down."
        );
    }

    #[test]
    fn a_burst_of_changes_is_summed_up() {
        let one = |n: &str| format!("{n} is not working.");
        assert_eq!(announcement(&[]), None);
        assert_eq!(
            announcement(&[one("Plex"), one("Jellyfin")]).unwrap(),
            "Plex is not working. Jellyfin is not working."
        );
        let many: Vec<String> = ["Plex", "Jellyfin", "Sonarr", "Radarr", "Bazarr"]
            .iter()
            .map(|n| one(n))
            .collect();
        assert_eq!(
            announcement(&many).unwrap(),
            "Plex is not working. Jellyfin is not working. And 3 more services changed status."
        );
    }
}
