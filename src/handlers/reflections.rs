//! Facilitators reading reflections, making parents' links, replying.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::user::same_site_path;
use crate::auth::{CsrfForm, CurrentUser, NoFields};
use crate::db::ids::{CohortId, EnrolmentId, MeetingId, ReflectionId};
use crate::error::AppError;
use crate::render::Section;
use crate::services::reflections::{self, ReadFilter};
use crate::services::{meetings, participants};
use crate::state::AppState;
use crate::web::http::{back_to_section, see_other};

/// After a reply: the reflection just answered (`?after=12`), so the page
/// can open at the next one.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AfterReply {
    #[serde(default)]
    after: Option<i64>,
}

async fn reading(
    state: &AppState,
    current: &CurrentUser,
    cohort_id: i64,
    filter: ReadFilter,
    (after, back): (Option<i64>, String),
) -> Result<HttpResponse, AppError> {
    let page = current
        .db(state, move |conn, user| {
            reflections::read(conn, user, cohort_id, filter)
        })
        .await?;
    let answered = after.and_then(|id| page.reflections.iter().position(|r| r.reflection_id == id));
    let next_id = answered
        .and_then(|i| page.reflections.get(i + 1))
        .map(|r| r.reflection_id);
    state.templates.view(
        "pages/reflections/list",
        &current.context()?,
        json!({
            "title": page.heading.clone(),
            "page": page,
            "next_id": next_id,
            "after_last": answered.is_some() && next_id.is_none(),
            // Where each reply form comes back to.
            "back": back,
        }),
    )
}

pub async fn list_for_meeting(
    state: web::Data<AppState>,
    current: CurrentUser,
    req: HttpRequest,
    path: web::Path<(CohortId, MeetingId)>,
    query: web::Query<AfterReply>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, meeting_id) = path.into_inner();
    let page = current
        .db(&state, move |conn, user| {
            meetings::page(conn, user, cohort_id, meeting_id)
        })
        .await?;
    reading(
        &state,
        &current,
        cohort_id.0,
        ReadFilter::Session(page.session_number as u32),
        (query.after, req.path().to_string()),
    )
    .await
}

pub async fn list_for_parent(
    state: web::Data<AppState>,
    current: CurrentUser,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    query: web::Query<AfterReply>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, enrolment_id) = path.into_inner();
    reading(
        &state,
        &current,
        cohort_id,
        ReadFilter::Parent(enrolment_id),
        (query.after, req.path().to_string()),
    )
    .await
}

#[derive(Debug, serde::Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    reply: String,
    /// The list of reflections the reply was written on.
    #[serde(default)]
    back: String,
}

pub async fn create_reply(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, ReflectionId)>,
    form: CsrfForm<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, reflection_id) = path.into_inner();
    let ReplyForm { reply: text, back } = form.into_inner();
    let mail = state.mail.clone();
    current
        .db(&state, move |conn, user| {
            reflections::reply(conn, &mail, user, cohort_id, reflection_id, &text)
        })
        .await?;
    // Back to the list it was written on, at the next reflection: only a
    // list of this group's reflections, never an address from elsewhere.
    let list = same_site_path(&back).filter(|p| {
        p.starts_with(&format!("/cohorts/{cohort_id}/")) && p.ends_with("/reflections")
    });
    let message = "Your reply is saved; the parent sees it with their reflection.";
    Ok(match list {
        Some(list) => back_to_section(
            &current.session,
            &format!("{list}?after={}", reflection_id.0),
            Section::NextReflection,
            message,
        ),
        None => back_to_section(
            &current.session,
            &format!("/cohorts/{cohort_id}"),
            Section::Roster,
            message,
        ),
    })
}

/// How long a made link can be shown again (a reload, a second look) in
/// the browser that made it. It is kept in that browser's session only.
const LINK_SHOWN_MINUTES: i64 = 10;
const SHOWN_LINK_KEY: &str = "shown_link";

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ShownLink {
    enrolment_id: i64,
    token: String,
    until: i64,
}

fn link_path(cohort_id: CohortId, enrolment_id: EnrolmentId) -> String {
    format!(
        "/cohorts/{}/enrolments/{}/link",
        cohort_id.0, enrolment_id.0
    )
}

/// Makes a personal link and shows it on its own page (a GET, so a reload
/// shows it again rather than making another).
pub async fn make_link(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, enrolment_id) = path.into_inner();
    let policy = state.mail.links;
    let (token, _) = current
        .db(&state, move |conn, user| {
            participants::new_link(conn, user, cohort_id, enrolment_id, policy)
        })
        .await?;
    let shown = ShownLink {
        enrolment_id: enrolment_id.0,
        token,
        until: chrono::Utc::now().timestamp() + LINK_SHOWN_MINUTES * 60,
    };
    current
        .session
        .insert(SHOWN_LINK_KEY, &shown)
        .map_err(|e| AppError::caused("session", e))?;
    Ok(see_other(&link_path(cohort_id, enrolment_id)))
}

/// The personal-link page: the link just made (for a few minutes), to
/// copy, scan or email, and the ways to get another.
pub async fn show_link(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, enrolment_id) = path.into_inner();
    let record =
        crate::handlers::roster::parent_record(&state, &current, (cohort_id, enrolment_id)).await?;
    let shown = current
        .session
        .get::<ShownLink>(SHOWN_LINK_KEY)
        .ok()
        .flatten()
        .filter(|s| s.enrolment_id == enrolment_id.0 && s.until > chrono::Utc::now().timestamp());
    let url = shown.map(|s| format!("{}/p/{}", state.config.base_url, s.token));
    let name = record.parent.name.clone();
    let qr = url
        .as_deref()
        .and_then(|u| crate::pdf::qr_svg(u, &format!("QR code of {name}'s personal link")));
    state.templates.view(
        "pages/reflections/link",
        &current.context()?,
        json!({
            "title": format!("{name}'s personal link"),
            "name": name,
            "cohort_id": cohort_id,
            "enrolment_id": enrolment_id,
            "email": record.parent.email,
            "url": url,
            "qr": qr,
            "minutes": LINK_SHOWN_MINUTES,
        }),
    )
}

/// Emails the parent a fresh link to their page.
pub async fn email_link(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, enrolment_id) = path.into_inner();
    let composer = state.mail.clone();
    let (name, email) = current
        .db(&state, move |conn, user| {
            crate::services::parent_access::facilitator_emails_link(
                conn,
                &composer,
                user,
                cohort_id,
                enrolment_id,
            )
        })
        .await?;
    crate::auth::flash(
        &current.session,
        &format!("A new link to {name}'s page is on its way to {email}."),
    );
    Ok(see_other(&link_path(cohort_id, enrolment_id)))
}

pub async fn revoke_links(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, enrolment_id) = path.into_inner();
    let name = current
        .db(&state, move |conn, user| {
            participants::revoke_links(conn, user, cohort_id, enrolment_id)
        })
        .await?;
    Ok(back_to_section(
        &current.session,
        &format!("/cohorts/{cohort_id}"),
        Section::Roster,
        &format!("{name}'s links are switched off and any open session is ended."),
    ))
}

pub async fn show_checkin_report(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let report = current
        .db(&state, move |conn, user| {
            crate::services::checkins::report(conn, user, id)
        })
        .await?;
    state.templates.view(
        "pages/checkins/report",
        &current.context()?,
        json!({ "title": "Check-in results", "report": report }),
    )
}
