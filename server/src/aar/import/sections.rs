//! The Markdown of the log, with no AAR field in it: where an AAR ends, which lines start a section
//! and what kind of section their heading names, and a section's body as list items or as text.
//! `fields` gives the contents their meaning.

use super::error::{err, ParseError};

/// Index of the first line after the AAR that starts at `from` (code blocks skipped).
pub(super) fn aar_end(lines: &[&str], from: usize) -> usize {
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
pub(super) enum Kind {
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
    pub(super) fn of(heading: &str) -> Kind {
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
    pub(super) fn slot(self) -> Option<&'static str> {
        match self {
            Kind::Summary => Some("What Happened"),
            Kind::Timeline => Some("Timeline"),
            Kind::RootCause => Some("Root Cause Analysis"),
            _ => None,
        }
    }
}

/// A section as found: its heading, the line it starts on, and its lines with their numbers.
pub(super) struct Section<'a> {
    pub(super) heading: String,
    pub(super) line: usize,
    pub(super) inline: String,
    pub(super) body: Vec<(usize, &'a str)>,
}

/// `**N. Heading:** rest`, `**Heading**: rest` or `#### N. Heading`: (heading, rest).
pub(super) fn section_heading(line: &str) -> Option<(String, String)> {
    if let Some(h) = line.strip_prefix("#### ") {
        let h = strip_number(h.trim().trim_end_matches(':'));
        return Some((h.to_owned(), String::new()));
    }
    let (label, rest) = bold_label(line)?;
    Some((strip_number(&label).to_owned(), rest))
}

/// `**Label:** rest` or `**Label**: rest` at the start of `text`: (label, rest).
pub(super) fn bold_label(text: &str) -> Option<(String, String)> {
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

/// The list items of a section: (line, text, indented), continuation lines folded into the item
/// before them. Text that is no list item is refused, naming the section.
pub(super) fn list_items(section: &Section) -> Result<Vec<(usize, String, bool)>, ParseError> {
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

/// A section's text as written: the text after its heading, then its lines, without the blank
/// lines around them.
pub(super) fn free_text(section: &Section) -> String {
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
