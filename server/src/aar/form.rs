//! The create/edit form, which works without WASM: a plain HTML form whose fields are read and
//! validated here, each problem reported against its field. What was typed is always sent back
//! as typed, so a refused save loses nothing.
//!
//! List fields (timeline, factors, went well, could improve, lessons) are textareas with one
//! entry per line (a leading `- ` is optional; an indented line continues the entry above, and a
//! timeline entry may start with `**When**:`). Other sections are `#### Heading` blocks.
//! Action items are rows of fields `item_text.N`, `item_owner.N`, `item_priority.N`,
//! `item_status.N`, `item_due.N`, `item_done_on.N`; an empty row is ignored.

use frontend::model::aar::{
    AarContent, AarStatus, ActionItem, ExtraSection, FieldError, InlineItem, ItemStatus, Priority,
    Severity,
};

use super::import::{iso_date, split_list, timeline_entry};
use super::window;

/// Blank action-item rows offered below the existing ones.
pub const BLANK_ITEM_ROWS: usize = 3;

/// The form's fields for `content` (plus blank item rows), as the edit page shows them.
pub fn fields_of(content: &AarContent) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("title".into(), content.title.clone()),
        ("incident_date".into(), content.incident_date.clone()),
        (
            "incident_end".into(),
            content.incident_end.clone().unwrap_or_default(),
        ),
        (
            "time_of_day".into(),
            content.time_of_day.clone().unwrap_or_default(),
        ),
        (
            "severity".into(),
            content
                .severity
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("status".into(), content.status.as_str().into()),
        ("summary".into(), content.summary.clone()),
        (
            "timeline".into(),
            lines_of(content.timeline.iter().map(|e| {
                if e.when.is_empty() {
                    e.text.clone()
                } else {
                    format!("**{}**: {}", e.when, e.text)
                }
            })),
        ),
        ("direct_cause".into(), content.direct_cause.clone()),
        (
            "contributing_factors".into(),
            lines_of(content.contributing_factors.iter().cloned()),
        ),
        (
            "went_well".into(),
            lines_of(content.went_well.iter().cloned()),
        ),
        (
            "could_improve".into(),
            lines_of(content.could_improve.iter().cloned()),
        ),
        ("lessons".into(), lines_of(content.lessons.iter().cloned())),
        (
            "extra_sections".into(),
            content
                .extra_sections
                .iter()
                .map(|s| format!("#### {}\n{}", s.heading, s.body))
                .collect::<Vec<_>>()
                .join("\n\n"),
        ),
        ("tags".into(), content.tags.join(", ")),
        ("services".into(), content.services.join(", ")),
        (
            "window_start".into(),
            content.window_start.clone().unwrap_or_default(),
        ),
        (
            "window_end".into(),
            content.window_end.clone().unwrap_or_default(),
        ),
    ];
    for (n, item) in content.action_items.iter().enumerate() {
        f.push((format!("item_text.{n}"), item.text.clone()));
        f.push((
            format!("item_owner.{n}"),
            item.owner.clone().unwrap_or_default(),
        ));
        f.push((
            format!("item_priority.{n}"),
            item.priority
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
        ));
        f.push((format!("item_status.{n}"), item.status.as_str().into()));
        f.push((
            format!("item_due.{n}"),
            item.due.clone().unwrap_or_default(),
        ));
        f.push((
            format!("item_done_on.{n}"),
            item.done_on.clone().unwrap_or_default(),
        ));
    }
    for n in content.action_items.len()..content.action_items.len() + BLANK_ITEM_ROWS {
        f.push((format!("item_text.{n}"), String::new()));
    }
    f
}

/// How many action-item rows the form has (the highest `item_*.N` plus one, bounded).
pub fn item_rows(fields: &[(String, String)]) -> usize {
    frontend::model::aar::item_rows(fields.iter().map(|(k, _)| k.as_str()))
}

