//! Email templates: `templates/emails/<name>/{subject,text,html}.hbs`.
//! Subjects and text bodies render without HTML escaping, HTML bodies with
//! it; both in strict mode, so a missing value is an error, not a blank.

use std::path::Path;

use handlebars::Handlebars;
use serde::Serialize;

use crate::embedded::embedded_templates;
use crate::error::AppError;

/// One email, rendered.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct EmailTemplates {
    text: Handlebars<'static>,
    html: Handlebars<'static>,
}

impl EmailTemplates {
    /// Loads every email template from the binary, each overridable by a
    /// file of the same path under `override_dir`.
    pub fn load(override_dir: Option<&Path>) -> Result<Self, String> {
        let mut text = Handlebars::new();
        text.set_strict_mode(true);
        text.register_escape_fn(handlebars::no_escape);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        // Every email with a subject must have both bodies.
        let mut names = Vec::new();
        for (path, source) in embedded_templates("emails/", override_dir)? {
            let Some(name) = path.strip_suffix(".hbs") else {
                continue;
            };
            let file = name.rsplit('/').next().unwrap_or(name);
            // Partials (`emails/_layout`) and subject/text go where they
            // are used; a partial starting with `_` is shared by both.
            if file.starts_with('_') {
                text.register_template_string(name, &source)
                    .map_err(|e| format!("template {path}: {e}"))?;
                html.register_template_string(name, &source)
                    .map_err(|e| format!("template {path}: {e}"))?;
            } else if file == "html" {
                html.register_template_string(name, &source)
                    .map_err(|e| format!("template {path}: {e}"))?;
            } else {
                text.register_template_string(name, &source)
                    .map_err(|e| format!("template {path}: {e}"))?;
            }
            if file == "subject" {
                if let Some(kind) = name
                    .strip_prefix("emails/")
                    .and_then(|n| n.strip_suffix("/subject"))
                {
                    names.push(kind.to_string());
                }
            }
        }
        for kind in &names {
            for part in ["text", "html"] {
                let name = format!("emails/{kind}/{part}");
                let present = if part == "html" {
                    html.has_template(&name)
                } else {
                    text.has_template(&name)
                };
                if !present {
                    return Err(format!("email {kind} has no {part}.hbs"));
                }
            }
        }
        for (path, source) in embedded_templates("texts/", override_dir)? {
            if let Some(name) = path.strip_suffix(".hbs") {
                text.register_template_string(name, &source)
                    .map_err(|e| format!("template {path}: {e}"))?;
            }
        }
        Ok(Self { text, html })
    }

    /// Whether `kind` has a text-message version (`templates/texts/<kind>.hbs`).
    pub fn has_text_message(&self, kind: &str) -> bool {
        self.text.has_template(&format!("texts/{kind}"))
    }

    /// A kind's text message, on one line, without the STOP line the
    /// composer adds.
    pub fn render_text_message(
        &self,
        kind: &str,
        data: &impl Serialize,
    ) -> Result<String, AppError> {
        let body = self
            .text
            .render(&format!("texts/{kind}"), data)
            .map_err(|e| AppError::internal(format!("rendering text {kind}: {e}")))?;
        Ok(one_line(&body))
    }

    pub fn render(&self, kind: &str, data: &impl Serialize) -> Result<RenderedEmail, AppError> {
        let fail = |part: &str, e: handlebars::RenderError| {
            AppError::internal(format!("rendering email {kind}/{part}: {e}"))
        };
        let subject = self
            .text
            .render(&format!("emails/{kind}/subject"), data)
            .map_err(|e| fail("subject", e))?;
        let text = self
            .text
            .render(&format!("emails/{kind}/text"), data)
            .map_err(|e| fail("text", e))?;
        let html = self
            .html
            .render(&format!("emails/{kind}/html"), data)
            .map_err(|e| fail("html", e))?;
        Ok(RenderedEmail {
            // One line: whatever a template or a title holds, a subject
            // never carries a line break into the headers.
            subject: one_line(&subject),
            text: tidy_text(&text),
            html,
        })
    }
}

/// Collapses all whitespace (including CR and LF) to single spaces.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims trailing spaces and runs of blank lines that optional sections of
/// a text template leave behind.
fn tidy_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_tidied() {
        assert_eq!(tidy_text("\n\nHi  \n\n\n\nthere\n\n"), "Hi\n\nthere\n");
        assert_eq!(one_line("a\r\nBcc: x@y.z\tb"), "a Bcc: x@y.z b");
    }
}
