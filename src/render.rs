//! Templates: handlebars in strict mode, every template registered at
//! start-up from the copy embedded in the binary, each overridable from a
//! folder (`TEMPLATES_DIR`).

use std::borrow::Cow;
use std::path::Path;

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use handlebars::Handlebars;
use serde::Serialize;

use crate::auth::PageContext;
use crate::error::AppError;

#[derive(rust_embed::RustEmbed)]
#[folder = "templates/"]
struct EmbeddedTemplates;

pub struct Templates {
    hb: Handlebars<'static>,
    /// Email templates, kept in their own registries.
    pub emails: std::sync::Arc<crate::mail::EmailTemplates>,
}

impl Templates {
    /// Registers every `.hbs` file under `templates/` by its path without
    /// the extension (`pages/curricula/index`); a file of the same path in
    /// `override_dir` wins.
    pub fn load(override_dir: Option<&Path>) -> Result<Self, String> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.set_dev_mode(false);
        for (path, source) in embedded_templates("", override_dir)? {
            // Emails have their own registries (src/mail/templates.rs).
            if path.starts_with("emails/") {
                continue;
            }
            let Some(name) = path.strip_suffix(".hbs") else {
                continue;
            };
            hb.register_template_string(name, source)
                .map_err(|e| format!("template {path}: {e}"))?;
        }
        let emails = crate::mail::EmailTemplates::load(override_dir)?;
        Ok(Self {
            hb,
            emails: std::sync::Arc::new(emails),
        })
    }

    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String, AppError> {
        self.hb
            .render(name, data)
            .map_err(|e| AppError::internal(format!("rendering {name}: {e}")))
    }

    /// A whole HTML page for whoever is asking: the layout gets `user` and
    /// `csrf` and any one-time `flash` message from `ctx`. Private pages are
    /// never cached.
    pub fn view(
        &self,
        name: &str,
        ctx: &PageContext,
        data: serde_json::Value,
    ) -> Result<HttpResponse, AppError> {
        self.view_with_status(StatusCode::OK, name, ctx, data)
    }

    /// `view` with another status: a form shown again with its mistakes.
    pub fn view_with_status(
        &self,
        status: StatusCode,
        name: &str,
        ctx: &PageContext,
        mut data: serde_json::Value,
    ) -> Result<HttpResponse, AppError> {
        if let serde_json::Value::Object(map) = &mut data {
            map.insert(
                "user".into(),
                serde_json::to_value(&ctx.user).map_err(AppError::internal)?,
            );
            map.insert(
                "csrf".into(),
                serde_json::to_value(&ctx.csrf).map_err(AppError::internal)?,
            );
            map.insert(
                "flash".into(),
                serde_json::to_value(&ctx.notice).map_err(AppError::internal)?,
            );
        }
        let mut res = HttpResponse::build(status);
        res.content_type(ContentType::html());
        if ctx.private {
            res.insert_header(("Cache-Control", "no-store"));
        }
        Ok(res.body(self.render(name, &data)?))
    }
}

/// Every `.hbs` template under `prefix` as (path, source): the copy built
/// into the binary, or the file of the same path under `override_dir`.
pub fn embedded_templates(
    prefix: &str,
    override_dir: Option<&Path>,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for path in EmbeddedTemplates::iter() {
        if !path.starts_with(prefix) || !path.ends_with(".hbs") {
            continue;
        }
        let source = match override_dir.map(|d| d.join(path.as_ref())) {
            Some(p) if p.is_file() => std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read template {}: {e}", p.display()))?,
            _ => {
                let file = EmbeddedTemplates::get(&path)
                    .ok_or_else(|| format!("template {path} vanished"))?;
                String::from_utf8(file.data.into_owned())
                    .map_err(|_| format!("template {path} is not UTF-8"))?
            }
        };
        out.push((path.to_string(), source));
    }
    Ok(out)
}

/// A static file from `templates/assets/`, with its content type.
pub fn asset(name: &str) -> Option<(Cow<'static, [u8]>, &'static str)> {
    if name.contains("..") || name.starts_with('/') {
        return None;
    }
    let file = EmbeddedTemplates::get(&format!("assets/{name}"))?;
    let mime = match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("js") => "text/javascript; charset=utf-8",
        _ => "application/octet-stream",
    };
    Some((file.data, mime))
}
