//! One-click unsubscribe (RFC 8058). The link in every follow-up is signed,
//! so it needs no session or cookie. A GET only asks; a POST (from the
//! confirmation button, or from the mail client's one-click) unsubscribes.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::PageContext;
use crate::error::AppError;
use crate::services::follow_ups;
use crate::state::AppState;

fn enrolment_of(state: &AppState, token: &str) -> Result<i64, AppError> {
    state.mail.verify_unsubscribe(token).ok_or_else(|| {
        AppError::NotFound(
            "This link to stop emails is not complete. Please use the link from the newest email, \
             or ask your group's facilitator to stop them for you."
                .into(),
        )
    })
}

pub async fn show_unsubscribe(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = enrolment_of(&state, &token)?;
    let facts = state
        .db(move |conn| follow_ups::subscription(conn, id))
        .await?;
    state.templates.view(
        "pages/unsubscribe/confirm",
        &PageContext::anonymous(true),
        json!({ "title": "Stop emails", "facts": facts, "token": token.into_inner() }),
    )
}

/// Any body is accepted: mail clients send `List-Unsubscribe=One-Click`
/// form-encoded or as multipart, and the page's own button sends nothing.
pub async fn create_unsubscribe(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = enrolment_of(&state, &token)?;
    let facts = state
        .db(move |conn| {
            follow_ups::unsubscribe_by_link(conn, id, crate::db::now())?;
            follow_ups::subscription(conn, id)
        })
        .await?;
    state.templates.view(
        "pages/unsubscribe/done",
        &PageContext::anonymous(true),
        json!({ "title": "Emails stopped", "facts": facts }),
    )
}