fn lines_of(items: impl Iterator<Item = String>) -> String {
    items
        .map(|i| format!("- {}", i.replace('\n', "\n  ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One entry per line; `- ` optional; indented lines continue the entry above.
fn entries(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let continues = line.starts_with([' ', '\t']) && !out.is_empty();
        if let (true, Some(last)) = (continues, out.last_mut()) {
            last.push('\n');
            last.push_str(line.trim());
            continue;
        }
        let t = line.trim();
        let t = t
            .strip_prefix("- ")
            .or_else(|| t.strip_prefix("* "))
            .unwrap_or(t);
        out.push(t.trim().to_owned());
    }
    out
}

/// Reads and checks the form. A done date is kept as entered (an imported item may have none);
/// marking an item done with its own button dates it.
pub fn read(fields: &[(String, String)]) -> Result<AarContent, Vec<FieldError>> {
    let get = |name: &str| -> String {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.replace("\r\n", "\n"))
            .unwrap_or_default()
    };
    // An out-of-range row is refused before anything else is read or built.
    if let Some(message) = fields
        .iter()
        .find_map(|(k, _)| frontend::model::aar::item_row(k)?.err())
    {
        return Err(vec![FieldError {
            field: "items".into(),
            message,
        }]);
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let mut fail = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        })
    };
    let optional = |v: String| {
        let t = v.trim().to_owned();
        (!t.is_empty()).then_some(t)
    };

    let title = get("title").trim().to_owned();
    if title.is_empty() {
        fail("title", "A title is required.");
    } else if title.chars().count() > 200 || title.contains('\n') {
        fail("title", "The title is one line of at most 200 characters.");
    }
    let incident_date = get("incident_date").trim().to_owned();
    if iso_date(&incident_date).is_none() {
        fail(
            "incident_date",
            "The incident date is required, as a date like 2025-06-14.",
        );
    }
    let incident_end = optional(get("incident_end"));
    if let Some(end) = &incident_end {
        if iso_date(end).is_none() {
            fail(
                "incident_end",
                "The last day is a date like 2025-06-16, or empty.",
            );
        } else if *end < incident_date {
            fail(
                "incident_end",
                "The last day cannot be before the incident date.",
            );
        }
    }
    let incident_end = incident_end.filter(|e| *e != incident_date);
    let time_of_day = optional(get("time_of_day"));
    if let Some(t) = &time_of_day {
        if t.chars().count() > 40 || t.contains(['(', ')', '\n']) || t.contains(" - ") {
            fail(
                "time_of_day",
                "The time of day is a few words (\"Evening\"), without parentheses or \" - \".",
            );
        }
    }
    let severity = match get("severity").trim() {
        "" => None,
        s => {
            let parsed = Severity::parse(s);
            if parsed.is_none() {
                fail("severity", "Pick a severity from the list.");
            }
            parsed
        }
    };
    let status = AarStatus::parse(&get("status")).unwrap_or_else(|| {
        fail("status", "Pick draft or published.");
        AarStatus::Draft
    });
    let summary = get("summary").trim().to_owned();
    if summary.is_empty() {
        fail("summary", "Say what happened.");
    }
    let timeline = entries(&get("timeline"))
        .into_iter()
        .map(|e| timeline_entry(&e))
        .collect();

    let extra_sections = match sections(&get("extra_sections")) {
        Ok(s) => s,
        Err(message) => {
            fail("extra_sections", &message);
            Vec::new()
        }
    };

    let mut tags = split_list(&get("tags"));
    let mut services = split_list(&get("services"));
    for (name, list) in [("tags", &mut tags), ("services", &mut services)] {
        if list.iter().any(|t| t.chars().count() > 64) {
            fail(
                name,
                "Each entry is at most 64 characters; separate them with commas.",
            );
        }
        let mut seen = std::collections::HashSet::new();
        list.retain(|t| seen.insert(t.clone()));
    }

    let (window_start, window_end) = (get("window_start"), get("window_end"));
    let window = match window::check(Some(&window_start), Some(&window_end)) {
        Ok(w) => w,
        Err(problems) => {
            for p in problems {
                fail(p.field, &p.message);
            }
            None
        }
    };

    let mut action_items = Vec::new();
    for n in 0..item_rows(fields) {
        let field = |name: &str| get(&format!("item_{name}.{n}")).trim().to_owned();
        let text = field("text");
        let owner = field("owner");
        let priority = field("priority");
        let status = field("status");
        let due = field("due");
        let done_on = field("done_on");
        let blank = [&owner, &priority, &due, &done_on]
            .iter()
            .all(|v| v.is_empty())
            && (status.is_empty() || status == "open");
        if text.is_empty() {
            if !blank {
                fail(
                    &format!("item_text.{n}"),
                    "An action item needs its text (or clear the whole row).",
                );
            }
            continue;
        }
        let priority = match priority.as_str() {
            "" => None,
            p => Priority::parse(p).or_else(|| {
                fail(&format!("item_priority.{n}"), "Pick P0 to P3, or none.");
                None
            }),
        };
        let status = match status.as_str() {
            "" => ItemStatus::Open,
            s => ItemStatus::parse(s).unwrap_or_else(|| {
                fail(&format!("item_status.{n}"), "Pick open, done or dropped.");
                ItemStatus::Open
            }),
        };
        let date = |name: &str, value: String, fail: &mut dyn FnMut(&str, &str)| {
            if value.is_empty() {
                return None;
            }
            let parsed = iso_date(&value);
            if parsed.is_none() {
                fail(
                    &format!("item_{name}.{n}"),
                    "A date like 2025-07-01, or empty.",
                );
            }
            parsed
        };
        let due = date("due", due, &mut fail);
        let done_on = match status {
            ItemStatus::Done => date("done_on", done_on, &mut fail),
            _ => None,
        };
        action_items.push(ActionItem {
            text,
            owner: (!owner.is_empty()).then_some(owner),
            priority,
            status,
            due,
            done_on,
        });
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AarContent {
        title,
        incident_date,
        incident_end,
        time_of_day,
        severity,
        status,
        summary,
        timeline,
        direct_cause: get("direct_cause").trim().to_owned(),
        contributing_factors: entries(&get("contributing_factors")),
        went_well: entries(&get("went_well")),
        could_improve: entries(&get("could_improve")),
        lessons: entries(&get("lessons")),
        action_items,
        extra_sections,
        tags,
        services,
        window_start: window.map(|w| window::form_time(w.start)),
        window_end: window.map(|w| window::form_time(w.end)),
        evidence: Vec::new(),
    })
}

