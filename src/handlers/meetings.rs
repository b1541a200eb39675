//! A meeting: its plan, attendance, fidelity checklist and schedule changes.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{flash, CsrfForm, CurrentUser, NoFields};
use crate::db::ids::{CohortId, MeetingId};
use crate::db::status::AttendanceStatus;
use crate::error::AppError;
use crate::render::Section;
use crate::services::meetings;
use crate::state::AppState;
use crate::web::http::back_to_section;
use crate::web::http::see_other;

async fn render_page(
    state: &AppState,
    current: &CurrentUser,
    ids: (CohortId, MeetingId),
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let page = current
        .db(state, move |conn, user| {
            meetings::page(conn, user, ids.0, ids.1)
        })
        .await?;
    state.templates.view_with_status(
        status,
        "pages/meetings/show",
        &current.context()?,
        json!({
            "title": format!("Session {}: {}", page.session_number, page.session_title),
            "meeting": page,
            "error": error,
        }),
    )
}

/// Shows the meeting page again with the problem, or passes other errors on.
async fn or_show_problem(
    state: &AppState,
    current: &CurrentUser,
    ids: (CohortId, MeetingId),
    err: AppError,
) -> Result<HttpResponse, AppError> {
    let message = match &err {
        AppError::Validation(m) => m.clone(),
        AppError::Invalid(fields) => fields.0.values().cloned().collect::<Vec<_>>().join(" "),
        _ => return Err(err),
    };
    render_page(
        state,
        current,
        ids,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(message),
    )
    .await
}

pub async fn show_meeting(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
) -> Result<HttpResponse, AppError> {
    render_page(&state, &current, path.into_inner(), StatusCode::OK, None).await
}

pub(crate) fn meeting_url(ids: (CohortId, MeetingId)) -> String {
    format!("/cohorts/{}/meetings/{}", ids.0, ids.1)
}

pub async fn update_attendance(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    form: CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let form = form.into_inner();
    let mut roll = meetings::RollForm {
        everyone_present: form
            .get("everyone")
            .is_some_and(|v| meetings::parse_status(v) == Some(AttendanceStatus::Present)),
        early_ok: form.contains_key("early_ok"),
        ..Default::default()
    };
    let mut marks = Vec::new();
    for (key, value) in form {
        let Some(id) = key.strip_prefix("mark_") else {
            continue;
        };
        let id: i64 = id.parse().map_err(|_| {
            AppError::BadRequest("The attendance form was not what we expected.".into())
        })?;
        let status = meetings::parse_status(&value).ok_or_else(|| {
            AppError::BadRequest("Attendance can be present, absent or excused.".into())
        })?;
        marks.push((id, status));
    }
    roll.marks = marks;
    let everyone = roll.everyone_present;
    let mail = state.mail.clone();
    let result = current
        .db(&state, move |conn, user| {
            meetings::take_roll(conn, &mail, user, ids.0, ids.1, roll)
        })
        .await;
    match result {
        Ok(_) => Ok(back_to_section(
            &current.session,
            &meeting_url(ids),
            Section::Attendance,
            if everyone {
                "Attendance saved: everyone is marked present, except anyone you marked otherwise. Change anyone who wasn't here and save again."
            } else {
                "Attendance saved."
            },
        )),
        Err(e) => or_show_problem(&state, &current, ids, e).await,
    }
}

