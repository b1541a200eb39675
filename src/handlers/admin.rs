//! Account management for administrators.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{flash, CsrfForm, CurrentUser, NoFields};
use crate::error::{AppError, FieldErrors};
use crate::services::admin::{self, AccountForm};
use crate::state::AppState;
use crate::web::http::see_other;

async fn users_page(
    state: &AppState,
    current: &CurrentUser,
    status: StatusCode,
    form: &AccountForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let users = current.db(state, admin::list).await?;
    state.templates.view_with_status(
        status,
        "pages/admin/users",
        &current.context()?,
        json!({ "title": "Accounts", "users": users, "form": form, "errors": errors.0 }),
    )
}

pub async fn list_users(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    users_page(
        &state,
        &current,
        StatusCode::OK,
        &AccountForm::default(),
        &FieldErrors::default(),
    )
    .await
}

fn password_page(
    state: &AppState,
    current: &CurrentUser,
    name: &str,
    email: &str,
    password: &str,
    created: bool,
) -> Result<HttpResponse, AppError> {
    state.templates.view(
        "pages/admin/password",
        &current.context()?,
        json!({
            "title": "A password to pass on",
            "name": name,
            "email": email,
            "password": password,
            "created": created,
        }),
    )
}

pub async fn create_user(
    state: web::Data<AppState>,
    current: CurrentUser,
    form: CsrfForm<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let submitted = form.clone();
    let result = current
        .db(&state, move |conn, me| admin::create(conn, me, &submitted))
        .await;
    match result {
        Ok((user, password)) => {
            password_page(&state, &current, &user.name, &user.email, &password, true)
        }
        Err(AppError::Invalid(errors)) => {
            users_page(
                &state,
                &current,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            let mut errors = FieldErrors::default();
            errors.add("email", message);
            users_page(&state, &current, StatusCode::CONFLICT, &form, &errors).await
        }
        Err(e) => Err(e),
    }
}

pub async fn reset_password(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (user, password) = current
        .db(&state, move |conn, me| admin::reset_password(conn, me, id))
        .await?;
    password_page(&state, &current, &user.name, &user.email, &password, false)
}

async fn set_disabled(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: i64,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    let user = current
        .db(&state, move |conn, me| {
            admin::set_disabled(conn, me, id, disabled)
        })
        .await?;
    let message = if disabled {
        format!(
            "{}'s account is switched off and signed out everywhere.",
            user.name
        )
    } else {
        format!("{}'s account is switched on again.", user.name)
    };
    flash(&current.session, &message);
    Ok(see_other("/admin/users"))
}

pub async fn disable_user(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    set_disabled(state, current, path.into_inner(), true).await
}

pub async fn enable_user(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    set_disabled(state, current, path.into_inner(), false).await
}
