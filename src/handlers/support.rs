//! The Help now page (anyone) and the support list behind it (administrators).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{flash, CsrfForm, CurrentUser, NoFields, Viewer};
use crate::error::{AppError, FieldErrors};
use crate::services::support::{self, ServiceForm};
use crate::state::AppState;
use crate::web::http::see_other;

/// Who to call now, and where parents can turn: linked from the foot of
/// every page, no sign-in needed.
pub async fn show_help(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let list = state.db(support::list).await?;
    state.templates.view(
        "pages/public/help",
        &viewer.context()?,
        json!({ "title": "Help now", "help": list }),
    )
}

async fn support_page(
    state: &AppState,
    current: &CurrentUser,
    status: StatusCode,
    form: &ServiceForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (list, countries) = current.db(state, support::admin_page).await?;
    state.templates.view_with_status(
        status,
        "pages/admin/support",
        &current.context()?,
        json!({
            "title": "Support list",
            "help": list,
            "countries": countries,
            "form": form,
            "errors": errors.0,
        }),
    )
}

pub async fn show_support(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    support_page(
        &state,
        &current,
        StatusCode::OK,
        &ServiceForm::default(),
        &FieldErrors::default(),
    )
    .await
}

pub async fn add_service(
    state: web::Data<AppState>,
    current: CurrentUser,
    form: CsrfForm<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let submitted = form.clone();
    let result = current
        .db(&state, move |conn, me| support::add(conn, me, &submitted))
        .await;
    match result {
        Ok(()) => {
            flash(
                &current.session,
                &format!("{} is on the list now.", form.name.trim()),
            );
            Ok(see_other("/admin/support"))
        }
        Err(AppError::Invalid(errors)) => {
            support_page(
                &state,
                &current,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn remove_service(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let name = current
        .db(&state, move |conn, me| support::remove(conn, me, id))
        .await?;
    flash(&current.session, &format!("{name} is off the list."));
    Ok(see_other("/admin/support"))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CountryForm {
    country: String,
}

pub async fn set_country(
    state: web::Data<AppState>,
    current: CurrentUser,
    form: CsrfForm<CountryForm>,
) -> Result<HttpResponse, AppError> {
    let code = form.into_inner().country;
    let result = current
        .db(&state, move |conn, me| {
            support::set_country(conn, me, &code)
        })
        .await;
    match result {
        Ok(number) => {
            flash(
                &current.session,
                &format!("Parents are told to call {number} in an emergency."),
            );
            Ok(see_other("/admin/support"))
        }
        Err(AppError::Invalid(errors)) => {
            support_page(
                &state,
                &current,
                StatusCode::UNPROCESSABLE_ENTITY,
                &ServiceForm::default(),
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
