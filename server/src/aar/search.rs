//! Full-text search over AARs with SQLite FTS5: the text indexed for each AAR, the query made
//! from what someone typed, and the snippet FTS5 returns split into plain and highlighted parts.

use frontend::model::aar::{AarContent, SnippetPart};

/// Marks around a match in `snippet()` output. Control characters, so that they cannot occur in
/// the text itself, and the snippet never has to be treated as HTML.
pub const HIT_START: char = '\u{2}';
pub const HIT_END: char = '\u{3}';

/// Everything searchable of an AAR but its title, one field per line.
pub fn document_text(content: &AarContent) -> String {
    let mut lines: Vec<&str> = vec![&content.summary];
    for entry in &content.timeline {
        lines.push(&entry.when);
        lines.push(&entry.text);
    }
    lines.push(&content.direct_cause);
    let lists = [
        &content.contributing_factors,
        &content.went_well,
        &content.could_improve,
        &content.lessons,
        &content.tags,
        &content.services,
    ];
    lines.extend(lists.into_iter().flatten().map(String::as_str));
    for item in &content.action_items {
        lines.push(&item.text);
        lines.extend(item.owner.as_deref());
    }
    for section in &content.extra_sections {
        lines.push(&section.heading);
        lines.push(&section.body);
    }
    lines.retain(|l| !l.is_empty());
    lines.join("\n")
}

/// The FTS5 query for what someone typed: every word must occur; the last word, when it has
/// three letters or more, also as a prefix ("crash" finds "CrashLoopBackOff"), as people type.
/// Earlier words match whole words: a prefix of a common word merges the lists of every word it
/// begins, and prefixes on every word made the p99 of the benchmark's queries nine times longer
/// (docs/benchmarks.md, "Search benchmark"). Each word is quoted, so FTS5 syntax in the input (`AND`, `"`,
/// `(`, `-`) is only text. None when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .collect();
    let last = words.len().saturating_sub(1);
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last && w.chars().count() >= 3 {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// A `snippet()` result as text parts, the matches marked.
pub fn snippet_parts(snippet: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut hit = false;
    let mut flush = |text: &mut String, hit: bool| {
        if !text.is_empty() {
            parts.push(SnippetPart {
                text: std::mem::take(text),
                hit,
            });
        }
    };
    for c in snippet.chars() {
        match c {
            HIT_START => {
                flush(&mut current, hit);
                hit = true;
            }
            HIT_END => {
                flush(&mut current, hit);
                hit = false;
            }
            c => current.push(c),
        }
    }
    flush(&mut current, hit);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_words_become_quoted_prefix_terms() {
        assert_eq!(
            fts_query("dns hairpin").as_deref(),
            Some("\"dns\" \"hairpin\"*")
        );
        assert_eq!(fts_query("crash").as_deref(), Some("\"crash\"*"));
        assert_eq!(
            fts_query("\"a\" OR (bee").as_deref(),
            Some("\"a\" \"OR\" \"bee\"*")
        );
        assert_eq!(fts_query(" -- "), None);
    }

    #[test]
    fn snippets_split_into_marked_and_plain_parts() {
        let parts = snippet_parts("pods in \u{2}CrashLoopBackOff\u{3} with <b>");
        let got: Vec<_> = parts.iter().map(|p| (p.text.as_str(), p.hit)).collect();
        assert_eq!(
            got,
            [
                ("pods in ", false),
                ("CrashLoopBackOff", true),
                (" with <b>", false)
            ]
        );
    }
}
