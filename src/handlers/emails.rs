//! Facilitators' emails page, previews, resend and the recap note;
//! administrators' outbox of what could not be sent.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{flash, CsrfForm, CurrentUser, NoFields};
use crate::db::ids::{CohortId, MeetingId, MessageId};
use crate::error::{AppError, FieldErrors};
use crate::render::Section;
use crate::services::emails::{self, Resent, SettingsForm};
use crate::services::meetings;
use crate::state::AppState;
use crate::web::http::back_to_section;
use crate::web::http::see_other;

/// The folder emails are written to when there is no mail server, in
/// full, for the administrators who run attune (a facilitator is told
/// only that emails are kept on the computer attune runs on).
fn mail_dir(state: &AppState) -> String {
    std::path::absolute(&state.config.mail_dir)
        .unwrap_or_else(|_| state.config.mail_dir.clone())
        .display()
        .to_string()
}

fn emails_url(cohort_id: i64) -> String {
    format!("/cohorts/{cohort_id}/emails")
}

/// The Emails page, with the settings form as given and any problem.
async fn emails_page(
    state: &AppState,
    current: &CurrentUser,
    cohort_id: i64,
    status: StatusCode,
    form: Option<SettingsForm>,
    errors: &FieldErrors,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let page = current
        .db(state, move |conn, user| {
            emails::page(conn, user, cohort_id, crate::db::now())
        })
        .await?;
    let form = form.unwrap_or_else(|| page.settings.clone());
    state.templates.view_with_status(
        status,
        "pages/emails/show",
        &current.context()?,
        json!({
            "title": format!("Emails: {}", page.cohort_title),
            "page": page,
            "form": form,
            "errors": errors.0,
            "problem": problem,
            "smtp": state.config.smtp.is_some(),
            "mail_dir": current.is_admin().then(|| mail_dir(state)),
            "limits": {
                "reminder": emails::REMINDER_HOURS,
                "recap": emails::RECAP_HOURS,
                "nudge": emails::NUDGE_HOURS,
                "alert_after": crate::services::absence::ALERT_AFTER,
            },
        }),
    )
}

pub async fn show_emails(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    emails_page(
        &state,
        &current,
        path.into_inner(),
        StatusCode::OK,
        None,
        &FieldErrors::default(),
        None,
    )
    .await
}

pub async fn update_settings(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let cohort_id = path.into_inner();
    let form = form.into_inner();
    let submitted = form.clone();
    let result = current
        .db(&state, move |conn, user| {
            emails::update_settings(conn, user, cohort_id, &submitted)
        })
        .await;
    match result {
        Ok(()) => {
            flash(&current.session, "Email settings saved.");
            Ok(see_other(&emails_url(cohort_id)))
        }
        Err(AppError::Invalid(errors)) => {
            emails_page(
                &state,
                &current,
                cohort_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form),
                &errors,
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn set_paused(
    state: web::Data<AppState>,
    current: CurrentUser,
    cohort_id: i64,
    paused: bool,
) -> Result<HttpResponse, AppError> {
    current
        .db(&state, move |conn, user| {
            emails::set_paused(conn, user, cohort_id, paused)
        })
        .await?;
    flash(
        &current.session,
        if paused {
            "Follow-up emails for this group are paused. None go out until you resume them."
        } else {
            "Follow-up emails for this group are back on. Anything waiting goes out within a few minutes."
        },
    );
    Ok(see_other(&emails_url(cohort_id)))
}

pub async fn pause_emails(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    set_paused(state, current, path.into_inner(), true).await
}

pub async fn resume_emails(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    set_paused(state, current, path.into_inner(), false).await
}

#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    meeting: Option<String>,
}

async fn load_preview(
    state: &AppState,
    current: &CurrentUser,
    path: (i64, String),
    query: PreviewQuery,
) -> Result<emails::Preview, AppError> {
    let (cohort_id, kind) = path;
    let meeting = match query.meeting.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(m) => Some(
            m.parse::<i64>()
                .map_err(|_| AppError::not_found("That meeting is not in this group."))?,
        ),
    };
    let mail = state.mail.clone();
    current
        .db(state, move |conn, user| {
            emails::preview(
                conn,
                &mail,
                user,
                cohort_id,
                &kind,
                meeting,
                crate::db::now(),
            )
        })
        .await
}

pub async fn show_preview(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i64, String)>,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, AppError> {
    let preview = load_preview(&state, &current, path.into_inner(), query.into_inner()).await?;
    let html_url = format!(
        "/cohorts/{}/emails/preview/{}/html{}",
        preview.cohort_id,
        preview.kind,
        preview
            .meeting_id
            .map(|m| format!("?meeting={m}"))
            .unwrap_or_default()
    );
    state.templates.view(
        "pages/emails/preview",
        &current.context()?,
        json!({
            "title": format!("Preview: {}", preview.kind_label),
            "preview": preview,
            "html_url": html_url,
        }),
    )
}

/// The HTML body alone, for the preview's sandboxed frame. Its own
/// headers: no scripts, no requests out, framed only by our own pages.
pub async fn show_preview_html(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i64, String)>,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, AppError> {
    let preview = load_preview(&state, &current, path.into_inner(), query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox",
        ))
        .insert_header(("X-Frame-Options", "SAMEORIGIN"))
        .insert_header(("Cache-Control", "no-store"))
        .body(preview.html))
}