/// The most characters of an action item's owner.
pub const MAX_OWNER_CHARS: usize = 80;

/// An action item's new status, priority, owner and due date, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemChange {
    pub status: ItemStatus,
    pub priority: Option<Priority>,
    pub owner: Option<String>,
    pub due: Option<String>,
}

/// Reads an inline edit of an action item; the first problem names its field.
pub fn read_inline_item(item: &InlineItem) -> Result<ItemChange, FieldError> {
    let fail = |field: &str, message: &str| FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    };
    let status = ItemStatus::parse(item.status.trim())
        .ok_or_else(|| fail("status", "Pick open, done or dropped."))?;
    let priority = match item.priority.trim() {
        "" => None,
        p => Some(Priority::parse(p).ok_or_else(|| fail("priority", "Pick P0 to P3, or none."))?),
    };
    let owner = item.owner.trim();
    if owner.chars().count() > MAX_OWNER_CHARS || owner.contains('\n') {
        return Err(fail(
            "owner",
            "The owner is one line of at most 80 characters (a name or a team).",
        ));
    }
    let due = match item.due.trim() {
        "" => None,
        d => Some(iso_date(d).ok_or_else(|| fail("due", "A date like 2025-07-01, or empty."))?),
    };
    Ok(ItemChange {
        status,
        priority,
        owner: (!owner.is_empty()).then(|| owner.to_owned()),
        due,
    })
}

