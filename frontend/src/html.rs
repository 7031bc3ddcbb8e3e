//! Text put into HTML by hand: escaping for the places the renderer does not escape.

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes text (a path, a filter) for use as a query value.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// The inner HTML of a `<textarea>` that shows `text` exactly. Leptos leaves a textarea's text
/// unescaped, so `</textarea><script>` would end the element; and the HTML parser drops one
/// newline right after the start tag, so one is put there for it to drop.
pub fn textarea_content(text: &str) -> String {
    format!("\n{}", escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            escape(r#"<script>"x"&'y'"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;"
        );
    }

    #[test]
    fn textarea_text_cannot_close_its_element_and_keeps_its_first_newline() {
        let html = textarea_content("\n</textarea><meta http-equiv=\"refresh\">&lt;");
        assert_eq!(
            html,
            "\n\n&lt;/textarea&gt;&lt;meta http-equiv=&quot;refresh&quot;&gt;&amp;lt;"
        );
    }
}
