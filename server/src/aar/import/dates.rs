//! Incident dates as the log writes them (`June 15-16, 2025 - Night`, `2025-06-14`) read into ISO
//! dates. The month names are shared with the export, which writes the same labels.

/// Month names as the log writes them; a unique prefix of three letters or more is read too.
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `June 15-16, 2025 - Night` → ("2025-06-15", Some("2025-06-16"), Some("Night")).
pub fn parse_date_label(label: &str) -> Result<(String, Option<String>, Option<String>), String> {
    let (date, time_of_day) = match label.split_once(" - ").or_else(|| label.split_once(" – ")) {
        Some((d, t)) if !t.trim().is_empty() => (d.trim(), Some(t.trim().to_owned())),
        _ => (label, None),
    };
    let bad = || {
        format!(
            "`{label}` is not a date like `June 14, 2025`, `June 15-16, 2025` or `2025-06-14` \
             (optionally followed by ` - Evening`)"
        )
    };
    if let Some((a, b)) = date.split_once(" to ") {
        let start = iso_date(a.trim()).ok_or_else(bad)?;
        let end = iso_date(b.trim()).ok_or_else(bad)?;
        return ordered(start, Some(end), time_of_day);
    }
    if let Some(iso) = iso_date(date) {
        return ordered(iso, None, time_of_day);
    }
    // "June 15-16, 2025" / "June 14, 2025" / "Jun 14 2025"
    let (month_day, year) = date.rsplit_once([',', ' ']).ok_or_else(bad)?;
    let year: i16 = year.trim().parse().map_err(|_| bad())?;
    let (month, days) = month_day
        .trim()
        .trim_end_matches(',')
        .split_once(' ')
        .ok_or_else(bad)?;
    let month = month_number(month).ok_or_else(bad)?;
    let (first, last) = match days.trim().split_once('-') {
        Some((a, b)) => (a.trim(), Some(b.trim())),
        None => (days.trim(), None),
    };
    let day = |d: &str| -> Result<String, String> {
        let d: i8 = d.parse().map_err(|_| bad())?;
        jiff::civil::Date::new(year, month, d)
            .map(|d| d.to_string())
            .map_err(|e| format!("`{label}`: {e}"))
    };
    let start = day(first)?;
    let end = last.map(day).transpose()?;
    ordered(start, end, time_of_day)
}

fn ordered(
    start: String,
    end: Option<String>,
    time_of_day: Option<String>,
) -> Result<(String, Option<String>, Option<String>), String> {
    match end {
        Some(e) if e < start => Err(format!(
            "the incident ends ({e}) before it starts ({start})"
        )),
        Some(e) if e == start => Ok((start, None, time_of_day)),
        end => Ok((start, end, time_of_day)),
    }
}

/// `2025-06-14` as itself when it is a real date.
pub fn iso_date(text: &str) -> Option<String> {
    let valid = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    valid
        .then(|| text.parse::<jiff::civil::Date>().ok())
        .flatten()
        .map(|d| d.to_string())
}

fn month_number(name: &str) -> Option<i8> {
    let name = name.trim().trim_end_matches('.').to_lowercase();
    if name.len() < 3 {
        return None;
    }
    MONTH_NAMES
        .iter()
        .position(|m| m.to_lowercase().starts_with(&name))
        .and_then(|i| i8::try_from(i + 1).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_accepted_form() {
        let d = |s: &str| parse_date_label(s).unwrap();
        assert_eq!(d("June 14, 2025"), ("2025-06-14".into(), None, None));
        assert_eq!(
            d("Jun 14 2025 - Evening"),
            ("2025-06-14".into(), None, Some("Evening".into()))
        );
        assert_eq!(d("2025-06-14"), ("2025-06-14".into(), None, None));
        assert_eq!(
            d("2025-06-30 to 2025-07-01 - Night"),
            (
                "2025-06-30".into(),
                Some("2025-07-01".into()),
                Some("Night".into())
            )
        );
        assert!(parse_date_label("June 31, 2025").is_err());
        assert!(parse_date_label("June 16-15, 2025").is_err());
    }
}