/// `#### Heading` blocks; text before the first heading is refused, and so is a heading that
/// names one of the fixed sections (it would import as that section).
fn sections(text: &str) -> Result<Vec<ExtraSection>, String> {
    let mut out: Vec<ExtraSection> = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if let (false, Some(h)) = (fenced, line.strip_prefix("#### ")) {
            let heading = h.trim().trim_end_matches(':').trim().to_owned();
            if heading.is_empty() {
                return Err("A #### line needs a heading after it.".into());
            }
            if super::import::is_fixed_section(&heading) {
                return Err(format!(
                    "\"{heading}\" has its own field above; other sections need other headings."
                ));
            }
            out.push(ExtraSection {
                heading,
                body: String::new(),
            });
            continue;
        }
        match out.last_mut() {
            Some(section) => {
                section.body.push_str(line);
                section.body.push('\n');
            }
            None if line.trim().is_empty() => {}
            None => return Err("Start each other section with a line `#### Heading`.".into()),
        }
    }
    for section in &mut out {
        section.body = section.body.trim_matches('\n').to_owned();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_aar_read_back_from_its_own_form_is_unchanged() {
        let aars = super::super::import::parse(include_str!("../../demo/aar-log.md")).unwrap();
        for aar in aars {
            let fields = fields_of(&aar);
            assert_eq!(read(&fields).unwrap(), aar, "{}", aar.title);
        }
    }

    #[test]
    fn each_problem_is_reported_against_its_field() {
        let fields = pairs(&[
            ("title", " "),
            ("incident_date", "2025-02-30"),
            ("incident_end", "2025-01-01"),
            ("severity", "apocalyptic"),
            ("status", "draft"),
            ("summary", "x"),
            ("item_text.0", ""),
            ("item_owner.0", "Sam"),
            ("item_text.1", "Fix it"),
            ("item_priority.1", "P9"),
            ("item_due.1", "soon"),
            ("extra_sections", "no heading"),
        ]);
        let errors = read(&fields).unwrap_err();
        let named: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "title",
                "incident_date",
                "incident_end",
                "severity",
                "extra_sections",
                "item_text.0",
                "item_priority.1",
                "item_due.1"
            ]
        );
    }

    #[test]
    fn blank_rows_are_ignored_and_list_lines_become_entries() {
        let fields = pairs(&[
            ("title", "T"),
            ("incident_date", "2025-06-14"),
            ("status", "published"),
            ("summary", "S"),
            ("timeline", "- **09:00**: first\n  more of it\nsecond"),
            ("item_text.0", "Do it"),
            ("item_status.0", "done"),
            ("item_text.1", ""),
            ("item_status.1", "open"),
            ("tags", "dns, dns, network"),
        ]);
        let aar = read(&fields).unwrap();
        assert_eq!(aar.action_items.len(), 1);
        assert_eq!(aar.action_items[0].status, ItemStatus::Done);
        assert_eq!(aar.timeline[0].when, "09:00");
        assert_eq!(aar.timeline[0].text, "first\nmore of it");
        assert_eq!(aar.timeline[1].when, "");
        assert_eq!(aar.tags, ["dns", "network"]);
    }

    #[test]
    fn the_incident_window_is_read_and_refused_against_its_field() {
        let base = [
            ("title", "T"),
            ("incident_date", "2025-06-14"),
            ("status", "draft"),
            ("summary", "S"),
        ];
        let with = |start: &str, end: &str| {
            let mut f = pairs(&base);
            f.push(("window_start".into(), start.into()));
            f.push(("window_end".into(), end.into()));
            read(&f)
        };
        let aar = with("2025-06-14T20:00", "2025-06-14T23:30").unwrap();
        assert_eq!(aar.window_start.as_deref(), Some("2025-06-14T20:00"));
        assert_eq!(aar.window_end.as_deref(), Some("2025-06-14T23:30"));
        assert_eq!(read(&fields_of(&aar)).unwrap(), aar);
        let refused = with("2025-06-14T20:00", "2025-06-14T08:00").unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].field, "window_end");
        assert_eq!(
            refused[0].message,
            "The window's end must be after its start."
        );
        let half = with("", "2025-06-14T08:00").unwrap_err();
        assert_eq!(half[0].field, "window_start");
    }

    #[test]
    fn an_inline_item_edit_is_read_or_refused_naming_its_field() {
        let item = |status: &str, priority: &str, owner: &str, due: &str| InlineItem {
            status: status.into(),
            priority: priority.into(),
            owner: owner.into(),
            due: due.into(),
            done_on: "ignored".into(),
        };
        assert_eq!(
            read_inline_item(&item("done", "P1", " Sam ", "2025-07-01")),
            Ok(ItemChange {
                status: ItemStatus::Done,
                priority: Some(Priority::P1),
                owner: Some("Sam".into()),
                due: Some("2025-07-01".into()),
            })
        );
        let cleared = read_inline_item(&item("open", "", "", "")).unwrap();
        assert_eq!(
            (cleared.priority, cleared.owner, cleared.due),
            (None, None, None)
        );
        let field = |i: InlineItem| read_inline_item(&i).unwrap_err().field;
        assert_eq!(field(item("finished", "", "", "")), "status");
        assert_eq!(field(item("open", "P7", "", "")), "priority");
        assert_eq!(field(item("open", "", &"x".repeat(81), "")), "owner");
        assert_eq!(field(item("open", "", "", "next week")), "due");
    }
}
