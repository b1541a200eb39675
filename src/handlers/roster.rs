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
    (cohort_id, walk_in): (i64, Option<i64>),
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
            "title": if walk_in.is_some() { "Add someone who came tonight" } else { "Add a parent" },
            "walk_in": walk_in,
            "cohort_id": cohort.id,
            "cohort_title": cohort.title,
            "form": form,
            "errors": errors.0,
            "problem": problem,
        }),
    )
}

/// `?walk_in=<meeting>`: adding someone from the roll, who came tonight.
#[derive(Debug, Default, serde::Deserialize)]
pub struct WalkIn {
    #[serde(default)]
    walk_in: Option<i64>,
}

pub async fn new_participant(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<WalkIn>,
) -> Result<HttpResponse, AppError> {
    form_page(
        &state,
        &current,
        (path.into_inner(), query.walk_in),
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
    query: web::Query<WalkIn>,
    form: CsrfForm<ParticipantForm>,
) -> Result<HttpResponse, AppError> {
    let cohort_id = path.into_inner();
    let walk_in = query.walk_in;
    let form = form.into_inner();
    let input = match roster::check(&form) {
        Ok(i) => i,
        Err(AppError::Invalid(errors)) => {
            return form_page(
                &state,
                &current,
                (cohort_id, walk_in),
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
                None,
            )
            .await
        }
        Err(e) => return Err(e),
    };
    if let Some(meeting) = walk_in {
        return add_walk_in(&state, &current, (cohort_id, meeting), input).await;
    }
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
                (cohort_id, walk_in),
                StatusCode::CONFLICT,
                &form,
                &FieldErrors::default(),
                Some(message),
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            form_page(
                &state,
                &current,
                (cohort_id, walk_in),
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
                None,
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

/// One parent of a group the facilitator may see (else "not found").
pub(crate) async fn parent_record(
    state: &AppState,
    current: &CurrentUser,
    (cohort_id, enrolment_id): (CohortId, EnrolmentId),
) -> Result<crate::services::parent_record::ParentRecord, AppError> {
    current
        .db(state, move |conn, user| {
            crate::services::parent_record::parent_record(conn, user, cohort_id, enrolment_id)
        })
        .await
}

/// One parent's page in a group: their details and meetings, and the
/// changes that need care (switching links off, withdrawing), each with
/// what it will do.
pub async fn show_participant(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let record = parent_record(&state, &current, ids).await?;
    let on = state.mail.texts_on();
    let reaching = current
        .db(&state, move |conn, user| {
            crate::services::texts::parent_choices(conn, user, ids, on)
        })
        .await?;
    state.templates.view(
        "pages/roster/parent",
        &current.context()?,
        json!({ "title": record.parent.name.clone(), "record": record, "reaching": reaching }),
    )
}

/// Adds someone from tonight's roll and marks them present there.
async fn add_walk_in(
    state: &AppState,
    current: &CurrentUser,
    (cohort_id, meeting_id): (i64, i64),
    input: roster::ParticipantInput,
) -> Result<HttpResponse, AppError> {
    let mail = state.mail.clone();
    let ids = (CohortId(cohort_id), crate::db::ids::MeetingId(meeting_id));
    let message = current
        .db(state, move |conn, user| {
            crate::services::meetings::add_walk_in(conn, &mail, user, ids, &input)
        })
        .await?;
    Ok(back_to_section(
        &current.session,
        &format!("/cohorts/{cohort_id}/meetings/{meeting_id}"),
        Section::Attendance,
        &message,
    ))
}
