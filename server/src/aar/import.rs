//! The AAR log format of CLUSTER-SETUP.md, parsed into AARs: the whole file or nothing.
//!
//! An AAR starts at `### AAR: Title (Date)` and runs to the next heading of level 1 to 3 or a
//! `---` rule; what lies outside AARs is ignored, so the whole CLUSTER-SETUP.md can be imported.
//! Inside, sections start with a bold line `**N. Heading:**` (number optional, text may follow on
//! the same line) or a `#### Heading`. Known headings, with the variants the log uses:
//!
//! | heading | fills |
//! |---|---|
//! | What Happened, Summary | the summary (Markdown, as written) |
//! | Timeline | timeline entries: `- **When**: text` or `- text` |
//! | Root Cause Analysis, Root Cause | `- **Direct Cause:** ...`; `- **Contributing Factors:**` inline or with indented items; other items are kept as contributing factors, label and all |
//! | What Went Well / What Could Be Improved, What Went Well, What Could Be Improved | `- ✅ **Well:** ...` and `- ⚠️ **Improve:** ...` (the marker may be left out in a one-sided section) |
//! | Action Items & Lessons Learned, Action Items, Lessons Learned | `- **Action:** text (Owner: X, Priority: P1, Due: 2025-07-01, Done)` and `- **Lesson:** ...` |
//!
//! Any other heading ("Configuration Changes", "Security Concern", "Full Details") is kept as an
//! extra section, verbatim. Before the first section, `**Severity:**`, `**Status:**`, `**Tags:**`
//! and `**Services:**` lines (written by the export) set those fields, and so does `**Window:**
//! 2025-06-14T20:00 to 2025-06-14T23:30 UTC` (the incident window).
//!
//! Dates: `June 14, 2025`, `June 15-16, 2025`, `2025-06-14`, `2025-06-14 to 2025-06-16`, each
//! optionally followed by ` - Evening` (the time of day).

use std::collections::HashMap;

use frontend::model::aar::{
    AarContent, AarStatus, ActionItem, ExtraSection, ItemStatus, Priority, Severity, TimelineEntry,
};

/// Why a file was refused: the first problem found, with its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

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

/// Every AAR of `text`, in file order. Refuses the whole file at the first problem, and a file
/// without any AAR.
pub fn parse(text: &str) -> Result<Vec<AarContent>, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut aars = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(heading) = lines[i].trim_end().strip_prefix("### AAR:") else {
            i += 1;
            continue;
        };
        let start = i;
        let end = aar_end(&lines, start + 1);
        let content = parse_aar(heading.trim(), start + 1, &lines[start + 1..end], start + 2)?;
        let key = (content.title.clone(), content.incident_date.clone());
        if let Some(first) = seen.insert(key, start + 1) {
            return Err(err(
                start + 1,
                format!(
                    "a second AAR titled \"{}\" on {} (the first is at line {first})",
                    content.title, content.incident_date
                ),
            ));
        }
        aars.push(content);
        i = end;
    }
    if aars.is_empty() {
        return Err(err(
            1,
            "no AAR found: each starts with a line `### AAR: Title (June 14, 2025)`",
        ));
    }
    Ok(aars)
}

fn err(line: usize, reason: impl Into<String>) -> ParseError {
    ParseError {
        line,
        reason: reason.into(),
    }
}

/// Index of the first line after the AAR that starts at `from` (code blocks skipped).
fn aar_end(lines: &[&str], from: usize) -> usize {
    let mut fenced = false;
    for (i, line) in lines.iter().enumerate().skip(from) {
        let t = line.trim_start();
        if t.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let heading = line.starts_with("# ") || line.starts_with("## ") || line.starts_with("### ");
        if heading || line.trim() == "---" {
            return i;
        }
    }
    lines.len()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Summary,
    Timeline,
    RootCause,
    WentWell,
    CouldImprove,
    Review,
    Actions,
    Lessons,
    ActionsAndLessons,
    Extra,
}

