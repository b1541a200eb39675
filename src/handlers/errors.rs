//! The one place error responses get their body: an HTML page for people,
//! JSON for programs.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use actix_session::{Session, SessionExt};

use crate::auth::keys::USER_KEY;
use crate::auth::{csrf, kept};
use crate::error::{title_for, AppError, ErrorPage};
use crate::render::Templates;

/// Refuses any request body sent compressed (`Content-Encoding` other than
/// `identity`) with 415 before a handler reads it. attune is built without
/// actix-web's decompression, so nothing here could inflate a small body
/// into a large one; refusing says so plainly instead of failing later as
/// an unreadable form.
pub async fn refuse_encoded_bodies(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let encoded = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded {
        let err = AppError::UnsupportedMediaType(
            "We accept forms and uploads as they are, not compressed. Please send it again \
             without Content-Encoding."
                .into(),
        );
        return Ok(req.error_response(err).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// The default service: any path no route matched.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found(
        "The page you asked for isn't here. It may have moved, or the link may be mistyped.",
    ))
}

pub(crate) fn wants_json(req: &HttpRequest) -> bool {
    let path = req.path();
    if path.starts_with("/api/") || path == "/healthz" {
        return true;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

fn default_message(status: u16) -> &'static str {
    match status {
        400 => "Something in that request was not what we expected. Please go back and try again.",
        404 => "The page you asked for isn't here. It may have moved, or the link may be mistyped.",
        405 => "That page can't be used that way.",
        413 => "That was more than we can take at once. Please send something smaller.",
        s if s >= 500 => "Something went wrong on our side. Please try again in a moment.",
        _ => "Please go back and try again.",
    }
}

/// Gives every 4xx/5xx response without a body of its own the error page.
/// Responses that already carry HTML or JSON (a form shown again with its
/// mistakes, say) are left as they are.
pub fn render_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let page = res.response().extensions().get::<ErrorPage>().cloned();
    let has_own_body = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if page.is_none() && has_own_body {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }

    let status = res.status();
    let (title, message) = match page {
        Some(p) => (p.title, p.message),
        None => (
            title_for(status),
            default_message(status.as_u16()).to_string(),
        ),
    };
    let (req, res) = res.into_parts();
    let (body, content_type) = if wants_json(&req) {
        (page_json(status, title, &message), "application/json")
    } else {
        let templates = req.app_data::<web::Data<Templates>>().map(|t| t.get_ref());
        let html = match parents_page(&req, status) {
            Some(session) => parent_page_html(templates, &session, title, &message),
            None => signed_in_page_html(templates, &req, status, title, &message),
        };
        (html, "text/html; charset=utf-8")
    };
    let mut new_res: HttpResponse<BoxBody> = res.set_body(BoxBody::new(body));
    new_res
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    new_res.headers_mut().remove(header::CONTENT_LENGTH);
    let res = ServiceResponse::new(req, new_res).map_body(|_, b| EitherBody::right(b));
    Ok(ErrorHandlerResponse::Response(res))
}

/// An error as JSON for programs.
pub(crate) fn page_json(status: StatusCode, title: &str, message: &str) -> String {
    json!({ "error": { "status": status.as_u16(), "title": title, "message": message } })
        .to_string()
}

/// An error page for people, in the site's layout when the templates can
/// render it.
pub(crate) fn page_html(
    templates: Option<&Templates>,
    status: StatusCode,
    title: &str,
    message: &str,
) -> String {
    error_html(templates, status, title, message, false)
}

fn error_html(
    templates: Option<&Templates>,
    status: StatusCode,
    title: &str,
    message: &str,
    signed_in: bool,
) -> String {
    templates
        .and_then(|t| {
            t.render(
                "errors/error",
                &json!({
                    "title": title,
                    "status": status.as_u16(),
                    "message": message,
                    "signed_in": signed_in,
                    "user": null,
                    "csrf": null,
                    "flash": null,
                }),
            )
            .ok()
        })
        .unwrap_or_else(|| fallback_html(title, message))
}

/// The error page, leading a signed-in facilitator back to their dashboard.
fn signed_in_page_html(
    templates: Option<&Templates>,
    req: &HttpRequest,
    status: StatusCode,
    title: &str,
    message: &str,
) -> String {
    let signed_in = matches!(req.get_session().get::<i64>(USER_KEY), Ok(Some(_)));
    error_html(templates, status, title, message, signed_in)
}

/// A parent's own pages (under `/me`) that fail for someone not signed in,
/// or any refusal on a parent's page: these get the parents' error page,
/// with the ways back in and no status code in sight.
fn parents_page(req: &HttpRequest, status: StatusCode) -> Option<Session> {
    let path = req.path();
    let parents = path == "/me" || path.starts_with("/me/");
    (parents && status.is_client_error()).then(|| req.get_session())
}

/// What a parent typed and sent after their session ended, to show back.
fn kept_words(session: &Session) -> Vec<serde_json::Value> {
    let Some(form) = kept::peek(session).filter(|k| k.is_parents()) else {
        return Vec::new();
    };
    let texts: Vec<&str> = form
        .fields
        .iter()
        .filter(|(name, value)| name.starts_with("answer_") && !value.trim().is_empty())
        .map(|(_, value)| value.as_str())
        .collect();
    let many = texts.len() > 1;
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let label = if many {
                format!("What you wrote ({})", i + 1)
            } else {
                "What you wrote".to_string()
            };
            json!({ "label": label, "text": text })
        })
        .collect()
}

const AFTER_IDLE: &str = "To keep your page private, we sign you out after two hours without use.";

fn parent_page_html(
    templates: Option<&Templates>,
    session: &Session,
    title: &str,
    message: &str,
) -> String {
    let form_token = csrf::token(session).unwrap_or_default();
    let kept = kept_words(session);
    templates
        .and_then(|t| {
            t.render(
                "errors/parent",
                &json!({
                    "title": if !kept.is_empty() { "You were signed out" } else if title == title_for(StatusCode::UNAUTHORIZED) { "Open your page" } else { title },
                    "message": if kept.is_empty() { message } else { AFTER_IDLE },
                    "kept": kept,
                    "form_token": form_token,
                    "user": null,
                    "csrf": null,
                    "flash": null,
                }),
            )
            .ok()
        })
        .unwrap_or_else(|| fallback_html(title, message))
}

/// When even the template fails, still say something kind.
fn fallback_html(title: &str, message: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{}</title><h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the start</a></p></html>",
        esc(title),
        esc(title),
        esc(message)
    )
}
