//! A one-off message to the group about a meeting: written, checked (who
//! gets it and what it says), sent held a few minutes, and undone.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{CsrfForm, CurrentUser, NoFields};
use crate::db::ids::{CohortId, MeetingId};
use crate::error::AppError;
use crate::handlers::meetings::meeting_url;
use crate::render::Section;
use crate::services::forms::count;
use crate::services::group_message;
use crate::state::AppState;
use crate::web::http::back_to_section;

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    message: String,
    /// "check" (the default), "edit" or "send".
    #[serde(default)]
    step: String,
}

/// The message form on a page of its own, with what was typed and why it
/// could not be checked yet.
fn edit_page(
    state: &AppState,
    current: &CurrentUser,
    ids: (CohortId, MeetingId),
    (status, message, error): (StatusCode, &str, Option<String>),
) -> Result<HttpResponse, AppError> {
    state.templates.view_with_status(
        status,
        "pages/meetings/message",
        &current.context()?,
        json!({
            "title": "Message the group",
            "ids": { "cohort": ids.0, "meeting": ids.1 },
            "message": message,
            "error": error,
            "check": null,
        }),
    )
}

pub async fn create_message(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    form: CsrfForm<MessageForm>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let MessageForm { message, step } = form.into_inner();
    let mail = state.mail.clone();
    if step == "edit" {
        return edit_page(&state, &current, ids, (StatusCode::OK, &message, None));
    }
    if step == "send" {
        let text = message.clone();
        let (n, goes) = current
            .db(&state, move |conn, user| {
                group_message::send(conn, &mail, user, ids, &text)
            })
            .await?;
        return Ok(back_to_section(
            &current.session,
            &meeting_url(ids),
            Section::Message,
            &format!(
                "Your message goes to {} at {goes}. Until then you can undo it.",
                count(n, "parent", "parents")
            ),
        ));
    }
    let text = message.clone();
    let checked = current
        .db(&state, move |conn, user| {
            group_message::check(conn, &mail, user, ids, &text)
        })
        .await;
    let problem =
        match checked {
            Ok(check) => return state.templates.view(
                "pages/meetings/message",
                &current.context()?,
                json!({
                    "title": format!("Send this to {}?", count(check.count, "parent", "parents")),
                    "ids": { "cohort": ids.0, "meeting": ids.1 },
                    "who": count(check.count, "parent", "parents"),
                    "check": check,
                    "message": message,
                    "error": null,
                }),
            ),
            Err(AppError::Invalid(fields)) => fields.0.get("message").cloned(),
            Err(AppError::Validation(m)) => Some(m),
            Err(e) => return Err(e),
        };
    edit_page(
        &state,
        &current,
        ids,
        (StatusCode::UNPROCESSABLE_ENTITY, &message, problem),
    )
}

pub async fn undo_message(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let stopped = current
        .db(&state, move |conn, user| {
            group_message::undo(conn, user, ids)
        })
        .await?;
    let message = if stopped > 0 {
        "Stopped. Nobody got your message.".to_string()
    } else {
        "It was too late to stop it: the message has gone.".to_string()
    };
    Ok(back_to_section(
        &current.session,
        &meeting_url(ids),
        Section::Message,
        &message,
    ))
}
