//! A section's contents mapped onto the AAR's fields, each checked as it is read: the metadata
//! lines before the first section, the timeline, the root cause, the review, the action items
//! and the lessons. Errors name the line of the item at fault.

use frontend::model::aar::{
    AarContent, AarStatus, ActionItem, ExtraSection, ItemStatus, Priority, Severity, TimelineEntry,
};

use super::dates::iso_date;
use super::error::{err, ParseError};
use super::sections::{bold_label, free_text, list_items, Kind, Section};

pub(super) fn is_meta(label: &str) -> bool {
    matches!(
        label.to_lowercase().as_str(),
        "severity" | "status" | "tags" | "services" | "window"
    )
}

pub(super) fn set_meta(
    aar: &mut AarContent,
    label: &str,
    value: &str,
    line: usize,
) -> Result<(), ParseError> {
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
            let window = crate::aar::window::check(Some(start), Some(end))
                .map_err(|e| {
                    let reasons: Vec<String> = e.into_iter().map(|e| e.message).collect();
                    err(line, format!("window `{value}`: {}", reasons.join(" ")))
                })?
                .ok_or_else(|| err(line, "the window is empty"))?;
            aar.window_start = Some(crate::aar::window::form_time(window.start));
            aar.window_end = Some(crate::aar::window::form_time(window.end));
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

pub(super) fn apply(aar: &mut AarContent, kind: Kind, section: Section) -> Result<(), ParseError> {
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