impl Kind {
    fn of(heading: &str) -> Kind {
        let h = heading.to_lowercase();
        let h = h.trim();
        match h {
            "what happened" | "summary" => Kind::Summary,
            "timeline" => Kind::Timeline,
            "root cause analysis" | "root cause" | "root causes" => Kind::RootCause,
            "what went well" | "went well" => Kind::WentWell,
            "what could be improved" | "could be improved" | "what could improve" => {
                Kind::CouldImprove
            }
            "action items" | "actions" => Kind::Actions,
            "lessons learned" | "lessons" => Kind::Lessons,
            _ if h.contains("went well") && h.contains("improve") => Kind::Review,
            _ if h.contains("action") && h.contains("lesson") => Kind::ActionsAndLessons,
            _ => Kind::Extra,
        }
    }

    /// The one of each kind an AAR may have (extra sections may repeat).
    fn slot(self) -> Option<&'static str> {
        match self {
            Kind::Summary => Some("What Happened"),
            Kind::Timeline => Some("Timeline"),
            Kind::RootCause => Some("Root Cause Analysis"),
            _ => None,
        }
    }
}

/// A section as found: its heading, the line it starts on, and its lines with their numbers.
struct Section<'a> {
    heading: String,
    line: usize,
    inline: String,
    body: Vec<(usize, &'a str)>,
}

/// `**N. Heading:** rest`, `**Heading**: rest` or `#### N. Heading`: (heading, rest).
fn section_heading(line: &str) -> Option<(String, String)> {
    if let Some(h) = line.strip_prefix("#### ") {
        let h = strip_number(h.trim().trim_end_matches(':'));
        return Some((h.to_owned(), String::new()));
    }
    let (label, rest) = bold_label(line)?;
    Some((strip_number(&label).to_owned(), rest))
}

/// `**Label:** rest` or `**Label**: rest` at the start of `text`: (label, rest).
fn bold_label(text: &str) -> Option<(String, String)> {
    let inner = text.strip_prefix("**")?;
    let close = inner.find("**")?;
    let label = &inner[..close];
    let after = &inner[close + 2..];
    let (label, rest) = if let Some(l) = label.strip_suffix(':') {
        (l, after)
    } else {
        (label, after.strip_prefix(':')?)
    };
    let label = label.trim();
    if label.is_empty() {
        return None;
    }
    Some((label.to_owned(), rest.trim().to_owned()))
}

/// "3. Root Cause Analysis" → "Root Cause Analysis".
fn strip_number(heading: &str) -> &str {
    let digits = heading
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit());
    match digits.strip_prefix('.') {
        Some(rest) if digits.len() < heading.trim_start().len() => rest.trim(),
        _ => heading.trim(),
    }
}

fn parse_aar(
    heading: &str,
    heading_line: usize,
    lines: &[&str],
    first_line: usize,
) -> Result<AarContent, ParseError> {
    let mut aar = AarContent::default();
    parse_heading(heading, heading_line, &mut aar)?;

    // Split into the metadata lines before the first section, and sections.
    let mut sections: Vec<Section> = Vec::new();
    let mut fenced = false;
    for (offset, raw) in lines.iter().enumerate() {
        let n = first_line + offset;
        let line = raw.trim_end();
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let top_level = !fenced && !line.starts_with(' ') && !line.starts_with('\t');
        if top_level && !line.trim_start().starts_with("```") {
            if let Some((label, rest)) = section_heading(line) {
                // Metadata only before the first section; later the same label is a section.
                if sections.is_empty() && line.starts_with("**") && is_meta(&label) {
                    set_meta(&mut aar, &label, &rest, n)?;
                } else {
                    sections.push(Section {
                        heading: label,
                        line: n,
                        inline: rest,
                        body: Vec::new(),
                    });
                }
                continue;
            }
        }
        match sections.last_mut() {
            Some(section) => section.body.push((n, line)),
            None if line.trim().is_empty() => {}
            None => {
                return Err(err(
                    n,
                    "text before the first section: sections start with a bold heading such as \
                     `**1. What Happened:**`",
                ))
            }
        }
    }

    let mut filled: HashMap<&'static str, usize> = HashMap::new();
    for section in sections {
        let kind = Kind::of(&section.heading);
        if let Some(slot) = kind.slot() {
            if let Some(first) = filled.insert(slot, section.line) {
                return Err(err(
                    section.line,
                    format!("a second {slot} section in this AAR (the first is at line {first})"),
                ));
            }
        }
        apply(&mut aar, kind, section)?;
    }
    Ok(aar)
}

