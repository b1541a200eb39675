//! Adding, withdrawing and re-admitting parents.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{CsrfForm, CurrentUser, NoFields};
use crate::db::ids::{CohortId, EnrolmentId};
use crate::error::{AppError, FieldErrors};
use crate::render::Section;
use crate::services::roster::{self, Added, ParticipantForm};
use crate::state::AppState;
use crate::web::http::back_to_section;

async fn form_page(
    state: &AppState,
    current: &CurrentUser,
    cohort_id: i64,
    status: StatusCode,
    form: &ParticipantForm,
    errors: &FieldErrors,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let cohort = current
        .db(state, move |conn, user| {
            crate::services::access::find_visible(conn, user, cohort_id)
        })
        .await?;
    state.templates.view_with_status(
        status,
        "pages/roster/new",
        &current.context()?,
        json!({
            "title": "Add a parent",
            "cohort_id": cohort.id,
            "cohort_title": cohort.title,
            "form": form,
            "errors": errors.0,
            "problem": problem,
        }),
    )
}

pub async fn new_participant(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    form_page(
        &state,
        &current,
        path.into_inner(),
        StatusCode::OK,
        &ParticipantForm::default(),
        &FieldErrors::default(),
        None,
    )
    .await
}

pub async fn create_participant(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<ParticipantForm>,
) -> Result<HttpResponse, AppError> {
    let cohort_id = path.into_inner();
    let form = form.into_inner();
    let input = match roster::check(&form) {
        Ok(i) => i,
        Err(AppError::Invalid(errors)) => {
            return form_page(
                &state,
                &current,
                cohort_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
                None,
            )
            .await
        }
        Err(e) => return Err(e),
    };
    let name = input.name.clone();
    let mail = state.mail.clone();
    let result = current
        .db(&state, move |conn, user| {
            roster::add(conn, &mail, user, cohort_id, &input, "manual")
        })
        .await;
    match result {
        Ok((_, added)) => {
            let message = match added {
                Added::New => format!("{name} is in the group."),
                Added::Readmitted => format!("{name} had left the group and is back in."),
            };
            Ok(back_to_section(
                &current.session,
                &format!("/cohorts/{cohort_id}"),
                Section::Roster,
                &message,
            ))
        }
        Err(AppError::Conflict(message)) => {
            form_page(
                &state,
                &current,
                cohort_id,
                StatusCode::CONFLICT,
                &form,
                &FieldErrors::default(),
                Some(message),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn set_active(
    state: web::Data<AppState>,
    current: CurrentUser,
    ids: (CohortId, EnrolmentId),
    active: bool,
) -> Result<HttpResponse, AppError> {
    let mail = state.mail.clone();
    let name = current
        .db(&state, move |conn, user| {
            roster::set_active(conn, &mail, user, ids.0, ids.1, active)
        })
        .await?;
    let message = if active {
        format!("{name} is back in the group.")
    } else {
        format!("{name} has left the group. Their attendance and reflections are kept.")
    };
    Ok(back_to_section(
        &current.session,
        &format!("/cohorts/{}", ids.0),
        Section::Roster,
        &message,
    ))
}

pub async fn withdraw_enrolment(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    set_active(state, current, path.into_inner(), false).await
}

pub async fn readmit_enrolment(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    set_active(state, current, path.into_inner(), true).await
}

/// One parent's page in a group: their details and meetings, and the
/// changes that need care (switching links off, withdrawing), each with
/// what it will do.
pub async fn show_participant(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, enrolment_id) = path.into_inner();
    let record = current
        .db(&state, move |conn, user| {
            crate::services::parent_record::parent_record(conn, user, cohort_id, enrolment_id)
        })
        .await?;
    state.templates.view(
        "pages/roster/parent",
        &current.context()?,
        json!({ "title": record.parent.name.clone(), "record": record }),
    )
}
