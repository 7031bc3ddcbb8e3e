//! AARs back to the Markdown of CLUSTER-SETUP.md's AAR log ([`super::import`] reads it), with
//! the fields that format has no place for (severity, status, tags, services) as lines right
//! under the heading. Importing an export gives the same AARs.

use std::fmt::Write;

use frontend::model::aar::{AarContent, AarStatus, ActionItem, ItemStatus};

use super::import::MONTH_NAMES;

/// Several AARs as one file, under an `## AAR Log` heading.
pub fn export_all<'a>(aars: impl IntoIterator<Item = &'a AarContent>) -> String {
    let mut out = String::from("## AAR Log\n");
    for aar in aars {
        out.push('\n');
        out.push_str(&export(aar));
    }
    out
}

/// `June 15-16, 2025 - Night`: the date as the log writes it.
pub fn date_label(aar: &AarContent) -> String {
    let long = |iso: &str| -> Option<(String, String, String)> {
        let date: jiff::civil::Date = iso.parse().ok()?;
        let month = MONTH_NAMES.get(usize::try_from(date.month() - 1).ok()?)?;
        Some((
            month.to_string(),
            date.day().to_string(),
            date.year().to_string(),
        ))
    };
    let start = long(&aar.incident_date);
    let end = aar.incident_end.as_deref().map(long);
    let date = match (start, end) {
        (Some((m, d, y)), None) => format!("{m} {d}, {y}"),
        (Some((m, d, y)), Some(Some((m2, d2, y2)))) if m == m2 && y == y2 => {
            format!("{m} {d}-{d2}, {y}")
        }
        // Across months, or something unreadable (not from the store): ISO, which also imports.
        _ => match &aar.incident_end {
            Some(end) => format!("{} to {end}", aar.incident_date),
            None => aar.incident_date.clone(),
        },
    };
    match &aar.time_of_day {
        Some(t) => format!("{date} - {t}"),
        None => date,
    }
}

/// One AAR.
pub fn export(aar: &AarContent) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### AAR: {} ({})", aar.title, date_label(aar));
    let mut meta = Vec::new();
    if let Some(s) = aar.severity {
        meta.push(format!("**Severity:** {}", s.as_str()));
    }
    if aar.status != AarStatus::Draft {
        meta.push(format!("**Status:** {}", aar.status.as_str()));
    }
    if !aar.tags.is_empty() {
        meta.push(format!("**Tags:** {}", aar.tags.join(", ")));
    }
    if !aar.services.is_empty() {
        meta.push(format!("**Services:** {}", aar.services.join(", ")));
    }
    if let (Some(start), Some(end)) = (&aar.window_start, &aar.window_end) {
        meta.push(format!("**Window:** {start} to {end} UTC"));
    }
    if !meta.is_empty() {
        out.push('\n');
        for line in meta {
            let _ = writeln!(out, "{line}");
        }
    }

    let mut number = 0;
    let mut section = |out: &mut String, heading: &str, body: &str| {
        number += 1;
        out.push('\n');
        if body.contains('\n') || body.starts_with("- ") || body.is_empty() {
            let _ = writeln!(out, "**{number}. {heading}:**");
            if !body.is_empty() {
                let _ = writeln!(out, "{body}");
            }
        } else {
            let _ = writeln!(out, "**{number}. {heading}:** {body}");
        }
    };

    if !aar.summary.is_empty() {
        section(&mut out, "What Happened", &aar.summary);
    }
    if !aar.timeline.is_empty() {
        let items: Vec<String> = aar
            .timeline
            .iter()
            .map(|e| {
                if e.when.is_empty() {
                    item(&e.text)
                } else {
                    item(&format!("**{}**: {}", e.when, e.text))
                }
            })
            .collect();
        section(&mut out, "Timeline", &items.join("\n"));
    }
    if !aar.direct_cause.is_empty() || !aar.contributing_factors.is_empty() {
        let mut items = Vec::new();
        if !aar.direct_cause.is_empty() {
            items.push(item(&format!("**Direct Cause:** {}", aar.direct_cause)));
        }
        if !aar.contributing_factors.is_empty() {
            items.push("- **Contributing Factors:**".to_owned());
            for factor in &aar.contributing_factors {
                items.push(format!("  {}", item_indented(factor)));
            }
        }
        section(&mut out, "Root Cause Analysis", &items.join("\n"));
    }
    if !aar.went_well.is_empty() || !aar.could_improve.is_empty() {
        let items: Vec<String> = aar
            .went_well
            .iter()
            .map(|w| item(&format!("✅ **Well:** {w}")))
            .chain(
                aar.could_improve
                    .iter()
                    .map(|i| item(&format!("⚠️ **Improve:** {i}"))),
            )
            .collect();
        section(
            &mut out,
            "What Went Well / What Could Be Improved",
            &items.join("\n"),
        );
    }
    if !aar.action_items.is_empty() || !aar.lessons.is_empty() {
        let items: Vec<String> = aar
            .action_items
            .iter()
            .map(|a| item(&format!("**Action:** {}", action_text(a))))
            .chain(
                aar.lessons
                    .iter()
                    .map(|l| item(&format!("**Lesson:** {l}"))),
            )
            .collect();
        section(
            &mut out,
            "Action Items & Lessons Learned",
            &items.join("\n"),
        );
    }
    for extra in &aar.extra_sections {
        section(&mut out, &extra.heading, &extra.body);
    }
    out
}

