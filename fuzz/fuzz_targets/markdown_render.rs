//! Curriculum Markdown to page HTML: whatever the text, the HTML has no
//! script element, no `on…` event attribute and no `javascript:` URL in
//! any tag; parent-typed text keeps only its allowed tags and absolute
//! links (nothing that fetches); `plain_text` and `link_targets` never
//! panic.
#![no_main]

use attune::curriculum::markdown::{
    link_targets, plain_text, to_safe_html, typed_text_html, TYPED_TEXT_TAGS,
};
use libfuzzer_sys::fuzz_target;

/// One tag of the HTML: its name (lower-case, `/` first when closing) and
/// its attributes (lower-case names, values as written, entities decoded
/// enough to spot `javascript:`).
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Splits ammonia's output into tags. Text between tags is skipped: in
/// sanitised HTML a `<` in text is always `&lt;`, so every `<` opens a tag.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>') {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    i += 1;
                    let v = i;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    value = html[v..i.min(b.len())].to_string();
                    i += 1;
                } else {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[v..i].to_string();
                }
            }
            attrs.push((attr, value));
        }
        out.push(Tag { name, attrs });
    }
    out
}

/// A URL as a browser reads its scheme (WHATWG URL parsing): the
/// attribute's entities decoded (ammonia's serialiser writes only `&amp;`,
/// `&quot;`, `&nbsp;`, `&lt;` and `&gt;`), leading and trailing C0 controls
/// and spaces trimmed, and every tab, line feed and carriage return removed.
/// Other control characters stay: `java\x14script:` has no scheme, so a
/// browser reads it as a relative path.
fn scheme_view(value: &str) -> String {
    let decoded = value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    decoded
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase()
}

fn check_html(markdown: &str, html: &str) {
    // ammonia escapes `<` in text, so the raw `<script` can only be a tag.
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "script element in {html:?} from {markdown:?}"
    );
    for tag in tags(html) {
        assert!(
            !matches!(
                tag.name.trim_start_matches('/'),
                "script"
                    | "style"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "form"
                    | "input"
                    | "svg"
                    | "math"
            ),
            "<{}> in {html:?} from {markdown:?}",
            tag.name
        );
        for (name, value) in &tag.attrs {
            assert!(
                !(name.len() > 2
                    && name.starts_with("on")
                    && name[2..].bytes().all(|c| c.is_ascii_lowercase())),
                "event attribute {name} in {html:?} from {markdown:?}"
            );
            if matches!(
                name.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href"
            ) {
                let url = scheme_view(value);
                for bad in ["javascript:", "vbscript:", "data:text/html"] {
                    assert!(
                        !url.starts_with(bad),
                        "{name}={value:?} in {html:?} from {markdown:?}"
                    );
                }
            }
        }
    }
}

/// Parent-typed text: besides everything above, only the allowed tags, no
/// attribute but a link's absolute `href`, and nothing that fetches.
fn check_typed(markdown: &str, html: &str) {
    check_html(markdown, html);
    for tag in tags(html) {
        let name = tag.name.trim_start_matches('/');
        assert!(
            TYPED_TEXT_TAGS.contains(&name),
            "<{}> in typed text {html:?} from {markdown:?}",
            tag.name
        );
        for (attr, value) in &tag.attrs {
            match (name, attr.as_str()) {
                ("a", "href") => {
                    let url = scheme_view(value);
                    assert!(
                        ["http://", "https://", "mailto:"]
                            .iter()
                            .any(|s| url.starts_with(s)),
                        "href={value:?} in typed text {html:?} from {markdown:?}"
                    );
                }
                ("a", "rel") => {}
                _ => panic!("{attr}= on <{name}> in typed text {html:?} from {markdown:?}"),
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(markdown) = std::str::from_utf8(data) else {
        return;
    };
    let html = to_safe_html(markdown);
    check_html(markdown, &html);
    check_typed(markdown, &typed_text_html(markdown));
    let _ = plain_text(markdown);
    for (target, offset) in link_targets(markdown) {
        assert!(offset <= markdown.len());
        let _ = target;
    }
});
