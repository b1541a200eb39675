//! The organization's local support list: where parents can turn, and the
//! emergency number of the organization's country. Parents see it on the
//! Help now page (linked from every page) and in a box on every handout;
//! the facilitator dashboard warns until an administrator fills it in.

use serde::Serialize;

use crate::db::models::support::{self, NewSupportService, SupportService};
use crate::db::models::{Audit, User};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::pdf::documents::{HelpLine, HelpNow};

/// Countries an organization may be in, with their emergency numbers.
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("US", "United States", "911"),
    ("CA", "Canada", "911"),
    ("GB", "United Kingdom", "999"),
    ("IE", "Ireland", "112"),
    ("AU", "Australia", "000"),
    ("NZ", "New Zealand", "111"),
    ("EU", "European Union (elsewhere)", "112"),
    ("IN", "India", "112"),
    ("ZA", "South Africa", "10111"),
];

/// Until an administrator chooses, the country the courses are written
/// for (`locale = "en-US"`).
pub const DEFAULT_COUNTRY: &str = "US";

#[derive(Debug, Clone, Serialize)]
pub struct SupportList {
    pub country: String,
    pub country_name: String,
    pub emergency_number: String,
    pub services: Vec<ServiceView>,
    /// Whether an administrator has chosen the country.
    pub country_chosen: bool,
}

impl SupportList {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }
}

/// One service as pages show it: with links a phone can act on.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub id: i64,
    pub name: String,
    pub helps_with: String,
    pub phone: Option<String>,
    /// `tel:` link.
    pub phone_href: Option<String>,
    pub text_number: Option<String>,
    /// `sms:` link.
    pub text_href: Option<String>,
    pub web: Option<String>,
    /// The address without `https://`, as people say it.
    pub web_shown: Option<String>,
    pub hours: Option<String>,
    /// Everything above in one line, as printed.
    pub reach: String,
}

/// A number as a phone dials it: digits and a leading plus.
fn dialable(number: &str) -> String {
    number
        .chars()
        .enumerate()
        .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
        .map(|(_, c)| c)
        .collect()
}

fn shown_web(web: &str) -> String {
    web.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

impl From<&SupportService> for ServiceView {
    fn from(s: &SupportService) -> Self {
        ServiceView {
            id: s.id,
            name: s.name.clone(),
            helps_with: s.helps_with.clone(),
            phone: s.phone.clone(),
            phone_href: s.phone.as_deref().map(|p| format!("tel:{}", dialable(p))),
            text_number: s.text_number.clone(),
            text_href: s
                .text_number
                .as_deref()
                .map(|t| format!("sms:{}", dialable(t))),
            web: s.web.clone(),
            web_shown: s.web.as_deref().map(shown_web),
            hours: s.hours.clone(),
            reach: reach(s),
        }
    }
}

fn country(code: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    COUNTRIES.iter().find(|(c, _, _)| *c == code)
}

/// The list as parents see it.
pub fn list(conn: &mut DbConn) -> Result<SupportList, AppError> {
    let services = SupportService::all(conn)?;
    let chosen = support::settings(conn)?;
    let (code, number) = match &chosen {
        Some((c, n)) => (c.clone(), n.clone()),
        None => (
            DEFAULT_COUNTRY.to_string(),
            default_emergency_number().to_string(),
        ),
    };
    Ok(SupportList {
        country_name: country(&code).map(|c| c.1).unwrap_or("").to_string(),
        country: code,
        emergency_number: number,
        services: services.iter().map(ServiceView::from).collect(),
        country_chosen: chosen.is_some(),
    })
}

/// A country to choose on the admin page.
#[derive(Debug, Clone, Serialize)]
pub struct CountryChoice {
    pub code: &'static str,
    pub name: &'static str,
    pub emergency_number: &'static str,
    pub selected: bool,
}

pub fn country_choices(selected: &str) -> Vec<CountryChoice> {
    COUNTRIES
        .iter()
        .map(|&(code, name, emergency_number)| CountryChoice {
            code,
            name,
            emergency_number,
            selected: code == selected,
        })
        .collect()
}

/// The admin page: the list and the countries (administrators only).
pub fn admin_page(
    conn: &mut DbConn,
    user: &User,
) -> Result<(SupportList, Vec<CountryChoice>), AppError> {
    require_admin(conn, user)?;
    let list = list(conn)?;
    let choices = country_choices(&list.country);
    Ok((list, choices))
}

/// What an administrator types for one service.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct ServiceForm {
    pub name: String,
    pub helps_with: String,
    pub phone: String,
    pub text_number: String,
    pub web: String,
    pub hours: String,
}

fn optional(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn check(form: &ServiceForm) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    if form.name.trim().is_empty() {
        errors.add("name", "Please give the service's name.");
    } else if form.name.chars().count() > 120 {
        errors.add("name", "Please keep the name under 120 characters.");
    }
    if form.helps_with.trim().is_empty() {
        errors.add(
            "helps_with",
            "Please say in a few words what it helps with, like \"Crisis support, day and night\".",
        );
    } else if form.helps_with.chars().count() > 200 {
        errors.add("helps_with", "Please keep this under 200 characters.");
    }
    if optional(&form.phone).is_none()
        && optional(&form.text_number).is_none()
        && optional(&form.web).is_none()
    {
        errors.add(
            "phone",
            "Please give at least one way to reach it: a phone number, a number to text, or a website.",
        );
    }
    for (field, value) in [("phone", &form.phone), ("text_number", &form.text_number)] {
        if let Some(v) = optional(value) {
            let ok = v.chars().count() <= 40
                && v.chars().any(|c| c.is_ascii_digit())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || " +-().".contains(c));
            if !ok {
                errors.add(
                    field,
                    "That doesn't look like a phone number, such as 1-800-799-7233 or 988.",
                );
            }
        }
    }
    if let Some(web) = optional(&form.web) {
        let ok = url::Url::parse(web)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
            .is_some();
        if !ok {
            errors.add("web", "Please give the full web address, starting https://");
        }
    }
    if form.hours.chars().count() > 120 {
        errors.add("hours", "Please keep the hours under 120 characters.");
    }
    errors.check()
}

