//! The incident window of an AAR: two times in UTC, written `YYYY-MM-DDTHH:MM` (what an HTML
//! `datetime-local` input sends), checked together, and the times the evidence is shown with.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The longest window: evidence of more than a month is no longer about one incident, and the
/// page would list thousands of rows.
pub const MAX_DAYS: i64 = 31;

/// A checked window, unix seconds, `start < end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

/// A problem with one of the two fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowError {
    /// `window_start` or `window_end`.
    pub field: &'static str,
    pub message: String,
}

/// `2025-06-14T20:03` (seconds allowed, a trailing `Z` too) as unix seconds in UTC.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.strip_suffix('Z').unwrap_or(text);
    let civil: DateTime = text.parse().ok()?;
    // Only a date and a time: a bare date would silently mean midnight.
    if !text.contains('T') {
        return None;
    }
    Some(civil.to_zoned(TimeZone::UTC).ok()?.timestamp().as_second())
}

/// Unix seconds as the form writes them: `2025-06-14T20:03`.
pub fn form_time(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map(|t| {
            t.to_zoned(TimeZone::UTC)
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Unix seconds for people: `2025-06-14 20:03 UTC`.
pub fn label(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map(|t| {
            t.to_zoned(TimeZone::UTC)
                .strftime("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_default()
}

/// Checks the two fields together: both empty is no window; otherwise both must be times, the
/// end after the start, at most [`MAX_DAYS`] apart. Each problem names its field.
pub fn check(start: Option<&str>, end: Option<&str>) -> Result<Option<Window>, Vec<WindowError>> {
    let blank = |v: Option<&str>| v.is_none_or(|v| v.trim().is_empty());
    if blank(start) && blank(end) {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut read = |field: &'static str, value: Option<&str>, which: &str| {
        if blank(value) {
            errors.push(WindowError {
                field,
                message: format!(
                    "The incident window needs its {which} too (a date and time in UTC), or \
                     neither."
                ),
            });
            return None;
        }
        let parsed = value.and_then(parse_time);
        if parsed.is_none() {
            errors.push(WindowError {
                field,
                message: format!(
                    "The window's {which} is a date and time in UTC like 2025-06-14T20:00."
                ),
            });
        }
        parsed
    };
    let start = read("window_start", start, "start");
    let end = read("window_end", end, "end");
    let (Some(start), Some(end)) = (start, end) else {
        return Err(errors);
    };
    if end <= start {
        return Err(vec![WindowError {
            field: "window_end",
            message: "The window's end must be after its start.".into(),
        }]);
    }
    if end - start > MAX_DAYS * 86_400 {
        return Err(vec![WindowError {
            field: "window_end",
            message: format!("The window spans at most {MAX_DAYS} days."),
        }]);
    }
    Ok(Some(Window { start, end }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reads_both_times_as_utc() {
        let w = check(Some("2025-06-14T20:00"), Some("2025-06-14T23:30:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(w.end - w.start, 3 * 3600 + 1800);
        assert_eq!(label(w.start), "2025-06-14 20:00 UTC");
        assert_eq!(form_time(w.end), "2025-06-14T23:30");
        assert_eq!(check(Some(" "), None), Ok(None));
    }

    #[test]
    fn each_problem_of_a_window_names_its_field() {
        let fields = |start: &str, end: &str| -> Vec<(&'static str, String)> {
            check(Some(start), Some(end))
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.message))
                .collect()
        };
        let only_start = fields("2025-06-14T20:00", "");
        assert_eq!(only_start.len(), 1);
        assert_eq!(only_start[0].0, "window_end");
        assert!(only_start[0].1.contains("needs its end"), "{only_start:?}");
        let bad = fields("yesterday", "2025-06-14");
        assert_eq!(bad.len(), 2, "a bare date is not a time: {bad:?}");
        assert!(bad[0].1.contains("2025-06-14T20:00"));
        let backwards = fields("2025-06-14T20:00", "2025-06-14T19:59");
        assert_eq!(backwards[0].0, "window_end");
        assert!(backwards[0].1.contains("after its start"));
        let equal = fields("2025-06-14T20:00", "2025-06-14T20:00");
        assert!(equal[0].1.contains("after its start"));
        let long = fields("2025-06-01T00:00", "2025-07-15T00:00");
        assert!(long[0].1.contains("31 days"));
    }
}
