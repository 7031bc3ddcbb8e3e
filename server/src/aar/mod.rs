//! After-action reviews: what the server does with them besides storing them (that is
//! `db::aar`). Pure functions, each in a module named for what it does:
//!
//! - [`import`]: the Markdown format of CLUSTER-SETUP.md's AAR log, parsed whole or not at all
//!   (a directory: the file split into AARs and sections, the Markdown of a section, its mapping
//!   onto the fields, the dates); [`parse_import`] holds what it reads to the form's limits.
//! - [`export`]: AARs back to that format, so that an export imports as the same AARs.
//! - [`markdown`]: text fields rendered to HTML and sanitised.
//! - [`search`]: the full-text index's document and query, and its snippets.
//! - [`diff`]: which fields a save changed, for the revision history.
//! - [`form`]: the create/edit form read and validated field by field.
//! - [`window`]: the incident window (two UTC times) the cluster's evidence is offered for.
//! - [`cli`]: `homelab aar import` and `homelab aar export`.
//! - [`bench`]: `homelab bench aar-search`, search latency over synthetic AARs.

pub mod bench;
pub mod cli;
pub mod diff;
pub mod export;
pub mod form;
pub mod import;
pub mod markdown;
pub mod search;
pub mod window;

use frontend::model::aar::AarContent;

/// A Markdown file to import: parsed ([`import::parse`]), then each AAR held to the same limits
/// as the form ([`form::read`]), so an import cannot store what the form would refuse. The first
/// problem refuses the whole file, naming the AAR's line.
pub fn parse_import(text: &str) -> Result<Vec<AarContent>, import::ParseError> {
    let aars = import::parse(text)?;
    for aar in &aars {
        if let Err(problems) = form::read(&form::fields_of(aar)) {
            let line = heading_line(text, aar);
            let title: String = aar.title.chars().take(60).collect();
            let reasons: Vec<String> = problems
                .iter()
                .map(|p| format!("{} ({})", p.message, p.field))
                .collect();
            return Err(import::ParseError {
                line,
                reason: format!("AAR \"{title}\": {}", reasons.join(" ")),
            });
        }
    }
    Ok(aars)
}

/// The line (1-based) of the `### AAR:` heading that starts with `aar`'s title.
fn heading_line(text: &str, aar: &AarContent) -> usize {
    text.lines()
        .position(|l| {
            l.trim_end()
                .strip_prefix("### AAR:")
                .is_some_and(|h| h.trim_start().starts_with(aar.title.as_str()))
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_is_held_to_the_forms_limits() {
        let long = "x".repeat(5_000);
        let text = format!(
            "### AAR: Fine (June 1, 2025)\n\n**1. What Happened:** Fine.\n\n\
             ### AAR: {long} (June 2, 2025)\n\n**1. What Happened:** Long.\n"
        );
        assert!(import::parse(&text).is_ok(), "the format itself allows it");
        let e = parse_import(&text).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.reason.contains("at most 200 characters"), "{e}");
        assert_eq!(parse_import(crate::demo_history::AAR_LOG).unwrap().len(), 8);
    }
}