pub async fn update_fidelity(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    form: CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let form = form.into_inner();
    let delivered: Vec<usize> = form
        .keys()
        .filter_map(|k| k.strip_prefix("segment_"))
        .filter_map(|i| i.parse().ok())
        .collect();
    let note = form.get("fidelity_note").cloned().unwrap_or_default();
    let result = current
        .db(&state, move |conn, user| {
            meetings::record_fidelity(conn, user, ids.0, ids.1, &delivered, &note)
        })
        .await;
    match result {
        Ok(()) => Ok(back_to_section(
            &current.session,
            &meeting_url(ids),
            Section::Fidelity,
            "Checklist saved.",
        )),
        Err(e) => or_show_problem(&state, &current, ids, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct WhenForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
}

pub async fn reschedule_meeting(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    form: CsrfForm<WhenForm>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let form = form.into_inner();
    let mail = state.mail.clone();
    let result = current
        .db(&state, move |conn, user| {
            meetings::reschedule(conn, &mail, user, ids.0, ids.1, &form.date, &form.time)
        })
        .await;
    match result {
        Ok(()) => {
            flash(&current.session, "The meeting has moved.");
            Ok(see_other(&meeting_url(ids)))
        }
        Err(e) => or_show_problem(&state, &current, ids, e).await,
    }
}

/// Asks first: what cancelling will do, and who will be emailed.
pub async fn confirm_cancel(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let check = current
        .db(&state, move |conn, user| {
            meetings::cancel_check(conn, user, ids.0, ids.1)
        })
        .await;
    let check = match check {
        Ok(c) => c,
        // Already cancelled (a second tab, Back): the meeting page says so.
        Err(AppError::Conflict(_)) => return Ok(see_other(&meeting_url(ids))),
        Err(e) => return Err(e),
    };
    state.templates.view(
        "pages/meetings/cancel",
        &current.context()?,
        json!({
            "title": format!("Cancel session {}?", check.session_number),
            "check": check,
        }),
    )
}

pub async fn cancel_meeting(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let mail = state.mail.clone();
    let told = current
        .db(&state, move |conn, user| {
            meetings::cancel(conn, &mail, user, ids.0, ids.1)
        })
        .await?;
    let message = match told {
        0 => "The meeting is cancelled. Nobody is emailed.".to_string(),
        n => format!(
            "The meeting is cancelled. The email to {} waits {} minutes: you can still undo it.",
            parents(n),
            crate::services::follow_ups::CANCEL_HOLD_MINUTES
        ),
    };
    Ok(back_to_section(
        &current.session,
        &meeting_url(ids),
        Section::Schedule,
        &message,
    ))
}

/// "1 parent", "4 parents".
fn parents(n: usize) -> String {
    crate::services::forms::count(n, "parent", "parents")
}

/// Undo a cancel, or bring a cancelled meeting back later.
pub async fn restore_meeting(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let mail = state.mail.clone();
    let result = current
        .db(&state, move |conn, user| {
            meetings::restore(conn, &mail, user, ids.0, ids.1)
        })
        .await;
    let message = match result {
        Ok(r) if r.told > 0 => format!(
            "The meeting is on again. {} {} told it is on after all.",
            parents(r.told),
            if r.told == 1 { "is" } else { "are" }
        ),
        Ok(r) if r.stopped > 0 => {
            "The meeting is on again. The cancel email was stopped: nobody was told.".to_string()
        }
        Ok(_) => "The meeting is on again.".to_string(),
        // Restored already (two taps, two tabs): say so, change nothing.
        Err(AppError::Conflict(m)) => m,
        Err(e) => return Err(e),
    };
    Ok(back_to_section(
        &current.session,
        &meeting_url(ids),
        Section::Schedule,
        &message,
    ))
}

#[derive(Debug, Deserialize)]
pub struct MakeupForm {
    #[serde(default)]
    session_number: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
}

pub async fn create_makeup(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<MakeupForm>,
) -> Result<HttpResponse, AppError> {
    let cohort_id = path.into_inner();
    let form = form.into_inner();
    let result = current
        .db(&state, move |conn, user| {
            meetings::add_makeup(
                conn,
                user,
                cohort_id,
                &form.session_number,
                &form.date,
                &form.time,
            )
        })
        .await;
    match result {
        Ok(id) => {
            flash(&current.session, "The make-up meeting is added.");
            Ok(see_other(&meeting_url((
                CohortId(cohort_id),
                MeetingId(id),
            ))))
        }
        Err(AppError::Invalid(fields)) => Err(AppError::Validation(
            fields.0.values().cloned().collect::<Vec<_>>().join(" "),
        )),
        Err(e) => Err(e),
    }
}
