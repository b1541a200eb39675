//! Secret links: invite links (a parent joins a group) and calendar feeds.
//! Each is shown once, when made; making a new one retires the old.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{csrf, flash, CsrfForm, CurrentUser, NoFields, PageContext};
use crate::error::AppError;
use crate::services::calendar;
use crate::services::invites::{self, JoinForm, Joined};
use crate::state::AppState;
use crate::web::http::see_other;

async fn link_page(
    state: &AppState,
    current: &CurrentUser,
    cohort_id: i64,
    kind: &str,
    url: String,
) -> Result<HttpResponse, AppError> {
    let cohort = current
        .db(state, move |conn, user| {
            crate::services::access::find_visible(conn, user, cohort_id)
        })
        .await?;
    state.templates.view(
        "pages/cohorts/link",
        &current.context()?,
        json!({
            "title": if kind == "invite" { "Your invite link" } else { "Your calendar link" },
            "invite": kind == "invite",
            "cohort_id": cohort.id,
            "cohort_title": cohort.title,
            "capacity": cohort.capacity,
            "url": url,
            "webcal": url.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1),
        }),
    )
}

pub async fn renew_invite(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let token = current
        .db(&state, move |conn, user| invites::renew(conn, user, id))
        .await?;
    let url = format!("{}/join/{token}", state.config.base_url);
    link_page(&state, &current, id, "invite", url).await
}

pub async fn turn_off_invite(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    current
        .db(&state, move |conn, user| invites::turn_off(conn, user, id))
        .await?;
    flash(
        &current.session,
        "The invite link is turned off. Nobody new can join with it.",
    );
    Ok(see_other(&format!("/cohorts/{id}")))
}

pub async fn renew_calendar(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let token = current
        .db(&state, move |conn, user| calendar::renew(conn, user, id))
        .await?;
    let url = format!("{}/calendar/{token}.ics", state.config.base_url);
    link_page(&state, &current, id, "calendar", url).await
}

pub async fn show_calendar(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let file = path.into_inner();
    let token = file.strip_suffix(".ics").unwrap_or(&file).to_string();
    let base = state.config.base_url.clone();
    let ics = state
        .db(move |conn| calendar::feed(conn, &token, &base))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("Content-Disposition", "inline; filename=\"meetings.ics\""))
        .body(ics))
}

/// What to call a parent: the name they asked for, or their name.
fn greeting_name(form: &JoinForm) -> String {
    if form.preferred_name.trim().is_empty() {
        form.name.trim().to_string()
    } else {
        form.preferred_name.trim().to_string()
    }
}

fn anonymous(session: &Session) -> Result<(PageContext, String), AppError> {
    Ok((PageContext::anonymous(false), csrf::token(session)?))
}

async fn join_form(
    state: &AppState,
    session: &Session,
    token: String,
    status: StatusCode,
    form: &JoinForm,
    errors: &crate::error::FieldErrors,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    let page = state.db(move |conn| invites::join_page(conn, &t)).await?;
    let (ctx, form_token) = anonymous(session)?;
    state.templates.view_with_status(
        status,
        "pages/join/show",
        &ctx,
        json!({
            "title": format!("Join {}", page.cohort_title),
            "token": token,
            "form_token": form_token,
            "page": page,
            "form": form,
            "errors": errors.0,
        }),
    )
}

pub async fn show_join(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    join_form(
        &state,
        &session,
        path.into_inner(),
        StatusCode::OK,
        &JoinForm::default(),
        &Default::default(),
    )
    .await
}

pub async fn create_join(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: CsrfForm<JoinForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let form = form.into_inner();
    let (t, f) = (token.clone(), form.clone());
    let mail = state.mail.clone();
    let result = state
        .db(move |conn| invites::join(conn, &mail, &t, &f))
        .await;
    match result {
        Ok(joined) => {
            let t = token.clone();
            let page = state.db(move |conn| invites::join_page(conn, &t)).await?;
            let (ctx, _) = anonymous(&session)?;
            state.templates.view(
                "pages/join/done",
                &ctx,
                json!({
                    "title": "Thank you",
                    "page": page,
                    "name": greeting_name(&form),
                    "joined": joined == Joined::Joined,
                    "waitlisted": joined == Joined::Waitlisted,
                }),
            )
        }
        Err(AppError::Invalid(errors)) => {
            join_form(
                &state,
                &session,
                token,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