fn require_admin(conn: &mut DbConn, user: &User) -> Result<(), AppError> {
    crate::services::access::require_admin(
        conn,
        user,
        "support_list",
        "Only administrators can change the support list.",
    )
}

pub fn add(conn: &mut DbConn, user: &User, form: &ServiceForm) -> Result<(), AppError> {
    require_admin(conn, user)?;
    check(form)?;
    write_tx(conn, |conn| {
        SupportService::insert(
            conn,
            &NewSupportService {
                name: form.name.trim(),
                helps_with: form.helps_with.trim(),
                phone: optional(&form.phone),
                text_number: optional(&form.text_number),
                web: optional(&form.web),
                hours: optional(&form.hours),
                created_at: now(),
            },
        )?;
        Audit::by_user(user.id).did("support.add").record(conn)
    })
}

/// Takes one service off the list; its name, for the page to say so.
pub fn remove(conn: &mut DbConn, user: &User, id: i64) -> Result<String, AppError> {
    require_admin(conn, user)?;
    write_tx(conn, |conn| {
        let Some(gone) = SupportService::delete(conn, id)? else {
            return Err(AppError::not_found("That service is not on the list."));
        };
        Audit::by_user(user.id)
            .did("support.remove")
            .on("support_service", id)
            .record(conn)?;
        Ok(gone)
    })
}

/// Chooses the organization's country; its emergency number.
pub fn set_country(conn: &mut DbConn, user: &User, code: &str) -> Result<String, AppError> {
    require_admin(conn, user)?;
    let Some((code, _, number)) = country(code.trim()).copied() else {
        let mut errors = FieldErrors::default();
        errors.add("country", "Please choose your country from the list.");
        return Err(AppError::Invalid(errors));
    };
    write_tx(conn, |conn| {
        support::set_settings(conn, code, number, now())?;
        Audit::by_user(user.id)
            .did("support.country")
            .detail(Some(code))
            .record(conn)
    })?;
    Ok(number.to_string())
}

/// A sample list for the demo: national US services (numbers as
/// published; an organization checks and replaces them with its own).
pub fn seed_sample(conn: &mut DbConn) -> Result<(), AppError> {
    if !SupportService::all(conn)?.is_empty() {
        return Ok(());
    }
    let at = now();
    for (name, helps_with, phone, text_number, web, hours) in [
        (
            "988 Suicide & Crisis Lifeline",
            "Someone to talk to in a crisis, or when you feel you can't cope",
            Some("988"),
            Some("988"),
            Some("https://988lifeline.org"),
            Some("Day and night, every day"),
        ),
        (
            "National Domestic Violence Hotline",
            "Support and safety planning if you feel afraid of a partner or ex",
            Some("1-800-799-7233"),
            Some("88788"),
            Some("https://www.thehotline.org"),
            Some("Day and night, every day"),
        ),
        (
            "Childhelp National Child Abuse Hotline",
            "Advice if you are worried about a child, or about your own stress as a parent",
            Some("1-800-422-4453"),
            None,
            Some("https://www.childhelphotline.org"),
            Some("Day and night, every day"),
        ),
        (
            "National Maternal Mental Health Hotline",
            "Support for low mood or worry during pregnancy and after a baby",
            Some("1-833-852-6262"),
            Some("1-833-852-6262"),
            None,
            Some("Day and night, every day"),
        ),
    ] {
        SupportService::insert(
            conn,
            &NewSupportService {
                name,
                helps_with,
                phone,
                text_number,
                web,
                hours,
                created_at: at,
            },
        )?;
    }
    Ok(())
}

/// How to reach one service, in one printed line.
pub fn reach(s: &SupportService) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &s.phone {
        parts.push(format!("Call {p}"));
    }
    if let Some(t) = &s.text_number {
        parts.push(format!("Text {t}"));
    }
    if let Some(w) = &s.web {
        parts.push(shown_web(w));
    }
    if let Some(h) = &s.hours {
        parts.push(h.clone());
    }
    parts.join("  \u{00B7}  ")
}

/// The "Help now" box for printouts. `base_url` prints the page's address.
pub fn help_now(conn: &mut DbConn, base_url: Option<&str>) -> Result<HelpNow, AppError> {
    let list = list(conn)?;
    Ok(HelpNow {
        emergency_number: list.emergency_number,
        services: list
            .services
            .into_iter()
            .map(|s| HelpLine {
                name: s.name,
                helps_with: s.helps_with,
                reach: s.reach,
            })
            .collect(),
        page_url: base_url.map(|b| format!("{}/help", b.trim_end_matches('/'))),
    })
}

/// The emergency number printed where no database is at hand.
pub fn default_emergency_number() -> &'static str {
    country(DEFAULT_COUNTRY).map(|c| c.2).unwrap_or("911")
}