fn is_meta(label: &str) -> bool {
    matches!(
        label.to_lowercase().as_str(),
        "severity" | "status" | "tags" | "services" | "window"
    )
}

fn set_meta(aar: &mut AarContent, label: &str, value: &str, line: usize) -> Result<(), ParseError> {
    match label.to_lowercase().as_str() {
        "severity" => {
            aar.severity = Some(Severity::parse(value).ok_or_else(|| {
                err(
                    line,
                    format!("severity `{value}` is not one of critical, high, medium, low"),
                )
            })?)
        }
        "status" => {
            aar.status = AarStatus::parse(value)
                .ok_or_else(|| err(line, format!("status `{value}` is not draft or published")))?
        }
        "tags" => aar.tags = split_list(value),
        "window" => {
            let value = value.trim();
            let times = value
                .strip_suffix("UTC")
                .unwrap_or(value)
                .split_once(" to ");
            let (start, end) = times.ok_or_else(|| {
                err(
                    line,
                    format!("window `{value}` is not `2025-06-14T20:00 to 2025-06-14T23:30 UTC`"),
                )
            })?;
            let window = super::window::check(Some(start), Some(end))
                .map_err(|e| {
                    let reasons: Vec<String> = e.into_iter().map(|e| e.message).collect();
                    err(line, format!("window `{value}`: {}", reasons.join(" ")))
                })?
                .ok_or_else(|| err(line, "the window is empty"))?;
            aar.window_start = Some(super::window::form_time(window.start));
            aar.window_end = Some(super::window::form_time(window.end));
        }
        _ => aar.services = split_list(value),
    }
    Ok(())
}

/// "a, b,, c" → ["a", "b", "c"].
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_heading(heading: &str, line: usize, aar: &mut AarContent) -> Result<(), ParseError> {
    let (title, date) = heading
        .strip_suffix(')')
        .and_then(|h| h.rsplit_once('('))
        .ok_or_else(|| {
            err(
                line,
                "an AAR heading needs the incident date in parentheses at its end, e.g. \
                 `### AAR: Gateway TLS (June 14, 2025)`",
            )
        })?;
    let title = title.trim();
    if title.is_empty() {
        return Err(err(line, "the AAR heading has no title"));
    }
    aar.title = title.to_owned();
    let (start, end, time_of_day) = parse_date_label(date.trim()).map_err(|r| err(line, r))?;
    aar.incident_date = start;
    aar.incident_end = end;
    aar.time_of_day = time_of_day;
    Ok(())
}

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

/// The list items of a section: (line, text, indented), continuation lines folded into the item
/// before them. Text that is no list item is refused, naming the section.
fn list_items(section: &Section) -> Result<Vec<(usize, String, bool)>, ParseError> {
    let mut items: Vec<(usize, String, bool)> = Vec::new();
    if !section.inline.is_empty() {
        return Err(err(
            section.line,
            format!(
                "{} takes list items (`- ...`) on the lines below its heading, not text after it",
                section.heading
            ),
        ));
    }
    for &(n, line) in &section.body {
        if line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let t = line.trim();
        let bullet = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "));
        match (bullet, indented, items.last_mut()) {
            (Some(text), false, _) => items.push((n, text.trim().to_owned(), false)),
            (Some(text), true, Some(_)) if section_kind_takes_nested(section) => {
                items.push((n, text.trim().to_owned(), true))
            }
            (_, true, Some(last)) => {
                last.1.push('\n');
                last.1.push_str(t);
            }
            _ => {
                return Err(err(
                    n,
                    format!(
                        "{} takes list items starting with `- `; this line is not one",
                        section.heading
                    ),
                ))
            }
        }
    }
    Ok(items)
}

