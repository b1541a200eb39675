//! RSVP links (`/r/<token>`) and the parent's own answer on `/me`. A GET
//! of a link only shows one button; the POST answers. The link is the
//! authority (like the stop-emails link), so it needs no cookie, but a
//! browser signed in as someone else cannot use it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::participant::{self as parent_auth, CurrentParticipant};
use crate::auth::{CsrfForm, PageContext, Viewer};
use crate::error::AppError;
use crate::handlers::participant::someone_else_signed_in;
use crate::render::Section;
use crate::services::rsvps::{self, AnswerForm, Asker, LinkFacts, LinkState};
use crate::state::AppState;
use crate::web::http::back_to_section;

fn title(facts: &LinkFacts) -> &'static str {
    if facts.coming {
        "I'll be there"
    } else {
        "I can't come this time"
    }
}

/// A link that cannot answer: what happened, in plain words, and the ways on.
fn problem(state: &AppState, err: &AppError) -> Result<HttpResponse, AppError> {
    let status = actix_web::ResponseError::status_code(err);
    state.templates.view_with_status(
        status,
        "pages/rsvp/problem",
        &PageContext::anonymous(true),
        json!({
            "title": match status.as_u16() {
                403 => "This link is for someone else",
                404 => "This link didn't work",
                _ => "This link can't be used again",
            },
            "message": err.public_message(),
        }),
    )
}

fn confirm_page(
    state: &AppState,
    token: &str,
    facts: &LinkFacts,
    status: StatusCode,
    errors: Option<&crate::error::FieldErrors>,
    typed: Option<&AnswerForm>,
) -> Result<HttpResponse, AppError> {
    state.templates.view_with_status(
        status,
        "pages/rsvp/confirm",
        &PageContext::anonymous(true),
        json!({
            "title": title(facts),
            "facts": facts,
            "token": token,
            "errors": errors.map(|e| e.0.clone()).unwrap_or_default(),
            "note": typed.map(|t| t.note.clone()).unwrap_or_default(),
        }),
    )
}

pub async fn show_rsvp(
    state: web::Data<AppState>,
    viewer: Viewer,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let link = state.db(move |conn| rsvps::open_link(conn, &t)).await?;
    let facts = match link {
        LinkState::Live(f) => f,
        LinkState::Used(_) => return problem(&state, &rsvps::used_error()),
        LinkState::Ended(_) => return problem(&state, &rsvps::ended_error()),
        LinkState::Unknown => return problem(&state, &rsvps::unknown_error()),
    };
    if parent_auth::facilitator_signed_in(&viewer.session) {
        return someone_else_signed_in(&state, &viewer, &format!("/r/{token}"));
    }
    confirm_page(&state, &token, &facts, StatusCode::OK, None, None)
}

pub async fn create_rsvp(
    state: web::Data<AppState>,
    viewer: Viewer,
    token: web::Path<String>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let asker = Asker {
        signed_in_enrolment: parent_auth::signed_in_enrolment(&viewer.session),
        facilitator: parent_auth::facilitator_signed_in(&viewer.session),
    };
    let (t, f) = (token.clone(), form.clone());
    let answered = state
        .db(move |conn| rsvps::answer_by_link(conn, &t, &f, asker))
        .await;
    match answered {
        Ok(None) => someone_else_signed_in(&state, &viewer, &format!("/r/{token}")),
        Ok(Some(done)) => state.templates.view(
            "pages/rsvp/done",
            &PageContext::anonymous(true),
            json!({ "title": "Thank you", "facts": done.facts, "change_path": done.change_path }),
        ),
        Err(AppError::Invalid(errors)) => {
            let t = token.clone();
            match state.db(move |conn| rsvps::open_link(conn, &t)).await? {
                LinkState::Live(facts) => confirm_page(
                    &state,
                    &token,
                    &facts,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&errors),
                    Some(&form),
                ),
                _ => problem(&state, &rsvps::ended_error()),
            }
        }
        Err(e @ (AppError::Gone(_) | AppError::NotFound(_) | AppError::Forbidden(_))) => {
            problem(&state, &e)
        }
        Err(e) => Err(e),
    }
}

/// The choice on the parent's own page, for their next meeting.
pub async fn update_my_rsvp(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    form: CsrfForm<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    let form = form.into_inner();
    let answered = state
        .db(move |conn| rsvps::answer_at_home(conn, id, &form))
        .await;
    let message = match answered {
        Ok(crate::db::status::RsvpAnswer::Coming) => {
            "Thank you! We've told your facilitator you'll be there.".to_string()
        }
        Ok(crate::db::status::RsvpAnswer::Apologies) => {
            "Thank you for letting us know. We'll miss you, and we hope to see you next time."
                .to_string()
        }
        Err(AppError::Invalid(errors)) => format!(
            "Nothing was saved: {}",
            errors.0.values().cloned().collect::<Vec<_>>().join(" ")
        ),
        Err(AppError::Conflict(why)) => why,
        Err(e) => return Err(e),
    };
    Ok(back_to_section(&me.session, "/me", Section::Rsvp, &message))
}
