//! Times as pages show them: relative to the view's "now" ("3 h ago", "in 40 min"), with the UTC
//! time in a `<time>` element for hover and assistive technology.

use leptos::prelude::*;

/// A span of seconds in its largest unit: "12 s", "40 min", "3 h", "2 days".
pub fn span_in_words(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3_600),
        s if s < 2 * 86_400 => "1 day".to_string(),
        s => format!("{} days", s / 86_400),
    }
}

/// `t` seen from `now`: "3 h ago", "just now", "in 40 min".
pub fn relative(now: i64, t: i64) -> String {
    match now - t {
        d if d.abs() < 5 => "just now".to_string(),
        d if d > 0 => format!("{} ago", span_in_words(d)),
        d => format!("in {}", span_in_words(-d)),
    }
}

/// An observed time (a start, a validation): never "in ..." when the cluster's clock runs a
/// little ahead of ours.
pub fn observed(now: i64, t: i64) -> String {
    relative(now, t.min(now))
}

/// Year, month and day of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "16 Jun" for a unix time, in UTC.
pub fn utc_day(t: i64) -> String {
    let (_, m, d) = civil_from_days(t.div_euclid(86_400));
    format!("{d} {}", MONTHS[(m - 1).clamp(0, 11) as usize])
}

/// "2025-06-16 18:00 UTC".
pub fn utc(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!(
        "{y}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3_600,
        secs % 3_600 / 60
    )
}

/// "2025-06-16T18:00:00Z", for `<time datetime>`.
fn iso(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!(
        "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// An observed time relative to `now`, the exact UTC time on hover; a dash when unknown.
#[component]
pub fn When(now: i64, at: Option<i64>) -> impl IntoView {
    match at {
        Some(t) => {
            view! { <time datetime=iso(t) title=utc(t)>{observed(now, t)}</time> }.into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_relative_both_ways() {
        assert_eq!(relative(1_000, 1_000), "just now");
        assert_eq!(relative(10_000, 10_000 - 7_200), "2 h ago");
        assert_eq!(relative(10_000, 10_000 + 2_400), "in 40 min");
        assert_eq!(relative(200_000, 200_000 - 86_400 - 60), "1 day ago");
        assert_eq!(observed(10_000, 10_064), "just now");
    }

    #[test]
    fn unix_times_read_as_utc_dates() {
        assert_eq!(utc(1_750_096_800), "2025-06-16 18:00 UTC");
        assert_eq!(iso(1_750_096_805), "2025-06-16T18:00:05Z");
        assert_eq!(utc_day(1_750_096_800), "16 Jun");
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
    }
}
