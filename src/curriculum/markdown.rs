//! The curriculum's Markdown: safe HTML for pages, plain text for the
//! readability measure, and links with their lines for the checker.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

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

/// `to_safe_html` for a text shown inside a section whose own heading is
/// `<h{section_level}>`: the text's headings move down so its top level
/// is the one below the section's (its `##` under an `<h2>` becomes an
/// `<h3>`), never past `<h6>`, so the page's outline stays true.
pub fn to_safe_html_in_section(markdown: &str, section_level: usize) -> String {
    let parser = || Parser::new_ext(markdown, options());
    let top = parser()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(level as usize),
            _ => None,
        })
        .min();
    let shift = top.map_or(0, |top| (section_level + 1).saturating_sub(top));
    let moved = |level: HeadingLevel| {
        HeadingLevel::try_from((level as usize + shift).min(6)).unwrap_or(HeadingLevel::H6)
    };
    let events = parser().map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: moved(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(moved(level))),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::clean(&html)
}

/// Markdown that a parent (or anyone outside the curriculum team) typed,
/// to HTML that is safe to show a facilitator or the parent: text
/// formatting and links out only.
///
/// Nothing in it may make the reader's browser fetch anything. A
/// reflection with `<img src="/p/...">` once signed the facilitator's
/// browser into the parent's space when the facilitator read it. So there
/// are no images, media, frames, forms or styles; links must be absolute
/// `http`, `https` or `mailto` (a relative link to this site is dropped),
/// and every link gets `rel="noopener noreferrer nofollow"`. What is left
/// out keeps its text.
pub fn typed_text_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
    TYPED_TEXT.with(|b| b.clean(&html).to_string())
}

/// The elements typed text may keep: no headings either, so a parent's
/// `# Title` cannot change the outline of the page it is shown on.
pub const TYPED_TEXT_TAGS: &[&str] = &[
    "p",
    "br",
    "em",
    "strong",
    "del",
    "s",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

thread_local! {
    static TYPED_TEXT: ammonia::Builder<'static> = {
        let mut b = ammonia::Builder::empty();
        b.add_tags(TYPED_TEXT_TAGS.iter().copied())
            .add_tag_attributes("a", ["href"].iter().copied())
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer nofollow"))
            .strip_comments(true);
        b
    };
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
    fn headings_in_a_section_start_below_its_heading() {
        let notes = "## Before\n\ntext\n\n### Detail\n\n#### Deeper\n\n##### Deepest";
        let html = to_safe_html_in_section(notes, 2);
        for (want, text) in [
            ("h3", "Before"),
            ("h4", "Detail"),
            ("h5", "Deeper"),
            ("h6", "Deepest"),
        ] {
            assert!(html.contains(&format!("<{want}>{text}</{want}>")), "{html}");
        }
        // Already below the section: left as written. Past h6: h6.
        assert!(to_safe_html_in_section("### Fine", 2).contains("<h3>Fine</h3>"));
        assert!(to_safe_html_in_section("# Top\n\n###### Six", 4).contains("<h6>Six</h6>"));
        assert!(to_safe_html_in_section("# Top\n\n###### Six", 4).contains("<h5>Top</h5>"));
        // With no headings it is `to_safe_html`.
        assert_eq!(to_safe_html_in_section("*hi*", 2), to_safe_html("*hi*"));
        assert!(!to_safe_html_in_section("<script>x</script>", 2).contains("<script"));
    }

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
    fn typed_text_fetches_nothing() {
        let html = typed_text_html(
            "**Hi** <img src=\"/p/abc\"> ![x](/p/abc) [me](/p/abc) [out](https://example.org) \
             <video src=/v></video><iframe src=/f></iframe><link rel=prefetch href=/p/x>\
             <a href=\"//evil.test\">x</a> <p style=\"background:url(/p/x)\">y</p>\
             <form action=/logout><button>go</button></form>\n\n# Title",
        );
        for bad in [
            "<img", "/p/abc", "<video", "<iframe", "<link", "style", "<form", "<button", "<h1",
            "//evil",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("<strong>Hi</strong>"), "{html}");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        // The words of what was dropped stay.
        assert!(html.contains("Title") && html.contains("me"), "{html}");
    }

    proptest::proptest! {
        /// Whatever a parent types (HTML-ish text especially), the result
        /// has no fetching element or attribute, and links are absolute.
        #[test]
        fn typed_text_never_fetches(
            text in "([<>/=\"' a-z:#!\\[\\]()]|img|src|href|style|video|https?://x|/p/|\\[a\\]\\(https://x\\))*"
        ) {
            let html = typed_text_html(&text);
            // Sanitised HTML escapes `<` in text, so each `<` opens a tag.
            for tag in html.split('<').skip(1) {
                let inside = tag[..tag.find('>').unwrap_or(tag.len())]
                    .replace(" rel=\"noopener noreferrer nofollow\"", "");
                let mut words = inside.split_whitespace();
                let name = words.next().unwrap_or("").trim_start_matches('/').trim_end_matches('/');
                proptest::prop_assert!(TYPED_TEXT_TAGS.contains(&name), "<{}> in {}", name, html);
                for attr in words {
                    let ok = ["href=\"http://", "href=\"https://", "href=\"mailto:"]
                            .iter()
                            .any(|p| attr.starts_with(p));
                    proptest::prop_assert!(name == "a" && ok, "{} on <{}> in {}", attr, name, html);
                }
            }
        }
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