fn section_kind_takes_nested(section: &Section) -> bool {
    Kind::of(&section.heading) == Kind::RootCause
}

fn apply(aar: &mut AarContent, kind: Kind, section: Section) -> Result<(), ParseError> {
    match kind {
        Kind::Summary => aar.summary = free_text(&section),
        Kind::Extra => aar.extra_sections.push(ExtraSection {
            heading: section.heading.clone(),
            body: free_text(&section),
        }),
        Kind::Timeline => {
            for (_, text, _) in list_items(&section)? {
                aar.timeline.push(timeline_entry(&text));
            }
        }
        Kind::RootCause => root_cause(aar, &section)?,
        Kind::WentWell | Kind::CouldImprove | Kind::Review => {
            for (n, text, _) in list_items(&section)? {
                let (side, text) = review_item(&text);
                match (
                    side.or(match kind {
                        Kind::WentWell => Some(true),
                        Kind::CouldImprove => Some(false),
                        _ => None,
                    }),
                    text,
                ) {
                    (Some(true), t) => aar.went_well.push(t),
                    (Some(false), t) => aar.could_improve.push(t),
                    (None, _) => {
                        return Err(err(
                            n,
                            "say whether this went well (`- ✅ **Well:** ...`) or could be \
                             improved (`- ⚠️ **Improve:** ...`)",
                        ))
                    }
                }
            }
        }
        Kind::Actions | Kind::Lessons | Kind::ActionsAndLessons => {
            for (n, text, _) in list_items(&section)? {
                match bold_label(&text) {
                    Some((label, rest)) if label.eq_ignore_ascii_case("action") => {
                        aar.action_items.push(action_item(&rest, n)?)
                    }
                    Some((label, rest))
                        if label.eq_ignore_ascii_case("lesson")
                            || label.eq_ignore_ascii_case("lesson learned") =>
                    {
                        aar.lessons.push(rest)
                    }
                    _ if kind == Kind::Actions => aar.action_items.push(action_item(&text, n)?),
                    _ if kind == Kind::Lessons => aar.lessons.push(text),
                    _ => {
                        return Err(err(
                            n,
                            "say whether this is an action (`- **Action:** ...`) or a lesson \
                             (`- **Lesson:** ...`)",
                        ))
                    }
                }
            }
        }
    }
    Ok(())
}

/// A section's text as written: the text after its heading, then its lines, without the blank
/// lines around them.
fn free_text(section: &Section) -> String {
    let mut lines: Vec<&str> = Vec::new();
    if !section.inline.is_empty() {
        lines.push(&section.inline);
    }
    lines.extend(section.body.iter().map(|&(_, l)| l));
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let first = lines.iter().position(|l| !l.trim().is_empty());
    lines.drain(..first.unwrap_or(lines.len()));
    lines.join("\n")
}

/// Whether `heading` names one of the fixed sections (anything else is an extra section).
pub fn is_fixed_section(heading: &str) -> bool {
    Kind::of(strip_number(heading)) != Kind::Extra
}

/// `**When**: text` or `text`.
pub fn timeline_entry(text: &str) -> TimelineEntry {
    match bold_label(text) {
        Some((when, rest)) => TimelineEntry { when, text: rest },
        None => TimelineEntry {
            when: String::new(),
            text: text.to_owned(),
        },
    }
}

fn root_cause(aar: &mut AarContent, section: &Section) -> Result<(), ParseError> {
    let mut in_factors = false;
    for (n, text, nested) in list_items(section)? {
        if nested {
            if !in_factors {
                return Err(err(
                    n,
                    "an indented item in Root Cause Analysis belongs under `- **Contributing \
                     Factors:**`",
                ));
            }
            aar.contributing_factors.push(text);
            continue;
        }
        in_factors = false;
        match bold_label(&text) {
            Some((label, rest)) if label.eq_ignore_ascii_case("direct cause") => {
                if !aar.direct_cause.is_empty() {
                    return Err(err(n, "a second Direct Cause in this AAR"));
                }
                aar.direct_cause = rest;
            }
            Some((label, rest)) if label.to_lowercase().starts_with("contributing factor") => {
                in_factors = true;
                if !rest.is_empty() {
                    aar.contributing_factors.push(rest);
                }
            }
            // "Impact" and the like: kept whole among the factors rather than lost.
            _ => aar.contributing_factors.push(text),
        }
    }
    Ok(())
}