/// A list item; lines after the first indented so that they stay in it.
fn item(text: &str) -> String {
    format!("- {}", text.replace('\n', "\n  "))
}

/// A nested list item (under Contributing Factors).
fn item_indented(text: &str) -> String {
    format!("- {}", text.replace('\n', "\n    "))
}

/// `Do X (Owner: AI Team, Priority: P1, Due: 2025-07-01, Done: 2025-06-20)`.
fn action_text(a: &ActionItem) -> String {
    let mut meta = Vec::new();
    if let Some(owner) = &a.owner {
        meta.push(format!("Owner: {owner}"));
    }
    if let Some(p) = a.priority {
        meta.push(format!("Priority: {}", p.as_str()));
    }
    if let Some(due) = &a.due {
        meta.push(format!("Due: {due}"));
    }
    match (a.status, &a.done_on) {
        (ItemStatus::Open, _) => {}
        (ItemStatus::Done, Some(on)) => meta.push(format!("Done: {on}")),
        (ItemStatus::Done, None) => meta.push("Done".into()),
        (ItemStatus::Dropped, _) => meta.push("Dropped".into()),
    }
    if meta.is_empty() {
        a.text.clone()
    } else {
        format!("{} ({})", a.text, meta.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aar::import::parse;
    use frontend::model::aar::{ExtraSection, Priority, Severity, TimelineEntry};

    const SEED: &str = include_str!("../../demo/aar-log.md");

    #[test]
    fn the_seed_log_survives_an_export_and_import_unchanged() {
        let aars = parse(SEED).unwrap();
        let text = export_all(&aars);
        let again = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(again, aars);
        // And the export of the export is the same text.
        assert_eq!(export_all(&again), text);
    }

    #[test]
    fn every_field_survives_a_round_trip() {
        let aar = AarContent {
            title: "Everything (with parentheses)".into(),
            incident_date: "2025-06-30".into(),
            incident_end: Some("2025-07-01".into()),
            time_of_day: Some("Night".into()),
            severity: Some(Severity::Critical),
            status: AarStatus::Published,
            summary: "First paragraph.\n\nSecond, with **bold**.".into(),
            timeline: vec![
                TimelineEntry {
                    when: "22:00".into(),
                    text: "Alert fired".into(),
                },
                TimelineEntry {
                    when: String::new(),
                    text: "Paged: nobody answered\nsecond line".into(),
                },
            ],
            direct_cause: "A full disk".into(),
            contributing_factors: vec!["No alert".into(), "Old kernel".into()],
            went_well: vec!["Backups restored".into()],
            could_improve: vec!["Runbook was stale".into()],
            lessons: vec!["Check disks".into()],
            action_items: vec![
                ActionItem {
                    text: "Add a disk alert".into(),
                    owner: Some("Sam".into()),
                    priority: Some(Priority::P0),
                    status: ItemStatus::Done,
                    due: Some("2025-07-02".into()),
                    done_on: Some("2025-07-01".into()),
                },
                ActionItem {
                    text: "Replace the kernel".into(),
                    status: ItemStatus::Dropped,
                    ..ActionItem::default()
                },
                ActionItem {
                    text: "Write the runbook".into(),
                    priority: Some(Priority::P3),
                    ..ActionItem::default()
                },
            ],
            extra_sections: vec![ExtraSection {
                heading: "Configuration Changes".into(),
                body: "```yaml\n# a comment, not a heading\nkey: value\n```".into(),
            }],
            tags: vec!["storage".into(), "disk".into()],
            services: vec!["longhorn".into(), "k3s2".into()],
            window_start: Some("2025-06-30T22:00".into()),
            window_end: Some("2025-07-01T03:15".into()),
            // Not part of the Markdown: what was attached from the cluster stays in the store.
            evidence: Vec::new(),
        };
        let text = export(&aar);
        assert!(text.contains("**Window:** 2025-06-30T22:00 to 2025-07-01T03:15 UTC"));
        let again = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(again, vec![aar]);
    }

    #[test]
    fn dates_are_written_as_the_log_writes_them() {
        let mut aar = AarContent {
            incident_date: "2025-06-15".into(),
            ..AarContent::default()
        };
        assert_eq!(date_label(&aar), "June 15, 2025");
        aar.incident_end = Some("2025-06-16".into());
        aar.time_of_day = Some("Night".into());
        assert_eq!(date_label(&aar), "June 15-16, 2025 - Night");
    }
}
