//! A parent who lost their link, or is on a shared device: a new link by
//! email, or a sign-in code. And turning the group's emails off or on.

use actix_session::Session;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::csrf::SHORT_FORM;
use crate::auth::participant::CurrentParticipant;
use crate::auth::{csrf, flash, CsrfForm, PageContext, Viewer};
use crate::error::{AppError, FieldErrors};
use crate::services::parent_access;
use crate::state::AppState;
use crate::web::http::{client_ip, see_other};

/// Pages for someone not signed in. Never cached: they carry a form
/// token, and some an email address.
fn page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    template: &str,
    mut data: Value,
) -> Result<HttpResponse, AppError> {
    let ctx = PageContext::anonymous(true);
    if let Value::Object(map) = &mut data {
        map.insert("form_token".into(), json!(csrf::token(session)?));
    }
    state
        .templates
        .view_with_status(status, template, &ctx, data)
}

fn email_form(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    code: bool,
    email: &str,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (template, title) = if code {
        ("pages/access/code", "Sign in with a code")
    } else {
        ("pages/access/lost", "Lost your link?")
    };
    page(
        state,
        session,
        status,
        template,
        json!({ "title": title, "email": email, "errors": errors.0 }),
    )
}

fn enter_form(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    page(
        state,
        session,
        status,
        "pages/access/enter",
        json!({
            "title": "Type your code",
            "email": email,
            "error": error,
            "minutes": parent_access::CODE_MINUTES,
        }),
    )
}

/// 429, kindly, the same for every address.
fn wait_page(
    state: &AppState,
    session: &Session,
    message: String,
) -> Result<HttpResponse, AppError> {
    let mut res = page(
        state,
        session,
        StatusCode::TOO_MANY_REQUESTS,
        "pages/access/wait",
        json!({ "title": "Please wait a little", "message": message }),
    )?;
    res.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("3600"));
    Ok(res)
}

/// A link or code request that did not go: the form again with its
/// mistakes (422), or the wait page (429).
fn refused(
    state: &AppState,
    session: &Session,
    code: bool,
    email: &str,
    e: AppError,
) -> Result<HttpResponse, AppError> {
    match e {
        AppError::Invalid(errors) => email_form(
            state,
            session,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            email,
            &errors,
        ),
        AppError::TooManyRequests(message) => wait_page(state, session, message),
        e => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn show_lost(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    email_form(
        &state,
        &session,
        StatusCode::OK,
        false,
        "",
        &FieldErrors::default(),
    )
}

/// How long asking for a link or a code takes, whether or not the address
/// is known. Queuing an email takes a little longer than finding nothing;
/// answering both after the same wait keeps that difference from telling a
/// stranger who is in a class. The wait is asynchronous: it holds no thread.
const LOOKUP_ANSWER_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

pub(crate) async fn answer_no_sooner(started: std::time::Instant) {
    actix_web::rt::time::sleep(LOOKUP_ANSWER_AFTER.saturating_sub(started.elapsed())).await;
}

pub async fn send_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: CsrfForm<EmailForm, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let started = std::time::Instant::now();
    let email = form.into_inner().email;
    let (typed, ip, mail) = (email.clone(), client_ip(&req), state.mail.clone());
    let result = state
        .db(move |conn| parent_access::send_link(conn, &mail, &typed, ip.as_deref()))
        .await;
    answer_no_sooner(started).await;
    match result {
        Ok(()) => page(
            &state,
            &session,
            StatusCode::OK,
            "pages/access/link_sent",
            json!({ "title": "Check your email" }),
        ),
        Err(e) => refused(&state, &session, false, &email, e),
    }
}

pub async fn show_code(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    email_form(
        &state,
        &session,
        StatusCode::OK,
        true,
        "",
        &FieldErrors::default(),
    )
}

pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: CsrfForm<EmailForm, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let started = std::time::Instant::now();
    let email = form.into_inner().email;
    let (typed, ip, mail) = (email.clone(), client_ip(&req), state.mail.clone());
    let secret = state.secret_key.clone();
    let result = state
        .db(move |conn| parent_access::send_code(conn, &mail, &secret, &typed, ip.as_deref()))
        .await;
    answer_no_sooner(started).await;
    match result {
        Ok(email) => enter_form(&state, &session, StatusCode::OK, &email, None),
        Err(e) => refused(&state, &session, true, &email, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
}

pub async fn enter_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    viewer: Viewer,
    form: CsrfForm<CodeForm, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    // A facilitator's browser: the code is not used up, and nothing changes.
    if crate::auth::participant::facilitator_signed_in(&viewer.session) {
        return crate::handlers::participant::someone_else_signed_in(&state, &viewer, "/p/code");
    }
    let session = viewer.session;
    let CodeForm { email, code } = form.into_inner();
    let (typed, ip, secret) = (email.clone(), client_ip(&req), state.secret_key.clone());
    let result = state
        .db(move |conn| parent_access::enter_code(conn, &secret, &typed, &code, ip.as_deref()))
        .await;
    match result {
        Ok(enrolment_id) => {
            CurrentParticipant::start(&session, enrolment_id)?;
            if let Some(back) =
                crate::handlers::participant::restore_kept(&state, &session, enrolment_id).await?
            {
                return Ok(back);
            }
            flash(
                &session,
                "You're signed in. On a shared phone or computer, please sign out when you're done.",
            );
            Ok(see_other("/me"))
        }
        // The address is a hidden field: if it is wrong, start again.
        Err(AppError::Invalid(errors)) if errors.0.contains_key("email") => email_form(
            &state,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            true,
            &email,
            &errors,
        ),
        Err(AppError::Invalid(errors)) => enter_form(
            &state,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            email.trim(),
            errors.0.get("code").cloned(),
        ),
        Err(AppError::Unauthorized(message)) => enter_form(
            &state,
            &session,
            StatusCode::UNAUTHORIZED,
            email.trim(),
            Some(message),
        ),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct EmailsForm {
    #[serde(default)]
    emails: String,
}

pub async fn update_emails(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    form: CsrfForm<EmailsForm>,
) -> Result<HttpResponse, AppError> {
    let on = parent_access::parse_switch(&form.into_inner().emails)?;
    let id = me.enrolment_id;
    state
        .db(move |conn| parent_access::set_emails(conn, id, on))
        .await?;
    flash(
        &me.session,
        if on {
            "Emails are on. We'll send you reminders and notes from your group."
        } else {
            "Emails are off. We won't send you reminders or notes from your group."
        },
    );
    Ok(see_other("/me"))
}
