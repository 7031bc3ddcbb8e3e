//! AAR text fields are Markdown, rendered on the server with pulldown-cmark and then cleaned by
//! ammonia's allow-list: no script, style, SVG or event-handler attribute survives, and links
//! keep only http, https and mailto URLs. Raw HTML in the Markdown goes through the same cleaning
//! (dropping it would lose text people wrote, such as `<details>`).

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use pulldown_cmark::{html, Options, Parser};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// Markdown as sanitised HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    CLEANER.clean(&raw).to_string()
}

/// For list items and table cells: like [`to_safe_html`], without the paragraph around a single
/// paragraph.
pub fn to_safe_inline_html(markdown: &str) -> String {
    let html = to_safe_html(markdown);
    let trimmed = html.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => html,
    }
}

/// The renderer pages take from context.
pub struct Renderer;

impl frontend::source::MarkdownSource for Renderer {
    fn to_safe_html(&self, markdown: &str) -> String {
        to_safe_html(markdown)
    }

    fn to_safe_inline_html(&self, markdown: &str) -> String {
        to_safe_inline_html(markdown)
    }
}

/// The shared handle for [`frontend::source::Markdown`].
pub fn renderer() -> frontend::source::Markdown {
    Arc::new(Renderer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Payloads from the usual XSS cheat sheets, as Markdown, raw HTML, links and images.
    const CORPUS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<body onload=alert(1)>",
        "<div onmouseover=\"alert(1)\">hover</div>",
        "<a href=\"javascript:alert(1)\">click</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">click</a>",
        "<a href=\"&#106;avascript:alert(1)\">entity</a>",
        "<a href=\" javascript:alert(1)\">space</a>",
        "[click](javascript:alert(1))",
        "[click](<javascript:alert(1)>)",
        "![x](javascript:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<a href=\"data:text/html,<script>alert(1)</script>\">data</a>",
        "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<svg onload=alert(1)><circle r=1/></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"data:text/html,x\">",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<p style=\"background:url(javascript:alert(1))\">styled</p>",
        "<form action=\"javascript:alert(1)\"><button>go</button></form>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
        "<details open ontoggle=alert(1)>",
        "<input autofocus onfocus=alert(1)>",
        "<video><source onerror=\"alert(1)\"></video>",
        "[x](vbscript:msgbox(1))",
        "<img src=\"x\" alt=\"\" onerror=\"alert(1)\"/>",
        "`<script>` in code is text",
    ];

    fn assert_harmless(html: &str, input: &str) {
        let lower = html.to_ascii_lowercase();
        for bad in [
            "<script",
            "<svg",
            "<math",
            "<iframe",
            "<object",
            "<embed",
            "<style",
            "<form",
            "<meta",
            "<base",
            "<input",
            "javascript:",
            "vbscript:",
            "data:",
            "style=",
        ] {
            assert!(
                !lower.contains(bad),
                "{bad} survived in {html:?} (from {input:?})"
            );
        }
        // No attribute named on...: look at every tag's attribute names.
        for tag in lower.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            for attr in tag.split_whitespace().skip(1) {
                assert!(
                    !attr.starts_with("on"),
                    "event handler {attr} in {html:?} (from {input:?})"
                );
            }
        }
    }

    #[test]
    fn the_xss_corpus_renders_harmless() {
        for input in CORPUS {
            assert_harmless(&to_safe_html(input), input);
            assert_harmless(&to_safe_inline_html(input), input);
            // Inside ordinary text and lists too.
            let embedded = format!("Before\n\n- item {input}\n\nafter *{input}*");
            assert_harmless(&to_safe_html(&embedded), &embedded);
        }
    }

    #[test]
    fn ordinary_markdown_keeps_its_formatting() {
        let html = to_safe_html(
            "**Direct cause:** `kubelet` path, see [docs](https://k3s.io)\n\n- a\n- b",
        );
        assert!(html.contains("<strong>Direct cause:</strong>"), "{html}");
        assert!(html.contains("<code>kubelet</code>"), "{html}");
        assert!(
            html.contains("href=\"https://k3s.io\"")
                && html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        assert!(html.contains("<li>a</li>"), "{html}");
        assert_eq!(to_safe_inline_html("a **b**"), "a <strong>b</strong>");
        assert_eq!(to_safe_inline_html("1 < 2 & 3"), "1 &lt; 2 &amp; 3");
    }
}
