//! Cohorts: the new-cohort form and the cohort page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{CsrfForm, CurrentUser, NoFields};
use crate::db::ids::{CohortId, UserId};
use crate::error::{AppError, FieldErrors};
use crate::services::cohorts::{self, CohortForm};
use crate::state::AppState;
use crate::web::http::see_other;

/// The form's fields in the order the page shows them, for the summary
/// of mistakes at the top (each links to its field).
const FIELD_ORDER: &[&str] = &[
    "curriculum",
    "title",
    "first_date",
    "start_time",
    "time_zone",
    "time_zone_city",
    "cadence",
    "skip_1",
    "skip_2",
    "skip_3",
    "skip_4",
    "skip_5",
    "skip_6",
    "location",
    "online_url",
    "capacity",
    "language",
];

fn new_cohort_page(
    state: &AppState,
    current: &CurrentUser,
    status: StatusCode,
    form: &CohortForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let choices = cohorts::form_choices(&state.library, form, errors);
    let summary: Vec<_> = FIELD_ORDER
        .iter()
        .filter_map(|field| errors.0.get(*field).map(|message| (field, message)))
        .map(|(field, message)| {
            // The course radios are reached through their first choice.
            let target = if *field == "curriculum" {
                "course"
            } else {
                field
            };
            json!({ "target": target, "message": message })
        })
        .collect();
    state.templates.view_with_status(
        status,
        "pages/cohorts/new",
        &current.context()?,
        json!({
            "title": "Start a new group",
            "form": form,
            "errors": errors.0,
            "has_errors": !errors.is_empty(),
            "summary": summary,
            "choices": choices,
        }),
    )
}

pub async fn new_cohort(
    state: web::Data<AppState>,
    current: CurrentUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let language = req
        .headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect::<String>());
    let form = current
        .db(&state, move |conn, user| {
            cohorts::blank_form(conn, user, language.as_deref())
        })
        .await?;
    new_cohort_page(
        &state,
        &current,
        StatusCode::OK,
        &form,
        &FieldErrors::default(),
    )
}

pub async fn create_cohort(
    state: web::Data<AppState>,
    current: CurrentUser,
    form: CsrfForm<CohortForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let plan = match cohorts::check_form(&form, &state.library) {
        Ok(plan) => plan,
        Err(AppError::Invalid(errors)) => {
            return new_cohort_page(
                &state,
                &current,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
        }
        Err(other) => return Err(other),
    };
    let cohort = current
        .db(&state, move |conn, user| cohorts::create(conn, user, &plan))
        .await?;
    Ok(see_other(&format!("/cohorts/{}", cohort.id)))
}

#[derive(Debug, Deserialize)]
pub struct RosterQuery {
    /// Finds parents on the roster by name, email or phone.
    #[serde(default)]
    q: String,
}

pub async fn show_cohort(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<RosterQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (mut page, waiting) = current
        .db(&state, move |conn, user| {
            let page = cohorts::page(conn, user, id)?;
            Ok((
                page,
                crate::services::waitlist::waiting_list(conn, user, id)?,
            ))
        })
        .await?;
    let total = page.roster.len();
    let q = query
        .into_inner()
        .q
        .trim()
        .chars()
        .take(100)
        .collect::<String>();
    page.roster = crate::services::parent_record::matching(page.roster, &q);
    let found = page.roster.len();
    state.templates.view(
        "pages/cohorts/show",
        &current.context()?,
        json!({
            "title": page.title.clone(),
            "cohort": page,
            "waiting": waiting,
            "search": {
                "q": q,
                "total": total,
                "found": found,
                "searching": !q.is_empty(),
                "offered": total > 0,
                "found_words": crate::services::forms::count(found, "parent", "parents"),
            },
        }),
    )
}

/// The course guide of the version this group runs.
pub async fn show_guide(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let page = current
        .db(&state, move |conn, user| {
            crate::services::curricula::guide_page(conn, user, id)
        })
        .await?;
    state.templates.view(
        "pages/cohorts/guide",
        &current.context()?,
        json!({ "title": format!("Course guide: {}", page.curriculum_title), "guide": page }),
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct FacilitatorForm {
    #[serde(default)]
    email: String,
}

pub async fn add_facilitator(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<FacilitatorForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let email = form.into_inner().email;
    let other = current
        .db(&state, move |conn, user| {
            cohorts::add_facilitator(conn, user, id, &email)
        })
        .await?;
    crate::auth::flash(
        &current.session,
        &format!("{} now co-facilitates this group.", other.name),
    );
    Ok(see_other(&format!("/cohorts/{id}")))
}

pub async fn remove_facilitator(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, UserId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let (id, other) = path.into_inner();
    current
        .db(&state, move |conn, user| {
            cohorts::remove_facilitator(conn, user, id, other)
        })
        .await?;
    crate::auth::flash(
        &current.session,
        "The co-facilitator is removed from this group.",
    );
    Ok(see_other(&format!("/cohorts/{id}")))
}
