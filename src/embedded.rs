//! The files built into the binary from `templates/`: page and email
//! templates (each may be overridden by a file of the same path) and the
//! static assets. Imports nothing of attune's.

use std::borrow::Cow;
use std::path::Path;

#[derive(rust_embed::RustEmbed)]
#[folder = "templates/"]
struct EmbeddedTemplates;

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
