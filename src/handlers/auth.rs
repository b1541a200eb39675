//! Signing in and out, and changing one's password.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::session_store::{PARTICIPANT_KEY, USER_KEY};
use crate::auth::user::{safe_next, same_site_path};
use crate::auth::{csrf, flash, kept, CsrfForm, CurrentUser, NoFields, PageContext, Viewer};
use crate::error::AppError;
use crate::services;
use crate::state::AppState;
use crate::web::http::{client_ip, see_other};

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
    password_changed: Option<String>,
}

fn login_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    email: &str,
    next: Option<&str>,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    state.templates.view_with_status(
        status,
        "pages/auth/login",
        &PageContext::anonymous(false),
        json!({
            "title": "Sign in",
            "form_token": csrf::token(session)?,
            "email": email,
            "next": next.unwrap_or(""),
            "error": error,
            "notice": notice,
        }),
    )
}

/// Where a facilitator goes once signed in: to finish a form they sent
/// after their session ended, or on to `next`.
fn after_sign_in(session: &Session, next: Option<&str>) -> String {
    match kept::peek(session) {
        Some(k) if !k.is_parents() => "/resume".to_string(),
        _ => safe_next(next),
    }
}

/// What a kept form was for, in words, from where it was sent.
fn kept_purpose(path: &str) -> &'static str {
    let ends = |s: &str| path.ends_with(s);
    if ends("/attendance") {
        "the attendance you were saving"
    } else if ends("/fidelity") {
        "your notes on how the session went"
    } else if ends("/reply") {
        "your reply to a parent"
    } else if ends("/recap-note") {
        "your note for the recap email"
    } else if ends("/participants") {
        "the parent you were adding"
    } else if path == "/cohorts" {
        "the new group you were starting"
    } else {
        "the form you were sending"
    }
}

/// The form a facilitator sent after their session ended, offered again
/// with a fresh token: one press saves it, or they can let it go.
pub async fn show_resume(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let Some(form) = kept::peek(&current.session).filter(|k| !k.is_parents()) else {
        return Ok(see_other(crate::auth::user::AFTER_SIGN_IN));
    };
    let words: Vec<&str> = form
        .fields
        .iter()
        .map(|(_, v)| v.as_str())
        .filter(|v| v.chars().any(char::is_whitespace) && v.trim().len() > 3)
        .collect();
    let back = form.path.clone();
    state.templates.view(
        "pages/auth/resume",
        &current.context()?,
        json!({
            "title": "Finish saving",
            "purpose": kept_purpose(&form.path),
            "action": form.path,
            "fields": form.fields.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
            "words": words,
            "back": back,
        }),
    )
}

/// Lets a kept form go.
pub async fn discard_resume(
    current: CurrentUser,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> HttpResponse {
    kept::take(&current.session);
    flash(
        &current.session,
        "Nothing was saved. What you sent is gone.",
    );
    see_other(crate::auth::user::AFTER_SIGN_IN)
}

pub async fn show_login(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    if viewer.user.is_some() {
        return Ok(see_other(&safe_next(query.next.as_deref())));
    }
    let notice = if kept::peek(&viewer.session).is_some_and(|k| !k.is_parents()) {
        Some("You were signed out after a while without use, before that could be saved. We kept it: sign in and you can save it.")
    } else if query.signed_out.is_some() {
        Some("You're signed out. See you next time.")
    } else if query.password_changed.is_some() {
        Some("Your password is changed. Please sign in with the new one.")
    } else {
        None
    };
    login_page(
        &state,
        &viewer.session,
        StatusCode::OK,
        "",
        query.next.as_deref(),
        None,
        notice,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn create_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: CsrfForm<LoginForm, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let ip = client_ip(&req);
    let (email, password) = (form.email.clone(), form.password);
    let result = state
        .db(move |conn| services::auth::sign_in(conn, &email, &password, ip.as_deref()))
        .await;
    match result {
        Ok(user) => {
            // A new session id at sign-in: a key planted before is useless.
            session.renew();
            // One browser is one person: a parent signed in here before is
            // signed out, so the two never share a session.
            session.remove(PARTICIPANT_KEY);
            session
                .insert(USER_KEY, user.id)
                .map_err(|e| AppError::caused("session", e))?;
            csrf::rotate(&session)?;
            Ok(see_other(&after_sign_in(&session, form.next.as_deref())))
        }
        Err(
            e @ (AppError::Unauthorized(_) | AppError::TooManyRequests(_) | AppError::Forbidden(_)),
        ) => {
            let status = actix_web::ResponseError::status_code(&e);
            let mut res = login_page(
                &state,
                &session,
                status,
                &form.email,
                form.next.as_deref(),
                Some(e.to_string()),
                None,
            )?;
            if status == StatusCode::TOO_MANY_REQUESTS {
                res.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from_static("900"),
                );
            }
            Ok(res)
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    /// Where to go once signed out (a parent's link, from the "you're
    /// signed in as a facilitator" page); only a path on this site.
    #[serde(default)]
    next: Option<String>,
}

pub async fn destroy_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    current: CurrentUser,
    form: CsrfForm<SignOutForm, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let (id, ip) = (current.id(), client_ip(&req));
    state
        .db(move |conn| services::auth::record_sign_out(conn, id, ip.as_deref()))
        .await?;
    current.session.purge();
    let then = form
        .into_inner()
        .next
        .as_deref()
        .and_then(same_site_path)
        .unwrap_or_else(|| "/login?signed_out=1".into());
    Ok(see_other(&then))
}

pub async fn edit_password(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    state.templates.view(
        "pages/auth/password",
        &current.context()?,
        json!({ "title": "Change your password", "error": null }),
    )
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn update_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    current: CurrentUser,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let ip = client_ip(&req);
    let result = current
        .db(&state, move |conn, user| {
            services::auth::change_password(
                conn,
                user,
                &form.current,
                &form.new,
                &form.confirm,
                ip.as_deref(),
            )
        })
        .await;
    match result {
        Ok(()) => {
            // Every session of this account has ended, this one included.
            current.session.purge();
            Ok(see_other("/login?password_changed=1"))
        }
        Err(AppError::Validation(message)) => state.templates.view_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "pages/auth/password",
            &current.context()?,
            json!({ "title": "Change your password", "error": message }),
        ),
        Err(other) => Err(other),
    }
}

/// The "email me a sign-in link" page, with a message when there is one.
fn sign_in_link_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    email: &str,
    errors: &crate::error::FieldErrors,
    problem: Option<&str>,
) -> Result<HttpResponse, AppError> {
    state.templates.view_with_status(
        status,
        "pages/auth/link_request",
        &PageContext::anonymous(true),
        json!({
            "title": "Email me a sign-in link",
            "form_token": csrf::token(session)?,
            "email": email,
            "errors": errors.0,
            "problem": problem,
        }),
    )
}

