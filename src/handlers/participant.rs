//! The parent's side: their personal link, home, and each session's
//! handout with their reflection.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::auth::csrf::{LONG_FORM, SHORT_FORM};
use crate::auth::participant::{self as parent_auth, CurrentParticipant};
use crate::auth::user::take_notice;
use crate::auth::{flash, kept, CsrfForm, NoFields, PageContext, Viewer};
use crate::error::{AppError, FieldErrors};
use crate::render::Section;
use crate::services::reflections::{self, ReflectionForm};
use crate::services::{checkins, participants, privacy, support};
use crate::state::AppState;
use crate::web::http::back_to_section;
use crate::web::http::see_other;

fn context(p: &CurrentParticipant) -> Result<PageContext, AppError> {
    // Parents have no account menu; their pages carry their own forms.
    Ok(PageContext {
        user: None,
        csrf: None,
        notice: take_notice(&p.session),
        private: true,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct OpenQuery {
    /// Where in their space a link from an email leads: `sessions/N`.
    #[serde(default)]
    to: String,
}

/// The page a facilitator's browser gets for a parent's link (or code):
/// one browser is one person, so sign out first. `then` is where the
/// sign-out button leads afterwards (the link again).
pub fn someone_else_signed_in(
    state: &AppState,
    viewer: &Viewer,
    then: &str,
) -> Result<HttpResponse, AppError> {
    let name = viewer
        .user
        .as_ref()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    state.templates.view_with_status(
        StatusCode::CONFLICT,
        "pages/me/someone_else",
        &viewer.context()?,
        json!({
            "title": "You're signed in as a facilitator",
            "name": name,
            "then": then,
        }),
    )
}

pub async fn open_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    viewer: Viewer,
    path: web::Path<String>,
    query: web::Query<OpenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    // An image or script pointing at a link changes nothing.
    if !parent_auth::opened_at_top_level(&req) {
        return Err(AppError::Forbidden(
            "Please open your personal link straight from your email or your browser's address bar."
                .into(),
        ));
    }
    if parent_auth::facilitator_signed_in(&viewer.session) {
        let then = match query.to.as_str() {
            "" => format!("/p/{token}"),
            to => format!(
                "/p/{token}?to={}",
                percent_encoding::utf8_percent_encode(to, percent_encoding::NON_ALPHANUMERIC)
            ),
        };
        return someone_else_signed_in(&state, &viewer, &then);
    }
    let session = viewer.session;
    let opened = state
        .db(move |conn| participants::open_link(conn, &token))
        .await?;
    // A parent whose link ended or never worked: the way to a new one is
    // on the page, not an address to type.
    let (status, title, why, facilitators) = match opened {
        participants::LinkOpen::Opened(enrolment) => {
            return start_and_go(&state, &session, enrolment.id, &query.to).await;
        }
        participants::LinkOpen::SwitchedOff(names) => (
            StatusCode::GONE,
            "This link has been switched off",
            "switched_off",
            names,
        ),
        participants::LinkOpen::Expired(names) => {
            (StatusCode::GONE, "This link has ended", "expired", names)
        }
        participants::LinkOpen::Unknown => (
            StatusCode::UNAUTHORIZED,
            "This link didn't work",
            "unknown",
            None,
        ),
    };
    state.templates.view_with_status(
        status,
        "pages/access/link_ended",
        &PageContext::anonymous(true),
        json!({
            "title": title,
            "switched_off": why == "switched_off",
            "expired": why == "expired",
            "facilitators": facilitators,
            "form_token": crate::auth::csrf::token(&session)?,
        }),
    )
}

/// Starts the parent's session and sends them on, off the link's address
/// (or to the reflection they were writing when they were signed out).
async fn start_and_go(
    state: &AppState,
    session: &actix_session::Session,
    enrolment_id: i64,
    to: &str,
) -> Result<HttpResponse, AppError> {
    CurrentParticipant::start(session, enrolment_id)?;
    if let Some(back) = restore_kept(state, session, enrolment_id).await? {
        return Ok(back);
    }
    // Off the address bar: the link is not kept in history or referrers.
    let to = match to.strip_prefix("sessions/") {
        Some(n) if !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()) => {
            format!("/me/sessions/{n}")
        }
        _ => "/me".to_string(),
    };
    Ok(see_other(&to))
}

/// The session number of a kept reflection (`/me/sessions/3/reflection`).
fn kept_reflection_number(kept: &kept::KeptForm) -> Option<u32> {
    kept.path
        .strip_prefix("/me/sessions/")?
        .strip_suffix("/reflection")?
        .parse()
        .ok()
}

/// Once a parent is back in: a reflection they sent after their session
/// ended is saved as a draft (a sent one keeps its place, with these
/// words), and they are taken to it. Words from someone else who used this
/// browser are never saved as this parent's: the form names its writer.
pub async fn restore_kept(
    state: &AppState,
    session: &actix_session::Session,
    enrolment_id: i64,
) -> Result<Option<HttpResponse>, AppError> {
    let Some(kept) = kept::take(session).filter(kept::KeptForm::is_parents) else {
        return Ok(None);
    };
    let writer = kept.field("writer").and_then(|w| w.parse::<i64>().ok());
    let (Some(number), true) = (kept_reflection_number(&kept), writer == Some(enrolment_id)) else {
        return Ok(None);
    };
    let mut form: ReflectionForm = serde_urlencoded::from_str(&kept.body())
        .map_err(|_| AppError::BadRequest("The kept words could not be read.".into()))?;
    // Anything but "send" saves a draft.
    form.action = String::new();
    let submitted = form.clone();
    let saved = state
        .db(move |conn| reflections::save(conn, enrolment_id, number, &submitted))
        .await;
    let me = CurrentParticipant {
        enrolment_id,
        session: session.clone(),
    };
    match saved {
        Ok(state_now) => Ok(Some(back_to_section(
            session,
            &format!("/me/sessions/{number}"),
            Section::Reflection,
            if state_now == participants::ReflectionState::Sent {
                "Welcome back. We kept what you wrote while you were signed out and saved it: your reflection is sent with these words."
            } else {
                "Welcome back. We kept what you wrote while you were signed out and saved it as a draft. Read it over, then press Send."
            },
        ))),
        // It can no longer be saved (closed, too long): show the words in
        // the form with the reason, rather than lose them.
        Err(e) => session_again(state, &me, number, form, e).await.map(Some),
    }
}

pub async fn show_home(
    state: web::Data<AppState>,
    me: CurrentParticipant,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    let home = state.db(move |conn| participants::home(conn, id)).await?;
    let template = if home.needs_consent {
        "pages/me/consent"
    } else {
        "pages/me/home"
    };
    state.templates.view(
        template,
        &context(&me)?,
        json!({
            "title": if home.needs_consent { "Before you start".to_string() } else { home.cohort_title.clone() },
            "home": home,
            "form_token": me.form_token()?,
        }),
    )
}

pub async fn give_consent(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    state
        .db(move |conn| participants::give_consent(conn, id))
        .await?;
    Ok(see_other("/me"))
}

async fn render_session(
    state: &AppState,
    me: &CurrentParticipant,
    number: u32,
    status: StatusCode,
    typed: Option<(ReflectionForm, FieldErrors)>,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    let has_errors = typed.as_ref().is_some_and(|(_, e)| !e.0.is_empty());
    let page = state
        .db(move |conn| {
            let page =
                reflections::session_page(conn, id, number, typed.as_ref().map(|(f, e)| (f, e)))?;
            Ok((page, support::list(conn)?))
        })
        .await?;
    let (page, help) = page;
    state.templates.view_with_status(
        status,
        "pages/me/session",
        &context(me)?,
        json!({
            "title": format!("Session {}: {}", page.number, page.title),
            "page": page,
            "help": help,
            "problem": problem,
            "has_errors": has_errors,
            "writer": me.enrolment_id,
            "form_token": me.form_token()?,
        }),
    )
}

pub async fn show_session(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    path: web::Path<u32>,
) -> Result<HttpResponse, AppError> {
    let number = path.into_inner();
    let page = render_session(&state, &me, number, StatusCode::OK, None, None).await?;
    // Opening the session's page is reading its handout: what "caught
    // up" looks for after a missed meeting.
    let id = me.enrolment_id;
    state
        .db(move |conn| crate::services::absence::record_handout_read(conn, id, number))
        .await?;
    Ok(page)
}

pub async fn save_reflection(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    path: web::Path<u32>,
    form: CsrfForm<ReflectionForm, LONG_FORM>,
) -> Result<HttpResponse, AppError> {
    let number = path.into_inner();
    let form = form.into_inner();
    let id = me.enrolment_id;
    let submitted = form.clone();
    let result = state
        .db(move |conn| reflections::save(conn, id, number, &submitted))
        .await;
    // The page's own script saving as the parent types: a bare answer.
    if form.action == reflections::AUTOSAVE {
        return result.map(|_| HttpResponse::NoContent().finish());
    }
    match result {
        Ok(saved) => Ok(back_to_section(
            &me.session,
            &format!("/me/sessions/{number}"),
            Section::Reflection,
            if saved == participants::ReflectionState::Sent {
                "Thank you. Your reflection is saved and sent."
            } else {
                "Your draft is saved. Only you can see it until you send it."
            },
        )),
        Err(e) => session_again(&state, &me, number, form, e).await,
    }
}

/// The session page again with what was typed and why it was not saved,
/// for a mistake; any other error passes on.
async fn session_again(
    state: &AppState,
    me: &CurrentParticipant,
    number: u32,
    form: ReflectionForm,
    err: AppError,
) -> Result<HttpResponse, AppError> {
    let (errors, problem) = match err {
        AppError::Invalid(errors) => (errors, None),
        AppError::Validation(message) => (FieldErrors::default(), Some(message)),
        e => return Err(e),
    };
    render_session(
        state,
        me,
        number,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some((form, errors)),
        problem,
    )
    .await
}

pub async fn sign_out(
    me: CurrentParticipant,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> HttpResponse {
    me.session.purge();
    see_other("/")
}

pub async fn show_data(
    state: web::Data<AppState>,
    me: CurrentParticipant,
) -> Result<HttpResponse, AppError> {
    state.templates.view(
        "pages/me/data",
        &context(&me)?,
        json!({ "title": "Your information", "form_token": me.form_token()?, "error": null }),
    )
}

pub async fn export_json(
    state: web::Data<AppState>,
    me: CurrentParticipant,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    let data = state.db(move |conn| privacy::export(conn, id)).await?;
    let body =
        serde_json::to_string_pretty(&data).map_err(|e| AppError::caused("writing JSON", e))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"attune-my-information.json\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

pub async fn export_page(
    state: web::Data<AppState>,
    me: CurrentParticipant,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    let data = state.db(move |conn| privacy::export(conn, id)).await?;
    state.templates.view(
        "pages/me/export",
        &context(&me)?,
        json!({ "title": "Everything we hold about you", "data": data, "form_token": me.form_token()? }),
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn delete_data(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    form: CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    if form.into_inner().confirm.is_none() {
        return state.templates.view_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "pages/me/data",
            &context(&me)?,
            json!({
                "title": "Your information",
                "form_token": me.form_token()?,
                "error": "Please tick the box to confirm. Nothing has been deleted.",
            }),
        );
    }
    let id = me.enrolment_id;
    state.db(move |conn| privacy::erase(conn, id)).await?;
    me.session.purge();
    state.templates.view(
        "pages/me/deleted",
        &PageContext::anonymous(false),
        json!({ "title": "Your information is deleted" }),
    )
}

async fn render_checkin(
    state: &AppState,
    me: &CurrentParticipant,
    phase: checkins::Phase,
    status: StatusCode,
    typed: Option<(checkins::CheckinForm, FieldErrors)>,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    let page = state
        .db(move |conn| checkins::page(conn, id, phase, typed.as_ref().map(|(f, e)| (f, e))))
        .await?;
    state.templates.view_with_status(
        status,
        "pages/me/checkin",
        &context(me)?,
        json!({
            "title": if page.start { "Check-in: where you are starting" } else { "Check-in: where you are now" },
            "page": page,
            "form_token": me.form_token()?,
        }),
    )
}

pub async fn show_checkin(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let phase = checkins::Phase::parse(&path.into_inner())?;
    render_checkin(&state, &me, phase, StatusCode::OK, None).await
}

pub async fn save_checkin(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    path: web::Path<String>,
    form: CsrfForm<checkins::CheckinForm, LONG_FORM>,
) -> Result<HttpResponse, AppError> {
    let phase = checkins::Phase::parse(&path.into_inner())?;
    let form = form.into_inner();
    let id = me.enrolment_id;
    let submitted = form.clone();
    match state
        .db(move |conn| checkins::save(conn, id, phase, &submitted))
        .await
    {
        Ok(()) => {
            flash(&me.session, "Thank you. Your check-in is saved.");
            Ok(see_other("/me"))
        }
        Err(AppError::Invalid(errors)) => {
            render_checkin(
                &state,
                &me,
                phase,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((form, errors)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