fn resent_message(r: &Resent) -> String {
    let mut m = format!(
        "The {} email to {} is back in the queue.",
        r.kind_label.to_lowercase(),
        r.to_name
    );
    if r.held {
        m.push_str(" Emails for this group are paused, so it will go when you resume them.");
    } else {
        m.push_str(" It will go out within a minute or two.");
    }
    m
}

pub async fn resend_message(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MessageId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, message_id) = path.into_inner();
    let result = current
        .db(&state, move |conn, user| {
            emails::resend_in_cohort(conn, user, cohort_id, message_id)
        })
        .await;
    match result {
        Ok(r) => Ok(back_to_section(
            &current.session,
            &emails_url(cohort_id.0),
            Section::Outbox,
            &resent_message(&r),
        )),
        Err(AppError::Conflict(message)) => {
            emails_page(
                &state,
                &current,
                cohort_id.0,
                StatusCode::CONFLICT,
                None,
                &FieldErrors::default(),
                Some(message),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct RecapNoteForm {
    #[serde(default)]
    recap_note: String,
}

pub async fn update_recap_note(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    form: CsrfForm<RecapNoteForm>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let note = form.into_inner().recap_note;
    let submitted = note.clone();
    let result = current
        .db(&state, move |conn, user| {
            emails::set_recap_note(conn, user, ids.0, ids.1, &submitted)
        })
        .await;
    let meeting_url = format!("/cohorts/{}/meetings/{}", ids.0, ids.1);
    match result {
        Ok(()) => {
            let message = if note.trim().is_empty() {
                "The note for the recap email is cleared."
            } else {
                "Your note for the recap email is saved."
            };
            Ok(back_to_section(
                &current.session,
                &meeting_url,
                Section::Recap,
                message,
            ))
        }
        Err(AppError::Invalid(errors)) => {
            // The meeting page again, with what they wrote kept.
            let mut page = current
                .db(&state, move |conn, user| {
                    meetings::page(conn, user, ids.0, ids.1)
                })
                .await?;
            page.recap_note = Some(note);
            state.templates.view_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "pages/meetings/show",
                &current.context()?,
                json!({
                    "title": format!("Session {}: {}", page.session_number, page.session_title),
                    "meeting": page,
                    "error": "Your note for the recap email wasn't saved: it is longer than 2,000 characters. What you wrote is still in the box under Recap email, further down.",
                    "recap_error": errors.0.get("recap_note"),
                }),
            )
        }
        Err(e) => Err(e),
    }
}

async fn outbox_page(
    state: &AppState,
    current: &CurrentUser,
    status: StatusCode,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let page = current.db(state, emails::outbox).await?;
    state.templates.view_with_status(
        status,
        "pages/admin/outbox",
        &current.context()?,
        json!({
            "title": "Emails that need attention",
            "page": page,
            "problem": problem,
            "smtp": state.config.smtp.is_some(),
            "mail_dir": mail_dir(state),
        }),
    )
}

pub async fn list_outbox(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    outbox_page(&state, &current, StatusCode::OK, None).await
}

pub async fn admin_resend(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let result = current
        .db(&state, move |conn, user| {
            emails::admin_resend(conn, user, id)
        })
        .await;
    match result {
        Ok(r) => {
            flash(&current.session, &resent_message(&r));
            Ok(see_other("/admin/outbox"))
        }
        Err(AppError::Conflict(message)) => {
            outbox_page(&state, &current, StatusCode::CONFLICT, Some(message)).await
        }
        Err(e) => Err(e),
    }
}