pub async fn show_sign_in_link_form(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    sign_in_link_page(
        &state,
        &session,
        StatusCode::OK,
        "",
        &Default::default(),
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct SignInLinkForm {
    #[serde(default)]
    email: String,
}

/// Sends a one-time sign-in link to an account's own address. Known and
/// unknown addresses get the same page after the same wait.
pub async fn send_sign_in_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: CsrfForm<SignInLinkForm, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let started = std::time::Instant::now();
    let email = form.into_inner().email;
    let (typed, ip, mail) = (email.clone(), client_ip(&req), state.mail.clone());
    let result = state
        .db(move |conn| services::auth::send_sign_in_link(conn, &mail, &typed, ip.as_deref()))
        .await;
    crate::handlers::parent_access::answer_no_sooner(started).await;
    match result {
        Ok(email) => state.templates.view(
            "pages/auth/link_sent",
            &PageContext::anonymous(true),
            json!({
                "title": "Check your email",
                "email": email,
                "minutes": services::auth::SIGN_IN_LINK_MINUTES,
            }),
        ),
        Err(AppError::Invalid(errors)) => sign_in_link_page(
            &state,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            &email,
            &errors,
            None,
        ),
        Err(e @ AppError::TooManyRequests(_)) => sign_in_link_page(
            &state,
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            &email,
            &Default::default(),
            Some(&e.to_string()),
        ),
        Err(e) => Err(e),
    }
}

/// A link that has ended shows the request form again, with why.
fn link_problem(
    state: &AppState,
    session: &Session,
    e: AppError,
) -> Result<HttpResponse, AppError> {
    match e {
        AppError::Gone(_) | AppError::Unauthorized(_) | AppError::Forbidden(_) => {
            sign_in_link_page(
                state,
                session,
                actix_web::ResponseError::status_code(&e),
                "",
                &Default::default(),
                Some(&e.to_string()),
            )
        }
        other => Err(other),
    }
}

/// "Sign in as ...?": opening the emailed link shows one button, so a mail
/// scanner that opens links signs nobody in.
pub async fn show_sign_in_link(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let t = token.clone();
    match state
        .db(move |conn| services::auth::sign_in_link_account(conn, &t))
        .await
    {
        Ok(user) => state.templates.view(
            "pages/auth/link_confirm",
            &PageContext::anonymous(true),
            json!({
                "title": "Sign in",
                "form_token": csrf::token(&session)?,
                "token": token,
                "name": user.name,
                "email": user.email,
            }),
        ),
        Err(e) => link_problem(&state, &session, e),
    }
}

pub async fn use_sign_in_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<String>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let ip = client_ip(&req);
    match state
        .db(move |conn| services::auth::use_sign_in_link(conn, &token, ip.as_deref()))
        .await
    {
        Ok(user) => {
            session.renew();
            session.remove(PARTICIPANT_KEY);
            session
                .insert(USER_KEY, user.id)
                .map_err(|e| AppError::caused("session", e))?;
            csrf::rotate(&session)?;
            Ok(see_other(&after_sign_in(&session, None)))
        }
        Err(e) => link_problem(&state, &session, e),
    }
}
