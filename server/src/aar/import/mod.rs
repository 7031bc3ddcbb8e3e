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
//!
//! Read in four steps, one module each: `file` finds the AARs and splits each into its heading,
//! metadata and sections; `sections` knows the Markdown (where an AAR ends, what starts a
//! section, list items and free text); `fields` maps a section's contents onto the AAR's fields;
//! `dates` reads the date labels. `error` holds [`ParseError`], which all of them return. This
//! file only declares them and re-exports what the rest of the server uses.

mod dates;
mod error;
mod fields;
mod file;
mod sections;

pub use dates::{iso_date, parse_date_label, MONTH_NAMES};
pub use error::ParseError;
pub use fields::{action_item, split_list, timeline_entry};
pub use file::parse;
pub use sections::is_fixed_section;
