//! The curriculum's Markdown: safe HTML for pages, plain text for the
//! readability measure, and links with their lines for the checker.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Markdown to HTML that is safe to put in a page: raw HTML and
/// `javascript:` links never pass ammonia.
pub fn to_safe_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
    ammonia::clean(&html)
}

/// The prose of a Markdown text as sentences-to-be, one block per line.
/// Headings are left out: they are labels, not sentences, and would make
/// the text look simpler than it reads.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_heading = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Text(t) | Event::Code(t) if !in_heading => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak if !in_heading => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// Every link and image target with the byte offset where it starts.
pub fn link_targets(markdown: &str) -> Vec<(String, usize)> {
    Parser::new_ext(markdown, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                Some((dest_url.to_string(), range.start))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_sanitised() {
        let html = to_safe_html(
            "Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn plain_text_drops_headings_and_keeps_blocks() {
        let text = plain_text("## Heading here\n\nOne line\nwraps.\n\n- item one\n- item two\n");
        assert!(!text.contains("Heading"));
        assert!(text.contains("One line wraps."));
        assert_eq!(text.lines().filter(|l| l.starts_with("item")).count(), 2);
    }

    #[test]
    fn finds_links_with_offsets() {
        let md = "Text\n\n[a](../x.md) and ![b](img.png)";
        let links = link_targets(md);
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].0, "../x.md");
        assert_eq!(&md[links[0].1..links[0].1 + 1], "[");
    }
}