/// `✅ **Well:** x` → (Some(true), "x"); `⚠️ **Improve:** y` → (Some(false), "y").
fn review_item(text: &str) -> (Option<bool>, String) {
    let unmarked = text.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '*' && c != '`');
    match bold_label(unmarked.trim_start()) {
        Some((label, rest)) if label.eq_ignore_ascii_case("well") => (Some(true), rest),
        Some((label, rest)) if label.eq_ignore_ascii_case("improve") => (Some(false), rest),
        _ => (None, text.to_owned()),
    }
}

/// `Do X (Owner: AI Team, Priority: P1, Due: 2025-07-01, Done: 2025-06-20)`. A trailing
/// parenthesis with none of these keys is part of the text.
pub fn action_item(text: &str, line: usize) -> Result<ActionItem, ParseError> {
    let mut item = ActionItem {
        text: text.trim().to_owned(),
        ..ActionItem::default()
    };
    let Some((body, meta)) = text
        .trim()
        .strip_suffix(')')
        .and_then(|t| t.rsplit_once('('))
    else {
        return Ok(item);
    };
    let parts: Vec<&str> = meta.split(',').map(str::trim).collect();
    let known = |p: &str| {
        let key = p
            .split_once(':')
            .map_or(p, |(k, _)| k)
            .trim()
            .to_lowercase();
        matches!(
            key.as_str(),
            "owner" | "priority" | "due" | "done" | "status" | "complete" | "completed" | "dropped"
        )
    };
    if !parts.iter().any(|p| known(p)) {
        return Ok(item);
    }
    item.text = body.trim().to_owned();
    for part in parts {
        let (key, value) = match part.split_once(':') {
            Some((k, v)) => (k.trim().to_lowercase(), v.trim()),
            None => (part.to_lowercase(), ""),
        };
        match (key.as_str(), value) {
            ("owner", v) if !v.is_empty() => item.owner = Some(v.to_owned()),
            ("priority", v) => {
                item.priority = Some(Priority::parse(v).ok_or_else(|| {
                    err(line, format!("priority `{v}` is not one of P0, P1, P2, P3"))
                })?)
            }
            ("due", v) => {
                item.due = Some(iso_date(v).ok_or_else(|| {
                    err(
                        line,
                        format!("due date `{v}` is not a date like 2025-07-01"),
                    )
                })?)
            }
            ("done" | "complete" | "completed", "") => item.status = ItemStatus::Done,
            ("done" | "complete" | "completed", v) => {
                item.status = ItemStatus::Done;
                item.done_on = Some(iso_date(v).ok_or_else(|| {
                    err(
                        line,
                        format!("done date `{v}` is not a date like 2025-06-20"),
                    )
                })?);
            }
            ("dropped", "") => item.status = ItemStatus::Dropped,
            ("status", v) => {
                item.status = ItemStatus::parse(v).ok_or_else(|| {
                    err(
                        line,
                        format!("status `{v}` is not one of open, done, dropped"),
                    )
                })?
            }
            _ => {
                return Err(err(
                    line,
                    format!(
                        "`{part}` in an action item's parentheses: expected Owner, Priority, \
                         Due, Done or Dropped"
                    ),
                ))
            }
        }
    }
    if item.text.is_empty() {
        return Err(err(line, "an action item without its text"));
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../demo/aar-log.md");

    fn by_title<'a>(aars: &'a [AarContent], title: &str) -> &'a AarContent {
        aars.iter()
            .find(|a| a.title == title)
            .unwrap_or_else(|| panic!("no AAR {title}"))
    }

    fn action(
        text: &str,
        owner: Option<&str>,
        priority: Option<Priority>,
        status: ItemStatus,
    ) -> ActionItem {
        ActionItem {
            text: text.into(),
            owner: owner.map(str::to_owned),
            priority,
            status,
            due: None,
            done_on: None,
        }
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_seed_log_yields_its_eight_aars_in_order() {
        let aars = parse(SEED).unwrap();
        let titles: Vec<_> = aars.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "k3s1 Networking Failure",
                "Gateway HTTPS/TLS Resolution",
                "Longhorn CSI Complete Failure",
                "Monitoring Alerts Implementation",
                "Prometheus External Access Configuration",
                "OAuth2-Proxy Deployment",
                "OAuth2-Proxy DNS Resolution",
                "DCGM Exporter Debugging",
            ]
        );
    }

    #[test]
    fn k3s1_networking_failure_field_by_field() {
        let aars = parse(SEED).unwrap();
        let a = by_title(&aars, "k3s1 Networking Failure");
        assert_eq!(a.incident_date, "2025-06-14");
        assert_eq!(
            (a.incident_end.as_deref(), a.time_of_day.as_deref()),
            (None, None)
        );
        assert_eq!(a.severity, None);
        assert_eq!(a.status, AarStatus::Draft);
        assert!(a
            .summary
            .starts_with("Node k3s1 lost connectivity to cluster services"));
        assert!(a
            .summary
            .ends_with("misdiagnosed as K3s v1.32.5 CSI driver bug."));
        let timeline: Vec<_> = a
            .timeline
            .iter()
            .map(|e| (e.when.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            timeline,
            [
                ("", "Detection: Longhorn pods in CrashLoopBackOff with \"context deadline exceeded\""),
                ("", "Initial diagnosis: Assumed CSI driver incompatibility"),
                ("", "Investigation: Discovered all nodes had CSI drivers registered"),
                ("", "Root cause found: k3s1 networking issue"),
                ("", "Resolution: Cordoned k3s1, allowed self-recovery, verified with canary pod"),
            ]
        );
        assert_eq!(
            a.direct_cause,
            "Network service failure on k3s1 (specific trigger unknown)"
        );
        assert_eq!(
            a.contributing_factors,
            strings(&[
                "Lack of node-level network monitoring",
                "CSI error messages masked underlying network issue"
            ])
        );
        assert_eq!(
            a.went_well,
            strings(&[
                "Node isolation prevented cluster-wide impact",
                "Discovered and fixed unrelated issues (MinIO secrets, VSL config)"
            ])
        );
        assert_eq!(
            a.could_improve,
            strings(&[
                "Started with application layer (CSI) instead of network layer",
                "No automated alerting for node network health"
            ])
        );
        assert_eq!(
            a.action_items,
            [
                action(
                    "Investigate k3s1 logs for root cause",
                    Some("AI Team"),
                    Some(Priority::P1),
                    ItemStatus::Open
                ),
                action(
                    "Create node network health monitoring",
                    Some("AI Team"),
                    Some(Priority::P2),
                    ItemStatus::Open
                ),
                action(
                    "Update troubleshooting guides to check connectivity first",
                    Some("AI Team"),
                    None,
                    ItemStatus::Done
                ),
            ]
        );
        assert_eq!(
            a.lessons,
            strings(&[
                "Always verify Layer 3/4 connectivity before debugging application protocols",
                "Node-specific issues can present as cluster-wide symptoms"
            ])
        );
        assert!(a.extra_sections.is_empty());
    }

    #[test]
    fn gateway_tls_keeps_its_configuration_section_verbatim() {
        let aars = parse(SEED).unwrap();
        let a = by_title(&aars, "Gateway HTTPS/TLS Resolution");
        assert_eq!(a.incident_date, "2025-06-14");
        assert!(a.summary.starts_with("HTTPS services were inaccessible"));
        assert!(a.timeline.is_empty());
        assert_eq!(
            a.direct_cause,
            "Cilium Gateway API configuration missing required features"
        );
        assert_eq!(
            a.contributing_factors,
            strings(&["Gateway API requirements not fully documented"])
        );
        assert_eq!(a.extra_sections.len(), 1);
        assert_eq!(a.extra_sections[0].heading, "Configuration Changes");
        let body = &a.extra_sections[0].body;
        assert!(
            body.starts_with("```yaml\n# Required for Gateway API HTTP/2 and gRPC support\n"),
            "{body}"
        );
        assert!(body.ends_with("enable-gateway-api-app-protocol: \"true\" # Enables backend protocol selection\n```"), "{body}");
        assert_eq!(
            a.lessons,
            strings(&[
                "Gateway API requires specific Cilium features for full functionality",
                "ALPN is mandatory for proper HTTP/2 and gRPC support"
            ])
        );
        assert!(a.action_items.is_empty() && a.went_well.is_empty());
    }

    #[test]
    fn longhorn_csi_failure_field_by_field() {
        let aars = parse(SEED).unwrap();
        let a = by_title(&aars, "Longhorn CSI Complete Failure");
        assert_eq!(a.incident_date, "2025-06-15");
        assert_eq!(a.summary, "Longhorn storage system completely failed after kubelet path changes. 24-hour outage with complete data loss.");
        let timeline: Vec<_> = a
            .timeline
            .iter()
            .map(|e| (e.when.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            timeline,
            [
                (
                    "June 14 AM",
                    "Day shift changed kubelet paths from K3s default to standard"
                ),
                (
                    "June 14 PM",
                    "CSI drivers stopped functioning, volumes inaccessible"
                ),
                (
                    "June 15 Early AM",
                    "Nuclear cleanup approach decided after recovery attempts failed"
                ),
                (
                    "June 15 AM",
                    "Fresh Longhorn v1.6.2 installed with correct paths"
                ),
            ]
        );
        assert_eq!(
            a.direct_cause,
            "Kubelet path change broke CSI socket connections"
        );
        assert_eq!(
            a.contributing_factors,
            strings(&[
                "No documentation of K3s-specific requirements",
                "No testing before infrastructure changes",
                "Admission webhooks prevented cleanup"
            ])
        );
        assert_eq!(a.went_well.len(), 3);
        assert_eq!(
            a.could_improve[2],
            "Monitoring didn't catch CSI registration failures"
        );
        assert_eq!(
            a.action_items,
            [
                action(
                    "Migrate monitoring to Longhorn storage",
                    None,
                    Some(Priority::P0),
                    ItemStatus::Open
                ),
                action(
                    "Configure Velero backups immediately",
                    None,
                    Some(Priority::P0),
                    ItemStatus::Open
                ),
                action(
                    "Implement SOPS encryption",
                    None,
                    Some(Priority::P1),
                    ItemStatus::Open
                ),
            ]
        );
        assert_eq!(a.lessons[0], "K3s uses `/var/lib/rancher/k3s/agent/kubelet` - NEVER change without storage migration");
        assert_eq!(a.lessons.len(), 3);
        assert_eq!(a.extra_sections.len(), 1);
        assert_eq!(a.extra_sections[0].heading, "Full Details");
        assert!(a.extra_sections[0]
            .body
            .starts_with("See [LONGHORN-INCIDENT-POSTMORTEM-2025-06-15.md]"));
    }

    #[test]
    fn dated_spans_times_of_day_and_one_sided_sections() {
        let aars = parse(SEED).unwrap();
        let night = by_title(&aars, "OAuth2-Proxy Deployment");
        assert_eq!(night.incident_date, "2025-06-15");
        assert_eq!(night.incident_end.as_deref(), Some("2025-06-16"));
        assert_eq!(night.time_of_day.as_deref(), Some("Night"));
        assert_eq!(night.timeline[1].when, "Initial Deploy");
        assert_eq!(night.extra_sections[0].heading, "Technical Issues Resolved");
        assert_eq!(
            night.action_items[1],
            action(
                "Complete Authentik setup IMMEDIATELY",
                None,
                Some(Priority::P0),
                ItemStatus::Open
            )
        );

        let alerts = by_title(&aars, "Monitoring Alerts Implementation");
        assert_eq!(alerts.time_of_day.as_deref(), Some("Evening"));
        assert_eq!(alerts.timeline[0].when, "Evening");
        assert_eq!(alerts.timeline[1].when, "");
        assert_eq!(alerts.went_well.len(), 4);
        assert_eq!(alerts.action_items.len(), 2);
        assert_eq!(
            alerts.lessons,
            strings(&["Proactive monitoring prevents catastrophic failures"])
        );

        let dns = by_title(&aars, "OAuth2-Proxy DNS Resolution");
        assert_eq!(dns.time_of_day.as_deref(), Some("Early Morning"));
        assert_eq!(dns.direct_cause, "Classic DNS hairpin/NAT loopback issue");
        assert_eq!(
            dns.contributing_factors,
            strings(&[
                "Cluster DNS doesn't resolve external domains internally",
                "**Impact:** Blocked OAuth2-Proxy from performing OIDC discovery"
            ])
        );
        assert_eq!(dns.action_items[1].priority, Some(Priority::P3));

        let dcgm = by_title(&aars, "DCGM Exporter Debugging");
        assert_eq!(
            dcgm.action_items[0],
            action(
                "Monitor pod startup after image pull completes",
                Some("Next shift"),
                None,
                ItemStatus::Open
            )
        );
    }

    fn refused(text: &str) -> ParseError {
        parse(text).expect_err("should be refused")
    }

    #[test]
    fn malformed_files_are_refused_with_the_line_and_reason() {
        let e = refused("# Notes\n\nnothing here\n");
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("no AAR found"), "{e}");

        let e = refused("### AAR: No date\n\n**1. What Happened:** x\n");
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("date in parentheses"), "{e}");

        let e = refused("### AAR: Bad date (Juno 40, 2025)\n");
        assert!(e.reason.contains("is not a date"), "{e}");

        let e =
            refused("### AAR: Ok (June 14, 2025)\n\n**1. Timeline:**\n- fine\nnot a list item\n");
        assert_eq!(e.line, 5);
        assert!(e.reason.contains("Timeline takes list items"), "{e}");

        let e = refused("### AAR: Ok (June 14, 2025)\n\n**1. Action Items:**\n- **Action:** Do it (Priority: P7)\n");
        assert_eq!(e.line, 4);
        assert!(e.reason.contains("priority `P7`"), "{e}");

        let e = refused("### AAR: Ok (June 14, 2025)\n**Severity:** huge\n");
        assert_eq!(e.line, 2);

        let e = refused(
            "### AAR: Ok (June 14, 2025)\n\n**Window:** 2025-06-14T20:00 to 2025-06-14T19:00 UTC\n",
        );
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("after its start"), "{e}");

        let e = refused("### AAR: Twice (June 14, 2025)\n\n### AAR: Twice (June 14, 2025)\n");
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("first is at line 1"), "{e}");

        let e = refused("### AAR: Review (June 14, 2025)\n**1. What Went Well / What Could Be Improved:**\n- unmarked\n");
        assert_eq!(e.line, 3);

        let e = refused("### AAR: Two timelines (June 14, 2025)\n**1. Timeline:**\n- a\n**2. Timeline:**\n- b\n");
        assert_eq!(e.line, 4);
        assert!(e.reason.contains("second Timeline"), "{e}");
    }

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

    #[test]
    fn parentheses_without_known_keys_stay_in_the_action_text() {
        let item = action_item("Read the docs (all of them)", 1).unwrap();
        assert_eq!(item.text, "Read the docs (all of them)");
        let item =
            action_item("Ship it (Owner: me, Due: 2025-07-01, Done: 2025-06-30)", 1).unwrap();
        assert_eq!(item.owner.as_deref(), Some("me"));
        assert_eq!(item.due.as_deref(), Some("2025-07-01"));
        assert_eq!(item.status, ItemStatus::Done);
        assert_eq!(item.done_on.as_deref(), Some("2025-06-30"));
        assert!(action_item("Ship it (Owner: me, Colour: red)", 3).is_err());
    }
}
