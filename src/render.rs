//! Templates: handlebars in strict mode, every template registered at
//! start-up from the copy embedded in the binary, each overridable from a
//! folder (`TEMPLATES_DIR`).

use std::path::Path;

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use handlebars::Handlebars;
use serde::Serialize;

pub use crate::embedded::{asset, embedded_templates};
use crate::error::AppError;

/// What the layout shows about the person signed in.
#[derive(Debug, Clone, Serialize)]
pub struct UserBadge {
    pub id: i64,
    pub name: String,
    pub is_admin: bool,
}

/// A one-time message from the last action, and the section of the page
/// it belongs in (none: the top of the page).
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub text: String,
    pub section: Option<Section>,
    /// A next step the message offers ("Fix the 2 rows left out").
    pub link: Option<NoticeLink>,
}

/// A link under a notice, to this site.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct NoticeLink {
    pub href: String,
    pub label: String,
}

/// The sections of a page an action can send the browser back to (the
/// fragment of the redirect). Each shows its notice itself with
/// `{{> partials/notice text=@root.here.<id>}}` (dashes as
/// underscores); `shape::every_section_shows_its_own_notice` checks that
/// the template with the section's id has that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Section {
    Reflection,
    Attendance,
    Fidelity,
    Roster,
    Recap,
    /// The emails page's list of what went and what waits.
    Outbox,
    Schedule,
    /// On a list of reflections: just above the one to read next, after a
    /// reply to the one before.
    NextReflection,
    /// A meeting page's one-off message to the group.
    Message,
    /// A parent's page: their answer for the next meeting.
    Rsvp,
    /// Missed meetings and who caught up (a meeting's page, a parent's).
    CatchingUp,
    /// Parents to call after missing meetings in a row.
    ToCall,
    /// A group page's waiting list.
    WaitingList,
}

impl Section {
    pub const ALL: [Section; 13] = [
        Section::Reflection,
        Section::Attendance,
        Section::Fidelity,
        Section::Roster,
        Section::Recap,
        Section::Outbox,
        Section::Schedule,
        Section::NextReflection,
        Section::Message,
        Section::Rsvp,
        Section::CatchingUp,
        Section::ToCall,
        Section::WaitingList,
    ];

    /// The element id on the page, and the fragment of the address.
    pub fn id(self) -> &'static str {
        match self {
            Section::Reflection => "reflection",
            Section::Attendance => "attendance",
            Section::Fidelity => "fidelity",
            Section::Roster => "roster",
            Section::Recap => "recap",
            Section::Outbox => "sent-and-waiting",
            Section::Schedule => "schedule",
            Section::NextReflection => "next-reflection",
            Section::Message => "message",
            Section::Rsvp => "rsvp",
            Section::CatchingUp => "catching-up",
            Section::ToCall => "to-call",
            Section::WaitingList => "waiting-list",
        }
    }

    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.id() == s)
    }
}

/// The context every page template gets: who is signed in and the form
/// token (only when signed in; public pages carry no forms).
#[derive(Debug, Clone, Serialize)]
pub struct PageContext {
    pub user: Option<UserBadge>,
    pub csrf: Option<String>,
    /// A one-time message from the last action ("Attendance saved.").
    pub notice: Option<Notice>,
    /// A page about one person (a parent's own page): never cached.
    #[serde(skip)]
    pub private: bool,
}

impl PageContext {
    /// A page for someone not signed in. `private` pages (about one person)
    /// are never cached.
    pub fn anonymous(private: bool) -> Self {
        Self {
            user: None,
            csrf: None,
            notice: None,
            private,
        }
    }
}

// `{{plural n "session" "sessions"}}`: "1 session", "6 sessions".
handlebars::handlebars_helper!(
    plural: |n: i64, one: str, many: str| if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
);

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
        hb.register_helper("plural", Box::new(plural));
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
                serde_json::to_value(&ctx.user).map_err(|e| AppError::caused("writing JSON", e))?,
            );
            map.insert(
                "csrf".into(),
                serde_json::to_value(&ctx.csrf).map_err(|e| AppError::caused("writing JSON", e))?,
            );
            // A notice for a section shows there (`here.roster`); any other
            // at the top (`flash`). Every section is present, so templates in
            // strict mode can ask for any.
            let top = ctx
                .notice
                .as_ref()
                .filter(|n| n.section.is_none())
                .map(|n| n.text.clone());
            map.insert("flash".into(), serde_json::json!(top));
            let here: serde_json::Map<String, serde_json::Value> = Section::ALL
                .into_iter()
                .map(|s| {
                    let text = ctx
                        .notice
                        .as_ref()
                        .filter(|n| n.section == Some(s))
                        .map(|n| n.text.clone());
                    // `here.sent_and_waiting`: template paths take no dashes.
                    (s.id().replace('-', "_"), serde_json::json!(text))
                })
                .collect();
            map.insert("here".into(), serde_json::Value::Object(here));
            // Beside whichever notice shows (there is one at most).
            let link = ctx.notice.as_ref().and_then(|n| n.link.clone());
            map.insert("notice_link".into(), serde_json::json!(link));
        }
        let mut res = HttpResponse::build(status);
        res.content_type(ContentType::html());
        if ctx.private {
            res.insert_header(("Cache-Control", "no-store"));
        }
        Ok(res.body(self.render(name, &data)?))
    }
}
