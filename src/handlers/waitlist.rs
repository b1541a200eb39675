//! The waiting list: a place offered by email (its accept and decline
//! links), and the facilitator's places and "offer a place now".

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::participant::{facilitator_signed_in, CurrentParticipant};
use crate::auth::{csrf, flash, CsrfForm, CurrentUser, NoFields, PageContext, Viewer};
use crate::db::ids::{CohortId, EnrolmentId};
use crate::error::{AppError, FieldErrors};
use crate::render::Section;
use crate::services::waitlist::{self, Answered, OfferLink, PlacesForm, PlacesSaved};
use crate::state::AppState;
use crate::web::http::{back_to_section, see_other};

/// The page for a link that no longer works: nothing changed, and who to
/// ask instead.
fn ended_page(state: &AppState, link: OfferLink) -> Result<HttpResponse, AppError> {
    let (status, ended) = match link {
        OfferLink::Ended(e) => (StatusCode::GONE, Some(e)),
        _ => (StatusCode::NOT_FOUND, None),
    };
    state.templates.view_with_status(
        status,
        "pages/offers/ended",
        &PageContext::anonymous(true),
        json!({
            "title": if ended.is_some() { "This offer has ended" } else { "This link didn't work" },
            "ended": ended,
        }),
    )
}

/// The confirm page of an offer's link: one button, nothing changed yet.
async fn confirm_page(
    state: &AppState,
    viewer: Viewer,
    token: String,
    accept: bool,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    let link = state.db(move |conn| waitlist::offer_page(conn, &t)).await?;
    let page = match link {
        OfferLink::Live(page) => page,
        other => return ended_page(state, other),
    };
    let path = format!(
        "/offer/{token}/{}",
        if accept { "accept" } else { "decline" }
    );
    let other = format!(
        "/offer/{token}/{}",
        if accept { "decline" } else { "accept" }
    );
    if facilitator_signed_in(&viewer.session) {
        return crate::handlers::participant::someone_else_signed_in(state, &viewer, &path);
    }
    state.templates.view(
        "pages/offers/confirm",
        &PageContext::anonymous(true),
        json!({
            "title": if accept { format!("A place in {}", page.cohort_title) } else { "Say no to this place?".to_string() },
            "accept": accept,
            "action": path,
            "other_action": other,
            "page": page,
            "form_token": csrf::token(&viewer.session)?,
        }),
    )
}

pub async fn show_accept(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    confirm_page(&state, viewer, path.into_inner(), true).await
}

pub async fn show_decline(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    confirm_page(&state, viewer, path.into_inner(), false).await
}

async fn answer(
    state: &AppState,
    viewer: Viewer,
    token: String,
    accept: bool,
) -> Result<HttpResponse, AppError> {
    // One browser is one person: a facilitator's is never also a parent's
    // (a link that no longer works says so first, as to anyone).
    if facilitator_signed_in(&viewer.session) {
        return confirm_page(state, viewer, token, accept).await;
    }
    let mail = state.mail.clone();
    let answered = state
        .db(move |conn| waitlist::answer(conn, &mail, &token, accept))
        .await?;
    match answered {
        Answered::TookPlace {
            enrolment_id,
            cohort_title,
        } => {
            CurrentParticipant::start(&viewer.session, enrolment_id)?;
            flash(
                &viewer.session,
                &format!("Welcome to {cohort_title}! The place is yours. We've emailed you the dates, and this is your own page for the course."),
            );
            Ok(see_other("/me"))
        }
        Answered::SaidNo {
            cohort_title,
            facilitators,
        } => state.templates.view(
            "pages/offers/declined",
            &PageContext::anonymous(true),
            json!({
                "title": "Thank you for letting us know",
                "cohort_title": cohort_title,
                "facilitators": facilitators,
            }),
        ),
        Answered::Not(link) => ended_page(state, link),
    }
}

pub async fn accept_offer(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    answer(&state, viewer, path.into_inner(), true).await
}

pub async fn decline_offer(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    answer(&state, viewer, path.into_inner(), false).await
}

/// The facilitator offers a free place to the first person waiting.
pub async fn create_offer(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let mail = state.mail.clone();
    let name = current
        .db(&state, move |conn, user| {
            waitlist::offer_now(conn, &mail, user, ids)
        })
        .await?;
    Ok(back_to_section(
        &current.session,
        &format!("/cohorts/{}", ids.0),
        Section::WaitingList,
        &format!("{name} is offered the place. They have an email with a link to say yes or no."),
    ))
}

fn places_page(
    state: &AppState,
    current: &CurrentUser,
    (cohort_id, status): (i64, StatusCode),
    form: &PlacesForm,
    errors: &FieldErrors,
    names: &[String],
) -> Result<HttpResponse, AppError> {
    state.templates.view_with_status(
        status,
        "pages/waitlist/places",
        &current.context()?,
        json!({
            "title": if names.is_empty() { "Places and offers" } else { "Check before offers go out" },
            "cohort_id": cohort_id,
            "form": form,
            "errors": errors.0,
            "names": names,
            "count_words": crate::services::forms::count(names.len(), "person", "people"),
        }),
    )
}

/// Saves the group's places and offer time; more than one offer is
/// checked first.
pub async fn update_places(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<PlacesForm>,
) -> Result<HttpResponse, AppError> {
    let cohort_id = path.into_inner();
    let form = form.into_inner();
    let submitted = form.clone();
    let mail = state.mail.clone();
    let result = current
        .db(&state, move |conn, user| {
            waitlist::update_places(conn, &mail, user, cohort_id, &submitted)
        })
        .await;
    let ok = (cohort_id, StatusCode::OK);
    match result {
        Ok(PlacesSaved::Saved { offered }) => {
            let message = match offered {
                0 => "Places saved.".to_string(),
                n => format!(
                    "Places saved. {} offered a place by email.",
                    crate::services::forms::count(n, "person was", "people were")
                ),
            };
            Ok(back_to_section(
                &current.session,
                &format!("/cohorts/{cohort_id}"),
                Section::WaitingList,
                &message,
            ))
        }
        Ok(PlacesSaved::Check { names }) => {
            places_page(&state, &current, ok, &form, &FieldErrors::default(), &names)
        }
        Err(AppError::Invalid(errors)) => places_page(
            &state,
            &current,
            (cohort_id, StatusCode::UNPROCESSABLE_ENTITY),
            &form,
            &errors,
            &[],
        ),
        Err(e) => Err(e),
    }
}
